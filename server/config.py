"""Settings read from the environment, in one flat module."""
import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "dev-only-change-me"  # refused when APP_ENV=production


def from_env() -> dict:
    """Return the app configuration taken from environment variables."""
    instance = ROOT / "instance"
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY") or DEV_SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": os.environ.get(
            "DATABASE_URL", f"sqlite:///{instance / 'chuangcheng.sqlite3'}"
        ),
        "DATA_DIR": os.environ.get("DATA_DIR", str(instance / "data")),
        "DEMO_PASSWORD": os.environ.get("DEMO_PASSWORD", "mh2026"),
        # `make run` on an empty database also generates two weeks of demo findings.
        "DEMO_FINDINGS": os.environ.get("DEMO_FINDINGS", "1") != "0",
        "TILE_URL": os.environ.get(
            "TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
        ),
        "TILE_ATTRIBUTION": os.environ.get(
            "TILE_ATTRIBUTION", "© OpenStreetMap contributors"
        ),
        "CJK_FONT": os.environ.get("CJK_FONT") or None,
        # Assignment and review thresholds (metres).
        "NEAREST_POINT_RADIUS_M": float(os.environ.get("NEAREST_POINT_RADIUS_M", "150")),
        "GPS_FAR_FROM_POINT_M": float(os.environ.get("GPS_FAR_FROM_POINT_M", "200")),
        # Evidence photos: photo_not_fresh when the original was taken this many minutes before
        # the record's start; exif_mismatch when its GPS is this far from the record.
        "PHOTO_FRESH_MIN": float(os.environ.get("PHOTO_FRESH_MIN", "30")),
        "EXIF_FAR_M": float(os.environ.get("EXIF_FAR_M", "300")),
        # A 此处 failure this close to an open finding of the same item re-sights it.
        "RESIGHT_RADIUS_M": float(os.environ.get("RESIGHT_RADIUS_M", "30")),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_UPLOAD_BYTES", str(32 * 1024 * 1024))),
        "PHOTO_MAX_BYTES": int(os.environ.get("PHOTO_MAX_BYTES", str(25 * 1024 * 1024))),
        "PHOTO_MAX_PIXELS": int(os.environ.get("PHOTO_MAX_PIXELS", str(60_000_000))),
        "TOKEN_DAYS": 30,
        "SWEEP_INTERVAL_S": int(os.environ.get("SWEEP_INTERVAL_S", "600")),
        # Reports (周通报、月问效): see server/services/reports.py for the scoring rule.
        "REPORT_MIN_CASES": int(os.environ.get("REPORT_MIN_CASES", "3")),
        "REPORT_SCORING": json.loads(os.environ.get("REPORT_SCORING") or "{}"),
        "REPORT_GRADES": json.loads(os.environ.get("REPORT_GRADES") or "null"),
        "REPORT_TYPICAL_PHOTOS": int(os.environ.get("REPORT_TYPICAL_PHOTOS", "4")),
        "REPORT_STALE_DAYS": int(os.environ.get("REPORT_STALE_DAYS", "7")),
        "LETTER_OFFICE": os.environ.get("LETTER_OFFICE", "明桦街道创建全国文明城市督导检查专班"),
        "LETTER_PREFIX": os.environ.get("LETTER_PREFIX", "明桦创城"),
        "FINDING_PREFIX": os.environ.get("FINDING_PREFIX", "MH"),
        "LEADERS_ADDRESSEE": os.environ.get(
            "LEADERS_ADDRESSEE", "明桦街道党工委、办事处主要领导，分管市级领导"
        ),
        **operations_from_env(instance),
    }


def operations_from_env(instance: Path) -> dict:
    """Operations (DESIGN v1.1): production checks, photo storage, worker, logs, the pilot CA."""
    return {
        # production: SECRET_KEY and PUBLIC_URL are required (server/__init__.py checks).
        "APP_ENV": os.environ.get("APP_ENV", "development"),
        # Absolute links (Open311 media_url, exports) start with this, never with the Host header.
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "").strip(),
        # "" = DATA_DIR on local disk; "s3://bucket/prefix" = S3-compatible object storage
        # (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION).
        "PHOTO_STORE": os.environ.get("PHOTO_STORE", "").strip(),
        "S3_TIMEOUT_S": float(os.environ.get("S3_TIMEOUT_S", "5")),
        # How long a new PostgreSQL connection may take (an unreachable host makes /readyz 503,
        # not a hang until the operating system's TCP timeout).
        "DB_CONNECT_TIMEOUT_S": int(os.environ.get("DB_CONNECT_TIMEOUT_S", "5")),
        # "worker": exports and sweeps wait for `flask --app server worker` (gunicorn sets it);
        # "thread": the web process runs them itself (tests, `flask run`, benchmarks).
        "JOB_RUNNER": os.environ.get("JOB_RUNNER", "thread"),
        "WORKER_POLL_S": float(os.environ.get("WORKER_POLL_S", "2")),
        "WORKER_EXPORTS": int(os.environ.get("WORKER_EXPORTS", "2")),
        # GET /api/v1/ledger.xlsx answers 413 above this many rows: use the background export.
        "LEDGER_DIRECT_MAX_ROWS": int(os.environ.get("LEDGER_DIRECT_MAX_ROWS", "5000")),
        # Proxies in front of the app (Caddy: 1) whose X-Forwarded-For/-Proto are believed.
        "PROXY_HOPS": int(os.environ.get("PROXY_HOPS", "0")),
        # gzip text files in the app: `make run` sets it (no proxy there); Caddy compresses
        # in front of `make https` and production.
        "COMPRESS": os.environ.get("COMPRESS", "0") == "1",
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
        # The root certificate phones install for a LAN pilot (`make https` sets it).
        "CA_CERT_PATH": os.environ.get("CA_CERT_PATH")
        or str(instance / "caddy" / "caddy" / "pki" / "authorities" / "local" / "root.crt"),
    }


def public_base(config, host_url: str) -> str:
    """The base of absolute links: PUBLIC_URL when set (always in production), else this host."""
    return (config.get("PUBLIC_URL") or host_url).rstrip("/") + "/"
