"""Photo uploads over HTTP: statuses, limits, metadata, derived copies, flags."""
import hashlib
import io
from datetime import datetime, timezone

import pytest
from PIL import Image

from tests.helpers.flow import push_finding
from tests.helpers.images import make_gif, make_jpeg, make_png, make_webp, png_header_only
from tests.helpers.records import demo_point, inspection, item, new_id, result


def put(auth, pid, data, user="inspector", **headers):
    """PUT bytes as a photo."""
    headers.setdefault("Content-Type", "image/jpeg")
    return auth.put(user, f"/api/v1/photos/{pid}", data=data, headers=headers)


def test_new_photo_is_201_same_bytes_200_other_bytes_409(auth):
    pid, data = new_id(), make_jpeg(800, 600)
    r = put(auth, pid, data)
    assert r.status_code == 201
    assert r.json["sha256"] == hashlib.sha256(data).hexdigest()
    assert (r.json["width"], r.json["height"], r.json["content_type"]) == (800, 600, "image/jpeg")
    assert put(auth, pid, data).status_code == 200
    assert put(auth, pid, make_jpeg(800, 600, color=(1, 2, 3))).status_code == 409
    assert auth.get("inspector", f"/api/v1/photos/{pid}?variant=original").data == data


@pytest.mark.parametrize("data, ctype, status", [
    (b"hello, not an image", "image/jpeg", 400),
    (make_jpeg(100, 100)[:300], "image/jpeg", 400),
    (b"", "image/jpeg", 400),
    (make_gif(50, 50), "image/gif", 415),
    (make_jpeg(100, 100), "application/pdf", 415),
    (png_header_only(30000, 30000), "image/png", 413),
])
def test_bad_uploads_get_clear_errors_and_store_nothing(auth, data, ctype, status):
    pid = new_id()
    r = put(auth, pid, data, **{"Content-Type": ctype})
    assert r.status_code == status, r.json
    assert r.json["error"]["message"]
    assert auth.get("supervisor", f"/api/v1/photos/{pid}").status_code == 404


def test_oversized_bytes_are_413(app, auth):
    app.config["PHOTO_MAX_BYTES"] = 20_000
    data = make_jpeg(1600, 1200, quality=95)
    assert len(data) > 20_000
    r = put(auth, new_id(), data)
    assert r.status_code == 413


def test_png_and_webp_are_accepted(auth):
    assert put(auth, new_id(), make_png(300, 200), **{"Content-Type": "image/png"}).status_code == 201
    r = put(auth, new_id(), make_webp(300, 200), **{"Content-Type": "image/webp"})
    assert r.status_code == 201 and r.json["content_type"] == "image/webp"


def test_checksum_header_must_match(auth):
    data = make_jpeg(200, 200)
    assert put(auth, new_id(), data, **{"X-Content-SHA256": "0" * 64}).status_code == 400
    assert put(auth, new_id(), data, **{"X-Content-SHA256": hashlib.sha256(data).hexdigest()}).status_code == 201


@pytest.mark.parametrize("header, value", [("X-Taken-At", "2026-11-27 09:00"), ("X-Lat", "95"),
                                           ("X-Lon", "east"), ("X-Accuracy", "-3")])
def test_bad_metadata_headers_are_400(auth, header, value):
    r = put(auth, new_id(), make_jpeg(100, 100), **{header: value})
    assert r.status_code == 400 and header in r.json["error"]["fields"]


def test_a_non_uuid_photo_id_is_404(auth):
    assert put(auth, "photo-1", make_jpeg(100, 100)).status_code == 404


def test_exif_orientation_is_applied_in_derived_copies(auth):
    pid = new_id()
    put(auth, pid, make_jpeg(400, 200, orientation=6))
    thumb = Image.open(io.BytesIO(auth.get("inspector", f"/api/v1/photos/{pid}?variant=thumb").data))
    assert thumb.height > thumb.width  # turned once, upright


def test_header_metadata_wins_and_exif_time_is_kept(auth):
    taken = datetime(2026, 11, 27, 1, 0, tzinfo=timezone.utc)
    pid = new_id()
    r = put(auth, pid, make_jpeg(300, 300, taken_at=taken), **{"X-Taken-At": "2026-11-27T09:05:00+08:00"})
    assert r.json["taken_at"] == "2026-11-27T09:05:00+08:00"
    r2 = put(auth, new_id(), make_jpeg(300, 300, taken_at=taken))
    assert r2.json["taken_at"].startswith("2026-11-27T09:00:00")


