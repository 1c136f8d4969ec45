"""Reports as JSON: daily coverage (日督导), weekly bulletin (周通报), monthly grades (月问效).

Printable pages of the same reports are in server/pages/reports.py; the computation and its
documented scoring rule are in server/services/reports/ (scoring.py).
"""
from flask import g, jsonify, request

from ..auth import auth_required
from ..services.report_data import REPORT_ROLES, build_coverage, build_monthly, build_weekly
from . import bp


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
