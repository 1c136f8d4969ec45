"""Sign-in, bearer tokens and the role checks every endpoint goes through."""
import hashlib
import secrets
from datetime import timedelta
from functools import wraps

from flask import current_app, g, request, session

from .errors import ApiError
from .security import check_same_origin
from .extensions import db
from .models import ApiToken, User
from .timeutil import utcnow


# While a temporary password is held, only these endpoints answer (DESIGN v1.1 "People").
PASSWORD_CHANGE_ENDPOINTS = {"api.change_password", "api.logout"}


def token_hash(token: str) -> str:
    """The stored form of a token (public: services revoke all tokens but the one in use)."""
    return _hash(token)


def _hash(token: str) -> str:
    """Return the stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def login(username: str, password: str) -> tuple[str, User]:
    """Check credentials and issue a new token; raise 401 on failure."""
    user = db.session.scalar(db.select(User).filter_by(username=username))
    if user is None or not user.active or not user.check_password(password):
        raise ApiError(401, "bad_credentials", "用户名或密码错误")
    token = secrets.token_urlsafe(32)
    user.last_login_at = utcnow()
    days = current_app.config["TOKEN_DAYS"]
    db.session.add(ApiToken(token_hash=_hash(token), user_id=user.id,
                            expires_at=utcnow() + timedelta(days=days)))
    db.session.commit()
    return token, user


def revoke(token: str) -> None:
    """Revoke a token so it no longer authenticates."""
    row = db.session.scalar(db.select(ApiToken).filter_by(token_hash=_hash(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        db.session.commit()


def api_key_allowed() -> bool:
    """A token in the URL (?api_key=) only reads Open311 or a printable page: URLs end up in
    logs, histories and Referer headers, so nothing that changes data may take one."""
    return request.method in ("GET", "HEAD") and not request.path.startswith("/api/")


def request_token(allow_cookie: bool) -> str | None:
    """Find the token in the Authorization header, the api_key parameter or the session."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[7:].strip() or None
    if request.args.get("api_key") and api_key_allowed():
        return request.args["api_key"]
    if allow_cookie:
        return session.get("token")
    return None


def user_for_token(token: str | None) -> User | None:
    """Return the active user holding a valid token, or None."""
    if not token:
        return None
    row = db.session.scalar(db.select(ApiToken).filter_by(token_hash=_hash(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    return row.user if row.user.active else None


def auth_required(*roles: str, cookie: bool = False):
    """Require a signed-in user (any role when none are named); set g.user."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            allow_cookie = cookie or request.method in ("GET", "HEAD")
            token = request_token(allow_cookie)
            user = user_for_token(token)
            if user is not None and token == session.get("token") and "Authorization" not in request.headers:
                check_same_origin()  # the cookie authenticated this request
            if user is None:
                raise ApiError(401, "unauthorized", "请先登录，或登录已过期")
            if user.must_change_password and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
                raise ApiError(403, "password_change_required", "请先修改临时密码后再继续使用")
            if roles and user.role not in roles:
                raise ApiError(403, "forbidden", "当前角色无权进行此操作")
            g.user = user
            return view(*args, **kwargs)

        wrapper.required_roles = roles
        return wrapper

    return decorator
