"""The append-only history of findings and the change log that feeds pull."""
from datetime import datetime

from ..extensions import db
from ..models import ChangeLog, Finding, FindingEvent, Letter


def add_event(finding: Finding, actor_id: int | None, action: str, from_status: str | None,
              at: datetime, note: str = "", data: dict | None = None,
              photo_ids: list | None = None) -> FindingEvent:
    """Append one event to a finding's history and mark the finding changed."""
    event = FindingEvent(finding_id=finding.id, at=at, actor_id=actor_id, action=action,
                         from_status=from_status, to_status=finding.status, note=note,
                         data=data or {}, photo_ids=list(photo_ids or []))
    db.session.add(event)
    finding.updated_at = at
    log_finding(finding, at)
    return event


def log_finding(finding: Finding, at: datetime) -> None:
    """Record that a finding changed, for pull."""
    db.session.add(ChangeLog(entity="finding", entity_id=finding.id,
                             community_id=finding.community_id, at=at))


def log_letter(letter: Letter, at: datetime) -> None:
    """Record that a letter was issued, for pull."""
    db.session.add(ChangeLog(entity="letter", entity_id=str(letter.id),
                             community_id=letter.community_id, at=at))
