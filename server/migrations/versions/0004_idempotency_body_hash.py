"""Idempotency records remember the request body's hash.

Revision ID: 0004_idempotency_body_hash
Revises: 0003_overdue_indexes
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_idempotency_body_hash"
down_revision = "0003_overdue_indexes"
branch_labels = None
depends_on = None


def upgrade():
    """Add body_sha256 (empty for records made before: those compare by method and path)."""
    with op.batch_alter_table("idempotency_records") as batch:
        batch.add_column(sa.Column("body_sha256", sa.String(length=64), nullable=False,
                                   server_default=""))


def downgrade():
    """Drop it."""
    with op.batch_alter_table("idempotency_records") as batch:
        batch.drop_column("body_sha256")
