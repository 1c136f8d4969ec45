"""Loading the campaign's reports: the half-month 信息报送 ranking, the 责任清单 completion, the
campaign terms of the monthly grade, and the year (年度创建绩效考核).

The computation is pure (``reports/campaign.py``); this module reads the query string, loads
rows in a few bulk queries and answers. Names and counts are a public bulletin: every role
that reads reports sees every unit's row, as with the monthly ranking.
"""
from datetime import date, datetime

import sqlalchemy as sa

from ..errors import ApiError
from ..extensions import db
from ..models import Unit
from ..models.campaign import DutyItem, DutyList, Submission
from ..models.places import UNIT_KIND_NAMES
from ..timeutil import local_today, to_local, utcnow
from . import reports as R
from .report_data import _bulk_objects, load_findings, scoring_rule
from .reference import load_reference

CAMPAIGN_ROLES = ("community", "supervisor", "leader", "admin")


def _query_period(args, name: str, parser, default, today: date):
    """Parse ?name= (400 when malformed); a period that has not begun → 422."""
    if args.get(name):
        try:
            period = parser(args[name])
        except ValueError as err:
            raise ApiError(400, "bad_query", "查询参数有误", {name: str(err)}) from None
    else:
        period = default
    if period.start > today:
        raise ApiError(422, "period_not_begun", "所选时段尚未开始", {name: "所选时段尚未开始"})
    return period


def load_units(active_only: bool = True) -> list[tuple[int, str, str]]:
    """(id, name, kind) of the units: communities first, then task forces and offices."""
    order = sa.case({k: i for i, k in enumerate(UNIT_KIND_NAMES)}, value=Unit.kind, else_=9)
    q = sa.select(Unit.id, Unit.name, Unit.kind).order_by(order, Unit.position, Unit.id)
    if active_only:
        q = q.where(Unit.active.is_(True))
    return [tuple(r) for r in db.session.execute(q)]


def build_submission_report(user, args, now: datetime | None = None) -> dict:
    """GET /reports/submissions?half=2026-12-1: every active unit ranked by adopted, submitted."""
    today = local_today(now or utcnow())
    period = _query_period(args, "half", R.parse_half, R.half_of(today), today)
    counts = {uid: (n, adopted or 0) for uid, n, adopted in db.session.execute(
        sa.select(Submission.unit_id, sa.func.count(),
                  sa.func.sum(sa.case((Submission.adopted.is_(True), 1), else_=0)))
        .where(Submission.period == period.label).group_by(Submission.unit_id))}
    return {"period": period.label, "from": period.start.isoformat(),
            "to": period.end.isoformat(), "complete": period.end < today,
            "rows": R.submission_ranking(load_units(), counts)}


def build_duty_report(user, args, now: datetime | None = None) -> dict:
    """GET /reports/duty?period=2026-W49|2026-12: completion per unit of that period's lists."""
    today = local_today(now or utcnow())
    period = _query_period(args, "period", R.parse_week_or_month, R.week_of(today), today)
    items = [(uid, due, status) for uid, due, status in db.session.execute(
        sa.select(DutyList.unit_id, DutyItem.due, DutyItem.status).join(DutyList)
        .where(DutyList.period == period.label))]
    return {"period": period.label, "from": period.start.isoformat(),
            "to": period.end.isoformat(), "rows": R.duty_rows(load_units(), items, today)}


def campaign_terms(since: date, until: date):
    """A function (period, cutoff) → each unit's campaign terms, over rows loaded once for the
    months from ``since`` to ``until``."""
    first, last = R.half_of(since).label, R.half_of(until).label
    subs = [(uid, p, adopted) for uid, p, adopted in db.session.execute(
        sa.select(Submission.unit_id, Submission.period, Submission.adopted)
        .where(Submission.period >= first, Submission.period <= last))]
    duty = [(uid, due, status, to_local(done).date() if done else None)
            for uid, due, status, done in db.session.execute(
                sa.select(DutyList.unit_id, DutyItem.due, DutyItem.status, DutyItem.completed_at)
                .join(DutyList).where(DutyItem.due >= since, DutyItem.due <= until))]
    unit_ids = [uid for uid, _, _ in load_units(active_only=False)]
    first = db.session.scalar(sa.select(sa.func.min(Submission.received_at)))
    started = R.half_of(to_local(first).date()).label if first else None

    def terms(period, cutoff: datetime) -> dict:
        """The terms of one month up to its cut-off."""
        return R.monthly_terms(unit_ids, period, R.local_day(cutoff), subs, duty, started)

    return terms


def build_yearly(user, args, now: datetime | None = None) -> dict:
    """GET /reports/yearly?year=2026: each unit's monthly scores summed over the year."""
    now = now or utcnow()
    today = local_today(now)
    year = _query_period(args, "year", R.parse_year, R.parse_year(str(today.year)), today)
    months = [R.month_period(year.start.year, m) for m in range(1, 13)
              if date(year.start.year, m, 1) <= today]
    units = load_units()
    pairs = [(uid, name) for uid, name, _ in units]
    rule = scoring_rule()
    cutoff = R.cutoff_of(months[-1], now)
    with _bulk_objects():
        findings = load_findings(months[0].start, cutoff)
        cal = load_reference().calendar
        campaign = campaign_terms(months[0].start, months[-1].end)
        scores = {}
        for m in months:
            stats, sc, _, _, _ = R.period_scores(pairs, findings, cal, m, now, rule, campaign)
            scores[m.label] = {uid: {"score": sc[uid], "grade": R.grade_of(sc[uid], rule),
                                     **{k: getattr(stats[uid], k) for k in R.CAMPAIGN_FIELDS}}
                               for uid, _ in pairs}
    rows = R.yearly_rows(units, [m.label for m in months], scores)
    rows.sort(key=lambda r: (list(UNIT_KIND_NAMES).index(r["kind"]) if r["kind"] in UNIT_KIND_NAMES
                             else 9, r["rank"], r["unit_id"]))
    return {"year": year.label, "period": year.as_dict(), "months": [m.label for m in months],
            "generated_at": R.local_iso(now),
            "complete": year.end < today, "rows": rows, "rule": rule}


