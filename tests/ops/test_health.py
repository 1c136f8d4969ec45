"""/healthz (the process answers) and /readyz (database and photo storage reachable), no token."""
import pytest

from server import create_app
from server.extensions import db
from tests.ops.servers import ThrowawayPostgres, free_port, pg_bin


@pytest.fixture
def app_with(tmp_path):
    """app_with(**settings): an app with its own photo folder; its connections closed afterwards."""
    made = []

    def make(**config):
        """The app."""
        base = {"TESTING": True, "DATA_DIR": str(tmp_path / "data"), "SWEEP_INTERVAL_S": 0,
                "LOG_LEVEL": "WARNING"}
        made.append(create_app({**base, **config}))
        return made[-1]

    yield make
    for app in made:
        with app.app_context():
            db.engine.dispose()


def test_both_answer_without_a_token_and_are_never_cached(client):
    for path, body in (("/healthz", {"status": "ok"}),
                       ("/readyz", {"status": "ready", "checks": {"database": "ok", "storage": "ok"}})):
        r = client.get(path)
        assert r.status_code == 200 and r.json == body
        assert r.headers["Cache-Control"] == "no-store"


def test_a_database_that_cannot_be_reached_is_503_while_the_process_still_answers(app_with):
    closed = f"postgresql://postgres@127.0.0.1:{free_port()}/nothing"
    client = app_with(SQLALCHEMY_DATABASE_URI=closed).test_client()
    r = client.get("/readyz")
    assert r.status_code == 503 and r.headers["Retry-After"]
    assert r.json["status"] == "unavailable"
    assert r.json["checks"] == {"database": "数据库无法连接", "storage": "ok"}
    assert client.get("/healthz").status_code == 200


def test_an_unusable_photo_folder_is_503(app_with, tmp_path, database_url):
    (tmp_path / "a-file").write_bytes(b"")
    app = app_with(SQLALCHEMY_DATABASE_URI=database_url,
                   DATA_DIR=str(tmp_path / "a-file" / "data"))
    r = app.test_client().get("/readyz")
    assert r.status_code == 503
    assert r.json["checks"] == {"database": "ok", "storage": "照片存储无法使用"}


def test_object_storage_that_stops_answering_is_503_until_it_is_back(app_with, database_url,
                                                                     own_s3_server, monkeypatch):
    for key, value in own_s3_server.env().items():
        monkeypatch.setenv(key, value)
    bucket = own_s3_server.new_bucket()
    app = app_with(SQLALCHEMY_DATABASE_URI=database_url,
                   PHOTO_STORE=f"s3://{bucket}/photos", S3_TIMEOUT_S=1)
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    own_s3_server.freeze()
    try:
        r = client.get("/readyz")
        assert r.status_code == 503 and r.json["checks"]["storage"] == "照片存储无法使用"
    finally:
        own_s3_server.thaw()
    assert client.get("/readyz").status_code == 200
    own_s3_server.stop()
    assert client.get("/readyz").status_code == 503


@pytest.mark.skipif(pg_bin() is None, reason="PostgreSQL server binaries are not installed")
def test_readyz_turns_503_when_postgresql_stops_and_200_when_it_is_back(app_with):
    """A throwaway PostgreSQL of the test's own (never the machine's 5432) is stopped and started."""
    pg = ThrowawayPostgres()
    try:
        pg.start()
        app = app_with(SQLALCHEMY_DATABASE_URI=pg.url)
        client = app.test_client()
        assert client.get("/readyz").status_code == 200
        pg.stop()
        r = client.get("/readyz")
        assert r.status_code == 503 and r.json["checks"]["database"] == "数据库无法连接"
        assert client.get("/healthz").status_code == 200
        pg.start()
        assert client.get("/readyz").status_code == 200
        with app.app_context():
            db.engine.dispose()  # before its server goes away
    finally:
        pg.close()


def test_a_database_host_that_never_answers_is_503_after_the_connect_timeout(app_with):
    """A listener that accepts TCP but never speaks: without a connect timeout /readyz would
    wait for the operating system's TCP timeout (minutes) and hold a web worker meanwhile."""
    import socket
    import threading

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    port = silent.getsockname()[1]
    try:
        app = app_with(SQLALCHEMY_DATABASE_URI=f"postgresql://u@127.0.0.1:{port}/x", DB_CONNECT_TIMEOUT_S=1)
        answers = []
        worker = threading.Thread(target=lambda: answers.append(app.test_client().get("/readyz")), daemon=True)
        worker.start()
        worker.join(30)
        assert answers, "/readyz was still waiting for the silent database after 30 s"
        assert answers[0].status_code == 503 and answers[0].json["checks"]["database"] == "数据库无法连接"
    finally:
        silent.close()
