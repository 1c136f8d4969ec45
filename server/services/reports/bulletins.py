"""Assembling the weekly bulletin (周通报) and the monthly grades (月问效) from findings' facts,
and scoping a report to what one community may see."""
from collections import defaultdict
from datetime import datetime

from ..calendar import WorkCalendar
from ...models.findings import SOURCES
from ..lifecycle import STATUS_LABELS
from .periods import Period, cutoff_day, cutoff_of, local_day, local_iso, previous_period
from .ranking import _public, _ranking, _ranking_table, bottom_three
from .scoring import grade_of, terms_of
from .stats import Stats, community_stats
from .timeline import Facts, FindingRow, analyse

CLOCK_LABELS = {"reply": "答复", "rectify": "整改"}
RESOLUTION_LABELS = {"reply": "已答复", "rectify": "已整改", "return": "已回退", "void": "已作废",
                     "assign": "已改派", "set_deadline": "已调整时限",
                     "approve_extension": "已批准延期", "verify": "已销号"}
DEFAULT_TYPICAL_PHOTOS = 4

COMMUNITY_FIELDS = ("community_id", "name", "new", "closed", "open", "overdue_replies",
                    "overdue_rectifications", "on_time_reply_rate", "on_time_close_rate",
                    "rework", "resightings", "rank")
CAMPAIGN_FIELDS = ("missed_submissions", "adopted_submissions", "overdue_duty_items", "new_serious")
MONTHLY_FIELDS = COMMUNITY_FIELDS + ("score", "grade", "change")
# With the campaign's terms (the API always counts them), a monthly row also shows each term.
GRADED_FIELDS = MONTHLY_FIELDS + CAMPAIGN_FIELDS + ("terms",)


def _row(cid: int, name: str, s: Stats, rank) -> dict:
    """A community's entry with exactly the contract's fields."""
    return {"community_id": cid, "name": name, "new": s.new, "closed": s.closed, "open": s.open,
            "overdue_replies": s.overdue_replies,
            "overdue_rectifications": s.overdue_rectifications,
            "on_time_reply_rate": s.on_time_reply_rate,
            "on_time_close_rate": s.on_time_close_rate, "rework": s.rework,
            "resightings": s.resightings, "rank": rank}


def _totals(stats: dict[int, Stats], backlog: int) -> dict:
    """Street-wide totals over every community, plus the task force's backlog."""
    t = Stats()
    for s in stats.values():
        for key in ("new", "closed", "open", "overdue_replies", "overdue_rectifications", "rework",
                    "resightings", "replies_due", "replies_on_time", "should_close", "closed_on_time"):
            setattr(t, key, getattr(t, key) + getattr(s, key))
    return {"new": t.new, "closed": t.closed, "open": t.open,
            "overdue_replies": t.overdue_replies,
            "overdue_rectifications": t.overdue_rectifications, "rework": t.rework,
            "resightings": t.resightings,
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
        if cid not in tree:
            continue  # another kind of unit: it has its own section
        f = fx.finding
        status = _status(fx, cutoff)
        points = tree[cid]
        point = points.setdefault(f.point_id, {"point_id": f.point_id,
                                               "name": f.point_name or "未登记点位", "items": []})
        point["items"].append({"finding_id": f.id, "code": f.code, "item_code": f.item_code,
                               "item_text": f.item_text, "status": status,
                               "status_label": STATUS_LABELS.get(status), "source": f.source,
                               "source_label": SOURCES.get(f.source, f.source)})
    names = dict(communities)
    out = []
    for cid, points in tree.items():
        plist = sorted(points.values(), key=lambda p: (p["name"], p["point_id"] or 0))
        for p in plist:
            p["items"].sort(key=lambda i: i["code"])
        out.append({"community_id": cid, "name": names.get(cid),
                    "count": sum(len(p["items"]) for p in plist), "points": plist})
    return out


def by_source(facts: list[Facts], period: Period) -> list[dict]:
    """The period's new problems (every unit) by 问题来源, in the work plan's order."""
    counts = dict.fromkeys(SOURCES, 0)
    for f in {fx.finding.id: fx.finding for fx, _ in _noticed_in(facts, period)}.values():
        counts[f.source] = counts.get(f.source, 0) + 1
    return [{"source": s, "label": SOURCES.get(s, s), "new": n} for s, n in counts.items()]


def weekly_report(communities: list[tuple[int, str]], findings: list[FindingRow],
                  cal: WorkCalendar, period: Period, now: datetime, rule: dict,
                  typical_limit: int = DEFAULT_TYPICAL_PHOTOS,
                  coverage: dict | None = None, unit_names: dict | None = None) -> dict:
    """The weekly bulletin (周通报) over every community (or the units of one other kind).

    ``unit_names`` names every unit, so the overdue and follow-up lists name a 专班 or 科室
    that held a problem; the ranking and the tables cover ``communities`` only."""
    cutoff = cutoff_of(period, now)
    names = {**(unit_names or {}), **dict(communities)}
    facts = [analyse(f, cal, cutoff) for f in findings]
    stats, backlog = community_stats(facts, period, cutoff, dict(communities))
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
        "sources": by_source(facts, period), "coverage": coverage, "rule": rule,
    }


