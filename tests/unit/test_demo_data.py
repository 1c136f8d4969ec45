"""Consistency checks for the demo street data in server/demo/."""
import itertools
import json
import math
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import shapely
from geopy.distance import geodesic
from shapely.geometry import Point, Polygon, shape
from shapely.ops import unary_union

import shared_schema

DEMO_DIR = Path(__file__).resolve().parents[2] / "server" / "demo"
COMMUNITY_CODES = {"yongsheng", "hongsheng", "aihua", "yangguang"}
CORE_TYPES = {"street", "compound", "toilet"}
ALL_TYPES = set(shared_schema.load_catalogue()["location_types"])
# 五(二): the seven 专班 and the leader the work plan names for each; 五(一): the 党委书记.
TASK_FORCES = {
    "综合协调专班": "李家军", "宣传舆论专班": "范希征", "人员保障专班": "范希征",
    "资金和物资保障专班": "刘世国、韩杨", "小区环境创建专班": "刘世国",
    "未成年人思想道德建设专班": "李家军", "督导检查专班": "姜立晗",
}
COMMUNITY_HEADS = {"永胜社区": "宋金兰", "红升社区": "李淑媛", "爱华社区": "苏忆莹", "阳光社区": "郝晶"}
ROLES = {"inspector", "community", "supervisor", "leader", "admin"}
CENTRE_LAT, CENTRE_LON = 42.972, 126.741
EDGE_MARGIN_M = 80.0
GAP_RADIUS_M = 300.0


def _load(name):
    """Load one JSON file from the demo directory."""
    with open(DEMO_DIR / name, encoding="utf-8") as fh:
        return json.load(fh)


_PHI = math.radians(CENTRE_LAT)
M_PER_DEG_LAT = 111132.92 - 559.82 * math.cos(2 * _PHI) + 1.175 * math.cos(4 * _PHI)
M_PER_DEG_LON = 111412.84 * math.cos(_PHI) - 93.5 * math.cos(3 * _PHI)


def _to_metres(lon, lat):
    """Project WGS-84 lon/lat to local metres (equirectangular around the centre)."""
    return (lon - CENTRE_LON) * M_PER_DEG_LON, (lat - CENTRE_LAT) * M_PER_DEG_LAT


def _project(geom):
    """Project a shapely geometry from lon/lat to local metres."""
    return shapely.transform(geom, lambda xy: np.column_stack(_to_metres(xy[:, 0], xy[:, 1])))


@pytest.fixture(scope="module")
def street():
    """The demo FeatureCollection."""
    return _load("street.geojson")


@pytest.fixture(scope="module")
def polygons(street):
    """Community code -> shapely polygon in lon/lat."""
    return {f["properties"]["code"]: shape(f["geometry"]) for f in street["features"]}


@pytest.fixture(scope="module")
def polygons_m(polygons):
    """Community code -> shapely polygon in local metres."""
    return {code: _project(poly) for code, poly in polygons.items()}


@pytest.fixture(scope="module")
def points():
    """The demo inspection points."""
    return _load("points.json")


@pytest.fixture(scope="module")
def accounts():
    """The demo accounts."""
    return _load("accounts.json")


@pytest.fixture(scope="module")
def units():
    """The demo responsible units."""
    return _load("units.json")


def test_feature_collection_shape(street):
    """The street file is a named FeatureCollection of four labelled demo polygons."""
    assert street["type"] == "FeatureCollection"
    assert street["name"] == "明桦街道（演示边界）"
    assert len(street["features"]) == 4
    codes = set()
    for feature in street["features"]:
        props = feature["properties"]
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] == "Polygon"
        assert props["demo"] is True
        assert props["note"] == "演示数据，非真实边界，可用 GeoJSON 导入替换"
        assert props["name"].endswith("社区")
        codes.add(props["code"])
    assert codes == COMMUNITY_CODES


