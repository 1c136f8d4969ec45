"""Evidence photo handling: validation, EXIF, thumbnails and the watermarked display copy."""
import warnings
from datetime import datetime, timedelta, timezone
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image, ImageChops, ImageDraw, ImageFile, ImageStat

from server.services import photos
from server.services import watermark as wm
from server.services.photos import (
    ImageInfo,
    PhotoError,
    Watermark,
    exif_matches,
    find_cjk_font,
    inspect_image,
    make_display,
    make_thumbnail,
    parse_exif_datetime,
    sha256_hex,
)
from tests.helpers.images import (
    make_gif,
    make_jpeg,
    make_png,
    make_webp,
    png_header_only,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
MB = 1024 * 1024
LIMITS = {"max_bytes": 15 * MB, "max_pixels": 60_000_000}
BLUE = (0, 0, 255)
BASE = (200, 80, 40)


def inspect(data, declared="image/jpeg", **limits):
    """Inspect with the app's default limits unless overridden."""
    return inspect_image(data, declared, **{**LIMITS, **limits})


def rejected(data, declared="image/jpeg", **limits) -> PhotoError:
    """Return the PhotoError raised by inspecting data (fail if none)."""
    with pytest.raises(PhotoError) as caught:
        inspect(data, declared, **limits)
    return caught.value


def open_jpeg(data: bytes) -> Image.Image:
    """Decode JPEG output bytes fully and check they are a JPEG."""
    img = Image.open(BytesIO(data))
    assert img.format == "JPEG"
    img.load()
    return img


def close_to(pixel, color, tolerance=40) -> bool:
    """Say whether an RGB pixel is near a colour (JPEG is lossy)."""
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, color))


@pytest.fixture(scope="module")
def font_path() -> str:
    """The CJK font of this machine (fails loudly when fonts-noto-cjk is missing)."""
    return find_cjk_font()


@pytest.fixture
def watermark() -> Watermark:
    """A typical watermark."""
    return Watermark(taken_at="2026-11-28 14:03:22", place="永胜社区·建设街背街",
                     lat=42.972314, lon=126.741023, accuracy_m=8.2, inspector="张伟",
                     short_id="3f2a9c1e")


@pytest.fixture
def no_full_decode(monkeypatch):
    """Make any pixel decode fail, to prove a code path reads headers only."""
    def refuse(self):
        """Refuse to decode."""
        raise AssertionError(f"decoded {self.format} {self.size}")
    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)


# ----------------------------------------------------------------- accepted uploads


def test_jpeg_is_accepted_with_its_size_and_type():
    """A plain JPEG passes with its size and content type."""
    info = inspect(make_jpeg(640, 480))
    assert info == ImageInfo(width=640, height=480, format="JPEG", content_type="image/jpeg")


@pytest.mark.parametrize("maker, fmt, content_type", [
    (make_png, "PNG", "image/png"),
    (make_webp, "WEBP", "image/webp"),
])
def test_png_and_webp_are_accepted(maker, fmt, content_type):
    """PNG and WebP are accepted formats too."""
    info = inspect(maker(300, 200), content_type)
    assert (info.width, info.height) == (300, 200)
    assert (info.format, info.content_type) == (fmt, content_type)


@pytest.mark.parametrize("declared", [None, "", "application/octet-stream"])
def test_missing_or_generic_type_is_sniffed_from_the_bytes(declared):
    """No type, or octet-stream, means: look at the bytes."""
    assert inspect(make_png(10, 10), declared).content_type == "image/png"


def test_declared_type_parameters_and_case_are_ignored():
    """Content-Type parameters and letter case do not matter."""
    assert inspect(make_jpeg(10, 10), "IMAGE/JPEG; charset=binary").format == "JPEG"


def test_content_type_comes_from_the_bytes_not_the_declaration():
    """The stored content type is what the bytes are, not what was declared."""
    assert inspect(make_png(10, 10), "image/jpeg").content_type == "image/png"


def test_image_exactly_at_the_pixel_limit_is_accepted():
    """The pixel limit is inclusive."""
    assert inspect(make_jpeg(100, 50), max_pixels=5000).width == 100


# ----------------------------------------------------------------- rejections


