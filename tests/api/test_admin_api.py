"""Administration over the API: units, people, points, boundaries, checklists, settings, audit."""
import csv
import io
import json
from io import BytesIO

import openpyxl
import pytest
import sqlalchemy as sa

from server.extensions import db
from server.models import AuditEntry, Finding, Point
from tests.helpers.flow import finding_in, push_finding, upload
from tests.helpers.records import demo_point, inspection, result


def ok(resp, status=200):
    """Assert a status and return the JSON."""
    assert resp.status_code == status, resp.get_data(as_text=True)
    return resp.json


def patch(auth, user, url, body):
    """PATCH JSON as a user."""
    return auth.client.patch(url, json=body, headers=auth.headers(user))


def put_json(auth, user, url, body):
    """PUT JSON as a user."""
    return auth.client.put(url, json=body, headers=auth.headers(user))


def new_unit(auth, name="创城宣传专班", kind="task_force"):
    """Create a unit as the admin."""
    return ok(auth.post("admin", "/api/v1/units", json={"name": name, "kind": kind, "head": "李明",
                                                        "contact": "王芳", "phone": "0432-1234567"}), 201)


# --------------------------------------------------------------------------- units

def test_units_of_every_kind_are_added_listed_and_edited(own_auth):
    unit = new_unit(own_auth)
    assert unit["kind"] == "task_force" and unit["kind_label"] == "专班" and unit["active"]
    listed = ok(own_auth.get("inspector", "/api/v1/units"))["items"]
    assert unit["id"] in [u["id"] for u in listed]
    assert {u["kind"] for u in listed} >= {"community", "task_force"}
    edited = ok(patch(own_auth, "admin", f"/api/v1/units/{unit['id']}", {"head": "赵刚"}))
    assert edited["head"] == "赵刚" and edited["name"] == "创城宣传专班"


def test_a_unit_name_is_unique_and_fields_are_named_in_chinese(own_auth):
    new_unit(own_auth, "城管科", "office")
    r = own_auth.post("admin", "/api/v1/units", json={"name": "城管科", "kind": "office"})
    assert r.status_code == 422 and r.json["error"]["fields"] == {"name": "已有同名单位"}
    r = own_auth.post("admin", "/api/v1/units", json={"name": " ", "kind": "club"})
    assert r.status_code == 422 and set(r.json["error"]["fields"]) == {"name", "kind"}


def test_a_unit_with_open_findings_cannot_be_retired(own_app, own_auth):
    push_finding(own_app, own_auth, "hongsheng")
    with own_app.app_context():
        unit_id = db.session.scalar(sa.select(Finding.community_id))
    r = patch(own_auth, "admin", f"/api/v1/units/{unit_id}", {"active": False})
    assert r.status_code == 409 and "1 个未销号" in r.json["error"]["message"]
    assert ok(own_auth.get("admin", "/api/v1/units"))["items"][1]["active"] is True


def test_a_retired_community_is_skipped_by_assignment(own_app, own_auth):
    units = {u["name"]: u for u in ok(own_auth.get("admin", "/api/v1/units"))["items"]}
    ok(patch(own_auth, "admin", f"/api/v1/units/{units['阳光社区']['id']}", {"active": False}))
    point = demo_point(own_app, "street", "yangguang")
    rec = inspection(point, [result("street.clutter", "fail", [upload(own_auth, "inspector")])])
    ok(own_auth.post("inspector", "/api/v1/sync/push", json={"device_id": "t", "records": [rec]}))
    f = ok(own_auth.get("supervisor", f"/api/v1/findings/{rec['results'][0]['id']}"))
    assert f["unit_id"] != units["阳光社区"]["id"]
    assert "阳光社区" not in [c["properties"]["name"] for c in
                           ok(own_auth.get("inspector", "/api/v1/communities"))["features"]]


# --------------------------------------------------------------------------- 责任分工

