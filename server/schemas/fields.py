"""Field types shared by the schemas."""
import re
from datetime import timedelta

from marshmallow import ValidationError, fields, validate

from ..timeutil import parse_iso, utcnow

FUTURE_TOLERANCE = timedelta(minutes=10)


class OffsetDateTime(fields.Field):
    """An ISO 8601 time that must carry an offset and not lie more than 10 minutes ahead."""

    def _deserialize(self, value, attr, data, **kwargs):
        """Parse and check the time."""
        if not isinstance(value, str):
            raise ValidationError("时间须为 ISO 8601 字符串")
        try:
            dt = parse_iso(value)
        except ValueError:
            raise ValidationError("时间格式不正确，须带时区，如 2026-11-28T09:30:00+08:00") from None
        if dt > utcnow() + FUTURE_TOLERANCE:
            raise ValidationError("时间晚于服务器当前时间，请检查手机时钟")
        return dt


UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class UUIDString(fields.Field):
    """A hyphenated UUID (as shared_schema requires), kept as its lowercase string."""

    def _deserialize(self, value, attr, data, **kwargs):
        """Validate the hyphenated form and return it lowercased."""
        if not isinstance(value, str) or not UUID_RE.match(value):
            raise ValidationError("须为 UUID，如 3f2a9c1e-0b7d-4c2a-9d1e-5a6b7c8d9e0f")
        return value.lower()


class StrictFloat(fields.Float):
    """A JSON number (not a string, not a boolean), finite."""

    def _deserialize(self, value, attr, data, **kwargs):
        """Reject strings and booleans that Float would coerce."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValidationError("须为数字")
        return super()._deserialize(value, attr, data, **kwargs)


class StrictInt(fields.Integer):
    """A JSON integer, not a string or boolean."""

    def __init__(self, **kwargs):
        """Integers are strict: 1.5 is refused."""
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        """Reject booleans and strings."""
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError("须为整数")
        return super()._deserialize(value, attr, data, **kwargs)


class StrictString(fields.String):
    """A string field that refuses NUL characters (PostgreSQL cannot store them)."""

    def _deserialize(self, value, attr, data, **kwargs):
        """Refuse NUL characters."""
        out = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in out:
            raise ValidationError("含有非法字符")
        return out


def no_repeats(values: list) -> None:
    """A list validator: no value twice."""
    if len(values) != len(set(values)):
        raise ValidationError("列表中有重复项")


def photo_list(**kwargs) -> fields.List:
    """A list of at most 20 distinct photo UUIDs."""
    minimum = kwargs.pop("min_items", 0)
    return fields.List(UUIDString(), validate=[validate.Length(min=minimum, max=20), no_repeats],
                       **kwargs)
