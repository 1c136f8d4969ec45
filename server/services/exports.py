"""Writing the problem ledger as CSV or Excel, and export jobs that run in the background.

CSV is UTF-8 with a byte-order mark (so Excel opens the Chinese correctly) and carries
photo URLs. Excel (openpyxl, write-only: rows go to disk as they come) has a bold, frozen
header row with a filter, sized columns, wrapped text, and the first before and after photo
of each finding embedded as a small thumbnail that moves, hides and sorts with its row.

An export job (POST /api/v1/exports) is a row in the database. The background worker
(`flask --app server worker`, JOB_RUNNER=worker) claims it, or, with JOB_RUNNER=thread, a
thread of the web process runs it; either way it has its own app context, writes its
progress every chunk of rows, and leaves the file under DATA_DIR/exports/.
"""
from __future__ import annotations

import csv
import io
import logging
import os
import threading
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import chain
from urllib.parse import quote

import sqlalchemy as sa
from flask import Flask, current_app
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.drawing.image import Image as XlImage
from openpyxl.drawing.spreadsheet_drawing import AnchorMarker, TwoCellAnchor
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.units import pixels_to_EMU
from openpyxl.worksheet.worksheet import Worksheet
from PIL import Image as PILImage

from ..config import public_base
from ..extensions import db
from ..models import Export, Photo, User
from ..schemas.queries import FindingFilterSchema
from ..timeutil import local_today, to_local, utcnow
from . import ledger
from .photo_store import variant_bytes
from .reference import load_reference
from .storage import Storage

log = logging.getLogger(__name__)

