"""`GET /api/export`: chosen passages or a comparison as Markdown or Word."""

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from plansearch.compare import Comparer
from plansearch.errors import InvalidQuery
from plansearch.export import MAX_EXPORT_IDS
from plansearch.search import SearchRequest
from plansearch.settings import Settings
from service.deps import DOCX, SearcherDep, given, question
from service.security import error_responses


def make_router(settings: Settings) -> APIRouter:
    router = APIRouter()
    text_max, query_max = settings.max_param_chars, settings.max_query_chars

    @router.get("/api/export", summary="导出所选段落或对比结果（Markdown 或 Word）",
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
        title = given(title)
        if id_list:
            if len(id_list) > MAX_EXPORT_IDS:
                raise InvalidQuery("ids", f"一次最多导出 {MAX_EXPORT_IDS} 条，收到 {len(id_list)} 条")
            items = items_for_ids(searcher, list(dict.fromkeys(id_list)))       # an id given twice, once
            doc_title = title or "规划条文摘编"
        elif q:
            q = question(q)
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

    return router
