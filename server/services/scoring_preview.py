"""What last month's grades would have been under a proposed scoring rule (设置 → 考评规则)."""
from . import report_data
from . import reports as R
from .reference import load_reference
from ..timeutil import local_today, utcnow


def preview(rule: dict) -> dict:
    """Last month's monthly report rows under ``rule``, nothing stored."""
    now = utcnow()
    period = R.previous_period(R.month_of(local_today(now)))
    cutoff = R.cutoff_of(period, now)
    with report_data._bulk_objects():
        since = R.previous_period(period).start
        findings = report_data.load_findings(since, cutoff)
        report = R.monthly_report(report_data.load_communities(), findings,
                                  load_reference().calendar, period, now, rule,
                                  report_data.campaign_terms(since, period.end))
    rows = sorted(report["communities"], key=lambda r: (r["rank"] is None, r["rank"] or 0, r["name"]))
    return {"month": report["month"], "rule": rule,
            "rows": [{"unit_id": r["community_id"], "name": r["name"], "score": r["score"],
                      "grade": r["grade"], "rank": r["rank"]} for r in rows]}
