"""The background worker: deadline sweeps and ledger exports, in one process beside the web.

`flask --app server worker` runs this loop; `make run` starts it beside gunicorn and
deploy/systemd runs it as its own unit. The web workers only answer requests
(JOB_RUNNER=worker): an export is a row in the database that the web leaves queued, so it
survives a web worker's restart. The worker claims a job (queued → running in one UPDATE,
so two workers never build the same file), builds it and marks it done. A job left running
by a worker that died shows no progress; after REQUEUE_AFTER it goes back to the queue.
"""
from __future__ import annotations

import logging
import signal
import threading
import time
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask

from .extensions import db
from .models import Export
from .scheduler import sweep_once
from .services import exports
from .timeutil import utcnow

log = logging.getLogger(__name__)
REQUEUE_AFTER = timedelta(minutes=2)  # progress is written every 200 rows, far more often
STOP_GRACE_S = 20.0                   # how long a stop waits for exports being built


class Worker:
    """Sweeps every SWEEP_INTERVAL_S; polls for queued exports every WORKER_POLL_S."""

    def __init__(self, app: Flask):
        """Read the intervals and the number of exports built at once from the app's config."""
        cfg = app.config
        self.app = app
        self.poll_s = cfg["WORKER_POLL_S"]
        self.sweep_s = cfg["SWEEP_INTERVAL_S"]
        self.stop = threading.Event()
        self._slots = threading.BoundedSemaphore(max(1, cfg["WORKER_EXPORTS"]))
        self._building: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()
        self._next_sweep = 0.0

    def requeue_stale(self) -> int:
        """Put jobs whose builder died (running, no progress for a while) back in the queue."""
        with self.app.app_context():
            now = utcnow()
            with self._lock:
                mine = list(self._building)
            result = db.session.execute(
                sa.update(Export).where(Export.status == "running",
                                        Export.updated_at < now - REQUEUE_AFTER,
                                        Export.id.not_in(mine) if mine else sa.true())
                .values(status="queued", progress=0, updated_at=now))
            db.session.commit()
            db.session.remove()
        if result.rowcount:
            log.warning("requeued %d export(s) left running by a stopped worker", result.rowcount)
        return result.rowcount

    def _queued(self) -> list[str]:
        """Queued jobs, oldest first."""
        with self.app.app_context():
            ids = db.session.scalars(sa.select(Export.id).where(Export.status == "queued")
                                     .order_by(Export.created_at).limit(20)).all()
            db.session.remove()
        return list(ids)

    def start_exports(self) -> int:
        """Start building queued jobs while there are free slots; return how many started."""
        started = 0
        for job_id in self._queued():
            with self._lock:
                if job_id in self._building:
                    continue
            if not self._slots.acquire(blocking=False):
                break
            thread = threading.Thread(target=self._build, args=(job_id,), daemon=True,
                                      name=f"export-{job_id[:8]}")
            with self._lock:
                self._building[job_id] = thread
            thread.start()
            started += 1
        return started

    def _build(self, job_id: str) -> None:
        """Build one job (exports.run claims it and never raises), then free the slot."""
        try:
            started = time.monotonic()
            exports.run(self.app, job_id)
            log.info("export %s finished in %.1f s", job_id, time.monotonic() - started)
        finally:
            with self._lock:
                self._building.pop(job_id, None)
            self._slots.release()

    def sweep_if_due(self) -> int | None:
        """Run the deadline sweep when its interval has passed (0 disables it)."""
        if self.sweep_s <= 0 or time.monotonic() < self._next_sweep:
            return None
        self._next_sweep = time.monotonic() + self.sweep_s
        letters = sweep_once(self.app)
        if letters:
            log.info("deadline sweep gathered %d prompt letter(s) (drafts or issued)", letters)
        return letters

    def tick(self) -> None:
        """One round: requeue the orphans, sweep when due, start queued exports."""
        self.requeue_stale()
        self.sweep_if_due()
        self.start_exports()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait for the exports being built; return whether all finished in time."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                threads = list(self._building.values())
            if not threads:
                return True
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return False
            threads[0].join(left)

    def run_once(self) -> None:
        """One round, waiting for what it started (tests, cron-style use)."""
        self.tick()
        self.wait_idle()

    def run_forever(self) -> None:
        """Loop until SIGTERM or SIGINT; then give running exports a short grace."""
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: self.stop.set())
        log.info("worker started: sweep every %ss, exports polled every %ss",
                 self.sweep_s, self.poll_s)
        while not self.stop.is_set():
            try:
                self.tick()
            except Exception:  # a database blip must not end the worker
                log.exception("worker round failed")
            self.stop.wait(self.poll_s)
        if not self.wait_idle(STOP_GRACE_S):
            log.warning("stopping with exports still running; they are requeued on next start")
        log.info("worker stopped")
