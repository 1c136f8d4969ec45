"""Structured logs: one JSON line per request with a request id; tokens never written."""
import json
import logging
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from server import create_app
from server.extensions import db
from server.logging_setup import JsonFormatter, RedactFilter, redact
from tests.ops.servers import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
SECRET = "s3cr3t-T0KEN-value"


def request_lines(caplog) -> list[dict]:
    """The request log records as the JSON lines the formatter writes."""
    fmt = JsonFormatter()
    return [json.loads(fmt.format(r)) for r in caplog.records if r.name == "server.request"]


def test_each_request_is_one_json_line_with_its_facts(auth, caplog):
    caplog.set_level(logging.INFO, logger="server")
    token = auth.token("supervisor")
    caplog.clear()
    r = auth.get("supervisor", "/api/v1/units")
    assert r.status_code == 200
    [line] = request_lines(caplog)
    assert line["method"] == "GET" and line["path"] == "/api/v1/units" and line["status"] == 200
    assert line["duration_ms"] >= 0 and line["level"] == "info" and line["logger"] == "server.request"
    assert line["request_id"] == r.headers["X-Request-Id"] and len(line["request_id"]) == 32
    assert isinstance(line["user_id"], int)
    assert token not in json.dumps(line)


def test_api_key_tokens_are_masked_in_every_logged_url(auth, caplog):
    caplog.set_level(logging.INFO, logger="server")
    token = auth.token("supervisor")
    caplog.clear()
    r = auth.client.get(f"/open311/v2/services.json?x=1&api_key={token}&y=2")
    assert r.status_code == 200
    r = auth.client.get(f"/open311/v2/services.json?api_key={SECRET}")
    assert r.status_code == 401
    lines = request_lines(caplog)
    text = "\n".join(json.dumps(line) for line in lines) + caplog.text
    assert token not in text and SECRET not in text
    assert lines[0]["path"] == "/open311/v2/services.json?x=1&api_key=[redacted]&y=2"


def test_an_incoming_request_id_is_kept_and_a_bad_one_replaced(client):
    assert client.get("/healthz", headers={"X-Request-Id": "caddy-5f0e1d2c-aaaa"}).headers[
        "X-Request-Id"] == "caddy-5f0e1d2c-aaaa"
    replaced = client.get("/healthz", headers={"X-Request-Id": "<script>not an id</script>"})
    assert len(replaced.headers["X-Request-Id"]) == 32


def test_errors_are_logged_as_json_with_the_request_id_and_the_exception(app, caplog):
    caplog.set_level(logging.INFO, logger="server")

    @app.get("/boom-for-test")
    def boom():
        """Fail."""
        raise RuntimeError(f"exploded with api_key={SECRET}")

    r = app.test_client().get("/boom-for-test")
    assert r.status_code == 500
    fmt = JsonFormatter()
    error = next(json.loads(fmt.format(rec)) for rec in caplog.records if rec.levelno == logging.ERROR)
    assert "RuntimeError" in error["exc"] and SECRET not in error["exc"]
    assert error["request_id"] == r.headers["X-Request-Id"]
    [line] = request_lines(caplog)
    assert line["status"] == 500 and line["level"] == "warning"


@pytest.mark.parametrize("text, expected", [
    ("GET /open311/v2/requests.json?api_key=abc HTTP/1.1", "GET /open311/v2/requests.json?api_key=[redacted] HTTP/1.1"),
    ("/x?a=1&API_KEY=abc&b=2", "/x?a=1&API_KEY=[redacted]&b=2"),
    ("/x?access_token=abc;token=def", "/x?access_token=[redacted];token=[redacted]"),
    ("/x?not_api_key_but=abc", "/x?not_api_key_but=abc"),
])
def test_redaction(text, expected):
    assert redact(text) == expected


def test_the_development_server_lines_are_masked_too():
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '"%s" %s',
                               (f"GET /letters/1?api_key={SECRET} HTTP/1.1", 200), None)
    RedactFilter().filter(record)
    assert SECRET not in record.getMessage()


def test_gunicorn_writes_json_only_and_never_the_token(tmp_path):
    """gunicorn -c gunicorn.conf.py: no access log of its own, the app's JSON request lines."""
    url = f"sqlite:///{tmp_path / 'g.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "DATA_DIR": str(tmp_path / "d"), "LOG_LEVEL": "WARNING"})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    port = free_port()
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), "DATABASE_URL": url,
           "DATA_DIR": str(tmp_path / "d"), "WEB_CONCURRENCY": "1"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen([str(gunicorn), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
                             "server.wsgi:app"], env=env, cwd=ROOT, stderr=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        wait_for_port(port)
        for path in (f"/open311/v2/requests.json?api_key={SECRET}", "/healthz"):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10).close()
            except urllib.error.HTTPError as err:
                assert err.code == 401
                err.close()
        time.sleep(0.3)
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=30)
    lines = [line for line in (out + err).splitlines() if line.strip()]
    assert SECRET not in out + err
    parsed = [json.loads(line) for line in lines]  # every line is JSON
    request = next(p for p in parsed if p.get("logger") == "server.request")
    assert request["path"] == "/open311/v2/requests.json?api_key=[redacted]" and request["status"] == 401
    assert any(p.get("logger") == "gunicorn.error" for p in parsed)
