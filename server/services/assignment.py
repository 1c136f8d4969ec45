"""Who is responsible for a finding: item's unit → point → boundary → nearest point → unassigned."""
import math
from dataclasses import dataclass

from geopy.distance import geodesic
from shapely.geometry import Point as ShapelyPoint
from shapely.geometry import shape
from shapely.prepared import prep


@dataclass(frozen=True)
class PointRef:
    """The facts about a registered point that assignment needs."""

    id: int
    name: str
    community_id: int
    lat: float
    lon: float


@dataclass(frozen=True)
class Assignment:
    """The outcome: a community (or None), the method and a human-readable detail."""

    community_id: int | None  # the responsible unit, of any kind
    method: str | None  # item | point | boundary | nearest | None
    detail: str


class Boundaries:
    """Community polygons prepared for fast containment tests."""

    def __init__(self, communities: list[tuple[int, str, dict]]):
        """Build from (id, name, GeoJSON geometry) triples; geometry may be None."""
        self._items = [(cid, name, prep(shape(geom))) for cid, name, geom in communities if geom]

    def containing(self, lat: float, lon: float) -> tuple[int, str] | None:
        """Return (id, name) of the community whose boundary contains the location."""
        pt = ShapelyPoint(lon, lat)
        for cid, name, poly in self._items:
            if poly.covers(pt):
                return cid, name
        return None


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Geodesic distance in metres on WGS-84."""
    return geodesic((lat1, lon1), (lat2, lon2)).meters


def _rough_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """A fast equirectangular estimate, used only to pre-filter candidates."""
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return 6371008.8 * math.hypot(x, y)


def nearest_point(lat: float, lon: float, points: list[PointRef], radius_m: float):
    """Return (point, metres) of the nearest point within radius_m, or None."""
    best = None
    for p in points:
        if _rough_m(lat, lon, p.lat, p.lon) > radius_m * 1.01 + 5:
            continue
        d = distance_m(lat, lon, p.lat, p.lon)
        if d <= radius_m and (best is None or d < best[1]):
            best = (p, d)
    return best


def assign_item(item_unit: tuple[int, str] | None, place: Assignment) -> Assignment:
    """责任分工 first: an item that names an (active) unit goes there, wherever it was found."""
    if item_unit is not None:
        return Assignment(item_unit[0], "item", f"责任分工：{item_unit[1]}")
    return place


def assign(point: PointRef | None, lat: float | None, lon: float | None,
           boundaries: Boundaries, points: list[PointRef], radius_m: float,
           active: frozenset | None = None) -> Assignment:
    """Apply the place rule to one recording; units not in `active` (retired) are skipped."""
    if active is not None:
        points = [p for p in points if p.community_id in active]
        if point is not None and point.community_id not in active:
            point = None
    if point is not None:
        return Assignment(point.community_id, "point", f"点位：{point.name}")
    if lat is None or lon is None:
        return Assignment(None, None, "无位置信息")
    hit = boundaries.containing(lat, lon)
    if hit is not None:
        return Assignment(hit[0], "boundary", f"位于{hit[1]}辖区范围内")
    near = nearest_point(lat, lon, points, radius_m)
    if near is not None:
        p, d = near
        return Assignment(p.community_id, "nearest", f"最近点位：{p.name}（{d:.0f} 米）")
    return Assignment(None, None, f"辖区外且 {radius_m:.0f} 米内无点位")


def gps_far_from_point(point: PointRef, lat: float | None, lon: float | None,
                       limit_m: float) -> float | None:
    """Return the distance when a recording lies farther than limit_m from its point."""
    if lat is None or lon is None:
        return None
    d = distance_m(lat, lon, point.lat, point.lon)
    return d if d > limit_m else None
