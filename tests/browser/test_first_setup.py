"""Issue 8, done when: the first admin of an empty install sets up the street in the browser
alone — two communities with boundaries, a 专班, three people, twenty points from Excel and a
checklist item the 专班 answers for — and an inspector's failure of that item lands on the 专班."""
import json
import threading

import openpyxl
import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from server import create_app
from server.extensions import db
from server.models import Finding, Unit, User
from tests.browser.conftest import HERE
from tests.browser.helpers import SHOTS, jpeg_file, wait_for, wait_synced
from tests.conftest import _fresh_database

LAT, LON = HERE["latitude"], HERE["longitude"]
# Two neighbouring squares around where the inspector stands (west: 东风, east: 西湖).
WEST = [[LON - 0.010, LAT - 0.006], [LON, LAT - 0.006], [LON, LAT + 0.006], [LON - 0.010, LAT + 0.006],
        [LON - 0.010, LAT - 0.006]]
EAST = [[LON, LAT - 0.006], [LON + 0.010, LAT - 0.006], [LON + 0.010, LAT + 0.006], [LON, LAT + 0.006],
        [LON, LAT - 0.006]]
ITEM = "背街小巷内无废弃车辆、无僵尸车"


@pytest.fixture
def empty_site(tmp_path, clock):
    """An install without demo data: the schema, the catalogue and calendar, one first admin."""
    url, drop = _fresh_database(tmp_path)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "DATA_DIR": str(tmp_path / "data"),
                      "SWEEP_INTERVAL_S": 0})
    runner = app.test_cli_runner()
    with app.app_context():
        db.create_all()
    out = runner.invoke(args=["users", "create", "chief", "--name", "街道管理员"])
    assert out.exit_code == 0, out.output
    password = out.output.split("临时密码：")[1].split()[0]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}", password
    server.shutdown()
    thread.join(5)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    drop()


def _first_login(page, username: str, temporary: str, new_password: str, then: str) -> None:
    """Sign in with a temporary password and change it, as the app insists."""
    page.goto("/")
    page.fill("#username", username)
    page.fill("#password", temporary)
    page.click("button[type=submit]")
    page.wait_for_selector("#forced-note")
    page.fill("#password-form-old_password", temporary)
    page.fill("#password-form-new_password", new_password)
    page.fill("#password-form-repeat", new_password)
    page.click("#password-form button[type=submit]")
    page.wait_for_selector(then)


def _add_unit(page, name: str, kind: str, head: str) -> None:
    """单位 → 新增."""
    page.click("#add-unit")
    page.fill("#unit-form-name", name)
    page.select_option("#unit-form-kind", kind)
    page.fill("#unit-form-head", head)
    page.click("#unit-form button[type=submit]")
    page.wait_for_selector(f"#units tr:has-text('{name}')")


def _set_boundary(page, unit_id: int, ring: list, path) -> None:
    """边界: upload a GeoJSON file, look at the preview, save."""
    page.goto(f"/#/a/boundaries/{unit_id}")
    # The screen is redrawn for this community (not the previous one's form still on the page).
    wait_for(page, f"document.querySelector('#b-community')?.value === '{unit_id}'")
    page.wait_for_load_state("networkidle")
    page.wait_for_selector("#boundary-file", state="attached")
    path.write_text(json.dumps({"type": "Feature", "properties": {},
                                "geometry": {"type": "Polygon", "coordinates": [ring]}}))
    page.set_input_files("#boundary-file", str(path))
    page.wait_for_selector("#boundary-verdict")
    page.click("#save-boundary")
    page.wait_for_selector("#boundary-status:has-text('红色实线')")


def _add_person(page, username: str, name: str, role: str, unit_id: int | None) -> str:
    """人员 → 新增; return the temporary password shown once."""
    page.click("#add-user")
    page.fill("#user-form-username", username)
    page.fill("#user-form-display_name", name)
    page.select_option("#user-form-role", role)
    if unit_id is not None:
        page.select_option("#user-form-unit_id", str(unit_id))
    page.click("#user-form button[type=submit]")
    page.wait_for_selector("#secret-panel")
    temporary = page.inner_text("#temp-password").strip()
    page.click("#secret-done")
    return temporary


def _points_sheet(path) -> str:
    """Twenty points of the office's list, ten in each community, 社区 left to the boundaries."""
    wb = openpyxl.Workbook()
    wb.active.append(["名称", "类型", "纬度", "经度", "社区"])
    for i in range(20):
        side = -1 if i < 10 else 1
        wb.active.append([f"{'东' if side < 0 else '西'}街{i % 10 + 1}号巷", "背街小巷",
                          round(LAT + (i % 10 - 5) * 0.0004, 6), round(LON + side * (0.001 + (i % 10) * 0.0003), 6),
                          None])
    wb.save(path)
    return str(path)


