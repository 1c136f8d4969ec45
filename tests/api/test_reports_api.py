"""The report endpoints and pages over a week driven through the real API with a moving clock.

Week 2026-W48 runs Mon 11-23 … Sun 11-29 (no holidays). Items: street.exposed_garbage has a
3-working-day limit, street.road_surface 5. Notices:
  Thu 11-19  H1 红升 (3d: reply due 11-23, rectify 11-24) · Y0 阳光 (5d: 11-23, 11-26)
  Mon 11-23  Y1 永胜 (3d: 11-25, 11-26) · Y2 永胜 (5d: 11-25, 11-30) · H2 红升 (3d: 11-25, 11-26)
             A1 爱华 (3d: 11-25, 11-26)
Then: Y0 replied 11-20 · H1 replied 11-24 (late) · Y1 replied 11-24, rectified 11-25, verified
11-25 · Y2 rectified 11-24, verified 11-27 · H2 replied 11-25, rectified 11-26, rejected 11-27
· H1 rectified 11-26 (late), verified 11-27 · A1 never answered. The sweep runs each day.
October: O1 永胜 (notice Mon 10-12, never answered, voided 10-30), O2 红升 (answered, fixed
and verified at once) — for last month's ranks.
"""
import re

import pytest
import sqlalchemy as sa

from server.scheduler import sweep_once
from server.extensions import db
from server.models import Letter
from tests.helpers.flow import REPLY, act, ok, upload
from tests.helpers.records import community_id, demo_point, inspection, result

THREE, FIVE = "street.exposed_garbage", "street.road_surface"
WEEKLY, MONTHLY, COVERAGE = "/api/v1/reports/weekly", "/api/v1/reports/monthly", "/api/v1/reports/coverage"


def _street_without_open(app, community: str, item_code: str):
    """The community's first street where the item has no open finding (a failure where it has
    one is a re-sighting of it, not a new problem)."""
    from server.models import Community, Finding, Point
    from server.services.resighting import JOINABLE

    with app.app_context():
        busy = sa.select(Finding.point_id).where(Finding.item_code == item_code,
                                                 Finding.status.in_(JOINABLE))
        p = db.session.scalar(sa.select(Point).join(Community).where(
            Point.location_type == "street", Community.code == community,
            Point.id.not_in(busy.where(Finding.point_id.is_not(None)))).order_by(Point.id))
        db.session.expunge(p)
        return p


def push(app, auth, clock, when: str, community: str, item_code: str) -> dict:
    """At a local time, push an inspection of a community's first street with one failure."""
    clock.set(f"2026-{when}:00+08:00")
    point = _street_without_open(app, community, item_code)
    started = f"2026-{when[:5]}T{int(when[6:8]) - 1:02d}:30:00+08:00"
    rec = inspection(point, [result(item_code, "fail", [upload(auth, "inspector")])], started_at=started)
    r = auth.post("inspector", "/api/v1/sync/push", json={"device_id": "t", "records": [rec]})
    assert r.json["results"][0]["status"] == "created", r.json
    fid = rec["results"][0]["id"]
    return auth.get("supervisor", f"/api/v1/findings/{fid}").json


def fix(auth, community: str, fid: str):
    """Report a finding rectified with a fresh after-photo."""
    return ok(act(auth, community, fid, "rectify", note="已整改", photo_ids=[upload(auth, community)]))


def day(app, auth, clock, when: str):
    """Move to a local time, with fresh tokens (they last 30 days)."""
    clock.set(f"2026-{when}:00+08:00")
    auth.tokens.clear()


