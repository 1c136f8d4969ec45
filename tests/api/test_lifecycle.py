"""The state machine over HTTP: every allowed transition, the forbidden ones, their effects."""
import pytest

from server.services.lifecycle import TRANSITIONS
from tests.helpers.flow import REPLY, act, finding_in, ok, upload
from tests.helpers.records import community_id

STATES = ("unassigned", "assigned", "returned", "replied", "rectified", "closed", "void")


def valid_fields(app, auth, action: str, actor: str) -> dict:
    """Fields that satisfy an action's requirements."""
    return {
        "reply": REPLY,
        "rectify": {"note": "已整改", "photo_ids": [upload(auth, actor)] if actor != "supervisor" else []},
        "return": {"reason": "不属于本社区"},
        "request_extension": {"reason": "需采购材料", "until": "2027-01-20"},
        "assign": {"community_id": community_id(app, "hongsheng"), "note": "改派红升社区"},
        "deny_return": {"note": "经核实属永胜社区"},
        "approve_extension": {"note": "同意"}, "deny_extension": {"note": "不同意"},
        "set_deadline": {"rectify_due": "2026-12-31", "note": "放宽"},
        "set_severity": {"severity": "serious", "note": "涉及行人安全"},
        "verify": {"note": "现场复核通过"}, "reject": {"note": "仍有积水"},
        "void": {"reason": "重复录入"},
    }[action]


ACTORS = {"community": "yongsheng", "supervisor": "supervisor", "inspector": "inspector"}


@pytest.mark.parametrize("action", sorted(TRANSITIONS))
@pytest.mark.parametrize("state", STATES)
def test_every_action_in_every_state_follows_the_table(app, auth, clock, action, state):
    t = TRANSITIONS[action]
    actor = ACTORS[t.roles[0]]
    fid = finding_in(app, auth, state)
    if action in ("approve_extension", "deny_extension") and state == "replied":
        ok(act(auth, "yongsheng", fid, "request_extension", reason="需采购材料", until="2027-01-20"))
    r = act(auth, actor, fid, action, **valid_fields(app, auth, action, actor))
    if state in t.sources:
        body = ok(r)
        assert body["status"] == (t.target or state)
        assert body["history"][-1]["action"] == action
    elif actor == "yongsheng" and state == "unassigned":
        assert r.status_code == 404  # not yet the community's: invisible to it
    else:
        assert r.status_code == 409, r.json
        assert r.json["error"]["code"] == "not_allowed_in_state"


USERS = {"inspector": "inspector", "community": "yongsheng", "supervisor": "supervisor",
         "leader": "leader", "admin": "admin"}
FORBIDDEN = [(a, USERS[r]) for a, t in sorted(TRANSITIONS.items()) for r in USERS if r not in t.roles]


@pytest.mark.parametrize("action, role_user", FORBIDDEN)
def test_roles_outside_the_table_get_403(app, auth, clock, action, role_user):
    t = TRANSITIONS[action]
    role = {"yongsheng": "community"}.get(role_user, role_user)
    fid = finding_in(app, auth, t.sources[0] if t.sources[0] != "unassigned" or role != "community" else "assigned")
    r = act(auth, role_user, fid, action, **valid_fields(app, auth, action, "supervisor"))
    assert r.status_code in (403, 404), r.json
    if role == "community" and t.sources[0] == "unassigned":
        return
    assert r.status_code == 403


def test_reply_needs_measures_person_and_date(app, auth, clock):
    fid = finding_in(app, auth, "assigned")
    r = act(auth, "yongsheng", fid, "reply", measures="  ", responsible="", planned_date="tomorrow")
    assert r.status_code == 422
    assert set(r.json["error"]["fields"]) >= {"measures", "responsible", "planned_date"}
    assert ok(act(auth, "yongsheng", fid, "reply", **REPLY))["reply"]["on_time"] is True


def test_reply_after_deadline_is_marked_late(app, auth, clock):
    fid = finding_in(app, auth, "assigned")
    clock.set("2026-12-04T10:00:00+08:00")  # reply was due 2026-12-01
    body = ok(act(auth, "yongsheng", fid, "reply", **REPLY))
    assert body["reply"]["on_time"] is False


def test_rectify_needs_a_photo_uploaded_after_the_notice(app, auth, clock):
    clock.set("2026-11-27T09:50:00+08:00")
    early = upload(auth, "yongsheng")
    clock.set("2026-11-27T10:00:00+08:00")
    fid = finding_in(app, auth, "assigned")
    assert act(auth, "yongsheng", fid, "rectify", note="x", photo_ids=[]).status_code == 422
    r = act(auth, "yongsheng", fid, "rectify", note="x", photo_ids=[early])
    assert r.status_code == 422 and "photo_ids" in r.json["error"]["fields"]
    r = act(auth, "yongsheng", fid, "rectify", note="x", photo_ids=["6f1c1a53-2f4e-4f7e-9c55-0d8d5b1e2a11"])
    assert r.status_code == 422
    body = ok(act(auth, "yongsheng", fid, "rectify", note="已清理", photo_ids=[upload(auth, "yongsheng")]))
    assert body["status"] == "rectified" and body["replied_at"]  # counts as the reply too
    assert [p["stage"] for p in body["photos"]] == ["before", "after"]


