"""What every response and every request passes through, errors included: the Host allow-list (against DNS
rebinding), URLs that are UTF-8 text, security headers, HEAD wherever GET works, answers to OPTIONS, optional
CORS, the API key for writes (always) and reads (`PLANSEARCH_PROTECT_READS=true`), and the body size limit."""
from __future__ import annotations

import hmac
import json
import logging
import re
import socket
from urllib.parse import unquote_to_bytes

from fastapi import FastAPI, Request
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from plansearch.settings import Settings

# JSON, files and errors: nothing in them may be run, framed or loaded by a browser.
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
COMMON_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]
LOOPBACK = ("localhost", "127.0.0.1", "::1", "testserver")   # testserver: Starlette's test client
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")    # other unknown methods get their 405 from the router
UPLOAD_ENVELOPE = 64 * 1024     # a body may pass the upload limit by this much: multipart headers, the other fields
PORT = re.compile(r"(:[0-9]+)?")
log = logging.getLogger("plansearch.service")


class ErrorResponse(BaseModel):
    """Every error the service sends: a message for the user and, when one is to blame, the parameter."""
    detail: str
    param: str | None = None


DESCRIPTIONS = {
    400: "Host not served (PLANSEARCH_ALLOWED_HOSTS), a path that is not UTF-8 text, or an unreadable upload",
    401: "missing or wrong API key (writes; reads too with PLANSEARCH_PROTECT_READS=true)",
    403: "writes are off: no PLANSEARCH_API_KEY is set",
    404: "unknown plan or passage (`param` names it)",
    409: "the plan is already in the corpus",
    413: "the file is larger than PLANSEARCH_MAX_UPLOAD_MB",
    415: "not a supported file type",
    422: "a parameter is missing, too long, out of range, unknown or not UTF-8 text (`param` names it)",
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
    """The name in a Host header, without port or IPv6 brackets; "" (served nowhere) when anything but a port
    follows the name (`[::1]evil.example`, `localhost:evil.example`)."""
    value = value.strip().lower()
    if value.startswith("["):
        name, bracket, rest = value[1:].partition("]")
        return name if bracket and PORT.fullmatch(rest) else ""
    if value.count(":") == 1:
        name, _, port = value.partition(":")
        return name if PORT.fullmatch(":" + port) else ""
    return value


def not_utf8(scope: Scope) -> tuple[int, dict] | None:
    """The refusal of a path or query parameter whose %-escapes decode to no UTF-8 text (Starlette would quietly
    make the bytes U+FFFD), naming the parameter when its name is text; None when all is text."""
    try:
        unquote_to_bytes(scope.get("raw_path") or b"").decode("utf-8")
    except UnicodeDecodeError:
        return 400, {"detail": "请求路径不是有效的 UTF-8 文本（the path is not valid UTF-8 text）", "param": None}
    for pair in scope.get("query_string", b"").split(b"&"):
        name, _, value = pair.replace(b"+", b" ").partition(b"=")
        try:
            param = unquote_to_bytes(name).decode("utf-8")
        except UnicodeDecodeError:
            return 422, {"detail": "查询参数名不是有效的 UTF-8 文本（a parameter name is not valid UTF-8 text）",
                         "param": None}
        try:
            unquote_to_bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            shown = param[:80]
            return 422, {"detail": f"参数 {shown} 不是有效的 UTF-8 文本（{shown} is not valid UTF-8 text）", "param": param}
    return None


class BodyTooLarge(HTTPException):
    """A request body past the upload limit: answered 413 (by the app's handler, or by the Guard) and the
    connection closed, so the client stops sending the rest."""

    def __init__(self, settings: Settings):
        super().__init__(413, f"文件超过 {settings.max_upload_mb:g} MB 的上限（file too large）",
                         headers={"connection": "close"})


def body_limit(settings: Settings) -> int:
    """The most bytes a request body may hold: the largest upload and its multipart envelope."""
    return int(settings.max_upload_mb * 1024 * 1024) + UPLOAD_ENVELOPE


def content_length(scope: Scope) -> int | None:
    value = next((v for k, v in scope["headers"] if k == b"content-length"), None)
    return int(value) if value is not None and value.isdigit() else None


def _json(status: int, body: dict, extra: list[tuple[bytes, bytes]] = ()) -> tuple[Message, Message]:
    data = json.dumps(body, ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()), *extra]
    return ({"type": "http.response.start", "status": status, "headers": headers},
            {"type": "http.response.body", "body": data})


def _too_large(exc: BodyTooLarge) -> tuple[Message, Message]:
    return _json(413, {"detail": exc.detail, "param": None}, [(b"connection", b"close")])


class Guard:
    """Pure ASGI middleware, outermost: refuses an unknown Host, a URL that is not UTF-8 text and a body past the
    upload limit (announced or received), answers OPTIONS, serves HEAD as a GET without its body, and puts the
    security headers on every response it lets out."""

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
        if refusal := not_utf8(scope):
            for message in _json(*refusal):
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
        settings: Settings = self.fastapi_app.state.settings
        limit = body_limit(settings)
        if (content_length(scope) or 0) > limit:        # refused before a byte of the body is read
            for message in _too_large(BodyTooLarge(settings)):
                await send_secured(message)
            return
        received = 0

        async def receive_limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:                    # a body without Content-Length (chunked) going on too long
                    raise BodyTooLarge(settings)
            return message

        headers = {k: v for k, v in scope["headers"]}
        if scope["method"] == "OPTIONS" and not (self.cors and b"origin" in headers
                                                 and b"access-control-request-method" in headers):
            for message in self._options(scope):
                await send_secured(message)
            return
        if head:
            scope = {**scope, "method": "GET"}
        try:
            await self.app(scope, receive_limited, send_secured)
        except BodyTooLarge as exc:        # read outside a route (a route's own 413 comes from the app's handler)
            if started:
                raise
            for message in _too_large(exc):
                await send_secured(message)
        except ClientDisconnect:           # the client went (or its upload stalled and was cut off): no one to answer
            log.info("client disconnected during %s %s", scope["method"], scope.get("path"))
        except Exception:                  # never a bare 500 page or a traceback; the log has the details
            log.exception("unexpected error on %s", scope.get("path"))
            if started:
                raise
            for message in _json(500, {"detail": "服务器内部错误（internal error）", "param": None}):
                await send_secured(message)

    def _options(self, scope: Scope) -> tuple[Message, Message]:
        methods = set()
        for route in self.fastapi_app.router.routes:
            if isinstance(route, Mount):   # static files (/static, /docs-assets) match any method, serve only GET
                methods |= {"GET"} if route.matches(scope)[0] is Match.FULL else set()
            else:
                methods |= {method for method in METHODS if route.matches({**scope, "method": method})[0] is Match.FULL}
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
