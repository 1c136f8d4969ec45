"""Text answers are gzip'd when no proxy does it; content-versioned URLs are cached for a year."""
import gzip
import json

import pytest

from server.pwa import shell_files


@pytest.fixture
def client(app):
    """A client of an app that compresses (as under `make run`, COMPRESS=1)."""
    from server import create_app

    compressing = create_app({**{k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "DATA_DIR")},
                              "TESTING": True, "COMPRESS": True})
    yield compressing.test_client()
    from server.extensions import db

    with compressing.app_context():
        db.engine.dispose()


def get(client, url, **headers):
    """GET and return (response, raw body), closed."""
    r = client.get(url, headers=headers)
    body = r.get_data()
    r.close()
    return r, body


@pytest.mark.parametrize("url", ["/js/app.js", "/css/app.css", "/", "/sw.js", "/api/openapi.json"])
def test_text_assets_are_gzipped_for_clients_that_accept_it(client, url):
    plain, body = get(client, url)
    packed, raw = get(client, url, **{"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert plain.headers.get("Content-Encoding") is None and len(body) >= 1024
    assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(raw) == body and len(raw) < len(body)
    assert int(packed.headers["Content-Length"]) == len(raw)


def test_a_revalidated_gzip_copy_is_304(client):
    first, _ = get(client, "/js/app.js", **{"Accept-Encoding": "gzip"})
    assert first.headers["ETag"].endswith('-gz"')
    again, body = get(client, "/js/app.js", **{"Accept-Encoding": "gzip",
                                               "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and body == b""


def test_per_user_api_answers_and_downloads_are_left_to_the_proxy(client):
    from tests.conftest import Auth

    auth = Auth(client)
    for url in ("/api/v1/checklists", "/api/v1/ledger.csv"):
        r = client.get(url, headers={**auth.headers("supervisor"), "Accept-Encoding": "gzip"})
        assert r.status_code == 200 and "Content-Encoding" not in r.headers
        r.close()


def test_content_versioned_urls_are_immutable_and_others_revalidate(client):
    version = shell_files()[1]
    versioned, body = get(client, f"/v/{version}/js/app.js")
    assert versioned.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert body == get(client, "/js/app.js")[1]
    stale, _ = get(client, "/v/0000000000000000/js/app.js")
    plain, _ = get(client, "/js/app.js")
    assert stale.headers["Cache-Control"] == plain.headers["Cache-Control"] == "no-cache"
    assert get(client, "/v/not-a-version/js/app.js")[0].status_code == 404
    assert get(client, f"/v/{version}/js/no-such-file.js")[0].status_code == 404


def test_the_shell_requests_its_files_under_the_current_version(client):
    version = shell_files()[1]
    index, html = get(client, "/")
    assert index.headers["Cache-Control"] == "no-cache"
    html = html.decode()
    assert f'src="/v/{version}/js/app.js"' in html and f'href="/v/{version}/css/app.css"' in html
    assert 'src="/js/' not in html and 'href="/css/' not in html
    assert client.get("/", headers={"If-None-Match": index.headers["ETag"]}).status_code == 304
    sw = get(client, "/sw.js")[1].decode()
    shell = json.loads(sw.split("const SHELL = ", 1)[1].split(";\n", 1)[0])
    assert "/" in shell and f"/v/{version}/js/app.js" in shell and f"/v/{version}/vendor/idb/index.js" in shell
    assert not [u for u in shell if u.startswith(("/js/", "/css/", "/vendor/"))]


def test_small_answers_are_sent_as_they_are(client):
    r, _ = get(client, "/healthz", **{"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in r.headers


def test_without_compress_the_app_leaves_compression_to_the_proxy(app):
    assert not app.config["COMPRESS"]  # the default: Caddy's encode in front
    r, _ = get(app.test_client(), "/js/app.js", **{"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in r.headers
