"""Governed decision records (selections, contributions) with their signatures.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the decision tables."""
    op.create_table(
        "decision_records",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False, index=True),
        sa.Column("name", sa.String(512), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(512), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("requester", sa.String(256), nullable=False),
        sa.Column("required_roles", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "decision_signatures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "decision_id",
            sa.Integer,
            sa.ForeignKey("decision_records.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(256), nullable=False),
        sa.Column("approve", sa.Boolean, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "decision_models",
        sa.Column(
            "decision_id", sa.Integer, sa.ForeignKey("decision_records.id"), primary_key=True
        ),
        sa.Column("model_name", sa.String(512), primary_key=True, index=True),
    )


def downgrade() -> None:
    """Drop the decision tables."""
    op.drop_table("decision_models")
    op.drop_table("decision_signatures")
    op.drop_table("decision_records")
