"""`make https`: the real deploy/pilot/https.sh (gunicorn, the worker, Caddy with its own CA) and a
Chromium profile that trusts that CA, as a phone does once the certificate is installed.

How the browser trusts the CA: Chromium on Linux takes locally added roots from the NSS
database in $HOME/.pki/nssdb. The test makes a fresh HOME, imports Caddy's root.crt there with
`certutil -A -t "C,,"` (Debian's libnss3-tools) and launches Chromium with that HOME: a second
browser profile that trusts the CA, nothing ignored. (--ignore-certificate-errors-spki-list
also works for page loads, but an ignored error is not a trusted certificate; the NSS way is
what a person does on a desktop, see deploy/README.md.) A Chromium without that HOME is
refused, so the trust is what makes it work.
"""
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from server import create_app
from server.demo import load_demo
from server.extensions import db
from tests.browser.conftest import ARGS, CHROMIUM
from tests.browser.helpers import wait_for
from tests.ops.servers import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]

if not shutil.which("caddy") and not os.environ.get("CI"):
    pytest.skip("caddy is not installed (apt-get install caddy; .ci/run installs it)",
                allow_module_level=True)


@pytest.fixture
def pilot(tmp_path):
    """Run deploy/pilot/https.sh on free ports over a database of its own; yield (origin, root.crt)."""
    url = f"sqlite:///{tmp_path / 'pilot.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "DATA_DIR": str(tmp_path / "data"),
                      "LOG_LEVEL": "WARNING"})
    with app.app_context():
        db.create_all()
        load_demo("pw", hash_method="pbkdf2:sha256:1000")
        db.engine.dispose()
    https_port = free_port()
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "DATABASE_URL": url,
           "DATA_DIR": str(tmp_path / "data"), "HOST": "127.0.0.1", "HTTPS_PORT": str(https_port),
           "PORT": str(free_port()), "CADDY_HOME": str(tmp_path / "caddy"), "SECRET_KEY": "x" * 40,
           "WEB_CONCURRENCY": "1"}
    log = (tmp_path / "pilot.log").open("w")
    proc = subprocess.Popen(["bash", "deploy/pilot/https.sh"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_port(https_port, timeout=60)
        text = ""
        for _ in range(300):
            text = (tmp_path / "pilot.log").read_text(errors="replace")
            if "根证书：" in text or proc.poll() is not None:
                break
            subprocess.run(["sleep", "0.1"])
        match = re.search(r"根证书：(\S+)", text)
        assert match, text[-3000:]
        cert = Path(match.group(1))
        assert cert.is_absolute() and cert.is_file() and cert == tmp_path / "caddy" / "caddy" / "pki" / \
            "authorities" / "local" / "root.crt"
        assert f"https://127.0.0.1:{https_port}/install" in text
        yield f"https://127.0.0.1:{https_port}", cert
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
        log.close()


def trusting_home(tmp_path: Path, cert: Path) -> Path:
    """A HOME whose NSS database trusts the certificate as a CA for websites."""
    home = tmp_path / "profile-home"
    nssdb = home / ".pki" / "nssdb"
    nssdb.mkdir(parents=True)
    subprocess.run(["certutil", "-d", f"sql:{nssdb}", "-N", "--empty-password"], check=True)
    subprocess.run(["certutil", "-d", f"sql:{nssdb}", "-A", "-t", "C,,", "-n", "chuangcheng-pilot",
                    "-i", str(cert)], check=True)
    return home


def test_the_service_worker_registers_over_the_pilot_https_origin(browser, pilot, tmp_path):
    origin, cert = pilot
    home = trusting_home(tmp_path, cert)
    trusting = browser.browser_type.launch(executable_path=CHROMIUM, args=ARGS, headless=True,
                                           env={**os.environ, "HOME": str(home)})
    try:
        page = trusting.new_context(locale="zh-CN").new_page()
        page.goto(origin + "/")
        assert page.evaluate("window.isSecureContext") is True
        script = wait_for(page, """navigator.serviceWorker.ready.then(r => r.active && r.active.scriptURL)""")
        assert script == origin + "/sw.js"
        encoding = page.evaluate("fetch('/js/app.js', {cache: 'no-store'}).then(r => r.headers.get('content-encoding'))")
        assert encoding in ("zstd", "gzip")  # Caddy's encode
        ready = page.evaluate("fetch('/readyz').then(r => r.json())")
        assert ready["status"] == "ready"
        page.goto(origin + "/install")
        assert "下载证书" in page.inner_text("body")
        downloaded = page.evaluate("fetch('/install/ca.crt').then(r => r.text())")
        assert downloaded == cert.read_text()
        assert page.evaluate("document.querySelector('#qr').naturalWidth") > 100
        page.screenshot(path=str(ROOT / "instance" / "screenshots" / "install-page.png"), full_page=True)
    finally:
        trusting.close()
    untrusting = browser.new_context().new_page()  # a profile without the CA is refused
    with pytest.raises(Exception, match="ERR_CERT_AUTHORITY_INVALID"):
        untrusting.goto(origin + "/")
    untrusting.context.close()
