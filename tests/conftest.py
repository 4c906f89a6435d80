"""Shared fixtures. Fake-encoder indexes for exact unit tests; one real index (real model, real corpus)
per session for the tests that assert on meaning."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fakes import KeywordEncoder  # noqa: E402
from head_start import Awaited, Background, HeadStart, RenderedFiles  # noqa: E402

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
    """The bundled corpus indexed with the keyword encoder, built once per session; tests only read it.
    The CC-CEDICT tables come from the user's cache folder (where the real index's head start reads them),
    opened or parsed in the background while the index is built: in the searcher's own empty cache folder they
    would be parsed and written (3-4 s) in the way of its first unknown or English word."""
    from plansearch import lexicon
    from plansearch.runtime import build, open_searcher

    lexicon.preload(Settings().cache_dir)

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


def pytest_collection_modifyitems(session, config, items):
    """Modules on the real index run last, those on the rendered plan files before them (each module's tests
    in their order), so that what the head start makes beside the other modules is ready when they need it."""
    def later(item) -> int:
        names = item.fixturenames
        return 2 if "real_settings" in names or hasattr(item.module, "HEAD_START") else int("rendered_plans" in names)

    rank: dict[str, int] = {}
    for item in items:
        rank[item.module.__name__] = max(rank.get(item.module.__name__, 0), later(item))
    items.sort(key=lambda item: rank[item.module.__name__])


@pytest.fixture
def built_settings(fake_searcher, tmp_path) -> Settings:
    """fake_settings holding a copy of the session's keyword-encoder index of the corpus and its embedding
    cache: for tests whose subject is what comes after a first build."""
    import shutil

    source = fake_searcher.settings
    shutil.copytree(source.index_dir, tmp_path / "index", symlinks=True)
    shutil.copytree(source.cache_dir, tmp_path / "cache")
    return Settings(corpus_dir=CORPUS, index_dir=tmp_path / "index", cache_dir=tmp_path / "cache")


TWO_PLANS = ["daqing-children-2021", "xiangning-children-2021"]


@pytest.fixture(scope="session")
def two_plans(tmp_path_factory) -> Path:
    """A corpus of two plans (TWO_PLANS), its index and its embedding cache, built once with the keyword encoder
    under the returned folder; tests work on a copy (`copy_two_plans`)."""
    from plansearch.runtime import build
    from tests_support import copy_plans

    root = tmp_path_factory.mktemp("two-plans")
    (root / "corpus").mkdir()
    copy_plans(root / "corpus", TWO_PLANS)
    build(Settings(corpus_dir=root / "corpus", index_dir=root / "index", cache_dir=root / "cache"),
          encoder=KeywordEncoder())
    return root


def copy_two_plans(pristine: Path, dest: Path) -> tuple[Path, Path, Path]:
    """A private copy of `two_plans` in dest: (corpus, index, cache) folders."""
    import shutil

    for name in ("corpus", "index", "cache"):
        shutil.copytree(pristine / name, dest / name, symlinks=True)
    return dest / "corpus", dest / "index", dest / "cache"


# -- work started when the session starts, beside the tests ---------------------------------------------------
# The slow preparations only some tests need run as subprocesses from the first test on, and the fixture that
# needs one waits for it. With pytest-xdist's workers (the README's command runs two), one worker runs them and
# the others read their results (head_start.py).
@pytest.fixture(scope="session", autouse=True)
def head_start(request, tmp_path_factory):
    """Starts, when the session begins, what the collected tests will wait for: the real index (`plansearch
    index`, as a user builds it; on a fresh clone it takes the shipped vectors of the bundled corpus's
    passages and makes the query engine's files), once it is ready the eval command on the dev split and the
    commands a test module lists in its HEAD_START (name → (argv, function of tmp_path_factory giving extra
    environment)), whose results `ran` gives; and the
    rendered plan files (a thread: LibreOffice runs as a subprocess)."""
    needed = set().union(*(item.fixturenames for item in request.session.items))
    modules = {item.module for item in request.session.items}
    shared = HeadStart(tmp_path_factory)
    jobs: dict[str, object] = {}

    def job(name: str, args: list[str], env: dict[str, str] | None = None, after: tuple = (), slot=None):
        """A job run here (leader) or read from the leader's result file."""
        if shared.leader:
            return Background(args, env, after=after, slot=slot, result_file=shared.result_file(name))
        return Awaited(shared.result_file(name), name)

    if "rendered_plans" in needed:
        import render

        if render.soffice() is not None:      # else the fixture says what to install
            jobs["rendered"] = RenderedFiles(shared, render_all)
    if "real_settings" in needed or any(hasattr(module, "HEAD_START") for module in modules):
        settings = Settings(corpus_dir=CORPUS, index_dir=shared.root / "real-index" / "index",
                            cache_dir=Settings().cache_dir)
        env = {"PLANSEARCH_INDEX_DIR": str(settings.index_dir), "PLANSEARCH_CACHE_DIR": str(settings.cache_dir)}
        jobs["real_settings"] = settings
        if shared.leader:
            settings.index_dir.parent.mkdir(exist_ok=True)
        jobs["real_index"] = job("real_index", [sys.executable, "-m", "plansearch.cli", "index", str(CORPUS)], env)
        slot = threading.Semaphore(1)       # the modules' commands one at a time: each loads the model
        for module in sorted(modules, key=lambda m: m.__name__):
            for name, (args, extra) in getattr(module, "HEAD_START", {}).items():
                jobs[name] = job(name, args, {**env, **extra(tmp_path_factory)} if shared.leader else None,
                                 after=(jobs["real_index"],), slot=slot)
        if "eval_command_run" in needed:
            out = shared.root / "eval-out"
            out.mkdir(exist_ok=True)
            jobs["eval_out"] = out
            jobs["eval"] = job("eval", [sys.executable, "-m", "plansearch.cli", "eval", "--split", "dev", "--configs",
                                        "bm25,hybrid,default", "--out", str(out)], env,
                               after=(jobs["real_index"],))
    yield jobs
    if shared.leader and os.environ.get("PYTEST_XDIST_WORKER") is not None:
        for item in jobs.values():          # the other workers may still wait for these
            if hasattr(item, "finish"):
                item.finish()
    for item in jobs.values():
        if hasattr(item, "stop"):
            item.stop()
    shared.release()


@pytest.fixture(scope="session")
def real_settings(head_start) -> Settings:
    """A real index of the bundled corpus built with the real model by `plansearch index`. The model folder and
    the embedding cache live in the user's cache (content-addressed, reused across runs); the index is temporary."""
    code, out, err = head_start["real_index"].wait()
    if code != 0:
        pytest.fail(f"plansearch index failed ({code}): {err[-3000:]}")
    return head_start["real_settings"]


@pytest.fixture(scope="session")
def real_searcher(real_settings):
    from plansearch.runtime import open_searcher

    return open_searcher(real_settings)


def ran(head_start, name: str) -> subprocess.CompletedProcess:
    """The finished result of a command a module listed in HEAD_START."""
    code, out, err = head_start[name].wait()
    return subprocess.CompletedProcess(head_start[name].args, code, out, err)


@pytest.fixture(scope="session")
def eval_command_run(head_start) -> tuple[subprocess.CompletedProcess, Path]:
    """`plansearch eval --split dev --configs bm25,hybrid,default --out DIR` on the real index, run beside the
    other tests once the index is ready; its result and DIR."""
    code, out, err = head_start["eval"].wait()
    return subprocess.CompletedProcess(head_start["eval"].args, code, out, err), head_start["eval_out"]


HEADED = "daqing-children-2021-2025"       # also saved as a web page from Word's heading styles, no number shown
RENDERED_FORMATS = ("docx", "pdf", "doc", "html-utf8", "html-gb18030")   # and docx-typed: no auto-numbering
# Word's automatic numbering replaces the typed "1." / "（一）" in these plans' .docx (and so in their .pdf and .doc)
AUTO_NUMBERED = {"daqing-children-2021-2025", "zengdu-women-and-children-2021-2030", "xinxing-13th-division-children-2021-2030"}


def render_all(root: Path) -> dict[tuple[str, str], Path]:
    """Every bundled plan file rendered as officials have it: .docx (a running header, a "— N —" footer,
    automatic numbering for some), .pdf and .doc made from it by LibreOffice, a saved web page in
    UTF-8 and in GB18030 declared gb2312, and for the automatically numbered ones LibreOffice's web page of
    the .docx. Keyed by (txt stem, format)."""
    import render

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
    # Word's automatic numbering saved as a web page by LibreOffice: <ol><li> with no number in the text, the
    # sections' （一） lost with it unless they are headings (<li><h2>), as in a plan typed with heading styles
    styled = root / "headings"
    styled.mkdir()
    docxs = [render.to_docx(render.plan_lines(CORPUS / f"{stem}.txt"), styled / f"{stem}.docx", auto_numbering=True,
                            header=stem, headings=True) for stem in sorted(AUTO_NUMBERED)]
    # and Word's heading styles with no number shown: <h1>, <h2> with the bare heading
    docxs.append(render.to_heading_styles_docx(CORPUS / f"{HEADED}.txt", styled / f"{HEADED}-headed.docx"))
    for path in render.convert_many(docxs, "html", root / "html-lo"):
        out[path.stem, "html-lo"] = path
    return out


@pytest.fixture(scope="session")
def rendered_plans(head_start) -> dict[tuple[str, str], Path]:
    """`render_all`'s files, made once per session by the head start (LibreOffice on the idle core)."""
    import render

    if render.soffice() is None:
        pytest.fail("LibreOffice is not installed: apt-get install libreoffice-writer-nogui (.ci/run does)")
    return head_start["rendered"].result(timeout=900)


from pg_fixtures import pg_server, pg_url  # noqa: E402,F401  (the PostgreSQL store's server and databases)
