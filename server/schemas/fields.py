"""Field types shared by the request schemas, derived from shared_schema/common.schema.json.

The JSON Schemas are the contract; these fields mirror them exactly (same patterns, same
limits, JSON types taken literally) and add only what a schema cannot say: a time more than
10 minutes ahead, a time that cannot be stored, repeated photo ids that differ only in case.
tests/unit/test_contract_agreement.py keeps the two in agreement.
"""
import re
from datetime import date, timedelta

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from shared_schema import load_schema

from ..timeutil import TimeOutOfRange, parse_bounded


COMMON = load_schema("common")["$defs"]


def _pattern(name: str) -> re.Pattern:
    """The regex of a common definition; used with .search, as JSON Schema applies patterns."""
    return re.compile(COMMON[name]["pattern"])


DATE_TIME_RE = _pattern("date_time")
DATE_RE = _pattern("date")
ITEM_CODE_RE = _pattern("item_code")
UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
LOCATION_TYPE_RE = _pattern("location_type")  # the values are data: the server checks its database
DB_ID_MAX = COMMON["db_id"]["maximum"]

_MESSAGES = {
    "required": "缺少必填字段",
    "null": "不能为 null",
    "validator_failed": "取值无效",
}


class _Chinese:
    """Chinese default messages for the fields below (marshmallow's are English)."""

    default_error_messages = _MESSAGES


class ContractSchema(Schema):
    """A request schema: unknown fields are an error, as additionalProperties: false says."""

    class Meta:
        unknown = RAISE

    error_messages = {"unknown": "不允许的字段", "type": "须为 JSON 对象"}


class OffsetDateTime(_Chinese, fields.Field):
    """common.json date_time (RFC 3339 with an offset), 2000 or later, not more than 10 minutes
    ahead of the server and, when max_past is given, not further back than that."""

    def __init__(self, *, max_past: timedelta | None = None, **kwargs):
        """Keep the window."""
        super().__init__(**kwargs)
        self.max_past = max_past

    def _deserialize(self, value, attr, data, **kwargs):
        """Parse and check the time."""
        if not isinstance(value, str):
            raise ValidationError("时间须为 ISO 8601 字符串")
        if not DATE_TIME_RE.search(value):
            raise ValidationError("时间格式不正确，须带时区，如 2026-11-28T09:30:00+08:00")
        try:
            return parse_bounded(value, max_past=self.max_past)
        except TimeOutOfRange as err:
            raise ValidationError(str(err)) from None
        except ValueError:
            raise ValidationError("时间格式不正确，须带时区，如 2026-11-28T09:30:00+08:00") from None


