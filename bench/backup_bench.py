"""Benchmark: backup and restore of 10,000 findings with 20,000 photos; photo uploads to S3
(moto) against the local folder, in the same run.

Set-up (not timed): 5,000 inspections with two failed items each are pushed through the sync
API (10,000 findings); each failed item names one photo, and a second photo per finding is
linked as an after photo, so 20,000 photo rows. Every photo gets its own small original
(distinct bytes, ~4 KB) and a thumbnail written through the storage API, as an upload leaves
them. Timed: `backup create` (every table and 40,000 files), `backup verify`, and `backup
restore` into an empty SQLite database and folder (and into PostgreSQL with --database-url);
then the restored instance is compared with the source (rows and photo bytes).

Uploads: the same N photos (320×240 JPEGs, distinct) are PUT through the API, one at a time,
into the local folder and into an S3 bucket on `moto_server` on 127.0.0.1; the raw storage
write (put_original of 200 KB, no image decoding) is timed as well.
"""
import argparse
import hashlib
import io
import random
import shutil
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa
from PIL import Image

from _common import fresh_app, login, make_records

from server import create_app
from server.extensions import db
from server.models import FindingPhoto, Photo, User
from server.services import backup
from server.services.storage import FileStorage
from server.services.storage_s3 import S3Storage
from server.timeutil import utcnow
from tests.ops.servers import MotoServer


