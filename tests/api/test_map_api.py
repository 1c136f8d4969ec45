"""GET /api/v1/map/findings: bounded GeoJSON, clusters that add up, the list's filters and scope."""
import random

import pytest
import sqlalchemy as sa

from server.extensions import db
from server.models import ChecklistItem
from server.models.findings import OPEN_STATUSES, STATUSES
from server.services import map_grid
from tests.helpers.flow import FAR_AWAY, REPLY, act, ok
from tests.helpers.records import community_id, demo_point, inspection, item, new_id, result

MAP = "/api/v1/map/findings"
AREA = (126.726, 42.963, 126.756, 42.981)  # inside the four demo communities (with gaps)
AREA_BBOX = "126.72,42.96,126.77,42.99"
WORLD = "-180,-90,180,90"
COMMUNITIES = ("yongsheng", "hongsheng", "aihua", "yangguang")  # each one's account has its code
DAYS = ("2026-11-20", "2026-11-23", "2026-11-25", "2026-11-27")


def street_items(app) -> list[str]:
    """The street checklist's item codes."""
    with app.app_context():
        return list(db.session.scalars(sa.select(ChecklistItem.code).where(
            ChecklistItem.location_type == "street").order_by(ChecklistItem.position)))


def spread(app, auth, n_inspections: int = 150, fails: int = 2, seed: int = 5) -> list[str]:
    """Push inspections at random places over the demo area (a few far outside it), each with
    failed street items; return the finding ids."""
    rnd = random.Random(seed)
    codes = street_items(app)
    records, ids = [], []
    for i in range(n_inspections):
        lat, lon = ((rnd.uniform(AREA[1], AREA[3]), rnd.uniform(AREA[0], AREA[2])) if i % 25
                    else (FAR_AWAY[0] + rnd.uniform(0, 0.01), FAR_AWAY[1] + rnd.uniform(0, 0.01)))
        results = [result(code, "fail", [new_id()]) for code in rnd.sample(codes, fails)]
        ids += [r["id"] for r in results]
        records.append(inspection(None, results, lat=lat, lon=lon, location_type="street",
                                  started_at=f"{DAYS[i % len(DAYS)]}T09:{i % 60:02d}:00+08:00"))
    r = auth.post("inspector", "/api/v1/sync/push", json={"device_id": "t", "records": records})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert {x["status"] for x in r.json["results"]} == {"created"}, r.json
    return ids


def listed(auth, user: str, **filters) -> list[dict]:
    """Every finding the list gives this user with these filters."""
    out, page = [], 1
    while True:
        r = auth.get(user, "/api/v1/findings", query_string={**filters, "page": page, "per_page": 200})
        assert r.status_code == 200, r.get_data(as_text=True)
        out += r.json["items"]
        if len(out) >= r.json["total"]:
            return out
        page += 1


def in_box(findings, bbox: str) -> list[dict]:
    """The findings whose position lies in a w,s,e,n box."""
    w, s, e, n = map(float, bbox.split(","))
    return [f for f in findings if f["lat"] is not None and s <= f["lat"] <= n and w <= f["lon"] <= e]


def get_map(auth, user: str, bbox: str, zoom: int, **filters) -> dict:
    """The map answer, checked for shape and size."""
    r = auth.get(user, MAP, query_string={"bbox": bbox, "zoom": zoom, **filters})
    assert r.status_code == 200, r.get_data(as_text=True)
    body = r.json
    assert body["type"] == "FeatureCollection"
    assert len(body["features"]) <= map_grid.MAX_FEATURES
    assert set(body["meta"]) >= {"total", "clustered", "cell_deg", "truncated"}
    for f in body["features"]:
        assert f["type"] == "Feature" and f["geometry"]["type"] == "Point"
        lon, lat = f["geometry"]["coordinates"]
        assert -180 <= lon <= 180 and -90 <= lat <= 90
        assert f["properties"]["cluster"] is body["meta"]["clustered"]
    return body


def shown(body) -> int:
    """How many findings the features stand for."""
    return sum(f["properties"]["count"] if f["properties"]["cluster"] else 1 for f in body["features"])


def ids_on(body) -> set[str]:
    """The finding ids of an unclustered answer."""
    assert not body["meta"]["clustered"]
    return {f["properties"]["id"] for f in body["features"]}


OPEN = ",".join(OPEN_STATUSES)


# --- size and sums ------------------------------------------------------------------------------

