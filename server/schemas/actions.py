"""The fields each finding action needs."""
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from .fields import StrictInt, StrictString, photo_list

NOTE = validate.Length(max=2000)


def _required_text(max_len: int):
    """A required, non-blank string of at most max_len characters."""
    return StrictString(required=True, validate=[validate.Length(min=1, max=max_len),
                                                 validate.Regexp(r"\S", error="不能为空")])


class _Action(Schema):
    """Base: unknown fields are an error; `action` itself is allowed."""

    class Meta:
        unknown = RAISE

    action = StrictString(required=True)


class ReplySchema(_Action):
    """答复: measures, responsible person, phone, planned date."""

    measures = _required_text(2000)
    responsible = _required_text(50)
    phone = StrictString(load_default="", validate=validate.Length(max=32))
    planned_date = fields.Date(required=True)


class RectifySchema(_Action):
    """整改完成: a note and at least one after-photo."""

    note = StrictString(load_default="", validate=NOTE)
    photo_ids = photo_list(required=True, min_items=1)


class ReasonSchema(_Action):
    """Actions that need a reason: return, void."""

    reason = _required_text(500)


class ExtensionSchema(_Action):
    """延期申请: a reason and the requested date."""

    reason = _required_text(500)
    until = fields.Date(required=True)


class AssignSchema(_Action):
    """派发: the community and an optional note."""

    community_id = StrictInt(required=True)
    note = StrictString(load_default="", validate=NOTE)


class NoteSchema(_Action):
    """Decisions with an optional note: deny_return, approve/deny extension."""

    note = StrictString(load_default="", validate=NOTE)


class DeadlineSchema(_Action):
    """调整时限: the new rectification date."""

    rectify_due = fields.Date(required=True)
    note = StrictString(load_default="", validate=NOTE)


class ReviewSchema(_Action):
    """复查: a note or a photo."""

    note = StrictString(load_default="", validate=NOTE)
    photo_ids = photo_list(load_default=list)

    @validates_schema
    def need_evidence(self, data, **kwargs):
        """A review needs a note or a photo."""
        if not data.get("note", "").strip() and not data.get("photo_ids"):
            raise ValidationError("须填写复查说明或附复查照片", "note")


ACTION_SCHEMAS: dict[str, Schema] = {
    "reply": ReplySchema(), "rectify": RectifySchema(), "return": ReasonSchema(),
    "void": ReasonSchema(), "request_extension": ExtensionSchema(), "assign": AssignSchema(),
    "deny_return": NoteSchema(), "approve_extension": NoteSchema(),
    "deny_extension": NoteSchema(), "set_deadline": DeadlineSchema(),
    "verify": ReviewSchema(), "reject": ReviewSchema(),
}
