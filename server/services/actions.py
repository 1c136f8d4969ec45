"""Applying a transition to a finding: checks, effects, history, letters."""
from datetime import datetime

from marshmallow import ValidationError

from ..errors import ApiError, flatten_messages
from ..extensions import db
from ..models import Community, Finding, FindingPhoto, Photo, User
from ..schemas.actions import ACTION_SCHEMAS
from ..timeutil import to_local
from .deadlines import start_clocks
from .events import add_event, log_finding
from .letters import issue_notice
from .lifecycle import TransitionError, plan, target_of
from .photo_flags import refresh_photo_flags
from .reference import Reference
from .reply_letters import maybe_issue


def _invalid(field: str, message: str) -> ApiError:
    """A 422 naming one field."""
    return ApiError(422, "invalid_fields", message, {field: message})


def action_name(payload) -> str:
    """Return the action a body asks for, or raise 400."""
    if not isinstance(payload, dict) or not isinstance(payload.get("action"), str):
        raise ApiError(400, "bad_request", "请求须为含 action 的 JSON 对象", {"action": "缺少操作类型"})
    if payload["action"] not in ACTION_SCHEMAS:
        raise ApiError(400, "unknown_action", f"未知操作：{payload['action']}", {"action": "未知操作"})
    return payload["action"]


def _load_fields(action: str, payload: dict) -> dict:
    """Validate the fields an action needs, or raise 422."""
    try:
        return ACTION_SCHEMAS[action].load(payload)
    except ValidationError as err:
        raise ApiError(422, "invalid_fields", "填写的内容有误", flatten_messages(err.messages)) from None


def _link_photos(finding: Finding, photo_ids: list[str], stage: str) -> None:
    """Attach photos to a finding at a stage, once each."""
    have = {link.photo_id for link in finding.photo_links}
    for i, pid in enumerate(photo_ids):
        if pid not in have:
            db.session.add(FindingPhoto(finding_id=finding.id, photo_id=pid, stage=stage,
                                        position=len(have) + i))


def _uploaded_photos(finding: Finding, user: User, photo_ids: list[str], after_notice: bool) -> None:
    """Require the photos to be uploaded, by this user's side, and for a rectification after the notice."""
    photos = {p.id: p for p in db.session.scalars(db.select(Photo).where(Photo.id.in_(photo_ids)))}
    missing = [pid for pid in photo_ids if pid not in photos]
    if missing:
        raise _invalid("photo_ids", f"照片尚未上传：{', '.join(missing)}")
    if user.role == "community":
        uploaders = {p.uploaded_by for p in photos.values()}
        same = set(db.session.scalars(db.select(User.id).where(
            User.id.in_(uploaders), User.community_id == user.community_id)))
        if uploaders - same:
            raise _invalid("photo_ids", "只能使用本社区上传的照片")
    if after_notice and finding.notified_at and not any(
            p.received_at >= finding.notified_at for p in photos.values()):
        raise _invalid("photo_ids", "至少需要一张在整改通知下发后拍摄上传的照片")


def _own_photos(user: User, photo_ids: list[str]) -> None:
    """A re-inspection rests on photos its actor took: one uploaded by anyone else is refused
    (photos not uploaded yet arrive later from the same phone, under the same account)."""
    if not photo_ids:
        return
    foreign = list(db.session.scalars(db.select(Photo.id).where(
        Photo.id.in_(photo_ids), Photo.uploaded_by != user.id)))
    if foreign:
        raise _invalid("photo_ids", "复查只能使用本人拍摄上传的照片")