@pytest.fixture
def week(app, auth, clock):
    """Drive the fixture week; return the findings by name and the prompt letters issued."""
    f = {}
    f["O1"] = push(app, auth, clock, "10-12T10:00", "yongsheng", FIVE)
    f["O2"] = push(app, auth, clock, "10-12T10:00", "hongsheng", FIVE)
    day(app, auth, clock, "10-13T10:00")
    ok(act(auth, "hongsheng", f["O2"]["id"], "reply", **REPLY))
    fix(auth, "hongsheng", f["O2"]["id"])
    ok(act(auth, "supervisor", f["O2"]["id"], "verify", note="已整改"))
    day(app, auth, clock, "10-30T10:00")
    ok(act(auth, "supervisor", f["O1"]["id"], "void", reason="重复录入"))

    day(app, auth, clock, "11-19T10:00")
    f["H1"] = push(app, auth, clock, "11-19T10:00", "hongsheng", THREE)
    f["Y0"] = push(app, auth, clock, "11-19T10:00", "yangguang", FIVE)
    day(app, auth, clock, "11-20T10:00")
    ok(act(auth, "yangguang", f["Y0"]["id"], "reply", **REPLY))
    day(app, auth, clock, "11-23T10:00")
    for name, community, item in (("Y1", "yongsheng", THREE), ("Y2", "yongsheng", FIVE),
                                  ("H2", "hongsheng", THREE), ("A1", "aihua", THREE)):
        f[name] = push(app, auth, clock, "11-23T10:00", community, item)
    sweeps = [sweep_once(app)]
    day(app, auth, clock, "11-24T10:00")
    sweeps.append(sweep_once(app))  # the server sweeps through the night: before anyone acts
    ok(act(auth, "hongsheng", f["H1"]["id"], "reply", **REPLY))
    ok(act(auth, "yongsheng", f["Y1"]["id"], "reply", **REPLY))
    fix(auth, "yongsheng", f["Y2"]["id"])
    day(app, auth, clock, "11-25T10:00")
    sweeps.append(sweep_once(app))
    fix(auth, "yongsheng", f["Y1"]["id"])
    ok(act(auth, "supervisor", f["Y1"]["id"], "verify", note="现场复核已整改"))
    ok(act(auth, "hongsheng", f["H2"]["id"], "reply", **REPLY))
    day(app, auth, clock, "11-26T10:00")
    sweeps.append(sweep_once(app))
    fix(auth, "hongsheng", f["H1"]["id"])
    fix(auth, "hongsheng", f["H2"]["id"])
    day(app, auth, clock, "11-27T10:00")
    sweeps.append(sweep_once(app))
    ok(act(auth, "supervisor", f["H1"]["id"], "verify", note="已整改"))
    ok(act(auth, "supervisor", f["H2"]["id"], "reject", note="未整改到位"))
    ok(act(auth, "supervisor", f["Y2"]["id"], "verify", note="已整改"))
    sweeps.append(sweep_once(app))  # the rework makes H2's passed deadline overdue at once
    day(app, auth, clock, "12-02T10:00")
    # The prompts each sweep starts or adds to (one per unit, the open draft taking the newly
    # overdue): H1 reply; H1 rectify; A1 reply; A1 and Y0 rectify; H2 rectify after the rejection.
    assert sweeps == [0, 1, 1, 1, 2, 1]
    return f


def rows(report) -> dict:
    """Community rows keyed by demo code."""
    return {CODES[r["name"]]: r for r in report["communities"]}


CODES = {"永胜社区": "yongsheng", "红升社区": "hongsheng", "爱华社区": "aihua", "阳光社区": "yangguang"}


def strip(row: dict) -> dict:
    """A row without its id and name."""
    return {k: v for k, v in row.items() if k not in ("community_id", "name")}


