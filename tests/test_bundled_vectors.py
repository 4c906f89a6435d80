"""The bundled corpus's passage vectors ship with the project (embeddings/data/), so that a fresh machine's first
build embeds nothing: they must cover every passage, be the model's own, and be taken only where they fit."""
from __future__ import annotations

import logging
import sqlite3

import numpy as np
import pytest

from conftest import copy_two_plans
from embeddings.cache import BUNDLED_VECTORS, EmbeddingCache, content_hash, write_shipped
from embeddings.encoder import NanoEncoder, encoder_key, load_encoder, shipped_key
from fakes import KeywordEncoder
from indexer.context import context_text
from indexer.normalize import normalize_for_index
from plansearch.runtime import build, open_searcher
from plansearch.search import SearchRequest
from plansearch.settings import Settings

REFRESH = "run .venv/bin/python scripts/bundled_vectors.py"


def _shipped() -> dict[str, np.ndarray]:
    key = shipped_key(load_encoder(Settings()))      # the bundled model's: no model is loaded for it
    path = BUNDLED_VECTORS / f"{key}.npz"
    assert path.is_file(), f"no shipped vectors for the bundled model's key {key}: {REFRESH}"
    with np.load(path, allow_pickle=False) as data:
        return {h.decode(): v for h, v in zip(data["hashes"], data["vectors"])}


def test_the_shipped_vectors_cover_every_passage_of_the_bundled_corpus(fake_searcher):
    """Every text a build of the bundled corpus embeds (the session's keyword-encoder build embedded them all,
    into its fresh cache) has a shipped vector, and only the current model's file is shipped."""
    shipped = _shipped()
    cache = fake_searcher.settings.embedding_cache_dir / f"{encoder_key(KeywordEncoder())}.sqlite"
    with sqlite3.connect(cache) as db:
        embedded = {h for (h,) in db.execute("SELECT hash FROM vectors")}
    assert len(embedded) > 1000
    assert sorted(embedded - shipped.keys()) == [], f"passages of the bundled corpus without a shipped vector: {REFRESH}"
    assert len(list(BUNDLED_VECTORS.glob("*.npz"))) == 1


def test_the_shipped_vectors_are_the_models_own(fake_searcher):
    """A few passages embedded now by the default passage engine (the float32 ONNX graph) point where their
    shipped vectors do."""
    from embeddings.onnx_passages import OnnxPassageEncoder

    shipped = _shipped()
    index = fake_searcher.index
    rows = [0, 250, 500, 750, 1000]
    texts = [normalize_for_index(context_text(p, fake_searcher.plans[p.plan_id]))
             for p in (index.passage(r) for r in rows)]
    ours = OnnxPassageEncoder(Settings().model_cache_dir, "float32").encode(texts)
    theirs = np.stack([shipped[content_hash(t)] for t in texts])
    cos = (ours * theirs).sum(axis=1)
    assert cos.min() >= 0.9999, cos.round(6)


def test_a_cache_takes_missing_vectors_from_the_shipped_file_and_keeps_them(tmp_path, caplog):
    folder = tmp_path / "shipped"
    a, b, c = (np.full(4, x, np.float32) for x in (0.5, 0.25, 1.0))
    write_shipped(folder / "k.npz", {"a" * 64: a, "b" * 64: b})
    cache = EmbeddingCache(tmp_path / "cache", "k", 4, shipped=folder / "k.npz")
    found = cache.get_many(["a" * 64, "c" * 64])
    assert list(found) == ["a" * 64] and np.array_equal(found["a" * 64], a)
    cache.close()
    kept = EmbeddingCache(tmp_path / "cache", "k", 4)                              # now in the cache itself
    assert list(kept.get_many(["a" * 64, "b" * 64])) == ["a" * 64]
    kept.close()
    assert EmbeddingCache(tmp_path / "other-dim", "k", 8, shipped=folder / "k.npz").get_many(["a" * 64]) == {}
    assert EmbeddingCache(tmp_path / "no-file", "k", 4, shipped=folder / "none.npz").get_many(["a" * 64]) == {}
    (folder / "k.npz").write_bytes(b"PK\x03\x04 damaged")
    with caplog.at_level(logging.WARNING):
        assert EmbeddingCache(tmp_path / "fresh", "k", 4, shipped=folder / "k.npz").get_many(["b" * 64]) == {}
    assert "cannot be read" in caplog.text


@pytest.mark.parametrize("taken", [True, False])
def test_a_first_build_embeds_only_what_the_shipped_vectors_lack(two_plans, tmp_path, monkeypatch, taken):
    """A build with an empty cache embeds no passage the shipped file holds (unless told not to take them), and
    searches as the build that embedded them all."""
    corpus, index, cache = copy_two_plans(two_plans, tmp_path / "made")
    encoder = KeywordEncoder()
    every = EmbeddingCache(cache / "embeddings", encoder_key(encoder), encoder.dimension).items()
    first = sorted(every)[0]
    monkeypatch.setattr("embeddings.cache.BUNDLED_VECTORS", tmp_path / "shipped")
    write_shipped(tmp_path / "shipped" / f"{shipped_key(encoder)}.npz", {h: v for h, v in every.items() if h != first})
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", cache_dir=tmp_path / "cache",
                        bundled_vectors=taken)
    summary = build(settings, encoder=encoder)
    assert summary.embedded == (1 if taken else len(every))
    assert summary.shipped == (len(every) - 1 if taken else 0)
    request = SearchRequest(q="预防儿童溺水", k=5)
    fresh = open_searcher(settings, encoder=encoder).search(request)
    before = open_searcher(Settings(corpus_dir=corpus, index_dir=index, cache_dir=cache), encoder=encoder).search(request)
    assert [h.passage_id for h in fresh.results] == [h.passage_id for h in before.results]


def test_the_shipped_vectors_are_found_whatever_the_onnxruntime_version(monkeypatch):
    """The float32 graph's vectors move by ~1e-7 with another onnxruntime: its cache key names the version (what a
    cached vector was computed with), the shipped file's does not, so a newer onnxruntime still takes them. The
    int8 graph and the C engine never take the float32 graph's vectors."""
    from embeddings import bundled

    def encoder(passages: str) -> NanoEncoder:
        return load_encoder(Settings(passage_engine=passages))

    before = encoder("onnx")
    installed = bundled._dist_version
    monkeypatch.setattr(bundled, "_dist_version", lambda name: "99.0" if name == "onnxruntime" else installed(name))
    after = encoder("onnx")
    assert encoder_key(after) != encoder_key(before) and shipped_key(after) == shipped_key(before)
    assert shipped_key(encoder("onnx-int8")) != shipped_key(before) != shipped_key(encoder("c"))
