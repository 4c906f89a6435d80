"""对标分析: `GET /api/review?plan=ID` reviews an indexed plan against its peers; `POST /api/review` reviews a
draft file parsed in memory (never indexed), with the API key and the upload limits of `POST /api/plans`.
`format=docx` returns the report as a Word document."""

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from plansearch.errors import InvalidQuery, PlanNotFound, PlanSearchError
from plansearch.review import ReviewResponse, Reviewer
from plansearch.settings import Settings
from service.deps import DOCX, SearcherDep, WriteRefused, given, read_upload, require_key
from service.security import error_responses

PEERS_MAX = 2000


def _peers(peers: str | None) -> list[str] | None:
    ids = [p for p in map(given, (peers or "").split(",")) if p]
    return ids or None


def _blame_peers(exc: PlanNotFound, peers: list[str] | None, plan: str | None = None) -> PlanNotFound:
    """An unknown id among the peers is a 404 naming `peers`, not `plan`."""
    if exc.plan_id in (peers or ()) and exc.plan_id != plan:
        exc.param = "peers"
    return exc


def _respond(report: ReviewResponse, format: str):
    if format == "json":
        return report
    from plansearch.review_export import review_docx

    return Response(review_docx(report), media_type=DOCX,
                    headers={"Content-Disposition": f'attachment; filename="review-{report.plan_id}.docx"'})


def _check_format(format: str) -> None:
    if format not in ("json", "docx"):
        raise InvalidQuery("format", f"format 只能是 json 或 docx，收到 {format}")


def make_router(settings: Settings) -> APIRouter:
    router = APIRouter()
    text_max = settings.max_param_chars

    @router.get("/api/review", response_model=ReviewResponse, summary="对标分析：本规划与同类规划相比，各领域缺少什么、哪些目标偏低、新增了什么",
                responses={200: {"content": {DOCX: {}}}, **error_responses(404, 422)})
    def review(searcher: SearcherDep,
               plan: Annotated[str, Query(description="规划 id，见 /api/plans", max_length=text_max)],
               peers: Annotated[str | None, Query(description="对标规划 id，逗号分隔；默认同类（儿童/妇女）规划",
                                                  max_length=PEERS_MAX)] = None,
               domain: Annotated[str | None, Query(description="只看一个领域，如 儿童与安全 或 安全", max_length=text_max)] = None,
               format: Annotated[str, Query(description="json 或 docx（Word 报告）", max_length=text_max)] = "json"):
        _check_format(format)
        plan_id, peer_ids = given(plan), _peers(peers)
        if not plan_id:
            raise InvalidQuery("plan", "plan 不能为空（plan must not be empty）；见 /api/plans")
        try:
            report = Reviewer(searcher).review_indexed(plan_id, peer_ids, given(domain))
        except PlanNotFound as exc:
            raise _blame_peers(exc, peer_ids, plan_id) from None
        return _respond(report, format)

    @router.post("/api/review", response_model=ReviewResponse,
                 summary="对标分析一份未入库的草稿（.txt .docx .doc .pdf .html）；不入库；需要 API key",
                 responses={200: {"content": {DOCX: {}}}, **error_responses(403, 404, 413, 415, 422)})
    async def review_draft(request: Request, searcher: SearcherDep,
                           file: Annotated[UploadFile, File(description="规划草稿文件")],
                           peers: Annotated[str | None, Form(description="对标规划 id，逗号分隔", max_length=PEERS_MAX)] = None,
                           domain: Annotated[str | None, Form(description="只看一个领域", max_length=text_max)] = None,
                           format: Annotated[str, Query(description="json 或 docx", max_length=text_max)] = "json",
                           format_field: Annotated[str | None, Form(alias="format", description="json 或 docx，与文件一起提交亦可",
                                                                    max_length=text_max)] = None):
        settings = require_key(request)
        # a form sends format beside the file and peers; the query string is read too
        format = given(format_field) or format
        _check_format(format)
        with tempfile.TemporaryDirectory(prefix="plansearch-review-") as tmp:
            path = await read_upload(file, settings, Path(tmp))
            peer_ids = _peers(peers)
            try:
                report = await run_in_threadpool(Reviewer(searcher).review_file, path, peer_ids, given(domain))
            except PlanNotFound as exc:
                raise _blame_peers(exc, peer_ids) from None
            except InvalidQuery:
                raise
            except PlanSearchError as exc:       # unreadable file, no plan in it
                raise WriteRefused(400, str(exc)) from None
        return _respond(report, format)

    return router
