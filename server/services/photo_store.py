"""Receiving and serving evidence photos: validation, storage, derived copies."""
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..errors import ApiError
from ..extensions import db
from ..models import Finding, FindingPhoto, Photo, Point, User
from ..timeutil import TimeOutOfRange, parse_bounded, to_local
from .photo_flags import findings_using_photo, refresh_photo_flags
from .photos import (PhotoError, Watermark, inspect_image, make_display, make_thumbnail,
                     perceptual_hash, sha256_hex)
from .storage import Storage


@dataclass
class Limits:
    """Upload limits and the watermark font."""

    max_bytes: int
    max_pixels: int
    font_path: str


def _header_meta(headers) -> dict:
    """Read X-Taken-At, X-Lat, X-Lon, X-Accuracy; a bad value is a 400 naming the header."""
    out: dict = {"taken_at": None, "lat": None, "lon": None, "accuracy_m": None}
    if headers.get("X-Taken-At"):
        try:
            out["taken_at"] = parse_bounded(headers["X-Taken-At"], max_past=timedelta(days=90))
        except TimeOutOfRange as err:
            raise ApiError(422, "invalid_fields", f"X-Taken-At：{err}", {"X-Taken-At": str(err)}) from None
        except ValueError:
            raise ApiError(400, "bad_header", "X-Taken-At 须为带时区的 ISO 8601 时间",
                           {"X-Taken-At": "格式不正确"}) from None
    for name, key, lo, hi in (("X-Lat", "lat", -90, 90), ("X-Lon", "lon", -180, 180),
                              ("X-Accuracy", "accuracy_m", 0, 100000)):
        if headers.get(name):
            try:
                value = float(headers[name])
            except ValueError:
                value = None
            if value is None or not lo <= value <= hi:
                raise ApiError(400, "bad_header", f"{name} 超出范围或不是数字", {name: "数值无效"})
            out[key] = value
    return out


ORIGINAL_HEADERS = ("X-Original-Taken-At", "X-Original-Lat", "X-Original-Lon")


def _bad_header(name: str, message: str) -> ApiError:
    """A 400 naming the header."""
    return ApiError(400, "bad_header", f"{name} {message}", {name: message})


def _original_time(raw: str) -> datetime | None:
    """The original's capture time as sent; any past (or absurd) time is kept for the flags.

    A time no database can hold (year 1, a year-9999 offset past midnight) counts as none."""
    if len(raw) > 40:
        raise _bad_header("X-Original-Taken-At", "须为带时区的 ISO 8601 时间或 none")
    try:
        dt = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise _bad_header("X-Original-Taken-At", "须为带时区的 ISO 8601 时间或 none") from None
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise _bad_header("X-Original-Taken-At", "须带时区")
    try:
        return dt.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        return None


def _original_meta(headers) -> dict | None:
    """X-Original-Taken-At/-Lat/-Lon: the original file's EXIF as the phone read it before
    resizing (its re-encoded JPEG carries none). None when the client sent none of them.

    `X-Original-Taken-At: none` says the original has no capture time. Absurd values (year
    1900 or 9999, latitude 95) are accepted and kept: they raise flags, not errors. Only a
    value that is not a time or not a number is a 400."""
    if not any(headers.get(name) for name in ORIGINAL_HEADERS):
        return None
    out: dict = {"taken_at": None, "lat": None, "lon": None}
    raw = (headers.get("X-Original-Taken-At") or "").strip()
    if raw and raw.lower() != "none":
        out["taken_at"] = _original_time(raw)
    for name, key in (("X-Original-Lat", "lat"), ("X-Original-Lon", "lon")):
        if headers.get(name):
            try:
                value = float(headers[name])
            except ValueError:
                value = math.nan
            if not math.isfinite(value):
                raise _bad_header(name, "须为数字")
            out[key] = value
    if (out["lat"] is None) != (out["lon"] is None):
        missing = "X-Original-Lon" if out["lon"] is None else "X-Original-Lat"
        raise _bad_header(missing, "须与另一坐标同时提供")
    return out


