"""Reference data: communities, points and checklists."""
from flask import jsonify, request

from ..auth import auth_required
from ..extensions import db
from ..models import ChecklistItem, Community, LocationType
from ..services import points as point_service
from ..services.reference import load_reference
from . import bp


@bp.get("/communities")
@auth_required()
def communities():
    """Communities as a GeoJSON FeatureCollection."""
    rows = db.session.scalars(db.select(Community).where(
        Community.kind == "community", Community.active.is_(True)).order_by(Community.id))
    return jsonify({"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": c.id, "geometry": c.boundary,
         "properties": {"id": c.id, "name": c.name, "code": c.code, "demo": c.boundary_is_demo}}
        for c in rows]})


@bp.get("/points")
@auth_required()
def points():
    """Active points (with ?all=1, retired ones too) as a GeoJSON FeatureCollection."""
    include_retired = request.args.get("all") == "1"
    ref = load_reference()
    return jsonify({"type": "FeatureCollection", "features": [
        point_service.feature(p, ref) for p in point_service.all_points(include_retired)]})


@bp.get("/checklists")
@auth_required()
def checklists():
    """Active checklist items grouped by location type, in catalogue order."""
    out: dict[str, list] = {}
    rows = db.session.scalars(
        db.select(ChecklistItem).join(LocationType, LocationType.code == ChecklistItem.location_type)
        .where(ChecklistItem.active.is_(True), LocationType.active.is_(True))
        .order_by(LocationType.position, ChecklistItem.position))
    for i in rows:
        out.setdefault(i.location_type, []).append(
            {"code": i.code, "text": i.text, "category": i.category,
             "limit_days": i.limit_days, "photo_required": i.photo_required,
             "severity": i.severity})
    return jsonify(out)
