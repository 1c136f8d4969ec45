"""The server's marshmallow schemas and the JSON Schemas of shared_schema/ accept the same documents.

Hypothesis draws valid documents of every shape the contract allows and near misses of them
(a required field dropped, a wrong type, a number out of range, a naive or malformed time,
a string one character too long, an unknown field, a bad UUID, a repeated photo id, one item
too many, …). For each document: marshmallow accepts ⇔ the JSON Schema accepts.

Rules only the server can check are excluded from the drawn documents on purpose and pinned
in test_rules_only_the_server_checks instead:
  * a time more than 10 minutes in the future, or an inspection started more than 90 days ago
    (drawn times lie between 85 days and 1 day before the server's now);
  * result ids or item codes repeated within one inspection, photo ids repeated in another
    letter case (JSON Schema compares array items whole and case-sensitively);
  * the NUL character in a text (StrictString refuses it: PostgreSQL cannot store it);
  * references: whether a point, item code, finding or community exists and fits (ingest and
    the action service check those after the schema; drawn ids and codes are arbitrary);
  * NaN and infinities, which JSON cannot carry (Flask's parser would accept them).

hypothesis-jsonschema 0.23.1 cannot draw objects with hypothesis 6.170.10+ ('many' object has
no attribute 'more'; 6.170.9 is the last release it works with), and it draws these records
far too slowly for this budget anyway, so the strategies here are written by hand.
"""
from __future__ import annotations

import copy
import uuid
from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from marshmallow import ValidationError

import shared_schema as ss
from server.errors import ApiError
from server.schemas.actions import ACTION_SCHEMAS
from server.schemas.sync import MAX_RECORDS, RECORD_SCHEMAS, PushRequestSchema
from server.services.actions import action_name
from server.timeutil import iso, utcnow

SETTINGS = settings(max_examples=150, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
COMMON = ss.load_schema("common")["$defs"]
LOCATION_TYPES = list(ss.load_catalogue()["location_types"])  # the seeded types; any code shape passes
ACTIONS = COMMON["action"]["enum"]
CATALOGUE = {t: [i["code"] for i in e["items"]]
             for t, e in ss.load_catalogue()["location_types"].items()}
ABSENT = object()  # a mutation that removes the field


def _validator(name: str):
    """One cached validator per schema."""
    if name not in _VALIDATORS:
        _VALIDATORS[name] = ss.validator(name)
    return _VALIDATORS[name]


_VALIDATORS: dict = {}


def js_accepts(name: str, doc) -> bool:
    """The JSON Schema's verdict."""
    return _validator(name).is_valid(doc)


def mm_accepts(schema, doc) -> bool:
    """marshmallow's verdict (on a copy: load must not depend on or change the input)."""
    try:
        schema.load(copy.deepcopy(doc))
    except ValidationError as err:
        _LAST_MESSAGES[:] = [err.messages]
        return False
    _LAST_MESSAGES[:] = [None]
    return True


_LAST_MESSAGES: list = [None]  # marshmallow's messages of the last rejection, for reports


def assert_agree(name: str, doc, server_accepts: bool, tally: Counter) -> None:
    """Both sides give the same verdict."""
    js = js_accepts(name, doc)
    if js != server_accepts:
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in _validator(name).iter_errors(doc)]
        pytest.fail(f"{name}: JSON Schema {'accepts' if js else 'rejects'} but the server "
                    f"{'accepts' if server_accepts else 'rejects'}\n{_short(doc)}\nJSON Schema: {errors[:5]}"
                    f"\nmarshmallow: {_LAST_MESSAGES[0]}")
    tally["accepted" if js else "rejected"] += 1


def _short(doc) -> str:
    """A document for a failure message, cut to a readable length."""
    text = repr(doc)
    return text if len(text) <= 1500 else text[:1500] + " …"


def run_and_tally(test) -> None:
    """Run a @given test and check that it saw both verdicts (else it proves little)."""
    tally: Counter = Counter()
    test(tally)
    assert tally["accepted"] >= 5 and tally["rejected"] >= 5, tally