def test_display_copy_carries_the_watermark_with_the_point(app, auth, clock):
    pid = new_id()
    point = demo_point(app, "street", "yongsheng")
    put(auth, pid, make_jpeg(2400, 1800, color=(230, 230, 230)), **{"X-Lat": str(point.lat),
        "X-Lon": str(point.lon), "X-Taken-At": "2026-11-27T09:31:00+08:00", "X-Accuracy": "7"})
    rec = inspection(point, [result(item(app), "fail", [pid])])
    auth.post("inspector", "/api/v1/sync/push", json={"device_id": "t", "records": [rec]})
    shown = Image.open(io.BytesIO(auth.get("supervisor", f"/api/v1/photos/{pid}?variant=display").data))
    assert max(shown.size) == 1600
    band = shown.crop((0, int(shown.height * 0.85), shown.width // 2, shown.height)).convert("L")
    top = shown.crop((0, 0, shown.width // 2, int(shown.height * 0.15))).convert("L")
    assert band.getextrema()[0] < 100 < top.getextrema()[0]  # dark band with text, plain sky above


def test_the_same_bytes_used_for_two_findings_are_flagged_as_reused(app, auth, clock):
    data = make_jpeg(640, 480, color=(10, 90, 200))
    first, second = new_id(), new_id()
    put(auth, first, data)
    put(auth, second, data)
    a = inspection(demo_point(app, "street", "aihua"), [result(item(app), "fail", [first])])
    b = inspection(demo_point(app, "street", "yangguang"), [result(item(app), "fail", [second])])
    auth.post("inspector", "/api/v1/sync/push", json={"device_id": "t", "records": [a, b]})
    f = auth.get("supervisor", f"/api/v1/findings/{b['results'][0]['id']}").json
    assert "photo_reused" in f["flags"]


def test_exif_far_from_the_record_is_flagged(app, auth, clock):
    pid = new_id()
    put(auth, pid, make_jpeg(640, 480, gps=(43.5, 125.3),
                             taken_at=datetime(2026, 11, 20, 1, 0, tzinfo=timezone.utc)))
    point = demo_point(app, "street", "aihua")
    rec = inspection(point, [result(item(app), "fail", [pid])])
    auth.post("inspector", "/api/v1/sync/push", json={"device_id": "t", "records": [rec]})
    f = auth.get("supervisor", f"/api/v1/findings/{rec['results'][0]['id']}").json
    assert "exif_mismatch" in f["flags"]


def _scene(community: str) -> dict:
    """A picture of its own per place (the same bytes at two places would be reuse anyway)."""
    shade = {"aihua": 100, "yongsheng": 140, "hongsheng": 180, "yangguang": 220}[community]
    return {"color": (shade, 130, 140), "corner_color": (20, 20, 20)}


def _sighted_twice(app, auth, community, second_photo: bytes, second_taken: str) -> dict:
    """A problem found at 07:00 with a photo of the place's scene, sighted again at 08:00
    (仍未整改) with another photo; the finding as the desk sees it."""
    first, second = new_id(), new_id()
    put(auth, first, make_jpeg(640, 480, quality=85, **_scene(community)),
        **{"X-Original-Taken-At": "2026-11-27T07:00:00+08:00"})
    put(auth, second, second_photo, **{"X-Original-Taken-At": second_taken})
    point, code = demo_point(app, "street", community), item(app)
    records = [inspection(point, [result(code, "fail", [pid])], started_at=f"2026-11-27T0{h}:00:00+08:00")
               for h, pid in ((7, first), (8, second))]
    answers = [auth.post("inspector", "/api/v1/sync/push", json={"device_id": "t", "records": [r]}).json
               for r in records]
    fid = records[0]["results"][0]["id"]
    assert answers[1]["results"][0]["finding_ids"] == [fid]  # joined as 仍未整改
    return auth.get("supervisor", f"/api/v1/findings/{fid}").json


def test_a_new_photo_of_an_unchanged_problem_is_not_reuse(app, auth, clock):
    """仍未整改: the inspector photographs the same unfixed problem an hour later. The picture
    looks the same (perceptually near), and that is the point."""
    f = _sighted_twice(app, auth, "aihua", make_jpeg(640, 480, quality=60, **_scene("aihua")), "2026-11-27T08:00:00+08:00")
    assert not {"photo_reused", "photo_not_fresh"} & set(f["flags"])


def test_an_old_picture_sent_again_as_a_sighting_is_flagged(app, auth, clock):
    """The first photo recompressed (no capture time, as a chat app leaves it) or the very
    same file: neither shows the problem at the sighting."""
    copy = _sighted_twice(app, auth, "yongsheng", make_jpeg(640, 480, quality=50, **_scene("yongsheng")), "none")
    assert {"photo_reused", "photo_not_fresh"} <= set(copy["flags"])
    same = _sighted_twice(app, auth, "hongsheng", make_jpeg(640, 480, quality=85, **_scene("hongsheng")), "2026-11-27T08:00:00+08:00")
    assert "photo_reused" in same["flags"]


def test_an_old_photo_for_a_sighting_is_not_fresh(app, auth, clock):
    """A different picture, but taken the day before the sighting: photo_not_fresh, not reuse."""
    f = _sighted_twice(app, auth, "yangguang", make_jpeg(640, 480, color=(30, 200, 60), corner_color=(250, 250, 250)),
                       "2026-11-26T08:00:00+08:00")
    assert "photo_not_fresh" in f["flags"] and "photo_reused" not in f["flags"]
