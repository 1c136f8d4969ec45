"""The fields each finding action needs.

One schema per branch of shared_schema/finding_action_request.schema.json
(tests/unit/test_contract_agreement.py checks that both accept the same bodies).
"""
from marshmallow import Schema, ValidationError, validates_schema

from ..models.places import SEVERITIES
from .fields import (COMMON, ContractSchema, StrictDate, StrictString, db_id, length, one_of,
                     photo_list, required_text)

NOTE = length(maximum=COMMON["note"]["maxLength"])
REASON_MAX = COMMON["reason"]["maxLength"]


def _note():
    """An optional note (≤ 2000 characters)."""
    return StrictString(load_default="", validate=NOTE)


class _Action(ContractSchema):
    """Base: unknown fields are an error; `action` itself is allowed.

    The view routes by `action` first (an unknown one is a 400), so here it is one of the
    known actions; each branch of the JSON Schema pins it with a const."""

    action = StrictString(required=True, validate=one_of(COMMON["action"]["enum"]))


class ReplySchema(_Action):
    """答复: measures, responsible person, phone, planned date."""

    measures = required_text(COMMON["measures"]["maxLength"])
    responsible = required_text(COMMON["person_name"]["maxLength"])
    phone = StrictString(load_default="", validate=length(maximum=COMMON["phone"]["maxLength"]))
    planned_date = StrictDate(required=True)


class RectifySchema(_Action):
    """整改完成: a note and at least one after-photo."""

    note = _note()
    photo_ids = photo_list(required=True, min_items=1)


class ReasonSchema(_Action):
    """Actions that need a reason: return, void."""

    reason = required_text(REASON_MAX)


class ExtensionSchema(_Action):
    """延期申请: a reason and the requested date."""

    reason = required_text(REASON_MAX)
    until = StrictDate(required=True)


class AssignSchema(_Action):
    """派发: the community and an optional note."""

    community_id = db_id(required=True)
    note = _note()


class NoteSchema(_Action):
    """Decisions with an optional note: deny_return, approve/deny extension."""

    note = _note()


class DeadlineSchema(_Action):
    """调整时限: the new rectification date."""

    rectify_due = StrictDate(required=True)
    note = _note()


class ReviewSchema(_Action):
    """复查: a note or a photo."""

    note = _note()
    photo_ids = photo_list(load_default=list)

    @validates_schema
    def need_evidence(self, data, **kwargs):
        """A review needs a note or a photo."""
        if not data.get("note", "").strip() and not data.get("photo_ids"):
            raise ValidationError("须填写复查说明或附复查照片", "note")


class SeveritySchema(_Action):
    """调整严重程度: 一般 or 严重, and why."""

    severity = StrictString(required=True, validate=one_of(SEVERITIES))
    note = _note()


ACTION_SCHEMAS: dict[str, Schema] = {
    "reply": ReplySchema(), "rectify": RectifySchema(), "return": ReasonSchema(),
    "void": ReasonSchema(), "request_extension": ExtensionSchema(), "assign": AssignSchema(),
    "deny_return": NoteSchema(), "approve_extension": NoteSchema(),
    "deny_extension": NoteSchema(), "set_deadline": DeadlineSchema(),
    "set_severity": SeveritySchema(),
    "verify": ReviewSchema(), "reject": ReviewSchema(),
}
