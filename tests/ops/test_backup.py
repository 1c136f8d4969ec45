"""Backups: backup → fresh instance → restore gives every API answer and every photo byte back;
a damaged, truncated, foreign or other-version file is refused before anything is written."""
import gzip
import io
import json
import os
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from server import create_app
from server.extensions import db
from server.models import Photo
from server.services import backup
from tests.conftest import PG_ADMIN_URL, _fresh_database
from tests.helpers.flow import finding_in, ok
from tests.helpers.records import new_id

ROOT = Path(__file__).resolve().parents[2]
USERS = ("supervisor", "leader", "admin", "yongsheng", "aihua", "inspector")
PATHS = ("/api/v1/findings?per_page=200", "/api/v1/letters?per_page=200", "/api/v1/points",
         "/api/v1/units", "/api/v1/communities", "/api/v1/checklists", "/api/v1/location-types",
         "/api/v1/users", "/api/v1/settings", "/api/v1/audit", "/api/v1/auth/me",
         "/api/v1/calendar/days?year=2026", "/api/v1/map/findings", "/api/v1/reports/weekly",
         "/api/v1/reports/monthly", "/api/v1/reports/coverage", "/api/v1/sync/pull",
         "/api/v1/ledger.csv", "/open311/v2/requests.json", "/open311/v2/services.json")


def app_on(url: str, data_dir: Path):
    """An app (as `flask --app server` would build it) over a database URL and a photo folder."""
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "DATA_DIR": str(data_dir),
                       "SWEEP_INTERVAL_S": 0, "LOG_LEVEL": "WARNING"})


def cli(app, *args: str):
    """Run a flask command against the app; return the result."""
    return app.test_cli_runner().invoke(args=list(args))


def street(app, auth, clock) -> None:
    """Findings in every state, two communities, prompt letters, watermarked copies."""
    for state in ("assigned", "replied", "rectified", "closed", "returned", "void", "unassigned"):
        finding_in(app, auth, state)
    finding_in(app, auth, "assigned", community="aihua")
    clock.set("2026-12-09T10:00:00+08:00")
    from server.services.deadlines import sweep
    from server.timeutil import utcnow

    with app.app_context():
        assert sweep(utcnow())  # prompt letters
        db.session.commit()
    with app.app_context():
        some = db.session.scalars(sa.select(Photo.id).order_by(Photo.id).limit(4)).all()
    for pid in some:  # watermarked copies join the thumbnails in the derived store
        r = auth.get("supervisor", f"/api/v1/photos/{pid}?variant=display")
        assert r.status_code == 200
        r.close()


def answers(app, tokens: dict) -> dict:
    """Every GET answer that matters, for every kind of user, plus every photo variant."""
    client, out = app.test_client(), {}
    for user in USERS:
        headers = {"Authorization": f"Bearer {tokens[user]}"}

        def get(url):
            """One answer as (status, body)."""
            r = client.get(url, headers=headers)
            body = r.get_data()
            r.close()
            if url.startswith("/open311/v2/requests") and r.status_code == 200:
                # GeoReport orders by time only: equal times may come in either order
                body = sorted(json.loads(body), key=lambda x: x["service_request_id"])
            if url.startswith("/api/v1/sync/pull") and r.status_code == 200:
                body = json.loads(body)  # the changed findings and letters come in no set order
                for key in ("findings", "letters"):
                    body[key].sort(key=lambda x: str(x["id"]))
            out[(user, url)] = (r.status_code, body)
            return r

        for url in PATHS:
            get(url)
        for f in json.loads(out[(user, PATHS[0])][1]).get("items", []):
            get(f"/api/v1/findings/{f['id']}")
        for letter in json.loads(out[(user, PATHS[1])][1]).get("items", []):
            get(f"/api/v1/letters/{letter['id']}")
    with app.app_context():
        photo_ids = db.session.scalars(sa.select(Photo.id).order_by(Photo.id)).all()
    headers = {"Authorization": f"Bearer {tokens['supervisor']}"}
    for pid in photo_ids:
        for variant in ("original", "thumb", "display"):
            r = client.get(f"/api/v1/photos/{pid}?variant={variant}", headers=headers)
            out[("photo", pid, variant)] = (r.status_code, r.get_data())
            r.close()
    return out


