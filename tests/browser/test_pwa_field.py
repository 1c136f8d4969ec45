"""For the field: GPS warnings, storage limits, sign-out guard, map without tiles, small screens, updates."""
import server.pwa as pwa
from tests.helpers.images import make_jpeg
from tests.browser.helpers import controlled_page, jpeg_file, outbox, queued, record_inspection, sign_in, wait_for


def _context(new_context, accuracy):
    """A phone whose only fixes have this accuracy."""
    return new_context(viewport={"width": 360, "height": 640}, permissions=["geolocation"],
                       geolocation={"latitude": 42.978301, "longitude": 126.737935, "accuracy": accuracy})


def test_poor_accuracy_warns(new_context, tmp_path):
    context = _context(new_context, 60)
    page = controlled_page(context)
    sign_in(page)
    page.wait_for_selector("#gps-status.warn")
    record_inspection(page, jpeg_file(tmp_path), submit=False)
    page.wait_for_selector("#gps.warn")
    assert page.is_hidden("#reason-box")
    context.close()


def test_very_poor_accuracy_needs_a_reason_before_submitting(new_context, tmp_path):
    context = _context(new_context, 150)
    page = controlled_page(context)
    sign_in(page)
    record_inspection(page, jpeg_file(tmp_path), submit=False)
    page.wait_for_selector("#gps.bad")
    assert page.is_visible("#reason-box")
    page.click("#submit")
    assert "定位精度超过 100 米" in page.inner_text("#problems")
    assert queued(page) + outbox(page)["synced"] == 0
    page.fill("#gps-reason", "高楼遮挡")
    page.click("#submit")
    page.wait_for_selector("#route-list li")
    rec = page.evaluate("window.__cc.store.listRecords({}).then((r) => r[0].body)")
    assert "定位说明：高楼遮挡" in rec["note"] and rec["accuracy_m"] == 150
    context.close()


def test_far_from_the_chosen_point_warns(phone, tmp_path):
    page = controlled_page(phone)
    sign_in(page)
    phone.set_geolocation({"latitude": 42.9600, "longitude": 126.7600, "accuracy": 10})
    page.wait_for_timeout(500)
    page.locator("#route-list li a").last.click()
    page.wait_for_selector(".item")
    wait_for(page, "document.getElementById('gps').textContent.includes('距所选点位')")


def test_a_nearly_full_phone_refuses_new_photos_and_keeps_what_is_saved(new_context, tmp_path):
    context = new_context(viewport={"width": 360, "height": 640}, permissions=["geolocation"],
                          geolocation={"latitude": 42.978301, "longitude": 126.737935, "accuracy": 10})
    context.add_init_script("""navigator.storage.estimate = async () => ({usage: 990e6, quota: 1000e6});""")
    page = controlled_page(context)
    sign_in(page)
    page.locator("#route-list li a").first.click()
    page.wait_for_selector(".item")
    first = page.locator(".item").nth(0)
    first.locator("button.fail").click()
    first.locator("input[type=file]").set_input_files(jpeg_file(tmp_path))
    page.wait_for_selector(".toast.error")
    assert "存储空间不足" in page.inner_text("#toast")
    assert first.locator(".photo img").count() == 0
    assert outbox(page)["draft"] == 1  # the draft itself is untouched
    context.close()


def test_signing_out_with_unsynced_records_is_refused(phone, tmp_path):
    page = controlled_page(phone)
    sign_in(page)
    phone.set_offline(True)
    record_inspection(page, jpeg_file(tmp_path))
    page.goto("/#/me")
    page.click("#logout")
    page.wait_for_selector(".toast.error")
    assert "未同步" in page.inner_text("#toast")
    page.goto("/#/route")
    page.wait_for_selector("#route-list li")  # still signed in
    assert queued(page) == 1