# --- scalar strategies ---------------------------------------------------------------------

TEXT_CHARS = st.characters(blacklist_characters="\x00")  # NUL: a server-only rule
SPACES = st.sampled_from([" ", "\t", "\n", "\r", "\u3000", "\xa0", "\x1c", "\u2028", "\x0b"])
JUNK = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(-1e3, 1e3, allow_nan=False),
                 st.text(TEXT_CHARS, max_size=4), st.just([]), st.just({}),
                 st.lists(st.integers(), min_size=1, max_size=2),
                 st.fixed_dictionaries({"id": st.integers()}))


@st.composite
def uuids(draw) -> str:
    """A hyphenated UUID in lower, upper or mixed case."""
    text = str(draw(st.uuids()))
    case = draw(st.sampled_from(["lower", "upper", "mixed"]))
    if case == "upper":
        return text.upper()
    if case == "mixed":
        return "".join(c.upper() if i % 3 == 0 else c for i, c in enumerate(text))
    return text


BAD_UUIDS = st.one_of(
    st.sampled_from(["", "not-a-uuid", "3f2a9c1e-0b7d-4c2a-9d1e-5a6b7c8d9e0g", "3f2a9c1e0b7d4c2a9d1e5a6b7c8d9e0f",
                     "3f2a9c1e-0b7d-4c2a-9d1e-5a6b7c8d9e0", "3f2a9c1e_0b7d_4c2a_9d1e_5a6b7c8d9e0f"]),
    st.uuids().map(lambda u: u.hex),                      # no hyphens
    st.uuids().map(lambda u: f"{u}\n"),                   # trailing newline
    st.uuids().map(lambda u: f" {u}"),
    st.uuids().map(lambda u: f"{{{u}}}"),                 # braces
    st.uuids().map(lambda u: f"urn:uuid:{u}"),
    st.uuids().map(lambda u: f"{u}0"),
    st.uuids().map(lambda u: str(u)[:8] + str(u)[9:] + "-"),   # hyphen moved
    st.integers(), st.none(),
)


def _offset(minutes: int) -> str:
    """±hh:mm."""
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


OFFSETS = st.one_of(st.just("Z"), st.sampled_from(["+08:00", "+00:00", "-00:00"]),
                    st.integers(-(23 * 60 + 59), 23 * 60 + 59).map(_offset))
# Recent past only: the server refuses a time more than 10 minutes ahead and an inspection
# started more than 90 days ago, which no schema can say (a day of margin for the offsets).
# Every test runs at the pinned server time of tests/conftest.py's clock, 2026-11-27 10:00+08:00.
_NOW = datetime(2026, 11, 27, 2, 0)
PAST = st.datetimes(min_value=_NOW - timedelta(days=85), max_value=_NOW - timedelta(days=1))


@st.composite
def times(draw) -> str:
    """An RFC 3339 time with an offset and 0 to 6 digits of fraction, in the past."""
    when = draw(PAST)
    digits = draw(st.integers(0, 6))
    fraction = ("." + f"{when.microsecond:06d}"[:digits]) if digits else ""
    return f"{when:%Y-%m-%dT%H:%M:%S}{fraction}{draw(OFFSETS)}"


@st.composite
def bad_times(draw):
    """A time that the contract refuses: naive, malformed, impossible, not a string."""
    when = draw(PAST)
    base = f"{when:%Y-%m-%dT%H:%M:%S}"
    return draw(st.sampled_from([
        base,                                              # naive
        base.replace("T", " ") + "+08:00",                 # space for T
        base[:16] + "+08:00",                              # no seconds
        base + "+0800",                                    # offset without colon
        base + "+08",
        base + ".1234567+08:00",                           # 7 digits of fraction
        base + ",5+08:00",                                 # comma fraction
        base + ".+08:00",
        base + "z", base.replace("T", "t") + "Z",          # lower-case letters
        base + "+24:00", base + "+08:60", base + "+08:00:30",
        base + "+08:00\n", " " + base + "Z",
        base[:10],                                         # a date
        base[:10].replace("-", "") + "T" + base[11:].replace(":", "") + "Z",  # basic format
        "2025-02-29T10:00:00+08:00", "2025-13-01T10:00:00Z", "2025-11-31T10:00:00Z",
        "2025-11-27T24:00:00Z", "2025-11-27T23:60:00Z", "2025-11-27T23:59:60Z",
        "", "now",
    ]) | st.one_of(st.integers(), st.floats(allow_nan=False), st.none(), st.booleans()))


