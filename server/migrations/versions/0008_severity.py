"""A problem's severity (一般/严重) on checklist items and findings, for the monthly grade (issue 13).

Revision ID: 0008_severity
Revises: 0007_submissions_duty
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_severity"
down_revision = "0007_submissions_duty"
branch_labels = None
depends_on = None

# Safety hazards the catalogue marks 严重 (shared_schema/checklists.json); an existing
# instance gets the same marks, and its findings of those items follow.
SERIOUS = ("street.flying_lead_charging", "street.signboards", "compound.manholes_kerbs",
           "compound.fire_equipment", "compound.fire_lanes", "compound.flying_lead_charging",
           "main_road.signboards", "riverside.railings_signs", "railway.protective_facilities",
           "railway.no_trespassing")


def upgrade():
    """Add the columns (default 一般) and mark the catalogue's serious items and their findings."""
    op.add_column("checklist_items", sa.Column("severity", sa.String(8), nullable=False,
                                               server_default="general"))
    op.add_column("findings", sa.Column("severity", sa.String(8), nullable=False,
                                        server_default="general"))
    items = sa.table("checklist_items", sa.column("code", sa.String), sa.column("severity", sa.String))
    findings = sa.table("findings", sa.column("item_code", sa.String), sa.column("severity", sa.String))
    op.execute(items.update().where(items.c.code.in_(SERIOUS)).values(severity="serious"))
    op.execute(findings.update().where(findings.c.item_code.in_(SERIOUS)).values(severity="serious"))


def downgrade():
    """Drop the columns."""
    op.drop_column("findings", "severity")
    op.drop_column("checklist_items", "severity")
