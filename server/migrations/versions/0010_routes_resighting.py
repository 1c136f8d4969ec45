"""日督导 allocation (route_stops) and re-sighting (inspection_results.finding_id) (issue 11).

Revision ID: 0010_routes_resighting
Revises: 0009_photo_evidence
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_routes_resighting"
down_revision = "0009_photo_evidence"
branch_labels = None
depends_on = None


def upgrade():
    """Create route_stops; results remember the finding they opened or re-sighted."""
    op.create_table(
        "route_stops",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("point_id", sa.Integer(), sa.ForeignKey("points.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("allocated_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("allocated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("day", "user_id", "point_id", name="uq_route_stops_day_user_point"),
    )
    op.create_index("ix_route_stops_day", "route_stops", ["day"])
    op.create_index("ix_route_stops_user_id", "route_stops", ["user_id"])
    with op.batch_alter_table("inspection_results") as batch:
        batch.add_column(sa.Column("finding_id", sa.String(36), nullable=True))
    # Every fail so far opened the finding with its own id.
    op.execute("UPDATE inspection_results SET finding_id = id WHERE result = 'fail'")


def downgrade():
    """Drop them again."""
    with op.batch_alter_table("inspection_results") as batch:
        batch.drop_column("finding_id")
    op.drop_index("ix_route_stops_user_id", table_name="route_stops")
    op.drop_index("ix_route_stops_day", table_name="route_stops")
    op.drop_table("route_stops")
