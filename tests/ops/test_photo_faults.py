"""Photo uploads when storage fails: a full disk answers 507, unreachable object storage 503,
both with a Chinese message; nothing half-stored; the phone's next try (it keeps the photo and
retries every 5xx) works."""
import errno
import threading
import time

import sqlalchemy as sa

from server.extensions import db
from server.models import Photo
from server.services import storage as storage_module
from server.services.storage_s3 import S3Storage
from tests.helpers.images import make_jpeg
from tests.helpers.records import new_id
from tests.ops.servers import MotoServer

JPEG = make_jpeg(640, 480, color=(30, 140, 90))


def put(auth, pid: str, key: str):
    """The phone's upload: PUT with an Idempotency-Key it reuses on every retry."""
    return auth.put("inspector", f"/api/v1/photos/{pid}", data=JPEG,
                    headers={"Content-Type": "image/jpeg", "Idempotency-Key": key})


def photo_rows(app) -> int:
    """How many photo rows exist."""
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Photo))


def on_s3(app, server: MotoServer, bucket: str) -> S3Storage:
    """Point the app's photo storage at a bucket of the moto server."""
    store = S3Storage(bucket, "photos", endpoint_url=server.url, access_key="testing",
                      secret_key="testing", timeout_s=1)
    app.extensions["storage"] = store
    return store


def test_a_full_disk_answers_507_and_the_next_try_works(app, auth, clock, monkeypatch):
    def full(*_args):
        """Fail as a full disk does."""
        raise OSError(errno.ENOSPC, "No space left on device")

    real = storage_module._replace_with
    monkeypatch.setattr(storage_module, "_replace_with", full)
    pid, key = new_id(), new_id()
    r = put(auth, pid, key)
    assert r.status_code == 507 and r.headers["Retry-After"]
    assert r.json["error"]["code"] == "storage_full"
    assert "存储空间已满" in r.json["error"]["message"] and "自动重试" in r.json["error"]["message"]
    assert photo_rows(app) == 0
    # Space freed. (Not monkeypatch.undo(): that would also unpin the clock fixture's time.)
    monkeypatch.setattr(storage_module, "_replace_with", real)
    again = put(auth, pid, key)
    assert again.status_code == 201, again.get_data(as_text=True)
    assert app.extensions["storage"].get_original(again.json["sha256"]) == JPEG


def test_uploads_to_object_storage_return_after_the_object_is_stored(app, auth, clock, s3_server):
    store = on_s3(app, s3_server, s3_server.new_bucket())
    pid = new_id()
    r = put(auth, pid, new_id())
    assert r.status_code == 201
    assert store.get_original(r.json["sha256"]) == JPEG  # there when the answer arrives
    assert store.get_derived(f"{pid}-thumb.jpg")[:2] == b"\xff\xd8"


def test_object_storage_stopping_mid_upload_loses_nothing(app, auth, clock, own_s3_server):
    """The store freezes while an upload is in flight and dies; the upload answers 503 and
    leaves nothing; /readyz is 503; once a store answers again the same upload succeeds."""
    bucket = own_s3_server.new_bucket()
    on_s3(app, own_s3_server, bucket)
    assert put(auth, new_id(), new_id()).status_code == 201  # it works before the fault
    pid, key, answers = new_id(), new_id(), []
    own_s3_server.freeze()
    upload = threading.Thread(target=lambda: answers.append(put(auth, pid, key)))
    upload.start()
    time.sleep(0.5)  # the PUT is waiting on the frozen store
    own_s3_server.stop()
    upload.join(30)
    [r] = answers
    assert r.status_code == 503 and r.json["error"]["code"] == "storage_unavailable"
    assert "照片仍保存在手机上" in r.json["error"]["message"] and r.headers["Retry-After"]
    with app.app_context():
        assert db.session.get(Photo, pid) is None  # no row without its bytes
    ready = auth.client.get("/readyz")
    assert ready.status_code == 503 and ready.json["checks"]["storage"] != "ok"
    down = put(auth, pid, key)  # the phone retries while the store is still down
    assert down.status_code == 503
    back = MotoServer(port=own_s3_server.port).start()  # the store comes back
    try:
        back.client().create_bucket(Bucket=bucket)  # moto forgets; a real store keeps its data
        assert auth.client.get("/readyz").status_code == 200
        retry = put(auth, pid, key)
        assert retry.status_code == 201, retry.get_data(as_text=True)
        assert app.extensions["storage"].get_original(retry.json["sha256"]) == JPEG
        assert put(auth, pid, key).status_code == 201  # a replay of the stored answer
    finally:
        back.stop()
