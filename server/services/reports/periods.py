"""Report periods: ISO weeks, months, half-months (信息报送) and years, as inclusive ranges of
Asia/Shanghai local dates, with the parsers the query strings use and the instants they map to."""
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import cached_property, lru_cache

from ..calendar import LOCAL_TZ


@dataclass(frozen=True)
class Period:
    """An inclusive range of local dates with its label (2026-W48, 2026-11 or a day)."""

    start: date
    end: date
    label: str

    @cached_property
    def begins(self) -> datetime:
        """The instant the period starts (local midnight)."""
        return local_midnight(self.start)

    @cached_property
    def ends(self) -> datetime:
        """The instant after the period (local midnight after its last day)."""
        return local_midnight(self.end + timedelta(days=1))

    def contains(self, d: date | None) -> bool:
        """Tell whether a local date lies in the period."""
        return d is not None and self.start <= d <= self.end

    def holds(self, at: datetime) -> bool:
        """Tell whether an instant falls on a local date of the period."""
        return self.begins <= at < self.ends

    def as_dict(self) -> dict:
        """{"from", "to"} as ISO dates."""
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
YEARS = (2000, 2099)


def _year_ok(year: int) -> None:
    """Refuse years the calendar has no business with."""
    if not YEARS[0] <= year <= YEARS[1]:
        raise ValueError(f"年份须在 {YEARS[0]}–{YEARS[1]} 之间")


def week_period(monday: date) -> Period:
    """The ISO week starting on a Monday."""
    y, w, _ = monday.isocalendar()
    return Period(monday, monday + timedelta(days=6), f"{y}-W{w:02d}")


def week_of(d: date) -> Period:
    """The ISO week (Monday–Sunday) containing a date."""
    return week_period(d - timedelta(days=d.weekday()))


def parse_week(text: str) -> Period:
    """Parse an ISO week such as 2026-W48; ValueError with a Chinese message otherwise."""
    m = _WEEK.match(text or "")
    if not m:
        raise ValueError("周的格式应为 YYYY-Www，例如 2026-W48")
    year, week = int(m.group(1)), int(m.group(2))
    _year_ok(year)
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValueError(f"{year} 年没有第 {week} 周") from None
    return week_period(monday)


def month_period(year: int, month: int) -> Period:
    """A calendar month."""
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return Period(first, nxt - timedelta(days=1), f"{year}-{month:02d}")


def month_of(d: date) -> Period:
    """The calendar month containing a date."""
    return month_period(d.year, d.month)


def parse_month(text: str) -> Period:
    """Parse a month such as 2026-11; ValueError with a Chinese message otherwise."""
    m = _MONTH.match(text or "")
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError("月份的格式应为 YYYY-MM，例如 2026-11")
    _year_ok(int(m.group(1)))
    return month_period(int(m.group(1)), int(m.group(2)))


def parse_day(text: str) -> date:
    """Parse a local date YYYY-MM-DD; ValueError with a Chinese message otherwise."""
    m = _DAY.match(text or "")
    if not m:
        raise ValueError("日期的格式应为 YYYY-MM-DD，例如 2026-11-27")
    try:
        d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise ValueError("日期不存在") from None
    _year_ok(d.year)
    return d


def previous_period(p: Period) -> Period:
    """The week or month before a period."""
    if "-W" in p.label:
        return week_period(p.start - timedelta(days=7))
    return month_of(p.start - timedelta(days=1))


@lru_cache(maxsize=4096)
def local_midnight(d: date) -> datetime:
    """The instant a local day starts, in UTC (instants in one zone compare fastest)."""
    return datetime.combine(d, time.min, LOCAL_TZ).astimezone(timezone.utc)


def local_day(dt: datetime) -> date:
    """The local date of an aware instant."""
    return dt.astimezone(LOCAL_TZ).date()


def local_iso(dt: datetime | None) -> str | None:
    """An instant as local ISO 8601 with its offset."""
    return None if dt is None else dt.astimezone(LOCAL_TZ).isoformat(timespec="seconds")


def cutoff_of(period: Period, now: datetime) -> datetime:
    """The instant a report looks up to: the end of the period, or now if earlier."""
    return min(now.astimezone(timezone.utc), period.ends)


def cutoff_day(cutoff: datetime) -> date:
    """The last local day a cut-off covers."""
    return local_day(cutoff - timedelta(microseconds=1))


@lru_cache(maxsize=4096)
def day_end(d: date) -> datetime:
    """The instant a local day ends (the next day's midnight)."""
    return local_midnight(d + timedelta(days=1))


# --------------------------------------------------------------------------- half-months and years

_HALF = re.compile(r"^(\d{4})-(\d{2})-([12])$")
_YEAR = re.compile(r"^(\d{4})$")


def half_period(year: int, month: int, half: int) -> Period:
    """A half-month (信息报送): the 1st–15th (``YYYY-MM-1``) or the 16th–end (``YYYY-MM-2``)."""
    m = month_period(year, month)
    if half == 1:
        return Period(m.start, m.start.replace(day=15), f"{m.label}-1")
    return Period(m.start.replace(day=16), m.end, f"{m.label}-2")


def half_of(d: date) -> Period:
    """The half-month containing a date."""
    return half_period(d.year, d.month, 1 if d.day <= 15 else 2)


def halves_of(month: Period) -> tuple[Period, Period]:
    """The two half-months of a month."""
    return half_period(month.start.year, month.start.month, 1), \
        half_period(month.start.year, month.start.month, 2)


def parse_half(text: str) -> Period:
    """Parse a half-month such as 2026-12-1; ValueError with a Chinese message otherwise."""
    m = _HALF.match(text or "")
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError("半月的格式应为 YYYY-MM-1（1–15 日）或 YYYY-MM-2（16 日至月末），例如 2026-12-1")
    _year_ok(int(m.group(1)))
    return half_period(int(m.group(1)), int(m.group(2)), int(m.group(3)))


def parse_year(text: str) -> Period:
    """Parse a year such as 2026 (the whole calendar year)."""
    m = _YEAR.match(text or "")
    if not m:
        raise ValueError("年份的格式应为 YYYY，例如 2026")
    year = int(m.group(1))
    _year_ok(year)
    return Period(date(year, 1, 1), date(year, 12, 31), str(year))


def parse_week_or_month(text: str) -> Period:
    """A duty list's period: an ISO week (2026-W49) or a month (2026-12)."""
    if "-W" in (text or ""):
        return parse_week(text)
    if _MONTH.match(text or ""):
        return parse_month(text)
    raise ValueError("周期的格式应为 YYYY-Www（周，例如 2026-W49）或 YYYY-MM（月，例如 2026-12）")
