"""Backups: every table as a portable logical dump and every photo, in one tar file.

Why a logical dump rather than pg_dump or SQLite's backup: one format restores on either
database (a pilot on SQLite moves to PostgreSQL by backup and restore), needs no client
tools of the right major version, and is checked member by member before anything is
written. The file is an uncompressed tar (photos are JPEGs already), written in this order:

    db/<table>.jsonl.gz           a header line {"table", "columns"}, then one JSON array per
                                  row in primary-key order; JSON columns as [value] (None is
                                  SQL NULL); times as ISO 8601 with offset
    photos/originals/ab/<sha256>  every original in the photo storage
    photos/derived/<name>         every derived copy (thumbnails, watermarked copies)
    MANIFEST.json                 format and version, the schema revision (Alembic), row counts,
                                  and the SHA-256 and size of every other member

The rows are read in one snapshot; photos are listed after it, so every photo a row names is
there (a photo row is committed only after its bytes are stored). Restore reads the file
twice: the first pass checks everything (another format or schema revision, a member whose
hash or size differs, a missing or extra member, a truncated tar) and refuses before writing
anything; the second stores the photos and loads the rows in one transaction.
"""
from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import re
import tarfile
import tempfile
import zlib
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.pool import NullPool

from ..extensions import db
from ..timeutil import utcnow
from .storage import Storage, validate_derived_name, validate_sha256

FORMAT = "chuangcheng-backup"
FORMAT_VERSION = 1
MANIFEST = "MANIFEST.json"
BATCH = 1000
PHOTO_THREADS = 8  # photo reads and writes in flight at once (fsync, object storage round trips)
_TABLE_MEMBER = re.compile(r"^db/([a-z_][a-z0-9_]*)\.jsonl\.gz$")
_ORIGINAL_MEMBER = re.compile(r"^photos/originals/([0-9a-f]{2})/([0-9a-f]{64})$")
_DERIVED_MEMBER = re.compile(r"^photos/derived/(.+)$")
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


class BackupError(Exception):
    """A backup cannot be made or restored; the message is one line in Chinese."""


@dataclass
class Summary:
    """What a backup holds (or a restore wrote)."""

    rows: dict[str, int] = field(default_factory=dict)
    originals: int = 0
    derived: int = 0
    revision: str = ""
    created_at: str = ""

    def line(self) -> str:
        """One line for the terminal."""
        return (f"{sum(self.rows.values())} 行数据（{len(self.rows)} 张表，其中问题 "
                f"{self.rows.get('findings', 0)} 个），照片原图 {self.originals} 张、派生图 "
                f"{self.derived} 张；数据库结构版本 {self.revision}")


# ---------------------------------------------------------------------------- schema


def head_revision() -> str:
    """The Alembic revision this code's models correspond to."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    heads = ScriptDirectory.from_config(cfg).get_heads()
    return "+".join(sorted(heads))


def database_revision(conn) -> str | None:
    """The revision stamped in the database, or None when it has no alembic_version."""
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
    return "+".join(sorted(rows)) or None


def _ordered_tables() -> tuple[list[sa.Table], set[sa.Column]]:
    """Tables parents first, and the foreign-key columns that close a cycle (loaded last)."""
    pairs = sa.schema.sort_tables_and_constraints(db.metadata.tables.values())
    tables = [t for t, _ in pairs if t is not None]
    deferred = {col for t, fkcs in pairs if t is None for fkc in fkcs for col in fkc.columns}
    return tables, deferred


def _kind(col: sa.Column) -> str:
    """How a column's values are written to JSON."""
    t = col.type
    if isinstance(t, sa.types.TypeDecorator):
        t = t.impl_instance
    for cls, kind in ((sa.JSON, "json"), (sa.DateTime, "datetime"), (sa.Date, "date"),
                      (sa.Time, "time"), (sa.LargeBinary, "bytes"), (sa.Float, "plain"),
                      (sa.Numeric, "decimal")):
        if isinstance(t, cls):
            return kind
    return "plain"


_ENCODE = {"datetime": datetime.isoformat, "date": date.isoformat, "time": time.isoformat,
           "bytes": lambda v: base64.b64encode(v).decode("ascii"), "decimal": str}
