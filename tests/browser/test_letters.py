"""Letters in the browser: a leader reads a prompt and records an instruction the community sees;
a community answers a whole notice on one screen; every letter kind prints to A4, nothing cut off."""
import re

from tests.api.test_letters_plan import REPLY, two_problem_notice
from tests.browser.helpers import SHOTS, wait_for
from tests.browser.helpers import sign_in_desk
from tests.helpers.flow import act, ok, sweep_at, upload
from tests.helpers.records import demo_point, inspection, result

INSTRUCTION = "请永胜社区主要负责同志亲自督办，12月11日前整改到位并书面报告。"


def test_a_leader_reads_a_prompt_and_records_an_instruction_the_community_sees(app, auth, desk, clock):
    a, b = two_problem_notice(app, auth)[1]
    two_problem_notice(app, auth, "hongsheng")
    sweep_at(app, "2026-12-02T07:00:00+08:00", issue=False)
    clock.set("2026-12-02T09:30:00+08:00")

    # The task force reviews the draft in 待处理 and issues it.
    ctx = desk()
    page = ctx.new_page()
    page.on("dialog", lambda d: d.accept())
    sign_in_desk(page, "supervisor")
    page.goto("/#/s/queue")
    page.wait_for_selector("#prompt-drafts .prompt-card")
    assert page.locator("#prompt-drafts .prompt-card").count() == 2  # one per unit
    page.click("#prompt-drafts .prompt-card:has-text('永胜社区') a")
    page.wait_for_selector("#draft-review")
    assert page.locator("#draft-review tbody tr").count() == 2
    page.screenshot(path=str(SHOTS / "letters-draft-review-desk.png"), full_page=True)
    page.click("#draft-issue")
    page.wait_for_selector("#instructions")
    number = page.inner_text("h1")
    assert "明桦创城提〔2026〕1号" in number
    ctx.close()

    # A leader on a phone: the prompts by unit, the letter, an instruction.
    ctx = desk(360, 740)
    page = ctx.new_page()
    sign_in_desk(page, "leader")
    page.wait_for_selector("#prompts .prompt-card")
    assert "永胜社区" in page.inner_text("#prompts") and page.locator("#prompts .problem-lines li").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(SHOTS / "letters-leader-home-360.png"), full_page=True)
    page.click("#prompts .prompt-card a")
    page.wait_for_selector("#instruction-form")
    assert page.locator(".problems tbody tr").count() == 2
    page.fill("#instruction-text", INSTRUCTION)
    page.click("#instruction-form button[type=submit]")
    wait_for(page, "document.querySelector('#instructions') && document.querySelector('#instructions').innerText.includes('亲自督办')")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(SHOTS / "letters-leader-instruction-360.png"), full_page=True)
    ctx.close()

    # The community sees the instruction on its list (desktop) and on the finding (phone).
    for width, name in ((1280, "desk"), (360, "360")):
        ctx = desk(width, 900)
        page = ctx.new_page()
        sign_in_desk(page, "yongsheng")
        page.wait_for_selector("#unit-prompts .instruction")
        assert INSTRUCTION in page.inner_text("#unit-prompts")
        assert "hongsheng" not in page.inner_text("#unit-prompts")
        page.screenshot(path=str(SHOTS / f"letters-community-prompts-{name}.png"), full_page=True)
        if width == 360:
            page.goto(f"/#/finding/{a}")
            page.wait_for_selector(".history")
            assert INSTRUCTION in page.inner_text(".history")
        ctx.close()

    # Still not answered after the prompt's new date (Fri 4 Dec): 督办, a 约谈 candidate for the leaders.
    sweep_at(app, "2026-12-07T07:00:00+08:00", issue=False)
    ctx = desk()
    page = ctx.new_page()
    sign_in_desk(page, "leader")
    page.wait_for_selector("#escalations table")
    assert "永胜社区" in page.inner_text("#escalations") and page.locator("#escalations td a").count() == 2
    page.screenshot(path=str(SHOTS / "letters-leader-home-desk.png"), full_page=True)
    ctx.close()


