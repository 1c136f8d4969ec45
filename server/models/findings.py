"""Findings (问题): one row of the problem ledger each, with an append-only history."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import UTCDateTime, utcnow

STATUSES = ("unassigned", "assigned", "returned", "replied", "rectified", "closed", "void")
# 问题来源, the work plan's five: the phone records the first two, a supervisor the rest at the desk.
SOURCES = {"routine": "日常督查", "covert": "暗访", "thematic": "专题督查", "assigned": "上级交办",
           "public": "群众反映"}
DESK_SOURCES = ("thematic", "assigned", "public")
OPEN_STATUSES = ("unassigned", "assigned", "returned", "replied", "rectified")


class Finding(db.Model):
    """A failed checklist item, tracked from assignment until it is closed or voided."""

    __tablename__ = "findings"
    __table_args__ = (
        sa.Index("ix_findings_status_found", "status", "found_at"),
        sa.Index("ix_findings_community_found", "community_id", "found_at"),
        # "Overdue" is (status, due date < today): these make it an index range, not a scan.
        sa.Index("ix_findings_status_reply_due", "status", "reply_due"),
        sa.Index("ix_findings_status_rectify_due", "status", "rectify_due"),
    )
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    inspection_id: Mapped[str] = mapped_column(sa.ForeignKey("inspections.id"), index=True)
    item_code: Mapped[str] = mapped_column(sa.String(64), index=True)
    # The item's text when recorded: an admin may reword the checklist later.
    item_text: Mapped[str | None] = mapped_column(sa.String(300))
    location_type: Mapped[str] = mapped_column(sa.String(32))
    point_id: Mapped[int | None] = mapped_column(sa.ForeignKey("points.id"), index=True)
    # The responsible unit, of any kind (the API's unit_id; community_id only for communities).
    community_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"))
    inspector_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    description: Mapped[str] = mapped_column(sa.Text, default="")
    covert: Mapped[bool] = mapped_column(default=False)
    # 一般 or 严重: the item's severity when recorded; a supervisor may reclassify it.
    severity: Mapped[str] = mapped_column(sa.String(8), default="general", server_default="general")
    source: Mapped[str] = mapped_column(sa.String(16), default="routine", server_default="routine")
    address: Mapped[str | None] = mapped_column(sa.String(200))  # a place no point names (desk entries)
    status: Mapped[str] = mapped_column(sa.String(16))
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    notice_letter_id: Mapped[int | None] = mapped_column(sa.ForeignKey("letters.id"))
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply_due: Mapped[date | None] = mapped_column(sa.Date, index=True)
    rectify_due: Mapped[date | None] = mapped_column(sa.Date, index=True)
    deadline_provisional: Mapped[bool] = mapped_column(default=False)
    assignment_method: Mapped[str | None] = mapped_column(sa.String(16))
    assignment_detail: Mapped[str] = mapped_column(sa.String(200), default="")
    flags: Mapped[list] = mapped_column(sa.JSON, default=list)
    reply: Mapped[dict | None] = mapped_column(sa.JSON)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extension: Mapped[dict | None] = mapped_column(sa.JSON)  # pending request
    rectified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rework_count: Mapped[int] = mapped_column(default=0)
    return_count: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    point = relationship("Point")
    community = relationship("Unit")
    inspector = relationship("User")
    events = relationship("FindingEvent", order_by="FindingEvent.id", back_populates="finding")
    photo_links = relationship("FindingPhoto", order_by="FindingPhoto.position")


class FindingEvent(db.Model):
    """One change of a finding: who, when, from, to, note, photos. Never updated."""

    __tablename__ = "finding_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[str] = mapped_column(sa.ForeignKey("findings.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(sa.String(32))
    from_status: Mapped[str | None] = mapped_column(sa.String(16))
    to_status: Mapped[str] = mapped_column(sa.String(16))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    photo_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    finding = relationship("Finding", back_populates="events")
    actor = relationship("User")


class FindingPhoto(db.Model):
    """A photo attached to a finding at a stage: before, after or verify."""

    __tablename__ = "finding_photos"
    finding_id: Mapped[str] = mapped_column(sa.ForeignKey("findings.id"), primary_key=True)
    photo_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, index=True)
    stage: Mapped[str] = mapped_column(sa.String(8))
    position: Mapped[int] = mapped_column(default=0)
