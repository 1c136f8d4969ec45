"""Whatever a client sends, the answer is a clear 4xx (or success) and never a 500."""
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers.flow import finding_in
from tests.helpers.records import demo_point, inspection, item, new_id, result

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12)
KEYS = st.sampled_from(["kind", "id", "point_id", "location_type", "started_at", "lat", "lon",
                        "accuracy_m", "covert", "note", "results", "item_code", "result",
                        "photo_ids", "finding_id", "verdict", "at"])
_FINDINGS: dict[int, str] = {}  # one finding per app for the action fuzz
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def _no_500(resp):
    """A 4xx carries our error shape; nothing is a 5xx."""
    assert resp.status_code < 500, resp.get_data(as_text=True)
    if resp.status_code >= 400 and resp.is_json:
        body = resp.json
        assert set(body["error"]) == {"code", "message", "fields"}


@SETTINGS
@given(body=JSON)
def test_random_json_to_push_is_never_a_500(auth, clock, body):
    _no_500(auth.post("inspector", "/api/v1/sync/push", json=body))


@SETTINGS
@given(record=st.dictionaries(KEYS, JSON, max_size=8))
def test_random_records_are_rejected_one_by_one(auth, clock, record):
    r = auth.post("inspector", "/api/v1/sync/push", json={"device_id": "fuzz", "records": [record]})
    _no_500(r)
    assert r.status_code == 200 and r.json["results"][0]["status"] in ("rejected", "created")


@SETTINGS
@given(field=st.sampled_from(["started_at", "lat", "lon", "accuracy_m", "point_id", "note",
                              "covert", "results"]), value=JSON)
def test_a_valid_record_with_one_field_garbled_is_rejected_or_created(app, auth, clock, field, value):
    rec = inspection(demo_point(app), [result(item(app), "fail", [new_id()])])
    rec[field] = value
    r = auth.post("inspector", "/api/v1/sync/push", json={"device_id": "fuzz", "records": [rec]})
    _no_500(r)


@SETTINGS
@given(body=st.dictionaries(st.sampled_from(["action", "measures", "responsible", "phone",
                                             "planned_date", "note", "photo_ids", "reason",
                                             "until", "community_id", "rectify_due"]), JSON,
                            max_size=6))
def test_random_action_bodies_are_never_a_500(app, auth, clock, body):
    fid = _FINDINGS.get(id(app)) or _FINDINGS.setdefault(id(app), finding_in(app, auth, "assigned"))
    for user in ("yongsheng", "supervisor"):
        _no_500(auth.post(user, f"/api/v1/findings/{fid}/actions", json=body))


@SETTINGS
@given(data=st.binary(max_size=2000), ctype=st.sampled_from(["image/jpeg", "image/png", "text/plain",
                                                              "application/octet-stream", ""]))
def test_random_bytes_as_a_photo_are_never_a_500(auth, data, ctype):
    _no_500(auth.put("inspector", f"/api/v1/photos/{new_id()}", data=data,
                     headers={"Content-Type": ctype} if ctype else {}))


@SETTINGS
@given(params=st.dictionaries(st.sampled_from(["status", "community_id", "location_type", "item_code",
                                               "point_id", "overdue", "from", "to", "page",
                                               "per_page", "cursor", "kind", "finding_id"]),
                              st.text(max_size=20), max_size=5))
def test_random_query_strings_are_never_a_500(auth, params):
    for url in ("/api/v1/findings", "/api/v1/sync/pull", "/api/v1/letters", "/open311/v2/requests.json"):
        _no_500(auth.client.get(url, query_string=params, headers=auth.headers("supervisor")))


def test_non_json_bodies_are_clear_errors(auth):
    for body, ctype in (("device_id=x", "application/x-www-form-urlencoded"), ("\xff", "application/json"),
                        (json.dumps({"device_id": "x", "records": []}) * 2, "application/json")):
        r = auth.post("inspector", "/api/v1/sync/push", data=body, headers={"Content-Type": ctype})
        assert r.status_code in (400, 415) and r.json["error"]["message"]


def test_integers_beyond_the_database_range_are_4xx(app, auth, clock):
    huge = 2**63 + 5
    for url in (f"/api/v1/findings?community_id={huge}", f"/api/v1/findings?point_id={huge}",
                f"/api/v1/letters/{huge}", f"/letters/{huge}", f"/api/v1/letters?community_id={huge}"):
        _no_500(auth.get("supervisor", url))
    fid = finding_in(app, auth, "returned")
    r = auth.post("supervisor", f"/api/v1/findings/{fid}/actions",
                  json={"action": "assign", "community_id": huge})
    assert r.status_code == 422
    rec = inspection(demo_point(app), [result(item(app), "pass")])
    rec["point_id"] = huge
    r = auth.post("inspector", "/api/v1/sync/push", json={"device_id": "x", "records": [rec]})
    assert r.json["results"][0]["status"] == "rejected"
