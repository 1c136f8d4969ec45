"""The administrator in the browser: units, people, points, boundaries, checklists, holidays,
settings and the audit log, each walked at desktop and phone width; passwords (forced and own)."""
import json

import pytest
import sqlalchemy as sa

from server.extensions import db
from tests.browser.conftest import HERE
from tests.browser.helpers import SHOTS
from tests.helpers.flow import finding_in

WIDTHS = [1280, 360]
# Reference tables the admin screens write; restored after each test (the session shares them).
RESTORED = ("units", "users", "points", "location_types", "checklist_items", "calendar_days",
            "calendar_years", "settings", "audit_log")


@pytest.fixture(autouse=True)
def restore_reference(app):
    """Put every reference row back as it was, so other tests see the demo street unchanged."""
    with app.app_context():
        meta = sa.MetaData()
        meta.reflect(bind=db.engine, only=lambda name, _: name in RESTORED)
        snap = {}
        with db.engine.connect() as conn:
            for name, table in meta.tables.items():
                pk = [c.name for c in table.primary_key.columns]
                snap[name] = (table, pk, {tuple(r[k] for k in pk): dict(r)
                                          for r in conn.execute(sa.select(table)).mappings()})
    yield
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            users = snap["users"][2]
            new_users = [r[0] for r in conn.execute(sa.text("SELECT id FROM users"))
                         if (r[0],) not in users]
            if new_users:  # what a new user left behind (tokens, idempotency records…) goes first
                every = sa.MetaData()
                every.reflect(bind=conn)
                for table in every.tables.values():
                    for fk in table.foreign_keys:
                        if fk.column.table.name == "users" and table.name != "users":
                            conn.execute(table.delete().where(fk.parent.in_(new_users)))
            # Children first, then parents; rows the test added go, rows it changed come back.
            for name in ("audit_log", "checklist_items", "points", "users", "location_types",
                         "calendar_days", "calendar_years", "settings", "units"):
                if name not in snap:
                    continue
                table, pk, rows = snap[name]
                for row in conn.execute(sa.select(table)).mappings():
                    key = tuple(row[k] for k in pk)
                    if key not in rows:
                        conn.execute(table.delete().where(*[table.c[k] == v for k, v in zip(pk, key)]))
                    elif dict(row) != rows[key]:
                        conn.execute(table.update().where(*[table.c[k] == v for k, v in zip(pk, key)])
                                     .values(**rows[key]))
                have = {tuple(r[k] for k in pk) for r in conn.execute(sa.select(table)).mappings()}
                missing = [r for key, r in rows.items() if key not in have]
                if missing:
                    conn.execute(table.insert(), missing)
        from server.services import reference
        reference._cache.clear()


def open_admin(new_context, width, path, **options):
    """A signed-in admin's page at a width, opened at a hash path."""
    context = new_context(viewport={"width": width, "height": 900 if width > 800 else 740}, **options)
    page = context.new_page()
    page.goto("/")
    page.wait_for_selector("#username")
    page.fill("#username", "admin")
    page.fill("#password", "pw")
    page.click("button[type=submit]")
    page.wait_for_selector(".tabs a")
    page.goto(f"/{path}")
    return page


def no_sideways_scroll(page):
    """The page itself never scrolls sideways; wide tables scroll inside their own box."""
    extra = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert extra <= 0, f"the page is {extra}px wider than the window"


def shot(page, screen, width):
    """A full-page screenshot for a person to look at."""
    page.screenshot(path=str(SHOTS / f"admin-{screen}-{width}.png"), full_page=True)


def unit_named(auth, name):
    """A unit as the server holds it, by name."""
    return next((u for u in auth.get("admin", "/api/v1/units").json["items"] if u["name"] == name), None)


def user_named(auth, username):
    """A user as the server holds it, by username."""
    return next((u for u in auth.get("admin", "/api/v1/users").json["items"] if u["username"] == username), None)


