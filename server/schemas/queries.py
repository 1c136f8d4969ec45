"""Query-string schemas: filters and paging of the findings list."""
from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate, validates

from ..models.findings import SOURCES, STATUSES
from ..timeutil import check_day_range
from .fields import DB_ID


# Flags kept on the finding (the derived ones, like provisional_deadline, are not filterable).
STORED_FLAGS = ("late_entry", "gps_far_from_point", "photo_reused", "exif_mismatch",
                "escalated")


class FindingFilterSchema(Schema):
    """Filters shared by the findings list, the ledger exports and the map."""

    class Meta:
        unknown = EXCLUDE

    status = fields.String()
    community_id = fields.Integer(validate=DB_ID)
    unit_id = fields.Integer(validate=DB_ID)  # the responsible unit of any kind (v1.1)
    location_type = fields.String(validate=validate.Length(max=32))
    item_code = fields.String(validate=validate.Length(max=64))
    point_id = fields.Integer(validate=DB_ID)
    overdue = fields.Boolean()
    covert = fields.Boolean()
    source = fields.String(validate=validate.OneOf(tuple(SOURCES), error="未知的问题来源"))  # 问题来源
    from_ = fields.Date(data_key="from", validate=check_day_range)
    to = fields.Date(validate=check_day_range)
    q = fields.String(validate=validate.Length(max=100))
    flag = fields.String(validate=validate.OneOf(STORED_FLAGS))

    @post_load
    def unit_is_community_column(self, data, **kwargs):
        """unit_id and community_id filter the same column (it holds the unit of any kind)."""
        if data.get("unit_id") is not None:
            data["community_id"] = data.pop("unit_id")
        else:
            data.pop("unit_id", None)
        return data

    @validates("status")
    def check_status(self, value, **kwargs):
        """Statuses are comma-separated known values."""
        bad = [s for s in value.split(",") if s not in STATUSES]
        if bad:
            raise ValidationError(f"未知状态：{','.join(bad)}")


class FindingListSchema(FindingFilterSchema):
    """Filters plus paging."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    sort = fields.String(load_default="-found_at", validate=validate.OneOf(
        [f"{d}{k}" for k in ("found_at", "code", "status", "reply_due", "rectify_due", "community_id")
         for d in ("", "-")]))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class PullSchema(Schema):
    """The pull cursor."""

    class Meta:
        unknown = EXCLUDE

    cursor = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**31 - 1))
