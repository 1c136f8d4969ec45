"""Reports computed by hand: a fixture week (2026-W48, Mon 11-23 … Sun 11-29) of plain rows.

The calendar is weekends only (2026 marked known, no holidays), so:
  notice Thu 11-19 → reply due Mon 11-23, 3-day rectification Tue 11-24, 5-day Thu 11-26
  notice Mon 11-23 → reply due Wed 11-25, 3-day Thu 11-26, 5-day Mon 11-30
  notice Tue 11-24 → reply due Thu 11-26, 5-day Tue 12-01
  notice Wed 11-25 → reply due Fri 11-27, 3-day Mon 11-30

永胜 (1) — everything on time
  A1 notice 11-23 (3d): reply 11-24, rectify 11-25, verify 11-26 (before/after photos)
  A2 notice 11-23 (5d): rectify 11-24 (counts as the reply), verify 11-27
  A3 notice 11-24 (5d): reply 11-26, still 整改中
红升 (2) — late
  B1 notice 11-19 (3d): reply 11-24 (late: overdue reply from 11-24), rectify 11-26 (overdue
     rectification from 11-25), verify 11-27 (photos)
  B2 notice 11-23 (3d): reply 11-25 17:00 (on time), rectify 11-26, reject 11-27 → overdue
     rectification from the rejection (due 11-26 passed), still 整改中
  B3 notice 11-25 (3d): never replied → overdue reply from Sat 11-28
爱华 (3) — too few cases to be ranked
  C1 notice 11-23 (3d), returned 11-24 by 爱华, assigned to 阳光 11-25 (new clocks: reply
     11-27, rectify 11-30); 阳光 replies 11-26, rectifies 11-27, verified Sat 11-28
  C2 notice 11-24 (5d), voided 11-25
阳光 (4)
  D1 notice 11-19 (5d): reply 11-20, deadline moved 11-24 from 11-26 to 12-04, 整改中
  D2 notice 11-23 (3d): rectify 11-24, verify 11-25 (photos)
  D3 notice 11-19 (3d): returned 11-20, return denied Mon 11-23 09:00 (same clocks), reply
     11-24 (late), never rectified (overdue rectification from 11-25)
"""
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from server.services import reports as R
from server.services.calendar import WorkCalendar

TZ = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar({}, [2026])
COMMUNITIES = [(1, "永胜社区"), (2, "红升社区"), (3, "爱华社区"), (4, "阳光社区")]
WEEK = R.parse_week("2026-W48")
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=TZ)  # the week is over
RULE = R.scoring_rule()


def at(day: str, hour: int = 10) -> datetime:
    """A local time on a 2026 date given as MM-DD."""
    m, d = map(int, day.split("-"))
    return datetime(2026, m, d, hour, tzinfo=TZ)


def ev(day: str, action: str, status: str, hour: int = 10, actor=None, **data) -> R.EventRow:
    """One event leading to a status."""
    return R.EventRow(at(day, hour), action, status, data, actor)


def notice(day: str, hour: int = 10) -> R.EventRow:
    """The creation of a finding assigned at once."""
    return ev(day, "create", "assigned", hour)


def d(day: str) -> date:
    """A 2026 date given as MM-DD."""
    return at(day).date()


def row(fid, community, events, reply_due, rectify_due, limit=3, photos=False, point=None):
    """A finding row."""
    return R.FindingRow(id=fid, code=f"MH-2026-{fid}", community_id=community,
                        reply_due=d(reply_due), rectify_due=d(rectify_due), limit_days=limit,
                        events=events, point_id=community * 10,
                        point_name=point or f"点位{community}", item_code="street.x",
                        item_text="路面破损", location_type="street",
                        before_photo=f"b-{fid}" if photos else None,
                        after_photo=f"a-{fid}" if photos else None)


