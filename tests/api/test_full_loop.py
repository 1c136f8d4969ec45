"""The whole loop over HTTP, as a script would drive it."""
from tests.helpers.flow import sweep_at
from tests.helpers.images import make_jpeg
from tests.helpers.records import demo_point, inspection, item, new_id, result, verification


def test_record_assign_notice_reply_rectify_reinspect_close(app, client, clock):
    def login(name):
        r = client.post("/api/v1/auth/login", json={"username": name, "password": "pw"})
        assert r.status_code == 200
        return {"Authorization": f"Bearer {r.json['token']}"}

    inspector, community, supervisor = login("inspector"), login("aihua"), login("supervisor")
    # 1. The inspector records a failed item at a point in 爱华 with a photo.
    clock.set("2026-11-26T16:00:00+08:00")
    point = demo_point(app, "toilet", "aihua")
    before = new_id()
    rec = inspection(point, [result(item(app, "toilet", True), "fail", [before], note="地面有积水")],
                     started_at="2026-11-26T15:40:00+08:00")
    r = client.post("/api/v1/sync/push", headers=inspector, json={"device_id": "d1", "records": [rec]})
    assert r.json["results"][0]["status"] == "created"
    assert r.json["missing_photos"] == [before]
    r = client.put(f"/api/v1/photos/{before}", headers={**inspector, "Content-Type": "image/jpeg",
                   "X-Taken-At": "2026-11-26T15:41:00+08:00", "X-Lat": str(point.lat),
                   "X-Lon": str(point.lon), "X-Accuracy": "6"}, data=make_jpeg(1200, 900))
    assert r.status_code == 201
    fid = rec["results"][0]["id"]

    # 2. Assigned to 爱华 by its point; the notice is out, clocks run from the notice date.
    f = client.get(f"/api/v1/findings/{fid}", headers=community).json
    assert (f["status"], f["assignment"]["method"], f["community_name"]) == ("assigned", "point", "爱华社区")
    assert f["reply_due"] == "2026-11-30"  # Thu 26 → Fri 27, Mon 30
    notices = client.get(f"/api/v1/letters?finding_id={fid}&kind=notice", headers=community).json
    assert notices["total"] == 1
    page = client.get(notices["items"][0]["url"], headers=community)
    assert page.status_code == 200 and "问题整改通知函" in page.get_data(as_text=True)

    # 3. The community replies, then rectifies with an after-photo.
    clock.set("2026-11-27T09:00:00+08:00")
    r = client.post(f"/api/v1/findings/{fid}/actions", headers=community, json={
        "action": "reply", "measures": "安排保洁员每日两次清扫", "responsible": "赵敏",
        "phone": "13900000000", "planned_date": "2026-11-28"})
    assert r.status_code == 200 and r.json["status"] == "replied"
    replies = client.get(f"/api/v1/letters?finding_id={fid}&kind=reply", headers=supervisor).json
    assert replies["total"] == 1
    after = new_id()
    assert client.put(f"/api/v1/photos/{after}", headers={**community, "Content-Type": "image/jpeg"},
                      data=make_jpeg(1200, 900, color=(40, 160, 80))).status_code == 201
    r = client.post(f"/api/v1/findings/{fid}/actions", headers=community,
                    json={"action": "rectify", "note": "已清扫", "photo_ids": [after]})
    assert r.json["status"] == "rectified"

    # 4. The inspector re-inspects on site and syncs a passing verification.
    clock.set("2026-11-27T15:00:00+08:00")
    check = new_id()
    v = verification(fid, "pass", [check], at="2026-11-27T14:50:00+08:00", note="已整改到位")
    r = client.post("/api/v1/sync/push", headers=inspector, json={"device_id": "d1", "records": [v]})
    assert r.json["results"][0]["status"] == "created" and r.json["missing_photos"] == [check]
    f = client.get(f"/api/v1/findings/{fid}", headers=supervisor).json
    assert f["status"] == "closed" and f["closed_at"]
    assert [p["stage"] for p in f["photos"]] == ["before", "after", "verify"]
    assert [h["action"] for h in f["history"]] == ["create", "reply", "rectify", "verify"]


def test_overdue_rectification_gets_one_prompt_letter(app, client, runner, clock):
    r = client.post("/api/v1/auth/login", json={"username": "inspector", "password": "pw"})
    inspector = {"Authorization": f"Bearer {r.json['token']}"}
    r = client.post("/api/v1/auth/login", json={"username": "leader", "password": "pw"})
    leader = {"Authorization": f"Bearer {r.json['token']}"}
    point = demo_point(app, "street", "yangguang")
    rec = inspection(point, [result(item(app, "street"), "fail", [new_id()])],
                     started_at="2026-11-27T09:00:00+08:00")
    client.post("/api/v1/sync/push", headers=inspector, json={"device_id": "d", "records": [rec]})
    fid = rec["results"][0]["id"]
    f = client.get(f"/api/v1/findings/{fid}", headers=leader).json
    assert f["reply_due"] == "2026-12-01"

    out = runner.invoke(args=["deadlines", "sweep", "--at", "2026-12-01T23:00:00+08:00"])
    assert "已制发提示函 0 件" in out.output and "草稿" not in out.output  # not late until the day is over
    out = runner.invoke(args=["deadlines", "sweep", "--at", "2026-12-02T08:00:00+08:00"])
    # prompt_review is on by default: a draft for the task force, not a letter to the leaders yet
    assert "已制发提示函 0 件" in out.output and "提示函草稿 1 件待审核签发" in out.output, out.output
    assert client.get(f"/api/v1/letters?finding_id={fid}&kind=prompt", headers=leader).json["total"] == 0
    sweep_at(app, "2026-12-02T09:00:00+08:00")  # the supervisor issues the draft
    again = runner.invoke(args=["deadlines", "sweep", "--at", "2026-12-02T12:00:00+08:00"])
    assert "已制发提示函 0 件" in again.output and "草稿" not in again.output

    rectify_due = f["rectify_due"]
    assert sweep_at(app, "2026-12-31T09:00:00+08:00")  # the rectification clock, once
    prompts = client.get(f"/api/v1/letters?finding_id={fid}&kind=prompt", headers=leader).json
    assert prompts["total"] == 2
    letter = client.get(f"/api/v1/letters/{prompts['items'][0]['id']}", headers=leader).json
    assert [(p["clock"], p["due"]) for p in letter["problems"]] == [("rectify", rectify_due)]
    assert "分管市级领导" in letter["body"]["submitted_to"]
    html = client.get(f"/letters/{letter['id']}", headers=leader).get_data(as_text=True)
    assert "工作提示函" in html and "呈报" in html and "阳光社区" in html
    hist = client.get(f"/api/v1/findings/{fid}", headers=leader).json["history"]
    assert [h["action"] for h in hist].count("prompt") == 2
