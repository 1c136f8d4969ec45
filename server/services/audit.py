"""The audit log (操作日志): every write to reference data, users, settings and letters' review."""
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import AuditEntry, User
from ..timeutil import LOCAL_TZ, iso, utcnow

SECRET_KEYS = {"password", "password_hash", "temporary_password", "old_password", "new_password"}


def _clean(doc: dict | None) -> dict | None:
    """Drop anything secret: passwords never reach the log."""
    if doc is None:
        return None
    return {k: v for k, v in doc.items() if k not in SECRET_KEYS}


def record(actor: User | None, action: str, target: str, before: dict | None = None,
           after: dict | None = None) -> None:
    """Add one entry in the caller's transaction."""
    db.session.add(AuditEntry(at=utcnow(), actor_id=actor.id if actor else None, action=action,
                              target=target[:64], before=_clean(before), after=_clean(after)))


def changed(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the keys whose value changed, before and after."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def entry_dict(e: AuditEntry) -> dict:
    """One entry as the API shows it."""
    actor = {"id": e.actor.id, "display_name": e.actor.display_name,
             "username": e.actor.username} if e.actor else None
    return {"id": e.id, "at": iso(e.at), "actor": actor, "action": e.action, "target": e.target,
            "before": e.before, "after": e.after}


def _day_start(d: date) -> datetime:
    """The first instant of a local day."""
    return datetime.combine(d, time.min, LOCAL_TZ)


def query(filters: dict):
    """A filtered select of audit entries, newest first."""
    q = sa.select(AuditEntry).order_by(AuditEntry.id.desc())
    if filters.get("action"):
        q = q.where(AuditEntry.action == filters["action"])
    if filters.get("target"):
        q = q.where(AuditEntry.target.startswith(filters["target"], autoescape=True))
    if filters.get("actor_id"):
        q = q.where(AuditEntry.actor_id == filters["actor_id"])
    if filters.get("from"):
        q = q.where(AuditEntry.at >= _day_start(filters["from"]))
    if filters.get("to"):
        q = q.where(AuditEntry.at < _day_start(filters["to"] + timedelta(days=1)))
    return q
