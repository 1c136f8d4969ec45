"""Benchmark: sync ingest of 3,000 findings pushed in batches of 100 (target ≥ 500 findings/s)."""
import argparse
import time

from _common import db, fresh_app, login, make_records

TARGET = 500.0


def main() -> None:
    """Push the records and print the rate."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--findings", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = ap.parse_args()
    app = fresh_app(args.database_url)
    client = app.test_client()
    headers = login(client)
    records = make_records(client, headers, args.findings)
    with app.app_context():
        queries = {"n": 0}
        from sqlalchemy import event

        event.listen(db.engine, "before_cursor_execute", lambda *a: queries.__setitem__("n", queries["n"] + 1))
    start = time.perf_counter()
    for i in range(0, len(records), args.batch):
        r = client.post("/api/v1/sync/push", headers=headers,
                        json={"device_id": "bench", "records": records[i:i + args.batch]})
        assert r.status_code == 200 and all(x["status"] == "created" for x in r.json["results"]), r.json
    elapsed = time.perf_counter() - start
    rate = args.findings / elapsed
    print(f"sync ingest: {args.findings} findings in {args.findings // args.batch} pushes of {args.batch}: "
          f"{elapsed:.2f} s, {rate:.0f} findings/s, {queries['n'] / args.findings:.1f} SQL statements per finding "
          f"({app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]})")
    with app.app_context():
        from server.models import Finding, FindingEvent

        opened = db.session.query(Finding).count()
        again = db.session.query(FindingEvent).filter(FindingEvent.note == "仍未整改").count()
    print(f"  of the failed items: {opened} opened a finding, {again} re-sighted an open one (仍未整改)")
    print(f"{'PASS' if rate >= TARGET else 'FAIL'}: target ≥ {TARGET:.0f} findings/s")


if __name__ == "__main__":
    main()
