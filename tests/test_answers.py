"""Targets across plans, compare, ask and export."""
from __future__ import annotations

import io
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from plansearch.ask import Asker, find_indicators
from plansearch.search import SearchRequest
from plansearch.compare import Comparer, diff_phrases
from plansearch.settings import REPO_ROOT
from service.app import create_app

CHILDREN = {"xinchengqu-children-2021", "daqing-children-2021", "xiangning-children-2021", "xinxing-children-2021",
            "zengdu-children-2021"}
ASK_SET = REPO_ROOT / "eval" / "ask_values.jsonl"


@pytest.fixture(scope="module")
def client(fake_searcher):
    with TestClient(create_app(searcher=fake_searcher)) as c:
        yield c


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


# -- targets ---------------------------------------------------------------------------------

def test_targets_for_myopia_list_every_childrens_plan_with_its_value(client):
    body = client.get("/api/targets", params={"indicator": "小学生近视率"}).json()
    values = {r["plan_id"]: r["value"] for r in body["rows"]}
    assert set(values) == CHILDREN and body["plans"] == 5
    assert values["xinxing-children-2021"] == "30%以下" and values["daqing-children-2021"] == "38%以下"


def test_targets_accepts_an_alias_and_flags_implausible_units(client):
    rows = client.get("/api/targets", params={"indicator": "婴儿死亡率"}).json()["rows"]
    zengdu = [r for r in rows if r["plan_id"] == "zengdu-children-2021"]
    assert {r["year"] for r in zengdu} == {2025, 2030} and all(r["implausible"] for r in zengdu)
    assert all(r["value"].endswith("%以下") for r in zengdu)          # kept as written
    daqing = next(r for r in rows if r["plan_id"] == "daqing-children-2021")
    assert daqing["value"] == "5.5‰以下" and not daqing["implausible"] and daqing["passage_id"] == "daqing-children-2021-d1-t3"


def test_indicators_list_counts_plans_and_unknown_indicator_is_422(client):
    body = client.get("/api/indicators").json()
    counts = {i["name"]: i["plans"] for i in body["indicators"]}
    assert counts["小学生近视率"] == 5 and counts["农村自来水普及率"] == 6
    r = client.get("/api/targets", params={"indicator": "火星移民率"})
    assert r.status_code == 422 and "未知的指标" in r.json()["detail"]


# -- compare ---------------------------------------------------------------------------------

def test_compare_drowning_marks_shared_versions_and_differing_phrases(fake_searcher):
    result = Comparer(fake_searcher).compare("溺水")
    group = next(g for g in result.groups if g.title == "预防和控制儿童溺水")
    versions = {v.plan_id: v for v in group.versions}
    assert set(versions) == CHILDREN
    assert {p for p, v in versions.items() if v.shared} == {"daqing-children-2021", "xinxing-children-2021",
                                                           "xinchengqu-children-2021"}
    added = {p: "".join(s.text for s in v.segments if s.status == "added") for p, v in versions.items()}
    assert "落实预防儿童溺水行动计划" in added["zengdu-children-2021"]
    assert "开展假期安全巡查" in added["xiangning-children-2021"]
    assert "农牧区" in added["xinxing-children-2021"]
    assert any("开放性水域" in m for m in versions["xiangning-children-2021"].missing)
    for v in versions.values():                   # the segments rebuild the quoted text exactly
        assert "".join(s.text for s in v.segments) == v.text


def test_compare_columns_are_plans_of_the_queried_subject(client):
    body = client.get("/api/compare", params={"q": "溺水"}).json()
    assert {c["plan_id"] for c in body["plans"]} == CHILDREN
    assert all(len(c["passages"]) <= 3 for c in body["plans"])
    assert client.get("/api/compare", params={"q": " "}).status_code == 422


