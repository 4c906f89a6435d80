"""The HTTP API: response shapes and a clear 4xx for every bad parameter (test encoder, in-process)."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from service.app import create_app

HIT_FIELDS = {"passage_id", "plan_id", "plan_title", "region", "domain", "kind", "number", "title", "text",
              "score", "source"}


@pytest.fixture(scope="module")
def client(fake_searcher):
    with TestClient(create_app(searcher=fake_searcher)) as c:
        yield c


def test_search_response_has_the_contracted_fields(client):
    r = client.get("/api/search", params={"q": "预防和控制儿童溺水", "k": 3})
    assert r.status_code == 200
    body = r.json()
    assert set(body) >= {"query", "took_ms", "results"} and body["query"] == "预防和控制儿童溺水"
    assert len(body["results"]) == 3
    hit = body["results"][0]
    assert set(hit) >= HIT_FIELDS
    assert set(hit["source"]) >= {"file", "line_start", "line_end"}      # page / paragraph added for other formats
    assert isinstance(hit["source"]["line_start"], int)                     # a .txt plan cites its lines


def test_search_filters_by_plan_domain_and_kind(client):
    r = client.get("/api/search", params={"q": "溺水", "plan": "daqing-children-2021", "domain": "儿童与安全",
                                          "kind": "measure", "k": 20})
    results = r.json()["results"]
    assert r.status_code == 200 and len(results) == 12
    assert {(h["plan_id"], h["domain"], h["kind"]) for h in results} == {("daqing-children-2021", "儿童与安全", "measure")}


@pytest.mark.parametrize("params, status, fragment", [
    ({}, 422, "q"),
    ({"q": ""}, 422, "不能为空"),
    ({"q": "  "}, 422, "不能为空"),
    ({"q": "\u200b\ufeff"}, 422, "不能为空"),         # zero-width space and BOM only: nothing to search for
    ({"q": "\x00\u3000"}, 422, "不能为空"),
    ({"q": "溺" * 5000}, 422, "过长"),
    ({"q": "溺水", "k": 0}, 422, "k 必须在 1 到 100"),
    ({"q": "溺水", "k": 1000}, 422, "k 必须在 1 到 100"),
    ({"q": "溺水", "k": "ten"}, 422, "参数 k"),
    ({"q": "溺水", "kind": "goal"}, 422, "未知的类型"),
    ({"q": "溺水", "domain": "太空"}, 422, "未知的领域"),
    ({"q": "溺水", "region": "火星"}, 422, "没有地区"),
    ({"q": "溺水", "plan": "nowhere-2021"}, 404, "未知的规划"),
])
def test_bad_parameters_get_4xx_with_a_message(client, params, status, fragment):
    r = client.get("/api/search", params=params)
    assert r.status_code == status
    assert fragment in r.json()["detail"]


@pytest.mark.parametrize("q", ["<script>alert(1)</script>", "' OR 1=1 --", "\x00\x01", "../../etc/passwd",
                               "😀" * 50, "溺水" + "\u200b" * 10, "%00", "{\"$ne\": 1}"])
def test_hostile_queries_get_an_answer_not_an_error(client, q):
    r = client.get("/api/search", params={"q": q})
    assert r.status_code in (200, 422)
    assert "detail" in r.json() or "results" in r.json()


def test_plans_lists_every_plan_with_counts(client):
    body = client.get("/api/plans").json()
    assert body["count"] == 6
    zengdu = next(p for p in body["plans"] if p["id"] == "zengdu-women-2021")
    assert zengdu["subject"] == "妇女" and zengdu["start_line"] == 13
    assert zengdu["passage_counts"]["target"] == 78 and "妇女参与决策和管理" in zengdu["domains"]


def test_passage_endpoint_returns_the_passage_and_its_neighbours(client):
    body = client.get("/api/passages/xinchengqu-children-2021-d2-m3").json()
    assert body["title"] == "预防和控制儿童溺水" and body["domain"] == "儿童与安全"
    assert body["neighbours"] == {"previous": "xinchengqu-children-2021-d2-m2", "next": "xinchengqu-children-2021-d2-m4"}
    r = client.get("/api/passages/no-such-passage")
    assert r.status_code == 404 and "no-such-passage" in r.json()["detail"]


def test_health_reports_index_and_model(client):
    body = client.get("/health").json()
    assert body["index_loaded"] is True and body["passages"] == 1045 and body["model"] == "keyword-test-encoder"


def test_openapi_documents_the_search_response(client):
    spec = client.get("/openapi.json").json()
    schema = spec["paths"]["/api/search"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("SearchResponse")
