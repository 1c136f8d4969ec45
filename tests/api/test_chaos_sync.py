"""Chaos sync: two phones of one inspector push 2,000 inspections with a photo each through a
connection that fails at random points, repeating and reordering everything; the server ends
up with every record and every photo exactly once, byte for byte.

The faults, as a phone on a bad network meets them:
  * before send: the request never leaves the phone (nothing happens);
  * mid-body: the connection drops half-way through the body (the server gets a truncated
    request: a cut JSON document, or photo bytes that do not match their X-Content-SHA256);
  * after commit: the server did the work but the answer never arrives (the phone retries);
and the phones send in random order, in random batches, and send again what was acknowledged.
"""
import hashlib
import json
import random

import sqlalchemy as sa

from server.extensions import db
from server.models import Finding, Inspection, Photo
from tests.helpers.images import make_jpeg
from tests.helpers.records import new_id

RECORDS = 2000
FAULTS = ("none", "none", "none", "before_send", "mid_body", "after_commit")


class Phone:
    """A phone's outbox: records and photos, each pending until the server acknowledged it."""

    def __init__(self, name: str, records: list[dict], photos: dict[str, bytes]):
        """Everything starts pending."""
        self.name, self.records, self.photos = name, {r["id"]: r for r in records}, photos
        self.pending_records, self.pending_photos = set(self.records), set(photos)


def _places(app, n: int) -> list[tuple[float, float]]:
    """n places inside the demo communities, some 40 m apart: every failure is a problem of its
    own (one recorded again within 30 m of an open one would join it as 仍未整改)."""
    from server.services.reference import load_reference

    with app.app_context():
        boundaries = load_reference().boundaries
    out = []
    for row in range(60):
        for col in range(80):
            lat, lon = 42.9635 + row * 0.00036, 126.7260 + col * 0.0005
            if boundaries.containing(lat, lon) is not None:
                out.append((lat, lon))
    assert len(out) >= n
    return out[:n]


def _record(place, i: int, photo_id: str) -> dict:
    """An inspection of an unregistered place (此处) with one failed item and its photo."""
    return {"kind": "inspection", "id": new_id(), "point_id": None, "location_type": "street",
            "started_at": "2026-11-27T09:%02d:%02d+08:00" % (i // 60 % 60, i % 60),
            "lat": place[0], "lon": place[1], "accuracy_m": 6.0, "covert": False, "note": "",
            "results": [{"id": new_id(), "item_code": "street.clutter", "result": "fail",
                         "note": f"第{i}处乱堆乱放", "photo_ids": [photo_id]}]}


def _push(client, headers, phone: Phone, ids: list[str], fault: str) -> None:
    """One push of some records through a faulty connection."""
    body = json.dumps({"device_id": phone.name, "records": [phone.records[i] for i in ids]}).encode()
    if fault == "before_send":
        return
    if fault == "mid_body":
        r = client.post("/api/v1/sync/push", data=body[: len(body) // 2],
                        headers={**headers, "Content-Type": "application/json"})
        assert r.status_code == 400, r.status_code
        return
    r = client.post("/api/v1/sync/push", data=body, headers={**headers, "Content-Type": "application/json"})
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    if fault == "after_commit":
        return
    for result in r.json["results"]:
        assert result["status"] in ("created", "duplicate"), result
        phone.pending_records.discard(result["id"])


def _upload(client, headers, phone: Phone, pid: str, fault: str) -> None:
    """One photo upload through a faulty connection."""
    data = phone.photos[pid]
    h = {**headers, "Content-Type": "image/jpeg", "X-Content-SHA256": hashlib.sha256(data).hexdigest(),
         "X-Taken-At": "2026-11-27T09:00:00+08:00"}
    if fault == "before_send":
        return
    if fault == "mid_body":
        r = client.put(f"/api/v1/photos/{pid}", data=data[: len(data) // 2], headers=h)
        assert r.status_code == 400, r.status_code  # the checksum tells a cut body
        return
    r = client.put(f"/api/v1/photos/{pid}", data=data, headers=h)
    assert r.status_code in (200, 201), r.get_data(as_text=True)[:300]
    if fault != "after_commit":
        phone.pending_photos.discard(pid)


def test_two_phones_on_a_bad_network_deliver_everything_exactly_once(app, auth, clock):
    rnd = random.Random(20261202)
    places = _places(app, RECORDS)
    photos = {new_id(): make_jpeg(24, 24, color=(i % 251, (i * 7) % 253, (i * 13) % 255), quality=60)
              for i in range(RECORDS)}
    ids = list(photos)
    records = [_record(places[i], i, ids[i]) for i in range(RECORDS)]
    a = Phone("phone-a", records[: RECORDS // 2], {i: photos[i] for i in ids[: RECORDS // 2]})
    b = Phone("phone-b", records[RECORDS // 2:], {i: photos[i] for i in ids[RECORDS // 2:]})
    # Phone B also holds a copy of some of A's records and photos (restored from a backup).
    for rec in rnd.sample(records[: RECORDS // 2], 100):
        b.records[rec["id"]] = rec
        b.pending_records.add(rec["id"])
        pid = rec["results"][0]["photo_ids"][0]
        b.photos[pid] = photos[pid]
        b.pending_photos.add(pid)
    headers = auth.headers("inspector")
    client, rounds = auth.client, 0
    while a.pending_records or a.pending_photos or b.pending_records or b.pending_photos:
        rounds += 1
        assert rounds < 20000, "the phones never finished"
        phone = rnd.choice([p for p in (a, b) if p.pending_records or p.pending_photos])
        fault = rnd.choice(FAULTS)
        if phone.pending_records and (not phone.pending_photos or rnd.random() < 0.3):
            batch = rnd.sample(sorted(phone.pending_records), min(len(phone.pending_records), rnd.randint(1, 60)))
            acked = sorted(set(phone.records) - phone.pending_records)
            batch += rnd.sample(acked, min(len(acked), rnd.randint(0, 5)))  # sent again
            rnd.shuffle(batch)
            _push(client, headers, phone, batch, fault)
        else:
            _upload(client, headers, phone, rnd.choice(sorted(phone.pending_photos)), fault)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Inspection)) == RECORDS
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Finding)) == RECORDS
        stored = dict(db.session.execute(sa.select(Photo.id, Photo.sha256)).all())
        assert stored == {pid: hashlib.sha256(data).hexdigest() for pid, data in photos.items()}
        linked = dict(db.session.execute(sa.select(Finding.id, Finding.status)).all())
        assert set(linked.values()) == {"assigned"}
    storage = app.extensions["storage"]
    for pid in rnd.sample(ids, 50):
        assert storage.get_original(stored[pid]) == photos[pid]