def test_a_draft_shows_what_was_fixed_since_and_issues_without_it(app, auth, desk, clock):
    """Drafts of two units; problems answered before review are marked 已答复 and left out
    of the letter; a unit's draft with everything answered says there is nothing to issue."""
    a, b = two_problem_notice(app, auth)[1]
    c, d = two_problem_notice(app, auth, "hongsheng")[1]
    sweep_at(app, "2026-12-02T07:00:00+08:00", issue=False)
    clock.set("2026-12-02T09:30:00+08:00")
    ok(act(auth, "yongsheng", a, "reply", **REPLY))
    for fid in (c, d):
        ok(act(auth, "hongsheng", fid, "reply", **REPLY))
    drafts = auth.get("supervisor", "/api/v1/letters?kind=prompt&status=draft").json["items"]
    ids = {x["unit_name"]: x["id"] for x in drafts}
    for width, height, name in ((360, 740, "360"), (1280, 900, "desk")):
        ctx = desk(width, height)
        page = ctx.new_page()
        page.on("dialog", lambda dlg: dlg.accept())
        sign_in_desk(page, "supervisor")
        page.goto(f"/#/letter/{ids['红升社区']}")
        page.wait_for_selector("#draft-moot")
        assert "无需签发" in page.inner_text("#draft-moot")
        assert page.locator("#draft-review .settled").all_inner_texts() == ["已答复", "已答复"]
        assert page.is_disabled("#draft-issue") and page.is_disabled("#draft-save")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.screenshot(path=str(SHOTS / f"letters-draft-moot-{name}.png"), full_page=True)
        page.goto(f"/#/letter/{ids['永胜社区']}")
        page.wait_for_selector(f"#draft-review tr[data-finding='{a}'] .status")
        assert page.inner_text(f"#draft-review tr[data-finding='{a}'] td:first-child") == "已答复"
        assert page.locator(f"#draft-review tr[data-finding='{b}'] input[type=checkbox]").is_checked()
        assert page.locator("#draft-moot").count() == 0
        page.screenshot(path=str(SHOTS / f"letters-draft-settled-{name}.png"), full_page=True)
        if width == 1280:  # issue it once
            page.click("#draft-issue")
            toast = page.wait_for_selector("#toast:has-text('已签发')")
            assert "1 个已不再逾期的问题未列入" in toast.inner_text()
            page.wait_for_selector("#instructions")
            assert page.locator(".problems tbody tr").count() == 1
            assert page.locator(f".problems tr[data-finding='{b}']").count() == 1
        ctx.close()


def test_a_prompt_card_counts_a_problem_late_on_both_clocks_once(app, auth, desk, clock):
    from tests.api.test_letters_plan import draft_with_rectify_late

    a, b = two_problem_notice(app, auth)[1]
    draft_id = draft_with_rectify_late(app, auth, clock, a)
    for width, height in ((360, 740), (1280, 900)):
        ctx = desk(width, height)
        page = ctx.new_page()
        sign_in_desk(page, "supervisor")
        page.goto("/#/s/queue")
        card = page.wait_for_selector(f"#prompt-drafts [data-letter='{draft_id}']")
        assert "2 个问题" in card.inner_text()
        page.goto(f"/#/letter/{draft_id}")
        page.wait_for_selector("#draft-review")
        assert page.locator("#draft-review tbody tr").count() == 3  # a's two overdue clocks, b's one
        page.screenshot(path=str(SHOTS / f"letters-draft-two-clocks-{width}.png"), full_page=True)
        ctx.close()


def test_the_unit_sees_how_many_problems_of_a_notice_still_wait(app, auth, desk, clock):
    notice_id, (a, b) = two_problem_notice(app, auth, "aihua")
    ok(act(auth, "aihua", a, "reply", **REPLY))  # answered on the problem's own page
    for width, height in ((360, 740), (1280, 900)):
        ctx = desk(width, height)
        page = ctx.new_page()
        sign_in_desk(page, "aihua")
        card = page.wait_for_selector(f"#open-notices [data-notice='{notice_id}']")
        assert "待答复 1 个问题（共 2 个）" in card.inner_text()
        page.screenshot(path=str(SHOTS / f"community-open-notices-{width}.png"), full_page=True)
        ctx.close()
    ok(act(auth, "aihua", b, "return", reason="该处属红升社区"))  # nothing left for 爱华 to answer
    ctx = desk(360, 740)
    page = ctx.new_page()
    sign_in_desk(page, "aihua")
    page.wait_for_selector("#findings")
    assert page.locator(f"#open-notices [data-notice='{notice_id}']").count() == 0
    ctx.close()


