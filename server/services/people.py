"""People (人员): accounts, roles, units, temporary passwords and the password rules."""
import secrets

import sqlalchemy as sa

from ..errors import ApiError
from ..extensions import db
from ..models import ApiToken, Unit, User
from ..timeutil import iso, utcnow
from . import audit

ROLE_NAMES = {"inspector": "督导员", "community": "责任单位人员", "supervisor": "督导检查专班",
              "leader": "领导小组", "admin": "管理员"}
# Letters and digits that cannot be mistaken for each other when read out or copied by hand.
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
COMMON_PASSWORDS = {
    "12345678", "123456789", "1234567890", "87654321", "11111111", "88888888", "66666666",
    "00000000", "password", "password1", "passw0rd", "qwertyui", "qwerty123", "abc12345",
    "abcd1234", "a1234567", "1qaz2wsx", "iloveyou", "woaini1314", "5201314520", "admin123",
    "admin888", "12341234", "11223344", "123123123", "aaaaaaaa", "mh2026mh", "zxcvbnm1",
}


def temporary_password() -> str:
    """A random temporary password of 10 unambiguous characters."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(10))


def password_problem(username: str, password: str) -> str | None:
    """Why a new password is refused, in Chinese, or None when it is acceptable."""
    if len(password) < 8:
        return "密码至少 8 位"
    if password.lower() == username.lower():
        return "密码不能与用户名相同"
    if password.lower() in COMMON_PASSWORDS or len(set(password)) <= 2:
        return "密码过于常见，容易被猜中，请换一个"
    return None


def user_dict(u: User) -> dict:
    """A user as the administration screens show it (never the password hash)."""
    unit = u.community
    return {"id": u.id, "username": u.username, "display_name": u.display_name, "role": u.role,
            "role_label": ROLE_NAMES.get(u.role, u.role), "unit_id": u.community_id,
            "unit_name": unit.name if unit else None,
            "community_id": u.community_id if unit is not None and unit.is_community else None,
            "phone": u.phone or "", "active": u.active,
            "must_change_password": u.must_change_password,
            "last_login_at": iso(u.last_login_at), "created_at": iso(u.created_at)}


def list_users() -> list[User]:
    """Everyone, active first, by role then name."""
    order = sa.case({r: i for i, r in enumerate(ROLE_NAMES)}, value=User.role, else_=9)
    return list(db.session.scalars(sa.select(User).order_by(User.active.desc(), order, User.id)))


def get(user_id: int) -> User:
    """A user or 404."""
    user = db.session.get(User, user_id)
    if user is None:
        raise ApiError(404, "user_not_found", "人员不存在")
    return user


def _check_unit(role: str, unit_id: int | None) -> None:
    """Staff of a responsible unit need an active unit; other roles belong to none."""
    if role == "community":
        if unit_id is None:
            raise ApiError(422, "invalid_fields", "填写的内容有误", {"unit_id": "责任单位人员须选择所属单位"})
        unit = db.session.get(Unit, unit_id)
        if unit is None or not unit.active:
            raise ApiError(422, "invalid_fields", "填写的内容有误", {"unit_id": "所选单位不存在或已停用"})
    elif unit_id is not None:
        raise ApiError(422, "invalid_fields", "填写的内容有误",
                       {"unit_id": f"{ROLE_NAMES[role]}不属于责任单位，请不要选择单位"})


def _revoke_tokens(user: User, keep_hash: str | None = None) -> None:
    """Sign the user out everywhere (except, optionally, the token in use)."""
    q = sa.update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    if keep_hash:
        q = q.where(ApiToken.token_hash != keep_hash)
    db.session.execute(q.values(revoked_at=utcnow()))


def _other_active_admins(user: User) -> int:
    """How many active admins there are besides this one."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.role == "admin", User.active.is_(True), User.id != user.id))


def create(actor: User | None, data: dict, hash_method: str = "scrypt") -> tuple[User, str]:
    """Add a person with a temporary password (shown once, changed at first login)."""
    if db.session.scalar(sa.select(User.id).where(
            sa.func.lower(User.username) == data["username"].lower())) is not None:
        raise ApiError(422, "invalid_fields", "填写的内容有误", {"username": "用户名已被使用"})
    _check_unit(data["role"], data.get("unit_id"))
    password = temporary_password()
    user = User(username=data["username"], display_name=data["display_name"], role=data["role"],
                community_id=data.get("unit_id"), phone=data.get("phone", ""), active=True,
                must_change_password=True, created_at=utcnow())
    user.set_password(password, hash_method)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", f"user:{user.id}", None, user_dict(user))
    return user, password


def update(actor: User, user: User, data: dict) -> User:
    """Edit a person; retiring one revokes their tokens; the last admin stays an admin."""
    before = user_dict(user)
    role = data.get("role", user.role)
    unit_id = data["unit_id"] if "unit_id" in data else (user.community_id if role == "community" else None)
    if "role" in data or "unit_id" in data:
        _check_unit(role, unit_id)
    losing_admin = user.role == "admin" and user.active and (
        role != "admin" or data.get("active") is False)
    if losing_admin and _other_active_admins(user) == 0:
        raise ApiError(409, "last_admin", "这是唯一在用的管理员账号，不能停用或改为其他角色")
    user.role, user.community_id = role, unit_id
    for key in ("display_name", "phone", "active"):
        if key in data:
            setattr(user, key, data[key])
    if data.get("active") is False:
        _revoke_tokens(user)
    db.session.flush()
    audit.record(actor, "user.update", f"user:{user.id}", *audit.changed(before, user_dict(user)))
    return user


def reset_password(actor: User | None, user: User, hash_method: str = "scrypt") -> str:
    """Give a forgotten password a temporary replacement; every session of the user ends."""
    password = temporary_password()
    user.set_password(password, hash_method)
    user.must_change_password = True
    _revoke_tokens(user)
    audit.record(actor, "user.reset_password", f"user:{user.id}", None,
                 {"username": user.username, "must_change_password": True})
    return password


def change_own_password(user: User, old: str, new: str, token_hash: str | None) -> None:
    """Change one's own password; other sessions end, this one goes on."""
    if not user.check_password(old):
        raise ApiError(422, "invalid_fields", "填写的内容有误", {"old_password": "原密码不正确"})
    problem = password_problem(user.username, new)
    if problem is None and new == old:
        problem = "新密码不能与原密码相同"
    if problem:
        raise ApiError(422, "invalid_fields", "填写的内容有误", {"new_password": problem})
    user.set_password(new)
    user.must_change_password = False
    _revoke_tokens(user, keep_hash=token_hash)
    audit.record(user, "user.change_password", f"user:{user.id}", None, {"username": user.username})
