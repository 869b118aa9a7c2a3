"""The PostgreSQL fixtures (pg_server, pg_url, pg_settings) live in tests/conftest.py."""