def point_named(auth, name):
    """A point feature as the server holds it, by name."""
    feats = auth.get("admin", "/api/v1/points?all=1").json["features"]
    return next((f for f in feats if f["properties"]["name"] == name), None)


def test_the_admin_home_leads_to_every_section(app, auth, new_context):
    page = open_admin(new_context, 360, "#/a")
    page.wait_for_selector("#admin-sections")
    tabs = page.locator(".tabs a").all_inner_texts()
    assert tabs == ["管理", "台账", "报表", "我的"]
    cards = page.locator("#admin-sections [data-section]").all_inner_texts()
    for label in ("单位", "人员", "点位", "边界", "检查表", "节假日", "设置", "操作日志"):
        assert any(c.startswith(label) for c in cards)
    page.click("[data-section=units]")
    page.wait_for_selector("#units")
    assert page.locator(".tabs a.active").inner_text() == "管理"
    no_sideways_scroll(page)
    shot(page, "home", 360)


@pytest.mark.parametrize("width", WIDTHS)
def test_units_are_added_edited_and_a_unit_with_open_problems_is_not_retired(app, auth, new_context, width):
    fid = finding_in(app, auth, "assigned", community="aihua")
    assert fid
    page = open_admin(new_context, width, "#/a/units")
    page.wait_for_selector("#units tbody tr")
    page.click("#add-unit")
    page.click("#unit-form button[type=submit]")
    # Refused before sending: the message stands next to the field.
    assert page.inner_text("#unit-form-name-err") == "请填写名称"
    name = f"城管执法中队{width}"
    page.fill("#unit-form-name", name)
    page.select_option("#unit-form-kind", "office")
    page.fill("#unit-form-head", "赵队长")
    page.fill("#unit-form-phone", "0432-66660000")
    page.click("#unit-form button[type=submit]")
    page.wait_for_selector(f"#units tr:has-text('{name}')")
    unit = unit_named(auth, name)
    assert unit and unit["kind"] == "office" and unit["head"] == "赵队长" and unit["active"]

    # The same name again: the server's message appears beside 名称 and nothing typed is lost.
    page.click("#add-unit")
    page.fill("#unit-form-name", name)
    page.fill("#unit-form-contact", "钱干事")
    page.click("#unit-form button[type=submit]")
    page.wait_for_selector("#unit-form-name-err:not([hidden])")
    assert page.inner_text("#unit-form-name-err")
    assert page.input_value("#unit-form-contact") == "钱干事"
    page.click("#unit-form button.cancel")

    # Edit the new unit's contact.
    page.click(f"#units tr[data-unit='{unit['id']}'] [data-action=edit]")
    page.fill("#unit-form-contact", "孙干事")
    page.click("#unit-form button[type=submit]")
    page.wait_for_selector(f"#units tr[data-unit='{unit['id']}']:has-text('孙干事')")
    assert unit_named(auth, name)["contact"] == "孙干事"

    # 爱华社区 has an open problem: retiring it is refused with the count, shown on the page.
    aihua = unit_named(auth, "爱华社区")
    page.click(f"#units tr[data-unit='{aihua['id']}'] [data-action=retire]")
    page.wait_for_selector("#units-error:not([hidden])")
    assert "1" in page.inner_text("#units-error")
    assert unit_named(auth, "爱华社区")["active"] is True
    # The new unit has none: it retires.
    page.click(f"#units tr[data-unit='{unit['id']}'] [data-action=retire]")
    page.wait_for_selector(f"#units tr[data-unit='{unit['id']}'] [data-action=restore]")
    assert unit_named(auth, name)["active"] is False
    no_sideways_scroll(page)
    shot(page, "units", width)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_person_is_added_with_a_temporary_password_edited_and_reset(app, auth, new_context, width):
    page = open_admin(new_context, width, "#/a/users")
    page.wait_for_selector("#users tbody tr")
    username = f"wangfang{width}"
    page.click("#add-user")
    page.fill("#user-form-username", username)
    page.fill("#user-form-display_name", "王芳")
    page.select_option("#user-form-role", "community")
    page.click("#user-form button[type=submit]")
    # A community member needs a unit: said beside 所属单位, the rest kept.
    page.wait_for_selector("#user-form-unit_id-err:not([hidden])")
    assert "单位" in page.inner_text("#user-form-unit_id-err")
    assert page.input_value("#user-form-username") == username
    yongsheng = unit_named(auth, "永胜社区")
    page.select_option("#user-form-unit_id", str(yongsheng["id"]))
    page.fill("#user-form-phone", "13900001111")
    page.click("#user-form button[type=submit]")
    page.wait_for_selector("#secret-panel")
    temporary = page.inner_text("#temp-password").strip()
    assert len(temporary) >= 8
    assert "只显示这一次" in page.inner_text("#secret-panel")
    assert page.inner_text("#temp-username") == username
    shot(page, "users-created", width)
    user = user_named(auth, username)
    assert user["role"] == "community" and user["unit_id"] == yongsheng["id"] and user["must_change_password"]
    # The temporary password is the one the server set.
    r = auth.client.post("/api/v1/auth/login", json={"username": username, "password": temporary})
    assert r.status_code == 200 and r.json["must_change_password"] is True
    page.click("#secret-done")
    assert page.locator("#secret-panel").count() == 0

    # Edit: becomes an inspector (the unit is cleared and locked).
    page.click(f"#users tr[data-user='{user['id']}'] [data-action=edit]")
    page.select_option("#user-form-role", "inspector")
    assert page.is_disabled("#user-form-unit_id")
    page.fill("#user-form-display_name", "王芳芳")
    page.click("#user-form button[type=submit]")
    page.wait_for_selector(f"#users tr[data-user='{user['id']}']:has-text('王芳芳')")
    user = user_named(auth, username)
    assert user["role"] == "inspector" and user["unit_id"] is None and user["display_name"] == "王芳芳"

    # Reset asks once more, then shows a new temporary password.
    page.click(f"#users tr[data-user='{user['id']}'] [data-action=reset]")
    page.click(f"#users tr[data-user='{user['id']}'] [data-confirm=yes]")
    page.wait_for_selector("#secret-panel")
    again = page.inner_text("#temp-password").strip()
    assert again != temporary
    assert auth.client.post("/api/v1/auth/login", json={"username": username, "password": again}).status_code == 200
    no_sideways_scroll(page)
    shot(page, "users", width)


