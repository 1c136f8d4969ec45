"""Re-sighting (DESIGN v1.1): a failure where the item already has an open finding joins it."""
import pytest
import sqlalchemy as sa

from server.extensions import db
from server.models import Finding, FindingEvent, FindingPhoto, Inspection
from tests.helpers.flow import REPLY, act, ok, upload
from tests.helpers.records import demo_point, inspection, item, new_id, result

PUSH = "/api/v1/sync/push"


def push(auth, records, user="inspector"):
    """Push records and return the JSON answer."""
    r = auth.post(user, PUSH, json={"device_id": "phone-r", "records": records})
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.json


@pytest.fixture
def street(app):
    """A street point in 永胜."""
    return demo_point(app, "street", "yongsheng")


def first_sighting(app, auth, point, code=None, **kw) -> str:
    """Open a finding of an item at a point; return its id."""
    rec = inspection(point, [result(code or item(app), "fail", [upload(auth, "inspector")])], **kw)
    out = push(auth, [rec])["results"][0]
    assert out["status"] == "created" and out["finding_ids"] == [rec["results"][0]["id"]], out
    assert out["findings"] == [{"result_id": rec["results"][0]["id"],
                                "finding_id": rec["results"][0]["id"], "resighting": False}]
    return rec["results"][0]["id"]


def counts(app) -> tuple[int, int]:
    """(findings, re-sighting events)."""
    with app.app_context():
        return (db.session.scalar(sa.select(sa.func.count()).select_from(Finding)),
                db.session.scalar(sa.select(sa.func.count()).select_from(FindingEvent).where(
                    FindingEvent.note == "仍未整改")))


def test_a_failure_at_a_point_with_an_open_finding_adds_one_event_instead(app, auth, clock, street):
    fid = first_sighting(app, auth, street)
    photo = upload(auth, "inspector")
    clock.set("2026-11-28T10:00:00+08:00")
    again = inspection(street, [result(item(app), "fail", [photo], note="坑洼仍在"),
                                result(item(app, "street", False) or item(app), "pass")],
                       started_at="2026-11-28T09:40:00+08:00")
    out = push(auth, [again])["results"][0]
    assert out["status"] == "created"
    assert out["finding_ids"] == [fid]
    assert out["findings"] == [{"result_id": again["results"][0]["id"], "finding_id": fid,
                                "resighting": True}]
    assert counts(app) == (1, 1)
    f = ok(auth.get("supervisor", f"/api/v1/findings/{fid}"))
    event = f["history"][-1]
    assert event["action"] == "resight" and event["note"] == "仍未整改"
    assert event["photo_ids"] == [photo]
    assert event["from"] == event["to"] == "assigned"
    assert f["status"] == "assigned"
    assert any(p["id"] == photo and p["stage"] == "verify" for p in f["photos"])
    # No second notice: the only letters are the first one's.
    letters = ok(auth.get("supervisor", f"/api/v1/letters?finding_id={fid}&kind=notice"))
    assert len(letters["items"]) == 1


def test_re_pushing_the_re_sighting_is_a_duplicate_and_says_the_same_finding(app, auth, clock, street):
    fid = first_sighting(app, auth, street)
    again = inspection(street, [result(item(app), "fail", [upload(auth, "inspector")])],
                       started_at="2026-11-27T09:50:00+08:00")
    assert push(auth, [again])["results"][0]["finding_ids"] == [fid]
    out = push(auth, [again])["results"][0]
    assert out["status"] == "duplicate" and out["finding_ids"] == [fid]
    assert out["findings"][0]["resighting"] is True
    assert counts(app) == (1, 1)


@pytest.mark.parametrize("state", ["unassigned_at_point", "returned", "replied"])
def test_every_open_state_joins(app, auth, clock, street, state):
    fid = first_sighting(app, auth, street)
    if state == "returned":
        ok(act(auth, "yongsheng", fid, "return", reason="不属于本社区"))
    elif state == "replied":
        ok(act(auth, "yongsheng", fid, "reply", **REPLY))
    else:
        with app.app_context():  # a point-less community: the desk must assign it
            db.session.get(Finding, fid).status = "unassigned"
            db.session.commit()
    before = ok(auth.get("supervisor", f"/api/v1/findings/{fid}"))["status"]
    out = push(auth, [inspection(street, [result(item(app), "fail", [upload(auth, "inspector")])])])
    assert out["results"][0]["finding_ids"] == [fid]
    f = ok(auth.get("supervisor", f"/api/v1/findings/{fid}"))
    assert f["status"] == before and f["history"][-1]["note"] == "仍未整改"
    assert counts(app) == (1, 1)


def test_a_sighting_of_a_rectified_finding_is_a_failed_re_inspection(app, auth, clock, street):
    fid = first_sighting(app, auth, street)
    ok(act(auth, "yongsheng", fid, "reply", **REPLY))
    ok(act(auth, "yongsheng", fid, "rectify", note="已修补", photo_ids=[upload(auth, "yongsheng")]))
    photo = upload(auth, "inspector")
    out = push(auth, [inspection(street, [result(item(app), "fail", [photo])])])
    assert out["results"][0]["finding_ids"] == [fid]
    f = ok(auth.get("supervisor", f"/api/v1/findings/{fid}"))
    assert f["status"] == "replied" and f["rework_count"] == 1
    event = f["history"][-1]
    assert (event["action"], event["from"], event["note"]) == ("reject", "rectified", "仍未整改")
    assert event["photo_ids"] == [photo]
    assert counts(app) == (1, 1)


