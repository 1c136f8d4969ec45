"""信息报送 and 责任清单 over the API: submit, review, rank; issue, complete, confirm; the grade."""
import uuid

import sqlalchemy as sa

from server.extensions import db
from server.models import Unit
from tests.helpers.flow import upload

MON = "2026-11-30T09:00:00+08:00"  # a Monday (2026-W49)


def unit_id(app, code: str) -> int:
    """A demo unit's id by its code."""
    with app.app_context():
        return db.session.scalar(sa.select(Unit.id).where(Unit.code == code))


def submit(auth, user="yongsheng", **kw):
    """POST a submission."""
    body = {"title": "垃圾分类入户宣传", "kind": "experience", "body": "组织志愿者入户宣传 30 户。", **kw}
    return auth.post(user, "/api/v1/submissions", json=body)


def test_a_unit_submits_and_it_counts_for_the_half_month_of_receipt(app, auth, clock):
    clock.set("2026-12-15T23:30:00+08:00")  # still the first half, local time
    pid = upload(auth, "yongsheng")
    r = submit(auth, photo_ids=[pid])
    assert r.status_code == 201, r.json
    assert r.json["period"] == "2026-12-1" and r.json["unit_id"] == unit_id(app, "yongsheng")
    assert r.json["photo_ids"] == [pid] and r.json["review"] is None
    clock.set("2026-12-16T00:10:00+08:00")
    assert submit(auth).json["period"] == "2026-12-2"
    mine = auth.get("yongsheng", "/api/v1/submissions?half=2026-12-1").json
    assert mine["total"] == 1 and mine["half"]["period"] == "2026-12-1"


def test_bad_submissions_name_the_field_in_chinese(app, auth, clock):
    r = submit(auth, body="   ")
    assert r.status_code == 422 and "body" in r.json["error"]["fields"]
    r = submit(auth, kind="gossip")
    assert r.status_code == 422 and "kind" in r.json["error"]["fields"]
    theirs = upload(auth, "hongsheng")
    r = submit(auth, photo_ids=[theirs])
    assert r.status_code == 422 and "photo_ids[0]" in r.json["error"]["fields"]
    assert auth.get("supervisor", "/api/v1/submissions?half=2026-13-1").status_code == 400


def test_units_never_see_each_others_submissions(app, auth, clock):
    sid = submit(auth, "hongsheng").json["id"]
    assert auth.get("yongsheng", f"/api/v1/submissions/{sid}").status_code == 404
    assert auth.get("yongsheng", "/api/v1/submissions").json["total"] == 0
    assert auth.get("hongsheng", f"/api/v1/submissions/{sid}").status_code == 200
    assert auth.get("supervisor", "/api/v1/submissions").json["total"] == 1


def test_review_once_with_a_level_audited_and_never_ones_own_unit(app, auth, clock):
    sid = submit(auth).json["id"]
    r = auth.post("supervisor", f"/api/v1/submissions/{sid}/review", json={"adopted": True})
    assert r.status_code == 422 and "level" in r.json["error"]["fields"]
    key = str(uuid.uuid4())
    body = {"adopted": True, "level": "city", "note": "市创城办简报采用"}
    r = auth.post("supervisor", f"/api/v1/submissions/{sid}/review", json=body,
                  headers={"Idempotency-Key": key})
    assert r.status_code == 200 and r.json["review"]["level"] == "city"
    again = auth.post("supervisor", f"/api/v1/submissions/{sid}/review", json=body,
                      headers={"Idempotency-Key": key})
    assert again.status_code == 200 and again.headers.get("Idempotent-Replayed") == "true"
    assert auth.post("supervisor", f"/api/v1/submissions/{sid}/review",
                     json={"adopted": False}).status_code == 409
    log = auth.get("admin", "/api/v1/audit?action=submission.review").json["items"]
    assert log and log[0]["target"] == f"submission:{sid}"
    # A reviewer who belongs to the unit may not review its items (accounts tied to a unit are
    # unit accounts today, so the service is asked directly).
    other = submit(auth).json["id"]
    with app.app_context():
        from types import SimpleNamespace

        from server.errors import ApiError
        from server.services import submissions

        s = submissions.get(SimpleNamespace(role="supervisor", community_id=None), other)
        insider = SimpleNamespace(id=3, role="supervisor", community_id=s.unit_id)
        try:
            submissions.review(insider, s, {"adopted": False, "level": None, "note": ""})
            raise AssertionError("an insider reviewed their own unit")
        except ApiError as err:
            assert err.status == 403 and err.message == "不能审核本单位报送的信息"
        db.session.rollback()