def test_an_item_owned_by_a_task_force_goes_to_it_wherever_it_fails(own_app, own_auth):
    unit = new_unit(own_auth, "背街小巷整治专班")
    item = ok(own_auth.post("admin", "/api/v1/checklists/street/items", json={
        "text": "背街小巷无废弃车辆", "category": "公共秩序", "limit_days": 5,
        "photo_required": True, "unit_id": unit["id"]}), 201)
    assert item["code"].startswith("street.") and item["unit_name"] == "背街小巷整治专班"
    staff = ok(own_auth.post("admin", "/api/v1/users", json={
        "username": "beijie", "display_name": "背街专班", "role": "community",
        "unit_id": unit["id"]}), 201)
    point = demo_point(own_app, "street", "yongsheng")
    rec = inspection(point, [result(item["code"], "fail", [upload(own_auth, "inspector")]),
                             result("street.clutter", "fail", [upload(own_auth, "inspector")])])
    ok(own_auth.post("inspector", "/api/v1/sync/push", json={"device_id": "t", "records": [rec]}))
    mine, theirs = (ok(own_auth.get("supervisor", f"/api/v1/findings/{r['id']}")) for r in rec["results"])
    assert mine["unit_id"] == unit["id"] and mine["unit_name"] == "背街小巷整治专班"
    assert mine["community_id"] is None and mine["assignment"]["method"] == "item"
    assert mine["status"] == "assigned" and mine["reply_due"]
    assert theirs["assignment"]["method"] == "point" and theirs["community_id"] == point.community_id
    notices = ok(own_auth.get("supervisor", "/api/v1/letters?kind=notice"))["items"]
    assert sorted(len(n["finding_ids"]) for n in notices) == [1, 1]  # one notice per unit
    # The task force's staff see their finding and not the community's, after changing password.
    login = ok(own_auth.client.post("/api/v1/auth/login", json={
        "username": "beijie", "password": staff["temporary_password"]}))
    h = {"Authorization": f"Bearer {login['token']}"}
    assert own_auth.client.post("/api/v1/auth/password", headers=h, json={
        "old_password": staff["temporary_password"], "new_password": "Beijie-2026"}).status_code == 204
    seen = ok(own_auth.client.get("/api/v1/findings", headers=h))["items"]
    assert [f["id"] for f in seen] == [mine["id"]]
    assert own_auth.client.get(f"/api/v1/findings/{theirs['id']}", headers=h).status_code == 404
    o311 = ok(own_auth.get("supervisor", f"/open311/v2/requests/{mine['id']}.json"))
    assert o311[0]["agency_responsible"] == "背街小巷整治专班"


# --------------------------------------------------------------------------- people

def test_a_new_person_must_change_the_temporary_password_first(own_auth):
    made = ok(own_auth.post("admin", "/api/v1/users", json={
        "username": "zhaomin", "display_name": "赵敏", "role": "inspector"}), 201)
    temp = made["temporary_password"]
    assert made["id"] == made["user"]["id"] and len(temp) >= 8 and made["user"]["must_change_password"]
    login = ok(own_auth.client.post("/api/v1/auth/login", json={"username": "zhaomin", "password": temp}))
    assert login["must_change_password"] is True
    h = {"Authorization": f"Bearer {login['token']}"}
    blocked = own_auth.client.get("/api/v1/points", headers=h)
    assert blocked.status_code == 403 and blocked.json["error"]["code"] == "password_change_required"
    weak = own_auth.client.post("/api/v1/auth/password", headers=h,
                                json={"old_password": temp, "new_password": "12345678"})
    assert weak.status_code == 422 and "new_password" in weak.json["error"]["fields"]
    same = own_auth.client.post("/api/v1/auth/password", headers=h,
                                json={"old_password": temp, "new_password": "zhaomin"})
    assert same.status_code == 422
    wrong = own_auth.client.post("/api/v1/auth/password", headers=h,
                                 json={"old_password": "nope", "new_password": "Zhao-min-2026"})
    assert wrong.json["error"]["fields"] == {"old_password": "原密码不正确"}
    assert own_auth.client.post("/api/v1/auth/password", headers=h, json={
        "old_password": temp, "new_password": "Zhao-min-2026"}).status_code == 204
    assert own_auth.client.get("/api/v1/points", headers=h).status_code == 200
    users = {u["username"]: u for u in ok(own_auth.get("admin", "/api/v1/users"))["items"]}
    assert users["zhaomin"]["must_change_password"] is False and users["zhaomin"]["last_login_at"]


def test_changing_ones_password_ends_the_other_sessions(own_auth):
    first = own_auth.token("leader")
    second = ok(own_auth.client.post("/api/v1/auth/login", json={"username": "leader", "password": "pw"}))
    h2 = {"Authorization": f"Bearer {second['token']}"}
    assert own_auth.client.post("/api/v1/auth/password", headers=h2, json={
        "old_password": "pw", "new_password": "Leader-2026"}).status_code == 204
    assert own_auth.client.get("/api/v1/auth/me", headers=h2).status_code == 200
    assert own_auth.client.get("/api/v1/auth/me",
                               headers={"Authorization": f"Bearer {first}"}).status_code == 401


