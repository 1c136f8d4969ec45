"""The periodic deadline sweep.

`flask --app server worker` (server/worker.py) runs it in one process for the whole
installation. start_sweeper keeps the old in-process thread for a single-process set-up
(JOB_RUNNER=thread: tests, `flask run`); gunicorn's web workers never start it.
"""
import threading
import time

from flask import Flask
from sqlalchemy.exc import IntegrityError

from .extensions import db
from .timeutil import utcnow


def sweep_once(app: Flask) -> int:
    """Run one sweep and commit; a concurrent worker's duplicate letter is rolled back."""
    from .services.deadlines import sweep

    with app.app_context():
        try:
            letters = sweep(utcnow())
            db.session.commit()
            return len(letters)
        except IntegrityError:
            db.session.rollback()  # another process issued the same prompt letter first
            return 0
        finally:
            db.session.remove()


def start_sweeper(app: Flask) -> threading.Thread | None:
    """Start a daemon thread that sweeps every SWEEP_INTERVAL_S seconds (0 disables)."""
    interval = app.config["SWEEP_INTERVAL_S"]
    if interval <= 0:
        return None

    def loop():
        """Sweep forever, logging rather than dying on errors."""
        while True:
            try:
                n = sweep_once(app)
                if n:
                    app.logger.info("deadline sweep gathered %d prompt letters (drafts or issued)", n)
            except Exception:  # keep the server's sweeper alive through a bad moment
                app.logger.exception("deadline sweep failed")
            time.sleep(interval)

    thread = threading.Thread(target=loop, name="deadline-sweeper", daemon=True)
    thread.start()
    return thread
