"""Responsible units (责任单位): communities, task forces (专班) and offices (科室)."""
import sqlalchemy as sa

from ..errors import ApiError
from ..extensions import db
from ..models import Finding, Unit, User
from ..models.findings import OPEN_STATUSES
from ..models.places import UNIT_KIND_NAMES
from . import audit
from .reference import bump_version

FIELDS = ("name", "kind", "head", "contact", "phone", "active")


def open_counts() -> dict[int, int]:
    """Open findings per unit."""
    rows = db.session.execute(sa.select(Finding.community_id, sa.func.count())
                              .where(Finding.status.in_(OPEN_STATUSES))
                              .group_by(Finding.community_id)).all()
    return {uid: n for uid, n in rows if uid is not None}


def unit_dict(u: Unit, open_findings: int | None = None) -> dict:
    """A unit as the API shows it."""
    return {"id": u.id, "code": u.code, "name": u.name, "kind": u.kind,
            "kind_label": UNIT_KIND_NAMES.get(u.kind, u.kind), "head": u.head,
            "contact": u.contact, "phone": u.phone, "active": u.active,
            "has_boundary": u.boundary is not None,
            "open_findings": open_counts().get(u.id, 0) if open_findings is None else open_findings}


def list_units() -> list[dict]:
    """Every unit, communities first, then task forces and offices, in their order."""
    counts = open_counts()
    order = sa.case({k: i for i, k in enumerate(UNIT_KIND_NAMES)}, value=Unit.kind, else_=9)
    rows = db.session.scalars(sa.select(Unit).order_by(order, Unit.position, Unit.id))
    return [unit_dict(u, counts.get(u.id, 0)) for u in rows]


def get(unit_id: int) -> Unit:
    """A unit or 404."""
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise ApiError(404, "unit_not_found", "单位不存在")
    return unit


def _unique_name(name: str, unit_id: int | None = None) -> None:
    """Names are unique: they are printed on letters and reports."""
    q = sa.select(Unit.id).where(Unit.name == name)
    if unit_id is not None:
        q = q.where(Unit.id != unit_id)
    if db.session.scalar(q) is not None:
        raise ApiError(422, "invalid_fields", "填写的内容有误", {"name": "已有同名单位"})


def _new_code(kind: str) -> str:
    """A stable internal code for a unit the admin adds (communities from boundary files bring theirs)."""
    prefix = {"community": "c", "task_force": "tf", "office": "o"}[kind]
    used = set(db.session.scalars(sa.select(Unit.code)))
    n = db.session.scalar(sa.select(sa.func.count()).select_from(Unit)) + 1
    while f"{prefix}{n}" in used:
        n += 1
    return f"{prefix}{n}"


def create(actor: User, data: dict) -> Unit:
    """Add a unit."""
    _unique_name(data["name"])
    position = (db.session.scalar(sa.select(sa.func.max(Unit.position))) or 0) + 1
    unit = Unit(code=_new_code(data["kind"]), name=data["name"], kind=data["kind"],
                head=data.get("head", ""), contact=data.get("contact", ""),
                phone=data.get("phone", ""), active=True, position=position)
    db.session.add(unit)
    db.session.flush()
    audit.record(actor, "unit.create", f"unit:{unit.id}", None, unit_dict(unit, 0))
    bump_version()
    return unit


def update(actor: User, unit: Unit, data: dict) -> Unit:
    """Edit a unit; retiring one that still has open findings is refused with the count."""
    before = unit_dict(unit)
    if "name" in data:
        _unique_name(data["name"], unit.id)
    if data.get("active") is False and unit.active:
        n = before["open_findings"]
        if n:
            raise ApiError(409, "unit_has_open_findings",
                           f"该单位还有 {n} 个未销号的问题，请先改派或办结后再停用")
    if "kind" in data and data["kind"] != unit.kind:
        _check_kind_change(unit, data["kind"])
    for key in FIELDS:
        if key in data:
            setattr(unit, key, data[key])
    db.session.flush()
    after = unit_dict(unit)
    audit.record(actor, "unit.update", f"unit:{unit.id}", *audit.changed(before, after))
    bump_version()
    return unit


def _check_kind_change(unit: Unit, kind: str) -> None:
    """A community with points or a boundary cannot stop being a community."""
    if unit.kind == "community":
        points = db.session.scalar(sa.text("SELECT count(*) FROM points WHERE community_id = :u"),
                                   {"u": unit.id})
        if points or unit.boundary is not None:
            raise ApiError(409, "unit_has_places",
                           f"该社区还有 {points} 个点位或辖区边界，不能改为其他类型")