def test_people_bad_input_is_refused_field_by_field(own_auth):
    units = ok(own_auth.get("admin", "/api/v1/units"))["items"]
    cases = [
        ({"username": "admin", "display_name": "重名", "role": "inspector"}, "username"),
        ({"username": "ADMIN", "display_name": "大小写重名", "role": "inspector"}, "username"),
        ({"username": "x y", "display_name": "空格", "role": "inspector"}, "username"),
        ({"username": "nounit", "display_name": "无单位", "role": "community"}, "unit_id"),
        ({"username": "withunit", "display_name": "多单位", "role": "leader", "unit_id": units[0]["id"]},
         "unit_id"),
        ({"username": "norole", "display_name": "无角色", "role": "mayor"}, "role"),
    ]
    before = len(ok(own_auth.get("admin", "/api/v1/users"))["items"])
    for body, field in cases:
        r = own_auth.post("admin", "/api/v1/users", json=body)
        assert r.status_code == 422 and field in r.json["error"]["fields"], (body, r.json)
    assert len(ok(own_auth.get("admin", "/api/v1/users"))["items"]) == before


def test_retiring_a_person_revokes_their_tokens_and_the_last_admin_stays(own_auth):
    users = {u["username"]: u for u in ok(own_auth.get("admin", "/api/v1/users"))["items"]}
    own_auth.token("inspector2")
    ok(patch(own_auth, "admin", f"/api/v1/users/{users['inspector2']['id']}", {"active": False}))
    assert own_auth.get("inspector2", "/api/v1/auth/me").status_code == 401
    r = patch(own_auth, "admin", f"/api/v1/users/{users['admin']['id']}", {"role": "leader"})
    assert r.status_code == 409 and r.json["error"]["code"] == "last_admin"
    r = patch(own_auth, "admin", f"/api/v1/users/{users['admin']['id']}", {"active": False})
    assert r.status_code == 409


def test_a_reset_password_is_shown_once_and_ends_the_sessions(own_auth):
    users = {u["username"]: u for u in ok(own_auth.get("admin", "/api/v1/users"))["items"]}
    own_auth.token("aihua")
    reset = ok(own_auth.post("admin", f"/api/v1/users/{users['aihua']['id']}/reset-password", json={}))
    assert own_auth.get("aihua", "/api/v1/auth/me").status_code == 401
    login = ok(own_auth.client.post("/api/v1/auth/login", json={
        "username": "aihua", "password": reset["temporary_password"]}))
    assert login["must_change_password"] is True
    assert own_auth.get("supervisor", "/api/v1/users").status_code == 200  # supervisors read
    assert own_auth.get("inspector", "/api/v1/users").status_code == 403


def test_passwords_never_reach_the_audit_log(own_app, own_auth):
    made = ok(own_auth.post("admin", "/api/v1/users", json={
        "username": "audited", "display_name": "审计", "role": "inspector"}), 201)
    ok(own_auth.post("admin", f"/api/v1/users/{made['id']}/reset-password", json={}))
    with own_app.app_context():
        text = json.dumps([[e.before, e.after] for e in db.session.scalars(sa.select(AuditEntry))],
                          ensure_ascii=False)
    assert made["temporary_password"] not in text and "password_hash" not in text
    log = ok(own_auth.get("admin", "/api/v1/audit?target=user:"))["items"]
    assert [e["action"] for e in log][:2] == ["user.reset_password", "user.create"]
    assert log[0]["actor"]["display_name"] == "系统管理员"


# --------------------------------------------------------------------------- points

def test_a_point_takes_its_community_from_the_boundary(own_auth):
    feat = ok(own_auth.post("admin", "/api/v1/points", json={
        "name": "新建背街", "location_type": "street", "lat": 42.978301, "lon": 126.7381}), 201)
    assert feat["type"] == "Feature" and feat["properties"]["unit_name"] == "永胜社区"
    assert feat["properties"]["outside_boundary"] is False
    names = [f["properties"]["name"] for f in ok(own_auth.get("inspector", "/api/v1/points"))["features"]]
    assert "新建背街" in names


