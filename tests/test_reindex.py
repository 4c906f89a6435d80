"""Adding, updating and removing plans: only what changed is embedded again, a removed plan is never
returned again, and a running service switches to the new index by itself."""
from __future__ import annotations

import shutil
import time

import pytest
from fastapi.testclient import TestClient

from indexer.build import build_index
from indexer.tokenize import Tokenizer
from plansearch.runtime import POLL_SECONDS, build
from plansearch.settings import Settings
from plansearch.stores import open_source
from service.app import create_app
from tests_support import CORPUS, copy_plans


@pytest.fixture
def small_corpus(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    copy_plans(corpus, ["daqing-children-2021", "xiangning-children-2021"])
    return corpus


def _settings(tmp_path, corpus, database_url: str = "") -> Settings:
    return Settings(corpus_dir=corpus, index_dir=tmp_path / "index", cache_dir=tmp_path / "cache",
                    database_url=database_url)


@pytest.fixture(params=["folder", "postgresql"])
def database_url(request) -> str:
    """Each store in turn: "" (the index folder) or a new database on the session's PostgreSQL."""
    return request.getfixturevalue("pg_url") if request.param == "postgresql" else ""


def _wait_for(client, predicate, seconds=5.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate(client):
            return True
        time.sleep(0.2)
    return False


def test_add_update_remove_a_plan_while_the_service_runs(tmp_path, small_corpus, keyword_encoder, database_url):
    settings = _settings(tmp_path, small_corpus, database_url)
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


def test_the_first_answer_after_a_reindex_comes_from_the_new_build(tmp_path, small_corpus, keyword_encoder,
                                                                  database_url):
    """An edited number, re-indexed: the first request after `index` returned gave the old number (the new build
    was opened in the background while the previous one answered), even 30 s later."""
    settings = _settings(tmp_path, small_corpus, database_url)
    build(settings, encoder=keyword_encoder)
    path = small_corpus / "daqing-children-2021-2025.txt"
    text = path.read_text(encoding="utf-8")
    assert "5.5‰" in text
    with TestClient(create_app(settings, encoder=keyword_encoder)) as client:
        quoted = lambda: client.get("/api/passages/daqing-children-2021-d1-t3").json()["text"]  # noqa: E731
        assert "5.5‰" in quoted()
        for old, new in (("5.5‰", "4.6‰"), ("4.6‰", "4.4‰")):
            path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
            build(settings, encoder=keyword_encoder)
            if database_url:
                time.sleep(POLL_SECONDS)        # a database's build is looked for every POLL_SECONDS
            said = quoted()
            assert new in said and old not in said


def test_a_broken_new_index_leaves_the_service_on_the_previous_one(tmp_path, small_corpus, keyword_encoder):
    settings = _settings(tmp_path, small_corpus)
    build(settings, encoder=keyword_encoder)
    with TestClient(create_app(settings, encoder=keyword_encoder)) as client:
        before = client.get("/health").json()["passages"]
        assert before == 165 + 174
        folder = settings.index_dir / "builds" / build(settings, encoder=keyword_encoder, rebuild=True).build
        (folder / "manifest.json").write_text("{broken")
        time.sleep(1.2)
        assert client.get("/health").json()["passages"] == before
        assert client.get("/api/search", params={"q": "溺水"}).status_code == 200


def _scores(searcher, q: str) -> tuple[dict[str, float], dict[str, float]]:
    """BM25 score of every passage the query matches, and dense scores of the 50 nearest, by passage id."""
    index = searcher.index
    lexical = index.lexical_scores(searcher.tokenizer.tokens(q))
    rows, dense = index.dense_search(searcher.encoder.encode_queries([q])[0], 50)
    by_id = lambda rows, scores: {index.passage(int(r)).id: round(float(v), 4) for r, v in zip(rows, scores)}  # noqa: E731
    nonzero = [r for r in range(index.size) if lexical[r] > 0]
    return by_id(nonzero, lexical[nonzero]), {k: v for k, v in by_id(rows, dense).items() if v > min(dense) + 1e-4}


QUERIES = ("预防和控制儿童溺水", "近视", "留守儿童关爱", "托育服务", "家庭教育指导", "妇女就业")


def test_an_index_grown_plan_by_plan_answers_as_a_full_rebuild_does(tmp_path, keyword_encoder, monkeypatch,
                                                                     fake_searcher):
    """Segments are searched as one corpus (BM25 statistics summed over them): adding plans one at a
    time, with small segments merged on the way, gives the same results as building all at once."""
    import plansearch.stores.folder_writer as store
    from plansearch.runtime import open_searcher
    from plansearch.stores.folder import BuildState

    monkeypatch.setattr(store, "MERGE_FACTOR", 2)         # merge early so that merging is exercised too
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    order = ["daqing-children-2021", "xiangning-children-2021", "xinxing-children-2021", "zengdu-women-2021",
             "zengdu-children-2021", "xinchengqu-children-2021"]
    settings = _settings(tmp_path, corpus)
    seen_segments = []
    for i in range(1, len(order) + 1):
        copy_plans(corpus, order[:i])
        summary = build(settings, encoder=keyword_encoder)
        assert summary.full == (i == 1)
        if i > 1:
            new = set(order[:i]) - set(order[:i - 1])
            assert set(summary.added) == new and summary.updated == summary.removed == []
            assert summary.passages == sum(e.size for e in BuildState.read(settings.index_dir).plans)
        seen_segments.append(summary.segments)
    assert max(seen_segments) <= 3 and seen_segments[-1] < len(order)      # merged along the way
    grown = open_searcher(settings, encoder=keyword_encoder)
    full = fake_searcher                # the whole corpus built at once, with the same encoder (the session's)
    assert grown.index.count == full.index.count == 1045
    for q in QUERIES:
        assert _scores(grown, q) == _scores(full, q), q
    for pid in ("daqing-children-2021-d2-m3", "xinchengqu-children-2021-d1-t1", "zengdu-women-2021-d7-m11"):
        assert grown.passage(pid) == full.passage(pid)          # same text, source and neighbours


def test_update_and_remove_touch_only_their_plans_and_deleted_rows_never_return(tmp_path, small_corpus,
                                                                                keyword_encoder):
    from plansearch.runtime import open_searcher
    from plansearch.search import SearchRequest

    settings = _settings(tmp_path, small_corpus)
    build(settings, encoder=keyword_encoder)
    path = small_corpus / "daqing-children-2021-2025.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("加强看护", "加强看护巡河"), encoding="utf-8")
    updated = build(settings, encoder=keyword_encoder)
    assert updated.updated == ["daqing-children-2021"] and updated.unchanged == ["xiangning-children-2021"]
    assert not updated.full and updated.segments == 2 and updated.passages == 165 + 174
    assert updated.embedded == 1
    searcher = open_searcher(settings, encoder=keyword_encoder)
    index = searcher.index
    assert index.size == 165 + 174 + 165 and index.count == 165 + 174       # the old version's rows are masked
    old_rows = [r for r in range(index.size) if not index.live[r]]
    assert len(old_rows) == 165 and {index.passage(r).plan_id for r in old_rows} == {"daqing-children-2021"}
    hits = searcher.search(SearchRequest(q="加强看护 溺水", k=100)).results
    daqing = [h for h in hits if h.plan_id == "daqing-children-2021"]
    assert len({h.passage_id for h in hits}) == len(hits)                   # one version of each passage only
    assert any("巡河" in h.text for h in daqing)
    assert not any("加强看护，" in h.text for h in daqing)                  # the old wording is gone

    (small_corpus / "xiangning-children-2021-2025-draft.txt").unlink()
    (small_corpus / "plans.toml").write_text((small_corpus / "plans.toml").read_text(encoding="utf-8").split(
        "[[plan]]\nid = \"xiangning")[0], encoding="utf-8")         # its manifest entry goes too

    def no_model():
        pytest.fail("a removal has nothing to embed: the model must not be loaded")

    identity = (keyword_encoder.name, {"query": keyword_encoder.query_prompt, "passage": keyword_encoder.passage_prompt})
    removed = build_index(settings.corpus_dir, settings.index_dir, open_source(settings), no_model, Tokenizer(), settings.embedding_cache_dir,
                          identity=identity)
    assert removed.removed == ["xiangning-children-2021"] and removed.embedded == 0 and removed.plans == 1
    searcher = open_searcher(settings, encoder=keyword_encoder)
    for q in QUERIES + ("乡宁县",):
        assert all(h.plan_id == "daqing-children-2021" for h in searcher.search(SearchRequest(q=q, k=100)).results)
    assert searcher.index.row_of("xiangning-children-2021-d2-m3") is None
    assert {p.plan_id for _, p in searcher.index.iter_passages()} == {"daqing-children-2021"}
    # the first segment now holds only removed or replaced rows: dropped from the build, and from disk
    # once no kept build lists it
    assert removed.segments == 1 and searcher.index.size == 165
    assert len(list((settings.index_dir / "segments").iterdir())) == 2


def test_an_updated_plan_is_scored_and_its_words_known_as_after_a_rebuild(tmp_path, small_corpus, keyword_encoder):
    """The old version's rows counted in BM25's statistics and in the words the corpus knows until a merge: after
    少年法庭 was reworded, 大庆 少年法庭 was refused (the word 'known', so never widened to the plans' words) where
    a rebuild answered it, and every score drifted from the rebuild's."""
    from plansearch.runtime import open_searcher

    settings = _settings(tmp_path, small_corpus)
    build(settings, encoder=keyword_encoder)
    path = small_corpus / "daqing-children-2021-2025.txt"
    assert path.read_text(encoding="utf-8").count("少年法庭") == 1
    path.write_text(path.read_text(encoding="utf-8").replace("少年法庭", "未成年人案件审判庭"), encoding="utf-8")
    assert not build(settings, encoder=keyword_encoder).full
    grown = open_searcher(settings, encoder=keyword_encoder)
    assert grown.index.count < grown.index.size                  # the old version's rows are still in the segment
    shutil.copytree(small_corpus, tmp_path / "again")
    rebuilt_settings = Settings(corpus_dir=tmp_path / "again", index_dir=tmp_path / "rebuilt", cache_dir=tmp_path / "cache")
    build(rebuilt_settings, encoder=keyword_encoder)
    rebuilt = open_searcher(rebuilt_settings, encoder=keyword_encoder)
    for index in (grown.index, rebuilt.index):
        assert index.known(["少年法庭", "审判庭"]) == [False, True]
        assert "少年法庭" not in index.vocabulary() and "审判庭" in index.vocabulary()
    assert grown.index.share_containing("儿童") == rebuilt.index.share_containing("儿童")
    for q in QUERIES + ("少年法庭",):
        assert _scores(grown, q)[0] == _scores(rebuilt, q)[0], q


def test_an_update_interrupted_midway_leaves_the_previous_state_serving(tmp_path, small_corpus, keyword_encoder):
    from plansearch.runtime import open_searcher
    from plansearch.search import SearchRequest
    from plansearch.stores.folder import CURRENT

    settings = _settings(tmp_path, small_corpus)
    build(settings, encoder=keyword_encoder)
    before = (settings.index_dir / CURRENT).resolve()
    shutil.copy(CORPUS / "xinxing-13th-division-children-2021-2030.txt", small_corpus / "xinxing.txt")
    path = small_corpus / "daqing-children-2021-2025.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("3.预防和控制儿童溺水。", "3.预防和控制儿童溺水。新增。"),
                    encoding="utf-8")

    def crash():
        raise KeyboardInterrupt          # Ctrl-C after the new segment is written, before the swap

    with pytest.raises(KeyboardInterrupt):
        build(settings, encoder=keyword_encoder, after_write=crash)
    assert (settings.index_dir / CURRENT).resolve() == before
    searcher = open_searcher(settings, encoder=keyword_encoder)
    assert set(searcher.plans) == {"daqing-children-2021", "xiangning-children-2021"}      # no "xinxing" yet
    assert "新增" not in searcher.passage("daqing-children-2021-d2-m3").text
    assert len(list((settings.index_dir / "segments").iterdir())) == 1       # the half-written segment is gone
    done = build(settings, encoder=keyword_encoder)                            # the next run completes the update
    assert done.added == ["xinxing"] and done.updated == ["daqing-children-2021"]
    assert "新增" in open_searcher(settings, encoder=keyword_encoder).passage("daqing-children-2021-d2-m3").text


ZENGDU = ["zengdu-women-2021", "zengdu-children-2021"]
ZENGDU_FILE = "zengdu-women-and-children-2021-2030.txt"


def _passages(searcher, plan_id: str) -> dict[str, str]:
    return {p.id: p.text for _, p in searcher.index.iter_passages() if p.plan_id == plan_id}


@pytest.mark.parametrize("edit", ["two lines added", "four lines cut"])
def test_a_two_plan_file_edited_above_the_second_plan_is_still_read_plan_by_plan(tmp_path, keyword_encoder, edit):
    """plans.toml cuts this file at line 422. Two lines added to the first plan pushed its last measure into the
    second plan's preface; four lines cut pulled the second plan's title and preface into the first plan's last
    passage; both with no word said. The ranges now move to where the plans begin, with a warning."""
    from plansearch.runtime import open_searcher

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    copy_plans(corpus, ZENGDU)
    settings = _settings(tmp_path, corpus)
    build(settings, encoder=keyword_encoder)
    before = open_searcher(settings, encoder=keyword_encoder)
    children = _passages(before, "zengdu-children-2021")
    path = corpus / ZENGDU_FILE
    lines = path.read_text(encoding="utf-8").split("\n")
    if edit == "two lines added":
        lines[200:200] = ["", "加强妇女发展统计监测。"]
    else:
        assert all(line.strip() != "曾都区儿童发展规划(2021—2030年)" for line in lines[200:204])
        del lines[200:204]
    path.write_text("\n".join(lines), encoding="utf-8")
    summary = build(settings, encoder=keyword_encoder)
    assert any("no longer fit" in w for w in summary.warnings), summary.warnings
    assert _passages(open_searcher(settings, encoder=keyword_encoder), "zengdu-children-2021") == children
