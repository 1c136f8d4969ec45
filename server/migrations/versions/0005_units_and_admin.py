"""v1.1: communities become responsible units; location types, settings, audit log.

Revision ID: 0005_units_and_admin
Revises: 0004_idempotency_body_hash
"""
import sqlalchemy as sa
from alembic import op

revision = "0005_units_and_admin"
down_revision = "0004_idempotency_body_hash"
branch_labels = None
depends_on = None

# The catalogue's location types at the time of this migration (names for existing codes).
TYPE_NAMES = {"street": "背街小巷", "compound": "居民小区", "toilet": "公共厕所", "market": "农贸市场",
              "school": "学校周边", "practice_station": "新时代文明实践站", "main_road": "主次干道"}


def upgrade():
    """Rename communities to units (same ids, nothing lost) and add what administration needs."""
    op.rename_table("communities", "units")
    # Plain ADD COLUMNs: on SQLite a batch copy of a table others reference would fail.
    op.add_column("units", sa.Column("kind", sa.String(16), nullable=False, server_default="community"))
    op.add_column("units", sa.Column("head", sa.String(64), nullable=False, server_default=""))
    op.add_column("units", sa.Column("contact", sa.String(64), nullable=False, server_default=""))
    op.add_column("units", sa.Column("phone", sa.String(32), nullable=False, server_default=""))
    op.add_column("units", sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.add_column("units", sa.Column("position", sa.Integer(), nullable=False, server_default="0"))
    op.create_index("uq_units_name", "units", ["name"], unique=True)
    op.create_table(
        "location_types",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(32), nullable=False, unique=True),
        sa.Column("position", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    conn = op.get_bind()
    used = [r[0] for r in conn.execute(sa.text("SELECT DISTINCT location_type FROM checklist_items"))]
    types = sa.table("location_types", sa.column("code"), sa.column("name"), sa.column("position"),
                     sa.column("active"))
    ordered = [c for c in TYPE_NAMES if c in used] + sorted(c for c in used if c not in TYPE_NAMES)
    if ordered:
        op.bulk_insert(types, [{"code": c, "name": TYPE_NAMES.get(c, c), "position": i, "active": True}
                               for i, c in enumerate(ordered)])
    with op.batch_alter_table("checklist_items") as batch:
        batch.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_checklist_items_unit_id_units", "units", ["unit_id"], ["id"])
    op.add_column("users", sa.Column("must_change_password", sa.Boolean(), nullable=False,
                                     server_default=sa.false()))
    op.add_column("users", sa.Column("last_login_at", sa.DateTime(), nullable=True))
    op.add_column("users", sa.Column("created_at", sa.DateTime(), nullable=True))
    op.add_column("findings", sa.Column("item_text", sa.String(300), nullable=True))
    # Findings keep the text they were recorded with from now on; fill in today's text.
    conn.execute(sa.text("UPDATE findings SET item_text = (SELECT text FROM checklist_items "
                         "WHERE checklist_items.code = findings.item_code)"))
    op.create_table(
        "settings",
        sa.Column("key", sa.String(32), primary_key=True),
        sa.Column("value", sa.JSON(), nullable=True),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), sa.ForeignKey("users.id", name="fk_audit_log_actor_id_users"),
                  nullable=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target", sa.String(64), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_action", "audit_log", ["action"])
    op.create_index("ix_audit_log_target", "audit_log", ["target"])


def downgrade():
    """Back to v1 (units other than communities are dropped with their links)."""
    op.drop_table("audit_log")
    op.drop_table("settings")
    op.drop_column("findings", "item_text")
    for col in ("created_at", "last_login_at", "must_change_password"):
        op.drop_column("users", col)
    with op.batch_alter_table("checklist_items") as batch:
        batch.drop_constraint("fk_checklist_items_unit_id_units", type_="foreignkey")
        batch.drop_column("unit_id")
    op.drop_table("location_types")
    op.drop_index("uq_units_name", "units")
    for col in ("position", "active", "phone", "contact", "head", "kind"):
        op.drop_column("units", col)
    op.rename_table("units", "communities")
