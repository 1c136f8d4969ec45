"""Open311 GeoReport v2, read-only, in JSON and XML, over the findings ledger."""
import re
from datetime import datetime, timedelta
from xml.etree import ElementTree as ET

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, g, jsonify, request

from ..auth import auth_required
from ..config import public_base
from ..errors import ApiError
from ..extensions import db
from ..models import ChecklistItem, Community, Finding
from ..services.visibility import finding_scope
from ..timeutil import iso, parse_bounded, utcnow

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
MAX_RESULTS = 1000
DEFAULT_DAYS = 90
SEES_COVERT = ("supervisor", "leader")  # DESIGN.md: covert findings for these two only
# Characters XML 1.0 cannot carry at all (control characters, surrogates, U+FFFE/U+FFFF); they
# can arrive in free text from the phones and would make the whole document unparseable.
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(value) -> str:
    """GeoReport XML text of a value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML_CHAR.sub("", str(value))


def _render(rows: list[dict], root: str, child: str, fmt: str):
    """Answer a list as JSON or as GeoReport XML."""
    if fmt == "json":
        return jsonify(rows)
    top = ET.Element(root)
    for row in rows:
        el = ET.SubElement(top, child)
        for key, value in row.items():
            ET.SubElement(el, key).text = _xml_text(value)
    body = ET.tostring(top, encoding="unicode", xml_declaration=False)
    return Response('<?xml version="1.0" encoding="utf-8"?>' + body, mimetype="text/xml")


def _fmt(fmt: str) -> str:
    """Only json and xml exist."""
    if fmt not in ("json", "xml"):
        raise ApiError(404, "not_found", "仅支持 .json 或 .xml")
    return fmt


@bp.get("/services.<fmt>")
@auth_required()
def services(fmt):
    """Checklist items as GeoReport services."""
    rows = db.session.scalars(sa.select(ChecklistItem).where(ChecklistItem.active.is_(True))
                              .order_by(ChecklistItem.location_type, ChecklistItem.position))
    return _render([{"service_code": i.code, "service_name": i.text, "description": i.text,
                     "metadata": False, "type": "realtime", "keywords": i.category,
                     "group": i.location_type} for i in rows], "services", "service", _fmt(fmt))


def _request_row(f: Finding, items: dict, names: dict) -> dict:
    """A finding as a GeoReport service request."""
    item = items.get(f.item_code)
    media = next((p.photo_id for p in f.photo_links if p.stage == "before"), None)
    return {
        "service_request_id": f.code, "status": "closed" if f.status in ("closed", "void") else "open",
        "status_notes": {"void": "已作废", "closed": "已销号"}.get(f.status, ""),
        "service_name": item.text if item else f.item_code, "service_code": f.item_code,
        "description": f.description, "agency_responsible": names.get(f.community_id, ""),
        "service_notice": "", "requested_datetime": iso(f.found_at),
        "updated_datetime": iso(f.updated_at),
        "expected_datetime": f"{f.rectify_due.isoformat()}T23:59:59+08:00" if f.rectify_due else None,
        "address": f.point.name if f.point else "", "address_id": str(f.point_id) if f.point_id is not None else None, "zipcode": None,
        "lat": f.lat, "long": f.lon,
        "media_url": public_base(current_app.config, request.host_url)
        + f"api/v1/photos/{media}?variant=display" if media else None,
    }


def _time_arg(name: str) -> datetime | None:
    """Parse a GeoReport date argument (W3C/ISO with offset)."""
    value = request.args.get(name)
    if not value:
        return None
    if re.search(r"\d \d{2}:\d{2}$", value):
        value = value[:-6] + "+" + value[-5:]  # an unencoded "+08:00" arrives as " 08:00"
    try:
        return parse_bounded(value, future_ok=True)
    except ValueError:  # malformed, or outside 2000–2100
        raise ApiError(400, "bad_query", f"{name} 须为 2000–2100 年间带时区的 ISO 8601 时间",
                       {name: "格式不正确或超出范围"}) from None


def _scope():
    """Findings this user may see here: covert ones only for supervisors and leaders."""
    clause = finding_scope(g.user)
    if g.user.role not in SEES_COVERT:
        clause = sa.and_(clause, Finding.covert.is_(False))
    return clause


def _lookups() -> tuple[dict, dict]:
    """Item and community names."""
    items = {i.code: i for i in db.session.scalars(sa.select(ChecklistItem))}
    names = dict(db.session.execute(sa.select(Community.id, Community.name)).all())
    return items, names


@bp.get("/requests.<fmt>")
@auth_required()
def requests_list(fmt):
    """Service requests, GeoReport defaults: the last 90 days, at most 1,000."""
    fmt = _fmt(fmt)
    q = sa.select(Finding).where(_scope())
    ids = request.args.get("service_request_id")
    if ids:
        q = q.where(Finding.code.in_([s.strip() for s in ids.split(",")]))
    else:
        start, end = _time_arg("start_date"), _time_arg("end_date")
        if start is None:
            start = (end or utcnow()) - timedelta(days=DEFAULT_DAYS)
        q = q.where(Finding.found_at >= start)
        if end is not None:
            q = q.where(Finding.found_at <= end)
        if request.args.get("service_code"):
            q = q.where(Finding.item_code.in_(request.args["service_code"].split(",")))
        status = request.args.get("status")
        if status:
            wanted = set(status.split(","))
            if not wanted <= {"open", "closed"}:
                raise ApiError(400, "bad_query", "status 须为 open 或 closed", {"status": "取值无效"})
            closed = Finding.status.in_(("closed", "void"))
            if wanted == {"open"}:
                q = q.where(sa.not_(closed))
            elif wanted == {"closed"}:
                q = q.where(closed)
    rows = db.session.scalars(q.order_by(Finding.found_at.desc()).limit(MAX_RESULTS)).all()
    items, names = _lookups()
    return _render([_request_row(f, items, names) for f in rows], "service_requests",
                   "request", fmt)


@bp.get("/requests/<code>.<fmt>")
@auth_required()
def request_one(code, fmt):
    """One service request by its ledger code (or finding id)."""
    fmt = _fmt(fmt)
    f = db.session.scalar(sa.select(Finding).where(
        sa.or_(Finding.code == code, Finding.id == code), _scope()))
    if f is None:
        raise ApiError(404, "not_found", "问题不存在或无权查看")
    items, names = _lookups()
    return _render([_request_row(f, items, names)], "service_requests", "request", fmt)
