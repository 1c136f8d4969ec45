"""Printable pages of the campaign: a unit's 责任提示清单 and the year's 年度创建绩效考核."""
from flask import g, render_template, request

from ..auth import auth_required
from ..services import duty
from ..services.campaign_data import CAMPAIGN_ROLES, build_yearly
from ..services.reports import parse_week_or_month
from ..timeutil import iso, local_today, utcnow
from . import bp


@bp.get("/duty-lists/<int(max=2147483647):list_id>")
@auth_required(*CAMPAIGN_ROLES, cookie=True)
def duty_list_page(list_id):
    """A unit's duty list as a printable A4 page (责任提示清单)."""
    dl = duty.get(g.user, list_id)
    p = parse_week_or_month(dl.period)
    return render_template("duty_list.html", d=duty.list_dict(dl), weekly="-W" in dl.period,
                           p=p, today=local_today(), r={"generated_at": iso(utcnow())})


@bp.get("/reports/yearly")
@auth_required(*CAMPAIGN_ROLES, cookie=True)
def report_yearly_page():
    """The year's performance (年度创建绩效考核) as a printable A4 page."""
    return render_template("report_yearly.html", r=build_yearly(g.user, request.args))