class StrictDate(_Chinese, fields.Field):
    """common.json date: exactly YYYY-MM-DD (no 20261127, no week dates), a real day."""

    def _deserialize(self, value, attr, data, **kwargs):
        """Parse a local calendar date."""
        if not isinstance(value, str):
            raise ValidationError("日期须为字符串，如 2026-12-03")
        if DATE_RE.search(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise ValidationError("日期格式不正确，须为 YYYY-MM-DD，如 2026-12-03")


class UUIDString(_Chinese, fields.Field):
    """common.json uuid (hyphenated, either case), kept as its lowercase string."""

    def _deserialize(self, value, attr, data, **kwargs):
        """Validate the hyphenated form and return it lowercased."""
        if not isinstance(value, str) or not UUID_RE.fullmatch(value):
            raise ValidationError("须为 UUID，如 3f2a9c1e-0b7d-4c2a-9d1e-5a6b7c8d9e0f")
        return value.lower()


class StrictFloat(_Chinese, fields.Float):
    """A JSON number (not a string, not a boolean), finite."""

    default_error_messages = {"special": "须为有限数字"}

    def _deserialize(self, value, attr, data, **kwargs):
        """Reject strings and booleans that Float would coerce."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValidationError("须为数字")
        return super()._deserialize(value, attr, data, **kwargs)


class StrictInt(_Chinese, fields.Integer):
    """A JSON integer, not a string or boolean. As in JSON Schema, 12.0 is the integer 12."""

    def __init__(self, **kwargs):
        """Integers are strict: 1.5 is refused."""
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        """Reject booleans, strings and fractions."""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError("须为整数")
        return super()._deserialize(value, attr, data, **kwargs)


class StrictBool(_Chinese, fields.Field):
    """A JSON boolean: true or false, never 1, 0 or "true"."""

    def _deserialize(self, value, attr, data, **kwargs):
        """Accept only real booleans."""
        if not isinstance(value, bool):
            raise ValidationError("须为 true 或 false")
        return value


class StrictString(_Chinese, fields.String):
    """A string field that refuses NUL characters (PostgreSQL cannot store them)."""

    default_error_messages = {"invalid": "须为字符串"}

    def _deserialize(self, value, attr, data, **kwargs):
        """Refuse NUL characters."""
        out = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in out:
            raise ValidationError("含有非法字符")
        return out


class ListField(_Chinese, fields.List):
    """A JSON array."""

    default_error_messages = {"invalid": "须为列表"}


class NestedField(_Chinese, fields.Nested):
    """A JSON object validated by a nested schema."""

    default_error_messages = {"type": "须为 JSON 对象"}


class RawField(_Chinese, fields.Raw):
    """Any JSON value."""


def length(minimum: int | None = None, maximum: int | None = None) -> validate.Length:
    """validate.Length with a Chinese message."""
    if minimum and maximum:
        message = f"长度须在 {minimum} 到 {maximum} 之间"
    elif maximum is not None:
        message = f"长度不能超过 {maximum}"
    else:
        message = f"长度不能少于 {minimum}"
    return validate.Length(min=minimum, max=maximum, error=message)


def value_range(minimum: float | None = None, maximum: float | None = None) -> validate.Range:
    """validate.Range with a Chinese message."""
    if minimum is not None and maximum is not None:
        message = f"须在 {minimum} 到 {maximum} 之间"
    elif minimum is not None:
        message = f"不能小于 {minimum}"
    else:
        message = f"不能大于 {maximum}"
    return validate.Range(min=minimum, max=maximum, error=message)


def one_of(choices) -> validate.OneOf:
    """validate.OneOf with a Chinese message."""
    return validate.OneOf(list(choices), error="须为以下之一：{choices}")


def matches(regex: re.Pattern, message: str):
    """A validator applying a pattern as JSON Schema does (search, not match)."""

    def check(value: str) -> None:
        """Raise when the pattern is not found."""
        if not regex.search(value):
            raise ValidationError(message)

    return check


NON_BLANK = matches(re.compile(r"\S"), "不能为空")


def required_text(max_len: int):
    """A required, non-blank string of at most max_len characters (reason, measures, …)."""
    return StrictString(required=True, validate=[length(1, max_len), NON_BLANK])


def db_id(**kwargs) -> "StrictInt":
    """common.json db_id: a server-made integer id, 1 … 2^31 − 1 (beyond it the database fails)."""
    return StrictInt(validate=value_range(1, DB_ID_MAX), **kwargs)


def no_repeats(values: list) -> None:
    """A list validator: no value twice."""
    if len(values) != len(set(values)):
        raise ValidationError("列表中有重复项")


def photo_list(**kwargs) -> fields.List:
    """common.json uuid_list: at most 20 distinct photo UUIDs.

    Ids are compared lowercased, so two spellings of one id are a repeat; JSON Schema's
    uniqueItems compares strings exactly and cannot say this."""
    minimum = kwargs.pop("min_items", 0)
    return ListField(UUIDString(), validate=[length(minimum or None, 20), no_repeats], **kwargs)


# Integer columns are 32-bit in PostgreSQL: a larger id can match nothing, and must not reach SQL.
DB_ID = validate.Range(min=1, max=DB_ID_MAX, error="编号超出范围")
