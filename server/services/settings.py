"""Administrator settings: stored in the database, the environment giving the defaults only.

GET answers the values in force; PUT replaces the whole document (GET's answer is a valid PUT
body). The monthly scoring rule is checked by applying it before it is stored.
"""
from flask import current_app

from ..extensions import db
from ..models import Setting
from . import reports as R

KEYS = ("office_name", "letter_masthead", "contact_person", "contact_phone", "prompt_review",
        "scoring", "grades", "min_cases", "bulletin_to", "bulletin_cc")


def defaults() -> dict:
    """The values the environment (or the code) gives when nothing is stored."""
    cfg = current_app.config
    rule = R.scoring_rule(cfg.get("REPORT_SCORING"), cfg.get("REPORT_GRADES"),
                          cfg.get("REPORT_MIN_CASES", R.DEFAULT_MIN_CASES))
    return {
        "office_name": cfg.get("OFFICE_NAME", "明桦街道"),
        "letter_masthead": cfg["LETTER_OFFICE"],
        "contact_person": cfg.get("LETTER_CONTACT_PERSON", ""),
        "contact_phone": cfg.get("LETTER_CONTACT_PHONE", ""),
        "prompt_review": cfg.get("PROMPT_REVIEW", True),
        "scoring": rule["weights"],
        "grades": rule["grades"],
        "min_cases": rule["min_cases"],
        # 周通报's 主送 and 抄送 (names separated by 、); empty: every active unit, and the leaders.
        "bulletin_to": "",
        "bulletin_cc": "",
    }


def current() -> dict:
    """The settings in force: stored values over the defaults."""
    out = defaults()
    for row in db.session.scalars(db.select(Setting)):
        if row.key in out:
            out[row.key] = row.value
    return out


def rule_of(doc: dict) -> dict:
    """The scoring rule a settings document describes; ValueError when it cannot be applied."""
    grades = [(g["min_score"], g["grade"]) for g in doc["grades"]]
    return R.scoring_rule(doc["scoring"], grades, doc["min_cases"])


def scoring_rule() -> dict:
    """The monthly scoring rule in force."""
    return rule_of(current())


def replace(doc: dict) -> tuple[dict, dict]:
    """Store a whole (validated) document; return (before, after) for the audit log."""
    before = current()
    rows = {r.key: r for r in db.session.scalars(db.select(Setting))}
    for key in KEYS:
        row = rows.get(key) or Setting(key=key)
        row.value = doc[key]
        db.session.add(row)
    db.session.flush()
    return before, current()
