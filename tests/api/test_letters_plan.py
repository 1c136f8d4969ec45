"""Letters as the work plan writes them (issue 12): one reply letter per notice from the unit in
its own series; prompt letters per unit and sweep, reviewed and issued; instructions; 督办."""
import sqlalchemy as sa

from server.extensions import db
from server.models import Letter
from tests.helpers.flow import REPLY, act, ok, sweep_at, upload
from tests.helpers.records import community_id, demo_point, inspection, result

TWO_ITEMS_AT = "2026-11-27T09:30:00+08:00"  # Friday: reply due Tue 1 Dec


def two_problem_notice(app, auth, community="yongsheng") -> tuple[int, list[str]]:
    """Push one inspection with two failed items; return its notice id and the finding ids."""
    point = demo_point(app, "street", community)
    with app.app_context():
        # Items with no problem at this point yet: a repeat of an open one would join it (仍未整改).
        codes = db.session.scalars(sa.text(
            "SELECT code FROM checklist_items WHERE location_type = 'street' AND code NOT IN "
            "(SELECT item_code FROM findings WHERE point_id = :point) ORDER BY position LIMIT 2"),
            {"point": point.id}).all()
    results = [result(c, "fail", [upload(auth, "inspector")], note=f"第{k + 1}处：路面破损积水")
               for k, c in enumerate(codes)]
    rec = inspection(point, results, started_at=TWO_ITEMS_AT)
    r = auth.post("inspector", "/api/v1/sync/push", json={"device_id": "t", "records": [rec]})
    assert r.json["results"][0]["status"] == "created", r.json
    fids = [x["id"] for x in results]
    notices = auth.get("supervisor", f"/api/v1/letters?kind=notice&finding_id={fids[0]}").json["items"]
    assert len(notices) == 1 and sorted(notices[0]["finding_ids"]) == sorted(fids)
    return notices[0]["id"], fids


def replies_of(auth, notice_id: int) -> list[dict]:
    """The reply letters answering a notice."""
    return auth.get("supervisor", f"/api/v1/letters?kind=reply&notice_id={notice_id}").json["items"]


# --- 答复函 -----------------------------------------------------------------------------------

def test_a_notice_of_two_problems_gets_one_reply_letter_from_the_unit_in_its_own_series(app, auth, clock):
    notice_id, (a, b) = two_problem_notice(app, auth)
    ok(act(auth, "yongsheng", a, "reply", **REPLY))
    assert replies_of(auth, notice_id) == []  # the second problem still waits
    ok(act(auth, "yongsheng", b, "reply", **{**REPLY, "measures": "更换破损井盖", "responsible": "李强"}))
    [letter] = replies_of(auth, notice_id)
    assert letter["number"] == "永胜社区〔2026〕1号" and letter["notice_id"] == notice_id
    assert sorted(letter["finding_ids"]) == sorted([a, b])
    body = auth.get("yongsheng", f"/api/v1/letters/{letter['id']}").json["body"]
    assert body["from"] == "永胜社区" and body["notice_number"].startswith("明桦创城督〔2026〕")
    assert sorted((i["finding_id"], i["measures"], i["responsible"]) for i in body["items"]) == sorted([
        (a, REPLY["measures"], "王建华"), (b, "更换破损井盖", "李强")])
    page = auth.get("yongsheng", letter["url"]).get_data(as_text=True)
    assert '<div class="head">永胜社区</div>' in page and "督导检查专班</div>" not in page
    assert "更换破损井盖" in page and "李强" in page and "永胜社区〔2026〕1号" in page
    # the unit's next answered notice takes the next number of its own series
    notice2, (c, d) = two_problem_notice(app, auth)
    for fid in (c, d):
        ok(act(auth, "yongsheng", fid, "reply", **REPLY))
    assert replies_of(auth, notice2)[0]["number"] == "永胜社区〔2026〕2号"


