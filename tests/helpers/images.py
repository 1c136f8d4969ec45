"""Build test images in memory (JPEG with EXIF, PNG, WebP), so no binary files are committed."""
from __future__ import annotations

from datetime import datetime
from io import BytesIO

from PIL import ExifTags, Image, TiffImagePlugin


def _rational(value: float, denominator: int) -> TiffImagePlugin.IFDRational:
    """Return value as an EXIF rational with a fixed denominator."""
    return TiffImagePlugin.IFDRational(round(value * denominator), denominator)


def _dms(degrees: float) -> tuple:
    """Split unsigned decimal degrees into EXIF (degrees, minutes, seconds) rationals."""
    degrees = abs(degrees)
    whole = int(degrees)
    minutes_float = (degrees - whole) * 60
    minutes = int(minutes_float)
    seconds = (minutes_float - minutes) * 60
    return (_rational(whole, 1), _rational(minutes, 1), _rational(seconds, 10000))


def build_exif(*, exif: dict | None = None, orientation: int | None = None,
               taken_at: datetime | None = None,
               gps: tuple[float, float] | None = None) -> Image.Exif:
    """Build an Image.Exif with extra IFD0 tags, Orientation, DateTimeOriginal(+offset), GPS."""
    result = Image.Exif()
    for tag, value in (exif or {}).items():
        result[tag] = value
    if orientation is not None:
        result[ExifTags.Base.Orientation] = orientation
    if taken_at is not None:
        sub = result.get_ifd(ExifTags.IFD.Exif)
        sub[ExifTags.Base.DateTimeOriginal] = taken_at.strftime("%Y:%m:%d %H:%M:%S")
        offset = taken_at.utcoffset()
        if offset is not None:
            minutes = int(offset.total_seconds() // 60)
            sign = "-" if minutes < 0 else "+"
            sub[ExifTags.Base.OffsetTimeOriginal] = (
                f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
            )
    if gps is not None:
        lat, lon = gps
        info = result.get_ifd(ExifTags.IFD.GPSInfo)
        info[ExifTags.GPS.GPSVersionID] = b"\x02\x03\x00\x00"
        info[ExifTags.GPS.GPSLatitudeRef] = "S" if lat < 0 else "N"
        info[ExifTags.GPS.GPSLatitude] = _dms(lat)
        info[ExifTags.GPS.GPSLongitudeRef] = "W" if lon < 0 else "E"
        info[ExifTags.GPS.GPSLongitude] = _dms(lon)
    return result


def _image(width: int, height: int, color, corner_color) -> Image.Image:
    """Make a solid RGB image, optionally with its top-left quadrant in another colour."""
    img = Image.new("RGB", (width, height), color)
    if corner_color is not None:
        img.paste(corner_color, (0, 0, max(1, width // 2), max(1, height // 2)))
    return img


def make_jpeg(width: int, height: int, *, color=(200, 80, 40), exif: dict | None = None,
              orientation: int | None = None, taken_at: datetime | None = None,
              gps: tuple[float, float] | None = None, quality: int = 85,
              corner_color=None) -> bytes:
    """Return JPEG bytes of a solid image, with EXIF when any EXIF argument is given."""
    img = _image(width, height, color, corner_color)
    out = BytesIO()
    params = {"quality": quality}
    if exif or orientation is not None or taken_at is not None or gps is not None:
        params["exif"] = build_exif(exif=exif, orientation=orientation, taken_at=taken_at, gps=gps)
    img.save(out, "JPEG", **params)
    return out.getvalue()


def make_png(width: int, height: int, *, color=(40, 120, 200), mode: str = "RGB",
             corner_color=None) -> bytes:
    """Return PNG bytes of a solid image in the given mode."""
    img = _image(width, height, color, corner_color)
    if mode != "RGB":
        img = img.convert(mode)
    out = BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def make_webp(width: int, height: int, *, color=(60, 160, 90), corner_color=None) -> bytes:
    """Return lossy WebP bytes of a solid image."""
    img = _image(width, height, color, corner_color)
    out = BytesIO()
    img.save(out, "WEBP", quality=80)
    return out.getvalue()


def make_gif(width: int, height: int) -> bytes:
    """Return GIF bytes (a format the server must refuse)."""
    out = BytesIO()
    Image.new("P", (width, height), 1).save(out, "GIF")
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """Return a tiny, well-formed PNG that claims huge dimensions (a pixel bomb)."""
    import struct
    import zlib

    def chunk(kind: bytes, payload: bytes) -> bytes:
        """Frame one PNG chunk with its length and CRC."""
        return (struct.pack(">I", len(payload)) + kind + payload
                + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


# The transpose that undoes each EXIF orientation's turn (Pillow's exif_transpose applies the
# forward one): a photo stored this way and tagged k looks like the upright picture.
_STORE_AS = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
             4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
             6: Image.Transpose.ROTATE_90, 7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_270}
MARK = (220, 30, 30)  # the upright picture's top-left quadrant
FIELD = (40, 150, 220)


def make_camera_jpeg(width: int = 2000, height: int = 1200, *, orientation: int = 1,
                     taken_at: datetime | None = None, gps: tuple[float, float] | None = None) -> bytes:
    """A phone camera's JPEG: upright it is width×height with MARK in the top-left quadrant;
    its pixels are stored turned as the sensor saw them, with the Orientation tag to undo it."""
    img = _image(width, height, FIELD, MARK)
    if orientation in _STORE_AS:
        img = img.transpose(_STORE_AS[orientation])
    out = BytesIO()
    img.save(out, "JPEG", quality=85,
             exif=build_exif(orientation=orientation, taken_at=taken_at, gps=gps))
    return out.getvalue()


def corrupt_exif(jpeg: bytes) -> bytes:
    """The same JPEG with its EXIF block's first-IFD offset pointing outside the file."""
    at = jpeg.index(b"Exif\x00\x00") + 6  # the TIFF header: byte order, 42, IFD0 offset
    return jpeg[:at + 4] + b"\xff\xff\xff\xff" + jpeg[at + 8:]
