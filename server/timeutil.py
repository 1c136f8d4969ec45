"""Time helpers: UTC in storage, Asia/Shanghai at the edges."""
from datetime import date, datetime, timezone
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
