"""One finding's timeline: its history replayed into states, segments (one per notice), clocks
and the overdue events, reply and closure outcomes it contributes to reports up to a cut-off.

Who is responsible for what: each notice (the finding's creation when it is assigned at once,
or a later ``assign``) opens a *segment* owned by one community, with its own reply clock
(``reply_due``) and rectification clock (``rectify_due``, moved by ``set_deadline`` or an
approved extension). A ``return`` followed by ``deny_return`` stays in the same segment;
a reassignment opens a new one.
"""
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from ..calendar import WorkCalendar
from .periods import day_end, local_day

REPLY_WORKING_DAYS = 2  # the same as deadlines.REPLY_WORKING_DAYS (答复函 within 2 working days)


# --------------------------------------------------------------------------- input rows

class EventRow(NamedTuple):
    """One history event as the reports need it.

    ``actor_community_id`` is the community of the user who made the event (used to know
    who returned a finding); ``data`` matters for ``assign`` (community_id) and for
    ``set_deadline`` / ``approve_extension`` (from, to).
    """

    at: datetime
    action: str
    to_status: str
    data: dict | None = None
    actor_community_id: int | None = None


@dataclass
class FindingRow:
    """A finding with its current clocks and its history (events in time order)."""

    id: str
    code: str
    community_id: int | None
    reply_due: date | None
    rectify_due: date | None
    limit_days: int
    events: list[EventRow]
    point_id: int | None = None
    point_name: str | None = None
    item_code: str = ""
    item_text: str = ""
    location_type: str = ""
    severity: str = "general"
    before_photo: str | None = None
    after_photo: str | None = None
    source: str = "routine"  # 问题来源 (models.findings.SOURCES)
    # Reclassifications (set_severity), earliest first: (when, the severity before it).
    severity_changes: list[tuple[datetime, str]] = field(default_factory=list)
    _timeline: tuple | None = field(default=None, repr=False, compare=False)  # cache

    def severity_at(self, at: datetime) -> str:
        """The severity in force at an instant: a finished period keeps the severity it had."""
        for when, before in self.severity_changes:
            if when >= at:
                return before
        return self.severity


@dataclass(frozen=True)
class PointRow:
    """An active inspection point."""

    id: int
    name: str
    location_type: str
    community_id: int


# --------------------------------------------------------------------------- one finding's facts

class _State(NamedTuple):
    """The finding after one event: state, holder, clocks and segment."""

    at: datetime
    action: str
    status: str
    community: int | None
    reply_due: date | None
    rectify_due: date | None
    seg: int


@dataclass(frozen=True)
class Overdue:
    """One overdue event: a clock whose due date passed while the finding was still waiting."""

    finding: FindingRow
    community: int
    clock: str
    due: date
    at: datetime
    resolved_at: datetime | None
    resolution: str | None


@dataclass
class Facts:
    """What one finding contributes to reports with a given cut-off."""

    finding: FindingRow
    states: list[_State]
    times: list[datetime]
    # (community, at, first notice to that community)
    notices: list[tuple[int, datetime, bool]] = field(default_factory=list)
    closes: list[tuple[int, datetime]] = field(default_factory=list)
    rejects: list[tuple[int, datetime]] = field(default_factory=list)
    resightings: list[tuple[int | None, datetime]] = field(default_factory=list)  # 仍未整改
    overdue: list[Overdue] = field(default_factory=list)
    replies: list[tuple[int, date, bool]] = field(default_factory=list)  # (community, due, on time)
    closures: list[tuple[int, date, bool]] = field(default_factory=list)

    def state_before(self, t: datetime) -> _State | None:
        """The state in force at instant t (after every event strictly before t)."""
        i = bisect_left(self.times, t) - 1
        return self.states[i] if i >= 0 else None


