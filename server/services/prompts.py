"""Prompt letters (工作提示函): one per responsible unit and sweep, reviewed before they go out.

A sweep gathers every overdue event (finding, clock, due date) not prompted yet, per unit. With
`prompt_review` on, the events join the unit's open draft (or start one) for a supervisor to
edit, merge and issue; off, the letter is issued at once, but only on a working day (a letter
never goes out dated on a weekend or holiday: the next working day's sweep takes the events).
A problem still overdue after an issued prompt's new date is escalated once (督办).
"""
from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app

from ..errors import ApiError
from ..extensions import db
from ..models import Finding, Letter, LetterInstruction, PromptEvent, User
from ..models.letters import OFFICE_SERIES
from ..timeutil import to_local
from .deadlines import overdue_clause, overdue_state, overdue_working_days
from . import audit
from .events import add_event, log_letter
from .letters import KIND_TITLES, letterhead, line_of, number_and_issue
from .reference import Reference, load_reference

PROMPT_WORKING_DAYS = 2  # the new date a prompt letter sets, in working days after issue
CLOCK_NAMES = {"reply": "答复", "rectify": "整改"}
NOTHING_OVERDUE = ("草稿中的问题均已不再逾期（已答复、整改、作废、退回或期限已调整），无需签发；"
                   "下次逾期扫描时此草稿将自动撤销")


def event_key(finding_id: str, clock: str, due: date) -> str:
    """The identity of one overdue event."""
    return f"{finding_id}:{clock}:{due.isoformat()}"


def overdue_events(today: date) -> list[tuple[Finding, str, date]]:
    """Every (finding, clock, due) overdue on a local day and not prompted yet."""
    candidates = db.session.scalars(
        sa.select(Finding).where(overdue_clause(today)).order_by(Finding.found_at, Finding.code)).all()
    done = set(db.session.scalars(sa.select(PromptEvent.event_key)))
    out = []
    for f in candidates:
        reply_late, rectify_late = overdue_state(f.status, f.reply_due, f.rectify_due, today)
        for clock, due, late in (("reply", f.reply_due, reply_late), ("rectify", f.rectify_due, rectify_late)):
            if late and event_key(f.id, clock, due) not in done:
                out.append((f, clock, due))
    return out


def _line(f: Finding, clock: str, due: date, ref: Reference, today: date) -> dict:
    """One overdue problem as a prompt lists it."""
    notice = db.session.get(Letter, f.notice_letter_id) if f.notice_letter_id else None
    return {**line_of(f, f.item_text or ref.items[f.item_code].text, f.point.name if f.point else None),
            "clock": clock, "due": due.isoformat(),
            "overdue_working_days": overdue_working_days(ref.calendar, due, today),
            "new_due": None, "event_key": event_key(f.id, clock, due),
            "notice_number": notice.number if notice else None,
            "notice_date": to_local(notice.issued_at).date().isoformat() if notice else None}


def open_draft(unit_id: int | None) -> Letter | None:
    """The unit's prompt draft waiting for review, if any (the oldest)."""
    return db.session.scalar(sa.select(Letter).where(
        Letter.kind == "prompt", Letter.status == "draft", Letter.community_id == unit_id)
        .order_by(Letter.id).limit(1).with_for_update())


def _new_draft(unit_id: int | None, at: datetime, ref: Reference) -> Letter:
    """An empty prompt draft addressed to a unit."""
    letter = Letter(kind="prompt", status="draft", series=OFFICE_SERIES, community_id=unit_id,
                    created_at=at, finding_ids=[],
                    body={"title": KIND_TITLES["prompt"], "addressee": ref.unit_name(unit_id) or "",
                          "submitted_to": current_app.config["LEADERS_ADDRESSEE"], "items": [],
                          "note": ""})
    db.session.add(letter)
    db.session.flush()
    return letter


def _add_lines(letter: Letter, lines: list[dict], findings: list[Finding]) -> None:
    """Append overdue problems to a letter, recording each event as carried by it."""
    items = list(letter.body.get("items", []))
    have = {it["event_key"] for it in items}
    for line in lines:
        if line["event_key"] in have:
            continue
        items.append(line)
        fid, clock, due = line["event_key"].split(":")
        db.session.add(PromptEvent(event_key=line["event_key"], letter_id=letter.id, finding_id=fid,
                                   clock=clock, due=date.fromisoformat(due)))
    letter.body = {**letter.body, "items": items}
    letter.finding_ids = list(dict.fromkeys([*letter.finding_ids, *(f.id for f in findings)]))


