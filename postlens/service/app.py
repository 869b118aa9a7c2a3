"""The application factory: ``create_app(core)`` builds the API and the web pages."""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from swagger_ui_bundle import swagger_ui_path

from postlens import __version__
from postlens.core import Postlens
from postlens.service.deps import SESSION_COOKIE
from postlens.service.errors import ERROR_RESPONSES, install_error_handlers
from postlens.service.middleware import BoundedBody, SameOrigin, SecurityHeaders
from postlens.service.routes import (
    analyses,
    feedback,
    health,
    interests,
    likes,
    pages,
    posts,
    products,
    users,
)
from postlens.service.state import AppState


def create_app(core: Postlens | None = None) -> FastAPI:
    """The API and web pages over ``core`` (built from the environment's settings, as a
    server, when not given)."""
    core = core or Postlens(serving=True)
    app = FastAPI(title="postlens", version=__version__, docs_url=None,
                  description="Understand social-media pictures and recommend from them.",
                  responses=ERROR_RESPONSES)
    app.state.postlens = AppState(core)
    if core.settings.admin_key is not None:
        core.accounts.ensure_operator()
    package = resources.files("postlens.service")
    app.state.templates = Jinja2Templates(directory=str(package.joinpath("templates")))
    app.mount("/static", StaticFiles(directory=str(package.joinpath("static"))), name="static")
    app.mount("/swagger", StaticFiles(directory=swagger_ui_path), name="swagger")
    for module in (health, analyses, interests, posts, users, feedback, products, likes,
                   pages):
        app.include_router(module.router)
    install_error_handlers(app)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json", title="postlens API",
            swagger_js_url="/swagger/swagger-ui-bundle.js",
            swagger_css_url="/swagger/swagger-ui.css",
            swagger_favicon_url="/swagger/favicon-32x32.png")

    settings = core.settings
    app.add_middleware(BoundedBody, max_bytes=settings.max_image_bytes + 1_048_576,
                       seconds=settings.request_body_seconds)
    app.add_middleware(SameOrigin, cookie=SESSION_COOKIE)
    app.add_middleware(SecurityHeaders)
    return app
