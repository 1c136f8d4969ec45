"""Sync push: idempotency, conflicts, per-record atomicity, photos after records."""
import pytest

from server.extensions import db
from server.models import Finding, Inspection, Letter
from tests.helpers.images import make_jpeg
from tests.helpers.records import demo_point, inspection, item, new_id, result, verification

PUSH = "/api/v1/sync/push"


def push(auth, records, user="inspector"):
    """Push records as a user and return the response."""
    return auth.post(user, PUSH, json={"device_id": "phone-1", "records": records})


@pytest.fixture
def street(app):
    """A street point in 永胜."""
    return demo_point(app, "street", "yongsheng")


def test_inspection_with_a_failed_item_creates_one_finding_and_a_notice(app, auth, clock, street):
    code = item(app, "street")
    rec = inspection(street, [result(code, "fail", [new_id()]), result(item(app, "street", False) or code, "pass")])
    r = push(auth, [rec])
    assert r.status_code == 200
    fid = rec["results"][0]["id"]
    assert r.json["results"] == [{"id": rec["id"], "status": "created", "errors": {},
                                  "finding_ids": [fid],
                                  "findings": [{"result_id": fid, "finding_id": fid, "resighting": False}]}]
    assert r.json["missing_photos"] == rec["results"][0]["photo_ids"]
    with app.app_context():
        f = db.session.get(Finding, rec["results"][0]["id"])
        assert f.status == "assigned" and f.code.startswith("MH-2026-")
        assert f.assignment_method == "point"
        letter = db.session.get(Letter, f.notice_letter_id)
        assert letter.kind == "notice" and letter.number.startswith("明桦创城督〔2026〕")


def test_repeating_the_same_record_is_a_duplicate_and_stores_nothing_new(app, auth, clock, street):
    rec = inspection(street, [result(item(app), "fail", [new_id()])])
    assert push(auth, [rec]).json["results"][0]["status"] == "created"
    again = push(auth, [rec])
    assert again.json["results"][0]["status"] == "duplicate"
    with app.app_context():
        assert db.session.query(Inspection).count() == 1
        assert db.session.query(Finding).count() == 1
        assert db.session.query(Letter).count() == 1


def test_same_id_with_different_content_is_a_conflict(app, auth, clock, street):
    rec = inspection(street, [result(item(app), "fail", [new_id()])])
    push(auth, [rec])
    changed = {**rec, "note": "改过的备注"}
    r = push(auth, [changed])
    assert r.json["results"][0]["status"] == "conflict"
    with app.app_context():
        assert db.session.get(Inspection, rec["id"]).note == ""


def test_a_result_id_used_by_another_inspection_is_a_conflict(app, auth, clock, street):
    first = inspection(street, [result(item(app), "fail", [new_id()])])
    push(auth, [first])
    second = inspection(street, [result(item(app), "fail", [new_id()], rid=first["results"][0]["id"])])
    r = push(auth, [second])
    assert r.json["results"][0]["status"] == "conflict"
    assert "results" in r.json["results"][0]["errors"]


def test_one_bad_record_does_not_block_the_others(app, auth, clock, street):
    good1 = inspection(street, [result(item(app), "fail", [new_id()])])
    bad = inspection(street, [result("street.no_such_item", "fail", [new_id()])])
    good2 = inspection(street, [result(item(app), "pass")])
    r = push(auth, [good1, bad, good2])
    statuses = [x["status"] for x in r.json["results"]]
    assert statuses == ["created", "rejected", "created"]
    assert r.json["results"][1]["errors"] == {"results[0].item_code": "未知的检查条目"}
    with app.app_context():
        assert db.session.query(Inspection).count() == 2
        assert db.session.get(Inspection, bad["id"]) is None


