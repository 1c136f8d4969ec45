"""Reports — 日督导、周通报、月问效 — as pure computation (no Flask, no database).

The loader (``report_data.py``) hands in plain rows: communities, points, and findings with
their event history; the functions here return the JSON documents. Every date is an
Asia/Shanghai local date; a period is ``[from, to]`` inclusive. A report looks at history
up to its *cut-off*: the end of the period, or now while the period is still running, so a
finished week's bulletin never changes afterwards.

Who is responsible for what: each notice (the finding's creation when it is assigned at once,
or a later ``assign``) opens a *segment* owned by one community, with its own reply clock
(``reply_due``) and rectification clock (``rectify_due``, moved by ``set_deadline`` or an
approved extension). A ``return`` followed by ``deny_return`` stays in the same segment;
a reassignment opens a new one. Everything below is attributed to the segment's community.

Per community and period (DESIGN.md "Reports"; DOMAIN.md "Rates and reports"):

* ``new`` — findings whose first notice to the community falls in the period.
* ``closed`` — findings verified and closed (销号) in the period.
* ``open`` — findings of the community still 待答复/整改中/待复查 at the cut-off.
* ``overdue_replies`` / ``overdue_rectifications`` — overdue *events* that occurred in the
  period: a due date passed without a reply (while 待答复) or without a rectification (while
  待答复/整改中). The event occurs on the first day after the due date on which the finding
  is still in that state (also later, e.g. after a ``deny_return``), exactly when the deadline
  sweep issues its prompt letter; one event per (finding, clock, due date).
* ``on_time_reply_rate`` 按时答复率 = replies made by their deadline ÷ replies due in the
  period. A reply clock is due in the period when its due date lies in it; it counts once
  decided: replied (a rectification counts as the reply), or lapsed (overdue). Clocks still
  running, and clocks ended by a return or voiding before their due date, are left out.
  ``null`` when nothing was due.
* ``on_time_close_rate`` 按期结案率 = findings closed whose accepted rectification was made
  by the rectification deadline ÷ findings that should have closed in the period (their
  deadline lies in it): closed, or lapsed without closing. A rectification made in time but
  still awaiting re-inspection is pending and left out; the task force's verification delay
  never counts against the community. ``null`` when nothing should have closed.
* ``rework`` 返工 — failed re-inspections (``reject``) in the period.
* ``cases`` 案件数 — findings the community held (待答复/整改中/待复查) at some moment of
  the period; only communities with at least ``min_cases`` cases are ranked.

Score (the documented, configurable rule; see ``DEFAULT_SCORING`` and ``scoring_rule``)::

    得分 = 基础分 − 逾期答复×每件扣分 − 逾期整改×每件扣分 − 返工×每次扣分
           − 答复权重×(1 − 按时答复率) − 结案权重×(1 − 按期结案率)

A rate that is ``null`` (nothing due) deducts nothing; the score never falls below the floor.
Defaults: 100 − 2/逾期答复 − 3/逾期整改 − 2/返工 − 10×(1−按时答复率) − 10×(1−按期结案率).
Grade (等次): the first threshold the score reaches — ≥90 优秀, ≥80 良好, ≥60 一般, else 较差.
Rank: competition ranking by score among ranked communities (ties share a rank, the next
rank skips); the weekly ranking uses this same score computed over the week. ``change`` is
last month's rank minus this month's (positive: moved up), null when unranked in either.
The bottom three (倒数三名) are the three worst-ranked communities, ties at the cut included,
never one ranked first.
"""
import re
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import NamedTuple
from datetime import date, datetime, time, timedelta, timezone

from .calendar import LOCAL_TZ, WorkCalendar
from .lifecycle import STATUS_LABELS

REPLY_WORKING_DAYS = 2  # the same as deadlines.REPLY_WORKING_DAYS (答复函 within 2 working days)
HELD = ("assigned", "replied", "rectified")  # states in which a community holds a finding
CLOCK_LABELS = {"reply": "答复", "rectify": "整改"}
RESOLUTION_LABELS = {"reply": "已答复", "rectify": "已整改", "return": "已回退", "void": "已作废",
                     "assign": "已改派", "set_deadline": "已调整时限",
                     "approve_extension": "已批准延期", "verify": "已销号"}