def test_rectified_voided_and_reassigned_problems_no_longer_wait(app, auth, clock):
    notice_id, (a, b) = two_problem_notice(app, auth)
    ok(act(auth, "yongsheng", a, "return", reason="该处属红升社区"))
    ok(act(auth, "yongsheng", b, "rectify", note="已修补路面", photo_ids=[upload(auth, "yongsheng")]))
    assert replies_of(auth, notice_id) == []  # the returned one waits for the task force
    ok(act(auth, "supervisor", a, "assign", community_id=community_id(app, "hongsheng")))
    [letter] = replies_of(auth, notice_id)
    body = auth.get("supervisor", f"/api/v1/letters/{letter['id']}").json["body"]
    assert letter["finding_ids"] == [b] and body["items"][0]["measures"] == "已修补路面"
    assert body["items"][0]["how"] == "rectify"
    notice3, (c, d) = two_problem_notice(app, auth, "aihua")
    ok(act(auth, "supervisor", c, "void", reason="重复录入"))
    ok(act(auth, "aihua", d, "reply", **REPLY))
    assert [x["finding_ids"] for x in replies_of(auth, notice3)] == [[d]]
    assert replies_of(auth, notice3)[0]["number"] == "爱华社区〔2026〕1号"


def test_the_notice_list_says_how_many_problems_still_wait_for_the_units_answer(app, auth, clock):
    notice_id, (a, b) = two_problem_notice(app, auth)

    def waiting(user="yongsheng"):
        [n] = [x for x in auth.get(user, "/api/v1/letters?kind=notice").json["items"] if x["id"] == notice_id]
        return n["waiting"]

    assert waiting() == 2 == waiting("supervisor")
    ok(act(auth, "yongsheng", a, "reply", **REPLY))
    assert waiting() == 1
    ok(act(auth, "yongsheng", b, "return", reason="该处属红升社区"))
    assert waiting() == 0 and waiting("supervisor") == 0


def test_a_unit_answers_a_whole_notice_in_one_submit(app, auth, clock):
    notice_id, (a, b) = two_problem_notice(app, auth)
    items = [{"finding_id": a, **REPLY}, {"finding_id": b, **{**REPLY, "measures": "设置警示并修补"}}]
    r = auth.post("yongsheng", f"/api/v1/letters/{notice_id}/reply", json={"items": items})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert [f["status"] for f in r.json["findings"]] == ["replied", "replied"]
    assert r.json["reply_letter"]["number"] == "永胜社区〔2026〕1号"
    again = auth.post("yongsheng", f"/api/v1/letters/{notice_id}/reply", json={"items": items[:1]})
    assert again.status_code == 409 and len(replies_of(auth, notice_id)) == 1


def test_answering_a_notice_refuses_bad_input_in_chinese_and_changes_nothing(app, auth, clock):
    notice_id, (a, b) = two_problem_notice(app, auth)
    other_notice, (c, _) = two_problem_notice(app, auth, "hongsheng")
    cases = [
        ("hongsheng", notice_id, {"items": [{"finding_id": a, **REPLY}]}, 404),  # not the unit's notice
        ("yongsheng", notice_id, {"items": [{"finding_id": c, **REPLY}]}, 422),  # not in this notice
        ("yongsheng", notice_id, {"items": [{"finding_id": a, **REPLY, "measures": ""}]}, 422),
        ("yongsheng", notice_id, {"items": []}, 422),
        ("yongsheng", notice_id, {"items": [{"finding_id": a, **REPLY}, {"finding_id": a, **REPLY}]}, 422),
        ("supervisor", notice_id, {"items": [{"finding_id": a, **REPLY}]}, 403),
    ]
    for user, nid, body, status in cases:
        r = auth.post(user, f"/api/v1/letters/{nid}/reply", json=body)
        assert r.status_code == status, (user, body, r.get_data(as_text=True))
        assert any("\u4e00" <= ch <= "\u9fff" for ch in r.json["error"]["message"])
    bad_second = auth.post("yongsheng", f"/api/v1/letters/{notice_id}/reply", json={"items": [
        {"finding_id": a, **REPLY}, {"finding_id": b, **REPLY, "planned_date": "2026-01-01"}]})
    assert bad_second.status_code == 422 and "items[1].planned_date" in bad_second.json["error"]["fields"]
    assert auth.get("yongsheng", f"/api/v1/findings/{a}").json["status"] == "assigned"  # all or nothing
    reply_letter = auth.get("supervisor", "/api/v1/letters?kind=reply").json["items"]
    assert reply_letter == []
    prompt_like = auth.post("yongsheng", f"/api/v1/letters/{notice_id}/reply", json={"items": "x"})
    assert prompt_like.status_code == 422


