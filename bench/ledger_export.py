"""Benchmark: the Excel ledger of 10,000 findings with embedded thumbnails (target < 60 s).

Set-up (not timed): findings are pushed through the sync API; their before photos get real
JPEG thumbnails written straight through the storage API (the derived name the upload
would have made, f"{photo_id}-thumb.jpg") with their photo rows, which is what an upload
leaves behind, without decoding 10,000 full-size images. A few hundred findings are then
driven through reply, rectification (uploading an after photo) and verification, so both
photo columns are exercised. Timed: POST /api/v1/exports until the job reports done.
"""
import argparse
import hashlib
import io
import random
import time
import uuid
import zipfile

import sqlalchemy as sa
from PIL import Image, ImageDraw

from _common import fresh_app, login, make_records

from server.extensions import db
from server.models import Community, FindingPhoto, Photo, User
from server.timeutil import utcnow

TARGET_S = 60.0


def sample_thumbnails(n: int = 24, seed: int = 3) -> list[bytes]:
    """Photo-like 320×240 JPEGs (noise and shapes compress like real scenes, not flat colour)."""
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        img = Image.effect_noise((320, 240), rnd.randint(20, 60)).convert("RGB")
        draw = ImageDraw.Draw(img)
        for _ in range(25):
            x, y = rnd.randint(0, 300), rnd.randint(0, 220)
            draw.rectangle([x, y, x + rnd.randint(5, 120), y + rnd.randint(5, 90)],
                           fill=(rnd.randint(0, 255), rnd.randint(0, 255), rnd.randint(0, 255)))
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=80)
        out.append(buf.getvalue())
    return out


def attach_before_thumbnails(app) -> int:
    """Photo rows and stored thumbnails for every before photo the pushes referenced."""
    storage = app.extensions["storage"]
    thumbs = sample_thumbnails()
    digests = [hashlib.sha256(t).hexdigest() for t in thumbs]
    with app.app_context():
        for data, digest in zip(thumbs, digests):
            storage.put_original(digest, data)
        inspector = db.session.scalar(sa.select(User.id).where(User.username == "inspector"))
        ids = db.session.scalars(sa.select(FindingPhoto.photo_id)
                                 .where(FindingPhoto.stage == "before")).all()
        now, rows = utcnow(), []
        for i, pid in enumerate(ids):
            k = i % len(thumbs)
            storage.put_derived(f"{pid}-thumb.jpg", thumbs[k])
            rows.append({"id": pid, "sha256": digests[k], "content_type": "image/jpeg",
                         "width": 320, "height": 240, "size": len(thumbs[k]),
                         "uploaded_by": inspector, "received_at": now})
        for start in range(0, len(rows), 1000):
            db.session.execute(sa.insert(Photo), rows[start:start + 1000])
        db.session.commit()
    return len(ids)


def progress_some(app, client, supervisor, n: int) -> int:
    """Reply, rectify (with an uploaded after photo) and verify n findings; return how many."""
    with app.app_context():
        users = {c.id: c.code for c in db.session.scalars(sa.select(Community))}
    items = client.get("/api/v1/findings?status=assigned&per_page=200", headers=supervisor).json["items"]
    heads, done = {}, 0
    after = sample_thumbnails(4, seed=11)
    for f in items[:n]:
        user = users[f["community_id"]]
        heads.setdefault(user, login(client, user))
        h = heads[user]
        client.post(f"/api/v1/findings/{f['id']}/actions", headers=h, json={
            "action": "reply", "measures": "组织清理", "responsible": "王建华", "phone": "13800000000",
            "planned_date": "2026-12-30"})
        pid = str(uuid.uuid4())
        client.put(f"/api/v1/photos/{pid}", data=after[done % len(after)],
                   headers={**h, "Content-Type": "image/jpeg"})
        r = client.post(f"/api/v1/findings/{f['id']}/actions", headers=h,
                        json={"action": "rectify", "note": "已清理", "photo_ids": [pid]})
        if r.status_code == 200 and done % 2 == 0:
            client.post(f"/api/v1/findings/{f['id']}/actions", headers=supervisor,
                        json={"action": "verify", "note": "现场复核已整改"})
        done += r.status_code == 200
    return done


def run_job(client, headers, fmt: str, filters: dict | None = None) -> tuple[dict, float]:
    """POST an export and poll it to the end; return its final state and the seconds taken."""
    t = time.perf_counter()
    r = client.post("/api/v1/exports", headers=headers, json={"format": fmt, "filters": filters or {}})
    assert r.status_code == 202, r.get_data(as_text=True)
    job_id, last = r.json["id"], None
    while True:
        job = client.get(f"/api/v1/exports/{job_id}", headers=headers).json
        if job["progress"] and job["progress"] != last and job["progress"] % 2000 == 0:
            print(f"    … {job['progress']}/{job['total']}")
        last = job["progress"]
        if job["status"] in ("done", "failed"):
            return job, time.perf_counter() - t
        time.sleep(0.2)


def main() -> None:
    """Set up the ledger, run the Excel and CSV exports, print the figures."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--findings", type=int, default=10000)
    ap.add_argument("--progressed", type=int, default=200)
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args()
    t0 = time.perf_counter()
    app = fresh_app(args.database_url)
    client = app.test_client()
    inspector, supervisor = login(client), login(client, "supervisor")
    records = make_records(client, inspector, args.findings // 2, fails_per_record=2)
    for i in range(0, len(records), 250):
        client.post("/api/v1/sync/push", headers=inspector,
                    json={"device_id": "bench", "records": records[i:i + 250]})
    photos = attach_before_thumbnails(app)
    moved = progress_some(app, client, supervisor, args.progressed)
    total = client.get("/api/v1/findings?per_page=1", headers=supervisor).json["total"]
    print(f"ledger export: {total} findings, {photos} before thumbnails, {moved} rectified "
          f"with after photos (set-up {time.perf_counter() - t0:.0f} s)")

    job, seconds = run_job(client, supervisor, "xlsx")
    assert job["status"] == "done", job
    body = client.get(job["download_url"], headers=supervisor)
    data = body.get_data()
    body.close()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        images = sum(1 for n in z.namelist() if n.startswith("xl/media/"))
        sheet = z.read("xl/worksheets/sheet1.xml")
    rows = sheet.count(b"<row ") - 1
    print(f"  xlsx: {rows} rows, {images} embedded thumbnails, {len(data) / 1e6:.1f} MB, "
          f"{seconds:.1f} s ({rows / seconds:.0f} rows/s)")

    csv_job, csv_seconds = run_job(client, supervisor, "csv")
    print(f"  csv:  {csv_job['total']} rows, {csv_job['size'] / 1e6:.1f} MB, {csv_seconds:.1f} s")
    ok = rows == total and images == photos + moved and seconds < TARGET_S
    print(f"{'PASS' if ok else 'FAIL'}: xlsx of {rows} rows in {seconds:.1f} s, target < {TARGET_S:.0f} s"
          + ("" if rows == total else f" (expected {total} rows)")
          + ("" if images == photos + moved else f" (expected {photos + moved} images)"))


if __name__ == "__main__":
    main()
