"""Pull: what changed for a user since a cursor (the change log's id)."""
from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..models import ChangeLog, Finding, Letter, User
from ..schemas.findings import finding_dict
from ..schemas.letters import letter_dict
from ..timeutil import to_local
from .queries import with_relations
from .reference import load_reference
from .visibility import EVERYTHING, finding_scope, letter_scope

PAGE = 200


def pull(user: User, cursor: int, now: datetime) -> dict:
    """Return findings and letters changed after the cursor, and the next cursor."""
    q = sa.select(ChangeLog).where(ChangeLog.id > cursor)
    if user.role not in EVERYTHING:
        q = q.where(ChangeLog.community_id == user.community_id)
    rows = db.session.scalars(q.order_by(ChangeLog.id).limit(PAGE + 1)).all()
    has_more = len(rows) > PAGE
    rows = rows[:PAGE]
    finding_ids = list(dict.fromkeys(r.entity_id for r in rows if r.entity == "finding"))
    letter_ids = list(dict.fromkeys(int(r.entity_id) for r in rows if r.entity == "letter"))
    findings = db.session.scalars(with_relations(sa.select(Finding).where(
        Finding.id.in_(finding_ids), finding_scope(user)))).all() if finding_ids else []
    letters = db.session.scalars(sa.select(Letter).where(
        Letter.id.in_(letter_ids), letter_scope(user))).all() if letter_ids else []
    ref, today = load_reference(), to_local(now).date()
    seen = {f.id for f in findings}
    return {
        "cursor": str(rows[-1].id if rows else cursor),
        "has_more": has_more,
        "findings": [finding_dict(f, ref, today) for f in findings],
        "removed": [fid for fid in finding_ids if fid not in seen],
        "letters": [letter_dict(letter) for letter in letters],
    }
