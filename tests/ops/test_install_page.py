"""安装到手机: the pilot's root certificate for download, a QR code of the page, the steps."""
import io
import re
import subprocess
from xml.etree import ElementTree

import pytest
import segno


@pytest.fixture
def root_cert(tmp_path):
    """A self-signed CA certificate like Caddy's root.crt, and its SHA-256 fingerprint."""
    key, crt = tmp_path / "root.key", tmp_path / "root.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", str(key), "-out", str(crt), "-days", "30",
                    "-subj", "/CN=Caddy Local Authority - Test Root"], check=True, capture_output=True)
    out = subprocess.run(["openssl", "x509", "-in", str(crt), "-noout", "-fingerprint", "-sha256"],
                         check=True, capture_output=True, text=True).stdout
    return crt, out.strip().split("=", 1)[1]


def test_the_page_offers_the_certificate_with_its_fingerprint_and_both_guides(app, client, root_cert):
    crt, fingerprint = root_cert
    app.config["CA_CERT_PATH"] = str(crt)
    r = client.get("/install")  # no sign-in: a phone has no account here yet
    assert r.status_code == 200 and r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    assert 'href="/install/ca.crt"' in html and fingerprint in html
    for words in ("安卓", "CA 证书", "iPhone", "已下载描述文件", "证书信任设置", "添加到主屏幕", "同一个 Wi-Fi"):
        assert words in html, words
    assert "<script" not in html  # nothing inline for the Content-Security-Policy to block
    cert = client.get("/install/ca.crt")
    assert cert.status_code == 200 and cert.data == crt.read_bytes()
    assert cert.mimetype == "application/x-x509-ca-cert"
    assert cert.headers["Content-Disposition"].startswith("attachment;")


def test_without_a_pilot_certificate_there_is_nothing_to_install(app, client, tmp_path):
    app.config["CA_CERT_PATH"] = str(tmp_path / "absent.crt")
    html = client.get("/install").get_data(as_text=True)
    assert "无需安装证书" in html and "/install/ca.crt" not in html
    assert client.get("/install/ca.crt").status_code == 404
    (tmp_path / "not-a-cert.crt").write_text("hello")
    app.config["CA_CERT_PATH"] = str(tmp_path / "not-a-cert.crt")
    assert client.get("/install/ca.crt").status_code == 404


def test_the_qr_code_is_svg_drawn_here_and_encodes_the_public_address(app, client):
    app.config["PUBLIC_URL"] = "https://192.168.1.20:8443"
    r = client.get("/install/qr.svg")
    assert r.status_code == 200 and r.mimetype == "image/svg+xml"
    ElementTree.fromstring(r.data)  # well-formed SVG
    expected = io.BytesIO()
    segno.make("https://192.168.1.20:8443/install", error="m").save(
        expected, kind="svg", scale=8, border=2, title="安装页二维码")
    assert r.data == expected.getvalue()
    page = client.get("/install").get_data(as_text=True)
    assert "https://192.168.1.20:8443/install" in page and 'src="/install/qr.svg"' in page
    assert not re.search(r"https?://(?!192\.168\.1\.20)[^\s\"<]+", page)  # no CDN, no other host
