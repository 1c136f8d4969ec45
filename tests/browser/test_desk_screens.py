"""The desk screens a supervisor trusts (issue 12, point 7): map colours and legend, clusters that
show their mix, a mini-map for an unplaced finding, destructive actions that look different and
ask first, whole photos, dates that never wrap, the sync button and the unit's tab label."""
import pytest

from tests.browser.helpers import SHOTS, wait_for
from tests.browser.helpers import sign_in_desk
from tests.helpers.flow import finding_in

ASSIGNED = "rgb(179, 89, 0)"  # 待答复
RECTIFIED = "rgb(10, 127, 90)"  # 待复查
RED = "rgb(208, 0, 0)"


def supervisor_at(desk, path, width=1280, height=900):
    """A supervisor's browser of a width, signed in and at a path; (context, page)."""
    ctx = desk(width, height)
    page = ctx.new_page()
    sign_in_desk(page, "supervisor")
    page.goto(path)
    return ctx, page


def zoom_to(page, lat, lon, zoom=18):
    """Centre the supervision map on a place and wait for the markers to be redrawn."""
    wait_for(page, "!!window.__supervisionMap")
    page.evaluate(f"""() => new Promise((resolve) => {{ const map = window.__supervisionMap;
        map.once('moveend', () => setTimeout(resolve, 600)); map.setView([{lat}, {lon}], {zoom}); }})""")


def test_an_overdue_marker_keeps_its_status_colour_with_a_red_ring_and_the_map_has_a_legend(
        app, auth, desk, clock):
    fid = finding_in(app, auth, "assigned", community="hongsheng")
    clock.set("2026-12-09T10:00:00+08:00")
    f = auth.get("supervisor", f"/api/v1/findings/{fid}").json
    assert f["overdue"]
    for width, height in ((1280, 900), (360, 740)):
        ctx = desk(width, height)
        page = ctx.new_page()
        sign_in_desk(page, "supervisor")
        page.goto("/#/s/map")
        zoom_to(page, f["lat"], f["lon"])
        dot = page.wait_for_selector(f".marker-dot[data-finding='{fid}']")
        style = dot.evaluate("(el) => { const s = getComputedStyle(el); return [s.backgroundColor, s.borderTopColor]; }")
        assert style == [ASSIGNED, RED]  # the status is the fill, overdue the ring
        legend = page.inner_text("#map-legend")
        for label in ("待派发", "待答复", "整改中", "待复查", "逾期"):
            assert label in legend
        swatch = page.eval_on_selector("#map-legend [data-status=assigned] .swatch",
                                       "(el) => getComputedStyle(el).backgroundColor")
        assert swatch == ASSIGNED
        assert page.locator("#map-legend").is_visible()
        page.screenshot(path=str(SHOTS / f"desk-map-legend-{width}.png"))
        ctx.close()


def test_a_cluster_shows_the_mix_of_its_statuses_not_red_for_any_overdue(app, auth, desk, clock):
    late = finding_in(app, auth, "assigned", community="yangguang")
    finding_in(app, auth, "rectified", community="yangguang")  # at the same demo point
    clock.set("2026-12-09T10:00:00+08:00")
    f = auth.get("supervisor", f"/api/v1/findings/{late}").json
    ctx = desk()
    page = ctx.new_page()
    sign_in_desk(page, "supervisor")
    page.goto("/#/s/map")
    zoom_to(page, f["lat"], f["lon"], 17)
    cluster = page.wait_for_selector(".cluster-dot")
    assert cluster.get_attribute("data-mix") == "assigned:1,rectified:1"
    ring = cluster.evaluate("(el) => getComputedStyle(el).backgroundImage")
    assert "conic-gradient" in ring and ASSIGNED in ring and RECTIFIED in ring
    assert page.inner_text(".cluster-dot .count") == "2"
    assert page.inner_text(".cluster-dot .late-count") == "1"  # overdue is a count, not the colour
    page.screenshot(path=str(SHOTS / "desk-map-cluster.png"))
    ctx.close()


def test_an_unassigned_finding_shows_a_mini_map_of_where_it_was_found(app, auth, desk, clock):
    fid = finding_in(app, auth, "unassigned")
    for width in (1280, 360):
        ctx, page = supervisor_at(desk, f"/#/finding/{fid}", width, 800)
        page.wait_for_selector("#assign-form")
        page.wait_for_selector(".minimap.leaflet-container[data-ready] .finding-pin")
        assert page.locator(".minimap path.leaflet-interactive").count() >= 4  # the communities' boundaries
        box = page.locator(".minimap").bounding_box()
        assert box["height"] >= 160 and box["width"] >= 280
        page.screenshot(path=str(SHOTS / f"desk-minimap-{width}.png"), full_page=True)
        ctx.close()


