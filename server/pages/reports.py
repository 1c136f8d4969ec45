"""Printable reports: daily coverage (日督导), weekly bulletin (周通报), monthly grades (月问效).

The same documents as /api/v1/reports/*, scoped the same way, rendered as A4 pages in Chinese.
The scoring rule is printed with every ranking so a leader can see how scores were computed.
"""
from flask import g, render_template, request

from ..auth import auth_required
from ..services.report_data import REPORT_ROLES, build_coverage, build_monthly, build_weekly
from ..services.reports import parse_day, parse_month, parse_week
from . import bp


@bp.app_template_filter("report_pct")
def report_pct(value) -> str:
    """A rate 0–1 as a percentage, or a dash when nothing was due."""
    return "—" if value is None else f"{value * 100:.1f}%"


@bp.app_template_filter("report_change")
def report_change(value) -> str:
    """A rank change: ↑2, ↓1, 持平, or empty when unranked."""
    if value is None:
        return ""
    return "持平" if value == 0 else (f"↑{value}" if value > 0 else f"↓{-value}")


@bp.app_template_filter("by_rank")
def by_rank(rows) -> list:
    """Rows by rank, the unranked last (then as given): every ranked table reads top down."""
    return sorted(rows, key=lambda r: (r.get("rank") is None, r.get("rank") or 0))


@bp.app_template_filter("report_num")
def report_num(value) -> str:
    """A score without needless decimals."""
    if value is None:
        return "—"
    return f"{value:.2f}".rstrip("0").rstrip(".")


@bp.get("/reports/weekly")
@auth_required(*REPORT_ROLES, cookie=True)
def report_weekly_page():
    """The weekly bulletin as a printable A4 page."""
    r = build_weekly(g.user, request.args)
    p = parse_week(r["week"])
    return render_template("report_weekly.html", r=r, year=p.start.isocalendar()[0],
                           week=p.start.isocalendar()[1])


@bp.get("/reports/monthly")
@auth_required(*REPORT_ROLES, cookie=True)
def report_monthly_page():
    """The monthly grades as a printable A4 page."""
    r = build_monthly(g.user, request.args)
    p = parse_month(r["month"])
    return render_template("report_monthly.html", r=r, year=p.start.year, month=p.start.month)


@bp.get("/reports/coverage")
@auth_required(cookie=True)
def report_coverage_page():
    """The daily coverage as a printable A4 page."""
    r = build_coverage(g.user, request.args)
    return render_template("report_coverage.html", r=r, day=parse_day(r["date"]))
