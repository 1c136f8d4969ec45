"""Community and supervision in the browser: reply, rectify with a photo, the map, verify from the desk."""
from tests.browser.helpers import SHOTS, jpeg_file, sign_in_desk, wait_for
from tests.helpers.flow import REPLY, finding_in


def test_a_community_replies_and_rectifies_with_a_photo(app, auth, desk, tmp_path, clock):
    fid = finding_in(app, auth, "assigned", community="aihua")
    ctx = desk(390, 844)
    page = ctx.new_page()
    sign_in_desk(page, "aihua")
    page.wait_for_selector(f"#findings [data-finding='{fid}']")
    page.click(f"#findings [data-finding='{fid}']")
    page.wait_for_selector("#reply-form")
    assert page.locator(".pair img").count() >= 1  # the before photo
    page.fill("#reply-form [name=measures]", REPLY["measures"])
    page.fill("#reply-form [name=responsible]", "赵敏")
    page.fill("#reply-form [name=phone]", "13900000000")
    page.fill("#reply-form [name=planned_date]", "2026-12-10")
    page.click("#reply-form button[type=submit]")
    page.wait_for_selector("[data-status=replied]")
    assert auth.get("supervisor", f"/api/v1/findings/{fid}").json["status"] == "replied"
    page.locator("#rectify-form input[type=file]").set_input_files(jpeg_file(tmp_path, "after.jpg", color=(20, 160, 60)))
    page.wait_for_selector("#after-photos img")
    page.fill("#rectify-form [name=note]", "已清理完毕")
    page.click("#rectify-form button[type=submit]")
    page.wait_for_selector("[data-status=rectified]")
    f = auth.get("supervisor", f"/api/v1/findings/{fid}").json
    assert f["status"] == "rectified" and [p["stage"] for p in f["photos"]] == ["before", "after"]
    ctx.close()


def test_the_supervision_map_shows_a_finding_and_a_verify_takes_it_off(app, auth, desk, clock):
    fid = finding_in(app, auth, "rectified", community="yangguang")
    f = auth.get("supervisor", f"/api/v1/findings/{fid}").json
    ctx = desk()
    page = ctx.new_page()
    sign_in_desk(page, "supervisor")
    page.goto("/#/s/map")
    page.wait_for_selector("#smap")
    # Zoom to the finding so it is drawn as itself, not inside a cluster.
    wait_for(page, "!!window.__supervisionMap")
    page.evaluate(f"""() => new Promise((resolve) => {{
        const map = window.__supervisionMap; map.once('moveend', () => setTimeout(resolve, 600));
        map.setView([{f['lat']}, {f['lon']}], 18); }})""")
    dot = page.wait_for_selector(f".marker-dot[data-finding='{fid}']")
    colour = dot.evaluate("(el) => getComputedStyle(el).backgroundColor")
    assert colour == "rgb(10, 127, 90)"  # 待复查, not overdue
    box = dot.bounding_box()
    centre = page.evaluate(f"""() => {{ const p = window.__supervisionMap.latLngToContainerPoint([{f['lat']}, {f['lon']}]);
        const r = document.getElementById('smap').getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }}""")
    assert abs(box["x"] + box["width"] / 2 - centre[0]) < 3 and abs(box["y"] + box["height"] / 2 - centre[1]) < 3
    dot.click()
    page.wait_for_selector("#side .pair img")
    shown = page.eval_on_selector_all("#side .pair figure", "(figs) => figs.map((f) => f.querySelectorAll('img').length)")
    assert shown[:2] == [1, 1]  # before and after, side by side
    page.fill("#verify-form [name=note]", "现场已整改到位")
    page.click("#verify-form button[type=submit]")
    page.wait_for_selector("#side [data-status=closed]")
    page.evaluate("""() => new Promise((resolve) => { const map = window.__supervisionMap;
        map.once('moveend', () => setTimeout(resolve, 600)); map.panBy([1, 0]); })""")
    assert page.locator(f".marker-dot[data-finding='{fid}']").count() == 0
    assert auth.get("supervisor", f"/api/v1/findings/{fid}").json["status"] == "closed"
    ctx.close()


def test_an_overdue_finding_is_ringed_red_on_the_map(app, auth, desk, clock):
    fid = finding_in(app, auth, "assigned", community="hongsheng")
    clock.set("2026-12-09T10:00:00+08:00")
    f = auth.get("supervisor", f"/api/v1/findings/{fid}").json
    assert f["overdue"]
    ctx = desk()
    page = ctx.new_page()
    sign_in_desk(page, "supervisor")
    page.goto("/#/s/map")
    wait_for(page, "!!window.__supervisionMap")
    page.evaluate(f"""() => new Promise((resolve) => {{ const map = window.__supervisionMap;
        map.once('moveend', () => setTimeout(resolve, 600)); map.setView([{f['lat']}, {f['lon']}], 18); }})""")
    dot = page.wait_for_selector(f".marker-dot[data-finding='{fid}']")
    # Issue 12: the status stays the fill (待答复), overdue is the red ring.
    assert dot.evaluate("(el) => getComputedStyle(el).borderTopColor") == "rgb(208, 0, 0)"
    assert dot.evaluate("(el) => getComputedStyle(el).backgroundColor") == "rgb(179, 89, 0)"
    ctx.close()



