"""Filtering the ledger: one query builder for the list, exports and the map."""
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..models import Finding, FindingEvent, User
from ..timeutil import LOCAL_TZ
from .deadlines import overdue_clause
from .visibility import finding_scope


def _local_start(d: date) -> datetime:
    """The UTC instant a local day starts."""
    return datetime.combine(d, time.min, LOCAL_TZ)


def filtered(user: User, f: dict, today: date):
    """A select of the findings this user may see, narrowed by the filters."""
    q = sa.select(Finding).where(finding_scope(user))
    if f.get("status"):
        q = q.where(Finding.status.in_(f["status"].split(",")))
    for name in ("community_id", "location_type", "item_code", "point_id", "covert", "source"):
        if f.get(name) is not None:
            q = q.where(getattr(Finding, name) == f[name])
    if f.get("overdue") is True:
        q = q.where(overdue_clause(today))
    elif f.get("overdue") is False:
        q = q.where(sa.not_(overdue_clause(today)))
    if f.get("from_"):
        q = q.where(Finding.found_at >= _local_start(f["from_"]))
    if f.get("to"):
        q = q.where(Finding.found_at < _local_start(f["to"] + timedelta(days=1)))
    if f.get("flag"):
        # flags is a JSON list of known words; the quoted word cannot match by accident.
        q = q.where(sa.cast(Finding.flags, sa.Text).like(f'%"{f["flag"]}"%'))
    if f.get("q"):
        like = f"%{f['q']}%"
        q = q.where(sa.or_(Finding.code.like(like), Finding.description.like(like)))
    return q


def with_relations(q):
    """Eager-load what serialising a finding touches."""
    return q.options(selectinload(Finding.point), selectinload(Finding.inspector),
                     selectinload(Finding.photo_links),
                     selectinload(Finding.events).selectinload(FindingEvent.actor))


SORTABLE = {"found_at", "code", "status", "reply_due", "rectify_due", "community_id"}


def ordering(sort: str = "-found_at"):
    """ORDER BY for a sort key like "-found_at" (descending) or "rectify_due"; id breaks ties."""
    name = sort.lstrip("-")
    column = getattr(Finding, name if name in SORTABLE else "found_at")
    first = column.desc() if sort.startswith("-") else column.asc()
    return (first.nulls_last(), Finding.id)


def page_of(db, q, page: int, per_page: int, sort: str = "-found_at") -> tuple[list[Finding], int]:
    """Return one page in the requested order (newest first by default) and the total count."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(q.order_by(None).subquery()))
    rows = db.session.scalars(with_relations(q).order_by(*ordering(sort))
                              .limit(per_page).offset((page - 1) * per_page)).all()
    return list(rows), total
