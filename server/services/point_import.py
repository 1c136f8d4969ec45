"""Importing the office's point list from Excel, CSV or GeoJSON, all or nothing.

Every row is checked before anything is stored; a dry run answers what would happen. A row
whose 名称 matches an existing point updates it, any other creates one. Rows count as in the
sheet: the header is row 1.
"""
import csv
import io
import json
from dataclasses import dataclass
from io import BytesIO

import sqlalchemy as sa
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from ..extensions import db
from ..models import LocationType, Point, Unit, User
from . import audit
from .points import in_china
from .reference import bump_version, load_reference

COLUMNS = ("名称", "类型", "纬度", "经度", "社区")
MAX_ROWS = 20000


class ImportFileError(ValueError):
    """The file as a whole cannot be read (wrong format, no header, too many rows)."""


@dataclass
class Row:
    """One row as read: its sheet row number and its raw cells."""

    row: int
    name: object
    type: object
    lat: object
    lon: object
    community: object
    address: object = ""


def _cells_to_rows(header: list, body) -> list[Row]:
    """Map a header and the rows under it to Rows by the template's column names."""
    names = [str(h).strip() if h is not None else "" for h in header]
    missing = [c for c in COLUMNS[:4] if c not in names]
    if missing:
        raise ImportFileError(f"表头缺少列：{'、'.join(missing)}（请使用模板）")
    at = {c: names.index(c) for c in names if c}
    out = []
    for n, cells in enumerate(body, start=2):
        cells = list(cells)
        if not any(c not in (None, "") for c in cells):
            continue  # blank line

        def cell(col):
            """The cell under a column, or None."""
            i = at.get(col)
            return cells[i] if i is not None and i < len(cells) else None

        out.append(Row(n, cell("名称"), cell("类型"), cell("纬度"), cell("经度"), cell("社区"),
                       cell("地址") or ""))
        if len(out) > MAX_ROWS:
            raise ImportFileError(f"一次最多导入 {MAX_ROWS} 行")
    return out


def read_rows(filename: str, data: bytes) -> list[Row]:
    """Read .xlsx, .csv or .geojson/.json into rows."""
    lower = filename.lower()
    if lower.endswith(".xlsx"):
        try:
            sheet = load_workbook(BytesIO(data), read_only=True, data_only=True).worksheets[0]
        except Exception:  # openpyxl raises many kinds for a damaged or foreign file
            raise ImportFileError("无法读取此 Excel 文件，请使用 .xlsx 格式（可下载模板）") from None
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise ImportFileError("文件是空的")
        return _cells_to_rows(list(header), rows)
    if lower.endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                raise ImportFileError("无法识别 CSV 文件的编码，请另存为 UTF-8") from None
        rows = list(csv.reader(io.StringIO(text)))
        if not rows:
            raise ImportFileError("文件是空的")
        return _cells_to_rows(rows[0], rows[1:])
    if lower.endswith((".geojson", ".json")):
        return _geojson_rows(data)
    raise ImportFileError("只支持 .xlsx、.csv 或 .geojson 文件")


def _geojson_rows(data: bytes) -> list[Row]:
    """Points of a FeatureCollection (properties name, location_type, community)."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ImportFileError("GeoJSON 文件格式错误，无法解析") from None
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list):
        raise ImportFileError("GeoJSON 须为 FeatureCollection")
    if len(features) > MAX_ROWS:
        raise ImportFileError(f"一次最多导入 {MAX_ROWS} 个点位")
    out = []
    for n, f in enumerate(features, start=2):  # row 1 is the "header", as in a sheet
        props = f.get("properties") if isinstance(f, dict) else None
        geom = f.get("geometry") if isinstance(f, dict) else None
        props = props if isinstance(props, dict) else {}
        coords = geom.get("coordinates") if isinstance(geom, dict) and geom.get("type") == "Point" else None
        lon, lat = (coords[0], coords[1]) if isinstance(coords, list) and len(coords) >= 2 else (None, None)
        out.append(Row(n, props.get("name"), props.get("location_type"), lat, lon,
                       props.get("community"), props.get("address") or ""))
    return out


def _number(value) -> float | None:
    """A coordinate cell as a float, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        x = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return x if x == x and abs(x) != float("inf") else None


class _Lookup:
    """Everything validation needs, loaded once for the whole file."""

    def __init__(self):
        """Load types, communities, existing points and boundaries."""
        types = list(db.session.scalars(sa.select(LocationType).where(LocationType.active.is_(True))))
        self.types = {t.code: t.code for t in types} | {t.name: t.code for t in types}
        self.units = {u.name: u.id for u in db.session.scalars(
            sa.select(Unit).where(Unit.kind == "community", Unit.active.is_(True)))}
        self.points = {p.name: p for p in db.session.scalars(sa.select(Point))}
        self.ref = load_reference()


