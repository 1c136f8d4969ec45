"""Desk input: a problem a supervisor records (POST /findings) and a bulletin published (POST /bulletins)."""
from datetime import timedelta

from marshmallow import ValidationError, validates_schema

from ..models.findings import DESK_SOURCES
from .admin import _text
from .fields import (ITEM_CODE_RE, LOCATION_TYPE_RE, ContractSchema, OffsetDateTime, StrictFloat,
                     StrictString, UUIDString, db_id, length, matches, one_of, photo_list,
                     value_range)


class DeskFindingCreate(ContractSchema):
    """A place (point, or position and/or address), a checklist item or free text, the source."""

    id = UUIDString(load_default=None)
    source = StrictString(required=True, validate=one_of(DESK_SOURCES))
    point_id = db_id(allow_none=True, load_default=None)
    location_type = StrictString(allow_none=True, load_default=None, validate=[
        length(maximum=32), matches(LOCATION_TYPE_RE, "点位类型代码格式不正确")])
    lat = StrictFloat(allow_none=True, load_default=None, validate=value_range(-90, 90))
    lon = StrictFloat(allow_none=True, load_default=None, validate=value_range(-180, 180))
    address = _text(200, load_default="")
    item_code = StrictString(allow_none=True, load_default=None, validate=[
        length(1, 64), matches(ITEM_CODE_RE, "检查条目编号格式不正确，如 street.clutter")])
    text = _text(300, load_default="")  # the problem in words when no checklist item fits
    note = _text(2000, load_default="")
    found_at = OffsetDateTime(load_default=None, max_past=timedelta(days=90))
    photo_ids = photo_list(load_default=list)
    unit_id = db_id(allow_none=True, load_default=None)

    @validates_schema
    def _place_and_problem(self, data, **kwargs):
        """Somewhere (a point, a position or an address) and something (an item or words)."""
        if (data.get("lat") is None) != (data.get("lon") is None):
            raise ValidationError("经纬度须同时提供", "lat")
        if data.get("point_id") is None and data.get("lat") is None and not data.get("address", "").strip():
            raise ValidationError("请选择点位、在地图上标出位置或填写地址", "point_id")
        if data.get("point_id") is None and not data.get("location_type"):
            raise ValidationError("未选择点位时须选择点位类型", "location_type")
        if not data.get("item_code") and not data.get("text", "").strip():
            raise ValidationError("请选择测评条目或填写问题", "item_code")


class BulletinPublish(ContractSchema):
    """POST /bulletins: the week whose bulletin is published."""

    week = StrictString(required=True, validate=length(1, 8))
