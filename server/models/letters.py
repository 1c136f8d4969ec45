"""The three letters (三函): notice, reply and prompt."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import UTCDateTime, utcnow


class Letter(db.Model):
    """A numbered letter; its body is a snapshot taken when it was issued."""

    __tablename__ = "letters"
    __table_args__ = (sa.UniqueConstraint("kind", "year", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(8))  # notice | reply | prompt
    year: Mapped[int]
    seq: Mapped[int]
    number: Mapped[str] = mapped_column(sa.String(64))
    community_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finding_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    # One prompt letter per overdue event: "<finding>:<clock>:<due date>".
    event_key: Mapped[str | None] = mapped_column(sa.String(120), unique=True)
    body: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    community = relationship("Unit")
