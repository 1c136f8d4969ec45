"""The three letters (三函): notice, reply and prompt; leaders' instructions on prompts."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import UTCDateTime, utcnow

OFFICE_SERIES = "office"


def unit_series(unit_id: int) -> str:
    """The number series of a unit's own letters (its 答复函)."""
    return f"unit:{unit_id}"


class Letter(db.Model):
    """A letter; its body is a snapshot taken when it was issued.

    Notices and prompts are numbered in the office's series, reply letters in the answering
    unit's own; a number is unique per series, kind and year. A prompt may wait as a `draft`
    (no number, no issue time) until a supervisor issues it.
    """

    __tablename__ = "letters"
    __table_args__ = (sa.UniqueConstraint("series", "kind", "year", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(8))  # notice | reply | prompt
    status: Mapped[str] = mapped_column(sa.String(8), default="issued")  # draft | issued
    series: Mapped[str] = mapped_column(sa.String(24), default=OFFICE_SERIES)
    year: Mapped[int | None]
    seq: Mapped[int | None]
    number: Mapped[str | None] = mapped_column(sa.String(64))
    community_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finding_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    # A reply letter answers one notice, and a notice gets one reply letter at most.
    notice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("letters.id"), unique=True)
    body: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    community = relationship("Unit")
    instructions = relationship("LetterInstruction", order_by="LetterInstruction.id",
                                back_populates="letter")


class PromptEvent(db.Model):
    """One overdue event (finding, clock, due date) and the prompt letter that carries it."""

    __tablename__ = "prompt_events"
    event_key: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    letter_id: Mapped[int] = mapped_column(sa.ForeignKey("letters.id"), index=True)
    finding_id: Mapped[str] = mapped_column(sa.ForeignKey("findings.id"), index=True)
    clock: Mapped[str] = mapped_column(sa.String(8))  # reply | rectify
    due: Mapped[date] = mapped_column(sa.Date)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LetterInstruction(db.Model):
    """A leader's instruction (批示/阅处) on an issued prompt letter."""

    __tablename__ = "letter_instructions"
    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(sa.ForeignKey("letters.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(sa.Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    letter = relationship("Letter", back_populates="instructions")
    author = relationship("User")
