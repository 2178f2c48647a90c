"""Results: the ClinicalImpression and Provenance tables.

Revision ID: 0001
Revises:
Create Date: 2026-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create both tables with their UNIQUE idempotency keys and search indexes."""
    op.create_table(
        "clinical_impression",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("version_id", sa.String(16), nullable=False),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("subject", sa.String(256), nullable=False),
        sa.Column("date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("identifier_key", sa.String(64), nullable=True),
        sa.Column("content_key", sa.String(64), nullable=False),
        sa.Column("resource", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_clinical_impression"),
        sa.UniqueConstraint("identifier_key", name="uq_clinical_impression_identifier_key"),
        sa.UniqueConstraint("content_key", name="uq_clinical_impression_content_key"),
    )
    op.create_index(
        "ix_clinical_impression_subject_date", "clinical_impression", ["subject", "date"]
    )
    op.create_index("ix_clinical_impression_date", "clinical_impression", ["date"])
    op.create_table(
        "provenance",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("impression_id", sa.String(64), nullable=False),
        sa.Column("version_id", sa.String(16), nullable=False),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resource", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_provenance"),
        sa.ForeignKeyConstraint(
            ["impression_id"],
            ["clinical_impression.id"],
            ondelete="CASCADE",
            name="fk_provenance_impression_id_clinical_impression",
        ),
        sa.UniqueConstraint("impression_id", name="uq_provenance_impression_id"),
    )


def downgrade() -> None:
    """Drop both tables (and every stored result with them)."""
    op.drop_table("provenance")
    op.drop_index("ix_clinical_impression_date", table_name="clinical_impression")
    op.drop_index("ix_clinical_impression_subject_date", table_name="clinical_impression")
    op.drop_table("clinical_impression")
