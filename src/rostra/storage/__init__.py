"""SQL storage (SQLite or PostgreSQL through SQLAlchemy Core) implementing the service ports."""
