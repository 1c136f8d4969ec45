"""Bookkeeping tables: counters, the change log for pull, idempotency keys."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import UTCDateTime, utcnow


class Counter(db.Model):
    """A named sequence (finding codes per year, letter numbers per year and kind)."""

    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


class ChangeLog(db.Model):
    """One row per change of a finding or letter; its id is the pull cursor."""

    __tablename__ = "change_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(sa.String(16))  # finding | letter
    entity_id: Mapped[str] = mapped_column(sa.String(36))
    community_id: Mapped[int | None] = mapped_column(index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IdempotencyRecord(db.Model):
    """The stored answer to a POST made with an Idempotency-Key."""

    __tablename__ = "idempotency_records"
    __table_args__ = (sa.UniqueConstraint("user_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(sa.String(64))
    method: Mapped[str] = mapped_column(sa.String(8))
    path: Mapped[str] = mapped_column(sa.String(300))
    body_sha256: Mapped[str] = mapped_column(sa.String(64), default="")
    status: Mapped[int]
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
