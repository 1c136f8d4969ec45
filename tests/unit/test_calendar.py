"""Tests for the working-day calendar (server/services/calendar.py)."""
from datetime import date, datetime, timedelta, timezone

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.services.calendar import (
    LOCAL_TZ,
    WorkCalendar,
    fixed_statutory_holidays,
    local_date,
    seed_days,
    seed_years,
)

D = date


@pytest.fixture(scope="module")
def cal():
    """The calendar as the server builds it: seeded rows, 2004-2026 known."""
    return WorkCalendar(
        {d: kind for d, kind, _name in seed_days()}, known_years=range(2004, 2027)
    )


# --- local dates -------------------------------------------------------------------


def test_local_tz_is_shanghai():
    """The local zone is Asia/Shanghai."""
    assert str(LOCAL_TZ) == "Asia/Shanghai"


def test_local_midnight_boundary():
    """16:00 UTC is local midnight: the local date changes there."""
    assert local_date(datetime(2026, 2, 12, 16, 30, tzinfo=timezone.utc)) == D(2026, 2, 13)
    assert local_date(datetime(2026, 2, 12, 15, 59, 59, tzinfo=timezone.utc)) == D(2026, 2, 12)
    assert local_date(datetime(2026, 2, 12, 16, 0, 0, tzinfo=timezone.utc)) == D(2026, 2, 13)
    assert local_date(datetime.fromisoformat("2026-02-13T00:10:00+08:00")) == D(2026, 2, 13)
    assert local_date(datetime.fromisoformat("2026-02-12T12:00:00-05:00")) == D(2026, 2, 13)


def test_naive_datetime_raises():
    """A naive datetime is refused."""
    with pytest.raises(ValueError):
        local_date(datetime(2026, 2, 12, 10, 0))


# --- seeding ---------------------------------------------------------------------------


def test_seed_days_rows():
    """Seed rows carry Chinese names, adjusted workdays and holidays from chinese_calendar."""
    rows = seed_days()
    assert seed_years() == (2004, 2026)
    as_dict = {d: (kind, name) for d, kind, name in rows}
    assert len(as_dict) == len(rows)
    assert as_dict[D(2026, 2, 14)] == ("workday", "春节调休上班")
    assert as_dict[D(2026, 2, 16)] == ("holiday", "春节")
    assert as_dict[D(2026, 10, 1)] == ("holiday", "国庆节")
    assert as_dict[D(2026, 10, 10)] == ("workday", "国庆节调休上班")
    assert as_dict[D(2026, 6, 19)] == ("holiday", "端午节")
    assert as_dict[D(2015, 9, 3)][0] == "holiday"
    assert all(d.weekday() >= 5 for d, kind, _ in rows if kind == "workday")
    assert {kind for _, kind, _ in rows} == {"holiday", "workday"}
    assert all(name and not name.isascii() for _, _, name in rows)
    assert min(d for d, _, _ in rows).year == 2004
    assert max(d for d, _, _ in rows).year == 2026
    assert rows == sorted(rows)


def test_seed_days_clamps_unknown_years():
    """Asking for years chinese_calendar lacks does not raise; those years are skipped."""
    rows = seed_days(2025, 2030)
    assert rows
    assert {d.year for d, _, _ in rows} == {2025, 2026}


def test_fixed_statutory_holidays():
    """Only the fixed-date statutory days are known without the published calendar."""
    days = fixed_statutory_holidays(2027)
    assert days == {
        D(2027, 1, 1): "元旦",
        D(2027, 5, 1): "劳动节",
        D(2027, 5, 2): "劳动节",
        D(2027, 10, 1): "国庆节",
        D(2027, 10, 2): "国庆节",
        D(2027, 10, 3): "国庆节",
    }


def test_seeded_calendar_matches_chinese_calendar(cal):
    """For every known day the seeded calendar agrees with chinese_calendar."""
    d = D(2004, 1, 1)
    while d <= D(2026, 12, 31):
        assert cal.is_working_day(d) == chinese_calendar.is_workday(d), d
        assert not cal.is_provisional(d)
        d += timedelta(days=1)


