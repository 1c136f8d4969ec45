"""Assignment to the responsible community: point → boundary → nearest point → unassigned."""
import json
from pathlib import Path

import pytest
from geopy.distance import geodesic
from shapely.geometry import shape
from shapely.ops import unary_union

from server.services.assignment import Boundaries, PointRef, assign, nearest_point
from tests.helpers.flow import FAR_AWAY
from tests.helpers.records import community_id, demo_point, inspection, item, new_id, result

STREET = json.loads((Path(__file__).parents[2] / "server/demo/street.geojson").read_text("utf-8"))
GAPS = {f["properties"]["code"]: f["properties"]["demo_gap"] for f in STREET["features"]}


def push_one(auth, rec):
    """Push one record and return the created finding as the supervisor sees it."""
    r = auth.post("inspector", "/api/v1/sync/push", json={"device_id": "t", "records": [rec]})
    assert r.json["results"][0]["status"] == "created", r.json
    return auth.get("supervisor", f"/api/v1/findings/{rec['results'][0]['id']}").json


def test_recorded_at_a_point_goes_to_the_points_community(app, auth, clock):
    point = demo_point(app, "compound", "aihua")
    f = push_one(auth, inspection(point, [result(item(app, "compound"), "fail", [new_id()])]))
    assert f["community_id"] == community_id(app, "aihua")
    assert f["assignment"] == {"method": "point", "detail": f"点位：{point.name}"}
    assert "gps_far_from_point" not in f["flags"]


@pytest.mark.parametrize("code", sorted(GAPS))
def test_an_unregistered_place_inside_a_boundary_goes_to_that_community(app, auth, clock, code):
    gap = GAPS[code]
    f = push_one(auth, inspection(None, [result(item(app), "fail", [new_id()])], lat=gap["lat"],
                                  lon=gap["lon"], location_type="street"))
    assert f["community_id"] == community_id(app, code)
    assert f["assignment"]["method"] == "boundary"
    assert f["status"] == "assigned" and f["reply_due"]


def test_outside_every_boundary_the_nearest_point_within_the_radius_decides(app, auth, clock):
    app.config["NEAREST_POINT_RADIUS_M"] = 1000
    union = unary_union([shape(f["geometry"]) for f in STREET["features"]])
    lat, lon = union.bounds[3] + 0.001, (union.bounds[0] + union.bounds[2]) / 2  # ~110 m north
    points = auth.get("supervisor", "/api/v1/points").json["features"]
    nearest_m, nearest = min(
        ((geodesic((lat, lon), tuple(reversed(p["geometry"]["coordinates"]))).m, p) for p in points),
        key=lambda pair: pair[0])
    assert nearest_m < 1000
    f = push_one(auth, inspection(None, [result(item(app), "fail", [new_id()])], lat=lat, lon=lon,
                                  location_type="street"))
    assert f["assignment"]["method"] == "nearest"
    assert f["community_id"] == nearest["properties"]["community_id"]
    assert f["assignment"]["detail"] == f"最近点位：{nearest['properties']['name']}（{nearest_m:.0f} 米）"


def test_nothing_near_leaves_it_unassigned_for_the_task_force(app, auth, clock):
    f = push_one(auth, inspection(None, [result(item(app), "fail", [new_id()])], lat=FAR_AWAY[0],
                                  lon=FAR_AWAY[1], location_type="street"))
    assert (f["status"], f["community_id"], f["assignment"]["method"]) == ("unassigned", None, None)
    assert f["reply_due"] is None and f["rectify_due"] is None
    assert auth.get("supervisor", "/api/v1/letters?kind=notice").json["total"] == 0


def test_gps_far_from_the_claimed_point_is_flagged_but_still_assigned_by_point(app, auth, clock):
    point = demo_point(app, "street", "yongsheng")
    far_lat = point.lat + 0.005  # about 555 m north
    f = push_one(auth, inspection(point, [result(item(app), "fail", [new_id()])], lat=far_lat, lon=point.lon))
    assert "gps_far_from_point" in f["flags"]
    assert f["assignment"]["method"] == "point"


def test_a_finding_synced_on_a_later_local_day_is_flagged_late_entry(app, auth, clock):
    point = demo_point(app, "street", "yongsheng")
    clock.set("2026-11-27T00:10:00+08:00")  # just after local midnight
    f = push_one(auth, inspection(point, [result(item(app), "fail", [new_id()])],
                                  started_at="2026-11-26T23:50:00+08:00"))
    assert "late_entry" in f["flags"]
    other = demo_point(app, "street", "hongsheng")  # the same item at the same point would re-sight
    same_day = push_one(auth, inspection(other, [result(item(app), "fail", [new_id()])],
                                         started_at="2026-11-26T16:05:00Z"))  # 00:05 local, same day
    assert "late_entry" not in same_day["flags"]


def test_one_notice_per_inspection_and_community_covers_all_its_failed_items(app, auth, clock):
    point = demo_point(app, "toilet", "yangguang")
    codes = [c["code"] for c in auth.get("inspector", "/api/v1/checklists").json["toilet"][:3]]
    rec = inspection(point, [result(c, "fail", [new_id()]) for c in codes])
    push_one(auth, rec)
    notices = auth.get("supervisor", "/api/v1/letters?kind=notice").json
    assert notices["total"] == 1
    assert sorted(notices["items"][0]["finding_ids"]) == sorted(r["id"] for r in rec["results"])


def test_assign_is_pure_and_prefers_the_point():
    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    b = Boundaries([(7, "甲社区", square)])
    p = PointRef(1, "某点", 9, 0.5, 0.5)
    assert assign(p, 0.5, 0.5, b, [p], 100).community_id == 9
    assert assign(None, 0.5, 0.5, b, [p], 100).method == "boundary"
    near = PointRef(2, "界外点", 3, 1.5, 1.5)
    assert nearest_point(1.5005, 1.5, [near], 100)[0] is near
    assert assign(None, 1.5005, 1.5, b, [near], 100).community_id == 3
    assert assign(None, 1.6, 1.6, b, [near], 100).method is None
