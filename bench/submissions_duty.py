"""Benchmark: the half-month 信息报送 ranking and the 责任清单 report with 50 units and a year
of data (target < 500 ms each). Also times the monthly grade (which now counts both) and the
year (年度创建绩效考核).

    .venv/bin/python bench/submissions_duty.py [DATABASE_URL]
"""
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import fresh_app, login  # noqa: E402

import server.timeutil as tu  # noqa: E402
from server.extensions import db  # noqa: E402
from server.models import Unit, User  # noqa: E402
from server.models.campaign import DutyItem, DutyList, Submission  # noqa: E402
from server.services.reports import half_of, week_of  # noqa: E402

UNITS = 50
NOW = datetime(2026, 12, 20, 2, 0, tzinfo=timezone.utc)  # 2026-12-20 10:00 in Beijing


def seed(app) -> None:
    """50 units; for a year: a submission per unit every 5 days at 60 % (about 30 % adopted), a
    weekly duty list of 3–6 items per unit and week in various states."""
    rnd = random.Random(13)
    with app.app_context():
        have = db.session.scalar(db.select(db.func.count()).select_from(Unit))
        for i in range(have, UNITS):
            kind = "community" if i < 20 else ("task_force" if i < 40 else "office")
            db.session.add(Unit(code=f"b{i}", name=f"单位{i:02d}", kind=kind, active=True, position=i))
        db.session.flush()
        author = db.session.scalar(db.select(User.id).where(User.username == "supervisor"))
        units = list(db.session.scalars(db.select(Unit.id)))
        day, subs, lists, items = date(2026, 1, 1), [], [], 0
        while day <= date(2026, 12, 20):
            for uid in units:
                if rnd.random() < 0.6:
                    at = datetime(day.year, day.month, day.day, 2, tzinfo=timezone.utc)
                    subs.append(Submission(unit_id=uid, author_id=author, period=half_of(day).label,
                                           title="信息", kind="news", body="正文", photo_ids=[],
                                           received_at=at, review_note="",
                                           adopted=rnd.random() < 0.3 or None))
            day += timedelta(days=5)
        db.session.add_all(subs)
        monday = date(2025, 12, 29)
        while monday <= date(2026, 12, 14):
            for uid in units:
                dl = DutyList(unit_id=uid, period=week_of(monday).label, issued_by=author,
                              issued_at=datetime(monday.year, monday.month, monday.day, 1,
                                                 tzinfo=timezone.utc))
                lists.append(dl)
                for k in range(rnd.randint(3, 6)):
                    status = rnd.choice(["open", "completed", "confirmed", "confirmed"])
                    due = monday + timedelta(days=rnd.randint(0, 6))
                    done = (datetime(due.year, due.month, due.day, tzinfo=timezone.utc)
                            if status != "open" else None)
                    dl.items.append(DutyItem(position=k, text="事项", indicator="", due=due,
                                             status=status, note="", photo_ids=[], review_note="",
                                             completed_at=done))
                    items += 1
            monday += timedelta(days=7)
        db.session.add_all(lists)
        db.session.commit()
        print(f"seeded {len(units)} units, {len(subs)} submissions, {len(lists)} duty lists, "
              f"{items} duty items")


def timed(client, headers, url: str, runs: int = 7) -> float:
    """Median milliseconds of a GET."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        r = client.get(url, headers=headers)
        times.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, (url, r.status_code, r.get_data(as_text=True)[:300])
    return statistics.median(times)


def main() -> None:
    """Seed, then time each report."""
    app = fresh_app(sys.argv[1] if len(sys.argv) > 1 else None)
    seed(app)
    tu._source = lambda: NOW
    client = app.test_client()
    headers = login(client, "supervisor")
    for label, url, target in (
            ("half-month ranking", "/api/v1/reports/submissions?half=2026-12-1", 500),
            ("duty report (week)", "/api/v1/reports/duty?period=2026-W50", 500),
            ("duty report (month)", "/api/v1/reports/duty?period=2026-12", 500),
            ("monthly grade", "/api/v1/reports/monthly?month=2026-12", None),
            ("yearly", "/api/v1/reports/yearly?year=2026", None)):
        ms = timed(client, headers, url, runs=3 if target is None else 7)
        verdict = "" if target is None else ("  OK" if ms < target else f"  SLOW (target {target} ms)")
        print(f"{label:22s} {ms:8.1f} ms{verdict}")


if __name__ == "__main__":
    main()