def small_jpeg(rnd: random.Random, size=(160, 120), quality=60) -> bytes:
    """A small photo-like JPEG (noise compresses like a scene)."""
    img = Image.effect_noise(size, rnd.randint(20, 60)).convert("RGB")
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def populate(app, client, findings: int) -> int:
    """Push the findings, then give every finding two photos with stored bytes; return photos."""
    inspector = login(client)
    records = make_records(client, inspector, findings // 2, fails_per_record=2)
    for i in range(0, len(records), 250):
        r = client.post("/api/v1/sync/push", headers=inspector,
                        json={"device_id": "bench", "records": records[i:i + 250]})
        assert r.status_code == 200, r.get_data(as_text=True)
    rnd = random.Random(5)
    bases = [small_jpeg(rnd) for _ in range(16)]
    thumbs = [small_jpeg(rnd, (96, 72)) for _ in range(16)]
    storage = app.extensions["storage"]
    with app.app_context():
        inspector_id = db.session.scalar(sa.select(User.id).where(User.username == "inspector"))
        before = db.session.execute(sa.select(FindingPhoto.finding_id, FindingPhoto.photo_id)
                                    .where(FindingPhoto.stage == "before")).all()
        now, photo_rows, links = utcnow(), [], []
        for i, (finding_id, before_id) in enumerate(before):
            after_id = str(uuid.uuid4())
            links.append({"finding_id": finding_id, "photo_id": after_id, "stage": "after",
                          "position": 0})
            for k, pid in enumerate((before_id, after_id)):
                data = bases[(2 * i + k) % len(bases)] + uuid.uuid4().bytes  # after EOI: still valid
                digest = hashlib.sha256(data).hexdigest()
                storage.put_original(digest, data)
                storage.put_derived(f"{pid}-thumb.jpg", thumbs[(2 * i + k) % len(thumbs)])
                photo_rows.append({"id": pid, "sha256": digest, "content_type": "image/jpeg",
                                   "width": 160, "height": 120, "size": len(data),
                                   "uploaded_by": inspector_id, "received_at": now})
        for start in range(0, len(photo_rows), 1000):
            db.session.execute(sa.insert(Photo), photo_rows[start:start + 1000])
        columns = {c.name for c in FindingPhoto.__table__.columns}
        links = [{k: v for k, v in link.items() if k in columns} for link in links]
        for start in range(0, len(links), 1000):
            db.session.execute(sa.insert(FindingPhoto), links[start:start + 1000])
        db.session.commit()
        return len(photo_rows)


def storage_bytes(storage) -> int:
    """How many bytes the photo storage holds."""
    return sum(len(storage.get_original(d)) for d in storage.iter_originals())


def time_backup(app, workdir: Path, restore_url: str | None) -> None:
    """Create, verify and restore a backup; print the times and check the copy."""
    path = workdir / "bench.ccbak"
    storage = app.extensions["storage"]
    with app.app_context():
        t = time.perf_counter()
        summary = backup.create(path, storage)
        created = time.perf_counter() - t
    size = path.stat().st_size
    print(f"backup create: {sum(summary.rows.values())} rows (findings {summary.rows['findings']}), "
          f"{summary.originals} originals + {summary.derived} derived files, "
          f"{size / 1e6:.0f} MB in {created:.1f} s ({size / 1e6 / created:.0f} MB/s)")
    t = time.perf_counter()
    backup.verify(path)
    print(f"backup verify: {time.perf_counter() - t:.1f} s")
    targets = [("SQLite", f"sqlite:///{workdir / 'restored.sqlite3'}")]
    if restore_url:
        name = f"cc_bench_{uuid.uuid4().hex[:8]}"
        targets.append(("PostgreSQL", restore_url.rsplit("/", 1)[0] + f"/{name}"))
    for label, url in targets:
        data_dir = workdir / f"restored-{label}"
        target = create_app({"SQLALCHEMY_DATABASE_URI": url, "DATA_DIR": str(data_dir),
                             "SWEEP_INTERVAL_S": 0, "LOG_LEVEL": "WARNING"})
        with target.app_context():
            t = time.perf_counter()
            restored = backup.restore(path, target.extensions["storage"])
            seconds = time.perf_counter() - t
            same_rows = restored.rows == summary.rows
            same_files = (sorted(target.extensions["storage"].iter_originals())
                          == sorted(storage.iter_originals()))
            db.engine.dispose()
        print(f"backup restore into an empty {label} database and folder: {seconds:.1f} s "
              f"({'same rows and files' if same_rows and same_files else 'MISMATCH'})")
        if label == "PostgreSQL":
            admin = sa.create_engine(restore_url.replace("postgresql://", "postgresql+psycopg://", 1),
                                     isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
            admin.dispose()


def time_uploads(app, client, n: int, workdir: Path) -> None:
    """PUT n photos through the API into the local folder and into S3 (moto); then raw writes."""
    headers = {**login(client), "Content-Type": "image/jpeg"}
    rnd = random.Random(9)
    photos = [small_jpeg(rnd, (320, 240), 80) for _ in range(n)]
    server = MotoServer().start()
    try:
        bucket = server.new_bucket()
        stores = {"local folder": FileStorage(workdir / "upload-local"),
                  "S3 (moto)": S3Storage(bucket, "photos", endpoint_url=server.url,
                                         access_key="bench", secret_key="bench")}
        rates = {}
        for label, store in stores.items():
            app.extensions["storage"] = store
            t = time.perf_counter()
            for data in photos:
                r = client.put(f"/api/v1/photos/{uuid.uuid4()}", data=data, headers=headers)
                assert r.status_code == 201, r.get_data(as_text=True)
            seconds = time.perf_counter() - t
            rates[label] = n / seconds
            print(f"photo uploads (PUT /api/v1/photos, {len(photos[0]) // 1000} KB JPEGs) into the "
                  f"{label}: {n} in {seconds:.1f} s, {n / seconds:.0f} photos/s")
        blob = random.Random(3).randbytes(200_000)
        for label, store in stores.items():
            blobs = [blob + i.to_bytes(4, "big") for i in range(n)]
            t = time.perf_counter()
            for data in blobs:
                store.put_original(hashlib.sha256(data).hexdigest(), data)
            seconds = time.perf_counter() - t
            print(f"raw storage writes (200 KB each) into the {label}: {n / seconds:.0f}/s, "
                  f"{n * 0.2 / seconds:.0f} MB/s")
        print(f"S3 (moto) upload throughput is {rates['S3 (moto)'] / rates['local folder']:.0%} "
              f"of the local folder's")
    finally:
        server.stop()


def main() -> None:
    """Build the data set, then time backup, restore and uploads."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--findings", type=int, default=10000)
    ap.add_argument("--uploads", type=int, default=200)
    ap.add_argument("--database-url", default=None,
                    help="also restore into a new database on this PostgreSQL server")
    args = ap.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="cc-backup-bench-"))
    app = None
    try:
        t0 = time.perf_counter()
        app = fresh_app()
        client = app.test_client()
        photos = populate(app, client, args.findings)
        print(f"backup bench: {args.findings} findings, {photos} photos "
              f"({storage_bytes(app.extensions['storage']) / 1e6:.0f} MB of originals), "
              f"set-up {time.perf_counter() - t0:.0f} s")
        time_backup(app, workdir, args.database_url)
        time_uploads(app, client, args.uploads, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if app is not None:  # fresh_app's folder: the source database and its photos
            shutil.rmtree(Path(app.config["DATA_DIR"]).parent, ignore_errors=True)


if __name__ == "__main__":
    main()