# --- 提示函 ----------------------------------------------------------------------------------

def overdue_in(app, auth, community: str) -> list[str]:
    """A two-problem notice left unanswered."""
    return two_problem_notice(app, auth, community)[1]


def prompts(auth, user="supervisor", **q) -> list[dict]:
    """Prompt letters visible to a user."""
    query = "&".join(f"{k}={v}" for k, v in q.items())
    return auth.get(user, f"/api/v1/letters?kind=prompt&per_page=200&{query}").json["items"]


def test_one_draft_per_unit_per_sweep_and_later_problems_join_the_open_draft(app, auth, clock):
    ys, hs = overdue_in(app, auth, "yongsheng"), overdue_in(app, auth, "hongsheng")
    sweep_at(app, "2026-12-02T07:00:00+08:00", issue=False)  # reply due Tue 1 Dec: late now
    drafts = prompts(auth, status="draft")
    assert sorted(len(d["problems"]) for d in drafts) == [2, 2] and len(drafts) == 2
    assert all(d["number"] is None and d["issued_at"] is None for d in drafts)
    assert prompts(auth, "leader") == [] and prompts(auth, "yongsheng") == []  # not out yet
    assert sorted(sum((d["finding_ids"] for d in drafts), [])) == sorted(ys + hs)
    more = overdue_in(app, auth, "yongsheng")
    sweep_at(app, "2026-12-03T07:00:00+08:00", issue=False)  # nothing new
    sweep_at(app, "2026-12-07T07:00:00+08:00", issue=False)  # the third notice's replies are late now
    drafts = prompts(auth, status="draft")
    assert len(drafts) == 2
    ys_draft = next(d for d in drafts if d["unit_name"] == "永胜社区")
    assert sorted(ys_draft["finding_ids"]) == sorted(ys + more)
    assert [p["clock"] for p in ys_draft["problems"]].count("reply") == 4