DATES = st.dates().map(date.isoformat)
BAD_DATES = st.one_of(st.sampled_from([
    "20261203", "2026-W49-4", "2026-337", "2026-12-3", "2026-1-03", "2026-02-30", "2026-13-01",
    "2026-12-03T00:00:00+08:00", "2026-12-03\n", " 2026-12-03", "2026/12/03", "", "0000-01-01",
]), st.dates().map(lambda d: d.strftime("%d.%m.%Y")), st.integers(), st.none())


def texts(max_size: int, min_size: int = 0):
    """Free text without NUL; sometimes exactly at the limit."""
    return st.one_of(st.text(TEXT_CHARS, min_size=min_size, max_size=min(max_size, 30)),
                     st.just("长" * max_size), st.just("x" * min_size))


@st.composite
def nonblank(draw, max_size: int) -> str:
    """Text with at least one non-whitespace character (leading spaces allowed)."""
    core = draw(st.characters(blacklist_characters="\x00", blacklist_categories=("Zs", "Zl", "Zp", "Cc")))
    before = draw(st.text(SPACES, max_size=3))
    after = draw(st.text(TEXT_CHARS, max_size=10))
    if draw(st.booleans()):
        return (before + core + after)[:max_size]
    return core * max_size  # exactly at the limit


def bad_texts(max_size: int, required: bool = False):
    """Too long, not a string, and for required text also empty or blank."""
    extra = [st.just(""), st.text(SPACES, min_size=1, max_size=4)] if required else []
    return st.one_of(st.just("x" * (max_size + 1)), st.just("长" * (max_size + 1)),
                     st.integers(), st.none(), st.lists(st.text(TEXT_CHARS, max_size=2), max_size=1),
                     *extra)


def numbers(low: float, high: float):
    """A JSON number in [low, high]: floats, integers, and the bounds themselves."""
    return st.one_of(st.floats(low, high), st.integers(int(low), int(high)),
                     st.sampled_from([low, high, int(low), int(high), 0]))


def bad_numbers(low: float | None, high: float | None):
    """Just out of range, or not a number."""
    out = [st.sampled_from(["42.9", "1", True, False, [1.0], {}])]
    if low is not None:
        out.append(st.floats(max_value=low, exclude_max=True, allow_nan=False, allow_infinity=False))
    if high is not None:
        out.append(st.floats(min_value=high, exclude_min=True, allow_nan=False, allow_infinity=False))
        out.append(st.integers(min_value=int(high) + 1))
    return st.one_of(*out)


DB_IDS = st.one_of(st.integers(1, 2**31 - 1), st.integers(1, 10**6).map(float),  # 12.0 is an integer
                   st.just(2**31 - 1))
BAD_DB_IDS = st.one_of(st.integers(max_value=0), st.integers(min_value=2**31),
                       st.sampled_from([1.5, "12", True, False, [], -0.0, 2.0**31, 2**64]),
                       st.floats(min_value=0.01, max_value=1e6).filter(lambda f: not f.is_integer()))
ITEM_CODE_RE = COMMON["item_code"]["pattern"]
RANDOM_CODES = st.from_regex(ITEM_CODE_RE, fullmatch=True).filter(lambda c: len(c) <= 64)
BAD_CODES = st.one_of(st.sampled_from([
    "Street.clutter", "street", "street.", ".clutter", "street.clutter.x", "1street.x", "street.X",
    "street.clutter ", " street.clutter", "street-clutter", "街道.杂物", "street._x", "",
    "s." + "x" * 63,                                    # 65 characters
]), st.integers(), st.none())


