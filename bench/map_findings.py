"""Benchmark: the supervision map with 50,000 findings (target < 1,000 features and < 300 ms).

Findings are bulk-inserted through SQLAlchemy Core into a fresh SQLite database (or the
given URL), spread over the four demo communities (~42.96–42.99 N, 126.72–126.77 E): half
scattered around the registered points, half anywhere in the area. The map is then asked for
a 1280×800-pixel screen centred on the area at zooms 10–18, for the whole area and the whole
world at high zoom, with filters, and as a community account; every answer is timed through
the app (auth, SQL, JSON).
"""
import argparse
import math
import os
import random
import statistics
import time
import uuid
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from _common import fresh_app, login

from server.extensions import db
from server.models import ChecklistItem, Community, Finding, Inspection, Point, User
from server.models.findings import STATUSES

MAX_FEATURES, TARGET_MS = 1000, 300.0
AREA = (126.72, 42.96, 126.77, 42.99)  # w, s, e, n
CENTRE = (126.745, 42.975)
SCREEN = (1280, 800)  # pixels
STATUS_WEIGHTS = {"unassigned": 3, "assigned": 30, "returned": 2, "replied": 30,
                  "rectified": 10, "closed": 22, "void": 3}


def screen_bbox(zoom: int, centre=CENTRE, size=SCREEN) -> str:
    """The box a screen of this size shows at a zoom (web mercator, 256-px tiles)."""
    deg_per_px = 360.0 / (256 * 2 ** zoom)
    half_w = size[0] / 2 * deg_per_px
    half_h = size[1] / 2 * deg_per_px * math.cos(math.radians(centre[1]))
    return (f"{centre[0] - half_w:.6f},{centre[1] - half_h:.6f},"
            f"{centre[0] + half_w:.6f},{centre[1] + half_h:.6f}")


def load_findings(app, n: int, seed: int = 11) -> None:
    """Insert n findings (and the inspections they belong to) in bulk."""
    rnd = random.Random(seed)
    with app.app_context():
        inspector_id = db.session.scalar(sa.select(User.id).where(User.username == "inspector"))
        points = db.session.execute(sa.select(Point.id, Point.lat, Point.lon, Point.location_type,
                                              Point.community_id)).all()
        items: dict[str, list[str]] = {}
        for code, ltype in db.session.execute(sa.select(ChecklistItem.code,
                                                        ChecklistItem.location_type)):
            items.setdefault(ltype, []).append(code)
        communities = db.session.scalars(sa.select(Community.id)).all()
        points = [p for p in points if p.location_type in items]
        statuses = list(STATUS_WEIGHTS)
        weights = list(STATUS_WEIGHTS.values())
        now = datetime.now(timezone.utc)  # overdue is derived from today's date
        per_inspection = 5
        inspections, findings = [], []
        for i in range(0, n, per_inspection):
            p = rnd.choice(points)
            iid = str(uuid.uuid4())
            found = now - timedelta(days=rnd.randint(0, 60), minutes=rnd.randint(0, 600))
            inspections.append({"id": iid, "content_hash": "0" * 64, "device_id": "bench",
                                "inspector_id": inspector_id, "point_id": p.id,
                                "location_type": p.location_type, "started_at": found,
                                "lat": p.lat, "lon": p.lon, "accuracy_m": 8.0, "covert": False,
                                "note": "", "received_at": found})
            for k in range(min(per_inspection, n - i)):
                if rnd.random() < 0.5:  # around the point, GPS scatter of some 30 m
                    lat, lon = p.lat + rnd.gauss(0, 0.0003), p.lon + rnd.gauss(0, 0.0004)
                    ltype, point_id, community = p.location_type, p.id, p.community_id
                else:  # anywhere in the area, not at a registered point
                    lat, lon = rnd.uniform(AREA[1], AREA[3]), rnd.uniform(AREA[0], AREA[2])
                    ltype, point_id, community = "street", None, rnd.choice(communities)
                status = rnd.choices(statuses, weights)[0]
                assigned = status != "unassigned"
                clocks = ({"notified_at": found, "reply_due": found.date() + timedelta(days=4),
                           "rectify_due": found.date() + timedelta(days=rnd.choice((7, 14, 30))),
                           "assignment_method": "point" if point_id else "boundary"}
                          if assigned else {"notified_at": None, "reply_due": None,
                                            "rectify_due": None, "assignment_method": None})
                findings.append({
                    "id": str(uuid.uuid4()), "code": f"MH-2026-B{i + k:06d}",
                    "inspection_id": iid, "item_code": rnd.choice(items[ltype]),
                    "location_type": ltype, "point_id": point_id,
                    "community_id": community if assigned else None,
                    "inspector_id": inspector_id, "lat": lat, "lon": lon, "description": "",
                    "covert": rnd.random() < 0.05, "status": status, "found_at": found,
                    "received_at": found, "deadline_provisional": False,
                    "assignment_detail": "", "flags": [], "rework_count": 0, "return_count": 0,
                    "updated_at": found, **clocks})
        db.session.remove()  # end the read transaction before writing
        with db.engine.begin() as conn:
            for chunk in range(0, len(inspections), 5000):
                conn.execute(sa.insert(Inspection), inspections[chunk:chunk + 5000])
            for chunk in range(0, len(findings), 5000):
                conn.execute(sa.insert(Finding), findings[chunk:chunk + 5000])
        if db.engine.dialect.name == "sqlite":
            with db.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")


