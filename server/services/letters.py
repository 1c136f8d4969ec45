"""Issuing the three letters; each letter keeps a snapshot of what it said."""
from datetime import date, datetime

from flask import current_app, g, has_request_context

from ..extensions import db
from ..models import Finding, Letter
from ..timeutil import to_local
from .events import log_letter
from .numbering import letter_number, reserve

KIND_TITLES = {"notice": "问题整改通知函", "reply": "整改答复函", "prompt": "工作提示函"}


def letterhead() -> dict:
    """The masthead and contact printed on letters, from the settings in force (once a request)."""
    if has_request_context() and "letterhead" in g:
        return g.letterhead
    from .settings import current

    doc = current()
    head = {"office": doc["letter_masthead"], "contact_person": doc["contact_person"],
            "contact_phone": doc["contact_phone"]}
    if has_request_context():
        g.letterhead = head
    return head


def letter_values(kind: str, year: int, seq: int, community_id: int | None, at: datetime,
                  finding_ids: list[str], body: dict, event_key: str | None = None) -> dict:
    """The column values of a letter with a reserved sequence number."""
    return {"kind": kind, "year": year, "seq": seq,
            "number": letter_number(current_app.config["LETTER_PREFIX"], kind, year, seq),
            "community_id": community_id, "issued_at": at, "finding_ids": finding_ids,
            "event_key": event_key, "body": {"title": KIND_TITLES[kind], **body}}


def _new_letter(kind: str, community_id: int | None, at: datetime, finding_ids: list[str],
                body: dict, event_key: str | None = None) -> Letter:
    """Number and store a letter of a kind, numbered per local year."""
    year = to_local(at).year
    seq = reserve(f"letter:{kind}:{year}")
    letter = Letter(**letter_values(kind, year, seq, community_id, at, finding_ids, body, event_key))
    db.session.add(letter)
    db.session.flush()
    log_letter(letter, at)
    return letter


def item_line(*, finding_id: str, code: str, item_code: str, item_text: str, point: str,
              description: str, rectify_due: date | None, reply_due: date | None,
              photo_ids: list[str]) -> dict:
    """Snapshot of one finding as a letter lists it."""
    return {"finding_id": finding_id, "code": code, "item_code": item_code,
            "item_text": item_text, "point": point, "description": description,
            "rectify_due": _d(rectify_due), "reply_due": _d(reply_due), "photo_ids": photo_ids}


def place_label(point_name: str | None, lat: float | None, lon: float | None) -> str:
    """A point's name, or the coordinates of an unregistered place."""
    if point_name:
        return point_name
    return f"{lat:.5f}, {lon:.5f}" if lat is not None else "未知位置"


def _item_line(f: Finding, item_text: str, point_name: str | None) -> dict:
    """Snapshot of an ORM finding as a letter lists it."""
    return item_line(finding_id=f.id, code=f.code, item_code=f.item_code, item_text=item_text,
                     point=place_label(point_name, f.lat, f.lon), description=f.description,
                     rectify_due=f.rectify_due, reply_due=f.reply_due,
                     photo_ids=[link.photo_id for link in f.photo_links if link.stage == "before"])


def _d(value: date | None) -> str | None:
    """Format a date for a snapshot."""
    return value.isoformat() if value else None


def notice_body(community_name: str, inspected_on: date, reply_due: date | None,
                lines: list[dict], provisional: bool) -> dict:
    """The body of a notice letter (问题整改通知函)."""
    return {"addressee": community_name, "inspected_on": inspected_on.isoformat(),
            "reply_due": _d(reply_due), "reply_working_days": 2, "items": lines,
            "provisional": provisional, **letterhead()}


def issue_notice(community_id: int, community_name: str, findings: list[Finding], at: datetime,
                 items: dict, point_names: dict) -> Letter:
    """Issue one notice covering a community's failed items (ORM path: manual assignment)."""
    lines = [_item_line(f, items[f.item_code].text, point_names.get(f.point_id)) for f in findings]
    body = notice_body(community_name, to_local(findings[0].found_at).date(),
                       findings[0].reply_due, lines, any(f.deadline_provisional for f in findings))
    letter = _new_letter("notice", community_id, at, [f.id for f in findings], body)
    for f in findings:
        f.notice_letter_id = letter.id
    return letter


def issue_reply_letter(finding: Finding, community_name: str, item_text: str,
                       point_name: str | None, reply: dict, at: datetime) -> Letter:
    """Generate the community's reply letter (答复函) from a reply."""
    notice = db.session.get(Letter, finding.notice_letter_id) if finding.notice_letter_id else None
    body = {
        "from": community_name,
        "addressee": letterhead()["office"],
        "notice_number": notice.number if notice else None,
        "items": [_item_line(finding, item_text, point_name)],
        "reply": reply,
    }
    return _new_letter("reply", finding.community_id, at, [finding.id], body)


def issue_prompt(finding: Finding, clock: str, due: date, new_due: date, at: datetime,
                 community_name: str, item_text: str, point_name: str | None,
                 overdue_days: int) -> Letter:
    """Issue the prompt letter (提示函) for one overdue event, submitted to the leaders."""
    notice = db.session.get(Letter, finding.notice_letter_id) if finding.notice_letter_id else None
    body = {
        "addressee": community_name,
        "submitted_to": current_app.config["LEADERS_ADDRESSEE"],
        "clock": clock,
        "due": due.isoformat(),
        "new_due": new_due.isoformat(),
        "overdue_working_days": overdue_days,
        "notice_number": notice.number if notice else None,
        "notice_date": to_local(notice.issued_at).date().isoformat() if notice else None,
        "items": [_item_line(finding, item_text, point_name)],
        **letterhead(),
    }
    key = f"{finding.id}:{clock}:{due.isoformat()}"
    return _new_letter("prompt", finding.community_id, at, [finding.id], body, event_key=key)