def test_points_show_without_map_tiles(app, phone):
    app.config["TILE_URL"] = "http://127.0.0.2:9/{z}/{x}/{y}.png"  # nothing listens there
    page = controlled_page(phone)
    sign_in(page)
    assert page.is_hidden("#map")  # drawn only when asked: Leaflet is the screen's heaviest start-up work
    page.click("#show-map")
    page.wait_for_selector("#map path.leaflet-interactive")
    assert page.locator("#map path.leaflet-interactive").count() >= 40


def test_no_screen_scrolls_sideways_on_a_360_pixel_phone(phone, tmp_path):
    page = controlled_page(phone)
    sign_in(page)
    for hash_ in ("#/route", "#/tasks", "#/outbox", "#/me"):
        page.goto(f"/{hash_}")
        page.wait_for_timeout(300)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, hash_
    record_inspection(page, jpeg_file(tmp_path), submit=False)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.wait_for_timeout(300)
    heights = page.eval_on_selector_all(
        ".choices button, #submit, .tabs a",
        "(els) => els.filter((e) => e.offsetParent !== null).map((e) => e.offsetHeight)")
    assert len(heights) >= 30 and min(heights) >= 44  # thumb-sized targets


def test_a_new_version_offers_a_reload(phone, monkeypatch):
    page = controlled_page(phone)
    files, version = pwa.shell_files()
    monkeypatch.setattr(pwa, "shell_files", lambda: (files, "f" * 16))
    page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
    page.wait_for_selector("#update-banner:not([hidden])", timeout=15000)
    with page.expect_navigation():
        page.click("#update-reload")
    wait_for(page, "!!navigator.serviceWorker.controller")
    assert page.evaluate("caches.keys()") and f"shell-{'f' * 16}" in page.evaluate("caches.keys()")


def test_a_sideways_camera_photo_is_stored_upright_and_resized(phone, tmp_path):
    page = controlled_page(phone)
    sign_in(page)
    path = tmp_path / "sideways.jpg"
    from server.timeutil import to_local, utcnow

    # sensor landscape, EXIF says turn 90°; taken now, as a camera capture is
    path.write_bytes(make_jpeg(3200, 1800, orientation=6, taken_at=to_local(utcnow())))
    record_inspection(page, str(path), submit=False)
    photo = page.evaluate("""async () => {
        const [rec] = await window.__cc.store.listRecords({});
        const [p] = await window.__cc.store.photosOf(rec.id);
        const bmp = await createImageBitmap(new Blob([p.bytes], {type: p.type}), {imageOrientation: 'none'});
        return {w: p.width, h: p.height, bw: bmp.width, bh: bmp.height, type: p.type, source: p.source,
                lat: p.lat, taken_at: p.taken_at};
    }""")
    assert (photo["w"], photo["h"]) == (900, 1600)  # portrait, long edge 1600
    assert (photo["bw"], photo["bh"]) == (900, 1600)  # the pixels themselves are upright: no EXIF left to turn again
    assert photo["type"] == "image/jpeg" and photo["source"] == "device" and photo["lat"] == 42.978301
    assert "+08:00" in photo["taken_at"]


def test_an_expired_session_asks_to_sign_in_again_and_keeps_the_outbox(app, phone, tmp_path):
    from server.extensions import db
    from server.models import ApiToken
    from server.timeutil import utcnow
    from tests.browser.helpers import server_counts, wait_synced

    page = controlled_page(phone)
    sign_in(page)
    phone.set_offline(True)
    record_inspection(page, jpeg_file(tmp_path))
    with app.app_context():  # the token expires while the phone is away
        for token in db.session.scalars(db.select(ApiToken)):
            token.revoked_at = utcnow()
        db.session.commit()
    phone.set_offline(False)  # coming online starts a sync by itself; ask for one too
    page.evaluate("window.__cc.syncer.syncNow(); null")
    page.wait_for_selector("#username")
    assert queued(page) == 1
    sign_in(page)
    wait_synced(page)
    assert server_counts(app)["inspections"] == 1
