"""Letters as the work plan writes them (issue 12): reply letters per notice in the unit's own
series, prompt letters per unit and sweep (drafts until issued), overdue events, instructions.

Revision ID: 0011_letters_plan
Revises: 0010_routes_resighting
"""
import sqlalchemy as sa
from alembic import op

revision = "0011_letters_plan"
down_revision = "0010_routes_resighting"
branch_labels = None
depends_on = None


def upgrade():
    """Letters gain status, series, created_at and notice_id; events and instructions get tables."""
    _foreign_keys(False)
    op.create_table(
        "prompt_events",
        sa.Column("event_key", sa.String(120), nullable=False),
        sa.Column("letter_id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.String(36), nullable=False),
        sa.Column("clock", sa.String(8), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("escalated_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["letter_id"], ["letters.id"], name=op.f("fk_prompt_events_letter_id_letters")),
        sa.ForeignKeyConstraint(["finding_id"], ["findings.id"], name=op.f("fk_prompt_events_finding_id_findings")),
        sa.PrimaryKeyConstraint("event_key", name=op.f("pk_prompt_events")),
    )
    op.create_index("ix_prompt_events_letter_id", "prompt_events", ["letter_id"])
    op.create_index("ix_prompt_events_finding_id", "prompt_events", ["finding_id"])
    op.create_table(
        "letter_instructions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("letter_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["letter_id"], ["letters.id"], name=op.f("fk_letter_instructions_letter_id_letters")),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_letter_instructions_author_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letter_instructions")),
    )
    op.create_index("ix_letter_instructions_letter_id", "letter_instructions", ["letter_id"])
    with op.batch_alter_table("letters") as batch:
        batch.add_column(sa.Column("status", sa.String(8), nullable=False, server_default="issued"))
        batch.add_column(sa.Column("series", sa.String(24), nullable=False, server_default="office"))
        batch.add_column(sa.Column("created_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("notice_id", sa.Integer(), nullable=True))
        batch.alter_column("year", existing_type=sa.Integer(), nullable=True)
        batch.alter_column("seq", existing_type=sa.Integer(), nullable=True)
        batch.alter_column("number", existing_type=sa.String(64), nullable=True)
        batch.alter_column("issued_at", existing_type=sa.DateTime(), nullable=True)
    letters = sa.table("letters", sa.column("id", sa.Integer), sa.column("event_key", sa.String),
                       sa.column("finding_ids", sa.JSON), sa.column("body", sa.JSON),
                       sa.column("issued_at", sa.DateTime), sa.column("created_at", sa.DateTime))
    conn = op.get_bind()
    conn.execute(sa.update(letters).values(created_at=letters.c.issued_at))
    events = []
    for row in conn.execute(sa.select(letters.c.id, letters.c.event_key).where(
            letters.c.event_key.is_not(None))):
        finding_id, clock, due = row.event_key.split(":")
        events.append({"event_key": row.event_key, "letter_id": row.id, "finding_id": finding_id,
                       "clock": clock, "due": _date(due)})
    if events:
        op.bulk_insert(sa.table("prompt_events", sa.column("event_key", sa.String),
                                sa.column("letter_id", sa.Integer), sa.column("finding_id", sa.String),
                                sa.column("clock", sa.String), sa.column("due", sa.Date)), events)
    with op.batch_alter_table("letters") as batch:
        batch.alter_column("created_at", existing_type=sa.DateTime(), nullable=False)
        batch.drop_constraint("uq_letters_event_key", type_="unique")
        batch.drop_constraint("uq_letters_kind", type_="unique")
        batch.drop_column("event_key")
        batch.create_unique_constraint("uq_letters_series", ["series", "kind", "year", "seq"])
        batch.create_unique_constraint("uq_letters_notice_id", ["notice_id"])
        batch.create_foreign_key("fk_letters_notice_id_letters", "letters", ["notice_id"], ["id"])
    _foreign_keys(True)


def _foreign_keys(on: bool) -> None:
    """SQLite rebuilds `letters` by copy, and findings point at it: dropping the old table would
    fail the foreign keys (even deferred ones count the drop, not the copy). The check can only
    change between transactions, so commit, switch, and carry on in a new one; every key is
    verified before the check is back on."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    if on:
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"foreign keys broken by the letters rebuild: {broken[:5]}")
    bind.exec_driver_sql("COMMIT")
    bind.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    bind.exec_driver_sql("BEGIN IMMEDIATE")


def _date(text: str):
    """An ISO date string as a date."""
    from datetime import date

    return date.fromisoformat(text)


def downgrade():
    """Back to one letter per event (drafts and instructions are lost)."""
    _foreign_keys(False)
    op.drop_table("letter_instructions")
    with op.batch_alter_table("letters") as batch:
        batch.drop_constraint("fk_letters_notice_id_letters", type_="foreignkey")
        batch.drop_constraint("uq_letters_notice_id", type_="unique")
        batch.drop_constraint("uq_letters_series", type_="unique")
        batch.add_column(sa.Column("event_key", sa.String(120), nullable=True))
        batch.drop_column("notice_id")
        batch.drop_column("created_at")
        batch.drop_column("series")
        batch.drop_column("status")
        batch.create_unique_constraint("uq_letters_kind", ["kind", "year", "seq"])
        batch.create_unique_constraint("uq_letters_event_key", ["event_key"])
    op.drop_table("prompt_events")
    _foreign_keys(True)