def test_bounded_at_every_zoom_and_the_clusters_add_up(app, auth, clock):
    spread(app, auth)
    everything = listed(auth, "supervisor", status=OPEN)
    assert len(everything) == 300
    for bbox in (AREA_BBOX, WORLD, "126.73,42.965,126.745,42.975"):
        expected = len(in_box(everything, bbox))
        for zoom in range(0, 19):
            body = get_map(auth, "supervisor", bbox, zoom)
            assert body["meta"]["total"] == expected == shown(body), (bbox, zoom)
            assert not body["meta"]["truncated"]
            if body["meta"]["clustered"]:
                assert body["meta"]["cell_deg"] >= map_grid.cell_for_zoom(zoom)
                for f in body["features"]:
                    p = f["properties"]
                    assert sum(p["by_status"].values()) == p["count"] >= 1
                    assert 0 <= p["overdue_count"] <= p["count"]
                    w, s, e, n = p["cell"]
                    lon, lat = f["geometry"]["coordinates"]
                    assert w - 1e-6 <= lon <= e + 1e-6 and s - 1e-6 <= lat <= n + 1e-6
                    assert e - w <= body["meta"]["cell_deg"] + 1e-6
            else:
                assert body["meta"]["cell_deg"] is None
                assert ids_on(body) == {f["id"] for f in in_box(everything, bbox)}


def test_few_findings_are_shown_singly_and_many_cluster_when_zoomed_out(app, auth, clock):
    spread(app, auth)  # 300 open findings, more than FEW
    assert get_map(auth, "supervisor", AREA_BBOX, 12)["meta"]["clustered"]
    assert not get_map(auth, "supervisor", AREA_BBOX, map_grid.DETAIL_ZOOM)["meta"]["clustered"]
    few = get_map(auth, "supervisor", AREA_BBOX, 3, item_code=street_items(app)[0])
    assert 0 < few["meta"]["total"] <= map_grid.FEW and not few["meta"]["clustered"]


def test_the_cap_holds_by_growing_the_cell(app, auth, clock, monkeypatch):
    """With a cap of 12 (and at most 5 findings singly) 300 findings stay within 12 features."""
    spread(app, auth)
    everything = listed(auth, "supervisor", status=OPEN)
    monkeypatch.setattr(map_grid, "MAX_FEATURES", 12)
    monkeypatch.setattr(map_grid, "FEW", 5)
    cells = set()
    for bbox in (AREA_BBOX, WORLD):
        expected = len(in_box(everything, bbox))
        for zoom in range(0, 23):
            r = auth.get("supervisor", MAP, query_string={"bbox": bbox, "zoom": zoom})
            body = r.json
            assert len(body["features"]) <= 12, (bbox, zoom)
            assert body["meta"]["clustered"] and shown(body) == body["meta"]["total"] == expected
            assert not body["meta"]["truncated"]
            cells.add(body["meta"]["cell_deg"])
            assert body["meta"]["cell_deg"] >= map_grid.cell_for_zoom(zoom)
    assert len(cells) > 3  # the cell follows the zoom where it can


def test_an_empty_box_is_an_empty_collection(app, auth, clock):
    spread(app, auth, n_inspections=10)
    body = get_map(auth, "supervisor", "10,10,11,11", 5)
    assert body["features"] == [] and body["meta"]["total"] == 0


# --- each finding -------------------------------------------------------------------------------

