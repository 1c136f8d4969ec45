"""CLI commands, the server's own periodic sweep, and the printable letters."""
import json

from server.extensions import db
from server.models import Community, Letter
from server.scheduler import sweep_once
from tests.helpers.flow import REPLY, act, finding_in, ok, sweep_at


def test_import_boundaries_replaces_demo_polygons(app, runner, tmp_path):
    square = {"type": "Polygon", "coordinates": [[[126.70, 42.95], [126.71, 42.95], [126.71, 42.96],
                                                  [126.70, 42.96], [126.70, 42.95]]]}
    path = tmp_path / "b.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": square, "properties": {"code": "yongsheng", "name": "永胜社区"}}]}))
    with app.app_context():
        old = db.session.scalar(db.select(Community).filter_by(code="yongsheng")).boundary
    try:
        out = runner.invoke(args=["data", "import-boundaries", str(path)])
        assert out.exit_code == 0 and "永胜社区" in out.output
        with app.app_context():
            row = db.session.scalar(db.select(Community).filter_by(code="yongsheng"))
            assert row.boundary == square and row.boundary_is_demo is False
    finally:
        with app.app_context():
            row = db.session.scalar(db.select(Community).filter_by(code="yongsheng"))
            row.boundary, row.boundary_is_demo = old, True
            db.session.commit()


def test_import_boundaries_refuses_a_file_without_codes(runner, tmp_path):
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature",
                    "geometry": None, "properties": {"name": "无编码"}}]}))
    out = runner.invoke(args=["data", "import-boundaries", str(path)])
    assert out.exit_code != 0 and "缺少" in out.output


def test_sweep_rejects_a_naive_time(runner):
    out = runner.invoke(args=["deadlines", "sweep", "--at", "2026-12-01T09:00:00"])
    assert out.exit_code != 0 and "时区" in out.output


def test_the_running_servers_sweep_issues_prompts_once(app, auth, clock):
    fid = finding_in(app, auth, "assigned")
    clock.set("2026-12-03T09:00:00+08:00")
    assert sweep_once(app) == 1
    assert sweep_once(app) == 0
    with app.app_context():
        prompts = db.session.scalars(db.select(Letter).filter_by(kind="prompt")).all()
        assert [p.finding_ids for p in prompts] == [[fid]]


def test_all_three_letters_print_in_chinese(app, auth, clock):
    fid = finding_in(app, auth, "assigned")
    ok(act(auth, "yongsheng", fid, "reply", **REPLY))
    clock.set("2026-12-31T09:00:00+08:00")
    sweep_at(app, "2026-12-31T09:00:00+08:00")  # the draft, issued by the task force
    letters = auth.get("leader", f"/api/v1/letters?finding_id={fid}").json["items"]
    assert sorted(x["kind"] for x in letters) == ["notice", "prompt", "reply"]
    pages = {x["kind"]: auth.get("leader", x["url"]).get_data(as_text=True) for x in letters}
    assert "问题整改通知函" in pages["notice"] and "个工作日内" in pages["notice"]
    assert "整改措施：组织保洁人员清理并修补路面" in pages["reply"] and "王建华" in pages["reply"]
    assert "工作提示函" in pages["prompt"] and "分管市级领导" in pages["prompt"]
    for kind, html in pages.items():
        number = next(x["number"] for x in letters if x["kind"] == kind)
        assert number in html and "〔2026〕" in number