def click_map_at(page, lat, lon, map_id="pmap", map_var="__adminMap"):
    """Click the admin map where a coordinate is drawn."""
    page.locator(f"#{map_id}").scroll_into_view_if_needed()
    x, y = page.evaluate(f"""() => {{ const p = window.{map_var}.latLngToContainerPoint([{lat}, {lon}]);
        const r = document.getElementById('{map_id}').getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }}""")
    page.mouse.click(x, y)


@pytest.mark.parametrize("width", WIDTHS)
def test_points_are_added_on_the_map_moved_by_dragging_and_imported_after_a_dry_run(app, auth, new_context, width,
                                                                                   tmp_path):
    page = open_admin(new_context, width, "#/a/points", permissions=["geolocation"], geolocation=HERE)
    page.wait_for_selector("#points tbody tr")
    page.wait_for_function("() => !!window.__adminMap")
    page.wait_for_selector(".pt-dot")
    # Click the map inside 永胜社区: the form opens with that place's coordinates.
    click_map_at(page, 42.9772, 126.7301)
    page.wait_for_selector("#point-form")
    assert abs(float(page.input_value("#point-form-lat")) - 42.9772) < 0.002
    assert abs(float(page.input_value("#point-form-lon")) - 126.7301) < 0.002
    name = f"永胜街心花园{width}"
    page.fill("#point-form-name", name)
    page.select_option("#point-form-location_type", "street")
    page.fill("#point-form-address", "永胜路与建设街交口")
    page.click("#point-form button[type=submit]")
    page.wait_for_selector(f"#points tr:has-text('{name}')")
    f = point_named(auth, name)
    assert f["properties"]["unit_name"] == "永胜社区" and not f["properties"]["outside_boundary"]
    pid = f["properties"]["id"]
    lon0, lat0 = f["geometry"]["coordinates"]

    # Drag its marker: the new position is saved at once.
    page.evaluate(f"window.__adminMap.setView([{lat0}, {lon0}], 18)")
    page.wait_for_timeout(400)
    page.locator("#pmap").scroll_into_view_if_needed()
    box = page.locator(f".pt-dot[data-point='{pid}']").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx, cy)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(cx + 4 * step, cy + 3 * step)
    page.mouse.up()
    page.wait_for_selector("#move-status:not([hidden]) #undo-move")
    moved = point_named(auth, name)
    lon1, lat1 = moved["geometry"]["coordinates"]
    assert (lon1, lat1) != (lon0, lat0) and lon1 > lon0 and lat1 < lat0

    # 使用我的位置: the browser's position fills a new point; one outside every boundary still saves.
    page.click("#use-my-location")
    page.wait_for_function(f"() => document.querySelector('#point-form-lat')?.value.startsWith('{HERE['latitude']:.4f}')")
    page.fill("#point-form-lat", "42.9900")
    page.fill("#point-form-lon", "126.7000")
    outside = f"城郊检查站{width}"
    page.fill("#point-form-name", outside)
    page.select_option("#point-form-location_type", "main_road")
    yangguang = unit_named(auth, "阳光社区")
    page.select_option("#point-form-community_id", str(yangguang["id"]))
    page.click("#point-form button[type=submit]")
    page.wait_for_selector(f"#points tr:has-text('{outside}') .tag.warn")
    f = point_named(auth, outside)
    assert f["properties"]["outside_boundary"] and f["properties"]["community_id"] == yangguang["id"]
    assert page.locator(f".pt-dot.outside[data-point='{f['properties']['id']}']").count() == 1

    # Filter by name.
    page.fill("#pt-q", outside)
    page.wait_for_function("() => document.querySelectorAll('#points tbody tr').length === 1")
    no_sideways_scroll(page)
    shot(page, "points", width)
    page.fill("#pt-q", "")

    # Import: a file with a bad row is refused in the dry run, row by row, and nothing is stored.
    bad = tmp_path / "bad.csv"
    bad.write_text("名称,类型,纬度,经度,社区\n"
                   f"导入点甲{width},背街小巷,42.9745,126.7330,永胜社区\n"
                   f"导入点乙{width},不存在的类型,42.9745,126.7331,永胜社区\n"
                   f"导入点丙{width},背街小巷,abc,126.7332,永胜社区\n", encoding="utf-8")
    page.click("#open-import")
    page.set_input_files("#import-file", str(bad))
    page.wait_for_selector("#import-errors tbody tr")
    rows = page.locator("#import-errors tbody tr").all_inner_texts()
    assert len(rows) >= 2 and any(r.startswith("第 3 行") for r in rows) and any(r.startswith("第 4 行") for r in rows)
    assert page.locator("#import-confirm").count() == 0
    assert point_named(auth, f"导入点甲{width}") is None
    shot(page, "points-import-errors", width)
    # A clean file: the would-be counts, then the import on confirmation.
    good = tmp_path / "good.csv"
    good.write_text("名称,类型,纬度,经度,社区\n"
                    f"导入点甲{width},背街小巷,42.9745,126.7330,永胜社区\n"
                    f"{name},背街小巷,42.9771,126.7302,永胜社区\n", encoding="utf-8")
    page.set_input_files("#import-file", str(good))
    page.wait_for_selector("#import-confirm")
    assert "新增 1" in page.inner_text("#import-verdict") and "更新 1" in page.inner_text("#import-verdict")
    assert point_named(auth, f"导入点甲{width}") is None  # a dry run stores nothing
    page.click("#import-confirm")
    page.wait_for_selector("#import-verdict:has-text('导入完成')")
    assert point_named(auth, f"导入点甲{width}")["properties"]["unit_name"] == "永胜社区"
    assert point_named(auth, name)["geometry"]["coordinates"] == [126.7302, 42.9771]
    page.wait_for_selector(f"#points tr:has-text('导入点甲{width}')")

    # Find it by name and retire it from the table.
    page.fill("#pt-q", name)
    page.wait_for_function("() => document.querySelectorAll('#points tbody tr').length === 1")
    page.click(f"#points tr[data-point='{pid}'] [data-action=retire]")
    page.wait_for_selector(f"#points tr[data-point='{pid}'] [data-action=restore]")
    assert point_named(auth, name)["properties"]["active"] is False
    no_sideways_scroll(page)