def test_a_supervisor_edits_and_issues_a_draft_numbered_and_dated_at_issue(app, auth, clock):
    a, b = overdue_in(app, auth, "yongsheng")
    [draft_id] = sweep_at(app, "2026-12-02T07:00:00+08:00", issue=False)
    clock.set("2026-12-04T10:00:00+08:00")  # a Friday
    r = auth.client.patch(f"/api/v1/letters/{draft_id}", json={"finding_ids": [a], "note": "请书面报告整改情况。"},
                          headers=auth.headers("supervisor"))
    assert r.status_code == 200 and r.json["finding_ids"] == [a] and r.json["number"] is None
    r = auth.post("supervisor", f"/api/v1/letters/{draft_id}/issue", json={})
    assert r.status_code == 200, r.get_data(as_text=True)
    letter = r.json
    assert letter["status"] == "issued" and letter["number"] == "明桦创城提〔2026〕1号"
    assert letter["issued_at"].startswith("2026-12-04T10:00:00")
    assert letter["new_due"] == "2026-12-08"  # two working days after Friday: Mon, Tue
    due = auth.get("supervisor", "/api/v1/calendar/due?from=2026-12-04&working_days=2").json
    assert due == {"due": letter["new_due"], "provisional": False}  # the calendar service agrees
    [p] = letter["problems"]
    assert p["finding_id"] == a and p["clock"] == "reply" and p["due"] == "2026-12-01"
    assert p["overdue_working_days"] == 3 and p["new_due"] == "2026-12-08"
    page = auth.get("leader", letter["url"]).get_data(as_text=True)
    assert "请书面报告整改情况。" in page and "2026年12月4日" in page and "12月8日" in page
    twice = auth.post("supervisor", f"/api/v1/letters/{draft_id}/issue", json={})
    assert twice.status_code == 409 and "已签发" in twice.json["error"]["message"]
    edit_after = auth.client.patch(f"/api/v1/letters/{draft_id}", json={"note": "x"}, headers=auth.headers("supervisor"))
    assert edit_after.status_code == 409
    hist = auth.get("yongsheng", f"/api/v1/findings/{a}").json["history"]
    assert any(e["action"] == "prompt" and "明桦创城提〔2026〕1号" in e["note"] for e in hist)
    # b was taken out of the draft: the next sweep does not prompt it again
    assert sweep_at(app, "2026-12-04T18:00:00+08:00", issue=False) == []
    assert auth.post("leader", f"/api/v1/letters/{draft_id}/issue", json={}).status_code == 403
    with app.app_context():
        audit = db.session.execute(sa.text("SELECT action FROM audit_log ORDER BY id")).scalars().all()
    assert "letter.edit" in audit and "letter.issue" in audit


def test_a_problem_answered_after_the_draft_was_made_is_left_out_when_it_is_issued(app, auth, clock):
    a, b = overdue_in(app, auth, "yongsheng")
    [draft_id] = sweep_at(app, "2026-12-02T07:00:00+08:00", issue=False)
    clock.set("2026-12-02T10:00:00+08:00")
    ok(act(auth, "yongsheng", a, "reply", **REPLY))  # answered before the prompt went out
    draft = auth.get("supervisor", f"/api/v1/letters/{draft_id}").json
    assert {p["finding_id"]: p["settled"] for p in draft["problems"]} == {a: "已答复", b: None}
    letter = ok(auth.post("supervisor", f"/api/v1/letters/{draft_id}/issue", json={}))
    assert letter["finding_ids"] == [b] and [p["finding_id"] for p in letter["problems"]] == [b]
    code_a = auth.get("supervisor", f"/api/v1/findings/{a}").json["code"]
    assert letter["body"]["left_out"] == [{"finding_id": a, "code": code_a, "clock": "reply", "reason": "已答复"}]
    page = auth.get("leader", letter["url"]).get_data(as_text=True)
    assert code_a not in page and auth.get("supervisor", f"/api/v1/findings/{b}").json["code"] in page
    history_a = auth.get("yongsheng", f"/api/v1/findings/{a}").json["history"]
    assert not any(e["action"] == "prompt" for e in history_a)
    assert any(e["action"] == "prompt" for e in auth.get("yongsheng", f"/api/v1/findings/{b}").json["history"])


def test_a_draft_whose_problems_are_all_answered_is_not_issued_and_the_next_sweep_withdraws_it(app, auth, clock):
    a, b = overdue_in(app, auth, "yongsheng")
    [draft_id] = sweep_at(app, "2026-12-02T07:00:00+08:00", issue=False)
    clock.set("2026-12-02T10:00:00+08:00")
    before = auth.get("supervisor", f"/api/v1/letters/{draft_id}").json
    for fid in (a, b):
        ok(act(auth, "yongsheng", fid, "reply", **REPLY))
    r = auth.post("supervisor", f"/api/v1/letters/{draft_id}/issue", json={})
    assert r.status_code == 409 and r.json["error"]["code"] == "nothing_overdue"
    assert "均已不再逾期" in r.json["error"]["message"]
    after = auth.get("supervisor", f"/api/v1/letters/{draft_id}").json  # nothing changed
    assert after["status"] == "draft" and after["finding_ids"] == before["finding_ids"]
    assert [p["settled"] for p in after["problems"]] == ["已答复", "已答复"]
    assert sweep_at(app, "2026-12-02T10:10:00+08:00", issue=False) == []
    assert prompts(auth, status="draft") == []
    assert auth.get("supervisor", f"/api/v1/letters/{draft_id}").status_code == 404
    with app.app_context():  # withdrawn by the sweep, on the record
        row = db.session.execute(sa.text("SELECT actor_id, before FROM audit_log WHERE action = 'letter.withdraw'")).one()
    assert row.actor_id is None and a in str(row.before) and b in str(row.before)
    c, _ = overdue_in(app, auth, "yongsheng")  # later problems of the unit start a new draft
    [new_id] = sweep_at(app, "2026-12-07T07:00:00+08:00", issue=False)
    assert new_id != draft_id and c in auth.get("supervisor", f"/api/v1/letters/{new_id}").json["finding_ids"]