@st.composite
def photo_ids(draw, min_size: int = 0) -> list:
    """Distinct photo ids (distinct in lower case too: the server compares them so)."""
    if draw(st.integers(0, 9)) == 9:
        return [str(uuid.UUID(int=i + 1)) for i in range(20)]  # exactly the limit
    return draw(st.lists(uuids(), min_size=min_size, max_size=4, unique_by=str.lower))


@st.composite
def bad_photo_ids(draw, min_size: int = 0):
    """Repeated, too many, a bad element, not a list; none at all where one is needed."""
    good = draw(st.lists(uuids(), min_size=1, max_size=3, unique_by=str.lower))
    options = [
        good + [good[0]],                                          # exact repeat
        [str(uuid.UUID(int=i + 1)) for i in range(21)],           # one too many
        good + [draw(BAD_UUIDS)],
        good[0], {"id": good[0]}, None, 7,
    ]
    if min_size:
        options.append([])
    return draw(st.sampled_from(options))


# --- mutations -----------------------------------------------------------------------------

@st.composite
def mutated(draw, doc: dict, fields: dict, nested: dict | None = None, required: tuple = (),
            top: bool = True):
    """Apply one or two near-miss mutations to a valid document.

    fields maps a field to (valid strategy, bad strategy); nested maps a list field to the
    same description of its items' fields. Swapping in another valid value ("valid") makes
    combinations (lat without lon, no evidence, …); it is not done inside a list, where it
    could repeat a result id or item code, a rule only the server checks."""
    doc = copy.deepcopy(doc)
    hows = ["bad", "bad", "bad", "drop", "drop_required", "extra", "null", "junk", "nested"]
    for _ in range(draw(st.integers(1, 2))):
        how = draw(st.sampled_from(hows + (["valid", "valid"] if top else [])))
        if how == "nested" and nested:
            key = draw(st.sampled_from(sorted(nested)))
            items = doc.get(key)
            dicts = [k for k, x in enumerate(items) if isinstance(x, dict)] if isinstance(items, list) else []
            if dicts:  # an earlier mutation may have put a non-object in the list
                i = draw(st.sampled_from(dicts))
                items[i] = draw(mutated(items[i], nested[key][0], required=nested[key][1],
                                        top=False))
                continue
        if how == "drop_required" and required:
            doc.pop(draw(st.sampled_from(required)), None)
        elif how == "drop":
            if doc:
                doc.pop(draw(st.sampled_from(sorted(doc))))
        elif how == "extra":
            name = draw(st.one_of(st.sampled_from(["extra", "Kind", "ID", "", "photo", "lat "]),
                                  st.text(max_size=6)))
            if name not in fields:
                doc[name] = draw(JUNK)
        else:
            key = draw(st.sampled_from(sorted(fields)))
            if how == "null":
                doc[key] = None
            elif how == "junk":
                doc[key] = draw(JUNK)
            elif how == "valid":
                doc[key] = draw(fields[key][0])
            else:  # bad (and drop_required or nested where there is nothing to do)
                doc[key] = draw(fields[key][1])
    return doc


def maybe(draw, doc: dict, key: str, strategy) -> None:
    """Set an optional field, or leave it out."""
    if draw(st.booleans()):
        doc[key] = draw(strategy)


@st.composite
def valid_or_mutated(draw, valid, fields, nested=None, required=()):
    """Half valid documents, half near misses of valid ones."""
    doc = draw(valid)
    if draw(st.booleans()):
        return doc
    return draw(mutated(doc, fields, nested, required))


# --- records -------------------------------------------------------------------------------

