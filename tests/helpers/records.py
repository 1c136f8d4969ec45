"""Small factories for sync records and access to the demo street."""
import uuid
from datetime import datetime

import sqlalchemy as sa

from server.extensions import db
from server.models import ChecklistItem, Community, Point


def new_id() -> str:
    """A fresh UUID string."""
    return str(uuid.uuid4())


def demo_point(app, location_type: str = "street", community: str = "yongsheng") -> Point:
    """A demo point of a type in a community."""
    with app.app_context():
        p = db.session.scalar(sa.select(Point).join(Community).where(
            Point.location_type == location_type, Community.code == community).order_by(Point.id))
        db.session.expunge(p)
        return p


def community_id(app, code: str) -> int:
    """The id of a demo community."""
    with app.app_context():
        return db.session.scalar(sa.select(Community.id).where(Community.code == code))


def item(app, location_type: str = "street", photo_required: bool | None = None) -> str:
    """The code of a checklist item of a type."""
    with app.app_context():
        q = sa.select(ChecklistItem.code).where(ChecklistItem.location_type == location_type)
        if photo_required is not None:
            q = q.where(ChecklistItem.photo_required.is_(photo_required))
        return db.session.scalars(q.order_by(ChecklistItem.position)).first()


def free_item(app, location_type: str = "street", point_id: int | None = None) -> str:
    """An item (photo required) with no problem at the point yet — or anywhere, without a point:
    a second failure of an item already open there joins that problem as 仍未整改."""
    from server.models import Finding
    with app.app_context():
        taken = sa.select(Finding.item_code)
        if point_id is not None:
            taken = taken.where(Finding.point_id == point_id)
        return db.session.scalars(sa.select(ChecklistItem.code).where(
            ChecklistItem.location_type == location_type, ChecklistItem.photo_required.is_(True),
            ChecklistItem.code.not_in(taken)).order_by(ChecklistItem.position)).first()


def result(item_code: str, outcome: str = "fail", photos=None, note: str = "路面有坑洼积水", rid=None):
    """One checklist answer."""
    return {"id": rid or new_id(), "item_code": item_code, "result": outcome, "note": note,
            "photo_ids": list(photos or [])}


def inspection(point: Point | None, results: list, *, started_at: str | datetime | None = None,
               lat=None, lon=None, location_type=None, rid=None, covert=False) -> dict:
    """An inspection record as the phone sends it; at the point's position by default."""
    if isinstance(started_at, datetime):
        started_at = started_at.isoformat()
    return {
        "kind": "inspection", "id": rid or new_id(),
        "point_id": point.id if point else None,
        "location_type": location_type or (point.location_type if point else "street"),
        "started_at": started_at or "2026-11-27T09:30:00+08:00",
        "lat": lat if lat is not None else (point.lat if point else None),
        "lon": lon if lon is not None else (point.lon if point else None),
        "accuracy_m": 8.0, "covert": covert, "note": "", "results": results,
    }


def verification(finding_id: str, verdict: str = "pass", photos=None, at="2026-11-27T09:45:00+08:00",
                 note: str = "") -> dict:
    """A re-inspection record."""
    return {"kind": "verification", "id": new_id(), "finding_id": finding_id, "verdict": verdict,
            "at": at, "lat": 42.97, "lon": 126.74, "note": note, "photo_ids": list(photos or [])}