_DECODE = {"datetime": datetime.fromisoformat, "date": date.fromisoformat,
           "time": time.fromisoformat, "bytes": base64.b64decode, "decimal": Decimal}


# ---------------------------------------------------------------------------- create


@contextmanager
def _snapshot(engine: sa.Engine):
    """A read-only connection that sees one consistent state of the whole database."""
    if engine.dialect.name == "sqlite":
        # A deferred BEGIN holds a read snapshot (WAL) without the write lock the app takes.
        snap = sa.create_engine(engine.url, poolclass=NullPool)
        event.listen(snap, "connect", lambda dbapi, _rec: setattr(dbapi, "isolation_level", None))
        event.listen(snap, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
        try:
            with snap.begin() as conn:
                yield conn
        finally:
            snap.dispose()
    else:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            with conn.begin():
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
                yield conn


class _Writer:
    """Adds members to the tar and remembers their hashes for the manifest."""

    def __init__(self, tar: tarfile.TarFile):
        """Write into tar."""
        self.tar, self.files = tar, {}

    def add(self, name: str, data: bytes | None = None, fileobj=None, size: int = 0,
            sha256: str = "") -> None:
        """One member from bytes, or from a file object whose size and hash are known."""
        info = tarfile.TarInfo(name)
        info.mtime, info.mode = int(utcnow().timestamp()), 0o644
        if data is not None:
            fileobj, size, sha256 = io.BytesIO(data), len(data), hashlib.sha256(data).hexdigest()
        info.size = size
        self.tar.addfile(info, fileobj)
        if name != MANIFEST:
            self.files[name] = {"sha256": sha256, "size": size}


def _dump_table(conn, table: sa.Table, out: _Writer) -> int:
    """Write one table as gzip'd JSON lines; return its row count."""
    cols = list(table.columns)
    kinds = [_kind(c) for c in cols]
    nulls = [c.is_(None).label(f"_null_{i}") for i, c in enumerate(cols) if kinds[i] == "json"]
    order = list(table.primary_key.columns) or cols
    stmt = sa.select(*cols, *nulls).order_by(*order)
    count = 0
    with tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024) as spool:
        with gzip.GzipFile(fileobj=spool, mode="wb", compresslevel=6, mtime=0) as gz:
            gz.write(json.dumps({"table": table.name, "columns": [c.name for c in cols]},
                                ensure_ascii=False).encode() + b"\n")
            for row in conn.execute(stmt.execution_options(yield_per=BATCH)):
                values, flags = list(row[:len(cols)]), iter(row[len(cols):])
                for i, kind in enumerate(kinds):
                    if kind == "json":
                        values[i] = None if next(flags) else [values[i]]
                    elif values[i] is not None and kind in _ENCODE:
                        values[i] = _ENCODE[kind](values[i])
                gz.write(json.dumps(values, ensure_ascii=False).encode() + b"\n")
                count += 1
        size = spool.tell()
        spool.seek(0)
        digest = hashlib.sha256()
        for chunk in iter(lambda: spool.read(1 << 20), b""):
            digest.update(chunk)
        spool.seek(0)
        out.add(f"db/{table.name}.jsonl.gz", fileobj=spool, size=size, sha256=digest.hexdigest())
    return count


def _prefetched(read, names, workers: int = PHOTO_THREADS):
    """(name, read(name)) in order, with up to a few reads ahead (object storage is latency-bound)."""
    with ThreadPoolExecutor(workers, thread_name_prefix="backup-read") as pool:
        window: deque = deque()
        for name in names:
            window.append((name, pool.submit(read, name)))
            if len(window) >= workers * 4:
                first, future = window.popleft()
                yield first, future.result()
        while window:
            first, future = window.popleft()
            yield first, future.result()


class _Writes:
    """Photo writes on a few threads (each one fsyncs or waits on the network), bounded."""

    def __init__(self, workers: int = PHOTO_THREADS):
        """Start the pool."""
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="backup-write")
        self.pending: deque = deque()
        self.limit = workers * 4

    def submit(self, fn, *args) -> None:
        """Queue one write; wait for the oldest when too many are in flight."""
        self.pending.append(self.pool.submit(fn, *args))
        while len(self.pending) > self.limit:
            self.pending.popleft().result()

    def finish(self) -> None:
        """Wait for every write; the first failure is raised."""
        try:
            while self.pending:
                self.pending.popleft().result()
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)


