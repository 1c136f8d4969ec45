"""The inspector's day (issue 11): few taps, photos whose age and place are checked, 暗访,
重拍 for a refused photo, pruning of uploaded photo bytes, location only where it is needed."""
import re
from datetime import datetime

import sqlalchemy as sa

from server.extensions import db
from server.models import Inspection, Photo, Point
from tests.browser.conftest import HERE
from tests.browser.helpers import (SHOTS, controlled_page, phone_photo_sha256, server_counts, sign_in, sign_in_desk,
                                   wait_for, wait_synced)
from tests.helpers.images import corrupt_exif, make_camera_jpeg

NOW = datetime(2026, 11, 27, 10, 0, 30)  # the pinned clock, as a phone camera writes it (local, no offset)
NEAR = (HERE["latitude"], HERE["longitude"])


def _camera(tmp_path, name, **kw) -> str:
    """A phone camera's file, taken now at the inspector's position unless told."""
    kw.setdefault("taken_at", NOW)
    kw.setdefault("gps", NEAR)
    path = tmp_path / name
    path.write_bytes(make_camera_jpeg(**kw))
    return str(path)


def _point(app, location_type) -> int:
    """The id of a demo point of this type."""
    with app.app_context():
        return db.session.scalar(sa.select(Point.id).where(Point.location_type == location_type).order_by(Point.id))


def test_a_compound_with_one_problem_takes_six_taps_after_choosing_the_point(app, phone, tmp_path):
    page = controlled_page(phone)
    sign_in(page)
    point = _point(app, "compound")
    page.click(f"#route-list a[data-point='{point}']")  # choosing the point: not counted
    page.wait_for_selector(".item")
    items = int(re.search(r"/(\d+) 项", page.inner_text("#summary")).group(1))
    taps = []

    def tap(selector):
        taps.append(selector)
        page.click(selector)

    first = "[id='" + page.locator(".item").first.get_attribute("id") + "']"
    tap(f"{first} button.fail")
    tap(f"{first} textarea")
    page.keyboard.type("楼道堆放杂物")
    with page.expect_file_chooser() as chooser:
        tap(f"{first} label.filebtn")  # 拍照 opens the camera …
    taps.append("shutter")  # … whose shutter is the next tap
    chooser.value.set_files(_camera(tmp_path, "stairwell.jpg"))
    page.wait_for_selector(f"{first} .photo img")
    assert page.is_hidden(f"{first} .photo-check")  # taken now, here: no question asked
    assert page.inner_text("#rest-pass") == f"其余 {items - 1} 项全部合格"
    tap("#rest-pass")
    page.screenshot(path=str(SHOTS / "inspect-rest-pass-360.png"), full_page=True)
    tap("#submit")
    page.wait_for_selector("#route-list li")
    assert len(taps) == 6 <= 8, taps
    page.set_viewport_size({"width": 360, "height": 640})
    wait_synced(page)
    body = page.evaluate("window.__cc.store.listRecords({}).then((r) => r[0].body)")
    assert sorted(r["result"] for r in body["results"]) == ["fail"] + ["pass"] * (items - 1)
    assert body["covert"] is False
    held = server_counts(app)
    assert (held["inspections"], held["findings"], held["photos"]) == (1, 1, 1)


