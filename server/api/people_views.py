"""People: admins add, edit, retire and reset; supervisors read (they allocate routes)."""
from flask import g, jsonify

from ..auth import auth_required
from ..idempotency import write_endpoint
from ..schemas.admin import UserCreate, UserPatch
from ..services import people
from . import bp, load_body


@bp.get("/users")
@auth_required("admin", "supervisor")
def list_users():
    """Everyone, with role, unit, last login and whether active."""
    items = [people.user_dict(u) for u in people.list_users()]
    return jsonify({"items": items, "total": len(items)})


@bp.post("/users")
@auth_required("admin")
@write_endpoint
def create_user():
    """Add a person; the temporary password is in this answer only."""
    user, password = people.create(g.user, load_body(UserCreate()))
    return {"id": user.id, "user": people.user_dict(user), "temporary_password": password}, 201


@bp.patch("/users/<int:user_id>")
@auth_required("admin")
@write_endpoint
def update_user(user_id):
    """Edit a person's name, role, unit, phone or active state."""
    return people.user_dict(people.update(g.user, people.get(user_id), load_body(UserPatch())))


@bp.post("/users/<int:user_id>/reset-password")
@auth_required("admin")
@write_endpoint
def reset_password(user_id):
    """Replace a forgotten password with a temporary one (shown once); sessions end."""
    user = people.get(user_id)
    password = people.reset_password(g.user, user)
    return {"id": user.id, "user": people.user_dict(user), "temporary_password": password}
