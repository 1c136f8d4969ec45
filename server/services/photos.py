"""Evidence photos: validate uploads, read EXIF, derive thumbnails and watermarked copies.

Pure functions over bytes; no Flask, no database, no storage. Large JPEGs are never
decoded at full resolution here: `Image.draft` makes libjpeg decode at 1/2, 1/4 or 1/8
scale, which keeps a 50-megapixel photo well inside the memory budget.
"""
from __future__ import annotations

import hashlib
import logging
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from io import BytesIO
from zoneinfo import ZoneInfo

from geopy.distance import geodesic
from PIL import (
    ExifTags,
    Image,
    ImageFile,
    ImageOps,
    UnidentifiedImageError,
)

log = logging.getLogger(__name__)

LOCAL_TZ = ZoneInfo("Asia/Shanghai")

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP")
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
# Declared Content-Type values accepted; "image/jpg" is a common client misspelling.
_DECLARED_OK = {"image/jpeg", "image/jpg", "image/png", "image/webp"}
# Declared values that mean "the client does not know": sniff the bytes instead.
_DECLARED_SNIFF = {"", "application/octet-stream"}

# Image formats we recognise (to answer 415 rather than 400) but do not accept.
# Sniffed by magic bytes so that no exotic Pillow decoder ever touches the upload.
_OTHER_IMAGE_MAGIC = (
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"II+\x00", "BigTIFF"),
    (b"MM\x00+", "BigTIFF"),
    (b"\x00\x00\x01\x00", "ICO"),
    (b"8BPS", "PSD"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "JPEG 2000"),
    (b"\xff\x4f\xff\x51", "JPEG 2000"),
    (b"\xff\x0a", "JPEG XL"),
    (b"\x00\x00\x00\x0cJXL \r\n\x87\n", "JPEG XL"),
    (b"qoif", "QOI"),
    (b"%PDF", "PDF"),
)
_ISOBMFF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1",
                   b"avif", b"avis"}

# PNG and WebP cannot be decoded at reduced scale: a WebP costs about 16 bytes a pixel at
# peak (libwebp's two canvases, a copy, Pillow's image), a PNG about 5. 13 MP keeps either
# under a 300 MB worker (bench/photo_memory.py) and still admits 12 MP phone photos.
FULL_DECODE_MAX_PIXELS = 13_000_000

_THUMB_QUALITY = 80
_DISPLAY_QUALITY = 85



class PhotoError(Exception):
    """An upload that cannot be accepted: stable `code`, HTTP `status`, Chinese `message`."""

    def __init__(self, code: str, status: int, message: str):
        """Keep the code, the HTTP status and the user-facing message."""
        super().__init__(message)
        self.code = code
        self.status = status
        self.message = message

    def __repr__(self) -> str:
        """Show the code and status for logs and test failures."""
        return f"PhotoError(code={self.code!r}, status={self.status}, message={self.message!r})"


def _not_an_image() -> PhotoError:
    """The error for bytes that are not a recognisable image."""
    return PhotoError("not_an_image", 400, "文件不是有效的图片")


def _corrupt() -> PhotoError:
    """The error for an image that is truncated or damaged."""
    return PhotoError("corrupt_image", 400, "图片文件不完整或已损坏，请重新上传")


def _unsupported(what: str | None = None) -> PhotoError:
    """The error for a type outside JPEG, PNG and WebP."""
    detail = f"（{what}）" if what else ""
    return PhotoError("unsupported_type", 415, f"不支持的文件类型{detail}，仅支持 JPEG、PNG、WebP 图片")


def _too_many_pixels(width: int | None = None, height: int | None = None,
                     max_pixels: int | None = None) -> PhotoError:
    """The error for an image whose pixel count is over the limit."""
    if width and height and max_pixels:
        text = (f"图片像素过多（{width}×{height}，约 {width * height / 1e4:.0f} 万像素），"
                f"上限为 {max_pixels / 1e4:.0f} 万像素")
    else:
        text = "图片像素过多，无法处理"
    return PhotoError("too_many_pixels", 413, text)


@dataclass
class ImageInfo:
    """What inspection learnt about an upload; width/height are as displayed (EXIF-rotated)."""

    width: int
    height: int
    format: str
    content_type: str
    exif_taken_at: datetime | None = None
    exif_lat: float | None = None
    exif_lon: float | None = None


def sha256_hex(data: bytes) -> str:
    """Return the lowercase hex SHA-256 of the bytes."""
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- opening