def test_a_sweep_keeps_drafts_true_taking_out_what_was_fixed_and_keeping_the_reviewers_choices(app, auth, clock):
    a, b = overdue_in(app, auth, "yongsheng")
    c, d = overdue_in(app, auth, "yongsheng")
    [draft_id] = sweep_at(app, "2026-12-02T07:00:00+08:00", issue=False)
    clock.set("2026-12-02T09:00:00+08:00")
    ok(auth.client.patch(f"/api/v1/letters/{draft_id}", json={"finding_ids": [a, b, c]},
                         headers=auth.headers("supervisor")))  # the reviewer takes d out
    ok(act(auth, "yongsheng", a, "reply", **REPLY))
    assert sweep_at(app, "2026-12-02T09:10:00+08:00", issue=False) == []
    draft = auth.get("supervisor", f"/api/v1/letters/{draft_id}").json
    assert draft["finding_ids"] == [b, c] and [p["settled"] for p in draft["problems"]] == [None, None]
    assert d not in sum((x["finding_ids"] for x in prompts(auth)), [])  # still out, not prompted again


def draft_with_rectify_late(app, auth, clock, fid: str) -> int:
    """Move a problem's rectification date to Mon 30 Nov, sweep on Wed 2 Dec (its reply and its
    rectification overdue, in the unit's draft), then be at 09:00 that day; return the draft id."""
    clock.set("2026-12-02T06:00:00+08:00")
    ok(act(auth, "supervisor", fid, "set_deadline", rectify_due="2026-11-30"))
    [draft_id] = sweep_at(app, "2026-12-02T07:00:00+08:00", issue=False)
    clock.set("2026-12-02T09:00:00+08:00")
    return draft_id


def test_the_reason_a_problem_is_left_out_is_what_happened_to_it(app, auth, clock):
    a, b = overdue_in(app, auth, "yongsheng")
    c, d = overdue_in(app, auth, "yongsheng")
    draft_id = draft_with_rectify_late(app, auth, clock, c)
    ok(act(auth, "yongsheng", a, "return", reason="该处属红升社区"))
    ok(act(auth, "supervisor", b, "void", reason="重复录入"))
    ok(act(auth, "supervisor", c, "set_deadline", rectify_due="2026-12-10"))
    ok(act(auth, "yongsheng", d, "reply", **REPLY))
    draft = auth.get("supervisor", f"/api/v1/letters/{draft_id}").json
    assert {(p["finding_id"], p["clock"]): p["settled"] for p in draft["problems"]} == {
        (a, "reply"): "已退回待改派", (b, "reply"): "已作废", (c, "reply"): None,
        (c, "rectify"): "期限已调整", (d, "reply"): "已答复"}


