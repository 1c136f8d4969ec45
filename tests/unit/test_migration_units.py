"""v1 → v1.1: the migration turns communities into units and loses nothing (SQLite and PostgreSQL)."""
from datetime import date, datetime

import sqlalchemy as sa
from flask_migrate import upgrade

from server import create_app
from server.extensions import db
from tests.conftest import _fresh_database

V1_HEAD = "0004_idempotency_body_hash"


def _filler(col: sa.Column):
    """A plain value for a required column the test does not care about."""
    t = col.type
    if isinstance(t, sa.Boolean):
        return False
    if isinstance(t, sa.Integer):
        return 1
    if isinstance(t, sa.DateTime):
        return datetime(2026, 11, 20, 2, 0)
    if isinstance(t, sa.Date):
        return date(2026, 11, 20)
    if isinstance(t, sa.JSON):
        return []
    if isinstance(t, sa.Float):
        return 0.0
    return "x"


def _insert(conn, meta: sa.MetaData, table: str, **values) -> None:
    """Insert a row, filling required columns that were not given."""
    t = meta.tables[table]
    for col in t.columns:
        if col.name not in values and not col.nullable and col.server_default is None \
                and not (col.primary_key and isinstance(col.type, sa.Integer)):
            values[col.name] = _filler(col)
    conn.execute(t.insert().values(**values))


def test_v1_data_survives_the_move_to_units(tmp_path):
    url, drop = _fresh_database(tmp_path)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "DATA_DIR": str(tmp_path / "d"),
                      "SWEEP_INTERVAL_S": 0})
    try:
        with app.app_context():
            upgrade(revision=V1_HEAD)
            meta = sa.MetaData()
            with db.engine.begin() as conn:
                meta.reflect(conn)
                _insert(conn, meta, "communities", id=7, code="yongsheng", name="永胜社区",
                        boundary=None, boundary_is_demo=True)
                _insert(conn, meta, "points", id=3, name="建设街东段背街", location_type="street",
                        community_id=7, lat=42.97, lon=126.73, address="", active=True)
                _insert(conn, meta, "users", id=5, username="ys", display_name="永胜社区",
                        role="community", community_id=7, password_hash="h", active=True)
                _insert(conn, meta, "checklist_items", code="street.clutter", location_type="street",
                        text="无乱堆乱放", category="公共环境", limit_days=3, photo_required=True,
                        position=0, active=True)
                _insert(conn, meta, "inspections", id="i1", inspector_id=5, point_id=3,
                        location_type="street", covert=False, lat=42.97, lon=126.73)
                _insert(conn, meta, "findings", id="f1", code="MH-2026-0001", inspection_id="i1",
                        item_code="street.clutter", location_type="street", point_id=3,
                        community_id=7, inspector_id=5, status="assigned", flags=[], covert=False,
                        notice_letter_id=None)
            upgrade()
            with db.engine.connect() as conn:
                unit = conn.execute(sa.text("SELECT id, name, kind, active FROM units")).one()
                assert tuple(unit) == (7, "永胜社区", "community", True)
                assert conn.execute(sa.text("SELECT community_id FROM points WHERE id = 3")).scalar() == 7
                assert conn.execute(sa.text("SELECT community_id, must_change_password FROM users")).one() \
                    == (7, False)
                assert conn.execute(sa.text("SELECT item_text, community_id FROM findings")).one() \
                    == ("无乱堆乱放", 7)
                assert conn.execute(sa.text("SELECT code, name FROM location_types")).all() == \
                    [("street", "背街小巷")]
                assert conn.execute(sa.text("SELECT unit_id FROM checklist_items")).scalar() is None
                if conn.dialect.name == "sqlite":
                    assert conn.execute(sa.text("PRAGMA foreign_key_check")).all() == []
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()