def test_half_month_ranking_by_adopted_then_submitted(app, auth, clock):
    clock.set("2026-12-03T10:00:00+08:00")
    a, _ = submit(auth, "hongsheng").json["id"], submit(auth, "hongsheng")
    submit(auth, "yongsheng"), submit(auth, "yongsheng"), submit(auth, "yongsheng")
    submit(auth, "aihua")
    auth.post("supervisor", f"/api/v1/submissions/{a}/review", json={"adopted": True, "level": "street"})
    rep = auth.get("leader", "/api/v1/reports/submissions?half=2026-12-1").json
    rows = {r["name"]: r for r in rep["rows"]}
    assert rep["period"] == "2026-12-1"
    assert rows["红升社区"]["rank"] == 1 and rows["永胜社区"]["rank"] == 2 and rows["爱华社区"]["rank"] == 3
    assert rows["阳光社区"]["met_minimum"] is False and rows["小区环境创建专班"]["submitted"] == 0
    assert rows["阳光社区"]["rank"] == rows["小区环境创建专班"]["rank"] == 4  # ties share
    assert len(rep["rows"]) == 11  # every active unit
    r = auth.get("supervisor", "/api/v1/reports/submissions?half=2026-12-2")
    assert r.status_code == 422 and "half" in r.json["error"]["fields"]


def test_the_reminder_shows_in_the_last_three_days_with_nothing_submitted(app, auth, clock):
    clock.set("2026-12-12T10:00:00+08:00")
    assert auth.get("zhuanban", "/api/v1/submissions").json["half"]["remind"] is False
    clock.set("2026-12-13T10:00:00+08:00")
    assert auth.get("zhuanban", "/api/v1/submissions").json["half"]["remind"] is True
    submit(auth, "zhuanban")
    assert auth.get("zhuanban", "/api/v1/submissions").json["half"]["remind"] is False


def issue(auth, app, unit="yongsheng", period="2026-W49", items=None):
    """Issue a duty list."""
    items = items or [{"text": "清理背街小巷堆积物", "indicator": "无堆积", "due": "2026-12-02"}]
    return auth.post("supervisor", "/api/v1/duty-lists",
                     json={"unit_id": unit_id(app, unit), "period": period, "items": items})


