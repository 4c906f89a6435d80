"""`GET /api/passages/{id}`: one passage with its neighbours' ids."""

from typing import Annotated

from fastapi import APIRouter, Path

from plansearch.search import PassageDetail
from plansearch.settings import Settings
from service.deps import SearcherDep
from service.security import error_responses


def make_router(settings: Settings) -> APIRouter:
    router = APIRouter()
    text_max = settings.max_param_chars

    @router.get("/api/passages/{passage_id}", response_model=PassageDetail, summary="单个段落及其前后段落 id",
                responses=error_responses(404, 422))
    def passage(passage_id: Annotated[str, Path(max_length=text_max)], searcher: SearcherDep) -> PassageDetail:
        return searcher.passage(passage_id)

    return router