def _as_date(value) -> date | None:
    """A date from an ISO string (or a date), None if absent or malformed."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _starts_segment(e: EventRow) -> bool:
    """A notice: the creation of an assigned finding, or an assignment."""
    return (e.action == "create" and e.to_status == "assigned") or e.action == "assign"


def _states(f: FindingRow, cal: WorkCalendar) -> list[_State]:
    """Replay a finding's history into the state after each event.

    The current segment uses the stored clocks (its first deadline change tells what the
    rectification deadline was before); earlier segments, ended by a reassignment, get their
    clocks recomputed from their notice date as the server computed them then.
    """
    events = f.events
    n_seg = sum(1 for e in events if _starts_segment(e))
    initial = f.community_id
    if any(e.action == "assign" for e in events):
        first_return = next((e for e in events if e.action == "return"), None)
        initial = first_return.actor_community_id if first_return else None
        if initial is None:
            initial = f.community_id
    status, community, reply_due, rectify_due, seg = "", None, None, None, -1
    out = []
    for i, e in enumerate(events):
        data = e.data or {}
        if _starts_segment(e):
            seg += 1
            if e.action == "create":
                community = initial
            else:
                try:
                    community = int(data.get("community_id"))
                except (TypeError, ValueError):
                    community = f.community_id
            if seg == n_seg - 1:
                reply_due = f.reply_due
                moved = next((x for x in events[i + 1:]
                              if x.action in ("set_deadline", "approve_extension")), None)
                rectify_due = (_as_date((moved.data or {}).get("from")) if moved else None) \
                    or f.rectify_due
            else:
                start = local_day(e.at)
                reply_due = cal.add_working_days(start, REPLY_WORKING_DAYS)[0]
                rectify_due = cal.add_working_days(start, f.limit_days)[0]
        elif e.action in ("set_deadline", "approve_extension"):
            rectify_due = _as_date(data.get("to")) or rectify_due
        if e.action == "create" and e.to_status != "assigned":
            community = None
        status = e.to_status
        out.append(_State(e.at, e.action, status, community, reply_due, rectify_due, seg))
    return out


_RECTIFY_WAITING = frozenset(("assigned", "replied"))


def _waiting(s: _State, clock: str, due: date) -> bool:
    """Whether a clock with this due date still runs in a state: the reply clock while
    待答复, the rectification clock while 待答复 or 整改中 with this deadline in force."""
    if clock == "reply":
        return s.status == "assigned"
    return s.status in _RECTIFY_WAITING and s.rectify_due == due


def _timeline(f: FindingRow, cal: WorkCalendar) -> tuple[list[_State], list[datetime], dict]:
    """The replayed states, their times and where each segment starts (cached per calendar)."""
    if f._timeline is None or f._timeline[0] is not cal:
        states = _states(f, cal)
        seg_lo: dict[int, int] = {}
        for i, s in enumerate(states):
            seg_lo.setdefault(s.seg, i)
        f._timeline = (cal, states, [s.at for s in states], seg_lo)
    return f._timeline[1:]


def analyse(f: FindingRow, cal: WorkCalendar, cutoff: datetime) -> Facts:
    """Everything one finding contributes to reports looking up to the cut-off."""
    states, times, seg_lo = _timeline(f, cal)
    facts = Facts(f, states, times)
    visible = bisect_left(times, cutoff)
    seen: set[int] = set()
    for i in range(visible):
        s = states[i]
        if s.seg >= 0 and seg_lo[s.seg] == i:
            facts.notices.append((s.community, s.at, s.community not in seen))
            seen.add(s.community)
        if s.action == "verify" and s.status == "closed" and s.community is not None:
            facts.closes.append((s.community, s.at))
        elif s.action == "reject" and s.community is not None:
            facts.rejects.append((s.community, s.at))
        if s.action == "resight" or (s.action == "reject"
                                     and (f.events[i].data or {}).get("resighting")):
            facts.resightings.append((s.community, s.at))
    for seg, lo in seg_lo.items():
        if seg < 0 or lo >= visible:
            continue
        hi = seg_lo.get(seg + 1, len(states))
        _segment_facts(facts, lo, hi, visible, cutoff)
    return facts


def _lapse(facts: Facts, lo: int, hi: int, visible: int, cutoff: datetime, clock: str,
           due: date) -> tuple[datetime, int] | None:
    """The first instant after the due date at which the clock still runs, if any.

    Candidates are the start of the day after the due date and every later event of the
    segment before the cut-off; returns (instant, index of the state then in force).
    """
    t0 = day_end(due)
    if t0 > cutoff:
        return None
    i = bisect_left(facts.times, t0) - 1
    states = facts.states
    if lo <= i < hi and _waiting(states[i], clock, due):
        return t0, i
    for j in range(max(i + 1, lo), min(hi, visible)):
        if _waiting(states[j], clock, due):
            return states[j].at, j
    return None


def _overdue(facts: Facts, community: int, lo: int, hi: int, visible: int, cutoff: datetime,
             clock: str, due: date) -> bool:
    """Record the overdue event of a clock and due date if it lapsed; tell whether it did."""
    lapse = _lapse(facts, lo, hi, visible, cutoff, clock, due)
    if lapse is None:
        return False
    at, j = lapse
    resolved = how = None
    states = facts.states
    for k in range(j + 1, min(hi, visible)):
        if not _waiting(states[k], clock, due):
            resolved, how = states[k].at, states[k].action
            break
    else:
        if hi < visible:  # reassigned to another community
            resolved, how = states[hi].at, "assign"
    facts.overdue.append(Overdue(facts.finding, community, clock, due, at, resolved, how))
    return True


def _segment_facts(facts: Facts, lo: int, hi: int, visible: int, cutoff: datetime) -> None:
    """Reply and rectification outcomes and overdue events of one segment."""
    states = facts.states
    community = states[lo].community
    if community is None:
        return
    top = min(hi, visible)
    # Reply clock: one due date per segment; a rectification counts as the reply.
    reply_due = states[lo].reply_due
    if reply_due is not None:
        lapsed = _overdue(facts, community, lo, hi, visible, cutoff, "reply", reply_due)
        for k in range(lo, top):
            if states[k].action in ("reply", "rectify"):
                facts.replies.append((community, reply_due, states[k].at < day_end(reply_due)))
                break
        else:
            if lapsed:
                facts.replies.append((community, reply_due, False))
    # Rectification clock: every deadline the segment had may lapse once.
    dues = {s.rectify_due for s in states[lo:top]}
    dues.discard(None)
    lapsed_dues = {due for due in sorted(dues)
                   if _overdue(facts, community, lo, hi, visible, cutoff, "rectify", due)}
    for k in range(top - 1, lo - 1, -1):
        s = states[k]
        if s.action == "verify" and s.status == "closed":
            accepted = next((states[r] for r in range(k - 1, lo - 1, -1)
                             if states[r].action == "rectify"), s)
            due = accepted.rectify_due
            if due is not None:
                facts.closures.append((community, due, accepted.at < day_end(due)))
            return
    due = states[top - 1].rectify_due
    if due is not None and due in lapsed_dues:
        facts.closures.append((community, due, False))
