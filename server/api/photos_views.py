"""Photos: upload under the client's UUID, read a variant."""
import uuid
from contextlib import contextmanager

from flask import Response, after_this_request, current_app, g, request

from ..auth import auth_required
from ..errors import ApiError
from ..extensions import db
from ..idempotency import write_endpoint
from ..models import Photo
from ..services import photo_store
from ..services.storage import StorageFull, StorageUnavailable
from ..services.visibility import can_see_photo
from ..timeutil import utcnow
from . import bp

VARIANTS = ("original", "thumb", "display")


def _uuid_or_404(photo_id: str) -> str:
    """Canonical UUID string, or 404 for anything else."""
    try:
        return str(uuid.UUID(photo_id))
    except ValueError:
        raise ApiError(404, "not_found", "照片不存在") from None


def _limits() -> photo_store.Limits:
    """Upload limits from the configuration."""
    cfg = current_app.config
    return photo_store.Limits(cfg["PHOTO_MAX_BYTES"], cfg["PHOTO_MAX_PIXELS"], cfg["CJK_FONT"])


@bp.put("/photos/<photo_id>")
@auth_required("inspector", "supervisor", "community")
@write_endpoint
def put_photo(photo_id):
    """Store a photo: 201 new, 200 the same bytes again, 409 other bytes under this id."""
    pid = _uuid_or_404(photo_id)
    data = request.get_data()  # cached: a retried attempt reads it again
    if not data:
        raise ApiError(400, "empty_body", "上传内容为空")
    ctype = request.headers.get("Content-Type", "").split(";")[0].strip() or None
    with _storage_errors():
        photo, created = photo_store.store(pid, data, ctype, request.headers, g.user,
                                           current_app.extensions["storage"], _limits(), utcnow())
    return photo_store.upload_dict(photo), 201 if created else 200


def _retry_later(resp):
    """Tell clients when to try again."""
    resp.headers["Retry-After"] = "30"
    return resp


@contextmanager
def _storage_errors():
    """Storage full → 507, unreachable → 503: the phone keeps the photo and tries again."""
    try:
        yield
    except StorageFull:
        current_app.logger.error("photo storage is full", exc_info=True)
        after_this_request(_retry_later)
        raise ApiError(507, "storage_full",
                       "服务器照片存储空间已满，照片仍保存在手机上，稍后会自动重试；请通知管理员清理空间") from None
    except StorageUnavailable:
        current_app.logger.error("photo storage unavailable", exc_info=True)
        after_this_request(_retry_later)
        raise ApiError(503, "storage_unavailable",
                       "照片存储暂时无法连接，照片仍保存在手机上，稍后会自动重试") from None


@bp.get("/photos/<photo_id>")
@auth_required(cookie=True)
def get_photo(photo_id):
    """Serve a photo variant to a user allowed to see a finding that uses it."""
    photo = db.session.get(Photo, _uuid_or_404(photo_id))
    if photo is None or not can_see_photo(g.user, photo):
        raise ApiError(404, "not_found", "照片不存在或无权查看")
    variant = request.args.get("variant", "display")
    if variant not in VARIANTS:
        raise ApiError(400, "bad_query", "variant 须为 original、thumb 或 display",
                       {"variant": "取值无效"})
    with _storage_errors():
        body = photo_store.variant_bytes(photo, variant, current_app.extensions["storage"],
                                         current_app.config["CJK_FONT"])
    ctype = photo.content_type if variant == "original" else "image/jpeg"
    resp = Response(body, mimetype=ctype)
    resp.headers["Cache-Control"] = "private, max-age=86400"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp
