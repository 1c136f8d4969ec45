"""Writing new inspections in bulk: results, findings, assignment, clocks, notices, history."""
from collections import Counter
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..models import (ChangeLog, Finding, FindingEvent, FindingPhoto, Inspection,
                      InspectionResult, Letter, User)
from ..timeutil import to_local
from .assignment import Assignment, assign, assign_item, gps_far_from_point
from .letters import item_line, letter_values, notice_body, place_label
from .numbering import finding_code, reserve
from .photo_flags import findings_using_photos, refresh_photo_flags
from .reference import ItemRef, Reference
from .resighting import apply_resightings, plan_resightings

REPLY_WORKING_DAYS = 2
FREE_TEXT_LIMIT_DAYS = 5  # a problem outside the checklist (desk entry): the common limit


def source_of(data: dict) -> str:
    """问题来源 of a recording: given by the desk, else 暗访 or 日常督查 from the phone's flag."""
    return data.get("source") or ("covert" if data["covert"] else "routine")


def _item_of(r: dict, ref: Reference):
    """The checklist item of a fail result, or for free text (desk entries) one made up of it."""
    item = ref.items.get(r["item_code"])
    if item is not None:
        return item
    return ItemRef(code=r["item_code"], location_type="", text=r["text"], category="",
                   limit_days=FREE_TEXT_LIMIT_DAYS, photo_required=False, active=True)


def _placed(data: dict, item, place: Assignment, ref: Reference) -> Assignment:
    """The responsible unit: the one the desk named, else 责任分工, else the place rule."""
    if data.get("unit_id"):
        return Assignment(data["unit_id"], "manual", f"录入时指定：{ref.unit_name(data['unit_id'])}")
    owner = item.unit_id if item.unit_id in ref.active_units else None
    return assign_item((owner, ref.unit_name(owner)) if owner else None, place)


def write_inspections(user: User, device_id: str, batch: list[tuple[dict, str]],
                      now: datetime, ref: Reference) -> None:
    """Insert validated, new inspections with everything they cause, in a few statements."""
    rows = _Rows(plan_resightings(batch, current_app.config["RESIGHT_RADIUS_M"]))
    codes = _reserve_codes(batch, rows.joins)
    for data, digest in batch:
        rows.add_inspection(user, device_id, data, digest, now, ref, codes)
    rows.number_notices(now)
    rows.insert()
    touched = apply_resightings(user, rows.sightings, now)
    photo_ids = [link["photo_id"] for link in rows.photos]
    if photo_ids:
        touched += findings_using_photos(photo_ids)
    if touched:
        db.session.flush()
        refresh_photo_flags(list({f.id: f for f in touched}.values()))


def _reserve_codes(batch, joins: dict[str, str]) -> dict[int, int]:
    """Reserve ledger codes for the failed items that open findings, per year; return the
    next value per year."""
    per_year = Counter()
    for data, _ in batch:
        fails = sum(1 for r in data["results"] if r["result"] == "fail" and r["id"] not in joins)
        if fails:
            per_year[to_local(data["started_at"]).year] += fails
    return {year: reserve(f"finding:{year}", n) for year, n in per_year.items()}


