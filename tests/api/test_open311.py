"""Open311 GeoReport v2 (read): schemas, visibility, defaults, filters, formats."""
import copy
import json
from datetime import date, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from shared_schema import format_checker, load_catalogue
from shared_schema import validator as contract_validator
from tests.helpers.records import demo_point, inspection, item, new_id, result
from tests.helpers.flow import free_item

PUSH = "/api/v1/sync/push"
BASE = "/open311/v2"
SCHEMA_DIR = Path(__file__).resolve().parents[2] / "shared_schema" / "georeport"
SCHEMA_BASE = "https://chuangcheng.local/test-schema/georeport/"
REQUEST_FIELDS = ["service_request_id", "status", "status_notes", "service_name", "service_code",
                  "description", "agency_responsible", "service_notice", "requested_datetime",
                  "updated_datetime", "expected_datetime", "address", "address_id", "zipcode",
                  "lat", "long", "media_url"]
SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords",
                  "group"]
NOW = "2026-11-27T10:00:00+08:00"
OLD = "2026-07-01T09:00:00+08:00"  # 149 days before NOW, outside GeoReport's default 90 days
OLD_RECEIVED = "2026-07-01T10:00:00+08:00"


# ---------------------------------------------------------------- schemas


def _schemas() -> dict[str, dict]:
    """The GeoReport schemas by file stem."""
    return {p.name[:-len(".schema.json")]: json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(SCHEMA_DIR.glob("*.schema.json"))}


def _validator(name: str) -> Draft202012Validator:
    """A draft 2020-12 validator for one GeoReport schema, $refs resolved, formats checked."""
    schemas = _schemas()
    reg = Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in schemas.values())
    return Draft202012Validator(schemas[name], registry=reg, format_checker=format_checker())


def assert_valid(name: str, doc) -> None:
    """Fail with every schema error of a document."""
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in _validator(name).iter_errors(doc)]
    assert not errors, errors


def assert_error(r, status: int, code: str | None = None) -> None:
    """An error answer in the project's one error shape."""
    assert r.status_code == status, r.get_data(as_text=True)
    assert r.is_json, r.get_data(as_text=True)
    assert not list(contract_validator("error").iter_errors(r.json))
    if code:
        assert r.json["error"]["code"] == code


SAMPLE_SERVICE = {"service_code": "street.road_surface", "service_name": "路面平整",
                  "description": "路面平整", "metadata": False, "type": "realtime",
                  "keywords": "基础设施", "group": "street"}
SAMPLE_REQUEST = {
    "service_request_id": "MH-2026-00001", "status": "open", "status_notes": "",
    "service_name": "路面平整", "service_code": "street.road_surface", "description": "坑洼",
    "agency_responsible": "永胜社区", "service_notice": "",
    "requested_datetime": "2026-11-27T09:30:00+08:00",
    "updated_datetime": "2026-11-27T09:31:00+08:00",
    "expected_datetime": "2026-12-04T23:59:59+08:00", "address": "永胜街", "address_id": "3",
    "zipcode": None, "lat": 42.97, "long": 126.74,
    "media_url": "http://localhost/api/v1/photos/x?variant=display",
}


@pytest.mark.parametrize("name", ["common", "services", "service_requests"])
def test_each_georeport_schema_is_valid_draft_2020_12(name):
    schema = _schemas()[name]
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"{SCHEMA_BASE}{name}.json"
    Draft202012Validator.check_schema(schema)


def test_the_samples_are_valid_and_nulls_or_empties_are_allowed_where_the_spec_allows():
    assert_valid("services", [SAMPLE_SERVICE])
    assert_valid("service_requests", [SAMPLE_REQUEST])
    relaxed = {**SAMPLE_REQUEST, "expected_datetime": None, "updated_datetime": "",
               "media_url": None, "address_id": "A-1", "zipcode": "134000", "status": "closed",
               "requested_datetime": "2026-11-27T01:30:00.25Z"}
    assert_valid("service_requests", [relaxed])
    assert_valid("service_requests", [])


