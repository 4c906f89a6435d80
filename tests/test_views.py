"""The public models built from the records keep their JSON field names and order (a contract), and carry the
record's values."""
from __future__ import annotations

import pytest

from plansearch.compare import Version
from plansearch.export import ExportItem
from plansearch.records import Indicator, Kind, Passage, PlanMeta, SourceSpan
from plansearch.search import Hit, Neighbours, PassageDetail
from plansearch.views import view
from service.routes.targets import TargetRow

# the names as they were when each model still spelled its fields out by hand
PINNED = {
    Hit: "passage_id plan_id plan_title region domain kind number title text score source section",
    PassageDetail: "passage_id plan_id plan_title region chapter domain kind number title text source neighbours section",
    ExportItem: "passage_id plan_title region domain kind number title text source note",
    Version: "passage_id plan_id plan_title region kind domain number title text source similarity shared segments "
             "missing",
    TargetRow: "plan_id plan_title short_name indicator_as_written value number unit year year_inferred direction "
               "baseline attribute implausible note passage_id table_line in_measure",     # in_measure added after
}
META = PlanMeta(id="daqing-children-2021", title="大庆市儿童发展规划（2021—2030年）", short_name="大庆市",
                province="黑龙江省", city="大庆市", subject="儿童", source_file="daqing.txt")
PASSAGE = Passage(id="daqing-children-2021-d2-m3", plan_id=META.id, chapter="策略措施", domain="儿童与安全",
                  kind=Kind.measure, number=3, title="预防和控制儿童溺水", text="3.预防和控制儿童溺水。……",
                  source=SourceSpan(file="daqing.txt", line_start=120, line_end=122), position=40,
                  section=["四、发展领域、主要目标和策略措施", "（二）儿童与安全"])


@pytest.mark.parametrize("model", PINNED, ids=lambda m: m.__name__)
def test_json_field_names_and_order_are_pinned(model):
    assert list(model.model_fields) == PINNED[model].split()
    assert model.model_json_schema()["title"] == model.__name__


def test_a_hit_and_a_passage_detail_carry_the_passage_and_its_plan():
    hit = view(Hit, PASSAGE, META, score=0.5)
    body = hit.model_dump(mode="json")
    assert list(body) == PINNED[Hit].split()
    assert body["passage_id"] == PASSAGE.id and body["region"] == "黑龙江省大庆市" and body["plan_title"] == META.title
    assert body["section"] == PASSAGE.section and body["source"]["line_start"] == 120 and body["kind"] == "measure"
    detail = view(PassageDetail, PASSAGE, META, neighbours=Neighbours(previous=None, next="x"))
    assert detail.chapter == "策略措施" and detail.neighbours.next == "x"
    item = view(ExportItem, detail, note="与共同模板一致")          # a view from another view
    assert (item.passage_id, item.text, item.note) == (PASSAGE.id, PASSAGE.text, "与共同模板一致")


def test_a_target_row_carries_the_indicator_and_its_plan():
    indicator = Indicator(name="小学生近视率", name_as_written="小学生近视率", value="38%以下", number=38.0, unit="%",
                          direction="下降到", year=2025, plan_id=META.id, passage_id=PASSAGE.id)
    row = view(TargetRow, indicator, META, in_measure=False)
    assert row.indicator_as_written == "小学生近视率" and row.short_name == "大庆市" and row.year == 2025
    assert row.passage_id == PASSAGE.id and row.table_line is None and not row.implausible


def test_every_view_field_is_stated_in_the_schema():
    """Views state every field (required in the OpenAPI schema), lists aside, as when they were written by hand."""
    assert set(Hit.model_json_schema()["required"]) == set(PINNED[Hit].split()) - {"section"}
    assert set(TargetRow.model_json_schema()["required"]) == set(PINNED[TargetRow].split())
