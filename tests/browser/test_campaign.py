"""信息报送 and 责任清单 in the browser: units submit and complete, the task force reviews, issues
and ranks, an overdue duty item costs the configured points in the monthly grade."""
from tests.browser.helpers import SHOTS, jpeg_file, wait_for
from tests.browser.helpers import sign_in_desk as _sign_in


def sign_in_desk(page, username):
    """Sign in and let the home screen finish drawing (a late draw would replace the next screen)."""
    _sign_in(page, username)
    page.wait_for_load_state("networkidle")

MONDAY = "2026-12-07T09:00:00+08:00"  # 2026-W50, the first half of December
THURSDAY = "2026-12-10T10:00:00+08:00"


def submit_item(page, title, tmp_path=None):
    """Fill and send the submission form; wait until it is listed."""
    before = page.locator("#my-submissions li").count()
    page.fill("#s-title", title)
    page.select_option("#s-kind", "news")
    page.fill("#s-body", f"{title}：组织志愿者清理楼道杂物，覆盖 3 个小区。")
    if tmp_path is not None:
        page.locator("#submit-form input[type=file]").set_input_files(jpeg_file(tmp_path, "event.jpg"))
        page.wait_for_selector("#submission-photos img")
    page.click("#submit-form button[type=submit]")
    wait_for(page, f"document.querySelectorAll('#my-submissions li').length > {before}")


def test_submissions_ranked_and_an_overdue_duty_item_costs_points(app, auth, desk, clock, tmp_path):
    clock.set(MONDAY)
    unit = desk(360, 760).new_page()
    sign_in_desk(unit, "yongsheng")
    unit.goto("/#/c/campaign")
    unit.wait_for_selector("#submit-form")
    submit_item(unit, "楼道清理行动", tmp_path)
    submit_item(unit, "文明实践站开放日")
    unit.screenshot(path=str(SHOTS / "campaign-flow-submit-360.png"), full_page=True)
    mine = auth.get("yongsheng", "/api/v1/submissions").json
    assert mine["total"] == 2 and mine["items"][1]["photo_ids"]

    sup = desk(1280, 900).new_page()
    sign_in_desk(sup, "supervisor")
    sup.goto("/#/s/campaign")
    sup.wait_for_selector("#submission-ranking")
    form = sup.locator(".review-form").first
    form.locator("[name=level]").select_option("city")
    form.locator("[name=note]").fill("市创城简报采用")
    form.locator("button[type=submit]").click()
    wait_for(sup, "document.querySelectorAll('.review-form').length === 1")
    sup.wait_for_selector("#submissions .state.adopted")
    first = sup.locator("#submission-ranking tbody tr").first
    assert "永胜社区" in first.inner_text() and first.locator("td").first.inner_text() == "1"
    zb = sup.locator("#submission-ranking tbody tr", has_text="小区环境创建专班")
    assert "未达最低要求" in zb.inner_text() and "late" in zb.get_attribute("class")
    sup.screenshot(path=str(SHOTS / "campaign-flow-review-1280.png"), full_page=True)

    # Monday: a list for this week with one item due Wednesday.
    sup.goto("/#/s/campaign/duty")
    sup.wait_for_selector("#issue-form")
    sup.select_option("#d-unit", label="永胜社区")
    assert sup.input_value("#d-period") == "2026-W50"
    row = sup.locator("#d-items .duty-item-row").first
    row.locator("[name=text]").fill("清理建设街背街堆积物")
    row.locator("[name=indicator]").fill("无乱堆乱放")
    row.locator("[name=due]").fill("2026-12-09")
    sup.click("#issue-form button[type=submit]")
    sup.wait_for_selector("#duty-lists [data-list]")
    sup.screenshot(path=str(SHOTS / "campaign-flow-issue-1280.png"), full_page=True)

    # Thursday: the item is overdue, in red, for the unit and in the report.
    clock.set(THURSDAY)
    unit.goto("/#/c/list")
    unit.wait_for_selector("#home-duty-reminder")
    unit.goto("/#/c/campaign/duty")
    late = unit.wait_for_selector("#duty-lists li.late")
    assert "已逾期" in late.inner_text()
    colour = unit.locator("#duty-lists li.late").evaluate("(el) => getComputedStyle(el).borderLeftColor")
    assert colour.startswith("rgb(") and colour != "rgb(0, 0, 0)"
    unit.screenshot(path=str(SHOTS / "campaign-flow-duty-360.png"), full_page=True)

    weights = auth.get("supervisor", "/api/v1/settings").json["scoring"]
    sup.goto("/#/s/reports")
    row = sup.wait_for_selector("#monthly tr:has-text('永胜社区')")
    assert f"责任清单逾期 -{weights['overdue_duty_item']}" in row.inner_text()
    # 100, plus the adopted item's bonus, minus the overdue duty item's points.
    score = weights["base"] + weights["adopted_submission"] - weights["overdue_duty_item"]
    assert row.query_selector_all("td")[3].inner_text() == f"{score}"
    assert auth.get("supervisor", "/api/v1/reports/monthly?month=2026-12").json["units"][0]["score"] == score
    sup.screenshot(path=str(SHOTS / "reports-monthly-terms-1280.png"), full_page=True)

    # The printable 责任提示清单 (A4, printed with /js/print.js: no inline script).
    lid = auth.get("supervisor", "/api/v1/duty-lists?period=2026-W50").json["items"][0]["id"]
    sup.goto(f"/duty-lists/{lid}")
    sup.wait_for_selector("button[data-print]")
    assert "已逾期" in sup.inner_text("table")
    sup.screenshot(path=str(SHOTS / "duty-list-print.png"), full_page=True)


SCREENS = [("yongsheng", "/#/c/campaign", "#submit-form", "campaign-submit"),
           ("yongsheng", "/#/c/campaign/duty", "#campaign-nav", "campaign-duty"),
           ("supervisor", "/#/s/campaign", "#submission-ranking", "campaign-review"),
           ("supervisor", "/#/s/campaign/duty", "#issue-form", "campaign-issue"),
           ("leader", "/#/s/yearly", "#yearly-community", "yearly")]


def test_every_campaign_screen_fits_a_phone_and_a_desk(app, auth, desk, clock):
    clock.set(MONDAY)
    auth.post("zhuanban", "/api/v1/submissions", json={"title": "专班周例会", "kind": "news", "body": "部署本周工作"})
    clock.set("2026-12-13T10:00:00+08:00")  # the last three days of the half-month
    for width, height in ((360, 760), (1280, 900)):
        pages = {}
        for user, path, selector, name in SCREENS:
            if user not in pages:
                pages[user] = desk(width, height).new_page()
                sign_in_desk(pages[user], user)
            page = pages[user]
            page.goto(path)
            page.wait_for_selector(selector)
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, (name, width, overflow)
            page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        # A unit with nothing submitted sees the reminder on its home screen.
        home = pages["yongsheng"]
        home.goto("/#/c/list")
        home.wait_for_selector("#home-submit-reminder")
        home.screenshot(path=str(SHOTS / f"campaign-reminder-{width}.png"))
