"""The campaign's own reports as pure computation: the half-month 信息报送 ranking, the 责任清单
completion per unit, the terms they add to the monthly grade, and the year (年度创建绩效考核).

Units are ``(id, name, kind)``; every date is a local date.
"""
from datetime import date

from .periods import Period, halves_of
from .ranking import competition_ranks
from .stats import _rate


def submission_ranking(units: list[tuple[int, str, str]], counts: dict[int, tuple[int, int]]
                       ) -> list[dict]:
    """Every unit with submitted and adopted counts, ranked by adopted then submitted
    (competition ranks); ``met_minimum`` means at least one submitted."""
    keys = {uid: counts.get(uid, (0, 0))[::-1] for uid, _, _ in units}  # (adopted, submitted)
    ranks = _ranks_by(keys)
    rows = [{"unit_id": uid, "name": name, "kind": kind, "submitted": keys[uid][1],
             "adopted": keys[uid][0], "met_minimum": keys[uid][1] >= 1, "rank": ranks[uid]}
            for uid, name, kind in units]
    rows.sort(key=lambda r: (r["rank"], r["unit_id"]))
    return rows


def _ranks_by(keys: dict) -> dict:
    """Competition ranks by descending sort key (tuples allowed): ties share, then skip."""
    ordered = sorted(keys, key=keys.get, reverse=True)
    ranks, prev, rank = {}, None, 0
    for i, k in enumerate(ordered, start=1):
        if keys[k] != prev:
            rank, prev = i, keys[k]
        ranks[k] = rank
    return ranks


def duty_rows(units: list[tuple[int, str, str]], items: list[tuple[int, date, str]], today: date
              ) -> list[dict]:
    """Per unit: items, done (confirmed), overdue (not confirmed, due before today), rate."""
    per = {uid: [0, 0, 0] for uid, _, _ in units}
    for uid, due, status in items:
        c = per.get(uid)
        if c is None:
            continue
        c[0] += 1
        c[1] += status == "confirmed"
        c[2] += status != "confirmed" and due < today
    return [{"unit_id": uid, "name": name, "kind": kind, "items": per[uid][0],
             "done": per[uid][1], "overdue": per[uid][2], "rate": _rate(per[uid][1], per[uid][0])}
            for uid, name, kind in units]


def monthly_terms(unit_ids, month: Period, until: date,
                  submissions: list[tuple[int, str, bool | None]],
                  duty: list[tuple[int, date, str, date | None]],
                  started: str | None = None) -> dict[int, dict]:
    """What the campaign adds to each unit's monthly grade, counting the days before ``until`` (today, or the day after a finished month):

    * ``missed_submissions``: half-months of the month already over with nothing submitted,
      from the half-month 信息报送 started in (``started``, the first submission's; before
      any submission exists nobody has missed one);
    * ``adopted_submissions``: items of the month's half-months adopted;
    * ``overdue_duty_items``: items due in the month before ``until`` not done in time
      (not confirmed, or confirmed but reported done after the due date).
    """
    labels = {h.label for h in halves_of(month)}
    over = {h.label for h in halves_of(month)
            if h.end < until and started is not None and h.label >= started}
    out = {uid: {"missed_submissions": 0, "adopted_submissions": 0, "overdue_duty_items": 0}
           for uid in unit_ids}
    seen: dict[int, set] = {uid: set() for uid in out}
    for uid, period, adopted in submissions:
        if uid not in out or period not in labels:
            continue
        seen[uid].add(period)
        out[uid]["adopted_submissions"] += bool(adopted)
    for uid in out:
        out[uid]["missed_submissions"] = len(over - seen[uid])
    for uid, due, status, done_on in duty:
        if uid in out and month.contains(due) and due < until:
            in_time = status == "confirmed" and done_on is not None and done_on <= due
            out[uid]["overdue_duty_items"] += not in_time
    return out


def yearly_rows(units: list[tuple[int, str, str]], months: list[str],
                scores: dict[str, dict[int, dict]]) -> list[dict]:
    """Per unit: each month's score (and grade), the total and average, ranked by total within
    its kind (competition ranks)."""
    rows = []
    for uid, name, kind in units:
        per = {m: scores[m].get(uid) for m in months}
        values = [r["score"] for r in per.values() if r is not None]
        total = round(sum(values), 2)
        rows.append({"unit_id": uid, "name": name, "kind": kind,
                     "months": [{"month": m, "score": r["score"] if r else None,
                                 "grade": r["grade"] if r else None} for m, r in per.items()],
                     "total": total,
                     "average": round(total / len(values), 2) if values else None,
                     "missed_submissions": sum(r["missed_submissions"] for r in per.values() if r),
                     "adopted_submissions": sum(r["adopted_submissions"] for r in per.values() if r),
                     "overdue_duty_items": sum(r["overdue_duty_items"] for r in per.values() if r)})
    for kind in {k for _, _, k in units}:
        mine = {r["unit_id"]: r["total"] for r in rows if r["kind"] == kind}
        ranks = competition_ranks(mine, mine.keys())
        for r in rows:
            if r["kind"] == kind:
                r["rank"] = ranks[r["unit_id"]]
    return rows