def test_oversized_bytes_are_413():
    """One byte over max_bytes is 413 too_large."""
    data = make_jpeg(64, 64)
    err = rejected(data, max_bytes=len(data) - 1)
    assert (err.code, err.status) == ("too_large", 413)
    assert "MB" in err.message


def test_size_is_checked_before_the_type():
    """Byte size is checked first, before the declared type."""
    err = rejected(b"%PDF-1.7" + b"\0" * 2000, "application/pdf", max_bytes=1000)
    assert err.status == 413


def test_declared_pdf_type_is_415():
    """A declared non-image type is 415, whatever the bytes."""
    err = rejected(make_jpeg(10, 10), "application/pdf")
    assert (err.code, err.status) == ("unsupported_type", 415)
    assert "JPEG" in err.message


@pytest.mark.parametrize("declared", [None, "image/jpeg", "image/gif"])
def test_gif_is_415(declared):
    """A GIF is a known image format we do not take: 415, not 400."""
    err = rejected(make_gif(20, 20), declared)
    assert (err.code, err.status) == ("unsupported_type", 415)


def test_heic_from_an_iphone_is_415():
    """HEIC (an iPhone's default) is 415 unsupported."""
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\0" * 100
    err = rejected(heic, None)
    assert err.status == 415


def test_pdf_bytes_without_a_declared_type_are_415():
    """PDF bytes are recognised and refused as unsupported."""
    assert rejected(b"%PDF-1.7\n" + b"x" * 100, None).status == 415


@pytest.mark.parametrize("declared", [None, "image/jpeg"])
def test_text_file_is_rejected_as_not_an_image(declared):
    """Text is 400 not_an_image with a Chinese message."""
    err = rejected("这不是图片 just text\n".encode() * 20, declared)
    assert (err.code, err.status) == ("not_an_image", 400)
    assert err.message == "文件不是有效的图片"


def test_empty_body_is_not_an_image():
    """An empty body is not an image."""
    assert rejected(b"", None).code == "not_an_image"


@pytest.mark.parametrize("keep", [0.3, 0.9, -2])
def test_truncated_jpeg_is_400(keep):
    """A JPEG cut short anywhere, even just its end marker, is 400."""
    data = make_jpeg(400, 300, quality=95, corner_color=BLUE)
    cut = data[:keep] if keep < 0 else data[: int(len(data) * keep)]
    err = rejected(cut)
    assert (err.code, err.status) == ("corrupt_image", 400)


def test_jpeg_cut_inside_its_header_is_400():
    """A JPEG cut inside its header is 400."""
    assert rejected(make_jpeg(400, 300)[:300]).status == 400


