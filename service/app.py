"""The HTTP service. Model and index are loaded once in `lifespan` and reached through a dependency;
library errors are translated to HTTP status codes here and nowhere else."""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from plansearch import __version__
from plansearch.errors import InvalidQuery, PassageNotFound, PlanNotFound, PlanSearchError
from plansearch.search import MAX_K, PassageDetail, PlanSummary, Searcher, SearchRequest, SearchResponse
from plansearch.settings import Settings, get_settings

log = logging.getLogger("plansearch.service")


def get_searcher(request: Request) -> Searcher:
    """The searcher loaded in lifespan (tests may swap it with dependency_overrides)."""
    return request.app.state.searcher


SearcherDep = Annotated[Searcher, Depends(get_searcher)]


class Health(BaseModel):
    status: str
    index_loaded: bool
    model: str
    dimension: int
    passages: int
    plans: int
    index_built_at: str
    version: str


class PlansResponse(BaseModel):
    plans: list[PlanSummary]
    count: int


def create_app(settings: Settings | None = None, searcher: Searcher | None = None) -> FastAPI:
    """The app; pass a ready `searcher` (tests) or let lifespan open the configured index."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if getattr(app.state, "searcher", None) is None:
            from plansearch.runtime import open_searcher

            app.state.searcher = open_searcher(settings or get_settings())
        yield

    app = FastAPI(title="plansearch", version=__version__, lifespan=lifespan,
                  description="规划文本检索：按规划自身结构切分的目标与措施，混合检索（BM25 + 向量）。")
    app.state.searcher = searcher

    @app.exception_handler(InvalidQuery)
    async def _invalid(request: Request, exc: InvalidQuery):
        return JSONResponse(status_code=422, content={"detail": str(exc), "param": exc.param})

    @app.exception_handler(PlanNotFound)
    async def _no_plan(request: Request, exc: PlanNotFound):
        return JSONResponse(status_code=404, content={"detail": str(exc), "param": "plan"})

    @app.exception_handler(PassageNotFound)
    async def _no_passage(request: Request, exc: PassageNotFound):
        return JSONResponse(status_code=404, content={"detail": str(exc)})

    @app.exception_handler(PlanSearchError)
    async def _other(request: Request, exc: PlanSearchError):
        return JSONResponse(status_code=503, content={"detail": str(exc)})

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        errors = exc.errors()
        parts = []
        for err in errors:
            where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("query", "path", "body"))
            parts.append(f"参数 {where}: {err.get('msg')}")
        return JSONResponse(status_code=422, content={
            "detail": "; ".join(parts) or "请求参数无效（invalid request）",
            "param": ".".join(str(p) for p in errors[0].get("loc", ())[1:]) if errors else None})

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):     # never a bare 500 page or a traceback
        log.exception("unexpected error on %s", request.url.path)
        return JSONResponse(status_code=500, content={"detail": "服务器内部错误（internal error）"})

    @app.get("/api/search", response_model=SearchResponse, summary="混合检索：目标、措施与组织实施段落")
    def search(searcher: SearcherDep,
               q: Annotated[str, Query(description="查询词，例如 其他地方怎么预防儿童溺水")],
               k: Annotated[int, Query(description=f"返回条数 1–{MAX_K}")] = 10,
               plan: Annotated[str | None, Query(description="规划 id，见 /api/plans")] = None,
               region: Annotated[str | None, Query(description="地区，如 湖北省、大庆")] = None,
               domain: Annotated[str | None, Query(description="领域，如 儿童与安全 或 安全")] = None,
               kind: Annotated[str | None, Query(description="target | measure | implementation | overview")] = None,
               offset: Annotated[int, Query(description="skip this many results (更多结果)")] = 0,
               ) -> SearchResponse:
        return searcher.search(SearchRequest(q=q, k=k, plan=plan or None, region=region or None,
                                             domain=domain or None, kind=kind or None, offset=offset))

    @app.get("/api/plans", response_model=PlansResponse, summary="语料中的规划及各类段落数量")
    def plans(searcher: SearcherDep) -> PlansResponse:
        items = searcher.plan_summaries()
        return PlansResponse(plans=items, count=len(items))

    @app.get("/api/passages/{passage_id}", response_model=PassageDetail, summary="单个段落及其前后段落 id")
    def passage(passage_id: str, searcher: SearcherDep) -> PassageDetail:
        return searcher.passage(passage_id)

    @app.get("/health", response_model=Health)
    def health(searcher: SearcherDep) -> Health:
        m = searcher.index.manifest
        return Health(status="ok", index_loaded=True, model=m.model, dimension=m.dimension,
                      passages=len(searcher.index.passages), plans=len(searcher.plans),
                      index_built_at=m.built_at, version=__version__)

    return app
