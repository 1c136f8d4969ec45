"""Sync ingest: each record applied atomically on its own, idempotent by the phone's UUID."""
import hashlib
import json
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError

from ..errors import ApiError, flatten_messages
from ..extensions import db
from ..models import (Finding, FindingPhoto, Inspection, InspectionResult, Photo, User,
                      Verification)
from ..schemas.sync import RECORD_SCHEMAS
from ..timeutil import to_local
from .actions import apply_action
from .assignment import assign, gps_far_from_point
from .deadlines import start_clocks
from .events import add_event
from .letters import issue_notice
from .numbering import finding_code, reserve
from .photo_flags import refresh_photo_flags
from .reference import Reference, load_reference


class Rejected(Exception):
    """A record that cannot be applied, with its field errors."""

    def __init__(self, status: str, errors: dict):
        """Keep the result status (rejected|conflict) and the errors."""
        super().__init__(status)
        self.status, self.errors = status, errors


def content_hash(record: dict) -> str:
    """A stable hash of a record as sent, to tell a duplicate from a conflict."""
    return hashlib.sha256(json.dumps(record, sort_keys=True, ensure_ascii=False,
                                     separators=(",", ":")).encode()).hexdigest()


def push(user: User, device_id: str, records: list, now: datetime) -> dict:
    """Apply a batch of records; return per-record results and the photos still missing."""
    ref = load_reference()
    insp_ids = [r.get("id") for r in records if isinstance(r, dict) and r.get("kind") == "inspection"]
    known_insp = dict(db.session.execute(
        sa.select(Inspection.id, Inspection.content_hash).where(Inspection.id.in_(
            [i for i in insp_ids if isinstance(i, str)]))).all()) if insp_ids else {}
    results, wanted_photos = [], []
    for index, raw in enumerate(records):
        rid = raw.get("id") if isinstance(raw, dict) else None
        try:
            status, photos = _one(user, device_id, raw, now, ref, known_insp)
            wanted_photos.extend(photos)
            results.append({"id": rid, "status": status, "errors": {}})
        except Rejected as rej:
            results.append({"id": rid, "status": rej.status, "errors": rej.errors})
    missing = _missing_photos(wanted_photos)
    return {"results": results, "missing_photos": missing}


def _missing_photos(photo_ids: list[str]) -> list[str]:
    """Photo ids referenced by accepted records that have not been uploaded yet."""
    wanted = list(dict.fromkeys(photo_ids))
    if not wanted:
        return []
    have = set(db.session.scalars(sa.select(Photo.id).where(Photo.id.in_(wanted))))
    return [p for p in wanted if p not in have]


def _one(user, device_id, raw, now, ref, known_insp) -> tuple[str, list[str]]:
    """Validate and apply one record inside its own savepoint."""
    if not isinstance(raw, dict):
        raise Rejected("rejected", {"_schema": "记录须为 JSON 对象"})
    schema = RECORD_SCHEMAS.get(raw.get("kind"))
    if schema is None:
        raise Rejected("rejected", {"kind": "记录类型须为 inspection 或 verification"})
    try:
        data = schema.load(raw)
    except ValidationError as err:
        raise Rejected("rejected", flatten_messages(err.messages)) from None
    digest = content_hash(raw)
    if data["kind"] == "inspection":
        if data["id"] in known_insp:
            return _repeat(known_insp[data["id"]], digest, data)
        if _results_taken(data):
            return _after_race(data, digest)  # stored since this push began, or a real clash
        _check_inspection(data, ref)
        apply = lambda: _create_inspection(user, device_id, data, digest, now, ref)  # noqa: E731
    else:
        existing = db.session.get(Verification, data["id"])
        if existing is not None:
            return _repeat(existing.content_hash, digest, data)
        apply = lambda: _create_verification(user, data, digest, now, ref)  # noqa: E731
    try:
        with db.session.begin_nested():
            apply()
    except IntegrityError:
        # A concurrent push stored the same id first, or a result id is taken.
        return _after_race(data, digest)
    except ApiError as err:
        raise Rejected("rejected", err.fields or {"_schema": err.message}) from None
    if data["kind"] == "inspection":
        known_insp[data["id"]] = digest
    return "created", _photo_ids(data)


def _photo_ids(data: dict) -> list[str]:
    """Every photo a record refers to."""
    if data["kind"] == "verification":
        return list(data["photo_ids"])
    return [p for r in data["results"] for p in r["photo_ids"]]


def _repeat(stored_hash: str, digest: str, data: dict) -> tuple[str, list[str]]:
    """A record id seen before: duplicate when identical, conflict otherwise."""
    if stored_hash == digest:
        return "duplicate", _photo_ids(data)
    raise Rejected("conflict", {"id": "该编号已有内容不同的记录"})


def _after_race(data: dict, digest: str) -> tuple[str, list[str]]:
    """Classify an insert that hit a unique constraint."""
    model = Inspection if data["kind"] == "inspection" else Verification
    stored = db.session.get(model, data["id"])
    if stored is not None:
        return _repeat(stored.content_hash, digest, data)
    raise Rejected("conflict", {"results": "结果编号已被其他记录使用"})