def test_photos_are_upright_and_old_far_or_timeless_ones_are_questioned_then_flagged(app, auth, phone, desk,
                                                                                     tmp_path):
    page = controlled_page(phone)
    sign_in(page)
    page.click(f"#route-list a[data-point='{_point(app, 'street')}']")
    page.wait_for_selector(".item")
    page.check("#covert")
    item = page.locator(".item").first
    item.locator("button.fail").click()
    item.locator("textarea").fill("路面坑洼积水")
    chooser = item.locator("input[type=file]")
    for k in range(1, 9):  # every EXIF orientation, taken now: all pass silently
        chooser.set_input_files(_camera(tmp_path, f"o{k}.jpg", orientation=k))
        wait_for(page, f"document.querySelectorAll('.item .photo img').length === {k}")
    assert item.locator(".photo-check").is_hidden()
    upright = page.evaluate("""async () => {
        const [rec] = await window.__cc.store.listRecords({});
        const out = [];
        for (const p of await window.__cc.store.photosOf(rec.id)) {
            const bmp = await createImageBitmap(new Blob([p.bytes], {type: p.type}), {imageOrientation: 'none'});
            const c = new OffscreenCanvas(bmp.width, bmp.height);
            const g = c.getContext('2d');
            g.drawImage(bmp, 0, 0);
            const at = (x, y) => [...g.getImageData(x, y, 1, 1).data.slice(0, 3)];
            out.push({w: bmp.width, h: bmp.height, tl: at(bmp.width / 8, bmp.height / 8),
                      br: at(bmp.width * 7 / 8, bmp.height * 7 / 8), taken: p.original_taken_at,
                      lat: p.original_lat});
        }
        return out;
    }""")
    assert len(upright) == 8
    for p in upright:
        assert (p["w"], p["h"]) == (1600, 960), p  # upright landscape, long edge 1600
        assert p["tl"][0] > 180 and p["tl"][2] < 100 and p["br"][2] > 180, p  # the mark top-left
        assert p["taken"] == "2026-11-27T10:00:30+08:00" and abs(p["lat"] - NEAR[0]) < 1e-5

    def choose(path, expect):
        chooser.set_input_files(path)
        page.wait_for_selector(".item .photo-check:not([hidden])")
        assert re.search(expect, page.inner_text(".item .photo-check")), page.inner_text(".item .photo-check")

    italy = _camera(tmp_path, "florence.jpg", taken_at=datetime(2008, 5, 1, 14, 15, 55), gps=(43.77, 11.25))
    choose(italy, r"拍摄于 2008-05-01 14:15:55，早于本次检查开始 30 分钟以上[\s\S]*距此处约 \d+")
    page.screenshot(path=str(SHOTS / "inspect-photo-warning-360.png"), full_page=False)
    page.click(".item .photo-check button.photo-discard")  # not this one
    assert page.locator(".item .photo img").count() == 8
    choose(italy, "2008-05-01")
    page.click(".item .photo-check button.use-anyway")
    wait_for(page, "document.querySelectorAll('.item .photo img').length === 9")
    assert page.locator(".item .photo .warn-tag").count() == 1
    plain = tmp_path / "plain.jpg"
    plain.write_bytes(make_camera_jpeg(1200, 800))  # no EXIF at all
    choose(str(plain), "没有拍摄时间")
    page.click(".item .photo-check button.use-anyway")
    choose(_camera(tmp_path, "absurd.jpg", taken_at=datetime(9999, 5, 1, 14, 15, 55), gps=(95.0, 200.0)),
           "拍摄时间不可信[\\s\\S]*定位信息无效")
    page.click(".item .photo-check button.use-anyway")
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(corrupt_exif(make_camera_jpeg(1200, 800, taken_at=NOW, gps=NEAR)))
    choose(str(broken), "没有拍摄时间")
    page.click(".item .photo-check button.use-anyway")
    wait_for(page, "document.querySelectorAll('.item .photo img').length === 12")
    page.locator(".item").nth(1).locator("button.pass").click()
    page.click("#submit")
    page.wait_for_selector("#route-list li")
    wait_synced(page, 40000)
    with app.app_context():
        originals = {p.id: (p.original_checked, p.exif_taken_at) for p in db.session.scalars(sa.select(Photo))}
        covert = db.session.scalar(sa.select(Inspection.covert))
    assert len(originals) == 12 and all(checked for checked, _ in originals.values())
    assert covert is True
    finding = auth.get("supervisor", "/api/v1/findings").json["items"][0]
    assert {"photo_not_fresh", "exif_mismatch"} <= set(finding["flags"])
    page.goto("/#/outbox")
    page.wait_for_selector("[data-state=synced] .tag.covert")

    sup = desk(1280, 900).new_page()
    sign_in_desk(sup, "supervisor")
    sup.goto(f"/#/finding/{finding['id']}")
    sup.wait_for_selector(".finding .facts")
    facts = sup.inner_text(".finding .facts")
    assert "照片非现场即时拍摄" in facts and "照片定位与现场不符" in facts and "暗访" in facts
    sup.goto("/#/s/ledger")
    sup.wait_for_selector(f"#ledger tr[data-finding='{finding['id']}'] .flag")
    assert "照片非现场即时拍摄" in sup.inner_text(f"#ledger tr[data-finding='{finding['id']}']")
    sup.screenshot(path=str(SHOTS / "ledger-photo-flags-1280.png"))



def _boxes_overlap(a, b) -> bool:
    """Whether two bounding boxes intersect."""
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