def store(photo_id: str, data: bytes, content_type: str | None, headers, user: User,
          storage: Storage, limits: Limits, now: datetime) -> tuple[Photo, bool]:
    """Store an upload under the client's id; return (photo, created). Raise on bad input."""
    digest = sha256_hex(data)
    claimed = headers.get("X-Content-SHA256")
    if claimed and claimed.lower() != digest:
        raise ApiError(400, "checksum_mismatch", "内容校验值与上传内容不符",
                       {"X-Content-SHA256": "与内容不符"})
    existing = db.session.get(Photo, photo_id)
    if existing is not None:
        return _same_or_conflict(existing, digest), False
    meta = _header_meta(headers)
    original = _original_meta(headers)
    try:
        info = inspect_image(data, content_type, max_bytes=limits.max_bytes,
                             max_pixels=limits.max_pixels)
        thumb = make_thumbnail(data)  # a full decode: damage deep in the file shows here
    except PhotoError as err:
        raise ApiError(err.status, err.code, err.message) from None
    storage.put_original(digest, data)
    storage.put_derived(f"{photo_id}-thumb.jpg", thumb)
    photo = Photo(id=photo_id, sha256=digest, content_type=info.content_type, width=info.width,
                  height=info.height, size=len(data),
                  taken_at=meta["taken_at"] or info.exif_taken_at,
                  lat=meta["lat"] if meta["lat"] is not None else info.exif_lat,
                  lon=meta["lon"] if meta["lon"] is not None else info.exif_lon,
                  accuracy_m=meta["accuracy_m"],
                  **_exif_columns(info, original),
                  uploaded_by=user.id, received_at=now, phash=perceptual_hash(thumb))
    try:
        with db.session.begin_nested():
            db.session.add(photo)
    except IntegrityError:
        twin = db.session.get(Photo, photo_id)  # a concurrent upload of the same id
        return _same_or_conflict(twin, digest), False
    refresh_photo_flags(findings_using_photo(photo_id))
    return photo, True


def _exif_columns(info, original: dict | None) -> dict:
    """The original's capture time and GPS: as the phone reported them, else the upload's EXIF."""
    if original is None:
        return {"exif_taken_at": info.exif_taken_at, "exif_lat": info.exif_lat,
                "exif_lon": info.exif_lon, "original_checked": False}
    return {"exif_taken_at": original["taken_at"], "exif_lat": original["lat"],
            "exif_lon": original["lon"], "original_checked": True}


def _same_or_conflict(existing: Photo, digest: str) -> Photo:
    """The id is taken: fine with the same bytes, 409 with different ones."""
    if existing.sha256 != digest:
        raise ApiError(409, "photo_conflict", "该照片编号已存在不同内容的照片")
    return existing


def upload_dict(photo: Photo) -> dict:
    """The answer to an upload."""
    return {"id": photo.id, "sha256": photo.sha256, "width": photo.width,
            "height": photo.height, "content_type": photo.content_type,
            "taken_at": to_local(photo.taken_at).isoformat(timespec="seconds")
            if photo.taken_at else None}


def _watermark(photo: Photo) -> tuple[Watermark, bool]:
    """The watermark's facts from the photo and its finding; and whether a finding was found."""
    row = db.session.execute(
        sa.select(Finding, FindingPhoto.stage).join(FindingPhoto, FindingPhoto.finding_id == Finding.id)
        .where(FindingPhoto.photo_id == photo.id).limit(1)).first()
    finding = row[0] if row else None
    uploader = db.session.get(User, photo.uploaded_by)
    place = "未登记点位"
    if finding is not None:
        point = db.session.get(Point, finding.point_id) if finding.point_id else None
        community = finding.community.name if finding.community else ""
        place = "·".join(x for x in (community, point.name if point else "现场位置") if x)
    lat = photo.lat if photo.lat is not None else (finding.lat if finding else None)
    lon = photo.lon if photo.lon is not None else (finding.lon if finding else None)
    when = to_local(photo.taken_at or photo.received_at).strftime("%Y-%m-%d %H:%M:%S")
    return Watermark(taken_at=when, place=place, lat=lat, lon=lon,
                     accuracy_m=photo.accuracy_m,
                     inspector=uploader.display_name if uploader else "",
                     short_id=photo.id[:8]), finding is not None


def variant_bytes(photo: Photo, variant: str, storage: Storage, font_path: str) -> bytes:
    """Return the original, the thumbnail or the watermarked display copy (made once)."""
    if variant == "original":
        return storage.get_original(photo.sha256)
    name = f"{photo.id}-{variant}.jpg"
    cached = storage.get_derived(name)
    if cached is not None:
        return cached
    original = storage.get_original(photo.sha256)
    if variant == "thumb":
        out, final = make_thumbnail(original), True
    else:
        mark, final = _watermark(photo)
        out = make_display(original, mark, font_path=font_path)
    if final:  # before its record arrives, the watermark still lacks the place
        storage.put_derived(name, out)
    return out
