"""Photo evidence (issue 11): whether the phone read the original file's EXIF before resizing.

Revision ID: 0009_photo_evidence
Revises: 0008_severity
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_photo_evidence"
down_revision = "0008_severity"
branch_labels = None
depends_on = None


def upgrade():
    """Add photos.original_checked (photos uploaded before were never checked: false)."""
    with op.batch_alter_table("photos") as batch:
        batch.add_column(sa.Column("original_checked", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade():
    """Drop it."""
    with op.batch_alter_table("photos") as batch:
        batch.drop_column("original_checked")