def test_diff_phrases_marks_added_and_missing():
    segments, missing = diff_phrases("加强看护，保证儿童远离危险水体，组建巡查队伍。", "加强看护，保证儿童远离危险水体。")
    assert [(s.status, s.text) for s in segments] == [("same", "加强看护，保证儿童远离危险水体，"), ("added", "组建巡查队伍。")]
    assert missing == []
    segments, missing = diff_phrases("加强看护，开展假期巡查。", "加强看护，加强开放性水域管理，开展假期巡查。")
    assert all(s.status == "same" for s in segments) and missing == ["加强开放性水域管理"]


# -- export ----------------------------------------------------------------------------------

def test_docx_export_reopens_with_passages_and_source_notes(client):
    from docx import Document

    r = client.get("/api/export", params={"ids": "daqing-children-2021-d2-m3,zengdu-children-2021-d2-m3", "format": "docx"})
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    doc = Document(io.BytesIO(r.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "大庆市儿童发展规划（2021-2025年）（黑龙江省大庆市）" in text
    assert "预防和控制儿童溺水。加强看护，保证儿童远离危险水体。" in text
    assert "来源：大庆市儿童发展规划（2021-2025年） · 儿童与安全 · 策略措施第3条（daqing-children-2021-2025.txt 第229行" in text
    assert "曾都区儿童发展规划" in text and "第525行" in text


def test_markdown_export_of_a_comparison_notes_what_each_plan_added(client):
    r = client.get("/api/export", params={"q": "溺水", "format": "md"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/markdown")
    assert "较共同模板新增：" in r.text and "落实预防儿童溺水行动计划" in r.text
    assert r.text.count("来源：") >= 5


@pytest.mark.parametrize("params, status", [({"format": "md"}, 422), ({"ids": "x", "format": "pdf"}, 422),
                                            ({"ids": "no-such-id"}, 404), ({"ids": ",".join(["a"] * 201)}, 422)])
def test_bad_export_requests_get_4xx(client, params, status):
    r = client.get("/api/export", params=params)
    assert r.status_code == status and r.json()["detail"]


# -- ask -------------------------------------------------------------------------------------

def test_find_indicators_in_questions():
    assert find_indicators("新星市小学生近视率目标是多少") == ["小学生近视率"]
    assert set(find_indicators("近视率定了多少")) >= {"小学生近视率", "初中生近视率"}
    assert find_indicators("怎么预防溺水") == []
    assert find_indicators("新城区新生儿、婴儿和5岁以下儿童死亡率分别是多少") == [
        "新生儿死亡率", "婴儿死亡率", "5岁以下儿童死亡率"]
    assert find_indicators("5岁以下儿童贫血率、生长迟缓率、低体重率") == [
        "5岁以下儿童贫血率", "5岁以下儿童生长迟缓率", "5岁以下儿童低体重率"]
    assert find_indicators("5岁以下儿童死亡率") == ["5岁以下儿童死亡率"]     # not 儿童死亡率 inside it as well
    # a name the alias list lacks: the indicators holding its longest tail as written, never one holding its words
    # apart (儿童伤害死亡率 holds 儿童…死亡率)
    assert find_indicators("新城区儿童死亡率是多少") == ["5岁以下儿童死亡率"]
    # 卫生健康 and women's plans set life expectancy, in years: a question names it however it is worded
    assert find_indicators("灵石县2030年人均预期寿命") == find_indicators("妇女预期寿命要到多少岁") == ["人均预期寿命"]


def test_a_value_answers_only_what_was_asked(fake_searcher):
    """Probe questions once answered with another indicator's number at confidence 1.0."""
    ask = Asker(fake_searcher, fake_searcher.settings).ask
    for q in ("新城区儿童死亡率是多少", "乡宁县儿童死亡率"):
        answer = ask(q)
        assert answer.values and all("伤害" not in v.indicator for v in answer.values), answer.answer
    assert not ask("6岁儿童近视率控制在多少").values          # no plan sets a rate for six-year-olds
    assert not any("名" in v.value for v in ask("曾都区女干部比例").values)      # a share, not a head count
    # 千分之多少 asks for the number; it is not a word the plan must contain
    assert {v.indicator: v.value for v in ask("新城区婴儿死亡率是千分之多少").values} == {"婴儿死亡率": "5.0‰以下"}
    # a year the plan sets no value for: it says which year it does set, never that it sets none
    answer = ask("新城区2025年婴儿死亡率")
    assert answer.no_answer and not answer.values
    assert answer.answer.startswith("新城区儿童规划没有规定2025年的婴儿死亡率目标值；它规定的是：") and "5.0‰以下" in answer.answer
    assert [g.other_place for g in answer.groups] == [False]
    # a province or city above the plan: its value is the plan's, and the answer says there is no wider plan
    answer = ask("黑龙江省婴儿死亡率")
    assert answer.answer.startswith("已收录的规划中没有黑龙江省一级的规划；其中大庆市的规划：大庆市儿童规划：婴儿死亡率")
    assert not ask("大庆婴儿死亡率").answer.startswith("已收录")
    # a relative change says what it is measured from
    answer = ask("新城区儿童伤害死亡率")
    assert "以2020年为基数下降20%" in answer.answer and answer.values[0].baseline == "以2020年为基数"
    # an indicator outside the alias list, asked by the plan's own words or part of them
    assert {v.value for v in ask("乡宁公办园在园幼儿占比").values} == {"55%以上"}
    assert {v.value for v in ask("大庆每千名儿童儿科医生数").values} == {"1名以上"}
    assert not ask("儿童医保参保率").values          # the women's plan's 参保率 is not the children's
    # the named plan's own value, found under another name, is the answer, not "another place's"
    answer = ask("大庆家长每年接受几次家庭教育指导")
    assert not answer.no_answer and [v.plan_id for v in answer.values] == ["daqing-children-2021"]


RESPECTIVELY = [   # a 分别 sentence: several indicators, a value each
    ("新城区新生儿、婴儿和5岁以下儿童死亡率分别是多少",
     {"新生儿死亡率": "3.0‰以下", "婴儿死亡率": "5.0‰以下", "5岁以下儿童死亡率": "6.0‰以下"}),
    ("乡宁县低体重率", {"5岁以下儿童低体重率": "2%以下"}),
    ("新星市新生儿和婴儿死亡率", {"新生儿死亡率": "2.0‰以下", "婴儿死亡率": "4‰以下"}),
    ("大庆市小学生、初中生、高中生近视率目标", {"小学生近视率": "38%以下", "初中生近视率": "68%以下",
                                               "高中阶段学生近视率": "78%以下"}),
]


@pytest.mark.parametrize("q, want", RESPECTIVELY)
def test_each_value_of_a_respectively_sentence_is_given_with_its_own_indicator(fake_searcher, q, want):
    """新生儿、婴儿和5岁以下儿童死亡率分别降至3.0‰、5.0‰和6.0‰以下: the answer gives each asked value under its own
    indicator's name, never under the phrase that names all three (which would state 6.0‰ for 新生儿 too)."""
    answer = Asker(fake_searcher, fake_searcher.settings).ask(q)
    assert {v.indicator: v.value for v in answer.values} == want
    assert not answer.no_answer and answer.confidence >= 0.5        # an answer, and said with the confidence of one
    statements = answer.answer.rstrip("。").split("；")
    assert len(statements) == len(want)
    for statement in statements:
        named = [name for name in want if name in statement]
        value = next(v for v in want.values() if v in statement)
        assert len(named) == 1 and want[named[0]] == value, statement


def _ask_set():
    return [json.loads(line) for line in ASK_SET.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_ask_set_is_large_enough():
    rows = _ask_set()
    assert sum(1 for r in rows if r["expected_value"]) >= 25 and sum(1 for r in rows if not r["expected_value"]) >= 5


@pytest.mark.slow
def test_ask_gives_the_exact_value_with_the_right_citation(real_searcher):
    asker = Asker(real_searcher, real_searcher.settings)
    rows = [r for r in _ask_set() if r["expected_value"]]
    right = []
    for row in rows:
        answer = asker.ask(row["text"])
        ok = answer.answer_type == "value" and any(
            v.plan_id == row["plan"] and squash(row["expected_value"]) in squash(v.value)
            and v.passage_id == row["passage_id"] for v in answer.values)
        cited = {c.passage_id for c in answer.citations}
        right.append(ok and row["passage_id"] in cited and squash(row["expected_value"]) in squash(answer.answer))
    assert sum(right) / len(rows) >= 0.9, [r["text"] for r, ok in zip(rows, right) if not ok]


@pytest.mark.slow
def test_ask_says_no_answer_when_the_corpus_does_not_answer(real_searcher):
    asker = Asker(real_searcher, real_searcher.settings)
    for row in (r for r in _ask_set() if not r["expected_value"]):
        answer = asker.ask(row["text"])
        assert answer.no_answer and answer.answer_type == "none" and not answer.values, row["text"]


@pytest.mark.slow
def test_grouped_answer_cites_each_plans_drowning_measure(real_searcher):
    answer = Asker(real_searcher, real_searcher.settings).ask("其他地方是怎么预防儿童溺水的？")
    assert answer.answer_type == "grouped" and not answer.no_answer
    cited = {c.passage_id for c in answer.citations}
    assert {f"{p}-d2-m3" for p in CHILDREN} <= cited
    for group in answer.groups:                       # every title quoted in the answer is in its cited text
        for item in group.items:
            assert item.title in real_searcher.passage(item.passage_id).text


def test_a_refusal_for_want_of_a_measure_keeps_confidence_under_one_half_and_shows_related(fake_searcher,
                                                                                           monkeypatch):
    """Search may find the words in a passage that is neither a measure nor a target (a preface, a heading);
    ask groups only measures and targets. When none passes the evidence rule, ask refuses, and its confidence
    must then mean what a flagged search's does (under 0.5), with the closest passages shown."""
    from plansearch.compare import CompareResponse, Comparer

    monkeypatch.setattr(Comparer, "compare", lambda self, q, *a, **k: CompareResponse(query=q, took_ms=0.0,
                                                                                       groups=[], plans=[]))
    searched = fake_searcher.search(SearchRequest(q="溺水"))
    assert not searched.no_answer and searched.confidence >= 0.5
    answer = Asker(fake_searcher, fake_searcher.settings).ask("溺水")
    assert answer.answer_type == "none" and answer.no_answer
    assert answer.confidence < 0.5
    assert [c.passage_id for c in answer.related] == [h.passage_id for h in searched.results[:3]]


class _FakeLLM(BaseHTTPRequestHandler):
    seen: list[dict] = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _FakeLLM.seen.append(body)
        reply = {"choices": [{"message": {"content": "各地均要求加强看护，远离危险水体 [1]。"}}]}
        data = json.dumps(reply, ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def test_llm_prose_is_grounded_on_citations_and_falls_back_when_unreachable(fake_searcher):
    server = HTTPServer(("127.0.0.1", 0), _FakeLLM)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings = fake_searcher.settings.model_copy(update={"llm_base_url": f"http://127.0.0.1:{server.server_port}/v1"})
        answer = Asker(fake_searcher, settings).ask("新星市小学生近视率目标是多少")
        assert answer.prose == "各地均要求加强看护，远离危险水体 [1]。" and answer.prose_error is None
        prompt = _FakeLLM.seen[-1]["messages"][1]["content"]
        assert "小学生近视率降至30%以下" in prompt and "xinxing-children-2021-d1-t9" in prompt
    finally:
        server.shutdown()
    settings = fake_searcher.settings.model_copy(update={"llm_base_url": f"http://127.0.0.1:{server.server_port}/v1",
                                                         "llm_timeout": 2})
    answer = Asker(fake_searcher, settings).ask("新星市小学生近视率目标是多少")
    assert answer.prose is None and "LLM 不可用" in answer.prose_error
    assert answer.answer_type == "value" and "30%以下" in answer.answer


def test_openapi_documents_each_new_endpoint_with_its_response_model(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path, model in [("/api/ask", "AskResponse"), ("/api/compare", "CompareResponse"),
                        ("/api/indicators", "IndicatorsResponse"), ("/api/targets", "TargetsResponse")]:
        schema = paths[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema["$ref"].endswith(model), path
    assert "/api/export" in paths