def period_scores(communities, findings: list[FindingRow], cal: WorkCalendar, period: Period,
                  now: datetime, rule: dict, campaign=None) -> tuple[dict, dict, dict, int, datetime]:
    """Stats, scores and ranks of every community over a period.

    ``campaign(period, cutoff)``, when given, answers each unit's campaign terms
    (missed and adopted submissions, overdue duty items) for the monthly grade."""
    cutoff = cutoff_of(period, now)
    facts = [analyse(f, cal, cutoff) for f in findings]
    stats, backlog = community_stats(facts, period, cutoff, dict(communities))
    if campaign is not None:
        for cid, terms in campaign(period, cutoff).items():
            if cid in stats:
                for key, value in terms.items():
                    setattr(stats[cid], key, value)
    scores, ranks = _ranking(communities, stats, rule)
    return stats, scores, ranks, backlog, cutoff


def monthly_report(communities: list[tuple[int, str]], findings: list[FindingRow],
                   cal: WorkCalendar, period: Period, now: datetime, rule: dict,
                   campaign=None) -> dict:
    """The monthly grades (月问效): scores, grades, ranks and change against last month; each
    row shows every term of its score (``terms``) so a unit sees why it lost points."""
    prev = previous_period(period)
    p_stats, p_scores, p_ranks, _, _ = period_scores(communities, findings, cal, prev, now, rule,
                                                     campaign)
    stats, scores, ranks, backlog, cutoff = period_scores(communities, findings, cal, period,
                                                          now, rule, campaign)
    grades = {cid: grade_of(scores[cid], rule) for cid, _ in communities}
    changes = {cid: (p_ranks[cid] - ranks[cid]
                     if ranks[cid] is not None and p_ranks[cid] is not None else None)
               for cid, _ in communities}
    rows = []
    for cid, name in communities:
        row = _row(cid, name, stats[cid], ranks[cid])
        row.update(score=scores[cid], grade=grades[cid], change=changes[cid])
        if campaign is not None:
            row.update({k: getattr(stats[cid], k) for k in CAMPAIGN_FIELDS},
                       terms=terms_of(stats[cid], rule))
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


# --------------------------------------------------------------------------- scoping

KIND_LABELS = {"task_force": "专班", "office": "科室"}


def unit_section(kind: str, report: dict) -> dict:
    """A kind's own section of the bulletin (五(二)7: the task force reports on and ranks the
    专班 too): its units by rank with their figures and scores, its bottom list, its problems
    and overdue events — from a weekly_report over the units of that kind."""
    ids = {r["community_id"] for r in report["communities"]}
    scores = {r["community_id"]: r["score"] for r in report["ranking"]}
    rows = [dict(r, unit_id=r["community_id"], kind=kind, score=scores.get(r["community_id"]))
            for r in report["communities"]]
    rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, r["community_id"]))
    return {"kind": kind, "label": KIND_LABELS.get(kind, kind), "rows": rows,
            "bottom": report["bottom_three"], "problems": report["problems"],
            "overdue": [o for o in report["overdue"] if o["community_id"] in ids]}


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
    if "unit_sections" in report:  # another unit's ranking is public, its problems are not
        out["unit_sections"] = [
            {**s, **{k: [r for r in s[k] if r["community_id"] == community_id]
                     for k in ("problems", "overdue") if k in s}}
            for s in report["unit_sections"]]
    out["scope"] = {"community_id": community_id}
    return out
