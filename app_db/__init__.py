"""The application's own state, apart from the warehouse: sessions, the audit log and users' bookmarks
(app_db/bookmarks.py). The warehouse is read-only and replaced by every build; this database is written by the app.

SQLAlchemy Core over SQLite beside the warehouse by default (app.sqlite), PostgreSQL by configuration
(BOROUGH_INSIGHT_APP_DB_URL=postgresql+psycopg://...) for several workers or replicas. The schema is Alembic's:
`AppDatabase.upgrade()` brings any database to the latest revision (app_db/migrations/versions/).
"""

from app_db.database import AppDatabase, AuditEvent

__all__ = ["AppDatabase", "AuditEvent"]
