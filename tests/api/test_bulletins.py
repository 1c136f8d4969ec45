"""The weekly bulletin (issue 12, point 6): 期号 per year given at publication, never skipped or
repeated; 主送/抄送; a section per other kind of unit (专班, 科室), ranked within its kind."""
import threading

import sqlalchemy as sa

from server.extensions import db
from server.models import Bulletin, ChecklistItem, Point
from tests.helpers.flow import push_finding
from tests.helpers.records import inspection, new_id, result

URL = "/api/v1/bulletins"
WEEKLY = "/api/v1/reports/weekly"


def publish(auth, week, user="supervisor"):
    """POST a publication."""
    return auth.post(user, URL, json={"week": week})


def test_publishing_numbers_bulletins_per_year_in_order_and_a_repeat_keeps_its_number(app, auth, clock):
    first = publish(auth, "2026-W47")
    assert first.status_code == 201, first.get_data(as_text=True)
    assert (first.json["seq"], first.json["number"], first.json["year"]) == (1, "2026年第1期", 2026)
    again = publish(auth, "2026-W47")
    assert again.status_code == 200 and again.json == first.json
    assert publish(auth, "2026-W45").json["number"] == "2026年第2期"  # in the order published
    assert publish(auth, "2025-W52").json["number"] == "2025年第1期"  # each year its own series
    assert auth.get("supervisor", f"{WEEKLY}?week=2026-W47").json["issue"]["number"] == "2026年第1期"
    assert auth.get("supervisor", f"{WEEKLY}?week=2026-W46").json["issue"] is None
    listed = auth.get("leader", f"{URL}?year=2026").json
    assert [b["number"] for b in listed["items"]] == ["2026年第2期", "2026年第1期"] and listed["total"] == 2
    assert auth.get("leader", f"{URL}?year=20x6").status_code == 400


def test_a_running_week_a_bad_week_and_other_roles_are_refused_without_using_a_number(app, auth, clock):
    running = publish(auth, "2026-W48")  # the clock is Friday 2026-11-27
    assert running.status_code == 409 and "week" in running.json["error"]["fields"]
    for bad in ("2026-W99", "week 47", "2099-W01x"):
        r = publish(auth, bad)
        assert r.status_code == 422 and "week" in r.json["error"]["fields"], bad
    assert auth.post("supervisor", URL, json={"week": "2026-W47", "extra": 1}).status_code == 422
    for user in ("leader", "admin", "yongsheng", "inspector"):
        assert publish(auth, "2026-W47", user).status_code == 403
    assert publish(auth, "2026-W47").json["number"] == "2026年第1期"  # nothing was used up
    clock.set("2026-11-30T08:00:00+08:00")
    assert publish(auth, "2026-W48").json["number"] == "2026年第2期"


def test_the_distribution_names_the_units_unless_the_settings_say_otherwise(app, auth, clock):
    report = auth.get("supervisor", f"{WEEKLY}?week=2026-W48").json
    units = auth.get("supervisor", "/api/v1/units").json["items"]
    active = [u for u in units if u["active"]]
    assert set(report["distribution"]["to"]) == {u["name"] for u in active}
    kinds = [next(u["kind"] for u in active if u["name"] == n) for n in report["distribution"]["to"]]
    assert kinds == sorted(kinds, key=["community", "task_force", "office"].index)  # communities first
    assert report["distribution"]["cc"] == ["明桦街道创建全国文明城市工作领导小组"]
    doc = auth.get("admin", "/api/v1/settings").json
    doc.update(bulletin_to="各社区、各专班、各科室", bulletin_cc="市创建办，街道党工委")
    r = auth.client.put("/api/v1/settings", json=doc, headers=auth.headers("admin"))
    assert r.status_code == 200, r.get_data(as_text=True)
    report = auth.get("supervisor", f"{WEEKLY}?week=2026-W48").json
    assert report["distribution"] == {"to": ["各社区", "各专班", "各科室"], "cc": ["市创建办", "街道党工委"]}


