"""deploy/: the Caddyfiles parse (Caddy's own adapter), the units, compose file and scripts hold
together, and the Makefile installs only runtime packages for `make run`."""
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
needs_caddy = pytest.mark.skipif(not shutil.which("caddy") and not os.environ.get("CI"),
                                 reason="caddy is not installed")


def adapt(caddyfile: Path, **env) -> dict:
    """The JSON config Caddy makes of a Caddyfile, with these environment variables."""
    run = subprocess.run(["caddy", "adapt", "--config", str(caddyfile), "--adapter", "caddyfile"],
                         env={"PATH": os.environ["PATH"], "HOME": "/tmp", **env},
                         capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


@needs_caddy
def test_the_production_caddyfile_has_hsts_compression_and_a_token_free_access_log():
    config = adapt(DEPLOY / "Caddyfile", DOMAIN="cc.example.gov.cn", ACME_EMAIL="it@example.gov.cn")
    text = json.dumps(config, ensure_ascii=False)
    assert '"host": ["cc.example.gov.cn"]' in text
    assert "max-age=31536000; includeSubDomains" in text
    assert '"zstd"' in text and '"gzip"' in text
    assert '"dial": "127.0.0.1:8000"' in text
    assert "api_key" in text and "[redacted]" in text
    issuers = config["apps"]["tls"]["automation"]["policies"][0]["issuers"]
    assert {i["module"] for i in issuers} <= {"acme", "zerossl"}  # a real certificate, by ACME
    assert all(i["email"] == "it@example.gov.cn" for i in issuers)


@needs_caddy
def test_the_pilot_caddyfile_uses_caddys_own_ca_and_compresses():
    config = adapt(DEPLOY / "pilot" / "Caddyfile", SITES="https://192.168.1.20:8443, https://127.0.0.1:8443",
                   UPSTREAM="127.0.0.1:8000")
    text = json.dumps(config)
    assert config["admin"]["disabled"] is True
    assert '"module": "internal"' in text
    assert '"192.168.1.20"' in text and '"zstd"' in text and ":8443" in text


def unit(name: str) -> str:
    """A systemd unit file's text."""
    return (DEPLOY / "systemd" / name).read_text()


def test_systemd_runs_gunicorn_and_one_worker_with_the_production_settings():
    web, worker = unit("chuangcheng-web.service"), unit("chuangcheng-worker.service")
    assert re.search(r"^ExecStart=\S+/gunicorn -c gunicorn.conf.py .*server\.wsgi:app$", web, re.M)
    assert "--bind 127.0.0.1:8000" in web
    assert re.search(r"^ExecStart=\S+/flask --app server worker$", worker, re.M)
    for text in (web, worker, unit("chuangcheng-backup.service")):
        assert "EnvironmentFile=/etc/chuangcheng/env" in text and "User=chuangcheng" in text
    assert "ExecStart=/opt/chuangcheng/deploy/backup.sh" in unit("chuangcheng-backup.service")
    assert "OnCalendar=" in unit("chuangcheng-backup.timer")


def test_the_environment_example_is_production_and_asks_for_the_required_settings():
    env = (DEPLOY / "chuangcheng.env.example").read_text()
    for line in ("APP_ENV=production", "SECRET_KEY=\n", "PUBLIC_URL=https://", "JOB_RUNNER=worker",
                 "PROXY_HOPS=1", "COMPRESS=0"):
        assert line in env, line


def test_the_compose_file_has_the_whole_stack():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "migrate", "web", "worker", "caddy"}
    assert services["worker"]["command"] == ["flask", "--app", "server", "worker"]
    assert services["migrate"]["command"][-2:] == ["db", "upgrade"]
    assert services["caddy"]["environment"]["UPSTREAM"] == "web:8000"
    assert (DEPLOY / "Dockerfile").is_file()


@pytest.mark.parametrize("script", ["pilot/https.sh", "manage.sh", "backup.sh"])
def test_the_scripts_are_valid_bash(script):
    assert subprocess.run(["bash", "-n", str(DEPLOY / script)]).returncode == 0
    assert os.access(DEPLOY / script, os.X_OK)


def test_gunicorn_keeps_its_token_logging_access_log_off():
    config = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), config)
    assert config["accesslog"] is None
    assert config["logconfig_dict"]["formatters"]["json"]["()"] == "server.logging_setup.JsonFormatter"


def make_dry_run(target: str) -> str:
    """What `make -n -B target` would run."""
    run = subprocess.run(["make", "-n", "-B", target], cwd=ROOT, capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_make_run_installs_only_runtime_packages_and_make_test_adds_the_dev_ones():
    run, test = make_dry_run("run"), make_dry_run("test")
    assert "-r requirements.txt" in run and "requirements-dev.txt" not in run
    assert "flask --app server worker" in run and "gunicorn -c gunicorn.conf.py" in run
    assert "-r requirements-dev.txt" in test and "bash tools/run_tests.sh" in test
    dev = (ROOT / "requirements-dev.txt").read_text()
    runtime = (ROOT / "requirements.txt").read_text()
    for name in ("pytest", "hypothesis", "playwright", "moto"):
        assert name in dev and name not in runtime
    for name in ("boto3", "segno"):
        assert re.search(rf"^{name}==", runtime, re.M)
