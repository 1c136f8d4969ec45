"""The contract in shared_schema/: schemas are valid, references resolve, the catalogue and
enumerations agree with the schemas, and sample documents pass or fail as they should."""
import copy
import json
import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from jsonschema import Draft202012Validator
from referencing.exceptions import Unresolvable

import shared_schema as ss

NAMES = ss.schema_names()
FIVE_CATEGORIES = ["公共环境", "公共秩序", "基础设施", "公益宣传", "管理服务"]


def uid() -> str:
    """A fresh lowercase UUID string."""
    return str(uuid.uuid4())


def errors(name: str, doc) -> list:
    """Validation errors of doc against the named schema."""
    return list(ss.validator(name).iter_errors(doc))


def valid(name: str, doc) -> bool:
    """Whether doc is valid against the named schema."""
    return not errors(name, doc)


def valid_against(schema: dict, value) -> bool:
    """Whether a value fits one $defs schema (with no references of its own)."""
    return Draft202012Validator(schema, format_checker=ss.format_checker()).is_valid(value)


def walk_refs(node, path=""):
    """Yield (json path, $ref) for every $ref in a schema."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield path, value
            else:
                yield from walk_refs(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk_refs(value, f"{path}/{i}")


# --- the schema files themselves -------------------------------------------------------------

def test_the_expected_schemas_exist():
    """Every record and response of the contract has its schema."""
    expected = {
        "common", "login_request", "login_response", "error", "sync_push_request",
        "sync_push_envelope", "inspection_record", "verification_record", "sync_push_response",
        "sync_pull_response", "finding", "findings_page", "finding_action_request", "letter",
        "photo_upload_response", "calendar_due_response", "calendar_day_update",
        "communities_collection", "points_collection", "checklists_response",
        "checklist_catalogue", "enumerations", "geojson",
    }
    assert expected <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_schema_is_valid_draft_2020_12(name):
    """check_schema raises on an invalid schema."""
    schema = ss.load_schema(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("name", NAMES)
def test_schema_id_matches_file_name(name):
    """$id is https://chuangcheng.local/schema/<name>.json."""
    assert ss.load_schema(name)["$id"] == ss.schema_id(name) == f"{ss.BASE_URI}{name}.json"


def test_ids_are_unique_and_all_registered():
    """No two files claim the same $id; the registry holds each."""
    ids = [ss.load_schema(n)["$id"] for n in NAMES]
    assert len(ids) == len(set(ids))
    reg = ss.registry()
    for schema_id in ids:
        assert reg.contents(schema_id)["$id"] == schema_id


@pytest.mark.parametrize("name", NAMES)
def test_every_ref_resolves(name):
    """Each $ref, resolved against its file's $id, finds a schema in the registry."""
    schema = ss.load_schema(name)
    resolver = ss.registry().resolver(base_uri=schema["$id"])
    refs = list(walk_refs(schema))
    for path, ref in refs:
        try:
            resolved = resolver.lookup(ref)
        except Unresolvable as exc:  # pragma: no cover - the failure message is the point
            pytest.fail(f"{name}{path}: $ref {ref!r} does not resolve: {exc}")
        assert isinstance(resolved.contents, (dict, bool)), (name, path, ref)


CLOSED = ["login_request", "sync_push_request", "sync_push_envelope", "inspection_record",
          "verification_record", "calendar_day_update", "checklist_catalogue", "enumerations"]


@pytest.mark.parametrize("name", CLOSED)
def test_request_bodies_forbid_unknown_properties(name):
    """Request bodies (and the data files' schemas) close their objects; responses stay open."""
    assert ss.load_schema(name)["additionalProperties"] is False


def test_action_branches_are_closed_and_cover_every_action():
    """One oneOf branch per action, each with additionalProperties false."""
    schema = ss.load_schema("finding_action_request")
    branches = [ref["$ref"].split("/")[-1] for ref in schema["oneOf"]]
    assert branches == list(ss.load_enums()["actions"])
    for name in branches:
        branch = schema["$defs"][name]
        assert branch["additionalProperties"] is False
        assert branch["properties"]["action"] == {"const": name}


