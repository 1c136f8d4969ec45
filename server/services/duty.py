"""责任清单 (四(六)): weekly or monthly duty lists per unit, completed with evidence, confirmed.

An item is ``open`` → ``completed`` (by the unit, with a note or a photo) → ``confirmed`` (by a
supervisor), or back to ``open`` when sent back with a note. It is overdue when not confirmed
and its due date is before today (local). Units never see each other's lists (404).
"""
from datetime import date, timedelta

import sqlalchemy as sa

from ..errors import ApiError
from ..extensions import db
from ..models import Unit, User
from ..models.campaign import DUTY_STATUSES, DutyItem, DutyList
from ..timeutil import iso, local_today, utcnow
from . import audit
from .reports import month_period, parse_week_or_month, previous_period
from .submissions import check_photos

ALL_UNITS = ("supervisor", "leader", "admin")


def scope(user: User):
    """A SQL condition for the duty lists this user may see."""
    if user.role in ALL_UNITS:
        return sa.true()
    if user.role == "community" and user.community_id is not None:
        return DutyList.unit_id == user.community_id
    raise ApiError(403, "forbidden", "当前角色无权查看责任清单")


def parse_period(text: str, field: str = "period", status: int = 422):
    """A week or month period, or an error naming the field."""
    try:
        return parse_week_or_month(text)
    except ValueError as err:
        code = "invalid_fields" if status == 422 else "bad_query"
        raise ApiError(status, code, "周期有误", {field: str(err)}) from None


def item_dict(i: DutyItem, today: date) -> dict:
    """One item as the API shows it."""
    return {"id": i.id, "text": i.text, "indicator": i.indicator, "due": i.due.isoformat(),
            "status": i.status, "status_label": DUTY_STATUSES[i.status],
            "overdue": i.status != "confirmed" and i.due < today, "note": i.note,
            "photo_ids": list(i.photo_ids or []), "completed_at": iso(i.completed_at),
            "confirmed_at": iso(i.confirmed_at), "review_note": i.review_note}


def list_dict(dl: DutyList, today: date | None = None) -> dict:
    """A duty list with its items."""
    today = today or local_today()
    p = parse_week_or_month(dl.period)
    return {"id": dl.id, "unit_id": dl.unit_id, "unit_name": dl.unit.name, "period": dl.period,
            "from": p.start.isoformat(), "to": p.end.isoformat(), "issued_at": iso(dl.issued_at),
            "items": [item_dict(i, today) for i in dl.items],
            "url": f"/duty-lists/{dl.id}"}


def create(user: User, data: dict) -> DutyList:
    """Issue a list for a unit and period (one per unit and period); audited."""
    unit = db.session.get(Unit, data["unit_id"])
    if unit is None:
        raise ApiError(422, "invalid_fields", "单位不存在", {"unit_id": "单位不存在"})
    if not unit.active:
        raise ApiError(422, "unit_inactive", "该单位已停用，不能下发责任清单", {"unit_id": "单位已停用"})
    period = parse_period(data["period"])
    bad = {f"items[{n}].due": f"不能早于本期第一天（{period.start.isoformat()}）"
           for n, it in enumerate(data["items"]) if it["due"] < period.start}
    if bad:
        raise ApiError(422, "invalid_fields", "完成时限早于清单周期", bad)
    if db.session.scalar(sa.select(DutyList.id).where(DutyList.unit_id == unit.id,
                                                      DutyList.period == period.label)):
        raise ApiError(409, "duty_list_exists", "该单位本期已有责任清单")
    dl = DutyList(unit_id=unit.id, period=period.label, issued_by=user.id, issued_at=utcnow())
    db.session.add(dl)
    db.session.flush()
    for n, it in enumerate(data["items"]):
        db.session.add(DutyItem(list_id=dl.id, position=n, text=it["text"].strip(),
                                indicator=it["indicator"], due=it["due"], status="open",
                                note="", photo_ids=[], review_note=""))
    db.session.flush()
    db.session.refresh(dl)
    audit.record(user, "duty.issue", f"duty_list:{dl.id}", None,
                 {"unit_id": unit.id, "period": dl.period, "items": len(data["items"])})
    return dl