def test_duty_list_lifecycle_overdue_and_report(app, auth, clock):
    clock.set(MON)
    r = issue(auth, app, items=[{"text": "清理背街小巷堆积物", "indicator": "无堆积", "due": "2026-12-02"},
                                {"text": "更新公益广告", "indicator": "≥10 处", "due": "2026-12-04"}])
    assert r.status_code == 201, r.json
    dl = r.json
    assert dl["period"] == "2026-W49" and [i["status"] for i in dl["items"]] == ["open", "open"]
    assert issue(auth, app).status_code == 409
    first, second = (i["id"] for i in dl["items"])
    r = auth.post("yongsheng", f"/api/v1/duty-items/{first}/complete", json={"note": " "})
    assert r.status_code == 422 and "note" in r.json["error"]["fields"]
    assert auth.post("hongsheng", f"/api/v1/duty-items/{first}/complete", json={"note": "x"}).status_code == 404
    assert auth.get("hongsheng", f"/api/v1/duty-lists/{dl['id']}").status_code == 404
    assert auth.post("supervisor", f"/api/v1/duty-items/{first}/confirm").status_code == 409
    r = auth.post("yongsheng", f"/api/v1/duty-items/{first}/complete", json={"note": "已清理"})
    assert r.status_code == 200 and r.json["status"] == "completed"
    r = auth.post("supervisor", f"/api/v1/duty-items/{first}/reject", json={})
    assert r.status_code == 422 and "note" in r.json["error"]["fields"]
    r = auth.post("supervisor", f"/api/v1/duty-items/{first}/reject", json={"note": "照片不清晰"})
    assert r.json["status"] == "open" and r.json["review_note"] == "照片不清晰"
    pid = upload(auth, "yongsheng")
    auth.post("yongsheng", f"/api/v1/duty-items/{first}/complete", json={"photo_ids": [pid]})
    assert auth.post("supervisor", f"/api/v1/duty-items/{first}/confirm", json={}).json["status"] == "confirmed"
    clock.set("2026-12-05T10:00:00+08:00")  # Saturday: the second item is overdue
    items = auth.get("yongsheng", f"/api/v1/duty-lists/{dl['id']}").json["items"]
    assert [i["overdue"] for i in items] == [False, True]
    rep = auth.get("supervisor", "/api/v1/reports/duty?period=2026-W49").json
    row = next(r for r in rep["rows"] if r["name"] == "永胜社区")
    assert row == {**row, "items": 2, "done": 1, "overdue": 1, "rate": 0.5}
    assert next(r for r in rep["rows"] if r["name"] == "红升社区")["rate"] is None
    assert auth.get("supervisor", "/api/v1/reports/duty?period=2026-W51").status_code == 422
    page = auth.get("yongsheng", f"/duty-lists/{dl['id']}")
    assert page.status_code == 200 and "责任提示清单" in page.get_data(as_text=True)
    assert "<script>" not in page.get_data(as_text=True)
    log = auth.get("admin", "/api/v1/audit").json["items"]
    assert {"duty.issue", "duty.reject", "duty.confirm"} <= {e["action"] for e in log}


def test_bad_duty_lists_are_refused_with_the_field_named(app, auth, clock):
    clock.set(MON)
    r = issue(auth, app, items=[{"text": "x", "due": "2026-11-29"}])
    assert r.status_code == 422 and "items[0].due" in r.json["error"]["fields"]
    r = issue(auth, app, items=[{"text": "x", "due": "2026-11-30"}], period="2026-W60")
    assert r.status_code == 422 and "period" in r.json["error"]["fields"]
    aihua = unit_id(app, "aihua")
    patch = lambda body: auth.client.patch(f"/api/v1/units/{aihua}", json=body,  # noqa: E731
                                           headers=auth.headers("admin"))
    assert patch({"active": False}).status_code == 200
    try:
        r = issue(auth, app, unit="aihua")
        assert r.status_code == 422 and "unit_id" in r.json["error"]["fields"]
    finally:
        assert patch({"active": True}).status_code == 200


def test_last_periods_list_is_a_start_for_the_next(app, auth, clock):
    clock.set(MON)
    issue(auth, app, items=[{"text": "清理", "indicator": "", "due": "2026-12-02"}])
    d = auth.get("supervisor", f"/api/v1/duty-lists/draft?unit_id={unit_id(app, 'yongsheng')}"
                               "&period=2026-W50").json
    assert d["copied_from"] == "2026-W49" and d["items"][0]["due"] == "2026-12-09"


