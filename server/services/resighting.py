"""Re-sighting: a failure of an item where that item already has an open finding joins it.

DESIGN.md v1.1 "Re-sighting": open is 待派发 to 整改中; a sighting of a 待复查 finding is a
failed re-inspection (``reject``). Only recordings at a registered point, or 此处 recordings
within ``RESIGHT_RADIUS_M`` of the finding, join; a closed or voided finding never does. The
sighting becomes one history event with the note "仍未整改" and its photos; the ledger, the
reports and the notices count the problem once.
"""
import math
import zlib
from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..models import ChangeLog, Finding, FindingEvent, FindingPhoto, User
from .assignment import distance_m
from .lifecycle import plan, target_of

JOINABLE = ("unassigned", "assigned", "returned", "replied", "rectified")
NOTE = "仍未整改"
ACTION = "resight"  # the event of a sighting of an open finding (a rectified one is rejected)


class _Open:
    """An open finding a failure may join: an existing row, or one this batch opens."""

    __slots__ = ("id", "point_id", "item_code", "lat", "lon", "order")

    def __init__(self, fid, point_id, item_code, lat, lon, order):
        """Keep what matching needs; order ranks candidates (the oldest wins)."""
        self.id, self.point_id, self.item_code = fid, point_id, item_code
        self.lat, self.lon, self.order = lat, lon, order


def plan_resightings(batch: list[tuple[dict, str]], radius_m: float) -> dict[str, str]:
    """Map the id of every failed result that re-sights an open finding to that finding's id.

    The candidates are locked (PostgreSQL) so their state holds until the batch commits. A
    failure may also join a finding an earlier inspection of the same batch opens. The caller
    has taken ``lock_failed_items`` for the batch first (outside any savepoint).
    """
    fails = [(data, r) for data, _ in batch for r in data["results"] if r["result"] == "fail"]
    if not fails:
        return {}
    known = _existing(fails, radius_m)
    targets: dict[str, str] = {}
    for n, (data, r) in enumerate(fails):
        hit = _match(known, data, r["item_code"], radius_m)
        if hit is not None:
            targets[r["id"]] = hit.id
        elif data["point_id"] is not None or data["lat"] is not None:
            known.append(_Open(r["id"], data["point_id"], r["item_code"], data["lat"],
                               data["lon"], (1, n)))
    return targets


def lock_failed_items(batch: list[tuple[dict, str]]) -> None:
    """On PostgreSQL, hold a transaction lock per failed item until the push commits.

    Locking the open findings is not enough: when there are none, two phones recording the
    same first sighting at the same instant would each open one. Every batch that could match
    the other's failures shares an item code, so it waits here for the other to commit and
    then sees its finding. Taken in sorted order, and by the push for all its records before
    any savepoint (a retry record by record then takes no new lock after the code counter:
    no deadlock). Locks are per transaction and re-entrant. SQLite serialises writers."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    codes = sorted({r["item_code"] for data, _ in batch for r in data["results"] if r["result"] == "fail"})
    for code in codes:
        key = (0x5E51 << 32 | zlib.crc32(code.encode())) - (1 << 63)  # a signed 64-bit key
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _existing(fails: list[tuple[dict, dict]], radius_m: float) -> list[_Open]:
    """Open findings of the failed items at the batch's points or near its 此处 places."""
    codes = sorted({r["item_code"] for _, r in fails})
    points = sorted({d["point_id"] for d, _ in fails if d["point_id"] is not None})
    conds = []
    if points:
        conds.append(Finding.point_id.in_(points))
    for lat, lon in {(d["lat"], d["lon"]) for d, _ in fails
                     if d["point_id"] is None and d["lat"] is not None}:
        dlat = radius_m / 111_000 + 1e-6
        dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
        conds.append(sa.and_(Finding.lat.between(lat - dlat, lat + dlat),
                             Finding.lon.between(lon - dlon, lon + dlon)))
    if not conds:
        return []
    q = (sa.select(Finding.id, Finding.point_id, Finding.item_code, Finding.lat, Finding.lon,
                   Finding.found_at)
         .where(Finding.status.in_(JOINABLE), Finding.item_code.in_(codes), sa.or_(*conds))
         .order_by(Finding.found_at, Finding.id).with_for_update())
    return [_Open(fid, pid, code, lat, lon, (0, k))
            for k, (fid, pid, code, lat, lon, _) in enumerate(db.session.execute(q))]


def _match(known: list[_Open], data: dict, item_code: str, radius_m: float) -> _Open | None:
    """The oldest open finding of this item at this point (or within the radius of 此处)."""
    best = None
    for f in known:
        if f.item_code != item_code:
            continue
        if data["point_id"] is not None:
            ok = f.point_id == data["point_id"]
        else:
            ok = (data["lat"] is not None and f.lat is not None
                  and distance_m(data["lat"], data["lon"], f.lat, f.lon) <= radius_m)
        if ok and (best is None or f.order < best.order):
            best = f
    return best


def apply_resightings(user: User, sightings: list[tuple[dict, dict, str]],
                      now: datetime) -> list[Finding]:
    """Append one "仍未整改" event (a ``reject`` when rectified) per sighting; return the findings.

    A handful of statements per push whatever the number of sightings: the findings and their
    photo links are read at once, and the events, photo links and change log written in bulk.
    """
    if not sightings:
        return []
    ids = list({fid for _, _, fid in sightings})
    findings = {f.id: f for f in db.session.scalars(sa.select(Finding).where(Finding.id.in_(ids)))}
    have: dict[str, dict] = {fid: {} for fid in ids}
    for fid, pid, position in db.session.execute(
            sa.select(FindingPhoto.finding_id, FindingPhoto.photo_id, FindingPhoto.position)
            .where(FindingPhoto.finding_id.in_(ids))):
        have[fid][pid] = position
    events, links = [], []
    for data, r, finding_id in sightings:
        finding = findings[finding_id]
        before = finding.status
        if before == "rectified":
            t = plan("reject", before, user.role)
            finding.rework_count += 1
            finding.rectified_at = None
            finding.status = target_of(t, before)
            action = "reject"
        else:
            action = ACTION
        finding.updated_at = now
        events.append({"finding_id": finding_id, "at": now, "actor_id": user.id, "action": action,
                       "from_status": before, "to_status": finding.status, "note": NOTE,
                       "photo_ids": list(r["photo_ids"]),
                       "data": {"resighting": True, "inspection_id": data["id"],
                                "result_id": r["id"], "description": r["note"],
                                "found_at": data["started_at"].isoformat()}})
        for pid in r["photo_ids"]:  # re-inspection photos, once each
            if pid not in have[finding_id]:
                have[finding_id][pid] = max(have[finding_id].values(), default=-1) + 1
                links.append({"finding_id": finding_id, "photo_id": pid, "stage": "verify",
                              "position": have[finding_id][pid]})
    db.session.flush()
    db.session.execute(sa.insert(FindingEvent), events)
    if links:
        db.session.execute(sa.insert(FindingPhoto), links)
    db.session.execute(sa.insert(ChangeLog), [
        {"entity": "finding", "entity_id": f.id, "community_id": f.community_id, "at": now}
        for f in findings.values()])
    return list(findings.values())