def test_destructive_actions_look_different_and_ask_before_they_act(app, auth, desk, clock):
    fid = finding_in(app, auth, "rectified", community="aihua")
    for width in (1280, 360):
        ctx, page = supervisor_at(desk, f"/#/finding/{fid}", width)
        page.wait_for_selector("#verify-form")
        colour = "(el) => getComputedStyle(el).backgroundColor"
        verify = page.eval_on_selector("#verify-form button[type=submit]", colour)
        reject = page.eval_on_selector("#reject-form button[type=submit]", colour)
        void = page.eval_on_selector("#void-form button[type=submit]", colour)
        assert verify != reject and verify != void
        page.screenshot(path=str(SHOTS / f"desk-actions-{width}.png"), full_page=True)
        ctx.close()
    ctx, page = supervisor_at(desk, f"/#/finding/{fid}")
    page.wait_for_selector("#void-form")
    page.fill("#void-form [name=reason]", "重复录入")
    page.click("#void-form button[type=submit]")
    page.wait_for_selector("dialog#confirm[open]")
    assert "作废" in page.inner_text("dialog#confirm")
    page.screenshot(path=str(SHOTS / "desk-confirm-void.png"))
    page.click("dialog#confirm [data-answer=no]")
    wait_for(page, "!document.querySelector('dialog#confirm[open]')")
    assert auth.get("supervisor", f"/api/v1/findings/{fid}").json["status"] == "rectified"
    page.fill("#reject-form [name=note]", "仍有垃圾")
    page.click("#reject-form button[type=submit]")
    page.wait_for_selector("dialog#confirm[open]")
    page.click("dialog#confirm [data-answer=yes]")
    page.wait_for_selector("[data-status=replied]")
    assert auth.get("supervisor", f"/api/v1/findings/{fid}").json["status"] == "replied"
    ctx.close()


def test_photos_show_whole_on_a_desk_and_open_large(app, auth, desk, clock):
    fid = finding_in(app, auth, "rectified", community="aihua")
    ctx, page = supervisor_at(desk, f"/#/finding/{fid}")
    page.wait_for_selector(".pair img")
    wait_for(page, "[...document.querySelectorAll('.pair img')].every((i) => i.complete && i.naturalWidth)")
    sizes = page.eval_on_selector_all(".pair img", """(imgs) => imgs.map((i) => {
        const r = i.getBoundingClientRect(); return [r.width, r.height, i.naturalWidth, i.naturalHeight,
        getComputedStyle(i).objectFit]; })""")
    for w, h, nw, nh, fit in sizes:
        assert h > 120 and fit != "cover"
        assert abs(w / h - nw / nh) < 0.05  # the whole picture, not a strip of it
    page.click(".pair img")
    page.wait_for_selector("dialog#lightbox[open] img")
    page.screenshot(path=str(SHOTS / "desk-lightbox.png"))
    page.keyboard.press("Escape")
    wait_for(page, "!document.querySelector('dialog#lightbox[open]')")
    ctx.close()


def test_ledger_dates_never_wrap_and_the_source_shows(app, auth, desk, clock):
    finding_in(app, auth, "assigned", community="aihua")
    for width in (360, 1280):
        ctx, page = supervisor_at(desk, "/#/s/ledger", width, 800)
        page.wait_for_selector("#ledger tbody tr")
        lines = page.eval_on_selector_all("#ledger tbody td.date", """(cells) => cells.map((c) => {
            const r = document.createRange(); r.selectNodeContents(c);
            return new Set([...r.getClientRects()].map((x) => Math.round(x.top))).size; })""")
        assert lines and all(n == 1 for n in lines)
        headers = page.eval_on_selector_all("#ledger thead th", "(t) => t.map((x) => x.textContent)")
        assert any("来源" in x for x in headers)
        assert "日常督查" in page.inner_text("#ledger tbody")
        page.screenshot(path=str(SHOTS / f"desk-ledger-{width}.png"), full_page=True)
        ctx.close()


def test_only_roles_with_an_outbox_see_the_sync_button_and_units_read_their_own_label(app, auth, desk, clock):
    seen = {}
    for username in ("leader", "admin", "supervisor", "zhuanban", "yongsheng"):
        ctx = desk(360, 740)
        page = ctx.new_page()
        sign_in_desk(page, username)
        page.wait_for_load_state("networkidle")
        seen[username] = (page.locator("#sync-button").is_visible(), page.inner_text(".tabs a >> nth=0"))
        if username == "zhuanban":
            page.screenshot(path=str(SHOTS / "desk-unit-tabs-360.png"))
        ctx.close()
    assert seen["leader"][0] is False and seen["admin"][0] is False
    assert seen["supervisor"][0] is True and seen["yongsheng"][0] is True
    assert seen["zhuanban"][1] == "本单位问题" and seen["yongsheng"][1] == "本社区问题"


