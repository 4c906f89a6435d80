"""`GET /api/search`: the hybrid search every front door uses."""

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from plansearch.search import MAX_K, SearchRequest, SearchResponse
from plansearch.settings import Settings
from service.deps import SearcherDep, given, question
from service.security import error_responses


def make_router(settings: Settings) -> APIRouter:
    router = APIRouter()
    text_max, query_max = settings.max_param_chars, settings.max_query_chars

    @router.get("/api/search", response_model=SearchResponse, summary="混合检索：目标、措施与组织实施段落",
                responses=error_responses(404, 422))
    async def search(searcher: SearcherDep,
               q: Annotated[str, Query(description="查询词，例如 其他地方怎么预防儿童溺水", min_length=1, max_length=query_max)],
               k: Annotated[int, Query(description=f"返回条数 1–{MAX_K}")] = 10,
               plan: Annotated[str | None, Query(description="规划 id，见 /api/plans", max_length=text_max)] = None,
               region: Annotated[str | None, Query(description="地区，如 湖北省、大庆", max_length=text_max)] = None,
               domain: Annotated[str | None, Query(description="领域，如 儿童与安全 或 安全", max_length=text_max)] = None,
               kind: Annotated[str | None, Query(description="target | measure | implementation | overview",
                                                 max_length=text_max)] = None,
               offset: Annotated[int, Query(description="skip this many results (更多结果)")] = 0,
               diversify: Annotated[bool, Query(description="false: let one plan fill the list (默认各地兼顾)")] = True,
               ) -> SearchResponse:
        # the search in a worker thread, and the answer checked and written on the event loop: a plain `def` made
        # FastAPI hand the answer to a second worker thread to check it (about 0.2 ms a request)
        return await run_in_threadpool(searcher.search, SearchRequest(
            q=question(q), k=k, plan=given(plan), region=given(region), domain=given(domain), kind=given(kind),
            offset=offset, diversify=diversify))

    return router
