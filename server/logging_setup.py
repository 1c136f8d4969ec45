"""Structured logs: one JSON line per event, one per request, with a request id; no tokens.

Each request gets an id (a sane incoming X-Request-Id, e.g. from Caddy, or a new one),
echoed in the X-Request-Id header and written on every line logged while it runs. The
request line carries method, path, status, duration and the user id once known. Query
parameters that carry tokens (`api_key`) are masked wherever a URL is logged, including
by gunicorn (gunicorn.conf.py turns its own access log off and formats its lines here) and
werkzeug's development server.
"""
import json
import logging
import re
import sys
import time
import uuid
from datetime import datetime, timezone

from flask import Flask, g, has_request_context, request

_SECRET_PARAMS = re.compile(r"((?:^|[?&;\s])(?:api_key|access_token|token)=)[^&;#\s\"']*",
                            re.IGNORECASE)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_QUIET_PATHS = ("/healthz", "/readyz")  # probes: logged at DEBUG unless they fail
FIELDS = ("request_id", "method", "path", "status", "duration_ms", "user_id", "remote_addr",
          "size")


def redact(text: str) -> str:
    """Mask token-carrying query parameters in any text that may hold a URL."""
    return _SECRET_PARAMS.sub(r"\1[redacted]", text)


class JsonFormatter(logging.Formatter):
    """A log record as one JSON object on one line."""

    def format(self, record: logging.LogRecord) -> str:
        """ts, level, logger, msg (redacted), the request's fields and any exception."""
        out = {"ts": datetime.fromtimestamp(record.created, timezone.utc)
               .isoformat(timespec="milliseconds"),
               "level": record.levelname.lower(), "logger": record.name,
               "msg": redact(record.getMessage())}
        for key in FIELDS:
            value = getattr(record, key, None)
            if value is not None:
                out[key] = value
        if record.exc_info:
            out["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(out, ensure_ascii=False, default=str)


class RedactFilter(logging.Filter):
    """Mask tokens in records of loggers we do not format (werkzeug's request lines)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the message with tokens masked; keep the record."""
        message = record.getMessage()
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (test runners swap it)."""

    def __init__(self):
        """No fixed stream."""
        logging.Handler.__init__(self)

    @property
    def stream(self):
        """The current standard error."""
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        """Ignored: the stream is always the current standard error."""


def _stamp_request_id(factory):
    """A record factory that writes the current request's id on every record made during it."""
    def make(*args, **kwargs):
        """The record, with request_id when a request is being served."""
        record = factory(*args, **kwargs)
        if has_request_context() and "request_id" in g:
            record.request_id = g.request_id
        return record

    make.stamps_request_id = True
    return make


def configure(level: str = "INFO") -> logging.Logger:
    """Give the app's logger tree ("server") one JSON handler on standard error, once."""
    from flask.logging import default_handler

    logger = logging.getLogger("server")
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        handler = _StderrHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logging.getLogger("werkzeug").addFilter(RedactFilter())
    if not getattr(logging.getLogRecordFactory(), "stamps_request_id", False):
        logging.setLogRecordFactory(_stamp_request_id(logging.getLogRecordFactory()))
    logger.removeHandler(default_handler)
    logger.setLevel(level.upper())
    return logger


def _start() -> None:
    """Stamp the request with an id and a start time."""
    incoming = request.headers.get("X-Request-Id", "")
    g.request_id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish(resp):
    """Write the request's line and hand its id back to the client."""
    request_id = g.request_id = g.get("request_id") or uuid.uuid4().hex
    resp.headers["X-Request-Id"] = request_id
    started = g.get("request_started")
    user = g.get("user")
    path = request.full_path if request.query_string else request.path
    quiet = request.path in _QUIET_PATHS and resp.status_code < 500
    level = logging.DEBUG if quiet else logging.WARNING if resp.status_code >= 500 else logging.INFO
    logging.getLogger("server.request").log(
        level, "%s %s %s", request.method, redact(path), resp.status_code,
        extra={"method": request.method, "path": redact(path),
               "status": resp.status_code,
               "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
               "user_id": getattr(user, "id", None), "remote_addr": request.remote_addr,
               "size": resp.content_length})
    return resp


def init_app(app: Flask) -> None:
    """JSON logs for the app, and a line per request."""
    configure(app.config.get("LOG_LEVEL", "INFO"))
    app.before_request(_start)
    app.after_request(_finish)