RESULT_FIELDS = {
    "id": (uuids(), BAD_UUIDS),
    "item_code": (RANDOM_CODES, BAD_CODES),
    "result": (st.sampled_from(["pass", "fail", "na"]), st.sampled_from(["ok", "PASS", "", "fail ", None, 1])),
    "note": (texts(2000), bad_texts(2000)),
    "photo_ids": (photo_ids(), bad_photo_ids()),
}


@st.composite
def valid_results(draw, location_type: str) -> list:
    """1 … 200 answers with distinct ids and item codes (the server checks uniqueness)."""
    if draw(st.integers(0, 24)) == 24:  # exactly the limit (not the shrink target)
        return [{"id": str(uuid.UUID(int=i + 1)), "item_code": f"{location_type}.item_{i}",
                 "result": "pass"} for i in range(200)]
    codes = st.one_of(st.sampled_from(CATALOGUE[location_type]), RANDOM_CODES)
    n = draw(st.integers(1, 5))
    item_codes = draw(st.lists(codes, min_size=n, max_size=n, unique=True))
    ids = draw(st.lists(uuids(), min_size=n, max_size=n, unique_by=str.lower))
    results = []
    for rid, code in zip(ids, item_codes):
        r = {"id": rid, "item_code": code, "result": draw(st.sampled_from(["pass", "fail", "na"]))}
        maybe(draw, r, "note", texts(2000))
        maybe(draw, r, "photo_ids", photo_ids())
        results.append(r)
    return results


@st.composite
def bad_results(draw):
    """No answers, one too many, an answer that is not an object, not a list."""
    one = {"id": draw(uuids()), "item_code": "street.clutter", "result": "na"}
    too_many = [{"id": str(uuid.UUID(int=i + 1)), "item_code": f"street.item_{i}", "result": "na"}
                for i in range(201)]
    return draw(st.sampled_from([[], too_many, [one, 1], [None], one, "results"]))


@st.composite
def valid_inspections(draw) -> dict:
    """An inspection in any shape the contract allows."""
    ltype = draw(st.sampled_from(LOCATION_TYPES))
    doc = {"kind": "inspection", "id": draw(uuids()), "location_type": ltype,
           "started_at": draw(times()), "results": draw(valid_results(ltype))}
    point = draw(st.one_of(st.none(), DB_IDS))
    if point is not None or draw(st.booleans()):
        doc["point_id"] = point
    if point is None or draw(st.booleans()):  # lat/lon may be left out only with a point
        doc["lat"], doc["lon"] = draw(numbers(-90, 90)), draw(numbers(-180, 180))
    elif draw(st.booleans()):
        doc["lat"] = doc["lon"] = None
    maybe(draw, doc, "accuracy_m", st.one_of(st.none(), numbers(0, 5000)))
    maybe(draw, doc, "covert", st.booleans())
    maybe(draw, doc, "note", texts(2000))
    return doc


INSPECTION_FIELDS = {
    "kind": (st.just("inspection"), st.sampled_from(["verification", "Inspection", "", None, 1])),
    "id": (uuids(), BAD_UUIDS),
    "point_id": (st.one_of(st.none(), DB_IDS), BAD_DB_IDS),
    "location_type": (st.sampled_from(LOCATION_TYPES),
                      st.sampled_from(["Street", "street ", "", "街道", "9lives", "a" * 33, None, 3])),
    "started_at": (times(), bad_times()),
    "lat": (st.one_of(st.none(), numbers(-90, 90)), bad_numbers(-90, 90)),
    "lon": (st.one_of(st.none(), numbers(-180, 180)), bad_numbers(-180, 180)),
    "accuracy_m": (st.one_of(st.none(), numbers(0, 5000)), bad_numbers(0, None)),
    "covert": (st.booleans(), st.sampled_from([0, 1, 1.0, "true", "false", None, []])),
    "note": (texts(2000), bad_texts(2000)),
    "results": (valid_results("street"), bad_results()),
}
INSPECTION_REQUIRED = ("kind", "id", "location_type", "started_at", "results")
INSPECTIONS = valid_or_mutated(valid_inspections(), INSPECTION_FIELDS,
                               {"results": (RESULT_FIELDS, ("id", "item_code", "result"))},
                               INSPECTION_REQUIRED)


