"""Sign-in, bearer tokens and the role checks every endpoint goes through."""
import hashlib
import secrets
from datetime import timedelta
from functools import wraps

import sqlalchemy as sa
from flask import current_app, g, redirect, request, session
from werkzeug.security import check_password_hash, generate_password_hash

from .errors import ApiError
from .extensions import db
from .models import ApiToken, LoginFailure, User
from .security import check_same_origin
from .timeutil import utcnow


# While a temporary password is held, only these endpoints answer (DESIGN v1.1 "People").
PASSWORD_CHANGE_ENDPOINTS = {"api.change_password", "api.logout"}


def token_hash(token: str) -> str:
    """The stored form of a token (public: services revoke all tokens but the one in use)."""
    return _hash(token)


def _hash(token: str) -> str:
    """Return the stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


THROTTLE_WINDOW = timedelta(minutes=15)
MAX_USER_FAILURES = 5  # per username (also unknown ones) in the window
MAX_ADDRESS_FAILURES = 30  # per client address in the window
_DUMMY_HASH: dict[str, str] = {}


def _dummy_check(password: str) -> None:
    """Spend the time a real password check takes, so an unknown username answers as slowly."""
    if "scrypt" not in _DUMMY_HASH:
        _DUMMY_HASH["scrypt"] = generate_password_hash(secrets.token_hex(8))
    check_password_hash(_DUMMY_HASH["scrypt"], password)


def _throttle_keys(username: str, address: str | None) -> list[tuple[str, int]]:
    """The throttle keys of an attempt, each with its limit."""
    keys = [(f"user:{username.lower()}"[:160], MAX_USER_FAILURES)]
    if address:
        keys.append((f"addr:{address}"[:160], MAX_ADDRESS_FAILURES))
    return keys


def _locked_for(keys: list[tuple[str, int]], now) -> int:
    """Seconds until the attempt may be made, 0 when it may be made now."""
    since = now - THROTTLE_WINDOW
    wait = 0
    for key, limit in keys:
        times = list(db.session.scalars(db.select(LoginFailure.at).where(
            LoginFailure.key == key, LoginFailure.at > since).order_by(LoginFailure.at.desc())
            .limit(limit)))
        if len(times) >= limit:  # the oldest of the last `limit` failures must leave the window
            wait = max(wait, int((times[-1] + THROTTLE_WINDOW - now).total_seconds()) + 1)
    return wait


def _fail(keys: list[tuple[str, int]], now) -> None:
    """Record a failure under each key (and forget failures older than the window)."""
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.at <= now - THROTTLE_WINDOW))
    db.session.add_all(LoginFailure(key=key, at=now) for key, _ in keys)
    db.session.commit()


def login(username: str, password: str, address: str | None = None) -> tuple[str, User]:
    """Check credentials and issue a new token; 401 on failure, 429 while throttled.

    After 5 failures for a username (known or not) or 30 from an address within 15 minutes,
    every attempt, even with the right password, answers 429 with Retry-After."""
    now = utcnow()
    keys = _throttle_keys(username, address)
    wait = _locked_for(keys, now)
    if wait:
        raise ApiError(429, "too_many_attempts", f"登录失败次数过多，请 {max(1, wait // 60)} 分钟后再试",
                       headers={"Retry-After": str(wait)})
    user = db.session.scalar(db.select(User).where(sa.func.lower(User.username) == username.lower()))
    if user is None:
        _dummy_check(password)
    if user is None or not user.check_password(password) or not user.active:
        _fail(keys, now)
        raise ApiError(401, "bad_credentials", "用户名或密码错误")
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.key == keys[0][0]))
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
                if request.blueprint == "pages":  # a printable page: to the sign-in, not raw JSON
                    return redirect("/#/login", code=302)
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
