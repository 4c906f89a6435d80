"""`GET /health`: what is served and whether it is healthy (503 when a served file is damaged)."""

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from plansearch import __version__
from plansearch.settings import Settings
from service.deps import get_searcher


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


def make_router(settings: Settings) -> APIRouter:
    router = APIRouter()

    @router.get("/health", response_model=Health, summary="what is served and whether it is healthy",
                responses={503: {"model": Health, "description": "a file of the served index is damaged"}})
    async def health(request: Request, response: Response) -> Health:
        # on the event loop unless the store must be asked (a new build to open, a database): queued behind busy
        # routes in the thread pool, /health took 17 s while reviews ran
        live = request.app.state.live
        override = request.app.dependency_overrides.get(get_searcher)
        cheap = live is not None and getattr(live.source, "cheap_current", False)
        if override:
            searcher = override()
        elif live.due() or not cheap:
            searcher = await run_in_threadpool(live.served)
        else:
            searcher = live.served()
        if live is not None and not override:
            state = live.status() if cheap else await run_in_threadpool(live.status)
        else:
            state = {"status": "ok", "healthy": True, "serving_build": searcher.index.describe()["serving_build"]}
        if state["status"] == "corrupt":
            response.status_code = 503
        m = searcher.index.manifest
        return Health(index_loaded=True, model=m.model, dimension=m.dimension, passages=searcher.index.count,
                      plans=len(searcher.plans), index_built_at=m.built_at, version=__version__, **state)

    return router
