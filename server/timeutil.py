"""Time helpers: UTC in storage, Asia/Shanghai at the edges."""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def _system_now() -> datetime:
    """The system clock in UTC."""
    return datetime.now(timezone.utc)


_source = _system_now  # tests replace this to travel in time


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return _source()


def local_today(now: datetime | None = None) -> date:
    """The product's one "today": the server's clock, as a date in Asia/Shanghai."""
    return to_local(now or utcnow()).date()


def to_local(dt: datetime) -> datetime:
    """Convert an aware datetime to Asia/Shanghai."""
    return dt.astimezone(LOCAL_TZ)


def iso(dt: datetime | None) -> str | None:
    """Format an aware datetime as ISO 8601 in local time with its offset."""
    return None if dt is None else to_local(dt).isoformat(timespec="seconds")


def parse_iso(value: str) -> datetime:
    """Parse an ISO 8601 time that must carry an offset; raise ValueError otherwise."""
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("naive time")
    return dt.astimezone(timezone.utc)


FUTURE_TOLERANCE = timedelta(minutes=10)


class TimeOutOfRange(ValueError):
    """A well-formed time outside what the product accepts (a Chinese message)."""


def parse_bounded(value: str, *, max_past: timedelta | None = None, future_ok: bool = False) -> datetime:
    """The one parser for times a client sends: ISO 8601 with an offset, 2000 … 2100, and unless
    future_ok not more than 10 minutes ahead of the server (nor more than max_past back).

    ValueError for a malformed time, TimeOutOfRange (a ValueError) for one out of range."""
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError("not a time")
    raw = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if raw.tzinfo is None or raw.utcoffset() is None:
        raise ValueError("naive time")
    if not 2000 <= raw.year <= 2100:  # as written, so the schema's pattern says the same
        raise TimeOutOfRange("时间须在 2000 年至 2100 年之间")
    dt = raw.astimezone(timezone.utc)
    now = utcnow()
    if not future_ok and dt > now + FUTURE_TOLERANCE:
        raise TimeOutOfRange("时间晚于服务器当前时间，请检查所填时间或设备时钟")
    if max_past is not None and dt < now - max_past:
        raise TimeOutOfRange(f"时间早于 {max_past.days} 天前，不予接收")
    return dt


def in_range_day(d: date) -> bool:
    """Whether a calendar date a client sends lies in 2000 … 2100."""
    return 2000 <= d.year <= 2100


def check_day_range(d: date) -> None:
    """A marshmallow validator: a date outside 2000 … 2100 is refused."""
    if not in_range_day(d):
        from marshmallow import ValidationError

        raise ValidationError("日期须在 2000 年至 2100 年之间")


class UTCDateTime(TypeDecorator):
    """Store aware datetimes as naive UTC; hand them back aware."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Normalise to naive UTC before writing."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime written to a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        """Attach UTC to what the database returns."""
        return None if value is None else value.replace(tzinfo=timezone.utc)
