"""Persistence: the SQLAlchemy schema, database sessions and content-addressed picture files."""
