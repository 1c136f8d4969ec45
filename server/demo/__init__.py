"""The demo street: 明桦街道's four communities and seven 专班, their points, and accounts for every role."""
import json
from pathlib import Path

from ..extensions import db
from ..models import (CalendarDay, CalendarYear, ChecklistItem, Community, Point, Setting, Unit,
                      User)
from ..services.calendar import seed_days, seed_years
from ..services.catalogue import seed_catalogue
from ..services.reference import bump_version

HERE = Path(__file__).resolve().parent


def _read(name: str):
    """Read one of the demo data files."""
    return json.loads((HERE / name).read_text(encoding="utf-8"))


def seed_calendar() -> int:
    """Fill the holiday table from chinese-calendar (idempotent); return rows written."""
    have = {d.day for d in db.session.scalars(db.select(CalendarDay))}
    rows = [CalendarDay(day=d, kind=k, name=n) for d, k, n in seed_days() if d not in have]
    db.session.add_all(rows)
    first, last = seed_years()
    years = set(db.session.scalars(db.select(CalendarYear.year)))
    db.session.add_all(CalendarYear(year=y, source="chinese-calendar")
                       for y in range(first, last + 1) if y not in years)
    bump_version()
    return len(rows)


def import_boundaries(collection: dict, demo: bool = False) -> list[str]:
    """Create or replace community boundaries from a GeoJSON FeatureCollection by `code`."""
    names = []
    for feat in collection["features"]:
        props = feat["properties"]
        row = db.session.scalar(db.select(Community).filter_by(code=props["code"]))
        if row is None:
            row = Community(code=props["code"], name=props["name"])
            db.session.add(row)
        row.name, row.boundary, row.boundary_is_demo = props["name"], feat["geometry"], demo
        names.append(row.name)
    db.session.flush()
    bump_version()
    return names


def _fill_blanks(unit: Unit, entry: dict) -> None:
    """Give an existing unit the demo head, contact and phone where it has none."""
    for key in ("head", "contact", "phone"):
        if not getattr(unit, key) and entry.get(key):
            setattr(unit, key, entry[key])


def load_units(entries: list[dict]) -> int:
    """Create the units not there yet (by code, or by name); return how many were added."""
    have = {u.code: u for u in db.session.scalars(db.select(Unit))}
    names = {u.name for u in have.values()}
    added = 0
    for pos, entry in enumerate(entries):
        if entry["code"] in have:
            _fill_blanks(have[entry["code"]], entry)
        elif entry["name"] not in names:  # an admin may have made it under another code
            db.session.add(Unit(position=pos, active=True, **entry))
            added += 1
    db.session.flush()
    bump_version()
    return added


def load_demo(password: str, hash_method: str = "scrypt") -> dict:
    """Load the demo street; safe to run twice. Return counts."""
    import_boundaries(_read("street.geojson"), demo=True)
    load_units(_read("units.json"))
    by_code = {u.code: u for u in db.session.scalars(db.select(Unit))}
    existing = {p.name for p in db.session.scalars(db.select(Point))}
    for p in _read("points.json"):
        if p["name"] not in existing:
            db.session.add(Point(name=p["name"], location_type=p["location_type"],
                                 community_id=by_code[p["community"]].id, lat=p["lat"],
                                 lon=p["lon"], address=p.get("address", "")))
    users = {u.username for u in db.session.scalars(db.select(User))}
    for a in _read("accounts.json"):
        unit = by_code.get(a["community"]) if a["community"] else None
        if a["username"] in users or (a["community"] and unit is None):
            continue
        user = User(username=a["username"], display_name=a["display_name"], role=a["role"],
                    community_id=unit.id if unit else None)
        user.set_password(password, hash_method)
        db.session.add(user)
    items = seed_catalogue()["total_items"]
    _demo_duties(by_code)
    _demo_contact()
    days = seed_calendar()
    bump_version()
    db.session.commit()
    return {"communities": sum(1 for u in by_code.values() if u.is_community),
            "units": len(by_code), "points": db.session.query(Point).count(),
            "users": db.session.query(User).count(), "checklist_items": items,
            "calendar_rows_added": days}


# 责任分工 in the demo: the plan gives railway-safety publicity to 小区环境创建专班 (五(二)5).
DEMO_DUTIES = {"railway.safety_publicity": "tf_compound_env"}


def _demo_duties(units: dict) -> None:
    """Name the responsible unit of the demo's owned items, unless the office already chose."""
    for code, unit_code in DEMO_DUTIES.items():
        item = db.session.get(ChecklistItem, code)
        if item is not None and item.unit_id is None and unit_code in units:
            item.unit_id = units[unit_code].id


# The task force's contact printed on every letter (invented for the demo; 设置 changes it).
DEMO_CONTACT = {"contact_person": "王丽", "contact_phone": "0432-62218866"}


def _demo_contact() -> None:
    """Name the demo's letter contact, unless the office already set one."""
    have = {row.key for row in db.session.scalars(db.select(Setting))}
    db.session.add_all(Setting(key=k, value=v) for k, v in DEMO_CONTACT.items() if k not in have)


def accounts() -> list[dict]:
    """The demo accounts, for printing at start."""
    return _read("accounts.json")
