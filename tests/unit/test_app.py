"""The factory, the migrations and the OpenAPI document."""
import re
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from server import create_app
from server.extensions import db

ROOT = Path(__file__).resolve().parents[2]


def test_factory_takes_a_test_config(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    assert app.testing and app.config["SQLALCHEMY_DATABASE_URI"].endswith("x.db")
    assert Path(app.config["CJK_FONT"]).exists()


def test_factory_defaults_to_sqlite_under_instance(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert "instance" in app.config["SQLALCHEMY_DATABASE_URI"]


def test_migrations_build_the_same_schema_as_the_models(tmp_path, database_url):
    """`flask db upgrade` on an empty database, then `flask db check` finds nothing to add."""
    url = f"sqlite:///{tmp_path}/migrated.db"
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "DATABASE_URL": url,
           "DATA_DIR": str(tmp_path / "data")}
    flask = [sys.executable, "-m", "flask", "--app", "server"]
    up = subprocess.run(flask + ["db", "upgrade"], env=env, capture_output=True, text=True, cwd=ROOT)
    assert up.returncode == 0, up.stderr
    check = subprocess.run(flask + ["db", "check"], env=env, capture_output=True, text=True, cwd=ROOT)
    assert check.returncode == 0 and "No new upgrade operations detected" in check.stderr + check.stdout
    demo = subprocess.run(flask + ["demo", "load-if-empty"], env=env, capture_output=True, text=True, cwd=ROOT)
    assert demo.returncode == 0 and "演示数据已加载" in demo.stdout, demo.stderr
    assert "演示问题已生成" in demo.stdout  # two weeks of findings in every state
    again = subprocess.run(flask + ["demo", "load-if-empty"], env=env, capture_output=True, text=True, cwd=ROOT)
    assert "跳过" in again.stdout


def test_openapi_covers_every_api_route(client, app):
    spec = client.get("/api/openapi.json").json
    assert spec["openapi"].startswith("3.1")
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            path = re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", rule.rule)
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (path, method.lower()) in documented
    push = spec["paths"]["/api/v1/sync/push"]["post"]
    assert push["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("sync_push_request")
    assert "finding" in spec["components"]["schemas"]


def test_demo_street_is_loaded_and_labelled_as_demo(app):
    with app.app_context():
        rows = db.session.execute(sa.text("SELECT name, boundary_is_demo FROM units WHERE kind = 'community' ORDER BY id")).all()
    assert [r[0] for r in rows] == ["永胜社区", "红升社区", "爱华社区", "阳光社区"]
    assert all(r[1] for r in rows)


def test_a_broken_scoring_rule_stops_the_app_at_start(tmp_path):
    import pytest

    with pytest.raises(Exception):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/y.db",
                    "REPORT_SCORING": {"no_such_weight": 5}})
