"""信息报送 (submissions) and 责任清单 (duty lists): units report and complete, supervisors
review, issue and confirm; the campaign's reports (half-month ranking, duty completion, year)."""
from flask import Response, current_app, g, jsonify, request

from ..auth import auth_required
from ..errors import ApiError
from ..idempotency import write_endpoint
from ..schemas.campaign import (CampaignQuery, DutyComplete, DutyListCreate, DutyReview,
                                SubmissionCreate, SubmissionReview)
from ..services import duty, submissions
from ..services.campaign_data import (CAMPAIGN_ROLES, build_duty_report, build_submission_report,
                                      build_yearly)
from ..timeutil import local_today
from . import bp, load_body, load_query


@bp.post("/submissions")
@auth_required("community")
@write_endpoint
def create_submission():
    """Submit an item (经验做法、工作动态、典型事例) for this half-month."""
    s = submissions.create(g.user, load_body(SubmissionCreate()))
    return submissions.submission_dict(s), 201


@bp.get("/submissions")
@auth_required(*CAMPAIGN_ROLES)
def list_submissions():
    """Submissions of a half-month (?half=2026-12-1; a unit sees its own), newest first."""
    return jsonify(submissions.listing(g.user, load_query(CampaignQuery())))


@bp.get("/submissions/archive.zip")
@auth_required("supervisor", "leader", "admin")
def submissions_archive():
    """材料归档: a half-month's submissions as a zip (Excel index and the photos)."""
    from ..services.reports import half_of, parse_half
    from ..services.submission_archive import build

    try:
        half = parse_half(request.args["half"]) if request.args.get("half") else half_of(local_today())
    except ValueError as err:
        raise ApiError(400, "bad_query", "查询参数有误", {"half": str(err)}) from None
    body = build(half.label, current_app.extensions["storage"])
    resp = Response(body, mimetype="application/zip")
    resp.headers["Content-Disposition"] = f"attachment; filename=submissions-{half.label}.zip"
    return resp


@bp.get("/submissions/<int:submission_id>")
@auth_required(*CAMPAIGN_ROLES)
def get_submission(submission_id):
    """One submission (another unit's answers 404)."""
    return jsonify(submissions.submission_dict(submissions.get(g.user, submission_id)))


@bp.post("/submissions/<int:submission_id>/review")
@auth_required("supervisor")
@write_endpoint
def review_submission(submission_id):
    """Review a submission once: adopted (at a level) or not, with a note."""
    s = submissions.get(g.user, submission_id, for_update=True)
    data = load_body(SubmissionReview())
    return submissions.submission_dict(submissions.review(g.user, s, data))


@bp.post("/duty-lists")
@auth_required("supervisor")
@write_endpoint
def create_duty_list():
    """Issue a unit's weekly or monthly duty list (责任提示清单)."""
    return duty.list_dict(duty.create(g.user, load_body(DutyListCreate()))), 201


@bp.get("/duty-lists")
@auth_required(*CAMPAIGN_ROLES)
def list_duty_lists():
    """Duty lists (?period=, ?unit_id=; a unit sees its own), newest first."""
    return jsonify(duty.listing(g.user, load_query(CampaignQuery())))


@bp.get("/duty-lists/draft")
@auth_required("supervisor")
def duty_list_draft():
    """A start for a new list: last period's items of the unit, due dates moved along."""
    args = load_query(CampaignQuery())
    if not args.get("unit_id") or not args.get("period"):
        raise ApiError(400, "bad_query", "查询参数有误", {"unit_id": "须指定单位和周期"})
    return jsonify(duty.draft(args["unit_id"], args["period"]))


@bp.get("/duty-lists/<int:list_id>")
@auth_required(*CAMPAIGN_ROLES)
def get_duty_list(list_id):
    """One duty list with its items (another unit's answers 404)."""
    return jsonify(duty.list_dict(duty.get(g.user, list_id)))


def _item_answer(item) -> dict:
    """An item after a change."""
    return duty.item_dict(item, local_today())


@bp.post("/duty-items/<int:item_id>/complete")
@auth_required("community")
@write_endpoint
def complete_duty_item(item_id):
    """The unit reports an item done, with a note and/or photos."""
    item = duty.get_item(g.user, item_id)
    return _item_answer(duty.complete(g.user, item, load_body(DutyComplete())))


@bp.post("/duty-items/<int:item_id>/confirm")
@auth_required("supervisor")
@write_endpoint
def confirm_duty_item(item_id):
    """A supervisor confirms a completed item."""
    item = duty.get_item(g.user, item_id)
    return _item_answer(duty.confirm(g.user, item, _optional_body()))


@bp.post("/duty-items/<int:item_id>/reject")
@auth_required("supervisor")
@write_endpoint
def reject_duty_item(item_id):
    """A supervisor sends a completed item back with a note (open again)."""
    item = duty.get_item(g.user, item_id)
    return _item_answer(duty.reject(g.user, item, _optional_body()))


def _optional_body() -> dict:
    """An empty body or {} is fine for these actions."""
    if not request.get_data():
        return {"note": ""}
    return load_body(DutyReview())


@bp.get("/reports/submissions")
@auth_required(*CAMPAIGN_ROLES)
def report_submissions():
    """The half-month 信息报送 ranking: submitted and adopted per unit, the minimum met or not."""
    return jsonify(build_submission_report(g.user, request.args))


@bp.get("/reports/duty")
@auth_required(*CAMPAIGN_ROLES)
def report_duty():
    """责任清单 completion per unit for a week or month: items, done, overdue, rate."""
    return jsonify(build_duty_report(g.user, request.args))


@bp.get("/reports/yearly")
@auth_required(*CAMPAIGN_ROLES)
def report_yearly():
    """年度创建绩效考核: each unit's monthly scores over a year, totalled and ranked within its kind."""
    return jsonify(build_yearly(g.user, request.args))
