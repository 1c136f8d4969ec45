"""Shared set-up for the benchmarks: a fresh app with the demo street, and record builders."""
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server import create_app  # noqa: E402
from server.demo import load_demo  # noqa: E402
from server.extensions import db  # noqa: E402


def fresh_app(database_url: str | None = None):
    """An app over a new SQLite file (or the given URL) with the demo street loaded."""
    tmp = tempfile.mkdtemp(prefix="cc-bench-")
    url = database_url or f"sqlite:///{tmp}/bench.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "DATA_DIR": f"{tmp}/data",
                      "SWEEP_INTERVAL_S": 0})
    with app.app_context():
        db.create_all()
        load_demo("bench", hash_method="pbkdf2:sha256:1000")
    return app


def login(client, username="inspector"):
    """Bearer header for a demo account."""
    r = client.post("/api/v1/auth/login", json={"username": username, "password": "bench"})
    return {"Authorization": f"Bearer {r.json['token']}"}


def make_records(client, headers, n: int, fails_per_record: int = 1, seed: int = 7) -> list[dict]:
    """n inspections at random demo points, each with failed and passed items."""
    rnd = random.Random(seed)
    points = client.get("/api/v1/points", headers=headers).json["features"]
    checklists = client.get("/api/v1/checklists", headers=headers).json
    out = []
    for i in range(n):
        p = rnd.choice([p for p in points if p["properties"]["location_type"] in checklists])
        ltype = p["properties"]["location_type"]
        items = rnd.sample(checklists[ltype], min(len(checklists[ltype]), fails_per_record + 2))
        results = [{"id": str(uuid.uuid4()), "item_code": it["code"],
                    "result": "fail" if k < fails_per_record else "pass", "note": "演示问题",
                    "photo_ids": [str(uuid.uuid4())] if k < fails_per_record else []}
                   for k, it in enumerate(items)]
        lon, lat = p["geometry"]["coordinates"]
        day = 1 + (i % 26)
        out.append({"kind": "inspection", "id": str(uuid.uuid4()), "point_id": p["properties"]["id"],
                    "location_type": ltype, "started_at": f"2026-11-{day:02d}T09:{i % 60:02d}:00+08:00",
                    "lat": lat, "lon": lon, "accuracy_m": 6.0, "covert": False, "note": "",
                    "results": results})
    return out


def wait_until(page, expression: str, timeout: float = 30000):
    """Poll a JavaScript expression from here (the app's CSP forbids wait_for_function's eval)."""
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise TimeoutError(expression)
        page.wait_for_timeout(50)


def serve_phone_screens():
    """The demo street served from a thread, without third-party tiles, for the inspector's screens.

    Returns (server, base URL, screens): the screens as (name, hash, a selector that is on it once
    it has drawn) for 今日路线, 检查 (at a compound) and 记录. ``server.shutdown()`` stops it."""
    import logging
    import threading

    from werkzeug.serving import make_server

    app = fresh_app()
    app.config["TILE_URL"] = ""  # third-party tiles are not the app's performance
    for name in ("werkzeug", "server.request"):
        logging.getLogger(name).setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with app.test_client() as client:
        features = client.get("/api/v1/points", headers=login(client)).json["features"]
    point = next(f["properties"]["id"] for f in features if f["properties"]["location_type"] == "compound")
    screens = [("今日路线", "#/route", "#route-list li"), ("检查", f"#/inspect/point/{point}", "#rest-pass"),
               ("记录", "#/outbox", "h1")]
    return server, f"http://127.0.0.1:{server.server_port}", screens