def test_a_finding_close_in_has_its_exact_position_and_overdue_flags(app, auth, clock):
    clock.set("2026-11-27T10:00:00+08:00")
    lat, lon = 42.9751234567, 126.7451234567
    first, second = street_items(app)[:2]
    rec = inspection(None, [result(first, "fail", [new_id()]), result(second, "fail", [new_id()])],
                     lat=lat, lon=lon, location_type="street",
                     started_at="2026-11-27T09:30:00+08:00")
    late_id, replied_id = (x["id"] for x in rec["results"])
    r = auth.post("inspector", "/api/v1/sync/push", json={"device_id": "t", "records": [rec]})
    assert r.json["results"][0]["status"] == "created", r.json
    owner = auth.get("supervisor", f"/api/v1/findings/{late_id}").json
    community = next(c for c in COMMUNITIES if community_id(app, c) == owner["community_id"])
    ok(act(auth, community, replied_id, "reply", **REPLY))
    box = f"{lon - 0.001},{lat - 0.001},{lon + 0.001},{lat + 0.001}"

    body = get_map(auth, "supervisor", box, 18)
    by_id = {f["id"]: f for f in body["features"]}
    assert set(by_id) == {late_id, replied_id}
    f = by_id[late_id]
    assert f["geometry"]["coordinates"] == [lon, lat]
    p = f["properties"]
    assert p["id"] == late_id and p["code"] == owner["code"] and p["status"] == "assigned"
    assert p["status_label"] == "待答复" and p["item_code"] == owner["item_code"]
    assert p["item_text"] == owner["item_text"] and p["community_id"] == owner["community_id"]
    assert p["found_at"] == owner["found_at"] and p["point_name"] is None
    assert (p["overdue"], p["overdue_reply"], p["overdue_rectify"]) == (False, False, False)
    assert p["colour"] == "assigned"

    clock.set("2026-12-03T10:00:00+08:00")  # the reply was due 2026-12-01
    detail = auth.get("supervisor", f"/api/v1/findings/{late_id}").json
    body = get_map(auth, "supervisor", box, 18)
    by_id = {f["id"]: f["properties"] for f in body["features"]}
    late = by_id[late_id]
    assert (late["overdue"], late["overdue_reply"], late["overdue_rectify"]) == (
        detail["overdue"], detail["overdue_reply"], detail["overdue_rectify"]) == (True, True, False)
    assert late["colour"] == "overdue"
    assert by_id[replied_id]["overdue_reply"] is False and by_id[replied_id]["status"] == "replied"
    assert body["meta"]["overdue"] == sum(p["overdue"] for p in by_id.values())

    body = get_map(auth, "supervisor", box, 18, overdue="true")
    assert ids_on(body) == {f["id"] for f in listed(auth, "supervisor", status=OPEN, overdue="true")
                            if f["id"] in by_id}
    assert late_id in ids_on(body)


def test_a_finding_at_a_point_carries_the_points_name(app, auth, clock):
    point = demo_point(app, "street", "aihua")
    rec = inspection(point, [result(item(app), "fail", [new_id()])])
    auth.post("inspector", "/api/v1/sync/push", json={"device_id": "t", "records": [rec]})
    box = f"{point.lon - 0.01},{point.lat - 0.01},{point.lon + 0.01},{point.lat + 0.01}"
    (f,) = get_map(auth, "aihua", box, 17)["features"]
    assert f["properties"]["point_name"] == point.name and f["properties"]["point_id"] == point.id
    assert f["geometry"]["coordinates"] == [point.lon, point.lat]


def test_overdue_is_counted_in_clusters(app, auth, clock):
    clock.set("2026-11-27T10:00:00+08:00")
    spread(app, auth, n_inspections=120)
    clock.set("2026-12-15T10:00:00+08:00")  # every reply and most rectifications are late
    late = listed(auth, "supervisor", status=OPEN, overdue="true")
    body = get_map(auth, "supervisor", WORLD, 10)
    assert body["meta"]["clustered"]
    assert sum(f["properties"]["overdue_count"] for f in body["features"]) == len(late) > 0
    assert body["meta"]["overdue"] == len(late)


# --- filters and scope --------------------------------------------------------------------------

def test_only_open_findings_unless_a_status_is_asked_for(app, auth, clock):
    ids = spread(app, auth, n_inspections=20)
    ok(act(auth, "supervisor", ids[0], "void", reason="重复录入"))
    body = get_map(auth, "supervisor", WORLD, 18)
    assert ids[0] not in ids_on(body) and len(ids_on(body)) == len(ids) - 1
    assert ids_on(get_map(auth, "supervisor", WORLD, 18, status="void")) == {ids[0]}
    assert len(ids_on(get_map(auth, "supervisor", WORLD, 18, status=",".join(STATUSES)))) == len(ids)


@pytest.mark.parametrize("filters", [
    {}, {"status": "assigned"}, {"status": "unassigned,assigned"}, {"community_id": "COMMUNITY"},
    {"location_type": "street"}, {"location_type": "toilet"}, {"item_code": "ITEM"},
    {"from": "2026-11-23", "to": "2026-11-25"}, {"from": "2026-11-27"}, {"to": "2026-11-20"},
    {"overdue": "false"}, {"overdue": "true"}, {"covert": "false"}, {"point_id": "1"},
])
def test_filters_match_the_findings_list(app, auth, clock, filters):
    spread(app, auth)
    clock.set("2026-12-02T10:00:00+08:00")  # replies due 2026-12-01 are late, unassigned ones not
    filters = {k: (str(community_id(app, "hongsheng")) if v == "COMMUNITY"
                   else street_items(app)[2] if v == "ITEM" else v) for k, v in filters.items()}
    want = listed(auth, "supervisor", **{"status": OPEN, **filters})
    for bbox in (AREA_BBOX, WORLD):
        for zoom in (4, 12, 18):
            body = get_map(auth, "supervisor", bbox, zoom, **filters)
            assert body["meta"]["total"] == shown(body) == len(in_box(want, bbox)), (bbox, zoom)
            if not body["meta"]["clustered"]:
                assert ids_on(body) == {f["id"] for f in in_box(want, bbox)}


