"""Loading what the reports need in a few bulk queries, and building them for a user.

The computation lives in the ``reports`` package (pure); this module reads the query string, loads
plain rows, applies the configuration and scopes the answer to the user:

* supervisors, leaders and admins see every community;
* a community account sees its own row, lists and photos, plus the public ranking
  (names, case counts, scores, grades, ranks) — never another community's finding codes,
  photos or overdue lists; its coverage lists only its own points;
* inspectors see the daily coverage only (the weekly and monthly reports answer 403).

Configuration (``current_app.config``; every key optional):
``REPORT_MIN_CASES`` (3) · ``REPORT_SCORING`` (dict, merged over ``reports.DEFAULT_SCORING``) ·
``REPORT_GRADES`` (list of ``[min_score, grade]``) · ``REPORT_TYPICAL_PHOTOS`` (4) ·
``REPORT_STALE_DAYS`` (7, the coverage's default ``stale_days``).
"""
import gc
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa
from flask import current_app

import shared_schema

from ..errors import ApiError
from ..extensions import db
from ..models import Community, Finding, FindingEvent, FindingPhoto, Inspection, Point, User
from ..models.findings import OPEN_STATUSES
from ..timeutil import local_today, utcnow
from . import reports as R
from . import bulletin_issues
from .reference import load_reference
from .settings import current as current_settings

ALL_COMMUNITIES = ("supervisor", "leader", "admin")
REPORT_ROLES = ("community",) + ALL_COMMUNITIES  # the weekly and monthly reports
# Events that change a finding's state, holder or clocks (prompts and requests do not).
EVENT_ACTIONS = ("create", "assign", "return", "deny_return", "reply", "rectify", "verify",
                 "reject", "void", "set_deadline", "approve_extension", "resight")
# Whose data the reports read (a reject's tells whether it was a re-sighting).
DETAIL_ACTIONS = ("assign", "set_deadline", "approve_extension", "reject")
MAX_STALE_DAYS = 3650
# Sources that are a visit to the place (日常督查, 暗访, 专题督查); 上级交办 and 群众反映 are not.
VISIT_SOURCES = ("routine", "covert", "thematic")


# --------------------------------------------------------------------------- query string

def _bad(name: str, message: str) -> ApiError:
    """A 400 naming the query parameter."""
    return ApiError(400, "bad_query", "查询参数有误", {name: message})


def _parse(args, name: str, parser, default):
    """Parse one query parameter with a reports parser (absent: the default)."""
    if name not in args:
        return default
    try:
        return parser(args[name])
    except ValueError as err:
        raise _bad(name, str(err)) from None


def _not_future(name: str, start: date, today: date) -> None:
    """Refuse a period that has not begun."""
    if start > today:
        raise _bad(name, "所选时段尚未开始")


def _int_arg(args, name: str, default: int, lo: int, hi: int) -> int:
    """A bounded integer query parameter."""
    if name not in args:
        return default
    text = args[name]
    if not text.isdigit() or not lo <= int(text) <= hi:
        raise _bad(name, f"须为 {lo}–{hi} 之间的整数")
    return int(text)


# --------------------------------------------------------------------------- configuration

def scoring_rule() -> dict:
    """The scoring rule in force: the admin's settings over the configuration's defaults."""
    from .settings import scoring_rule as in_force

    return in_force()


# --------------------------------------------------------------------------- loaders

def _raw(column):
    """A date or time column as the driver returns it (SQLite: ISO text), parsed below:
    SQLAlchemy's per-row parsing would dominate a report over tens of thousands of events."""
    return sa.type_coerce(column, sa.String)


def _utc(value) -> datetime:
    """A stored UTC time (text or naive datetime) as an aware datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc)


def _day(value) -> date | None:
    """A stored date (text or date)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def load_communities() -> list[tuple[int, str]]:
    """(id, name) of every community unit, by id (task forces and offices are ranked apart)."""
    return [(cid, name) for cid, name in db.session.execute(
        sa.select(Community.id, Community.name).where(Community.kind == "community")
        .order_by(Community.id))]


def load_other_units() -> dict[str, list[tuple[int, str]]]:
    """(id, name) of the active task forces and offices, by kind (each kind is ranked apart)."""
    out: dict[str, list[tuple[int, str]]] = {}
    for uid, name, kind in db.session.execute(
            sa.select(Community.id, Community.name, Community.kind).where(
                Community.kind != "community", Community.active.is_(True))
            .order_by(Community.position, Community.id)):
        out.setdefault(kind, []).append((uid, name))
    return out


