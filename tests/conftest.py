"""Fixtures: the app on SQLite (default) or PostgreSQL (TEST_DATABASE_URL), a client, auth."""
import os
import uuid

import pytest
import sqlalchemy as sa

from server import create_app
from server.extensions import db

PG_ADMIN_URL = os.environ.get("TEST_DATABASE_URL")  # e.g. postgresql://postgres@127.0.0.1/test


def _pg_throwaway():
    """Create a throwaway PostgreSQL database for this run; return (url, dropper)."""
    admin_url = PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"cc_test_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"

    def drop():
        """Drop the throwaway database."""
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        engine.dispose()

    return url, drop


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """The database URL every test app uses."""
    if PG_ADMIN_URL:
        url, drop = _pg_throwaway()
        yield url
        drop()
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def _schema(database_url, tmp_path_factory):
    """Create the schema and the demo street once per run."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
                      "DATA_DIR": str(tmp_path_factory.mktemp("data")), "SWEEP_INTERVAL_S": 0})
    with app.app_context():
        db.create_all()
        from server.demo import load_demo
        load_demo("pw", hash_method="pbkdf2:sha256:1000")  # fast logins in tests
        db.session.remove()
        db.engine.dispose()
    return database_url


MUTABLE = ("route_stops", "bulletins", "duty_items", "duty_lists", "submissions", "login_failures", "audit_log", "settings", "exports", "change_log",
           "idempotency_records", "verifications", "letter_instructions", "prompt_events", "finding_events", "finding_photos", "findings", "letters", "inspection_results", "inspections",
           "photos", "counters", "api_tokens")


@pytest.fixture
def app(_schema, tmp_path):
    """A fresh app over the shared demo street; mutable tables are emptied after each test."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": _schema,
                      "DATA_DIR": str(tmp_path / "data"), "SWEEP_INTERVAL_S": 0,
                      "DEMO_PASSWORD": "pw"})
    yield app
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("UPDATE findings SET notice_letter_id = NULL")
            for table in MUTABLE:
                conn.exec_driver_sql(f"DELETE FROM {table}")
        db.engine.dispose()


def _fresh_database(tmp_path) -> tuple[str, object]:
    """A database of its own: (url, dropper)."""
    if PG_ADMIN_URL:
        return _pg_throwaway()
    return f"sqlite:///{tmp_path / 'own.sqlite3'}", lambda: None


@pytest.fixture
def own_app(tmp_path):
    """An app over a database of its own with the demo street, for tests that change units,
    people, points or checklists (the shared database keeps the demo street as loaded)."""
    url, drop = _fresh_database(tmp_path)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "DATA_DIR": str(tmp_path / "data"),
                      "SWEEP_INTERVAL_S": 0, "DEMO_PASSWORD": "pw"})
    with app.app_context():
        db.create_all()
        from server.demo import load_demo
        load_demo("pw", hash_method="pbkdf2:sha256:1000")
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    drop()


@pytest.fixture
def own_auth(own_app):
    """The Auth helper on the own_app."""
    return Auth(own_app.test_client())


@pytest.fixture
def client(app):
    """A test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner."""
    return app.test_cli_runner()


class Auth:
    """Sign in as a demo account and make authorised calls."""

    def __init__(self, client):
        """Keep the client; tokens are cached per username."""
        self.client, self.tokens = client, {}

    def token(self, username: str) -> str:
        """The bearer token of a demo account."""
        if username not in self.tokens:
            r = self.client.post("/api/v1/auth/login", json={"username": username, "password": "pw"})
            assert r.status_code == 200, r.get_data(as_text=True)
            self.tokens[username] = r.json["token"]
        return self.tokens[username]

    def headers(self, username: str, **extra) -> dict:
        """Authorization header for a demo account."""
        return {"Authorization": f"Bearer {self.token(username)}", **extra}

    def get(self, username, url, **kw):
        """GET as a user."""
        return self.client.get(url, headers=self.headers(username), **kw)

    def post(self, username, url, json=None, headers=None, **kw):
        """POST JSON as a user."""
        return self.client.post(url, json=json, headers={**self.headers(username), **(headers or {})}, **kw)

    def put(self, username, url, **kw):
        """PUT as a user."""
        headers = {**self.headers(username), **kw.pop("headers", {})}
        return self.client.put(url, headers=headers, **kw)


@pytest.fixture
def auth(client):
    """The Auth helper."""
    return Auth(client)


def pytest_report_header(config):
    """Say which database the run uses."""
    return f"database: {'PostgreSQL (TEST_DATABASE_URL)' if PG_ADMIN_URL else 'SQLite'}"




@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """Travel in time: clock.set("2026-11-27T10:00:00+08:00") fixes the server's now.

    Every test runs with the server's clock pinned (autouse): no test depends on the day it
    runs (the server refuses times in the future and inspections older than 90 days).

    Browser contexts attached with clock.attach(context) get the same time (Playwright's
    clock, which then runs on from there), and follow every later clock.set: the server and
    the browser always agree on what day it is, whatever the machine's date.
    """
    from datetime import datetime as _dt

    import server.timeutil as tu

    class Clock:
        """A settable clock shared by the server and the attached browser contexts."""

        def __init__(self):
            """No browser attached yet."""
            self.now, self.contexts = None, []

        def set(self, iso_time: str):
            """Fix now at an ISO time with offset, on the server and in attached browsers."""
            when = _dt.fromisoformat(iso_time)
            monkeypatch.setattr(tu, "_source", lambda: when.astimezone(tu.timezone.utc))
            self.now = when
            for context in self.contexts:
                context.clock.set_system_time(when)
            return when

        def attach(self, context):
            """Give a browser context the server's time; it follows later sets."""
            context.clock.install(time=self.now)
            self.contexts.append(context)
            return context

    c = Clock()
    c.set("2026-11-27T10:00:00+08:00")
    return c