# 永胜社区 stretched east over 体育场北门公厕 and 光明街西段背街 (now 红升社区's).
WIDER_YONGSHENG = {"type": "Feature", "properties": {"name": "永胜社区"}, "geometry": {"type": "Polygon", "coordinates": [[
    [126.7255, 42.9722], [126.7437, 42.9722], [126.7437, 42.9810], [126.7255, 42.9810], [126.7255, 42.9722]]]}}
BOWTIE = {"type": "Polygon", "coordinates": [[[126.73, 42.97], [126.74, 42.98], [126.74, 42.97], [126.73, 42.98],
                                              [126.73, 42.97]]]}


@pytest.mark.parametrize("width", WIDTHS)
def test_a_boundary_is_previewed_with_the_points_it_moves_then_saved(app, auth, new_context, width, tmp_path):
    yongsheng = unit_named(auth, "永胜社区")
    page = open_admin(new_context, width, f"#/a/boundaries/{yongsheng['id']}")
    page.wait_for_function("() => !!window.__boundaryMap")
    assert page.input_value("#b-community") == str(yongsheng["id"])
    # A self-intersecting polygon is refused with the server's reason.
    bowtie = tmp_path / "bowtie.geojson"
    bowtie.write_text(json.dumps(BOWTIE))
    page.set_input_files("#boundary-file", str(bowtie))
    page.wait_for_selector("#boundary-preview .form-error")
    assert "自相交" in page.inner_text("#boundary-preview .form-error")
    # A good one: the points that would change are listed, nothing is stored yet.
    wider = tmp_path / "yongsheng.geojson"
    wider.write_text(json.dumps(WIDER_YONGSHENG, ensure_ascii=False))
    page.set_input_files("#boundary-file", str(wider))
    page.wait_for_selector("#boundary-changes tbody tr[data-point]")
    listed = [int(x) for x in page.eval_on_selector_all("#boundary-changes tbody tr[data-point]",
                                                        "(rows) => rows.map((r) => r.dataset.point)")]
    names = page.locator("#boundary-changes").inner_text()
    assert "体育场北门公厕" in names and "红升社区" in names
    assert point_named(auth, "体育场北门公厕")["properties"]["unit_name"] == "红升社区"
    no_sideways_scroll(page)
    shot(page, "boundaries", width)
    page.click("#save-boundary")
    page.wait_for_selector("#boundary-status:has-text('红色实线')")
    for _ in range(50):  # the points move in the save's transaction; read until the answer shows it
        feats = {f["properties"]["id"]: f for f in auth.get("admin", "/api/v1/points?all=1").json["features"]}
        moved = [feats[pid]["properties"]["community_id"] == yongsheng["id"] for pid in listed]
        if listed and all(moved):
            break
        page.wait_for_timeout(200)
    assert listed and all(moved), (listed, moved)
    stored = next(c for c in auth.get("admin", "/api/v1/communities").json["features"]
                  if c["properties"]["id"] == yongsheng["id"])
    assert stored["geometry"]["coordinates"][0][1] == [126.7437, 42.9722] and not stored["properties"]["demo"]


