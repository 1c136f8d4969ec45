"""A unit answers a whole notice on one screen: one reply per problem, then the reply letter."""
from datetime import datetime

import sqlalchemy as sa
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from ..errors import ApiError, flatten_messages
from ..extensions import db
from ..models import Finding, Letter, User
from ..schemas.findings import finding_dict
from ..schemas.letters import letter_dict
from ..timeutil import to_local
from .actions import apply_action
from .reference import load_reference
from .reply_letters import reply_letter_of


class _Item(Schema):
    """One problem's answer; the reply action checks the rest."""

    class Meta:
        unknown = EXCLUDE

    finding_id = fields.String(required=True, validate=validate.Length(min=1, max=36))


class _Body(Schema):
    """The answers to a notice's problems."""

    class Meta:
        unknown = EXCLUDE

    items = fields.List(fields.Dict(), required=True, validate=validate.Length(min=1, max=200))


def _load(payload) -> list[dict]:
    """Validate the outline of the body (422 naming the field)."""
    try:
        items = _Body().load(payload)["items"]
        for i, raw in enumerate(items):
            try:
                _Item().load(raw)
            except ValidationError as err:
                raise ValidationError({"items": {i: err.messages}}) from None
    except ValidationError as err:
        raise ApiError(422, "invalid_fields", "填写的内容有误", flatten_messages(err.messages)) from None
    return items


def answer_notice(notice: Letter, user: User, payload: dict, at: datetime) -> dict:
    """Reply to several problems of one notice in one transaction; answer them and the letter."""
    if notice.kind != "notice":
        raise ApiError(409, "not_a_notice", "只能答复问题整改通知函")
    if notice.community_id != user.community_id:
        raise ApiError(404, "not_found", "函件不存在或无权查看")
    items = _load(payload)
    ids = [it["finding_id"] for it in items]
    if len(set(ids)) != len(ids):
        raise ApiError(422, "invalid_fields", "同一问题只能答复一次", {"items": "同一问题只能答复一次"})
    ref = load_reference()
    findings = {f.id: f for f in db.session.scalars(
        sa.select(Finding).where(Finding.id.in_(ids)).order_by(Finding.id).with_for_update())}
    done = []
    for i, it in enumerate(items):
        f = findings.get(it["finding_id"])
        if f is None or f.id not in notice.finding_ids or f.notice_letter_id != notice.id:
            raise ApiError(422, "invalid_fields", "该问题不属于本通知函",
                           {f"items[{i}].finding_id": "该问题不属于本通知函"})
        payload = {k: v for k, v in it.items() if k != "finding_id"}
        try:
            done.append(apply_action(f, user, {**payload, "action": "reply"}, at, ref))
        except ApiError as err:
            raise ApiError(err.status, err.code, f"第{i + 1}个问题（{f.code}）：{err.message}",
                           {f"items[{i}].{k}": v for k, v in err.fields.items()}) from None
    db.session.flush()
    letter = reply_letter_of(notice.id)
    today = to_local(at).date()
    return {"notice_id": notice.id,
            "findings": [finding_dict(f, ref, today) for f in done],
            "reply_letter": letter_dict(letter) if letter else None}