DEFAULT_SCORING = {"base": 100, "overdue_reply": 2, "overdue_rectification": 3, "rework": 2,
                   "on_time_reply_rate": 10, "on_time_close_rate": 10, "floor": 0}
DEFAULT_GRADES = ((90, "优秀"), (80, "良好"), (60, "一般"), (0, "较差"))
DEFAULT_MIN_CASES = 3
DEFAULT_TYPICAL_PHOTOS = 4

COMMUNITY_FIELDS = ("community_id", "name", "new", "closed", "open", "overdue_replies",
                    "overdue_rectifications", "on_time_reply_rate", "on_time_close_rate",
                    "rework", "rank")
MONTHLY_FIELDS = COMMUNITY_FIELDS + ("score", "grade", "change")


# --------------------------------------------------------------------------- periods

@dataclass(frozen=True)
class Period:
    """An inclusive range of local dates with its label (2026-W48, 2026-11 or a day)."""

    start: date
    end: date
    label: str

    @cached_property
    def begins(self) -> datetime:
        """The instant the period starts (local midnight)."""
        return local_midnight(self.start)

    @cached_property
    def ends(self) -> datetime:
        """The instant after the period (local midnight after its last day)."""
        return local_midnight(self.end + timedelta(days=1))

    def contains(self, d: date | None) -> bool:
        """Tell whether a local date lies in the period."""
        return d is not None and self.start <= d <= self.end

    def holds(self, at: datetime) -> bool:
        """Tell whether an instant falls on a local date of the period."""
        return self.begins <= at < self.ends

    def as_dict(self) -> dict:
        """{"from", "to"} as ISO dates."""
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
YEARS = (2000, 2099)


def _year_ok(year: int) -> None:
    """Refuse years the calendar has no business with."""
    if not YEARS[0] <= year <= YEARS[1]:
        raise ValueError(f"年份须在 {YEARS[0]}–{YEARS[1]} 之间")


def week_period(monday: date) -> Period:
    """The ISO week starting on a Monday."""
    y, w, _ = monday.isocalendar()
    return Period(monday, monday + timedelta(days=6), f"{y}-W{w:02d}")


def week_of(d: date) -> Period:
    """The ISO week (Monday–Sunday) containing a date."""
    return week_period(d - timedelta(days=d.weekday()))


def parse_week(text: str) -> Period:
    """Parse an ISO week such as 2026-W48; ValueError with a Chinese message otherwise."""
    m = _WEEK.match(text or "")
    if not m:
        raise ValueError("周的格式应为 YYYY-Www，例如 2026-W48")
    year, week = int(m.group(1)), int(m.group(2))
    _year_ok(year)
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValueError(f"{year} 年没有第 {week} 周") from None
    return week_period(monday)


def month_period(year: int, month: int) -> Period:
    """A calendar month."""
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return Period(first, nxt - timedelta(days=1), f"{year}-{month:02d}")


def month_of(d: date) -> Period:
    """The calendar month containing a date."""
    return month_period(d.year, d.month)


def parse_month(text: str) -> Period:
    """Parse a month such as 2026-11; ValueError with a Chinese message otherwise."""
    m = _MONTH.match(text or "")
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError("月份的格式应为 YYYY-MM，例如 2026-11")
    _year_ok(int(m.group(1)))
    return month_period(int(m.group(1)), int(m.group(2)))


def parse_day(text: str) -> date:
    """Parse a local date YYYY-MM-DD; ValueError with a Chinese message otherwise."""
    m = _DAY.match(text or "")
    if not m:
        raise ValueError("日期的格式应为 YYYY-MM-DD，例如 2026-11-27")
    try:
        d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise ValueError("日期不存在") from None
    _year_ok(d.year)
    return d


def previous_period(p: Period) -> Period:
    """The week or month before a period."""
    if "-W" in p.label:
        return week_period(p.start - timedelta(days=7))
    return month_of(p.start - timedelta(days=1))


