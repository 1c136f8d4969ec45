"""A problem's severity (一般/严重): set by its checklist item, reclassified by a supervisor,
weighed in the monthly grade term by term (issue 13)."""
from tests.helpers.flow import act, ok, upload
from tests.helpers.records import demo_point, inspection, result

FIRE_LANE = "compound.fire_lanes"  # the catalogue marks fire lanes 严重
DEC = "2026-12-03T10:00:00+08:00"


def push(app, auth, item_code: str, at: str = DEC) -> str:
    """One failed item at a demo compound of 永胜社区; the finding id."""
    rec = inspection(demo_point(app, "compound", "yongsheng"),
                     [result(item_code, "fail", [upload(auth, "inspector")], note="堆放杂物堵塞通道")],
                     location_type="compound", started_at=at)
    r = auth.post("inspector", "/api/v1/sync/push", json={"device_id": "t", "records": [rec]})
    assert r.json["results"][0]["status"] == "created", r.json
    return rec["results"][0]["id"]


def test_the_item_sets_the_severity_and_a_supervisor_may_reclassify(app, auth, clock):
    clock.set(DEC)
    items = {i["code"]: i for i in auth.get("admin", "/api/v1/checklists/items?location_type=compound").json["items"]}
    assert items[FIRE_LANE]["severity"] == "serious" and items["compound.road_surface"]["severity"] == "general"
    fid = push(app, auth, FIRE_LANE)
    f = auth.get("supervisor", f"/api/v1/findings/{fid}").json
    assert (f["severity"], f["severity_label"]) == ("serious", "严重")
    f = ok(act(auth, "supervisor", fid, "set_severity", severity="general", note="通道已部分清出"))
    assert f["severity"] == "general" and f["history"][-1]["data"] == {"from": "serious", "to": "general"}
    r = act(auth, "supervisor", fid, "set_severity", severity="general")
    assert r.status_code == 422 and "severity" in r.json["error"]["fields"]
    r = act(auth, "supervisor", fid, "set_severity", severity="critical")
    assert r.status_code == 422 and "severity" in r.json["error"]["fields"]
    assert act(auth, "yongsheng", fid, "set_severity", severity="serious").status_code == 403


def test_an_admin_sets_an_items_severity(app, auth, clock):
    r = auth.client.patch("/api/v1/checklists/items/compound.road_surface", json={"severity": "严重"},
                          headers=auth.headers("admin"))
    assert r.status_code == 422 and "severity" in r.json["error"]["fields"]
    r = auth.client.patch("/api/v1/checklists/items/compound.road_surface", json={"severity": "serious"},
                          headers=auth.headers("admin"))
    assert r.status_code == 200 and r.json["severity"] == "serious"
    checklist = auth.get("inspector", "/api/v1/checklists").json["compound"]
    assert next(i for i in checklist if i["code"] == "compound.road_surface")["severity"] == "serious"
    auth.client.patch("/api/v1/checklists/items/compound.road_surface", json={"severity": "general"},
                      headers=auth.headers("admin"))


def test_the_monthly_grade_weighs_new_problems_by_severity(app, auth, clock):
    clock.set(DEC)
    push(app, auth, FIRE_LANE)
    push(app, auth, "compound.road_surface")
    weights = {"serious_problem": 4, "general_problem": 1}
    settings = auth.get("admin", "/api/v1/settings").json
    settings["scoring"] = {**(settings.get("scoring") or {}), **weights}
    assert auth.put("admin", "/api/v1/settings", json=settings).status_code == 200
    clock.set("2026-12-04T10:00:00+08:00")
    m = auth.get("supervisor", "/api/v1/reports/monthly?month=2026-12").json
    row = next(r for r in m["units"] if r["name"] == "永胜社区")
    assert row["new"] == 2 and row["new_serious"] == 1
    assert row["terms"]["serious_problem"] == -4 and row["terms"]["general_problem"] == -1
    assert row["score"] == round(100 + sum(row["terms"].values()), 2)
    assert "4×新增严重问题件数" in m["rule"]["formula"]


def test_a_reclassification_changes_the_running_month_but_never_a_finished_one(app, auth, clock):
    """November's grades and a November week's bulletin stay as they were when a November problem
    is reclassified in December; a problem of December reclassified in December counts as it is now."""
    nov = "2026-11-18T10:00:00+08:00"
    clock.set(nov)
    old = push(app, auth, FIRE_LANE, at=nov)
    clock.set(DEC)
    new = push(app, auth, "compound.fire_equipment")  # also 严重 (the same item would join the first)

    def rows():
        """永胜社区's row in November's grades, week 47's bulletin and December's grades."""
        urls = ("/api/v1/reports/monthly?month=2026-11", "/api/v1/reports/weekly?week=2026-W47",
                "/api/v1/reports/monthly?month=2026-12")
        return [next(r for r in auth.get("supervisor", u).json["units"] if r["name"] == "永胜社区") for u in urls]

    clock.set("2026-12-03T12:00:00+08:00")
    before = rows()
    assert before[0]["new_serious"] == before[2]["new_serious"] == 1 and before[1]["new"] == 1
    ok(act(auth, "supervisor", old, "set_severity", severity="general", note="核实为一般问题"))
    ok(act(auth, "supervisor", new, "set_severity", severity="general", note="核实为一般问题"))
    clock.set("2026-12-04T10:00:00+08:00")
    nov_month, week47, dec_month = rows()
    assert nov_month == before[0] and week47 == before[1]
    assert dec_month["new_serious"] == 0 and dec_month["score"] > before[2]["score"]
