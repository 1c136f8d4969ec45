"""Reference data a request needs, loaded once: checklist, points, boundaries, calendar."""
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from ..extensions import db
from ..models import CalendarDay, CalendarYear, ChecklistItem, Community, Counter, Point
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


@dataclass
class Reference:
    """Checklist items, points with their types, community boundaries and the calendar."""

    items: dict[str, ItemRef]
    points: dict[int, PointRef]
    point_types: dict[int, str]
    boundaries: Boundaries
    calendar: WorkCalendar
    community_names: dict[int, str] = field(default_factory=dict)

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
                             i.photo_required, i.active)
             for i in db.session.scalars(db.select(ChecklistItem))}
    points, types = {}, {}
    for p in db.session.scalars(db.select(Point).where(Point.active.is_(True))):
        points[p.id] = PointRef(p.id, p.name, p.community_id, p.lat, p.lon)
        types[p.id] = p.location_type
    communities = list(db.session.scalars(db.select(Community).order_by(Community.id)))
    boundaries = Boundaries([(c.id, c.name, c.boundary) for c in communities])
    return Reference(items, points, types, boundaries, load_calendar(),
                     {c.id: c.name for c in communities})