def test_the_ledger_filters_and_exports_to_excel_with_progress(app, auth, desk, clock, tmp_path):
    import openpyxl

    mine = [finding_in(app, auth, "assigned", community="aihua") for _ in range(2)]
    finding_in(app, auth, "assigned", community="hongsheng")
    ctx = desk()
    page = ctx.new_page()
    sign_in_desk(page, "supervisor")
    page.goto("/#/s/ledger")
    page.wait_for_selector("#ledger tbody tr")
    aihua = str(auth.get("supervisor", f"/api/v1/findings/{mine[0]}").json["community_id"])
    page.select_option("#l-community_id", aihua)
    wait_for(page, "document.querySelector('#ledger-total').textContent.startsWith('共 2 条')")
    page.click("#export-xlsx")
    link = page.wait_for_selector("#download", timeout=30000)
    assert "2 条" in link.inner_text()
    with page.expect_download() as info:
        link.click()
    path = tmp_path / "ledger.xlsx"
    info.value.save_as(path)
    sheet = openpyxl.load_workbook(path).worksheets[0]
    codes = sorted(sheet.cell(row=r, column=1).value for r in range(2, sheet.max_row + 1))
    expected = sorted(auth.get("supervisor", f"/api/v1/findings/{i}").json["code"] for i in mine)
    assert codes == expected
    ctx.close()


def test_the_leaders_page_shows_counts_trend_ranking_and_prompt_letters(app, auth, desk, clock):
    finding_in(app, auth, "assigned", community="yongsheng")
    clock.set("2026-12-09T10:00:00+08:00")
    with app.app_context():
        from server.extensions import db
        from server.services.deadlines import sweep
        from server.timeutil import utcnow
        from server.services.prompts import issue_draft
        [draft] = sweep(utcnow())  # one letter for the unit: reply and rectification both overdue
        issue_draft(draft.id, utcnow())
        db.session.commit()
    ctx = desk()
    page = ctx.new_page()
    sign_in_desk(page, "leader")
    page.wait_for_selector("#prompts .prompt-card")
    assert page.inner_text("#kpi-open") == "1" and page.inner_text("#kpi-overdue") == "1"
    assert page.locator("#prompts .prompt-card").count() == 1
    assert page.locator("#prompts .problem-lines li").count() == 2
    assert page.locator("#trend tbody tr").count() == 4
    assert page.locator("#ranking tbody tr").count() == 4
    ctx.close()


def test_a_community_rectifies_offline_on_site_and_it_lands_once_online(app, auth, desk, tmp_path, clock):
    fid = finding_in(app, auth, "replied", community="yongsheng")
    ctx = desk(390, 844)
    page = ctx.new_page()
    sign_in_desk(page, "yongsheng")
    page.wait_for_selector(f"#findings [data-finding='{fid}']")
    page.evaluate("navigator.serviceWorker.ready")
    page.reload()
    wait_for(page, "!!navigator.serviceWorker.controller")
    page.wait_for_selector(f"#findings [data-finding='{fid}']")
    ctx.set_offline(True)
    page.click(f"#findings [data-finding='{fid}']")
    page.wait_for_selector("#rectify-form")
    page.locator("#rectify-form input[type=file]").set_input_files(jpeg_file(tmp_path, "fixed.jpg", color=(30, 150, 70)))
    page.wait_for_selector("#after-photos img")
    page.fill("#rectify-form [name=note]", "已清理")
    page.click("#rectify-form button[type=submit]")
    wait_for(page, "document.getElementById('outbox-count').textContent === '1'")
    assert auth.get("supervisor", f"/api/v1/findings/{fid}").json["status"] == "replied"
    ctx.set_offline(False)
    page.click("#sync-button")
    wait_for(page, "document.getElementById('outbox-count').textContent === '0'", timeout=20000)
    f = auth.get("supervisor", f"/api/v1/findings/{fid}").json
    assert f["status"] == "rectified" and [p["stage"] for p in f["photos"]] == ["before", "after"]
    assert [h["action"] for h in f["history"]].count("rectify") == 1
    ctx.close()


def test_the_reports_screen_shows_this_weeks_bulletin_and_print_links(app, auth, desk, clock):
    ctx = desk()
    page = ctx.new_page()
    sign_in_desk(page, "supervisor")
    page.goto("/#/s/reports")
    page.wait_for_selector("#weekly tbody tr")
    assert page.locator("#weekly tbody tr").count() == 4
    week = page.input_value("#week")
    assert page.locator(f"a[href='/reports/weekly?week={week}']").count() == 1
    ctx.close()


