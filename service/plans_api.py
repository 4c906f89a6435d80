"""Plans as files: upload (`POST /api/plans`, multipart) and removal (`DELETE /api/plans/{id}`).

Both exist only when an API key is set (`PLANSEARCH_API_KEY`), sent as `Authorization: Bearer …` or
`X-API-Key`. An upload is size-limited, typed by its content as well as its name, parsed before anything
is written, and stored under its plan id — no name or path from the client touches the disk."""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi import Path as FastAPIPath
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from plansearch.errors import PlanSearchError
from plansearch.settings import Settings
from service.security import check_key, error_responses

router = APIRouter()
# what the first bytes of each type look like (a .txt is anything that decodes)
# (an encrypted .docx is an OLE file: the reader then says it is password-protected)
MAGIC = {".docx": (b"PK\x03\x04", b"\xd0\xcf\x11\xe0"), ".pdf": (b"%PDF",), ".doc": (b"\xd0\xcf\x11\xe0", b"{\\rtf", b"PK\x03\x04")}


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


class WriteRefused(Exception):
    def __init__(self, status: int, detail: str):
        self.status = status
        self.detail = detail


def require_key(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    check_key(request, settings)
    return settings


def install(app) -> None:
    @app.exception_handler(WriteRefused)
    async def _refused(request: Request, exc: WriteRefused):
        return JSONResponse(status_code=exc.status, content={"detail": exc.detail, "param": None})

    app.include_router(router)


def _refresh(request: Request) -> None:
    live = getattr(request.app.state, "live", None)
    if live is not None:
        live.refresh()


@router.post("/api/plans", response_model=UploadResponse, status_code=201,
             summary="上传规划文件（.txt .docx .doc .pdf .html）：解析、入库并建立索引；需要 API key",
             responses=error_responses(403, 409, 413, 415, 422))
async def upload_plan(request: Request, file: Annotated[UploadFile, File(description="规划文件")],
                      id: Annotated[str | None, Form(description="规划 id（可选）", max_length=200)] = None
                      ) -> UploadResponse:
    from plansearch.plan_files import add_plan_file, safe_upload_name
    from plansearch.parse_report import file_report

    settings = require_key(request)
    limit = int(settings.max_upload_mb * 1024 * 1024)
    name = safe_upload_name(file.filename or "upload")
    suffix = Path(name).suffix
    if not suffix:
        raise WriteRefused(415, f"不支持的文件类型：{(file.filename or '')[:80]}（支持 .txt .docx .doc .pdf .html .htm）")
    with tempfile.TemporaryDirectory(prefix="plansearch-upload-") as tmp:
        path = Path(tmp) / name
        size = 0
        with open(path, "wb") as out:
            while chunk := await file.read(1 << 20):
                size += len(chunk)
                if size > limit:
                    raise WriteRefused(413, f"文件超过 {settings.max_upload_mb:g} MB 的上限（file too large）")
                out.write(chunk)
        if size == 0:
            raise WriteRefused(400, "文件为空（empty file）")
        head = path.read_bytes()[:8]
        if suffix in MAGIC and not head.startswith(MAGIC[suffix]):
            raise WriteRefused(415, f"文件内容与扩展名 {suffix} 不符（the content is not a {suffix} file）")
        try:
            result = await run_in_threadpool(add_plan_file, settings, path, id or None, file.filename or name,
                                              None, True, request.app.state.encoder)
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
