"""Every JSON answer of the API validates against its response schema in shared_schema/.

The real app is driven through the loop (login, reference data, push, findings, an action,
letters, a photo, the calendar, pull) and through its error answers; each body is checked
with shared_schema.validator(<name>), formats included.
"""
import re

import pytest

import shared_schema as ss
from tests.helpers.images import make_jpeg
from tests.helpers.records import (community_id, demo_point, inspection, item, new_id, result,
                                   verification)

PUSH = "/api/v1/sync/push"
REPLY = {"measures": "组织保洁人员清理并修补路面", "responsible": "王建华", "phone": "13800000000",
         "planned_date": "2026-12-10"}
ERROR_CODES = ss.load_enums()["error_codes"]
_VALIDATORS: dict = {}


def conforms(name: str, doc) -> None:
    """Assert that doc validates against the named schema, listing every error."""
    if name not in _VALIDATORS:
        _VALIDATORS[name] = ss.validator(name)
    errors = sorted(_VALIDATORS[name].iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, f"{name}:\n" + "\n".join(
        f"  {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:300]}" for e in errors)


def answer(resp, name: str, status: int = 200):
    """Check the status and the body's schema; return the body."""
    assert resp.status_code == status, resp.get_data(as_text=True)[:1000]
    assert resp.is_json, resp.headers.get("Content-Type")
    conforms(name, resp.json)
    return resp.json


def error(resp, status: int, code: str | None = None):
    """An error answer: the status, the error schema, and a stable code."""
    body = answer(resp, "error", status)
    if code is not None:
        assert body["error"]["code"] == code, body
    elif body["error"]["code"] in ERROR_CODES:  # a generic code maps to its own status
        assert ERROR_CODES[body["error"]["code"]]["http_status"] == status, body
    return body


def chinese(messages: dict) -> None:
    """Every field message is written for people, in Chinese."""
    assert messages and all(re.search(r"[\u4e00-\u9fff]", m) for m in messages.values()), messages


def upload(auth, user: str, **headers) -> str:
    """PUT a fresh JPEG; return its id."""
    pid = new_id()
    r = auth.put(user, f"/api/v1/photos/{pid}", data=make_jpeg(320, 240),
                 headers={"Content-Type": "image/jpeg", **headers})
    answer(r, "photo_upload_response", 201)
    return pid


def push(auth, records, user="inspector"):
    """POST a push; return the response."""
    return auth.post(user, PUSH, json={"device_id": "contract-test", "records": records})


@pytest.fixture
def street(app):
    """A street point in 永胜."""
    return demo_point(app, "street", "yongsheng")


@pytest.fixture
def finding_id(app, auth, clock, street):
    """An assigned finding in 永胜 with a before-photo, pushed by the inspector."""
    rec = inspection(street, [result(item(app), "fail", [upload(auth, "inspector")])])
    body = answer(push(auth, [rec]), "sync_push_response")
    assert body["results"][0]["status"] == "created", body
    return rec["results"][0]["id"]


# --- sign-in and reference data ------------------------------------------------------------

@pytest.mark.parametrize("username", ["inspector", "supervisor", "leader", "admin", "yongsheng"])
def test_login(client, username):
    body = answer(client.post("/api/v1/auth/login", json={"username": username, "password": "pw"}),
                  "login_response")
    assert body["user"]["username"] == username


def test_reference_data(auth):
    answer(auth.get("inspector", "/api/v1/communities"), "communities_collection")
    points = answer(auth.get("inspector", "/api/v1/points"), "points_collection")
    assert points["features"]
    checklists = answer(auth.get("inspector", "/api/v1/checklists"), "checklists_response")
    assert set(ss.load_enums()["location_types"]) <= set(checklists)


# --- sync ----------------------------------------------------------------------------------

def test_push_answers(app, auth, clock, street):
    """created, duplicate, rejected (also for records that are not objects), conflict."""
    photo = new_id()  # not uploaded yet: listed in missing_photos
    rec = inspection(street, [result(item(app), "fail", [photo]), result(item(app, "street", False), "pass")])
    bad = inspection(street, [result("street.no_such_item", "fail", [new_id()])])
    odd_id = {**inspection(street, [result(item(app), "pass")]), "id": 12345}
    body = answer(push(auth, [rec, bad, "not a record", None, odd_id, {"kind": "photo"}, {"kind": []}]),
                  "sync_push_response")
    assert [r["status"] for r in body["results"]] == ["created"] + ["rejected"] * 6
    assert body["missing_photos"] == [photo]
    assert body["results"][2]["id"] is None
    for r in body["results"][1:]:
        chinese(r["errors"])
    again = answer(push(auth, [rec, {**rec, "note": "改过"}]), "sync_push_response")
    assert [r["status"] for r in again["results"]] == ["duplicate", "conflict"]


def test_push_of_a_verification(app, auth, clock, finding_id):
    """A verification of a finding that is not rectified is rejected, in the same shape."""
    body = answer(push(auth, [verification(finding_id, note="复查")]), "sync_push_response")
    assert body["results"][0]["status"] == "rejected"


def test_pull(app, auth, clock, finding_id):
    for user in ("inspector", "yongsheng", "supervisor", "leader", "hongsheng"):
        body = answer(auth.get(user, "/api/v1/sync/pull"), "sync_pull_response")
        again = answer(auth.get(user, f"/api/v1/sync/pull?cursor={body['cursor']}"),
                       "sync_pull_response")
        assert again["findings"] == [] and again["has_more"] is False
    body = answer(auth.get("yongsheng", "/api/v1/sync/pull"), "sync_pull_response")
    assert [f["id"] for f in body["findings"]] == [finding_id]
    assert body["letters"]
    # returned and reassigned: 永胜's next pull says the finding is gone
    url = f"/api/v1/findings/{finding_id}/actions"
    answer(auth.post("yongsheng", url, json={"action": "return", "reason": "  不属于本社区"}), "finding")
    other = float(community_id(app, "hongsheng"))  # 2.0 is an integer in JSON Schema, so here too
    answer(auth.post("supervisor", url, json={"action": "assign", "community_id": other}), "finding")
    later = answer(auth.get("yongsheng", f"/api/v1/sync/pull?cursor={body['cursor']}"),
                   "sync_pull_response")
    assert later["removed"] == [finding_id] and later["findings"] == []


# --- findings, actions, letters ------------------------------------------------------------

def test_an_unassigned_finding(app, auth, clock):
    """Recorded far outside every community: no community, no method, no clocks."""
    rec = inspection(None, [result(item(app), "fail", [new_id()], note="")], lat=42.90, lon=126.60,
                     location_type="street", covert=True)
    assert answer(push(auth, [rec]), "sync_push_response")["results"][0]["status"] == "created"
    fid = rec["results"][0]["id"]
    finding = answer(auth.get("supervisor", f"/api/v1/findings/{fid}"), "finding")
    assert finding["status"] == "unassigned" and finding["assignment"]["method"] is None
    answer(auth.get("supervisor", "/api/v1/findings?status=unassigned"), "findings_page")
    error(auth.post("supervisor", f"/api/v1/findings/{fid}/actions",  # beyond the database's ids
                    json={"action": "assign", "community_id": 2**64}), 422)
    body = answer(auth.post("supervisor", f"/api/v1/findings/{fid}/actions",
                            json={"action": "assign", "community_id": community_id(app, "hongsheng"),
                                  "note": "人工派发"}), "finding")
    assert body["status"] == "assigned" and body["assignment"]["method"] == "manual"


def test_findings_list_and_one_finding(auth, clock, finding_id):
    for user in ("supervisor", "yongsheng", "leader", "inspector"):
        page = answer(auth.get(user, "/api/v1/findings"), "findings_page")
        assert page["total"] >= 1
    page = answer(auth.get("supervisor", "/api/v1/findings?status=assigned&per_page=1"), "findings_page")
    assert [f["id"] for f in page["items"]] == [finding_id]
    answer(auth.get("yongsheng", f"/api/v1/findings/{finding_id}"), "finding")


def test_actions_answer_the_updated_finding(auth, clock, finding_id):
    key = {"Idempotency-Key": new_id()}
    body = answer(auth.post("yongsheng", f"/api/v1/findings/{finding_id}/actions",
                            json={"action": "reply", **REPLY}, headers=key), "finding")
    assert body["status"] == "replied"
    replay = answer(auth.post("yongsheng", f"/api/v1/findings/{finding_id}/actions",
                              json={"action": "reply", **REPLY}, headers=key), "finding")
    assert replay == body  # a replayed POST answers as the first time
    body = answer(auth.post("yongsheng", f"/api/v1/findings/{finding_id}/actions",
                            json={"action": "request_extension", "reason": "需协调产权单位",
                                  "until": "2026-12-31"}), "finding")
    assert "extension_pending" in body["flags"]
    photo = upload(auth, "yongsheng")
    body = answer(auth.post("yongsheng", f"/api/v1/findings/{finding_id}/actions",
                            json={"action": "rectify", "note": "已清理", "photo_ids": [photo]}), "finding")
    assert body["status"] == "rectified"
    body = answer(auth.post("supervisor", f"/api/v1/findings/{finding_id}/actions",
                            json={"action": "verify", "note": "现场复核已整改"}), "finding")
    assert body["status"] == "closed"
    assert [e["action"] for e in body["history"]][-1] == "verify"


def test_letters(auth, clock, finding_id):
    auth.post("yongsheng", f"/api/v1/findings/{finding_id}/actions", json={"action": "reply", **REPLY})
    body = answer(auth.get("yongsheng", f"/api/v1/letters?finding_id={finding_id}"), "letters_page")
    assert {x["kind"] for x in body["items"]} == {"notice", "reply"}
    for letter in body["items"]:
        answer(auth.get("yongsheng", f"/api/v1/letters/{letter['id']}"), "letter")
    for kind in ("notice", "reply"):
        answer(auth.get("leader", f"/api/v1/letters?kind={kind}&per_page=1"), "letters_page")


def test_prompt_letters_after_a_sweep(app, auth, runner, clock, finding_id):
    """Overdue reply and rectification: prompt letters, overdue findings, in every answer."""
    clock.set("2026-12-28T10:00:00+08:00")
    out = runner.invoke(args=["deadlines", "sweep", "--at", "2026-12-28T10:00:00+08:00"])
    assert out.exit_code == 0, out.output
    drafts = answer(auth.get("supervisor", "/api/v1/letters?kind=prompt&status=draft"), "letters_page")
    assert [x["number"] for x in drafts["items"]] == [None]  # a draft: no number until issued
    assert answer(auth.get("leader", "/api/v1/letters?kind=prompt"), "letters_page")["items"] == []
    answer(auth.post("supervisor", f"/api/v1/letters/{drafts['items'][0]['id']}/issue", json={}), "letter")
    prompts = answer(auth.get("leader", "/api/v1/letters?kind=prompt"), "letters_page")
    assert prompts["items"]
    for letter in prompts["items"]:
        answer(auth.get("leader", f"/api/v1/letters/{letter['id']}"), "letter")
        answer(auth.post("leader", f"/api/v1/letters/{letter['id']}/instructions",
                         json={"text": "请限期整改"}), "letter_instruction", 201)
    finding = answer(auth.get("yongsheng", f"/api/v1/findings/{finding_id}"), "finding")
    assert finding["overdue"] and finding["overdue_reply"] and finding["overdue_rectify"]
    answer(auth.get("supervisor", "/api/v1/findings?overdue=true"), "findings_page")
    answer(auth.get("leader", "/api/v1/sync/pull"), "sync_pull_response")


# --- photos and the calendar ---------------------------------------------------------------

def test_photo_upload(auth, clock):
    pid = new_id()
    data = make_jpeg(640, 480)
    headers = {"Content-Type": "image/jpeg", "X-Taken-At": "2026-11-27T09:31:00+08:00",
               "X-Lat": "42.97", "X-Lon": "126.74", "X-Accuracy": "8"}
    first = answer(auth.put("inspector", f"/api/v1/photos/{pid}", data=data, headers=headers),
                   "photo_upload_response", 201)
    assert first["id"] == pid and first["taken_at"] is not None
    again = answer(auth.put("inspector", f"/api/v1/photos/{pid}", data=data, headers=headers),
                   "photo_upload_response", 200)
    assert again == first
    bare = answer(auth.put("inspector", f"/api/v1/photos/{new_id().upper()}", data=make_jpeg(10, 10),
                           headers={"Content-Type": "image/jpeg"}), "photo_upload_response", 201)
    assert bare["taken_at"] is None


@pytest.mark.parametrize("query", ["from=2026-11-27&working_days=2", "from=2026-12-30&working_days=10",
                                   "from=2030-09-28&working_days=5"])
def test_calendar_due(auth, query):
    answer(auth.get("yongsheng", f"/api/v1/calendar/due?{query}"),
           "calendar_due_response")


# --- errors --------------------------------------------------------------------------------

def test_400_answers(auth, client, clock, finding_id):
    error(auth.get("supervisor", "/api/v1/findings?per_page=0"), 400)
    error(auth.get("supervisor", "/api/v1/calendar/due?from=someday&working_days=2"), 400)
    error(auth.post("yongsheng", f"/api/v1/findings/{finding_id}/actions", json={"action": "close"}),
          400, "unknown_action")
    error(auth.post("yongsheng", f"/api/v1/findings/{finding_id}/actions", json=["reply"]), 400)
    error(client.post(PUSH, data="{not json", headers={**auth.headers("inspector"),
                                                         "Content-Type": "application/json"}), 400)
    error(auth.get("inspector", "/api/v1/sync/pull?cursor=-1"), 400)
    error(auth.get("inspector", f"/api/v1/photos/{new_id()}?variant=huge"), 404)


@pytest.mark.parametrize("doc", [{"records": []}, {"device_id": " ", "records": []},
                                 {"device_id": "d", "records": {}}, {"device_id": "d", "records": [], "x": 1}])
def test_a_bad_push_envelope_is_refused(auth, doc):
    """Refused as a whole, in the error shape, as a malformed body."""
    error(auth.post("inspector", PUSH, json=doc), 400)


def test_a_bad_push_envelope_is_a_400(auth):
    error(auth.post("inspector", PUSH, json={"device_id": " ", "records": []}), 400)


def test_401_403_404_409_413_415_422_answers(app, auth, client, clock, finding_id):
    url = f"/api/v1/findings/{finding_id}/actions"
    anonymous = app.test_client()  # `client` holds the session cookie that GETs also accept
    error(anonymous.get("/api/v1/findings"), 401)
    error(anonymous.get("/api/v1/findings", headers={"Authorization": "Bearer not-a-token"}), 401)
    error(anonymous.post("/api/v1/auth/login", json={"username": "inspector", "password": "wrong"}), 401)
    error(auth.post("inspector", url, json={"action": "reply", **REPLY}), 403)
    error(auth.post("leader", url, json={"action": "void", "reason": "重复"}), 403)
    error(auth.get("hongsheng", f"/api/v1/findings/{finding_id}"), 404)
    error(auth.post("hongsheng", url, json={"action": "reply", **REPLY}), 404)
    error(auth.get("supervisor", f"/api/v1/findings/{new_id()}"), 404)
    error(auth.get("supervisor", "/api/v1/letters/999999"), 404)
    error(auth.post("supervisor", url, json={"action": "approve_extension"}), 409)
    for user, body in [
        ("yongsheng", {"action": "reply", "measures": " ", "responsible": "王", "planned_date": "2026-12-3"}),
        ("yongsheng", {"action": "reply", **REPLY, "extra": 1, "phone": 13800000000}),
        ("yongsheng", {"action": "reply"}),
        ("yongsheng", {"action": "rectify", "photo_ids": []}),
        ("yongsheng", {"action": "rectify", "photo_ids": [new_id()] * 2, "note": None}),
        ("supervisor", {"action": "set_deadline", "rectify_due": "2026-02-30"}),
    ]:
        chinese(error(auth.post(user, url, json=body), 422)["error"]["fields"])
    error(auth.post("inspector", PUSH, json={"device_id": "d", "records": [{}] * 501}), 413)
    error(auth.put("inspector", f"/api/v1/photos/{new_id()}", data=b"GIF89a....",
                   headers={"Content-Type": "image/gif"}), 415)
    error(auth.put("inspector", f"/api/v1/photos/{new_id()}", data=b"not an image",
                   headers={"Content-Type": "image/jpeg"}), 400)
    photo = upload(auth, "inspector")
    error(auth.put("inspector", f"/api/v1/photos/{photo}", data=make_jpeg(64, 64, color=(1, 2, 3)),
                   headers={"Content-Type": "image/jpeg"}), 409)
    error(auth.put("inspector", f"/api/v1/photos/{new_id()}", data=make_jpeg(64, 64),
                   headers={"Content-Type": "text/plain"}), 415)
    app.config["PHOTO_MAX_BYTES"] = 100
    error(auth.put("inspector", f"/api/v1/photos/{new_id()}", data=make_jpeg(64, 64),
                   headers={"Content-Type": "image/jpeg"}), 413)
    error(auth.client.delete("/api/v1/findings", headers=auth.headers("supervisor")), 405)
    error(auth.get("supervisor", "/api/v1/no-such-thing"), 404)


# --- fields the contract requires everywhere -------------------------------------------------

def test_findings_in_lists_and_pull_carry_their_history(auth, clock, finding_id):
    conforms("findings_page", auth.get("supervisor", "/api/v1/findings").json)
    conforms("sync_pull_response", auth.get("yongsheng", "/api/v1/sync/pull").json)


def test_a_history_actor_is_an_object_or_null(auth, clock, finding_id):
    conforms("finding", auth.get("supervisor", f"/api/v1/findings/{finding_id}").json)


def test_a_push_result_id_is_a_string_or_null(app, auth, clock, street):
    odd_id = {**inspection(street, [result(item(app), "pass")]), "id": 12345}
    conforms("sync_push_response", push(auth, [odd_id]).json)
