"""Flags raised by evidence photos: reused elsewhere, or EXIF that disagrees with the record."""
from datetime import timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import Finding, FindingPhoto, Photo
from .assignment import distance_m

EXIF_MAX_MINUTES = 30
EXIF_MAX_METRES = 300


def _exif_disagrees(photo: Photo, finding: Finding) -> bool:
    """Tell whether a before-photo's EXIF time or GPS contradicts the finding."""
    if photo.exif_taken_at and abs(photo.exif_taken_at - finding.found_at) > timedelta(
            minutes=EXIF_MAX_MINUTES):
        return True
    if photo.exif_lat is not None and finding.lat is not None:
        return distance_m(photo.exif_lat, photo.exif_lon, finding.lat, finding.lon) > EXIF_MAX_METRES
    return False


def refresh_photo_flags(findings: list[Finding]) -> None:
    """Recompute photo_reused and exif_mismatch for findings whose photos are present."""
    ids = [f.id for f in findings]
    if not ids:
        return
    rows = db.session.execute(
        sa.select(FindingPhoto.finding_id, FindingPhoto.stage, Photo)
        .join(Photo, Photo.id == FindingPhoto.photo_id)
        .where(FindingPhoto.finding_id.in_(ids))).all()
    if not rows:
        return
    hashes = {p.sha256 for _, _, p in rows}
    # Findings of other inspections that use a photo with the same bytes.
    users = db.session.execute(
        sa.select(Photo.sha256, Finding.inspection_id)
        .join(FindingPhoto, FindingPhoto.photo_id == Photo.id)
        .join(Finding, Finding.id == FindingPhoto.finding_id)
        .where(Photo.sha256.in_(hashes))).all()
    inspections_by_hash: dict[str, set] = {}
    for sha, insp in users:
        inspections_by_hash.setdefault(sha, set()).add(insp)
    by_id = {f.id: f for f in findings}
    for fid, stage, photo in rows:
        f = by_id[fid]
        flags = set(f.flags or [])
        if inspections_by_hash.get(photo.sha256, set()) - {f.inspection_id}:
            flags.add("photo_reused")
        if stage == "before" and _exif_disagrees(photo, f):
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