@pytest.mark.parametrize("end", ["void", "closed"])
def test_a_voided_or_closed_finding_is_not_joined_a_new_one_opens(app, auth, clock, street, end):
    fid = first_sighting(app, auth, street)
    if end == "void":
        ok(act(auth, "supervisor", fid, "void", reason="重复录入"))
    else:
        ok(act(auth, "yongsheng", fid, "reply", **REPLY))
        ok(act(auth, "yongsheng", fid, "rectify", note="已修补", photo_ids=[upload(auth, "yongsheng")]))
        ok(act(auth, "supervisor", fid, "verify", note="现场已整改"))
    rec = inspection(street, [result(item(app), "fail", [upload(auth, "inspector")])])
    out = push(auth, [rec])["results"][0]
    assert out["finding_ids"] == [rec["results"][0]["id"]]
    assert out["findings"][0]["resighting"] is False
    assert counts(app) == (2, 0)
    new = ok(auth.get("supervisor", f"/api/v1/findings/{rec['results'][0]['id']}"))
    assert new["status"] == "assigned" and new["code"] != ok(auth.get(
        "supervisor", f"/api/v1/findings/{fid}"))["code"]


def test_another_item_at_the_same_point_or_the_same_item_elsewhere_is_new(app, auth, clock, street):
    first_sighting(app, auth, street)
    other_item = item(app, "street", False)
    other_point = demo_point(app, "street", "hongsheng")
    out = push(auth, [inspection(street, [result(other_item, "fail", [upload(auth, "inspector")])]),
                      inspection(other_point, [result(item(app), "fail", [upload(auth, "inspector")])])])
    assert [r["findings"][0]["resighting"] for r in out["results"]] == [False, False]
    assert counts(app) == (3, 0)


def _here(app, lat, lon, photo):
    """A 此处 recording (no point) of the first street item."""
    return inspection(None, [result(item(app), "fail", [photo])], lat=lat, lon=lon,
                      location_type="street")


def test_here_recordings_join_within_the_radius_and_not_beyond(app, auth, clock, street):
    base = (street.lat + 0.003, street.lon + 0.003)  # some 400 m from the point
    first = _here(app, *base, upload(auth, "inspector"))
    fid = first["results"][0]["id"]
    assert push(auth, [first])["results"][0]["finding_ids"] == [fid]
    near = _here(app, base[0] + 0.0002, base[1], upload(auth, "inspector"))  # about 22 m north
    assert push(auth, [near])["results"][0]["finding_ids"] == [fid]
    far = _here(app, base[0] + 0.0004, base[1], upload(auth, "inspector"))  # about 44 m north
    assert push(auth, [far])["results"][0]["finding_ids"] == [far["results"][0]["id"]]
    assert counts(app) == (2, 1)


def test_the_radius_is_configurable(app, auth, clock, street):
    app.config["RESIGHT_RADIUS_M"] = 60
    base = (street.lat + 0.003, street.lon + 0.003)
    first = _here(app, *base, upload(auth, "inspector"))
    push(auth, [first])
    far = _here(app, base[0] + 0.0004, base[1], upload(auth, "inspector"))
    assert push(auth, [far])["results"][0]["finding_ids"] == [first["results"][0]["id"]]


def test_two_sightings_in_one_push_open_one_finding(app, auth, clock, street):
    a = inspection(street, [result(item(app), "fail", [upload(auth, "inspector")])],
                   started_at="2026-11-27T09:00:00+08:00")
    b = inspection(street, [result(item(app), "fail", [upload(auth, "inspector")])],
                   started_at="2026-11-27T09:30:00+08:00")
    out = push(auth, [a, b])["results"]
    fid = a["results"][0]["id"]
    assert [r["finding_ids"] for r in out] == [[fid], [fid]]
    assert counts(app) == (1, 1)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Inspection)) == 2


def test_reports_count_the_problem_once_and_the_re_sighting_as_a_relapse(app, auth, clock, street):
    fid = first_sighting(app, auth, street)
    for day in ("2026-11-27T11:00:00+08:00", "2026-11-27T12:00:00+08:00"):
        clock.set(day)
        push(auth, [inspection(street, [result(item(app), "fail", [upload(auth, "inspector")])],
                               started_at=day)])
    assert counts(app) == (1, 2)
    clock.set("2026-11-27T13:00:00+08:00")  # the reports look up to now
    ledger = ok(auth.get("supervisor", "/api/v1/findings?per_page=200"))
    assert ledger["total"] == 1 and ledger["items"][0]["id"] == fid
    week = ok(auth.get("supervisor", "/api/v1/reports/weekly?week=2026-W48"))
    row = next(c for c in week["communities"] if c["name"] == "永胜社区")
    assert (row["new"], row["open"], row["resightings"]) == (1, 1, 2)
    assert sum(c["resightings"] for c in week["communities"]) == 2
    month = ok(auth.get("supervisor", "/api/v1/reports/monthly?month=2026-11"))
    mrow = next(c for c in month["communities"] if c["name"] == "永胜社区")
    assert (mrow["new"], mrow["resightings"]) == (1, 2)
    cov = ok(auth.get("supervisor", "/api/v1/reports/coverage?date=2026-11-27"))
    pt = next(p for p in cov["inspected"] if p["point_id"] == street.id)
    assert pt["inspections"] == 3 and pt["findings"] == 1 and pt["resightings"] == 2
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(FindingPhoto).where(
            FindingPhoto.finding_id == fid)) == 3