def with_units(report: dict, per_kind: dict[str, list[dict]]) -> dict:
    """Add `units`: every unit's row with its kind, ranked within its kind (communities first)."""
    rows = [dict(r, unit_id=r["community_id"], kind="community") for r in report["communities"]]
    for kind, kind_rows in per_kind.items():
        rows += [dict(r, unit_id=r["community_id"], kind=kind) for r in kind_rows]
    report["units"] = rows
    return report


def load_findings(since: date, cutoff: datetime, closed_from: datetime | None = None,
                  ) -> list[R.FindingRow]:
    """Findings that can matter to periods from ``since`` up to ``cutoff``, with history.

    A finding matters if it existed before the cut-off and is still open, or changed on or
    after ``since``, or has a clock due on or after it. A few bulk queries: the findings,
    their events, the details of the events that move a clock or the holder, the users'
    communities, and the before/after photos of those closed since ``closed_from`` (for the
    typical pairs).
    """
    ref = load_reference()
    since_at = R.local_midnight(since)
    relevant = sa.and_(Finding.received_at < cutoff, sa.or_(
        Finding.status.in_(OPEN_STATUSES), Finding.updated_at >= since_at,
        Finding.reply_due >= since, Finding.rectify_due >= since))
    point_names = dict(db.session.execute(sa.select(Point.id, Point.name)).all())
    rows: dict[str, R.FindingRow] = {}
    closed_at = {}
    q = sa.select(Finding.id, Finding.code, Finding.community_id, _raw(Finding.reply_due),
                  _raw(Finding.rectify_due), Finding.item_code, Finding.point_id,
                  Finding.location_type, _raw(Finding.closed_at), Finding.source,
                  Finding.item_text, Finding.severity).where(relevant)
    for fid, code, cid, reply_due, rectify_due, item_code, point_id, ltype, closed, source, \
            text, severity in db.session.execute(q):
        closed_at[fid] = closed
        item = ref.items.get(item_code)
        rows[fid] = R.FindingRow(
            id=fid, code=code, community_id=cid, reply_due=_day(reply_due),
            rectify_due=_day(rectify_due),
            limit_days=item.limit_days if item else 5, events=[], point_id=point_id,
            point_name=point_names.get(point_id), item_code=item_code,
            item_text=text or (item.text if item else item_code), location_type=ltype,
            source=source, severity=severity)
    if not rows:
        return []
    ids = sa.select(Finding.id).where(relevant)
    actors = dict(db.session.execute(sa.select(User.id, User.community_id)).all())
    details = dict(db.session.execute(sa.select(FindingEvent.id, FindingEvent.data).where(
        FindingEvent.finding_id.in_(ids), FindingEvent.action.in_(DETAIL_ACTIONS))).all())
    q = (sa.select(FindingEvent.id, FindingEvent.finding_id, _raw(FindingEvent.at),
                   FindingEvent.action, FindingEvent.to_status, FindingEvent.actor_id)
         .where(FindingEvent.finding_id.in_(ids), FindingEvent.action.in_(EVENT_ACTIONS))
         .order_by(FindingEvent.finding_id, FindingEvent.at, FindingEvent.id))
    event, parse, utc = R.EventRow, datetime.fromisoformat, timezone.utc
    for eid, fid, at, action, to_status, actor in db.session.execute(q):
        row = rows.get(fid)
        if row is not None:
            at = (parse(at) if isinstance(at, str) else at).replace(tzinfo=utc)
            row.events.append(event(at, action, to_status, details.get(eid), actors.get(actor)))
    changes = (sa.select(FindingEvent.finding_id, _raw(FindingEvent.at), FindingEvent.data)
               .where(FindingEvent.finding_id.in_(ids), FindingEvent.action == "set_severity")
               .order_by(FindingEvent.finding_id, FindingEvent.at, FindingEvent.id))
    for fid, at, data in db.session.execute(changes):
        if fid in rows and (data or {}).get("from"):
            rows[fid].severity_changes.append((_utc(at), data["from"]))
    if closed_from is not None:
        closed = [fid for fid, at in closed_at.items()
                  if at is not None and closed_from <= _utc(at) < cutoff]
        for i in range(0, len(closed), 500):
            photos = (sa.select(FindingPhoto.finding_id, FindingPhoto.photo_id,
                                FindingPhoto.stage)
                      .where(FindingPhoto.finding_id.in_(closed[i:i + 500]),
                             FindingPhoto.stage.in_(("before", "after")))
                      .order_by(FindingPhoto.finding_id, FindingPhoto.position))
            for fid, pid, stage in db.session.execute(photos):
                row = rows[fid]
                if stage == "before" and row.before_photo is None:
                    row.before_photo = pid
                elif stage == "after":
                    row.after_photo = pid  # the latest rectification's photo
    return list(rows.values())