def _check_inspection(data: dict, ref: Reference) -> None:
    """Check references: point, its type, item codes, photos required for a fail."""
    errors = {}
    ltype = data["location_type"]
    if data["point_id"] is not None:
        if data["point_id"] not in ref.points:
            errors["point_id"] = "点位不存在"
        elif ref.point_types[data["point_id"]] != ltype:
            errors["point_id"] = "点位类型与检查类型不一致"
    if not any(i.location_type == ltype for i in ref.items.values()):
        errors["location_type"] = "未知的点位类型"
    for i, r in enumerate(data["results"]):
        item = ref.items.get(r["item_code"])
        if item is None or not item.active:
            errors[f"results[{i}].item_code"] = "未知的检查条目"
        elif item.location_type != ltype:
            errors[f"results[{i}].item_code"] = "检查条目不属于该点位类型"
        elif r["result"] == "fail" and item.photo_required and not r["photo_ids"]:
            errors[f"results[{i}].photo_ids"] = "该条目不合格时须拍照"
    if errors:
        raise Rejected("rejected", errors)


def _results_taken(data: dict) -> bool:
    """Tell whether any of the record's result ids is already stored."""
    return db.session.scalars(sa.select(InspectionResult.id).where(
        InspectionResult.id.in_([r["id"] for r in data["results"]]))).first() is not None


def _create_inspection(user, device_id, data, digest, now, ref: Reference) -> None:
    """Store an inspection, its results, and a finding per failed item with its notice."""
    cfg = current_app.config
    point = ref.points.get(data["point_id"]) if data["point_id"] is not None else None
    insp = Inspection(id=data["id"], content_hash=digest, device_id=device_id,
                      inspector_id=user.id, point_id=data["point_id"],
                      location_type=data["location_type"], started_at=data["started_at"],
                      lat=data["lat"], lon=data["lon"], accuracy_m=data["accuracy_m"],
                      covert=data["covert"], note=data["note"], received_at=now)
    db.session.add(insp)
    db.session.add_all(InspectionResult(id=r["id"], inspection_id=insp.id, position=i,
                                        item_code=r["item_code"], result=r["result"],
                                        note=r["note"], photo_ids=r["photo_ids"])
                       for i, r in enumerate(data["results"]))
    db.session.flush()  # findings refer to the inspection; SQLite checks FKs per statement
    fails = [r for r in data["results"] if r["result"] == "fail"]
    if not fails:
        return
    where = assign(point, data["lat"], data["lon"], ref.boundaries, list(ref.points.values()),
                   cfg["NEAREST_POINT_RADIUS_M"])
    flags = []
    if point is not None and gps_far_from_point(point, data["lat"], data["lon"],
                                                cfg["GPS_FAR_FROM_POINT_M"]) is not None:
        flags.append("gps_far_from_point")
    if to_local(data["started_at"]).date() < to_local(now).date():
        flags.append("late_entry")
    year = to_local(data["started_at"]).year
    first = reserve(f"finding:{year}", len(fails))
    findings = []
    for n, r in enumerate(fails):
        f = Finding(id=r["id"], code=finding_code(cfg["FINDING_PREFIX"], year, first + n),
                    inspection_id=insp.id, item_code=r["item_code"],
                    location_type=data["location_type"], point_id=data["point_id"],
                    community_id=where.community_id, inspector_id=user.id,
                    lat=data["lat"] if data["lat"] is not None else point.lat,
                    lon=data["lon"] if data["lon"] is not None else point.lon,
                    description=r["note"], covert=data["covert"],
                    status="assigned" if where.community_id else "unassigned",
                    found_at=data["started_at"], received_at=now,
                    assignment_method=where.method, assignment_detail=where.detail,
                    flags=list(flags), photo_links=[
                        FindingPhoto(photo_id=p, stage="before", position=k)
                        for k, p in enumerate(r["photo_ids"])])
        if where.community_id:
            start_clocks(f, now, ref)
        db.session.add(f)
        findings.append(f)
    db.session.flush()
    for f in findings:
        add_event(f, user.id, "create", None, now, note=f.description,
                  data={"assignment": where.method, "detail": where.detail},
                  photo_ids=[link.photo_id for link in f.photo_links])
    if where.community_id:
        names = {point.id: point.name} if point else {}
        issue_notice(where.community_id, ref.community_names[where.community_id], findings,
                     now, ref.items, names)
    refresh_photo_flags(findings)


def _create_verification(user, data, digest, now, ref: Reference) -> None:
    """Store a re-inspection and apply verify or reject through the state machine."""
    finding = db.session.get(Finding, data["finding_id"])
    if finding is None:
        raise ApiError(422, "invalid_fields", "问题不存在", {"finding_id": "问题不存在"})
    if finding.status != "rectified":
        raise ApiError(409, "not_rectified", "该问题当前不是待复查状态",
                       {"finding_id": "该问题当前不是待复查状态"})
    db.session.add(Verification(id=data["id"], content_hash=digest, finding_id=finding.id,
                                inspector_id=user.id, verdict=data["verdict"], at=data["at"],
                                lat=data["lat"], lon=data["lon"], note=data["note"],
                                photo_ids=data["photo_ids"], received_at=now))
    db.session.flush()
    action = "verify" if data["verdict"] == "pass" else "reject"
    apply_action(finding, user, {"action": action, "note": data["note"],
                                 "photo_ids": data["photo_ids"]}, now, ref, via_sync=True)
    db.session.flush()


