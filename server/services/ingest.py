"""Sync ingest: each record applied atomically on its own, idempotent by the phone's UUID.

A push is classified with a few bulk queries, then the new inspections are written in one
savepoint with bulk INSERTs; only if that hits a unique constraint (a concurrent push of the
same records) is each record retried in a savepoint of its own.
"""
import hashlib
import json
from datetime import datetime

import sqlalchemy as sa
from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError

from ..errors import ApiError, flatten_messages
from ..extensions import db
from ..models import Finding, Inspection, InspectionResult, Photo, User, Verification
from ..schemas.sync import RECORD_SCHEMAS
from .actions import apply_action
from .ingest_write import write_inspections
from .resighting import lock_failed_items
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
    results: list[dict | None] = [None] * len(records)
    valid = []
    for i, raw in enumerate(records):
        try:
            valid.append((i, *_validate(raw)))
        except Rejected as rej:
            results[i] = _result(raw, rej.status, rej.errors)
    photos: list[str] = []
    inspections = [v for v in valid if v[1]["kind"] == "inspection"]
    accepted = {}
    for i, status, errors, data in _inspections(user, device_id, inspections, now, ref):
        results[i] = _result(records[i], status, errors)
        if status in ("created", "duplicate"):
            photos += _photo_ids(data)
            accepted[i] = data
    _add_findings(results, accepted)
    for i, data, digest in (v for v in valid if v[1]["kind"] == "verification"):
        try:
            status = _verification(user, data, digest, now, ref)
            results[i] = _result(records[i], status, {})
            photos += _photo_ids(data)
        except Rejected as rej:
            results[i] = _result(records[i], rej.status, rej.errors)
    return {"results": results, "missing_photos": _missing_photos(photos)}


def _add_findings(results: list, accepted: dict[int, dict]) -> None:
    """Tell, for each stored inspection, which finding each failed item opened or re-sighted
    (read back from the results, so a re-push answers the same)."""
    ids = [data["id"] for data in accepted.values()]
    links: dict[str, list] = {}
    for chunk in _chunks(ids):
        for insp, rid, fid in db.session.execute(
                sa.select(InspectionResult.inspection_id, InspectionResult.id,
                          InspectionResult.finding_id)
                .where(InspectionResult.inspection_id.in_(chunk),
                       InspectionResult.finding_id.is_not(None))
                .order_by(InspectionResult.inspection_id, InspectionResult.position)):
            links.setdefault(insp, []).append(
                {"result_id": rid, "finding_id": fid, "resighting": fid != rid})
    for i, data in accepted.items():
        items = links.get(data["id"], [])
        results[i]["findings"] = items
        results[i]["finding_ids"] = list(dict.fromkeys(x["finding_id"] for x in items))


def _result(raw, status: str, errors: dict) -> dict:
    """One entry of the push answer; an id that is not a string is not echoed."""
    rid = raw.get("id") if isinstance(raw, dict) else None
    return {"id": rid if isinstance(rid, str) else None, "status": status, "errors": errors}


def _validate(raw) -> tuple[dict, str]:
    """Check a record's shape; return (data, content hash) or raise Rejected."""
    if not isinstance(raw, dict):
        raise Rejected("rejected", {"_schema": "记录须为 JSON 对象"})
    schema = RECORD_SCHEMAS.get(raw.get("kind"))
    if schema is None:
        raise Rejected("rejected", {"kind": "记录类型须为 inspection 或 verification"})
    try:
        return schema.load(raw), content_hash(raw)
    except ValidationError as err:
        raise Rejected("rejected", flatten_messages(err.messages)) from None


