"""Benchmark: peak memory and time to accept one 50-megapixel JPEG (not a test).

    .venv/bin/python bench/photo_memory.py [--width 8660 --height 5773] [--target-mb 300]
                                           [--format jpeg|png|webp]

Three processes, so that no step pollutes another's measurement:
1. a generator child writes a photo-like 50 MP JPEG (EXIF orientation 6, time, GPS) to a
   temporary file (PNG and WebP can be measured too: they have no reduced-scale decode);
2. a fresh measuring child reads the file and runs inspect_image, make_thumbnail and
   make_display, then reports its own peak RSS (ru_maxrss) and the time of each step;
3. this parent prints the figures and PASS/FAIL against the target.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _peak_rss_mb() -> float:
    """Return this process's peak resident set size in MB (ru_maxrss is KB on Linux)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def generate(path: str, width: int, height: int, quality: int, fmt: str) -> None:
    """Write a photo-like JPEG (smooth colour fields plus sensor-like noise) with EXIF."""
    from datetime import datetime, timedelta, timezone

    from PIL import ExifTags, Image, TiffImagePlugin

    small = (max(1, width // 20), max(1, height // 20))
    channels = [Image.effect_noise(small, sigma) for sigma in (70, 50, 60)]
    img = Image.merge("RGB", channels).resize((width, height), Image.Resampling.BICUBIC)
    noise = Image.effect_noise((width, height), 30)
    img = Image.merge("RGB", [Image.blend(c, noise, 0.25) for c in img.split()])
    del noise

    def rational(value: float, den: int):
        """Return an EXIF rational."""
        return TiffImagePlugin.IFDRational(round(value * den), den)

    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Bench"
    exif[ExifTags.Base.Orientation] = 6  # stored landscape, displayed portrait
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    taken = datetime(2026, 11, 28, 14, 3, 22, tzinfo=timezone(timedelta(hours=8)))
    sub[ExifTags.Base.DateTimeOriginal] = taken.strftime("%Y:%m:%d %H:%M:%S")
    sub[ExifTags.Base.OffsetTimeOriginal] = "+08:00"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (rational(42, 1), rational(58, 1), rational(20.316, 1000))
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (rational(126, 1), rational(44, 1), rational(27.672, 1000))
    params = {"exif": exif} if fmt == "PNG" else {"quality": quality, "exif": exif}
    img.save(path, fmt, **params)


def measure(path: str, content_type: str, format_limit: bool) -> dict:
    """Run the upload pipeline on the file in this (fresh) process; return the figures."""
    sys.path.insert(0, ROOT)
    from server.services.photos import (
        FULL_DECODE_MAX_PIXELS,
        PhotoError,
        Watermark,
        find_cjk_font,
        inspect_image,
        make_display,
        make_thumbnail,
        sha256_hex,
    )

    font = find_cjk_font()
    baseline = _peak_rss_mb()
    timings = {}
    start = time.perf_counter()
    with open(path, "rb") as fh:
        data = fh.read()
    t = time.perf_counter()
    digest = sha256_hex(data)
    timings["sha256"] = time.perf_counter() - t
    t = time.perf_counter()
    try:
        full_decode_limit = FULL_DECODE_MAX_PIXELS if format_limit else None
        info = inspect_image(data, content_type, max_bytes=512 * 1024 * 1024,
                             max_pixels=60_000_000, max_pixels_full_decode=full_decode_limit)
    except PhotoError as exc:
        return {"rejected": f"{exc.status} {exc.code}: {exc.message}",
                "peak_rss_mb": _peak_rss_mb(), "baseline_rss_mb": baseline}
    timings["inspect_image"] = time.perf_counter() - t
    t = time.perf_counter()
    thumb = make_thumbnail(data)
    timings["make_thumbnail"] = time.perf_counter() - t
    t = time.perf_counter()
    watermark = Watermark(taken_at="2026-11-28 14:03:22", place="永胜社区·建设街背街",
                          lat=42.97231, lon=126.74102, accuracy_m=8, inspector="张伟",
                          short_id=digest[:8])
    display = make_display(data, watermark, font_path=font)
    timings["make_display"] = time.perf_counter() - t
    total = time.perf_counter() - start
    return {
        "file_mb": len(data) / (1024 * 1024),
        "info": [info.width, info.height, info.format, str(info.exif_taken_at),
                 info.exif_lat, info.exif_lon],
        "thumb_kb": len(thumb) / 1024,
        "display_kb": len(display) / 1024,
        "baseline_rss_mb": baseline,
        "peak_rss_mb": _peak_rss_mb(),
        "timings_s": timings,
        "total_s": total,
    }


def main() -> int:
    """Generate the photo in one child, measure in another, print the verdict."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=8660)
    parser.add_argument("--height", type=int, default=5773)
    parser.add_argument("--quality", type=int, default=88)
    parser.add_argument("--target-mb", type=float, default=300.0)
    parser.add_argument("--format", choices=["jpeg", "png", "webp"], default="jpeg")
    parser.add_argument("--no-format-limit", action="store_true",
                        help="lift the PNG/WebP pixel limit to measure what it protects against")
    parser.add_argument("--_generate", nargs=1, help=argparse.SUPPRESS)
    parser.add_argument("--_measure", nargs=1, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args._generate:
        generate(args._generate[0], args.width, args.height, args.quality,
                 args.format.upper())
        return 0
    if args._measure:
        print(json.dumps(measure(args._measure[0], f"image/{args.format}",
                                 not args.no_format_limit)))
        return 0

    me = os.path.abspath(__file__)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, f"big.{args.format}")
        t = time.perf_counter()
        subprocess.run([sys.executable, me, "--width", str(args.width), "--height",
                        str(args.height), "--quality", str(args.quality), "--format", args.format,
                        "--_generate", path],
                       check=True)
        print(f"generated {args.width}x{args.height} {args.format.upper()} "
              f"({args.width * args.height / 1e6:.1f} MP, {os.path.getsize(path) / 2**20:.1f} MB)"
              f" in {time.perf_counter() - t:.1f} s")
        extra = ["--no-format-limit"] if args.no_format_limit else []
        out = subprocess.run([sys.executable, me, "--format", args.format, *extra,
                              "--_measure", path], check=True,
                             capture_output=True, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    if "rejected" in result:
        print(f"inspect_image refused it: {result['rejected']}")
        print(f"peak RSS {result['peak_rss_mb']:.1f} MB")
        return 0

    print(f"inspect_image -> {result['info']}")
    for step, seconds in result["timings_s"].items():
        print(f"  {step:<15} {seconds * 1000:8.0f} ms")
    print(f"  {'total':<15} {result['total_s'] * 1000:8.0f} ms (including reading the file)")
    print(f"thumbnail {result['thumb_kb']:.0f} KB, display copy {result['display_kb']:.0f} KB")
    print(f"peak RSS {result['peak_rss_mb']:.1f} MB "
          f"(after imports, before the photo: {result['baseline_rss_mb']:.1f} MB)")
    ok = result["peak_rss_mb"] <= args.target_mb
    print(f"{'PASS' if ok else 'FAIL'}: peak RSS {result['peak_rss_mb']:.1f} MB "
          f"{'<=' if ok else '>'} target {args.target_mb:.0f} MB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