def test_a_problem_saved_out_of_a_draft_once_settled_is_prompted_when_it_falls_overdue_again(app, auth, clock):
    """The review screen saves the draft without a settled problem; a 回退 refused puts it back on its
    old reply clock, overdue again: the next sweep prompts it (its event was released)."""
    a, b = overdue_in(app, auth, "yongsheng")
    [draft_id] = sweep_at(app, "2026-12-02T07:00:00+08:00", issue=False)
    clock.set("2026-12-02T09:00:00+08:00")
    ok(act(auth, "yongsheng", a, "return", reason="该处属红升社区"))
    ok(auth.client.patch(f"/api/v1/letters/{draft_id}", json={"finding_ids": [b], "note": "请重视"},
                         headers=auth.headers("supervisor")))
    ok(act(auth, "supervisor", a, "deny_return", note="经核实属本社区"))
    sweep_at(app, "2026-12-02T09:10:00+08:00", issue=False)
    draft = auth.get("supervisor", f"/api/v1/letters/{draft_id}").json
    assert draft["finding_ids"] == [b, a] and draft["body"]["note"] == "请重视"


def test_a_due_date_moved_but_still_past_keeps_the_problem_with_its_new_date(app, auth, clock):
    a, b = overdue_in(app, auth, "yongsheng")
    draft_id = draft_with_rectify_late(app, auth, clock, a)
    ok(act(auth, "supervisor", a, "set_deadline", rectify_due="2026-12-01"))
    draft = auth.get("supervisor", f"/api/v1/letters/{draft_id}").json
    assert [p["settled"] for p in draft["problems"] if p["finding_id"] == a] == [None, None]
    letter = ok(auth.post("supervisor", f"/api/v1/letters/{draft_id}/issue", json={}))
    rectify = [p for p in letter["problems"] if p["finding_id"] == a and p["clock"] == "rectify"]
    assert [p["due"] for p in rectify] == ["2026-12-01"] and "left_out" not in letter["body"]
    with app.app_context():  # the event carried is the one with the new date: not prompted twice
        keys = db.session.execute(sa.text("SELECT due FROM prompt_events WHERE finding_id = :f AND clock = 'rectify'"),
                                  {"f": a}).scalars().all()
    assert [str(k) for k in keys] == ["2026-12-01"]
    assert sweep_at(app, "2026-12-02T09:10:00+08:00", issue=False) == []


def test_a_problem_late_on_both_clocks_is_one_problem_in_the_letter(app, auth, clock):
    a, b = overdue_in(app, auth, "yongsheng")
    draft_id = draft_with_rectify_late(app, auth, clock, a)  # a: reply and rectify late; b: reply
    letter = ok(auth.post("supervisor", f"/api/v1/letters/{draft_id}/issue", json={}))
    assert len(letter["problems"]) == 3 and sorted(set(letter["finding_ids"])) == sorted([a, b])
    page = auth.get("leader", letter["url"]).get_data(as_text=True)
    assert "下列2个问题" in page and "下列3个问题" not in page


def test_merging_drafts_of_the_same_unit_and_refusing_two_units(app, auth, clock):
    overdue_in(app, auth, "yongsheng")
    overdue_in(app, auth, "hongsheng")
    sweep_at(app, "2026-12-02T07:00:00+08:00", issue=False)
    extra = overdue_in(app, auth, "yongsheng")
    unit = community_id(app, "yongsheng")
    with app.app_context():  # a second draft of 永胜 (as left by an earlier review setting)
        from server.services import prompts as P
        from server.services.reference import load_reference
        from server.timeutil import parse_iso
        draft = P._new_draft(unit, parse_iso("2026-12-07T07:00:00+08:00"), load_reference())
        from server.models import Finding
        fs = db.session.scalars(sa.select(Finding).where(Finding.id.in_(extra))).all()
        today = parse_iso("2026-12-07T07:00:00+08:00").date()
        P._add_lines(draft, [P._line(f, "reply", f.reply_due, load_reference(), today) for f in fs], fs)
        db.session.commit()
        second = draft.id
    drafts = {d["unit_name"] + str(d["id"]): d for d in prompts(auth, status="draft")}
    ys = [d for d in drafts.values() if d["unit_name"] == "永胜社区"]
    hs = next(d for d in drafts.values() if d["unit_name"] == "红升社区")
    first = min(d["id"] for d in ys)
    r = auth.post("supervisor", f"/api/v1/letters/{first}/merge", json={"letter_id": hs["id"]})
    assert r.status_code == 409 and "同一责任单位" in r.json["error"]["message"]
    r = auth.post("supervisor", f"/api/v1/letters/{first}/merge", json={"letter_id": first})
    assert r.status_code == 422
    r = auth.post("supervisor", f"/api/v1/letters/{first}/merge", json={"letter_id": second})
    assert r.status_code == 200 and len(r.json["problems"]) == 4
    assert auth.get("supervisor", f"/api/v1/letters/{second}").status_code == 404
    assert len(prompts(auth, status="draft")) == 2