def load_week_coverage(begins: datetime, cutoff: datetime,
                       communities: list[tuple[int, str]]) -> dict:
    """Inspections of a period and the points they covered, per community."""
    per = {cid: {"community_id": cid, "name": name, "inspections": 0, "points_inspected": 0,
                 "points_total": 0} for cid, name in communities}
    for cid, n in db.session.execute(sa.select(Point.community_id, sa.func.count()).where(
            Point.active.is_(True)).group_by(Point.community_id)):
        if cid in per:
            per[cid]["points_total"] = n
    in_period = sa.and_(Inspection.started_at >= begins, Inspection.started_at < cutoff,
                        Inspection.source.in_(VISIT_SOURCES))
    for cid, n, distinct in db.session.execute(
            sa.select(Point.community_id, sa.func.count(Inspection.id),
                      sa.func.count(sa.distinct(Inspection.point_id)))
            .join(Point, Point.id == Inspection.point_id).where(in_period)
            .group_by(Point.community_id)):
        if cid in per:
            per[cid]["inspections"], per[cid]["points_inspected"] = n, distinct
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Inspection).where(in_period))
    rows = list(per.values())
    return {"inspections": total or 0,
            "points_inspected": sum(r["points_inspected"] for r in rows),
            "points_total": sum(r["points_total"] for r in rows), "by_community": rows}


# --------------------------------------------------------------------------- builders

@contextmanager
def _bulk_objects():
    """Pause the cyclic garbage collector while a report builds tens of thousands of small,
    acyclic objects (reference counting frees them); its repeated full scans would otherwise
    cost about as much as the report itself."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _scoped(report: dict, user) -> dict:
    """Scope a report to what the user may see."""
    if user.role in ALL_COMMUNITIES:
        report["scope"] = {"community_id": None}
        return report
    if user.role == "community" and user.community_id is not None:
        out = R.scope_to_community(report, user.community_id)
        if "units" in report:
            out["units"] = [r for r in report["units"] if r["unit_id"] == user.community_id]
        return out
    raise ApiError(403, "forbidden", "当前角色无权查看此报表")


def build_weekly(user, args, now: datetime | None = None) -> dict:
    """The weekly bulletin (周通报) for ?week=YYYY-Www (default: this week)."""
    now = now or utcnow()
    today = local_today(now)
    period = _parse(args, "week", R.parse_week, None) or R.week_of(today)
    _not_future("week", period.start, today)
    cutoff = R.cutoff_of(period, now)
    communities = load_communities()
    with _bulk_objects():
        findings = load_findings(R.previous_period(period).start, cutoff,
                                 closed_from=period.begins)
        cal, rule = load_reference().calendar, scoring_rule()
        others = load_other_units()
        names = {uid: name for units in others.values() for uid, name in units}
        report = R.weekly_report(
            communities, findings, cal, period, now, rule,
            typical_limit=int(current_app.config.get("REPORT_TYPICAL_PHOTOS",
                                                     R.DEFAULT_TYPICAL_PHOTOS)),
            coverage=load_week_coverage(period.begins, cutoff, communities), unit_names=names)
        sections = [R.unit_section(kind, R.weekly_report(units, findings, cal, period, now, rule, 0,
                                                         unit_names=names))
                    for kind, units in others.items()]
    report = with_units(report, {s["kind"]: s["rows"] for s in sections})
    report["unit_sections"] = sections
    report["issue"] = bulletin_issues.issue_of(period.label)
    report["distribution"] = bulletin_issues.distribution(current_settings())
    return _scoped(report, user)


def build_monthly(user, args, now: datetime | None = None) -> dict:
    """The monthly grades (月问效) for ?month=YYYY-MM (default: this month)."""
    now = now or utcnow()
    today = local_today(now)
    period = _parse(args, "month", R.parse_month, None) or R.month_of(today)
    _not_future("month", period.start, today)
    cutoff = R.cutoff_of(period, now)
    with _bulk_objects():
        prev_start = R.previous_period(period).start
        findings = load_findings(prev_start, cutoff)
        cal, rule = load_reference().calendar, scoring_rule()
        campaign = campaign_terms(prev_start, period.end)
        report = R.monthly_report(load_communities(), findings, cal, period, now, rule, campaign)
        by_kind = {kind: R.monthly_report(units, findings, cal, period, now, rule, campaign)
                   for kind, units in load_other_units().items()}
    report = with_units(report, {kind: rep["communities"] for kind, rep in by_kind.items()})
    # Each other kind ranked on its own, with its own bottom list (倒数 within the kind).
    report["unit_sections"] = [
        {"kind": kind, "label": R.KIND_LABELS.get(kind, kind), "ranking": rep["ranking"],
         "bottom": rep["bottom_three"]} for kind, rep in by_kind.items()]
    # The campaign's terms show on `units` (v1.1); `communities` keeps its v1 shape.
    extra = R.GRADED_FIELDS[len(R.MONTHLY_FIELDS):]
    report["communities"] = [{k: v for k, v in r.items() if k not in extra}
                             for r in report["communities"]]
    return _scoped(report, user)


def campaign_terms(since: date, until: date):
    """The campaign's terms of the monthly grade (信息报送, 责任清单): see campaign_data."""
    from .campaign_data import campaign_terms as load

    return load(since, until)


