"""What every answer carries and every request is checked for, whatever the endpoint.

- Security headers: a Content-Security-Policy with no inline script, no framing, nosniff,
  a strict Referrer-Policy.
- The session cookie: HttpOnly, SameSite=Lax, and Secure whenever the request came over HTTPS.
- A state-changing request authenticated by the session cookie alone must come from our own
  origin (Origin or Referer): a page elsewhere cannot post with the user's cookie
  (check_same_origin, applied by auth.auth_required where the cookie is what authenticates).
- JSON nested deeper than MAX_JSON_DEPTH is refused (400) before any parser recurses into it.
"""
import re
from urllib.parse import urlsplit

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface

from .errors import ApiError

MAX_JSON_DEPTH = 64
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def json_depth_exceeds(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether brackets outside strings nest deeper than limit (cheap when they cannot)."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth = 0
    for m in _TOKENS.finditer(body):
        tok = m.group()
        if tok in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif tok in (b"]", b"}"):
            depth -= 1
    return False


def _origin(url: str) -> str:
    """scheme://host[:port] of a URL ('' when it has none)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _tile_sources(tile_url: str) -> str:
    """The image sources the map tiles come from ({s} subdomains become a wildcard)."""
    origin = _origin(tile_url.replace("{s}.", "*.").replace("{s}", "*"))
    return f" {origin}" if origin else ""


def content_security_policy(app: Flask) -> str:
    """The policy: our own scripts only; styles may be inline (the printable pages carry theirs)."""
    tiles = _tile_sources(app.config.get("TILE_URL") or "")
    return ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            f"img-src 'self' data: blob:{tiles}; connect-src 'self'; worker-src 'self'; "
            "manifest-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
            "form-action 'self'; frame-ancestors 'none'")


class SessionInterface(SecureCookieSessionInterface):
    """The signed-cookie session, marked Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        """Secure when configured, or when this request is HTTPS (directly or via the proxy)."""
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


def check_same_origin() -> None:
    """A state-changing request authenticated by the session cookie must come from our own
    pages (browsers send Origin on every such request): 403 otherwise."""
    if request.method in SAFE_METHODS:
        return
    source = request.headers.get("Origin") or _origin(request.headers.get("Referer", ""))
    if source != request.host_url.rstrip("/"):
        raise ApiError(403, "cross_site_request", "请求来源不符，请在本系统页面内操作")


def register(app: Flask) -> None:
    """Install the checks and headers on the app."""
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.session_interface = SessionInterface()
    policy = content_security_policy(app)

    @app.before_request
    def refuse_deep_json():
        """JSON nested too deep → 400, before any parser recurses into it."""
        if request.mimetype == "application/json" and request.content_length != 0:
            if json_depth_exceeds(request.get_data(cache=True)):
                raise ApiError(400, "json_too_deep", f"JSON 嵌套超过 {MAX_JSON_DEPTH} 层，无法处理")

    @app.after_request
    def security_headers(resp):
        """The same headers on every answer."""
        resp.headers.setdefault("Content-Security-Policy", policy)
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        return resp