@lru_cache(maxsize=4096)
def local_midnight(d: date) -> datetime:
    """The instant a local day starts, in UTC (instants in one zone compare fastest)."""
    return datetime.combine(d, time.min, LOCAL_TZ).astimezone(timezone.utc)


def local_day(dt: datetime) -> date:
    """The local date of an aware instant."""
    return dt.astimezone(LOCAL_TZ).date()


def local_iso(dt: datetime | None) -> str | None:
    """An instant as local ISO 8601 with its offset."""
    return None if dt is None else dt.astimezone(LOCAL_TZ).isoformat(timespec="seconds")


def cutoff_of(period: Period, now: datetime) -> datetime:
    """The instant a report looks up to: the end of the period, or now if earlier."""
    return min(now.astimezone(timezone.utc), period.ends)


def cutoff_day(cutoff: datetime) -> date:
    """The last local day a cut-off covers."""
    return local_day(cutoff - timedelta(microseconds=1))


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
    before_photo: str | None = None
    after_photo: str | None = None
    _timeline: tuple | None = field(default=None, repr=False, compare=False)  # cache


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


@lru_cache(maxsize=4096)
def day_end(d: date) -> datetime:
    """The instant a local day ends (the next day's midnight)."""
    return local_midnight(d + timedelta(days=1))


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


# --------------------------------------------------------------------------- per community

@dataclass
class Stats:
    """One community's numbers over a period."""

    new: int = 0
    closed: int = 0
    open: int = 0
    overdue_replies: int = 0
    overdue_rectifications: int = 0
    rework: int = 0
    replies_due: int = 0
    replies_on_time: int = 0
    should_close: int = 0
    closed_on_time: int = 0
    cases: set = field(default_factory=set)

    @property
    def on_time_reply_rate(self) -> float | None:
        """按时答复率, null when no reply was due."""
        return _rate(self.replies_on_time, self.replies_due)

    @property
    def on_time_close_rate(self) -> float | None:
        """按期结案率, null when nothing should have closed."""
        return _rate(self.closed_on_time, self.should_close)


def _rate(part: int, whole: int) -> float | None:
    """A fraction 0–1 rounded to 4 places, or None for 0/0."""
    return None if whole == 0 else round(part / whole, 4)


def community_stats(facts: list[Facts], period: Period, cutoff: datetime,
                    community_ids) -> tuple[dict[int, Stats], int]:
    """Per-community numbers over a period, and the task force's backlog at the cut-off
    (findings 待派发 or 待改派, which no community holds)."""
    stats = {cid: Stats() for cid in community_ids}

    def get(cid) -> Stats:
        """The stats of a community (also one not listed, kept apart)."""
        return stats.setdefault(cid, Stats())

    begins, backlog = period.begins, 0
    for fx in facts:
        fid = fx.finding.id
        for cid, at, first in fx.notices:
            if first and period.holds(at):
                get(cid).new += 1
        for cid, at in fx.closes:
            if period.holds(at):
                get(cid).closed += 1
        for cid, at in fx.rejects:
            if period.holds(at):
                get(cid).rework += 1
        for o in fx.overdue:
            if period.holds(o.at):
                s = get(o.community)
                if o.clock == "reply":
                    s.overdue_replies += 1
                else:
                    s.overdue_rectifications += 1
        for cid, due, on_time in fx.replies:
            if period.contains(due):
                s = get(cid)
                s.replies_due += 1
                s.replies_on_time += on_time
        for cid, due, on_time in fx.closures:
            if period.contains(due):
                s = get(cid)
                s.should_close += 1
                s.closed_on_time += on_time
        # Cases: held by the community at the start, or at any moment during the period.
        held = [fx.state_before(begins)]
        held += fx.states[bisect_left(fx.times, begins):bisect_left(fx.times, cutoff)]
        for s in held:
            if s is not None and s.status in HELD and s.community is not None:
                get(s.community).cases.add(fid)
        end = fx.state_before(cutoff)
        if end is not None:
            if end.status in HELD and end.community is not None:
                get(end.community).open += 1
            elif end.status in ("unassigned", "returned"):
                backlog += 1
    return stats, backlog