def test_a_supervisor_records_a_public_report_at_the_desk_by_a_pin_on_the_map(app, auth, desk, clock, tmp_path):
    from tests.browser.helpers import jpeg_file
    from tests.helpers.records import demo_point

    inside = demo_point(app, "street", "yongsheng")
    ctx = desk()
    page = ctx.new_page()
    sign_in_desk(page, "supervisor")
    page.wait_for_selector("#record-link")
    page.click("#record-link")
    page.wait_for_selector("#r-map.leaflet-container")
    page.select_option("#r-source", "public")
    # Drop the pin next to a point of 永胜 (inside its boundary).
    xy = page.evaluate(f"""() => {{ const el = document.getElementById('r-map'); const r = el.getBoundingClientRect();
        return [r.left + r.width / 2, r.top + r.height / 2]; }}""")
    page.evaluate(f"""() => new Promise((resolve) => {{ const m = document.querySelector('#r-map');
        const map = window.__recordMap; map.once('moveend', () => resolve()); map.setView([{inside.lat + 0.0003}, {inside.lon + 0.0003}], 18); }})""")
    page.mouse.click(xy[0] + 3, xy[1] + 3)
    wait_for(page, "document.getElementById('r-where').textContent.startsWith('地图标注')")
    page.fill("#r-address", "建设街东段 12 号门前")
    page.fill("#r-text", "井盖缺失，存在安全隐患")
    page.fill("#r-note", "市民来电反映")
    page.set_input_files("#record-form input[type=file]", jpeg_file(tmp_path, "citizen.jpg"))
    page.wait_for_selector("#r-photos img")
    page.screenshot(path=str(SHOTS / "desk-record-1280.png"), full_page=True)
    page.click("#record-form button[type=submit]")
    page.wait_for_selector("#finding-panel [data-status=assigned]")
    text = page.inner_text("#finding-panel")
    assert "群众反映" in text and "井盖缺失" in text and "建设街东段 12 号门前" in text
    fid = page.get_attribute("#finding-panel [data-finding]", "data-finding")
    f = auth.get("supervisor", f"/api/v1/findings/{fid}").json
    assert (f["source_code"], f["unit_name"], len(f["photos"])) == ("public", "永胜社区", 1)
    ctx.close()


def _desk_entry_at(ctx, point):
    """A supervisor's 录入问题 form for a 上级交办 problem of the first item at a registered point."""
    page = ctx.new_page()
    sign_in_desk(page, "supervisor")
    page.goto("/#/s/record")
    page.wait_for_selector("#r-map.leaflet-container")
    page.select_option("#r-source", "assigned")
    page.select_option("#r-point", str(point.id))
    page.select_option("#r-item", index=1)
    return page