def test_a_community_answers_a_whole_notice_on_one_screen(app, auth, desk, clock):
    notice_id, (a, b) = two_problem_notice(app, auth, "aihua")
    ctx = desk(360, 740)
    page = ctx.new_page()
    sign_in_desk(page, "aihua")
    page.wait_for_selector(f"#open-notices [data-notice='{notice_id}']")
    page.click(f"#open-notices [data-notice='{notice_id}']")
    page.wait_for_selector("#notice-answer fieldset.answer")
    assert page.locator("#notice-answer fieldset.answer").count() == 2
    for k, box in enumerate(page.locator("#notice-answer fieldset.answer").all()):
        box.locator("[name=measures]").fill(f"第{k + 1}项：组织人员清理修补")
        box.locator("[name=responsible]").fill("赵敏")
        box.locator("[name=phone]").fill("13900000000")
        box.locator("[name=planned_date]").fill("2026-12-04")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(SHOTS / "letters-notice-answer-360.png"), full_page=True)
    page.click("#notice-answer button[type=submit]")
    page.wait_for_selector("#reply-letter a")
    letters = auth.get("supervisor", f"/api/v1/letters?kind=reply&notice_id={notice_id}").json["items"]
    assert [x["number"] for x in letters] == ["爱华社区〔2026〕1号"]
    ctx.close()
    ctx = desk()
    page = ctx.new_page()
    sign_in_desk(page, "aihua")
    page.goto(f"/#/c/notice/{notice_id}")
    page.wait_for_selector("#reply-letter a")
    page.screenshot(path=str(SHOTS / "letters-notice-answered-desk.png"), full_page=True)
    ctx.close()


def test_an_overdue_notice_is_answered_with_the_planned_date_it_offers(app, auth, desk, clock):
    """Answered late, after the rectification deadline: the planned date starts today, not on the
    passed deadline the server refuses (as on the finding's own 答复 form)."""
    notice_id, (a, b) = two_problem_notice(app, auth, "aihua")
    clock.set("2026-12-09T10:00:00+08:00")
    ctx = desk()  # the finding's own form, at a desk
    page = ctx.new_page()
    sign_in_desk(page, "aihua")
    page.goto(f"/#/finding/{b}")
    page.wait_for_selector("#reply-form [name=planned_date]")
    assert page.input_value("#reply-form [name=planned_date]") == "2026-12-09"
    page.screenshot(path=str(SHOTS / "finding-reply-overdue-desk.png"), full_page=True)
    ctx.close()

    ctx = desk(360, 740)  # the whole notice, on a phone
    page = ctx.new_page()
    sign_in_desk(page, "aihua")
    page.goto(f"/#/c/notice/{notice_id}")
    page.wait_for_selector("#notice-answer fieldset.answer")
    dates = page.eval_on_selector_all("#notice-answer [name=planned_date]", "(xs) => xs.map((x) => [x.value, x.min])")
    assert dates == [["2026-12-09", "2026-12-09"]] * 2
    for box in page.locator("#notice-answer fieldset.answer").all():
        box.locator("[name=measures]").fill("组织人员清理修补")
        box.locator("[name=responsible]").fill("赵敏")
    page.click("#notice-answer button[type=submit]")
    page.wait_for_selector("#reply-letter a")
    page.screenshot(path=str(SHOTS / "letters-notice-answer-overdue-360.png"), full_page=True)
    ctx.close()
    assert [auth.get("supervisor", f"/api/v1/findings/{f}").json["status"] for f in (a, b)] == ["replied"] * 2


# --- printing ---------------------------------------------------------------------------------

A4_CONTENT_PX = round((210 - 25 - 22) / 25.4 * 96)  # the page's width inside its margins


def many_problem_notice(app, auth, n: int = 12) -> list[str]:
    """One inspection of a compound with n failed items, each with a photo and a long note."""
    point = demo_point(app, "compound", "yangguang")
    with app.app_context():
        from server.extensions import db
        import sqlalchemy as sa
        codes = db.session.scalars(sa.text(
            "SELECT code FROM checklist_items WHERE location_type = 'compound' ORDER BY position LIMIT :n"),
            {"n": n}).all()
    results = [result(c, "fail", [upload(auth, "inspector")],
                      note=f"3号楼2单元楼道内堆放纸箱、旧家具等杂物，占用消防通道约{k + 2}米，存在安全隐患，"
                           "居民反映多次未清理。") for k, c in enumerate(codes)]
    rec = inspection(point, results, started_at="2026-11-27T09:30:00+08:00")
    assert auth.post("inspector", "/api/v1/sync/push", json={"device_id": "t", "records": [rec]}).status_code == 200
    return [r["id"] for r in results]