@pytest.mark.parametrize("schema, field, value", [
    ("services", "metadata", "false"),
    ("services", "type", "instant"),
    ("services", "service_code", ""),
    ("services", "service_name", None),
    ("service_requests", "status", "pending"),
    ("service_requests", "status", None),
    ("service_requests", "requested_datetime", "2026-11-27T09:30:00"),
    ("service_requests", "requested_datetime", "2026-11-27"),
    ("service_requests", "requested_datetime", None),
    ("service_requests", "expected_datetime", "2026-13-01T00:00:00+08:00"),
    ("service_requests", "updated_datetime", "next week"),
    ("service_requests", "lat", "42.97"),
    ("service_requests", "lat", 91),
    ("service_requests", "long", 181.5),
    ("service_requests", "media_url", "photo.jpg"),
    ("service_requests", "media_url", "ftp://example.org/a.jpg"),
])
def test_the_schemas_reject_what_geo_report_forbids(schema, field, value):
    doc = copy.deepcopy(SAMPLE_SERVICE if schema == "services" else SAMPLE_REQUEST)
    doc[field] = value
    assert list(_validator(schema).iter_errors([doc]))


@pytest.mark.parametrize("schema, field", [("services", f) for f in SERVICE_FIELDS]
                         + [("service_requests", f) for f in REQUEST_FIELDS])
def test_the_schemas_require_every_field(schema, field):
    doc = copy.deepcopy(SAMPLE_SERVICE if schema == "services" else SAMPLE_REQUEST)
    del doc[field]
    assert list(_validator(schema).iter_errors([doc]))


# ---------------------------------------------------------------- helpers


def push(auth, records, user="inspector"):
    """Push records and insist each was created."""
    r = auth.post(user, PUSH, json={"device_id": "phone-1", "records": records})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert [x["status"] for x in r.json["results"]] == ["created"] * len(records), r.json
    return r


def report(app, auth, community="yongsheng", *, covert=False, started_at=None,
           location_type="street", user="inspector") -> dict:
    """Push one inspection with one failed item; return the finding as the API shows it."""
    point = demo_point(app, location_type, community)
    rec = inspection(point, [result(free_item(app, point, location_type), "fail", [new_id()])],
                     covert=covert, started_at=started_at)
    push(auth, [rec], user)
    r = auth.get("supervisor", f"/api/v1/findings/{rec['results'][0]['id']}")
    assert r.status_code == 200
    return r.json


def get(auth, user, path, **params):
    """GET an Open311 path as a user."""
    return auth.client.get(BASE + path, headers=auth.headers(user), query_string=params)


def requests_of(auth, user="supervisor", **params) -> list[dict]:
    """requests.json as a user, schema-checked."""
    r = get(auth, user, "/requests.json", **params)
    assert r.status_code == 200, r.get_data(as_text=True)
    assert_valid("service_requests", r.json)
    return r.json


def ids(rows) -> set[str]:
    """The service_request_ids of rows."""
    return {row["service_request_id"] for row in rows}


def void(auth, finding_id: str):
    """Void a finding as the supervisor."""
    r = auth.post("supervisor", f"/api/v1/findings/{finding_id}/actions",
                  json={"action": "void", "reason": "重复上报，作废"})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.json["status"] == "void"


def parse_xml(r) -> ET.Element:
    """An XML answer, parsed."""
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.mimetype in ("text/xml", "application/xml")
    body = r.get_data()
    assert body.startswith(b"<?xml")
    return ET.fromstring(body)


# ---------------------------------------------------------------- services


def test_services_json_validates_and_lists_every_checklist_item(auth):
    r = get(auth, "inspector", "/services.json")
    assert r.status_code == 200 and r.is_json
    assert_valid("services", r.json)
    catalogue = {i["code"]: (ltype, i) for ltype, block in load_catalogue()["location_types"].items()
                 for i in block["items"]}
    assert sorted(s["service_code"] for s in r.json) == sorted(catalogue)
    for s in r.json:
        ltype, entry = catalogue[s["service_code"]]
        assert s["service_name"] == entry["text"]
        assert s["keywords"] == entry["category"]
        assert s["group"] == ltype
        assert s["metadata"] is False and s["type"] == "realtime"


