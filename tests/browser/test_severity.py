"""A supervisor sees a problem's severity on its page and reclassifies it (issue 13)."""
import pytest

from tests.api.test_severity import DEC, FIRE_LANE, push
from tests.browser.helpers import SHOTS
from tests.browser.helpers import sign_in_desk


@pytest.mark.parametrize("width", (360, 1280))
def test_a_supervisor_reclassifies_a_serious_problem(app, auth, desk, clock, width):
    clock.set(DEC)
    fid = push(app, auth, FIRE_LANE)
    page = desk(width, 740 if width < 800 else 900).new_page()
    sign_in_desk(page, "supervisor")
    page.goto(f"/#/finding/{fid}")
    page.wait_for_selector("#finding-panel [data-status]")
    assert "严重" in page.inner_text("#finding-panel .facts")
    page.fill("#severity-form input[name=note]", "通道已部分清出")
    page.click("#severity-form button[type=submit]")
    page.wait_for_selector("#finding-panel .history:has-text('调整严重程度')")
    assert "一般" in page.inner_text("#finding-panel .facts")
    assert page.inner_text("#severity-form button[type=submit]") == "改为“严重”"
    assert auth.get("supervisor", f"/api/v1/findings/{fid}").json["severity"] == "general"
    page.screenshot(path=str(SHOTS / f"severity-{width}.png"), full_page=True)
