"""Browser fixtures: the real app served from a thread, Debian's Chromium driven by Playwright."""
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]
# 永胜社区, near 建设街东段背街: inside the demo street.
HERE = {"latitude": 42.978301, "longitude": 126.737935, "accuracy": 12}


def pytest_collection_modifyitems(items):
    """Every test in this folder drives a browser."""
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def live_server(app, clock):
    """Serve the app on 127.0.0.1 (a secure context: service workers and geolocation work).

    The server's clock is pinned (the clock fixture); browser contexts made with new_context
    share it, so no browser test depends on the day it runs.
    """
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def new_context(browser, live_server, clock):
    """Make browser contexts on the live server whose clock is the server's (closed after the test)."""
    made = []

    def make(**options):
        """A context with the given Playwright options; zh-CN, Beijing time unless told."""
        options = {"locale": "zh-CN", "timezone_id": "Asia/Shanghai", "base_url": live_server, **options}
        context = clock.attach(browser.new_context(**options))
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


@pytest.fixture
def phone(new_context):
    """A phone-sized context with geolocation granted at a point of the demo street."""
    return new_context(viewport={"width": 360, "height": 640}, device_scale_factor=2, is_mobile=True,
                       has_touch=True, permissions=["geolocation"], geolocation=HERE)


@pytest.fixture
def desk(new_context):
    """desk(width, height): a desktop (or, narrow, a phone-width) browser context."""
    return lambda width=1280, height=900: new_context(viewport={"width": width, "height": height})