# --------------------------------------------------------------------------- scoring and ranking

def scoring_rule(scoring: dict | None = None, grades=None, min_cases: int | None = None) -> dict:
    """The rule in force: defaults overridden by configuration, with its formula in words."""
    w = dict(DEFAULT_SCORING)
    for key, value in (scoring or {}).items():
        if key not in DEFAULT_SCORING:
            raise ValueError(f"unknown scoring key {key!r}")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"scoring weight {key!r} must be a number")
        w[key] = value
    table = sorted(((float(t), str(g)) for t, g in (grades or DEFAULT_GRADES)), reverse=True)
    if not table:
        raise ValueError("at least one grade is needed")
    min_cases = DEFAULT_MIN_CASES if min_cases is None else int(min_cases)

    def n(x):
        """A weight as written (3, not 3.0)."""
        return int(x) if float(x).is_integer() else x

    formula = (f"得分 = {n(w['base'])} − {n(w['overdue_reply'])}×逾期答复件数"
               f" − {n(w['overdue_rectification'])}×逾期整改件数 − {n(w['rework'])}×返工次数"
               f" − {n(w['on_time_reply_rate'])}×(1 − 按时答复率)"
               f" − {n(w['on_time_close_rate'])}×(1 − 按期结案率)；"
               f"期内无应答复或应结案事项时该比率记为空、不扣分；最低 {n(w['floor'])} 分，保留两位小数。")
    grade_text = "；".join(
        (f"{n(t)} 分及以上为“{g}”" if i < len(table) - 1 else f"其余为“{g}”")
        for i, (t, g) in enumerate(table))
    return {
        "weights": {k: n(v) for k, v in w.items()},
        "grades": [{"min_score": n(t), "grade": g} for t, g in table],
        "min_cases": min_cases,
        "formula": formula,
        "grading": f"等次：{grade_text}。",
        "ranking": (f"按得分从高到低排名，同分同名次、其后名次顺延（竞争排名）；期内案件数不足 {min_cases} 件的"
                    "社区不参与排名（名次为空）；周通报的排名使用同一公式按本周数据计算的得分；"
                    "名次变化 = 上月名次 − 本月名次（正数为上升），任一月未参与排名时为空；"
                    "倒数三名为名次最后的三个社区（并列者一并列出，第一名除外）。"),
        "definitions": {
            "new": "新增：本期首次向该社区下发整改通知的问题数",
            "closed": "销号：本期复查通过并销号的问题数",
            "open": "未销号：截至期末该社区待答复、整改中、待复查的问题数",
            "overdue_replies": "逾期答复：本期发生的逾期未答复事件数（答复期限已过仍待答复）",
            "overdue_rectifications": "逾期整改：本期发生的逾期未整改事件数（整改时限已过仍未报整改）",
            "on_time_reply_rate": "按时答复率 = 在答复期限内答复的件数 ÷ 答复期限在本期内的件数（整改视同答复）",
            "on_time_close_rate": ("按期结案率 = 已销号且被复查通过的整改在整改时限内完成的件数 ÷ "
                                   "整改时限在本期内的应结案件数（已整改待复查的暂不计入）"),
            "rework": "返工：本期复查不通过的次数",
            "cases": "案件数：本期内曾由该社区负责（待答复、整改中或待复查）的问题数",
        },
    }


def score_of(s: Stats, rule: dict) -> float:
    """The score of a community's stats under a rule."""
    w = rule["weights"]
    value = (w["base"] - w["overdue_reply"] * s.overdue_replies
             - w["overdue_rectification"] * s.overdue_rectifications - w["rework"] * s.rework)
    for key in ("on_time_reply_rate", "on_time_close_rate"):
        rate = getattr(s, key)
        if rate is not None:
            value -= w[key] * (1 - rate)
    return round(max(w["floor"], value), 2)


def grade_of(score: float, rule: dict) -> str:
    """The grade (等次) a score reaches."""
    for g in rule["grades"]:
        if score >= g["min_score"]:
            return g["grade"]
    return rule["grades"][-1]["grade"]


