"""What every response and every request passes through, errors included: the Host allow-list (against DNS
rebinding), security headers, HEAD wherever GET works, answers to OPTIONS, optional CORS, and the API key
for writes (always) and reads (`PLANSEARCH_PROTECT_READS=true`)."""
from __future__ import annotations

import hmac
import json
import logging
import socket

from fastapi import FastAPI, Request
from pydantic import BaseModel
from starlette.requests import ClientDisconnect
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from plansearch.settings import Settings

# JSON, files and errors: nothing in them may be run, framed or loaded by a browser.
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
COMMON_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]
LOOPBACK = ("localhost", "127.0.0.1", "::1", "testserver")   # testserver: Starlette's test client
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")    # other unknown methods get their 405 from the router
log = logging.getLogger("plansearch.service")


class ErrorResponse(BaseModel):
    """Every error the service sends: a message for the user and, when one is to blame, the parameter."""
    detail: str
    param: str | None = None


DESCRIPTIONS = {
    400: "Host not served (PLANSEARCH_ALLOWED_HOSTS) or an unreadable upload",
    401: "missing or wrong API key (writes; reads too with PLANSEARCH_PROTECT_READS=true)",
    403: "writes are off: no PLANSEARCH_API_KEY is set",
    404: "unknown plan or passage (`param` names it)",
    409: "the plan is already in the corpus",
    413: "the file is larger than PLANSEARCH_MAX_UPLOAD_MB",
    415: "not a supported file type",
    422: "a parameter is missing, too long, out of range or unknown (`param` names it)",
    503: "no usable index is loaded",
}


def error_responses(*codes: int) -> dict:
    """OpenAPI `responses` for these error statuses plus those every API route can send (400, 401, 503)."""
    return {code: {"model": ErrorResponse, "description": DESCRIPTIONS[code]}
            for code in sorted({400, 401, 503, *codes})}


class KeyRefused(Exception):
    def __init__(self, status: int, detail: str):
        self.status = status
        self.detail = detail


def check_key(request: Request, settings: Settings, what: str = "写操作") -> None:
    """Accept `Authorization: Bearer <key>` or `X-API-Key: <key>`, compared in constant time."""
    if not settings.api_key:
        raise KeyRefused(403, f"{what}未开启：设置 PLANSEARCH_API_KEY 后才能上传或删除规划（writes are off: no API key is set）")
    sent = request.headers.get("x-api-key") or ""
    auth = request.headers.get("authorization") or ""
    if not sent and auth[:7].lower() == "bearer ":
        sent = auth[7:].strip()
    if not hmac.compare_digest(sent.encode("utf-8", "surrogateescape"), settings.api_key.encode()):
        raise KeyRefused(401, "缺少或错误的 API key（send Authorization: Bearer <key> or X-API-Key）")


async def api_access(request: Request) -> None:
    """App-wide dependency: every write needs the key; with protect_reads every /api read needs it too.
    A coroutine, though it never waits: a plain function would cost each request a trip to the thread pool."""
    settings: Settings = request.app.state.settings
    if request.method not in SAFE_METHODS:
        check_key(request, settings)
    elif settings.protect_reads and request.url.path.startswith("/api/"):
        check_key(request, settings, what="读取")


def allowed_hosts(settings: Settings, bound_host: str | None = None) -> set[str]:
    if settings.allowed_hosts:
        return {h.lower().strip("[]") for h in settings.allowed_hosts}
    hosts = set(LOOPBACK) | {(bound_host or settings.host).lower().strip("[]")}
    try:
        hosts.add(socket.gethostname().lower())
    except OSError:
        pass
    return hosts