def queries() -> list[tuple[str, str]]:
    """(label, query string) pairs: a screen at each zoom, big boxes, filters."""
    area = ",".join(str(v) for v in AREA)
    out = [(f"screen z{z}", f"bbox={screen_bbox(z)}&zoom={z}") for z in range(10, 19)]
    out += [(f"whole area z{z}", f"bbox={area}&zoom={z}") for z in (12, 15, 16, 17, 18)]
    out += [("whole world z18", "bbox=-180,-90,180,90&zoom=18"),
            ("all statuses area z16", f"bbox={area}&zoom=16&status={','.join(STATUSES)}"),
            ("overdue area z15", f"bbox={area}&zoom=15&overdue=true"),
            ("community 2 toilets z14", f"bbox={area}&zoom=14&community_id=2&location_type=toilet"),
            ("dated screen z16", f"bbox={screen_bbox(16)}&zoom=16&from=2026-11-01&to=2026-11-20")]
    return out


def main() -> None:
    """Load the findings, then time every query and print the figures."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--findings", type=int, default=50000)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args()
    app = fresh_app(args.database_url)
    t = time.perf_counter()
    load_findings(app, args.findings)
    print(f"map findings: {args.findings} findings inserted in {time.perf_counter() - t:.1f} s "
          f"({app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]})")
    client = app.test_client()
    users = (("supervisor", login(client, "supervisor")), ("community", login(client, "hongsheng")))
    worst_ms, worst_cpu, worst_features, failures = 0.0, 0.0, 0, []
    for who, headers in users:
        for label, qs in queries():
            url = f"/api/v1/map/findings?{qs}"
            times, cpu = [], []
            for _ in range(args.repeat):
                t, c = time.perf_counter(), time.process_time()
                r = client.get(url, headers=headers)
                times.append((time.perf_counter() - t) * 1000)
                cpu.append((time.process_time() - c) * 1000)
                assert r.status_code == 200, r.get_data(as_text=True)
            body = r.json
            n, meta = len(body["features"]), body["meta"]
            shown = sum(f["properties"]["count"] if f["properties"]["cluster"] else 1
                        for f in body["features"])
            assert shown == meta["total"] or meta["truncated"], (label, shown, meta)
            med, p95 = statistics.median(times), sorted(times)[math.ceil(len(times) * 0.95) - 1]
            cpu95 = sorted(cpu)[math.ceil(len(cpu) * 0.95) - 1]
            worst_ms, worst_features = max(worst_ms, p95), max(worst_features, n)
            worst_cpu = max(worst_cpu, cpu95)
            ok = n < MAX_FEATURES and p95 < TARGET_MS
            if not ok:
                failures.append(f"{who} {label}")
            mode = f"clusters cell {meta['cell_deg']:.5f}°" if meta["clustered"] else "findings"
            print(f"  {who:<10} {label:<24} {n:5d} features ({mode:<22}) of {meta['total']:6d}  "
                  f"median {med:6.1f} ms  p95 {p95:6.1f} ms  (cpu p95 {cpu95:6.1f} ms)  "
                  f"{'ok' if ok else 'FAIL'}")
    verdict = "PASS" if not failures else "FAIL"
    print(f"{verdict}: most features {worst_features} (limit < {MAX_FEATURES}), worst p95 "
          f"{worst_ms:.1f} ms (target < {TARGET_MS:.0f} ms)"
          + (f"; failed: {failures}" if failures else ""))
    print(f"  (worst p95 of this process's CPU time {worst_cpu:.1f} ms — on SQLite that is the "
          f"whole request, on PostgreSQL the server's share is not in it; wall time above it "
          f"is waiting for a CPU: load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
