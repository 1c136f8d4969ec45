"""The problem ledger (问题台账) as a file: CSV or Excel, with the findings list's filters.

These answer directly, for small exports and scripts; a large Excel export is made as a
background job (POST /api/v1/exports), which reports its progress: above
LEDGER_DIRECT_MAX_ROWS rows the direct Excel answers 413 and says so (the CSV streams).
"""
import os
import tempfile

from flask import Response, current_app, g, request, stream_with_context

from ..auth import auth_required
from ..config import public_base
from ..errors import ApiError
from ..schemas.queries import FindingFilterSchema
from ..services import exports, ledger
from ..timeutil import local_today
from . import bp, load_query

IN_MEMORY_MAX = 16 * 1024 * 1024  # a bigger workbook is streamed from a temporary file


def _attachment(resp: Response, fmt: str) -> Response:
    """Name the download (问题台账-YYYYMMDD.xlsx) and keep it out of shared caches."""
    resp.headers["Content-Disposition"] = exports.content_disposition(
        exports.download_name(fmt, local_today()))
    resp.headers["Cache-Control"] = "private, no-store"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


def _selected_ids() -> tuple[dict, list[str]]:
    """Validate the filters (bad ones are a 400) and list the findings they select."""
    filters = load_query(FindingFilterSchema())
    return filters, ledger.finding_ids(g.user, filters, local_today())


def _unlink(path: str) -> None:
    """Remove a temporary file if it is still there."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _file_chunks(path: str):
    """Read a temporary file in pieces, removing it when done."""
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(256 * 1024):
                yield chunk
    finally:
        _unlink(path)


@bp.get("/ledger.csv")
@auth_required()
def ledger_csv():
    """The ledger as CSV (UTF-8 with BOM), streamed; the photo columns hold photo URLs."""
    _, ids = _selected_ids()
    body = stream_with_context(exports.stream_csv(ids, public_base(current_app.config,
                                                                  request.host_url)))
    return _attachment(Response(body, content_type=exports.MIME["csv"]), "csv")


@bp.get("/ledger.xlsx")
@auth_required()
def ledger_xlsx():
    """The ledger as an Excel workbook with the before and after photos embedded."""
    filters, ids = _selected_ids()
    limit = current_app.config["LEDGER_DIRECT_MAX_ROWS"]
    if len(ids) > limit:  # building it would hold a web worker for minutes
        raise ApiError(413, "export_too_large",
                       f"本次筛选共 {len(ids)} 条问题，超过直接下载上限 {limit} 条，"
                       "请用台账页的“导出 Excel”后台导出（POST /api/v1/exports），完成后下载")
    thumbs = exports.Thumbs(current_app.extensions["storage"], current_app.config["CJK_FONT"])
    fd, path = tempfile.mkstemp(prefix="ledger-", suffix=".xlsx")
    try:
        with os.fdopen(fd, "wb") as fh:
            exports.write_xlsx(fh, g.user, filters, ids, thumbs)
        size = os.path.getsize(path)
        if size <= IN_MEMORY_MAX:
            with open(path, "rb") as fh:
                body = fh.read()
            _unlink(path)
        else:
            body = _file_chunks(path)
    except BaseException:
        _unlink(path)
        raise
    resp = Response(body, content_type=exports.MIME["xlsx"])
    resp.headers["Content-Length"] = str(size)
    resp.call_on_close(lambda: _unlink(path))
    return _attachment(resp, "xlsx")