def check(rows: list[Row]) -> tuple[list[dict], list[dict]]:
    """Validate every row; return (clean rows, errors) with errors as {row, field, message}."""
    look, clean, errors, seen = _Lookup(), [], [], {}

    def bad(r, field, message):
        """Note one problem."""
        errors.append({"row": r.row, "field": field, "message": message})

    for r in rows:
        start = len(errors)
        name = str(r.name).strip() if r.name is not None else ""
        if not name:
            bad(r, "名称", "名称不能为空")
        elif len(name) > 100:
            bad(r, "名称", "名称不能超过 100 字")
        elif name in seen:
            bad(r, "名称", f"与第 {seen[name]} 行重名")
        else:
            seen[name] = r.row
        code = look.types.get(str(r.type).strip()) if r.type is not None else None
        if code is None:
            bad(r, "类型", f"未知的点位类型“{r.type or ''}”（填类型名称或代码，见模板第二页）")
        lat, lon = _number(r.lat), _number(r.lon)
        if lat is None:
            bad(r, "纬度", "纬度须为数字，如 42.9783")
        if lon is None:
            bad(r, "经度", "经度须为数字，如 126.7379")
        community = None
        if lat is not None and lon is not None:
            if not in_china(lat, lon):
                bad(r, "纬度", "坐标不在中国境内（纬度 18–54、经度 73–135），请检查是否填反")
            elif r.community not in (None, ""):
                community = look.units.get(str(r.community).strip())
                if community is None:
                    bad(r, "社区", f"没有名为“{r.community}”的在用社区")
            else:
                hit = look.ref.boundaries.containing(lat, lon)
                if hit is None:
                    bad(r, "社区", "该位置不在任何社区辖区内，请填写所属社区")
                else:
                    community = hit[0]
        address = str(r.address or "").strip()[:200]
        if len(errors) == start:
            clean.append({"name": name, "location_type": code, "lat": lat, "lon": lon,
                          "community_id": community, "address": address,
                          "existing": look.points.get(name)})
    return clean, errors


def apply(actor: User, clean: list[dict]) -> tuple[int, int]:
    """Store checked rows: update points with the same name, create the rest."""
    new = [{k: v for k, v in c.items() if k != "existing"} | {"active": True}
           for c in clean if c["existing"] is None]
    if new:
        db.session.execute(sa.insert(Point), new)
    updated = 0
    for c in clean:
        p = c["existing"]
        if p is None:
            continue
        for key in ("location_type", "lat", "lon", "community_id"):
            setattr(p, key, c[key])
        if c["address"]:
            p.address = c["address"]
        p.active = True
        updated += 1
    audit.record(actor, "point.import", "points", None, {"created": len(new), "updated": updated})
    bump_version()
    return len(new), updated


def _append(ws, values: list) -> None:
    """Append a row whose text is written as text: never a formula, no illegal characters."""
    ws.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values])
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str) and cell.data_type == "f":
            cell.data_type = "s"  # a name like "=HYPERLINK(…)" stays a name


def template() -> bytes:
    """The import template: the columns, and on a second sheet the valid types and communities."""
    wb = Workbook()
    ws = wb.active
    ws.title = "点位"
    ws.append(list(COLUMNS) + ["地址"])
    for col, width in zip("ABCDEF", (28, 14, 12, 12, 14, 30)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    ref = wb.create_sheet("可选值")
    ref.append(["点位类型名称", "类型代码", "", "社区", "", "填写说明"])
    types = list(db.session.scalars(sa.select(LocationType).where(LocationType.active.is_(True))
                                     .order_by(LocationType.position)))
    units = list(db.session.scalars(sa.select(Unit.name).where(
        Unit.kind == "community", Unit.active.is_(True)).order_by(Unit.id)))
    for i in range(max(len(types), len(units))):
        t = types[i] if i < len(types) else None
        _append(ref, [t.name if t else None, t.code if t else None, None,
                      units[i] if i < len(units) else None])
    ref["F2"] = "每行一个点位；类型填名称或代码；纬度、经度为 WGS-84 小数度（如 42.978301、126.737935）。"
    ref["F3"] = "社区可不填，按辖区边界自动确定；名称与已有点位相同的行将更新该点位。"
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def export(points: list[Point]) -> bytes:
    """Every point in the template's columns (an export can be edited and imported again)."""
    ref = load_reference()
    names = {t.code: t.name for t in db.session.scalars(sa.select(LocationType))}
    wb = Workbook()
    ws = wb.active
    ws.title = "点位"
    ws.append(list(COLUMNS) + ["地址", "状态"])
    for p in points:
        _append(ws, [p.name, names.get(p.location_type, p.location_type), p.lat, p.lon,
                     ref.unit_name(p.community_id), p.address, "在用" if p.active else "已停用"])
    for col, width in zip("ABCDEFG", (28, 14, 12, 12, 14, 30, 8)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
