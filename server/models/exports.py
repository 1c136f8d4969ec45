"""Ledger export jobs: a long Excel/CSV export runs in the background and reports progress."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import UTCDateTime, utcnow

EXPORT_FORMATS = ("xlsx", "csv")
EXPORT_STATUSES = ("queued", "running", "done", "failed")


class Export(db.Model):
    """One export of the problem ledger, visible only to the user who asked for it."""

    __tablename__ = "exports"
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    format: Mapped[str] = mapped_column(sa.String(8))
    filters: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    base_url: Mapped[str] = mapped_column(sa.String(300), default="")  # for photo links
    status: Mapped[str] = mapped_column(sa.String(16), default="queued")
    progress: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(sa.Text)
    filename: Mapped[str | None] = mapped_column(sa.String(100))  # under DATA_DIR/exports/
    size: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
