"""The plans: the list (`GET /api/plans`); upload (`POST /api/plans`, multipart) and removal
(`DELETE /api/plans/{id}`) of plan files.

Writes exist only when an API key is set (`PLANSEARCH_API_KEY`), sent as `Authorization: Bearer …` or
`X-API-Key`. An upload is size-limited, typed by its content as well as its name, parsed before anything
is written, and stored under its plan id — no name or path from the client touches the disk."""

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi import Path as FastAPIPath
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from plansearch.errors import IndexWriteError, InvalidQuery, PlanSearchError
from plansearch.search import PlanSummary
from plansearch.settings import Settings
from service.deps import SearcherDep, WriteRefused, given, read_upload, require_key
from service.security import error_responses


class PlansResponse(BaseModel):
    plans: list[PlanSummary]
    count: int


class UploadResponse(BaseModel):
    plan_ids: list[str]
    stored_as: str
    report: dict
    indexed: bool
    message: str


class DeleteResponse(BaseModel):
    plan_id: str
    deleted_file: str | None
    message: str


def _refresh(request: Request) -> None:
    """Serve the new index from the next request on (after an upload or removal)."""
    live = getattr(request.app.state, "live", None)
    if live is not None:
        live.refresh()


def make_router(settings: Settings) -> APIRouter:
    router = APIRouter()

    @router.get("/api/plans", response_model=PlansResponse, summary="语料中的规划及各类段落数量",
                responses=error_responses())
    def plans(searcher: SearcherDep) -> PlansResponse:
        items = searcher.plan_summaries()
        return PlansResponse(plans=items, count=len(items))

    @router.post("/api/plans", response_model=UploadResponse, status_code=201,
                 summary="上传规划文件（.txt .docx .doc .pdf .html）：解析、入库并建立索引；需要 API key",
                 responses=error_responses(403, 409, 413, 415, 422))
    async def upload_plan(request: Request, file: Annotated[UploadFile, File(description="规划文件")],
                          id: Annotated[str | None, Form(description="规划 id（可选）", max_length=200)] = None
                          ) -> UploadResponse:
        from plansearch.parse_report import file_report
        from plansearch.plan_files import add_plan_file, check_plan_id

        settings = require_key(request)
        id = given(id)
        if id:
            try:
                check_plan_id(id)
            except PlanSearchError as exc:
                raise InvalidQuery("id", str(exc)) from None
        with tempfile.TemporaryDirectory(prefix="plansearch-upload-") as tmp:
            path = await read_upload(file, settings, Path(tmp))
            try:
                result = await run_in_threadpool(add_plan_file, settings, path, id or None, file.filename or path.name,
                                                  None, True, request.app.state.encoder)
            except IndexWriteError:
                raise                           # the server's disk, not the file: 503
            except PlanSearchError as exc:
                status = 409 if "duplicate" in str(exc) or "already in the corpus" in str(exc) else 400
                raise WriteRefused(status, str(exc)) from None
        _refresh(request)
        report = file_report(result.parsed)
        return UploadResponse(plan_ids=result.plan_ids, stored_as=result.stored_as, report=report,
                              indexed=result.summary is not None,
                              message=f"已入库并建立索引：{', '.join(result.plan_ids)}")

    @router.delete("/api/plans/{plan_id}", response_model=DeleteResponse, summary="删除一个规划（文件与索引）；需要 API key",
                   responses=error_responses(403, 404, 422))
    async def delete_plan(request: Request, plan_id: Annotated[str, FastAPIPath(max_length=200)]) -> DeleteResponse:
        from plansearch.plan_files import remove_plan

        settings = require_key(request)
        result = await run_in_threadpool(remove_plan, settings, plan_id, None, request.app.state.encoder)
        _refresh(request)
        return DeleteResponse(plan_id=result.plan_id, deleted_file=result.deleted_file,
                              message=f"已删除规划 {result.plan_id}")

    return router