def fixture_week() -> list[R.FindingRow]:
    """The findings described in the module docstring."""
    return [
        row("A1", 1, [notice("11-23"), ev("11-24", "reply", "replied"),
                      ev("11-25", "rectify", "rectified"), ev("11-26", "verify", "closed")],
            "11-25", "11-26", photos=True),
        row("A2", 1, [notice("11-23"), ev("11-24", "rectify", "rectified"),
                      ev("11-27", "verify", "closed")], "11-25", "11-30", limit=5),
        row("A3", 1, [notice("11-24"), ev("11-26", "reply", "replied")], "11-26", "12-01", limit=5),
        row("B1", 2, [notice("11-19"), ev("11-24", "reply", "replied"),
                      ev("11-26", "rectify", "rectified"), ev("11-27", "verify", "closed")],
            "11-23", "11-24", photos=True),
        row("B2", 2, [notice("11-23"), ev("11-25", "reply", "replied", hour=17),
                      ev("11-26", "rectify", "rectified"), ev("11-27", "reject", "replied")],
            "11-25", "11-26"),
        row("B3", 2, [notice("11-25")], "11-27", "11-30"),
        row("C1", 4, [notice("11-23"), ev("11-24", "return", "returned", actor=3),
                      ev("11-25", "assign", "assigned", community_id=4),
                      ev("11-26", "reply", "replied", actor=4),
                      ev("11-27", "rectify", "rectified", actor=4),
                      ev("11-28", "verify", "closed")], "11-27", "11-30"),
        row("C2", 3, [notice("11-24"), ev("11-25", "void", "void")], "11-26", "12-01", limit=5),
        row("D1", 4, [notice("11-19"), ev("11-20", "reply", "replied"),
                      ev("11-24", "set_deadline", "replied", **{"from": "2026-11-26", "to": "2026-12-04"})],
            "11-23", "12-04", limit=5),
        row("D2", 4, [notice("11-23"), ev("11-24", "rectify", "rectified"),
                      ev("11-25", "verify", "closed")], "11-25", "11-26", photos=True),
        row("D3", 4, [notice("11-19"), ev("11-20", "return", "returned", actor=4),
                      ev("11-23", "deny_return", "assigned", hour=9),
                      ev("11-24", "reply", "replied")], "11-23", "11-24"),
    ]


def october() -> list[R.FindingRow]:
    """October: 红升 perfect, 阳光 three reworks, 永胜 three late replies (notices Mon 10-12)."""
    rows = []
    for k in range(3):
        rows.append(row(f"E{k}", 1, [notice("10-12"), ev("10-15", "reply", "replied"),
                                     ev("10-15", "rectify", "rectified", hour=15),
                                     ev("10-16", "verify", "closed")], "10-14", "10-15"))
        rows.append(row(f"F{k}", 2, [notice("10-12"), ev("10-13", "reply", "replied"),
                                     ev("10-14", "rectify", "rectified"),
                                     ev("10-15", "verify", "closed")], "10-14", "10-15"))
        rows.append(row(f"G{k}", 4, [notice("10-12"), ev("10-13", "reply", "replied"),
                                     ev("10-14", "rectify", "rectified"),
                                     ev("10-14", "reject", "replied", hour=15),
                                     ev("10-15", "rectify", "rectified"),
                                     ev("10-16", "verify", "closed")], "10-14", "10-15"))
    return rows


@pytest.fixture(scope="module")
def weekly():
    """The weekly bulletin of the fixture week."""
    return R.weekly_report(COMMUNITIES, fixture_week() + october(), CAL, WEEK, NOW, RULE)


def by_id(rows):
    """Rows keyed by community id."""
    return {r["community_id"]: r for r in rows}


def test_the_fixture_calendar_gives_the_due_dates_the_docstring_uses():
    assert CAL.add_working_days(d("11-19"), 2)[0] == d("11-23")
    assert CAL.add_working_days(d("11-19"), 3)[0] == d("11-24")
    assert CAL.add_working_days(d("11-23"), 3)[0] == d("11-26")
    assert CAL.add_working_days(d("11-23"), 5)[0] == d("11-30")
    assert CAL.add_working_days(d("11-25"), 2)[0] == d("11-27")


