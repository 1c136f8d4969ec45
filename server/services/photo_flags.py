"""Flags raised by evidence photos: reused elsewhere, or EXIF that disagrees with the record."""
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, has_app_context

from ..extensions import db
from ..timeutil import parse_iso
from ..models import Finding, FindingEvent, FindingPhoto, Photo
from .assignment import distance_m
from .resighting import NOTE as UNFIXED_NOTE

PHOTO_FRESH_MIN = 30  # defaults; PHOTO_FRESH_MIN and EXIF_FAR_M in the configuration win
EXIF_FAR_M = 300
CLOCK_SKEW = timedelta(minutes=10)


def _limits() -> tuple[float, float]:
    """(minutes, metres) in force."""
    cfg = current_app.config if has_app_context() else {}
    return float(cfg.get("PHOTO_FRESH_MIN", PHOTO_FRESH_MIN)), float(cfg.get("EXIF_FAR_M", EXIF_FAR_M))


def not_fresh(photo: Photo, started_at: datetime, fresh_min: float = PHOTO_FRESH_MIN) -> bool:
    """photo_not_fresh: the original was taken more than fresh_min minutes before the record's
    start, or has no capture time the phone could read, or claims one after its own upload."""
    taken = photo.exif_taken_at
    if taken is None:
        return bool(photo.original_checked)
    if photo.received_at is not None and taken > photo.received_at + CLOCK_SKEW:
        return True  # year 9999: no capture time to believe
    return taken < started_at - timedelta(minutes=fresh_min)


def exif_far(photo: Photo, lat: float | None, lon: float | None, far_m: float = EXIF_FAR_M) -> bool:
    """exif_mismatch: the original's GPS is more than far_m from the record, or impossible."""
    if photo.exif_lat is None or photo.exif_lon is None:
        return False
    if not (-90 <= photo.exif_lat <= 90 and -180 <= photo.exif_lon <= 180):
        return True
    if lat is None or lon is None:
        return False
    return distance_m(photo.exif_lat, photo.exif_lon, lat, lon) > far_m


NEAR_BITS = 6  # dHash bits two uploads of one picture may differ by (re-encoding, resizing)


def _near(a: str | None, b: str | None) -> bool:
    """Whether two perceptual hashes are of (nearly) the same picture."""
    return a is not None and b is not None and bin(int(a, 16) ^ int(b, 16)).count("1") <= NEAR_BITS


def _reused(link: tuple, photo: Photo, others: list[tuple], unchanged) -> bool:
    """Whether a linked photo shows what another link already showed: the same bytes or a
    near-identical picture, on any finding, the same finding's other stages included.

    One photo of a place may stand for several items failed in the same inspection; only
    that is not reuse. Nor is a fresh photo of a problem still unfixed (仍未整改) that looks like
    the earlier photos of it: ``unchanged(finding_id, photo)`` says whether a photo shows the
    problem as found (a before photo, or a sighting photo taken at that sighting); between two
    such photos of one finding only the very same file counts."""
    finding_id, stage, inspection_id = link
    for (f2, stage2, insp2), p2 in others:
        if (f2, stage2, p2.id) == (finding_id, stage, photo.id):
            continue  # the link itself
        if stage == stage2 == "before" and insp2 == inspection_id:
            continue
        if p2.sha256 == photo.sha256:
            return True
        if f2 == finding_id and unchanged(finding_id, photo) and unchanged(f2, p2):
            continue
        if _near(p2.phash, photo.phash):
            return True
    return False


def _sighting_photos(ids: list[str]) -> dict[tuple[str, str], datetime]:
    """(finding id, photo id) of the photos of 仍未整改 sightings → when that sighting started."""
    out = {}
    for fid, photo_ids, data in db.session.execute(
            sa.select(FindingEvent.finding_id, FindingEvent.photo_ids, FindingEvent.data)
            .where(FindingEvent.finding_id.in_(ids), FindingEvent.note == UNFIXED_NOTE)):
        data = data or {}
        if data.get("resighting") and data.get("found_at"):
            for pid in photo_ids or []:
                out.setdefault((fid, pid), parse_iso(data["found_at"]))
    return out


def refresh_photo_flags(findings: list[Finding]) -> None:
    """Add photo_reused, photo_not_fresh and exif_mismatch to findings whose photos are present."""
    ids = [f.id for f in findings]
    if not ids:
        return
    rows = db.session.execute(
        sa.select(FindingPhoto.finding_id, FindingPhoto.stage, Photo)
        .join(Photo, Photo.id == FindingPhoto.photo_id)
        .where(FindingPhoto.finding_id.in_(ids))).all()
    if not rows:
        return
    by_id = {f.id: f for f in findings}
    hashes = {p.sha256 for _, _, p in rows}
    # Candidates: every linked photo with the same bytes anywhere, and the photos of findings
    # at the same points or with the same responsible units (where a picture is re-used).
    points = {f.point_id for f in findings if f.point_id is not None}
    units = {f.community_id for f in findings if f.community_id is not None}
    near_scope = sa.or_(Finding.id.in_(ids), Finding.point_id.in_(points), Finding.community_id.in_(units))
    candidates = db.session.execute(
        sa.select(FindingPhoto.finding_id, FindingPhoto.stage, Finding.inspection_id, Photo)
        .join(Photo, Photo.id == FindingPhoto.photo_id)
        .join(Finding, Finding.id == FindingPhoto.finding_id)
        .where(sa.or_(Photo.sha256.in_(hashes), sa.and_(near_scope, Photo.phash.is_not(None))))).all()
    others = [((fid, stage, insp), photo) for fid, stage, insp, photo in candidates]
    fresh_min, far_m = _limits()
    before = {(fid, p.id) for fid, stage, p in rows if stage == "before"}
    sightings = _sighting_photos(ids)

    def unchanged(fid: str, photo: Photo) -> bool:
        """A before photo, or a sighting photo whose original was taken at its sighting."""
        if (fid, photo.id) in before:
            return True
        started = sightings.get((fid, photo.id))
        return (started is not None and photo.exif_taken_at is not None
                and not not_fresh(photo, started, fresh_min))

    for fid, stage, photo in rows:
        f = by_id[fid]
        flags = set(f.flags or [])
        if _reused((fid, stage, f.inspection_id), photo, others, unchanged):
            flags.add("photo_reused")
        # Evidence of the problem as found: the before photos at the finding's time, and each
        # 仍未整改 sighting's photos at that sighting's time.
        taken_for = f.found_at if stage == "before" else sightings.get((fid, photo.id))
        if taken_for is not None and not_fresh(photo, taken_for, fresh_min):
            flags.add("photo_not_fresh")
        if taken_for is not None and exif_far(photo, f.lat, f.lon, far_m):
            flags.add("exif_mismatch")
        if flags != set(f.flags or []):
            f.flags = sorted(flags)


def findings_using_photo(photo_id: str) -> list[Finding]:
    """Findings that refer to a photo id."""
    return findings_using_photos([photo_id])


def findings_using_photos(photo_ids: list[str]) -> list[Finding]:
    """Findings that refer to any of these photos, when the photos are already uploaded."""
    present = sa.select(Photo.id).where(Photo.id.in_(photo_ids))
    users = sa.select(FindingPhoto.finding_id).where(FindingPhoto.photo_id.in_(present))
    return list(db.session.scalars(sa.select(Finding).where(Finding.id.in_(users))))
