"""Server-rendered pages: upload, result, your page (profile + feed), overview, demo sign-in.

Each page parses its input, calls the core and renders; no logic of its own."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from postlens.errors import NotFound
from postlens.service.deps import KEY_COOKIE, OptionalUser, SessionDep, StateDep
from postlens.service.routes.analyses import read_limited
from postlens.service.schemas import feed_public, items, posts_by_id
from postlens.store.schema import User

router = APIRouter(include_in_schema=False)


def render(request: Request, template: str, user: User | None, **context: Any) -> Response:
    templates = request.app.state.templates
    core = request.app.state.postlens.core
    return templates.TemplateResponse(request, template, {
        "user": user, "demo_login": core.settings.demo_login, **context})


@router.get("/", response_class=HTMLResponse)
def upload_page(request: Request, user: OptionalUser) -> Response:
    return render(request, "upload.html", user)


@router.post("/upload")
async def upload_form(state: StateDep, user: OptionalUser, file: Annotated[UploadFile, File()],
                      caption: Annotated[str | None, Form(max_length=2200)] = None) -> Response:
    if user is None:
        return RedirectResponse("/login", status_code=303)
    data = await read_limited(file, state.core.settings.max_image_bytes)
    # Analysis is blocking work: off the event loop, as the API's upload.
    stored = await run_in_threadpool(state.core.upload, user, data, caption, file.filename)
    return RedirectResponse(f"/posts/{stored.post_id}", status_code=303)


@router.get("/posts/{post_id}", response_class=HTMLResponse)
def post_page(post_id: int, request: Request, session: SessionDep, state: StateDep,
              user: OptionalUser) -> Response:
    post = posts_by_id(session, [post_id]).get(post_id)
    if post is None:
        raise NotFound(f"unknown post id {post_id}")
    insights = state.core.post_insights(post_id)
    similar = items(session, insights.similar_ids, insights.similar_scores)
    return render(request, "post.html", user, post=post, similar=similar,
                  interests=insights.interests)


@router.get("/me", response_class=HTMLResponse)
def my_page(request: Request, session: SessionDep, state: StateDep,
            user: OptionalUser) -> Response:
    if user is None:
        return RedirectResponse("/login", status_code=303)
    feed = feed_public(session, state.core.recommend(user.id, limit=12), state.posts)
    interests = state.core.profile(user.id)["interests"]
    return render(request, "me.html", user, feed=feed.items, interests=interests)


@router.get("/overview", response_class=HTMLResponse)
def overview(request: Request, state: StateDep, user: OptionalUser) -> Response:
    core = state.core
    return render(request, "overview.html", user, stats=core.stats(),
                  abtest=core.abtest_report(), evaluation=core.latest_evaluation(),
                  model_version=core.recommender.version)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, state: StateDep, user: OptionalUser) -> Response:
    return render(request, "login.html", user, demo_users=sorted(state.core.demo_keys()))


@router.post("/login")
def login(state: StateDep, handle: Annotated[str, Form()] = "",
          api_key: Annotated[str, Form()] = "") -> Response:
    """Sign in with an API key, or, in a demo, as a demo user."""
    key = api_key.strip() or state.core.demo_keys().get(handle, "")
    response = RedirectResponse("/me" if key else "/login", status_code=303)
    if key:
        response.set_cookie(KEY_COOKIE, key, httponly=True, samesite="strict",
                            max_age=7 * 86_400)
    return response


@router.post("/logout")
def logout() -> Response:
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(KEY_COOKIE)
    return response