@st.composite
def valid_verifications(draw) -> dict:
    """A verification with a photo or a note, coordinates as a pair or none."""
    doc = {"kind": "verification", "id": draw(uuids()), "finding_id": draw(uuids()),
           "verdict": draw(st.sampled_from(["pass", "fail"])), "at": draw(times())}
    evidence = draw(st.sampled_from(["photo", "note", "both"]))
    if evidence != "note":
        doc["photo_ids"] = draw(photo_ids(min_size=1))
    else:
        maybe(draw, doc, "photo_ids", st.just([]))
    if evidence != "photo":
        doc["note"] = draw(nonblank(2000))
    else:
        maybe(draw, doc, "note", texts(2000))
    position = draw(st.sampled_from(["pair", "nulls", "absent"]))
    if position == "pair":
        doc["lat"], doc["lon"] = draw(numbers(-90, 90)), draw(numbers(-180, 180))
    elif position == "nulls":
        doc["lat"] = doc["lon"] = None
    return doc


VERIFICATION_FIELDS = {
    "kind": (st.just("verification"), st.sampled_from(["inspection", "", None])),
    "id": (uuids(), BAD_UUIDS),
    "finding_id": (uuids(), BAD_UUIDS),
    "verdict": (st.sampled_from(["pass", "fail"]), st.sampled_from(["na", "PASS", "", None, True])),
    "at": (times(), bad_times()),
    "lat": (st.one_of(st.none(), numbers(-90, 90)), bad_numbers(-90, 90)),
    "lon": (st.one_of(st.none(), numbers(-180, 180)), bad_numbers(-180, 180)),
    "note": (st.one_of(texts(2000), st.text(SPACES, max_size=3)), bad_texts(2000)),
    "photo_ids": (st.one_of(photo_ids(), st.just([])), bad_photo_ids()),
}
VERIFICATION_REQUIRED = ("kind", "id", "finding_id", "verdict", "at")
VERIFICATIONS = valid_or_mutated(valid_verifications(), VERIFICATION_FIELDS,
                                 required=VERIFICATION_REQUIRED)


def test_inspection_records_agree():
    """InspectionRecordSchema ⇔ inspection_record.schema.json."""
    @SETTINGS
    @given(doc=INSPECTIONS)
    def check(tally, doc):
        assert_agree("inspection_record", doc, mm_accepts(RECORD_SCHEMAS["inspection"], doc), tally)

    run_and_tally(check)


def test_verification_records_agree():
    """VerificationRecordSchema ⇔ verification_record.schema.json."""
    @SETTINGS
    @given(doc=VERIFICATIONS)
    def check(tally, doc):
        assert_agree("verification_record", doc, mm_accepts(RECORD_SCHEMAS["verification"], doc), tally)

    run_and_tally(check)


# --- the push ------------------------------------------------------------------------------

DEVICE_IDS = st.one_of(nonblank(100), st.uuids().map(str))
ANY_RECORD = st.one_of(INSPECTIONS, VERIFICATIONS, JUNK,
                       st.fixed_dictionaries({"kind": st.sampled_from(["inspection", "photo", 1, [], {}])}))


@st.composite
def valid_envelopes(draw) -> dict:
    """device_id and records (any JSON values: bad records are rejected one by one)."""
    if draw(st.integers(0, 24)) == 24:
        records = [{}] * MAX_RECORDS  # exactly the limit
    else:
        records = draw(st.lists(ANY_RECORD, max_size=3))
    return {"device_id": draw(DEVICE_IDS), "records": records}


ENVELOPE_FIELDS = {
    "device_id": (DEVICE_IDS, bad_texts(100, required=True)),
    "records": (st.lists(ANY_RECORD, max_size=2),
                st.sampled_from([[{}] * (MAX_RECORDS + 1), {}, "records", None, 3])),
}
ENVELOPES = valid_or_mutated(valid_envelopes(), ENVELOPE_FIELDS, required=("device_id", "records"))


