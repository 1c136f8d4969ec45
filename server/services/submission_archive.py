"""材料归档: a half-month's submissions as a zip — an Excel index (主题、类别、单位、时间、采用)
and every photo with its time and place, named after the item it belongs to."""
import io
import zipfile

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.styles import Font

from ..extensions import db
from ..models import Photo
from ..models.campaign import ADOPTION_LEVELS, SUBMISSION_KINDS, Submission
from ..timeutil import to_local

INDEX = ("序号", "单位", "类别", "标题", "报送时间", "审核结果", "采用层级", "审核意见", "图片", "内容")
PHOTOS = ("文件", "序号", "单位", "标题", "拍摄时间", "纬度", "经度")


def _when(dt) -> str:
    """A local time as 2026-12-03 09:30, or empty."""
    return to_local(dt).strftime("%Y-%m-%d %H:%M") if dt else ""


def _safe(text: str) -> str:
    """A name usable in a zip path."""
    return "".join(c for c in text if c not in '\\/:*?"<>|\n\r\t')[:30] or "未命名"


def build(half_label: str, storage) -> bytes:
    """The zip of one half-month (index.xlsx + photos/…)."""
    rows = list(db.session.scalars(sa.select(Submission).where(Submission.period == half_label)
                                   .order_by(Submission.unit_id, Submission.received_at)))
    ids = [p for s in rows for p in (s.photo_ids or [])]
    photos = {p.id: p for p in db.session.scalars(sa.select(Photo).where(Photo.id.in_(ids)))} if ids else {}
    wb = Workbook()
    index = wb.active
    index.title = "信息报送索引"
    index.append(INDEX)
    sheet = wb.create_sheet("图片资料")
    sheet.append(PHOTOS)
    for ws in (index, sheet):
        for cell in ws[1]:
            cell.font = Font(bold=True)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for n, s in enumerate(rows, start=1):
            files = []
            for k, pid in enumerate(s.photo_ids or [], start=1):
                photo = photos.get(pid)
                if photo is None:
                    continue
                name = f"图片/{n:03d}-{_safe(s.unit.name)}-{k}.jpg"
                z.writestr(name, storage.get_original(photo.sha256))
                files.append(name)
                sheet.append((name, n, s.unit.name, s.title, _when(photo.taken_at), photo.lat, photo.lon))
            result = "" if s.reviewed_at is None else ("采用" if s.adopted else "未采用")
            index.append((n, s.unit.name, SUBMISSION_KINDS[s.kind], s.title, _when(s.received_at),
                          result or "待审核", ADOPTION_LEVELS.get(s.level, "") if s.level else "",
                          s.review_note, "；".join(files), s.body))
        xbuf = io.BytesIO()
        wb.save(xbuf)
        z.writestr(f"信息报送索引-{half_label}.xlsx", xbuf.getvalue())
    return buf.getvalue()