def test_at_phone_width_a_desk_entry_at_a_registered_point_names_its_unit(app, auth, desk, clock):
    from tests.helpers.records import demo_point

    point = demo_point(app, "street", "hongsheng")
    team = [u for u in auth.get("supervisor", "/api/v1/units").json["items"] if u["kind"] == "task_force"][0]
    ctx = desk(360, 740)
    page = _desk_entry_at(ctx, point)
    assert page.is_disabled("#r-type")
    page.select_option("#r-unit", str(team["id"]))
    page.screenshot(path=str(SHOTS / "desk-record-360.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= 360")
    page.click("#record-form button[type=submit]")
    page.wait_for_selector("#finding-panel [data-status=assigned]")
    fid = page.get_attribute("#finding-panel [data-finding]", "data-finding")
    f = auth.get("supervisor", f"/api/v1/findings/{fid}").json
    assert (f["source"], f["point_id"], f["unit_id"], f["assignment"]["method"]) == ("上级交办", point.id, team["id"], "manual")
    ctx.close()


def test_reports_pick_a_week_last_month_and_a_day_read_by_rank_and_publish_a_numbered_bulletin(app, auth, desk, clock):
    from tests.helpers.flow import act, ok, push_finding

    app.config["REPORT_MIN_CASES"] = 1
    for community in ("aihua", "hongsheng"):
        push_finding(app, auth, community)
    reworked = finding_in(app, auth, "rectified", community="yongsheng")  # 永胜 comes first by id…
    ok(act(auth, "supervisor", reworked, "reject", note="仍未整改"))  # …and last by rank (返工)
    clock.set("2026-12-01T09:00:00+08:00")
    for width in (1280, 360):
        ctx, page = supervisor_at(desk, "/#/s/reports", width)
        page.wait_for_selector("#weekly tbody tr")
        assert page.input_value("#week") == "2026-W49" and page.is_disabled("#publish")  # a running week
        page.fill("#week", "2026-W48")
        wait_for(page, "document.querySelector('#print-weekly').getAttribute('href') === '/reports/weekly?week=2026-W48'")
        ranks = page.eval_on_selector_all("#weekly tbody tr td:first-child", "(tds) => tds.map((t) => t.textContent)")
        names = page.eval_on_selector_all("#weekly tbody tr td:nth-child(2)", "(tds) => tds.map((t) => t.textContent)")
        assert ranks[:3] == ["1", "1", "3"] and names[2] == "永胜社区"  # by rank, not by id
        assert page.locator("#weekly-task_force tbody tr").count() >= 1
        if width == 1280:
            asked = []
            page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
            page.click("#publish")  # asked first; dismissed, nothing is numbered
            wait_for(page, "() => true")
            assert asked and "不能撤回" in asked[0] and not page.is_disabled("#publish")
            assert auth.get("supervisor", "/api/v1/reports/weekly?week=2026-W48").json["issue"] is None
            page.once("dialog", lambda d: d.accept())
            page.click("#publish")
            page.wait_for_selector("#issue.issue-line")
            assert page.inner_text("#issue") == "已发布：2026年第1期"
        else:
            assert page.inner_text("#issue") == "已发布：2026年第1期"
        page.click("#last-month")
        wait_for(page, "document.querySelector('#month').value === '2026-11'")
        assert page.locator("a[href='/reports/monthly?month=2026-11']").count() == 1
        page.fill("#day", "2026-11-28")
        wait_for(page, "!!document.querySelector(\"a[href='/reports/coverage?date=2026-11-28']\")")
        assert page.input_value("#week") == "2026-W48" and page.input_value("#month") == "2026-11"
        page.screenshot(path=str(SHOTS / f"desk-reports-{width}.png"), full_page=True)
        if width == 360:
            assert page.evaluate("document.documentElement.scrollWidth <= 360")
        else:
            page.goto("/reports/weekly?week=2026-W48")
            page.wait_for_selector("#issue-number")
            page.screenshot(path=str(SHOTS / "desk-bulletin-print.png"), full_page=True)
        ctx.close()
    printed = auth.get("supervisor", "/reports/weekly?week=2026-W48").get_data(as_text=True)
    assert "2026年第1期" in printed


def test_a_desk_entry_from_a_laptop_on_london_time_keeps_the_beijing_time_typed(app, auth, new_context, clock):
    """发现时间 is typed and shown in Beijing time whatever zone the browser is set to (the
    ledger and the letters speak Beijing time)."""
    from tests.helpers.records import demo_point

    point = demo_point(app, "street", "aihua")
    page = _desk_entry_at(new_context(viewport={"width": 1280, "height": 900}, timezone_id="Europe/London"), point)
    page.fill("#r-found", "2026-11-27T09:00")
    page.click("#record-form button[type=submit]")
    page.wait_for_selector("#finding-panel [data-status]")
    fid = page.get_attribute("#finding-panel [data-finding]", "data-finding")
    assert auth.get("supervisor", f"/api/v1/findings/{fid}").json["found_at"] == "2026-11-27T09:00:00+08:00"
    assert "2026-11-27 09:00:00" in page.inner_text("#finding-panel")


@pytest.mark.parametrize("width", [360, 1280])
def test_a_verification_someone_else_made_first_redraws_the_problem_and_says_why_in_chinese(app, auth, desk, clock, width):
    from tests.helpers.flow import act, ok

    fid = finding_in(app, auth, "rectified", community="aihua")
    ctx, page = supervisor_at(desk, f"/#/finding/{fid}", width)
    page.wait_for_selector("#verify-form")
    ok(act(auth, "supervisor", fid, "verify", note="另一位督导员已复查"))  # meanwhile, elsewhere
    page.fill("#verify-form textarea", "现场复核已整改")
    page.click("#verify-form button[type=submit]")
    page.wait_for_selector("#action-refused")
    assert "未通过" in page.inner_text("#action-refused") and "已销号" in page.inner_text("#action-refused")
    assert page.locator("#verify-form").count() == 0  # the page shows the problem as it is now
    assert page.evaluate(f"document.documentElement.scrollWidth <= {width}")
    page.screenshot(path=str(SHOTS / f"desk-action-refused-{width}.png"), full_page=True)
    page.goto("/#/outbox")
    row = page.wait_for_selector("[data-state=rejected] .errors")
    assert "已销号" in row.inner_text() and "action" not in row.inner_text()
    ctx.close()