@pytest.mark.parametrize("code", COMMUNITIES)
def test_a_community_sees_only_its_own_findings_and_counts(app, auth, clock, code):
    spread(app, auth)
    own_id = community_id(app, code)
    own = listed(auth, code, status=OPEN)
    assert own and all(f["community_id"] == own_id for f in own)
    everyone = listed(auth, "supervisor", status=OPEN)
    assert len(everyone) > len(own)
    for zoom in range(0, 19, 3):
        body = get_map(auth, code, WORLD, zoom)
        assert body["meta"]["total"] == shown(body) == len(own)
        if not body["meta"]["clustered"]:
            assert ids_on(body) == {f["id"] for f in own}
            assert {f["properties"]["community_id"] for f in body["features"]} == {own_id}
    other = next(c for c in ("yongsheng", "hongsheng") if c != code)
    body = get_map(auth, code, WORLD, 10, community_id=community_id(app, other))
    assert body["features"] == [] and body["meta"]["total"] == 0


@pytest.mark.parametrize("user", ["inspector", "supervisor", "leader", "admin"])
def test_every_other_role_sees_all(app, auth, clock, user):
    spread(app, auth, n_inspections=30)
    body = get_map(auth, user, WORLD, 18)
    assert body["meta"]["total"] == len(listed(auth, "supervisor", status=OPEN)) == 60


# --- bad requests -------------------------------------------------------------------------------

@pytest.mark.parametrize("query, field", [
    ({"zoom": "10"}, "bbox"),
    ({"bbox": "", "zoom": "10"}, "bbox"),
    ({"bbox": "126.72,42.96,126.77", "zoom": "10"}, "bbox"),
    ({"bbox": "126.72,42.96,126.77,42.99,1", "zoom": "10"}, "bbox"),
    ({"bbox": "west,42.96,126.77,42.99", "zoom": "10"}, "bbox"),
    ({"bbox": "126.77,42.96,126.72,42.99", "zoom": "10"}, "bbox"),
    ({"bbox": "126.72,42.99,126.77,42.96", "zoom": "10"}, "bbox"),
    ({"bbox": "126.72,42.96,126.72,42.99", "zoom": "10"}, "bbox"),
    ({"bbox": "-181,42.96,126.77,42.99", "zoom": "10"}, "bbox"),
    ({"bbox": "126.72,-95,126.77,42.99", "zoom": "10"}, "bbox"),
    ({"bbox": "126.72,42.96,126.77,nan", "zoom": "10"}, "bbox"),
    ({"bbox": AREA_BBOX}, "zoom"),
    ({"bbox": AREA_BBOX, "zoom": ""}, "zoom"),
    ({"bbox": AREA_BBOX, "zoom": "-1"}, "zoom"),
    ({"bbox": AREA_BBOX, "zoom": "23"}, "zoom"),
    ({"bbox": AREA_BBOX, "zoom": "12.5"}, "zoom"),
    ({"bbox": AREA_BBOX, "zoom": "ten"}, "zoom"),
    ({"bbox": AREA_BBOX, "zoom": "10", "status": "open"}, "status"),
    ({"bbox": AREA_BBOX, "zoom": "10", "overdue": "maybe"}, "overdue"),
    ({"bbox": AREA_BBOX, "zoom": "10", "community_id": "x"}, "community_id"),
])
def test_a_bad_box_zoom_or_filter_is_a_400_naming_it(auth, query, field):
    r = auth.get("supervisor", MAP, query_string=query)
    assert r.status_code == 400, r.get_data(as_text=True)
    err = r.json["error"]
    assert err["code"] == "bad_query" and field in err["fields"]


def test_the_map_needs_a_login(client):
    r = client.get(MAP, query_string={"bbox": AREA_BBOX, "zoom": 10})
    assert r.status_code == 401 and r.json["error"]["code"] == "unauthorized"
