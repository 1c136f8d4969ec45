"""Recording a problem at the desk: 专题督查, 上级交办 and 群众反映 (the work plan's sources a
supervisor enters), through the same path as a phone's inspection — ledger code, assignment
(the unit the supervisor names, else 责任分工, point, boundary, nearest point), notice, clocks,
history — so it follows the same lifecycle. The inspection row it makes carries the source, and
the daily coverage does not count 上级交办 or 群众反映 as a visit to the point."""
import hashlib
import json
import uuid
from datetime import datetime

import sqlalchemy as sa

from ..errors import ApiError
from ..extensions import db
from ..models import Finding, InspectionResult, Photo, User
from .ingest_write import write_inspections
from .reference import Reference
from .resighting import lock_failed_items

CHINA = ((18.0, 54.0), (73.0, 135.0))  # lat, lon: where a place of this sub-district can be
FREE_TEXT = "other"  # item code suffix of a problem outside the checklist: <location_type>.other


def _check(data: dict, ref: Reference) -> tuple[str, str]:
    """The location type and item code to record, or 422 naming each bad field."""
    errors = {}
    ltype = data["location_type"]
    if data["point_id"] is not None:
        if data["point_id"] not in ref.points:
            errors["point_id"] = "点位不存在或已停用"
        else:
            if ltype and ltype != ref.point_types[data["point_id"]]:
                errors["location_type"] = "点位类型与所选点位不一致"
            ltype = ref.point_types[data["point_id"]]
    elif ltype not in ref.location_types:
        errors["location_type"] = "未知的点位类型"
    code = data["item_code"]
    if code:
        item = ref.items.get(code)
        if item is None or not item.active:
            errors["item_code"] = "未知的检查条目"
        elif ltype and item.location_type != ltype:
            errors["item_code"] = "检查条目不属于该点位类型"
    else:
        code = f"{ltype}.{FREE_TEXT}"
    if data["lat"] is not None and not (CHINA[0][0] <= data["lat"] <= CHINA[0][1]
                                        and CHINA[1][0] <= data["lon"] <= CHINA[1][1]):
        errors["lat"] = "坐标须在中国境内（纬度 18–54，经度 73–135）"
    if data["unit_id"] is not None and data["unit_id"] not in ref.active_units:
        errors["unit_id"] = "责任单位不存在或已停用"
    if data["photo_ids"]:
        have = set(db.session.scalars(sa.select(Photo.id).where(Photo.id.in_(data["photo_ids"]))))
        if missing := [p for p in data["photo_ids"] if p not in have]:
            errors["photo_ids"] = f"照片尚未上传：{'、'.join(missing)}"
    if errors:
        raise ApiError(422, "invalid_fields", "填写的内容有误", errors)
    return ltype, code


def record(user: User, data: dict, now: datetime, ref: Reference) -> tuple[Finding, bool]:
    """Store a desk-recorded problem as a one-result inspection; answer (the finding, whether it
    joined one already open). Like a phone's, a report of an item that already has an open
    problem at that place is added to it as 仍未整改 instead of opening a second one."""
    ltype, code = _check(data, ref)
    fid = data["id"] or str(uuid.uuid4())
    if db.session.get(InspectionResult, fid) is not None:
        raise ApiError(409, "conflict", "该问题编号已被使用", {"id": "该编号已被其他记录使用"})
    words = data["text"].strip()
    note = data["note"].strip()
    record_ = {
        "id": str(uuid.uuid4()), "point_id": data["point_id"], "location_type": ltype,
        "started_at": data["found_at"] or now, "lat": data["lat"], "lon": data["lon"],
        "accuracy_m": None, "covert": False, "note": "", "source": data["source"],
        "address": data["address"].strip(), "unit_id": data["unit_id"],
        "results": [{"id": fid, "item_code": code, "result": "fail", "text": words,
                     # With a checklist item, the words describe the problem like a note does.
                     "note": "\n".join(x for x in (words if data["item_code"] else "", note) if x),
                     "photo_ids": data["photo_ids"]}],
    }
    digest = hashlib.sha256(json.dumps(record_, default=str, sort_keys=True).encode()).hexdigest()
    lock_failed_items([(record_, digest)])
    write_inspections(user, "desk", [(record_, digest)], now, ref)
    finding = db.session.get(Finding, fid)
    if finding is not None:
        return finding, False
    return db.session.get(Finding, db.session.get(InspectionResult, fid).finding_id), True