def test_task_forces_have_their_own_section_ranked_within_their_kind(app, auth, clock):
    with app.app_context():
        owned = db.session.scalar(sa.select(ChecklistItem).where(ChecklistItem.unit_id.is_not(None)))
        code, ltype, unit_id = owned.code, owned.location_type, owned.unit_id
        point = db.session.scalar(sa.select(Point).where(Point.location_type == ltype))
        db.session.expunge(point)
    rec = inspection(point, [result(code, "fail", [new_id()])])
    assert auth.post("inspector", "/api/v1/sync/push", json={"device_id": "t", "records": [rec]}).json[
        "results"][0]["status"] == "created"
    push_finding(app, auth, "aihua")
    clock.set("2026-11-27T15:00:00+08:00")  # a report looks at what happened before its now
    report = auth.get("supervisor", f"{WEEKLY}?week=2026-W48").json
    section = next(s for s in report["unit_sections"] if s["kind"] == "task_force")
    assert section["label"] == "专班"
    row = next(r for r in section["rows"] if r["unit_id"] == unit_id)
    assert row["new"] == 1 and row["open"] == 1 and "on_time_reply_rate" in row and "score" in row
    assert [p["community_id"] for p in section["problems"] if p["count"]] == [unit_id]
    # The communities' part lists only communities.
    assert unit_id not in {p["community_id"] for p in report["problems"]}
    ranks = [r["rank"] for r in section["rows"] if r["rank"] is not None]
    assert ranks == sorted(ranks)
    # A community sees the task forces' ranking, not their problems.
    mine = auth.get("aihua", f"{WEEKLY}?week=2026-W48").json
    assert all(s["problems"] == [] and s["overdue"] == [] for s in mine["unit_sections"])
    assert len(mine["unit_sections"][0]["rows"]) == len(section["rows"])


def test_two_supervisors_publishing_at_once_get_one_number_between_them(app, auth, clock):
    headers = auth.headers("supervisor")
    barrier = threading.Barrier(2)
    answers = []

    def desk(week):
        """One supervisor's publication."""
        client = app.test_client()
        barrier.wait()
        answers.append(client.post(URL, headers=headers, json={"week": week}))

    threads = [threading.Thread(target=desk, args=("2026-W47",)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(a.status_code for a in answers) == [200, 201]
    assert {a.json["number"] for a in answers} == {"2026年第1期"}
    assert publish(auth, "2026-W46").json["number"] == "2026年第2期"  # nothing skipped
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Bulletin)) == 2


def test_the_printed_bulletin_carries_its_number_distribution_sections_and_pickers(app, auth, clock):
    import re

    push_finding(app, auth, "aihua")
    push_finding(app, auth, "hongsheng")
    clock.set("2026-11-30T09:00:00+08:00")
    publish(auth, "2026-W48")
    import shared_schema

    for user in ("supervisor", "aihua"):  # the contract holds with problems, sources and sections
        shared_schema.validator("report_weekly").validate(auth.get(user, f"{WEEKLY}?week=2026-W48").json)
    shared_schema.validator("bulletins_page").validate(auth.get("leader", URL).json)
    page = auth.get("supervisor", "/reports/weekly?week=2026-W48").get_data(as_text=True)
    assert '<div class="issue" id="issue-number">2026年第1期</div>' in page
    assert "主送：永胜社区、红升社区、爱华社区、阳光社区、" in page and "抄送：明桦街道创建全国文明城市工作领导小组。" in page
    assert 'data-kind="task_force">专班工作情况（专班单独排名）' in page
    assert '<input type="week" name="week" value="2026-W48"' in page
    assert "倒数名单" in page and "按来源：日常督查 2 个" in page
    # Section 1 reads by rank, the unranked last.
    first = page.split("<h2>一、", 1)[1].split("</table>", 1)[0]
    ranks = re.findall(r'<td class="num">(\d+|不参与排名)</td></tr>', first)
    order = [0 if r == "不参与排名" else int(r) for r in ranks]
    assert order == sorted(order, key=lambda r: (r == 0, r))
    unpublished = auth.get("supervisor", "/reports/weekly?week=2026-W47").get_data(as_text=True)
    assert "（未发布：发布后编期号）" in unpublished
    monthly = auth.get("supervisor", "/reports/monthly?month=2026-11").get_data(as_text=True)
    assert 'type="month" name="month" value="2026-11"' in monthly and 'href="/reports/monthly?month=2026-10"' in monthly
    assert 'data-kind="task_force">专班排名与等次（专班单独排名）' in monthly
    report = auth.get("supervisor", "/api/v1/reports/monthly?month=2026-11").json
    shared_schema.validator("report_monthly").validate(report)
    section = next(s for s in report["unit_sections"] if s["kind"] == "task_force")
    assert {r["community_id"] for r in section["ranking"]} == {
        u["unit_id"] for u in report["units"] if u["kind"] == "task_force"}
    coverage = auth.get("supervisor", "/reports/coverage?date=2026-11-28").get_data(as_text=True)
    assert 'type="date" name="date" value="2026-11-28"' in coverage