def _inspections(user, device_id, batch, now, ref):
    """Classify and store the batch's inspections; yield (index, status, errors, data)."""
    # The result ids first, then the inspections: under READ COMMITTED another phone's push of the
    # same records may commit between the two reads, and an inspection commits with its results,
    # so a result seen taken always comes with its inspection seen stored (a duplicate, not a
    # conflict). The other order could see the results of an inspection it had not seen.
    result_ids = [r["id"] for _, d, _ in batch for r in d["results"]]
    taken = set()
    for chunk in _chunks(result_ids):
        taken.update(db.session.scalars(sa.select(InspectionResult.id).where(
            InspectionResult.id.in_(chunk))))
    ids = [d["id"] for _, d, _ in batch]
    stored = {}
    for chunk in _chunks(ids):
        stored.update(db.session.execute(sa.select(Inspection.id, Inspection.content_hash)
                                         .where(Inspection.id.in_(chunk))).tuples().all())
    new, claimed = [], set()
    for i, data, digest in batch:
        try:
            if data["id"] in stored:
                yield i, _repeat(stored[data["id"]], digest), {}, data
                continue
            rids = {r["id"] for r in data["results"]}
            if rids & (taken | claimed):
                raise Rejected("conflict", {"results": "结果编号已被其他记录使用"})
            _check_inspection(data, ref)
        except Rejected as rej:
            yield i, rej.status, rej.errors, data
            continue
        stored[data["id"]] = digest  # a repeat later in the same push is a duplicate
        claimed |= rids
        new.append((i, data, digest))
    yield from _write_new(user, device_id, new, now, ref)


def _write_new(user, device_id, new, now, ref):
    """Write all new inspections at once; on a race, one by one."""
    if not new:
        return
    lock_failed_items([(d, h) for _, d, h in new])  # outside the savepoints: kept on a retry
    try:
        with db.session.begin_nested():
            write_inspections(user, device_id, [(d, h) for _, d, h in new], now, ref)
        for i, data, _ in new:
            yield i, "created", {}, data
        return
    except IntegrityError:
        pass  # a concurrent push stored some of them first
    for i, data, digest in new:
        try:
            with db.session.begin_nested():
                write_inspections(user, device_id, [(data, digest)], now, ref)
            yield i, "created", {}, data
        except IntegrityError:
            stored = db.session.get(Inspection, data["id"])
            try:
                if stored is None:
                    raise Rejected("conflict", {"results": "结果编号已被其他记录使用"})
                yield i, _repeat(stored.content_hash, digest), {}, data
            except Rejected as rej:
                yield i, rej.status, rej.errors, data


def _photo_ids(data: dict) -> list[str]:
    """Every photo a record refers to."""
    if data["kind"] == "verification":
        return list(data["photo_ids"])
    return [p for r in data["results"] for p in r["photo_ids"]]


def _repeat(stored_hash: str, digest: str) -> str:
    """A record id seen before: duplicate when identical, conflict otherwise."""
    if stored_hash == digest:
        return "duplicate"
    raise Rejected("conflict", {"id": "该编号已有内容不同的记录"})


def _missing_photos(photo_ids: list[str]) -> list[str]:
    """Photo ids referenced by accepted records that have not been uploaded yet."""
    wanted = list(dict.fromkeys(photo_ids))
    have = set()
    for chunk in _chunks(wanted):
        have.update(db.session.scalars(sa.select(Photo.id).where(Photo.id.in_(chunk))))
    return [p for p in wanted if p not in have]


def _chunks(items: list, size: int = 5000):
    """Slices small enough for any database's bound-parameter limit (PostgreSQL: 65,535)."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


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


def _verification(user, data, digest, now, ref: Reference) -> str:
    """Store a re-inspection and apply verify or reject through the state machine."""
    existing = db.session.get(Verification, data["id"])
    if existing is not None:
        return _repeat(existing.content_hash, digest)
    try:
        with db.session.begin_nested():
            _apply_verification(user, data, digest, now, ref)
    except IntegrityError:
        stored = db.session.get(Verification, data["id"])
        if stored is None:
            raise
        return _repeat(stored.content_hash, digest)
    except ApiError as err:
        raise Rejected("rejected", err.fields or {"_schema": err.message}) from None
    return "created"


def _apply_verification(user, data, digest, now, ref: Reference) -> None:
    """Insert the verification row and make the transition."""
    finding = db.session.get(Finding, data["finding_id"], with_for_update=True)
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
