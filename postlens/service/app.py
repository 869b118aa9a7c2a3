"""The application factory: ``create_app(settings)`` builds the API and the web pages."""

from __future__ import annotations

from importlib import resources
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from postlens import __version__
from postlens.config import Settings
from postlens.service.errors import install_error_handlers
from postlens.service.routes import analyses, feedback, health, pages, posts, users
from postlens.service.state import AppState


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(title="postlens", version=__version__,
                  description="Understand social-media pictures and recommend from them.")
    app.state.postlens = AppState.create(settings)
    package = resources.files("postlens.service")
    app.state.templates = Jinja2Templates(directory=str(package.joinpath("templates")))
    app.mount("/static", StaticFiles(directory=str(package.joinpath("static"))), name="static")
    for module in (health, analyses, posts, users, feedback, pages):
        app.include_router(module.router)
    install_error_handlers(app)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    return app