def test_from_chinese_calendar_equals_manual_build(cal):
    """The convenience constructor builds the same calendar."""
    other = WorkCalendar.from_chinese_calendar()
    assert other.known_years == frozenset(range(2004, 2027))
    for n in (1, 2, 5, 20):
        assert other.add_working_days(D(2026, 2, 12), n) == cal.add_working_days(D(2026, 2, 12), n)


# --- deadlines -------------------------------------------------------------------------


def test_spring_festival_adjusted_saturday(cal):
    """DOMAIN example: notice Thu 2026-02-12, 2 working days -> Sat 2026-02-14."""
    assert cal.add_working_days(D(2026, 2, 12), 2) == (D(2026, 2, 14), False)
    assert cal.add_working_days(D(2026, 2, 12), 3) == (D(2026, 2, 24), False)
    assert cal.add_working_days(D(2026, 2, 12), 5) == (D(2026, 2, 26), False)


def test_across_national_day_2026(cal):
    """2026: Oct 1-7 off, Sun Sep 20 and Sat Oct 10 worked."""
    assert cal.add_working_days(D(2026, 9, 30), 1) == (D(2026, 10, 8), False)
    assert cal.add_working_days(D(2026, 9, 30), 2) == (D(2026, 10, 9), False)
    assert cal.add_working_days(D(2026, 9, 30), 3) == (D(2026, 10, 10), False)
    assert cal.add_working_days(D(2026, 9, 30), 4) == (D(2026, 10, 12), False)
    assert cal.add_working_days(D(2026, 9, 18), 1) == (D(2026, 9, 20), False)
    for day in range(1, 8):
        assert not cal.is_working_day(D(2026, 10, day))
    assert cal.is_working_day(D(2026, 10, 10))
    assert cal.is_working_day(D(2026, 9, 20))


def test_ordinary_week(cal):
    """In an ordinary week only weekends are skipped."""
    assert cal.add_working_days(D(2026, 3, 9), 3) == (D(2026, 3, 12), False)
    assert cal.add_working_days(D(2026, 3, 13), 1) == (D(2026, 3, 16), False)
    assert cal.add_working_days(D(2026, 3, 14), 1) == (D(2026, 3, 16), False)
    assert cal.add_working_days(D(2026, 3, 13), 5) == (D(2026, 3, 20), False)


def test_zero_and_negative(cal):
    """n=0 returns the start date unflagged; a negative n is an error."""
    assert cal.add_working_days(D(2026, 2, 15), 0) == (D(2026, 2, 15), False)
    assert cal.add_working_days(D(2027, 6, 1), 0) == (D(2027, 6, 1), False)
    with pytest.raises(ValueError):
        cal.add_working_days(D(2026, 2, 12), -1)


def test_unknown_year_is_provisional_but_computed(cal):
    """2027 has no published arrangement: weekends plus fixed holidays, flagged provisional."""
    assert cal.add_working_days(D(2026, 12, 29), 2) == (D(2026, 12, 31), False)
    # Dec 31 (1), Jan 1 2027 元旦, weekend, Jan 4 (2), Jan 5 (3).
    assert cal.add_working_days(D(2026, 12, 30), 3) == (D(2027, 1, 5), True)
    assert cal.is_provisional(D(2027, 1, 5))
    assert not cal.is_provisional(D(2026, 12, 31))
    for day in (1, 2, 3):
        assert not cal.is_working_day(D(2027, 10, day))
        assert not cal.is_working_day(D(2028, 10, day))
    assert not cal.is_working_day(D(2027, 5, 1)) and not cal.is_working_day(D(2028, 5, 2))
    assert cal.is_working_day(D(2027, 9, 30))
    assert cal.is_working_day(D(2027, 10, 4))
    assert cal.add_working_days(D(2027, 9, 30), 1) == (D(2027, 10, 4), True)
    assert cal.add_working_days(D(2028, 9, 29), 1) == (D(2028, 10, 4), True)
    # Far beyond the known calendar still works.
    due, provisional = cal.add_working_days(D(2100, 1, 1), 10)
    assert provisional and cal.is_working_day(due)