def test_services_xml_parses_with_the_same_services(auth):
    as_json = get(auth, "inspector", "/services.json").json
    root = parse_xml(get(auth, "inspector", "/services.xml"))
    assert root.tag == "services"
    assert [el.tag for el in root] == ["service"] * len(as_json)
    assert [el.findtext("service_code") for el in root] == [s["service_code"] for s in as_json]
    first = root[0]
    assert [child.tag for child in first] == SERVICE_FIELDS
    assert set(SERVICE_FIELDS) == set(as_json[0])
    assert first.findtext("metadata") == "false"
    assert first.findtext("service_name") == as_json[0]["service_name"]


# ---------------------------------------------------------------- requests


def test_requests_json_validates_and_describes_the_findings(app, auth, clock):
    a = report(app, auth, "yongsheng")
    b = report(app, auth, "hongsheng")
    c = report(app, auth, "aihua", location_type="compound")
    rows = requests_of(auth)
    assert ids(rows) == {a["code"], b["code"], c["code"]}
    by_id = {row["service_request_id"]: row for row in rows}
    for f in (a, b, c):
        row = by_id[f["code"]]
        assert row["status"] == "open" and row["status_notes"] == ""
        assert row["service_code"] == f["item_code"]
        assert row["service_name"] == f["item_text"]
        assert row["description"] == f["description"]
        assert row["requested_datetime"] == f["found_at"]
        assert row["updated_datetime"] == f["updated_at"]
        assert row["address"] == f["point_name"] and row["address_id"] == str(f["point_id"])
        assert isinstance(row["lat"], float) and isinstance(row["long"], float)
        assert (row["lat"], row["long"]) == (f["lat"], f["lon"])
        before = [p for p in f["photos"] if p["stage"] == "before"][0]
        assert row["media_url"] == f"http://localhost{before['display_url']}"
    # newest first
    stamps = [datetime.fromisoformat(row["requested_datetime"]) for row in rows]
    assert stamps == sorted(stamps, reverse=True)


def test_a_single_request_validates_by_code_and_by_finding_id(app, auth, clock):
    f = report(app, auth)
    report(app, auth, "hongsheng")
    for key in (f["code"], f["id"]):
        r = get(auth, "supervisor", f"/requests/{key}.json")
        assert r.status_code == 200, r.get_data(as_text=True)
        assert_valid("service_requests", r.json)
        assert len(r.json) == 1 and r.json[0]["service_request_id"] == f["code"]
    assert_error(get(auth, "supervisor", "/requests/MH-2026-99999.json"), 404, "not_found")


def test_agency_responsible_is_the_communitys_chinese_name(app, auth, clock):
    a = report(app, auth, "yongsheng")
    b = report(app, auth, "hongsheng")
    by_id = {row["service_request_id"]: row for row in requests_of(auth)}
    assert by_id[a["code"]]["agency_responsible"] == "永胜社区" == a["community_name"]
    assert by_id[b["code"]]["agency_responsible"] == "红升社区" == b["community_name"]


def test_a_voided_finding_is_closed_and_the_status_filter_picks_it(app, auth, clock):
    kept = report(app, auth)
    gone = report(app, auth)
    void(auth, gone["id"])
    by_id = {row["service_request_id"]: row for row in requests_of(auth)}
    assert by_id[kept["code"]]["status"] == "open"
    assert by_id[gone["code"]]["status"] == "closed"
    assert by_id[gone["code"]]["status_notes"] == "已作废"
    assert ids(requests_of(auth, status="open")) == {kept["code"]}
    assert ids(requests_of(auth, status="closed")) == {gone["code"]}
    assert ids(requests_of(auth, status="open,closed")) == {kept["code"], gone["code"]}
    single = get(auth, "supervisor", f"/requests/{gone['code']}.json").json
    assert single[0]["status"] == "closed"


