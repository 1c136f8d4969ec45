"""Indexes for the overdue filter: (status, reply_due) and (status, rectify_due).

Revision ID: 0003_overdue_indexes
Revises: 0002_exports
"""
from alembic import op

revision = "0003_overdue_indexes"
down_revision = "0002_exports"
branch_labels = None
depends_on = None


def upgrade():
    """Add the two composite indexes."""
    op.create_index("ix_findings_status_reply_due", "findings", ["status", "reply_due"])
    op.create_index("ix_findings_status_rectify_due", "findings", ["status", "rectify_due"])


def downgrade():
    """Drop them."""
    op.drop_index("ix_findings_status_rectify_due", table_name="findings")
    op.drop_index("ix_findings_status_reply_due", table_name="findings")
