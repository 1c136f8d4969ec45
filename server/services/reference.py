"""Reference data a request needs, loaded once: checklist, points, boundaries, calendar."""
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from ..extensions import db
from ..models import CalendarDay, CalendarYear, ChecklistItem, Counter, LocationType, Point, Unit
from .assignment import Boundaries, PointRef
from .calendar import WorkCalendar
from .numbering import reserve


def load_calendar() -> WorkCalendar:
    """Build the working-day calendar from the holiday table."""
    rows = db.session.execute(db.select(CalendarDay.day, CalendarDay.kind)).all()
    years = db.session.scalars(db.select(CalendarYear.year)).all()
    return WorkCalendar({d: kind for d, kind in rows}, years)


@dataclass(frozen=True)
class ItemRef:
    """A checklist item as the services need it (plain data: safe to keep between requests)."""

    code: str
    location_type: str
    text: str
    category: str
    limit_days: int
    photo_required: bool
    active: bool
    unit_id: int | None = None  # 责任分工: the unit answering for this item wherever it fails
    severity: str = "general"  # 一般 / 严重


@dataclass
class Reference:
    """Checklist items, points with their types, unit boundaries and names, the calendar."""

    items: dict[str, ItemRef]
    points: dict[int, PointRef]
    point_types: dict[int, str]
    boundaries: Boundaries
    calendar: WorkCalendar
    community_names: dict[int, str] = field(default_factory=dict)  # every unit, any kind
    unit_kinds: dict[int, str] = field(default_factory=dict)
    active_units: frozenset = frozenset()
    location_types: dict[str, str] = field(default_factory=dict)  # active code → name

    def unit_name(self, unit_id: int | None) -> str | None:
        """The name of a unit of any kind."""
        return self.community_names.get(unit_id) if unit_id is not None else None

    def community_id(self, unit_id: int | None) -> int | None:
        """A unit's id when it is a community (v1's community_id), else None."""
        return unit_id if self.unit_kinds.get(unit_id) == "community" else None

    def due(self, start: date, working_days: int) -> tuple[date, bool]:
        """Return the due date n working days after start, and whether it is provisional."""
        return self.calendar.add_working_days(start, working_days)


VERSION_COUNTER = "reference_version"
_cache: dict[str, tuple[int, Reference]] = {}


def bump_version() -> None:
    """Note that reference data changed, so every process reloads it on its next request."""
    reserve(VERSION_COUNTER)


def load_reference() -> Reference:
    """The reference data, reloaded only when its version counter has moved."""
    version = db.session.scalar(sa.select(Counter.value).where(Counter.name == VERSION_COUNTER)) or 0
    key = str(db.engine.url)
    hit = _cache.get(key)
    if hit is not None and hit[0] == version:
        return hit[1]
    ref = _load()
    _cache[key] = (version, ref)
    return ref


def _load() -> Reference:
    """Load every piece of reference data in a handful of queries."""
    items = {i.code: ItemRef(i.code, i.location_type, i.text, i.category, i.limit_days,
                             i.photo_required, i.active, i.unit_id, i.severity)
             for i in db.session.scalars(db.select(ChecklistItem))}
    points, types = {}, {}
    for p in db.session.scalars(db.select(Point).where(Point.active.is_(True))):
        points[p.id] = PointRef(p.id, p.name, p.community_id, p.lat, p.lon)
        types[p.id] = p.location_type
    units = list(db.session.scalars(db.select(Unit).order_by(Unit.position, Unit.id)))
    boundaries = Boundaries([(u.id, u.name, u.boundary) for u in units
                             if u.is_community and u.active])
    location_types = {t.code: t.name for t in db.session.scalars(
        db.select(LocationType).where(LocationType.active.is_(True)).order_by(LocationType.position))}
    return Reference(items, points, types, boundaries, load_calendar(),
                     {u.id: u.name for u in units}, {u.id: u.kind for u in units},
                     frozenset(u.id for u in units if u.active), location_types)