def test_the_monthly_grade_counts_missed_submissions_adoptions_and_overdue_duty(app, auth, clock):
    clock.set(MON)
    issue(auth, app, period="2026-12", items=[{"text": "x", "due": "2026-12-02"}])
    clock.set("2026-12-10T10:00:00+08:00")
    sid = submit(auth, "hongsheng").json["id"]
    auth.post("supervisor", f"/api/v1/submissions/{sid}/review", json={"adopted": True, "level": "city"})
    clock.set("2026-12-20T10:00:00+08:00")  # the first half is over
    m = auth.get("supervisor", "/api/v1/reports/monthly?month=2026-12").json
    rows = {r["name"]: r for r in m["units"]}
    w = m["rule"]["weights"]
    assert rows["永胜社区"]["missed_submissions"] == 1 and rows["永胜社区"]["overdue_duty_items"] == 1
    assert rows["永胜社区"]["terms"]["overdue_duty_item"] == -w["overdue_duty_item"]
    assert rows["永胜社区"]["score"] == 100 - w["missed_submission"] - w["overdue_duty_item"]
    assert rows["红升社区"]["adopted_submissions"] == 1
    assert rows["红升社区"]["score"] == 100 + w["adopted_submission"]  # a bonus
    assert rows["小区环境创建专班"]["missed_submissions"] == 1
    y = auth.get("yongsheng", "/api/v1/reports/yearly?year=2026").json
    row = next(r for r in y["rows"] if r["name"] == "永胜社区")
    assert y["months"][-1] == "2026-12" and row["months"][-1]["score"] == rows["永胜社区"]["score"]
    assert auth.get("supervisor", "/api/v1/reports/yearly?year=2027").status_code == 422
    page = auth.get("leader", "/reports/yearly?year=2026")
    assert page.status_code == 200 and "年度创建绩效考核" in page.get_data(as_text=True)


def test_the_archive_holds_an_index_and_the_photos(app, auth, clock):
    import io
    import zipfile

    from openpyxl import load_workbook

    pid = upload(auth, "yongsheng")
    submit(auth, photo_ids=[pid])
    assert auth.get("yongsheng", "/api/v1/submissions/archive.zip").status_code == 403
    r = auth.get("supervisor", "/api/v1/submissions/archive.zip?half=2026-11-2")
    assert r.status_code == 200 and r.mimetype == "application/zip"
    z = zipfile.ZipFile(io.BytesIO(r.data))
    names = z.namelist()
    assert "信息报送索引-2026-11-2.xlsx" in names and any(n.startswith("图片/001-永胜社区") for n in names)
    ws = load_workbook(io.BytesIO(z.read("信息报送索引-2026-11-2.xlsx")))["信息报送索引"]
    assert ws["D2"].value == "垃圾分类入户宣传" and ws["F2"].value == "待审核"


def test_the_printed_monthly_grades_show_each_units_terms(app, auth, clock):
    clock.set(MON)
    issue(auth, app, period="2026-12", items=[{"text": "x", "due": "2026-12-01"}])
    clock.set("2026-12-03T10:00:00+08:00")
    page = auth.get("supervisor", "/reports/monthly?month=2026-12").get_data(as_text=True)
    assert "各单位得分明细" in page and "责任清单逾期 -2" in page


def test_a_units_colleagues_see_its_submission_photos_other_units_do_not(own_app, own_auth, clock):
    with own_app.app_context():
        from server.models import User
        colleague = User(username="yongsheng2", display_name="永胜社区 李敏", role="community",
                         community_id=db.session.scalar(sa.select(Unit.id).where(Unit.code == "yongsheng")))
        colleague.set_password("pw", method="pbkdf2:sha256:1000")
        db.session.add(colleague)
        db.session.commit()
    pid = upload(own_auth, "yongsheng")
    sid = submit(own_auth, photo_ids=[pid]).json["id"]
    assert own_auth.get("yongsheng2", f"/api/v1/submissions/{sid}").status_code == 200
    assert own_auth.get("yongsheng2", f"/api/v1/photos/{pid}").status_code == 200
    assert own_auth.get("hongsheng", f"/api/v1/photos/{pid}").status_code == 404