def test_with_review_off_a_sweep_issues_at_once_but_never_on_a_day_off(app, auth, clock):
    with app.app_context():
        from server.models import Setting
        db.session.add(Setting(key="prompt_review", value=False))
        db.session.commit()
    overdue_in(app, auth, "yongsheng")
    assert sweep_at(app, "2026-12-05T09:00:00+08:00", issue=False) == []  # Saturday
    [letter_id] = sweep_at(app, "2026-12-07T07:00:00+08:00", issue=False)  # Monday
    [letter] = prompts(auth, "leader")
    assert letter["id"] == letter_id and letter["status"] == "issued"
    assert letter["issued_at"].startswith("2026-12-07") and letter["new_due"] == "2026-12-09"


def test_leaders_record_instructions_the_unit_sees_and_bad_targets_are_refused(app, auth, clock):
    a, b = overdue_in(app, auth, "yongsheng")
    [draft_id] = sweep_at(app, "2026-12-02T07:00:00+08:00", issue=False)
    r = auth.post("leader", f"/api/v1/letters/{draft_id}/instructions", json={"text": "阅"})
    assert r.status_code == 404  # a leader does not see drafts
    r = auth.post("supervisor", f"/api/v1/letters/{draft_id}/instructions", json={"text": "阅"})
    assert r.status_code == 403
    clock.set("2026-12-02T09:00:00+08:00")
    ok(auth.post("supervisor", f"/api/v1/letters/{draft_id}/issue", json={}))
    notice = auth.get("leader", f"/api/v1/letters?kind=notice&finding_id={a}").json["items"][0]
    r = auth.post("leader", f"/api/v1/letters/{notice['id']}/instructions", json={"text": "阅"})
    assert r.status_code == 409 and "提示函" in r.json["error"]["message"]
    r = auth.post("leader", f"/api/v1/letters/{draft_id}/instructions", json={"text": "  "})
    assert r.status_code == 422 and "text" in r.json["error"]["fields"]
    r = auth.post("leader", f"/api/v1/letters/{draft_id}/instructions",
                  json={"text": "请永胜社区主要负责同志亲自督办，限期整改。"})
    assert r.status_code == 201 and r.json["author"]["display_name"]
    [seen] = prompts(auth, "yongsheng")
    assert [i["text"] for i in seen["instructions"]] == ["请永胜社区主要负责同志亲自督办，限期整改。"]
    hist = auth.get("yongsheng", f"/api/v1/findings/{b}").json["history"]
    assert hist[-1]["action"] == "instruction" and "亲自督办" in hist[-1]["note"]
    assert "亲自督办" in auth.get("yongsheng", seen["url"]).get_data(as_text=True)
    assert prompts(auth, "hongsheng") == []


