"""`GET /api/indicators` and `GET /api/targets`: the quantitative targets the plans set, by indicator."""

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from plansearch.errors import InvalidQuery
from plansearch.records import Indicator
from plansearch.settings import Settings
from plansearch.views import view, view_model
from service.deps import SearcherDep
from service.security import error_responses


class IndicatorCount(BaseModel):
    name: str
    plans: int


class IndicatorsResponse(BaseModel):
    indicators: list[IndicatorCount]
    count: int


TargetRow = view_model("TargetRow", "plan_id plan_title short_name indicator_as_written value number unit year "
                       "year_inferred direction baseline attribute implausible note passage_id table_line in_measure",
                       Indicator, in_measure=(bool, Field(description="set in a measure (策略措施), by a plan whose "
                                                                        "targets set no value for it")))


class TargetsResponse(BaseModel):
    indicator: str
    rows: list[TargetRow]
    plans: int
    candidates: list[str] = Field([], description="indicator names holding a partial name (近视 → 小学生近视率 …); "
                                                    "rows are empty until one is chosen")


def make_router(settings: Settings) -> APIRouter:
    router = APIRouter()
    text_max = settings.max_param_chars

    @router.get("/api/indicators", response_model=IndicatorsResponse, summary="各规划设定的量化指标及设定该指标的规划数",
                responses=error_responses())
    def indicators(searcher: SearcherDep) -> IndicatorsResponse:
        by: dict[str, set[str]] = {}
        for i in searcher.index.indicators:
            by.setdefault(i.name, set()).add(i.plan_id)
        rows = [IndicatorCount(name=n, plans=len(p)) for n, p in sorted(by.items(), key=lambda kv: (-len(kv[1]), kv[0]))]
        return IndicatorsResponse(indicators=rows, count=len(rows))

    @router.get("/api/targets", response_model=TargetsResponse, summary="某一指标在各规划中的目标值",
                responses=error_responses(422))
    def targets(searcher: SearcherDep,
                indicator: Annotated[str, Query(description="指标名称，例如 小学生近视率", max_length=text_max)]
                ) -> TargetsResponse:
        from indexer.targets import canonical_name, fold, indicator_specs

        def spec_aliases(n: str) -> frozenset[str]:
            return next((sp.aliases for sp in indicator_specs() if sp.name == n), frozenset())

        name = indicator.strip()
        if not name:
            raise InvalidQuery("indicator", "indicator 不能为空（indicator must not be empty）；见 /api/indicators")
        known = {i.name for i in searcher.index.indicators}
        if name not in known:
            name = canonical_name(name) or name
        if name not in known:
            folded = fold(name)
            candidates = sorted(n for n in known if folded and (folded in fold(n) or any(
                folded in a for a in spec_aliases(n))))
            if len(candidates) == 1:
                name = candidates[0]
            elif candidates:
                return TargetsResponse(indicator=name, rows=[], plans=0, candidates=candidates)
            else:
                raise InvalidQuery("indicator", f"未知的指标“{indicator}”（unknown indicator）；见 /api/indicators")
        rows = []
        for i in searcher.index.indicators:
            if i.name != name:
                continue
            rows.append(view(TargetRow, i, searcher.plans[i.plan_id], in_measure=False))
        # a plan whose targets set no value may set one in a measure (新生儿访视率保持在95%以上 under 策略措施)
        setting = {r.plan_id for r in rows}
        for pid in searcher.plans:
            if pid not in setting:
                rows += [view(TargetRow, i, searcher.plans[pid], in_measure=True)
                         for i in searcher.measure_indicators(pid) if i.name == name and not i.implausible]
        return TargetsResponse(indicator=name, rows=rows, plans=len({r.plan_id for r in rows}))

    return router
