"""问题来源 (issue 12, point 5): the work plan's five sources; a supervisor records 专题督查,
上级交办 and 群众反映 at the desk, and they follow the same lifecycle as a phone's finding."""
import csv
import io

import pytest

import shared_schema

from tests.helpers.flow import REPLY, act, ok, push_finding, upload
from tests.helpers.records import community_id, demo_point, free_item, item, new_id

URL = "/api/v1/findings"


def desk(auth, user="supervisor", **body):
    """POST a desk entry."""
    return auth.post(user, URL, json=body)


def test_a_public_report_at_a_point_is_assigned_noticed_and_shows_its_source(app, auth):
    point = demo_point(app, "street", "aihua")
    photo = upload(auth, "supervisor")
    r = desk(auth, source="public", point_id=point.id, item_code=item(app), note="市民来电：路面积水",
             photo_ids=[photo])
    assert r.status_code == 201, r.get_data(as_text=True)
    f = r.json
    shared_schema.validator("finding").validate(f)
    assert (f["source"], f["source_code"]) == ("群众反映", "public")
    assert f["status"] == "assigned" and f["unit_id"] == community_id(app, "aihua")
    assert f["assignment"]["method"] == "point" and f["reply_due"] and f["rectify_due"]
    assert f["description"] == "市民来电：路面积水" and [p["id"] for p in f["photos"]] == [photo]
    assert [h["action"] for h in f["history"]] == ["create"]
    notices = auth.get("supervisor", f"/api/v1/letters?finding_id={f['id']}&kind=notice").json["items"]
    assert len(notices) == 1
    # The community sees it and answers as usual: the same lifecycle to 销号.
    assert auth.get("aihua", f"{URL}/{f['id']}").json["source"] == "群众反映"
    ok(act(auth, "aihua", f["id"], "reply", **REPLY))
    ok(act(auth, "aihua", f["id"], "rectify", note="已清理", photo_ids=[upload(auth, "aihua")]))
    assert ok(act(auth, "supervisor", f["id"], "verify", note="已复核"))["status"] == "closed"


def test_free_text_at_a_map_position_is_placed_by_the_boundary(app, auth):
    point = demo_point(app, "street", "yongsheng")  # a place inside 永胜's boundary
    r = desk(auth, source="thematic", location_type="street", lat=point.lat + 0.0002,
             lon=point.lon + 0.0002, address="建设街与新华路交叉口", text="井盖缺失，存在安全隐患")
    assert r.status_code == 201, r.get_data(as_text=True)
    f = r.json
    assert f["item_code"] == "street.other" and f["item_text"] == "井盖缺失，存在安全隐患"
    assert f["source"] == "专题督查" and f["address"] == "建设街与新华路交叉口"
    assert f["status"] == "assigned" and f["assignment"]["method"] in ("boundary", "nearest")


def test_a_named_unit_takes_it_otherwise_an_address_alone_waits_for_the_desk(app, auth):
    team = [u for u in auth.get("supervisor", "/api/v1/units").json["items"] if u["kind"] == "task_force"][0]
    r = desk(auth, source="assigned", location_type="street", address="火车站广场", text="铁路安全宣传栏破损",
             unit_id=team["id"])
    assert r.status_code == 201, r.get_data(as_text=True)
    assert (r.json["status"], r.json["unit_id"], r.json["assignment"]["method"]) == ("assigned", team["id"], "manual")
    assert r.json["source"] == "上级交办"
    loose = desk(auth, source="assigned", location_type="street", address="某小区东门", text="占道经营")
    assert loose.status_code == 201
    assert loose.json["status"] == "unassigned" and loose.json["lat"] is None


