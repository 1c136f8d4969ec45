"""Database models, one module per area; imported here so Alembic sees them all."""
from .accounts import ApiToken, LoginFailure, User
from .bulletins import Bulletin
from .calendar import CalendarDay, CalendarYear
from .campaign import DutyItem, DutyList, Submission
from .exports import Export
from .findings import Finding, FindingEvent, FindingPhoto
from .inspections import Inspection, InspectionResult, Verification
from .letters import Letter, LetterInstruction, PromptEvent
from .places import (AuditEntry, ChecklistItem, Community, LocationType, Point, Setting,
                     Unit)
from .photos import Photo
from .routes import RouteStop
from .system import ChangeLog, Counter, IdempotencyRecord

__all__ = [
    "ApiToken", "LoginFailure", "User", "CalendarDay", "CalendarYear", "Export", "Finding", "FindingEvent",
    "FindingPhoto", "Inspection", "InspectionResult", "Verification", "Letter", "ChecklistItem",
    "Community", "Point", "Unit", "LocationType", "Setting", "AuditEntry", "Photo", "ChangeLog", "Counter", "IdempotencyRecord",
    "Submission", "DutyList", "DutyItem", "LetterInstruction", "PromptEvent", "Bulletin", "RouteStop",
]
