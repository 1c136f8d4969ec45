"""日督导 allocation: PUT/GET /api/v1/routes/<date>/<user_id>, and the coverage it feeds."""
import sqlalchemy as sa

from server.extensions import db
from server.models import Point, User
from tests.helpers.records import inspection, item, result

DAY = "2026-11-27"


def user_id(app, username: str) -> int:
    """A demo account's id."""
    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.username == username))


def point_ids(app, n: int, location_type: str = "street") -> list[int]:
    """The first n active points of a type."""
    with app.app_context():
        return list(db.session.scalars(sa.select(Point.id).where(
            Point.active.is_(True), Point.location_type == location_type).order_by(Point.id).limit(n)))


def put(auth, uid, body, day=DAY, user="supervisor"):
    """PUT a route."""
    return auth.put(user, f"/api/v1/routes/{day}/{uid}", json=body)


def test_a_supervisor_allocates_and_both_read_it_in_the_order_given(app, auth, clock):
    uid, pids = user_id(app, "inspector"), point_ids(app, 3)
    r = put(auth, uid, {"point_ids": pids[::-1]})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.json == {"date": DAY, "user_id": uid, "point_ids": pids[::-1]}
    assert auth.get("inspector", f"/api/v1/routes/{DAY}/{uid}").json["point_ids"] == pids[::-1]
    assert auth.get("supervisor", f"/api/v1/routes/{DAY}/{uid}").json["point_ids"] == pids[::-1]
    day = auth.get("supervisor", f"/api/v1/routes/{DAY}").json
    assert day["date"] == DAY and day["total"] == 1
    assert day["items"] == [{"user_id": uid, "display_name": day["items"][0]["display_name"],
                             "point_ids": pids[::-1]}]


def test_put_replaces_the_day_and_an_empty_day_answers_an_empty_list(app, auth, clock):
    uid, pids = user_id(app, "inspector"), point_ids(app, 4)
    put(auth, uid, {"point_ids": pids[:3]})
    assert put(auth, uid, {"point_ids": pids[3:]}).json["point_ids"] == pids[3:]
    assert auth.get("inspector", f"/api/v1/routes/{DAY}/{uid}").json["point_ids"] == pids[3:]
    other = auth.get("inspector", f"/api/v1/routes/2026-11-28/{uid}")
    assert other.status_code == 200 and other.json["point_ids"] == []
    assert put(auth, uid, {"point_ids": []}).json["point_ids"] == []


def test_bad_allocations_are_refused_naming_the_field(app, auth, clock):
    uid, pids = user_id(app, "inspector"), point_ids(app, 2)
    cases = [
        (user_id(app, "supervisor"), {"point_ids": pids}, 422, "user_id"),
        (user_id(app, "yongsheng"), {"point_ids": pids}, 422, "user_id"),
        (uid, {"point_ids": [pids[0], pids[0]]}, 422, "point_ids[1]"),
        (uid, {"point_ids": [999999]}, 422, "point_ids[0]"),
        (uid, {"point_ids": "1,2"}, 422, "point_ids"),
        (uid, {"points": pids}, 422, "points"),
    ]
    for target, body, status, field in cases:
        r = put(auth, target, body)
        assert r.status_code == status, (body, r.get_data(as_text=True))
        assert field in r.json["error"]["fields"], r.json
        assert all("\u4e00" <= ch <= "\u9fff" for ch in r.json["error"]["fields"][field][:1])
    assert put(auth, 999999, {"point_ids": pids}).status_code == 404
    assert put(auth, uid, {"point_ids": pids}, day="2026-13-01").status_code == 400
    assert auth.get("supervisor", f"/api/v1/routes/{DAY}").json["items"] == []


