"""Login throttling state; a perceptual hash on photos (issue 10).

Revision ID: 0006_throttle_and_phash
Revises: 0005_units_and_admin
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_throttle_and_phash"
down_revision = "0005_units_and_admin"
branch_labels = None
depends_on = None


def upgrade():
    """Add login_failures and photos.phash (photos uploaded before keep none: SHA-256 still applies)."""
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(160), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_login_failures_key", "login_failures", ["key"])
    op.create_index("ix_login_failures_at", "login_failures", ["at"])
    op.add_column("photos", sa.Column("phash", sa.String(16), nullable=True))


def downgrade():
    """Drop them."""
    op.drop_column("photos", "phash")
    op.drop_table("login_failures")
