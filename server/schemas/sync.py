"""Schemas of the sync contract: push records and the push request."""
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from .fields import OffsetDateTime, StrictFloat, StrictString, UUIDString, photo_list

LAT = validate.Range(min=-90, max=90)
LON = validate.Range(min=-180, max=180)
MAX_RECORDS = 500


class ResultSchema(Schema):
    """One checklist answer inside an inspection."""

    class Meta:
        unknown = RAISE

    id = UUIDString(required=True)
    item_code = StrictString(required=True, validate=validate.Length(min=1, max=64))
    result = StrictString(required=True, validate=validate.OneOf(["pass", "fail", "na"]))
    note = StrictString(load_default="", validate=validate.Length(max=2000))
    photo_ids = photo_list(load_default=list)


class InspectionRecordSchema(Schema):
    """An inspection as the phone sends it."""

    class Meta:
        unknown = RAISE

    kind = StrictString(required=True, validate=validate.Equal("inspection"))
    id = UUIDString(required=True)
    point_id = fields.Integer(strict=True, allow_none=True, load_default=None)
    location_type = StrictString(required=True, validate=validate.Length(min=1, max=32))
    started_at = OffsetDateTime(required=True)
    lat = StrictFloat(allow_none=True, load_default=None, validate=LAT)
    lon = StrictFloat(allow_none=True, load_default=None, validate=LON)
    accuracy_m = StrictFloat(allow_none=True, load_default=None, validate=validate.Range(min=0))
    covert = fields.Boolean(load_default=False, truthy={True}, falsy={False})
    note = StrictString(load_default="", validate=validate.Length(max=2000))
    results = fields.List(fields.Nested(ResultSchema), required=True,
                          validate=validate.Length(min=1, max=200))

    @validates_schema
    def check_position(self, data, **kwargs):
        """Coordinates come as a pair; they may be missing only with a point."""
        if (data.get("lat") is None) != (data.get("lon") is None):
            raise ValidationError("经纬度须同时提供", "lat")
        if data.get("lat") is None and data.get("point_id") is None:
            raise ValidationError("未选择点位时必须提供经纬度", "lat")
        ids = [r["id"] for r in data.get("results", [])]
        if len(ids) != len(set(ids)):
            raise ValidationError("同一检查中的结果编号重复", "results")


class VerificationRecordSchema(Schema):
    """A re-inspection on site."""

    class Meta:
        unknown = RAISE

    kind = StrictString(required=True, validate=validate.Equal("verification"))
    id = UUIDString(required=True)
    finding_id = UUIDString(required=True)
    verdict = StrictString(required=True, validate=validate.OneOf(["pass", "fail"]))
    at = OffsetDateTime(required=True)
    lat = StrictFloat(allow_none=True, load_default=None, validate=LAT)
    lon = StrictFloat(allow_none=True, load_default=None, validate=LON)
    note = StrictString(load_default="", validate=validate.Length(max=2000))
    photo_ids = photo_list(load_default=list)

    @validates_schema
    def check_evidence(self, data, **kwargs):
        """A verification on site needs a photo or a note."""
        if not data.get("photo_ids") and not data.get("note", "").strip():
            raise ValidationError("复查须附照片或说明", "photo_ids")


class PushRequestSchema(Schema):
    """The push envelope; records are validated one by one so a bad one blocks nothing."""

    class Meta:
        unknown = RAISE

    device_id = StrictString(required=True, validate=validate.Length(min=1, max=100))
    records = fields.List(fields.Raw(), required=True)


RECORD_SCHEMAS = {"inspection": InspectionRecordSchema(), "verification": VerificationRecordSchema()}