def test_updated_datetime_follows_the_last_change(app, auth, clock):
    f = report(app, auth)
    clock.set("2026-11-27T15:00:00+08:00")
    void(auth, f["id"])
    row = requests_of(auth)[0]
    assert datetime.fromisoformat(row["updated_datetime"]) == datetime.fromisoformat(
        "2026-11-27T15:00:00+08:00")
    assert datetime.fromisoformat(row["requested_datetime"]) < datetime.fromisoformat(
        row["updated_datetime"])


def test_expected_datetime_is_the_rectification_deadline(app, auth, clock):
    f = report(app, auth)
    assert f["rectify_due"] is not None
    row = requests_of(auth)[0]
    expected = datetime.fromisoformat(row["expected_datetime"])
    assert expected.utcoffset() == timedelta(hours=8)
    assert expected.date() == date.fromisoformat(f["rectify_due"])
    assert expected.time().isoformat() == "23:59:59"  # the deadline day counts in full
    assert expected > datetime.fromisoformat(row["requested_datetime"])


def test_requests_xml_parses_with_the_same_requests(app, auth, clock):
    report(app, auth, "yongsheng")
    report(app, auth, "hongsheng", covert=True)
    gone = report(app, auth, "aihua")
    void(auth, gone["id"])
    as_json = requests_of(auth)
    root = parse_xml(get(auth, "supervisor", "/requests.xml"))
    assert root.tag == "service_requests"
    assert [el.tag for el in root] == ["request"] * len(as_json) == ["request"] * 3
    assert [el.findtext("service_request_id") for el in root] == [
        row["service_request_id"] for row in as_json]
    for el, row in zip(root, as_json):
        assert [child.tag for child in el] == REQUEST_FIELDS
        assert el.findtext("status") == row["status"]
        assert el.findtext("agency_responsible") == row["agency_responsible"]
        assert float(el.findtext("lat")) == row["lat"]
        assert el.findtext("zipcode") == ""  # null is an empty element
    one = parse_xml(get(auth, "supervisor", f"/requests/{gone['code']}.xml"))
    assert len(one) == 1 and one[0].findtext("status") == "closed"


# ---------------------------------------------------------------- tokens


@pytest.mark.parametrize("path", ["/services.json", "/services.xml", "/requests.json",
                                  "/requests.xml", "/requests/MH-2026-00001.json"])
def test_a_token_is_required(client, path):
    assert_error(client.get(BASE + path), 401, "unauthorized")
    assert_error(client.get(BASE + path, query_string={"api_key": "not-a-token"}), 401,
                 "unauthorized")


def test_the_api_key_parameter_works_like_the_header(app, auth, clock):
    f = report(app, auth)
    token = auth.token("leader")
    r = auth.client.get(f"{BASE}/requests.json", query_string={"api_key": token})
    assert r.status_code == 200 and ids(r.json) == {f["code"]}
    r = auth.client.get(f"{BASE}/requests/{f['code']}.json", query_string={"api_key": token})
    assert r.status_code == 200 and r.json[0]["service_request_id"] == f["code"]
    r = auth.client.get(f"{BASE}/services.xml", query_string={"api_key": token})
    assert r.status_code == 200
    assert auth.client.post("/api/v1/auth/logout", headers=auth.headers("leader")).status_code in (
        200, 204)
    assert_error(auth.client.get(f"{BASE}/requests.json", query_string={"api_key": token}), 401)


# ---------------------------------------------------------------- visibility


def test_a_community_sees_only_its_own_requests(app, auth, clock):
    mine = report(app, auth, "yongsheng")
    theirs = report(app, auth, "hongsheng")
    rows = requests_of(auth, "yongsheng")
    assert ids(rows) == {mine["code"]}
    assert {row["agency_responsible"] for row in rows} == {"永胜社区"}
    assert get(auth, "yongsheng", f"/requests/{mine['code']}.json").status_code == 200
    assert_error(get(auth, "yongsheng", f"/requests/{theirs['code']}.json"), 404, "not_found")
    assert_error(get(auth, "yongsheng", f"/requests/{theirs['id']}.xml"), 404, "not_found")
    assert ids(requests_of(auth, "yongsheng", service_request_id=theirs["code"])) == set()
    root = parse_xml(get(auth, "yongsheng", "/requests.xml"))
    assert [el.findtext("service_request_id") for el in root] == [mine["code"]]