def competition_ranks(scores: dict, eligible) -> dict:
    """Competition ranks (1, 2, 2, 4) by descending score among the eligible keys; others None."""
    ordered = sorted((k for k in scores if k in eligible), key=lambda k: -scores[k])
    ranks, prev, rank = {}, None, 0
    for i, k in enumerate(ordered, start=1):
        if scores[k] != prev:
            rank, prev = i, scores[k]
        ranks[k] = rank
    return {k: ranks.get(k) for k in scores}


def bottom_three(rows: list[dict]) -> list[dict]:
    """The three worst-ranked rows, ties at the cut included, never a row ranked first."""
    ranked = sorted((r for r in rows if r["rank"] is not None and r["rank"] > 1),
                    key=lambda r: (-r["rank"], r["community_id"]))
    if len(ranked) <= 3:
        return ranked
    cut = ranked[2]["rank"]
    return [r for r in ranked if r["rank"] >= cut]


def _ranking(communities, stats: dict[int, Stats], rule: dict) -> tuple[dict, dict]:
    """Scores and ranks of every community."""
    scores = {cid: score_of(stats[cid], rule) for cid, _ in communities}
    eligible = {cid for cid, _ in communities if len(stats[cid].cases) >= rule["min_cases"]}
    return scores, competition_ranks(scores, eligible)


def _row(cid: int, name: str, s: Stats, rank) -> dict:
    """A community's entry with exactly the contract's fields."""
    return {"community_id": cid, "name": name, "new": s.new, "closed": s.closed, "open": s.open,
            "overdue_replies": s.overdue_replies,
            "overdue_rectifications": s.overdue_rectifications,
            "on_time_reply_rate": s.on_time_reply_rate,
            "on_time_close_rate": s.on_time_close_rate, "rework": s.rework, "rank": rank}


def _totals(stats: dict[int, Stats], backlog: int) -> dict:
    """Street-wide totals over every community, plus the task force's backlog."""
    t = Stats()
    for s in stats.values():
        for key in ("new", "closed", "open", "overdue_replies", "overdue_rectifications", "rework",
                    "replies_due", "replies_on_time", "should_close", "closed_on_time"):
            setattr(t, key, getattr(t, key) + getattr(s, key))
    return {"new": t.new, "closed": t.closed, "open": t.open,
            "overdue_replies": t.overdue_replies,
            "overdue_rectifications": t.overdue_rectifications, "rework": t.rework,
            "on_time_reply_rate": t.on_time_reply_rate,
            "on_time_close_rate": t.on_time_close_rate, "unassigned_open": backlog}


# --------------------------------------------------------------------------- the reports

def _finding_ref(f: FindingRow, names: dict, community: int | None) -> dict:
    """A finding as the report lists reference it."""
    return {"finding_id": f.id, "code": f.code, "community_id": community,
            "community_name": names.get(community), "point_id": f.point_id,
            "point_name": f.point_name, "item_code": f.item_code, "item_text": f.item_text,
            "location_type": f.location_type}


def _status(fx: Facts, cutoff: datetime) -> str | None:
    """The finding's status at the cut-off."""
    s = fx.state_before(cutoff)
    return s.status if s else None


def overdue_list(facts: list[Facts], period: Period, cutoff: datetime, cal: WorkCalendar,
                 names: dict) -> list[dict]:
    """The overdue events of the period: which clock, due date, 逾期 N 个工作日, resolved or not."""
    last = cutoff_day(cutoff)
    out = []
    for fx in facts:
        for o in fx.overdue:
            if not period.holds(o.at):
                continue
            until = local_day(o.resolved_at) if o.resolved_at else last
            status = _status(fx, cutoff)
            out.append({**_finding_ref(o.finding, names, o.community),
                        "clock": o.clock, "clock_label": CLOCK_LABELS[o.clock],
                        "due": o.due.isoformat(), "overdue_on": local_day(o.at).isoformat(),
                        "overdue_working_days": cal.working_days_between(o.due, until),
                        "resolved_on": (local_day(o.resolved_at).isoformat()
                                        if o.resolved_at else None),
                        "resolution": RESOLUTION_LABELS.get(o.resolution) if o.resolution else None,
                        "status": status, "status_label": STATUS_LABELS.get(status)})
    out.sort(key=lambda r: (r["community_id"] or 0, r["due"], r["code"], r["clock"]))
    return out


