"""The production stack as deploy/ describes it, run here without systemd: the environment from
deploy/chuangcheng.env.example, first install through deploy/manage.sh (db upgrade, data seed,
users create), the web and the worker from the ExecStart lines of deploy/systemd/*.service, and
Caddy with deploy/Caddyfile in front.

What cannot run here is replaced as little as possible and said so: the site is
``localhost:<port>`` (Caddy then signs with its own CA instead of asking Let's Encrypt, which
this machine cannot reach), the Caddyfile's global block gains the options a test on free ports
needs (no root-CA install into the system, free HTTP/HTTPS ports), and the access log goes to
the test's folder instead of /var/log/caddy. /opt/chuangcheng is this checkout.
"""
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.ops.servers import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"

if not shutil.which("caddy") and not os.environ.get("CI"):
    pytest.skip("caddy is not installed (apt-get install caddy; .ci/run installs it)",
                allow_module_level=True)


def env_file(tmp_path: Path, database_url: str, public_url: str, port: int) -> Path:
    """deploy/chuangcheng.env.example with this machine's paths and a secret filled in."""
    values = {"SECRET_KEY": "s" * 48, "PUBLIC_URL": public_url, "DATABASE_URL": database_url,
              "DATA_DIR": str(tmp_path / "data"), "BACKUP_DIR": str(tmp_path / "backups"),
              "WEB_CONCURRENCY": "2", "WORKER_POLL_S": "0.3"}
    lines = []
    for line in (DEPLOY / "chuangcheng.env.example").read_text(encoding="utf-8").splitlines():
        key = line.split("=", 1)[0]
        if "=" in line and not line.startswith("#") and key in values:
            line = f"{key}={values.pop(key)}"
        lines.append(line)
    lines += [f"{k}={v}" for k, v in values.items()]
    path = tmp_path / "env"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def read_env(path: Path) -> dict:
    """KEY=VALUE lines as systemd's EnvironmentFile reads them."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            out[key.strip()] = value.strip()
    return out


def exec_start(unit: str, bind_port: int) -> list[str]:
    """A unit's ExecStart, with /opt/chuangcheng as this checkout and gunicorn on a free port."""
    text = (DEPLOY / "systemd" / unit).read_text(encoding="utf-8")
    line = re.search(r"^ExecStart=(.+)$", text, re.M).group(1)
    line = line.replace("/opt/chuangcheng", str(ROOT)).replace("127.0.0.1:8000", f"127.0.0.1:{bind_port}")
    return line.split()


def caddyfile(tmp_path: Path, http_port: int, https_port: int) -> Path:
    """deploy/Caddyfile with the global options a localhost test needs and the log in tmp_path."""
    text = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    text = text.replace("{\n\temail {$ACME_EMAIL}", "{\n\temail {$ACME_EMAIL}\n\tskip_install_trust\n\tadmin off\n"
                        f"\thttp_port {http_port}\n\thttps_port {https_port}", 1)
    assert "skip_install_trust" in text, "the production Caddyfile's global block changed"
    text = text.replace("/var/log/caddy/chuangcheng-access.log", str(tmp_path / "access.log"))
    path = tmp_path / "Caddyfile"
    path.write_text(text, encoding="utf-8")
    return path