@pytest.mark.parametrize("mutate, field", [
    (lambda r: r.update(started_at="2026-11-27T09:30:00"), "started_at"),
    (lambda r: r.update(started_at="2030-01-01T00:00:00+08:00"), "started_at"),
    (lambda r: r.update(lat=91.0), "lat"),
    (lambda r: r.update(lon="126.7"), "lon"),
    (lambda r: r.update(point_id=None, lat=None, lon=None), "lat"),
    (lambda r: r.update(results=[]), "results"),
    (lambda r: r.update(id="not-a-uuid"), "id"),
    (lambda r: r.update(extra_field=1), "extra_field"),
    (lambda r: r["results"][0].update(result="bad"), "results[0].result"),
    (lambda r: r.update(point_id=999999), "point_id"),
    (lambda r: r.update(location_type="toilet"), "point_id"),
])
def test_invalid_records_are_rejected_naming_the_field(app, auth, clock, street, mutate, field):
    rec = inspection(street, [result(item(app), "fail", [new_id()])])
    mutate(rec)
    r = push(auth, [rec])
    assert r.status_code == 200
    assert r.json["results"][0]["status"] == "rejected"
    assert field in r.json["results"][0]["errors"], r.json
    with app.app_context():
        assert db.session.query(Inspection).count() == 0


def test_fail_without_photo_on_a_photo_required_item_is_rejected(app, auth, clock, street):
    rec = inspection(street, [result(item(app, "street", True), "fail", [])])
    r = push(auth, [rec])
    assert r.json["results"][0]["status"] == "rejected"
    assert "results[0].photo_ids" in r.json["results"][0]["errors"]


def test_records_may_arrive_before_their_photos(app, auth, clock, street):
    pid = new_id()
    rec = inspection(street, [result(item(app), "fail", [pid])])
    assert push(auth, [rec]).json["missing_photos"] == [pid]
    r = auth.put("inspector", f"/api/v1/photos/{pid}", data=make_jpeg(640, 480),
                 headers={"Content-Type": "image/jpeg"})
    assert r.status_code == 201
    fid = rec["results"][0]["id"]
    assert push(auth, [rec]).json == {"results": [{
        "id": rec["id"], "status": "duplicate", "errors": {}, "finding_ids": [fid],
        "findings": [{"result_id": fid, "finding_id": fid, "resighting": False}]}],
        "missing_photos": []}


@pytest.mark.parametrize("body, status, code", [
    ("{not json", 400, "malformed_json"),
    ('["a list"]', 400, "bad_request"),
    ('{"device_id": "x"}', 400, "bad_request"),
    ('{"device_id": "", "records": []}', 400, "bad_request"),
    ('{"device_id": "x", "records": "nope"}', 400, "bad_request"),
])
def test_malformed_push_bodies_get_a_clear_error(auth, body, status, code):
    r = auth.post("inspector", PUSH, data=body, headers={"Content-Type": "application/json"})
    assert r.status_code == status
    assert r.json["error"]["code"] == code
    assert r.json["error"]["message"]


def test_more_than_500_records_is_413(app, auth, clock, street):
    rec = inspection(street, [result(item(app), "pass")])
    r = push(auth, [rec] * 501)
    assert r.status_code == 413
    assert r.json["error"]["code"] == "too_many_records"


def test_non_dict_records_and_unknown_kinds_are_rejected(auth, clock):
    r = push(auth, ["text", {"kind": "teleport", "id": new_id()}])
    assert [x["status"] for x in r.json["results"]] == ["rejected", "rejected"]


def test_community_accounts_cannot_push(auth, clock):
    assert push(auth, [], user="yongsheng").status_code == 403


def test_verification_of_a_finding_not_rectified_is_rejected(app, auth, clock, street):
    rec = inspection(street, [result(item(app), "fail", [new_id()])])
    push(auth, [rec])
    v = verification(rec["results"][0]["id"], photos=[new_id()])
    r = push(auth, [v])
    assert r.json["results"][0]["status"] == "rejected"
    assert "finding_id" in r.json["results"][0]["errors"]


def test_idempotency_key_replays_the_first_answer(app, auth, clock, street):
    rec = inspection(street, [result(item(app), "fail", [new_id()])])
    key = new_id()
    first = auth.post("inspector", PUSH, json={"device_id": "p", "records": [rec]},
                      headers={"Idempotency-Key": key})
    second = auth.post("inspector", PUSH, json={"device_id": "p", "records": [rec]},
                       headers={"Idempotency-Key": key})
    assert first.json == second.json
    assert second.json["results"][0]["status"] == "created"
    assert second.headers.get("Idempotent-Replayed") == "true"
