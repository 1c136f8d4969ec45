"""创城督导 server: the app factory reads as a table of contents."""
from flask import Flask

from .config import from_env


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the Flask application."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(from_env())
    if test_config:
        app.config.update(test_config)
    app.json.ensure_ascii = False  # Chinese stays readable in JSON answers
    check_production(app)
    check_config(app)
    register_operations(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_security(app)
    register_commands(app)
    return app


def check_config(app: Flask) -> None:
    """Refuse to start with a report scoring rule that would fail on the first report."""
    from .services.reports import scoring_rule

    cfg = app.config
    scoring_rule(cfg["REPORT_SCORING"], cfg["REPORT_GRADES"], cfg["REPORT_MIN_CASES"])


def check_production(app: Flask) -> None:
    """APP_ENV=production refuses to start without SECRET_KEY and PUBLIC_URL (unset or empty)."""
    from urllib.parse import urlparse

    from .config import DEV_SECRET_KEY

    cfg = app.config
    if cfg.get("APP_ENV") != "production":
        return
    public = urlparse(cfg.get("PUBLIC_URL") or "")
    missing = [name for name, bad in (
        ("SECRET_KEY", not (cfg.get("SECRET_KEY") or "").strip() or cfg["SECRET_KEY"] == DEV_SECRET_KEY),
        ("PUBLIC_URL", public.scheme not in ("http", "https") or not public.netloc)) if bad]
    if missing:
        raise RuntimeError("生产环境（APP_ENV=production）缺少设置：" + "、".join(missing)
                           + "（SECRET_KEY 为随机长字符串，PUBLIC_URL 如 https://cc.example.gov.cn）")


def register_operations(app: Flask) -> None:
    """JSON request logs, the proxy in front (Caddy), compression and versioned caching."""
    from . import compression, logging_setup

    logging_setup.init_app(app)
    if app.config.get("PROXY_HOPS"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    compression.init_app(app)


def register_extensions(app: Flask) -> None:
    """Database, migrations, photo storage and the watermark font."""
    from pathlib import Path

    from .db_setup import init_db
    from .services.photos import find_cjk_font
    from .services.storage import make_storage

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    init_db(app)
    app.config["CJK_FONT"] = find_cjk_font(app.config.get("CJK_FONT"))
    app.extensions["storage"] = make_storage(app.config)  # DATA_DIR, or PHOTO_STORE=s3://…


def register_blueprints(app: Flask) -> None:
    """The API, Open311, the printable pages and the OpenAPI document."""
    from .api import bp as api_bp
    from .health import bp as health_bp
    from .open311 import bp as open311_bp
    from .openapi import bp as openapi_bp
    from .pages import bp as pages_bp
    from .pages.install import bp as install_bp
    from .pwa import bp as pwa_bp

    for bp in (api_bp, open311_bp, openapi_bp, pages_bp, pwa_bp, health_bp, install_bp):
        app.register_blueprint(bp)


def register_security(app: Flask) -> None:
    """Security headers, the session cookie's flags, cross-site and deep-JSON refusals."""
    from .security import register

    register(app)


def register_errorhandlers(app: Flask) -> None:
    """One JSON error shape for every error."""
    from .errors import register_errorhandlers as register

    register(app)


def register_commands(app: Flask) -> None:
    """CLI: demo data, the deadline sweep, boundary import, calendar seeding."""
    from .cli import register

    register(app)
