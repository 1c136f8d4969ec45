"""Due dates over the API: holidays, adjusted workdays, beyond the calendar, admin edits."""
import pytest

from tests.helpers.flow import push_finding


@pytest.mark.parametrize("start, n, due, provisional", [
    ("2026-02-12", 2, "2026-02-14", False),   # Saturday 14 Feb is an adjusted working day
    ("2026-09-30", 1, "2026-10-08", False),   # across National Day
    ("2026-11-27", 2, "2026-12-01", False),   # an ordinary weekend
    ("2026-12-30", 3, "2027-01-05", True),    # runs into 2027: not yet published
    ("2027-09-30", 1, "2027-10-04", True),    # fixed statutory days still counted
    ("2026-11-27", 0, "2026-11-27", False),
])
def test_due_dates_follow_the_official_calendar(auth, start, n, due, provisional):
    r = auth.get("inspector", f"/api/v1/calendar/due?from={start}&working_days={n}")
    assert r.status_code == 200
    assert r.json == {"due": due, "provisional": provisional}


@pytest.mark.parametrize("query", ["from=2026-13-01&working_days=2", "from=2026-11-27",
                                   "from=2026-11-27&working_days=-1", "working_days=2",
                                   "from=2026-11-27&working_days=x"])
def test_bad_calendar_queries_are_400(auth, query):
    r = auth.get("inspector", f"/api/v1/calendar/due?{query}")
    assert r.status_code == 400 and r.json["error"]["fields"]


def test_notice_on_the_evening_of_a_local_day_counts_from_that_day(app, auth, clock):
    clock.set("2026-11-26T15:59:00Z")  # 23:59 on Thursday 26 in 明桦
    fid = push_finding(app, auth, started_at="2026-11-26T23:30:00+08:00")
    assert auth.get("supervisor", f"/api/v1/findings/{fid}").json["reply_due"] == "2026-11-30"
    clock.set("2026-11-26T16:01:00Z")  # 00:01 on Friday 27
    fid = push_finding(app, auth, started_at="2026-11-26T23:40:00+08:00")
    f = auth.get("supervisor", f"/api/v1/findings/{fid}").json
    assert f["reply_due"] == "2026-12-01" and "late_entry" in f["flags"]


def test_admin_edits_the_holiday_table_and_due_dates_follow(auth, clock):
    url = "/api/v1/calendar/due?from=2027-01-29&working_days=1"
    assert auth.get("admin", url).json == {"due": "2027-02-01", "provisional": True}
    r = auth.put("admin", "/api/v1/calendar/days/2027-02-01", json={"kind": "holiday", "name": "春节"})
    assert r.status_code == 200
    assert auth.put("admin", "/api/v1/calendar/days/2027-01-30", json={"kind": "workday",
                    "name": "春节调休上班"}).status_code == 200
    assert auth.get("admin", url).json == {"due": "2027-01-30", "provisional": True}
    assert auth.put("admin", "/api/v1/calendar/years/2027", json={"published": True}).status_code == 200
    assert auth.get("admin", url).json == {"due": "2027-01-30", "provisional": False}
    days = auth.get("admin", "/api/v1/calendar/days?year=2027").json
    assert days["published"] is True and [d["date"] for d in days["days"]] == ["2027-01-30", "2027-02-01"]
    # …and back, so the shared demo calendar is left as it was.
    for d in ("2027-02-01", "2027-01-30"):
        assert auth.put("admin", f"/api/v1/calendar/days/{d}", json={"kind": "normal"}).status_code == 200
    assert auth.put("admin", "/api/v1/calendar/years/2027", json={"published": False}).status_code == 200
    assert auth.get("admin", url).json == {"due": "2027-02-01", "provisional": True}


@pytest.mark.parametrize("day, body, status", [
    ("2027-02-30", {"kind": "holiday"}, 400),
    ("2027-02-01", {"kind": "party"}, 422),
    ("2027-02-01", {"kind": "holiday", "name": "x" * 65}, 422),
    ("2027-02-01", {"kind": "holiday", "colour": "red"}, 422),
])
def test_bad_calendar_edits_change_nothing(auth, day, body, status):
    assert auth.put("admin", f"/api/v1/calendar/days/{day}", json=body).status_code == status
    assert auth.get("admin", "/api/v1/calendar/days?year=2027").json["days"] == []


def test_a_finding_with_a_deadline_in_an_unpublished_year_is_flagged_provisional(app, auth, clock):
    clock.set("2026-12-30T10:00:00+08:00")
    fid = push_finding(app, auth, started_at="2026-12-30T09:00:00+08:00")
    f = auth.get("supervisor", f"/api/v1/findings/{fid}").json
    assert "provisional_deadline" in f["flags"] and f["rectify_due"] > "2027-01-01"
