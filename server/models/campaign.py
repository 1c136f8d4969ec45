"""The plan's other mechanisms: 信息报送 (submissions, 四(五)) and 责任清单 (duty lists, 四(六))."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import UTCDateTime, utcnow

SUBMISSION_KINDS = {"experience": "经验做法", "news": "工作动态", "typical": "典型事例"}
ADOPTION_LEVELS = {"street": "街道", "city": "市级", "province": "省级", "national": "国家级"}
DUTY_STATUSES = {"open": "待完成", "completed": "待确认", "confirmed": "已完成"}


class Submission(db.Model):
    """One item a unit reports (信息报送), counted for the half-month of its receipt."""

    __tablename__ = "submissions"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    period: Mapped[str] = mapped_column(sa.String(10), index=True)  # 2026-12-1 | 2026-12-2
    title: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[str] = mapped_column(sa.String(16))
    body: Mapped[str] = mapped_column(sa.Text)
    photo_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    adopted: Mapped[bool | None]
    level: Mapped[str | None] = mapped_column(sa.String(16))
    review_note: Mapped[str] = mapped_column(sa.String(500), default="")
    unit = relationship("Unit")
    author = relationship("User", foreign_keys=[author_id])
    reviewer = relationship("User", foreign_keys=[reviewer_id])


class DutyList(db.Model):
    """A 责任提示清单: what one unit must get done in a week (2026-W49) or a month (2026-12)."""

    __tablename__ = "duty_lists"
    __table_args__ = (sa.UniqueConstraint("unit_id", "period", name="uq_duty_lists_unit_period"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    period: Mapped[str] = mapped_column(sa.String(8), index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    unit = relationship("Unit")
    items = relationship("DutyItem", order_by="DutyItem.position", back_populates="duty_list")


class DutyItem(db.Model):
    """One item of a duty list: open → completed (with evidence) → confirmed, or back to open."""

    __tablename__ = "duty_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(sa.ForeignKey("duty_lists.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(sa.String(300))
    indicator: Mapped[str] = mapped_column(sa.String(200), default="")
    due: Mapped[date] = mapped_column(sa.Date, index=True)
    status: Mapped[str] = mapped_column(sa.String(12), default="open")
    note: Mapped[str] = mapped_column(sa.String(1000), default="")
    photo_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    review_note: Mapped[str] = mapped_column(sa.String(500), default="")
    duty_list = relationship("DutyList", back_populates="items")
