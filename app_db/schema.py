"""The tables, as SQLAlchemy Core sees them (the migrations create them; this is what the code reads and writes)."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

sessions = sa.Table(
    "sessions", metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),   # sha256 of the token in the cookie, never the token
    sa.Column("username", sa.String(100), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ended_at", sa.DateTime(timezone=True)),
    sa.Column("ended_why", sa.String(20)),   # signed-out | idle | replaced
)

audit_events = sa.Table(
    "audit_events", metadata,
    sa.Column("event_id", sa.Integer, sa.Identity(), primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("username", sa.String(100), index=True),   # None: nobody signed in
    sa.Column("event", sa.String(30), nullable=False, index=True),
    sa.Column("path", sa.String(500)),
    sa.Column("selections", sa.Text),   # the URL's query string: which selections
    sa.Column("detail", sa.Text),
    sa.Column("address", sa.String(64)),
)

bookmarks = sa.Table(
    "bookmarks", metadata,
    sa.Column("bookmark_id", sa.Integer, sa.Identity(), primary_key=True),
    sa.Column("owner", sa.String(100), nullable=False),   # the signed-in user's username: only they read it
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("page", sa.String(500), nullable=False),   # a registered page path, '/repairs'
    sa.Column("query_string", sa.Text, nullable=False),   # as in the URL, without '?': named values stay relative
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("owner", "name", name="uq_bookmarks_owner_name"),   # also the index listing an owner's
)
