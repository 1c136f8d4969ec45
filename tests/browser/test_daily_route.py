"""日督导 in the browser: the desk allocates a day's points, the inspector walks them offline in
walking order, sees the open finding a failure would join, and the server keeps one problem."""
from datetime import datetime

import sqlalchemy as sa

from server.extensions import db
from server.models import Finding, FindingEvent, Inspection, Point, RouteStop, User
from tests.browser.conftest import HERE
from tests.browser.helpers import SHOTS, controlled_page, jpeg_file, sign_in, wait_for, wait_synced
from tests.browser.helpers import sign_in_desk
from tests.helpers.flow import upload
from tests.helpers.images import make_jpeg
from tests.helpers.records import inspection, result

TODAY = "2026-11-27"


def _points_near_here(app, n=5) -> list[Point]:
    """The n active points nearest the phone's position, of types with a checklist."""
    with app.app_context():
        points = list(db.session.scalars(sa.select(Point).where(Point.active.is_(True))))
        for p in points:
            db.session.expunge(p)
    points.sort(key=lambda p: (p.lat - HERE["latitude"]) ** 2 + (p.lon - HERE["longitude"]) ** 2)
    return points[:n]


def _user_id(app, username) -> int:
    """A demo account's id."""
    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.username == username))


def _first_item(app, location_type, photo_required=True) -> str:
    """The first checklist item of a type."""
    from tests.helpers.records import item

    return item(app, location_type, photo_required)


def test_the_desk_allocates_a_day_in_walking_order(app, auth, desk):
    points = _points_near_here(app, 4)
    for width in (1280, 360):
        context = desk(width, 900 if width > 400 else 640)
        page = context.new_page()
        sign_in_desk(page, "supervisor")
        page.wait_for_selector("#tabs a[href='#/s/routes']")
        page.goto("/#/s/routes")
        page.wait_for_selector("#route-form")
        uid = _user_id(app, "inspector2" if width < 400 else "inspector")
        page.select_option("#r-user", str(uid))
        page.wait_for_selector(f"#route-form[data-user='{uid}'][data-ready='1']")
        page.wait_for_selector("#r-points input[type=checkbox]")
        for p in points:
            page.check(f"#r-points input[value='{p.id}']")
        wait_for(page, f"document.querySelectorAll('#r-order li').length === {len(points)}")
        page.select_option("#r-start", str(points[2].id))
        order = page.locator("#r-order li").all_inner_texts()
        assert order[0].startswith(points[2].name)
        assert "步行约" in page.inner_text("#r-summary")
        page.click("#r-save")
        page.wait_for_selector(f"#r-day tr[data-user='{uid}']")
        page.screenshot(path=str(SHOTS / f"routes-desk-{width}.png"), full_page=True)
        user = "inspector2" if width < 400 else "inspector"
        saved = auth.get("supervisor", f"/api/v1/routes/{TODAY}/{_user_id(app, user)}").json["point_ids"]
        assert saved[0] == points[2].id and sorted(saved) == sorted(p.id for p in points)
        names = {p.id: p.name for p in points}
        assert [names[i] for i in saved] == [t.split(" · ")[0] for t in order]
        row = page.locator(f"#r-day tr[data-user='{_user_id(app, user)}'] td").all_inner_texts()
        assert row[1] == "4" and row[2] == "0"
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
        context.close()


def _open_finding_at(app, auth, point, code) -> str:
    """An open finding of an item at a point, found two days ago by another inspector."""
    rec = inspection(point, [result(code, "fail", [upload(auth, "inspector2")], note="垃圾桶破损")],
                     started_at="2026-11-25T09:00:00+08:00")
    r = auth.post("inspector2", "/api/v1/sync/push", json={"device_id": "other", "records": [rec]})
    assert r.json["results"][0]["status"] == "created", r.json
    return rec["results"][0]["id"]


def _pass_everything(page, fail=None):
    """其余全部合格: one tap passes every item not answered (a failed one stays failed)."""
    page.click("#rest-pass")
    if fail:
        assert page.locator(f"[id='item-{fail}'] button.fail").get_attribute("aria-pressed") == "true"


def assert_old_photo_flagged(app, finding_id):
    """The photo chosen from an old file carries the original's capture time
    (X-Original-Taken-At), so the new finding is flagged photo_not_fresh."""
    with app.app_context():
        assert "photo_not_fresh" in db.session.get(Finding, finding_id).flags


