"""Daily coverage (日督导): which points were inspected on a day, which not, which are stale."""
from dataclasses import dataclass, field
from datetime import date, datetime

from .periods import local_day, local_iso
from .stats import _rate
from .timeline import PointRow


def coverage_report(points: list[PointRow], communities: list[tuple[int, str]], day: date,
                    last_inspected: dict[int, datetime], inspected_today: dict[int, int],
                    stale_days: int, now: datetime, type_labels: dict[str, str] | None = None,
                    unregistered: int = 0, day_facts: "DayFacts | None" = None) -> dict:
    """Daily coverage (日督导): points inspected on a day, not inspected, and stale points.

    ``last_inspected`` holds each point's latest inspection up to the end of the day,
    ``inspected_today`` the number of inspections at each point on the day. A point is
    stale when it has not been inspected for at least ``stale_days`` days, or never.
    """
    names, labels = dict(communities), type_labels or {}
    facts = day_facts or DayFacts()
    inspected, not_inspected, stale = [], [], []
    by_c = {cid: _cov_counter() for cid, _ in communities}
    by_t: dict[str, dict] = {}
    for p in sorted(points, key=lambda p: (p.community_id, p.location_type, p.name, p.id)):
        last = last_inspected.get(p.id)
        last_day = local_day(last) if last else None
        days = (day - last_day).days if last_day else None
        row = {"point_id": p.id, "name": p.name, "location_type": p.location_type,
               "location_type_label": labels.get(p.location_type, p.location_type),
               "community_id": p.community_id, "community_name": names.get(p.community_id),
               "inspections": inspected_today.get(p.id, 0),
               "last_inspected": last_day.isoformat() if last_day else None,
               "days_since_last": days,
               "findings": facts.findings.get(p.id, 0),
               "resightings": facts.resightings.get(p.id, 0),
               "inspectors": facts.inspectors.get(p.id, []),
               "allocated_to": facts.allocated_to.get(p.id, [])}
        is_stale = days is None or days >= stale_days
        counters = (by_c.setdefault(p.community_id, _cov_counter()),
                    by_t.setdefault(p.location_type, _cov_counter()))
        for c in counters:
            c["points"] += 1
            c["inspections"] += row["inspections"]
        if row["inspections"]:
            inspected.append(row)
            for c in counters:
                c["inspected"] += 1
        else:
            not_inspected.append(row)
            for c in counters:
                c["not_inspected"] += 1
        if is_stale:
            stale.append(row)
            for c in counters:
                c["stale"] += 1
    stale.sort(key=lambda r: (r["days_since_last"] is not None, -(r["days_since_last"] or 0),
                              r["community_id"], r["name"]))
    total = _cov_counter()
    for c in by_c.values():
        for k in total:
            total[k] += c[k]
    return {
        "date": day.isoformat(), "stale_days": stale_days, "generated_at": local_iso(now),
        "summary": {**_cov_rate(total), "unregistered_inspections": unregistered},
        "by_community": [{"community_id": cid, "name": names.get(cid), **_cov_rate(c)}
                         for cid, c in by_c.items()],
        "by_location_type": [{"location_type": t, "label": labels.get(t, t), **_cov_rate(c)}
                             for t, c in sorted(by_t.items(),
                                                key=lambda kv: _type_order(kv[0], labels))],
        "inspected": inspected, "not_inspected": not_inspected, "stale": stale,
        "by_inspector": facts.by_inspector,
    }


@dataclass
class DayFacts:
    """Who did what on the day: per point, the findings it opened and re-sighted, who inspected
    it and to whom it was allocated; per inspector, the allocation's outcome."""

    findings: dict[int, int] = field(default_factory=dict)
    resightings: dict[int, int] = field(default_factory=dict)
    inspectors: dict[int, list[str]] = field(default_factory=dict)
    allocated_to: dict[int, list[str]] = field(default_factory=dict)
    by_inspector: list[dict] = field(default_factory=list)


def inspector_rows(day: date, allocated: dict[int, list[int]], visits: list[tuple],
                   names: dict[int, str]) -> list[dict]:
    """Per inspector with an allocation or an inspection on the day: allocated points, done
    (inspected on the day), late entries and inspections.

    ``visits`` are (inspector, point, started_at, received_at) of inspections started on the
    day or later. An allocated point is a late entry (当日发现、当日录入) when its inspector has no
    record of it both made and received on the day, but one made or received later.
    """
    on_day: dict[tuple, list[tuple[date, date]]] = {}
    inspections: dict[int, int] = {}
    for uid, pid, started, received in visits:
        s, r = local_day(started), local_day(received)
        on_day.setdefault((uid, pid), []).append((s, r))
        if s == day:
            inspections[uid] = inspections.get(uid, 0) + 1
    rows = []
    for uid in sorted(set(allocated) | set(inspections), key=lambda u: (names.get(u) or "", u)):
        stops = allocated.get(uid, [])
        seen = [on_day.get((uid, pid), []) for pid in stops]
        done = sum(1 for v in seen if any(s == day for s, _ in v))
        late = sum(1 for v in seen if v and not any(s == r == day for s, r in v))
        rows.append({"user_id": uid, "display_name": names.get(uid), "allocated": len(stops),
                     "done": done, "late_entry": late, "inspections": inspections.get(uid, 0),
                     "completion_rate": _rate(done, len(stops))})
    return rows


def _type_order(location_type: str, labels: dict) -> tuple:
    """Location types in the catalogue's order (the labels' order), unknown ones last."""
    order = list(labels)
    return (order.index(location_type) if location_type in order else len(order), location_type)


def _cov_counter() -> dict:
    """Zeroed coverage counts."""
    return {"points": 0, "inspected": 0, "not_inspected": 0, "stale": 0, "inspections": 0}


def _cov_rate(c: dict) -> dict:
    """Counts with the coverage rate (inspected ÷ points)."""
    return {**c, "coverage_rate": _rate(c["inspected"], c["points"])}
