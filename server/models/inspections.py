"""What inspectors send: inspections with their checklist results, and re-inspections."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import UTCDateTime, utcnow


class Inspection(db.Model):
    """One visit to a point (or an unregistered place), under the phone's UUID."""

    __tablename__ = "inspections"
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    device_id: Mapped[str] = mapped_column(sa.String(100))
    inspector_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    point_id: Mapped[int | None] = mapped_column(sa.ForeignKey("points.id"), index=True)
    location_type: Mapped[str] = mapped_column(sa.String(32))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    accuracy_m: Mapped[float | None]
    covert: Mapped[bool] = mapped_column(default=False)
    # 问题来源 (findings.SOURCES): what the daily coverage counts as an inspection of a point.
    source: Mapped[str] = mapped_column(sa.String(16), default="routine", server_default="routine")
    note: Mapped[str] = mapped_column(sa.Text, default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    results = relationship("InspectionResult", back_populates="inspection",
                           order_by="InspectionResult.position")
    inspector = relationship("User")
    point = relationship("Point")


class InspectionResult(db.Model):
    """One checklist answer; a `fail` also becomes a finding with the same id."""

    __tablename__ = "inspection_results"
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    inspection_id: Mapped[str] = mapped_column(sa.ForeignKey("inspections.id"), index=True)
    position: Mapped[int]
    item_code: Mapped[str] = mapped_column(sa.String(64))
    result: Mapped[str] = mapped_column(sa.String(8))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    photo_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    # A fail's finding: its own id when it opened one, an open finding's id when it re-sighted it.
    finding_id: Mapped[str | None] = mapped_column(sa.String(36))
    inspection = relationship("Inspection", back_populates="results")


class Verification(db.Model):
    """A re-inspection on site of a finding reported rectified."""

    __tablename__ = "verifications"
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    finding_id: Mapped[str] = mapped_column(sa.ForeignKey("findings.id"), index=True)
    inspector_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    verdict: Mapped[str] = mapped_column(sa.String(8))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    note: Mapped[str] = mapped_column(sa.Text, default="")
    photo_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
