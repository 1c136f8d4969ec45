"""Health checks for load balancers and systemd: /healthz (alive) and /readyz (can serve).

Neither needs a token, and neither says more than which part is down: they are public.
"""
import logging

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from .extensions import db
from .services.storage import StorageError

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


def _no_store(resp):
    """Health answers are never cached."""
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/healthz")
def healthz():
    """The process answers (no database, no storage)."""
    return _no_store(jsonify({"status": "ok"}))


def _database() -> str | None:
    """None when the database answers a query, else a short reason."""
    try:
        db.session.execute(text("SELECT 1"))
        return None
    except Exception as err:  # any driver error means "not ready"
        log.warning("readyz: database not reachable: %s", type(err).__name__)
        return "数据库无法连接"
    finally:
        db.session.remove()


def _storage() -> str | None:
    """None when the photo storage is usable, else a short reason."""
    try:
        current_app.extensions["storage"].ping()
        return None
    except StorageError as err:
        log.warning("readyz: photo storage not usable: %s", err)
        return "照片存储无法使用"
    except Exception as err:  # an unexpected client error is "not ready" too
        log.warning("readyz: photo storage check failed: %s", type(err).__name__)
        return "照片存储无法使用"


@bp.get("/readyz")
def readyz():
    """200 when the database and the photo storage are reachable; 503 naming what is not."""
    checks = {"database": _database(), "storage": _storage()}
    ready = not any(checks.values())
    body = {"status": "ready" if ready else "unavailable",
            "checks": {name: problem or "ok" for name, problem in checks.items()}}
    resp = _no_store(jsonify(body))
    resp.status_code = 200 if ready else 503
    if not ready:
        resp.headers["Retry-After"] = "5"
    return resp
