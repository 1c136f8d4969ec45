"""gunicorn settings: `gunicorn -c gunicorn.conf.py server.wsgi:app` (make run, deploy/systemd).

The app writes one JSON line per request itself (server/logging_setup.py: method, path,
status, duration, request id, user id) with `api_key` tokens masked, so gunicorn's own
access log, which would print every `?api_key=` token, stays off. gunicorn's other lines
(boot, worker restarts, timeouts) are JSON too. Background work is not here: it runs in
`flask --app server worker`.
"""
import os

_env = os.environ.get

bind = _env("GUNICORN_BIND") or f"{_env('HOST', '127.0.0.1')}:{_env('PORT', '8000')}"
workers = int(_env("WEB_CONCURRENCY", "2"))
threads = int(_env("GUNICORN_THREADS", "4"))
timeout = int(_env("GUNICORN_TIMEOUT", "120"))  # the bounded Excel download fits well inside
graceful_timeout = 30
keepalive = 5
max_requests, max_requests_jitter = 2000, 200  # recycle workers now and then; no job dies with them
# Caddy on the same machine: believe its X-Forwarded-Proto (HTTPS → Secure cookies).
forwarded_allow_ips = _env("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# No gunicornc control socket: one fixed path per user would clash between instances.
control_socket_disable = True

accesslog = None  # never: it would log ?api_key= tokens; the app logs each request instead
errorlog = "-"
loglevel = _env("LOG_LEVEL", "info").lower()
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "server.logging_setup.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json",
                             "stream": "ext://sys.stderr"}},
    "root": {"level": "WARNING", "handlers": ["console"]},  # other libraries' warnings
    "loggers": {
        "gunicorn.error": {"level": loglevel.upper(), "handlers": ["console"], "propagate": False},
        "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
    },
}
