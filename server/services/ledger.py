"""The problem ledger (问题台账) as rows: DOMAIN.md's columns, in its order, for CSV and Excel.

Rows are built in chunks with a fixed number of queries per chunk (findings with their
points, inspectors, photo links and history; their notice letters; their photos), so an
export of any size makes no query per finding. Values are plain Python: text, local dates
and naive local datetimes (Asia/Shanghai), and photo references the writers turn into
URLs (CSV) or embedded thumbnails (Excel).
"""
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

import shared_schema

from ..extensions import db
from ..models import Finding, Letter, Photo, User
from ..models.findings import SOURCES
from ..timeutil import to_local
from .calendar import WorkCalendar
from .deadlines import overdue_state
from .lifecycle import STATUS_LABELS
from .queries import filtered, with_relations
from .reference import Reference

# (header, column width in Excel character units), in DOMAIN.md's order.
COLUMNS = (
    ("问题编号", 15), ("发现时间", 17), ("督查人", 10), ("社区", 11), ("点位类型", 12),
    ("点位名称/位置(经纬度)", 24), ("测评类别", 10), ("测评条目", 30), ("问题描述", 30),
    ("整改前照片", 19), ("问题来源", 10), ("责任单位/责任人/电话", 22),
    ("交办时间/通知函编号", 26), ("答复期限", 12), ("整改时限", 12),
    ("整改措施/整改情况", 36), ("整改后照片", 19), ("复查人/复查时间/复查结论", 30),
    ("状态", 13), ("销号时间", 17), ("是否逾期/逾期工作日", 20), ("备注", 30),
)
HEADERS = tuple(h for h, _ in COLUMNS)
BEFORE_COL = HEADERS.index("整改前照片")
AFTER_COL = HEADERS.index("整改后照片")
STATUS_COL = HEADERS.index("状态")
OVERDUE_COL = HEADERS.index("是否逾期/逾期工作日")

CHUNK = 200  # findings loaded per round of queries; also the progress step of export jobs
_ENUMS = shared_schema.load_enums()
LOCATION_LABELS: dict = _ENUMS["location_types"]
FLAG_LABELS: dict = _ENUMS["flags"]


@dataclass(frozen=True)
class PhotoRef:
    """A photo linked to a finding; sha256 is None while its bytes have not arrived."""

    id: str
    sha256: str | None


@dataclass
class LedgerRow:
    """One finding as a ledger row: the values (photo columns left None) and its photos."""

    values: list
    before: list[PhotoRef] = field(default_factory=list)
    after: list[PhotoRef] = field(default_factory=list)
    overdue: bool = False


def _stamp(dt: datetime | None) -> str:
    """A time as people write it in a ledger, in local time."""
    return to_local(dt).strftime("%Y-%m-%d %H:%M") if dt else ""


def _naive_local(dt: datetime | None) -> datetime | None:
    """A local wall-clock time without offset (what a spreadsheet cell holds)."""
    return to_local(dt).replace(tzinfo=None, second=0, microsecond=0) if dt else None


def _day(value) -> date | None:
    """A date from a date or an ISO string."""
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def finding_ids(user: User, filters: dict, today: date) -> list[str]:
    """The ids of the findings this user may see under the filters, as the list sorts them."""
    q = filtered(user, filters, today).with_only_columns(Finding.id)
    return list(db.session.scalars(q.order_by(Finding.found_at.desc(), Finding.id)))


def count(user: User, filters: dict, today: date) -> int:
    """How many rows an export with these filters holds now."""
    q = filtered(user, filters, today).with_only_columns(Finding.id).order_by(None)
    return db.session.scalar(sa.select(sa.func.count()).select_from(q.subquery()))


