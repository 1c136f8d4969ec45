"""Sign in and out."""
from flask import g, jsonify, session
from marshmallow import RAISE, Schema, fields, validate

from .. import auth
from ..errors import ApiError
from . import bp, load_body


class LoginSchema(Schema):
    """Credentials."""

    class Meta:
        unknown = RAISE

    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=128))


@bp.post("/auth/login")
def login():
    """Check credentials; answer a bearer token and set the page session cookie."""
    data = load_body(LoginSchema())
    token, user = auth.login(data["username"], data["password"])
    session.clear()
    session["token"] = token
    session.permanent = True
    return jsonify({"token": token, "user": user.to_dict()})


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