def test_a_point_outside_every_boundary_needs_a_community_and_is_marked(own_auth):
    r = own_auth.post("admin", "/api/v1/points", json={
        "name": "郊外公厕", "location_type": "toilet", "lat": 42.90, "lon": 126.60})
    assert r.status_code == 422 and "community_id" in r.json["error"]["fields"]
    unit = ok(own_auth.get("admin", "/api/v1/units"))["items"][0]
    feat = ok(own_auth.post("admin", "/api/v1/points", json={
        "name": "郊外公厕", "location_type": "toilet", "lat": 42.90, "lon": 126.60,
        "community_id": unit["id"]}), 201)
    assert feat["properties"]["outside_boundary"] is True


@pytest.mark.parametrize("body, field", [
    ({"lat": 0, "lon": 0}, "lat"),
    ({"lat": 126.7, "lon": 42.9}, "lat"),  # swapped
    ({"location_type": "castle"}, "location_type"),
    ({"name": ""}, "name"),
    ({"lat": "42.9"}, "lat"),
])
def test_bad_points_are_refused_and_nothing_is_stored(own_app, own_auth, body, field):
    doc = {"name": "坏点位", "location_type": "street", "lat": 42.978, "lon": 126.738, **body}
    r = own_auth.post("admin", "/api/v1/points", json=doc)
    assert r.status_code == 422 and field in r.json["error"]["fields"], r.json
    with own_app.app_context():
        assert db.session.scalar(sa.select(Point.id).where(Point.name == "坏点位")) is None


def test_moving_and_retiring_a_point(own_auth):
    pid = ok(own_auth.get("admin", "/api/v1/points"))["features"][0]["id"]
    moved = ok(patch(own_auth, "admin", f"/api/v1/points/{pid}", {"lat": 42.9785, "lon": 126.7382}))
    assert moved["geometry"]["coordinates"] == [126.7382, 42.9785]
    ok(patch(own_auth, "admin", f"/api/v1/points/{pid}", {"active": False}))
    assert pid not in [f["id"] for f in ok(own_auth.get("inspector", "/api/v1/points"))["features"]]
    everything = ok(own_auth.get("admin", "/api/v1/points?all=1"))["features"]
    assert [f["properties"]["active"] for f in everything if f["id"] == pid] == [False]


def _sheet(rows, header=("名称", "类型", "纬度", "经度", "社区")) -> bytes:
    """An .xlsx with a header and rows."""
    wb = openpyxl.Workbook()
    wb.active.append(list(header))
    for row in rows:
        wb.active.append(list(row))
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _import(auth, data: bytes, name: str, dry_run=False):
    """POST a file to the import."""
    url = "/api/v1/points/import" + ("?dry_run=1" if dry_run else "")
    return auth.client.post(url, data={"file": (BytesIO(data), name)}, headers=auth.headers("admin"),
                            content_type="multipart/form-data")


def twenty_rows():
    """Twenty good rows inside 永胜社区 (one by type name, one by code)."""
    return [(f"导入点位{i:02d}", "背街小巷" if i % 2 else "compound", 42.9760 + i * 0.0001, 126.7370, "永胜社区")
            for i in range(20)]


def test_twenty_points_import_from_excel_after_a_dry_run(own_app, own_auth):
    data = _sheet(twenty_rows())
    dry = ok(_import(own_auth, data, "点位.xlsx", dry_run=True))
    assert dry["created"] == 20 and dry["errors"] == []
    with own_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(Point.name.like("导入点位%"))) == 0
    done = ok(_import(own_auth, data, "点位.xlsx"))
    assert (done["created"], done["updated"]) == (20, 0)
    again = ok(_import(own_auth, data, "点位.xlsx"))  # the same names update, never duplicate
    assert (again["created"], again["updated"]) == (0, 20)
    with own_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(Point.name.like("导入点位%"))) == 20


def test_one_bad_row_stores_nothing_and_every_bad_row_is_listed(own_app, own_auth):
    rows = twenty_rows()
    rows[3] = ("坏行一", "城堡", 42.977, 126.737, "永胜社区")
    rows[7] = ("坏行二", "背街小巷", 0, 0, "")
    rows[9] = ("", "背街小巷", 42.977, 126.737, "")
    rows[11] = ("坏行四", "背街小巷", 42.977, 126.737, "不存在社区")
    data = _sheet(rows)
    dry = ok(_import(own_auth, data, "点位.xlsx", dry_run=True))
    assert [(e["row"], e["field"]) for e in dry["errors"]] == [(5, "类型"), (9, "纬度"), (11, "名称"), (13, "社区")]
    r = _import(own_auth, data, "点位.xlsx")
    assert r.status_code == 422 and len(r.json["errors"]) == 4 and r.json["error"]["message"]
    with own_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(Point.name.like("导入点位%"))) == 0