def create(path: str | os.PathLike, storage: Storage) -> Summary:
    """Write a backup of the database and every photo to path (atomically)."""
    path = Path(path)
    if path.exists():
        raise BackupError(f"文件已存在，不会覆盖：{path}")
    head = head_revision()
    summary = Summary(revision=head, created_at=utcnow().isoformat(timespec="seconds"))
    tables, _ = _ordered_tables()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    try:
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
            out = _Writer(tar)
            with _snapshot(db.engine) as conn:
                stamped = database_revision(conn)
                if stamped not in (None, head):
                    raise BackupError(f"数据库结构版本为 {stamped}，程序为 {head}：请先运行 "
                                      "flask --app server db upgrade 再备份")
                inspector = sa.inspect(conn)
                missing = [t.name for t in tables if not inspector.has_table(t.name)]
                if missing:
                    raise BackupError("数据库缺少数据表：" + "、".join(missing))
                for table in tables:
                    summary.rows[table.name] = _dump_table(conn, table, out)
            for digest, data in _prefetched(storage.get_original, storage.iter_originals()):
                out.add(f"photos/originals/{digest[:2]}/{digest}", data)
                summary.originals += 1
            for name, data in _prefetched(storage.get_derived, storage.iter_derived()):
                if data is not None:
                    out.add(f"photos/derived/{name}", data)
                    summary.derived += 1
            manifest = {"format": FORMAT, "format_version": FORMAT_VERSION,
                        "schema_revision": head, "created_at": summary.created_at,
                        "source_database": db.engine.dialect.name,
                        "photo_storage": storage.describe(),
                        "tables": summary.rows, "table_order": [t.name for t in tables],
                        "originals": summary.originals, "derived": summary.derived,
                        "files": out.files}
            out.add(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode())
        with open(partial, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return summary


# ---------------------------------------------------------------------------- verify


def _open(path: Path) -> tarfile.TarFile:
    """Open a backup for one sequential pass; a file that is no tar is foreign."""
    if not path.is_file():
        raise BackupError(f"备份文件不存在：{path}")
    try:
        return tarfile.open(path, "r|")
    except tarfile.ReadError:
        raise BackupError(f"不是本系统的备份文件（无法识别的格式）：{path}") from None


def _member_kind(name: str) -> str | None:
    """table, original, derived or manifest; None for a name a backup never holds."""
    if name == MANIFEST:
        return "manifest"
    if _TABLE_MEMBER.fullmatch(name):
        return "table"
    m = _ORIGINAL_MEMBER.fullmatch(name)
    if m and m.group(2)[:2] == m.group(1):
        return "original"
    m = _DERIVED_MEMBER.fullmatch(name)
    if m:
        try:
            validate_derived_name(m.group(1))
            return "derived"
        except ValueError:
            return None
    return None


def verify(path: str | os.PathLike) -> dict:
    """Read the whole backup and check it; return its manifest or raise BackupError."""
    path = Path(path)
    damaged = f"备份文件已损坏或不完整，未做任何改动：{path}"
    seen, manifest = {}, None
    tar = _open(path)
    try:
        for member in tar:
            if manifest is not None:
                raise BackupError(f"{damaged}（清单之后还有内容）")
            kind = _member_kind(member.name)
            if kind is None or not member.isfile():
                raise BackupError(f"不是本系统的备份文件（含有 {member.name}）：{path}")
            digest, size = hashlib.sha256(), 0
            fh = tar.extractfile(member)
            if kind == "manifest":
                raw = fh.read()  # about 150 bytes per member
                try:
                    manifest = json.loads(raw)
                except ValueError:
                    raise BackupError(f"{damaged}（清单无法读取）") from None
                continue
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
                size += len(chunk)
            if size != member.size:
                raise BackupError(f"{damaged}（{member.name} 不完整）")
            seen[member.name] = {"sha256": digest.hexdigest(), "size": size}
            if kind == "original" and digest.hexdigest() != member.name.rsplit("/", 1)[1]:
                raise BackupError(f"{damaged}（照片 {member.name} 内容与编号不符）")
    except (tarfile.TarError, EOFError, OSError, zlib.error) as err:
        raise BackupError(f"{damaged}（{type(err).__name__}）") from None
    finally:
        tar.close()
    if manifest is None:
        if not seen:
            raise BackupError(f"不是本系统的备份文件（没有内容）：{path}")
        raise BackupError(f"{damaged}（缺少清单，文件可能被截断）")
    _check_manifest(manifest, seen, path)
    return manifest


def _check_manifest(manifest, seen: dict, path: Path) -> None:
    """The manifest is ours, of this version, and matches every member byte for byte."""
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"不是本系统的备份文件：{path}")
    head = head_revision()
    version, revision = manifest.get("format_version"), manifest.get("schema_revision")
    if version != FORMAT_VERSION or revision != head:
        raise BackupError(
            f"备份来自另一版本（备份格式 {version}，数据库结构 {revision}），本程序为格式 "
            f"{FORMAT_VERSION}、结构 {head}：请用生成该备份的程序版本恢复，再升级；未做任何改动")
    files = manifest.get("files")
    if not isinstance(files, dict) or set(files) != set(seen):
        missing = sorted(set(files or {}) - set(seen))[:3]
        raise BackupError(f"备份文件已损坏或不完整，未做任何改动：{path}（缺少 "
                          f"{'、'.join(missing) or '清单所列内容'}）")
    for name, facts in files.items():
        if facts != seen[name]:
            raise BackupError(f"备份文件已损坏，未做任何改动：{path}（{name} 校验值不符）")
    tables, _ = _ordered_tables()
    expected = {t.name for t in tables}
    if set(manifest.get("tables", {})) != expected or {
            _TABLE_MEMBER.fullmatch(n).group(1) for n in seen if n.startswith("db/")} != expected:
        raise BackupError(f"备份中的数据表与本程序不符，未做任何改动：{path}")


