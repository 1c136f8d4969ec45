"""Serving the PWA: the shell, its files, and a service worker versioned by their content.

The shell's files are requested under ``/v/<content version>/`` (index.html and the service
worker's precache list name them so; modules import each other by relative paths, so a whole
version loads from one prefix). Under the current version a file cannot change, so it is cached
for a year as immutable; a new version is a new prefix. The plain paths (``/js/app.js``) still
answer, revalidated on every use.
"""
import hashlib
import json
import re
from functools import lru_cache

from flask import Blueprint, Response, abort, current_app, jsonify, request, send_from_directory

from .config import ROOT

bp = Blueprint("pwa", __name__)
PWA_DIR = ROOT / "pwa"
SHELL_DIRS = ("js", "css", "icons", "vendor")
# Files the app shell needs offline; vendor images of Leaflet are fetched on demand.
SHELL_EXT = (".js", ".css", ".png", ".webmanifest", ".html", ".svg")


@lru_cache(maxsize=1)
def shell_files() -> tuple[tuple[str, ...], str]:
    """The URLs to precache and a version hash of their content (computed once per process)."""
    files = ["/", "/manifest.webmanifest"]
    digest = hashlib.sha256()
    for path in sorted(PWA_DIR.rglob("*")):
        rel = path.relative_to(PWA_DIR).as_posix()
        if not path.is_file() or rel.split("/")[0] not in SHELL_DIRS or path.suffix not in SHELL_EXT:
            continue
        if rel.startswith("vendor/") and "/images/" not in rel and not rel.endswith((".js", ".css")):
            continue
        files.append("/" + rel)
        digest.update(rel.encode() + path.read_bytes())
    for name in ("index.html", "manifest.webmanifest", "sw.js"):
        digest.update((PWA_DIR / name).read_bytes())
    return tuple(files), digest.hexdigest()[:16]


YEAR = 365 * 24 * 3600
_SHELL_REF = re.compile(r'((?:href|src)=")/((?:%s)/)' % "|".join(SHELL_DIRS))


def versioned(path: str, version: str) -> str:
    """A shell file's URL under its content version (other URLs unchanged)."""
    return f"/v/{version}{path}" if path.lstrip("/").split("/")[0] in SHELL_DIRS else path


@lru_cache(maxsize=4)
def _index_html(version: str) -> str:
    """index.html with its stylesheet, script and icons under the content version."""
    return _SHELL_REF.sub(rf"\1/v/{version}/\2", (PWA_DIR / "index.html").read_text(encoding="utf-8"))


@bp.get("/")
def index():
    """The app shell (always revalidated: it names the current version)."""
    version = shell_files()[1]
    resp = Response(_index_html(version), mimetype="text/html")
    resp.set_etag(f"index-{version}")
    resp.headers["Cache-Control"] = "no-cache"
    return resp.make_conditional(request)


@bp.get("/manifest.webmanifest")
def manifest():
    """The web app manifest."""
    return send_from_directory(PWA_DIR, "manifest.webmanifest", mimetype="application/manifest+json",
                               max_age=0)


@bp.get("/sw.js")
def service_worker():
    """The service worker, with the precache list and version written into it."""
    files, version = shell_files()
    shell = [versioned(f, version) for f in files]
    head = f"const VERSION = {json.dumps(version)};\nconst SHELL = {json.dumps(shell)};\n"
    body = head + (PWA_DIR / "sw.js").read_text(encoding="utf-8")
    resp = Response(body, mimetype="text/javascript")
    resp.headers["Cache-Control"] = "no-cache"
    resp.headers["Service-Worker-Allowed"] = "/"
    return resp


@bp.get("/app-config.json")
def app_config():
    """Settings the front end needs: the tile source, thresholds, the version."""
    cfg = current_app.config
    return jsonify({"tile_url": cfg["TILE_URL"], "tile_attribution": cfg["TILE_ATTRIBUTION"],
                    "gps_far_from_point_m": cfg["GPS_FAR_FROM_POINT_M"],
                    "photo_fresh_min": cfg["PHOTO_FRESH_MIN"], "exif_far_m": cfg["EXIF_FAR_M"],
                    "version": shell_files()[1]})


@bp.get("/<any(js, css, icons, vendor):folder>/<path:filename>")
def shell_file(folder: str, filename: str):
    """A file of the app shell (the service worker caches them; the browser revalidates)."""
    if not (PWA_DIR / folder).is_dir():
        abort(404)
    resp = send_from_directory(PWA_DIR / folder, filename, max_age=0)
    resp.headers["Cache-Control"] = "no-cache"
    return resp


@bp.get("/v/<version>/<any(js, css, icons, vendor):folder>/<path:filename>")
def versioned_file(version: str, folder: str, filename: str):
    """A shell file under a content version: immutable for a year when it is the current one;
    an older version's URL gets today's file, revalidated (that version is gone)."""
    if not re.fullmatch(r"[0-9a-f]{16}", version):
        abort(404)
    resp = shell_file(folder, filename)
    if version == shell_files()[1] and resp.status_code == 200:
        resp.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    return resp