TITLE = "问题台账"
MIME = {"csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
EXPORT_DIR = "exports"
KEEP_DAYS = 7          # finished exports (rows and files) are purged after this
STALE_AFTER = timedelta(minutes=15)  # a job with no progress for this long has died
MAX_PENDING_PER_USER = 3  # queued or running jobs one user may have at once
_RUNNING = threading.BoundedSemaphore(2)  # jobs building at once in this process

# ---------------------------------------------------------------------------- common


def download_name(fmt: str, day: date) -> str:
    """问题台账-20261128.xlsx"""
    return f"{TITLE}-{day.strftime('%Y%m%d')}.{fmt}"


def content_disposition(name: str) -> str:
    """An attachment header with an ASCII fallback and the Chinese name (RFC 5987/6266)."""
    fallback = "ledger-" + name.split("-", 1)[-1]
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _text(value: str) -> str:
    """Text a spreadsheet accepts: no XML-illegal control characters."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


# ---------------------------------------------------------------------------- CSV

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_value(value) -> str:
    """A cell as CSV text; text that a spreadsheet would run as a formula is quoted out."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def photo_url(base_url: str, photo_id: str) -> str:
    """Where a signed-in browser (cookie) or script (token) reads the watermarked photo."""
    return f"{base_url.rstrip('/')}/api/v1/photos/{photo_id}"


def csv_head() -> str:
    """The byte-order mark and the header line."""
    buf = io.StringIO()
    buf.write("\ufeff")
    csv.writer(buf).writerow(ledger.HEADERS)
    return buf.getvalue()


def csv_rows(rows: list[ledger.LedgerRow], base_url: str) -> str:
    """Rows as CSV text; the photo columns hold the photos' URLs, one a line."""
    buf = io.StringIO()
    out = csv.writer(buf)
    for row in rows:
        values = [_csv_value(v) for v in row.values]
        values[ledger.BEFORE_COL] = "\n".join(photo_url(base_url, p.id) for p in row.before)
        values[ledger.AFTER_COL] = "\n".join(photo_url(base_url, p.id) for p in row.after)
        out.writerow(values)
    return buf.getvalue()


# ---------------------------------------------------------------------------- thumbnails

THUMB_BOX = (120, 90)   # pixels: the embedded picture fits this box
PAD = 4                 # pixels between the cell's corner and the picture
IMAGE_ROW_PT = 74.0     # row height (points) for a row with pictures: 98 px


@dataclass
class CellImage:
    """A small JPEG ready to embed."""

    data: bytes
    width: int
    height: int


class Thumbs:
    """Makes cell-sized JPEGs from the stored thumbnails (derived once at upload).

    Work is submitted to a small thread pool (Pillow releases the GIL while decoding and
    encoding), so one chunk's pictures are made while the previous chunk's rows are written.
    Use it as a context manager.
    """

    def __init__(self, storage: Storage, font_path: str, workers: int | None = None):
        """Read from storage; work on `workers` threads (default: CPUs, at most 4)."""
        self.storage, self.font_path = storage, font_path
        self.workers = workers or min(4, os.cpu_count() or 1)
        self._pool: ThreadPoolExecutor | None = None

    def __enter__(self) -> "Thumbs":
        """Start the pool."""
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="ledger-thumbs")
        return self

    def __exit__(self, *exc) -> None:
        """Stop the pool, dropping work nobody will collect."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool = None

    def one(self, ref: ledger.PhotoRef) -> CellImage | None:
        """The cell picture of a photo, or None when its bytes are missing or unreadable."""
        if ref.sha256 is None:
            return None
        try:
            thumb = variant_bytes(Photo(id=ref.id, sha256=ref.sha256), "thumb", self.storage,
                                  self.font_path)
            with PILImage.open(io.BytesIO(thumb)) as img:
                img.draft("RGB", THUMB_BOX)  # JPEG: decode at a reduced scale directly
                img = img.convert("RGB")
            scale = min(THUMB_BOX[0] / img.width, THUMB_BOX[1] / img.height, 1.0)
            size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
            small = img.resize(size, PILImage.Resampling.BOX) if size != img.size else img
            out = io.BytesIO()
            small.save(out, "JPEG", quality=72)
            return CellImage(out.getvalue(), small.width, small.height)
        except Exception:  # a missing or damaged file must not sink the whole export
            log.warning("ledger export: no thumbnail for photo %s", ref.id, exc_info=True)
            return None

    def submit(self, rows: list[ledger.LedgerRow]) -> dict[str, Future]:
        """Start making the first before and after picture of each row."""
        refs = {r.id: r for row in rows for r in (row.before[:1] + row.after[:1])}
        return {pid: self._pool.submit(self.one, ref) for pid, ref in refs.items()}


def _collect(futures: dict[str, Future]) -> dict[str, CellImage | None]:
    """Wait for submitted pictures."""
    return {pid: f.result() for pid, f in futures.items()}


class _EmbeddedJpeg(XlImage):
    """An openpyxl image from bytes we already have (no re-reading through Pillow)."""

    def __init__(self, pic: CellImage):  # noqa: D107 - deliberately skips Image.__init__
        self.ref = None
        self._bytes = pic.data
        self.width, self.height = pic.width, pic.height
        self.format = "jpeg"

    def _data(self) -> bytes:
        """The JPEG bytes."""
        return self._bytes


# ---------------------------------------------------------------------------- Excel

_THIN = Side(style="thin", color="A6A6A6")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_BODY_FONT = Font(name="宋体", size=10)
_RED_FONT = Font(name="宋体", size=10, color="C00000", bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")
LINE_PT = 13.5  # one line of 10-point text


def _cjk_width(text: str) -> int:
    """Display width in Excel character units: a Chinese character counts two."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def estimate_lines(values: list, widths: list[int]) -> int:
    """How many wrapped lines the tallest cell of a row needs (roughly)."""
    most = 1
    for value, width in zip(values, widths):
        if not isinstance(value, str) or not value:
            continue
        lines = sum(max(1, -(-_cjk_width(line) // max(1, width - 1))) for line in value.split("\n"))
        most = max(most, lines)
    return most


class XlsxLedger:
    """The ledger workbook, written row by row (openpyxl write-only mode)."""

    def __init__(self):
        """Create the ledger sheet with its header row, widths, frozen pane and print set-up."""
        self.wb = Workbook(write_only=True)
        self.ws = ws = self.wb.create_sheet(TITLE)
        self.widths = [w for _, w in ledger.COLUMNS]
        for i, width in enumerate(self.widths, 1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = "A2"
        ws.print_title_rows = "1:1"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = Worksheet.PAPERSIZE_A3
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.gridLines = True  # the grid prints without a border on every cell
        self._styles = self._make_styles()
        header = []
        for name in ledger.HEADERS:
            cell = WriteOnlyCell(ws, name)
            cell._style = self._styles["header"]
            header.append(cell)
        ws.row_dimensions[1].height = 30
        ws.append(header)
        self.row = 1
        self.pictures = 0

    def _make_styles(self) -> dict:
        """Style templates, registered once and shared by the cells that use them."""
        def style(**kw):
            """A cell carrying one combination of font, fill, alignment and format."""
            c = WriteOnlyCell(self.ws)
            if "border" in kw:
                c.border = kw["border"]
            c.font = kw.get("font", _BODY_FONT)
            c.alignment = kw.get("alignment", _WRAP)
            if "fill" in kw:
                c.fill = kw["fill"]
            if "number_format" in kw:
                c.number_format = kw["number_format"]
            return c._style

        return {
            "header": style(font=Font(name="宋体", size=11, bold=True),
                            fill=PatternFill("solid", fgColor="DDEBF7"), border=_BORDER,
                            alignment=Alignment(wrap_text=True, horizontal="center",
                                                vertical="center")),
            "text": style(), "red": style(font=_RED_FONT),
            "date": style(number_format="yyyy-mm-dd"),
            "datetime": style(number_format="yyyy-mm-dd hh:mm"),
            "photo": style(alignment=Alignment(wrap_text=True, horizontal="right",
                                               vertical="bottom")),
        }

    def _cell(self, value, style: str) -> WriteOnlyCell | None:
        """One styled cell (None for an empty one); text is cleaned, never taken as a formula."""
        if value is None or value == "":
            return None
        if isinstance(value, str):
            value = _text(value)
        cell = WriteOnlyCell(self.ws, value)
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"
        if isinstance(value, datetime):
            style = "datetime" if style == "text" else style
        elif isinstance(value, date):
            style = "date" if style == "text" else style
        cell._style = self._styles[style]  # shared: never modified after this
        return cell

    def add(self, rows: list[ledger.LedgerRow], pictures: dict[str, CellImage | None]) -> None:
        """Append rows; embed the first before and after photo of each."""
        for row in rows:
            self.row += 1
            values = list(row.values)
            placed = []
            for col, photos in ((ledger.BEFORE_COL, row.before), (ledger.AFTER_COL, row.after)):
                pic = pictures.get(photos[0].id) if photos else None
                if pic is not None:
                    placed.append((col, pic))
                    values[col] = f"共{len(photos)}张" if len(photos) > 1 else None
                elif photos:
                    values[col] = "照片未上传" if photos[0].sha256 is None else "照片无法读取"
            if placed:
                under = any(values[col] for col, _ in placed)  # "共3张" below the picture
                lines = estimate_lines(values, self.widths)
                self.ws.row_dimensions[self.row].height = max(
                    IMAGE_ROW_PT + (LINE_PT if under else 0), lines * LINE_PT + 6)
            cells = []
            for col, value in enumerate(values):
                style = "text"
                if col in (ledger.BEFORE_COL, ledger.AFTER_COL):
                    style = "photo"
                elif row.overdue and col in (ledger.STATUS_COL, ledger.OVERDUE_COL):
                    style = "red"
                cells.append(self._cell(value, style))
            self.ws.append(cells)
            for col, pic in placed:
                self._embed(col, pic)

    def _embed(self, col: int, pic: CellImage) -> None:
        """Anchor a picture inside one cell; it moves, sizes and hides with the cell."""
        img = _EmbeddedJpeg(pic)
        r, pad = self.row - 1, pixels_to_EMU(PAD)  # zero-based row
        img.anchor = TwoCellAnchor(
            editAs="twoCell",
            _from=AnchorMarker(col=col, colOff=pad, row=r, rowOff=pad),
            to=AnchorMarker(col=col, colOff=pad + pixels_to_EMU(pic.width), row=r,
                            rowOff=pad + pixels_to_EMU(pic.height)))
        self.ws.add_image(img)
        self.pictures += 1

    def save(self, fh, cover: list[tuple[str, str]]) -> None:
        """Add the filter and the cover sheet (导出说明), then write the workbook."""
        last = get_column_letter(len(ledger.HEADERS))
        self.ws.auto_filter.ref = f"A1:{last}{max(self.row, 1)}"
        sheet = self.wb.create_sheet("导出说明")
        sheet.column_dimensions["A"].width = 12
        sheet.column_dimensions["B"].width = 80
        bold = Font(name="宋体", size=11, bold=True)
        for label, value in cover:
            a, b = WriteOnlyCell(sheet, label), WriteOnlyCell(sheet, _text(value))
            a.font, b.alignment = bold, Alignment(wrap_text=True, vertical="top")
            sheet.append([a, b])
        self.wb.save(fh)


def cover_lines(who: str, summary: str, rows: int, pictures: int, when: datetime) -> list:
    """What the cover sheet says: when, who, which filters, how many."""
    return [
        ("标题", f"明桦街道创城督导{TITLE}"),
        ("导出时间", to_local(when).strftime("%Y-%m-%d %H:%M:%S")),
        ("导出人", who),
        ("筛选条件", summary),
        ("问题数", str(rows)),
        ("嵌入照片", f"{pictures} 张（每个阶段第一张的缩略图；原图及水印版见系统）"),
        ("说明", "时间为北京时间；逾期按国家法定工作日（含调休）计算；逾期为状态旁的标记，不是状态。"),
    ]


def write_xlsx(fh, user: User, filters: dict, ids: list[str], thumbs: Thumbs,
               on_chunk=None) -> int:
    """Write the ledger of these findings as Excel to fh; return the number of rows."""
    ref, today, now = load_reference(), local_today(), utcnow()
    who = f"{user.display_name}（{user.username}）"
    summary = ledger.filter_summary(filters, ref)
    db.session.rollback()  # end the read before the slow part (SQLite locks for reads too)
    book, done, pending = XlsxLedger(), 0, None
    with thumbs:
        # Pipelined: the pool makes chunk n's pictures while chunk n-1's rows are written.
        for rows in chain(ledger.iter_rows(ids, ref, today), [None]):
            futures = thumbs.submit(rows) if rows else None
            if pending:
                book.add(pending[0], _collect(pending[1]))
                done += len(pending[0])
                if on_chunk:
                    on_chunk(done)
            pending = (rows, futures) if rows else None
    book.save(fh, cover_lines(who, summary, done, book.pictures, now))
    return done


def write_csv(fh, ids: list[str], base_url: str, on_chunk=None) -> int:
    """Write the ledger of these findings as CSV (UTF-8 with BOM) to a binary file."""
    ref, today = load_reference(), local_today()
    db.session.rollback()
    fh.write(csv_head().encode("utf-8"))
    done = 0
    for rows in ledger.iter_rows(ids, ref, today):
        fh.write(csv_rows(rows, base_url).encode("utf-8"))
        done += len(rows)
        if on_chunk:
            on_chunk(done)
    return done


def stream_csv(ids: list[str], base_url: str):
    """The CSV as a stream of text chunks, for a streamed response."""
    ref, today = load_reference(), local_today()
    db.session.rollback()
    yield csv_head()
    for rows in ledger.iter_rows(ids, ref, today):
        yield csv_rows(rows, base_url)


# ---------------------------------------------------------------------------- jobs


def parse_filters(raw: dict) -> dict:
    """Filters as stored with a job → the loaded form queries.filtered() takes."""
    return FindingFilterSchema().load(raw or {})


def stored_filters(loaded: dict) -> dict:
    """Loaded filters → JSON-safe form (dates as ISO strings) to keep with a job."""
    return FindingFilterSchema().dump(loaded)


def export_dir(app: Flask) -> str:
    """DATA_DIR/exports, created on demand."""
    path = os.path.join(app.config["DATA_DIR"], EXPORT_DIR)
    os.makedirs(path, exist_ok=True)
    return path


def pending_count(user: User, now: datetime) -> int:
    """How many of the user's jobs are still queued or running (and alive)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Export).where(
        Export.user_id == user.id, Export.status.in_(("queued", "running")),
        Export.updated_at >= now - STALE_AFTER))


def create(user: User, fmt: str, filters: dict, base_url: str, now: datetime) -> Export:
    """Queue an export of the rows these filters select now (links start with PUBLIC_URL)."""
    base_url = public_base(current_app.config, base_url)
    job = Export(id=str(uuid.uuid4()), user_id=user.id, format=fmt,
                 filters=stored_filters(filters), base_url=base_url, status="queued",
                 progress=0, total=ledger.count(user, filters, to_local(now).date()),
                 created_at=now, updated_at=now)
    db.session.add(job)
    return job


def purge(app: Flask, now: datetime) -> int:
    """Delete exports (rows and files) older than KEEP_DAYS; return how many."""
    old = db.session.scalars(sa.select(Export).where(
        Export.created_at < now - timedelta(days=KEEP_DAYS))).all()
    for job in old:
        if job.filename:
            try:
                os.unlink(os.path.join(export_dir(app), job.filename))
            except FileNotFoundError:
                pass
        db.session.delete(job)
    return len(old)


def visible_status(job: Export, now: datetime) -> str:
    """The job's status; one that stopped moving long ago (a restart) reads as failed."""
    if job.status in ("queued", "running") and job.updated_at < now - STALE_AFTER:
        return "failed"
    return job.status


def export_dict(job: Export, now: datetime) -> dict:
    """The answer for one job."""
    status = visible_status(job, now)
    error = job.error
    if status == "failed" and job.status != "failed":
        error = "导出任务已中断（服务器可能已重启），请重新导出"
    return {"id": job.id, "status": status, "format": job.format, "progress": job.progress,
            "total": job.total, "error": error,
            "download_url": f"/api/v1/exports/{job.id}/file" if status == "done" else None,
            "created_at": to_local(job.created_at).isoformat(timespec="seconds"),
            "finished_at": to_local(job.finished_at).isoformat(timespec="seconds")
            if job.finished_at else None,
            "size": job.size}


def start(app: Flask, job_id: str) -> threading.Thread | None:
    """Run a queued job on a daemon thread (JOB_RUNNER=thread); else the worker claims it."""
    if app.config.get("JOB_RUNNER", "thread") != "thread":
        return None
    thread = threading.Thread(target=run, args=(app, job_id), name=f"export-{job_id[:8]}",
                              daemon=True)
    thread.start()
    return thread


def _set(job_id: str, **values) -> None:
    """Update a job in its own short transaction."""
    values.setdefault("updated_at", utcnow())
    db.session.execute(sa.update(Export).where(Export.id == job_id).values(**values))
    db.session.commit()


def run(app: Flask, job_id: str) -> None:
    """Build the file of one job, reporting progress; never raises."""
    with _RUNNING, app.app_context():
        try:
            _run(app, job_id)
        except Exception:
            log.exception("export %s failed", job_id)
            db.session.rollback()
            try:
                _set(job_id, status="failed", error="导出失败，请稍后重试", finished_at=utcnow())
            except Exception:
                log.exception("export %s: could not record the failure", job_id)
        finally:
            db.session.remove()


def _run(app: Flask, job_id: str) -> None:
    """The work of run()."""
    # Claim it in one statement: the worker and a web thread never build the same job twice.
    claimed = db.session.execute(sa.update(Export).where(
        Export.id == job_id, Export.status == "queued").values(status="running",
                                                                updated_at=utcnow()))
    db.session.commit()
    if claimed.rowcount != 1:
        return
    job = db.session.get(Export, job_id)
    user = db.session.get(User, job.user_id)
    fmt, base_url = job.format, job.base_url
    filters = parse_filters(job.filters)
    ids = ledger.finding_ids(user, filters, local_today())
    _set(job_id, status="running", total=len(ids), progress=0)
    db.session.refresh(user)
    db.session.expunge(user)  # its plain attributes stay readable across the chunks' rollbacks
    name = f"{job_id}.{fmt}"
    final = os.path.join(export_dir(app), name)
    partial = final + ".part"

    def progress(done: int) -> None:
        """Record progress after each chunk (CHUNK rows)."""
        _set(job_id, progress=done)

    try:
        with open(partial, "wb") as fh:
            if fmt == "xlsx":
                thumbs = Thumbs(app.extensions["storage"], app.config["CJK_FONT"])
                done = write_xlsx(fh, user, filters, ids, thumbs, progress)
            else:
                done = write_csv(fh, ids, base_url, progress)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(partial, final)
    except BaseException:
        if os.path.exists(partial):
            os.unlink(partial)
        raise
    _set(job_id, status="done", progress=done, total=done, filename=name,
         size=os.path.getsize(final), finished_at=utcnow())
