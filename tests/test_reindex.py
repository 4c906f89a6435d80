"""Adding, updating and removing plans: only what changed is embedded again, a removed plan is never
returned again, and a running service switches to the new index by itself."""
from __future__ import annotations

import shutil
import time

import pytest
from fastapi.testclient import TestClient

from plansearch.runtime import build
from plansearch.settings import Settings
from service.app import create_app
from tests_support import CORPUS, copy_plans


@pytest.fixture
def small_corpus(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    copy_plans(corpus, ["daqing-children-2021", "xiangning-children-2021"])
    return corpus


def _settings(tmp_path, corpus) -> Settings:
    return Settings(corpus_dir=corpus, index_dir=tmp_path / "index", cache_dir=tmp_path / "cache")


def _wait_for(client, predicate, seconds=5.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate(client):
            return True
        time.sleep(0.2)
    return False


def test_add_update_remove_a_plan_while_the_service_runs(tmp_path, small_corpus, keyword_encoder):
    settings = _settings(tmp_path, small_corpus)
    first = build(settings, encoder=keyword_encoder)
    assert first.plans == 2
    with TestClient(create_app(settings, encoder=keyword_encoder)) as client:
        plans = lambda c: {p["id"] for p in c.get("/api/plans").json()["plans"]}  # noqa: E731
        assert plans(client) == {"daqing-children-2021", "xiangning-children-2021"}

        # add: only the new plan's passages are embedded
        shutil.copy(CORPUS / "xinxing-13th-division-children-2021-2030.txt", small_corpus / "xinxing.txt")
        added = build(settings, encoder=keyword_encoder)
        assert added.plans == 3 and added.embedded == added.passages - first.passages   # only 新星市's passages
        assert _wait_for(client, lambda c: "xinxing" in plans(c))

        # update: one changed measure is the only passage embedded again
        path = small_corpus / "daqing-children-2021-2025.txt"
        path.write_text(path.read_text(encoding="utf-8").replace(
            "3.预防和控制儿童溺水。", "3.预防和控制儿童溺水。每年开展防溺水专项巡查。"), encoding="utf-8")
        updated = build(settings, encoder=keyword_encoder)
        assert updated.embedded == 1
        assert _wait_for(client, lambda c: "专项巡查" in c.get("/api/passages/daqing-children-2021-d2-m3").json()["text"])

        # remove: the plan is gone from search, plans and passages
        (small_corpus / "xiangning-children-2021-2025-draft.txt").unlink()
        manifest = small_corpus / "plans.toml"
        copy_plans(small_corpus, ["daqing-children-2021"])      # its manifest entry goes too
        removed = build(settings, encoder=keyword_encoder)
        assert removed.plans == 2 and removed.embedded == 0
        assert _wait_for(client, lambda c: "xiangning-children-2021" not in plans(c))
        for q in ("预防和控制儿童溺水", "乡宁县", "儿童"):
            hits = client.get("/api/search", params={"q": q, "k": 100}).json()["results"]
            assert hits and not any(h["plan_id"] == "xiangning-children-2021" for h in hits)
        assert client.get("/api/passages/xiangning-children-2021-d2-m3").status_code == 404
        assert client.get("/api/search", params={"q": "溺水", "plan": "xiangning-children-2021"}).status_code == 404


def test_a_broken_new_index_leaves_the_service_on_the_previous_one(tmp_path, small_corpus, keyword_encoder):
    settings = _settings(tmp_path, small_corpus)
    build(settings, encoder=keyword_encoder)
    with TestClient(create_app(settings, encoder=keyword_encoder)) as client:
        before = client.get("/health").json()["passages"]
        assert before == 165 + 174
        folder = build(settings, encoder=keyword_encoder).folder
        (folder / "manifest.json").write_text("{broken")
        time.sleep(1.2)
        assert client.get("/health").json()["passages"] == before
        assert client.get("/api/search", params={"q": "溺水"}).status_code == 200
