"""信息报送 (四(五)): every unit reports at least one item per half-month; supervisors review.

A submission counts for the half-month of its receipt (local date). A unit account sees its
own unit's submissions only (another's answers 404); nothing is edited after review; a
reviewer never reviews their own unit's item.
"""
import sqlalchemy as sa

from ..errors import ApiError
from ..extensions import db
from ..models import Photo, Unit, User
from ..models.campaign import ADOPTION_LEVELS, SUBMISSION_KINDS, Submission
from ..timeutil import iso, local_today, utcnow
from . import audit
from .reports import half_of, parse_half

ALL_UNITS = ("supervisor", "leader", "admin")
REMIND_DAYS = 3  # the reminder shows in the last three days of a half-month


def own_unit(user: User) -> int:
    """The unit a unit account reports for (403 when the account has none)."""
    if user.role != "community" or user.community_id is None:
        raise ApiError(403, "forbidden", "只有责任单位的账号可以报送信息")
    return user.community_id


def scope(user: User):
    """A SQL condition for the submissions this user may see."""
    if user.role in ALL_UNITS:
        return sa.true()
    if user.role == "community" and user.community_id is not None:
        return Submission.unit_id == user.community_id
    raise ApiError(403, "forbidden", "当前角色无权查看信息报送")


def check_photos(user: User, photo_ids: list[str], field: str = "photo_ids") -> None:
    """Photos must be uploaded already, by this user (else 422 naming each one)."""
    if not photo_ids:
        return
    mine = set(db.session.scalars(sa.select(Photo.id).where(
        Photo.id.in_(photo_ids), Photo.uploaded_by == user.id)))
    bad = {f"{field}[{i}]": "照片尚未上传，或不是本人上传的" for i, p in enumerate(photo_ids)
           if p not in mine}
    if bad:
        raise ApiError(422, "invalid_fields", "照片有误", bad)


def submission_dict(s: Submission) -> dict:
    """A submission as the API shows it."""
    review = None
    if s.reviewed_at is not None:
        review = {"adopted": s.adopted, "level": s.level,
                  "level_label": ADOPTION_LEVELS.get(s.level) if s.level else None,
                  "note": s.review_note, "at": iso(s.reviewed_at),
                  "reviewer": s.reviewer.display_name if s.reviewer else None}
    return {"id": s.id, "unit_id": s.unit_id, "unit_name": s.unit.name, "period": s.period,
            "title": s.title, "kind": s.kind, "kind_label": SUBMISSION_KINDS[s.kind],
            "body": s.body, "photo_ids": list(s.photo_ids or []),
            "author": s.author.display_name if s.author else None,
            "received_at": iso(s.received_at), "reviewed": review is not None, "review": review}


def create(user: User, data: dict) -> Submission:
    """Receive a submission for the half-month of today (local)."""
    unit_id = own_unit(user)
    unit = db.session.get(Unit, unit_id)
    if unit is None or not unit.active:
        raise ApiError(422, "unit_inactive", "本单位已停用，不能报送信息", {"unit_id": "单位已停用"})
    check_photos(user, data["photo_ids"])
    now = utcnow()
    s = Submission(unit_id=unit_id, author_id=user.id, period=half_of(local_today(now)).label,
                   title=data["title"].strip(), kind=data["kind"], body=data["body"],
                   photo_ids=data["photo_ids"], received_at=now, review_note="")
    db.session.add(s)
    db.session.flush()
    return s


def get(user: User, submission_id: int, for_update: bool = False) -> Submission:
    """A visible submission or 404 (another unit's is simply not found)."""
    q = sa.select(Submission).where(Submission.id == submission_id, scope(user))
    if for_update:
        q = q.with_for_update()
    s = db.session.scalar(q)
    if s is None:
        raise ApiError(404, "submission_not_found", "信息不存在或无权查看")
    return s


def half_status(user: User, period, total: int) -> dict:
    """The half-month shown: its range, days left, and whether to remind a unit with nothing in."""
    today = local_today()
    current = period.start <= today <= period.end
    days_left = (period.end - today).days if current else None
    remind = (user.role == "community" and current and total == 0
              and days_left is not None and days_left < REMIND_DAYS)
    return {"period": period.label, "from": period.start.isoformat(), "to": period.end.isoformat(),
            "current": current, "days_left": days_left, "remind": remind}


def listing(user: User, args: dict) -> dict:
    """Submissions of a half-month (default: the current one), newest first, paged."""
    cond = scope(user)
    try:
        period = parse_half(args["half"]) if args.get("half") else half_of(local_today())
    except ValueError as err:
        raise ApiError(400, "bad_query", "查询参数有误", {"half": str(err)}) from None
    q = sa.select(Submission).where(cond, Submission.period == period.label)
    if args.get("unit_id"):
        q = q.where(Submission.unit_id == args["unit_id"])
    if args.get("reviewed") is not None:
        q = q.where(Submission.reviewed_at.is_not(None) if args["reviewed"]
                    else Submission.reviewed_at.is_(None))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(q.subquery()))
    page, per_page = args.get("page", 1), args.get("per_page", 50)
    rows = db.session.scalars(q.order_by(Submission.received_at.desc(), Submission.id.desc())
                              .offset((page - 1) * per_page).limit(per_page))
    return {"items": [submission_dict(s) for s in rows], "total": total,
            "half": half_status(user, period, total)}


def review(user: User, s: Submission, data: dict) -> Submission:
    """Mark a submission adopted (at a level) or not, once; audited."""
    if s.reviewed_at is not None:
        raise ApiError(409, "already_reviewed", "该信息已审核，不能重复审核")
    if user.community_id is not None and user.community_id == s.unit_id:
        raise ApiError(403, "own_unit", "不能审核本单位报送的信息")
    s.adopted = data["adopted"]
    s.level = data["level"] if data["adopted"] else None
    s.review_note = data["note"]
    s.reviewer_id, s.reviewed_at = user.id, utcnow()
    db.session.flush()
    audit.record(user, "submission.review", f"submission:{s.id}", None,
                 {"adopted": s.adopted, "level": s.level, "note": s.review_note,
                  "unit_id": s.unit_id, "title": s.title})
    return s