def test_polygons_valid_and_ccw(polygons):
    """Every polygon is valid, has no holes and follows the RFC 7946 winding (CCW exterior)."""
    for code, poly in polygons.items():
        assert poly.is_valid, code
        assert not poly.interiors, code
        assert poly.exterior.is_ccw, code
        ring = poly.exterior.coords
        assert ring[0] == ring[-1]
        for lon, lat in ring:
            assert 126.70 < lon < 126.78 and 42.95 < lat < 42.99, (code, lon, lat)


def test_polygons_do_not_overlap(polygons_m):
    """No two communities share area (shared edges only)."""
    for (a, pa), (b, pb) in itertools.combinations(polygons_m.items(), 2):
        assert pa.intersection(pb).area < 1.0, (a, b)  # below one square metre


def test_union_is_one_polygon_without_gaps(polygons, polygons_m):
    """The communities tile one polygon of roughly 2.5 km x 2 km around the centre."""
    union = unary_union(list(polygons.values()))
    assert union.geom_type == "Polygon"
    assert not union.interiors
    union_m = unary_union(list(polygons_m.values()))
    assert union_m.area == pytest.approx(sum(p.area for p in polygons_m.values()), rel=1e-6)
    minx, miny, maxx, maxy = union_m.bounds
    assert 2200 < maxx - minx < 2800
    assert 1700 < maxy - miny < 2300
    assert union_m.centroid.distance(Point(0, 0)) < 300


def test_adjacent_polygons_share_exact_edges(polygons):
    """Each community touches at least two others along a line, not just a corner."""
    for code, poly in polygons.items():
        neighbours = [
            other for other, p in polygons.items()
            if other != code and poly.boundary.intersection(p.boundary).length > 0
        ]
        assert len(neighbours) >= 2, code


def test_point_records(points):
    """There are enough points, with the expected fields, types and unique names."""
    assert len(points) >= 40
    for p in points:
        assert set(p) == {"name", "location_type", "community", "lat", "lon", "address"}
        assert p["location_type"] in ALL_TYPES, p
        assert p["community"] in COMMUNITY_CODES, p
        assert p["name"] and p["address"]
    names = [p["name"] for p in points]
    assert len(names) == len(set(names)), [n for n, c in Counter(names).items() if c > 1]


def test_every_catalogue_location_type_has_a_point(points):
    """The demo street has at least one point of every location type in the catalogue."""
    assert {p["location_type"] for p in points} == ALL_TYPES


def test_the_v1_points_come_first_unchanged(points):
    """Tests and browser tests start at 建设街东段背街; the first 47 points are v1's."""
    first = points[0]
    assert (first["name"], first["lat"], first["lon"]) == ("建设街东段背街", 42.978301, 126.737935)
    assert all(p["location_type"] in CORE_TYPES | {"market", "school"} for p in points[:47])


def test_core_types_in_every_community(points):
    """Every community has about eleven points including every core type."""
    for code in COMMUNITY_CODES:
        mine = [p for p in points if p["community"] == code]
        assert len(mine) >= 10, code
        assert CORE_TYPES <= {p["location_type"] for p in mine}, code


def test_points_inside_own_community_away_from_edges(points, polygons, polygons_m):
    """Each point lies in its own polygon at least 80 m from the boundary."""
    for p in points:
        pt = Point(p["lon"], p["lat"])
        assert polygons[p["community"]].contains(pt), p["name"]
        for other, poly in polygons.items():
            if other != p["community"]:
                assert not poly.intersects(pt), (p["name"], other)
        pt_m = Point(_to_metres(p["lon"], p["lat"]))
        edge = polygons_m[p["community"]].exterior.distance(pt_m)
        assert edge >= EDGE_MARGIN_M, (p["name"], round(edge))


def test_each_community_has_a_gap_without_points(street, polygons, points):
    """Each community has a documented spot more than 300 m from every point."""
    for feature in street["features"]:
        code = feature["properties"]["code"]
        gap = feature["properties"]["demo_gap"]
        assert polygons[code].contains(Point(gap["lon"], gap["lat"])), code
        nearest = min(
            geodesic((gap["lat"], gap["lon"]), (p["lat"], p["lon"])).meters for p in points
        )
        assert nearest > GAP_RADIUS_M, (code, round(nearest))


