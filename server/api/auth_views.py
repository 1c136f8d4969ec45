"""Sign in and out."""
from flask import g, jsonify, request, session
from marshmallow import RAISE, Schema, validate

from .. import auth
from ..errors import ApiError
from ..idempotency import write_endpoint
from ..schemas.admin import PasswordChange
from ..schemas.fields import StrictString
from ..services import people
from . import bp, load_body


class LoginSchema(Schema):
    """Credentials."""

    class Meta:
        unknown = RAISE

    username = StrictString(required=True, validate=validate.Length(min=1, max=64))
    password = StrictString(required=True, validate=validate.Length(min=1, max=128))


@bp.post("/auth/login")
def login():
    """Check credentials; answer a bearer token and set the page session cookie."""
    data = load_body(LoginSchema())
    token, user = auth.login(data["username"], data["password"], request.remote_addr)
    session.clear()
    session["token"] = token
    session.permanent = True
    return jsonify({"token": token, "user": user.to_dict(),
                    "must_change_password": user.must_change_password})


@bp.post("/auth/logout")
@auth.auth_required(cookie=True)
def logout():
    """Revoke the token in use and clear the session cookie."""
    token = auth.request_token(allow_cookie=True)
    if token is None:
        raise ApiError(401)
    auth.revoke(token)
    session.clear()
    return jsonify({"ok": True})


@bp.get("/auth/me")
@auth.auth_required()
def me():
    """Who is signed in."""
    return jsonify({"user": g.user.to_dict()})


@bp.post("/auth/password")
@auth.auth_required(cookie=True)
@write_endpoint
def change_password():
    """Change one's own password (also the way out of a temporary one); other sessions end."""
    data = load_body(PasswordChange())
    token = auth.request_token(allow_cookie=True)
    people.change_own_password(g.user, data["old_password"], data["new_password"],
                               auth.token_hash(token) if token else None)
    return "", 204
