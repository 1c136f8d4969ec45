"""Responsible units, inspection points, location types and checklist items."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import UTCDateTime, utcnow

UNIT_KINDS = ("community", "task_force", "office")
UNIT_KIND_NAMES = {"community": "社区", "task_force": "专班", "office": "科室"}
SEVERITIES = {"general": "一般", "serious": "严重"}  # a problem's severity, in Chinese


class Unit(db.Model):
    """A responsible unit (责任单位): a community (社区), a task force (专班) or an office (科室).

    Communities keep their v1 ids, and every `community_id` column in the schema holds the
    responsible unit's id, whatever its kind (the API shows it as `unit_id`, and as
    `community_id` only when the unit is a community).
    """

    __tablename__ = "units"
    __table_args__ = (  # names kept from the v1 table the migration renamed
        sa.UniqueConstraint("code", name="uq_communities_code"),
        sa.Index("uq_units_name", "name", unique=True),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32))
    name: Mapped[str] = mapped_column(sa.String(64))
    kind: Mapped[str] = mapped_column(sa.String(16), default="community")
    head: Mapped[str] = mapped_column(sa.String(64), default="")
    contact: Mapped[str] = mapped_column(sa.String(64), default="")
    phone: Mapped[str] = mapped_column(sa.String(32), default="")
    active: Mapped[bool] = mapped_column(default=True)
    boundary: Mapped[dict | None] = mapped_column(sa.JSON)  # GeoJSON geometry (communities)
    boundary_is_demo: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)

    @property
    def is_community(self) -> bool:
        """Communities have boundaries and appear in /communities."""
        return self.kind == "community"


Community = Unit  # v1 name: a community is a unit of kind "community"


class Point(db.Model):
    """A registered inspection point (点位): a back street, a compound, a toilet…"""

    __tablename__ = "points"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    location_type: Mapped[str] = mapped_column(sa.String(32))
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    lat: Mapped[float]
    lon: Mapped[float]
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)
    community = relationship("Unit")


class LocationType(db.Model):
    """A kind of place with its own checklist (背街小巷, 居民小区, 公共厕所…)."""

    __tablename__ = "location_types"
    code: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(32), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class ChecklistItem(db.Model):
    """One checklist item, seeded from the catalogue and editable by an admin.

    `unit_id` (责任分工) names the unit that answers for a failure of this item wherever it
    is found; codes are never reused.
    """

    __tablename__ = "checklist_items"
    code: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    location_type: Mapped[str] = mapped_column(sa.String(32), index=True)
    text: Mapped[str] = mapped_column(sa.String(300))
    category: Mapped[str] = mapped_column(sa.String(16))
    limit_days: Mapped[int]
    photo_required: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"))
    # How serious a failure of this item is (the monthly grade may weigh problems by it).
    severity: Mapped[str] = mapped_column(sa.String(8), default="general", server_default="general")


class Setting(db.Model):
    """One administrator setting (letters, prompt review, scoring); the environment gives defaults."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    value: Mapped[dict | list | str | int | bool | None] = mapped_column(sa.JSON)


class AuditEntry(db.Model):
    """Who changed what reference data, users, settings or letters, and how (操作日志)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(sa.String(32), index=True)
    target: Mapped[str] = mapped_column(sa.String(64), index=True)
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
    actor = relationship("User")