def test_every_weekly_number_per_community(weekly):
    rows = by_id(weekly["communities"])
    assert [r["community_id"] for r in weekly["communities"]] == [1, 2, 3, 4]
    assert all(set(r) == set(R.COMMUNITY_FIELDS) for r in weekly["communities"])
    assert rows[1] == {"community_id": 1, "name": "永胜社区", "new": 3, "closed": 2, "open": 1,
                       "overdue_replies": 0, "overdue_rectifications": 0,
                       "on_time_reply_rate": 1.0, "on_time_close_rate": 1.0, "rework": 0, "resightings": 0, "rank": 1}
    # 红升: replies due B1 11-23 (late), B2 11-25 (on time), B3 11-27 (lapsed) → 1/3;
    # should close B1 11-24 (closed late), B2 11-26 (lapsed after the rework) → 0/2.
    assert rows[2] == {"community_id": 2, "name": "红升社区", "new": 2, "closed": 1, "open": 2,
                       "overdue_replies": 2, "overdue_rectifications": 2,
                       "on_time_reply_rate": 0.3333, "on_time_close_rate": 0.0, "rework": 1, "resightings": 0,
                       "rank": 3}
    # 爱华: C1 was returned and reassigned before its reply was due, C2 voided: nothing due.
    assert rows[3] == {"community_id": 3, "name": "爱华社区", "new": 2, "closed": 0, "open": 0,
                       "overdue_replies": 0, "overdue_rectifications": 0,
                       "on_time_reply_rate": None, "on_time_close_rate": None, "rework": 0, "resightings": 0,
                       "rank": None}
    # 阳光: replies due C1 11-27, D1 11-23, D2 11-25 on time, D3 11-23 late → 3/4;
    # should close D2 11-26 (on time), D3 11-24 (lapsed) → 1/2; D1's moved deadline 12-04 is later.
    assert rows[4] == {"community_id": 4, "name": "阳光社区", "new": 2, "closed": 2, "open": 2,
                       "overdue_replies": 1, "overdue_rectifications": 1,
                       "on_time_reply_rate": 0.75, "on_time_close_rate": 0.5, "rework": 0, "resightings": 0,
                       "rank": 2}


def test_weekly_totals_period_and_rule(weekly):
    assert weekly["week"] == "2026-W48"
    assert weekly["period"] == {"from": "2026-11-23", "to": "2026-11-29"}
    assert weekly["complete"] is True and weekly["as_of"] == "2026-11-30T00:00:00+08:00"
    assert weekly["generated_at"] == "2026-12-02T12:00:00+08:00"
    assert weekly["totals"] == {"new": 9, "closed": 5, "open": 5, "overdue_replies": 3,
                                "overdue_rectifications": 3, "rework": 1, "resightings": 0,
                                "on_time_reply_rate": 0.7, "on_time_close_rate": 0.4,
                                "unassigned_open": 0}
    assert weekly["rule"]["weights"] == R.DEFAULT_SCORING
    assert weekly["rule"]["min_cases"] == 3 and "按时答复率" in weekly["rule"]["formula"]


def test_weekly_ranking_uses_the_monthly_score_over_the_week(weekly):
    # 红升: 100 − 2×2 − 3×2 − 2×1 − 10×(1−0.3333) − 10×(1−0) = 71.333
    # 阳光: 100 − 2×1 − 3×1 − 10×(1−0.75) − 10×(1−0.5) = 87.5
    assert [(r["name"], r["cases"], r["score"], r["rank"]) for r in weekly["ranking"]] == [
        ("永胜社区", 3, 100.0, 1), ("阳光社区", 4, 87.5, 2), ("红升社区", 3, 71.33, 3),
        ("爱华社区", 2, 100.0, None)]
    # 3 ranked: at most one is named, and only below the median (87.5): never the 2nd.
    assert [b["name"] for b in weekly["bottom_three"]] == ["红升社区"]


