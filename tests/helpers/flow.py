"""Drive findings into any state over HTTP, as a script would."""
import sqlalchemy as sa

from server.extensions import db
from tests.helpers.images import make_jpeg
from tests.helpers.records import demo_point, inspection, item, new_id, result

# A place outside every demo boundary and far from every point.
FAR_AWAY = (42.90, 126.60)


def free_item(app, point, location_type: str = "street") -> str:
    """An item of the type with no open finding at the point, so a new failure opens a new finding
    (a failure of an item already open there is a re-sighting of it)."""
    from server.models import ChecklistItem, Finding
    from server.services.resighting import JOINABLE

    with app.app_context():
        taken = set(db.session.scalars(sa.select(Finding.item_code).where(
            Finding.point_id == point.id, Finding.status.in_(JOINABLE))))
        items = list(db.session.scalars(sa.select(ChecklistItem).where(
            ChecklistItem.location_type == location_type, ChecklistItem.active.is_(True))
            .order_by(ChecklistItem.position)))
        first = items[0]  # the others alike in limit and photo rule first: the same clocks
        items.sort(key=lambda i: (i.limit_days != first.limit_days,
                                  i.photo_required != first.photo_required))
        return next(i.code for i in items if i.code not in taken)


def push_finding(app, auth, community="yongsheng", covert=False, **kw) -> str:
    """Push an inspection with one failed item and its photo at a demo point; return the finding id."""
    point = demo_point(app, "street", community)
    rec = inspection(point, [result(free_item(app, point), "fail", [upload(auth, "inspector")])],
                     covert=covert, **kw)
    r = auth.post("inspector", "/api/v1/sync/push", json={"device_id": "t", "records": [rec]})
    assert r.json["results"][0]["status"] == "created", r.json
    return rec["results"][0]["id"]


def push_unassigned(app, auth) -> str:
    """Push a failed item recorded far outside the sub-district; return the finding id."""
    from server.models import Finding

    with app.app_context():  # each one some 100 m from the last, so none re-sights another
        n = db.session.scalar(sa.select(sa.func.count()).select_from(Finding).where(
            Finding.point_id.is_(None)))
    rec = inspection(None, [result(item(app), "fail", [new_id()])], lat=FAR_AWAY[0] + 0.001 * n,
                     lon=FAR_AWAY[1], location_type="street")
    r = auth.post("inspector", "/api/v1/sync/push", json={"device_id": "t", "records": [rec]})
    assert r.json["results"][0]["status"] == "created", r.json
    return rec["results"][0]["id"]


def upload(auth, user: str) -> str:
    """Upload a fresh JPEG as a user; return its id."""
    pid = new_id()
    r = auth.put(user, f"/api/v1/photos/{pid}", data=make_jpeg(320, 240),
                 headers={"Content-Type": "image/jpeg"})
    assert r.status_code == 201, r.get_data(as_text=True)
    return pid


def act(auth, user: str, fid: str, action: str, **fields):
    """POST one action; return the response."""
    return auth.post(user, f"/api/v1/findings/{fid}/actions", json={"action": action, **fields})


REPLY = {"measures": "组织保洁人员清理并修补路面", "responsible": "王建华", "phone": "13800000000",
         "planned_date": "2026-12-10"}


def ok(resp):
    """Assert a 200 and return the JSON."""
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.json


def finding_in(app, auth, state: str, community="yongsheng") -> str:
    """Create a finding and drive it into a state; return its id."""
    user = community
    if state == "unassigned":
        return push_unassigned(app, auth)
    fid = push_finding(app, auth, community)
    if state == "assigned":
        return fid
    if state == "returned":
        ok(act(auth, user, fid, "return", reason="该点位不属于本社区"))
        return fid
    if state == "void":
        ok(act(auth, "supervisor", fid, "void", reason="重复录入"))
        return fid
    ok(act(auth, user, fid, "reply", **REPLY))
    if state == "replied":
        return fid
    ok(act(auth, user, fid, "rectify", note="已清理", photo_ids=[upload(auth, user)]))
    if state == "rectified":
        return fid
    ok(act(auth, "supervisor", fid, "verify", note="现场复核已整改"))
    assert state == "closed"
    return fid


def sweep_at(app, when: str, issue: bool = True) -> list[int]:
    """Run the deadline sweep at a local time; with `issue`, a supervisor then issues every open
    draft (prompt_review is on by default). Return the ids of the letters the sweep touched."""
    from server.extensions import db
    from server.models import Letter
    from server.services.deadlines import sweep
    from server.services.prompts import issue_draft
    from server.timeutil import parse_iso

    at = parse_iso(when)
    with app.app_context():
        ids = [x.id for x in sweep(at)]
        drafts = db.session.scalars(db.select(Letter.id).filter_by(kind="prompt", status="draft")).all()
        for letter_id in drafts if issue else ():
            issue_draft(letter_id, at)
        db.session.commit()
    return ids
