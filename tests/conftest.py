"""Shared fixtures. Fake-encoder indexes for exact unit tests; one real index (real model, real corpus)
per session for the tests that assert on meaning."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fakes import KeywordEncoder  # noqa: E402

from plansearch.settings import REPO_ROOT, Settings  # noqa: E402

CORPUS = REPO_ROOT / "corpus"


@pytest.fixture
def keyword_encoder() -> KeywordEncoder:
    return KeywordEncoder()


@pytest.fixture
def fake_settings(tmp_path) -> Settings:
    """Settings writing everything under tmp_path."""
    return Settings(corpus_dir=CORPUS, index_dir=tmp_path / "index", cache_dir=tmp_path / "cache")


@pytest.fixture(scope="module")
def fake_searcher(tmp_path_factory):
    from plansearch.runtime import build, open_searcher

    root = tmp_path_factory.mktemp("fake-index")
    settings = Settings(corpus_dir=CORPUS, index_dir=root / "index", cache_dir=root / "cache")
    encoder = KeywordEncoder()
    build(settings, encoder=encoder)
    return open_searcher(settings, encoder=encoder)


@pytest.fixture(scope="session")
def real_settings(tmp_path_factory) -> Settings:
    """A real index of the bundled corpus built with the real model. The model folder and the
    embedding cache live in the user's cache (content-addressed, reused across runs); the index is temporary."""
    from plansearch.runtime import build

    default = Settings()
    settings = Settings(corpus_dir=CORPUS, index_dir=tmp_path_factory.mktemp("real-index") / "index",
                        cache_dir=default.cache_dir)
    build(settings)
    return settings


@pytest.fixture(scope="session")
def real_searcher(real_settings):
    from plansearch.runtime import open_searcher

    return open_searcher(real_settings)