# --- enumerations and catalogue -------------------------------------------------------------

ENUM_TO_DEF = {  # location types and categories are data now: open in the schema, seeded from here
    "finding_statuses": "finding_status",
    "roles": "role",
    "actions": "action",
    "flags": "flag",
    "letter_kinds": "letter_kind",
    "assignment_methods": "assignment_method",
    "results": "result",
    "verdicts": "verdict",
    "photo_stages": "photo_stage",
    "calendar_day_kinds": "calendar_day_kind",
}


def test_enums_file_is_valid():
    """enums.json validates against enumerations.schema.json."""
    assert errors("enumerations", ss.load_enums()) == []


@pytest.mark.parametrize("key,def_name", sorted(ENUM_TO_DEF.items()))
def test_enums_agree_with_schema(key, def_name):
    """The codes of enums.json equal the enum of common.schema.json, in the same order."""
    enums = ss.load_enums()[key]
    codes = enums if isinstance(enums, list) else list(enums)
    assert codes == ss.load_schema("common")["$defs"][def_name]["enum"]


@pytest.mark.parametrize("key,def_name", [("location_types", "location_type"), ("categories", "category")])
def test_seeded_codes_fit_the_open_schema(key, def_name):
    """Location types and categories are data: the seeded ones fit the shape the schema allows."""
    for code in ss.load_enums()[key]:
        assert valid_against(ss.load_schema("common")["$defs"][def_name], code), code
    assert not valid_against(ss.load_schema("common")["$defs"][def_name], "")


def test_enum_labels_are_chinese():
    """Labels are for people: each has at least one CJK character."""
    for key, value in ss.load_enums().items():
        if isinstance(value, dict) and key != "error_codes":
            for code, label in value.items():
                assert re.search(r"[\u4e00-\u9fff]", label), (key, code, label)


def test_enums_misc():
    """Push statuses match the push response; history actions include every action;
    open statuses exclude the terminal ones; error codes cover the documented statuses."""
    enums = ss.load_enums()
    push = ss.load_schema("sync_push_response")["properties"]["results"]["items"]
    assert list(enums["push_statuses"]) == push["properties"]["status"]["enum"]
    assert set(enums["actions"]) <= set(enums["history_actions"])
    assert set(enums["open_statuses"]) == set(enums["finding_statuses"]) - {"closed", "void"}
    statuses = {v["http_status"] for v in enums["error_codes"].values()}
    assert {400, 401, 403, 404, 409, 413, 415, 422} <= statuses


def test_catalogue_validates():
    """checklists.json validates against checklist_catalogue.schema.json."""
    assert errors("checklist_catalogue", ss.load_catalogue()) == []


def test_catalogue_covers_every_location_type():
    """The catalogue's types and names are those of enums.json, in the same order."""
    catalogue = ss.load_catalogue()["location_types"]
    enums = ss.load_enums()["location_types"]
    assert list(catalogue) == list(enums)
    for code, entry in catalogue.items():
        assert entry["name"] == enums[code]