def load_rows(ids: list[str], ref: Reference, today: date) -> list[LedgerRow]:
    """Ledger rows for these findings, in the order of ids, in a fixed number of queries."""
    if not ids:
        return []
    found = {f.id: f for f in db.session.scalars(
        with_relations(sa.select(Finding).where(Finding.id.in_(ids))))}
    letter_ids = {f.notice_letter_id for f in found.values() if f.notice_letter_id}
    photo_ids = {link.photo_id for f in found.values() for link in f.photo_links}
    numbers = _pairs(sa.select(Letter.id, Letter.number).where(Letter.id.in_(letter_ids)),
                     letter_ids)
    digests = _pairs(sa.select(Photo.id, Photo.sha256).where(Photo.id.in_(photo_ids)), photo_ids)
    return [ledger_row(found[i], numbers.get(found[i].notice_letter_id), digests, ref, today)
            for i in ids if i in found]


def _pairs(query, keys) -> dict:
    """A two-column query as a dict (no query at all when there are no keys)."""
    return dict(db.session.execute(query).all()) if keys else {}


def iter_rows(ids: list[str], ref: Reference, today: date,
              chunk: int | None = None) -> Iterator[list[LedgerRow]]:
    """Rows chunk by chunk; each chunk's read transaction ends before the caller writes it."""
    chunk = chunk or CHUNK
    for start in range(0, len(ids), chunk):
        rows = load_rows(ids[start:start + chunk], ref, today)
        db.session.rollback()  # nothing was written: end the read (SQLite takes a lock for it)
        yield rows


def ledger_row(f: Finding, letter_number: str | None, digests: dict, ref: Reference,
               today: date) -> LedgerRow:
    """Build one row from a finding (with its relations loaded) and its notice letter."""
    item = ref.items.get(f.item_code)
    unit = ref.unit_name(f.community_id) or ""
    # 社区 is the place's community; the responsible unit (社区、专班 or 科室) has its own column.
    place_community = ref.community_id(f.community_id) or (f.point.community_id if f.point else None)
    community = ref.unit_name(place_community) or ""
    late_reply, late_rectify = overdue_state(f.status, f.reply_due, f.rectify_due, today)
    overdue = late_reply or late_rectify
    reply = f.reply or {}
    photos = {"before": [], "after": []}
    for link in f.photo_links:
        if link.stage in photos:
            photos[link.stage].append(PhotoRef(link.photo_id, digests.get(link.photo_id)))
    values = [
        f.code,
        _naive_local(f.found_at),
        f.inspector.display_name if f.inspector else "",
        community,
        ref.location_types.get(f.location_type) or LOCATION_LABELS.get(f.location_type, f.location_type),
        _place(f),
        item.category if item else "",
        f.item_text or (item.text if item else f.item_code),
        f.description or "",
        None,
        SOURCES.get(f.source, f.source),
        " / ".join(x for x in (unit, reply.get("responsible") or "",
                               reply.get("phone") or "") if x),
        " / ".join(x for x in (_stamp(f.notified_at), letter_number or "") if x),
        f.reply_due,
        f.rectify_due,
        _measures(f, reply),
        None,
        _reinspections(f),
        STATUS_LABELS.get(f.status, f.status) + ("（逾期）" if overdue else ""),
        _naive_local(f.closed_at) if f.status == "closed" else None,
        _overdue_text(f, late_reply, late_rectify, ref.calendar, today),
        _remarks(f),
    ]
    return LedgerRow(values, photos["before"], photos["after"], overdue)


def _place(f: Finding) -> str:
    """The point's name and the recorded position."""
    name = f.point.name if f.point else (f.address or "未登记点位")
    if f.lat is None or f.lon is None:
        return name
    return f"{name}\n({f.lat:.6f}, {f.lon:.6f})"


def _measures(f: Finding, reply: dict) -> str:
    """The community's measures and planned date, then what it reported as done."""
    lines = []
    if reply.get("measures"):
        lines.append(f"整改措施：{reply['measures']}")
    if reply.get("planned_date"):
        lines.append(f"计划完成：{reply['planned_date']}")
    done = [e for e in f.events if e.action == "rectify"]
    if done:
        e = done[-1]
        lines.append(f"整改情况：{e.note or '已整改'}（{_stamp(e.at)} 报整改完成）")
    return "\n".join(lines)


