"""The safety facts of a deployment: which gateway configuration serves it, with which
safety profile, safety policy and exposure.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``deployments.safety`` (canonical JSON; ``{}`` when nothing is known)."""
    with op.batch_alter_table("deployments") as batch:
        batch.add_column(sa.Column("safety", sa.Text, nullable=False, server_default="{}"))


def downgrade() -> None:
    """Drop ``deployments.safety``."""
    with op.batch_alter_table("deployments") as batch:
        batch.drop_column("safety")
