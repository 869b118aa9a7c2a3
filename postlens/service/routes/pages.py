"""Server-rendered pages: upload, result, your page (profile + feed), overview, demo sign-in."""

from __future__ import annotations

import json
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from postlens.errors import NotFound
from postlens.evaluation.abtest import experiment_report
from postlens.interests.posts import load_posts
from postlens.service.deps import KEY_COOKIE, OptionalUser, SessionDep, StateDep
from postlens.service.routes.analyses import read_limited
from postlens.service.routes.users import build_feed
from postlens.service.schemas import items, posts_by_id
from postlens.store.schema import Analysis, Post, User
from postlens.store.stats import database_stats
from postlens.uploads import store_upload

router = APIRouter(include_in_schema=False)


def render(request: Request, template: str, user: User | None, **context: Any) -> Response:
    templates = request.app.state.templates
    state = request.app.state.postlens
    return templates.TemplateResponse(request, template, {
        "user": user, "demo_login": state.settings.demo_login, **context})


@router.get("/", response_class=HTMLResponse)
def upload_page(request: Request, user: OptionalUser) -> Response:
    return render(request, "upload.html", user)


@router.post("/upload")
async def upload_form(state: StateDep, user: OptionalUser, file: Annotated[UploadFile, File()],
                      caption: Annotated[str | None, Form(max_length=2200)] = None) -> Response:
    if user is None:
        return RedirectResponse("/login", status_code=303)
    data = await read_limited(file, state.settings.max_image_bytes)
    stored = store_upload(state.db, state.analyzer, user, data, caption, file.filename)
    return RedirectResponse(f"/posts/{stored.post_id}", status_code=303)


@router.get("/posts/{post_id}", response_class=HTMLResponse)
def post_page(post_id: int, request: Request, session: SessionDep, state: StateDep,
              user: OptionalUser) -> Response:
    post = posts_by_id(session, [post_id]).get(post_id)
    if post is None:
        raise NotFound(f"unknown post id {post_id}")
    embedding = session.scalar(select(Analysis.embedding).join(
        Post, Post.picture_id == Analysis.picture_id).where(Post.id == post_id))
    similar = []
    if embedding is not None:
        ids, scores = state.live.similar_to_vector(np.frombuffer(embedding, "<f4"), 6,
                                                   exclude=post_id)
        similar = items(session, ids, scores)
    with state.db.transaction() as writer:  # caches the caption's embedding
        stored = load_posts(writer, [post_id], state.interests.encoder, with_embedding=True)
    interests = state.interests.for_post(stored[0].content, k=3)["fused"] if stored else []
    return render(request, "post.html", user, post=post, similar=similar, interests=interests)


@router.get("/me", response_class=HTMLResponse)
def my_page(request: Request, session: SessionDep, state: StateDep,
            user: OptionalUser) -> Response:
    if user is None:
        return RedirectResponse("/login", status_code=303)
    feed = build_feed(state, session, user.id, limit=12, offset=0)
    with state.db.transaction() as writer:  # the profile is stored and refreshed
        interests = state.interests.profile(writer, user.id)["interests"]
    return render(request, "me.html", user, feed=feed.items, interests=interests)


@router.get("/overview", response_class=HTMLResponse)
def overview(request: Request, session: SessionDep, state: StateDep,
             user: OptionalUser) -> Response:
    evaluation_file = state.settings.home / "evaluations" / "recommend.json"
    evaluation = json.loads(evaluation_file.read_text()) if evaluation_file.exists() else None
    return render(request, "overview.html", user, stats=database_stats(session),
                  abtest=experiment_report(session, state.experiment.name),
                  evaluation=evaluation, model_version=state.live.version)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, state: StateDep, user: OptionalUser) -> Response:
    keys = _demo_keys(state)
    return render(request, "login.html", user, demo_users=sorted(keys))


@router.post("/login")
def login(state: StateDep, handle: Annotated[str, Form()] = "",
          api_key: Annotated[str, Form()] = "") -> Response:
    """Sign in with an API key, or, in a demo, as a demo user."""
    key = api_key.strip() or _demo_keys(state).get(handle, "")
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


def _demo_keys(state: Any) -> dict[str, str]:
    path = state.settings.home / "demo-keys.json"
    if not state.settings.demo_login or not path.exists():
        return {}
    keys: dict[str, str] = json.loads(path.read_text())
    return keys
