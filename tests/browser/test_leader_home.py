"""The leaders' overview: the monthly ranking says how far the month has run, and last month's
ranking is one tap away (on 2 December the December ranking rests on a day and a half)."""
import pytest

from tests.browser.helpers import SHOTS, sign_in_desk, wait_for
from tests.helpers.flow import finding_in, push_finding


@pytest.mark.parametrize("width", [360, 1280])
def test_the_ranking_says_so_far_and_last_month_is_one_tap_away(app, auth, desk, clock, width):
    app.config["REPORT_MIN_CASES"] = 1
    for community in ("aihua", "hongsheng", "yongsheng"):
        push_finding(app, auth, community)  # on 27 November
    clock.set("2026-12-02T09:30:00+08:00")
    ctx = desk(width, 800)
    page = ctx.new_page()
    sign_in_desk(page, "leader")
    page.wait_for_selector("#ranking-panel")
    assert page.inner_text("#ranking-panel h3") == "2026-12 月度排名（截至 2026-12-02）"
    assert page.locator("#ranking-panel a[href='/reports/monthly?month=2026-12']").count() == 1

    page.click("#ranking-other")
    wait_for(page, "document.querySelector('#ranking-panel h3').textContent === '2026-11 月度排名'")
    ranked = page.eval_on_selector_all("#ranking tbody tr td:nth-child(2)", "(tds) => tds.map((t) => t.textContent)")
    assert {"爱华社区", "红升社区", "永胜社区"} <= set(ranked)
    assert page.locator("#ranking-panel a[href='/reports/monthly?month=2026-11']").count() == 1
    assert page.evaluate(f"document.documentElement.scrollWidth <= {width}")
    page.locator("#ranking-panel").screenshot(path=str(SHOTS / f"leader-ranking-{width}.png"))

    page.click("#ranking-other")  # and back
    wait_for(page, "document.querySelector('#ranking-panel h3').textContent.startsWith('2026-12 月度排名（截至')")


def test_the_trend_counts_open_problems_as_the_figure_above_it_does(app, auth, desk, clock):
    """This week's 未销号 in 近四周趋势 includes problems waiting to be assigned or reassigned, as
    the 未销号问题 figure does (it read 54 under a 60 on the demo street)."""
    push_finding(app, auth, "yongsheng")
    finding_in(app, auth, "unassigned")
    finding_in(app, auth, "returned", community="hongsheng")
    clock.set("2026-11-27T11:00:00+08:00")
    for width in (360, 1280):
        ctx = desk(width, 800)
        page = ctx.new_page()
        sign_in_desk(page, "leader")
        page.wait_for_selector("#trend tbody tr:last-child td:nth-child(4)")
        this_week = page.inner_text("#trend tbody tr:last-child td:first-child")
        assert this_week == "2026-W48"
        assert page.inner_text("#kpi-open") == page.inner_text("#trend tbody tr:last-child td:nth-child(4)") == "3"
        assert page.evaluate(f"document.documentElement.scrollWidth <= {width}")
        fits = page.evaluate("""(() => {  // the table stays inside its panel, or scrolls there
          const t = document.querySelector('#trend'), box = t.parentElement;
          const within = t.getBoundingClientRect().right <= box.getBoundingClientRect().right + 0.5;
          return box.getBoundingClientRect().right <= innerWidth && (within || getComputedStyle(box).overflowX === 'auto');
        })()""")
        assert fits
        page.screenshot(path=str(SHOTS / f"leader-home-trend-{width}.png"), full_page=True)
        ctx.close()
