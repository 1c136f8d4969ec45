"""日督导 allocation: the points a supervisor gives an inspector to walk on a day."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import UTCDateTime, utcnow


class RouteStop(db.Model):
    """One point of one inspector's route on one local day, at its place in the walking order."""

    __tablename__ = "route_stops"
    __table_args__ = (sa.UniqueConstraint("day", "user_id", "point_id", name="uq_route_stops_day_user_point"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    point_id: Mapped[int] = mapped_column(sa.ForeignKey("points.id"))
    position: Mapped[int]
    allocated_by: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    allocated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