def _no_longer_late(f: Finding, clock: str) -> str:
    """Why a problem listed in a draft no longer waits on a clock, in the reviewer's words."""
    if f.status == "void":
        return "已作废"
    if f.status in ("returned", "unassigned"):
        return "已退回待改派"
    if clock == "reply" and f.status in ("replied", "rectified", "closed"):
        return "已答复"
    if clock == "rectify" and f.status in ("rectified", "closed"):
        return "已整改"
    return "期限已调整"


def draft_states(letter: Letter, today: date) -> dict[str, tuple[str, date | None]]:
    """Each draft item's state on a local day, by event key: ("late", due) while overdue as
    listed, ("moved", new due) while overdue with another due date, otherwise (why, None):
    answered, rectified, voided, returned or given to another unit, or a later due date."""
    items = letter.body.get("items", [])
    findings = {f.id: f for f in db.session.scalars(
        sa.select(Finding).where(Finding.id.in_({it["finding_id"] for it in items})))}
    out = {}
    for it in items:
        f = findings.get(it["finding_id"])
        if f is None or f.community_id != letter.community_id:
            out[it["event_key"]] = ("已改派", None)
            continue
        reply_late, rectify_late = overdue_state(f.status, f.reply_due, f.rectify_due, today)
        late, due = (reply_late, f.reply_due) if it["clock"] == "reply" else (rectify_late, f.rectify_due)
        if late:
            out[it["event_key"]] = ("late" if due.isoformat() == it["due"] else "moved", due)
        else:
            out[it["event_key"]] = (_no_longer_late(f, it["clock"]), None)
    return out


def settled_reasons(letter: Letter, today: date) -> dict[str, str]:
    """The draft items that issuing now would leave out, with the reason, by event key."""
    return {key: state for key, (state, _) in draft_states(letter, today).items()
            if state not in ("late", "moved")}


def prune_draft(letter: Letter, today: date) -> list[dict]:
    """Bring a draft up to date, so that a prompt never tells a unit of a problem that no longer
    waits on it: an item whose due date changed but is still overdue takes the new date; the
    others no longer overdue are taken out and their events released (prompted again should the
    problem fall overdue once more). Returns the items taken out, each with its reason."""
    states = draft_states(letter, today)
    kept, gone, carried = [], [], set()
    for it in letter.body.get("items", []):
        state, due = states[it["event_key"]]
        if state == "late":
            kept.append(it)
            carried.add(it["event_key"])
            continue
        db.session.execute(sa.delete(PromptEvent).where(PromptEvent.letter_id == letter.id,
                                                        PromptEvent.event_key == it["event_key"]))
        if state != "moved":
            gone.append({**it, "reason": state})
            continue
        key = event_key(it["finding_id"], it["clock"], due)
        if key not in carried and db.session.get(PromptEvent, key) is None:  # else carried already
            db.session.add(PromptEvent(event_key=key, letter_id=letter.id, finding_id=it["finding_id"],
                                       clock=it["clock"], due=due))
            kept.append({**it, "due": due.isoformat(), "event_key": key})
            carried.add(key)
    if any(state != "late" for state, _ in states.values()):
        letter.body = {**letter.body, "items": kept}
        letter.finding_ids = list(dict.fromkeys(it["finding_id"] for it in kept))
    db.session.flush()
    return gone


def _prune_drafts(today: date) -> None:
    """Bring every draft up to date before a sweep adds to it; withdraw the drafts left empty
    (the events their reviewer had taken out go with them: a problem still overdue comes back
    for review in the unit's next draft)."""
    drafts = db.session.scalars(sa.select(Letter).where(Letter.kind == "prompt", Letter.status == "draft")
                                .order_by(Letter.id).with_for_update()
                                .execution_options(populate_existing=True)).all()
    for letter in drafts:
        listed = list(letter.finding_ids)
        prune_draft(letter, today)
        if not letter.body.get("items"):
            db.session.execute(sa.delete(PromptEvent).where(PromptEvent.letter_id == letter.id))
            audit.record(None, "letter.withdraw", f"letter:{letter.id}",
                         {"finding_ids": listed, "note": letter.body.get("note", "")})
            db.session.delete(letter)
    db.session.flush()


