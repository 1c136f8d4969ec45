"""Findings: the list, one finding, and its transitions."""
from flask import g, jsonify

from ..auth import auth_required
from ..errors import ApiError
from ..extensions import db
from ..idempotency import write_endpoint
from ..schemas.desk import DeskFindingCreate
from ..schemas.findings import finding_dict
from ..schemas.queries import FindingListSchema
from ..services import desk_entry, queries
from ..services.actions import apply_action
from ..services.reference import load_reference
from ..services.visibility import get_visible_finding
from ..timeutil import local_today, to_local, utcnow
from . import bp, json_body, load_body, load_query


@bp.get("/findings")
@auth_required()
def list_findings():
    """A filtered page of the findings this user may see, newest first."""
    args = load_query(FindingListSchema())
    today = local_today()
    rows, total = queries.page_of(db, queries.filtered(g.user, args, today),
                                  args["page"], args["per_page"], args["sort"])
    ref = load_reference()
    return jsonify({"items": [finding_dict(f, ref, today) for f in rows], "total": total,
                    "page": args["page"], "per_page": args["per_page"]})


@bp.post("/findings")
@auth_required("supervisor")
@write_endpoint
def create_finding():
    """Record a problem at the desk (专题督查、上级交办、群众反映); it is assigned as usual."""
    data = load_body(DeskFindingCreate())
    now, ref = utcnow(), load_reference()
    finding, joined = desk_entry.record(g.user, data, now, ref)
    # 200: the report joined a problem already open there (仍未整改); 201: a new problem.
    return finding_dict(finding, ref, to_local(now).date()), 200 if joined else 201


def _visible_or_404(finding_id: str, for_update: bool = False):
    """Load a finding this user may see, or answer 404."""
    finding = get_visible_finding(g.user, finding_id, for_update)
    if finding is None:
        raise ApiError(404, "not_found", "问题不存在或无权查看")
    return finding


@bp.get("/findings/<finding_id>")
@auth_required()
def get_finding(finding_id):
    """One finding with its history."""
    finding = _visible_or_404(finding_id)
    return jsonify(finding_dict(finding, load_reference(), local_today()))


@bp.post("/findings/<finding_id>/actions")
@auth_required()
@write_endpoint
def act_on_finding(finding_id):
    """Apply one transition of the state machine; answer the updated finding."""
    finding = _visible_or_404(finding_id, for_update=True)
    payload = json_body()
    now, ref = utcnow(), load_reference()
    apply_action(finding, g.user, payload, now, ref)
    db.session.flush()
    db.session.refresh(finding)
    return finding_dict(finding, ref, to_local(now).date())
