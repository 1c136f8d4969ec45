"""Reference data a request needs, loaded once: checklist, points, boundaries, calendar."""
from dataclasses import dataclass, field
from datetime import date

from ..extensions import db
from ..models import CalendarDay, CalendarYear, ChecklistItem, Community, Point
from .assignment import Boundaries, PointRef
from .calendar import WorkCalendar


def load_calendar() -> WorkCalendar:
    """Build the working-day calendar from the holiday table."""
    rows = db.session.execute(db.select(CalendarDay.day, CalendarDay.kind)).all()
    years = db.session.scalars(db.select(CalendarYear.year)).all()
    return WorkCalendar({d: kind for d, kind in rows}, years)


@dataclass
class Reference:
    """Checklist items, points with their types, community boundaries and the calendar."""

    items: dict[str, ChecklistItem]
    points: dict[int, PointRef]
    point_types: dict[int, str]
    boundaries: Boundaries
    calendar: WorkCalendar
    community_names: dict[int, str] = field(default_factory=dict)

    def due(self, start: date, working_days: int) -> tuple[date, bool]:
        """Return the due date n working days after start, and whether it is provisional."""
        return self.calendar.add_working_days(start, working_days)


def load_reference() -> Reference:
    """Load every piece of reference data in a handful of queries."""
    items = {i.code: i for i in db.session.scalars(db.select(ChecklistItem))}
    points, types = {}, {}
    for p in db.session.scalars(db.select(Point).where(Point.active.is_(True))):
        points[p.id] = PointRef(p.id, p.name, p.community_id, p.lat, p.lon)
        types[p.id] = p.location_type
    communities = list(db.session.scalars(db.select(Community).order_by(Community.id)))
    boundaries = Boundaries([(c.id, c.name, c.boundary) for c in communities])
    return Reference(items, points, types, boundaries, load_calendar(),
                     {c.id: c.name for c in communities})