def _normalise_declared(declared_type: str | None) -> str | None:
    """Return the bare lowercase media type, or None when the client gave none."""
    if declared_type is None:
        return None
    media = declared_type.split(";", 1)[0].strip().lower()
    return None if media in _DECLARED_SNIFF else media


def _sniff_other_format(data: bytes) -> str | None:
    """Name a well-known non-accepted image (or PDF) format from its magic bytes."""
    head = data[:32]
    for magic, name in _OTHER_IMAGE_MAGIC:
        if head.startswith(magic):
            return name
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in _ISOBMFF_BRANDS:
        return "HEIC/AVIF"
    if head.lstrip().startswith((b"<svg", b"<?xml")):
        return "SVG"
    return None


def _open(data: bytes) -> ImageFile.ImageFile:
    """Open bytes with the JPEG/PNG/WebP allow-list, mapping failures to PhotoError."""
    if not data:
        raise _not_an_image()
    try:
        return Image.open(BytesIO(data), formats=list(ALLOWED_FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # The warning only arrives here as an exception when warnings are errors.
        raise _too_many_pixels() from exc
    except UnidentifiedImageError as exc:
        other = _sniff_other_format(data)
        if other:
            raise _unsupported(other) from exc
        raise _not_an_image() from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        # Recognised as an allowed format, but its header is broken or cut off.
        raise _corrupt() from exc


# --------------------------------------------------------------------------- EXIF


_EXIF_DT = re.compile(r"^(\d{4})[:\-](\d{2})[:\-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_EXIF_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")


def _clean_text(value) -> str:
    """Turn an EXIF ASCII value (str or bytes) into a stripped string."""
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return str(value).replace("\x00", "").strip()


def parse_exif_datetime(value, offset=None) -> datetime | None:
    """Parse an EXIF 'YYYY:MM:DD HH:MM:SS' with an optional '+08:00' offset; else Shanghai."""
    if value is None:
        return None
    match = _EXIF_DT.match(_clean_text(value))
    if not match:
        return None
    try:
        naive = datetime(*(int(g) for g in match.groups()))
    except ValueError:  # 0000:00:00 00:00:00 and other placeholders
        return None
    off = _EXIF_OFFSET.match(_clean_text(offset)) if offset is not None else None
    if off:
        sign = -1 if off.group(1) == "-" else 1
        hours, minutes = int(off.group(2)), int(off.group(3))
        if hours <= 14 and minutes < 60:
            delta = timedelta(hours=hours, minutes=minutes) * sign
            return naive.replace(tzinfo=timezone(delta))
    return naive.replace(tzinfo=LOCAL_TZ)


def _dms_to_degrees(dms, ref) -> float | None:
    """Convert an EXIF (degrees, minutes, seconds) triple and N/S/E/W ref to signed degrees."""
    if dms is None:
        return None
    try:
        parts = [float(x) for x in dms]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not parts or len(parts) > 3 or not all(math.isfinite(p) and p >= 0 for p in parts):
        return None
    parts += [0.0] * (3 - len(parts))
    value = parts[0] + parts[1] / 60 + parts[2] / 3600
    if _clean_text(ref).upper() in ("S", "W"):
        value = -value
    return value


def _read_exif(img: Image.Image) -> tuple[int, datetime | None, float | None, float | None]:
    """Return (orientation, taken_at, lat, lon) from an opened image without decoding it."""
    if img.format == "PNG" and "exif" not in img.info:
        # PngImageFile.getexif() would decode the whole image to look for an eXIf chunk
        # after the pixel data; photos put it before, so treat such a PNG as EXIF-free.
        return 1, None, None, None
    try:
        exif = img.getexif()
    except Exception:  # malformed EXIF never rejects a photo
        log.debug("unreadable EXIF", exc_info=True)
        return 1, None, None, None

    orientation = 1
    try:
        value = int(exif.get(ExifTags.Base.Orientation, 1))
        orientation = value if 1 <= value <= 8 else 1
    except Exception:
        pass

    taken_at = None
    try:
        sub = exif.get_ifd(ExifTags.IFD.Exif)
        taken_at = parse_exif_datetime(sub.get(ExifTags.Base.DateTimeOriginal),
                                       sub.get(ExifTags.Base.OffsetTimeOriginal))
        if taken_at is None:
            taken_at = parse_exif_datetime(sub.get(ExifTags.Base.DateTimeDigitized),
                                           sub.get(ExifTags.Base.OffsetTimeDigitized))
    except Exception:
        log.debug("unreadable EXIF date", exc_info=True)

    lat = lon = None
    try:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        lat = _dms_to_degrees(gps.get(ExifTags.GPS.GPSLatitude),
                              gps.get(ExifTags.GPS.GPSLatitudeRef))
        lon = _dms_to_degrees(gps.get(ExifTags.GPS.GPSLongitude),
                              gps.get(ExifTags.GPS.GPSLongitudeRef))
        if (lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180
                or (lat == 0 and lon == 0)):  # 0,0 is what cameras write without a fix
            lat = lon = None
    except Exception:
        log.debug("unreadable EXIF GPS", exc_info=True)
        lat = lon = None
    return orientation, taken_at, lat, lon


# --------------------------------------------------------------------------- inspect


def _pixel_limit(max_pixels: int | None) -> int | float:
    """Return the stricter of max_pixels and Pillow's MAX_IMAGE_PIXELS (either may be None)."""
    limits = [n for n in (max_pixels, Image.MAX_IMAGE_PIXELS) if n is not None]
    return min(limits) if limits else math.inf


def _check_integrity(data: bytes, fmt: str, size: tuple[int, int]) -> None:
    """Raise PhotoError when the image data is truncated or corrupt, without a full decode."""
    try:
        with Image.open(BytesIO(data), formats=[fmt]) as img:
            img.verify()  # PNG: walks every chunk and checks CRCs; JPEG/WebP: no-op
        if fmt == "JPEG":
            # Entropy-decode every scan at 1/8 scale: catches truncation for 1/64 of
            # the memory of a full decode.
            with Image.open(BytesIO(data), formats=[fmt]) as img:
                img.draft(img.mode if img.mode in ("RGB", "L") else None,
                          (max(1, size[0] // 8), max(1, size[1] // 8)))
                img.load()
        # WebP: Pillow's open already ran libwebp's demuxer over the whole container.
    except PhotoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels() from exc
    except Exception as exc:  # OSError "image file is truncated", SyntaxError, struct.error...
        raise _corrupt() from exc


def inspect_image(data: bytes, declared_type: str | None, *, max_bytes: int, max_pixels: int,
                  max_pixels_full_decode: int | None = FULL_DECODE_MAX_PIXELS) -> ImageInfo:
    """Validate an upload (size, type, pixels, integrity) and read its EXIF; no full decode."""
    if len(data) > max_bytes:
        raise PhotoError("too_large", 413,
                         f"图片文件过大（{len(data) / 1048576:.1f} MB），"
                         f"上限为 {max_bytes / 1048576:.0f} MB")
    declared = _normalise_declared(declared_type)
    if declared is not None and declared not in _DECLARED_OK:
        raise _unsupported(declared)

    with _open(data) as img:
        fmt = img.format
        width, height = img.size
        if fmt not in ALLOWED_FORMATS:  # defensive: the allow-list should guarantee it
            raise _unsupported(fmt)
        if width <= 0 or height <= 0:
            raise _not_an_image()
        limit = _pixel_limit(max_pixels)
        if width * height > limit:
            raise _too_many_pixels(width, height, limit)
        if (fmt != "JPEG" and max_pixels_full_decode is not None
                and width * height > max_pixels_full_decode):
            raise PhotoError(
                "too_many_pixels", 413,
                f"PNG、WebP 图片最多 {max_pixels_full_decode / 1e4:.0f} 万像素"
                f"（此图 {width}×{height}），请转为 JPEG 后上传")

    _check_integrity(data, fmt, (width, height))

    # verify() leaves the object unusable: reopen to read the metadata.
    with _open(data) as img:
        orientation, taken_at, lat, lon = _read_exif(img)
    if orientation >= 5:
        width, height = height, width
    return ImageInfo(width=width, height=height, format=fmt, content_type=CONTENT_TYPES[fmt],
                     exif_taken_at=taken_at, exif_lat=lat, exif_lon=lon)


def exif_matches(info: ImageInfo, taken_at: datetime | None, lat: float | None,
                 lon: float | None, *, max_minutes: float = 10,
                 max_metres: float = 200) -> bool:
    """Say whether EXIF agrees with the claimed time and place; absent EXIF counts as agreeing."""
    if info.exif_taken_at is not None and taken_at is not None:
        claimed = taken_at if taken_at.tzinfo is not None else taken_at.replace(tzinfo=LOCAL_TZ)
        if abs((info.exif_taken_at - claimed).total_seconds()) > max_minutes * 60:
            return False
    if None not in (info.exif_lat, info.exif_lon, lat, lon):
        if geodesic((info.exif_lat, info.exif_lon), (lat, lon)).meters > max_metres:
            return False
    return True


# --------------------------------------------------------------------------- derive


def _to_rgb(img: Image.Image) -> Image.Image:
    """Convert any mode to RGB, flattening transparency onto white."""
    if img.mode == "RGB":
        return img
    if img.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        # 16-bit/float greyscale: scale to 8 bits before converting.
        img = img.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if img.mode == "P":
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = img.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return img.convert("RGB")


def _load_oriented(data: bytes, long_edge: int) -> tuple[Image.Image, bytes | None]:
    """Decode (JPEGs at reduced scale), fit within long_edge, apply EXIF orientation; + ICC."""
    if long_edge < 1:
        raise ValueError("long_edge must be positive")
    try:
        with _open(data) as img:
            icc = img.info.get("icc_profile")
            width, height = img.size
            if width * height > _pixel_limit(None):
                # Pillow only warns below twice its limit; refuse whatever the filters say.
                raise _too_many_pixels(width, height, _pixel_limit(None))
            if img.format == "JPEG":
                ratio = long_edge / max(width, height)
                if ratio < 1:
                    target = (max(1, math.ceil(width * ratio)), max(1, math.ceil(height * ratio)))
                    img.draft("RGB" if img.mode == "RGB" else None, target)
            # Shrink first, rotate after: the bound is square, so the order does not change
            # the result, and rotating the small image avoids a full-size copy.
            img.thumbnail((long_edge, long_edge), Image.Resampling.LANCZOS)
            oriented = ImageOps.exif_transpose(img)  # drops the Orientation tag
        return _in_srgb(_to_rgb(oriented), icc), None
    except PhotoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels() from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise _corrupt() from exc


MAX_ICC_BYTES = 1 << 20  # real camera profiles are a few KB; a larger one is not worth decoding


def _in_srgb(img: Image.Image, icc: bytes | None) -> Image.Image:
    """Convert from the photo's own colour profile to sRGB, so derived copies need none.

    A profile that is huge or unreadable is ignored (the pixels are taken as sRGB): derived
    copies never carry an uploaded profile, whatever its size (a 15 MB one once rode along)."""
    if not icc or len(icc) > MAX_ICC_BYTES:
        return img
    try:
        from PIL import ImageCms

        source = ImageCms.ImageCmsProfile(BytesIO(icc))
        return ImageCms.profileToProfile(img, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
    except Exception:  # littlecms refuses many malformed profiles in many ways
        log.debug("unusable ICC profile ignored", exc_info=True)
        return img


def _save_jpeg(img: Image.Image, quality: int, icc: bytes | None = None) -> bytes:
    """Encode as baseline JPEG with no EXIF, no ICC profile (the pixels are sRGB) and no comment."""
    out = BytesIO()
    img.info.pop("comment", None)
    img.info.pop("icc_profile", None)
    img.save(out, "JPEG", quality=quality)
    return out.getvalue()


FLAT_SPREAD = 8  # grey levels: a picture whose 9×8 sketch varies less is too flat to hash


def perceptual_hash(jpeg: bytes) -> str | None:
    """A 64-bit difference hash (dHash) of a picture, as 16 hex digits; None when it is flat.

    Re-encoding, resizing or a little recompression keep it within a few bits, so a photo
    downloaded and uploaded again is recognised even when its bytes differ."""
    with Image.open(BytesIO(jpeg)) as img:
        small = img.convert("L").resize((9, 8), Image.Resampling.LANCZOS)
        px = list(small.tobytes())
    if max(px) - min(px) < FLAT_SPREAD:
        return None
    bits = 0
    for row in range(8):
        for col in range(8):
            bits = (bits << 1) | (px[row * 9 + col] > px[row * 9 + col + 1])
    return f"{bits:016x}"


def make_thumbnail(data: bytes, long_edge: int = 320) -> bytes:
    """Return a JPEG thumbnail, EXIF-rotated, long edge at most long_edge, without EXIF."""
    img, icc = _load_oriented(data, long_edge)
    return _save_jpeg(img, _THUMB_QUALITY, icc)


# The watermark lives in watermark.py; its names stay importable from here.
from .watermark import (KNOWN_CJK_FONTS, Watermark, find_cjk_font, make_display,  # noqa: E402,F401
                        watermark_lines)
