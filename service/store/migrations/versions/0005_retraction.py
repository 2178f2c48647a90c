"""Retraction: a result's status, its earlier versions, and the Provenance of its retraction.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06

A stored result can be retracted as entered in error (``PATCH`` setting ``status``): the row
keeps the current version (its ``status`` column, ``entered-in-error``, drops it out of searches
by default), the version it replaces goes to ``impression_version`` (so ``_history/1``
stays readable), and the Provenance of the retraction to ``retraction`` (one per result).
Existing rows get ``completed``, the status every result was stored with. Only ``ADD COLUMN``
and new tables: no table is rebuilt on SQLite.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the status column and the two tables."""
    op.add_column(
        "clinical_impression",
        sa.Column("status", sa.String(32), nullable=False, server_default="completed"),
    )
    op.create_table(
        "impression_version",
        sa.Column("impression_id", sa.String(64), nullable=False),
        sa.Column("version_id", sa.String(16), nullable=False),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resource", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("impression_id", "version_id", name="pk_impression_version"),
        sa.ForeignKeyConstraint(
            ["impression_id"],
            ["clinical_impression.id"],
            ondelete="CASCADE",
            name="fk_impression_version_impression_id_clinical_impression",
        ),
    )
    op.create_table(
        "retraction",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("impression_id", sa.String(64), nullable=False),
        sa.Column("version_id", sa.String(16), nullable=False),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resource", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_retraction"),
        sa.ForeignKeyConstraint(
            ["impression_id"],
            ["clinical_impression.id"],
            ondelete="CASCADE",
            name="fk_retraction_impression_id_clinical_impression",
        ),
        sa.UniqueConstraint("impression_id", name="uq_retraction_impression_id"),
    )


def downgrade() -> None:
    """Drop the tables and the column (retracted results read as stored again)."""
    op.drop_table("retraction")
    op.drop_table("impression_version")
    op.drop_column("clinical_impression", "status")