class _Rows:
    """The rows a batch of inspections turns into, gathered before one bulk insert each."""

    def __init__(self, joins: dict[str, str]):
        """Start empty; joins maps the failed results that re-sight an open finding to it."""
        self.inspections, self.results, self.findings, self.photos = [], [], [], []
        self.events, self.notices, self.letters = [], [], []
        self.joins, self.sightings = joins, []

    def add_inspection(self, user, device_id, data, digest, now, ref: Reference, codes) -> None:
        """Gather one inspection's rows; failed items become findings."""
        cfg = current_app.config
        self.inspections.append({
            "id": data["id"], "content_hash": digest, "device_id": device_id,
            "inspector_id": user.id, "point_id": data["point_id"],
            "location_type": data["location_type"], "started_at": data["started_at"],
            "lat": data["lat"], "lon": data["lon"], "accuracy_m": data["accuracy_m"],
            "covert": data["covert"], "source": source_of(data), "note": data["note"],
            "received_at": now})
        self.results += [{"id": r["id"], "inspection_id": data["id"], "position": i,
                          "item_code": r["item_code"], "result": r["result"], "note": r["note"],
                          "photo_ids": r["photo_ids"],
                          "finding_id": (self.joins.get(r["id"], r["id"])
                                         if r["result"] == "fail" else None)}
                         for i, r in enumerate(data["results"])]
        self.sightings += [(data, r, self.joins[r["id"]]) for r in data["results"]
                           if r["id"] in self.joins]
        fails = [r for r in data["results"] if r["result"] == "fail" and r["id"] not in self.joins]
        if not fails:
            return
        point = ref.points.get(data["point_id"]) if data["point_id"] is not None else None
        lat = data["lat"] if data["lat"] is not None else (point.lat if point else None)
        lon = data["lon"] if data["lon"] is not None else (point.lon if point else None)
        place = assign(point, lat, lon, ref.boundaries, list(ref.points.values()),
                       cfg["NEAREST_POINT_RADIUS_M"], ref.active_units)
        flags = []
        if point is not None and gps_far_from_point(point, data["lat"], data["lon"],
                                                    cfg["GPS_FAR_FROM_POINT_M"]) is not None:
            flags.append("gps_far_from_point")
        if to_local(data["started_at"]).date() < to_local(now).date():
            flags.append("late_entry")
        year = to_local(data["started_at"]).year
        notice_day = to_local(now).date()
        per_unit: dict[int, list] = {}  # one notice per responsible unit of this inspection
        for r in fails:
            item = _item_of(r, ref)
            where = _placed(data, item, place, ref)
            unit = where.community_id
            reply_due, p1 = ref.due(notice_day, REPLY_WORKING_DAYS) if unit else (None, False)
            rectify_due, p2 = ref.due(notice_day, item.limit_days) if unit else (None, False)
            code = finding_code(cfg["FINDING_PREFIX"], year, codes[year])
            codes[year] += 1
            status = "assigned" if unit else "unassigned"
            self.findings.append({
                "id": r["id"], "code": code, "inspection_id": data["id"],
                "item_code": r["item_code"], "item_text": item.text, "severity": item.severity,
                "location_type": data["location_type"],
                "point_id": data["point_id"], "community_id": unit,
                "inspector_id": user.id, "lat": lat, "lon": lon,
                "description": r["note"], "covert": data["covert"], "source": source_of(data),
                "address": data.get("address") or None, "status": status,
                "found_at": data["started_at"], "received_at": now, "notice_letter_id": None,
                "notified_at": now if unit else None, "reply_due": reply_due,
                "rectify_due": rectify_due, "deadline_provisional": p1 or p2,
                "assignment_method": where.method, "assignment_detail": where.detail,
                "flags": list(flags), "rework_count": 0, "return_count": 0, "updated_at": now})
            self.photos += [{"finding_id": r["id"], "photo_id": pid, "stage": "before",
                             "position": k} for k, pid in enumerate(r["photo_ids"])]
            self.events.append({"finding_id": r["id"], "at": now, "actor_id": user.id,
                                "action": "create", "from_status": None, "to_status": status,
                                "note": r["note"], "photo_ids": r["photo_ids"],
                                "data": {"assignment": where.method, "detail": where.detail}})
            if unit:
                per_unit.setdefault(unit, []).append((r["id"], reply_due, p1 or p2, item_line(
                    finding_id=r["id"], code=code, item_code=r["item_code"], item_text=item.text,
                    point=place_label(point.name if point else None, lat, lon),
                    description=r["note"], rectify_due=rectify_due, reply_due=reply_due,
                    photo_ids=r["photo_ids"])))
        for unit, rows in per_unit.items():
            body = notice_body(ref.unit_name(unit), to_local(data["started_at"]).date(), rows[0][1],
                               [line for *_, line in rows], any(prov for _, _, prov, _ in rows))
            self.notices.append((unit, [fid for fid, *_ in rows], body))

    def number_notices(self, now: datetime) -> None:
        """Reserve one notice number per (inspection, community) and build the letters."""
        if not self.notices:
            return
        year = to_local(now).year
        first = reserve(f"letter:notice:{year}", len(self.notices))
        self.letters = [letter_values("notice", year, first + k, cid, now, fids, body)
                        for k, (cid, fids, body) in enumerate(self.notices)]

    def insert(self) -> None:
        """One INSERT per table, parents first (SQLite checks foreign keys per statement)."""
        run = db.session.execute
        run(sa.insert(Inspection), self.inspections)
        # The table, not the entity: the ORM would send rows with a null finding_id one by one.
        run(sa.insert(InspectionResult.__table__), self.results)
        changes = []
        if self.letters:
            ids = run(sa.insert(Letter).returning(Letter.id, sort_by_parameter_order=True),
                      self.letters).scalars().all()
            by_finding = {}
            for letter_id, (cid, fids, _), letter in zip(ids, self.notices, self.letters):
                by_finding.update(dict.fromkeys(fids, letter_id))
                changes.append({"entity": "letter", "entity_id": str(letter_id),
                                "community_id": cid, "at": letter["issued_at"]})
            for f in self.findings:
                f["notice_letter_id"] = by_finding.get(f["id"])
        if self.findings:
            run(sa.insert(Finding), self.findings)
            run(sa.insert(FindingEvent), self.events)
            changes += [{"entity": "finding", "entity_id": f["id"],
                         "community_id": f["community_id"], "at": f["updated_at"]}
                        for f in self.findings]
        if self.photos:
            run(sa.insert(FindingPhoto), self.photos)
        if changes:
            run(sa.insert(ChangeLog), changes)
