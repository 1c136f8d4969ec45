"""Benchmark: the weekly bulletin and the monthly grades over 50,000 findings (target < 2 s).

A year of findings (ending Sunday 2026-11-29) is generated directly as rows and bulk
inserted with SQLAlchemy core into a fresh SQLite database (or --database-url): inspections,
findings with their clocks, the history events (create, reply, rectify, reject, verify,
void) and before/after photo links. Most findings are answered and closed within a few
working days, some late, some reworked, some voided; recent ones are still open. Then the
reports are fetched through the API as a supervisor and as a community, many times each.
"""
import argparse
import random
import statistics
import time
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from _common import fresh_app, login

from server import timeutil
from server.extensions import db
from server.models import Finding, FindingEvent, FindingPhoto, Inspection, User
from server.services.reference import load_reference

TARGET_S = 2.0
TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=TZ)
LAST_DAY = datetime(2026, 11, 29, tzinfo=TZ)
QUERIES = [
    ("weekly", "/api/v1/reports/weekly?week=2026-W48"),
    ("weekly (older)", "/api/v1/reports/weekly?week=2026-W30"),
    ("monthly", "/api/v1/reports/monthly?month=2026-11"),
    ("coverage", "/api/v1/reports/coverage?date=2026-11-27"),
]


class Generator:
    """Builds the rows of one finding's life at a time."""

    def __init__(self, seed: int):
        """Load the reference data the rows need."""
        self.rnd = random.Random(seed)
        ref = load_reference()
        self.cal = ref.calendar
        self.points = list(ref.points.values())
        self.types = ref.point_types
        self.items: dict[str, list] = {}
        for it in ref.items.values():
            if it.active:
                self.items.setdefault(it.location_type, []).append(it)
        users = {u.username: u for u in db.session.scalars(sa.select(User))}
        self.inspector = users["inspector"].id
        self.supervisor = users["supervisor"].id
        self.community_user = {u.community_id: u.id for u in users.values() if u.role == "community"}
        self.inspections, self.findings, self.events, self.photos = [], [], [], []
        self.seq: dict[int, int] = {}

    def local(self, day, hour: int, minute: int = 0) -> datetime:
        """A local time on a date, as UTC."""
        local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)
        return local.astimezone(timeutil.timezone.utc)

    def later(self, when: datetime, working_days: int) -> datetime:
        """A time some working days after another, at a random office hour."""
        day = timeutil.to_local(when).date()
        if working_days:
            day = self.cal.add_working_days(day, working_days)[0]
        at = self.local(day, self.rnd.randint(8, 17), self.rnd.randint(0, 59))
        return max(at, when + timedelta(minutes=5))

    def finding(self) -> None:
        """One finding with everything it went through before NOW."""
        rnd = self.rnd
        point = rnd.choice(self.points)
        ltype = self.types[point.id]
        item = rnd.choice(self.items[ltype])
        day = (LAST_DAY - timedelta(days=rnd.randint(0, 364))).date()
        found = self.local(day, rnd.randint(8, 16), rnd.randint(0, 59))
        notice = found + timedelta(minutes=rnd.randint(1, 50))
        reply_due = self.cal.add_working_days(day, 2)[0]
        rectify_due = self.cal.add_working_days(day, item.limit_days)[0]
        fid, iid = str(uuid.uuid4()), str(uuid.uuid4())
        year = day.year
        self.seq[year] = self.seq.get(year, 0) + 1
        community = point.community_id
        staff = self.community_user.get(community)
        before = str(uuid.uuid4())
        life = [("create", None, "assigned", notice, self.inspector, {})]
        if rnd.random() < 0.04:
            life.append(("void", "assigned", "void", self.later(notice, rnd.randint(0, 4)),
                         self.supervisor, {}))
        else:
            replied = self.later(notice, rnd.choice((0, 1, 1, 2, 2, 2, 3, 4)))
            rectify_direct = rnd.random() < 0.2
            if not rectify_direct:
                life.append(("reply", "assigned", "replied", replied, staff, {"on_time": True}))
            t = self.later(replied, rnd.randint(0, item.limit_days + 2))
            life.append(("rectify", "replied" if not rectify_direct else "assigned", "rectified",
                         t, staff, {}))
            if rnd.random() < 0.12:
                t = self.later(t, rnd.randint(0, 2))
                life.append(("reject", "rectified", "replied", t, self.supervisor, {}))
                t = self.later(t, rnd.randint(1, 3))
                life.append(("rectify", "replied", "rectified", t, staff, {}))
            life.append(("verify", "rectified", "closed", self.later(t, rnd.randint(0, 2)),
                         self.supervisor, {}))
        life = [e for e in life if e[3] < NOW]
        status = life[-1][2]
        times = {a: at for a, _, _, at, _, _ in life}
        self.inspections.append({
            "id": iid, "content_hash": "0" * 64, "device_id": "bench", "inspector_id": self.inspector,
            "point_id": point.id, "location_type": ltype, "started_at": found, "lat": point.lat,
            "lon": point.lon, "accuracy_m": 6.0, "covert": False, "note": "", "received_at": notice})
        self.findings.append({
            "id": fid, "code": f"MH-{year}-{self.seq[year]:05d}", "inspection_id": iid,
            "item_code": item.code, "location_type": ltype, "point_id": point.id,
            "community_id": community, "inspector_id": self.inspector, "lat": point.lat,
            "lon": point.lon, "description": "演示问题", "covert": False, "status": status,
            "found_at": found, "received_at": notice, "notice_letter_id": None,
            "notified_at": notice, "reply_due": reply_due, "rectify_due": rectify_due,
            "deadline_provisional": False, "assignment_method": "point",
            "assignment_detail": "登记点位", "flags": [], "reply": None,
            "replied_at": times.get("reply") or times.get("rectify"),
            "extension": None, "rectified_at": times.get("rectify") if status == "rectified" else None,
            "closed_at": times.get("verify"), "rework_count": sum(e[0] == "reject" for e in life),
            "return_count": 0, "updated_at": life[-1][3]})
        for action, frm, to, at, actor, data in life:
            self.events.append({"finding_id": fid, "at": at, "actor_id": actor, "action": action,
                                "from_status": frm, "to_status": to, "note": "", "data": data,
                                "photo_ids": []})
        self.photos.append({"finding_id": fid, "photo_id": before, "stage": "before", "position": 0})
        if any(e[0] == "rectify" for e in life):
            self.photos.append({"finding_id": fid, "photo_id": str(uuid.uuid4()), "stage": "after",
                                "position": 1})

    def insert(self) -> None:
        """Bulk insert everything, parents first, in chunks."""
        for model, rows in ((Inspection, self.inspections), (Finding, self.findings),
                            (FindingEvent, self.events), (FindingPhoto, self.photos)):
            for i in range(0, len(rows), 5000):
                db.session.execute(sa.insert(model), rows[i:i + 5000])
        db.session.commit()