def test_truncated_png_is_400():
    """A truncated PNG is 400."""
    data = make_png(300, 200, corner_color=BLUE)
    assert rejected(data[: len(data) // 2], "image/png").status == 400


def test_png_with_a_damaged_chunk_is_400():
    """A PNG whose pixel data fails its CRC is 400."""
    data = bytearray(make_png(300, 200, corner_color=BLUE))
    idat = data.index(b"IDAT")
    data[idat + 10] ^= 0xFF
    assert rejected(bytes(data), "image/png").status == 400


def test_truncated_webp_is_400():
    """A truncated WebP is 400."""
    data = make_webp(300, 200, corner_color=BLUE)
    assert rejected(data[: len(data) // 2], "image/webp").status == 400


def test_pixel_bomb_is_413_without_decoding(no_full_decode):
    """A tiny file claiming 64 MP is refused from its header alone."""
    bomb = png_header_only(8000, 8000)  # 64 MP claimed in about 100 bytes
    assert len(bomb) < 200
    err = rejected(bomb, "image/png", max_pixels_full_decode=None)
    assert (err.code, err.status) == ("too_many_pixels", 413)
    assert "8000×8000" in err.message


def test_huge_pixel_bomb_is_413_even_past_pillows_own_limit(no_full_decode):
    """Pillow's DecompressionBombError becomes 413 too."""
    err = rejected(png_header_only(100_000, 100_000), None)
    assert (err.code, err.status) == ("too_many_pixels", 413)


@pytest.mark.parametrize("action", ["error", "ignore"])
def test_pillow_bomb_warning_maps_to_413_whatever_the_warning_filter(action, no_full_decode):
    """Pillow's bomb warning is 413 whether warnings are errors or ignored."""
    bomb = png_header_only(10_000, 10_000)  # above Pillow's warning threshold only
    with warnings.catch_warnings():
        warnings.simplefilter(action, Image.DecompressionBombWarning)
        err = rejected(bomb, None, max_pixels=500_000_000, max_pixels_full_decode=None)
    assert err.status == 413


@pytest.mark.parametrize("maker, declared", [(make_png, "image/png"), (make_webp, "image/webp")])
def test_png_and_webp_have_a_lower_pixel_limit_as_they_decode_at_full_size(maker, declared):
    """PNG/WebP have their own, lower pixel limit; JPEG does not."""
    data = maker(400, 300)
    assert inspect(data, declared, max_pixels_full_decode=120_000).width == 400
    err = rejected(data, declared, max_pixels_full_decode=119_999)
    assert (err.code, err.status) == ("too_many_pixels", 413)
    assert "JPEG" in err.message
    # The same pixel count in a JPEG is fine: it is decoded at reduced scale.
    assert inspect(make_jpeg(400, 300), max_pixels_full_decode=119_999).width == 400


def test_big_jpeg_over_the_pixel_limit_is_413_before_decoding(no_full_decode):
    """A JPEG over max_pixels is refused before any decode."""
    err = rejected(make_jpeg(2000, 1000), max_pixels=1_000_000)
    assert err.status == 413


def test_inspect_decodes_a_jpeg_only_at_one_eighth_scale(monkeypatch):
    """Inspection's integrity check decodes a JPEG at 1/8 scale only."""
    sizes = []
    real_load = ImageFile.ImageFile.load

    def spy(self):
        """Record the size being decoded."""
        sizes.append(self.size)
        return real_load(self)
    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)
    inspect(make_jpeg(4000, 3000))
    assert sizes and max(w * h for w, h in sizes) <= 500 * 375


# ----------------------------------------------------------------- EXIF


def test_exif_time_and_gps_are_read():
    """DateTimeOriginal with its offset and the GPS position are read."""
    taken = datetime(2026, 11, 28, 14, 3, 22, tzinfo=timezone(timedelta(hours=8)))
    info = inspect(make_jpeg(64, 48, taken_at=taken, gps=(42.97231, 126.74102)))
    assert info.exif_taken_at == taken
    assert info.exif_taken_at.utcoffset() == timedelta(hours=8)
    assert info.exif_lat == pytest.approx(42.97231, abs=1e-6)
    assert info.exif_lon == pytest.approx(126.74102, abs=1e-6)


def test_exif_time_without_offset_is_assumed_shanghai():
    """A time without OffsetTimeOriginal is taken as Beijing time."""
    info = inspect(make_jpeg(64, 48, taken_at=datetime(2026, 11, 28, 14, 3, 22)))
    assert info.exif_taken_at == datetime(2026, 11, 28, 6, 3, 22, tzinfo=timezone.utc)
    assert info.exif_taken_at.tzinfo is not None


def test_exif_offset_other_than_beijing_is_kept():
    """An explicit offset other than +08:00 is honoured."""
    taken = datetime(2026, 11, 28, 1, 3, 22, tzinfo=timezone(timedelta(hours=-5)))
    info = inspect(make_jpeg(64, 48, taken_at=taken))
    assert info.exif_taken_at.utcoffset() == timedelta(hours=-5)
    assert info.exif_taken_at == taken


def test_southern_and_western_gps_is_negative():
    """S and W references give negative coordinates."""
    info = inspect(make_jpeg(64, 48, gps=(-33.8568, -70.6483)))
    assert (info.exif_lat, info.exif_lon) == (pytest.approx(-33.8568), pytest.approx(-70.6483))


def test_gps_of_zero_zero_means_no_fix():
    """GPS 0,0 is treated as no position."""
    info = inspect(make_jpeg(64, 48, gps=(0.0, 0.0)))
    assert (info.exif_lat, info.exif_lon) == (None, None)


def test_photo_without_exif_has_no_exif_fields():
    """Without EXIF, the EXIF fields are None."""
    info = inspect(make_jpeg(64, 48))
    assert (info.exif_taken_at, info.exif_lat, info.exif_lon) == (None, None, None)


def test_exif_in_png_and_webp_is_read():
    """EXIF stored in PNG and WebP is read as well."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Test"  # an empty IFD0 makes Exif falsy: the PNG writer skips it
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = "2026:11:28 14:03:22"
    for fmt in ("PNG", "WEBP"):
        out = BytesIO()
        Image.new("RGB", (20, 10)).save(out, fmt, exif=exif)
        info = inspect(out.getvalue(), None)
        assert info.exif_taken_at == datetime(2026, 11, 28, 14, 3, 22, tzinfo=SHANGHAI)


@pytest.mark.parametrize("value, offset, expected", [
    ("2026:11:28 14:03:22", "+08:00", datetime(2026, 11, 28, 6, 3, 22, tzinfo=timezone.utc)),
    ("2026:11:28 14:03:22\x00", "+0800", datetime(2026, 11, 28, 6, 3, 22, tzinfo=timezone.utc)),
    ("2026-11-28 14:03:22", None, datetime(2026, 11, 28, 6, 3, 22, tzinfo=timezone.utc)),
    (b"2026:11:28 14:03:22", "   ", datetime(2026, 11, 28, 6, 3, 22, tzinfo=timezone.utc)),
    ("0000:00:00 00:00:00", "+08:00", None),
    ("    :  :     :  :  ", None, None),
    ("garbage", None, None),
    (None, "+08:00", None),
])
def test_exif_datetime_parsing(value, offset, expected):
    """EXIF date strings, odd separators, NULs and placeholders are handled."""
    assert parse_exif_datetime(value, offset) == expected


@settings(max_examples=40, deadline=None)
@given(lat=st.floats(-89.99, 89.99), lon=st.floats(-179.99, 179.99))
def test_gps_round_trips_through_exif(lat, lon):
    """Any position written to EXIF reads back within a micro-degree."""
    assume(abs(lat) > 1e-4 or abs(lon) > 1e-4)  # 0,0 means "no fix"
    info = inspect(make_jpeg(16, 16, gps=(lat, lon)))
    assert info.exif_lat == pytest.approx(lat, abs=1e-6)
    assert info.exif_lon == pytest.approx(lon, abs=1e-6)


def test_malformed_exif_does_not_reject_the_photo():
    """Broken EXIF is ignored; the photo itself is still accepted."""
    data = bytearray(make_jpeg(64, 48, taken_at=datetime(2026, 11, 28, 14, 3, 22),
                               gps=(42.9, 126.7)))
    start = data.index(b"Exif\x00\x00") + 6
    data[start + 4:start + 8] = b"\xff\xff\xff\x7f"  # IFD0 offset far past the end
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pillow may warn about the corrupt EXIF
        info = inspect(bytes(data))
    assert (info.width, info.exif_taken_at, info.exif_lat) == (64, None, None)


# ----------------------------------------------------------------- EXIF vs claims


def make_info(taken_at=None, lat=None, lon=None) -> ImageInfo:
    """An ImageInfo with the given EXIF facts."""
    return ImageInfo(100, 100, "JPEG", "image/jpeg", taken_at, lat, lon)


EXIF_TIME = datetime(2026, 11, 28, 14, 3, 22, tzinfo=SHANGHAI)


def test_absent_exif_matches_any_claim():
    """No EXIF means nothing to contradict the claim."""
    assert exif_matches(make_info(), EXIF_TIME, 42.97, 126.74)


def test_absent_claim_matches_any_exif():
    """No claimed metadata means nothing to compare."""
    assert exif_matches(make_info(EXIF_TIME, 42.97, 126.74), None, None, None)


def test_exif_agreeing_within_tolerance_matches():
    """EXIF within 10 minutes and 200 m agrees, across time zones."""
    claimed = (EXIF_TIME + timedelta(minutes=9)).astimezone(timezone.utc)
    assert exif_matches(make_info(EXIF_TIME, 42.97231, 126.74102), claimed, 42.9731, 126.7420)


def test_exif_time_more_than_10_minutes_off_does_not_match():
    """EXIF time 11 minutes away disagrees."""
    assert not exif_matches(make_info(EXIF_TIME), EXIF_TIME - timedelta(minutes=11), None, None)


def test_exif_place_more_than_200_m_off_does_not_match():
    """EXIF position about 211 m away disagrees; 189 m agrees."""
    info = make_info(lat=42.97231, lon=126.74102)
    assert exif_matches(info, None, 42.97231 + 0.0017, 126.74102)  # about 189 m north
    assert not exif_matches(info, None, 42.97231 + 0.0019, 126.74102)  # about 211 m


def test_tolerances_are_configurable():
    """max_minutes and max_metres change the tolerances."""
    info = make_info(EXIF_TIME, 42.97231, 126.74102)
    claimed = EXIF_TIME + timedelta(minutes=3)
    assert not exif_matches(info, claimed, 42.97231, 126.74102, max_minutes=2)
    assert not exif_matches(info, None, 42.9733, 126.74102, max_metres=5)


def test_naive_claimed_time_is_read_as_shanghai():
    """A naive claimed time is read as Beijing time."""
    assert exif_matches(make_info(EXIF_TIME), datetime(2026, 11, 28, 14, 5), None, None)


# ----------------------------------------------------------------- thumbnails


def test_thumbnail_is_a_jpeg_within_the_long_edge():
    """The thumbnail is a JPEG whose long edge is 320 px."""
    thumb = open_jpeg(make_thumbnail(make_jpeg(2000, 1000)))
    assert thumb.size == (320, 160)


@pytest.mark.parametrize("maker", [make_png, make_webp])
def test_thumbnail_of_png_and_webp(maker):
    """PNG and WebP sources give RGB JPEG thumbnails."""
    thumb = open_jpeg(make_thumbnail(maker(900, 1200, corner_color=BLUE), 300))
    assert thumb.size == (225, 300)
    assert thumb.mode == "RGB"
    assert close_to(thumb.getpixel((50, 50)), BLUE)


def test_small_image_is_not_upscaled():
    """An image smaller than the thumbnail keeps its size."""
    assert open_jpeg(make_thumbnail(make_jpeg(100, 80))).size == (100, 80)


def test_thumbnail_has_no_exif():
    """Thumbnails carry no EXIF (no GPS leaks through them)."""
    data = make_jpeg(800, 600, taken_at=EXIF_TIME, gps=(42.9, 126.7), orientation=6)
    thumb = open_jpeg(make_thumbnail(data))
    assert "exif" not in thumb.info
    assert not thumb.getexif()


def test_exif_orientation_6_is_applied_once():
    """Orientation 6 rotates the picture exactly once."""
    data = make_jpeg(400, 300, orientation=6, corner_color=BLUE)
    assert (inspect(data).width, inspect(data).height) == (300, 400)
    thumb = open_jpeg(make_thumbnail(data, 200))
    assert thumb.size == (150, 200)
    w, h = thumb.size
    # Rotated 90° clockwise: the stored top-left corner is now at the top right.
    assert close_to(thumb.getpixel((w * 3 // 4, h // 4)), BLUE)
    assert close_to(thumb.getpixel((w // 4, h // 4)), BASE)
    assert close_to(thumb.getpixel((w * 3 // 4, h * 3 // 4)), BASE)


# Where the stored top-left quadrant is displayed, per EXIF orientation.
QUADRANT = {1: "tl", 2: "tr", 3: "br", 4: "bl", 5: "tl", 6: "tr", 7: "br", 8: "bl"}


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_lands_the_corner_in_the_right_place(orientation):
    """All eight orientations put the marked corner where a viewer expects it."""
    data = make_jpeg(400, 200, orientation=orientation, corner_color=BLUE)
    thumb = open_jpeg(make_thumbnail(data, 400))
    expected_size = (200, 400) if orientation >= 5 else (400, 200)
    assert thumb.size == expected_size
    w, h = thumb.size
    spots = {"tl": (w // 4, h // 4), "tr": (w * 3 // 4, h // 4),
             "bl": (w // 4, h * 3 // 4), "br": (w * 3 // 4, h * 3 // 4)}
    for name, xy in spots.items():
        assert close_to(thumb.getpixel(xy), BLUE if name == QUADRANT[orientation] else BASE)


def test_big_jpeg_is_decoded_at_reduced_scale(monkeypatch):
    """Thumbnail and display copy decode big JPEGs at the smallest sufficient scale."""
    sizes = []
    real_load = ImageFile.ImageFile.load

    def spy(self):
        """Record the size being decoded."""
        sizes.append(self.size)
        return real_load(self)
    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)
    make_thumbnail(make_jpeg(4000, 3000))
    assert max(sizes) == (500, 375)  # decoded at 1/8 scale, still above 320 px
    sizes.clear()
    make_display(make_jpeg(4000, 3000), Watermark("t", "p", None, None, None, "i", "s"),
                 font_path=find_cjk_font())
    assert max(sizes) == (2000, 1500)  # decoded at 1/2 scale, still above 1600 px


@pytest.mark.parametrize("mode", ["L", "CMYK"])
def test_grayscale_and_cmyk_jpegs_become_rgb(mode):
    """Greyscale and CMYK JPEGs give RGB output."""
    out = BytesIO()
    Image.new(mode, (200, 100)).save(out, "JPEG")
    assert open_jpeg(make_thumbnail(out.getvalue())).mode == "RGB"


def test_transparent_png_is_flattened_on_white():
    """Transparency is flattened onto white, not black."""
    out = BytesIO()
    Image.new("RGBA", (100, 100), (255, 0, 0, 0)).save(out, "PNG")
    thumb = open_jpeg(make_thumbnail(out.getvalue()))
    assert close_to(thumb.getpixel((50, 50)), (255, 255, 255), 5)


def test_16_bit_png_gets_a_thumbnail():
    """A 16-bit greyscale PNG is scaled to 8 bits, not clipped."""
    out = BytesIO()
    Image.new("I;16", (100, 60), 40000).save(out, "PNG")
    thumb = open_jpeg(make_thumbnail(out.getvalue()))
    assert thumb.mode == "RGB"
    assert close_to(thumb.getpixel((50, 30)), (156, 156, 156), 5)


def test_deriving_from_garbage_raises_photo_error(font_path, watermark):
    """Deriving from bad bytes raises PhotoError, not a Pillow exception."""
    with pytest.raises(PhotoError) as caught:
        make_thumbnail(b"not an image")
    assert caught.value.status == 400
    with pytest.raises(PhotoError):
        make_display(make_jpeg(400, 300)[:500], watermark, font_path=font_path)


# ----------------------------------------------------------------- display copy


def test_display_copy_long_edge_is_1600(font_path, watermark):
    """The display copy's long edge is 1600 px, after orientation."""
    display = open_jpeg(make_display(make_jpeg(2400, 1800), watermark, font_path=font_path))
    assert display.size == (1600, 1200)
    portrait = make_jpeg(2400, 1800, orientation=6)
    assert open_jpeg(make_display(portrait, watermark, font_path=font_path)).size == (1200, 1600)


def test_display_copy_has_no_exif(font_path, watermark):
    """The display copy carries no EXIF."""
    data = make_jpeg(800, 600, taken_at=EXIF_TIME, gps=(42.9, 126.7))
    display = open_jpeg(make_display(data, watermark, font_path=font_path))
    assert not display.getexif()


def test_watermark_changes_the_bottom_band_pixels(font_path, watermark):
    """Only the bottom-left band differs from the unmarked downscale."""
    data = make_jpeg(2400, 1800, color=(180, 180, 180))
    plain = open_jpeg(make_thumbnail(data, 1600))  # the same downscale, unmarked
    marked = open_jpeg(make_display(data, watermark, font_path=font_path))
    assert plain.size == marked.size == (1600, 1200)
    diff = ImageChops.difference(plain, marked).convert("L")

    band = (0, 1200 - 150, 400, 1200)  # bottom-left
    top = (0, 0, 1600, 600)
    assert ImageStat.Stat(diff.crop(band)).mean[0] > 40
    assert ImageStat.Stat(diff.crop(top)).mean[0] < 2
    # White text on the darkened band: both very dark and very bright pixels are there.
    lo, hi = marked.crop(band).convert("L").getextrema()
    assert lo < 110 and hi > 230


def test_watermark_band_is_at_the_left_not_the_right(font_path, watermark):
    """The band is at the bottom-left; the bottom-right corner is untouched."""
    data = make_jpeg(2400, 1800, color=(180, 180, 180))
    marked = open_jpeg(make_display(data, watermark, font_path=font_path)).convert("L")
    assert close_to((marked.getpixel((1590, 1190)),), (180,), 8)
    assert marked.getpixel((5, 1195)) < 110


def test_watermark_text_is_large_enough_for_a_phone_preview(font_path, watermark):
    """The watermark is big enough to stay legible on a 360 px preview."""
    data = make_jpeg(2400, 1800, color=(180, 180, 180))
    marked = open_jpeg(make_display(data, watermark, font_path=font_path)).convert("L")
    dark = marked.point(lambda v: 255 if v < 110 else 0)
    left, top, right, bottom = dark.getbbox()
    # The band is at least ~13% of the height: about 10 px per line on a 360 px preview.
    assert bottom - top >= 150


def test_long_place_wraps_inside_a_small_image(font_path):
    """A very long place name wraps and the copy keeps its size."""
    wm = Watermark("2026-11-28 14:03:22", "永胜社区" + "建设街背街小巷" * 20, 42.9, 126.7,
                   None, "张伟", "3f2a9c1e")
    display = open_jpeg(make_display(make_jpeg(600, 800), wm, font_path=font_path))
    assert display.size == (600, 800)


@settings(max_examples=60, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("永胜社区建设街背街·-() abcXYZ0123456789")),
                    max_size=120),
       width=st.integers(60, 900))
def test_wrapped_lines_fit_and_keep_every_character(text, width):
    """Wrapped lines fit the width and lose no characters."""
    font = wm._font(find_cjk_font(), 20)
    draw = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    lines = wm._wrap(draw, text, font, width)
    assert all(draw.textlength(line, font=font) <= width for line in lines if len(line) > 1)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_watermark_lines_read_as_the_design_says(watermark):
    """The watermark reads 时间, 地点, 坐标, 督导员/编号 as designed."""
    assert photos.watermark_lines(watermark) == [
        ("时间", "2026-11-28 14:03:22"),
        ("地点", "永胜社区·建设街背街"),
        ("坐标", "42.97231N 126.74102E ±8m"),
        ("督导员", "张伟  编号 3f2a9c1e"),
    ]


def test_watermark_without_a_fix_says_so():
    """No position reads 无定位; S/W are written out."""
    wm = Watermark("2026-11-28 14:03:22", "某点", None, None, None, "张伟", "x")
    assert ("坐标", "无定位") in photos.watermark_lines(wm)
    wm = Watermark("t", "p", -33.85681, -70.64827, None, "i", "s")
    assert ("坐标", "33.85681S 70.64827W") in photos.watermark_lines(wm)


# ----------------------------------------------------------------- fonts and hashes


def test_configured_font_is_used_when_it_exists(tmp_path):
    """An existing configured font path wins."""
    font = tmp_path / "my.ttf"
    font.write_bytes(b"x")
    assert find_cjk_font(str(font)) == str(font)


def test_missing_configured_font_falls_back_to_a_known_path(monkeypatch, tmp_path):
    """A missing configured font falls back to a known system font."""
    real = find_cjk_font()
    monkeypatch.delenv("CJK_FONT", raising=False)
    assert find_cjk_font(str(tmp_path / "missing.ttc")) == real


def test_cjk_font_env_var_is_honoured(monkeypatch, tmp_path):
    """CJK_FONT in the environment is used."""
    font = tmp_path / "env.ttc"
    font.write_bytes(b"x")
    monkeypatch.setenv("CJK_FONT", str(font))
    assert find_cjk_font() == str(font)


def test_no_cjk_font_fails_loudly_with_the_fix(monkeypatch, tmp_path):
    """No font at all raises, naming the package and the env var."""
    monkeypatch.delenv("CJK_FONT", raising=False)
    monkeypatch.setattr(wm, "KNOWN_CJK_FONTS", (str(tmp_path / "nope.ttc"),))
    with pytest.raises(RuntimeError) as caught:
        find_cjk_font(None)
    assert "apt-get install fonts-noto-cjk" in str(caught.value)
    assert "CJK_FONT" in str(caught.value)


def test_noto_collection_uses_its_simplified_chinese_face(font_path):
    """The Noto CJK collection is used at its Simplified Chinese face."""
    if "NotoSansCJK" in font_path:
        assert wm._face_index(font_path) == 2
    assert "SC" in wm._font(font_path, 20).getname()[0] or "wqy" in font_path.lower()


def test_sha256_hex():
    """sha256_hex gives the standard lowercase digest."""
    assert sha256_hex(b"abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