def test_errors_show_beside_their_fields_and_nothing_covers_them(app, phone, desk, tmp_path):
    for context, width in ((phone, 360), (desk(1280, 900), 1280)):
        page = context.new_page()
        page.goto("/")
        sign_in(page)
        page.goto(f"/#/inspect/point/{_point(app, 'street')}")
        page.wait_for_selector(".item")
        item = page.locator(".item").nth(2)
        item.locator("button.fail").click()
        page.click("#rest-pass")
        page.click("#submit")
        error = item.locator(".field-error")
        error.wait_for()
        assert "须填写问题描述，须拍照" in error.inner_text()
        assert "须填写问题描述" in page.inner_text("#problems")
        assert page.locator(".item .field-error").count() == 1  # only the item that is wrong
        assert page.is_hidden("#toast") or not any(
            _boxes_overlap(page.locator("#toast").bounding_box(), page.locator(sel).bounding_box())
            for sel in ("#problems", "#submit"))
        page.screenshot(path=str(SHOTS / f"inspect-field-errors-{width}.png"))
        item.locator("textarea").fill("路面破损")
        item.locator("input[type=file]").set_input_files(_camera(tmp_path, f"fix{width}.jpg"))
        item.locator(".photo img").wait_for()
        page.click("#submit")
        page.wait_for_selector("#route-list li")
        assert page.locator(".field-error").count() == 0


def test_location_is_asked_on_the_inspectors_screens_only(new_context):
    counting = "window.__geoCalls = 0; const w = navigator.geolocation.watchPosition.bind(navigator.geolocation);" \
               "navigator.geolocation.watchPosition = (...a) => { window.__geoCalls += 1; return w(...a); };"
    for user, home in (("supervisor", "问题地图"), ("leader", "总览"), ("admin", "管理"), ("yongsheng", "本社区问题")):
        context = new_context(viewport={"width": 1280, "height": 900})
        context.add_init_script(counting)
        page = context.new_page()
        sign_in_desk(page, user)
        page.wait_for_selector(f".tabs a.active:text('{home}')")
        page.reload()  # a start with the session kept
        page.wait_for_selector(".tabs a.active")
        assert page.evaluate("window.__geoCalls") == 0, user
        page.wait_for_load_state("networkidle")  # closing mid-download leaves the server a dropped file
        context.close()
    context = new_context(viewport={"width": 360, "height": 640}, permissions=["geolocation"], geolocation=HERE)
    context.add_init_script(counting)
    page = context.new_page()
    page.goto("/")
    sign_in(page)
    assert page.evaluate("window.__geoCalls") == 1


def test_a_photo_refused_after_its_record_is_retaken_and_uploaded_bytes_are_pruned(app, clock, phone, tmp_path):
    page = controlled_page(phone)
    sign_in(page)
    refusals = []

    def refuse_first(route):
        if not refusals:
            refusals.append(route.request.url)
            route.fulfill(status=400, content_type="application/json",
                          body='{"error": {"code": "corrupt_image", "message": "图片文件不完整或已损坏，请重新上传", "fields": {}}}')
        else:
            route.continue_()

    phone.route(re.compile(r".*/api/v1/photos/.*"), refuse_first)
    page.goto(f"/#/inspect/point/{_point(app, 'street')}")
    item = page.locator(".item").first
    item.locator("button.fail").click()
    item.locator("textarea").fill("垃圾外溢")
    item.locator("input[type=file]").set_input_files(_camera(tmp_path, "first.jpg"))
    item.locator(".photo img").wait_for()
    page.click("#rest-pass")
    page.click("#submit")
    page.wait_for_selector("#route-list li")
    page.goto("/#/outbox")
    page.wait_for_selector("[data-state=rejected] .retake")
    assert "图片文件不完整或已损坏" in page.inner_text(".retake")
    assert server_counts(app)["inspections"] == 1 and server_counts(app)["photos"] == 0
    phone.set_offline(True)  # offline, the phone says so
    page.click("#sync-button")
    wait_for(page, "document.getElementById('sync-label').textContent === '离线'")
    wait_for(page, "document.getElementById('toast').textContent.startsWith('离线')")
    assert "稍后重试" not in page.inner_text("#toast")
    phone.set_offline(False)
    page.screenshot(path=str(SHOTS / "outbox-retake-360.png"))
    with page.expect_file_chooser() as chooser:
        page.click(".retake label.filebtn:has-text('选择其他照片')")
    chooser.value.set_files(_camera(tmp_path, "second.jpg", orientation=3))
    page.wait_for_selector("[data-state=synced]")
    wait_synced(page)
    held = server_counts(app)
    assert held["photos"] == 1 and held["sha256"] == phone_photo_sha256(page)
    assert page.locator(".retake").count() == 0

    stored = "window.__cc.store.photosByState('uploaded').then((p) => p.map((x) => [!!x.thumb, x.pruned_at || null]))"
    clock.set("2026-12-03T10:00:00+08:00")  # six days later: kept
    page.click("#sync-button")
    page.wait_for_timeout(2500)
    assert page.evaluate(stored) == [[True, None]]
    clock.set("2026-12-05T10:00:00+08:00")  # eight days later: the bytes go, the thumbnail stays
    page.click("#sync-button")
    wait_for(page, "window.__cc.store.photosByState('uploaded').then((p) => p.every((x) => x.pruned_at))")
    left = page.evaluate("""window.__cc.store.photosByState('uploaded')
        .then((ps) => Promise.all(ps.map((p) => window.__cc.store.getPhoto(p.id))))
        .then((ps) => ps.map((p) => p.bytes === undefined))""")
    assert left == [True]  # no bytes left on the phone
    page.goto("/#/route")
    page.goto("/#/outbox")
    page.wait_for_selector("[data-state=synced] .thumbs img")
    assert page.evaluate("document.querySelector('.thumbs img').naturalWidth") > 0
    page.screenshot(path=str(SHOTS / "outbox-pruned-360.png"))


