"""Background work in one place: the worker builds exports and sweeps deadlines; the web only
queues; an export survives a web restart; the direct Excel download is bounded."""
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from server import create_app
from server.extensions import db
from server.models import Export, Letter
from server.services import exports
from server.timeutil import utcnow
from server.worker import Worker
from tests.helpers.flow import finding_in, ok

ROOT = Path(__file__).resolve().parents[2]


def queue_export(auth, fmt="csv") -> str:
    """POST an export as the supervisor; return its id."""
    r = auth.post("supervisor", "/api/v1/exports", json={"format": fmt})
    assert r.status_code == 202, r.get_data(as_text=True)
    return r.json["id"]


def status(auth, job_id: str) -> dict:
    """The job as its owner sees it."""
    return ok(auth.get("supervisor", f"/api/v1/exports/{job_id}"))


def test_with_a_worker_the_web_only_queues_and_the_worker_builds(app, auth, clock):
    app.config["JOB_RUNNER"] = "worker"
    finding_in(app, auth, "assigned")
    job_id = queue_export(auth, "xlsx")
    time.sleep(0.3)
    assert status(auth, job_id)["status"] == "queued"  # no thread in the web process
    Worker(app).run_once()
    job = status(auth, job_id)
    assert job["status"] == "done" and job["total"] == 1
    r = auth.get("supervisor", job["download_url"])
    assert r.status_code == 200 and r.mimetype == exports.MIME["xlsx"]
    r.close()


def test_an_export_survives_a_web_restart(app, auth, clock):
    """The job is a row: a worker started later, in another app instance, finishes it."""
    app.config["JOB_RUNNER"] = "worker"
    job_id = queue_export(auth)
    with app.app_context():
        db.engine.dispose()  # the web process goes away
    later = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "DATA_DIR": app.config["DATA_DIR"], "SWEEP_INTERVAL_S": 0, "LOG_LEVEL": "WARNING"})
    Worker(later).run_once()
    assert status(auth, job_id)["status"] == "done"
    with later.app_context():
        db.engine.dispose()


def test_a_job_left_running_by_a_dead_worker_is_built_again(app, auth, clock):
    app.config["JOB_RUNNER"] = "worker"
    job_id = queue_export(auth)
    with app.app_context():
        db.session.execute(sa.update(Export).where(Export.id == job_id).values(
            status="running", updated_at=utcnow() - timedelta(minutes=5)))
        db.session.commit()
    worker = Worker(app)
    assert worker.requeue_stale() == 1
    worker.run_once()
    assert status(auth, job_id)["status"] == "done"


def test_a_job_is_built_once_whoever_claims_it(app, auth, clock, monkeypatch):
    app.config["JOB_RUNNER"] = "worker"
    calls = []
    real = exports.write_csv

    def counting(*args, **kwargs):
        """Count the builds."""
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(exports, "write_csv", counting)
    job_id = queue_export(auth)
    exports.run(app, job_id)
    exports.run(app, job_id)  # a second worker arriving late
    assert calls == [1] and status(auth, job_id)["status"] == "done"


def test_the_worker_sweeps_deadlines_on_its_interval(app, auth, clock):
    finding_in(app, auth, "assigned")
    clock.set("2026-12-09T10:00:00+08:00")
    app.config["SWEEP_INTERVAL_S"] = 3600
    worker = Worker(app)
    assert worker.sweep_if_due() == 1  # reply and rectification overdue: one letter for the unit
    assert worker.sweep_if_due() is None  # not again before the interval
    with app.app_context():
        [prompt] = db.session.scalars(sa.select(Letter).where(Letter.kind == "prompt")).all()
        assert [it["clock"] for it in prompt.body["items"]] == ["reply", "rectify"]


def test_worker_once_from_the_command_line(app, auth, runner, clock):
    app.config["JOB_RUNNER"] = "worker"
    job_id = queue_export(auth)
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert status(auth, job_id)["status"] == "done"


def test_the_worker_process_builds_what_the_web_queued_and_stops_on_sigterm(app, auth):
    """`flask --app server worker` as its own process, as make run and systemd start it."""
    app.config["JOB_RUNNER"] = "worker"
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT),
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"].replace("+psycopg", ""),
           "DATA_DIR": app.config["DATA_DIR"], "WORKER_POLL_S": "0.2", "SWEEP_INTERVAL_S": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "server", "worker"], env=env,
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        job_id = queue_export(auth)
        deadline = time.monotonic() + 30
        while status(auth, job_id)["status"] != "done" and time.monotonic() < deadline:
            time.sleep(0.1)
        assert status(auth, job_id)["status"] == "done"
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
        assert proc.returncode == 0, err
        assert '"msg": "worker stopped"' in err  # JSON log lines
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_gunicorn_entry_point_leaves_sweeps_and_exports_to_the_worker(tmp_path):
    code = ("import threading, server.wsgi as w; "
            "print(w.app.config['JOB_RUNNER'], sorted(t.name for t in threading.enumerate()))")
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), "SWEEP_INTERVAL_S": "1",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'w.sqlite3'}", "DATA_DIR": str(tmp_path / "d"),
           "LOG_LEVEL": "WARNING"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split(" ", 1)[0] == "worker" and "deadline-sweeper" not in out.stdout


def test_the_direct_excel_download_is_bounded_and_points_to_the_background_export(app, auth, clock):
    app.config["LEDGER_DIRECT_MAX_ROWS"] = 2
    for _ in range(3):
        finding_in(app, auth, "assigned")
    r = auth.get("supervisor", "/api/v1/ledger.xlsx")
    assert r.status_code == 413 and r.json["error"]["code"] == "export_too_large"
    assert "3 条" in r.json["error"]["message"] and "后台导出" in r.json["error"]["message"]
    r = auth.get("supervisor", "/api/v1/ledger.xlsx?status=assigned&per_page=1")
    assert r.status_code == 413  # filters count, paging does not
    r = auth.get("supervisor", "/api/v1/ledger.csv")
    assert r.status_code == 200  # the CSV streams
    r.close()
    app.config["LEDGER_DIRECT_MAX_ROWS"] = 3
    r = auth.get("supervisor", "/api/v1/ledger.xlsx")
    assert r.status_code == 200
    r.close()
