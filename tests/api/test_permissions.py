"""The permission matrix: login on every route, roles per endpoint, and no cross-community leak."""
import re
import pytest

from server import create_app
from tests.helpers.flow import act, finding_in, ok, upload
from tests.helpers.records import new_id

PUBLIC = {"api.login", "openapi.openapi", "static", "pwa.index", "pwa.manifest",
          "pwa.service_worker", "pwa.app_config", "pwa.shell_file", "pwa.versioned_file",
          # Operations: health for load balancers, the pilot's certificate page for phones.
          "health.healthz", "health.readyz", "install.install_page", "install.certificate",
          "install.qr_code"}  # the app shell is public
ROLES = {"inspector": "inspector", "community": "yongsheng", "supervisor": "supervisor",
         "leader": "leader", "admin": "admin"}
ALL = set(ROLES)
# endpoint → roles allowed (the finding actions have their own table in services/lifecycle.py).
ALLOWED = {
    "api.push": {"inspector", "supervisor"},
    "api.put_photo": {"inspector", "supervisor", "community"},
    "api.put_day": {"admin"},
    "api.put_year": {"admin"},
    # Bulletins and grades are for the communities, the task force and the leaders.
    "api.report_weekly": {"community", "supervisor", "leader", "admin"},
    "api.report_monthly": {"community", "supervisor", "leader", "admin"},
    "pages.report_weekly_page": {"community", "supervisor", "leader", "admin"},
    "pages.report_monthly_page": {"community", "supervisor", "leader", "admin"},
    # Issue 12: published bulletins (期号) are read like the bulletin; the task force publishes
    # them and records problems at the desk (专题督查, 上级交办, 群众反映).
    "api.list_bulletins": {"community", "supervisor", "leader", "admin"},
    "api.publish_bulletin": {"supervisor"},
    "api.create_finding": {"supervisor"},
    # Administration (v1.1): admins write; supervisors read people (they allocate routes).
    "api.list_users": {"supervisor", "admin"},
    "api.create_user": {"admin"},
    "api.update_user": {"admin"},
    "api.reset_password": {"admin"},
    "api.create_unit": {"admin"},
    "api.update_unit": {"admin"},
    "api.create_point": {"admin"},
    "api.update_point": {"admin"},
    "api.import_points": {"admin"},
    "api.points_template": {"admin"},
    "api.points_export": {"admin"},
    "api.put_boundary": {"admin"},
    "api.create_location_type": {"admin"},
    "api.update_location_type": {"admin"},
    "api.create_item": {"admin"},
    "api.update_item": {"admin"},
    "api.order_items": {"admin"},
    "api.put_settings": {"admin"},
    "api.preview_scoring": {"admin"},
    "api.list_audit": {"admin"},
    # 信息报送 and 责任清单 (v1.1): units submit and complete, supervisors review, issue, confirm.
    "api.create_submission": {"community"},
    "api.list_submissions": {"community", "supervisor", "leader", "admin"},
    "api.get_submission": {"community", "supervisor", "leader", "admin"},
    "api.review_submission": {"supervisor"},
    "api.submissions_archive": {"supervisor", "leader", "admin"},
    "api.create_duty_list": {"supervisor"},
    "api.list_duty_lists": {"community", "supervisor", "leader", "admin"},
    "api.duty_list_draft": {"supervisor"},
    "api.get_duty_list": {"community", "supervisor", "leader", "admin"},
    "api.complete_duty_item": {"community"},
    "api.confirm_duty_item": {"supervisor"},
    "api.reject_duty_item": {"supervisor"},
    "api.report_submissions": {"community", "supervisor", "leader", "admin"},
    "api.report_duty": {"community", "supervisor", "leader", "admin"},
    "api.report_yearly": {"community", "supervisor", "leader", "admin"},
    "pages.duty_list_page": {"community", "supervisor", "leader", "admin"},
    "pages.report_yearly_page": {"community", "supervisor", "leader", "admin"},
    # 日督导 (v1.1): supervisors allocate; an inspector reads only its own day (another's: 404).
    "api.day_routes": {"supervisor"},
    "api.get_route": {"inspector", "supervisor"},
    "api.put_route": {"supervisor"},
}


