"""`GET /api/ask`: a value, grouped measures, or a clear no-answer."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from plansearch.ask import AskResponse, Asker
from plansearch.settings import Settings
from service.deps import SearcherDep, question
from service.security import error_responses


def make_router(settings: Settings) -> APIRouter:
    router = APIRouter()
    query_max = settings.max_query_chars

    @router.get("/api/ask", response_model=AskResponse, summary="问答：数值问题给出数值，做法问题按规划分组，无答案时明确说明",
                responses=error_responses(422))
    async def ask(searcher: SearcherDep, request: Request,
            q: Annotated[str, Query(description="问题，例如 新星市小学生近视率目标是多少", min_length=1, max_length=query_max)]
            ) -> AskResponse:
        return await run_in_threadpool(Asker(searcher, request.app.state.settings).ask, question(q))  # as /api/search

    return router
