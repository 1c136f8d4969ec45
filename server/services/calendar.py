"""Working-day calendar for deadlines (pure: no Flask, no database).

Rules (see DOMAIN.md "Working days and deadlines"):

* Dates are local dates in Asia/Shanghai.
* A deadline of n working days counts from the day *after* the notice's local date and
  ends at the end of the n-th working day.
* Within a *known* year (one whose official arrangement is loaded) a day is a working day
  if it is a weekday, unless the table marks it ``holiday``, or if the table marks it
  ``workday`` (调休上班).
* A year that is not known falls back to weekends plus the fixed-date statutory holidays
  (元旦, 劳动节, 国庆节); any result that looked at such a year is *provisional*. Table rows
  still apply in unknown years, so an admin's partial entries are honoured.

Deadlines beyond the known calendar never raise.
"""
from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")

HOLIDAY = "holiday"
WORKDAY = "workday"
NORMAL = "normal"
DAY_KINDS = (HOLIDAY, WORKDAY, NORMAL)

# chinese_calendar's Holiday enum member name -> the name used on screen and in letters.
HOLIDAY_NAMES = {
    "new_years_day": "元旦",
    "spring_festival": "春节",
    "tomb_sweeping_day": "清明节",
    "labour_day": "劳动节",
    "dragon_boat_festival": "端午节",
    "national_day": "国庆节",
    "mid_autumn_festival": "中秋节",
    "anti_fascist_70th_day": "抗战胜利70周年纪念日",
}

# Fixed-date statutory days (《全国年节及纪念日放假办法》); lunar holidays need the
# published arrangement and are not guessed.
_FIXED_STATUTORY = (
    (1, 1, "元旦"),
    (5, 1, "劳动节"),
    (5, 2, "劳动节"),
    (10, 1, "国庆节"),
    (10, 2, "国庆节"),
    (10, 3, "国庆节"),
)


