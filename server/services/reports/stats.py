"""Per-unit numbers over a period (new, closed, open, overdue, rates, rework, cases), and the
campaign terms the monthly grade also counts (missed submissions, adopted ones, overdue duty items)."""
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import datetime

from .periods import Period
from .timeline import Facts

HELD = ("assigned", "replied", "rectified")  # states in which a community holds a finding


@dataclass
class Stats:
    """One community's numbers over a period."""

    new: int = 0
    new_serious: int = 0  # of which 严重
    closed: int = 0
    open: int = 0
    overdue_replies: int = 0
    overdue_rectifications: int = 0
    rework: int = 0
    resightings: int = 0  # the same open problem recorded again (仍未整改): a relapse signal
    replies_due: int = 0
    replies_on_time: int = 0
    should_close: int = 0
    closed_on_time: int = 0
    cases: set = field(default_factory=set)
    # The campaign's terms (信息报送, 责任清单), filled in by the loader for the monthly grade.
    missed_submissions: int = 0
    adopted_submissions: int = 0
    overdue_duty_items: int = 0

    @property
    def new_general(self) -> int:
        """New problems of severity 一般."""
        return self.new - self.new_serious

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
                s = get(cid)
                s.new += 1
                s.new_serious += fx.finding.severity_at(cutoff) == "serious"
        for cid, at in fx.closes:
            if period.holds(at):
                get(cid).closed += 1
        for cid, at in fx.rejects:
            if period.holds(at):
                get(cid).rework += 1
        for cid, at in fx.resightings:
            if period.holds(at):
                get(cid).resightings += 1
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