def server_accepts_envelope(doc) -> bool:
    """What sync_views.push checks before any record: > MAX_RECORDS (413), then the schema."""
    if isinstance(doc.get("records"), list) and len(doc["records"]) > MAX_RECORDS:
        return False
    return mm_accepts(PushRequestSchema(), doc)


def test_push_envelopes_agree():
    """PushRequestSchema (+ the 413 check) ⇔ sync_push_envelope.schema.json."""
    @SETTINGS
    @given(doc=ENVELOPES)
    def check(tally, doc):
        assert_agree("sync_push_envelope", doc, server_accepts_envelope(doc), tally)

    run_and_tally(check)


def server_accepts_every_record(doc) -> bool:
    """The envelope passes and ingest would not reject any record on schema grounds."""
    if not server_accepts_envelope(doc):
        return False
    for raw in doc["records"]:  # as ingest._one routes them
        if not isinstance(raw, dict):
            return False
        schema = RECORD_SCHEMAS.get(raw.get("kind"))
        if schema is None or not mm_accepts(schema, raw):
            return False
    return True


PUSHES = st.one_of(
    st.builds(lambda d, r: {"device_id": d, "records": r}, DEVICE_IDS,
              st.lists(st.one_of(valid_inspections(), valid_verifications()), max_size=3)),
    ENVELOPES,
)


def test_whole_pushes_agree():
    """A push is valid by sync_push_request.schema.json ⇔ the server takes every record."""
    @SETTINGS
    @given(doc=PUSHES)
    def check(tally, doc):
        assert_agree("sync_push_request", doc, server_accepts_every_record(doc), tally)

    run_and_tally(check)


# --- finding actions -----------------------------------------------------------------------

REQUIRED_TEXT = {"measures": 2000, "responsible": 50, "reason": 500}


def _action_fields(action: str) -> dict:
    """(valid, bad) strategies of each field an action takes, from its JSON Schema branch."""
    branch = ss.load_schema("finding_action_request")["$defs"][action]
    out = {}
    for name in branch["properties"]:
        if name == "action":
            out[name] = (st.just(action), st.sampled_from([a for a in ACTIONS if a != action]
                                                          + ["", "REPLY", "close", None, 1]))
        elif name in REQUIRED_TEXT:
            out[name] = (nonblank(REQUIRED_TEXT[name]), bad_texts(REQUIRED_TEXT[name], required=True))
        elif name == "note":
            out[name] = (st.one_of(texts(2000), st.text(SPACES, max_size=3)), bad_texts(2000))
        elif name == "phone":
            out[name] = (texts(32), bad_texts(32))
        elif name in ("planned_date", "until", "rectify_due"):
            out[name] = (DATES, BAD_DATES)
        elif name == "community_id":
            out[name] = (DB_IDS, BAD_DB_IDS)
        elif name == "severity":
            out[name] = (st.sampled_from(["general", "serious"]),
                         st.sampled_from(["", "SERIOUS", "严重", "minor", None, 1, True]))
        elif name == "photo_ids":
            need = 1 if action == "rectify" else 0
            out[name] = (photo_ids(min_size=need), bad_photo_ids(min_size=need))
        else:  # a new field in the contract must get a strategy here
            raise AssertionError(f"no strategy for {action}.{name}")
    return out


ACTION_FIELDS = {a: _action_fields(a) for a in ACTIONS}


@st.composite
def valid_actions(draw, action: str) -> dict:
    """A body of one action: its required fields, some optional ones."""
    branch = ss.load_schema("finding_action_request")["$defs"][action]
    fields = ACTION_FIELDS[action]
    doc = {}
    for name, (good, _) in fields.items():
        if name in branch["required"] or draw(st.booleans()):
            doc[name] = draw(good)
    if action in ("verify", "reject") and not doc.get("photo_ids") and not doc.get("note", "").strip():
        doc["note"] = draw(nonblank(2000))  # a note or a photo
    return doc


