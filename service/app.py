"""The HTTP service. Model and index are loaded once in `lifespan` and reached through a dependency;
library errors are translated to HTTP status codes here and nowhere else."""

import logging
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, StringConstraints

from plansearch import __version__
from plansearch.ask import AskResponse, Asker
from plansearch.compare import CompareResponse, Comparer
from plansearch.export import MAX_EXPORT_IDS
from plansearch.errors import InvalidQuery, PassageNotFound, PlanNotFound, PlanSearchError
from plansearch.search import MAX_K, PassageDetail, PlanSummary, Searcher, SearchRequest, SearchResponse
from plansearch.settings import Settings, get_settings
from service.security import api_access, error_responses

log = logging.getLogger("plansearch.service")
MAX_COMPARE_PLANS = 50
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def get_searcher(request: Request) -> Searcher:
    """The searcher loaded in lifespan, following re-indexing (tests may swap it with dependency_overrides)."""
    return request.app.state.live.get()


SearcherDep = Annotated[Searcher, Depends(get_searcher)]


class Health(BaseModel):
    status: str = Field(description="ok | degraded (a newer build was refused; the last good one is served) | "
                                    "corrupt (a file of the served build is damaged; searches answer 503)")
    index_loaded: bool
    model: str
    dimension: int
    passages: int
    plans: int
    index_built_at: str
    version: str
    healthy: bool = Field(True, description="status is ok")
    integrity: str = Field("verified", description="verified | verifying (checksums being read in the background) | corrupt")
    serving_build: str = Field("", description="the build folder being served")
    current_build: str = Field("", description="the build `current` points at (differs while switching, or when refused)")
    segments: int = 0
    problem: str | None = Field(None, description="what is wrong, in one line, naming the file")


class IndicatorCount(BaseModel):
    name: str
    plans: int


class IndicatorsResponse(BaseModel):
    indicators: list[IndicatorCount]
    count: int


class TargetRow(BaseModel):
    plan_id: str
    plan_title: str
    short_name: str
    indicator_as_written: str
    value: str
    number: float
    unit: str
    year: int | None
    year_inferred: bool
    direction: str
    baseline: str | None
    attribute: str | None
    implausible: bool
    note: str | None
    passage_id: str | None
    table_line: int | None


class TargetsResponse(BaseModel):
    indicator: str
    rows: list[TargetRow]
    plans: int
    candidates: list[str] = Field([], description="indicator names holding a partial name (近视 → 小学生近视率 …); "
                                                    "rows are empty until one is chosen")


class PlansResponse(BaseModel):
    plans: list[PlanSummary]
    count: int