# ---------------------------------------------------------------------------- restore


def ensure_database(url: sa.URL) -> bool:
    """Create an absent PostgreSQL database (SQLite creates its file); return whether made."""
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        return False
    probe = sa.create_engine(url, poolclass=NullPool)
    try:
        with probe.connect():
            return False
    except sa.exc.OperationalError as err:
        # invalid_catalog_name; psycopg reports it at connect time only in the message
        absent = (getattr(err.orig, "sqlstate", None) == "3D000"
                  or f'database "{url.database}" does not exist' in str(err.orig))
        if not absent:
            raise BackupError(f"无法连接数据库：{str(err.orig).strip().splitlines()[-1]}") from None
    finally:
        probe.dispose()
    admin = sa.create_engine(url.set(database="postgres"), poolclass=NullPool,
                             isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            name = url.database.replace('"', '""')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        admin.dispose()
    return True


def _existing(conn) -> tuple[list[str], bool]:
    """Our tables present in the database, and whether any of them holds a row."""
    names = set(sa.inspect(conn).get_table_names())
    tables, _ = _ordered_tables()
    present = [t for t in tables if t.name in names]
    has_rows = any(conn.execute(sa.select(sa.literal(1)).select_from(t).limit(1)).first()
                   for t in present)
    return [t.name for t in present], has_rows


def _drop(conn, present: list[str]) -> None:
    """Drop our tables (children first) and the Alembic stamp: --force."""
    tables, _ = _ordered_tables()
    cascade = " CASCADE" if conn.dialect.name == "postgresql" else ""
    for table in reversed(tables):
        if table.name in present:
            conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{table.name}"{cascade}')
    conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")


def _create_schema(conn) -> None:
    """The schema of this code, stamped with its Alembic revision (so `db upgrade` continues)."""
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    db.metadata.create_all(conn)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    MigrationContext.configure(conn).stamp(ScriptDirectory.from_config(cfg), "heads")


def _prepare(conn, force: bool) -> None:
    """Refuse a database holding data (unless force); create the schema where it is missing."""
    present, has_rows = _existing(conn)
    revision = database_revision(conn)
    tables, _ = _ordered_tables()
    complete = len(present) == len(tables) and revision in (None, head_revision())
    if has_rows and not force:
        raise BackupError("目标数据库已有数据，未做任何改动；确认要覆盖时加 --force")
    if present and (has_rows or not complete):
        _drop(conn, present)
        present = []
    if not present:
        _create_schema(conn)
    elif revision is None:
        _create_schema(conn)  # tables made by create_all: stamp them


def _rows(fh, table: sa.Table, deferred: set[sa.Column]):
    """Decode one table member into batches of row dicts (deferred columns set to None)."""
    with gzip.GzipFile(fileobj=fh, mode="rb") as gz:
        header = json.loads(gz.readline())
        names = header["columns"]
        if header.get("table") != table.name or names != [c.name for c in table.columns]:
            raise BackupError(f"备份中 {table.name} 表的列与本程序不符")
        kinds = [_kind(table.c[n]) for n in names]
        batch, later = [], []
        for line in gz:
            values = json.loads(line)
            row = {}
            for name, kind, value in zip(names, kinds, values):
                if kind == "json":
                    value = sa.null() if value is None else value[0]
                elif value is not None and kind in _DECODE:
                    value = _DECODE[kind](value)
                row[name] = value
            if deferred:
                later.append({c.name: row[c.name] for c in table.primary_key.columns}
                             | {c.name: row[c.name] for c in deferred})
                row.update({c.name: None for c in deferred})
            batch.append(row)
            if len(batch) >= BATCH:
                yield batch, later
                batch, later = [], []
        if batch or later:
            yield batch, later


def _reset_sequences(conn, tables: list[sa.Table]) -> None:
    """PostgreSQL: the next generated id follows the restored ones."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not isinstance(pk[0].type, sa.Integer):
            continue
        conn.execute(sa.text(
            f'SELECT setval(pg_get_serial_sequence(:t, :c), COALESCE(MAX("{pk[0].name}"), 1), '
            f'MAX("{pk[0].name}") IS NOT NULL) FROM "{table.name}"'),
            {"t": table.name, "c": pk[0].name})


def restore(path: str | os.PathLike, storage: Storage, force: bool = False) -> Summary:
    """Check the backup, then write its photos and rows into this (empty) instance."""
    path = Path(path)
    manifest = verify(path)
    ensure_database(db.engine.url)
    tables, deferred = _ordered_tables()
    by_name = {t.name: t for t in tables}
    summary = Summary(revision=manifest["schema_revision"], created_at=manifest["created_at"])
    with db.engine.connect() as conn:
        with conn.begin():
            _prepare(conn, force)
        with conn.begin(), storage.bulk():
            pending, writes = [], _Writes()
            tar = tarfile.open(path, "r|")
            try:
                for member in tar:
                    kind = _member_kind(member.name)
                    fh = tar.extractfile(member)
                    if kind == "table":
                        table = by_name[_TABLE_MEMBER.fullmatch(member.name).group(1)]
                        own = {c for c in deferred if c.table is table}
                        count = 0
                        for batch, later in _rows(fh, table, own):
                            if batch:
                                conn.execute(table.insert(), batch)
                            pending.extend((table, own, row) for row in later)
                            count += len(batch)
                        if count != manifest["tables"][table.name]:
                            raise BackupError(f"备份中 {table.name} 表的行数与清单不符")
                        summary.rows[table.name] = count
                    elif kind == "original":
                        digest = validate_sha256(member.name.rsplit("/", 1)[1])
                        writes.submit(storage.put_original, digest, fh.read())
                        summary.originals += 1
                    elif kind == "derived":
                        writes.submit(storage.put_derived, member.name[len("photos/derived/"):],
                                      fh.read())
                        summary.derived += 1
            finally:
                tar.close()
                writes.finish()  # every photo is stored before the rows are committed
            for table, own, row in pending:  # foreign keys that close a cycle
                keys = [c.name for c in table.primary_key.columns]
                conn.execute(table.update().where(*(table.c[k] == row[k] for k in keys))
                             .values({c.name: row[c.name] for c in own}))
            _reset_sequences(conn, tables)
    db.engine.dispose()
    return summary