@pytest.mark.parametrize("user, sees", [("supervisor", True), ("leader", True),
                                        ("inspector", False), ("inspector2", False),
                                        ("yongsheng", False)])
def test_covert_findings_are_for_supervisors_and_leaders(app, auth, clock, user, sees):
    plain = report(app, auth, "yongsheng")
    covert = report(app, auth, "yongsheng", covert=True)
    assert covert["covert"] is True
    expected = {plain["code"], covert["code"]} if sees else {plain["code"]}
    assert ids(requests_of(auth, user)) == expected
    assert len(parse_xml(get(auth, user, "/requests.xml"))) == len(expected)
    single = get(auth, user, f"/requests/{covert['code']}.json")
    if sees:
        assert single.status_code == 200
        assert_valid("service_requests", single.json)
    else:
        assert_error(single, 404, "not_found")
    by_id = ids(requests_of(auth, user, service_request_id=f"{plain['code']},{covert['code']}"))
    assert by_id == expected


# ---------------------------------------------------------------- defaults and filters


def test_by_default_only_the_last_90_days_are_listed(app, auth, clock):
    clock.set(OLD_RECEIVED)  # pushed on the day: the server refuses inspections 90 days old
    old = report(app, auth, started_at=OLD)
    clock.set(NOW)
    auth.tokens.clear()  # July's tokens have expired by now
    new = report(app, auth)
    assert ids(requests_of(auth)) == {new["code"]}
    assert len(parse_xml(get(auth, "supervisor", "/requests.xml"))) == 1
    # an old request is still reachable on its own, and by id in the list
    assert get(auth, "supervisor", f"/requests/{old['code']}.json").status_code == 200
    assert ids(requests_of(auth, service_request_id=old["code"])) == {old["code"]}
    assert ids(requests_of(auth, start_date="2026-06-01T00:00:00+08:00")) == {
        old["code"], new["code"]}


def test_start_and_end_date_bound_the_list(app, auth, clock):
    clock.set(OLD_RECEIVED)  # pushed on the day: the server refuses inspections 90 days old
    old = report(app, auth, started_at=OLD)
    clock.set(NOW)
    auth.tokens.clear()  # July's tokens have expired by now
    mid = report(app, auth, started_at="2026-11-20T09:00:00+08:00")
    new = report(app, auth)  # 2026-11-27T09:30+08:00
    assert ids(requests_of(auth, start_date="2026-11-21T00:00:00+08:00")) == {new["code"]}
    assert ids(requests_of(auth, start_date="2026-11-01T00:00:00+08:00",
                           end_date="2026-11-25T00:00:00+08:00")) == {mid["code"]}
    # UTC with Z means the same instants
    assert ids(requests_of(auth, start_date="2026-11-20T01:00:00Z",
                           end_date="2026-11-20T01:00:00Z")) == {mid["code"]}
    # end_date alone: the 90 days before it
    assert ids(requests_of(auth, end_date="2026-07-02T00:00:00+08:00")) == {old["code"]}
    assert ids(requests_of(auth, end_date="2026-11-26T00:00:00+08:00")) == {mid["code"]}
    assert ids(requests_of(auth, start_date="2026-06-01T00:00:00+08:00",
                           end_date="2026-12-01T00:00:00+08:00")) == {
        old["code"], mid["code"], new["code"]}
    assert ids(requests_of(auth, start_date="2026-11-28T00:00:00+08:00")) == set()


