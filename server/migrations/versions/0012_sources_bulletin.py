"""问题来源 with the work plan's five sources, and published weekly bulletins with 期号 (issue 12).

Revision ID: 0012_sources_bulletin
Revises: 0011_letters_plan
"""
import sqlalchemy as sa
from alembic import op

revision = "0012_sources_bulletin"
down_revision = "0011_letters_plan"
branch_labels = None
depends_on = None


def upgrade():
    """Add source (and a finding's address), filled from the covert flag; create bulletins."""
    for table in ("findings", "inspections"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("source", sa.String(16), nullable=False,
                                       server_default="routine"))
        op.execute(f"UPDATE {table} SET source = 'covert' WHERE covert")
    with op.batch_alter_table("findings") as batch:
        batch.add_column(sa.Column("address", sa.String(200), nullable=True))
    op.create_table(
        "bulletins",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("week", sa.String(8), nullable=False, unique=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("publisher_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.UniqueConstraint("year", "seq", name="uq_bulletins_year_seq"),
    )


def downgrade():
    """Drop what upgrade added."""
    op.drop_table("bulletins")
    with op.batch_alter_table("findings") as batch:
        batch.drop_column("address")
    for table in ("findings", "inspections"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("source")
