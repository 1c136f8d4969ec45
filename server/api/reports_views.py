"""Reports as JSON: daily coverage (日督导), weekly bulletin (周通报), monthly grades (月问效).

Printable pages of the same reports are in server/pages/reports.py; the computation and its
documented scoring rule are in server/services/reports/ (scoring.py).
"""
from flask import g, jsonify, request

from ..auth import auth_required
from ..errors import ApiError
from ..idempotency import write_endpoint
from ..schemas.desk import BulletinPublish
from ..services import bulletin_issues
from ..services.report_data import REPORT_ROLES, build_coverage, build_monthly, build_weekly
from ..timeutil import utcnow
from . import bp, load_body


@bp.get("/reports/coverage")
@auth_required()
def report_coverage():
    """Daily coverage: points inspected on a day, not inspected, and not inspected for N days."""
    return jsonify(build_coverage(g.user, request.args))


@bp.get("/reports/weekly")
@auth_required(*REPORT_ROLES)
def report_weekly():
    """Weekly bulletin per community: new, closed, open, overdue, rates, rework, ranking."""
    return jsonify(build_weekly(g.user, request.args))


@bp.get("/reports/monthly")
@auth_required(*REPORT_ROLES)
def report_monthly():
    """Monthly grades per community: the weekly figures plus score, grade, rank and change."""
    return jsonify(build_monthly(g.user, request.args))


@bp.post("/bulletins")
@auth_required("supervisor")
@write_endpoint
def publish_bulletin():
    """Publish a finished week's bulletin: it gets the year's next issue number (期号)."""
    week = load_body(BulletinPublish())["week"]
    issue, created = bulletin_issues.publish(g.user, week, utcnow())
    return issue, 201 if created else 200


@bp.get("/bulletins")
@auth_required(*REPORT_ROLES)
def list_bulletins():
    """Published weekly bulletins with their issue numbers, newest first (?year=2026)."""
    year = request.args.get("year")
    if year is not None and not (year.isdigit() and 2000 <= int(year) <= 2099):
        raise ApiError(400, "bad_query", "查询参数有误", {"year": "年份须为 2000–2099 的整数"})
    items = bulletin_issues.listing(int(year) if year else None)
    return jsonify({"items": items, "total": len(items)})
