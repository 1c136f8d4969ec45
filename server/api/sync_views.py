"""The sync endpoints: push records, pull changes."""
from flask import g, jsonify

from ..auth import auth_required
from marshmallow import ValidationError

from ..errors import ApiError, flatten_messages
from ..idempotency import write_endpoint
from ..schemas.sync import MAX_RECORDS, PushRequestSchema
from ..services import ingest, pull as pull_service
from ..schemas.queries import PullSchema
from ..timeutil import utcnow
from . import bp, json_body, load_query


@bp.post("/sync/push")
@auth_required("inspector", "supervisor")
@write_endpoint
def push():
    """Apply a batch of records from a device; each record succeeds or fails on its own."""
    body = json_body()
    if isinstance(body.get("records"), list) and len(body["records"]) > MAX_RECORDS:
        raise ApiError(413, "too_many_records", f"每次最多推送 {MAX_RECORDS} 条记录",
                       {"records": f"最多 {MAX_RECORDS} 条"})
    try:
        data = PushRequestSchema().load(body)
    except ValidationError as err:
        raise ApiError(400, "bad_request", "推送格式不正确", flatten_messages(err.messages)) from None
    return ingest.push(g.user, data["device_id"], data["records"], utcnow())


@bp.get("/sync/pull")
@auth_required()
def pull():
    """What changed for this user since the cursor, at most 200 changes a page."""
    args = load_query(PullSchema())
    return jsonify(pull_service.pull(g.user, args["cursor"], utcnow()))
