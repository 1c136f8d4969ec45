"""Benchmark: working-day deadlines for many findings (target: 20,000 in under 1 s).

Every sweep, ledger row and report computes a finding's due date and how many working days
it is late. This times the calendar the server builds (seeded holidays, 2004-2026 known) on
20,000 such pairs, spread over four years so that weekends, the Spring Festival and the
National Day weeks all come up, and prints the median of several runs.
"""
import argparse
import statistics
import time
from datetime import date, timedelta

import _common  # noqa: F401  (puts the project on the path)
from server.services.calendar import WorkCalendar, seed_days

TARGET_S = 1.0


def one_run(cal: WorkCalendar, starts: list[date]) -> float:
    """Seconds to compute every start's due date and its lateness 40 days on."""
    t0 = time.perf_counter()
    for i, s in enumerate(starts):
        due, _ = cal.add_working_days(s, i % 7)
        cal.working_days_between(due, s + timedelta(days=40))
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    cal = WorkCalendar({d: kind for d, kind, _name in seed_days()}, known_years=range(2004, 2027))
    starts = [date(2023, 1, 1) + timedelta(days=i % 1460) for i in range(args.pairs)]
    runs = [one_run(cal, starts) for _ in range(args.repeat)]
    median = statistics.median(runs)
    print(f"calendar: {args.pairs} due dates and lateness counts, {args.repeat} runs")
    print(f"  median {median * 1000:.0f} ms (min {min(runs) * 1000:.0f}, max {max(runs) * 1000:.0f}),"
          f" {median / args.pairs * 1e6:.1f} µs per finding")
    print(f"  target < {TARGET_S:.1f} s: {'met' if median < TARGET_S else 'NOT MET'}")


if __name__ == "__main__":
    main()
