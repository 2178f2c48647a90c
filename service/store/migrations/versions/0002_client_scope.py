"""Idempotency keys scoped by client: the client_key column.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06

Adds ``clinical_impression.client_key`` (the sha256 of the client that posted a result, ``""``
for the anonymous client). Existing rows get ``""``: they were stored under keys that named no
client, which are exactly the anonymous client's keys, so they keep answering the retries of a
server without authentication. A plain ``ADD COLUMN`` on both databases: no table is rebuilt
(on SQLite a rebuild would drop the table the Provenance rows point at).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the client_key column, "" for every existing row."""
    op.add_column(
        "clinical_impression",
        sa.Column("client_key", sa.String(64), nullable=False, server_default=""),
    )


def downgrade() -> None:
    """Drop the column (results stored by named clients keep their scoped keys)."""
    op.drop_column("clinical_impression", "client_key")
