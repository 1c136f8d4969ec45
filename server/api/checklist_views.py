"""Location types and checklist items: everyone reads, admins edit."""
from flask import g, jsonify, request

from ..auth import auth_required
from ..idempotency import write_endpoint
from ..schemas.admin import (ItemCreate, ItemOrder, ItemPatch, LocationTypeCreate,
                             LocationTypePatch)
from ..services import checklist_admin as admin
from . import bp, load_body


@bp.get("/location-types")
@auth_required()
def location_types():
    """Every location type with its number of active items."""
    items = admin.list_types()
    return jsonify({"items": items, "total": len(items)})


@bp.post("/location-types")
@auth_required("admin")
@write_endpoint
def create_location_type():
    """Add a location type."""
    row = admin.create_type(g.user, load_body(LocationTypeCreate()))
    return admin.type_dict(row, {}), 201


@bp.patch("/location-types/<code>")
@auth_required("admin")
@write_endpoint
def update_location_type(code):
    """Rename or retire a location type."""
    row = admin.update_type(g.user, admin.get_type(code), load_body(LocationTypePatch()))
    return next(t for t in admin.list_types() if t["code"] == row.code)


@bp.get("/checklists/items")
@auth_required()
def checklist_items():
    """Items with their responsible unit, retired ones too (?location_type= to filter)."""
    names = admin.unit_names()
    items = [admin.item_dict(i, names) for i in admin.items_of(request.args.get("location_type"))]
    return jsonify({"items": items, "total": len(items)})


@bp.post("/checklists/<location_type>/items")
@auth_required("admin")
@write_endpoint
def create_item(location_type):
    """Add an item to a type's checklist; the server gives it a new stable code."""
    item = admin.create_item(g.user, admin.get_type(location_type), load_body(ItemCreate()))
    return admin.item_dict(item, admin.unit_names()), 201


@bp.patch("/checklists/items/<code>")
@auth_required("admin")
@write_endpoint
def update_item(code):
    """Edit or retire an item."""
    item = admin.update_item(g.user, admin.get_item(code), load_body(ItemPatch()))
    return admin.item_dict(item, admin.unit_names())


@bp.put("/checklists/<location_type>/order")
@auth_required("admin")
@write_endpoint
def order_items(location_type):
    """Reorder a type's items."""
    data = load_body(ItemOrder())
    rows = admin.reorder(g.user, admin.get_type(location_type), data["codes"])
    names = admin.unit_names()
    return {"items": [admin.item_dict(i, names) for i in rows], "total": len(rows)}