def _reinspections(f: Finding) -> str:
    """Every re-inspection: who, when, and the verdict with its note."""
    lines = []
    for e in f.events:
        if e.action not in ("verify", "reject"):
            continue
        who = e.actor.display_name if e.actor else "系统"
        verdict = "通过" if e.action == "verify" else "不通过（返工）"
        lines.append(f"{who} / {_stamp(e.at)} / {verdict}" + (f"：{e.note}" if e.note else ""))
    return "\n".join(lines)


def _overdue_text(f: Finding, late_reply: bool, late_rectify: bool, cal: WorkCalendar,
                  today: date) -> str:
    """是否逾期: open and late now (working days past the due date), or rectified late."""
    lines = []
    if late_reply:
        lines.append(f"逾期 {cal.working_days_between(f.reply_due, today)} 个工作日（未按期答复）")
    if late_rectify:
        lines.append(f"逾期 {cal.working_days_between(f.rectify_due, today)} 个工作日（未按期整改）")
    if lines:
        return "\n".join(lines)
    if f.status in ("rectified", "closed") and f.rectified_at and f.rectify_due:
        late = cal.working_days_between(f.rectify_due, to_local(f.rectified_at).date())
        if late:
            return f"否（超期 {late} 个工作日完成整改）"
    return "否"


def _remarks(f: Finding) -> str:
    """备注: return and rework counts, voiding, extensions, prompts and review flags."""
    parts = []
    if f.return_count:
        parts.append(f"退回 {f.return_count} 次")
    if f.rework_count:
        parts.append(f"返工 {f.rework_count} 次")
    prompts = sum(1 for e in f.events if e.action == "prompt")
    if prompts:
        parts.append(f"已发提示函 {prompts} 份")
    for e in f.events:
        if e.action == "approve_extension" and (e.data or {}).get("to"):
            parts.append(f"已批准延期至 {e.data['to']}")
    if f.extension:
        parts.append(f"延期申请待批：至 {f.extension.get('until', '')}")
    if f.status == "void":
        voids = [e for e in f.events if e.action == "void"]
        if voids:
            parts.append(f"作废原因：{voids[-1].note}（{_stamp(voids[-1].at)}）")
    flags = list(f.flags or [])
    if f.deadline_provisional:
        flags.append("provisional_deadline")
    parts.extend(FLAG_LABELS.get(x, x) for x in sorted(set(flags)) if x != "extension_pending")
    return "；".join(parts)


def filter_summary(filters: dict, ref: Reference) -> str:
    """The filters in words, for the export's cover sheet."""
    parts = []
    if filters.get("status"):
        labels = (STATUS_LABELS.get(s, s) for s in filters["status"].split(","))
        parts.append("状态：" + "、".join(labels))
    if filters.get("community_id") is not None:
        parts.append("责任单位：" + ref.community_names.get(filters["community_id"],
                                                      str(filters["community_id"])))
    if filters.get("location_type"):
        parts.append("点位类型：" + LOCATION_LABELS.get(filters["location_type"],
                                                   filters["location_type"]))
    if filters.get("item_code"):
        item = ref.items.get(filters["item_code"])
        parts.append("测评条目：" + (item.text if item else filters["item_code"]))
    if filters.get("point_id") is not None:
        point = ref.points.get(filters["point_id"])
        parts.append("点位：" + (point.name if point else str(filters["point_id"])))
    if filters.get("overdue") is not None:
        parts.append("逾期：" + ("是" if filters["overdue"] else "否"))
    if filters.get("covert") is not None:
        parts.append("来源：" + ("暗访" if filters["covert"] else "日常督查"))
    if filters.get("source"):
        parts.append("来源：" + SOURCES.get(filters["source"], filters["source"]))
    if filters.get("from_") or filters.get("to"):
        parts.append(f"发现日期：{filters.get('from_') or '…'} 至 {filters.get('to') or '…'}")
    if filters.get("q"):
        parts.append(f"关键词：{filters['q']}")
    return "；".join(parts) or "全部"