def test_points_import_from_csv_and_geojson(own_auth):
    text = io.StringIO()
    w = csv.writer(text)
    w.writerow(["名称", "类型", "纬度", "经度", "社区"])
    w.writerow(["CSV公厕", "公共厕所", "42.9765", "126.7372", ""])
    assert ok(_import(own_auth, text.getvalue().encode("utf-8-sig"), "p.csv"))["created"] == 1
    gj = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {
        "name": "GeoJSON小区", "location_type": "compound", "community": "永胜社区"},
        "geometry": {"type": "Point", "coordinates": [126.7373, 42.9766]}}]}
    assert ok(_import(own_auth, json.dumps(gj).encode(), "p.geojson"))["created"] == 1
    bad = _import(own_auth, b"\x00\x01", "p.xlsx")
    assert bad.status_code == 422 and bad.json["error"]["code"] == "bad_import_file"
    assert _import(own_auth, b"x", "p.doc").status_code == 422


def test_the_template_and_the_export_have_the_import_columns(own_auth):
    r = own_auth.get("admin", "/api/v1/points/template.xlsx")
    sheet = openpyxl.load_workbook(BytesIO(r.data)).worksheets
    assert [c.value for c in sheet[0][1]][:5] == ["名称", "类型", "纬度", "经度", "社区"]
    assert "背街小巷" in [c.value for c in sheet[1]["A"]]
    r = own_auth.get("admin", "/api/v1/points/export.xlsx")
    rows = list(openpyxl.load_workbook(BytesIO(r.data)).worksheets[0].values)
    assert rows[0][:5] == ("名称", "类型", "纬度", "经度", "社区") and len(rows) > 40
    again = ok(_import(own_auth, r.data, "export.xlsx", dry_run=True))  # an export imports back
    assert again["errors"] == [] and again["created"] == 0


# --------------------------------------------------------------------------- boundaries

SQUARE = {"type": "Polygon", "coordinates": [[[126.70, 42.95], [126.80, 42.95], [126.80, 43.00],
                                              [126.70, 43.00], [126.70, 42.95]]]}
BOWTIE = {"type": "Polygon", "coordinates": [[[126.70, 42.95], [126.80, 43.00], [126.80, 42.95],
                                              [126.70, 43.00], [126.70, 42.95]]]}


def test_a_boundary_preview_lists_the_points_that_would_move_and_saving_moves_them(own_app, own_auth):
    units = {u["name"]: u for u in ok(own_auth.get("admin", "/api/v1/units"))["items"]}
    hid = units["红升社区"]["id"]
    url = f"/api/v1/communities/{hid}/boundary"
    dry = ok(put_json(own_auth, "admin", url + "?dry_run=1", {"type": "Feature", "properties": {},
                                                             "geometry": SQUARE}))
    assert dry["saved"] is False and dry["changes"] and all(c["to_unit_id"] == hid for c in dry["changes"])
    with own_app.app_context():
        assert db.session.get(Point, dry["changes"][0]["point_id"]).community_id != hid
    saved = ok(put_json(own_auth, "admin", url, SQUARE))
    assert saved["changes"] == dry["changes"]
    with own_app.app_context():
        assert db.session.get(Point, dry["changes"][0]["point_id"]).community_id == hid