def pdf_pages(pdf: bytes) -> int:
    """Pages in a PDF Chromium wrote."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def test_every_letter_kind_prints_to_a4_with_nothing_cut_off(app, auth, desk, clock):
    settings = auth.get("admin", "/api/v1/settings").json
    settings.update(contact_person="王丽", contact_phone="0432-62218866")
    assert auth.client.put("/api/v1/settings", json=settings, headers=auth.headers("admin")).status_code == 200
    many_problem_notice(app, auth)
    notice_id, (a, b) = two_problem_notice(app, auth)
    for fid in (a, b):
        ok(act(auth, "yongsheng", fid, "reply", **REPLY))
    sweep_at(app, "2026-12-02T09:00:00+08:00")  # 阳光's twelve problems: one prompt, issued
    many_problem_notice(app, auth, 3)
    sweep_at(app, "2026-12-07T07:00:00+08:00", issue=False)  # and a draft
    clock.set("2026-12-07T10:00:00+08:00")
    prompt = auth.get("leader", "/api/v1/letters?kind=prompt").json["items"][0]
    assert auth.post("leader", f"/api/v1/letters/{prompt['id']}/instructions", json={"text": INSTRUCTION}).status_code == 201
    letters = auth.get("supervisor", "/api/v1/letters?per_page=200").json["items"]
    by = {}
    for x in letters:
        by.setdefault((x["kind"], x["status"], len(x["finding_ids"]) if x["status"] == "issued" else 0), x)
    by[("prompt", "draft", 0)] = max((x for x in letters if x["status"] == "draft"), key=lambda x: len(x["problems"]))
    draft_size = len(by[("prompt", "draft", 0)]["problems"])
    assert draft_size >= 3  # the new notice's three, and rectifications now late as well
    # the letter on page 1, the annex from page 2: about eight rows of problems a page
    wanted = {("notice", "issued", 12): 3, ("notice", "issued", 2): 2, ("reply", "issued", 2): 1,
              ("prompt", "issued", 12): 4, ("prompt", "draft", 0): 2 + draft_size // 6}
    ctx = desk(A4_CONTENT_PX, 1100)
    page = ctx.new_page()
    sign_in_desk(page, "supervisor")
    for key, most_pages in wanted.items():
        letter = by[key]
        key = (*key[:2], len(letter["finding_ids"]))
        page.goto(letter["url"])
        page.wait_for_selector("h1")
        wait_for(page, "[...document.images].every((i) => i.complete)")
        page.emulate_media(media="print")
        overflow = page.evaluate("""(limit) => {
            const out = [];
            for (const el of document.querySelectorAll('table, th, td, p, h1, h2, .sign, .cc, .instructions')) {
              const r = el.getBoundingClientRect();
              if (r.width && (r.right > limit + 0.5 || r.left < -0.5)) out.push(`${el.tagName} ${Math.round(r.left)}-${Math.round(r.right)}`);
            }
            for (const t of document.querySelectorAll('table')) if (t.scrollWidth > t.clientWidth + 1) out.push('table scrolls');
            return out;
        }""", A4_CONTENT_PX)
        assert overflow == [], (key, overflow)
        if key[0] != "reply":  # the annex starts its own page, its heading with its table
            assert page.evaluate("getComputedStyle(document.querySelector('.attach')).breakBefore") == "page"
        pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
        pages = pdf_pages(pdf)
        assert 1 <= pages <= most_pages, (key, pages)
        (SHOTS / f"letter-{key[0]}-{key[1]}-{key[2]}.pdf").write_bytes(pdf)
        page.screenshot(path=str(SHOTS / f"letter-{key[0]}-{key[1]}-{key[2]}-print.png"), full_page=True)
        page.emulate_media(media="screen")
        html = page.content()
        if key[0] == "notice":
            assert "联系人：王丽，联系电话：0432-62218866" in html and "督导检查专班）" not in html
            # 问题描述 is the problem as found; the checklist's standard only follows, marked as such
            assert re.search(r"<td>(3号楼2单元楼道|第1处：路面破损积水)[^<]*<span class=\"std\">测评条目：", html)
        if key[0] == "reply":
            assert '<div class="head">永胜社区</div>' in html
    ctx.close()


def test_printable_reports_fit_a_phone_with_wide_tables_scrolling_inside(app, auth, desk, clock):
    """Leaders open the bulletin and the grades on their phones too: the page is as wide as the
    screen and a wide table scrolls by itself."""
    app.config["REPORT_MIN_CASES"] = 1
    many_problem_notice(app, auth)
    sweep_at(app, "2026-12-02T09:00:00+08:00")
    clock.set("2026-12-07T10:00:00+08:00")
    ctx = desk(360, 740)
    page = ctx.new_page()
    sign_in_desk(page, "leader")
    for url, name in (("/reports/weekly?week=2026-W49", "weekly"), ("/reports/monthly?month=2026-11", "monthly")):
        page.goto(url)
        page.wait_for_selector("table")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, url
        assert page.evaluate("Math.max(...[...document.querySelectorAll('table')].map((t) => t.scrollWidth))") > 360
        page.screenshot(path=str(SHOTS / f"report-page-{name}-360.png"), full_page=True)
    ctx.close()
