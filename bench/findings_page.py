"""Benchmark: a filtered findings page — 10,000 findings under 100 ms (issue 2), 50,000 under 200 ms (the ledger, issue 4)."""
import argparse
import statistics
import time

from _common import fresh_app, login, make_records

TARGET_MS = 100.0
QUERIES = [
    "/api/v1/findings",
    "/api/v1/findings?status=assigned&per_page=50",
    "/api/v1/findings?community_id=2&location_type=toilet&page=3",
    "/api/v1/findings?overdue=true&per_page=200",
    "/api/v1/findings?from=2026-11-10&to=2026-11-20&status=assigned,replied&page=5",
]


def main() -> None:
    """Load findings, then time each query many times and print the figures."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--findings", type=int, default=10000)
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--target-ms", type=float, default=None, help="default: 100 up to 10,000 findings, else 200")
    args = ap.parse_args()
    target = args.target_ms or (TARGET_MS if args.findings <= 10000 else 200.0)
    app = fresh_app(args.database_url)
    client = app.test_client()
    inspector, supervisor = login(client), login(client, "supervisor")
    community = login(client, "hongsheng")
    records = make_records(client, inspector, args.findings // 2, fails_per_record=2)
    for i in range(0, len(records), 250):
        client.post("/api/v1/sync/push", headers=inspector,
                    json={"device_id": "bench", "records": records[i:i + 250]})
    total = client.get("/api/v1/findings", headers=supervisor).json["total"]
    print(f"findings page: {total} findings in the ledger")
    worst = 0.0
    for who, headers in (("supervisor", supervisor), ("community", community)):
        for q in QUERIES:
            times = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                r = client.get(q, headers=headers)
                times.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200
            med, p95 = statistics.median(times), sorted(times)[int(len(times) * 0.95) - 1]
            worst = max(worst, p95)
            print(f"  {who:<10} {q:<80} median {med:6.1f} ms  p95 {p95:6.1f} ms  "
                  f"({len(r.json['items'])} items of {r.json['total']})")
    print(f"{'PASS' if worst < target else 'FAIL'}: worst p95 {worst:.1f} ms, target < {target:.0f} ms")


if __name__ == "__main__":
    main()
