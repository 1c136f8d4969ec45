"""Published weekly bulletins (周通报): each gets its issue number (期号) when published."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import UTCDateTime, utcnow


class Bulletin(db.Model):
    """One published weekly bulletin: the week, its number in the year's series, who and when."""

    __tablename__ = "bulletins"
    __table_args__ = (sa.UniqueConstraint("year", "seq", name="uq_bulletins_year_seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    week: Mapped[str] = mapped_column(sa.String(8), unique=True)  # 2026-W48
    year: Mapped[int]
    seq: Mapped[int]  # 期号: 1, 2, 3… per year, in order of publication
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    publisher_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
