"""Server-rendered pages: upload, result, your page (profile + feed), overview, demo sign-in.

Each page parses its input, calls the core and renders; no logic of its own."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from postlens.errors import InvalidInput, TooManyRequests, Unauthorized
from postlens.service.deps import (
    SESSION_COOKIE,
    OptionalUser,
    PostId,
    SessionDep,
    StateDep,
    TokenDep,
)
from postlens.service.routes.analyses import read_limited
from postlens.service.schemas import export_response, feed_public, items, posts_by_id
from postlens.store.access import visible_post
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
    state.uploads.hit(f"u:{user.id}")
    data = await read_limited(file, state.core.settings.max_image_bytes)
    # Analysis is blocking work: off the event loop, as the API's upload.
    stored = await run_in_threadpool(state.core.upload, user, data, caption, file.filename)
    return RedirectResponse(f"/posts/{stored.post_id}", status_code=303)


@router.get("/posts/{post_id}", response_class=HTMLResponse)
def post_page(post_id: PostId, request: Request, session: SessionDep, state: StateDep,
              user: OptionalUser) -> Response:
    stored = visible_post(session, post_id, user.id if user else None)
    post = posts_by_id(session, [post_id])[post_id]
    insights = state.core.post_insights(post_id)
    similar = items(session, insights.similar_ids, insights.similar_scores)
    faces = [f.model_dump() for f in post.faces or []]
    products = state.core.products.for_picture(faces, insights.interests, k=4)
    size = (stored.picture.width, stored.picture.height) if stored.picture else (1, 1)
    own = user is not None and stored.author_id == user.id
    likes = state.core.likes.for_post(post_id, user.handle) if own and user else None
    return render(request, "post.html", user, post=post, similar=similar,
                  interests=insights.interests, products=products, size=size, own=own,
                  likes=likes)


@router.post("/likes/compare", response_class=HTMLResponse)
async def compare_candidates(request: Request, state: StateDep, user: OptionalUser,
                             files: Annotated[list[UploadFile], File()],
                             caption: Annotated[str | None, Form(max_length=2200)] = None
                             ) -> Response:
    """Which of these pictures should I post? Ranked by predicted likes (nothing stored)."""
    if user is None:
        return RedirectResponse("/login", status_code=303)
    if not 1 <= len(files) <= 10:
        raise InvalidInput(f"choose 1 to 10 pictures, got {len(files)}")
    limit = state.core.settings.max_image_bytes
    pictures = [((f.filename or f"picture {i}")[:200], await read_limited(f, limit))
                for i, f in enumerate(files, start=1)]
    ranked = await run_in_threadpool(state.core.likes.predict, pictures,
                                     account=user.handle, caption=caption)
    return render(request, "compare.html", user, ranked=ranked, caption=caption)


@router.post("/posts/{post_id}/visibility")
def post_visibility(post_id: PostId, state: StateDep, user: OptionalUser,
                    visibility: Annotated[str, Form()]) -> Response:
    if user is None:
        return RedirectResponse("/login", status_code=303)
    state.core.privacy.set_visibility(user, post_id, visibility)
    state.posts.forget(post_id)
    return RedirectResponse(f"/posts/{post_id}", status_code=303)


@router.get("/me/export")
def my_data(state: StateDep, user: OptionalUser) -> Response:
    if user is None:
        return RedirectResponse("/login", status_code=303)
    return export_response(state.core.privacy.export(user.id))


@router.post("/me/delete")
def delete_me(state: StateDep, user: OptionalUser, token: TokenDep,
              confirm: Annotated[str, Form()] = "") -> Response:
    """Delete the account and everything in it; the handle must be typed to confirm."""
    if user is None:
        return RedirectResponse("/login", status_code=303)
    if confirm.strip() != user.handle:
        raise InvalidInput(f"type your handle ({user.handle}) to confirm the deletion")
    state.core.privacy.delete_user(user.id)
    state.key_cache.clear()
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/me", response_class=HTMLResponse)
def my_page(request: Request, session: SessionDep, state: StateDep,
            user: OptionalUser) -> Response:
    if user is None:
        return RedirectResponse("/login", status_code=303)
    feed = feed_public(session, state.core.recommend(user.id, limit=12), state.posts)
    interests = state.core.profile(user.id)["interests"]
    ads = state.core.ads.ads(user.id, k=3)["ads"]
    return render(request, "me.html", user, feed=feed.items, interests=interests, ads=ads)


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
def login(request: Request, state: StateDep, handle: Annotated[str, Form()] = "",
          password: Annotated[str, Form()] = "", api_key: Annotated[str, Form()] = "",
          demo: Annotated[str, Form()] = "") -> Response:
    """Sign in with a handle and password, an API key (checked), or, in a demo, as a
    simulated user; the browser gets a session cookie, never the key itself."""
    accounts, client = state.core.accounts, _client(request)
    try:
        if demo:
            demo_key = state.core.demo_keys().get(demo)
            if demo_key is None:
                raise Unauthorized("no such demo user")
            token = accounts.sign_in_with_key(demo_key, client)
        elif api_key.strip():
            token = accounts.sign_in_with_key(api_key.strip(), client)
        else:
            token = accounts.sign_in(handle, password, client)
    except (Unauthorized, TooManyRequests) as error:
        response = render(request, "login.html", None, message=error.message,
                          demo_users=sorted(state.core.demo_keys()))
        response.status_code = error.status_code
        return response
    return _signed_in(request, token)


def _interest_choices() -> list[tuple[str, str]]:
    from postlens.interests.taxonomy import DEFAULT_TAXONOMY, load_taxonomy

    return [(c.id, c.name) for c in load_taxonomy(DEFAULT_TAXONOMY).categories]


@router.get("/signup", response_class=HTMLResponse)
def signup_page(request: Request, user: OptionalUser) -> Response:
    return render(request, "signup.html", user, choices=_interest_choices())


@router.post("/signup")
def signup(request: Request, state: StateDep, handle: Annotated[str, Form(max_length=40)],
           password: Annotated[str, Form(max_length=1024)],
           interests: Annotated[list[str] | None, Form(max_length=40)] = None) -> Response:
    try:
        token = state.core.accounts.sign_up(handle, password, interests)
    except InvalidInput as error:
        response = render(request, "signup.html", None, message=error.message,
                          choices=_interest_choices())
        response.status_code = error.status_code
        return response
    return _signed_in(request, token)


@router.post("/logout")
def logout(request: Request, state: StateDep, token: TokenDep) -> Response:
    state.core.accounts.sign_out(token)
    state.key_cache.pop(f"s:{token}", None)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


def _signed_in(request: Request, token: str) -> Response:
    response = RedirectResponse("/me", status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict",
                        max_age=14 * 86_400, secure=_https(request))
    return response


def _https(request: Request) -> bool:
    """Behind a TLS-terminating proxy the scheme arrives as X-Forwarded-Proto."""
    forwarded = request.headers.get("x-forwarded-proto", "")
    return request.url.scheme == "https" or forwarded.split(",")[0].strip() == "https"


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"
