"""CDS Hooks: the cards issued, the feedback on them, and the JWT ids already seen.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-20

``cds_card``: one row per card the CDS Hooks services answered (its uuid, the service, the
hook instance, the stored ClinicalImpression it points to, and the card's JSON without the
suggestion's resource). ``cds_feedback``: what the clinician did with a card (accepted with the
suggestions, or overridden with a reason), several rows per card allowed, as the specification
lets a client report a card more than once. ``cds_jti``: the sha256 of ``iss|jti`` of every CDS
client JWT accepted, until it expires, so a replay is refused by every replica.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the three tables and their indexes."""
    op.create_table(
        "cds_card",
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("service_id", sa.String(64), nullable=False),
        sa.Column("hook_instance", sa.String(128), nullable=False),
        sa.Column("impression_id", sa.String(64), nullable=True),
        sa.Column("indicator", sa.String(16), nullable=False),
        sa.Column("summary", sa.String(256), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("card", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("uuid", name="pk_cds_card"),
    )
    op.create_index("ix_cds_card_issued_at", "cds_card", ["issued_at"])
    op.create_table(
        "cds_feedback",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("card_uuid", sa.String(36), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("accepted_suggestions", sa.Text(), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("outcome_timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client", sa.String(256), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_cds_feedback"),
        sa.ForeignKeyConstraint(
            ["card_uuid"],
            ["cds_card.uuid"],
            ondelete="CASCADE",
            name="fk_cds_feedback_card_uuid_cds_card",
        ),
    )
    op.create_index("ix_cds_feedback_card_uuid", "cds_feedback", ["card_uuid"])
    op.create_index("ix_cds_feedback_received_at", "cds_feedback", ["received_at"])
    op.create_table(
        "cds_jti",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_cds_jti"),
    )
    op.create_index("ix_cds_jti_expires_at", "cds_jti", ["expires_at"])


def downgrade() -> None:
    """Drop the three tables (the feedback with them)."""
    op.drop_index("ix_cds_jti_expires_at", table_name="cds_jti")
    op.drop_table("cds_jti")
    op.drop_index("ix_cds_feedback_received_at", table_name="cds_feedback")
    op.drop_index("ix_cds_feedback_card_uuid", table_name="cds_feedback")
    op.drop_table("cds_feedback")
    op.drop_index("ix_cds_card_issued_at", table_name="cds_card")
    op.drop_table("cds_card")