def test_units_are_the_communities_and_the_seven_task_forces(units):
    """units.json holds the four communities and the plan's seven 专班, each with its head."""
    for u in units:
        assert set(u) == {"code", "name", "kind", "head", "contact", "phone"}
        assert re.fullmatch(r"[a-z][a-z0-9_]{0,31}", u["code"]), u
    assert len({u["code"] for u in units}) == len({u["name"] for u in units}) == len(units)
    communities = {u["name"]: u["head"] for u in units if u["kind"] == "community"}
    assert communities == COMMUNITY_HEADS
    assert {u["code"] for u in units if u["kind"] == "community"} == COMMUNITY_CODES
    assert {u["name"]: u["head"] for u in units if u["kind"] == "task_force"} == TASK_FORCES
    assert {u["kind"] for u in units} == {"community", "task_force"}


def test_accounts_cover_roles_and_communities(accounts, units):
    """Accounts cover every role and give each community its own account, and one 专班 too."""
    usernames = [a["username"] for a in accounts]
    assert len(usernames) == len(set(usernames))
    assert {a["role"] for a in accounts} == ROLES
    kinds = {u["code"]: u["kind"] for u in units}
    for a in accounts:
        assert set(a) == {"username", "display_name", "role", "community"}
        assert a["display_name"]
        if a["role"] == "community":
            assert a["community"] in kinds
        else:
            assert a["community"] is None
    team = next(a for a in accounts if a["username"] == "zhuanban")
    assert kinds[team["community"]] == "task_force"
    assert team["display_name"] == next(u["name"] for u in units if u["code"] == team["community"])
    assert {a["community"] for a in accounts if a["role"] == "community"} >= COMMUNITY_CODES
    expected = {
        "inspector": ("张伟", "inspector"),
        "inspector2": ("李娜", "inspector"),
        "supervisor": ("王磊", "supervisor"),
        "leader": ("刘洋", "leader"),
        "admin": ("系统管理员", "admin"),
    }
    by_name = {a["username"]: a for a in accounts}
    for username, (display, role) in expected.items():
        assert (by_name[username]["display_name"], by_name[username]["role"]) == (display, role)


def test_catalogue_has_the_checks_the_work_plan_names():
    """The places and checks of the plan (三(六), 五(二)5, 七(三)) are in the catalogue."""
    catalogue = shared_schema.load_catalogue()["location_types"]
    names = {code: entry["name"] for code, entry in catalogue.items()}
    assert {"河道沿线", "铁路沿线", "公园广场", "社区文体活动场所", "新时代文明实践所",
            "新时代文明实践站"} <= set(names.values())
    texts = {i["code"]: i["text"] for e in catalogue.values() for i in e["items"]}
    compound = " ".join(t for c, t in texts.items() if c.startswith("compound."))
    for place in ("出入口", "楼体", "绿地花园", "电梯", "弃管"):
        assert place in compound, place
    for theme in ("讲文明树新风", "创建全国文明城市", "新时代文明实践", "邻里相助", "市民守则"):
        assert theme in compound, theme
    assert "布局合理" in " ".join(t for c, t in texts.items() if c.startswith("toilet."))
    assert "铁路安全宣传" in " ".join(t for c, t in texts.items() if c.startswith("railway."))


def test_descriptions_cover_the_items_demo_findings_use():
    """Every item of the types the demo inspects has a full-sentence description that formats."""
    from server.demo.findings import FINDING_TYPES

    texts = _load("descriptions.json")
    catalogue = shared_schema.load_catalogue()["location_types"]
    for ltype in FINDING_TYPES:
        assert texts["spots"][ltype], ltype
        for item in catalogue[ltype]["items"]:
            line = texts["items"][item["code"]].format(where=texts["spots"][ltype][0])
            assert len(line) > 12 and line.endswith("。") and "{" not in line, item["code"]
    assert set(texts["items"]) <= {i["code"] for e in catalogue.values() for i in e["items"]}
    assert texts["fallback"].format(item="无乱堆乱放").endswith("。")