def apply_action(finding: Finding, user: User, payload: dict, at: datetime,
                 ref: Reference, via_sync: bool = False) -> Finding:
    """Make one transition, or raise ApiError (400, 403, 409, 422) leaving nothing changed."""
    action = action_name(payload)
    try:
        t = plan(action, finding.status, user.role, finding.extension is not None)
    except TransitionError as err:
        raise ApiError(err.status, err.code, err.message) from None
    data = _load_fields(action, payload)
    before = finding.status
    note, extra, photos = data.get("note", ""), {}, data.get("photo_ids", [])
    notice_before = finding.notice_letter_id
    today = to_local(at).date()

    if action == "reply":
        if data["planned_date"] < today:
            raise _invalid("planned_date", "计划完成日期不能早于今天")
        on_time = finding.reply_due is None or today <= finding.reply_due
        reply = {"measures": data["measures"], "responsible": data["responsible"],
                 "phone": data["phone"], "planned_date": data["planned_date"].isoformat(),
                 "at": at.isoformat(), "on_time": on_time}
        finding.reply, finding.replied_at = reply, at
        note, extra = data["measures"], dict(reply)
    elif action == "rectify":
        _uploaded_photos(finding, user, photos, after_notice=True)
        if finding.replied_at is None:
            finding.replied_at = at  # a rectification counts as the reply too
        finding.rectified_at = at
        _link_photos(finding, photos, "after")
    elif action in ("return", "void"):
        note = data["reason"]
        if action == "return":
            finding.return_count += 1
    elif action == "request_extension":
        if finding.rectify_due and data["until"] <= finding.rectify_due:
            raise _invalid("until", f"延期日期须晚于当前整改时限 {finding.rectify_due.isoformat()}")
        finding.extension = {"until": data["until"].isoformat(), "reason": data["reason"],
                             "requested_at": at.isoformat(), "by": user.id}
        note, extra = data["reason"], {"until": data["until"].isoformat()}
    elif action == "approve_extension":
        old = finding.rectify_due
        finding.rectify_due = datetime.fromisoformat(finding.extension["until"]).date()
        extra = {"from": old.isoformat() if old else None, "to": finding.rectify_due.isoformat()}
        finding.extension = None
    elif action == "deny_extension":
        extra, finding.extension = {"until": finding.extension["until"]}, None
    elif action == "set_deadline":
        old = finding.rectify_due
        finding.rectify_due = data["rectify_due"]
        extra = {"from": old.isoformat() if old else None, "to": data["rectify_due"].isoformat()}
    elif action == "set_severity":
        if data["severity"] == finding.severity:
            raise _invalid("severity", "严重程度未改变")
        extra = {"from": finding.severity, "to": data["severity"]}
        finding.severity = data["severity"]
    elif action == "assign":
        _assign(finding, data, at, ref)
        extra = {"community_id": data["community_id"]}
    elif action in ("verify", "reject"):
        if photos and not via_sync:
            _uploaded_photos(finding, user, photos, after_notice=False)
        _own_photos(user, photos)
        if user.role == "inspector" and not photos:
            raise _invalid("photo_ids", "现场复查须附照片")
        _link_photos(finding, photos, "verify")
        if action == "verify":
            finding.closed_at = at
        else:
            finding.rework_count += 1
            finding.rectified_at = None
    finding.status = target_of(t, before)
    add_event(finding, user.id, action, before, at, note=note, data=extra, photo_ids=photos)
    if photos:
        db.session.flush()
        refresh_photo_flags([finding])  # whenever a photo is linked, not only on upload
    if action in ("reply", "rectify", "void", "assign"):
        # The notice (or, after a reassignment, the one it left) may now be fully answered.
        for notice_id in dict.fromkeys((notice_before, finding.notice_letter_id)):
            maybe_issue(notice_id, at, ref)
    return finding


def _assign(finding: Finding, data: dict, at: datetime, ref: Reference) -> None:
    """Hand a finding to a community: new notice, new clocks."""
    community = db.session.get(Community, data["community_id"])
    if community is None:
        raise _invalid("community_id", "社区不存在")
    if finding.status == "returned" and community.id == finding.community_id:
        raise _invalid("community_id", "该社区已回退此问题；如需维持原派发，请使用“驳回回退”")
    if finding.community_id not in (None, community.id):
        log_finding(finding, at)  # the old community's pull learns it is gone
    finding.community_id = community.id
    finding.assignment_method = "manual"
    finding.assignment_detail = (f"人工派发：{data['note']}" if data.get("note")
                                 else f"人工派发至{community.name}")[:200]
    finding.reply = finding.replied_at = finding.extension = None
    start_clocks(finding, at, ref)
    points = {finding.point_id: finding.point.name} if finding.point else {}
    issue_notice(community.id, community.name, [finding], at, ref.items, points)
