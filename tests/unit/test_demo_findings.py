"""The loaded demo street and the demo findings: real-looking, and nothing dated after loading."""
from collections import defaultdict

import pytest
import sqlalchemy as sa

import shared_schema
from server.demo import load_demo
from server.demo.findings import load_demo_findings
from server.extensions import db
from server.models import Finding, FindingEvent, Point, Unit, User
from server.timeutil import UTCDateTime, utcnow

# Every table the generator writes; each of their timestamps must lie at or before "now".
WRITTEN = ("findings", "finding_events", "letters", "inspections", "inspection_results",
           "photos", "verifications", "change_log")
TIMES_OF_DAY = ["2026-11-27T00:10:00+08:00", "2026-11-27T08:00:00+08:00",
                "2026-11-27T23:50:00+08:00", "2026-11-30T07:00:00+08:00"]


def _latest_times() -> dict[str, object]:
    """The latest value of every UTC timestamp column of the written tables."""
    latest = {}
    for table in db.metadata.sorted_tables:
        if table.name not in WRITTEN:
            continue
        for column in table.columns:
            if isinstance(column.type, UTCDateTime):
                latest[f"{table.name}.{column.name}"] = db.session.scalar(sa.select(sa.func.max(column)))
    return latest


@pytest.fixture(params=TIMES_OF_DAY)
def generated(request, app, clock):
    """Demo findings generated with the clock pinned at one time of day; yields now."""
    now = clock.set(request.param)
    with app.app_context():
        assert load_demo_findings(days=6, per_day=4) > 0
        yield now


def test_nothing_is_dated_after_the_moment_of_loading(generated):
    """No event, letter, verification, photo or finding time lies after now."""
    now = utcnow()
    assert now == generated
    late = {name: value for name, value in _latest_times().items() if value and value > now}
    assert late == {}


def test_each_history_runs_forward_in_time(generated):
    """A finding's events are in time order: the sweeps saw each finding as it stood then."""
    history = defaultdict(list)
    for event in db.session.scalars(sa.select(FindingEvent).order_by(FindingEvent.id)):
        history[event.finding_id].append(event.at)
    assert history
    for finding_id, times in history.items():
        assert times == sorted(times), finding_id


def test_descriptions_are_full_sentences(generated):
    """Every problem description is what an inspector would write, not a cut-off item text."""
    findings = db.session.scalars(sa.select(Finding)).all()
    assert findings
    for f in findings:
        assert len(f.description) > 12 and f.description.endswith("。"), (f.code, f.description)
    assert len({f.description for f in findings}) > len(findings) // 2


def test_the_loop_is_shown_in_several_states(generated):
    """Findings reach several states of the loop, from waiting to closed."""
    statuses = set(db.session.scalars(sa.select(Finding.status)))
    assert {"assigned", "replied"} <= statuses
    assert len(statuses) >= 3


# --- the loaded street ------------------------------------------------------------------------

def test_every_catalogue_location_type_has_a_demo_point(app):
    """The loaded demo street has points of every location type."""
    with app.app_context():
        types = set(db.session.scalars(sa.select(Point.location_type)))
    assert types >= set(shared_schema.load_catalogue()["location_types"])


def test_the_seven_task_forces_and_the_community_heads_are_loaded(app):
    """The plan's seven 专班 exist as units with their leaders; communities have their 书记."""
    with app.app_context():
        units = db.session.scalars(sa.select(Unit)).all()
    forces = {u.name: u.head for u in units if u.kind == "task_force"}
    assert len(forces) == 7 and all(forces.values())
    assert forces["督导检查专班"] == "姜立晗" and forces["小区环境创建专班"] == "刘世国"
    assert all(u.head for u in units if u.kind == "community")


def test_the_task_force_account_belongs_to_its_unit(app):
    """The demo 专班 account is a unit user of the 小区环境创建专班."""
    with app.app_context():
        user = db.session.scalar(sa.select(User).filter_by(username="zhuanban"))
        unit = db.session.get(Unit, user.community_id)
    assert (user.role, unit.kind, unit.name) == ("community", "task_force", "小区环境创建专班")


def test_loading_the_demo_twice_adds_nothing(app):
    """load_demo is idempotent: units, points and users are not duplicated."""
    with app.app_context():
        counts = [db.session.query(m).count() for m in (Unit, Point, User)]
        again = load_demo("pw", hash_method="pbkdf2:sha256:1000")
        assert [db.session.query(m).count() for m in (Unit, Point, User)] == counts
    assert (again["communities"], again["units"]) == (4, 11)


def test_over_the_demos_two_weeks_letters_follow_the_plan(app, clock):
    """Each notice has at most one 答复函 (from its unit, in the unit's series); each unit at most
    one 提示函 per sweep; prompts go out on working days; no number is repeated."""
    from server.models import Letter, PromptEvent
    from server.services.reference import load_calendar
    from server.timeutil import to_local

    clock.set("2026-11-27T18:00:00+08:00")
    with app.app_context():
        assert load_demo_findings(days=14, per_day=4) > 0
        letters = db.session.scalars(sa.select(Letter)).all()
        notices = {x.id: x for x in letters if x.kind == "notice"}
        replies = [x for x in letters if x.kind == "reply"]
        prompts = [x for x in letters if x.kind == "prompt"]
        assert replies and prompts
        per_notice = defaultdict(int)
        for r in replies:
            per_notice[r.notice_id] += 1
            notice = notices[r.notice_id]
            assert r.community_id == notice.community_id and r.series == f"unit:{r.community_id}"
            assert r.number.startswith(r.body["from"] + "〔2026〕")
            assert set(r.finding_ids) <= set(notice.finding_ids)
        assert max(per_notice.values()) == 1
        per_sweep = defaultdict(int)
        for p in prompts:
            per_sweep[(p.community_id, p.created_at)] += 1
        assert max(per_sweep.values()) == 1
        calendar = load_calendar()
        issued = [p for p in prompts if p.status == "issued"]
        assert issued and all(calendar.is_working_day(to_local(p.issued_at).date()) for p in issued)
        assert any(p.instructions for p in issued)  # a leader read some of them
        events = db.session.scalar(sa.select(sa.func.count()).select_from(PromptEvent))
        assert len(prompts) < events  # many overdue problems, far fewer letters
        numbers = [(x.series, x.kind, x.number) for x in letters if x.number]
        assert len(numbers) == len(set(numbers))
