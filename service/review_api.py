"""对标分析: `GET /api/review?plan=ID` reviews an indexed plan against its peers; `POST /api/review` reviews a
draft file parsed in memory (never indexed), with the API key and the upload limits of `POST /api/plans`.
`format=docx` returns the report as a Word document."""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from plansearch.errors import InvalidQuery, PlanNotFound, PlanSearchError
from plansearch.review import ReviewResponse, Reviewer
from plansearch.search import Searcher
from plansearch.settings import Settings
from service.plans_api import MAGIC, WriteRefused, require_key
from service.security import error_responses

router = APIRouter()
TEXT_MAX = Settings.model_fields["max_param_chars"].default     # the routes are made before any settings
PEERS_MAX = 2000
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _searcher(request: Request) -> Searcher:
    from service.app import get_searcher

    return get_searcher(request)


def _peers(peers: str | None) -> list[str] | None:
    ids = [p.strip() for p in (peers or "").split(",") if p.strip()]
    return ids or None


def _respond(report: ReviewResponse, format: str):
    if format == "json":
        return report
    from plansearch.review_export import review_docx

    return Response(review_docx(report), media_type=DOCX,
                    headers={"Content-Disposition": f'attachment; filename="review-{report.plan_id}.docx"'})


def _check_format(format: str) -> None:
    if format not in ("json", "docx"):
        raise InvalidQuery("format", f"format 只能是 json 或 docx，收到 {format}")


@router.get("/api/review", response_model=ReviewResponse, summary="对标分析：本规划与同类规划相比，各领域缺少什么、哪些目标偏低、新增了什么",
            responses={200: {"content": {DOCX: {}}}, **error_responses(404, 422)})
def review(searcher: Annotated[Searcher, Depends(_searcher)],
           plan: Annotated[str, Query(description="规划 id，见 /api/plans", max_length=TEXT_MAX)],
           peers: Annotated[str | None, Query(description="对标规划 id，逗号分隔；默认同类（儿童/妇女）规划",
                                              max_length=PEERS_MAX)] = None,
           domain: Annotated[str | None, Query(description="只看一个领域，如 儿童与安全 或 安全", max_length=TEXT_MAX)] = None,
           format: Annotated[str, Query(description="json 或 docx（Word 报告）", max_length=TEXT_MAX)] = "json"):
    _check_format(format)
    return _respond(Reviewer(searcher).review_indexed(plan.strip(), _peers(peers), domain or None), format)


@router.post("/api/review", response_model=ReviewResponse,
             summary="对标分析一份未入库的草稿（.txt .docx .doc .pdf .html）；不入库；需要 API key",
             responses={200: {"content": {DOCX: {}}}, **error_responses(403, 404, 413, 415, 422)})
async def review_draft(request: Request, searcher: Annotated[Searcher, Depends(_searcher)],
                       file: Annotated[UploadFile, File(description="规划草稿文件")],
                       peers: Annotated[str | None, Form(description="对标规划 id，逗号分隔", max_length=PEERS_MAX)] = None,
                       domain: Annotated[str | None, Form(description="只看一个领域", max_length=TEXT_MAX)] = None,
                       format: Annotated[str, Query(description="json 或 docx", max_length=TEXT_MAX)] = "json"):
    from plansearch.plan_files import safe_upload_name

    settings = require_key(request)
    _check_format(format)
    limit = int(settings.max_upload_mb * 1024 * 1024)
    name = safe_upload_name(file.filename or "upload")
    suffix = Path(name).suffix
    if not suffix:
        raise WriteRefused(415, f"不支持的文件类型：{(file.filename or '')[:80]}（支持 .txt .docx .doc .pdf .html .htm）")
    with tempfile.TemporaryDirectory(prefix="plansearch-review-") as tmp:
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
            report = await run_in_threadpool(Reviewer(searcher).review_file, path, _peers(peers), domain or None)
        except (InvalidQuery, PlanNotFound):
            raise
        except PlanSearchError as exc:       # unreadable file, no plan in it
            raise WriteRefused(400, str(exc)) from None
    return _respond(report, format)
