"""The tuning server's routes (Starlette): the page, its assets, and four JSON endpoints
over one `Session` (docs/tune.md).

Security, in the order a request meets it:

- every request carries the session token (`?token=` on the first load, which sets a
  SameSite=Strict, HttpOnly cookie named for the port; the page reads it from a meta tag
  and sends it as the `X-Jixiao-Token` header); without it, 403, whatever the path;
- a POST must carry the token in that header (a cookie alone is refused: another local
  page, even on another port of this host, could make the browser send the cookie, but
  not a custom header without a CORS preflight, which this server never grants) and a
  JSON content type (else 415); other connection types (websockets) are closed;
- a body over `MAX_BODY` bytes is refused with 413 before it is read whole;
- the JSON bodies name overrides (`KEY=VALUE`, the grammar of `whatif --set`), a project
  id and a file stem, never a path: every override goes through rules/overrides.py and
  the ruleset fold (the checked expression language and its limits for any expression),
  and a save writes only `<out>/<safe name>.yaml`;
- every response carries a strict Content-Security-Policy: scripts only from this
  server (Vega compiles its expressions with `Function`, hence 'unsafe-eval'), no
  request anywhere but here, no frames, no forms.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from jixiao.scoring.errors import JixiaoError, RulesetError, os_message
from jixiao.scoring.tune import page
from jixiao.scoring.tune.session import Session

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGI = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY = 64 * 1024
"""Bytes of a request body: a page's overrides are a few hundred."""
COOKIE = "jixiao_tune"
"""The cookie's name is this with the server's port: cookies ignore ports, so two
sessions on one host keep their own."""
HEADER = "x-jixiao-token"

CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
"""'unsafe-eval': Vega compiles chart expressions with `Function` (the report's page
needs the same); 'unsafe-inline' styles: Vega's SVG writes style attributes."""

SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
    "x-frame-options": "DENY",
}


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Guard:
    """ASGI middleware: the token on every request (403), the body limit (413), and
    the security headers on every response."""

    def __init__(self, app: ASGI, token: str, max_body: int = MAX_BODY) -> None:
        self.app = app
        self.token = token
        self.max_body = max_body

    def _presented(self, scope: Scope) -> list[str]:
        request = Request(scope)
        if request.method != "GET":
            return [v for v in (request.headers.get(HEADER),) if v]
        return [
            v
            for v in (
                request.query_params.get("token"),
                request.headers.get(HEADER),
                request.cookies.get(cookie_name(scope)),
            )
            if v
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
            return
        ok = any(
            secrets.compare_digest(t.encode(), self.token.encode()) for t in self._presented(scope)
        )
        if not ok:
            await _plain(403, "403: this page needs the token printed by `jixiao tune`")(
                scope, receive, send
            )
            return
        request = Request(scope)
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if request.method != "GET" and kind != "application/json":
            await _plain(415, "415: requests send JSON (Content-Type: application/json)")(
                scope, receive, send
            )
            return
        length = Request(scope).headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            await _plain(413, f"413: request bodies are limited to {self.max_body} bytes")(
                scope, receive, send
            )
            return
        # Bodies are small: read whole (up to the limit) before the app sees them, so a
        # chunked body past the limit is refused before any answer has started.
        chunks: list[bytes] = []
        received = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > self.max_body:
                await _plain(413, f"413: request bodies are limited to {self.max_body} bytes")(
                    scope, receive, send
                )
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message["headers"] = headers
            await send(message)

        await self.app(scope, replay, secured)


def cookie_name(scope: Scope) -> str:
    server = scope.get("server")
    return f"{COOKIE}_{server[1]}" if server and server[1] else COOKIE


def _plain(status: int, text: str) -> Response:
    return Response(
        text, status_code=status, media_type="text/plain; charset=utf-8", headers=SECURITY_HEADERS
    )


def create_app(session: Session, token: str) -> ASGI:
    """The ASGI app of one session, guarded by `token`."""

    async def index(request: Request) -> Response:
        response = HTMLResponse(page.document(session.controls()["ruleset"], token))
        name = cookie_name(request.scope)
        response.set_cookie(name, token, httponly=True, samesite="strict", path="/")
        return response

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        found = page.asset(name)
        if found is None:
            return _plain(404, "404")
        body, media = found
        return Response(body, media_type=media)

    async def controls(request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(session.controls))

    def over_sets(
        run: Callable[[list[str]], dict[str, Any]],
    ) -> Callable[[Request], Awaitable[Response]]:
        """A route whose body is only the overrides, answered by `run(sets)`."""

        async def route(request: Request) -> Response:
            body = await _body(request)
            if isinstance(body, Response):
                return body
            sets = body["set"]
            return await _answer(sets, lambda: run(sets))

        return route

    score = over_sets(session.evaluate)
    flags = over_sets(session.flag_counts)

    async def explain(request: Request) -> Response:
        body = await _body(request, project_id=True)
        if isinstance(body, Response):
            return body
        sets, pid = body["set"], body["project_id"]
        return await _answer(sets, lambda: {"text": session.explain(sets, pid)})

    async def save(request: Request) -> Response:
        body = await _body(request, name=True)
        if isinstance(body, Response):
            return body
        sets, name = body["set"], body["name"]

        def run() -> dict[str, Any]:
            path = session.save(sets, name)
            return {"path": str(path), "name": path.name, "yaml": path.read_text("utf-8")}

        return await _answer(sets, run)

    routes = [
        Route("/", index, methods=["GET"]),
        Route("/assets/{name}", asset, methods=["GET"]),
        Route("/api/controls", controls, methods=["GET"]),
        Route("/api/score", score, methods=["POST"]),
        Route("/api/explain", explain, methods=["POST"]),
        Route("/api/flags", flags, methods=["POST"]),
        Route("/api/save", save, methods=["POST"]),
    ]
    return Guard(Starlette(routes=routes), token)


async def _body(
    request: Request, *, project_id: bool = False, name: bool = False
) -> dict[str, Any] | Response:
    """The JSON body: `set` a list of texts (and `project_id` / `name` texts)."""
    try:
        data = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError, RecursionError):
        return _errors(400, [{"message": "the body is not JSON", "sets": []}])
    if not isinstance(data, dict):
        return _errors(400, [{"message": "the body is not a JSON object", "sets": []}])
    sets = data.get("set", [])
    if not isinstance(sets, list) or not all(isinstance(s, str) for s in sets):
        return _errors(400, [{"message": "set: a list of KEY=VALUE texts", "sets": []}])
    wanted = [k for k, on in (("project_id", project_id), ("name", name)) if on]
    for key in wanted:
        if not isinstance(data.get(key), str) or not data[key].strip():
            return _errors(400, [{"message": f"{key}: a text is needed", "sets": []}])
    return {"set": sets, **{k: data[k] for k in wanted}}


async def _answer(sets: list[str], run: Callable[[], dict[str, Any]]) -> Response:
    """Run in a worker thread; a refused ruleset is 422 with each problem and the
    overrides it names (so the page shows it next to their controls)."""
    try:
        return JSONResponse(await run_in_threadpool(run))
    except RulesetError as exc:
        return _errors(422, [_problem(str(p), p.file, sets) for p in exc.problems])
    except JixiaoError as exc:
        return _errors(422, [{"message": str(exc), "sets": []}])
    except OSError as exc:  # the output folder cannot be written (save)
        return _errors(500, [{"message": os_message(exc), "sets": []}])


def _problem(message: str, source: str, sets: list[str]) -> dict[str, Any]:
    """The overrides a problem names: its source is their labels, `--set KEY=VALUE`,
    joined by spaces (whole labels only: `weights.a=1` is not `weights.a=10`)."""
    named = [s for s in sets if f" --set {s} " in f" {source} "]
    return {"message": message, "sets": named}


def _errors(status: int, errors: list[dict[str, Any]]) -> JSONResponse:
    return JSONResponse({"errors": errors}, status_code=status)
