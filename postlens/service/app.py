"""The application factory: ``create_app(core)`` builds the API and the web pages."""

from __future__ import annotations

from importlib import resources
from typing import ClassVar

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from postlens import __version__
from postlens.core import Postlens
from postlens.service.errors import install_error_handlers
from postlens.service.routes import analyses, feedback, health, interests, pages, posts, users
from postlens.service.state import AppState


class SecurityHeaders:
    """Pure ASGI middleware (Starlette's BaseHTTPMiddleware costs a task per request)."""

    HEADERS: ClassVar[list[tuple[bytes, bytes]]] = [
        (b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin")]

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in self.HEADERS if n not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(core: Postlens | None = None) -> FastAPI:
    """The API and web pages over ``core`` (built from the environment's settings, as a
    server, when not given)."""
    core = core or Postlens(serving=True)
    app = FastAPI(title="postlens", version=__version__,
                  description="Understand social-media pictures and recommend from them.")
    app.state.postlens = AppState(core)
    package = resources.files("postlens.service")
    app.state.templates = Jinja2Templates(directory=str(package.joinpath("templates")))
    app.mount("/static", StaticFiles(directory=str(package.joinpath("static"))), name="static")
    for module in (health, analyses, interests, posts, users, feedback, pages):
        app.include_router(module.router)
    install_error_handlers(app)

    app.add_middleware(SecurityHeaders)
    return app
