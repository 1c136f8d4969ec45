"""Communities, inspection points and checklist items."""
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db


class Community(db.Model):
    """A community (社区) responsible for the problems inside its boundary."""

    __tablename__ = "communities"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(64))
    boundary: Mapped[dict | None] = mapped_column(sa.JSON)  # GeoJSON geometry
    boundary_is_demo: Mapped[bool] = mapped_column(default=False)


class Point(db.Model):
    """A registered inspection point (点位): a back street, a compound, a toilet…"""

    __tablename__ = "points"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    location_type: Mapped[str] = mapped_column(sa.String(32))
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id"), index=True)
    lat: Mapped[float]
    lon: Mapped[float]
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)
    community = relationship("Community")


class ChecklistItem(db.Model):
    """One checklist item, loaded from the versioned catalogue and editable by an admin."""

    __tablename__ = "checklist_items"
    code: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    location_type: Mapped[str] = mapped_column(sa.String(32), index=True)
    text: Mapped[str] = mapped_column(sa.String(300))
    category: Mapped[str] = mapped_column(sa.String(16))
    limit_days: Mapped[int]
    photo_required: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