def test_catalogue_codes_unique_prefixed_and_categorised():
    """Codes are unique across the catalogue, start with their type, and use the five categories."""
    seen = set()
    for type_code, entry in ss.load_catalogue()["location_types"].items():
        for item in entry["items"]:
            code = item["code"]
            assert code not in seen, code
            seen.add(code)
            assert code.startswith(type_code + "."), code
            assert re.fullmatch(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*", code), code
            assert item["category"] in FIVE_CATEGORIES, code
            assert 1 <= item["limit_days"] <= 30, code
            assert re.search(r"[\u4e00-\u9fff]", item["text"]), code
    assert len(seen) >= 60


def test_catalogue_has_the_domain_essentials():
    """The three core types are substantial and a few known items are present."""
    catalogue = ss.load_catalogue()["location_types"]
    for type_code, minimum in (("street", 17), ("compound", 14), ("toilet", 16)):
        assert len(catalogue[type_code]["items"]) >= minimum, type_code
    codes = {i["code"]: i for e in catalogue.values() for i in e["items"]}
    assert codes["street.road_surface"]["text"] == "路面硬化平整、无坑洼积水、排水通畅"
    assert codes["toilet.odour"]["photo_required"] is False
    assert codes["street.flyers_graffiti"]["limit_days"] == 3


def test_checklists_response_from_catalogue_validates():
    """What GET /api/v1/checklists serves, built from the catalogue, fits its schema."""
    body = {t: e["items"] for t, e in ss.load_catalogue()["location_types"].items()}
    assert errors("checklists_response", body) == []
    body["street"][0] = {**body["street"][0], "category": ""}
    assert not valid("checklists_response", body)


# --- sync push ---------------------------------------------------------------------------

def inspection(**overrides) -> dict:
    """A valid inspection record with one fail and one pass."""
    record = {
        "kind": "inspection", "id": uid(), "point_id": 12, "location_type": "toilet",
        "started_at": "2026-11-28T09:30:00+08:00", "lat": 42.97, "lon": 126.74,
        "accuracy_m": 8.0, "covert": False, "note": "",
        "results": [
            {"id": uid(), "item_code": "toilet.odour", "result": "fail", "note": "异味明显",
             "photo_ids": [uid()]},
            {"id": uid(), "item_code": "toilet.lighting", "result": "pass", "note": "",
             "photo_ids": []},
        ],
    }
    record.update(overrides)
    return record


def verification(**overrides) -> dict:
    """A valid verification record."""
    record = {"kind": "verification", "id": uid(), "finding_id": uid(), "verdict": "pass",
              "at": "2026-12-01T10:00:00Z", "lat": 42.97, "lon": 126.74, "note": "已整改到位",
              "photo_ids": [uid()]}
    record.update(overrides)
    return record


def push(*records) -> dict:
    """A push document."""
    return {"device_id": "pwa-7f3a", "records": list(records)}


def test_valid_push_passes():
    """A push with an inspection and a verification is valid."""
    doc = push(inspection(), verification())
    assert errors("sync_push_request", doc) == []
    assert errors("sync_push_envelope", doc) == []


def test_minimal_records_pass():
    """Optional fields may be left out; lat/lon may be null with a point."""
    minimal = {"kind": "inspection", "id": uid(), "location_type": "street",
               "started_at": "2026-11-28T01:30:00Z", "point_id": 3,
               "results": [{"id": uid(), "item_code": "street.clutter", "result": "na"}]}
    assert valid("inspection_record", minimal)
    assert valid("inspection_record", {**minimal, "lat": None, "lon": None})
    no_point = {**minimal, "point_id": None, "lat": 42.9, "lon": 126.7, "accuracy_m": None}
    assert valid("inspection_record", no_point)
    assert valid("verification_record", {"kind": "verification", "id": uid(), "finding_id": uid(),
                                         "verdict": "fail", "at": "2026-12-01T10:00:00.123+08:00",
                                         "note": "仍有堆物"})


@pytest.mark.parametrize("started_at", [
    "2026-11-28T09:30:00",            # naive
    "2026-11-28 09:30:00+08:00",      # space instead of T
    "2026-11-28T09:30+08:00",         # no seconds
    "2026-11-28T09:30:00+0800",       # offset without colon
    "2026-02-30T09:30:00+08:00",      # no such day
    "2026-11-28",                     # a date
    "",
])
def test_bad_times_rejected(started_at):
    """Every time must be a full RFC 3339 date-time with an offset."""
    assert not valid("inspection_record", inspection(started_at=started_at))
    assert not valid("verification_record", verification(at=started_at))


@pytest.mark.parametrize("started_at", [
    "2026-11-28T09:30:00Z", "2026-11-28T09:30:00+08:00", "2026-11-28T09:30:00.5-03:30",
    "2026-11-28T09:30:00.123456+08:00",
])
def test_good_times_accepted(started_at):
    """Z, ±hh:mm and fractions of a second are fine."""
    assert valid("inspection_record", inspection(started_at=started_at))


def test_record_count_limit():
    """500 records pass, 501 are refused (the server answers 413)."""
    records = [verification() for _ in range(500)]
    assert valid("sync_push_envelope", push(*records))
    assert valid("sync_push_request", push(*records))
    records.append(verification())
    assert not valid("sync_push_request", push(*records))
    assert not valid("sync_push_envelope", push(*records))


def test_unknown_result_value_rejected():
    """A result outside pass/fail/na makes the record invalid."""
    record = inspection()
    record["results"][0]["result"] = "bad"
    assert not valid("inspection_record", record)
    assert not valid("sync_push_request", push(record))
    # the envelope alone does not look inside records: the server rejects that record only
    assert valid("sync_push_envelope", push(record, inspection()))


@pytest.mark.parametrize("mutate", [
    pytest.param(lambda r: r.update(kind="inspect"), id="unknown kind"),
    pytest.param(lambda r: r.pop("kind"), id="no kind"),
    pytest.param(lambda r: r.update(id="not-a-uuid"), id="bad id"),
    pytest.param(lambda r: r.update(id="1234567812345678123456781234567g"), id="undashed id"),
    pytest.param(lambda r: r.update(location_type="Park"), id="location type not a code"),
    pytest.param(lambda r: r.update(point_id=None, lat=None, lon=None), id="no point no gps"),
    pytest.param(lambda r: r.update(point_id=None, lat=None), id="lon without lat"),
    pytest.param(lambda r: r.update(lon=None), id="lat without lon"),
    pytest.param(lambda r: r.update(lat=90.5), id="lat out of range"),
    pytest.param(lambda r: r.update(lon=-181), id="lon out of range"),
    pytest.param(lambda r: r.update(lat="42.97"), id="lat as string"),
    pytest.param(lambda r: r.update(accuracy_m=-1), id="negative accuracy"),
    pytest.param(lambda r: r.update(point_id=0), id="point id zero"),
    pytest.param(lambda r: r.update(covert="no"), id="covert not boolean"),
    pytest.param(lambda r: r.update(note="x" * 2001), id="note too long"),
    pytest.param(lambda r: r.update(results=[]), id="no results"),
    pytest.param(lambda r: r.update(extra=1), id="unknown property"),
    pytest.param(lambda r: r["results"][0].update(item_code="Toilet.Odour"), id="bad item code"),
    pytest.param(lambda r: r["results"][0].update(photo_ids=["x"]), id="bad photo id"),
    pytest.param(lambda r: r["results"][0].update(photo_ids=[r["id"], r["id"]]), id="repeated photo"),
    pytest.param(lambda r: r["results"][0].update(photo_ids=[str(uuid.uuid4()) for _ in range(21)]),
                 id="too many photos"),
    pytest.param(lambda r: r["results"][0].pop("id"), id="result without id"),
    pytest.param(lambda r: r["results"][0].update(colour="red"), id="unknown result property"),
])
def test_bad_inspections_rejected(mutate):
    """Each single defect makes the inspection invalid, alone and inside a push."""
    record = inspection()
    mutate(record)
    assert not valid("inspection_record", record)
    assert not valid("sync_push_request", push(record))


@pytest.mark.parametrize("mutate", [
    pytest.param(lambda r: r.update(verdict="na"), id="verdict na"),
    pytest.param(lambda r: r.update(note="", photo_ids=[]), id="no evidence"),
    pytest.param(lambda r: r.update(note="   ", photo_ids=[]), id="blank note no photo"),
    pytest.param(lambda r: r.pop("finding_id"), id="no finding"),
    pytest.param(lambda r: r.update(accuracy_m=5), id="unknown property"),
])
def test_bad_verifications_rejected(mutate):
    """Each single defect makes the verification invalid."""
    record = verification()
    mutate(record)
    assert not valid("verification_record", record)
    assert not valid("sync_push_request", push(record))


@pytest.mark.parametrize("doc", [
    pytest.param({"records": []}, id="no device"),
    pytest.param({"device_id": "", "records": []}, id="empty device"),
    pytest.param({"device_id": "  ", "records": []}, id="blank device"),
    pytest.param({"device_id": "d" * 101, "records": []}, id="long device"),
    pytest.param({"device_id": "d"}, id="no records"),
    pytest.param({"device_id": "d", "records": {}}, id="records not a list"),
    pytest.param({"device_id": "d", "records": [], "since": 1}, id="unknown property"),
])
def test_bad_envelopes_rejected(doc):
    """The envelope itself is checked strictly."""
    assert not valid("sync_push_envelope", doc)
    assert not valid("sync_push_request", doc)


def test_empty_push_is_valid():
    """A push with no records is harmless."""
    assert valid("sync_push_request", {"device_id": "d" * 100, "records": []})


# --- finding actions ---------------------------------------------------------------------

GOOD_ACTIONS = [
    {"action": "reply", "measures": "组织保洁人员清理", "responsible": "王芳", "phone": "13800000000",
     "planned_date": "2026-12-03"},
    {"action": "reply", "measures": "清理", "responsible": "王芳", "planned_date": "2026-12-03"},
    {"action": "rectify", "note": "已清理", "photo_ids": [str(uuid.uuid4())]},
    {"action": "rectify", "photo_ids": [str(uuid.uuid4())]},
    {"action": "return", "reason": "该点位属红升社区"},
    {"action": "request_extension", "reason": "需协调产权单位", "until": "2026-12-20"},
    {"action": "assign", "community_id": 2, "note": "改派"},
    {"action": "assign", "community_id": 2},
    {"action": "deny_return", "note": "点位在你社区辖区内"},
    {"action": "deny_return"},
    {"action": "approve_extension", "note": ""},
    {"action": "deny_extension"},
    {"action": "set_deadline", "rectify_due": "2026-12-10", "note": "工程量大"},
    {"action": "verify", "note": "复查合格"},
    {"action": "verify", "photo_ids": [str(uuid.uuid4())]},
    {"action": "reject", "note": "仍有垃圾", "photo_ids": [str(uuid.uuid4())]},
    {"action": "void", "reason": "重复录入"},
]


@pytest.mark.parametrize("doc", GOOD_ACTIONS, ids=lambda d: d["action"])
def test_good_actions_pass(doc):
    """Each action with its fields is valid."""
    assert errors("finding_action_request", doc) == []


BAD_ACTIONS = [
    ({"action": "close"}, "unknown action"),
    ({"note": "x"}, "no action"),
    ({"action": "reply", "measures": "清理", "responsible": "王芳"}, "reply without date"),
    ({"action": "reply", "measures": "", "responsible": "王芳", "planned_date": "2026-12-03"},
     "reply with empty measures"),
    ({"action": "reply", "measures": "清理", "responsible": "王芳", "planned_date": "2026/12/03"},
     "reply with slashed date"),
    ({"action": "reply", "measures": "清理", "responsible": "王芳",
      "planned_date": "2026-12-03T00:00:00+08:00"}, "reply with a time"),
    ({"action": "reply", "measures": "x" * 2001, "responsible": "王芳", "planned_date": "2026-12-03"},
     "measures too long"),
    ({"action": "reply", "measures": "清理", "responsible": "王" * 51, "planned_date": "2026-12-03"},
     "responsible too long"),
    ({"action": "rectify", "note": "已清理"}, "rectify without photo"),
    ({"action": "rectify", "photo_ids": []}, "rectify with empty photos"),
    ({"action": "return"}, "return without reason"),
    ({"action": "return", "reason": " "}, "return with blank reason"),
    ({"action": "return", "reason": "x" * 501}, "reason too long"),
    ({"action": "request_extension", "reason": "协调"}, "extension without date"),
    ({"action": "request_extension", "reason": "协调", "until": "2026-13-01"}, "month 13"),
    ({"action": "assign"}, "assign without community"),
    ({"action": "assign", "community_id": "2"}, "community as string"),
    ({"action": "set_deadline", "note": "x"}, "set_deadline without date"),
    ({"action": "verify"}, "verify without evidence"),
    ({"action": "reject", "note": "", "photo_ids": []}, "reject without evidence"),
    ({"action": "void", "note": "重复"}, "void with note instead of reason"),
    ({"action": "deny_extension", "reason": "x"}, "field of another action"),
    ({"action": "return", "reason": "x", "community_id": 3}, "extra field"),
]


@pytest.mark.parametrize("doc,why", BAD_ACTIONS, ids=[why for _, why in BAD_ACTIONS])
def test_bad_actions_rejected(doc, why):
    """Each defect makes the action invalid."""
    assert not valid("finding_action_request", doc), why


def test_unknown_action_error_points_at_action():
    """An unknown action gives an error at the path 'action', so the server can answer 400."""
    paths = {tuple(e.path) for e in errors("finding_action_request", {"action": "close"})}
    assert ("action",) in paths


def test_calendar_day_update():
    """kind is one of three; name optional and bounded."""
    assert valid("calendar_day_update", {"kind": "holiday", "name": "春节"})
    assert valid("calendar_day_update", {"kind": "normal"})
    assert not valid("calendar_day_update", {"kind": "weekend"})
    assert not valid("calendar_day_update", {"kind": "workday", "name": "x" * 65})
    assert not valid("calendar_day_update", {"kind": "workday", "date": "2026-02-14"})


def test_login_request():
    """username and password, nothing else."""
    assert valid("login_request", {"username": "inspector", "password": "secret"})
    assert not valid("login_request", {"username": "inspector"})
    assert not valid("login_request", {"username": "", "password": "x"})
    assert not valid("login_request", {"username": "a", "password": "x", "remember": True})


# --- responses ---------------------------------------------------------------------------

def finding(**overrides) -> dict:
    """A valid finding as the server answers it."""
    fid, photo = uid(), uid()
    doc = {
        "id": fid, "code": "MH-2026-0001", "status": "assigned", "community_id": 1,
        "item_code": "toilet.odour", "location_type": "toilet", "point_id": 12,
        "lat": 42.97, "lon": 126.74, "found_at": "2026-11-28T09:30:00+08:00",
        "reply_due": "2026-12-01", "rectify_due": "2026-12-03",
        "overdue": False, "overdue_reply": False, "overdue_rectify": False,
        "assignment": {"method": "point", "detail": "点位：新华胡同公厕"},
        "flags": ["late_entry"],
        "photos": [{"id": photo, "stage": "before", "taken_at": "2026-11-28T09:31:00+08:00"}],
        "history": [{"at": "2026-11-28T10:00:00+08:00", "actor": None, "action": "create",
                     "from": None, "to": "assigned", "note": "自动派发", "photo_ids": [photo]}],
        "description": "异味明显", "covert": False, "rework_count": 0, "return_count": 0,
        "reply": None, "extension": None, "allowed_actions": ["reply", "rectify", "return"],
        "some_future_field": {"anything": True},
    }
    doc.update(overrides)
    return doc


def test_finding_response():
    """A full finding and an unassigned one are valid; inconsistent ones are not."""
    assert errors("finding", finding()) == []
    unassigned = finding(status="unassigned", community_id=None, reply_due=None, rectify_due=None,
                         assignment={"method": None, "detail": None}, flags=[])
    assert errors("finding", unassigned) == []
    assert valid("finding", finding(overdue=True, overdue_rectify=True))
    assert not valid("finding", finding(overdue=True))
    assert not valid("finding", finding(overdue_reply=True))
    assert not valid("finding", finding(status="open"))
    assert not valid("finding", finding(flags=["overdue"]))
    assert not valid("finding", finding(reply_due="2026-12-01T00:00:00+08:00"))
    assert not valid("finding", finding(assignment={"method": "gps", "detail": ""}))
    doc = finding()
    del doc["history"]
    assert not valid("finding", doc)


def test_findings_page_and_pull():
    """Lists of findings and the pull page."""
    assert valid("findings_page", {"items": [finding(), finding()], "total": 2})
    assert not valid("findings_page", {"items": [finding()]})
    assert not valid("findings_page", {"items": [finding()] * 201, "total": 201})
    letter = {"id": 7, "kind": "notice", "number": "明桦创城督〔2026〕12号", "community_id": 1,
              "finding_ids": [uid()], "issued_at": "2026-11-28T10:00:00+08:00"}
    assert errors("letter", letter) == []
    assert not valid("letter", {**letter, "kind": "memo"})
    pull = {"cursor": "1234", "has_more": False, "findings": [finding()], "letters": [letter]}
    assert errors("sync_pull_response", pull) == []
    assert not valid("sync_pull_response", {**pull, "has_more": "no"})


def test_small_responses():
    """Login, error, push answer, photo upload, calendar due."""
    user = {"id": 1, "username": "yongsheng", "display_name": "永胜社区", "role": "community",
            "community_id": 1}
    assert valid("login_response", {"token": "t" * 43, "user": user})
    assert not valid("login_response", {"token": "t" * 43, "user": {**user, "role": "guest"}})
    assert valid("error", {"error": {"code": "invalid_fields", "message": "填写的内容有误",
                                     "fields": {"results[0].item_code": "未知的检查项"}}})
    assert not valid("error", {"error": {"code": "Invalid Fields", "message": "x", "fields": {}}})
    assert not valid("error", {"code": "x", "message": "y"})
    answer = {"results": [{"id": uid(), "status": "created", "errors": {}},
                          {"id": None, "status": "rejected", "errors": {"id": "缺少编号"}}],
              "missing_photos": [uid()]}
    assert valid("sync_push_response", answer)
    answer["results"][0]["status"] = "ok"
    assert not valid("sync_push_response", answer)
    upload = {"id": uid(), "sha256": "a" * 64, "width": 1280, "height": 960,
              "content_type": "image/jpeg", "taken_at": None}
    assert valid("photo_upload_response", upload)
    assert not valid("photo_upload_response", {**upload, "sha256": "A" * 64})
    assert valid("calendar_due_response", {"due": "2026-02-14", "provisional": False})
    assert not valid("calendar_due_response", {"due": "2026-02-14"})


def test_geojson_collections():
    """Communities carry polygons (or null), points carry points; properties as the design says."""
    ring = [[126.73, 42.97], [126.75, 42.97], [126.75, 42.98], [126.73, 42.97]]
    communities = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
         "properties": {"id": 1, "name": "永胜社区", "is_demo": True}},
        {"type": "Feature", "geometry": None, "properties": {"id": 2, "name": "红升社区"}},
    ]}
    assert errors("communities_collection", communities) == []
    bad = copy.deepcopy(communities)
    bad["features"][0]["properties"].pop("name")
    assert not valid("communities_collection", bad)
    points = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": 12, "geometry": {"type": "Point", "coordinates": [126.74, 42.97]},
         "properties": {"id": 12, "name": "新华胡同", "location_type": "street", "community_id": 1}},
    ]}
    assert errors("points_collection", points) == []
    swapped = copy.deepcopy(points)
    swapped["features"][0]["geometry"]["coordinates"] = [42.97, 196.74]
    assert not valid("points_collection", swapped)
    missing = copy.deepcopy(points)
    missing["features"][0]["properties"].pop("location_type")
    assert not valid("points_collection", missing)


