"""`GET /api/compare`: what the plans share on a topic and how each words it."""

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import StringConstraints

from plansearch.compare import CompareResponse, Comparer
from plansearch.errors import InvalidQuery
from plansearch.search import SearchRequest
from plansearch.settings import Settings
from service.deps import SearcherDep, given, question
from service.security import error_responses

MAX_COMPARE_PLANS = 50


def make_router(settings: Settings) -> APIRouter:
    router = APIRouter()
    text_max, query_max = settings.max_param_chars, settings.max_query_chars

    @router.get("/api/compare", response_model=CompareResponse, summary="对比各地规划：共同内容与各地增减的表述",
                responses=error_responses(404, 422))
    def compare(searcher: SearcherDep,
                q: Annotated[str, Query(description="主题，例如 溺水", min_length=1, max_length=query_max)],
                plan: Annotated[list[Annotated[str, StringConstraints(max_length=text_max)]] | None,
                                Query(description=f"只对比这些规划（可重复，最多 {MAX_COMPARE_PLANS} 个）")] = None,
                per_plan: Annotated[int, Query(description="每个规划最多几条 1–10")] = 3) -> CompareResponse:
        plan = [p for p in map(given, plan or ()) if p]          # a blank plan is none given
        if len(plan) > MAX_COMPARE_PLANS:
            raise InvalidQuery("plan", f"一次最多对比 {MAX_COMPARE_PLANS} 个规划，收到 {len(plan)} 个")
        if not 1 <= per_plan <= 10:
            raise InvalidQuery("per_plan", f"per_plan 必须在 1 到 10 之间，收到 {per_plan}")
        q = question(q)
        searcher.search(SearchRequest(q=q, k=1))          # the same validation as search (q, length)
        return Comparer(searcher).compare(q, plans=plan or None, per_plan=per_plan)

    return router
