"""Settings (letters, prompt review, the monthly scoring rule) and the audit log."""
from flask import g, jsonify

from ..auth import auth_required
from ..errors import ApiError
from ..extensions import db
from ..idempotency import write_endpoint
from ..schemas.admin import AuditQuery, ScoringRule, SettingsDoc
from ..services import audit, settings
from ..services.scoring_preview import preview
from . import bp, load_body, load_query


def _checked(doc: dict) -> dict:
    """A rule that cannot be applied is a 422 naming the field."""
    try:
        settings.rule_of(doc)
    except (ValueError, TypeError) as err:
        field = "grades" if "grade" in str(err) else "scoring"
        raise ApiError(422, "invalid_fields", "填写的内容有误",
                       {field: f"考评规则无法使用：{err}"}) from None
    return doc


@bp.get("/settings")
@auth_required()
def get_settings():
    """The settings in force (a valid PUT body)."""
    return jsonify(settings.current())


@bp.put("/settings")
@auth_required("admin")
@write_endpoint
def put_settings():
    """Replace the settings document."""
    doc = _checked(load_body(SettingsDoc()))
    before, after = settings.replace(doc)
    audit.record(g.user, "settings.update", "settings", *audit.changed(before, after))
    return after


@bp.post("/settings/preview")
@auth_required("admin")
def preview_scoring():
    """Last month's grades under a proposed scoring rule (nothing is stored)."""
    doc = _checked(load_body(ScoringRule()))
    return jsonify(preview(settings.rule_of(doc)))


@bp.get("/audit")
@auth_required("admin")
def list_audit():
    """The audit log, filtered and paged, newest first."""
    args = load_query(AuditQuery())
    args["from"] = args.pop("from_", None)
    q = audit.query(args)
    total = db.session.scalar(db.select(db.func.count()).select_from(q.order_by(None).subquery()))
    rows = db.session.scalars(q.limit(args["per_page"]).offset((args["page"] - 1) * args["per_page"]))
    return jsonify({"items": [audit.entry_dict(e) for e in rows], "total": total})
