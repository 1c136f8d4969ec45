"""安装到手机: the pilot's root certificate, a QR code to this page, and the steps (Chinese).

A LAN pilot (`make https`) serves HTTPS with Caddy's own CA; a phone trusts it once the
root certificate is installed, and only then will it run the service worker, the camera
and GPS. This page needs no sign-in (a phone has no account on it yet) and offers nothing
secret: the root certificate is public, its private key stays with Caddy.
"""
import base64
import hashlib
import io
import re
from pathlib import Path

import segno
from flask import Blueprint, Response, abort, current_app, render_template, request

from ..config import public_base

bp = Blueprint("install", __name__, template_folder="templates")
_PEM = re.compile(rb"-----BEGIN CERTIFICATE-----\s+(.+?)\s+-----END CERTIFICATE-----", re.S)
CERT_NAME = "chuangcheng-root-ca.crt"


def _certificate() -> bytes | None:
    """The pilot's root certificate (PEM), or None when this server has none to offer."""
    path = current_app.config.get("CA_CERT_PATH")
    if not path:
        return None
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    return data if _PEM.search(data) else None


def fingerprint(pem: bytes) -> str:
    """SHA-256 of the certificate (DER), as the phone's settings show it: AB:CD:…"""
    der = base64.b64decode(b"".join(_PEM.search(pem).group(1).split()))
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def page_url() -> str:
    """This page's address as a phone on the LAN reaches it (PUBLIC_URL first)."""
    return public_base(current_app.config, request.host_url) + "install"


def _no_cache(resp: Response) -> Response:
    """The certificate can be renewed: always revalidate."""
    resp.headers["Cache-Control"] = "no-cache"
    return resp


@bp.get("/install")
def install_page():
    """The page: QR code, certificate download, Android and iPhone steps, installing the app."""
    pem = _certificate()
    return _no_cache(Response(render_template(
        "install.html", url=page_url(), app_url=public_base(current_app.config, request.host_url),
        has_cert=pem is not None, fingerprint=fingerprint(pem) if pem else None,
        cert_name=CERT_NAME), mimetype="text/html"))


@bp.get("/install/ca.crt")
def certificate():
    """The root certificate, as the file type phones open with their certificate installer."""
    pem = _certificate()
    if pem is None:
        abort(404)
    resp = Response(pem, mimetype="application/x-x509-ca-cert")
    resp.headers["Content-Disposition"] = f'attachment; filename="{CERT_NAME}"'
    return _no_cache(resp)


@bp.get("/install/qr.svg")
def qr_code():
    """A QR code of this page's address, drawn here as SVG (segno; nothing from a CDN)."""
    buf = io.BytesIO()
    segno.make(page_url(), error="m").save(buf, kind="svg", scale=8, border=2,
                                            title="安装页二维码")
    return _no_cache(Response(buf.getvalue(), mimetype="image/svg+xml"))
