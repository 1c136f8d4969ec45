"""Editing the checklists: location types and their items (text, category, limit, owner, order).

Item codes are `<type>.<n>` for items the admin adds, never reused; a retired item leaves the
phone's checklist at its next sync, and findings keep the text they were recorded with.
"""
import sqlalchemy as sa

from ..errors import ApiError
from ..extensions import db
from ..models import ChecklistItem, LocationType, Unit, User
from . import audit
from .reference import bump_version


def _invalid(field: str, message: str) -> ApiError:
    """A 422 naming one field."""
    return ApiError(422, "invalid_fields", "填写的内容有误", {field: message})


def type_dict(t: LocationType, counts: dict[str, int]) -> dict:
    """A location type as the API shows it."""
    return {"code": t.code, "name": t.name, "position": t.position, "active": t.active,
            "item_count": counts.get(t.code, 0)}


def list_types() -> list[dict]:
    """Every location type in order, with its number of active items."""
    counts = dict(db.session.execute(sa.select(ChecklistItem.location_type, sa.func.count())
                                     .where(ChecklistItem.active.is_(True))
                                     .group_by(ChecklistItem.location_type)).all())
    rows = db.session.scalars(sa.select(LocationType).order_by(LocationType.position, LocationType.code))
    return [type_dict(t, counts) for t in rows]


def get_type(code: str) -> LocationType:
    """A location type or 404."""
    row = db.session.get(LocationType, code)
    if row is None:
        raise ApiError(404, "location_type_not_found", "点位类型不存在")
    return row


def _unique_type_name(name: str, code: str | None = None) -> None:
    """Type names are unique (the import accepts them in place of codes)."""
    q = sa.select(LocationType.code).where(LocationType.name == name)
    if code:
        q = q.where(LocationType.code != code)
    if db.session.scalar(q) is not None:
        raise _invalid("name", "已有同名的点位类型")


def create_type(actor: User, data: dict) -> LocationType:
    """Add a location type."""
    if db.session.get(LocationType, data["code"]) is not None:
        raise _invalid("code", "该代码已被使用")
    _unique_type_name(data["name"])
    position = (db.session.scalar(sa.select(sa.func.max(LocationType.position))) or 0) + 1
    row = LocationType(code=data["code"], name=data["name"], position=position, active=True)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "location_type.create", f"location_type:{row.code}", None, data)
    bump_version()
    return row


def update_type(actor: User, row: LocationType, data: dict) -> LocationType:
    """Rename or retire a location type (its points and findings stay)."""
    before = {"name": row.name, "active": row.active}
    if "name" in data:
        _unique_type_name(data["name"], row.code)
    for key in ("name", "active"):
        if key in data:
            setattr(row, key, data[key])
    db.session.flush()
    audit.record(actor, "location_type.update", f"location_type:{row.code}",
                 *audit.changed(before, {"name": row.name, "active": row.active}))
    bump_version()
    return row


def item_dict(i: ChecklistItem, unit_names: dict[int, str]) -> dict:
    """A checklist item as the administration screens show it."""
    return {"code": i.code, "location_type": i.location_type, "text": i.text,
            "category": i.category, "limit_days": i.limit_days,
            "photo_required": i.photo_required, "severity": i.severity, "unit_id": i.unit_id,
            "unit_name": unit_names.get(i.unit_id), "active": i.active, "position": i.position}


def unit_names() -> dict[int, str]:
    """Unit names by id."""
    return dict(db.session.execute(sa.select(Unit.id, Unit.name)).all())


def items_of(location_type: str | None) -> list[ChecklistItem]:
    """Items (retired ones too) of a type, or of every type, in order."""
    q = sa.select(ChecklistItem).order_by(ChecklistItem.location_type, ChecklistItem.position,
                                          ChecklistItem.code)
    if location_type:
        q = q.where(ChecklistItem.location_type == location_type)
    return list(db.session.scalars(q))


def get_item(code: str) -> ChecklistItem:
    """An item or 404."""
    row = db.session.get(ChecklistItem, code)
    if row is None:
        raise ApiError(404, "item_not_found", "检查项不存在")
    return row


def _check_unit(unit_id: int | None) -> None:
    """The responsible unit, when named, exists and is active."""
    if unit_id is not None:
        unit = db.session.get(Unit, unit_id)
        if unit is None or not unit.active:
            raise _invalid("unit_id", "所选责任单位不存在或已停用")


def _next_code(location_type: str) -> str:
    """`<type>.<n>` with n above every number used for this type before (codes are never reused)."""
    prefix = f"{location_type}."
    used = [c[len(prefix):] for c in db.session.scalars(
        sa.select(ChecklistItem.code).where(ChecklistItem.code.startswith(prefix, autoescape=True)))]
    n = max([int(x) for x in used if x.isdigit()] + [0]) + 1
    return f"{prefix}{n}"


def create_item(actor: User, ltype: LocationType, data: dict) -> ChecklistItem:
    """Add an item at the end of a type's checklist."""
    if not ltype.active:
        raise ApiError(409, "location_type_retired", "该点位类型已停用，不能添加检查项")
    _check_unit(data.get("unit_id"))
    position = (db.session.scalar(sa.select(sa.func.max(ChecklistItem.position))
                                  .where(ChecklistItem.location_type == ltype.code)) or 0) + 1
    item = ChecklistItem(code=_next_code(ltype.code), location_type=ltype.code, text=data["text"],
                         category=data["category"], limit_days=data["limit_days"],
                         photo_required=data["photo_required"], unit_id=data.get("unit_id"),
                         severity=data.get("severity", "general"),
                         position=position, active=True)
    db.session.add(item)
    db.session.flush()
    audit.record(actor, "item.create", f"item:{item.code}", None, item_dict(item, unit_names()))
    bump_version()
    return item


def update_item(actor: User, item: ChecklistItem, data: dict) -> ChecklistItem:
    """Edit or retire an item (findings already recorded keep their text and history)."""
    names = unit_names()
    before = item_dict(item, names)
    if "unit_id" in data:
        _check_unit(data["unit_id"])
    for key in ("text", "category", "limit_days", "photo_required", "unit_id", "severity", "active"):
        if key in data:
            setattr(item, key, data[key])
    db.session.flush()
    audit.record(actor, "item.update", f"item:{item.code}", *audit.changed(before, item_dict(item, names)))
    bump_version()
    return item


def reorder(actor: User, ltype: LocationType, codes: list[str]) -> list[ChecklistItem]:
    """Put a type's items in the given order (the list names each of its items once)."""
    items = {i.code: i for i in items_of(ltype.code)}
    if sorted(codes) != sorted(items) or len(set(codes)) != len(codes):
        raise _invalid("codes", "须按新顺序列出该类型的全部检查项，每项一次")
    for pos, code in enumerate(codes):
        items[code].position = pos
    db.session.flush()
    audit.record(actor, "item.reorder", f"location_type:{ltype.code}", None, {"codes": codes})
    bump_version()
    return items_of(ltype.code)
