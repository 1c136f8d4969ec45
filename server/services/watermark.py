"""The evidence watermark burned into a photo's display copy: time, place, coordinates and
inspector in Chinese, with a CJK font found on the machine (or named by CJK_FONT)."""
from __future__ import annotations

import logging
import math
import os
import re
import threading
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from .photos import _DISPLAY_QUALITY, _load_oriented, _save_jpeg

log = logging.getLogger(__name__)

# Known Debian/Ubuntu locations of a CJK font, best first.
KNOWN_CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Medium.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)


@dataclass
class Watermark:
    """The evidence facts burned into the display copy."""

    taken_at: str
    place: str
    lat: float | None
    lon: float | None
    accuracy_m: float | None
    inspector: str
    short_id: str


def find_cjk_font(configured: str | None = None) -> str:
    """Return a usable CJK font path: the configured one, $CJK_FONT, or a known Debian path."""
    candidates = []
    for source, path in (("configured", configured), ("CJK_FONT", os.environ.get("CJK_FONT"))):
        if path:
            if os.path.isfile(path):
                return path
            log.warning("CJK font %s (%s) not found; searching the usual places", path, source)
            candidates.append(path)
    for path in KNOWN_CJK_FONTS:
        if os.path.isfile(path):
            return path
    raise RuntimeError(
        "No CJK font found for photo watermarks (tried: "
        + ", ".join(candidates + list(KNOWN_CJK_FONTS))
        + "). Install one with `apt-get install fonts-noto-cjk` (or fonts-wqy-zenhei), "
        "or set the environment variable CJK_FONT to the path of a .ttf/.otf/.ttc font "
        "that covers Simplified Chinese."
    )


@lru_cache(maxsize=16)
def _face_index(font_path: str) -> int:
    """Pick the Simplified Chinese face of a font collection (index 2 in Noto CJK)."""
    if not font_path.lower().endswith((".ttc", ".otc")):
        return 0
    for index in (2, *range(0, 16)):
        try:
            family = ImageFont.truetype(font_path, 12, index=index).getname()[0] or ""
        except OSError:
            break
        if family.endswith(" SC") or " SC " in family:
            return index
    return 0


@lru_cache(maxsize=64)
def _font_for_thread(font_path: str, size: int, thread_id: int) -> ImageFont.FreeTypeFont:
    """Load the CJK font at a pixel size for one thread (FreeType faces are not thread-safe)."""
    return ImageFont.truetype(font_path, size, index=_face_index(font_path))


def _font(font_path: str, size: int) -> ImageFont.FreeTypeFont:
    """Return the cached CJK font at a pixel size for the calling thread."""
    return _font_for_thread(font_path, size, threading.get_ident())


def _format_coord(lat: float | None, lon: float | None, accuracy_m: float | None) -> str:
    """Format coordinates as '42.97231N 126.74102E ±8m' (or a placeholder)."""
    if lat is None or lon is None:
        return "无定位"
    text = (f"{abs(lat):.5f}{'S' if lat < 0 else 'N'} "
            f"{abs(lon):.5f}{'W' if lon < 0 else 'E'}")
    if accuracy_m is not None and math.isfinite(accuracy_m):
        text += f" ±{max(1, round(accuracy_m))}m"
    return text


def watermark_lines(watermark: Watermark) -> list[tuple[str, str]]:
    """Return the (label, value) pairs of the watermark, in display order."""
    who = watermark.inspector.strip() or "—"
    if watermark.short_id:
        who = f"{who}  编号 {watermark.short_id}"
    return [
        ("时间", watermark.taken_at.strip() or "—"),
        ("地点", watermark.place.strip() or "—"),
        ("坐标", _format_coord(watermark.lat, watermark.lon, watermark.accuracy_m)),
        ("督导员", who),
    ]


_TOKEN = re.compile(r"[A-Za-z0-9.,:;±+\-_/()#%@&'\"]+|\s+|.", re.S)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: float) -> list[str]:
    """Greedy wrap by measured width: CJK breaks anywhere, Latin runs break at spaces."""
    lines: list[str] = []
    current = ""
    for token in _TOKEN.findall(" ".join(text.split())):
        if draw.textlength(current + token, font=font) <= width:
            if current or not token.isspace():
                current += token
            continue
        if current.strip():
            lines.append(current.rstrip())
        current = ""
        if token.isspace():
            continue
        if draw.textlength(token, font=font) <= width:
            current = token
            continue
        for ch in token:  # a run too long for a whole line: split it by character
            if current and draw.textlength(current + ch, font=font) > width:
                lines.append(current)
                current = ""
            current += ch
    if current.strip() or not lines:
        lines.append(current.rstrip())
    return lines


def _layout(draw, pairs, font, max_width: float):
    """Lay out labelled rows with a hanging indent; return [(label|None, text)], indent, widest."""
    indent = max(draw.textlength(label + " ", font=font) for label, _ in pairs)
    room = max(max_width - indent, draw.textlength("国国国", font=font))
    rows: list[tuple[str | None, str]] = []
    widest = 0.0
    for label, value in pairs:
        for i, part in enumerate(_wrap(draw, value, font, room)):
            rows.append((label if i == 0 else None, part))
            widest = max(widest, indent + draw.textlength(part, font=font))
    return rows, indent, widest


def _burn_watermark(img: Image.Image, watermark: Watermark, font_path: str) -> Image.Image:
    """Draw the watermark rows on a semi-transparent dark band at the bottom-left."""
    width, height = img.size
    pairs = watermark_lines(watermark)
    draw = ImageDraw.Draw(img)
    # About 45 px on a 1600 px wide copy, so still ~10 px high on a 360 px preview of it;
    # shrunk when the band would cover too much of a very wide, low image.
    size = max(10, round(width * 0.028))
    while True:
        font = _font(font_path, size)
        pad = max(4, round(size * 0.6))
        line_h = round(size * 1.35)
        rows, indent, widest = _layout(draw, pairs, font, width - 2 * pad)
        band_h = len(rows) * line_h + 2 * pad
        if band_h <= height * 0.45 or size <= 10:
            break
        size = max(10, int(size * 0.9))
    band_w = min(width, math.ceil(widest) + 2 * pad)
    band_h = min(height, band_h)
    top = height - band_h

    region = img.crop((0, top, band_w, height)).convert("RGBA")
    shade = Image.new("RGBA", region.size, (0, 0, 0, 150))
    img.paste(Image.alpha_composite(region, shade).convert("RGB"), (0, top))

    draw = ImageDraw.Draw(img)
    y = top + pad + (line_h - size) / 2
    for label, text in rows:
        if label:
            draw.text((pad, y), label, font=font, fill=(255, 255, 255))
        draw.text((pad + indent, y), text, font=font, fill=(255, 255, 255))
        y += line_h
    return img


def make_display(data: bytes, watermark: Watermark, *, font_path: str,
                 long_edge: int = 1600) -> bytes:
    """Return a JPEG display copy: EXIF-rotated, long edge at most long_edge, watermarked."""
    img, icc = _load_oriented(data, long_edge)
    img = _burn_watermark(img, watermark, font_path)
    return _save_jpeg(img, _DISPLAY_QUALITY, icc)