def sweep(at: datetime) -> list[Letter]:
    """Gather newly overdue problems into one prompt per unit; escalate lapsed prompts.

    Returns the letters created or extended (drafts, or issued ones when review is off)."""
    from .settings import current

    today = to_local(at).date()
    ref = load_reference()
    _prune_drafts(today)  # the drafts' locks first, as a supervisor's issue takes them
    escalate(at, ref)
    review = bool(current()["prompt_review"])
    if not review and not ref.calendar.is_working_day(today):
        return []
    per_unit: dict[int | None, list] = {}
    for f, clock, due in overdue_events(today):
        per_unit.setdefault(f.community_id, []).append((f, clock, due))
    touched = []
    for unit_id, events in per_unit.items():
        letter = (open_draft(unit_id) if review else None) or _new_draft(unit_id, at, ref)
        _add_lines(letter, [_line(f, c, d, ref, today) for f, c, d in events], [f for f, _, _ in events])
        if not review:
            issue(letter, at, ref)
        touched.append(letter)
    db.session.flush()
    return touched


def issue(letter: Letter, at: datetime, ref: Reference) -> Letter:
    """Number and date a prompt at issue, set its new date, and note it in each finding's history."""
    today = to_local(at).date()
    new_due, provisional = ref.due(today, PROMPT_WORKING_DAYS)
    items = [{**it, "new_due": new_due.isoformat(),
              "overdue_working_days": overdue_working_days(ref.calendar, date.fromisoformat(it["due"]), today)}
             for it in letter.body.get("items", [])]
    letter.body = {**letter.body, **letterhead(), "items": items, "new_due": new_due.isoformat(),
                   "provisional": provisional,
                   "submitted_to": letter.body.get("submitted_to") or current_app.config["LEADERS_ADDRESSEE"]}
    number_and_issue(letter, at)
    findings = {f.id: f for f in db.session.scalars(
        sa.select(Finding).where(Finding.id.in_(letter.finding_ids)))}
    for it in items:
        f = findings.get(it["finding_id"])
        if f is not None:
            add_event(f, None, "prompt", f.status, at,
                      note=f"逾期未{CLOCK_NAMES[it['clock']]}，已制发提示函 {letter.number}，"
                           f"限{new_due.isoformat()}前落实",
                      data={"letter_id": letter.id, "clock": it["clock"], "due": it["due"],
                            "new_due": new_due.isoformat()})
    return letter


def escalate(at: datetime, ref: Reference) -> list[Finding]:
    """Escalate (督办) every problem still overdue on a clock after its issued prompt's new date."""
    today = to_local(at).date()
    rows = db.session.execute(
        sa.select(PromptEvent, Letter).join(Letter, Letter.id == PromptEvent.letter_id)
        .where(Letter.status == "issued", PromptEvent.escalated_at.is_(None))).all()
    escalated = []
    for ev, letter in rows:
        new_due = letter.body.get("new_due")
        if not new_due or date.fromisoformat(new_due) >= today or ev.finding_id not in letter.finding_ids:
            continue
        f = db.session.get(Finding, ev.finding_id)
        reply_late, rectify_late = overdue_state(f.status, f.reply_due, f.rectify_due, today)
        still = reply_late if ev.clock == "reply" else rectify_late
        if not still:
            continue
        ev.escalated_at = at
        if "escalated" in (f.flags or []):
            continue
        f.flags = [*(f.flags or []), "escalated"]
        add_event(f, None, "escalate", f.status, at,
                  note=f"提示函 {letter.number} 限期（{new_due}）已过仍未{CLOCK_NAMES[ev.clock]}，升级督办，"
                       "列为约谈对象",
                  data={"letter_id": letter.id, "clock": ev.clock, "new_due": new_due})
        escalated.append(f)
    return escalated


# --- review by the task force --------------------------------------------------------------

def locked_prompt(letter_id: int) -> Letter:
    """A prompt letter locked for a change, or 404 (only prompts have a review)."""
    letter = db.session.scalar(sa.select(Letter).where(Letter.id == letter_id).with_for_update()
                               .execution_options(populate_existing=True))
    if letter is None:
        raise ApiError(404, "not_found", "函件不存在或无权查看")
    if letter.kind != "prompt":
        raise ApiError(409, "not_a_prompt", "只有工作提示函需要审核签发")
    return letter


def _draft(letter: Letter) -> Letter:
    """Refuse a change to a prompt that has gone out."""
    if letter.status != "draft":
        raise ApiError(409, "already_issued", f"提示函已签发（{letter.number}），不能再次签发或修改")
    return letter