def test_overrides_apply_in_unknown_years():
    """Rows an admin enters for an unpublished year are honoured; the year stays provisional."""
    cal = WorkCalendar(
        {D(2027, 2, 8): "holiday", D(2027, 2, 6): "workday", D(2027, 1, 1): "normal"},
        known_years=[2026],
    )
    assert not cal.is_working_day(D(2027, 2, 8))
    assert cal.is_working_day(D(2027, 2, 6))
    assert not cal.is_working_day(D(2027, 1, 1))  # "normal" does not lift the fallback
    assert cal.add_working_days(D(2027, 2, 5), 1) == (D(2027, 2, 6), True)
    assert cal.add_working_days(D(2027, 2, 6), 1) == (D(2027, 2, 9), True)


def test_known_year_without_rows_is_weekends_only():
    """A known year uses only the table: no fixed-holiday fallback there."""
    cal = WorkCalendar({}, known_years=[2027])
    assert cal.is_working_day(D(2027, 10, 1))
    assert not cal.is_provisional(D(2027, 10, 1))
    assert cal.add_working_days(D(2027, 9, 30), 1) == (D(2027, 10, 1), False)


def test_bad_rows_rejected():
    """Unknown kinds and non-date keys are refused at construction."""
    with pytest.raises(ValueError):
        WorkCalendar({D(2026, 1, 1): "vacation"}, known_years=[2026])
    with pytest.raises(TypeError):
        WorkCalendar({datetime(2026, 1, 1, tzinfo=LOCAL_TZ): "holiday"}, known_years=[2026])


def test_working_days_between(cal):
    """Overdue working days count the days after the due date up to today."""
    assert cal.working_days_between(D(2026, 2, 12), D(2026, 2, 14)) == 2
    assert cal.working_days_between(D(2026, 2, 14), D(2026, 2, 12)) == 0
    assert cal.working_days_between(D(2026, 2, 14), D(2026, 2, 14)) == 0
    assert cal.working_days_between(D(2026, 2, 14), D(2026, 2, 23)) == 0
    assert cal.working_days_between(D(2026, 2, 14), D(2026, 2, 24)) == 1
    assert cal.working_days_between(D(2026, 2, 13), D(2026, 2, 24)) == 2
    assert cal.working_days_between(D(2026, 9, 30), D(2026, 10, 10)) == 3
    assert cal.working_days_between(D(2026, 3, 13), D(2026, 3, 20)) == 5
    assert cal.working_days_between(D(2026, 12, 30), D(2027, 1, 5)) == 3
    assert cal.working_days_between(D(2025, 12, 31), D(2026, 12, 31)) == sum(
        chinese_calendar.is_workday(D(2026, 1, 1) + timedelta(days=i)) for i in range(365)
    )


@settings(max_examples=400, deadline=None, database=None)
@given(
    start=st.dates(min_value=D(2020, 1, 1), max_value=D(2030, 12, 31)),
    n=st.integers(min_value=0, max_value=30),
)
def test_add_and_between_agree(cal, start, n):
    """add_working_days and working_days_between are inverse; the due day is a working day."""
    result, provisional = cal.add_working_days(start, n)
    assert cal.working_days_between(start, result) == n
    if n == 0:
        assert result == start and provisional is False
    else:
        assert result > start
        assert cal.is_working_day(result)
        # The n-th working day, not a later one.
        assert cal.working_days_between(start, result - timedelta(days=1)) == n - 1
        examined_years = range((start + timedelta(days=1)).year, result.year + 1)
        assert provisional == any(y >= 2027 for y in examined_years)
