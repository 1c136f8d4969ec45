"""Letters: the list, one letter, the review of prompt drafts, instructions, a notice's answer."""
import sqlalchemy as sa
from flask import g, jsonify
from marshmallow import EXCLUDE, Schema, fields, validate
from sqlalchemy.orm import selectinload

from ..auth import auth_required
from ..errors import ApiError
from ..extensions import db
from ..idempotency import write_endpoint
from ..models import Finding, Letter, LetterInstruction
from ..schemas.fields import DB_ID
from ..schemas.letters import instruction_dict, letter_dict
from ..services import audit, prompts
from ..services.notice_answer import answer_notice
from ..services.visibility import letter_scope
from ..timeutil import local_today, utcnow
from . import bp, json_body, load_body, load_query


class LetterQuery(Schema):
    """Filters of the letter list."""

    class Meta:
        unknown = EXCLUDE

    finding_id = fields.UUID()
    kind = fields.String(validate=validate.OneOf(["notice", "reply", "prompt"]))
    status = fields.String(validate=validate.OneOf(["draft", "issued"]))
    community_id = fields.Integer(validate=DB_ID)
    unit_id = fields.Integer(validate=DB_ID)
    notice_id = fields.Integer(validate=DB_ID)
    order = fields.String(load_default="newest", validate=validate.OneOf(["newest", "unit"]))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


def _when():
    """A letter's date for ordering: issued, or (a draft) created."""
    return sa.func.coalesce(Letter.issued_at, Letter.created_at)