@pytest.mark.parametrize("body", [BOWTIE, {"type": "Point", "coordinates": [126.7, 42.9]},
                                  {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
                                  {"type": "FeatureCollection", "features": []}, [1, 2]])
def test_a_bad_boundary_is_refused(own_auth, body):
    units = ok(own_auth.get("admin", "/api/v1/units"))["items"]
    r = put_json(own_auth, "admin", f"/api/v1/communities/{units[0]['id']}/boundary", body)
    assert r.status_code in (400, 422) and r.json["error"]["message"]


# --------------------------------------------------------------------------- checklists

def test_checklist_items_are_added_edited_reordered_and_retired(own_app, own_auth):
    ok(own_auth.post("admin", "/api/v1/location-types", json={"code": "riverside_path", "name": "滨河步道"}), 201)
    assert own_auth.post("admin", "/api/v1/location-types",
                         json={"code": "riverside_path", "name": "x"}).status_code == 422
    a = ok(own_auth.post("admin", "/api/v1/checklists/riverside_path/items", json={
        "text": "护栏完好", "category": "基础设施", "limit_days": 5}), 201)
    b = ok(own_auth.post("admin", "/api/v1/checklists/riverside_path/items", json={
        "text": "无垃圾漂浮", "category": "公共环境", "limit_days": 3, "photo_required": False}), 201)
    assert (a["code"], b["code"]) == ("riverside_path.1", "riverside_path.2")
    assert [i["code"] for i in ok(own_auth.get("inspector", "/api/v1/checklists"))["riverside_path"]] == \
        [a["code"], b["code"]]
    ok(put_json(own_auth, "admin", "/api/v1/checklists/riverside_path/order", {"codes": [b["code"], a["code"]]}))
    assert [i["code"] for i in ok(own_auth.get("inspector", "/api/v1/checklists"))["riverside_path"]] == \
        [b["code"], a["code"]]
    bad = put_json(own_auth, "admin", "/api/v1/checklists/riverside_path/order", {"codes": [a["code"]]})
    assert bad.status_code == 422
    ok(patch(own_auth, "admin", f"/api/v1/checklists/items/{a['code']}", {"active": False}))
    assert [i["code"] for i in ok(own_auth.get("inspector", "/api/v1/checklists"))["riverside_path"]] == [b["code"]]
    c = ok(own_auth.post("admin", "/api/v1/checklists/riverside_path/items", json={
        "text": "新项", "category": "公共环境", "limit_days": 3}), 201)
    assert c["code"] == "riverside_path.3"  # codes are never reused


def test_findings_keep_the_text_they_were_recorded_with(own_app, own_auth):
    fid = finding_in(own_app, own_auth, "assigned")
    before = ok(own_auth.get("supervisor", f"/api/v1/findings/{fid}"))
    ok(patch(own_auth, "admin", f"/api/v1/checklists/items/{before['item_code']}",
             {"text": "改写后的标准", "active": False}))
    after = ok(own_auth.get("supervisor", f"/api/v1/findings/{fid}"))
    assert after["item_text"] == before["item_text"] != "改写后的标准"
    assert after["history"] == before["history"]


def test_bad_checklist_input_is_refused(own_auth):
    assert own_auth.post("admin", "/api/v1/location-types", json={"code": "Bad Code", "name": "x"}).status_code == 422
    assert own_auth.post("admin", "/api/v1/checklists/nope/items", json={
        "text": "x", "category": "公共环境", "limit_days": 3}).status_code == 404
    r = own_auth.post("admin", "/api/v1/checklists/street/items", json={
        "text": "", "category": "", "limit_days": 0, "unit_id": 999999})
    assert r.status_code == 422 and {"text", "category", "limit_days"} <= set(r.json["error"]["fields"])
    r = own_auth.post("admin", "/api/v1/checklists/street/items", json={
        "text": "x", "category": "公共环境", "limit_days": 3, "unit_id": 999999})
    assert r.status_code == 422 and "unit_id" in r.json["error"]["fields"]


# --------------------------------------------------------------------------- settings and audit

def test_settings_round_trip_and_override_the_environment(own_app, own_auth):
    doc = ok(own_auth.get("admin", "/api/v1/settings"))
    assert doc["letter_masthead"] == own_app.config["LETTER_OFFICE"] and doc["prompt_review"] is True
    doc.update(contact_person="王磊", contact_phone="0432-6200000", min_cases=1)
    doc["scoring"]["overdue_reply"] = 5
    saved = ok(put_json(own_auth, "admin", "/api/v1/settings", doc))
    assert saved == ok(own_auth.get("leader", "/api/v1/settings")) and saved["scoring"]["overdue_reply"] == 5
    log = ok(own_auth.get("admin", "/api/v1/audit?action=settings.update"))["items"]
    assert log[0]["after"]["contact_person"] == "王磊" and "office_name" not in log[0]["after"]


@pytest.mark.parametrize("change, field", [
    (lambda d: d.update(colour="red"), "colour"),
    (lambda d: d["scoring"].update(speed=1), "scoring"),
    (lambda d: d.update(grades=[]), "grades"),
    (lambda d: d.update(min_cases=-1), "min_cases"),
    (lambda d: d.update(prompt_review="yes"), "prompt_review"),
])
def test_bad_settings_are_refused_and_nothing_changes(own_auth, change, field):
    doc = ok(own_auth.get("admin", "/api/v1/settings"))
    change(doc)
    r = put_json(own_auth, "admin", "/api/v1/settings", doc)
    assert r.status_code == 422 and any(k.startswith(field) for k in r.json["error"]["fields"]), r.json
    assert ok(own_auth.get("admin", "/api/v1/audit?action=settings.update"))["total"] == 0


def test_the_scoring_preview_grades_last_month_under_the_proposed_rule(own_auth, clock):
    doc = ok(own_auth.get("admin", "/api/v1/settings"))
    body = {"scoring": doc["scoring"], "grades": doc["grades"], "min_cases": 0}
    out = ok(own_auth.post("admin", "/api/v1/settings/preview", json=body))
    assert out["month"] == "2026-10" and len(out["rows"]) == 4 and all(r["grade"] for r in out["rows"])


def test_letters_print_the_contact_from_settings(own_app, own_auth):
    doc = ok(own_auth.get("admin", "/api/v1/settings"))
    doc.update(contact_person="王磊", contact_phone="0432-6200000", letter_masthead="明桦街道创城督导专班")
    ok(put_json(own_auth, "admin", "/api/v1/settings", doc))
    finding_in(own_app, own_auth, "assigned")
    letter = ok(own_auth.get("supervisor", "/api/v1/letters?kind=notice"))["items"][0]
    page = own_auth.get("supervisor", f"/letters/{letter['id']}").get_data(as_text=True)
    assert "王磊" in page and "0432-6200000" in page and "明桦街道创城督导专班" in page


def test_reports_rank_each_kind_of_unit_apart(own_app, own_auth, clock):
    unit = new_unit(own_auth, "市容整治专班")
    item = ok(own_auth.post("admin", "/api/v1/checklists/street/items", json={
        "text": "无占道堆放建材", "category": "公共秩序", "limit_days": 3, "unit_id": unit["id"]}), 201)
    point = demo_point(own_app, "street", "aihua")
    rec = inspection(point, [result(item["code"], "fail", [upload(own_auth, "inspector")])])
    ok(own_auth.post("inspector", "/api/v1/sync/push", json={"device_id": "t", "records": [rec]}))
    clock.set("2026-11-27T15:00:00+08:00")
    for kind in ("weekly?week=2026-W48", "monthly?month=2026-11"):
        report = ok(own_auth.get("supervisor", f"/api/v1/reports/{kind}"))
        rows = {r["name"]: r for r in report["units"]}
        assert rows["市容整治专班"]["kind"] == "task_force" and rows["市容整治专班"]["new"] == 1
        assert sum(r["new"] for r in report["communities"]) == 0  # not counted for 爱华社区
        assert {r["kind"] for r in report["units"]} == {"community", "task_force"}
    staff = ok(own_auth.post("admin", "/api/v1/users", json={
        "username": "srzz", "display_name": "市容专班", "role": "community", "unit_id": unit["id"]}), 201)
    with own_app.app_context():
        from server.models import User
        user = db.session.scalar(sa.select(User).where(User.username == "srzz"))
        user.must_change_password = False
        user.set_password("pw", "pbkdf2:sha256:1000")
        db.session.commit()
    mine = ok(own_auth.get("srzz", "/api/v1/reports/monthly?month=2026-11"))
    assert [r["name"] for r in mine["units"]] == ["市容整治专班"] and staff["user"]["community_id"] is None


def test_holiday_edits_land_in_the_audit_log(own_auth):
    assert put_json(own_auth, "admin", "/api/v1/calendar/days/2027-02-08", {"kind": "holiday", "name": "春节"}
                    ).status_code == 200
    assert put_json(own_auth, "admin", "/api/v1/calendar/years/2027", {"published": True}).status_code == 200
    log = ok(own_auth.get("admin", "/api/v1/audit?target=day:2027-02-08"))["items"]
    assert log[0]["action"] == "calendar.day" and log[0]["after"] == {"kind": "holiday", "name": "春节"}
    assert ok(own_auth.get("admin", "/api/v1/audit?action=calendar.year"))["items"][0]["after"] == {"published": True}
