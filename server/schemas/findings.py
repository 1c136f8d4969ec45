"""The output shape of a finding, as the contract's finding.schema.json describes it."""
from datetime import date

from ..models import Finding, FindingEvent
from ..models.places import SEVERITIES
from ..models.findings import SOURCES
from ..services.deadlines import overdue_state
from ..services.lifecycle import STATUS_LABELS
from ..services.reference import Reference
from ..timeutil import iso



def _day(d: date | None) -> str | None:
    """Format a local date."""
    return d.isoformat() if d else None


def photo_ref(photo_id: str, stage: str) -> dict:
    """A photo as listed on a finding, with its URLs."""
    base = f"/api/v1/photos/{photo_id}"
    return {"id": photo_id, "stage": stage, "url": base,
            "thumb_url": f"{base}?variant=thumb", "display_url": f"{base}?variant=display"}


def event_dict(e: FindingEvent) -> dict:
    """One history entry."""
    actor = ({"id": e.actor.id, "display_name": e.actor.display_name, "role": e.actor.role}
             if e.actor else None)  # None: the server itself (the deadline sweep)
    return {"at": iso(e.at), "actor": actor, "action": e.action, "from": e.from_status,
            "to": e.to_status, "note": e.note, "data": e.data, "photo_ids": e.photo_ids}


def finding_dict(f: Finding, ref: Reference, today: date) -> dict:
    """Serialise a finding; overdue and derived flags are computed for the local day."""
    late_reply, late_rectify = overdue_state(f.status, f.reply_due, f.rectify_due, today)
    flags = list(f.flags or [])
    if f.deadline_provisional:
        flags.append("provisional_deadline")
    if f.extension:
        flags.append("extension_pending")
    item = ref.items.get(f.item_code)
    out = {
        "id": f.id, "code": f.code, "status": f.status, "status_label": STATUS_LABELS[f.status],
        "community_id": ref.community_id(f.community_id),
        "community_name": ref.unit_name(ref.community_id(f.community_id)),
        "unit_id": f.community_id, "unit_name": ref.unit_name(f.community_id),
        "unit_kind": ref.unit_kinds.get(f.community_id),
        "item_code": f.item_code,
        "item_text": f.item_text or (item.text if item else f.item_code),
        "category": item.category if item else None,
        "severity": f.severity, "severity_label": SEVERITIES.get(f.severity, f.severity),
        "location_type": f.location_type, "point_id": f.point_id,
        "point_name": f.point.name if f.point else None,
        "lat": f.lat, "lon": f.lon, "description": f.description,
        "source": SOURCES.get(f.source, f.source), "source_code": f.source, "covert": f.covert,
        "address": f.address,
        "inspector": f.inspector.display_name if f.inspector else None,
        "found_at": iso(f.found_at), "received_at": iso(f.received_at),
        "notified_at": iso(f.notified_at),
        "reply_due": _day(f.reply_due), "rectify_due": _day(f.rectify_due),
        "overdue": late_reply or late_rectify, "overdue_reply": late_reply,
        "overdue_rectify": late_rectify,
        "assignment": {"method": f.assignment_method, "detail": f.assignment_detail},
        "flags": sorted(set(flags)),
        "photos": [photo_ref(p.photo_id, p.stage) for p in f.photo_links],
        "reply": f.reply, "extension": f.extension,
        "rework_count": f.rework_count, "return_count": f.return_count,
        "replied_at": iso(f.replied_at), "rectified_at": iso(f.rectified_at),
        "closed_at": iso(f.closed_at), "updated_at": iso(f.updated_at),
        "history": [event_dict(e) for e in f.events],
    }
    return out
