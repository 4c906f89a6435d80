"""Our BM25 (plansearch.lexical) scores and ranks as bm25s does with the same parameters (Lucene, k1 1.5, b 0.75),
on one segment and on a corpus split into segments."""
from __future__ import annotations

import numpy as np
import pytest

from plansearch.lexical import B, EMPTY_TOKEN, K1, Bm25, TermMatrix

CORPUS = [
    ["预防", "儿童", "溺水", "加强", "水域", "安全", "管理"],
    ["儿童", "健康", "体检", "健康", "管理", "覆盖率", "达到"],
    ["妇女", "就业", "创业", "支持"],
    ["开展", "防溺水", "安全", "教育", "儿童", "家长", "溺水"],
    ["小学生", "近视率", "下降", "儿童", "近视", "防控"],
    [],
    ["孕产妇", "死亡率", "控制", "妇女", "健康"],
    ["儿童", "儿童", "儿童", "友好", "城市", "建设"],
]
QUERIES = [["儿童"], ["溺水", "儿童"], ["健康"], ["健康", "健康"], ["妇女", "健康", "死亡率"], ["近视", "小学生"],
           ["没有", "的", "词"]]


def reference(corpus: list[list[str]]):
    # the test extra only: our BM25 is ours, bm25s is the reference it is checked against (imported here: with
    # numba and scipy it took half a second of every worker's collection)
    import bm25s

    retriever = bm25s.BM25(k1=K1, b=B, method="lucene")
    retriever.index([doc or [EMPTY_TOKEN] for doc in corpus], show_progress=False)
    return retriever


@pytest.mark.parametrize("query", QUERIES, ids=" ".join)
def test_scores_and_ranking_equal_bm25s_on_one_segment(query):
    ours = Bm25([(0, TermMatrix.build(CORPUS))], len(CORPUS)).scores(query)
    theirs = np.asarray(reference(CORPUS).get_scores(query), dtype=np.float32)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    assert list(np.argsort(-ours, kind="stable")) == list(np.argsort(-theirs, kind="stable"))


@pytest.mark.parametrize("query", QUERIES, ids=" ".join)
def test_segments_scored_as_one_corpus_equal_bm25s_on_the_whole(query):
    """Statistics (document frequency, average length) are summed over segments: splitting changes nothing."""
    parts = [CORPUS[:3], CORPUS[3:5], CORPUS[5:]]
    starts = np.cumsum([0] + [len(p) for p in parts])[:-1]
    ours = Bm25([(int(s), TermMatrix.build(p)) for s, p in zip(starts, parts)], len(CORPUS)).scores(query)
    theirs = np.asarray(reference(CORPUS).get_scores(query), dtype=np.float32)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_a_word_the_corpus_lacks_scores_nothing():
    assert not Bm25([(0, TermMatrix.build(CORPUS))], len(CORPUS)).scores(["北京"]).any()
