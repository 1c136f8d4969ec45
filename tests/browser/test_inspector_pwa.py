"""The inspector PWA in real Chromium: offline start, capture, sync exactly once, the hard cases."""
import re

from tests.helpers.flow import finding_in

from tests.browser.helpers import (controlled_page, jpeg_file, outbox, phone_photo_sha256, queued,
                                   record_inspection, server_counts, sign_in, wait_for, wait_synced)


def test_the_app_installs_and_reloads_offline(phone):
    page = controlled_page(phone)
    manifest = page.evaluate("fetch('/manifest.webmanifest').then((r) => r.json())")
    assert manifest["name"] == "创城督导" and manifest["display"] == "standalone"
    assert {"192x192", "512x512"} <= {i["sizes"] for i in manifest["icons"]}
    assert any(i["purpose"] == "maskable" for i in manifest["icons"])
    phone.set_offline(True)
    page.reload()
    page.wait_for_selector("#username")
    assert page.title() == "创城督导"
    assert page.is_visible("#net-banner")


def test_an_inspection_recorded_offline_reaches_the_server_exactly_once(app, phone, tmp_path):
    page = controlled_page(phone)
    sign_in(page)
    phone.set_offline(True)
    record_inspection(page, jpeg_file(tmp_path))
    assert queued(page) == 1
    assert page.inner_text("#outbox-count") == "1"
    page.reload()  # offline: served by the service worker, the record is still there
    page.wait_for_selector("#route-list li")
    assert queued(page) == 1
    assert server_counts(app)["inspections"] == 0
    phone.set_offline(False)
    page.click("#sync-button")
    wait_synced(page)
    held = server_counts(app)
    assert (held["inspections"], held["findings"], held["photos"]) == (1, 1, 1)
    assert held["sha256"] == phone_photo_sha256(page)
    page.goto("/#/outbox")
    page.wait_for_selector("[data-state=synced]")
    assert page.locator("[data-state=synced]").count() == 1


def test_a_draft_survives_a_reload_while_offline(phone, tmp_path):
    page = controlled_page(phone)
    sign_in(page)
    phone.set_offline(True)
    record_inspection(page, jpeg_file(tmp_path), note="井盖缺失", submit=False)
    url = page.url
    page.reload()
    page.wait_for_selector(".item")
    assert page.url == url
    first = page.locator(".item").nth(0)
    assert first.locator("button.fail").get_attribute("aria-pressed") == "true"
    assert first.locator("textarea").input_value() == "井盖缺失"
    assert first.locator(".photo img").count() == 1
    assert outbox(page)["draft"] == 1


def test_the_connection_cut_during_a_photo_upload_loses_nothing(app, phone, tmp_path):
    page = controlled_page(phone)
    sign_in(page)
    cuts = {"n": 0}

    def cut_once(route):
        if cuts["n"] == 0:
            cuts["n"] += 1
            route.abort("connectionreset")
        else:
            route.continue_()

    phone.route(re.compile(r".*/api/v1/photos/.*"), cut_once)
    record_inspection(page, jpeg_file(tmp_path))
    wait_synced(page, 30000)
    assert cuts["n"] == 1
    held = server_counts(app)
    assert (held["inspections"], held["findings"], held["photos"]) == (1, 1, 1)
    assert held["sha256"] == phone_photo_sha256(page)


def test_500_then_a_portal_page_then_recovery_syncs_once(app, phone, tmp_path):
    page = controlled_page(phone)
    sign_in(page)
    answers = ["500", "portal"]

    def flaky(route):
        if not answers:
            return route.continue_()
        kind = answers.pop(0)
        if kind == "500":
            route.fulfill(status=500, content_type="application/json",
                          body='{"error": {"code": "server_error", "message": "x", "fields": {}}}')
        else:
            route.fulfill(status=200, content_type="text/html", body="<html>请先登录 Wi-Fi</html>")

    phone.route(re.compile(r".*/api/v1/sync/push$"), flaky)
    record_inspection(page, jpeg_file(tmp_path))
    wait_synced(page, 30000)
    assert answers == []
    held = server_counts(app)
    assert (held["inspections"], held["findings"], held["photos"]) == (1, 1, 1)


def test_two_tabs_syncing_at_once_store_everything_once(app, phone, tmp_path):
    first = controlled_page(phone)
    sign_in(first)
    phone.set_offline(True)
    for i in range(3):
        record_inspection(first, jpeg_file(tmp_path, f"p{i}.jpg", color=(40 * i, 90, 60)), point_index=i)
    second = phone.new_page()
    second.goto("/#/outbox")
    second.wait_for_selector("#records")
    assert queued(second) == 3
    phone.set_offline(False)
    first.evaluate("window.__cc.syncer.syncNow(); null")
    second.evaluate("window.__cc.syncer.syncNow(); null")
    wait_synced(first, 30000)
    wait_synced(second, 30000)
    held = server_counts(app)
    assert (held["inspections"], held["findings"], held["photos"]) == (3, 3, 3)


def test_a_reinspection_recorded_offline_closes_the_finding_after_sync(app, auth, phone, tmp_path):
    fid = finding_in(app, auth, "rectified", community="yongsheng")
    page = controlled_page(phone)
    sign_in(page)
    page.goto("/#/tasks")
    page.wait_for_selector(f"[data-finding='{fid}']")  # loaded online, kept for offline
    for _ in range(40):  # the list prefetches the task's thumbnails into the service worker cache
        if page.evaluate("caches.open('photos-v1').then((c) => c.keys()).then((k) => k.length)") >= 2:
            break
        page.wait_for_timeout(250)
    phone.set_offline(True)
    page.goto(f"/#/task/{fid}")
    page.wait_for_selector("#verify-pass")
    wait_for(page, "[...document.querySelectorAll('.pair img')].every((i) => i.complete)")
    widths = page.eval_on_selector_all(".pair img", "(imgs) => imgs.map((i) => i.naturalWidth)")
    assert len(widths) == 2 and all(w > 0 for w in widths)  # before and after, shown offline
    page.locator("input[type=file]").set_input_files(jpeg_file(tmp_path, "check.jpg", color=(30, 160, 90)))
    page.wait_for_selector("#verify-photos img")
    page.fill("#verify-note", "已整改到位")
    page.click("#verify-pass")
    wait_for(page, "location.hash === '#/tasks'")
    wait_for(page, "document.getElementById('outbox-count').textContent === '1'")
    assert queued(page) == 1
    assert auth.get("supervisor", f"/api/v1/findings/{fid}").json["status"] == "rectified"
    phone.set_offline(False)
    page.click("#sync-button")
    wait_synced(page)
    f = auth.get("supervisor", f"/api/v1/findings/{fid}").json
    assert f["status"] == "closed"
    assert [p["stage"] for p in f["photos"]] == ["before", "after", "verify"]
    assert f["history"][-1]["actor"]["role"] == "inspector"
