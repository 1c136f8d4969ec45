"""信息报送 (submissions) and 责任清单 (duty lists and their items) (issue 13).

Revision ID: 0007_submissions_duty
Revises: 0006_throttle_and_phash
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_submissions_duty"
down_revision = "0006_throttle_and_phash"
branch_labels = None
depends_on = None


def upgrade():
    """Create submissions, duty_lists and duty_items."""
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id"), nullable=False),
        sa.Column("author_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("photo_ids", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("reviewer_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("adopted", sa.Boolean(), nullable=True),
        sa.Column("level", sa.String(16), nullable=True),
        sa.Column("review_note", sa.String(500), nullable=False),
    )
    op.create_index("ix_submissions_unit_id", "submissions", ["unit_id"])
    op.create_index("ix_submissions_period", "submissions", ["period"])
    op.create_index("ix_submissions_received_at", "submissions", ["received_at"])
    op.create_table(
        "duty_lists",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id"), nullable=False),
        sa.Column("period", sa.String(8), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("issued_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.UniqueConstraint("unit_id", "period", name="uq_duty_lists_unit_period"),
    )
    op.create_index("ix_duty_lists_unit_id", "duty_lists", ["unit_id"])
    op.create_index("ix_duty_lists_period", "duty_lists", ["period"])
    op.create_table(
        "duty_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("list_id", sa.Integer(), sa.ForeignKey("duty_lists.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(300), nullable=False),
        sa.Column("indicator", sa.String(200), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("note", sa.String(1000), nullable=False),
        sa.Column("photo_ids", sa.JSON(), nullable=False),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.Column("completed_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("reviewed_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("review_note", sa.String(500), nullable=False),
    )
    op.create_index("ix_duty_items_list_id", "duty_items", ["list_id"])
    op.create_index("ix_duty_items_due", "duty_items", ["due"])


def downgrade():
    """Drop them."""
    op.drop_table("duty_items")
    op.drop_table("duty_lists")
    op.drop_table("submissions")
