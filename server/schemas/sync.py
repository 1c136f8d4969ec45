"""Schemas of the sync contract: push records and the push request.

They mirror shared_schema/inspection_record, verification_record and sync_push_envelope
(tests/unit/test_contract_agreement.py checks that both accept the same documents).
"""
from datetime import timedelta

from marshmallow import ValidationError, validates_schema

from .fields import (COMMON, ITEM_CODE_RE, LOCATION_TYPE_RE, ContractSchema, ListField,
                     NestedField, OffsetDateTime, RawField, StrictBool, StrictFloat, StrictString,
                     UUIDString, db_id, length, matches, one_of, photo_list, required_text,
                     value_range)

LAT = value_range(-90, 90)
LON = value_range(-180, 180)
MAX_RECORDS = 500
NOTE_MAX = COMMON["note"]["maxLength"]


def _check_pair(data: dict) -> None:
    """lat and lon come as a pair: both numbers or both null/absent."""
    if (data.get("lat") is None) != (data.get("lon") is None):
        raise ValidationError("经纬度须同时提供", "lat")


class ResultSchema(ContractSchema):
    """One checklist answer inside an inspection."""

    id = UUIDString(required=True)
    item_code = StrictString(required=True, validate=[
        length(1, COMMON["item_code"]["maxLength"]),
        matches(ITEM_CODE_RE, "检查条目编号格式不正确，如 street.clutter")])
    result = StrictString(required=True, validate=one_of(COMMON["result"]["enum"]))
    note = StrictString(load_default="", validate=length(maximum=NOTE_MAX))
    photo_ids = photo_list(load_default=list)


class InspectionRecordSchema(ContractSchema):
    """An inspection as the phone sends it."""

    kind = StrictString(required=True, validate=one_of(["inspection"]))
    id = UUIDString(required=True)
    point_id = db_id(allow_none=True, load_default=None)
    location_type = StrictString(required=True, validate=[length(maximum=32),
                                                          matches(LOCATION_TYPE_RE, "点位类型代码格式不正确")])
    started_at = OffsetDateTime(required=True, max_past=timedelta(days=90))
    lat = StrictFloat(allow_none=True, load_default=None, validate=LAT)
    lon = StrictFloat(allow_none=True, load_default=None, validate=LON)
    accuracy_m = StrictFloat(allow_none=True, load_default=None, validate=value_range(0, 10000))
    covert = StrictBool(load_default=False)
    note = StrictString(load_default="", validate=length(maximum=NOTE_MAX))
    results = ListField(NestedField(ResultSchema), required=True, validate=length(1, 200))

    @validates_schema
    def check_position(self, data, **kwargs):
        """Coordinates come as a pair; they may be missing only with a point."""
        _check_pair(data)
        if data.get("lat") is None and data.get("point_id") is None:
            raise ValidationError("未选择点位时必须提供经纬度", "lat")
        # Uniqueness of a property across the results cannot be said in JSON Schema;
        # the contract (shared_schema/README.md) leaves it to the server.
        ids = [r["id"] for r in data.get("results", [])]
        if len(ids) != len(set(ids)):
            raise ValidationError("同一检查中的结果编号重复", "results")
        codes = [r["item_code"] for r in data.get("results", [])]
        if len(codes) != len(set(codes)):
            raise ValidationError("同一检查中的检查条目重复", "results")


class VerificationRecordSchema(ContractSchema):
    """A re-inspection on site."""

    kind = StrictString(required=True, validate=one_of(["verification"]))
    id = UUIDString(required=True)
    finding_id = UUIDString(required=True)
    verdict = StrictString(required=True, validate=one_of(COMMON["verdict"]["enum"]))
    at = OffsetDateTime(required=True)
    lat = StrictFloat(allow_none=True, load_default=None, validate=LAT)
    lon = StrictFloat(allow_none=True, load_default=None, validate=LON)
    note = StrictString(load_default="", validate=length(maximum=NOTE_MAX))
    photo_ids = photo_list(load_default=list)

    @validates_schema
    def check_evidence(self, data, **kwargs):
        """Coordinates come as a pair; a verification on site needs a photo or a note."""
        _check_pair(data)
        if not data.get("photo_ids") and not data.get("note", "").strip():
            raise ValidationError("复查须附照片或说明", "photo_ids")


class PushRequestSchema(ContractSchema):
    """The push envelope; records are validated one by one so a bad one blocks nothing.

    The view answers 413 above MAX_RECORDS before loading this schema."""

    device_id = required_text(COMMON["device_id"]["maxLength"])
    records = ListField(RawField(allow_none=True), required=True, validate=length(maximum=MAX_RECORDS))


class _ByKind(dict):
    """The record schemas by `kind`; a kind that is not a string (a list, an object) finds none
    instead of raising TypeError, so such a record is rejected alone rather than failing the push."""

    def get(self, kind, default=None):
        """The schema of a kind, or default."""
        return super().get(kind, default) if isinstance(kind, str) else default


RECORD_SCHEMAS = _ByKind(inspection=InspectionRecordSchema(),
                         verification=VerificationRecordSchema())