def test_the_overdue_list_names_clock_due_date_and_working_days(weekly):
    got = [(o["code"], o["community_name"], o["clock"], o["due"], o["overdue_on"],
            o["overdue_working_days"], o["resolved_on"], o["status"]) for o in weekly["overdue"]]
    assert got == [
        ("MH-2026-B1", "红升社区", "reply", "2026-11-23", "2026-11-24", 1, "2026-11-24", "closed"),
        ("MH-2026-B1", "红升社区", "rectify", "2026-11-24", "2026-11-25", 2, "2026-11-26", "closed"),
        ("MH-2026-B2", "红升社区", "rectify", "2026-11-26", "2026-11-27", 1, None, "replied"),
        ("MH-2026-B3", "红升社区", "reply", "2026-11-27", "2026-11-28", 0, None, "assigned"),
        ("MH-2026-D3", "阳光社区", "reply", "2026-11-23", "2026-11-24", 1, "2026-11-24", "replied"),
        ("MH-2026-D3", "阳光社区", "rectify", "2026-11-24", "2026-11-25", 3, None, "replied"),
    ]
    first = weekly["overdue"][0]
    assert first["point_name"] == "点位2" and first["item_text"] == "路面破损"
    assert first["clock_label"] == "答复" and first["resolution"] == "已答复"


def test_typical_pairs_last_period_and_problems(weekly):
    assert [(t["code"], t["community_id"], t["before_photo_id"], t["after_photo_id"])
            for t in weekly["typical_photos"]] == [
        ("MH-2026-A1", 1, "b-A1", "a-A1"), ("MH-2026-B1", 2, "b-B1", "a-B1"),
        ("MH-2026-D2", 4, "b-D2", "a-D2")]
    assert weekly["typical_photos"][0]["before_url"] == "/api/v1/photos/b-A1?variant=thumb"
    few = R.weekly_report(COMMUNITIES, fixture_week(), CAL, WEEK, NOW, RULE, typical_limit=2)
    assert [t["code"] for t in few["typical_photos"]] == ["MH-2026-A1", "MH-2026-B1"]
    last = weekly["last_period"]
    assert last["period"] == {"from": "2026-11-16", "to": "2026-11-22"}
    assert [(r["code"], r["community_name"]) for r in last["fixed"]] == [("MH-2026-B1", "红升社区")]
    assert [(r["code"], r["community_name"], r["status_label"]) for r in last["not_fixed"]] == [
        ("MH-2026-D1", "阳光社区", "整改中"), ("MH-2026-D3", "阳光社区", "整改中")]
    # By community → point (by name: C2's 点位3 before C1's 点位4) → item.
    problems = {c["community_id"]: [i["code"] for p in c["points"] for i in p["items"]]
                for c in weekly["problems"]}
    assert problems == {1: ["MH-2026-A1", "MH-2026-A2", "MH-2026-A3"],
                        2: ["MH-2026-B2", "MH-2026-B3"], 3: ["MH-2026-C2", "MH-2026-C1"],
                        4: ["MH-2026-C1", "MH-2026-D2"]}


def test_ties_share_a_rank_and_the_next_rank_skips():
    rule = R.scoring_rule(min_cases=2)  # 爱华 (2 cases, 100 points) now ties with 永胜
    rep = R.weekly_report(COMMUNITIES, fixture_week(), CAL, WEEK, NOW, rule)
    assert {r["community_id"]: r["rank"] for r in rep["communities"]} == {1: 1, 3: 1, 4: 3, 2: 4}
    assert [b["name"] for b in rep["bottom_three"]] == ["红升社区"]  # of 4 ranked, at most one
    assert R.competition_ranks({"a": 90, "b": 95, "c": 90, "d": 80, "e": 99}, "abcd") == {
        "a": 2, "b": 1, "c": 2, "d": 4, "e": None}


