"""Users and their API tokens."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..timeutil import UTCDateTime, utcnow

ROLES = ("inspector", "community", "supervisor", "leader", "admin")


class User(db.Model):
    """A person who signs in: inspector, community staff, supervisor, leader or admin."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(64))
    role: Mapped[str] = mapped_column(sa.String(16))
    # The user's unit (any kind) for role "community"; the column keeps its v1 name.
    community_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"))
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    active: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    community = relationship("Unit")

    @property
    def unit_id(self) -> int | None:
        """The unit this user belongs to (same column as v1's community_id)."""
        return self.community_id

    def set_password(self, password: str, method: str = "scrypt") -> None:
        """Store a salted hash of the password (tests pass a cheaper method)."""
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        """Tell whether the password matches."""
        return check_password_hash(self.password_hash, password)

    def to_dict(self) -> dict:
        """Return the public shape used by the login answer."""
        unit = self.community
        return {
            "id": self.id, "username": self.username, "display_name": self.display_name,
            "role": self.role, "unit_id": self.community_id,
            "community_id": self.community_id if unit is not None and unit.is_community else None,
        }


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user = relationship("User")


class LoginFailure(db.Model):
    """A failed sign-in, kept 15 minutes for throttling (keys: the username and the address).

    In the database, so every worker process sees the same count."""

    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(160), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