def issue_draft(letter_id: int, at: datetime) -> Letter:
    """A supervisor issues a draft: number and issue time now (409 when issued already).

    The draft is brought up to date first: problems no longer overdue are left out (named, with
    the reason, in the body's `left_out`); a draft with none left is not issued (409, nothing
    changes)."""
    letter = _draft(locked_prompt(letter_id))
    left_out = prune_draft(letter, to_local(at).date())
    if not letter.finding_ids:
        if left_out:
            raise ApiError(409, "nothing_overdue", NOTHING_OVERDUE)
        raise ApiError(409, "empty_draft", "草稿中没有问题，不能签发")
    letter = issue(letter, at, load_reference())
    if left_out:
        letter.body = {**letter.body, "left_out": [
            {"finding_id": it["finding_id"], "code": it["code"], "clock": it["clock"], "reason": it["reason"]}
            for it in left_out]}
    return letter


def edit_draft(letter_id: int, finding_ids: list[str] | None, note: str | None, at: datetime) -> Letter:
    """Keep a subset of a draft's problems and set its closing note.

    The draft is brought up to date first, so a problem no longer overdue is released whether the
    reviewer kept it or not; the events of problems the reviewer takes out stay carried (they are
    not prompted again)."""
    letter = _draft(locked_prompt(letter_id))
    listed = list(letter.finding_ids)
    if prune_draft(letter, to_local(at).date()) and not letter.finding_ids:
        raise ApiError(409, "nothing_overdue", NOTHING_OVERDUE)
    if finding_ids is not None:
        unknown = [fid for fid in finding_ids if fid not in listed]
        if unknown:
            raise ApiError(422, "invalid_fields", "草稿中没有这些问题",
                           {"finding_ids": f"不在本草稿中：{', '.join(unknown)}"})
        keep = set(finding_ids) & set(letter.finding_ids)
        if not keep:
            raise ApiError(422, "invalid_fields", "至少保留一个仍逾期的问题", {"finding_ids": "至少保留一个仍逾期的问题"})
        letter.finding_ids = [fid for fid in letter.finding_ids if fid in keep]
        letter.body = {**letter.body, "items": [it for it in letter.body["items"] if it["finding_id"] in keep]}
    if note is not None:
        letter.body = {**letter.body, "note": note}
    return letter


def merge_drafts(letter_id: int, other_id: int) -> Letter:
    """Fold another draft of the same unit into this one; the other, never numbered, goes away."""
    if other_id == letter_id:
        raise ApiError(422, "invalid_fields", "不能与自身合并", {"letter_id": "不能与自身合并"})
    first, second = sorted((letter_id, other_id))
    locked = {lid: locked_prompt(lid) for lid in (first, second)}  # one lock order: no deadlock
    target, other = _draft(locked[letter_id]), _draft(locked[other_id])
    if target.community_id != other.community_id:
        raise ApiError(409, "different_units", "只能合并同一责任单位的提示函草稿")
    items = list(target.body.get("items", []))
    have = {it["event_key"] for it in items}
    items += [it for it in other.body.get("items", []) if it["event_key"] not in have]
    target.body = {**target.body, "items": items}
    target.finding_ids = list(dict.fromkeys([*target.finding_ids, *other.finding_ids]))
    db.session.execute(sa.update(PromptEvent).where(PromptEvent.letter_id == other.id)
                       .values(letter_id=target.id))
    db.session.delete(other)
    db.session.flush()
    return target


def add_instruction(letter: Letter, user: User, text: str, at: datetime) -> LetterInstruction:
    """A leader's instruction (批示) on an issued prompt: on the letter, to the unit, in each history."""
    if letter.kind != "prompt":
        raise ApiError(409, "not_a_prompt", "只能对工作提示函作出批示")
    if letter.status != "issued":
        raise ApiError(409, "not_issued", "提示函尚未签发，不能批示")
    row = LetterInstruction(letter_id=letter.id, author_id=user.id, text=text, at=at)
    db.session.add(row)
    for f in db.session.scalars(sa.select(Finding).where(Finding.id.in_(letter.finding_ids))):
        add_event(f, user.id, "instruction", f.status, at, note=f"领导批示（{letter.number}）：{text}",
                  data={"letter_id": letter.id})
    log_letter(letter, at)
    db.session.flush()
    return row
