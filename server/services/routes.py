"""日督导 allocation: which points each inspector walks on a day, in walking order."""
from datetime import date, datetime

import sqlalchemy as sa

from ..errors import ApiError
from ..extensions import db
from ..models import Point, RouteStop, User
from ..timeutil import in_range_day
from . import audit

MAX_POINTS = 500


def parse_day(value: str) -> date:
    """A route's local date from the URL, or 400."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ApiError(400, "bad_date", "日期格式须为 YYYY-MM-DD", {"date": "日期格式须为 YYYY-MM-DD"}) from None
    if not in_range_day(day):
        raise ApiError(400, "bad_date", "日期须在 2000 年至 2100 年之间", {"date": "日期须在 2000 年至 2100 年之间"})
    return day


def _invalid(field: str, message: str) -> ApiError:
    """A 422 naming one field in Chinese."""
    return ApiError(422, "invalid_fields", message, {field: message})


def _user(user_id: int) -> User:
    """The user a route belongs to, or 404."""
    user = db.session.get(User, user_id)
    if user is None:
        raise ApiError(404, "not_found", "督导员不存在")
    return user


def _points_of(day: date, user_id: int) -> list[int]:
    """The point ids of a route in its stored (walking) order."""
    return list(db.session.scalars(sa.select(RouteStop.point_id).where(
        RouteStop.day == day, RouteStop.user_id == user_id).order_by(RouteStop.position)))


def route_dict(day: date, user_id: int) -> dict:
    """A route as the API answers it."""
    return {"date": day.isoformat(), "user_id": user_id, "point_ids": _points_of(day, user_id)}


def get_route(viewer: User, day: date, user_id: int) -> dict:
    """One inspector's route on a day: that inspector or a supervisor (an empty day: [])."""
    if viewer.role != "supervisor" and viewer.id != user_id:
        raise ApiError(404, "not_found", "未找到，或无权查看")
    _user(user_id)
    return route_dict(day, user_id)


def day_routes(day: date) -> dict:
    """Every allocation of a day, one entry per inspector who has points."""
    rows = db.session.execute(
        sa.select(RouteStop.user_id, User.display_name, RouteStop.point_id)
        .join(User, User.id == RouteStop.user_id).where(RouteStop.day == day)
        .order_by(RouteStop.user_id, RouteStop.position)).all()
    items: dict[int, dict] = {}
    for uid, name, pid in rows:
        items.setdefault(uid, {"user_id": uid, "display_name": name, "point_ids": []})["point_ids"].append(pid)
    return {"date": day.isoformat(), "items": list(items.values()), "total": len(items)}


def put_route(actor: User, day: date, user_id: int, point_ids: list[int], now: datetime) -> dict:
    """Replace an inspector's route for a day (the order given is the walking order)."""
    user = _user(user_id)
    if user.role != "inspector" or not user.active:
        raise _invalid("user_id", f"督导员：{user.display_name}不是在岗的督导员，不能分配路线")
    if len(point_ids) > MAX_POINTS:
        raise _invalid("point_ids", f"点位：一天最多分配 {MAX_POINTS} 个")
    seen = set()
    for i, pid in enumerate(point_ids):
        if pid in seen:
            raise _invalid(f"point_ids[{i}]", f"点位：第 {i + 1} 个点位（编号 {pid}）重复")
        seen.add(pid)
    active = set(db.session.scalars(sa.select(Point.id).where(
        Point.id.in_(point_ids), Point.active.is_(True)))) if point_ids else set()
    for i, pid in enumerate(point_ids):
        if pid not in active:
            raise _invalid(f"point_ids[{i}]", f"点位：第 {i + 1} 个点位（编号 {pid}）不存在或已停用")
    before = _points_of(day, user_id)
    db.session.execute(sa.delete(RouteStop).where(RouteStop.day == day, RouteStop.user_id == user_id))
    if point_ids:
        db.session.execute(sa.insert(RouteStop), [
            {"day": day, "user_id": user_id, "point_id": pid, "position": k,
             "allocated_by": actor.id, "allocated_at": now} for k, pid in enumerate(point_ids)])
    if before != list(point_ids):
        audit.record(actor, "route.put", f"route:{day.isoformat()}:{user_id}",
                     {"point_ids": before}, {"point_ids": list(point_ids)})
    return route_dict(day, user_id)


def allocations(day: date) -> dict[int, list[int]]:
    """Per inspector, the points allocated on a day (for the coverage report)."""
    out: dict[int, list[int]] = {}
    for uid, pid in db.session.execute(sa.select(RouteStop.user_id, RouteStop.point_id)
                                       .where(RouteStop.day == day).order_by(RouteStop.position)):
        out.setdefault(uid, []).append(pid)
    return out
