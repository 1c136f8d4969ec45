"""Input schemas of the administration endpoints (units, people, places, checklists, settings)."""
import re

from marshmallow import RAISE, Schema, ValidationError, fields, validates_schema

from ..models.accounts import ROLES
from ..timeutil import check_day_range
from ..models.places import SEVERITIES, UNIT_KIND_NAMES
from .fields import (NON_BLANK, ContractSchema, ListField, NestedField, StrictBool,
                     StrictFloat, StrictInt, StrictString, db_id, length, matches, one_of,
                     value_range)

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{2,64}$")
TYPE_CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _no_control(value: str) -> None:
    """Names and texts are printed on letters and in spreadsheets: no control characters."""
    if _CONTROL.search(value):
        raise ValidationError("含有不可见的控制字符")


def _text(max_len: int, required: bool = False, **kwargs) -> StrictString:
    """A text field without control characters; required ones must not be blank."""
    checks = [length(1, max_len), NON_BLANK] if required else [length(maximum=max_len)]
    return StrictString(required=required, validate=[*checks, _no_control], **kwargs)


class UnitCreate(ContractSchema):
    """POST /units."""

    name = _text(64, required=True)
    kind = StrictString(required=True, validate=one_of(UNIT_KIND_NAMES))
    head = _text(64, load_default="")
    contact = _text(64, load_default="")
    phone = _text(32, load_default="")


class UnitPatch(ContractSchema):
    """PATCH /units/<id>: any of the fields, and active."""

    name = _text(64)
    kind = StrictString(validate=one_of(UNIT_KIND_NAMES))
    head = _text(64)
    contact = _text(64)
    phone = _text(32)
    active = StrictBool()

    @validates_schema
    def _name_not_blank(self, data, **kwargs):
        """A name, when given, is not blank."""
        if "name" in data and not data["name"].strip():
            raise ValidationError("不能为空", "name")


class UserCreate(ContractSchema):
    """POST /users."""

    username = StrictString(required=True, validate=matches(
        USERNAME_RE, "用户名须为 2–64 位字母、数字、下划线、点或短横线"))
    display_name = _text(64, required=True)
    role = StrictString(required=True, validate=one_of(ROLES))
    unit_id = db_id(allow_none=True, load_default=None)
    phone = _text(32, load_default="")


class UserPatch(ContractSchema):
    """PATCH /users/<id>."""

    display_name = _text(64)
    role = StrictString(validate=one_of(ROLES))
    unit_id = db_id(allow_none=True)
    phone = _text(32)
    active = StrictBool()


class PasswordChange(ContractSchema):
    """POST /auth/password."""

    old_password = StrictString(required=True, validate=length(1, 128))
    new_password = StrictString(required=True, validate=length(1, 128))


LAT = value_range(-90, 90)
LON = value_range(-180, 180)


class PointCreate(ContractSchema):
    """POST /points."""

    name = _text(100, required=True)
    location_type = StrictString(required=True, validate=matches(TYPE_CODE_RE, "点位类型代码格式不正确"))
    lat = StrictFloat(required=True, validate=LAT)
    lon = StrictFloat(required=True, validate=LON)
    community_id = db_id(allow_none=True, load_default=None)
    address = _text(200, load_default="")


class PointPatch(ContractSchema):
    """PATCH /points/<id>."""

    name = _text(100)
    location_type = StrictString(validate=matches(TYPE_CODE_RE, "点位类型代码格式不正确"))
    lat = StrictFloat(validate=LAT)
    lon = StrictFloat(validate=LON)
    community_id = db_id(allow_none=True)
    address = _text(200)
    active = StrictBool()


class LocationTypeCreate(ContractSchema):
    """POST /location-types."""

    code = StrictString(required=True, validate=matches(
        TYPE_CODE_RE, "代码须以小写字母开头，由小写字母、数字、下划线组成，最多 32 位"))
    name = _text(32, required=True)


class LocationTypePatch(ContractSchema):
    """PATCH /location-types/<code>."""

    name = _text(32)
    active = StrictBool()


class ItemCreate(ContractSchema):
    """POST /checklists/<type>/items."""

    text = _text(300, required=True)
    category = _text(16, required=True)
    limit_days = StrictInt(required=True, validate=value_range(1, 60))
    photo_required = StrictBool(load_default=True)
    unit_id = db_id(allow_none=True, load_default=None)
    severity = StrictString(load_default="general", validate=one_of(SEVERITIES))


class ItemPatch(ContractSchema):
    """PATCH /checklists/items/<code>."""

    text = _text(300)
    category = _text(16)
    limit_days = StrictInt(validate=value_range(1, 60))
    photo_required = StrictBool()
    unit_id = db_id(allow_none=True)
    severity = StrictString(validate=one_of(SEVERITIES))
    active = StrictBool()


class ItemOrder(ContractSchema):
    """PUT /checklists/<type>/order."""

    codes = ListField(StrictString(validate=length(1, 64)), required=True, validate=length(1, 500))


class Grade(ContractSchema):
    """One row of the grade table."""

    min_score = StrictFloat(required=True, validate=value_range(-1000, 1000))
    grade = _text(8, required=True)


def weights(**kwargs) -> fields.Dict:
    """The scoring weights: names to numbers (which names exist, the rule itself checks)."""
    return fields.Dict(keys=StrictString(validate=length(1, 32)),
                       values=StrictFloat(validate=value_range(-1000, 1000)), **kwargs)


class ScoringRule(ContractSchema):
    """The scoring part of the settings (also what the preview takes)."""

    scoring = weights(required=True)
    grades = ListField(NestedField(Grade), required=True, validate=length(1, 10))
    min_cases = StrictInt(required=True, validate=value_range(0, 1000))


class SettingsDoc(ContractSchema):
    """PUT /settings: the whole document."""

    office_name = _text(64, required=True)
    letter_masthead = _text(64, required=True)
    contact_person = _text(32, load_default="")
    contact_phone = _text(32, load_default="")
    prompt_review = StrictBool(required=True)
    scoring = weights(required=True)
    grades = ListField(NestedField(Grade), required=True, validate=length(1, 10))
    min_cases = StrictInt(required=True, validate=value_range(0, 1000))
    bulletin_to = _text(500, load_default="")
    bulletin_cc = _text(500, load_default="")


class AuditQuery(Schema):
    """GET /audit filters (query strings)."""

    class Meta:
        unknown = RAISE

    action = fields.String(validate=length(maximum=32))
    target = fields.String(validate=length(maximum=64))
    actor_id = fields.Integer(validate=value_range(1, 2**31 - 1))
    from_ = fields.Date(data_key="from", validate=check_day_range)
    to = fields.Date(validate=check_day_range)
    page = fields.Integer(load_default=1, validate=value_range(1, 100000))
    per_page = fields.Integer(load_default=50, validate=value_range(1, 200))


class RoutePut(ContractSchema):
    """PUT /routes/<date>/<user_id>: the day's points in walking order."""

    point_ids = ListField(db_id(), required=True, validate=length(maximum=500))