@bp.get("/letters")
@auth_required()
def list_letters():
    """Letters this user may see, newest first (or grouped by unit, newest first within)."""
    args = load_query(LetterQuery())
    q = db.select(Letter).where(letter_scope(g.user))
    for name, column in (("kind", Letter.kind), ("status", Letter.status),
                         ("community_id", Letter.community_id), ("unit_id", Letter.community_id),
                         ("notice_id", Letter.notice_id)):
        if args.get(name) is not None:
            q = q.where(column == args[name])
    if args.get("finding_id"):
        # finding_ids is a JSON list of UUIDs; a UUID cannot match by accident.
        q = q.where(sa.cast(Letter.finding_ids, sa.Text).like(f"%{args['finding_id']}%"))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(q.subquery()))
    first = (Letter.community_id.asc().nulls_last(),) if args["order"] == "unit" else ()
    eager = (selectinload(Letter.community),
             selectinload(Letter.instructions).selectinload(LetterInstruction.author))
    rows = db.session.scalars(q.options(*eager).order_by(*first, _when().desc(), Letter.id.desc())
                              .limit(args["per_page"])
                              .offset((args["page"] - 1) * args["per_page"])).all()
    notices = [r.id for r in rows if r.kind == "notice"]
    replies = dict(db.session.execute(sa.select(Letter.notice_id, Letter.id).where(
        Letter.notice_id.in_(notices), letter_scope(g.user))).all()) if notices else {}
    items = [letter_dict(r, replies) for r in rows]
    waiting = _waiting([r for r in rows if r.kind == "notice"])
    for item in items:
        if item["kind"] == "notice":
            item["waiting"] = waiting.get(item["id"], 0)
    return jsonify({"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]})


def _waiting(notices: list[Letter]) -> dict[int, int]:
    """How many of each notice's problems still wait for its unit's answer (one query)."""
    ids = {fid for n in notices for fid in n.finding_ids}
    if not ids:
        return {}
    held = {fid: unit for fid, unit in db.session.execute(
        sa.select(Finding.id, Finding.community_id).where(Finding.id.in_(ids), Finding.status == "assigned"))}
    return {n.id: sum(held.get(fid, -1) == n.community_id for fid in n.finding_ids) for n in notices}


def visible_letter(letter_id: int) -> Letter:
    """A letter this user may see, or 404."""
    letter = db.session.scalar(db.select(Letter).where(Letter.id == letter_id, letter_scope(g.user)))
    if letter is None:
        raise ApiError(404, "not_found", "函件不存在或无权查看")
    return letter


@bp.get("/letters/<int(max=2147483647):letter_id>")
@auth_required()
def get_letter(letter_id):
    """One letter with its snapshot body."""
    letter = visible_letter(letter_id)
    replies = {}
    if letter.kind == "notice":
        replies = dict(db.session.execute(sa.select(Letter.notice_id, Letter.id).where(
            Letter.notice_id == letter.id, letter_scope(g.user))).all())
    out = {**letter_dict(letter, replies), "body": letter.body}
    if letter.kind == "prompt" and letter.status == "draft":  # what issuing now would leave out
        gone = prompts.settled_reasons(letter, local_today())
        for problem, item in zip(out["problems"], letter.body.get("items", [])):
            problem["settled"] = gone.get(item["event_key"])  # why it would be left out, or None
    return jsonify(out)


class DraftEdit(Schema):
    """What a reviewer may change in a prompt draft."""

    class Meta:
        unknown = EXCLUDE

    finding_ids = fields.List(fields.String(validate=validate.Length(max=36)),
                              validate=validate.Length(max=500))
    note = fields.String(validate=validate.Length(max=500))


class MergeBody(Schema):
    """The draft to fold in."""

    class Meta:
        unknown = EXCLUDE

    letter_id = fields.Integer(required=True, validate=DB_ID)


class InstructionBody(Schema):
    """A leader's instruction."""

    class Meta:
        unknown = EXCLUDE

    text = fields.String(required=True, validate=validate.Length(min=1, max=1000))


def _review(action: str, letter: Letter, before: dict | None = None) -> dict:
    """Audit a review step; answer the letter."""
    audit.record(g.user, action, f"letter:{letter.id}", before,
                 {"status": letter.status, "number": letter.number, "finding_ids": letter.finding_ids})
    return {**letter_dict(letter), "body": letter.body}


@bp.post("/letters/<int(max=2147483647):letter_id>/issue")
@auth_required("supervisor", "admin")
@write_endpoint
def issue_letter(letter_id):
    """Issue a prompt draft: it gets its number and date now."""
    letter = prompts.issue_draft(letter_id, utcnow())
    return _review("letter.issue", letter, {"status": "draft"})


@bp.patch("/letters/<int(max=2147483647):letter_id>")
@auth_required("supervisor", "admin")
@write_endpoint
def edit_letter(letter_id):
    """Edit a prompt draft: keep some of its problems, set its closing note."""
    data = load_body(DraftEdit())
    before = {"finding_ids": list(prompts.locked_prompt(letter_id).finding_ids)}
    letter = prompts.edit_draft(letter_id, data.get("finding_ids"), data.get("note"), utcnow())
    return _review("letter.edit", letter, before)


@bp.post("/letters/<int(max=2147483647):letter_id>/merge")
@auth_required("supervisor", "admin")
@write_endpoint
def merge_letter(letter_id):
    """Fold another draft of the same unit into this one."""
    data = load_body(MergeBody())
    letter = prompts.merge_drafts(letter_id, data["letter_id"])
    return _review("letter.merge", letter, {"merged": data["letter_id"]})


@bp.post("/letters/<int(max=2147483647):letter_id>/instructions")
@auth_required("leader")
@write_endpoint
def instruct(letter_id):
    """A leader records an instruction (批示/阅处) on an issued prompt letter."""
    data = load_body(InstructionBody())
    if not data["text"].strip():
        raise ApiError(422, "invalid_fields", "批示内容不能为空", {"text": "批示内容不能为空"})
    row = prompts.add_instruction(visible_letter(letter_id), g.user, data["text"].strip(), utcnow())
    return instruction_dict(row), 201


@bp.post("/letters/<int(max=2147483647):letter_id>/reply")
@auth_required("community")
@write_endpoint
def reply_to_notice(letter_id):
    """The unit answers a whole notice at once; the reply letter follows when nothing waits."""
    return answer_notice(visible_letter(letter_id), g.user, json_body(), utcnow())