@pytest.mark.parametrize("body, field", [
    ({"source": "rumour"}, "source"),
    ({"source": "routine"}, "source"),  # 日常督查 and 暗访 come from the phone
    ({"source": "public", "text": "x", "location_type": "street"}, "point_id"),  # nowhere
    ({"source": "public", "address": "某处", "text": "x"}, "location_type"),
    ({"source": "public", "address": "某处", "location_type": "street"}, "item_code"),
    ({"source": "public", "address": "某处", "location_type": "nowhere", "text": "x"}, "location_type"),
    ({"source": "public", "address": "某处", "location_type": "street", "item_code": "toilet.odour"}, "item_code"),
    ({"source": "public", "point_id": 999999, "text": "x"}, "point_id"),
    ({"source": "public", "lat": 42.97, "text": "x", "location_type": "street"}, "lat"),
    ({"source": "public", "lat": 1.0, "lon": 2.0, "text": "x", "location_type": "street"}, "lat"),
    ({"source": "public", "address": "某处", "location_type": "street", "text": "x", "unit_id": 999999}, "unit_id"),
    ({"source": "public", "address": "某处", "location_type": "street", "text": "x", "photo_ids": [new_id()]}, "photo_ids"),
    ({"source": "public", "address": "某处", "location_type": "street", "text": "x", "colour": "red"}, "colour"),
])
def test_bad_desk_entries_are_refused_with_the_field_named_and_nothing_stored(app, auth, body, field):
    before = auth.get("supervisor", URL).json["total"]
    r = desk(auth, **body)
    assert r.status_code == 422, r.get_data(as_text=True)
    assert field in r.json["error"]["fields"]
    assert auth.get("supervisor", URL).json["total"] == before


def test_a_desk_entry_found_tomorrow_is_refused_without_blaming_a_phone(app, auth, clock):
    r = desk(auth, source="public", location_type="street", address="某处", text="乱贴小广告",
             found_at="2026-11-28T10:00:00+08:00")  # the clock is at 27 November
    assert r.status_code == 422 and "found_at" in r.json["error"]["fields"]
    assert "手机" not in r.json["error"]["fields"]["found_at"] and "所填时间" in r.json["error"]["fields"]["found_at"]


def test_only_supervisors_record_at_the_desk_and_an_id_is_used_once(app, auth):
    body = {"source": "public", "location_type": "street", "address": "某处", "text": "乱贴小广告"}
    for user in ("aihua", "leader", "admin", "inspector"):
        assert desk(auth, user, **body).status_code == 403
    fid = new_id()
    assert desk(auth, id=fid, **body).status_code == 201
    assert desk(auth, id=fid, **body).status_code == 409


def test_the_ledger_filters_and_exports_by_source_and_coverage_ignores_desk_reports(app, auth):
    phone = push_finding(app, auth, "hongsheng")
    covert = push_finding(app, auth, "hongsheng", covert=True)
    point = demo_point(app, "street", "hongsheng")
    code = free_item(app, "street", point.id)  # a repeat of an open item would join it
    public = desk(auth, source="public", point_id=point.id, item_code=code, note="群众举报").json["id"]
    by = lambda s: {f["id"] for f in auth.get("supervisor", f"{URL}?source={s}").json["items"]}  # noqa: E731
    assert by("public") == {public} and by("covert") == {covert} and phone in by("routine")
    assert auth.get("supervisor", f"{URL}?source=rumour").status_code == 400
    r = auth.get("supervisor", "/api/v1/ledger.csv?source=public")
    rows = list(csv.reader(io.StringIO(r.get_data().decode("utf-8-sig"))))
    col = rows[0].index("问题来源")
    assert [row[col] for row in rows[1:]] == ["群众反映"]
    cov = auth.get("supervisor", "/api/v1/reports/coverage?date=2026-11-27").json
    # Two visits from the phone; the citizen's report is not a visit to the point.
    assert [p["inspections"] for p in cov["inspected"] if p["point_id"] == point.id] == [2]


def test_a_desk_report_of_a_problem_already_open_there_joins_it(app, auth):
    fid = push_finding(app, auth, "hongsheng")
    with app.app_context():
        from server.extensions import db
        from server.models import Finding
        found = db.session.get(Finding, fid)
        point_id, code = found.point_id, found.item_code
    r = desk(auth, source="public", point_id=point_id, item_code=code, note="市民反映仍未修好")
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.json["id"] == fid and r.json["history"][-1]["note"] == "仍未整改"
    assert auth.get("supervisor", f"{URL}?source=public").json["total"] == 0