def test_a_problem_still_open_after_the_prompts_new_date_is_escalated_once(app, auth, clock):
    a, b = overdue_in(app, auth, "yongsheng")
    sweep_at(app, "2026-12-02T09:00:00+08:00")  # issued: new date Fri 4 Dec
    ok(act(auth, "yongsheng", b, "reply", **REPLY))  # b answers in time
    sweep_at(app, "2026-12-04T20:00:00+08:00", issue=False)
    assert auth.get("leader", "/api/v1/findings?flag=escalated").json["total"] == 0
    sweep_at(app, "2026-12-05T07:00:00+08:00", issue=False)
    sweep_at(app, "2026-12-07T07:00:00+08:00", issue=False)
    escalated = auth.get("leader", "/api/v1/findings?flag=escalated").json["items"]
    assert [f["id"] for f in escalated] == [a] and "escalated" in escalated[0]["flags"]
    assert [e["action"] for e in escalated[0]["history"]].count("escalate") == 1
    assert auth.get("leader", "/api/v1/findings?flag=nope").status_code == 400


def test_no_prompt_number_is_skipped_or_repeated_across_units(app, auth, clock):
    for community in ("yongsheng", "hongsheng", "aihua"):
        overdue_in(app, auth, community)
    sweep_at(app, "2026-12-02T09:00:00+08:00")
    numbers = sorted(x["number"] for x in prompts(auth, "leader"))
    assert numbers == [f"明桦创城提〔2026〕{n}号" for n in (1, 2, 3)]
    # the leaders page through them by unit
    pages = [auth.get("leader", f"/api/v1/letters?kind=prompt&order=unit&per_page=2&page={n}").json for n in (1, 2)]
    assert [p["total"] for p in pages] == [3, 3] and [len(p["items"]) for p in pages] == [2, 1]
    units = [x["unit_id"] for p in pages for x in p["items"]]
    assert units == sorted(units) and all(len(x["problems"]) == 2 for p in pages for x in p["items"])
    with app.app_context():
        rows = db.session.execute(sa.select(Letter.series, Letter.kind, Letter.year, Letter.seq)
                                  .where(Letter.seq.is_not(None))).all()
    assert len(rows) == len(set(rows))


def test_letters_issued_before_v1_1_still_read_and_print(app, auth, clock):
    """A v1 prompt (one problem, its clock beside the list) and a v1 reply letter (one reply
    beside the list) show their clock, dates and measures as before."""
    from server.timeutil import parse_iso

    notice_id, (a, _) = two_problem_notice(app, auth)
    at = parse_iso("2026-12-02T09:00:00+08:00")
    line = auth.get("supervisor", f"/api/v1/letters/{notice_id}").json["body"]["items"][0]
    with app.app_context():
        unit = community_id(app, "yongsheng")
        prompt = Letter(kind="prompt", status="issued", series="office", year=2026, seq=90, number="明桦创城提〔2026〕90号",
                        community_id=unit, created_at=at, issued_at=at, finding_ids=[a],
                        body={"title": "工作提示函", "addressee": "永胜社区", "clock": "reply", "due": "2026-12-01",
                              "new_due": "2026-12-04", "overdue_working_days": 1, "notice_number": "明桦创城督〔2026〕1号",
                              "submitted_to": "领导", "items": [line]})
        reply = Letter(kind="reply", status="issued", series="office", year=2026, seq=91, number="明桦创城复〔2026〕91号",
                       community_id=unit, created_at=at, issued_at=at, finding_ids=[a],
                       body={"title": "整改答复函", "from": "永胜社区", "addressee": "专班", "notice_number": "明桦创城督〔2026〕1号",
                             "items": [line], "reply": {**REPLY, "measures": "旧版答复的措施"}})
        db.session.add_all([prompt, reply])
        db.session.commit()
        ids = prompt.id, reply.id
    [p] = [x for x in prompts(auth, "leader") if x["id"] == ids[0]]
    assert p["problems"][0]["clock"] == "reply" and p["problems"][0]["new_due"] == "2026-12-04"
    page = auth.get("leader", f"/letters/{ids[0]}").get_data(as_text=True)
    assert "未答复" in page and "12月4日前" in page and "明桦创城督〔2026〕1号" in page
    assert "旧版答复的措施" in auth.get("leader", f"/letters/{ids[1]}").get_data(as_text=True)