# --- generated documents -----------------------------------------------------------------
# hypothesis-jsonschema 0.23.1 cannot draw objects with hypothesis 6.170 ('many' object has no
# attribute 'more'), so it draws the scalar definitions and plain hypothesis builds the records.

SETTINGS = settings(max_examples=40, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def common_def(name: str) -> dict:
    """A definition of common.schema.json as a standalone schema."""
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$ref": f"{ss.BASE_URI}common.json#/$defs/{name}"}


def valid_def(name: str, value) -> bool:
    """Whether value fits the named common definition (formats checked)."""
    v = Draft202012Validator(common_def(name), registry=ss.registry(),
                             format_checker=ss.format_checker())
    return v.is_valid(value)


@pytest.mark.parametrize("name", ["uuid", "date_time", "date", "item_code", "reason", "device_id"])
def test_generated_scalars_validate(name):
    """Values drawn from each scalar definition (pattern and format together) validate,
    so no pattern contradicts its format."""
    schema = {k: v for k, v in ss.load_schema("common")["$defs"][name].items() if k != "description"}

    @SETTINGS
    @given(from_schema(schema))
    def check(value):
        assert valid_def(name, value), value

    check()


UUIDS = st.uuids().map(str)
TIMES = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31),
                     timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=8)),
                                                timezone(timedelta(hours=-3, minutes=-30))])
                     ).map(lambda d: d.isoformat().replace("+00:00", "Z"))
