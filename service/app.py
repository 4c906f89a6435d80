"""The HTTP service, assembled: model and index are loaded once in `lifespan` and reached through a dependency
(service/deps.py); one router per resource (service/routes/); library errors are translated to HTTP status codes
here and nowhere else."""

import logging
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from plansearch import __version__
from plansearch.errors import IndexWriteError, InvalidQuery, PassageNotFound, PlanNotFound, PlanSearchError
from plansearch.search import Searcher
from plansearch.settings import Settings, get_settings
from service.deps import WriteRefused, get_searcher  # noqa: F401  (callers override get_searcher, as before)
from service.routes.health import Health  # noqa: F401  (the /health model, named here since the first version)
from service.security import api_access

log = logging.getLogger("plansearch.service")


def create_app(settings: Settings | None = None, searcher: Searcher | None = None, encoder=None,
               bound_host: str | None = None, warm_on_start: bool = True) -> FastAPI:
    """The app; pass a ready `searcher` (tests) or let lifespan open the configured index (and follow
    re-indexing), optionally with a given query `encoder`. `bound_host` (the address `serve` binds) joins
    the loopback names in the default Host allow-list. Without `warm_on_start` the caller starts the warm-up
    (`serve` does once it is listening)."""
    settings = settings or (searcher.settings if searcher is not None else get_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        import anyio.to_thread

        from plansearch.runtime import LiveSearcher

        # Requests are CPU work on a few cores: run a few at a time and queue the rest, instead of 40
        # threads taking turns at the GIL and the BLAS/OpenMP pools (throughput fell as clients rose).
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.request_workers
        if getattr(app.state, "live", None) is None:
            app.state.live = LiveSearcher(app.state.settings, searcher=app.state.searcher, encoder=encoder)
        if warm_on_start:
            app.state.live.warm()
        yield

    app = FastAPI(title="plansearch", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  dependencies=[Depends(api_access)],
                  description="规划文本检索：按规划自身结构切分的目标与措施，混合检索（BM25 + 向量）。"
                              "Every error is `{\"detail\": str, \"param\": str | null}`.")
    app.state.searcher = searcher
    app.state.encoder = encoder          # also embeds uploaded plans when given (tests: a keyword encoder)
    app.state.live = None
    app.state.settings = settings

    @app.exception_handler(InvalidQuery)
    async def _invalid(request: Request, exc: InvalidQuery):
        return JSONResponse(status_code=422, content={"detail": str(exc), "param": exc.param})

    @app.exception_handler(PlanNotFound)
    async def _no_plan(request: Request, exc: PlanNotFound):        # `param` set by a route: peers
        return JSONResponse(status_code=404, content={"detail": str(exc), "param": getattr(exc, "param", "plan")})

    @app.exception_handler(PassageNotFound)
    async def _no_passage(request: Request, exc: PassageNotFound):
        return JSONResponse(status_code=404, content={"detail": str(exc), "param": "passage_id"})

    @app.exception_handler(PlanSearchError)
    async def _other(request: Request, exc: PlanSearchError):
        return JSONResponse(status_code=503, content={"detail": str(exc), "param": None})

    @app.exception_handler(IndexWriteError)
    async def _cannot_write(request: Request, exc: IndexWriteError):
        # the server's own fault (a read-only or full disk), not the client's: 503, and no server path in it
        log.error("%s", exc)
        return JSONResponse(status_code=503, content={
            "detail": f"服务器无法写入索引（the server cannot write its index: {exc.reason or 'see the server log'}）；"
                      f"已有的规划和索引没有改变", "param": None})

    @app.exception_handler(WriteRefused)
    async def _refused(request: Request, exc: WriteRefused):
        return JSONResponse(status_code=exc.status, content={"detail": exc.detail, "param": None})

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        errors = exc.errors()
        parts = []
        for err in errors:
            where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("query", "path", "body"))
            if err.get("type") == "string_too_long":
                limit = (err.get("ctx") or {}).get("max_length")
                parts.append(f"参数 {where} 过长：最多 {limit} 个字符（{where} is longer than {limit} characters）")
            elif err.get("type") == "string_too_short":
                parts.append(f"参数 {where} 不能为空（{where} must not be empty）")
            elif where == "file":       # a part with an empty file name, a form without a file: pydantic's words
                parts.append("参数 file: 没有收到文件：请以 multipart/form-data 上传一个有文件名的文件"
                             "（no file uploaded: send one file, with its name, as multipart/form-data）")
            elif err.get("type") in ("int_parsing", "float_parsing", "int_from_float", "finite_number"):
                parts.append(f"参数 {where} 必须是整数，收到 {str(err.get('input'))[:40]}（{where} must be a whole number）")
            else:
                parts.append(f"参数 {where}: {err.get('msg')}")
        param = [str(p) for p in errors[0].get("loc", ())[1:] if not isinstance(p, int)] if errors else []
        return JSONResponse(status_code=422, content={
            "detail": "; ".join(parts) or "请求参数无效（invalid request）", "param": ".".join(param) or None})

    from service.docs import mount_docs
    from service.routes import ask, compare, export, health, passages, plans, review, search, targets
    from service.web import mount_web
    from service import security

    # every string parameter has a length limit from settings (422 above it)
    for resource in (search, plans, passages, ask, targets, compare, export, health, review):
        app.include_router(resource.make_router(settings))
    mount_web(app)
    mount_docs(app)
    security.install(app, settings, bound_host)
    return app
