"""Sequences that survive concurrency: finding codes and letter numbers."""
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import Counter


def reserve(name: str, n: int = 1) -> int:
    """Reserve n consecutive values of a named counter; return the first."""
    table = Counter.__table__
    dialect = db.session.get_bind().dialect.name
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    db.session.execute(ins.values(name=name, value=0).on_conflict_do_nothing())
    last = db.session.execute(
        sa.update(table).where(table.c.name == name)
        .values(value=table.c.value + n).returning(table.c.value)
    ).scalar_one()
    return last - n + 1


def finding_code(prefix: str, year: int, seq: int) -> str:
    """Format a finding's ledger code, e.g. MH-2026-0001."""
    return f"{prefix}-{year}-{seq:04d}"


LETTER_MARKS = {"notice": "督", "reply": "复", "prompt": "提"}


def letter_number(prefix: str, kind: str, year: int, seq: int) -> str:
    """Format a letter number, e.g. 明桦创城督〔2026〕12号."""
    return f"{prefix}{LETTER_MARKS[kind]}〔{year}〕{seq}号"


def unit_letter_number(unit_name: str | None, year: int, seq: int) -> str:
    """Format a number in a unit's own series, e.g. 永胜社区〔2026〕3号."""
    return f"{unit_name or ''}〔{year}〕{seq}号"