WEEK_NUMBERS = {
    "yongsheng": {"new": 2, "closed": 2, "open": 0, "overdue_replies": 0, "overdue_rectifications": 0,
                  "on_time_reply_rate": 1.0, "on_time_close_rate": 1.0, "rework": 0, "resightings": 0},
    "hongsheng": {"new": 1, "closed": 1, "open": 1, "overdue_replies": 1, "overdue_rectifications": 2,
                  "on_time_reply_rate": 0.5, "on_time_close_rate": 0.0, "rework": 1, "resightings": 0},
    "aihua": {"new": 1, "closed": 0, "open": 1, "overdue_replies": 1, "overdue_rectifications": 1,
              "on_time_reply_rate": 0.0, "on_time_close_rate": 0.0, "rework": 0, "resightings": 0},
    "yangguang": {"new": 0, "closed": 0, "open": 1, "overdue_replies": 0, "overdue_rectifications": 1,
                  "on_time_reply_rate": 1.0, "on_time_close_rate": 0.0, "rework": 0, "resightings": 0},
}


def test_the_weekly_bulletin_matches_the_hand_count(app, auth, week):
    report = ok(auth.get("supervisor", f"{WEEKLY}?week=2026-W48"))
    assert report["period"] == {"from": "2026-11-23", "to": "2026-11-29"} and report["complete"]
    got = rows(report)
    for code, numbers in WEEK_NUMBERS.items():
        assert strip(got[code]) == {**numbers, "rank": None}, code  # nobody has 3 cases
        assert set(got[code]) == {"community_id", "name", "new", "closed", "open", "overdue_replies",
                                  "overdue_rectifications", "on_time_reply_rate",
                                  "on_time_close_rate", "rework", "resightings", "rank"}
    assert {CODES[r["name"]]: r["cases"] for r in report["ranking"]} == {
        "yongsheng": 2, "hongsheng": 2, "aihua": 1, "yangguang": 1}
    assert report["bottom_three"] == []
    assert report["totals"] == {"new": 4, "closed": 3, "open": 3, "overdue_replies": 2,
                                "overdue_rectifications": 4, "rework": 1, "resightings": 0,
                                "on_time_reply_rate": 0.6667, "on_time_close_rate": 0.2,
                                "unassigned_open": 0}
    code = {k: v["code"] for k, v in week.items()}
    overdue = {(o["code"], o["clock"], o["due"], o["overdue_on"], o["overdue_working_days"],
                o["resolved_on"]) for o in report["overdue"]}
    assert overdue == {
        (code["H1"], "reply", "2026-11-23", "2026-11-24", 1, "2026-11-24"),
        (code["H1"], "rectify", "2026-11-24", "2026-11-25", 2, "2026-11-26"),
        (code["H2"], "rectify", "2026-11-26", "2026-11-27", 1, None),
        (code["A1"], "reply", "2026-11-25", "2026-11-26", 2, None),
        (code["A1"], "rectify", "2026-11-26", "2026-11-27", 1, None),
        (code["Y0"], "rectify", "2026-11-26", "2026-11-27", 1, None)}
    with app.app_context():  # the events the sweeps prompted, gathered in one draft per unit; the
        from server.models import PromptEvent  # drafts were never issued: what was resolved since left them

        events = {(e.finding_id, e.clock, e.due.isoformat()) for e in db.session.query(PromptEvent)}
        assert events == {(o["finding_id"], o["clock"], o["due"]) for o in report["overdue"] if not o["resolved_on"]}
        letters = db.session.query(Letter).filter_by(kind="prompt").all()
        assert sorted(x.community_id for x in letters) == sorted({o["community_id"] for o in report["overdue"]})
    assert {t["code"] for t in report["typical_photos"]} == {code["Y1"], code["Y2"], code["H1"]}
    assert all(t["before_photo_id"] and t["after_photo_id"] for t in report["typical_photos"])
    assert [r["code"] for r in report["last_period"]["fixed"]] == [code["H1"]]
    assert [(r["code"], r["community_name"]) for r in report["last_period"]["not_fixed"]] == [
        (code["Y0"], "阳光社区")]
    assert report["coverage"]["inspections"] == 4 and report["coverage"]["points_inspected"] == 3
    assert report["rule"]["min_cases"] == 3