def create_app(settings: Settings | None = None, searcher: Searcher | None = None, encoder=None,
               bound_host: str | None = None) -> FastAPI:
    """The app; pass a ready `searcher` (tests) or let lifespan open the configured index (and follow
    re-indexing), optionally with a given query `encoder`. `bound_host` (the address `serve` binds) joins
    the loopback names in the default Host allow-list."""
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
        yield

    app = FastAPI(title="plansearch", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  dependencies=[Depends(api_access)],
                  description="规划文本检索：按规划自身结构切分的目标与措施，混合检索（BM25 + 向量）。"
                              "Every error is `{\"detail\": str, \"param\": str | null}`.")
    app.state.searcher = searcher
    app.state.encoder = encoder          # also embeds uploaded plans when given (tests: a keyword encoder)
    app.state.live = None
    app.state.settings = settings
    text_max = settings.max_param_chars          # every string parameter has a length limit (422 above it)
    query_max = settings.max_query_chars

    @app.exception_handler(InvalidQuery)
    async def _invalid(request: Request, exc: InvalidQuery):
        return JSONResponse(status_code=422, content={"detail": str(exc), "param": exc.param})

    @app.exception_handler(PlanNotFound)
    async def _no_plan(request: Request, exc: PlanNotFound):
        return JSONResponse(status_code=404, content={"detail": str(exc), "param": "plan"})

    @app.exception_handler(PassageNotFound)
    async def _no_passage(request: Request, exc: PassageNotFound):
        return JSONResponse(status_code=404, content={"detail": str(exc), "param": "passage_id"})

    @app.exception_handler(PlanSearchError)
    async def _other(request: Request, exc: PlanSearchError):
        return JSONResponse(status_code=503, content={"detail": str(exc), "param": None})

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        errors = exc.errors()
        parts = []
        for err in errors:
            where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("query", "path", "body"))
            if err.get("type") == "string_too_long":
                limit = (err.get("ctx") or {}).get("max_length")
                parts.append(f"参数 {where} 过长：最多 {limit} 个字符（{where} is longer than {limit} characters）")
            else:
                parts.append(f"参数 {where}: {err.get('msg')}")
        param = [str(p) for p in errors[0].get("loc", ())[1:] if not isinstance(p, int)] if errors else []
        return JSONResponse(status_code=422, content={
            "detail": "; ".join(parts) or "请求参数无效（invalid request）", "param": ".".join(param) or None})

    @app.get("/api/search", response_model=SearchResponse, summary="混合检索：目标、措施与组织实施段落",
             responses=error_responses(404, 422))
    def search(searcher: SearcherDep,
               q: Annotated[str, Query(description="查询词，例如 其他地方怎么预防儿童溺水", max_length=query_max)],
               k: Annotated[int, Query(description=f"返回条数 1–{MAX_K}")] = 10,
               plan: Annotated[str | None, Query(description="规划 id，见 /api/plans", max_length=text_max)] = None,
               region: Annotated[str | None, Query(description="地区，如 湖北省、大庆", max_length=text_max)] = None,
               domain: Annotated[str | None, Query(description="领域，如 儿童与安全 或 安全", max_length=text_max)] = None,
               kind: Annotated[str | None, Query(description="target | measure | implementation | overview",
                                                 max_length=text_max)] = None,
               offset: Annotated[int, Query(description="skip this many results (更多结果)")] = 0,
               diversify: Annotated[bool, Query(description="false: let one plan fill the list (默认各地兼顾)")] = True,
               ) -> SearchResponse:
        return searcher.search(SearchRequest(q=q, k=k, plan=plan or None, region=region or None,
                                             domain=domain or None, kind=kind or None, offset=offset,
                                             diversify=diversify))

    @app.get("/api/plans", response_model=PlansResponse, summary="语料中的规划及各类段落数量",
             responses=error_responses())
    def plans(searcher: SearcherDep) -> PlansResponse:
        items = searcher.plan_summaries()
        return PlansResponse(plans=items, count=len(items))

    @app.get("/api/passages/{passage_id}", response_model=PassageDetail, summary="单个段落及其前后段落 id",
             responses=error_responses(404, 422))
    def passage(passage_id: Annotated[str, Path(max_length=text_max)], searcher: SearcherDep) -> PassageDetail:
        return searcher.passage(passage_id)

    @app.get("/api/ask", response_model=AskResponse, summary="问答：数值问题给出数值，做法问题按规划分组，无答案时明确说明",
             responses=error_responses(422))
    def ask(searcher: SearcherDep, request: Request,
            q: Annotated[str, Query(description="问题，例如 新星市小学生近视率目标是多少", max_length=query_max)]
            ) -> AskResponse:
        return Asker(searcher, request.app.state.settings).ask(q)

    @app.get("/api/indicators", response_model=IndicatorsResponse, summary="各规划设定的量化指标及设定该指标的规划数",
             responses=error_responses())
    def indicators(searcher: SearcherDep) -> IndicatorsResponse:
        by: dict[str, set[str]] = {}
        for i in searcher.index.indicators:
            by.setdefault(i.name, set()).add(i.plan_id)
        rows = [IndicatorCount(name=n, plans=len(p)) for n, p in sorted(by.items(), key=lambda kv: (-len(kv[1]), kv[0]))]
        return IndicatorsResponse(indicators=rows, count=len(rows))

    @app.get("/api/targets", response_model=TargetsResponse, summary="某一指标在各规划中的目标值",
             responses=error_responses(422))
    def targets(searcher: SearcherDep,
                indicator: Annotated[str, Query(description="指标名称，例如 小学生近视率", max_length=text_max)]
                ) -> TargetsResponse:
        from indexer.targets import canonical_name, fold, indicator_specs

        def spec_aliases(n: str) -> frozenset[str]:
            return next((sp.aliases for sp in indicator_specs() if sp.name == n), frozenset())

        name = indicator.strip()
        known = {i.name for i in searcher.index.indicators}
        if name not in known:
            name = canonical_name(name) or name
        if name not in known:
            folded = fold(name)
            candidates = sorted(n for n in known if folded and (folded in fold(n) or any(
                folded in a for a in spec_aliases(n))))
            if len(candidates) == 1:
                name = candidates[0]
            elif candidates:
                return TargetsResponse(indicator=name, rows=[], plans=0, candidates=candidates)
            else:
                raise InvalidQuery("indicator", f"未知的指标“{indicator}”（unknown indicator）；见 /api/indicators")
        rows = []
        for i in searcher.index.indicators:
            if i.name != name:
                continue
            meta = searcher.plans[i.plan_id]
            rows.append(TargetRow(plan_id=i.plan_id, plan_title=meta.title, short_name=meta.short_name,
                                  indicator_as_written=i.name_as_written, value=i.value, number=i.number, unit=i.unit,
                                  year=i.year, year_inferred=i.year_inferred, direction=i.direction,
                                  baseline=i.baseline, attribute=i.attribute, implausible=i.implausible,
                                  note=i.note, passage_id=i.passage_id, table_line=i.table_line))
        return TargetsResponse(indicator=name, rows=rows, plans=len({r.plan_id for r in rows}))

    @app.get("/api/compare", response_model=CompareResponse, summary="对比各地规划：共同内容与各地增减的表述",
             responses=error_responses(404, 422))
    def compare(searcher: SearcherDep,
                q: Annotated[str, Query(description="主题，例如 溺水", max_length=query_max)],
                plan: Annotated[list[Annotated[str, StringConstraints(max_length=text_max)]] | None,
                                Query(description=f"只对比这些规划（可重复，最多 {MAX_COMPARE_PLANS} 个）")] = None,
                per_plan: Annotated[int, Query(description="每个规划最多几条 1–10")] = 3) -> CompareResponse:
        if plan and len(plan) > MAX_COMPARE_PLANS:
            raise InvalidQuery("plan", f"一次最多对比 {MAX_COMPARE_PLANS} 个规划，收到 {len(plan)} 个")
        if not 1 <= per_plan <= 10:
            raise InvalidQuery("per_plan", f"per_plan 必须在 1 到 10 之间，收到 {per_plan}")
        searcher.search(SearchRequest(q=q, k=1))          # the same validation as search (q, length)
        return Comparer(searcher).compare(q, plans=plan or None, per_plan=per_plan)

    @app.get("/api/export", summary="导出所选段落或对比结果（Markdown 或 Word）",
             responses={200: {"content": {"text/markdown": {"schema": {"type": "string"}},
                                          DOCX: {"schema": {"type": "string", "format": "binary"}}},
                              "description": "the document"}, **error_responses(404, 422)})
    def export(searcher: SearcherDep,
               ids: Annotated[str | None, Query(description=f"逗号分隔的段落 id（最多 {MAX_EXPORT_IDS} 个）",
                                                max_length=MAX_EXPORT_IDS * (text_max + 1))] = None,
               q: Annotated[str | None, Query(description="导出该主题的对比结果", max_length=query_max)] = None,
               format: Annotated[str, Query(description="md 或 docx", max_length=10)] = "md",
               title: Annotated[str | None, Query(description="文档标题", max_length=text_max)] = None) -> Response:
        from plansearch.export import items_for_comparison, items_for_ids, to_docx, to_markdown

        if format not in ("md", "docx"):
            raise InvalidQuery("format", f"format 只能是 md 或 docx，收到 {format}")
        id_list = [i.strip() for i in (ids or "").split(",") if i.strip()]
        if id_list:
            if len(id_list) > MAX_EXPORT_IDS:
                raise InvalidQuery("ids", f"一次最多导出 {MAX_EXPORT_IDS} 条，收到 {len(id_list)} 条")
            items = items_for_ids(searcher, id_list)
            doc_title = title or "规划条文摘编"
        elif q:
            searcher.search(SearchRequest(q=q, k=1))
            items = items_for_comparison(Comparer(searcher).compare(q))
            doc_title = title or f"各地规划对比：{q.strip()}"
        elif ids is not None:
            raise InvalidQuery("ids", "ids 中没有段落 id（ids names no passage）")
        else:
            raise InvalidQuery("ids", "请给出 ids（段落 id）或 q（对比主题）")
        if not items:
            raise InvalidQuery("q", "没有可导出的段落")
        filename = "plansearch-export." + format
        if format == "md":
            return Response(to_markdown(doc_title, items), media_type="text/markdown; charset=utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{filename}"'})
        return Response(to_docx(doc_title, items), media_type=DOCX,
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})

    @app.get("/health", response_model=Health, summary="what is served and whether it is healthy",
             responses={503: {"model": Health, "description": "a file of the served index is damaged"}})
    def health(request: Request, response: Response) -> Health:
        live = request.app.state.live
        override = request.app.dependency_overrides.get(get_searcher)
        searcher = override() if override else live.served()
        state = live.status() if live is not None and not override else {
            "status": "ok", "healthy": True, "serving_build": searcher.index.describe()["serving_build"]}
        if state["status"] == "corrupt":
            response.status_code = 503
        m = searcher.index.manifest
        return Health(index_loaded=True, model=m.model, dimension=m.dimension, passages=searcher.index.count,
                      plans=len(searcher.plans), index_built_at=m.built_at, version=__version__, **state)

    from service import plans_api, review_api, security
    from service.docs import mount_docs
    from service.web import mount_web

    plans_api.install(app)
    app.include_router(review_api.router)
    mount_web(app)
    mount_docs(app)
    security.install(app, settings, bound_host)
    return app
