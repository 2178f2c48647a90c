"""ISNCSCI classifications: the isncsci_result and observation tables.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06

A classification is one ``isncsci_result`` row (its idempotency keys, scoped by client as for
ClinicalImpressions, and its Provenance) and 26 ``observation`` rows (the panel and its members),
read by id and searched by subject and code. New tables only: nothing existing changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create both tables with their UNIQUE keys and search indexes."""
    op.create_table(
        "isncsci_result",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("version_id", sa.String(16), nullable=False),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("subject", sa.String(256), nullable=False),
        sa.Column("date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("identifier_key", sa.String(64), nullable=True),
        sa.Column("content_key", sa.String(64), nullable=False),
        sa.Column("client_key", sa.String(64), nullable=False, server_default=""),
        sa.Column("provenance_id", sa.String(64), nullable=False),
        sa.Column("provenance", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_isncsci_result"),
        sa.UniqueConstraint("identifier_key", name="uq_isncsci_result_identifier_key"),
        sa.UniqueConstraint("content_key", name="uq_isncsci_result_content_key"),
        sa.UniqueConstraint("provenance_id", name="uq_isncsci_result_provenance_id"),
    )
    op.create_index("ix_isncsci_result_subject_date", "isncsci_result", ["subject", "date"])
    op.create_table(
        "observation",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("result_id", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(256), nullable=False),
        sa.Column("date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version_id", sa.String(16), nullable=False),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resource", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_observation"),
        sa.ForeignKeyConstraint(
            ["result_id"],
            ["isncsci_result.id"],
            ondelete="CASCADE",
            name="fk_observation_result_id_isncsci_result",
        ),
    )
    op.create_index("ix_observation_subject_code", "observation", ["subject", "code"])
    op.create_index("ix_observation_result_id", "observation", ["result_id"])


def downgrade() -> None:
    """Drop both tables (and every stored classification with them)."""
    op.drop_index("ix_observation_result_id", table_name="observation")
    op.drop_index("ix_observation_subject_code", table_name="observation")
    op.drop_table("observation")
    op.drop_index("ix_isncsci_result_subject_date", table_name="isncsci_result")
    op.drop_table("isncsci_result")
