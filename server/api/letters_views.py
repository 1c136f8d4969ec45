"""Letters: the list and one letter's header (its printable page is under /letters)."""
import sqlalchemy as sa
from flask import g, jsonify
from marshmallow import EXCLUDE, Schema, fields, validate

from ..auth import auth_required
from ..errors import ApiError
from ..extensions import db
from ..models import Letter
from ..schemas.fields import DB_ID
from ..schemas.letters import letter_dict
from ..services.visibility import letter_scope
from . import bp, load_query


class LetterQuery(Schema):
    """Filters of the letter list."""

    class Meta:
        unknown = EXCLUDE

    finding_id = fields.UUID()
    kind = fields.String(validate=validate.OneOf(["notice", "reply", "prompt"]))
    community_id = fields.Integer(validate=DB_ID)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


@bp.get("/letters")
@auth_required()
def list_letters():
    """Letters this user may see, newest first."""
    args = load_query(LetterQuery())
    q = db.select(Letter).where(letter_scope(g.user))
    if args.get("kind"):
        q = q.where(Letter.kind == args["kind"])
    if args.get("community_id") is not None:
        q = q.where(Letter.community_id == args["community_id"])
    if args.get("finding_id"):
        # finding_ids is a JSON list of UUIDs; a UUID cannot match by accident.
        q = q.where(sa.cast(Letter.finding_ids, sa.Text).like(f"%{args['finding_id']}%"))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(q.subquery()))
    rows = db.session.scalars(q.order_by(Letter.issued_at.desc(), Letter.id.desc())
                              .limit(args["per_page"])
                              .offset((args["page"] - 1) * args["per_page"])).all()
    return jsonify({"items": [letter_dict(r) for r in rows], "total": total})


@bp.get("/letters/<int(max=2147483647):letter_id>")
@auth_required()
def get_letter(letter_id):
    """One letter with its snapshot body."""
    letter = db.session.scalar(db.select(Letter).where(Letter.id == letter_id,
                                                       letter_scope(g.user)))
    if letter is None:
        raise ApiError(404, "not_found", "函件不存在或无权查看")
    return jsonify({**letter_dict(letter), "body": letter.body})
