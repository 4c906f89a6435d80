"""Answers you can quote (issue 12): evidence decides no-answer, value answers name the indicator asked, and the
problems a new user found (dropped 以下, partial indicator names, false 未提及, filler rows, a named county)."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from plansearch.ask import Asker
from plansearch.compare import Comparer, diff_phrases
from plansearch.evidence import Concept, judge
from plansearch.search import SearchRequest
from service.app import create_app


@pytest.fixture(scope="module")
def client(fake_searcher):
    with TestClient(create_app(searcher=fake_searcher)) as c:
        yield c


def test_fen_bie_values_keep_the_bound_written_once_at_the_end(client):
    rows = client.get("/api/targets", params={"indicator": "婴儿死亡率"}).json()["rows"]
    xinchengqu = next(r for r in rows if r["plan_id"] == "xinchengqu-children-2021" and r["passage_id"])
    assert xinchengqu["value"] == "5.0‰以下"


def test_a_partial_indicator_name_gives_candidates_not_a_422(client):
    r = client.get("/api/targets", params={"indicator": "近视"})
    assert r.status_code == 200
    body = r.json()
    assert {"小学生近视率", "初中生近视率"} <= set(body["candidates"]) and body["rows"] == []
    assert client.get("/api/targets", params={"indicator": "火星移民率"}).status_code == 422


def test_a_core_phrase_whose_words_the_version_has_with_others_between_is_not_missing():
    _, missing = diff_phrases("加强看护落实监护责任，保证儿童远离危险水体。", "加强看护，保证儿童远离危险水体。")
    assert missing == []
    _, missing = diff_phrases("保证儿童远离危险水体。", "加强看护，保证儿童远离危险水体。")
    assert missing == ["加强看护"]


def test_compare_leaves_out_passages_on_other_topics(fake_searcher):
    result = Comparer(fake_searcher).compare("溺水")
    for column in result.plans:
        for v in column.passages:
            assert "溺水" in v.text or "水" in (v.title or ""), (v.passage_id, v.text[:40])


def test_evidence_needs_every_concept_and_a_synonym_counts():
    drowning = Concept("淹死", ("淹死", "溺水"))
    fall = Concept("跌倒", ("跌倒",))
    assert judge([drowning], [(0, "预防和控制儿童溺水")]).holds
    assert not judge([drowning, fall], [(0, "预防和控制儿童溺水")]).holds


def test_search_concepts_drop_places_question_and_generic_words(fake_searcher):
    r = fake_searcher.search(SearchRequest(q="乡宁县儿童溺水怎么预防"))
    assert r.concepts == ["溺水"]


def test_a_named_plan_without_the_topic_says_so_and_marks_other_places(fake_searcher):
    asker = Asker(fake_searcher, fake_searcher.settings)
    answer = asker.ask("大庆家事调查回访")
    assert answer.answer.startswith("大庆市儿童规划没有提到")
    assert "其他地方的做法" in answer.answer
    assert answer.groups and all(g.other_place for g in answer.groups)
    assert all(g.plan_id != "daqing-children-2021" for g in answer.groups)
    r = fake_searcher.search(SearchRequest(q="大庆家事调查回访"))
    assert r.no_answer and r.named_plan_lacks and r.confidence < 0.5


def test_a_question_naming_one_plan_leads_with_it_and_lists_others_apart(fake_searcher):
    answer = Asker(fake_searcher, fake_searcher.settings).ask("乡宁县儿童溺水怎么预防")
    assert answer.groups[0].plan_id == "xiangning-children-2021" and not answer.groups[0].other_place
    assert all(g.other_place for g in answer.groups[1:]) and len(answer.groups) > 1
    assert answer.answer.startswith("乡宁县儿童规划：") and "其他地方的做法：" in answer.answer


def test_an_english_query_finds_its_passages_and_is_not_refused(fake_searcher):
    r = fake_searcher.search(SearchRequest(q="drowning"))
    assert "溺水" in r.results[0].text
    assert not r.no_answer and r.confidence >= 0.5


def test_a_question_whose_indicator_no_plan_states_says_so_with_related_passages(fake_searcher):
    answer = Asker(fake_searcher, fake_searcher.settings).ask("大庆市儿童肥胖率目标是多少")
    assert answer.answer_type == "none" and answer.no_answer and not answer.values
    assert answer.related


def test_a_value_answer_is_the_indicator_asked(fake_searcher):
    answer = Asker(fake_searcher, fake_searcher.settings).ask("新城区初中生近视率要降到多少")
    assert answer.values and all(v.indicator == "初中生近视率" for v in answer.values)
    assert all("初中生近视率" in v.quote for v in answer.values)


def test_a_question_on_a_topic_no_plan_has_is_refused(fake_searcher):
    answer = Asker(fake_searcher, fake_searcher.settings).ask("男性前列腺癌筛查")
    assert answer.no_answer and answer.answer_type == "none"
