"""The initial registry schema.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_TS = sa.String(32)
_HASH = sa.String(64)


def upgrade() -> None:
    """Create every table and the chain-head row."""
    op.create_table(
        "models",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(512), nullable=False, unique=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("revision", sa.String(256), nullable=False),
        sa.Column("manifest_digest", _HASH, nullable=False, index=True),
        sa.Column("file_count", sa.Integer, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_table(
        "model_files",
        sa.Column("model_id", sa.Integer, sa.ForeignKey("models.id"), primary_key=True),
        sa.Column("relpath", sa.String(1024), primary_key=True),
        sa.Column("sha256", _HASH, nullable=False, index=True),
    )
    op.create_table(
        "passports",
        sa.Column("model_id", sa.Integer, sa.ForeignKey("models.id"), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("manifest_digest", _HASH, nullable=False),
        sa.Column("decision", sa.String(32), nullable=False),
        sa.Column("required_roles", sa.Text, nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("passport", sa.Text, nullable=False),
        sa.Column("actor", sa.String(256), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_table(
        "approval_requests",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("model_id", sa.Integer, sa.ForeignKey("models.id"), nullable=False, index=True),
        sa.Column("passport_version", sa.Integer, nullable=False),
        sa.Column("manifest_digest", _HASH, nullable=False),
        sa.Column("requester", sa.String(256), nullable=False),
        sa.Column("required_roles", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_table(
        "signatures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "request_id",
            sa.Integer,
            sa.ForeignKey("approval_requests.id"),
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
        "policy_exceptions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("rule_id", sa.String(256), nullable=False),
        sa.Column("scope", sa.String(512), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("owner", sa.String(256), nullable=False),
        sa.Column("expires", sa.Date, nullable=False, index=True),
        sa.Column("actor", sa.String(256), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_table(
        "deployments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("model_id", sa.Integer, sa.ForeignKey("models.id"), nullable=False, index=True),
        sa.Column("manifest_digest", _HASH, nullable=False),
        sa.Column("target", sa.String(512), nullable=False),
        sa.Column("engine", sa.String(256), nullable=False),
        sa.Column("runtime_inventory", sa.Text, nullable=False),
        sa.Column("actor", sa.String(256), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_table(
        "sla_items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("deployment", sa.String(512), nullable=False),
        sa.Column("vuln_id", sa.String(128), nullable=False),
        sa.Column("package", sa.String(256), nullable=False),
        sa.Column("version", sa.String(128), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("first_seen", sa.Date, nullable=False),
        sa.Column("due", sa.Date, nullable=False),
        sa.Column("fixed_on", sa.Date, nullable=True),
        sa.Column("exception_owner", sa.String(256), nullable=True),
        sa.Column("exception_expires", sa.Date, nullable=True),
        sa.Column("exception_reason", sa.Text, nullable=True),
        sa.UniqueConstraint("deployment", "vuln_id", "package"),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("ts", _TS, nullable=False),
        sa.Column("actor", sa.String(256), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("prev_hash", _HASH, nullable=False),
        sa.Column("hash", _HASH, nullable=False),
    )
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("hash", _HASH, nullable=False),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": "0" * 64}])


def downgrade() -> None:
    """Drop every table."""
    for table in (
        "audit_head",
        "audit_log",
        "sla_items",
        "deployments",
        "policy_exceptions",
        "signatures",
        "approval_requests",
        "passports",
        "model_files",
        "models",
    ):
        op.drop_table(table)
