"""日督导 allocation: supervisors give inspectors the day's points; inspectors read their own."""
from flask import g, jsonify

from ..auth import auth_required
from ..idempotency import write_endpoint
from ..schemas.admin import RoutePut
from ..services import routes
from ..timeutil import utcnow
from . import bp, load_body


@bp.get("/routes/<day>")
@auth_required("supervisor")
def day_routes(day):
    """Every inspector's allocation on a day."""
    return jsonify(routes.day_routes(routes.parse_day(day)))


@bp.get("/routes/<day>/<int:user_id>")
@auth_required("inspector", "supervisor")
def get_route(day, user_id):
    """One inspector's points on a day, in walking order ([] when none)."""
    return jsonify(routes.get_route(g.user, routes.parse_day(day), user_id))


@bp.put("/routes/<day>/<int:user_id>")
@auth_required("supervisor")
@write_endpoint
def put_route(day, user_id):
    """Replace an inspector's points for a day (their order is the walking order)."""
    parsed = routes.parse_day(day)
    return routes.put_route(g.user, parsed, user_id, load_body(RoutePut())["point_ids"], utcnow())