def typical_photos(facts: list[Facts], period: Period, names: dict, limit: int) -> list[dict]:
    """A few findings closed in the period with before and after photos, communities in turn."""
    by_community: dict[int, list] = defaultdict(list)
    for fx in facts:
        f = fx.finding
        if not (f.before_photo and f.after_photo):
            continue
        for cid, at in fx.closes:
            if period.holds(at):
                by_community[cid].append((at, f.code, cid, f))
    queues = [sorted(v, key=lambda x: (x[0], x[1]), reverse=True)
              for _, v in sorted(by_community.items())]
    out = []
    while len(out) < limit and any(queues):
        for q in queues:
            if q and len(out) < limit:
                at, _, cid, f = q.pop(0)
                out.append({**_finding_ref(f, names, cid), "closed_on": local_day(at).isoformat(),
                            "before_photo_id": f.before_photo, "after_photo_id": f.after_photo,
                            "before_url": f"/api/v1/photos/{f.before_photo}?variant=thumb",
                            "after_url": f"/api/v1/photos/{f.after_photo}?variant=thumb"})
    return out


def _noticed_in(facts: list[Facts], period: Period):
    """(facts, community) for each finding first noticed to a community in the period."""
    for fx in facts:
        for cid, at, first in fx.notices:
            if first and period.holds(at):
                yield fx, cid


def last_period_followup(facts: list[Facts], prev: Period, cutoff: datetime, names: dict) -> dict:
    """Last period's new problems split into fixed (销号) and not fixed, with the responsible unit."""
    fixed, not_fixed = [], []
    for fx, cid in _noticed_in(facts, prev):
        end = fx.state_before(cutoff)
        if end is None or end.status == "void":
            continue
        holder = end.community if end.community is not None else cid
        row = {**_finding_ref(fx.finding, names, holder), "status": end.status,
               "status_label": STATUS_LABELS.get(end.status)}
        (fixed if end.status == "closed" else not_fixed).append(row)
    key = lambda r: (r["community_id"] or 0, r["point_name"] or "", r["code"])  # noqa: E731
    return {"period": prev.as_dict(), "fixed": sorted(fixed, key=key),
            "not_fixed": sorted(not_fixed, key=key)}


def problems_by_place(facts: list[Facts], period: Period, cutoff: datetime,
                      communities) -> list[dict]:
    """The period's new problems by community → point → item."""
    tree: dict[int, dict] = {cid: {} for cid, _ in communities}
    for fx, cid in _noticed_in(facts, period):
        f = fx.finding
        status = _status(fx, cutoff)
        points = tree.setdefault(cid, {})
        point = points.setdefault(f.point_id, {"point_id": f.point_id,
                                               "name": f.point_name or "未登记点位", "items": []})
        point["items"].append({"finding_id": f.id, "code": f.code, "item_code": f.item_code,
                               "item_text": f.item_text, "status": status,
                               "status_label": STATUS_LABELS.get(status)})
    names = dict(communities)
    out = []
    for cid, points in tree.items():
        plist = sorted(points.values(), key=lambda p: (p["name"], p["point_id"] or 0))
        for p in plist:
            p["items"].sort(key=lambda i: i["code"])
        out.append({"community_id": cid, "name": names.get(cid),
                    "count": sum(len(p["items"]) for p in plist), "points": plist})
    return out