def test_the_minimum_number_of_cases_decides_who_is_ranked():
    rep = R.weekly_report(COMMUNITIES, fixture_week(), CAL, WEEK, NOW, R.scoring_rule(min_cases=4))
    assert {r["community_id"]: r["rank"] for r in rep["communities"]} == {1: None, 2: None, 3: None, 4: 1}
    assert rep["bottom_three"] == []  # the only ranked community is first


def test_the_bottom_list_names_only_units_below_the_median_and_never_more_than_a_third():
    def bottom(scores):
        """The bottom list of units with these scores (None: not ranked), as their ranks."""
        ranked = {i: s for i, s in enumerate(scores) if s is not None}
        ranks = R.competition_ranks(ranked, set(ranked))
        rows = [{"community_id": i, "score": s if s is not None else 0,
                 "rank": ranks.get(i)} for i, s in enumerate(scores)]
        return [r["rank"] for r in R.bottom_three(rows)]

    assert bottom([100, 90, 80, 70]) == [4]  # of 4, one at most: the 2nd never appears
    assert bottom([100, 99, 98, 50]) == [4]
    assert bottom([100, 90, 80, 80]) == []  # a tie at the cut would make two of four
    assert bottom([100, 95, 90, 85, 80, 60]) == [6, 5]  # of 6, two at most
    assert bottom([100, 95, 90, 85, 80, 60, 59, 58, 57]) == [9, 8, 7]
    assert bottom([100, 100, 100, 90, 90, 90]) == []  # nobody below the median
    assert bottom([100, 90, 90]) == []  # 90 is the median, not below it
    assert bottom([100, 90]) == [] and bottom([100]) == [] and bottom([]) == []
    assert bottom([100, 90, 80, 70, None, None]) == [4]  # the unranked count for nothing


def test_monthly_scores_grades_ranks_and_change():
    month = R.monthly_report(COMMUNITIES, fixture_week() + october(), CAL,
                             R.parse_month("2026-11"), NOW, RULE)
    rows = by_id(month["communities"])
    assert all(set(r) == set(R.MONTHLY_FIELDS) for r in month["communities"])
    assert month["period"] == {"from": "2026-11-01", "to": "2026-11-30"}
    assert month["previous_period"] == {"from": "2026-10-01", "to": "2026-10-31"}
    # November adds what happened before the week: B1, D1, D3 are new; A2 and C1 were due
    # 11-30 and closed on time; B3's rectification lapsed on 11-30 (its overdue event, 12-01,
    # falls in December).
    assert rows[1] == {"community_id": 1, "name": "永胜社区", "new": 3, "closed": 2, "open": 1,
                       "overdue_replies": 0, "overdue_rectifications": 0,
                       "on_time_reply_rate": 1.0, "on_time_close_rate": 1.0, "rework": 0, "resightings": 0,
                       "rank": 1, "score": 100.0, "grade": "优秀", "change": 2}
    assert rows[2] == {"community_id": 2, "name": "红升社区", "new": 3, "closed": 1, "open": 2,
                       "overdue_replies": 2, "overdue_rectifications": 2,
                       "on_time_reply_rate": 0.3333, "on_time_close_rate": 0.0, "rework": 1, "resightings": 0,
                       "rank": 3, "score": 71.33, "grade": "一般", "change": -2}
    assert rows[3] == {"community_id": 3, "name": "爱华社区", "new": 2, "closed": 0, "open": 0,
                       "overdue_replies": 0, "overdue_rectifications": 0,
                       "on_time_reply_rate": None, "on_time_close_rate": None, "rework": 0, "resightings": 0,
                       "rank": None, "score": 100.0, "grade": "优秀", "change": None}
    # 阳光: 100 − 2 − 3 − 10×0.25 − 10×(1 − 0.6667) = 89.17
    assert rows[4] == {"community_id": 4, "name": "阳光社区", "new": 4, "closed": 2, "open": 2,
                       "overdue_replies": 1, "overdue_rectifications": 1,
                       "on_time_reply_rate": 0.75, "on_time_close_rate": 0.6667, "rework": 0, "resightings": 0,
                       "rank": 2, "score": 89.17, "grade": "良好", "change": 0}
    # October: 红升 100 (1st), 阳光 100 − 3×2 = 94 (2nd), 永胜 100 − 3×2 − 10×(1−0) = 84 (3rd).
    assert {r["community_id"]: r["previous_rank"] for r in month["ranking"]} == {
        1: 3, 2: 1, 3: None, 4: 2}
    assert [b["name"] for b in month["bottom_three"]] == ["红升社区"]
    assert month["rule"]["grades"][0] == {"min_score": 90, "grade": "优秀"}
    october_only = R.monthly_report(COMMUNITIES, october(), CAL, R.parse_month("2026-10"),
                                    NOW, RULE)
    assert [(r["name"], r["score"], r["grade"]) for r in october_only["ranking"]] == [
        ("红升社区", 100.0, "优秀"), ("阳光社区", 94.0, "优秀"), ("永胜社区", 84.0, "良好"),
        ("爱华社区", 100.0, "优秀")]