def test_the_configured_minimum_of_cases_and_the_weekly_ranking(app, auth, week):
    app.config["REPORT_MIN_CASES"] = 2
    report = ok(auth.get("leader", f"{WEEKLY}?week=2026-W48"))
    # 红升: 100 − 2×1 − 3×2 − 2×1 − 10×(1 − 0.5) − 10×(1 − 0) = 75
    assert [(CODES[r["name"]], r["score"], r["rank"]) for r in report["ranking"]] == [
        ("yongsheng", 100.0, 1), ("hongsheng", 75.0, 2), ("yangguang", 87.0, None),
        ("aihua", 75.0, None)]
    assert report["bottom_three"] == []  # two ranked: a third of two is nobody


def test_the_monthly_grades_with_change_against_october(app, auth, week):
    app.config["REPORT_MIN_CASES"] = 1
    report = ok(auth.get("supervisor", f"{MONTHLY}?month=2026-11"))
    got = rows(report)
    expected = {
        "yongsheng": {"new": 2, "closed": 2, "open": 0, "overdue_replies": 0, "overdue_rectifications": 0,
                      "on_time_reply_rate": 1.0, "on_time_close_rate": 1.0, "rework": 0, "resightings": 0,
                      "score": 100.0, "grade": "优秀", "rank": 1, "change": 1},
        "hongsheng": {"new": 2, "closed": 1, "open": 1, "overdue_replies": 1, "overdue_rectifications": 2,
                      "on_time_reply_rate": 0.5, "on_time_close_rate": 0.0, "rework": 1, "resightings": 0,
                      "score": 75.0, "grade": "一般", "rank": 3, "change": -2},
        "aihua": {"new": 1, "closed": 0, "open": 1, "overdue_replies": 1, "overdue_rectifications": 1,
                  "on_time_reply_rate": 0.0, "on_time_close_rate": 0.0, "rework": 0, "resightings": 0,
                  "score": 75.0, "grade": "一般", "rank": 3, "change": None},
        "yangguang": {"new": 1, "closed": 0, "open": 1, "overdue_replies": 0, "overdue_rectifications": 1,
                      "on_time_reply_rate": 1.0, "on_time_close_rate": 0.0, "rework": 0, "resightings": 0,
                      "score": 87.0, "grade": "良好", "rank": 2, "change": None},
    }
    for code, numbers in expected.items():
        assert strip(got[code]) == numbers, code
    # October: 红升 100 (1st); 永胜 100 − 2 − 3 − 10 − 10 = 75 (2nd); the others had no cases.
    assert {CODES[r["name"]]: r["previous_rank"] for r in report["ranking"]} == {
        "yongsheng": 2, "hongsheng": 1, "aihua": None, "yangguang": None}
    # Issue 12: four ranked (永胜 1, 阳光 2, 红升 and 爱华 3): the 2nd never appears, and the tie
    # for last would name two of four (more than a third), so nobody is named.
    assert report["bottom_three"] == []
    assert report["rule"]["weights"]["overdue_rectification"] == 3
    assert "按期结案率" in report["rule"]["formula"]
    october = ok(auth.get("supervisor", f"{MONTHLY}?month=2026-10"))
    assert {CODES[r["name"]]: (r["score"], r["rank"]) for r in october["communities"]} == {
        "yongsheng": (75.0, 2), "hongsheng": (100.0, 1), "aihua": (100.0, None),
        "yangguang": (100.0, None)}


def test_the_scoring_rule_comes_from_the_configuration(app, auth, week):
    app.config.update(REPORT_MIN_CASES=1, REPORT_SCORING={"rework": 10},
                      REPORT_GRADES=[[99, "优秀"], [0, "待提升"]])
    report = ok(auth.get("supervisor", f"{MONTHLY}?month=2026-11"))
    assert rows(report)["hongsheng"]["score"] == 67.0  # the rework now costs 10
    assert rows(report)["yangguang"]["grade"] == "待提升"
    assert report["rule"]["weights"]["rework"] == 10
    assert report["rule"]["grades"] == [{"min_score": 99, "grade": "优秀"},
                                        {"min_score": 0, "grade": "待提升"}]


