"""Reference data: communities, points and checklists."""
from flask import jsonify

from ..auth import auth_required
from ..extensions import db
from ..models import ChecklistItem, Community, Point
from . import bp


@bp.get("/communities")
@auth_required()
def communities():
    """Communities as a GeoJSON FeatureCollection."""
    rows = db.session.scalars(db.select(Community).order_by(Community.id))
    return jsonify({"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": c.id, "geometry": c.boundary,
         "properties": {"id": c.id, "name": c.name, "code": c.code, "demo": c.boundary_is_demo}}
        for c in rows]})


@bp.get("/points")
@auth_required()
def points():
    """Active points as a GeoJSON FeatureCollection."""
    rows = db.session.scalars(db.select(Point).where(Point.active.is_(True)).order_by(Point.id))
    return jsonify({"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": p.id,
         "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
         "properties": {"id": p.id, "name": p.name, "location_type": p.location_type,
                        "community_id": p.community_id, "address": p.address}}
        for p in rows]})


@bp.get("/checklists")
@auth_required()
def checklists():
    """Active checklist items grouped by location type, in catalogue order."""
    out: dict[str, list] = {}
    rows = db.session.scalars(db.select(ChecklistItem).where(ChecklistItem.active.is_(True))
                              .order_by(ChecklistItem.location_type, ChecklistItem.position))
    for i in rows:
        out.setdefault(i.location_type, []).append(
            {"code": i.code, "text": i.text, "category": i.category,
             "limit_days": i.limit_days, "photo_required": i.photo_required})
    return jsonify(out)
