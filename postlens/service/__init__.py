"""The web app and REST API (FastAPI): thin routes over the library."""