def test_the_scoring_rule_is_configurable_and_explained():
    rule = R.scoring_rule({"overdue_reply": 5, "on_time_close_rate": 0},
                          [[95, "A"], [0, "C"], [70, "B"]], 1)
    assert rule["weights"]["overdue_reply"] == 5 and rule["weights"]["base"] == 100
    assert [g["grade"] for g in rule["grades"]] == ["A", "B", "C"]
    assert "5×逾期答复件数" in rule["formula"] and "95 分及以上为“A”" in rule["grading"]
    s = R.Stats(overdue_replies=2, replies_due=4, replies_on_time=2, should_close=1)
    assert R.score_of(s, rule) == 100 - 10 - 5  # close rate weighs nothing now
    assert R.grade_of(85, rule) == "B" and R.grade_of(-3, rule) == "C"
    assert R.score_of(R.Stats(overdue_rectifications=50), R.scoring_rule()) == 0  # the floor
    with pytest.raises(ValueError):
        R.scoring_rule({"bonus": 1})
    with pytest.raises(ValueError):
        R.scoring_rule({"rework": "2"})


def test_a_running_week_leaves_undecided_clocks_out():
    now = datetime(2026, 11, 25, 12, 0, tzinfo=TZ)  # Wednesday noon
    rep = R.weekly_report(COMMUNITIES, fixture_week(), CAL, WEEK, now, RULE)
    rows = by_id(rep["communities"])
    assert rep["complete"] is False and rep["as_of"] == "2026-11-25T12:00:00+08:00"
    # 永胜: A1 and A2 replied (due today), A3's reply is due tomorrow and not yet made.
    assert rows[1]["on_time_reply_rate"] == 1.0 and rows[1]["open"] == 3
    assert rows[1]["on_time_close_rate"] is None  # nothing was due to close yet
    # 红升: B1 replied late; B2's reply (17:00, due today) and B3's are still pending.
    assert rows[2]["on_time_reply_rate"] == 0.0 and rows[2]["overdue_replies"] == 1
    assert rows[2]["overdue_rectifications"] == 1  # B1's 11-24 deadline lapsed today


def test_rates_are_null_when_nothing_was_due():
    s = R.Stats()
    assert s.on_time_reply_rate is None and s.on_time_close_rate is None
    assert R.score_of(s, RULE) == 100


