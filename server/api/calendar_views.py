"""The working-day calendar: due dates, and the admin's holiday table."""
from datetime import date

from flask import g, jsonify
from marshmallow import EXCLUDE, RAISE, Schema, fields, validate

from ..auth import auth_required
from ..errors import ApiError
from ..extensions import db
from ..idempotency import write_endpoint
from ..models import CalendarDay, CalendarYear
from ..schemas.fields import StrictString
from ..services import audit
from ..services.reference import bump_version, load_reference
from ..timeutil import check_day_range, in_range_day
from . import bp, load_body, load_query

class DueQuery(Schema):
    """from + working_days."""

    class Meta:
        unknown = EXCLUDE

    from_ = fields.Date(required=True, data_key="from", validate=check_day_range)
    working_days = fields.Integer(required=True, validate=validate.Range(min=0, max=365))

class YearQuery(Schema):
    """A year."""

    class Meta:
        unknown = EXCLUDE

    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))

class DayUpdate(Schema):
    """A change to one day of the holiday table."""

    class Meta:
        unknown = RAISE

    kind = StrictString(required=True, validate=validate.OneOf(["holiday", "workday", "normal"]))
    name = StrictString(load_default="", validate=validate.Length(max=64))

@bp.get("/calendar/due")
@auth_required()
def due():
    """The date n working days after a date, and whether it is provisional."""
    args = load_query(DueQuery())
    result, provisional = load_reference().calendar.add_working_days(args["from_"], args["working_days"])
    return jsonify({"due": result.isoformat(), "provisional": provisional})

@bp.get("/calendar/days")
@auth_required()
def days():
    """The holiday table's entries for a year, and whether that year is published."""
    year = load_query(YearQuery())["year"]
    rows = db.session.scalars(db.select(CalendarDay).where(
        CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31))).order_by(CalendarDay.day))
    published = db.session.get(CalendarYear, year) is not None
    return jsonify({"year": year, "published": published, "days": [
        {"date": d.day.isoformat(), "kind": d.kind, "name": d.name} for d in rows]})

@bp.put("/calendar/days/<day>")
@auth_required("admin")
@write_endpoint
def put_day(day):
    """Set a day to holiday, adjusted workday, or back to normal."""
    try:
        d = date.fromisoformat(day)
    except ValueError:
        raise ApiError(400, "bad_date", "日期格式须为 YYYY-MM-DD") from None
    if not in_range_day(d):
        raise ApiError(400, "bad_date", "日期须在 2000 年至 2100 年之间")
    data = load_body(DayUpdate())
    row = db.session.get(CalendarDay, d)
    before = {"kind": row.kind, "name": row.name} if row else {"kind": "normal", "name": ""}
    audit.record(g.user, "calendar.day", f"day:{d.isoformat()}", before,
                 {"kind": data["kind"], "name": data["name"]})
    if data["kind"] == "normal":
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(CalendarDay(day=d, kind=data["kind"], name=data["name"]))
    else:
        row.kind, row.name = data["kind"], data["name"]
    bump_version()
    return {"date": d.isoformat(), "kind": data["kind"], "name": data["name"]}

@bp.put("/calendar/years/<int:year>")
@auth_required("admin")
@write_endpoint
def put_year(year):
    """Mark a year's official arrangement as fully entered (published) or not."""
    if not 2000 <= year <= 2100:
        raise ApiError(400, "bad_year", "年份超出范围")
    published = load_body(Schema.from_dict({"published": fields.Boolean(required=True)})())
    row = db.session.get(CalendarYear, year)
    audit.record(g.user, "calendar.year", f"year:{year}", {"published": row is not None},
                 {"published": published["published"]})
    if published["published"] and row is None:
        db.session.add(CalendarYear(year=year, source=f"admin:{g.user.username}"))
    elif not published["published"] and row is not None:
        db.session.delete(row)
    bump_version()
    return {"year": year, "published": published["published"]}