def manage(env: dict, *args: str) -> str:
    """deploy/manage.sh as the service user (here: whoever runs the tests)."""
    r = subprocess.run(["bash", str(DEPLOY / "manage.sh"), *args], env=env, cwd=ROOT,
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


class Https:
    """JSON over HTTPS, trusting only Caddy's root certificate."""

    def __init__(self, origin: str, root_cert: Path):
        """Remember the origin and trust the CA."""
        self.origin, self.token = origin, None
        self.ctx = ssl.create_default_context(cafile=str(root_cert))

    def call(self, method: str, path: str, body=None, headers=None):
        """(status, headers, parsed JSON or raw bytes)."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.origin + path, data=data, method=method, headers={
            **({"Content-Type": "application/json"} if data else {}),
            **({"Authorization": f"Bearer {self.token}"} if self.token else {}), **(headers or {})})
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=30) as r:
                raw, status, hdrs = r.read(), r.status, r.headers
        except urllib.error.HTTPError as err:
            raw, status, hdrs = err.read(), err.code, err.headers
        is_json = (hdrs.get("Content-Type") or "").startswith("application/json")
        return status, hdrs, json.loads(raw) if is_json else raw


@pytest.fixture
def stack(tmp_path, database_url):
    """The whole stack on free ports over a database of its own; yield (Https, env, tmp_path)."""
    if database_url.startswith("postgresql"):
        from tests.conftest import _pg_throwaway
        url, drop = _pg_throwaway()
        url = url.replace("postgresql+psycopg://", "postgresql://", 1)
    else:
        url, drop = f"sqlite:///{tmp_path / 'prod.sqlite3'}", (lambda: None)
    web_port, http_port, https_port = free_port(), free_port(), free_port()
    origin = f"https://localhost:{https_port}"
    path = env_file(tmp_path, url, origin, web_port)
    base = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    admin_env = {**base, "APP_DIR": str(ROOT), "ENV_FILE": str(path),
                 "APP_USER": subprocess.run(["id", "-un"], capture_output=True, text=True).stdout.strip()}
    procs, files = [], []
    try:
        manage(admin_env, "db", "upgrade")
        manage(admin_env, "data", "seed")
        password = re.search(r"临时密码：(\S+)", manage(admin_env, "users", "create", "ops",
                                                   "--role", "supervisor", "--name", "值班督导")).group(1)
        service_env = {**base, **read_env(path), "PYTHONPATH": str(ROOT)}  # EnvironmentFile + Environment
        logs = tmp_path / "logs"
        logs.mkdir()
        for unit in ("chuangcheng-web.service", "chuangcheng-worker.service"):
            out = (logs / f"{unit}.log").open("w")
            files.append(out)
            procs.append(subprocess.Popen(exec_start(unit, web_port), env=service_env, cwd=ROOT, stdout=out,
                                          stderr=subprocess.STDOUT, start_new_session=True))
        caddy_env = {**base, "DOMAIN": f"localhost:{https_port}", "ACME_EMAIL": "ops@example.gov.cn",
                     "UPSTREAM": f"127.0.0.1:{web_port}", "XDG_DATA_HOME": str(tmp_path / "caddy-data"),
                     "XDG_CONFIG_HOME": str(tmp_path / "caddy-config")}
        out = (logs / "caddy.log").open("w")
        files.append(out)
        procs.append(subprocess.Popen(["caddy", "run", "--config", str(caddyfile(tmp_path, http_port, https_port)),
                                       "--adapter", "caddyfile"], env=caddy_env, stdout=out,
                                      stderr=subprocess.STDOUT, start_new_session=True))
        wait_for_port(web_port, timeout=60)
        wait_for_port(https_port, timeout=60)
        root = tmp_path / "caddy-data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"
        for _ in range(100):
            if root.is_file():
                break
            time.sleep(0.1)
        yield Https(origin, root), password, tmp_path
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
        for out in files:
            out.close()
        drop()


def test_the_production_stack_serves_https_with_a_worker_and_a_token_free_log(stack):
    https, password, tmp_path = stack
    status, headers, body = https.call("GET", "/readyz")
    assert status == 200 and body["status"] == "ready", body
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Server" not in headers
    # The shell under its content version, compressed by Caddy.
    status, headers, _ = https.call("GET", "/", headers={"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    # The first sign-in must change the temporary password, then the worker builds an export.
    status, _, body = https.call("POST", "/api/v1/auth/login", {"username": "ops", "password": password})
    assert status == 200 and body["must_change_password"] is True
    https.token = body["token"]
    status, _, body = https.call("POST", "/api/v1/auth/password",
                                 {"old_password": password, "new_password": "Mh-duty-2026!"})
    assert status in (200, 204), body
    status, _, body = https.call("POST", "/api/v1/exports", {"format": "csv"})
    assert status == 202, body
    job = body
    for _ in range(150):
        status, _, job = https.call("GET", f"/api/v1/exports/{job['id']}")
        if job["status"] in ("done", "failed"):
            break
        time.sleep(0.2)
    assert job["status"] == "done", job
    assert job["download_url"].startswith(https.origin + "/") or job["download_url"].startswith("/")
    # Tokens in URLs never reach Caddy's access log.
    https.call("GET", "/healthz?api_key=tok-do-not-log-me")
    log = ""
    for _ in range(50):
        log = (tmp_path / "access.log").read_text(encoding="utf-8") if (tmp_path / "access.log").exists() else ""
        if "/healthz" in log:
            break
        time.sleep(0.1)
    assert "/healthz" in log and "tok-do-not-log-me" not in log and "Bearer" not in log
