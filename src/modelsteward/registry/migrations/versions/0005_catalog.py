"""What the catalog lists and filters on: each model's latest decision, license family and
worst finding severity, and indexes for paged listings.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from modelsteward.registry.facts import passport_summary

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the summary columns, fill them, create the indexes."""
    with op.batch_alter_table("models") as batch:
        batch.add_column(sa.Column("decision", sa.String(32), nullable=True))
        batch.add_column(sa.Column("license_family", sa.String(64), nullable=True))
        batch.add_column(sa.Column("max_severity", sa.Integer, nullable=True))
    _fill_summaries()
    op.create_index("ix_models_status", "models", ["status", "id"])
    op.create_index("ix_models_license_family", "models", ["license_family", "id"])
    op.create_index("ix_models_max_severity", "models", ["max_severity", "id"])
    op.create_index("ix_models_decision", "models", ["decision", "id"])
    op.create_index("ix_deployments_target", "deployments", ["target", "model_id"])
    op.create_index("ix_approval_requests_state", "approval_requests", ["state", "id"])
    op.create_index("ix_signatures_created_at", "signatures", ["created_at"])
    op.create_index("ix_audit_log_action", "audit_log", ["action", "seq"])
    op.create_index("ix_audit_log_actor", "audit_log", ["actor", "seq"])


def _fill_summaries() -> None:
    conn = op.get_bind()
    latest = conn.execute(
        sa.text(
            "SELECT p.model_id, p.decision, p.passport FROM passports p "
            "WHERE p.version = (SELECT MAX(q.version) FROM passports q "
            "WHERE q.model_id = p.model_id)"
        )
    )
    for model_id, decision, text in latest:
        family, worst = passport_summary(json.loads(text))
        conn.execute(
            sa.text(
                "UPDATE models SET decision = :d, license_family = :f, max_severity = :s "
                "WHERE id = :i"
            ),
            {"d": decision, "f": family, "s": worst, "i": model_id},
        )


def downgrade() -> None:
    """Drop the indexes and columns."""
    for name, table in (
        ("ix_audit_log_actor", "audit_log"),
        ("ix_audit_log_action", "audit_log"),
        ("ix_signatures_created_at", "signatures"),
        ("ix_approval_requests_state", "approval_requests"),
        ("ix_deployments_target", "deployments"),
        ("ix_models_decision", "models"),
        ("ix_models_max_severity", "models"),
        ("ix_models_license_family", "models"),
        ("ix_models_status", "models"),
    ):
        op.drop_index(name, table_name=table)
    with op.batch_alter_table("models") as batch:
        for column in ("max_severity", "license_family", "decision"):
            batch.drop_column(column)
