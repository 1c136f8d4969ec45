"""The reply letter (答复函): one per notice, from the responsible unit, in the unit's own series.

It is issued once no finding of the notice waits for an answer any more: each was replied to,
rectified (the rectification's note serves as its measures), voided, or returned and
reassigned (it then belongs to another notice). It lists each answered problem with its
measures, person and date.
"""
from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..models import Finding, FindingEvent, Letter, Unit
from ..models.letters import unit_series
from ..timeutil import to_local
from .letters import KIND_TITLES, letterhead, line_of, number_and_issue
from .reference import Reference

ANSWERED = ("replied", "rectified", "closed")


def notice_state(f: Finding, notice_id: int) -> str:
    """'answered', 'settled' (nothing to answer: void or reassigned) or 'waiting'."""
    if f.notice_letter_id != notice_id or f.status == "void":
        return "settled"
    return "answered" if f.status in ANSWERED else "waiting"


def answer_of(f: Finding) -> dict:
    """The measures, person, phone and date a unit gave for one problem."""
    if f.reply:
        r = f.reply
        return {"measures": r["measures"], "responsible": r["responsible"],
                "phone": r.get("phone", ""), "planned_date": r["planned_date"], "how": "reply"}
    done = db.session.scalar(sa.select(FindingEvent).where(
        FindingEvent.finding_id == f.id, FindingEvent.action == "rectify")
        .order_by(FindingEvent.id.desc()).limit(1))
    return {"measures": (done.note if done and done.note else "已整改到位（附整改后照片）"),
            "responsible": done.actor.display_name if done and done.actor else "",
            "phone": "",
            "planned_date": to_local(f.rectified_at or (done.at if done else f.updated_at)).date().isoformat(),
            "how": "rectify"}


def reply_letter_of(notice_id: int) -> Letter | None:
    """The reply letter answering a notice, if issued."""
    return db.session.scalar(sa.select(Letter).where(Letter.notice_id == notice_id))


def maybe_issue(notice_id: int | None, at: datetime, ref: Reference) -> Letter | None:
    """Issue the notice's reply letter if nothing of it waits any more and none exists yet."""
    if notice_id is None:
        return None
    # The notice row is the lock: two findings answered at once cannot both miss the other.
    notice = db.session.scalar(sa.select(Letter).where(Letter.id == notice_id).with_for_update())
    if notice is None or notice.kind != "notice" or reply_letter_of(notice_id) is not None:
        return None
    findings = db.session.scalars(
        sa.select(Finding).where(Finding.id.in_(notice.finding_ids)).order_by(Finding.code)
        .execution_options(populate_existing=True)).all()
    states = {f.id: notice_state(f, notice_id) for f in findings}
    answered = [f for f in findings if states[f.id] == "answered"]
    if "waiting" in states.values() or not answered:
        return None
    unit = db.session.get(Unit, notice.community_id)
    items = [{**line_of(f, f.item_text or ref.items[f.item_code].text,
                        f.point.name if f.point else None), **answer_of(f)} for f in answered]
    body = {"title": KIND_TITLES["reply"], "from": unit.name if unit else "",
            "addressee": letterhead()["office"], "notice_number": notice.number,
            "notice_date": to_local(notice.issued_at).date().isoformat(),
            "items": items, "head": unit.head if unit else "",
            "contact_person": unit.contact if unit else "", "contact_phone": unit.phone if unit else ""}
    letter = Letter(kind="reply", series=unit_series(notice.community_id),
                    community_id=notice.community_id, notice_id=notice_id, created_at=at,
                    finding_ids=[f.id for f in answered], body=body)
    db.session.add(letter)
    return number_and_issue(letter, at, unit.name if unit else "")
