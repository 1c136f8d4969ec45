"""Clocks and overdue: due dates at notice, overdue derived, the sweep that gathers prompts."""
from datetime import date, datetime

import sqlalchemy as sa

from ..models import Finding, Letter
from ..timeutil import to_local
from .calendar import WorkCalendar
from .reference import Reference

REPLY_WORKING_DAYS = 2


def start_clocks(finding: Finding, at: datetime, ref: Reference) -> None:
    """Start the reply and rectification clocks from the notice's local date."""
    day = to_local(at).date()
    limit = ref.items[finding.item_code].limit_days
    finding.notified_at = at
    finding.reply_due, p1 = ref.due(day, REPLY_WORKING_DAYS)
    finding.rectify_due, p2 = ref.due(day, limit)
    finding.deadline_provisional = p1 or p2


def overdue_state(status: str, reply_due: date | None, rectify_due: date | None,
                  today: date) -> tuple[bool, bool]:
    """Return (overdue_reply, overdue_rectify) on a local day; derived, never stored."""
    reply = status == "assigned" and reply_due is not None and reply_due < today
    rectify = status in ("assigned", "replied") and rectify_due is not None and rectify_due < today
    return reply, rectify


def overdue_clause(today: date, kind: str = "any"):
    """A SQL condition selecting findings overdue on a local day (kind: reply|rectify|any)."""
    reply = sa.and_(Finding.status == "assigned", Finding.reply_due < today)
    rectify = sa.and_(Finding.status.in_(("assigned", "replied")), Finding.rectify_due < today)
    return {"reply": reply, "rectify": rectify, "any": sa.or_(reply, rectify)}[kind]


def overdue_working_days(cal: WorkCalendar, due: date, today: date) -> int:
    """Working days after the due date up to and including today (逾期工作日)."""
    return cal.working_days_between(due, today)


def sweep(at: datetime) -> list[Letter]:
    """Gather newly overdue problems into prompt letters, one per unit (see services.prompts)."""
    from .prompts import sweep as prompt_sweep

    return prompt_sweep(at)