def stored(app) -> dict:
    """Every byte in the app's photo storage, by name."""
    storage = app.extensions["storage"]
    files = {f"o/{d}": storage.get_original(d) for d in storage.iter_originals()}
    files.update({f"d/{n}": storage.get_derived(n) for n in storage.iter_derived()})
    return files


def db_members(path: Path) -> dict:
    """The decompressed table dumps of a backup file."""
    with tarfile.open(path) as tar:
        return {m.name: gzip.decompress(tar.extractfile(m).read())
                for m in tar.getmembers() if m.name.startswith("db/")}


@pytest.fixture
def source(own_app, own_auth, clock, tmp_path):
    """A populated instance, its users' tokens and a backup of it."""
    street(own_app, own_auth, clock)
    tokens = {u: own_auth.token(u) for u in USERS}
    path = tmp_path / "street.ccbak"
    result = cli(own_app, "backup", "create", str(path))
    assert result.exit_code == 0, result.output
    assert "已备份到" in result.output
    return own_app, tokens, path


def absent_database(tmp_path, dialect: str) -> tuple[str, callable]:
    """A URL naming a database that does not exist yet, and how to drop it afterwards."""
    if dialect == "sqlite":
        return f"sqlite:///{tmp_path / 'absent' / 'restored.sqlite3'}", lambda: None
    name = f"cc_restore_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://", 1),
                             isolation_level="AUTOCOMMIT")

    def drop():
        """Drop it if the restore made it."""
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", drop


TARGETS = ["same"] + (["sqlite"] if PG_ADMIN_URL else [])


@pytest.mark.parametrize("target", TARGETS)
def test_backup_wipe_restore_gives_back_every_answer_and_photo_byte(source, tmp_path, target):
    """Restore into an absent database of the same kind (and, from PostgreSQL, into SQLite)."""
    app, tokens, path = source
    dialect = "postgresql" if PG_ADMIN_URL and target == "same" else "sqlite"
    url, drop = absent_database(tmp_path, dialect)
    try:
        fresh = app_on(url, tmp_path / "fresh-data")
        result = cli(fresh, "backup", "restore", str(path))
        assert result.exit_code == 0, result.output
        assert "已恢复" in result.output
        assert stored(fresh) == stored(app)  # every original and derived copy, byte for byte
        before, after = answers(app, tokens), answers(fresh, tokens)
        assert before.keys() == after.keys()
        for key in before:
            assert after[key] == before[key], key
        assert sum(1 for k in before if k[0] == "photo") >= 3 * 9  # 9 photos, 3 variants each
        again = tmp_path / "again.ccbak"
        assert cli(fresh, "backup", "create", str(again)).exit_code == 0
        assert db_members(again) == db_members(path)  # every row of every table
        # The restored instance takes new writes (PostgreSQL sequences follow the restored ids).
        admin = {"Authorization": f"Bearer {tokens['admin']}"}
        r = fresh.test_client().post("/api/v1/units", headers={**admin, "Idempotency-Key": new_id()},
                                     json={"name": "恢复后新增单位", "kind": "office"})
        assert r.status_code == 201, r.get_data(as_text=True)
    finally:
        with fresh.app_context():
            db.engine.dispose()
        drop()


def test_a_database_with_data_is_refused_without_force_and_replaced_with_it(source, tmp_path):
    """Restoring over data needs --force; then the data is the backup's."""
    app, tokens, path = source
    (tmp_path / "other").mkdir()
    url, drop = _fresh_database(tmp_path / "other")  # not own_app's file in tmp_path
    other = app_on(url, tmp_path / "other-data")
    try:
        with other.app_context():
            db.create_all()
            from server.demo import load_demo
            load_demo("other", hash_method="pbkdf2:sha256:1000")
            db.session.remove()
        refused = cli(other, "backup", "restore", str(path))
        assert refused.exit_code == 1
        assert refused.stderr.strip().count("\n") == 0 and "--force" in refused.stderr
        r = other.test_client().get("/api/v1/findings", headers={"Authorization": f"Bearer {tokens['supervisor']}"})
        assert r.status_code == 401  # untouched: the backup's tokens do not exist here
        forced = cli(other, "backup", "restore", "--force", str(path))
        assert forced.exit_code == 0, forced.output
        codes = [f["code"] for f in ok(other.test_client().get(
            "/api/v1/findings?per_page=200", headers={"Authorization": f"Bearer {tokens['supervisor']}"}))["items"]]
        assert len(codes) == 8
    finally:
        with other.app_context():
            db.engine.dispose()
        drop()


