"""Database wiring: engine options per backend and SQLite pragmas."""
from flask import Flask
from sqlalchemy import event


from .extensions import db, migrate


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    """WAL, enforced foreign keys and a busy timeout for every SQLite connection."""
    # Let SQLAlchemy, not pysqlite, emit BEGIN, so SAVEPOINTs work (SQLAlchemy docs).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin(conn) -> None:
    """Take the write lock up front: a deferred transaction could fail to upgrade later."""
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def init_db(app: Flask) -> None:
    """Bind SQLAlchemy and Alembic to the app."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgresql://"):
        uri = "postgresql+psycopg://" + uri[len("postgresql://"):]
        app.config["SQLALCHEMY_DATABASE_URI"] = uri
    options = {"pool_pre_ping": True}
    if uri.startswith("postgresql+psycopg://"):
        options["connect_args"] = {"connect_timeout": max(1, int(app.config.get("DB_CONNECT_TIMEOUT_S", 5)))}
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", options)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/migrations"),
                     render_as_batch=True)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas)
            event.listen(db.engine, "begin", _sqlite_begin)


