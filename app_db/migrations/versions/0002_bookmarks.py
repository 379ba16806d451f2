"""Bookmarks: a user's saved views (a page and its selection, as in the URL).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bookmarks",
        sa.Column("bookmark_id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("owner", sa.String(100), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("page", sa.String(500), nullable=False),
        sa.Column("query_string", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("owner", "name", name="uq_bookmarks_owner_name"),
    )


def downgrade() -> None:
    op.drop_table("bookmarks")