def rewrite(path: Path, out: Path, change) -> Path:
    """Copy a backup member by member, letting change(name, bytes) alter or drop members."""
    with tarfile.open(path) as src, tarfile.open(out, "w") as dst:
        for m in src.getmembers():
            data = change(m.name, src.extractfile(m).read())
            if data is None:
                continue
            info = tarfile.TarInfo(m.name)
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))
    return out


def manifest_with(**changes):
    """A change() that edits the manifest."""
    def change(name, data):
        """Edit MANIFEST.json; keep the rest."""
        if name != backup.MANIFEST:
            return data
        return json.dumps({**json.loads(data), **changes}).encode()
    return change


def flip_photo_byte(name, data):
    """Damage one original photo (same size)."""
    if name.startswith("photos/originals/") and not getattr(flip_photo_byte, "done", False):
        flip_photo_byte.done = True
        return data[:100] + bytes([data[100] ^ 0xFF]) + data[101:]
    return data


def bad_files(path: Path, tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Broken backups and the words their refusal must contain."""
    size = path.stat().st_size
    cut = tmp_path / "cut.ccbak"
    cut.write_bytes(path.read_bytes()[:size // 2])
    no_manifest = rewrite(path, tmp_path / "nomanifest.ccbak",
                          lambda n, d: None if n == backup.MANIFEST else d)
    flip_photo_byte.done = False
    foreign_tar = tmp_path / "foreign.tar"
    with tarfile.open(foreign_tar, "w") as tar:
        info = tarfile.TarInfo("etc/passwd")
        info.size = 4
        tar.addfile(info, io.BytesIO(b"root"))
    text = tmp_path / "notes.txt"
    text.write_text("这不是备份")
    return {
        "truncated": (cut, "损坏或不完整"),
        "truncated before the manifest": (no_manifest, "损坏或不完整"),
        "a damaged photo": (rewrite(path, tmp_path / "flipped.ccbak", flip_photo_byte), "损坏"),
        "another schema version": (rewrite(path, tmp_path / "old.ccbak", manifest_with(
            schema_revision="0004_idempotency_body_hash")), "另一版本"),
        "another format version": (rewrite(path, tmp_path / "v2.ccbak", manifest_with(
            format_version=2)), "另一版本"),
        "a foreign tar": (foreign_tar, "不是本系统的备份文件"),
        "not a backup at all": (text, "不是本系统的备份文件"),
        "absent": (tmp_path / "missing.ccbak", "不存在"),
    }


def test_broken_or_foreign_backups_are_refused_before_anything_is_written(source, tmp_path):
    """Each refusal: exit 1, one Chinese line; the absent database stays absent, no photo written."""
    _, _, path = source
    url, drop = absent_database(tmp_path, "postgresql" if PG_ADMIN_URL else "sqlite")
    data_dir = tmp_path / "untouched-data"
    target = app_on(url, data_dir)
    try:
        for case, (bad, words) in bad_files(path, tmp_path).items():
            result = cli(target, "backup", "restore", str(bad))
            assert result.exit_code == 1, (case, result.output)
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("错误：") and words in lines[0], (case, lines)
            assert not data_dir.exists(), case
            if url.startswith("sqlite"):
                assert not Path(url.removeprefix("sqlite:///")).exists(), case
            else:
                with pytest.raises(sa.exc.OperationalError):
                    with target.app_context():
                        db.engine.connect().close()
        assert cli(target, "backup", "verify", str(path)).exit_code == 0
        again = cli(source[0], "backup", "create", str(path))  # never over an existing file
        assert again.exit_code == 1 and "已存在" in again.stderr
    finally:
        with target.app_context():
            db.engine.dispose()
        drop()


def test_the_command_line_exits_non_zero_with_one_line(source, tmp_path):
    """`flask --app server backup restore` on a truncated file, as an operator runs it."""
    _, _, path = source
    cut = tmp_path / "cut.ccbak"
    cut.write_bytes(path.read_bytes()[:4096])
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}", "DATA_DIR": str(tmp_path / "cli")}
    run = subprocess.run([sys.executable, "-m", "flask", "--app", "server", "backup", "restore",
                          str(cut)], env=env, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert run.returncode == 1
    assert run.stderr.strip().splitlines() == [run.stderr.strip()]
    assert "损坏或不完整" in run.stderr and not (tmp_path / "cli.sqlite3").exists()