def host_name(value: str) -> str:
    """The name in a Host header, without port or IPv6 brackets."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def _json(status: int, body: dict, extra: list[tuple[bytes, bytes]] = ()) -> tuple[Message, Message]:
    data = json.dumps(body, ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()), *extra]
    return ({"type": "http.response.start", "status": status, "headers": headers},
            {"type": "http.response.body", "body": data})


class Guard:
    """Pure ASGI middleware, outermost: refuses an unknown Host, answers OPTIONS, serves HEAD as a GET
    without its body, and puts the security headers on every response it lets out."""

    def __init__(self, app: ASGIApp, fastapi_app: FastAPI, hosts: set[str], cors: bool):
        self.app = app
        self.fastapi_app = fastapi_app
        self.hosts = hosts
        self.cors = cors

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        started = False

        async def send_secured(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in
                           (b"x-content-type-options", b"referrer-policy")]
                names = {k.lower() for k, _ in headers}
                headers += COMMON_HEADERS
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", API_CSP.encode()))
                message = {**message, "headers": headers}
            elif message["type"] == "http.response.body" and head:
                message = {**message, "body": b""}
            await send(message)

        host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), "")
        if host_name(host) not in self.hosts:
            for message in _json(400, {"detail": "此主机名不在允许列表中（host not allowed: PLANSEARCH_ALLOWED_HOSTS）",
                                       "param": None}):
                await send_secured(message)
            return
        if scope["method"] in WRITE_METHODS and scope["path"].startswith("/api/"):
            try:                       # before a byte of the body is read: no upload is taken in without the key
                check_key(Request(scope), self.fastapi_app.state.settings)
            except KeyRefused as exc:
                extra = [(b"www-authenticate", b"Bearer")] if exc.status == 401 else []
                for message in _json(exc.status, {"detail": exc.detail, "param": None}, extra):
                    await send_secured(message)
                return
        headers = {k: v for k, v in scope["headers"]}
        if scope["method"] == "OPTIONS" and not (self.cors and b"origin" in headers
                                                 and b"access-control-request-method" in headers):
            for message in self._options(scope):
                await send_secured(message)
            return
        if head:
            scope = {**scope, "method": "GET"}
        try:
            await self.app(scope, receive, send_secured)
        except ClientDisconnect:           # the client went (or its upload stalled and was cut off): no one to answer
            log.info("client disconnected during %s %s", scope["method"], scope.get("path"))
        except Exception:                  # never a bare 500 page or a traceback; the log has the details
            log.exception("unexpected error on %s", scope.get("path"))
            if started:
                raise
            for message in _json(500, {"detail": "服务器内部错误（internal error）", "param": None}):
                await send_secured(message)

    def _options(self, scope: Scope) -> tuple[Message, Message]:
        methods = {method for method in METHODS for route in self.fastapi_app.router.routes
                   if route.matches({**scope, "method": method})[0] is Match.FULL}
        if not methods:
            return _json(404, {"detail": "Not Found", "param": None})
        if "GET" in methods:
            methods.add("HEAD")
        allow = ", ".join(sorted(methods | {"OPTIONS"})).encode()
        return ({"type": "http.response.start", "status": 204, "headers": [(b"allow", allow)]},
                {"type": "http.response.body", "body": b""})


def install(app: FastAPI, settings: Settings, bound_host: str | None = None) -> None:
    """Add CORS (only if origins are configured) and the Guard around everything."""
    from fastapi.responses import JSONResponse

    @app.exception_handler(KeyRefused)
    async def _refused(request: Request, exc: KeyRefused):
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(status_code=exc.status, content={"detail": exc.detail, "param": None}, headers=headers)

    from starlette.exceptions import HTTPException

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException):     # 404 / 405 from the router, in the one error model
        return JSONResponse(status_code=exc.status_code, content={"detail": str(exc.detail), "param": None},
                            headers=getattr(exc, "headers", None))

    if settings.cors_origins:
        from starlette.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "HEAD"],
                           allow_headers=["Authorization", "X-API-Key"], max_age=600)
    app.add_middleware(Guard, fastapi_app=app, hosts=allowed_hosts(settings, bound_host),
                       cors=bool(settings.cors_origins))
