"""Draw the app icons (192, 512 and maskable 512) with Pillow: run once, the PNGs are committed."""
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from server.services.photos import find_cjk_font  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "pwa" / "icons"
RED, GOLD = (178, 34, 34), (255, 214, 102)


def icon(size: int, maskable: bool) -> Image.Image:
    """A red square with 督 in gold; maskable icons keep the glyph in the safe zone."""
    img = Image.new("RGB", (size, size), RED)
    draw = ImageDraw.Draw(img)
    if not maskable:
        img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
        draw = ImageDraw.Draw(img)
        draw.rounded_rectangle((0, 0, size - 1, size - 1), radius=size // 6, fill=RED)
    glyph = int(size * (0.5 if maskable else 0.62))
    font = ImageFont.truetype(find_cjk_font(), glyph, index=2)
    draw.text((size / 2, size / 2), "督", font=font, fill=GOLD, anchor="mm")
    return img


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    icon(192, False).save(OUT / "icon-192.png", optimize=True)
    icon(512, False).save(OUT / "icon-512.png", optimize=True)
    icon(512, True).save(OUT / "icon-maskable-512.png", optimize=True)
    icon(180, True).save(OUT / "apple-touch-icon.png", optimize=True)
    print("icons written to", OUT)