def test_periods_parse_and_refuse_nonsense():
    assert R.parse_week("2026-W53").as_dict() == {"from": "2026-12-28", "to": "2027-01-03"}
    assert R.parse_week("2027-W01").start == date(2027, 1, 4)
    assert R.week_of(date(2026, 11, 29)).label == "2026-W48"
    assert R.week_of(date(2027, 1, 1)).label == "2026-W53"
    assert R.previous_period(R.parse_week("2027-W01")).label == "2026-W53"
    assert R.previous_period(R.parse_month("2026-01")).label == "2025-12"
    assert R.parse_month("2026-02").end == date(2026, 2, 28)
    assert R.parse_day("2026-11-27") == date(2026, 11, 27)
    for bad in ("2025-W53", "2026-W00", "2026-48", "2026-w48", "", "1999-W10", "2026-W4"):
        with pytest.raises(ValueError):
            R.parse_week(bad)
    for bad in ("2026-13", "2026-1", "26-11", "2026-00", "2026/11"):
        with pytest.raises(ValueError):
            R.parse_month(bad)
    for bad in ("2026-02-30", "2026/11/27", "20261127", "2026-11-27T00:00"):
        with pytest.raises(ValueError):
            R.parse_day(bad)


def test_daily_coverage_by_hand():
    points = [R.PointRow(1, "建设街", "street", 1), R.PointRow(2, "新华胡同", "street", 1),
              R.PointRow(3, "公厕一", "toilet", 2), R.PointRow(4, "红升小区", "compound", 2),
              R.PointRow(5, "阳光公厕", "toilet", 4)]
    day = date(2026, 11, 27)
    last = {1: at("11-27", 9), 2: at("11-20", 15), 3: at("11-21"), 4: at("11-27", 8)}
    today = {1: 2, 4: 1}
    rep = R.coverage_report(points, COMMUNITIES, day, last, today, 7, NOW,
                            {"street": "背街小巷", "toilet": "公共厕所"}, unregistered=3)
    assert rep["summary"] == {"points": 5, "inspected": 2, "not_inspected": 3, "stale": 2,
                              "inspections": 3, "coverage_rate": 0.4, "unregistered_inspections": 3}
    assert [p["point_id"] for p in rep["inspected"]] == [1, 4]
    assert [(p["point_id"], p["days_since_last"]) for p in rep["not_inspected"]] == [
        (2, 7), (3, 6), (5, None)]
    assert [(p["point_id"], p["last_inspected"]) for p in rep["stale"]] == [(5, None), (2, "2026-11-20")]
    assert by_id(rep["by_community"])[1] == {"community_id": 1, "name": "永胜社区", "points": 2,
                                            "inspected": 1, "not_inspected": 1, "stale": 1,
                                            "inspections": 2, "coverage_rate": 0.5}
    assert by_id(rep["by_community"])[3]["coverage_rate"] is None  # no points
    types = {t["location_type"]: t for t in rep["by_location_type"]}
    assert types["toilet"]["label"] == "公共厕所" and types["toilet"]["stale"] == 1
    assert types["compound"]["label"] == "compound" and types["compound"]["inspected"] == 1
    assert R.coverage_report(points, COMMUNITIES, day, last, today, 6, NOW)["summary"]["stale"] == 3


def test_scoping_keeps_the_public_ranking_and_only_the_own_lists(weekly):
    mine = R.scope_to_community(weekly, 2)
    assert [r["community_id"] for r in mine["communities"]] == [2]
    assert len(mine["ranking"]) == 4 and mine["bottom_three"] == weekly["bottom_three"]
    for key in ("overdue", "typical_photos", "problems"):
        assert {r["community_id"] for r in mine[key]} == {2}
    assert {r["community_id"] for r in mine["last_period"]["fixed"] + mine["last_period"]["not_fixed"]} == {2}
    text = repr(mine)
    assert "MH-2026-D3" not in text and "MH-2026-A1" not in text and "b-A1" not in text


