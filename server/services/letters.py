"""Issuing the three letters; each letter keeps a snapshot of what it said."""
from datetime import date, datetime

from flask import current_app, g, has_request_context

from ..extensions import db
from ..models import Finding, Letter
from ..models.letters import OFFICE_SERIES
from ..timeutil import to_local
from .events import log_letter
from .numbering import letter_number, reserve, unit_letter_number

KIND_TITLES = {"notice": "问题整改通知函", "reply": "答复函", "prompt": "工作提示函"}


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
                  finding_ids: list[str], body: dict) -> dict:
    """The column values of an office letter with a reserved sequence number."""
    return {"kind": kind, "status": "issued", "series": OFFICE_SERIES, "year": year, "seq": seq,
            "number": letter_number(current_app.config["LETTER_PREFIX"], kind, year, seq),
            "community_id": community_id, "created_at": at, "issued_at": at,
            "finding_ids": finding_ids, "body": {"title": KIND_TITLES[kind], **body}}


def _counter(series: str, kind: str, year: int) -> str:
    """The counter a series numbers a kind of letter from (the office's keeps its v1 name)."""
    return f"letter:{kind}:{year}" if series == OFFICE_SERIES else f"letter:{series}:{kind}:{year}"


def number_and_issue(letter: Letter, at: datetime, unit_name: str | None = None) -> Letter:
    """Give a letter the next number of its series and issue it at `at` (in the caller's
    transaction, so a rollback returns the number: none is ever skipped)."""
    year = to_local(at).year
    letter.year, letter.seq = year, reserve(_counter(letter.series, letter.kind, year))
    letter.number = (letter_number(current_app.config["LETTER_PREFIX"], letter.kind, year, letter.seq)
                     if letter.series == OFFICE_SERIES else unit_letter_number(unit_name, year, letter.seq))
    letter.status, letter.issued_at = "issued", at
    db.session.flush()
    log_letter(letter, at)
    return letter


def _new_letter(kind: str, community_id: int | None, at: datetime, finding_ids: list[str],
                body: dict) -> Letter:
    """Number and store an office letter of a kind, numbered per local year."""
    letter = Letter(kind=kind, series=OFFICE_SERIES, community_id=community_id, created_at=at,
                    finding_ids=finding_ids, body={"title": KIND_TITLES[kind], **body})
    db.session.add(letter)
    return number_and_issue(letter, at)


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


def line_of(f: Finding, item_text: str, point_name: str | None) -> dict:
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
    lines = [line_of(f, items[f.item_code].text, point_names.get(f.point_id)) for f in findings]
    body = notice_body(community_name, to_local(findings[0].found_at).date(),
                       findings[0].reply_due, lines, any(f.deadline_provisional for f in findings))
    letter = _new_letter("notice", community_id, at, [f.id for f in findings], body)
    for f in findings:
        f.notice_letter_id = letter.id
    return letter
