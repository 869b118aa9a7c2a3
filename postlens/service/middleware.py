"""Pure ASGI middleware (Starlette's BaseHTTPMiddleware costs a task per request): security
headers, same-origin checks for cookie-authenticated writes, and bounded request bodies."""

from __future__ import annotations

import asyncio
import json
import time
from typing import ClassVar
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Pages load only their own scripts, styles and pictures; the API docs need Swagger UI's
# one inline start-up script (its files are served from the package, not a CDN).
CSP = (b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       b"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
DOCS_CSP = (b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            b"script-src 'self' 'unsafe-inline'; object-src 'none'; frame-ancestors 'none'")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


async def send_error(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    HEADERS: ClassVar[list[tuple[bytes, bytes]]] = [
        (b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin")]

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = DOCS_CSP if scope["path"] == "/docs" else CSP

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in [*self.HEADERS, (b"content-security-policy", csp)]
                         if n not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class SameOrigin:
    """A write that a browser's session cookie authenticates must come from one of our own
    pages (Origin, else Referer, names this host): no cross-site request forgery. API
    clients that send X-API-Key are not affected."""

    def __init__(self, app: ASGIApp, cookie: str) -> None:
        self.app = app
        self.cookie = cookie.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in UNSAFE_METHODS:
            headers = dict(scope["headers"])
            has_cookie = self.cookie + b"=" in headers.get(b"cookie", b"")
            if has_cookie and b"x-api-key" not in headers and not _same_origin(headers):
                await send_error(send, 403, "cross_site_request",
                                 "this form was not sent from a postlens page")
                return
        await self.app(scope, receive, send)


def _same_origin(headers: dict[bytes, bytes]) -> bool:
    host = headers.get(b"host", b"").decode("latin-1").lower()
    source = headers.get(b"origin") or headers.get(b"referer") or b""
    return bool(host) and urlsplit(source.decode("latin-1")).netloc.lower() == host


class BoundedBody:
    """Request bodies: refused at once when Content-Length is over ``max_bytes``, cut off
    when more arrives than that (chunked uploads), and given ``seconds`` in all to arrive,
    so slow or endless senders cannot hold memory, disk or connections."""

    def __init__(self, app: ASGIApp, max_bytes: int, seconds: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await send_error(send, 413, "request_too_large",
                             f"the request body is over the limit of {self.max_bytes} bytes")
            return
        deadline = time.monotonic() + self.seconds
        received = 0
        complete = False
        answered = False  # we sent the error; the app is told the client went away
        started = False

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if answered:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        async def refuse(status: int, code: str, text: str) -> Message:
            nonlocal answered
            if not started and not answered:
                await send_error(send, status, code, text)
            answered = True
            return {"type": "http.disconnect"}

        async def bounded_receive() -> Message:
            nonlocal received, complete
            if answered:
                return {"type": "http.disconnect"}
            if complete:  # after the body: waiting for a disconnect is not bounded
                return await receive()
            left = deadline - time.monotonic()
            try:
                message = await asyncio.wait_for(receive(), timeout=max(left, 0.001))
            except TimeoutError:
                return await refuse(408, "request_timeout", "the request body did not "
                                    f"arrive within {self.seconds:g} s")
            if message["type"] == "http.request":
                complete = not message.get("more_body", False)
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    return await refuse(413, "request_too_large", "the request body is over "
                                        f"the limit of {self.max_bytes} bytes")
            return message

        await self.app(scope, bounded_receive, guarded_send)