def server_accepts_action(doc) -> tuple[bool, bool]:
    """(routed, loaded): action_name's 400 check, then the action's schema (422)."""
    try:
        action = action_name(doc)
    except ApiError as err:
        assert err.status == 400
        return False, False
    return True, mm_accepts(ACTION_SCHEMAS[action], doc)


ROUTING = {"type": "object", "required": ["action"],
           "properties": {"action": {"$ref": f"{ss.BASE_URI}common.json#/$defs/action"}}}


@pytest.mark.parametrize("action", ACTIONS)
def test_action_bodies_agree(action):
    """ACTION_SCHEMAS[action] ⇔ finding_action_request.schema.json, and 400 vs 422 alike."""
    branch = ss.load_schema("finding_action_request")["$defs"][action]
    bodies = valid_or_mutated(valid_actions(action), ACTION_FIELDS[action],
                              required=tuple(branch["required"]))
    routing = Draft202012Validator(ROUTING, registry=ss.registry())

    @settings(SETTINGS, max_examples=60)
    @given(doc=st.booleans().flatmap(lambda body: bodies if body else JUNK))
    def check(tally, doc):
        routed, loaded = server_accepts_action(doc)
        # An unknown or missing action is a 400 on both sides; a known one with bad fields a 422.
        assert routed == routing.is_valid(doc), doc
        assert_agree("finding_action_request", doc, loaded, tally)

    run_and_tally(check)


# --- what only the server checks -----------------------------------------------------------

def _inspection(**changes) -> dict:
    """A valid inspection."""
    doc = {"kind": "inspection", "id": str(uuid.uuid4()), "point_id": 3, "location_type": "street",
           "started_at": _future(-24 * 60),
           "results": [{"id": str(uuid.uuid4()), "item_code": "street.clutter", "result": "fail",
                        "photo_ids": [str(uuid.uuid4())]},
                       {"id": str(uuid.uuid4()), "item_code": "street.parking", "result": "pass"}]}
    doc.update(changes)
    return doc


def _future(minutes: int) -> str:
    """A time some minutes after the server's now (the clock the validation reads)."""
    return iso(utcnow() + timedelta(minutes=minutes))


def _same_result_id(doc):
    doc["results"][1]["id"] = doc["results"][0]["id"].upper()
    return doc


def _same_item_code(doc):
    doc["results"][1]["item_code"] = doc["results"][0]["item_code"]
    return doc


def _photo_in_two_cases(doc):
    pid = doc["results"][0]["photo_ids"][0]
    doc["results"][0]["photo_ids"] = [pid.lower(), pid.upper()]
    return doc


@pytest.mark.parametrize("make", [
    pytest.param(lambda: _inspection(started_at=_future(30)), id="started 30 minutes ahead"),
    pytest.param(lambda: _inspection(started_at=_future(-91 * 24 * 60)), id="started 91 days ago"),
    pytest.param(lambda: _same_result_id(_inspection()), id="result id twice"),
    pytest.param(lambda: _same_item_code(_inspection()), id="item code twice"),
    pytest.param(lambda: _photo_in_two_cases(_inspection()), id="photo id in two cases"),
    pytest.param(lambda: _inspection(note="路面\x00坑洼"), id="NUL in a note"),
])
def test_rules_only_the_server_checks(make):
    """The documented exceptions: the schema accepts, the server refuses (and does not crash)."""
    doc = make()
    assert js_accepts("inspection_record", doc)
    assert not mm_accepts(RECORD_SCHEMAS["inspection"], doc)


def test_a_time_a_few_minutes_ahead_is_still_accepted():
    """Clock skew of up to 10 minutes is tolerated by both."""
    doc = _inspection(started_at=_future(5))
    assert js_accepts("inspection_record", doc) and mm_accepts(RECORD_SCHEMAS["inspection"], doc)