def _day_facts(day: date, start: datetime, end: datetime, with_people: bool) -> "R.DayFacts":
    """Per point and inspector: findings opened and re-sighted on the day, who inspected,
    the day's allocation (日督导) and its outcome (a community account sees points only)."""
    from ..models import InspectionResult, RouteStop
    from .routes import allocations

    facts = R.DayFacts()
    on_day = sa.and_(Inspection.started_at >= start, Inspection.started_at < end)
    for pid, rid, fid in db.session.execute(
            sa.select(Inspection.point_id, InspectionResult.id, InspectionResult.finding_id)
            .join(Inspection, Inspection.id == InspectionResult.inspection_id)
            .where(on_day, InspectionResult.finding_id.is_not(None),
                   Inspection.point_id.is_not(None))):
        counter = facts.findings if fid == rid else facts.resightings
        counter[pid] = counter.get(pid, 0) + 1
    names = dict(db.session.execute(sa.select(User.id, User.display_name)).all())
    for pid, uid in db.session.execute(
            sa.select(Inspection.point_id, Inspection.inspector_id).where(
                on_day, Inspection.point_id.is_not(None)).distinct()):
        facts.inspectors.setdefault(pid, []).append(names.get(uid))
    allocated = allocations(day)
    for uid, pids in allocated.items():
        for pid in pids:
            facts.allocated_to.setdefault(pid, []).append(names.get(uid))
    for lists in (facts.inspectors, facts.allocated_to):
        for pid in lists:
            lists[pid] = sorted(n for n in lists[pid] if n)
    if with_people:
        visits = db.session.execute(
            sa.select(Inspection.inspector_id, Inspection.point_id, _raw(Inspection.started_at),
                      _raw(Inspection.received_at))
            .where(Inspection.started_at >= start, sa.or_(
                Inspection.started_at < end,
                sa.tuple_(Inspection.inspector_id, Inspection.point_id).in_(
                    sa.select(RouteStop.user_id, RouteStop.point_id).where(RouteStop.day == day))))).all()
        facts.by_inspector = R.inspector_rows(day, allocated, [
            (u, p, _utc(s), _utc(r)) for u, p, s, r in visits], names)
    return facts


def build_coverage(user, args, now: datetime | None = None) -> dict:
    """Daily coverage (日督导) for ?date=YYYY-MM-DD (default today) and ?stale_days=N."""
    now = now or utcnow()
    today = local_today(now)
    day = _parse(args, "date", R.parse_day, today)
    if day > today:
        raise _bad("date", "不能查询未来的日期")
    stale_days = _int_arg(args, "stale_days",
                          int(current_app.config.get("REPORT_STALE_DAYS", 7)), 1, MAX_STALE_DAYS)
    communities = load_communities()
    points_q = sa.select(Point.id, Point.name, Point.location_type, Point.community_id).where(
        Point.active.is_(True))
    own = user.community_id if user.role == "community" else None
    if user.role == "community":
        if own is None:
            raise ApiError(403, "forbidden", "当前账号未关联社区")
        points_q = points_q.where(Point.community_id == own)
        communities = [c for c in communities if c[0] == own]
    points = [R.PointRow(*row) for row in db.session.execute(points_q)]
    start, end = R.local_midnight(day), R.local_midnight(day + timedelta(days=1))
    last = dict(db.session.execute(
        sa.select(Inspection.point_id, sa.func.max(Inspection.started_at))
        .where(Inspection.started_at < end, Inspection.point_id.is_not(None),
               Inspection.source.in_(VISIT_SOURCES))
        .group_by(Inspection.point_id)).all())
    counts = dict(db.session.execute(
        sa.select(Inspection.point_id, sa.func.count())
        .where(Inspection.started_at >= start, Inspection.started_at < end,
               Inspection.source.in_(VISIT_SOURCES))
        .group_by(Inspection.point_id)).all())
    unregistered = 0 if own is not None else counts.pop(None, 0)
    counts.pop(None, None)
    labels = shared_schema.load_enums()["location_types"]
    report = R.coverage_report(points, communities, day, last, counts, stale_days, now, labels,
                               unregistered, _day_facts(day, start, end, own is None))
    report["scope"] = {"community_id": own}
    return report