@pytest.mark.parametrize("width", WIDTHS)
def test_checklist_items_are_added_reordered_and_retired(app, auth, new_context, width):
    page = open_admin(new_context, width, "#/a/checklists/toilet")
    page.wait_for_selector("#items tbody tr[data-code]")
    assert "下次同步" in page.inner_text("#sync-note") and "条目文字" in page.inner_text("#sync-note")
    before = [i["code"] for i in auth.get("admin", "/api/v1/checklists/items?location_type=toilet").json["items"]]
    page.click("#add-item")
    page.click("#item-form button[type=submit]")
    assert page.inner_text("#item-form-text-err") == "请填写条目内容"
    text = f"洗手池配有洗手液，水龙头可正常出水（{width}）"
    page.fill("#item-form-text", text)
    page.fill("#item-form-category", "基础设施")
    page.fill("#item-form-limit_days", "2")
    tf = unit_named(auth, "小区环境创建专班")
    page.select_option("#item-form-unit_id", str(tf["id"]))
    page.select_option("#item-form-severity", "serious")
    page.click("#item-form button[type=submit]")
    page.wait_for_selector(f"#items tr:has-text('{text}')")
    items = auth.get("admin", "/api/v1/checklists/items?location_type=toilet").json["items"]
    new = next(i for i in items if i["text"] == text)
    assert new["code"].startswith("toilet.") and new["unit_id"] == tf["id"] and new["limit_days"] == 2
    assert new["category"] == "基础设施" and new["photo_required"] is True and new["severity"] == "serious"
    assert "严重" in page.inner_text(f"#items tr[data-code='{new['code']}']")
    # Up twice: it moves two places, and the server keeps the order.
    row = f"#items tr[data-code='{new['code']}']"
    page.click(f"{row} [data-action=up]")
    page.wait_for_selector("#order-status:has-text('顺序已保存')")
    page.click(f"{row} [data-action=up]")
    page.wait_for_function(f"""() => {{ const rows = [...document.querySelectorAll('#items tbody tr')];
        return rows.length - 3 === rows.findIndex((r) => r.dataset.code === '{new['code']}'); }}""")
    order = [i["code"] for i in sorted(auth.get("admin", "/api/v1/checklists/items?location_type=toilet").json["items"],
                                       key=lambda i: i["position"])]
    assert order == before[:-2] + [new["code"]] + before[-2:]
    # Retire it: it leaves the phones' checklist.
    page.click(f"{row} [data-action=retire]")
    page.wait_for_selector(f"{row} [data-action=restore]")
    assert new["code"] not in [i["code"] for i in auth.get("admin", "/api/v1/checklists").json["toilet"]]
    no_sideways_scroll(page)
    shot(page, "checklists", width)