def draft(unit_id: int, period_text: str) -> dict:
    """A start for a new list: last period's items for the unit, due dates moved along."""
    period = parse_period(period_text, status=400)
    prev = previous_period(period)
    dl = db.session.scalar(sa.select(DutyList).where(DutyList.unit_id == unit_id,
                                                     DutyList.period == prev.label))
    items = []
    for i in (dl.items if dl else []):
        items.append({"text": i.text, "indicator": i.indicator,
                      "due": _shift(i.due, prev, period).isoformat()})
    return {"unit_id": unit_id, "period": period.label, "copied_from": prev.label if dl else None,
            "items": items}


def _shift(due: date, prev, period) -> date:
    """A due date moved from the previous period into this one (same weekday or day of month)."""
    if "-W" in period.label:
        return due + (period.start - prev.start)
    last = month_period(period.start.year, period.start.month).end
    offset = (due - prev.start).days
    return min(period.start + timedelta(days=offset), last)


def listing(user: User, args: dict) -> dict:
    """Lists visible to the user, by period and unit, newest first."""
    q = sa.select(DutyList).where(scope(user))
    if args.get("period"):
        q = q.where(DutyList.period == parse_period(args["period"], status=400).label)
    if args.get("unit_id"):
        q = q.where(DutyList.unit_id == args["unit_id"])
    total = db.session.scalar(sa.select(sa.func.count()).select_from(q.subquery()))
    page, per_page = args.get("page", 1), args.get("per_page", 50)
    rows = db.session.scalars(q.order_by(DutyList.issued_at.desc(), DutyList.id.desc())
                              .offset((page - 1) * per_page).limit(per_page))
    today = local_today()
    return {"items": [list_dict(dl, today) for dl in rows], "total": total}


def get(user: User, list_id: int) -> DutyList:
    """A visible list or 404."""
    dl = db.session.scalar(sa.select(DutyList).where(DutyList.id == list_id, scope(user)))
    if dl is None:
        raise ApiError(404, "duty_list_not_found", "责任清单不存在或无权查看")
    return dl


def get_item(user: User, item_id: int) -> DutyItem:
    """A visible item (locked for the change) or 404."""
    item = db.session.scalar(sa.select(DutyItem).join(DutyList).where(
        DutyItem.id == item_id, scope(user)).with_for_update())
    if item is None:
        raise ApiError(404, "duty_item_not_found", "责任清单事项不存在或无权查看")
    return item


def _expect(item: DutyItem, status: str, message: str) -> None:
    """409 unless the item is in the given state."""
    if item.status != status:
        raise ApiError(409, "conflict", message)


def complete(user: User, item: DutyItem, data: dict) -> DutyItem:
    """The unit reports an item done, with a note and/or photos."""
    if user.role != "community" or user.community_id != item.duty_list.unit_id:
        raise ApiError(403, "forbidden", "只有该责任单位可以报告完成")
    _expect(item, "open", "该事项已报告完成，等待确认" if item.status == "completed" else "该事项已确认完成")
    check_photos(user, data["photo_ids"])
    item.status, item.note, item.photo_ids = "completed", data["note"], data["photo_ids"]
    item.completed_at, item.completed_by = utcnow(), user.id
    db.session.flush()
    return item


def confirm(user: User, item: DutyItem, data: dict) -> DutyItem:
    """A supervisor confirms a completed item; audited."""
    _expect(item, "completed", "只有已报告完成的事项可以确认")
    item.status, item.confirmed_at, item.reviewed_by = "confirmed", utcnow(), user.id
    item.review_note = data.get("note", "")
    db.session.flush()
    audit.record(user, "duty.confirm", f"duty_item:{item.id}", {"status": "completed"},
                 {"status": "confirmed", "note": item.review_note})
    return item


def reject(user: User, item: DutyItem, data: dict) -> DutyItem:
    """A supervisor sends a completed item back (with a note): open again; audited."""
    if not data.get("note", "").strip():
        raise ApiError(422, "invalid_fields", "退回须说明理由", {"note": "请填写退回理由"})
    _expect(item, "completed", "只有已报告完成的事项可以退回")
    item.status, item.reviewed_by, item.review_note = "open", user.id, data["note"]
    item.completed_at = None
    db.session.flush()
    audit.record(user, "duty.reject", f"duty_item:{item.id}", {"status": "completed"},
                 {"status": "open", "note": item.review_note})
    return item