def weekly_report(communities: list[tuple[int, str]], findings: list[FindingRow],
                  cal: WorkCalendar, period: Period, now: datetime, rule: dict,
                  typical_limit: int = DEFAULT_TYPICAL_PHOTOS,
                  coverage: dict | None = None) -> dict:
    """The weekly bulletin (周通报) over every community."""
    cutoff = cutoff_of(period, now)
    names = dict(communities)
    facts = [analyse(f, cal, cutoff) for f in findings]
    stats, backlog = community_stats(facts, period, cutoff, names)
    scores, ranks = _ranking(communities, stats, rule)
    rows = [_row(cid, name, stats[cid], ranks[cid]) for cid, name in communities]
    ranking = _ranking_table(communities, stats, scores, ranks)
    prev = previous_period(period)
    return {
        "week": period.label, "period": period.as_dict(), "generated_at": local_iso(now),
        "as_of": local_iso(cutoff), "complete": cutoff >= period.ends,
        "communities": rows, "totals": _totals(stats, backlog), "ranking": ranking,
        "bottom_three": [_public(r) for r in bottom_three(ranking)],
        "overdue": overdue_list(facts, period, cutoff, cal, names),
        "typical_photos": typical_photos(facts, period, names, typical_limit),
        "last_period": last_period_followup(facts, prev, cutoff, names),
        "problems": problems_by_place(facts, period, cutoff, communities),
        "coverage": coverage, "rule": rule,
    }


def _ranking_table(communities, stats, scores, ranks, grades=None, changes=None) -> list[dict]:
    """The public ranking table (names, cases, scores, ranks), best first, unranked last."""
    table = []
    for cid, name in communities:
        row = {"community_id": cid, "name": name, "cases": len(stats[cid].cases),
               "score": scores[cid], "rank": ranks[cid]}
        if grades is not None:
            row["grade"] = grades[cid]
        if changes is not None:
            row["change"] = changes[cid]
        table.append(row)
    table.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, -r["score"], r["community_id"]))
    return table


def _public(r: dict) -> dict:
    """A bottom-three entry."""
    return {k: r[k] for k in ("community_id", "name", "rank", "score")}


def period_scores(communities, findings: list[FindingRow], cal: WorkCalendar, period: Period,
                  now: datetime, rule: dict) -> tuple[dict, dict, dict, int, datetime]:
    """Stats, scores and ranks of every community over a period."""
    cutoff = cutoff_of(period, now)
    facts = [analyse(f, cal, cutoff) for f in findings]
    stats, backlog = community_stats(facts, period, cutoff, dict(communities))
    scores, ranks = _ranking(communities, stats, rule)
    return stats, scores, ranks, backlog, cutoff


def monthly_report(communities: list[tuple[int, str]], findings: list[FindingRow],
                   cal: WorkCalendar, period: Period, now: datetime, rule: dict) -> dict:
    """The monthly grades (月问效): scores, grades, ranks and change against last month."""
    prev = previous_period(period)
    p_stats, p_scores, p_ranks, _, _ = period_scores(communities, findings, cal, prev, now, rule)
    stats, scores, ranks, backlog, cutoff = period_scores(communities, findings, cal, period,
                                                          now, rule)
    grades = {cid: grade_of(scores[cid], rule) for cid, _ in communities}
    changes = {cid: (p_ranks[cid] - ranks[cid]
                     if ranks[cid] is not None and p_ranks[cid] is not None else None)
               for cid, _ in communities}
    rows = []
    for cid, name in communities:
        row = _row(cid, name, stats[cid], ranks[cid])
        row.update(score=scores[cid], grade=grades[cid], change=changes[cid])
        rows.append(row)
    ranking = _ranking_table(communities, stats, scores, ranks, grades, changes)
    for r in ranking:
        r["previous_rank"] = p_ranks[r["community_id"]]
    return {
        "month": period.label, "period": period.as_dict(), "previous_period": prev.as_dict(),
        "generated_at": local_iso(now), "as_of": local_iso(cutoff),
        "complete": cutoff >= period.ends, "communities": rows,
        "totals": _totals(stats, backlog), "ranking": ranking,
        "bottom_three": [_public(r) for r in bottom_three(ranking)], "rule": rule,
    }


# --------------------------------------------------------------------------- daily coverage