def test_a_retired_point_or_a_retired_inspector_cannot_be_allocated(own_app, own_auth, clock):
    uid, pids = user_id(own_app, "inspector"), point_ids(own_app, 2)
    assert own_auth.client.patch(f"/api/v1/points/{pids[1]}", json={"active": False},
                                 headers=own_auth.headers("admin")).status_code == 200
    r = put(own_auth, uid, {"point_ids": pids})
    assert r.status_code == 422
    assert r.json["error"]["fields"] == {"point_ids[1]": f"点位：第 2 个点位（编号 {pids[1]}）不存在或已停用"}
    assert r.json["error"]["message"].startswith("点位：")
    other = user_id(own_app, "inspector2")
    assert own_auth.client.patch(f"/api/v1/users/{other}", json={"active": False},
                                 headers=own_auth.headers("admin")).status_code == 200
    r = put(own_auth, other, {"point_ids": pids[:1]})
    assert r.status_code == 422 and r.json["error"]["fields"]["user_id"].startswith("督导员：")


def test_who_may_read_and_write_routes(app, auth, clock):
    uid, other = user_id(app, "inspector"), user_id(app, "inspector2")
    pids = point_ids(app, 1)
    for user in ("inspector", "leader", "admin", "yongsheng"):
        assert put(auth, uid, {"point_ids": pids}, user=user).status_code == 403, user
    assert auth.get("inspector", f"/api/v1/routes/{DAY}/{other}").status_code == 404
    assert auth.get("inspector", f"/api/v1/routes/{DAY}").status_code == 403
    assert auth.get("yongsheng", f"/api/v1/routes/{DAY}/{uid}").status_code == 403


def _visit(auth, app, pid, started, user="inspector"):
    """Push a passing inspection of a point."""
    with app.app_context():
        point = db.session.get(Point, pid)
        db.session.expunge(point)
    rec = inspection(point, [result(item(app, point.location_type), "pass")], started_at=started)
    r = auth.post(user, "/api/v1/sync/push", json={"device_id": "p", "records": [rec]})
    assert r.json["results"][0]["status"] == "created", r.json


def test_coverage_counts_allocated_done_and_late_entries_per_inspector(app, auth, clock):
    uid, pids = user_id(app, "inspector"), point_ids(app, 5)
    clock.set("2026-11-26T08:00:00+08:00")
    assert put(auth, uid, {"point_ids": pids}, day="2026-11-26").status_code == 200
    clock.set("2026-11-26T11:00:00+08:00")
    _visit(auth, app, pids[0], "2026-11-26T09:00:00+08:00")  # done and entered the same day
    _visit(auth, app, pids[4], "2026-11-26T10:00:00+08:00", user="inspector2")  # not the allocated one
    clock.set("2026-11-27T09:00:00+08:00")
    _visit(auth, app, pids[1], "2026-11-26T15:00:00+08:00")  # done on the day, synced the next
    _visit(auth, app, pids[2], "2026-11-27T08:30:00+08:00")  # done a day late
    cov = auth.get("supervisor", "/api/v1/reports/coverage?date=2026-11-26").json
    rows = {r["user_id"]: r for r in cov["by_inspector"]}
    mine = rows[uid]
    assert (mine["allocated"], mine["done"], mine["late_entry"], mine["inspections"]) == (5, 2, 2, 2)
    assert mine["completion_rate"] == 0.4
    theirs = rows[user_id(app, "inspector2")]
    assert (theirs["allocated"], theirs["done"], theirs["inspections"]) == (0, 0, 1)
    first = next(p for p in cov["inspected"] if p["point_id"] == pids[0])
    assert first["inspectors"] == [mine["display_name"]]
    assert first["allocated_to"] == [mine["display_name"]]
    community = auth.get("yongsheng", "/api/v1/reports/coverage?date=2026-11-26").json
    assert community["by_inspector"] == []


def test_the_printed_daily_report_names_the_inspectors(app, auth, clock):
    uid, pids = user_id(app, "inspector"), point_ids(app, 2)
    put(auth, uid, {"point_ids": pids})
    _visit(auth, app, pids[0], "2026-11-27T09:00:00+08:00")
    with app.app_context():
        name = db.session.get(User, uid).display_name
    html = auth.get("supervisor", f"/reports/coverage?date={DAY}").get_data(as_text=True)
    assert "分督导员（日督导分配）" in html and name in html
    assert "非当日录入" in html and "仍未整改" in html