def test_a_community_sees_its_own_row_and_the_public_ranking_only(app, auth, week):
    theirs = [week[k]["code"] for k in ("H1", "H2", "A1", "Y0")]
    ours = [week[k]["code"] for k in ("Y1", "Y2")]
    report = ok(auth.get("yongsheng", f"{WEEKLY}?week=2026-W48"))
    assert [r["name"] for r in report["communities"]] == ["永胜社区"]
    assert len(report["ranking"]) == 4
    text = str(report)
    assert all(c not in text for c in theirs) and all(c in text for c in ours)
    photos = {p["id"] for k in ("H1", "H2", "A1", "Y0") for p in
              auth.get("supervisor", f"/api/v1/findings/{week[k]['id']}").json["photos"]}
    assert photos and not any(p in text for p in photos)
    assert report["overdue"] == [] and report["last_period"]["fixed"] == []
    monthly = ok(auth.get("yongsheng", f"{MONTHLY}?month=2026-11"))
    assert [r["name"] for r in monthly["communities"]] == ["永胜社区"] and len(monthly["ranking"]) == 4
    page = auth.get("yongsheng", "/reports/weekly?week=2026-W48")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert all(c not in html for c in theirs) and all(c in html for c in ours)
    assert not any(p in html for p in photos)
    hs = ok(auth.get("hongsheng", f"{WEEKLY}?week=2026-W48"))
    assert {o["code"] for o in hs["overdue"]} == {week["H1"]["code"], week["H2"]["code"]}


@pytest.mark.parametrize("url", [WEEKLY, MONTHLY, COVERAGE, "/reports/weekly",
                                 "/reports/monthly", "/reports/coverage"])
def test_who_may_read_which_report(client, auth, clock, url):
    signed_out = client.get(url)  # the JSON answers 401; a printable page sends to the sign-in
    assert signed_out.status_code == (302 if url.startswith("/reports/") else 401)
    for user in ("supervisor", "leader", "admin", "aihua", "inspector"):
        status = auth.get(user, url).status_code
        if user == "inspector" and "coverage" not in url:
            assert status == 403, url  # inspectors: the daily coverage only
        else:
            assert status == 200, (user, url)


def test_daily_coverage(app, auth, week):
    points = auth.get("supervisor", "/api/v1/points").json["features"]
    street = {c: demo_point(app, "street", c).id for c in CODES.values()}
    street["hongsheng_2"] = week["H2"]["point_id"]  # 红升's first street still had H1's item open
    report = ok(auth.get("supervisor", f"{COVERAGE}?date=2026-11-23&stale_days=3"))
    assert report["date"] == "2026-11-23" and report["stale_days"] == 3
    assert {p["point_id"]: p["inspections"] for p in report["inspected"]} == {
        street["yongsheng"]: 2, street["hongsheng_2"]: 1, street["aihua"]: 1}
    assert report["summary"]["points"] == len(points)
    assert report["summary"]["inspected"] == 3 and report["summary"]["inspections"] == 4
    assert report["summary"]["not_inspected"] == len(points) - 3
    yg = next(p for p in report["not_inspected"] if p["point_id"] == street["yangguang"])
    assert yg["last_inspected"] == "2026-11-19" and yg["days_since_last"] == 4
    never = len(points) - 5
    # The never-inspected, and the streets of 阳光 and 红升 last inspected on 11-19.
    assert report["summary"]["stale"] == never + 2
    default = ok(auth.get("supervisor", f"{COVERAGE}?date=2026-11-23"))
    assert default["stale_days"] == 7 and default["summary"]["stale"] == never
    assert sum(c["points"] for c in report["by_community"]) == len(points)
    street_row = next(t for t in report["by_location_type"] if t["location_type"] == "street")
    assert street_row["label"] == "背街小巷" and street_row["inspected"] == 3
    mine = ok(auth.get("yongsheng", f"{COVERAGE}?date=2026-11-23"))
    cid = community_id(app, "yongsheng")
    assert {p["community_id"] for p in mine["inspected"] + mine["not_inspected"]} == {cid}
    assert [c["community_id"] for c in mine["by_community"]] == [cid]
    today = ok(auth.get("inspector", COVERAGE))
    assert today["date"] == "2026-12-02" and today["summary"]["inspected"] == 0


