"""Responsible units: everyone reads them, admins add and edit them."""
from flask import g, jsonify

from ..auth import auth_required
from ..idempotency import write_endpoint
from ..schemas.admin import UnitCreate, UnitPatch
from ..services import units
from . import bp, load_body


@bp.get("/units")
@auth_required()
def list_units():
    """Every unit (community, task force, office), with its open findings."""
    items = units.list_units()
    return jsonify({"items": items, "total": len(items)})


@bp.post("/units")
@auth_required("admin")
@write_endpoint
def create_unit():
    """Add a unit."""
    unit = units.create(g.user, load_body(UnitCreate()))
    return units.unit_dict(unit, 0), 201


@bp.patch("/units/<int:unit_id>")
@auth_required("admin")
@write_endpoint
def update_unit(unit_id):
    """Edit or retire a unit (refused while it has open findings)."""
    unit = units.update(g.user, units.get(unit_id), load_body(UnitPatch()))
    return units.unit_dict(unit)
