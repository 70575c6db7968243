"""Alembic migrations of the registry schema, applied when a registry is opened."""