def test_each_overdue_event_counts_once_per_clock_and_due_date():
    # Returned before the reply was due, return denied after it: the reply lapses at the denial.
    f = row("H1", 1, [notice("11-23"), ev("11-24", "return", "returned", actor=1),
                      ev("11-26", "deny_return", "assigned"), ev("11-27", "reply", "replied")],
            "11-25", "11-26")
    fx = R.analyse(f, CAL, WEEK.ends)
    assert [(o.clock, o.due, o.at) for o in fx.overdue] == [
        ("reply", d("11-25"), at("11-26")), ("rectify", d("11-26"), at("11-27", 0))]
    # An extension approved after a lapse: the old deadline's event stays, the new one is met.
    g = row("H2", 1, [notice("11-23"), ev("11-24", "reply", "replied"),
                      ev("11-27", "approve_extension", "replied", **{"from": "2026-11-26", "to": "2026-12-03"}),
                      ev("12-01", "rectify", "rectified"), ev("12-02", "verify", "closed")],
            "11-25", "12-03")
    fx = R.analyse(g, CAL, NOW)
    assert [(o.clock, o.due, o.resolution) for o in fx.overdue] == [
        ("rectify", d("11-26"), "approve_extension")]
    assert fx.closures == [(1, d("12-03"), True)]
    assert fx.replies == [(1, d("11-25"), True)]


def test_a_finding_waiting_without_a_community_is_the_task_forces_backlog():
    f = R.FindingRow(id="U1", code="MH-2026-U1", community_id=None, reply_due=None,
                     rectify_due=None, limit_days=3, events=[ev("11-24", "create", "unassigned")])
    late = row("U2", 2, [ev("11-23", "create", "unassigned"),
                         ev("11-24", "assign", "assigned", community_id=2)], "11-26", "11-27")
    rep = R.weekly_report(COMMUNITIES, [f, late], CAL, WEEK, NOW, RULE)
    assert rep["totals"]["unassigned_open"] == 1
    assert by_id(rep["communities"])[2]["new"] == 1
    assert by_id(rep["communities"])[2]["overdue_replies"] == 1  # due 11-26, lapsed 11-27
    assert sum(r["open"] for r in rep["communities"]) == 1


def test_deadlines_are_local_dates():
    # 00:30 on 11-26 in Shanghai is still 11-25 in UTC: the reply due 11-25 is late all the same.
    late = R.EventRow(datetime(2026, 11, 26, 0, 30, tzinfo=TZ), "reply", "replied")
    fx = R.analyse(row("T1", 1, [notice("11-23"), late], "11-25", "11-30", limit=5), CAL, NOW)
    assert late.at.astimezone(ZoneInfo("UTC")).date() == d("11-25")
    assert fx.replies == [(1, d("11-25"), False)]
    assert fx.overdue[0].at == datetime(2026, 11, 26, 0, 0, tzinfo=TZ)


def test_a_problem_recorded_again_counts_once_and_as_resightings():
    """Seen again while open (resight) and while rectified (a reject marked as a re-sighting):
    one new problem, two re-sightings, one rework; a reject at the desk is no re-sighting."""
    again = row("R1", 1, [notice("11-23"), ev("11-24", "resight", "assigned", resighting=True),
                          ev("11-24", "reply", "replied", 11), ev("11-25", "rectify", "rectified"),
                          ev("11-26", "reject", "replied", resighting=True),
                          ev("11-27", "rectify", "rectified"), ev("11-27", "reject", "replied", 15)],
                "11-25", "11-26")
    rep = R.weekly_report(COMMUNITIES, [again], CAL, WEEK, NOW, RULE)
    yongsheng = next(r for r in rep["communities"] if r["community_id"] == 1)
    assert (yongsheng["new"], yongsheng["resightings"], yongsheng["rework"]) == (1, 2, 2)
    assert rep["totals"]["resightings"] == 2
    earlier = R.weekly_report(COMMUNITIES, [again], CAL, R.parse_week("2026-W47"), NOW, RULE)
    assert earlier["totals"]["resightings"] == 0