def test_an_allocated_route_walked_offline_keeps_one_problem_once(app, auth, phone, tmp_path):
    points = _points_near_here(app, 5)
    # The supervisor's order starts at the farthest of the five; the phone stands at the nearest.
    allocation = [points[4].id, points[0].id, points[2].id, points[1].id, points[3].id]
    r = auth.put("supervisor", f"/api/v1/routes/{TODAY}/{_user_id(app, 'inspector')}",
                 json={"point_ids": allocation})
    assert r.status_code == 200, r.get_data(as_text=True)
    already = points[2]
    known_item = _first_item(app, already.location_type)
    open_id = _open_finding_at(app, auth, already, known_item)
    with app.app_context():
        open_code = db.session.get(Finding, open_id).code

    page = controlled_page(phone)
    sign_in(page)
    page.wait_for_selector("#route-allocated li")
    # The phone's copy of the open findings (for the hint) arrives in the background.
    wait_for(page, f"window.__cc.store.getCache('open-findings').then((c) => !!c && c.items.some((f) => f.id === '{open_id}'))")
    online_order = page.locator("#route-allocated li a").evaluate_all("(els) => els.map((a) => Number(a.dataset.point))")
    assert online_order[0] == points[4].id and sorted(online_order) == sorted(allocation)

    phone.set_offline(True)
    page.reload()
    page.wait_for_selector("#route-allocated li")
    assert "今日分配（0/5）" in page.content()
    offline_order = page.locator("#route-allocated li a").evaluate_all("(els) => els.map((a) => Number(a.dataset.point))")
    assert offline_order == online_order  # kept on the phone; not re-sorted by where it stands
    phone.set_geolocation({"latitude": points[3].lat, "longitude": points[3].lon, "accuracy": 10})
    page.wait_for_timeout(300)
    assert page.locator("#route-allocated li a").evaluate_all(
        "(els) => els.map((a) => Number(a.dataset.point))") == online_order

    old_photo = tmp_path / "old.jpg"
    old_photo.write_bytes(make_jpeg(1600, 1200, color=(30, 90, 160), taken_at=datetime(2008, 5, 1, 10, 0)))
    fresh_photo = jpeg_file(tmp_path, "now.jpg", size=(1600, 1200), color=(150, 60, 60))  # taken just now
    new_point = next(p for p in points if p.id == next(i for i in reversed(online_order) if i != already.id))
    new_item = _first_item(app, new_point.location_type)
    for n, pid in enumerate(online_order):
        page.goto("/#/route")
        page.locator(f"#route-allocated a[data-point='{pid}']").click()
        page.wait_for_selector(".item")
        fail = known_item if pid == already.id else (new_item if pid == new_point.id else None)
        if fail:
            box = page.locator(f"[id='item-{fail}']")
            box.locator("button.fail").click()
            if pid == already.id:
                hint = box.locator(".open-finding")
                hint.wait_for()
                text = hint.inner_text()
                assert open_code in text and "已 2 天" in text and "仍未整改" in text
                assert hint.locator("img.thumb").evaluate("(img) => img.complete && img.naturalWidth > 0")
                box.screenshot(path=str(SHOTS / "route-open-finding-hint.png"))
                box.locator("textarea").fill("垃圾桶仍破损")
                box.locator("input[type=file]").set_input_files(fresh_photo)
            else:
                assert box.locator(".open-finding").count() == 0
                box.locator("textarea").fill("墙面新增小广告")
                box.locator("input[type=file]").set_input_files(str(old_photo))
                # The phone questions a photo taken years ago; the inspector keeps it anyway.
                page.locator("button.use-anyway").click()
            box.locator(".photo img").wait_for()
        _pass_everything(page, fail)
        page.click("#submit")
        page.wait_for_selector("#route-allocated li")
        assert f"今日分配（{n + 1}/5）" in page.content()
    page.screenshot(path=str(SHOTS / "route-allocated-done.png"), full_page=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Inspection).where(
            Inspection.device_id != "other")) == 0  # nothing reached the server offline

    phone.set_offline(False)
    page.click("#sync-button")
    wait_synced(page, 30000)
    with app.app_context():
        inspections = db.session.scalar(sa.select(sa.func.count()).select_from(Inspection).where(
            Inspection.device_id != "other"))
        new = list(db.session.scalars(sa.select(Finding).where(Finding.id != open_id)))
        resightings = list(db.session.scalars(sa.select(FindingEvent).where(
            FindingEvent.note == "仍未整改")))
        assert inspections == 5
        assert len(new) == 1 and new[0].point_id == new_point.id and new[0].item_code == new_item
        assert len(resightings) == 1 and resightings[0].finding_id == open_id
        assert len(resightings[0].photo_ids) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RouteStop)) == 5
        new_id = new[0].id
    cov = auth.get("supervisor", f"/api/v1/reports/coverage?date={TODAY}").json
    mine = next(r for r in cov["by_inspector"] if r["user_id"] == _user_id(app, "inspector"))
    assert (mine["allocated"], mine["done"], mine["late_entry"]) == (5, 5, 0)
    assert_old_photo_flagged(app, new_id)
    with app.app_context():  # the camera photo taken on the spot is not flagged
        assert "photo_not_fresh" not in db.session.get(Finding, open_id).flags