def main() -> None:
    """Generate the findings, then time each report and print the figures."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--findings", type=int, default=50_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args()
    timeutil._source = lambda: NOW.astimezone(timeutil.timezone.utc)  # the week is over
    app = fresh_app(args.database_url)
    t0 = time.perf_counter()
    with app.app_context():
        gen = Generator(seed=11)
        for _ in range(args.findings):
            gen.finding()
        gen.insert()
        counts = {name: len(rows) for name, rows in (("findings", gen.findings),
                                                     ("events", gen.events), ("photos", gen.photos))}
    print(f"weekly report: generated {counts['findings']} findings, {counts['events']} events, "
          f"{counts['photos']} photo links in {time.perf_counter() - t0:.1f} s")
    client = app.test_client()
    worst = 0.0
    for who, headers in (("supervisor", login(client, "supervisor")),
                         ("community", login(client, "hongsheng"))):
        for name, url in QUERIES:
            times = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                r = client.get(url, headers=headers)
                times.append(time.perf_counter() - t)
                assert r.status_code == 200, r.get_data(as_text=True)[:500]
            body = r.json
            if name != "coverage":
                worst = max(worst, max(times))
            summary = ""
            if "communities" in body:
                summary = f"{len(body['communities'])} row(s); " + ", ".join(
                    f"{r['name']} {r['cases']}件 {r['score']}分 第{r['rank']}名"
                    for r in body["ranking"])
            elif "summary" in body:
                summary = (f"{body['summary']['inspected']}/{body['summary']['points']} points "
                           f"inspected, {body['summary']['stale']} stale")
            print(f"  {who:<10} {name:<15} median {statistics.median(times):6.3f} s  "
                  f"max {max(times):6.3f} s  {summary}")
    print(f"{'PASS' if worst < TARGET_S else 'FAIL'}: slowest weekly/monthly report {worst:.3f} s, "
          f"target < {TARGET_S:.0f} s")


if __name__ == "__main__":
    main()