@pytest.mark.parametrize("width", WIDTHS)
def test_holidays_are_set_on_the_year_grid_and_the_year_is_published(app, auth, new_context, width):
    page = open_admin(new_context, width, "#/a/holidays/2027")
    page.wait_for_selector(".month-grid")
    assert page.locator(".month").count() == 12
    assert "尚未发布" in page.inner_text("#year-status")
    # 1 January 2027 is a Friday: shown as assumed (推定) while the year is provisional.
    assert "assumed" in page.get_attribute("[data-date='2027-01-01']", "class")
    assert "weekend" in page.get_attribute("[data-date='2027-01-02']", "class")
    # 春节 2027: 6–12 February off, in one go.
    page.click("[data-date='2027-02-06']")
    page.check("#day-form input[value=holiday]")
    page.fill("#day-name", "春节")
    page.fill("#day-span", "7")
    page.screenshot(path=str(SHOTS / f"admin-holidays-dialog-{width}.png"))
    page.click("#day-save")
    page.wait_for_selector("[data-date='2027-02-12'].holiday")
    # Sunday 14 February is a workday (调休上班).
    page.click("[data-date='2027-02-14']")
    page.check("#day-form input[value=workday]")
    page.fill("#day-name", "春节调休上班")
    page.click("#day-save")
    page.wait_for_selector("[data-date='2027-02-14'].workday")
    days = {d["date"]: d for d in auth.get("admin", "/api/v1/calendar/days?year=2027").json["days"]}
    assert all(days[f"2027-02-{n:02d}"] == {"date": f"2027-02-{n:02d}", "kind": "holiday", "name": "春节"}
               for n in range(6, 13))
    assert days["2027-02-14"]["kind"] == "workday"
    # Back to normal.
    page.click("[data-date='2027-02-12']")
    page.check("#day-form input[value=normal]")
    page.click("#day-save")
    page.wait_for_selector("[data-date='2027-02-12']:not(.holiday)")
    assert "2027-02-12" not in {d["date"] for d in auth.get("admin", "/api/v1/calendar/days?year=2027").json["days"]}
    no_sideways_scroll(page)
    shot(page, "holidays", width)
    page.click("#publish-year")
    page.wait_for_selector("#year-status.ok")
    assert auth.get("admin", "/api/v1/calendar/days?year=2027").json["published"] is True
    assert "assumed" not in page.get_attribute("[data-date='2027-01-01']", "class")


