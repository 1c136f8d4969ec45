"""The /api/v1 blueprint; each module registers its routes on it."""
from flask import Blueprint, request
from werkzeug.routing import IntegerConverter
from marshmallow import Schema, ValidationError

from ..errors import ApiError, flatten_messages
from ..timeutil import iso, utcnow

bp = Blueprint("api", __name__, url_prefix="/api/v1")


class BoundedIntConverter(IntegerConverter):
    """<int:…> in URLs: ids are 32-bit in PostgreSQL, so a larger one is simply not found (404)
    instead of reaching SQL (where it would fail)."""

    def __init__(self, url_map, *args, **kwargs):
        """Cap the value at 2^31 − 1."""
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


@bp.record_once
def _bounded_ids(state):
    """Install the bounded converter app-wide before any rule is added (the API registers first)."""
    state.app.url_map.converters["int"] = BoundedIntConverter


@bp.after_request
def server_time(resp):
    """Every answer tells the client the server's time: "today" is the server's, in Beijing time."""
    resp.headers["X-Server-Time"] = iso(utcnow())
    return resp


def json_body() -> dict:
    """Return the request's JSON object, or raise 400 naming the problem."""
    if not request.is_json:
        raise ApiError(415, "unsupported_type", "请求须为 JSON（Content-Type: application/json）")
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError(400, "malformed_json", "JSON 格式错误，无法解析")
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", "请求体须为 JSON 对象")
    return data


def load_body(schema: Schema) -> dict:
    """Validate the JSON body with a schema; malformed → 400, invalid fields → 422."""
    return schema.load(json_body())


def load_query(schema: Schema) -> dict:
    """Validate query parameters; a bad value is a 400 naming the parameter."""
    try:
        return schema.load(request.args.to_dict())
    except ValidationError as err:
        raise ApiError(400, "bad_query", "查询参数有误", flatten_messages(err.messages)) from None


from . import (auth_views, calendar_views, campaign_views, checklist_views, exports_views,  # noqa: E402,F401
               findings_views, ledger_views, letters_views, map_views, people_views,
               photos_views, places_views, reference_views, reports_views, settings_views,
               routes_views, sync_views, units_views)
