"""APP_ENV=production needs SECRET_KEY and PUBLIC_URL whatever the entry point; absolute links
come from PUBLIC_URL, never from the Host header."""
import csv
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from server import create_app
from tests.helpers.flow import finding_in, ok

ROOT = Path(__file__).resolve().parents[2]
GOOD = {"SECRET_KEY": "k" * 40, "PUBLIC_URL": "https://cc.example.gov.cn"}


def production_env(tmp_path, **env) -> dict:
    """A process environment for production with these variables."""
    base = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), "APP_ENV": "production",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite3'}", "DATA_DIR": str(tmp_path / "d"),
            "LOG_LEVEL": "WARNING"}
    return {**base, **{k: v for k, v in env.items() if v is not None}}


@pytest.mark.parametrize("secret, public, missing", [
    (None, None, "SECRET_KEY、PUBLIC_URL"),
    ("", GOOD["PUBLIC_URL"], "SECRET_KEY"),
    ("   ", GOOD["PUBLIC_URL"], "SECRET_KEY"),
    (GOOD["SECRET_KEY"], "", "PUBLIC_URL"),
    (GOOD["SECRET_KEY"], None, "PUBLIC_URL"),
    (GOOD["SECRET_KEY"], "cc.example.gov.cn", "PUBLIC_URL"),
])
def test_the_factory_refuses_production_without_secret_key_or_public_url(tmp_path, monkeypatch,
                                                                          secret, public, missing):
    monkeypatch.setenv("APP_ENV", "production")
    for name, value in (("SECRET_KEY", secret), ("PUBLIC_URL", public)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db", "DATA_DIR": str(tmp_path)}
    with pytest.raises(RuntimeError) as err:
        create_app(config)
    assert f"缺少设置：{missing}" in str(err.value)


def test_production_starts_with_both_set(tmp_path, monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    for name, value in GOOD.items():
        monkeypatch.setenv(name, value)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db", "DATA_DIR": str(tmp_path)})
    assert app.config["PUBLIC_URL"] == GOOD["PUBLIC_URL"]


@pytest.mark.parametrize("command", [
    ["-c", "import server.wsgi"],                                   # gunicorn's entry point
    ["-m", "flask", "--app", "server", "worker", "--once"],          # the worker
    ["-m", "flask", "--app", "server", "db", "upgrade"],             # migrations
])
def test_every_entry_point_refuses_to_start(tmp_path, command):
    run = subprocess.run([sys.executable, *command], env=production_env(tmp_path, SECRET_KEY=""),
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert run.returncode != 0
    assert "缺少设置：SECRET_KEY、PUBLIC_URL" in run.stderr


def test_open311_media_and_ledger_links_use_public_url_not_the_host_header(app, auth, clock):
    app.config["PUBLIC_URL"] = "https://cc.example.gov.cn/"
    finding_in(app, auth, "assigned")
    evil = {"Host": "attacker.example"}
    rows = auth.client.get("/open311/v2/requests.json",
                           headers={**auth.headers("supervisor"), **evil}).json
    assert rows and all(r["media_url"].startswith("https://cc.example.gov.cn/api/v1/photos/")
                        for r in rows if r["media_url"])
    r = auth.client.get("/api/v1/ledger.csv", headers={**auth.headers("supervisor"), **evil})
    body = r.get_data(as_text=True)
    r.close()
    links = [cell for row in csv.reader(io.StringIO(body.lstrip("\ufeff"))) for cell in row
             if "/api/v1/photos/" in cell]
    assert links and all(link.startswith("https://cc.example.gov.cn/api/v1/photos/") for link in links)
    assert "attacker.example" not in body


def test_export_jobs_keep_public_url_for_their_photo_links(app, auth, clock):
    app.config["PUBLIC_URL"] = "https://cc.example.gov.cn"
    finding_in(app, auth, "assigned")
    r = auth.client.post("/api/v1/exports", json={"format": "csv"},
                         headers={**auth.headers("supervisor"), "Host": "attacker.example"})
    assert r.status_code == 202
    from server.extensions import db
    from server.models import Export

    with app.app_context():
        assert db.session.get(Export, r.json["id"]).base_url == "https://cc.example.gov.cn/"
    for _ in range(200):  # let the job finish before the test's tables are emptied
        if ok(auth.get("supervisor", f"/api/v1/exports/{r.json['id']}"))["status"] == "done":
            break
        time.sleep(0.05)