@pytest.mark.parametrize("width", WIDTHS)
def test_settings_show_a_preview_of_the_scoring_rule_and_save_the_whole_document(app, auth, new_context, width):
    page = open_admin(new_context, width, "#/a/settings")
    page.wait_for_selector("#preview-table")
    before = auth.get("admin", "/api/v1/settings").json
    page.fill("#s-contact_person", "周主任")
    page.fill("#s-contact_phone", "0432-68880000")
    page.uncheck("#s-prompt_review")
    page.fill("#s-bulletin_cc", "市创建办、街道党工委")  # the weekly bulletin's 抄送
    page.fill("#w-overdue_reply", "5")
    page.wait_for_function("() => document.getElementById('formula').textContent.includes('5×逾期答复')")
    # A grade row without a threshold cannot be applied: said beside it, and not saved.
    page.click("#add-grade")
    page.locator("#grade-rows .grade-row").last.locator("[data-role=name]").fill("待改进")
    page.click("#save-settings")
    page.wait_for_selector("#settings-error:not([hidden])")
    assert page.locator("#grades .field-error:not([hidden])").count() >= 1
    assert auth.get("admin", "/api/v1/settings").json == before
    assert page.input_value("#s-contact_person") == "周主任"  # nothing typed is lost
    page.locator("#grade-rows .grade-row").last.locator("button").click()
    page.locator("#grade-rows .grade-row").first.locator("[data-role=name]").fill("优")
    page.wait_for_function("() => document.querySelector('#preview h3')?.textContent.includes('按此规则')")
    no_sideways_scroll(page)
    shot(page, "settings", width)
    page.click("#save-settings")
    page.wait_for_selector("#saved-note:has-text('已保存')")
    after = auth.get("admin", "/api/v1/settings").json
    assert after["contact_person"] == "周主任" and after["prompt_review"] is False
    assert after["bulletin_cc"] == "市创建办、街道党工委" and after["bulletin_to"] == ""
    assert after["scoring"]["overdue_reply"] == 5 and after["grades"][0]["grade"] == "优"
    assert after["office_name"] == before["office_name"] and after["min_cases"] == before["min_cases"]