def coverage_report(points: list[PointRow], communities: list[tuple[int, str]], day: date,
                    last_inspected: dict[int, datetime], inspected_today: dict[int, int],
                    stale_days: int, now: datetime, type_labels: dict[str, str] | None = None,
                    unregistered: int = 0) -> dict:
    """Daily coverage (日督导): points inspected on a day, not inspected, and stale points.

    ``last_inspected`` holds each point's latest inspection up to the end of the day,
    ``inspected_today`` the number of inspections at each point on the day. A point is
    stale when it has not been inspected for at least ``stale_days`` days, or never.
    """
    names, labels = dict(communities), type_labels or {}
    inspected, not_inspected, stale = [], [], []
    by_c = {cid: _cov_counter() for cid, _ in communities}
    by_t: dict[str, dict] = {}
    for p in sorted(points, key=lambda p: (p.community_id, p.location_type, p.name, p.id)):
        last = last_inspected.get(p.id)
        last_day = local_day(last) if last else None
        days = (day - last_day).days if last_day else None
        row = {"point_id": p.id, "name": p.name, "location_type": p.location_type,
               "location_type_label": labels.get(p.location_type, p.location_type),
               "community_id": p.community_id, "community_name": names.get(p.community_id),
               "inspections": inspected_today.get(p.id, 0),
               "last_inspected": last_day.isoformat() if last_day else None,
               "days_since_last": days}
        is_stale = days is None or days >= stale_days
        counters = (by_c.setdefault(p.community_id, _cov_counter()),
                    by_t.setdefault(p.location_type, _cov_counter()))
        for c in counters:
            c["points"] += 1
            c["inspections"] += row["inspections"]
        if row["inspections"]:
            inspected.append(row)
            for c in counters:
                c["inspected"] += 1
        else:
            not_inspected.append(row)
            for c in counters:
                c["not_inspected"] += 1
        if is_stale:
            stale.append(row)
            for c in counters:
                c["stale"] += 1
    stale.sort(key=lambda r: (r["days_since_last"] is not None, -(r["days_since_last"] or 0),
                              r["community_id"], r["name"]))
    total = _cov_counter()
    for c in by_c.values():
        for k in total:
            total[k] += c[k]
    return {
        "date": day.isoformat(), "stale_days": stale_days, "generated_at": local_iso(now),
        "summary": {**_cov_rate(total), "unregistered_inspections": unregistered},
        "by_community": [{"community_id": cid, "name": names.get(cid), **_cov_rate(c)}
                         for cid, c in by_c.items()],
        "by_location_type": [{"location_type": t, "label": labels.get(t, t), **_cov_rate(c)}
                             for t, c in sorted(by_t.items(),
                                                key=lambda kv: _type_order(kv[0], labels))],
        "inspected": inspected, "not_inspected": not_inspected, "stale": stale,
    }


def _type_order(location_type: str, labels: dict) -> tuple:
    """Location types in the catalogue's order (the labels' order), unknown ones last."""
    order = list(labels)
    return (order.index(location_type) if location_type in order else len(order), location_type)


def _cov_counter() -> dict:
    """Zeroed coverage counts."""
    return {"points": 0, "inspected": 0, "not_inspected": 0, "stale": 0, "inspections": 0}


def _cov_rate(c: dict) -> dict:
    """Counts with the coverage rate (inspected ÷ points)."""
    return {**c, "coverage_rate": _rate(c["inspected"], c["points"])}


# --------------------------------------------------------------------------- scoping

def scope_to_community(report: dict, community_id: int) -> dict:
    """What a community account may see: its own row and lists, and the public ranking.

    Names, cases, scores, grades and ranks of every community are a public bulletin; finding
    codes, photos and overdue lists of other communities are not.
    """
    out = dict(report)
    out["communities"] = [r for r in report["communities"] if r["community_id"] == community_id]
    for key in ("overdue", "typical_photos", "problems"):
        if key in report:
            out[key] = [r for r in report[key] if r["community_id"] == community_id]
    if "last_period" in report:
        lp = report["last_period"]
        out["last_period"] = {"period": lp["period"],
                              **{k: [r for r in lp[k] if r["community_id"] == community_id]
                                 for k in ("fixed", "not_fixed")}}
    if report.get("coverage"):
        cov = dict(report["coverage"])
        cov["by_community"] = [r for r in cov.get("by_community", [])
                               if r["community_id"] == community_id]
        out["coverage"] = cov
    out["scope"] = {"community_id": community_id}
    return out
