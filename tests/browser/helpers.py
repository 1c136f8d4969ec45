"""Steps the browser tests share: sign in, record an inspection, read the phone's outbox."""
import hashlib
import time
from pathlib import Path

import sqlalchemy as sa

from server.extensions import db
from server.models import Finding, Inspection, Photo
from server.timeutil import to_local, utcnow
from tests.helpers.images import make_jpeg

# Screenshots a person looks at before calling a screen done (not compared automatically).
SHOTS = Path(__file__).resolve().parents[2] / "instance" / "screenshots"
SHOTS.mkdir(parents=True, exist_ok=True)


def jpeg_file(tmp_path: Path, name: str = "scene.jpg", size=(3000, 2000), color=(90, 120, 60)) -> str:
    """A real JPEG on disk, as the camera input would hand it over: taken now (the pinned
    clock, in the camera's local time), so the phone takes it without asking."""
    path = tmp_path / name
    path.write_bytes(make_jpeg(*size, color=color, taken_at=to_local(utcnow())))
    return str(path)


def wait_for(page, expression: str, timeout: float = 30000, arg=None):
    """Wait until a JavaScript expression (or function) is truthy; return its value.

    Playwright's wait_for_function polls by evaluating the expression as a string inside the
    page, which the app's Content-Security-Policy (no unsafe-eval) forbids; page.evaluate goes
    through the DevTools protocol instead, so the tests poll from here and the CSP stays on."""
    deadline = time.monotonic() + timeout / 1000
    while True:
        value = page.evaluate(expression, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout:.0f} ms: {expression}")
        page.wait_for_timeout(100)


def controlled_page(context, path: str = "/"):
    """Open the app and reload once so the service worker controls the page."""
    page = context.new_page()
    page.goto(path)
    wait_for(page, "navigator.serviceWorker && navigator.serviceWorker.ready.then(() => true)")
    page.evaluate("navigator.serviceWorker.ready")
    page.reload()
    wait_for(page, "!!navigator.serviceWorker.controller")
    return page


def sign_in(page, username: str = "inspector", password: str = "pw"):
    """Fill the login form and wait for today's route."""
    page.wait_for_selector("#username")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_selector("#route-list li")


def sign_in_desk(page, username: str):
    """Sign in at a desk and wait for the role's home screen (its tabs)."""
    page.goto("/")
    page.wait_for_selector("#username")
    page.fill("#username", username)
    page.fill("#password", "pw")
    page.click("button[type=submit]")
    page.wait_for_selector(".tabs a")


def record_inspection(page, photo_path: str, note: str = "路面有积水坑洼", point_index: int = 0,
                      submit: bool = True):
    """At a point of the route: fail the first item with a photo, pass the second, submit."""
    page.goto(f"/#/route")
    page.wait_for_selector("#route-list li")
    page.locator("#route-list li a").nth(point_index).click()
    page.wait_for_selector(".item")
    first = page.locator(".item").nth(0)
    first.locator("button.fail").click()
    first.locator("textarea").fill(note)
    first.locator("input[type=file]").set_input_files(photo_path)
    first.locator(".photo img").wait_for()
    page.locator(".item").nth(1).locator("button.pass").click()
    if submit:
        page.click("#submit")
        page.wait_for_selector("#route-list li")


def outbox(page) -> dict:
    """The phone's record counts, read from IndexedDB."""
    return page.evaluate("window.__cc.store.counts()")


def queued(page) -> int:
    """Records waiting to reach the server: pending, or mid-attempt (syncing) while offline."""
    c = outbox(page)
    return c["pending"] + c["syncing"]


def phone_photo_sha256(page) -> list[str]:
    """SHA-256 of every photo's bytes as stored on the phone."""
    return page.evaluate("""async () => {
        const out = [];
        for (const rec of await window.__cc.store.listRecords({})) {
            for (const p of await window.__cc.store.photosOf(rec.id)) {
                const d = await crypto.subtle.digest("SHA-256", p.bytes);
                out.push([...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join(""));
            }
        }
        return out;
    }""")


def wait_synced(page, timeout_ms: int = 20000) -> dict:
    """Poll the phone until nothing is pending or syncing (evaluate awaits the store's promise)."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        c = outbox(page)
        if c["pending"] + c["syncing"] == 0 and c["photos_pending"] == 0:
            return c
        if time.monotonic() > deadline:
            raise AssertionError(f"still unsynced after {timeout_ms} ms: {c}")
        page.wait_for_timeout(250)


def server_counts(app) -> dict:
    """What the server holds."""
    with app.app_context():
        return {
            "inspections": db.session.scalar(sa.select(sa.func.count()).select_from(Inspection)),
            "findings": db.session.scalar(sa.select(sa.func.count()).select_from(Finding)),
            "photos": db.session.scalar(sa.select(sa.func.count()).select_from(Photo)),
            "sha256": sorted(db.session.scalars(sa.select(Photo.sha256))),
        }


def sha256(data: bytes) -> str:
    """Hex digest."""
    return hashlib.sha256(data).hexdigest()