@pytest.mark.parametrize("url, field", [
    (f"{WEEKLY}?week=2026-W60", "week"), (f"{WEEKLY}?week=2026-48", "week"),
    (f"{WEEKLY}?week=", "week"), (f"{WEEKLY}?week=2027-W10", "week"),
    (f"{MONTHLY}?month=2026-13", "month"), (f"{MONTHLY}?month=2026/11", "month"),
    (f"{MONTHLY}?month=2027-01", "month"),
    (f"{COVERAGE}?date=2026-02-30", "date"), (f"{COVERAGE}?date=27.11.2026", "date"),
    (f"{COVERAGE}?date=2026-12-25", "date"), (f"{COVERAGE}?stale_days=0", "stale_days"),
    (f"{COVERAGE}?stale_days=abc", "stale_days"),
    ("/reports/weekly?week=W48", "week"), ("/reports/monthly?month=11", "month"),
    ("/reports/coverage?date=yesterday", "date"),
])
def test_bad_periods_are_400_json(auth, clock, url, field):
    r = auth.get("supervisor", url)
    assert r.status_code == 400 and r.is_json
    assert r.json["error"]["code"] == "bad_query" and field in r.json["error"]["fields"]
    assert re.search(r"[\u4e00-\u9fff]", r.json["error"]["fields"][field])


def test_the_pages_print_in_chinese(app, auth, week):
    weekly = auth.get("supervisor", "/reports/weekly?week=2026-W48")
    assert weekly.status_code == 200 and weekly.mimetype == "text/html"
    html = weekly.get_data(as_text=True)
    for heading in ("创城督导周通报", "2026年第48周", "各社区问题整改情况", "本周排名", "倒数名单",
                    "上期问题整改情况", "已整改到位", "未整改到位", "逾期问题清单", "本周督导情况",
                    "典型问题整改前后对比", "整改前", "整改后", "评分规则", "红升社区", "@page"):
        assert heading in html, heading
    for t in ok(auth.get("supervisor", f"{WEEKLY}?week=2026-W48"))["typical_photos"]:
        assert f"/api/v1/photos/{t['before_photo_id']}?variant=thumb" in html
        assert f"/api/v1/photos/{t['after_photo_id']}?variant=thumb" in html
    assert week["A1"]["code"] in html and "逾期工作日" in html and "仍未答复" in html
    monthly = auth.get("leader", "/reports/monthly?month=2026-11").get_data(as_text=True)
    for heading in ("创城督导月问效等次评定", "2026年11月", "排名与等次", "等次", "名次变化", "倒数名单",
                    "评分规则", "按时答复率", "按期结案率"):
        assert heading in monthly, heading
    coverage = auth.get("supervisor", "/reports/coverage?date=2026-11-23").get_data(as_text=True)
    for heading in ("日督导覆盖情况", "2026年11月23日", "分社区", "分点位类型", "当日已督导点位",
                    "当日未督导点位", "连续7天及以上未督导点位", "背街小巷"):
        assert heading in coverage, heading


def test_pages_accept_the_session_cookie(app, auth, clock):
    browser = app.test_client()
    assert browser.get("/reports/weekly").status_code == 302  # to the sign-in
    browser.post("/api/v1/auth/login", json={"username": "leader", "password": "pw"})
    for url in ("/reports/weekly", "/reports/monthly", "/reports/coverage"):
        assert browser.get(url).status_code == 200, url