def _routes():
    """Every (endpoint, method, sample url) the app serves, minus public ones."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SWEEP_INTERVAL_S": 0})
    samples = {"finding_id": new_id(), "photo_id": new_id(), "letter_id": "1", "day": "2026-12-01",
               "year": "2027", "fmt": "json", "code": "no_such.item", "export_id": "1",
               "unit_id": "999999", "user_id": "999999", "point_id": "999999",
               "location_type": "no_such_type", "submission_id": "999999", "list_id": "999999",
               "item_id": "999999"}
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        url = re.sub(r"<(?:[^:>]+:)?(\w+)>", lambda m: samples[m.group(1)], rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((rule.endpoint, method, url))
    return out


ROUTES = _routes()


def test_route_list_covers_the_contract():
    endpoints = {e for e, _, _ in ROUTES}
    for needed in ("api.push", "api.pull", "api.list_findings", "api.get_finding", "api.act_on_finding",
                   "api.put_photo", "api.get_photo", "api.due", "api.list_letters", "api.get_letter",
                   "open311.services", "open311.requests_list", "open311.request_one",
                   "pages.letter_page", "api.communities", "api.points", "api.checklists",
                   "api.map_findings", "api.ledger_csv", "api.ledger_xlsx", "api.create_export",
                   "api.get_export", "api.download_export", "api.report_weekly",
                   "api.report_monthly", "api.report_coverage", "pages.report_weekly_page",
                   "pages.report_monthly_page", "pages.report_coverage_page"):
        assert needed in endpoints


@pytest.mark.parametrize("endpoint, method, url", ROUTES)
def test_every_route_requires_login(client, endpoint, method, url):
    r = client.open(url, method=method, json={})
    if endpoint.startswith("pages."):  # a printable page opened without a session: to the sign-in
        assert r.status_code == 302 and r.headers["Location"].endswith("/#/login"), (endpoint, r.status_code)
        return
    assert r.status_code == 401, (endpoint, r.status_code)
    assert r.json["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("endpoint, method, url", [r for r in ROUTES if r[0] in ALLOWED])
@pytest.mark.parametrize("role", sorted(ROLES))
def test_roles_outside_an_endpoint_get_403(auth, clock, endpoint, method, url, role):
    r = auth.client.open(url, method=method, json={}, headers=auth.headers(ROLES[role]))
    if role in ALLOWED[endpoint]:
        assert r.status_code != 403
    else:
        assert r.status_code == 403


@pytest.mark.parametrize("endpoint, method, url", [r for r in ROUTES if r[0] not in ALLOWED
                                                   and r[1] == "GET"])
@pytest.mark.parametrize("role", sorted(ROLES))
def test_every_role_may_read_what_is_its_own(auth, clock, endpoint, method, url, role):
    r = auth.client.open(url, method=method, headers=auth.headers(ROLES[role]))
    assert r.status_code != 403 and r.status_code != 500, (endpoint, r.status_code)


def test_revoked_and_garbage_tokens_are_401(auth, client):
    token = auth.token("inspector")
    assert client.get("/api/v1/findings", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    assert client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get("/api/v1/findings", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_expired_tokens_are_401(auth, client, clock):
    token = auth.token("inspector")
    clock.set("2027-01-05T10:00:00+08:00")  # 30 days later and more
    assert client.get("/api/v1/findings", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_bad_credentials_are_401_in_chinese(client):
    r = client.post("/api/v1/auth/login", json={"username": "inspector", "password": "wrong"})
    assert r.status_code == 401 and r.json["error"]["message"] == "用户名或密码错误"


def test_login_sets_a_cookie_that_pages_and_photos_accept(app, auth, client, clock):
    fid = finding_in(app, auth, "assigned")
    letters = auth.get("supervisor", f"/api/v1/letters?finding_id={fid}").json["items"]
    browser = app.test_client()
    signed_out = browser.get(letters[0]["url"])  # a letter opened without a session: the sign-in
    assert signed_out.status_code == 302 and signed_out.headers["Location"].endswith("/#/login")
    browser.post("/api/v1/auth/login", json={"username": "yongsheng", "password": "pw"})
    assert browser.get(letters[0]["url"]).status_code == 200
    # Cookies authenticate reads only: a cookie-borne POST is refused (no CSRF surface).
    assert browser.post(f"/api/v1/findings/{fid}/actions", json={"action": "return", "reason": "x"}).status_code == 401


def test_a_community_never_sees_another_communitys_things(app, auth, client, clock):
    fid = finding_in(app, auth, "rectified", community="hongsheng")
    f = auth.get("supervisor", f"/api/v1/findings/{fid}").json
    photo_ids = [p["id"] for p in f["photos"]]
    letters = auth.get("supervisor", f"/api/v1/letters?finding_id={fid}").json["items"]
    assert photo_ids and letters
    spy = "yongsheng"
    assert auth.get(spy, f"/api/v1/findings/{fid}").status_code == 404
    assert act(auth, spy, fid, "verify", note="x").status_code == 404
    assert fid not in [x["id"] for x in auth.get(spy, "/api/v1/findings").json["items"]]
    assert auth.get(spy, "/api/v1/findings?community_id=%d" % f["community_id"]).json["total"] == 0
    for pid in photo_ids:
        for variant in ("original", "thumb", "display"):
            assert auth.get(spy, f"/api/v1/photos/{pid}?variant={variant}").status_code == 404
    for letter in letters:
        assert auth.get(spy, f"/api/v1/letters/{letter['id']}").status_code == 404
        assert auth.get(spy, letter["url"]).status_code == 404
    assert auth.get(spy, "/api/v1/letters").json["total"] == 0
    pulled = auth.get(spy, "/api/v1/sync/pull").json
    assert pulled["findings"] == [] and pulled["letters"] == []
    # …while the owner sees all of it.
    assert auth.get("hongsheng", f"/api/v1/findings/{fid}").status_code == 200
    assert all(auth.get("hongsheng", f"/api/v1/photos/{p}").status_code == 200 for p in photo_ids)


def test_a_community_cannot_use_another_communitys_photo_for_its_rectification(app, auth, clock):
    theirs = upload(auth, "hongsheng")
    fid = finding_in(app, auth, "replied", community="yongsheng")
    r = act(auth, "yongsheng", fid, "rectify", note="x", photo_ids=[theirs])
    assert r.status_code == 422
    mine = upload(auth, "yongsheng")
    assert ok(act(auth, "yongsheng", fid, "rectify", note="x", photo_ids=[mine]))["status"] == "rectified"


def test_pull_pages_and_cursor(app, auth, clock):
    fids = [finding_in(app, auth, "assigned") for _ in range(3)]
    first = auth.get("yongsheng", "/api/v1/sync/pull").json
    assert {f["id"] for f in first["findings"]} == set(fids)
    assert len(first["letters"]) == 3 and first["has_more"] is False
    again = auth.get("yongsheng", f"/api/v1/sync/pull?cursor={first['cursor']}").json
    assert again["findings"] == [] and again["cursor"] == first["cursor"]
    act(auth, "yongsheng", fids[0], "return", reason="不属本社区")
    later = auth.get("yongsheng", f"/api/v1/sync/pull?cursor={first['cursor']}").json
    assert [f["id"] for f in later["findings"]] == [fids[0]]
    assert auth.get("yongsheng", "/api/v1/sync/pull?cursor=abc").status_code == 400




def test_the_findings_list_sorts_by_a_whitelisted_column(app, auth, clock):
    ids = [finding_in(app, auth, "assigned") for _ in range(3)]
    codes = [auth.get("supervisor", f"/api/v1/findings/{i}").json["code"] for i in ids]
    up = [f["code"] for f in auth.get("supervisor", "/api/v1/findings?sort=code").json["items"]]
    down = [f["code"] for f in auth.get("supervisor", "/api/v1/findings?sort=-code").json["items"]]
    assert up == sorted(codes) and down == sorted(codes, reverse=True)
    assert auth.get("supervisor", "/api/v1/findings?sort=password_hash").status_code == 400
