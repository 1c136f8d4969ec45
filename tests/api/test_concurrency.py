"""Concurrent pushes of the same records from two devices give one row each."""
import threading

from server.extensions import db
from server.models import Finding, FindingEvent, Inspection, Letter
from tests.helpers.records import demo_point, inspection, item, new_id, result


def _push_from_two_devices(app, auth, records, other=None) -> dict:
    """Two phones push at the same instant: the same records, one in reverse order, unless
    the second phone is given records of its own."""
    headers = auth.headers("inspector")
    barrier = threading.Barrier(2)
    answers = {}

    def device(name, batch):
        """One phone pushing its copy of the batch."""
        client = app.test_client()
        barrier.wait()
        answers[name] = client.post("/api/v1/sync/push", headers=headers,
                                    json={"device_id": name, "records": batch})

    threads = [threading.Thread(target=device, args=("a", records)),
               threading.Thread(target=device, args=("b", list(reversed(records)) if other is None else other))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert answers["a"].status_code == answers["b"].status_code == 200
    return answers


def test_two_devices_pushing_the_same_records_at_once_store_them_once(app, auth, clock):
    points = [demo_point(app, t, c) for t in ("street", "compound") for c in
              ("yongsheng", "hongsheng", "aihua", "yangguang")] + [demo_point(app, "toilet", "yongsheng"),
                                                                  demo_point(app, "toilet", "hongsheng")]
    # Ten places, so ten problems (the same item failed again at one place joins its open finding).
    records = [inspection(p, [result(item(app, p.location_type), "fail", [new_id()])]) for p in points]
    answers = _push_from_two_devices(app, auth, records)
    by_id = {}
    for name in "ab":
        for res in answers[name].json["results"]:
            by_id.setdefault(res["id"], []).append(res["status"])
    assert all(sorted(s) == ["created", "duplicate"] for s in by_id.values()), answers["b"].json["results"][:3] + answers["a"].json["results"][:3]
    with app.app_context():
        assert db.session.query(Inspection).count() == 10
        assert db.session.query(Finding).count() == 10
        assert db.session.query(Letter).filter_by(kind="notice").count() == 10
        codes = [f.code for f in db.session.query(Finding)]
        assert len(set(codes)) == 10


def test_two_devices_pushing_the_same_re_sightings_at_once_add_each_event_once(app, auth, clock):
    point = demo_point(app, "street", "hongsheng")
    records = [inspection(point, [result(item(app), "fail", [new_id()])],
                          started_at=f"2026-11-27T09:{m:02d}:00+08:00") for m in range(10)]
    answers = _push_from_two_devices(app, auth, records)
    touched = {tuple(r["finding_ids"]) for name in "ab" for r in answers[name].json["results"]}
    assert len(touched) == 1  # every record, created or duplicate, names the one finding
    with app.app_context():
        assert db.session.query(Inspection).count() == 10
        assert db.session.query(Finding).count() == 1
        assert db.session.query(Letter).filter_by(kind="notice").count() == 1
        assert db.session.query(FindingEvent).filter(FindingEvent.note == "仍未整改").count() == 9


def test_two_phones_first_seeing_the_same_problem_at_once_open_one_finding(app, auth, clock):
    """Two inspectors record the same failed item at the same point, neither knowing of the
    other, and push at the same instant: one finding, the other sighting joins it (仍未整改)."""
    code = item(app, "compound")
    for community in ("aihua", "yongsheng", "hongsheng", "yangguang"):  # four tries at the race
        point = demo_point(app, "compound", community)
        first = inspection(point, [result(code, "fail", [new_id()])], started_at="2026-11-27T09:00:00+08:00")
        second = inspection(point, [result(code, "fail", [new_id()])], started_at="2026-11-27T09:01:00+08:00")
        _push_from_two_devices(app, auth, [first], [second])
        with app.app_context():
            found = db.session.query(Finding).filter_by(point_id=point.id, item_code=code).all()
            assert len(found) == 1, f"{community}: {len(found)} findings for one problem"
            assert db.session.query(FindingEvent).filter(FindingEvent.finding_id == found[0].id,
                                                         FindingEvent.note == "仍未整改").count() == 1


def test_a_record_another_phone_stores_between_the_two_reads_of_a_push_is_a_duplicate(app, auth, clock, monkeypatch):
    """A push reads which result ids are taken and which inspections are stored. On PostgreSQL
    (READ COMMITTED) the other phone's push of the same record can commit between those two
    reads; the record must still answer duplicate, never conflict (the phone would ask a person).
    On SQLite every transaction takes the write lock first, so the pushes simply follow each other."""
    from server.services import ingest

    rec = inspection(demo_point(app, "street", "yongsheng"), [result(item(app, "street"), "pass", [])])
    headers = auth.headers("inspector")
    body = {"device_id": "b", "records": [rec]}
    with app.app_context():
        serialized = db.engine.dialect.name == "sqlite"
    me, landed = threading.current_thread(), []
    original = ingest._chunks

    def other_phone():
        """The other phone's push, committed in full before this push goes on."""
        landed.append(app.test_client().post("/api/v1/sync/push", headers=headers,
                                             json={"device_id": "a", "records": [rec]}))

    def chunks_then_the_other_phone(ids):
        """This push's first read, then the other phone's commit."""
        yield from original(ids)
        if threading.current_thread() is me and not landed:
            t = threading.Thread(target=other_phone)
            t.start()
            t.join(60)

    if serialized:
        other_phone()
    else:
        monkeypatch.setattr(ingest, "_chunks", chunks_then_the_other_phone)
    mine = app.test_client().post("/api/v1/sync/push", headers=headers, json=body)
    assert [r.json["results"][0]["status"] for r in landed] == ["created"]
    assert mine.status_code == 200 and mine.json["results"][0]["status"] == "duplicate", mine.json
    with app.app_context():
        assert db.session.query(Inspection).filter_by(id=rec["id"]).count() == 1