def test_service_code_filters_the_list(app, auth, clock):
    street = report(app, auth, location_type="street")
    compound = report(app, auth, location_type="compound")
    assert ids(requests_of(auth, service_code=street["item_code"])) == {street["code"]}
    both = f"{street['item_code']},{compound['item_code']}"
    assert ids(requests_of(auth, service_code=both)) == {street["code"], compound["code"]}


@pytest.mark.parametrize("status", ["pending", "OPEN", "open,", "void"])
def test_a_bad_status_is_a_400_json_error(auth, clock, status):
    r = get(auth, "supervisor", "/requests.json", status=status)
    assert_error(r, 400, "bad_query")
    assert "status" in r.json["error"]["fields"]


@pytest.mark.parametrize("name, value", [("start_date", "yesterday"),
                                         ("start_date", "2026-11-01T00:00:00"),
                                         ("end_date", "2026-11-32T00:00:00+08:00")])
def test_a_bad_date_is_a_400_json_error(auth, clock, name, value):
    r = get(auth, "supervisor", "/requests.json", **{name: value})
    assert_error(r, 400, "bad_query")
    assert name in r.json["error"]["fields"]


@pytest.mark.parametrize("path", ["/requests.csv", "/services.csv", "/requests.JSON",
                                  "/requests/MH-2026-00001.csv"])
def test_an_unknown_format_is_404(auth, path):
    assert_error(get(auth, "supervisor", path), 404, "not_found")


# ---------------------------------------------------------------- edges


def test_xml_stays_well_formed_whatever_the_inspector_typed(app, auth, clock):
    point = demo_point(app, "street", "yongsheng")
    note = "坑<洼>&\"积水\x01\x0b\x1f 已拍照\t"
    rec = inspection(point, [result(item(app, "street", True), "fail", [new_id()], note=note)])
    push(auth, [rec])
    assert requests_of(auth)[0]["description"] == note  # JSON carries the text as typed
    r = get(auth, "supervisor", "/requests.xml")
    assert r.content_type == "text/xml; charset=utf-8"
    assert b'encoding="utf-8"' in r.get_data()[:60]
    root = parse_xml(r)
    assert root[0].findtext("description") == "坑<洼>&\"积水 已拍照\t"
    one = parse_xml(get(auth, "supervisor", f"/requests/{rec['results'][0]['id']}.xml"))
    assert one[0].findtext("description") == "坑<洼>&\"积水 已拍照\t"


def test_an_unassigned_finding_has_no_agency_and_no_deadline(app, auth, clock):
    rec = inspection(None, [result(item(app, "street", True), "fail", [new_id()])],
                     lat=43.6, lon=127.9, location_type="street")
    push(auth, [rec])
    f = auth.get("supervisor", f"/api/v1/findings/{rec['results'][0]['id']}").json
    assert f["status"] == "unassigned" and f["community_id"] is None
    row = requests_of(auth)[0]
    assert row["service_request_id"] == f["code"] and row["status"] == "open"
    assert row["agency_responsible"] == "" and row["expected_datetime"] is None
    assert row["address_id"] is None and (row["lat"], row["long"]) == (43.6, 127.9)
    assert requests_of(auth, "yongsheng") == []


def test_a_finding_without_photos_has_no_media_url(app, auth, clock):
    code = item(app, "street", False)
    rec = inspection(demo_point(app), [result(code, "fail", [])])
    push(auth, [rec])
    row = requests_of(auth)[0]
    assert row["service_code"] == code and row["media_url"] is None
    assert parse_xml(get(auth, "supervisor", "/requests.xml"))[0].findtext("media_url") == ""


def test_the_list_is_capped_newest_first(app, auth, clock, monkeypatch):
    import server.open311 as open311
    made = [report(app, auth, started_at=f"2026-11-2{d}T09:00:00+08:00") for d in (1, 3, 5)]
    monkeypatch.setattr(open311, "MAX_RESULTS", 2)
    assert [row["service_request_id"] for row in requests_of(auth)] == [
        made[2]["code"], made[1]["code"]]
    assert len(parse_xml(get(auth, "supervisor", "/requests.xml"))) == 2