def test_the_first_admin_sets_up_the_street_in_the_browser_and_a_problem_lands_on_the_task_force(
        empty_site, browser, clock, tmp_path):
    app, base, temporary = empty_site
    desk = clock.attach(browser.new_context(viewport={"width": 1280, "height": 900}, base_url=base,
                                            locale="zh-CN", timezone_id="Asia/Shanghai"))
    page = desk.new_page()
    _first_login(page, "chief", temporary, "Minghua-admin-2026", ".tabs a")

    page.goto("/#/a/units")
    page.wait_for_selector("#add-unit")
    _add_unit(page, "东风社区", "community", "赵书记")
    _add_unit(page, "西湖社区", "community", "钱书记")
    _add_unit(page, "背街小巷整治专班", "task_force", "孙主任")
    with app.app_context():
        units = {u.name: u.id for u in db.session.scalars(sa.select(Unit))}
    _set_boundary(page, units["东风社区"], WEST, tmp_path / "dongfeng.geojson")
    _set_boundary(page, units["西湖社区"], EAST, tmp_path / "xihu.geojson")

    page.goto("/#/a/users")
    page.wait_for_selector("#add-user")
    inspector_pw = _add_person(page, "xuncha", "周督导", "inspector", None)
    _add_person(page, "dongfeng", "东风社区", "community", units["东风社区"])
    team_pw = _add_person(page, "beijie", "背街专班", "community", units["背街小巷整治专班"])

    page.goto("/#/a/points")
    page.click("#open-import")
    page.set_input_files("#import-file", _points_sheet(tmp_path / "点位.xlsx"))
    page.wait_for_selector("#import-confirm")
    page.click("#import-confirm")
    page.wait_for_selector("#import-verdict:has-text('导入完成')")

    page.goto("/#/a/checklists/street")
    page.wait_for_selector("#add-item")
    page.click("#add-item")
    page.fill("#item-form-text", ITEM)
    page.fill("#item-form-category", "公共秩序")
    page.fill("#item-form-limit_days", "5")
    page.select_option("#item-form-unit_id", str(units["背街小巷整治专班"]))
    page.click("#item-form button[type=submit]")
    page.wait_for_selector(f"#items tr:has-text('{ITEM}')")
    page.screenshot(path=str(SHOTS / "first-setup-checklist-1280.png"), full_page=True)

    with app.app_context():  # what the admin entered, as the server holds it
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 4
        points = db.session.execute(sa.text("SELECT community_id, count(*) FROM points GROUP BY community_id")).all()
        assert dict(points) == {units["东风社区"]: 10, units["西湖社区"]: 10}

    # The inspector's phone: first login, the route, the new item failed at a point, synced.
    phone = clock.attach(browser.new_context(viewport={"width": 360, "height": 640}, is_mobile=True,
                                             has_touch=True, base_url=base, locale="zh-CN",
                                             timezone_id="Asia/Shanghai", permissions=["geolocation"],
                                             geolocation=HERE))
    field = phone.new_page()
    _first_login(field, "xuncha", inspector_pw, "Xuncha-2026-mh", "#route-list li")
    assert field.locator("#route-list li").count() == 20
    field.locator("#route-list li a").first.click()
    item = field.locator(".item", has_text=ITEM)
    item.wait_for()
    item.locator("button.fail").click()
    item.locator("textarea").fill("巷口停放一辆废弃三轮车，轮胎缺失，长期无人挪动")
    item.locator("input[type=file]").set_input_files(jpeg_file(tmp_path, "car.jpg"))
    item.locator(".photo img").wait_for()
    field.click("#submit")
    field.wait_for_selector("#route-list li")
    wait_synced(field)
    field.screenshot(path=str(SHOTS / "first-setup-route-360.png"), full_page=True)

    with app.app_context():
        finding = db.session.scalar(sa.select(Finding))
        assert finding.community_id == units["背街小巷整治专班"] and finding.assignment_method == "item"
        assert finding.status == "assigned" and finding.item_text == ITEM
    # The 专班's staff see it on their list.
    team = clock.attach(browser.new_context(viewport={"width": 1280, "height": 900}, base_url=base,
                                            locale="zh-CN", timezone_id="Asia/Shanghai"))
    desk2 = team.new_page()
    _first_login(desk2, "beijie", team_pw, "Beijie-2026-mh", "#findings")
    desk2.wait_for_selector(f"#findings [data-finding='{finding.id}']")
    assert ITEM in desk2.inner_text("#findings")
    for context in (desk, phone, team):
        context.close()
