"""The holiday table: official holidays and adjusted working days."""
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class CalendarDay(db.Model):
    """A day whose kind differs from the weekday rule: a holiday or an adjusted workday."""

    __tablename__ = "calendar_days"
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))  # holiday | workday
    name: Mapped[str] = mapped_column(sa.String(64), default="")


class CalendarYear(db.Model):
    """A year whose official arrangement is fully entered; other years are provisional."""

    __tablename__ = "calendar_years"
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(sa.String(64), default="")