def local_date(dt: datetime) -> date:
    """Return the Asia/Shanghai calendar date of an aware datetime (ValueError if naive)."""
    if not isinstance(dt, datetime):
        raise TypeError(f"expected datetime, got {type(dt).__name__}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("naive datetime: a time zone offset is required")
    return dt.astimezone(LOCAL_TZ).date()


def fixed_statutory_holidays(year: int) -> dict[date, str]:
    """Return the fixed-date statutory holidays of a year (元旦, 劳动节, 国庆节)."""
    return {date(year, m, d): name for m, d, name in _FIXED_STATUTORY}


def seed_years() -> tuple[int, int]:
    """Return the first and last year the installed chinese_calendar has data for."""
    from chinese_calendar.constants import holidays

    years = [d.year for d in holidays]
    return min(years), max(years)


def _holiday_name(value: str) -> str:
    """Translate a chinese_calendar holiday value (English name) into Chinese."""
    from chinese_calendar.constants import Holiday

    try:
        member = Holiday(value)
    except ValueError:
        return str(value)
    return HOLIDAY_NAMES.get(member.name, member.chinese)


def seed_days(first_year: int = 2004, last_year: int = 2026) -> list[tuple[date, str, str]]:
    """Return (date, kind, name) rows for the official arrangement from chinese_calendar.

    Every official holiday is included, also those on a Saturday or Sunday (harmless for
    counting, and the admin's year view then shows each break in full, named); every
    weekend day that is an adjusted working day becomes ``workday`` named "<节日>调休上班".
    Years outside the installed chinese_calendar's range are skipped, never raised for.
    Rows are sorted by date.
    """
    from chinese_calendar.constants import holidays, workdays

    lo, hi = seed_years()
    first, last = max(first_year, lo), min(last_year, hi)
    rows: list[tuple[date, str, str]] = []
    for d, value in workdays.items():
        if first <= d.year <= last:
            rows.append((d, WORKDAY, f"{_holiday_name(value)}调休上班"))
    for d, value in holidays.items():
        if first <= d.year <= last and d not in workdays:
            rows.append((d, HOLIDAY, _holiday_name(value)))
    rows.sort()
    return rows


class WorkCalendar:
    """Answers working-day questions from an override table and a set of known years."""

    def __init__(self, days: Mapping[date, str], known_years: Iterable[int]):
        """Build from date -> "holiday" | "workday" overrides ("normal" rows are ignored)."""
        self._days: dict[date, bool] = {}
        for d, kind in days.items():
            if isinstance(d, datetime) or not isinstance(d, date):
                raise TypeError(f"calendar keys must be dates, got {d!r}")
            if kind not in DAY_KINDS:
                raise ValueError(f"unknown day kind {kind!r} for {d}")
            if kind != NORMAL:
                self._days[d] = kind == WORKDAY
        self._known = frozenset(int(y) for y in known_years)
        # year -> prefix counts: prefix[i] = working days among the year's first i days.
        self._prefix: dict[int, list[int]] = {}

    @classmethod
    def from_rows(cls, rows: Iterable[tuple], known_years: Iterable[int]) -> "WorkCalendar":
        """Build from (date, kind, ...) rows such as those returned by seed_days()."""
        return cls({row[0]: row[1] for row in rows}, known_years)

    @classmethod
    def from_chinese_calendar(cls) -> "WorkCalendar":
        """Build from the installed chinese_calendar, every year it covers marked known."""
        lo, hi = seed_years()
        return cls.from_rows(seed_days(lo, hi), range(lo, hi + 1))

    @property
    def known_years(self) -> frozenset[int]:
        """Return the years whose official arrangement is loaded."""
        return self._known

    def is_provisional(self, d: date) -> bool:
        """Return True if d lies in a year without a loaded official arrangement."""
        return d.year not in self._known

    def _compute_working_day(self, d: date) -> bool:
        """Decide whether d is a working day without using the cache."""
        override = self._days.get(d)
        if override is not None:
            return override
        if d.weekday() >= 5:
            return False
        if d.year not in self._known and d in fixed_statutory_holidays(d.year):
            return False
        return True

    def _year_prefix(self, year: int) -> list[int]:
        """Return (memoized) cumulative working-day counts for one year."""
        prefix = self._prefix.get(year)
        if prefix is None:
            d = date(year, 1, 1)
            counts = [0]
            while d.year == year:
                counts.append(counts[-1] + self._compute_working_day(d))
                d += timedelta(days=1)
            self._prefix[year] = prefix = counts
        return prefix

    def is_working_day(self, d: date) -> bool:
        """Return True if d is a working day."""
        prefix = self._year_prefix(d.year)
        i = d.timetuple().tm_yday
        return prefix[i] > prefix[i - 1]

    def _count_through(self, d: date) -> int:
        """Return working days from 1 January of d's year up to and including d."""
        return self._year_prefix(d.year)[d.timetuple().tm_yday]

    def add_working_days(self, start: date, n: int) -> tuple[date, bool]:
        """Return (the end of the n-th working day after start, provisional flag).

        Counting starts the day after ``start``; n == 0 returns ``start`` with the flag
        False (no day was examined). The flag is True if any examined day, i.e. any day
        in (start, result], lies in a year that is not known.
        """
        if isinstance(start, datetime):
            raise TypeError("start must be a local date, not a datetime")
        if n < 0:
            raise ValueError("n must not be negative")
        if n == 0:
            return start, False
        year = start.year
        base = self._count_through(start)
        remaining = n
        while True:
            prefix = self._year_prefix(year)
            available = prefix[-1] - base
            if remaining <= available:
                index = bisect_left(prefix, base + remaining)
                result = date(year, 1, 1) + timedelta(days=index - 1)
                break
            remaining -= available
            year += 1
            base = 0
            if year > date.max.year:
                raise ValueError("deadline lies beyond the supported date range")
        first_examined = start + timedelta(days=1)
        provisional = any(
            y not in self._known for y in range(first_examined.year, result.year + 1)
        )
        return result, provisional

    def working_days_between(self, after: date, until: date) -> int:
        """Return the number of working days d with after < d <= until (0 if until <= after)."""
        if until <= after:
            return 0
        total = self._count_through(until) - self._count_through(after)
        for year in range(after.year, until.year):
            total += self._year_prefix(year)[-1]
        return total