def test_the_reports_screen_takes_its_defaults_from_beijing_time_not_utc(app, auth, desk, clock):
    # 07:30 in Beijing on 1 December is still 30 November in UTC.
    clock.set("2026-12-01T07:30:00+08:00")
    ctx = desk(360, 740)
    page = ctx.new_page()
    sign_in_desk(page, "supervisor")
    page.goto("/#/s/reports")
    page.wait_for_selector("#weekly tbody tr")
    assert page.input_value("#week") == "2026-W49"
    assert page.locator("a[href='/reports/monthly?month=2026-12']").inner_text() == "打印 2026-12 月度考评"
    assert page.locator("a[href='/reports/coverage?date=2026-12-01']").inner_text() == "打印 2026-12-01 点位覆盖"
    page.screenshot(path=str(SHOTS / "reports-360.png"), full_page=True)


def test_the_reports_screen_follows_the_servers_day_when_the_phone_clock_is_wrong(app, auth, desk, clock):
    ctx = desk()
    ctx.clock.set_system_time("2027-03-05T12:00:00+08:00")  # the desk's clock is three months ahead
    page = ctx.new_page()
    sign_in_desk(page, "supervisor")
    page.goto("/#/s/reports")
    page.wait_for_selector("#weekly tbody tr")
    assert page.input_value("#week") == "2026-W48"  # the server says 2026-11-27
    assert page.locator("a[href='/reports/monthly?month=2026-11']").count() == 1


CSP_WATCH = """window.__csp = []; document.addEventListener('securitypolicyviolation',
    (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"""


def test_every_screen_runs_under_the_content_security_policy(app, auth, desk, clock):
    fid = finding_in(app, auth, "rectified", community="yongsheng")
    ctx = desk()
    ctx.add_init_script(CSP_WATCH)
    page = ctx.new_page()
    sign_in_desk(page, "supervisor")
    seen = []
    for hash_ in ("#/s/map", "#/s/queue", "#/s/ledger", "#/s/reports", f"#/finding/{fid}", "#/me"):
        page.goto("/" + hash_)
        page.wait_for_selector("#view > *")
        page.wait_for_load_state("networkidle")
        seen += page.evaluate("window.__csp")
    letter = auth.get("supervisor", "/api/v1/letters").json["items"][0]
    page.goto(f"/letters/{letter['id']}")
    page.wait_for_selector("button[data-print]")
    seen += page.evaluate("window.__csp")
    assert page.evaluate("typeof window.__csp") == "object" and seen == []
    policy = page.evaluate("fetch('/').then((r) => r.headers.get('Content-Security-Policy'))")
    assert "script-src 'self';" in policy
    # The watcher does see a violation: an inline script is blocked and reported.
    page.evaluate("document.body.append(Object.assign(document.createElement('script'), {textContent: 'window.x = 1'}))")
    page.wait_for_timeout(200)
    assert page.evaluate("window.x") is None and page.evaluate("window.__csp").__len__() == 1


def test_a_finding_page_shows_no_stray_null_and_leads_each_role_back_home(app, auth, desk, clock):
    fid = finding_in(app, auth, "assigned", community="hongsheng")
    for username, home in (("supervisor", "#/s/map"), ("leader", "#/l/home"), ("hongsheng", "#/c/list")):
        ctx = desk()
        page = ctx.new_page()
        sign_in_desk(page, username)
        page.wait_for_load_state("networkidle")  # the home screen has drawn (the router does not cancel it)
        page.goto(f"/#/finding/{fid}")
        page.wait_for_selector("#finding-panel [data-status]")
        assert "null" not in page.inner_text("#view")
        assert page.get_attribute("#back-link", "href") == home
        ctx.close()


def test_a_slow_screen_left_behind_does_not_draw_over_the_next_one(app, auth, desk, clock, monkeypatch):
    import time

    import server.api.reports_views as views

    ctx = desk()
    page = ctx.new_page()
    sign_in_desk(page, "leader")
    page.wait_for_load_state("networkidle")
    real = views.build_monthly

    def slow(*args, **kwargs):
        """The leaders' page waits on a slow monthly report."""
        time.sleep(1.5)
        return real(*args, **kwargs)

    page.goto("/#/me")
    page.wait_for_selector("#logout")
    monkeypatch.setattr(views, "build_monthly", slow)
    page.goto("/#/l/home")
    page.wait_for_timeout(200)
    page.goto("/#/me")  # moved on while 总览 is still loading
    page.wait_for_selector("#logout")
    page.wait_for_timeout(2500)  # the slow report has long arrived by now
    assert page.inner_text("#view h1") == "我的" and page.locator("#logout").count() == 1
