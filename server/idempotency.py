"""Idempotency-Key for every POST: a repeat answers as the first time and changes nothing."""
import hashlib
import uuid
from functools import wraps

from flask import g, jsonify, make_response, request
from sqlalchemy.exc import IntegrityError, OperationalError

from .errors import ApiError
from .extensions import db
from .models import IdempotencyRecord


def _key() -> str | None:
    """Return the request's Idempotency-Key, validated as a UUID, or None."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    try:
        return str(uuid.UUID(key))
    except ValueError:
        raise ApiError(400, "bad_idempotency_key", "Idempotency-Key 须为 UUID") from None


def _stored(key: str) -> IdempotencyRecord | None:
    """Look up an earlier answer under this user's key."""
    return db.session.scalar(db.select(IdempotencyRecord).filter_by(user_id=g.user.id, key=key))


def _body_sha256() -> str:
    """The hash of the request body, to tell a replay from a different request under one key."""
    return hashlib.sha256(request.get_data()).hexdigest()


def _replay(rec: IdempotencyRecord):
    """Answer with the stored response, or 422 when the key was used for another request."""
    if (rec.method != request.method or rec.path != request.path
            or (rec.body_sha256 and rec.body_sha256 != _body_sha256())):
        raise ApiError(422, "idempotency_key_reused", "此 Idempotency-Key 已用于另一个请求")
    resp = make_response(rec.body, rec.status)
    resp.headers["Content-Type"] = "application/json"
    resp.headers["Idempotent-Replayed"] = "true"
    return resp


TRANSIENT = ("40P01", "40001")  # PostgreSQL deadlock detected, serialization failure
ATTEMPTS = 3


def _transient(err: OperationalError) -> bool:
    """A deadlock or lock timeout that a retry of the whole request resolves."""
    code = getattr(err.orig, "sqlstate", None) or getattr(err.orig, "pgcode", None)
    return code in TRANSIENT or "database is locked" in str(err.orig)


def write_endpoint(view):
    """Run a writing view in one transaction, retried on deadlock, honouring Idempotency-Key."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return _once(view, args, kwargs)
            except OperationalError as err:
                db.session.rollback()
                if attempt == ATTEMPTS or not _transient(err):
                    raise

    return wrapper


def _once(view, args, kwargs):
    """One attempt at a writing view."""
    key = _key()
    if key and (rec := _stored(key)) is not None:
        return _replay(rec)
    try:
        rv = view(*args, **kwargs)
        resp = make_response(rv if not isinstance(rv, (dict, list)) else jsonify(rv))
        if key and resp.status_code < 300:
            db.session.add(IdempotencyRecord(
                user_id=g.user.id, key=key, method=request.method, path=request.path,
                body_sha256=_body_sha256(), status=resp.status_code, body=resp.get_data(as_text=True)))
        db.session.commit()
        return resp
    except IntegrityError:
        db.session.rollback()
        if key and (rec := _stored(key)) is not None:
            return _replay(rec)  # a concurrent twin got there first
        raise
    except Exception:
        db.session.rollback()
        raise


