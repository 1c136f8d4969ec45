"""Publishing the weekly bulletin (周通报): its issue number (期号) and its distribution.

A bulletin is numbered when a supervisor publishes it, in the year's series (2026年第3期), in the
order of publication: a number is reserved in the same transaction as the row that uses it, so a
failed or concurrent publication never skips or repeats one, and publishing a week again answers
the number it already has. Only a finished week is published (its figures no longer change).
"""
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..errors import ApiError
from ..extensions import db
from ..models import Bulletin, Community, User
from ..timeutil import iso
from . import audit
from .numbering import reserve
from .reports import parse_week

# 抄送 when the settings name none: the leaders the work plan reports to.
DEFAULT_CC = ("明桦街道创建全国文明城市工作领导小组",)
KIND_ORDER = {"community": 0, "task_force": 1, "office": 2}


def bulletin_dict(b: Bulletin) -> dict:
    """A published bulletin as the API shows it."""
    return {"week": b.week, "year": b.year, "seq": b.seq, "number": f"{b.year}年第{b.seq}期",
            "published_at": iso(b.published_at), "publisher_id": b.publisher_id}


def issue_of(week: str) -> dict | None:
    """The published bulletin of a week, or None while it is unpublished."""
    b = db.session.scalar(sa.select(Bulletin).where(Bulletin.week == week))
    return bulletin_dict(b) if b else None


def publish(user: User, week: str, now) -> tuple[dict, bool]:
    """Publish a finished week's bulletin; (bulletin, True) when numbered now, False if it was."""
    try:
        period = parse_week(week)
    except ValueError as err:
        raise ApiError(422, "invalid_fields", "填写的内容有误", {"week": str(err)}) from None
    if (existing := issue_of(period.label)) is not None:
        return existing, False
    if period.ends > now:
        raise ApiError(409, "conflict", "该周尚未结束，周通报须在周结束后发布",
                       {"week": "该周尚未结束"})
    year = period.start.isocalendar()[0]
    try:
        with db.session.begin_nested():
            seq = reserve(f"bulletin:{year}")
            b = Bulletin(week=period.label, year=year, seq=seq, published_at=now,
                         publisher_id=user.id)
            db.session.add(b)
            db.session.flush()
    except IntegrityError:  # published at the same moment by someone else: theirs stands
        return issue_of(period.label), False
    out = bulletin_dict(b)
    audit.record(user, "bulletin.publish", f"bulletin:{period.label}", None, out)
    return out, True


def listing(year: int | None) -> list[dict]:
    """Published bulletins, newest first (of one year when given)."""
    q = sa.select(Bulletin).order_by(Bulletin.year.desc(), Bulletin.seq.desc())
    if year is not None:
        q = q.where(Bulletin.year == year)
    return [bulletin_dict(b) for b in db.session.scalars(q)]


def _names(text: str) -> list[str]:
    """A list typed in the settings: names separated by 、，, ; or new lines."""
    for sep in ("，", ",", "；", ";", "\n"):
        text = text.replace(sep, "、")
    return [x.strip() for x in text.split("、") if x.strip()]


def distribution(settings: dict) -> dict:
    """主送 and 抄送: from the settings, else every active unit (社区, 专班, 科室) and the leaders."""
    to = _names(settings.get("bulletin_to") or "")
    if not to:
        units = db.session.execute(sa.select(Community.name, Community.kind).where(
            Community.active.is_(True)).order_by(Community.position, Community.id)).all()
        to = [name for name, kind in sorted(units, key=lambda u: KIND_ORDER.get(u[1], 9))]
    cc = _names(settings.get("bulletin_cc") or "") or list(DEFAULT_CC)
    return {"to": to, "cc": cc}