TEXT = st.text(max_size=40)
CODES = [i["code"] for e in ss.load_catalogue()["location_types"].values() for i in e["items"]]


@st.composite
def inspections(draw):
    """Valid inspection records in every shape the contract allows."""
    record = {"kind": "inspection", "id": draw(UUIDS),
              "location_type": draw(st.sampled_from(list(ss.load_enums()["location_types"]))),
              "started_at": draw(TIMES),
              "results": draw(st.lists(st.fixed_dictionaries(
                  {"id": UUIDS, "item_code": st.sampled_from(CODES),
                   "result": st.sampled_from(["pass", "fail", "na"])},
                  optional={"note": TEXT, "photo_ids": st.lists(UUIDS, max_size=3, unique=True)}),
                  min_size=1, max_size=5))}
    point = draw(st.one_of(st.none(), st.integers(1, 10**6)))
    if point is not None or draw(st.booleans()):
        record["point_id"] = point
    has_gps = point is None or draw(st.booleans())
    if has_gps:
        record["lat"] = draw(st.floats(-90, 90))
        record["lon"] = draw(st.floats(-180, 180))
    elif draw(st.booleans()):
        record["lat"] = record["lon"] = None
    for key, strategy in (("accuracy_m", st.one_of(st.none(), st.floats(0, 5000))),
                          ("covert", st.booleans()), ("note", TEXT)):
        if draw(st.booleans()):
            record[key] = draw(strategy)
    return record


@SETTINGS
@given(st.lists(inspections(), max_size=4), UUIDS)
def test_generated_pushes_validate(records, device):
    """Every push built from the allowed shapes validates."""
    assert errors("sync_push_request", {"device_id": device, "records": records}) == []


@SETTINGS
@given(inspections(), st.sampled_from(["started_at", "results", "location_type", "id", "kind"]))
def test_generated_inspections_missing_a_required_field_fail(record, key):
    """Dropping any required field makes a record invalid."""
    del record[key]
    assert not valid("inspection_record", record)


@SETTINGS
@given(TIMES)
def test_generated_times_lose_their_offset_and_fail(time):
    """The same times without an offset are rejected."""
    naive = re.sub(r"(Z|[+-]\d\d:\d\d)$", "", time)
    assert valid_def("date_time", time)
    assert not valid_def("date_time", naive)


def test_json_files_are_utf8_without_bom():
    """Every JSON file reads as UTF-8 without a BOM and ends with a newline."""
    for path in ss.SCHEMA_DIR.glob("*.json"):
        raw = path.read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf"), path.name
        json.loads(raw.decode("utf-8"))
