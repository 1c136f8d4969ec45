"""The checklist catalogue as data: location types and items seeded from shared_schema/.

Seeding only adds what is missing and never overwrites an administrator's edits, so it is safe
on every start of a new release: new catalogue items appear, edited or retired ones stay as
the office left them.
"""
import shared_schema

from ..extensions import db
from ..models import ChecklistItem, LocationType
from .reference import bump_version


def seed_catalogue(catalogue: dict | None = None) -> dict:
    """Insert the catalogue's location types and items that are not in the database yet."""
    catalogue = catalogue or shared_schema.load_catalogue()
    types = {t.code: t for t in db.session.scalars(db.select(LocationType))}
    items = set(db.session.scalars(db.select(ChecklistItem.code)))
    added_types = added_items = 0
    for tpos, (code, block) in enumerate(catalogue["location_types"].items()):
        if code not in types:
            db.session.add(LocationType(code=code, name=block["name"], position=tpos, active=True))
            added_types += 1
        for pos, item in enumerate(block["items"]):
            if item["code"] in items:
                continue
            db.session.add(ChecklistItem(
                code=item["code"], location_type=code, text=item["text"], category=item["category"],
                limit_days=item["limit_days"], photo_required=item["photo_required"],
                severity=item.get("severity", "general"), position=pos,
                active=True))
            added_items += 1
    db.session.flush()
    if added_types or added_items:
        bump_version()
    return {"location_types": added_types, "checklist_items": added_items,
            "total_items": len(items) + added_items}