def test_return_then_assign_elsewhere_gives_a_new_notice_and_new_clocks(app, auth, clock):
    fid = finding_in(app, auth, "returned")
    hong = community_id(app, "hongsheng")
    r = act(auth, "supervisor", fid, "assign", community_id=community_id(app, "yongsheng"))
    assert r.status_code == 422  # use deny_return to keep it
    clock.set("2026-12-02T09:00:00+08:00")
    body = ok(act(auth, "supervisor", fid, "assign", community_id=hong, note="属红升社区"))
    assert body["community_id"] == hong and body["status"] == "assigned"
    assert body["assignment"]["method"] == "manual"
    assert body["reply_due"] == "2026-12-04"
    letters = auth.get("supervisor", f"/api/v1/letters?finding_id={fid}&kind=notice").json
    assert letters["total"] == 2
    assert auth.get("yongsheng", f"/api/v1/findings/{fid}").status_code == 404
    assert auth.get("hongsheng", f"/api/v1/findings/{fid}").status_code == 200


def test_deny_return_keeps_community_and_clocks(app, auth, clock):
    fid = finding_in(app, auth, "returned")
    before = auth.get("supervisor", f"/api/v1/findings/{fid}").json
    clock.set("2026-11-30T09:00:00+08:00")
    body = ok(act(auth, "supervisor", fid, "deny_return", note="经核实属本社区"))
    assert (body["status"], body["community_id"]) == ("assigned", before["community_id"])
    assert (body["reply_due"], body["rectify_due"]) == (before["reply_due"], before["rectify_due"])


def test_extension_moves_the_deadline_only_when_approved(app, auth, clock):
    fid = finding_in(app, auth, "replied")
    due = auth.get("yongsheng", f"/api/v1/findings/{fid}").json["rectify_due"]
    r = act(auth, "yongsheng", fid, "request_extension", reason="等材料", until=due)
    assert r.status_code == 422  # must be after the current deadline
    body = ok(act(auth, "yongsheng", fid, "request_extension", reason="等材料", until="2026-12-20"))
    assert "extension_pending" in body["flags"] and body["rectify_due"] == due
    assert act(auth, "yongsheng", fid, "request_extension", reason="再等", until="2026-12-25").status_code == 409
    body = ok(act(auth, "supervisor", fid, "deny_extension", note="不同意"))
    assert body["rectify_due"] == due and "extension_pending" not in body["flags"]
    ok(act(auth, "yongsheng", fid, "request_extension", reason="等材料", until="2026-12-20"))
    body = ok(act(auth, "supervisor", fid, "approve_extension", note="同意"))
    assert body["rectify_due"] == "2026-12-20"


def test_reject_sends_back_to_rework_and_counts(app, auth, clock):
    fid = finding_in(app, auth, "rectified")
    assert act(auth, "supervisor", fid, "reject").status_code == 422  # a note or a photo
    body = ok(act(auth, "supervisor", fid, "reject", note="仍有积水"))
    assert body["status"] == "replied" and body["rework_count"] == 1


def test_community_never_closes_its_own_finding(app, auth, clock):
    fid = finding_in(app, auth, "rectified")
    assert act(auth, "yongsheng", fid, "verify", note="我们修好了").status_code == 403


def test_history_is_append_only_and_complete(app, auth, clock):
    fid = finding_in(app, auth, "closed")
    hist = auth.get("supervisor", f"/api/v1/findings/{fid}").json["history"]
    assert [h["action"] for h in hist] == ["create", "reply", "rectify", "verify"]
    assert [(h["from"], h["to"]) for h in hist] == [
        (None, "assigned"), ("assigned", "replied"), ("replied", "rectified"), ("rectified", "closed")]
    assert hist[1]["actor"]["display_name"] == "永胜社区"


@pytest.mark.parametrize("body, status", [
    ({"note": "no action"}, 400), ({"action": "fly"}, 400), ({"action": 5}, 400),
])
def test_bad_action_bodies_are_400(app, auth, clock, body, status):
    fid = finding_in(app, auth, "assigned")
    r = auth.post("yongsheng", f"/api/v1/findings/{fid}/actions", json=body)
    assert r.status_code == status and r.json["error"]["message"]


def test_action_with_idempotency_key_applies_once(app, auth, clock):
    fid = finding_in(app, auth, "assigned")
    key = "8d4f7a1e-3c2b-4d5e-8f9a-0b1c2d3e4f50"
    first = auth.post("yongsheng", f"/api/v1/findings/{fid}/actions", json={"action": "reply", **REPLY},
                      headers={"Idempotency-Key": key})
    again = auth.post("yongsheng", f"/api/v1/findings/{fid}/actions", json={"action": "reply", **REPLY},
                      headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 200
    assert first.json == again.json
    hist = auth.get("yongsheng", f"/api/v1/findings/{fid}").json["history"]
    assert [h["action"] for h in hist].count("reply") == 1


def test_an_idempotency_key_reused_for_a_different_body_is_refused(app, auth, clock):
    fid = finding_in(app, auth, "assigned")
    key = "5b0c7a1e-3c2b-4d5e-8f9a-0b1c2d3e4f51"
    url = f"/api/v1/findings/{fid}/actions"
    assert auth.post("yongsheng", url, json={"action": "reply", **REPLY},
                     headers={"Idempotency-Key": key}).status_code == 200
    other = auth.post("yongsheng", url, json={"action": "request_extension", "reason": "等材料",
                                              "until": "2027-01-20"}, headers={"Idempotency-Key": key})
    assert other.status_code == 422 and other.json["error"]["code"] == "idempotency_key_reused"
    hist = auth.get("yongsheng", f"/api/v1/findings/{fid}").json["history"]
    assert [h["action"] for h in hist] == ["create", "reply"]
