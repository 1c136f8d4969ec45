"""Letter numbers under concurrent issue: never skipped, never repeated (run on PostgreSQL too)."""
import threading

from tests.api.test_letters_plan import REPLY, overdue_in, prompts, two_problem_notice
from tests.helpers.flow import sweep_at


def at_once(app, calls):
    """Run (user_headers, path, body) POSTs in threads released together; return the responses."""
    barrier = threading.Barrier(len(calls))
    out = [None] * len(calls)

    def run(k, headers, path, body):
        """One client posting as soon as every thread is ready."""
        client = app.test_client()
        barrier.wait()
        out[k] = client.post(path, headers=headers, json=body)

    threads = [threading.Thread(target=run, args=(k, *c)) for k, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


def test_drafts_issued_at_once_get_consecutive_distinct_numbers(app, auth, clock):
    for community in ("yongsheng", "hongsheng", "aihua", "yangguang"):
        overdue_in(app, auth, community)
    ids = sweep_at(app, "2026-12-02T07:00:00+08:00", issue=False)
    assert len(ids) == 4
    clock.set("2026-12-02T09:00:00+08:00")  # issued while the problems are overdue
    headers = auth.headers("supervisor")
    answers = at_once(app, [(headers, f"/api/v1/letters/{i}/issue", {}) for i in ids])
    assert [r.status_code for r in answers] == [200] * 4, [r.get_data(as_text=True) for r in answers]
    numbers = sorted(r.json["number"] for r in answers)
    assert numbers == sorted(f"明桦创城提〔2026〕{n}号" for n in (1, 2, 3, 4))


def test_the_same_draft_issued_twice_at_once_goes_out_once(app, auth, clock):
    overdue_in(app, auth, "yongsheng")
    [draft] = sweep_at(app, "2026-12-02T07:00:00+08:00", issue=False)
    clock.set("2026-12-02T09:00:00+08:00")
    answers = at_once(app, [(auth.headers("supervisor"), f"/api/v1/letters/{draft}/issue", {})] * 2)
    assert sorted(r.status_code for r in answers) == [200, 409]
    refused = next(r for r in answers if r.status_code == 409)
    assert "已签发" in refused.json["error"]["message"]
    assert [x["number"] for x in prompts(auth, "leader")] == ["明桦创城提〔2026〕1号"]


def test_two_notices_of_a_unit_answered_at_once_get_numbers_one_and_two(app, auth, clock):
    n1, f1 = two_problem_notice(app, auth)
    n2, f2 = two_problem_notice(app, auth)
    headers = auth.headers("yongsheng")
    answers = at_once(app, [(headers, f"/api/v1/letters/{n}/reply", {"items": [{"finding_id": f, **REPLY} for f in fs]})
                            for n, fs in ((n1, f1), (n2, f2))])
    assert [r.status_code for r in answers] == [200, 200], [r.get_data(as_text=True) for r in answers]
    assert sorted(r.json["reply_letter"]["number"] for r in answers) == ["永胜社区〔2026〕1号", "永胜社区〔2026〕2号"]


def test_both_problems_of_a_notice_answered_at_once_give_exactly_one_reply_letter(app, auth, clock):
    notice, (a, b) = two_problem_notice(app, auth)
    headers = auth.headers("yongsheng")
    answers = at_once(app, [(headers, f"/api/v1/findings/{fid}/actions", {"action": "reply", **REPLY}) for fid in (a, b)])
    assert [r.status_code for r in answers] == [200, 200]
    letters = auth.get("supervisor", f"/api/v1/letters?kind=reply&notice_id={notice}").json["items"]
    assert [x["number"] for x in letters] == ["永胜社区〔2026〕1号"]


def test_the_database_refuses_a_repeated_number_in_a_series(app, auth, clock):
    import pytest
    import sqlalchemy as sa
    from sqlalchemy.exc import IntegrityError

    from server.extensions import db
    from server.models import Letter

    notice, (a, b) = two_problem_notice(app, auth)
    with app.app_context():
        first = db.session.get(Letter, notice)
        twin = Letter(kind="notice", status="issued", series=first.series, year=first.year, seq=first.seq,
                      number="重复", community_id=first.community_id, created_at=first.created_at,
                      issued_at=first.issued_at, finding_ids=[a], body={})
        db.session.add(twin)
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Letter)) == 1
