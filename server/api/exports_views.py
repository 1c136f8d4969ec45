"""Ledger export jobs: queue one, watch its progress, download the file."""
import os
import uuid

from flask import after_this_request, current_app, g, request, send_file
from marshmallow import ValidationError

from ..auth import auth_required
from ..errors import ApiError, flatten_messages
from ..extensions import db
from ..idempotency import write_endpoint
from ..models import Export
from ..models.exports import EXPORT_FORMATS
from ..services import exports
from ..timeutil import to_local, utcnow
from . import bp, json_body


def _filters(body: dict) -> dict:
    """The body's filters, validated like the findings list's query (a bad one is a 400)."""
    raw = body.get("filters")
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ApiError(400, "bad_query", "filters 须为对象", {"filters": "须为 JSON 对象"})
    try:
        return exports.parse_filters(raw)
    except ValidationError as err:
        raise ApiError(400, "bad_query", "筛选条件有误",
                       flatten_messages(err.messages, "filters")) from None


def _own_job(export_id: str) -> Export:
    """The caller's own export job, or 404 (another user's job is not disclosed)."""
    try:
        key = str(uuid.UUID(export_id))
    except ValueError:
        raise ApiError(404, "not_found", "导出任务不存在") from None
    job = db.session.get(Export, key)
    if job is None or job.user_id != g.user.id:
        raise ApiError(404, "not_found", "导出任务不存在")
    return job


@bp.post("/exports")
@auth_required()
@write_endpoint
def create_export():
    """Queue a ledger export (xlsx or csv) with the findings list's filters; answer 202."""
    body = json_body()
    fmt = body.get("format", "xlsx")
    if fmt not in EXPORT_FORMATS:
        raise ApiError(400, "bad_request", "format 须为 xlsx 或 csv", {"format": "取值无效"})
    filters = _filters(body)
    app, now = current_app._get_current_object(), utcnow()
    if exports.pending_count(g.user, now) >= exports.MAX_PENDING_PER_USER:
        raise ApiError(429, "too_many_requests", "已有导出任务正在进行，请完成后再试")
    exports.purge(app, now)
    job = exports.create(g.user, fmt, filters, request.host_url, now)
    db.session.flush()
    job_id = job.id

    @after_this_request
    def _launch(resp):
        """Start the work once the job is committed (write_endpoint commits first)."""
        if resp.status_code == 202 and "Idempotent-Replayed" not in resp.headers:
            exports.start(app, job_id)
        return resp

    return exports.export_dict(job, now), 202


@bp.get("/exports/<export_id>")
@auth_required()
def get_export(export_id):
    """An export job's status and progress, with its download URL once done."""
    return exports.export_dict(_own_job(export_id), utcnow())


@bp.get("/exports/<export_id>/file")
@auth_required()
def download_export(export_id):
    """Download a finished export (问题台账-YYYYMMDD.xlsx)."""
    job = _own_job(export_id)
    if exports.visible_status(job, utcnow()) != "done" or not job.filename:
        raise ApiError(409, "export_not_ready", "导出尚未完成")
    path = os.path.join(exports.export_dir(current_app), job.filename)
    if not os.path.isfile(path):
        raise ApiError(404, "not_found", "导出文件已过期，请重新导出")
    resp = send_file(path, mimetype=exports.MIME[job.format], conditional=True, max_age=None)
    resp.headers["Content-Disposition"] = exports.content_disposition(
        exports.download_name(job.format, to_local(job.created_at).date()))
    resp.headers["Cache-Control"] = "private, no-store"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp
