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


@pytest.fixture(scope="session")
def fake_searcher(tmp_path_factory):
    """The bundled corpus indexed with the keyword encoder, built once per session; tests only read it."""
    from plansearch.runtime import build, open_searcher

    root = tmp_path_factory.mktemp("fake-index")
    settings = Settings(corpus_dir=CORPUS, index_dir=root / "index", cache_dir=root / "cache")
    encoder = KeywordEncoder()
    build(settings, encoder=encoder)
    return open_searcher(settings, encoder=encoder)


@pytest.fixture(scope="session", params=["folder", "postgresql"])
def any_searcher(request, fake_searcher, tmp_path_factory):
    """The keyword-encoder index of the bundled corpus in each store in turn: the folder one of
    `fake_searcher`, and the same corpus indexed into a database of the session's PostgreSQL."""
    if request.param == "folder":
        return fake_searcher
    import psycopg

    from plansearch.runtime import build, open_searcher

    url = request.getfixturevalue("pg_server")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute('DROP DATABASE IF EXISTS "fake_corpus" WITH (FORCE)')
        conn.execute('CREATE DATABASE "fake_corpus"')
    root = tmp_path_factory.mktemp("fake-pg")
    settings = Settings(corpus_dir=CORPUS, index_dir=root / "index", cache_dir=root / "cache",
                        database_url=url.rsplit("/", 1)[0] + "/fake_corpus")
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


RENDERED_FORMATS = ("docx", "pdf", "doc", "html-utf8", "html-gb18030")   # and docx-typed: no auto-numbering
# Word's automatic numbering replaces the typed "1." / "（一）" in these plans' .docx (and so in their .pdf and .doc)
AUTO_NUMBERED = {"daqing-children-2021-2025", "zengdu-women-and-children-2021-2030", "xinxing-13th-division-children-2021-2030"}


@pytest.fixture(scope="session")
def rendered_plans(tmp_path_factory) -> dict[tuple[str, str], Path]:
    """Every bundled plan file rendered as officials have it: .docx (a running header, a "— N —" footer,
    automatic numbering for some), .pdf and .doc made from it by LibreOffice, and a saved web page in
    UTF-8 and in GB18030 declared gb2312. Keyed by (txt stem, format); made once per session."""
    import render

    if render.soffice() is None:
        pytest.fail("LibreOffice is not installed: apt-get install libreoffice-writer-nogui (.ci/run does)")
    root = tmp_path_factory.mktemp("rendered")
    out: dict[tuple[str, str], Path] = {}
    for txt in sorted(CORPUS.glob("*.txt")):
        lines = render.plan_lines(txt)
        folder = root / txt.stem
        folder.mkdir()
        docx = render.to_docx(lines, folder / f"{txt.stem}.docx", auto_numbering=txt.stem in AUTO_NUMBERED,
                              header=lines[0].strip() or txt.stem)
        out[txt.stem, "docx"] = docx
        out[txt.stem, "html-utf8"] = render.to_html(lines, folder / f"{txt.stem}.utf8.html", title=lines[0].strip())
        out[txt.stem, "html-gb18030"] = render.to_html(lines, folder / f"{txt.stem}.gb.html", title=lines[0].strip(),
                                                       encoding="gb18030")
        plain = folder / "typed-numbers"   # LibreOffice's .doc export loses a restarted list's first number
        plain.mkdir()
        out[txt.stem, "docx-typed"] = render.to_docx(lines, plain / f"{txt.stem}.docx", header=lines[0].strip())
    for fmt, source in (("pdf", "docx"), ("doc", "docx-typed")):
        for path in render.convert_many([out[k] for k in out if k[1] == source], fmt, root / fmt):
            out[path.stem, fmt] = path
    return out


from pg_fixtures import pg_server, pg_url  # noqa: E402,F401  (the PostgreSQL store's server and databases)
