"""v1.1 letters: the migration keeps every letter issued and carries each prompt's overdue event
over to prompt_events, so a later sweep does not prompt it again (SQLite and PostgreSQL)."""
import sqlalchemy as sa
from flask_migrate import upgrade

from server import create_app
from server.extensions import db
from tests.conftest import _fresh_database
from tests.unit.test_migration_units import _insert

BEFORE = "0007_submissions_duty"


def test_letters_and_prompted_events_survive_the_migration(tmp_path):
    url, drop = _fresh_database(tmp_path)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "DATA_DIR": str(tmp_path / "d"),
                      "SWEEP_INTERVAL_S": 0})
    try:
        with app.app_context():
            upgrade(revision=BEFORE)
            meta = sa.MetaData()
            with db.engine.begin() as conn:
                meta.reflect(conn)
                _insert(conn, meta, "units", id=7, code="yongsheng", name="永胜社区", kind="community",
                        boundary=None, boundary_is_demo=True, active=True, position=0)
                _insert(conn, meta, "users", id=5, username="ys", display_name="永胜社区",
                        role="inspector", community_id=None, password_hash="h", active=True)
                _insert(conn, meta, "inspections", id="i1", inspector_id=5, point_id=None,
                        location_type="street", covert=False, lat=42.97, lon=126.73)
                _insert(conn, meta, "letters", id=1, kind="notice", year=2026, seq=1, number="明桦创城督〔2026〕1号",
                        community_id=7, finding_ids=["f1"], event_key=None, body={"title": "问题整改通知函"})
                _insert(conn, meta, "findings", id="f1", code="MH-2026-0001", inspection_id="i1",
                        item_code="street.clutter", location_type="street", point_id=None,
                        community_id=7, inspector_id=5, status="assigned", flags=[], covert=False,
                        notice_letter_id=1)
                _insert(conn, meta, "letters", id=2, kind="prompt", year=2026, seq=1, number="明桦创城提〔2026〕1号",
                        community_id=7, finding_ids=["f1"], event_key="f1:reply:2026-11-24",
                        body={"title": "工作提示函"})
            upgrade()
            with db.engine.connect() as conn:
                rows = conn.execute(sa.text(
                    "SELECT id, status, series, number, created_at = issued_at FROM letters ORDER BY id")).all()
                assert [tuple(r) for r in rows] == [(1, "issued", "office", "明桦创城督〔2026〕1号", True),
                                                    (2, "issued", "office", "明桦创城提〔2026〕1号", True)]
                event = conn.execute(sa.text("SELECT event_key, letter_id, finding_id, clock, due FROM prompt_events")).one()
                assert tuple(event)[:4] == ("f1:reply:2026-11-24", 2, "f1", "reply")
                assert str(event[4]) == "2026-11-24"
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()
