"""Governed policy exceptions (scope, reviewers, state, signatures) and signed checkpoints
of the audit chain head.

Exceptions recorded before this revision were granted by whoever wrote them; they become
``legacy`` and waive nothing.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_TS = sa.String(32)
_HASH = sa.String(64)


def upgrade() -> None:
    """Add the exception scope and workflow columns, the exception signatures table and
    the audit checkpoints table."""
    with op.batch_alter_table("policy_exceptions") as batch:
        batch.add_column(sa.Column("manifest_digest", _HASH, nullable=False, server_default=""))
        batch.add_column(sa.Column("finding", sa.String(256), nullable=False, server_default="*"))
        batch.add_column(sa.Column("path", sa.String(1024), nullable=False, server_default="*"))
        batch.add_column(sa.Column("required_roles", sa.Text, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("state", sa.String(16), nullable=False, server_default="legacy"))
    op.create_table(
        "exception_signatures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "exception_id",
            sa.Integer,
            sa.ForeignKey("policy_exceptions.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(256), nullable=False),
        sa.Column("approve", sa.Boolean, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("hash", _HASH, nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("mac", sa.String(128), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )


def downgrade() -> None:
    """Drop the checkpoints, the exception signatures and the new exception columns."""
    op.drop_table("audit_checkpoints")
    op.drop_table("exception_signatures")
    with op.batch_alter_table("policy_exceptions") as batch:
        for column in ("state", "required_roles", "path", "finding", "manifest_digest"):
            batch.drop_column(column)