@pytest.mark.parametrize("width", WIDTHS)
def test_the_audit_log_lists_changes_with_their_diff_and_filters(app, auth, new_context, width):
    unit = auth.post("admin", "/api/v1/units", json={"name": f"审计测试科{width}", "kind": "office"}).json
    r = auth.client.patch(f"/api/v1/units/{unit['id']}", json={"head": "吴科长"}, headers=auth.headers("admin"))
    assert r.status_code == 200, r.get_data(as_text=True)
    page = open_admin(new_context, width, "#/a/audit")
    page.wait_for_selector("#audit tbody tr[data-entry]")
    first = page.locator("#audit tbody tr").first
    assert "修改单位" in first.inner_text() and "负责人" in first.inner_text() and "吴科长" in first.inner_text()
    assert "系统管理员" in first.inner_text()
    page.fill("#a-action", "unit.create")
    page.press("#a-action", "Enter")
    page.wait_for_function("""() => [...document.querySelectorAll('#audit tbody tr')]
        .every((r) => r.dataset.action === 'unit.create')""")
    assert f"审计测试科{width}" in page.inner_text("#audit")
    total = auth.get("admin", "/api/v1/audit?action=unit.create").json["total"]
    assert f"共 {total} 条" in page.inner_text("#audit-total")
    no_sideways_scroll(page)
    shot(page, "audit", width)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_temporary_password_must_be_changed_at_first_login_and_then_work_goes_on(app, auth, new_context, width):
    made = auth.post("admin", "/api/v1/users", json={"username": f"xinren{width}", "display_name": "新督导员",
                                                     "role": "inspector", "phone": ""})
    assert made.status_code == 201, made.get_data(as_text=True)
    temporary = made.json["temporary_password"]
    context = new_context(viewport={"width": width, "height": 740})
    page = context.new_page()
    page.goto("/")
    page.fill("#username", f"xinren{width}")
    page.fill("#password", temporary)
    page.click("button[type=submit]")
    page.wait_for_selector("#forced-note")
    assert page.evaluate("location.hash") == "#/me/password"
    assert page.is_hidden("#tabs")
    # Nowhere else until changed.
    page.goto("/#/route")
    page.wait_for_selector("#forced-note")
    assert page.evaluate("location.hash") == "#/me/password"
    # A weak password is refused beside the field.
    page.fill("#password-form-old_password", temporary)
    page.fill("#password-form-new_password", "12345678")
    page.fill("#password-form-repeat", "12345678")
    page.click("#password-form button[type=submit]")
    page.wait_for_selector("#password-form-new_password-err:not([hidden])")
    shot(page, "password-forced", width)
    page.fill("#password-form-new_password", "Mingh-2026-xr")
    page.fill("#password-form-repeat", "Mingh-2026-xr")
    page.click("#password-form button[type=submit]")
    page.wait_for_selector("#route-list")  # the inspector's first screen: work goes on
    assert page.is_visible("#tabs")
    assert user_named(auth, f"xinren{width}")["must_change_password"] is False
    r = auth.client.post("/api/v1/auth/login", json={"username": f"xinren{width}", "password": "Mingh-2026-xr"})
    assert r.status_code == 200 and not r.json.get("must_change_password")
    no_sideways_scroll(page)


def test_me_changes_the_own_password(app, auth, new_context):
    context = new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto("/")
    page.fill("#username", "leader")
    page.fill("#password", "pw")
    page.click("button[type=submit]")
    page.wait_for_selector("#kpi-open")
    page.click(".tabs a[href='#/me']")
    page.click("#change-password")
    page.wait_for_selector("#password-form")
    page.fill("#password-form-old_password", "wrong")
    page.fill("#password-form-new_password", "Lingdao-2026!")
    page.fill("#password-form-repeat", "Lingdao-2026!")
    page.click("#password-form button[type=submit]")
    page.wait_for_selector("#password-form-old_password-err:not([hidden])")
    # Repeated differently: caught before sending.
    page.fill("#password-form-old_password", "pw")
    page.fill("#password-form-repeat", "Lingdao-2026?")
    page.click("#password-form button[type=submit]")
    assert "不一致" in page.inner_text("#password-form-repeat-err")
    page.fill("#password-form-repeat", "Lingdao-2026!")
    page.click("#password-form button[type=submit]")
    page.wait_for_selector("#logout")
    assert page.evaluate("location.hash") == "#/me"
    shot(page, "password-me", 360)
    assert auth.client.post("/api/v1/auth/login", json={"username": "leader", "password": "Lingdao-2026!"}).status_code == 200
    assert auth.client.post("/api/v1/auth/login", json={"username": "leader", "password": "pw"}).status_code == 401
