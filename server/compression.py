"""gzip for text answers when no proxy compresses them (`make run`).

`make run` turns it on (COMPRESS=1); behind Caddy (`make https`, deploy/) compression is
Caddy's `encode zstd gzip`. Files of the app shell and the pages (.js, .css, .html, .json,
.svg, .webmanifest) are compressed once per version and kept in a small cache; per-user API
answers are left as they are (Caddy compresses those). Immutable caching of the shell's
content-versioned URLs (`/v/<version>/…`) is set where they are served (server/pwa.py).
"""
import gzip
from collections import OrderedDict

from flask import Flask, request

TYPES = ("text/html", "text/css", "text/javascript", "application/javascript",
         "application/json", "application/manifest+json", "image/svg+xml", "text/plain",
         "text/xml", "application/xml", "text/csv")
MIN_BYTES = 1024            # smaller answers are not worth a gzip header
MAX_BYTES = 8 * 1024 * 1024  # larger ones (downloads) are left alone
DYNAMIC = ("/api/v1/", "/open311/")  # answers per user and request: left to Caddy's encode
_CACHE: "OrderedDict[str, bytes]" = OrderedDict()  # ETag → gzip bytes of a static file
_CACHE_ENTRIES = 256


def _compressible(resp) -> bool:
    """A complete 200 text answer the client accepts gzip for, not yet encoded."""
    return (resp.status_code == 200 and (resp.direct_passthrough or not resp.is_streamed)
            and not request.path.startswith(DYNAMIC)
            and resp.mimetype in TYPES
            and "gzip" in request.accept_encodings
            and "Content-Encoding" not in resp.headers
            and "Content-Range" not in resp.headers
            and not resp.headers.get("Content-Disposition", "").startswith("attachment"))


def _drop_body(resp) -> None:
    """Close the file behind a send_file answer whose body is about to be replaced."""
    close = getattr(resp.response, "close", None)
    if close is not None:
        close()
    resp.direct_passthrough = False


def _gzip(resp) -> None:
    """Replace the body with its gzip form (static files from the cache)."""
    etag, weak = resp.get_etag()
    cached = _CACHE.get(etag) if etag else None
    if cached is not None:
        _drop_body(resp)
    else:
        resp.direct_passthrough = False  # send_file's wrapper: read it into memory
        body = resp.get_data()
        if not MIN_BYTES <= len(body) <= MAX_BYTES:
            return
        cached = gzip.compress(body, compresslevel=6, mtime=0)
        if etag:
            _CACHE[etag] = cached
            while len(_CACHE) > _CACHE_ENTRIES:
                _CACHE.popitem(last=False)
    resp.set_data(cached)
    resp.headers["Content-Encoding"] = "gzip"
    if etag:
        resp.set_etag(etag + "-gz", weak=weak)


def _after(resp):
    """Compression; a revalidation of the gzip form answers 304."""
    if request.method not in ("GET", "HEAD"):
        return resp
    if resp.mimetype in TYPES:
        resp.vary.add("Accept-Encoding")
    if not _compressible(resp):
        return resp
    etag, _ = resp.get_etag()
    if etag and request.if_none_match.contains(etag + "-gz"):
        _drop_body(resp)
        resp.status_code = 304
        resp.set_etag(etag + "-gz")
        resp.set_data(b"")
        resp.headers.pop("Content-Length", None)
        return resp
    _gzip(resp)
    return resp


def init_app(app: Flask) -> None:
    """gzip in the app when COMPRESS (no proxy in front)."""
    if app.config.get("COMPRESS"):
        app.after_request(_after)
