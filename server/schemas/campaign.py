"""Input schemas of 信息报送 (submissions) and 责任清单 (duty lists)."""
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from ..models.campaign import ADOPTION_LEVELS, SUBMISSION_KINDS
from ..timeutil import check_day_range
from .admin import _text
from .fields import (DB_ID, ContractSchema, ListField, NestedField, StrictBool, StrictDate,
                     StrictString, db_id, length, one_of, photo_list)


class SubmissionCreate(ContractSchema):
    """POST /submissions: an item a unit reports (经验做法、工作动态、典型事例)."""

    title = _text(100, required=True)
    kind = StrictString(required=True, validate=one_of(SUBMISSION_KINDS))
    body = StrictString(required=True, validate=[length(1, 20000)])
    photo_ids = photo_list(load_default=list)

    @validates_schema
    def _body_not_blank(self, data, **kwargs):
        """The text is what is reported: it cannot be blank."""
        if "body" in data and not data["body"].strip():
            raise ValidationError("请填写报送内容", "body")


class SubmissionReview(ContractSchema):
    """POST /submissions/<id>/review: adopted or not, at which level, with a note."""

    adopted = StrictBool(required=True)
    level = StrictString(allow_none=True, load_default=None, validate=one_of(ADOPTION_LEVELS))
    note = _text(500, load_default="")

    @validates_schema
    def _level_when_adopted(self, data, **kwargs):
        """An adoption names the level it was used at."""
        if data.get("adopted") and not data.get("level"):
            raise ValidationError("采用时须选择采用层级", "level")


class DutyItemIn(ContractSchema):
    """One item of a duty list."""

    text = _text(300, required=True)
    indicator = _text(200, load_default="")
    due = StrictDate(required=True, validate=check_day_range)


class DutyListCreate(ContractSchema):
    """POST /duty-lists."""

    unit_id = db_id(required=True)
    period = StrictString(required=True, validate=length(1, 8))
    items = ListField(NestedField(DutyItemIn), required=True,
                      validate=length(1, 50))


class DutyComplete(ContractSchema):
    """POST /duty-items/<id>/complete: the evidence (a note and/or photos)."""

    note = _text(1000, load_default="")
    photo_ids = photo_list(load_default=list)

    @validates_schema
    def _evidence(self, data, **kwargs):
        """A completion needs a note or a photo."""
        if not data.get("note", "").strip() and not data.get("photo_ids"):
            raise ValidationError("请填写完成情况或附照片", "note")


class DutyReview(ContractSchema):
    """POST /duty-items/<id>/confirm (note optional) and …/reject (note required)."""

    note = _text(500, load_default="")


class CampaignQuery(Schema):
    """?half= / ?period= with an optional unit and paging (lists of submissions and duty lists)."""

    class Meta:
        unknown = EXCLUDE

    half = fields.String(validate=validate.Length(max=10))
    period = fields.String(validate=validate.Length(max=8))
    unit_id = fields.Integer(validate=DB_ID)
    reviewed = fields.Boolean()
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
