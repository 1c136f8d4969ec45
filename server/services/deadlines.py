"""Clocks and overdue: due dates at notice, overdue derived, the sweep that issues prompts."""
from datetime import date, datetime

import sqlalchemy as sa

from ..extensions import db
from ..models import Finding, Letter
from ..timeutil import to_local
from .calendar import WorkCalendar
from .events import add_event
from .letters import issue_prompt
from .reference import Reference, load_reference

REPLY_WORKING_DAYS = 2
PROMPT_WORKING_DAYS = 2  # the new date a prompt letter sets


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
    """Issue one prompt letter per overdue event not yet prompted; return the new letters."""
    today = to_local(at).date()
    ref = load_reference()
    candidates = db.session.scalars(
        sa.select(Finding).where(overdue_clause(today)).order_by(Finding.found_at)).all()
    existing = set(db.session.scalars(
        sa.select(Letter.event_key).where(Letter.kind == "prompt", Letter.event_key.is_not(None))))
    issued = []
    for f in candidates:
        reply_late, rectify_late = overdue_state(f.status, f.reply_due, f.rectify_due, today)
        for clock, due, late in (("reply", f.reply_due, reply_late),
                                 ("rectify", f.rectify_due, rectify_late)):
            if not late or f"{f.id}:{clock}:{due.isoformat()}" in existing:
                continue
            new_due, _ = ref.due(today, PROMPT_WORKING_DAYS)
            letter = issue_prompt(
                f, clock, due, new_due, at, ref.community_names.get(f.community_id, ""),
                ref.items[f.item_code].text, f.point.name if f.point else None,
                overdue_working_days(ref.calendar, due, today))
            add_event(f, None, "prompt", f.status, at,
                      note=f"逾期未{'答复' if clock == 'reply' else '整改'}，已制发提示函 {letter.number}",
                      data={"letter_id": letter.id, "clock": clock, "due": due.isoformat()})
            issued.append(letter)
    return issued