def _points_by_distance(app, lat, lon):
    """Active points with their distance in metres from (lat, lon), nearest first."""
    from server.services.assignment import distance_m
    with app.app_context():
        rows = db.session.execute(sa.select(Point.id, Point.lat, Point.lon).where(Point.active)).all()
    return sorted((distance_m(lat, lon, r.lat, r.lon), r.id, r.lat, r.lon) for r in rows)


def test_a_new_position_updates_distances_in_place_and_reorders_only_when_the_nearest_changes(app, phone):
    """A phone gets a fix every second or so: redrawing the whole route list each time was
    the screen's heaviest repeated work. Moving a few metres keeps the list (its distances
    change); reaching another point puts that point first."""
    page = controlled_page(phone)
    sign_in(page)
    (_, first_id, lat, lon), *others = _points_by_distance(app, HERE["latitude"], HERE["longitude"])
    phone.set_geolocation({"latitude": lat, "longitude": lon, "accuracy": 5})
    wait_for(page, "(id) => document.querySelector('#route-list li a')?.dataset.point === id", arg=str(first_id))
    wait_for(page, "document.querySelector('#route-list li .dist').textContent === '0 米'")
    # The list fills a screenful at a time: mark it once every point is in it.
    wait_for(page, """() => {
      const heading = [...document.querySelectorAll("h2")].at(-1).textContent.match(/（(\\d+)）/);
      return heading && document.querySelectorAll("#route-list li").length === Number(heading[1]);
    }""")
    page.evaluate("document.querySelectorAll('#route-list li').forEach((li) => { li.keptNode = true; })")

    # 20 m north: the same point is still nearest, so the same nodes show a new distance.
    nearest_other = min(d for d, *_ in _points_by_distance(app, lat, lon)[1:])
    assert nearest_other > 60, "the demo street's points are further apart than this test needs"
    phone.set_geolocation({"latitude": lat + 20 / 111_195, "longitude": lon, "accuracy": 5})
    wait_for(page, "document.querySelector('#route-list li .dist').textContent === '20 米'")
    kept = page.evaluate("[...document.querySelectorAll('#route-list li')].map((li) => li.keptNode === true)")
    assert kept and all(kept), "the list was rebuilt for a 20 m move"
    assert page.evaluate("document.querySelector('#route-list li a').dataset.point") == str(first_id)

    # At another point, far away: that point leads the list.
    far = max(others)
    phone.set_geolocation({"latitude": far[2], "longitude": far[3], "accuracy": 5})
    wait_for(page, "(id) => document.querySelector('#route-list li a')?.dataset.point === id", arg=str(far[1]))
    assert page.evaluate("document.querySelector('#route-list li .dist').textContent") == "0 米"


def test_a_phone_that_cannot_load_the_exif_reader_says_nothing_about_the_original(app, new_context, tmp_path):
    """exifr loads after the inspection screen: if that load fails, the photo is stored as
    'original not checked' (no flag, no warning), never as 'no capture time' (a false flag)."""
    ctx = new_context(viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True,
                      permissions=["geolocation"], geolocation=HERE, service_workers="block")
    page = ctx.new_page()
    page.route("**/vendor/exifr/**", lambda route: route.abort())
    page.goto("/")
    sign_in(page)
    page.click(f"#route-list a[data-point='{_point(app, 'street')}']")
    page.wait_for_selector(".item")
    item = page.locator(".item").first
    item.locator("button.fail").click()
    item.locator("input[type=file]").set_input_files(_camera(tmp_path, "old.jpg", taken_at=datetime(2008, 5, 1, 14, 15)))
    item.locator(".photo img").wait_for()
    assert item.locator(".photo-check").is_hidden()
    stored = page.evaluate("""async () => {
        const [rec] = await window.__cc.store.listRecords({});
        return (await window.__cc.store.photosOf(rec.id)).map((p) => [p.original_checked, p.original_taken_at]);
    }""")
    assert stored == [[False, None]]
