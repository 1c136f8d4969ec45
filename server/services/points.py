"""Inspection points (点位): add, move, edit, retire; which community a location belongs to."""
import sqlalchemy as sa

from ..errors import ApiError
from ..extensions import db
from ..models import LocationType, Point, Unit, User
from . import audit
from .reference import Reference, bump_version, load_reference

# China's extent: a point outside it is a typo (or the (0, 0) of a phone without a fix).
LAT_RANGE, LON_RANGE = (18.0, 54.0), (73.0, 135.0)


def in_china(lat: float, lon: float) -> bool:
    """Whether a location lies inside China's extent."""
    return LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LON_RANGE[0] <= lon <= LON_RANGE[1]


def feature(p: Point, ref: Reference) -> dict:
    """A point as a GeoJSON Feature, with its unit and whether it lies outside every boundary."""
    return {"type": "Feature", "id": p.id,
            "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
            "properties": {"id": p.id, "name": p.name, "location_type": p.location_type,
                           "community_id": p.community_id, "unit_name": ref.unit_name(p.community_id),
                           "address": p.address, "active": p.active,
                           "outside_boundary": ref.boundaries.containing(p.lat, p.lon) is None}}


def _plain(p: Point) -> dict:
    """The audited fields of a point."""
    return {"name": p.name, "location_type": p.location_type, "lat": p.lat, "lon": p.lon,
            "community_id": p.community_id, "address": p.address, "active": p.active}


def get(point_id: int) -> Point:
    """A point or 404."""
    point = db.session.get(Point, point_id)
    if point is None:
        raise ApiError(404, "point_not_found", "点位不存在")
    return point


def _invalid(field: str, message: str) -> ApiError:
    """A 422 naming one field."""
    return ApiError(422, "invalid_fields", "填写的内容有误", {field: message})


def check_type(code: str) -> None:
    """The location type must exist and be in use."""
    row = db.session.get(LocationType, code)
    if row is None or not row.active:
        raise _invalid("location_type", "点位类型不存在或已停用")


def community_for(lat: float, lon: float, community_id: int | None, ref: Reference) -> int:
    """The point's community: the one given (an active community), else the boundary's."""
    if not in_china(lat, lon):
        raise _invalid("lat", "坐标不在中国境内（纬度 18–54、经度 73–135），请检查是否填反或漏填")
    if community_id is not None:
        unit = db.session.get(Unit, community_id)
        if unit is None or not unit.active or unit.kind != "community":
            raise _invalid("community_id", "所选社区不存在或已停用")
        return community_id
    hit = ref.boundaries.containing(lat, lon)
    if hit is None:
        raise _invalid("community_id", "该位置不在任何社区辖区内，请选择所属社区")
    return hit[0]


def create(actor: User, data: dict) -> Point:
    """Add a point."""
    check_type(data["location_type"])
    cid = community_for(data["lat"], data["lon"], data.get("community_id"), load_reference())
    point = Point(name=data["name"], location_type=data["location_type"], community_id=cid,
                  lat=data["lat"], lon=data["lon"], address=data.get("address", ""), active=True)
    db.session.add(point)
    db.session.flush()
    audit.record(actor, "point.create", f"point:{point.id}", None, _plain(point))
    bump_version()
    return point


def update(actor: User, point: Point, data: dict) -> Point:
    """Edit, move or retire a point; moving it without naming a community re-reads the boundary."""
    before = _plain(point)
    if "location_type" in data and data["location_type"] != point.location_type:
        check_type(data["location_type"])
    lat, lon = data.get("lat", point.lat), data.get("lon", point.lon)
    if "community_id" in data or "lat" in data or "lon" in data:
        given = data.get("community_id")
        if given is None and "community_id" not in data:
            ref = load_reference()
            hit = ref.boundaries.containing(lat, lon)
            given = hit[0] if hit else point.community_id  # outside every boundary: keep it
        point.community_id = community_for(lat, lon, given, load_reference())
    point.lat, point.lon = lat, lon
    for key in ("name", "location_type", "address", "active"):
        if key in data:
            setattr(point, key, data[key])
    db.session.flush()
    audit.record(actor, "point.update", f"point:{point.id}", *audit.changed(before, _plain(point)))
    bump_version()
    return point


def all_points(include_retired: bool) -> list[Point]:
    """Points by id; retired ones only when asked."""
    q = sa.select(Point).order_by(Point.id)
    if not include_retired:
        q = q.where(Point.active.is_(True))
    return list(db.session.scalars(q))
