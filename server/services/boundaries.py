"""Community boundaries (辖区边界): check an uploaded polygon, preview, store."""
from shapely.geometry import shape
from shapely.validation import explain_validity

from ..errors import ApiError
from ..extensions import db
from ..models import Point, Unit, User
from . import audit
from .assignment import Boundaries
from .points import in_china
from .reference import bump_version, load_reference


def _invalid(message: str) -> ApiError:
    """A 422 about the geometry."""
    return ApiError(422, "invalid_geometry", message, {"geometry": message})


def geometry_of(doc) -> dict:
    """The Polygon or MultiPolygon inside a geometry, a Feature or a one-feature collection."""
    if not isinstance(doc, dict):
        raise _invalid("须为 GeoJSON 对象")
    if doc.get("type") == "FeatureCollection":
        feats = doc.get("features")
        if not isinstance(feats, list) or len(feats) != 1:
            raise _invalid("FeatureCollection 须恰好包含一个要素（一个社区的边界）")
        doc = feats[0]
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        doc = doc.get("geometry")
    if not isinstance(doc, dict) or doc.get("type") not in ("Polygon", "MultiPolygon"):
        raise _invalid("边界须为 Polygon 或 MultiPolygon")
    try:
        geom = shape(doc)
    except Exception:  # shapely raises several kinds for malformed coordinates
        raise _invalid("边界坐标格式错误") from None
    if geom.is_empty:
        raise _invalid("边界为空")
    if not geom.is_valid:
        raise _invalid(f"边界无效（如自相交）：{explain_validity(geom)}")
    w, s, e, n = geom.bounds
    if not (in_china(s, w) and in_china(n, e)):
        raise _invalid("边界坐标不在中国境内，请确认为 WGS-84 经纬度（经度在前）")
    return {"type": doc["type"], "coordinates": geom.__geo_interface__["coordinates"]}


def preview(unit: Unit, geometry: dict) -> list[dict]:
    """Which active points would change community if this boundary were stored."""
    ref = load_reference()
    units = db.session.scalars(db.select(Unit).where(Unit.kind == "community", Unit.active.is_(True)))
    bounds = Boundaries([(u.id, u.name, geometry if u.id == unit.id else u.boundary) for u in units])
    changes = []
    for p in db.session.scalars(db.select(Point).where(Point.active.is_(True)).order_by(Point.id)):
        hit = bounds.containing(p.lat, p.lon)
        if hit is not None and hit[0] != p.community_id:
            changes.append({"point_id": p.id, "name": p.name, "from_unit_id": p.community_id,
                            "from_name": ref.unit_name(p.community_id), "to_unit_id": hit[0],
                            "to_name": hit[1]})
    return changes


def store(actor: User, unit: Unit, geometry: dict) -> list[dict]:
    """Save the boundary and move the points it now contains to this community."""
    changes = preview(unit, geometry)
    before = {"has_boundary": unit.boundary is not None, "demo": unit.boundary_is_demo}
    unit.boundary, unit.boundary_is_demo = geometry, False
    for c in changes:
        db.session.get(Point, c["point_id"]).community_id = c["to_unit_id"]
    audit.record(actor, "boundary.update", f"unit:{unit.id}", before,
                 {"has_boundary": True, "demo": False, "points_moved": len(changes)})
    bump_version()
    return changes
