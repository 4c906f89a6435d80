"""A build's segmenter (jieba-next) and a query's (jieba, its dictionary read from the cache as bytes) must cut
exactly as jieba itself does with our dictionary."""
from __future__ import annotations

import logging
import marshal
from pathlib import Path

import pytest

from eval.gold import load_gold
from indexer.context import context_text
from indexer.corpus import load_corpus, parse_corpus
from indexer.normalize import normalize_for_index
from indexer.tokenize import USER_DICT, Tokenizer, _read_jieba_cache
from plansearch.evidence import PREDICATE_FLAGS

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@pytest.fixture(scope="module")
def jieba_itself():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.load_userdict(str(USER_DICT))
    return tok


@pytest.fixture(scope="module")
def cut_by_jieba(jieba_itself) -> dict[str, list[str]]:
    """Every text the index and the eval tokenise, as indexed, and jieba's cut of it: each passage of the bundled
    corpus (text and the context line that is embedded with it) and each gold question."""
    parsed = parse_corpus(load_corpus(CORPUS))
    meta_of = {plan.meta.id: plan.meta for plan in parsed}
    texts = [t for plan in parsed for p in plan.passages for t in (p.text, context_text(p, meta_of[p.plan_id]))]
    texts += [q.text for q in load_gold()]
    assert len(texts) > 2_000
    return {t: list(jieba_itself.cut_for_search(t)) for t in map(normalize_for_index, texts)}


@pytest.mark.parametrize("bulk", [True, False])
def test_every_passage_and_question_is_cut_as_jieba_cuts_it(cut_by_jieba, bulk):
    ours = Tokenizer(bulk=bulk)._segmenter
    differ = [t for t, theirs in cut_by_jieba.items() if list(ours.cut_for_search(t)) != theirs]
    assert not differ, differ[:3]


@pytest.mark.parametrize("bulk", [False, True])
def test_search_tokens_keep_words_sub_words_and_numbers(bulk):
    assert Tokenizer(bulk=bulk).tokens("其他地方怎么预防儿童溺水？小学生近视率降至38%以下") == [
        "预防", "儿童", "溺水", "小学", "学生", "小学生", "近视", "近视率", "降至", "38%", "以下"]


def test_jieba_dictionary_comes_from_its_own_cache_file(tmp_path):
    import jieba

    tok = jieba.Tokenizer()
    tok.tmp_dir = str(tmp_path)
    (tmp_path / "jieba.cache").write_bytes(marshal.dumps(({"溺水": 5, "溺": 0}, 5)))
    _read_jieba_cache(tok)
    assert tok.initialized and tok.FREQ == {"溺水": 5, "溺": 0} and tok.total == 5


@pytest.mark.parametrize("content", [b"", b"\x00not marshal", marshal.dumps([1, 2])])
def test_an_unreadable_jieba_cache_leaves_jieba_to_build_its_dictionary(tmp_path, content):
    import jieba

    tok = jieba.Tokenizer()
    tok.tmp_dir = str(tmp_path)
    (tmp_path / "jieba.cache").write_bytes(content)
    _read_jieba_cache(tok)
    assert not tok.initialized
    if not content:                    # jieba then builds the dictionary itself (1-2 s: once is enough)
        assert tok.lcut("预防儿童溺水") == ["预防", "儿童", "溺水"]


def test_part_of_speech_flags_are_jieba_posseg_s(jieba_itself):
    """Every word jieba cuts from the corpus and the gold questions, and each whole question, is tagged as
    `jieba.posseg` tags it without its HMM (the evidence rule reads these flags)."""
    import jieba.posseg

    tagger = jieba.posseg.POSTokenizer(jieba_itself)
    parsed = parse_corpus(load_corpus(CORPUS))
    questions = [normalize_for_index(q.text) for q in load_gold()]
    texts = [normalize_for_index(p.text) for plan in parsed for p in plan.passages] + questions
    words = {w for t in texts for w in jieba_itself.cut(t, HMM=False) if w.strip()} | set(questions)
    words |= {"停不下来", "想不开", "AA制", "B超", "3岁以下", "COVID-19疫情", "38%以下"}
    ours = Tokenizer()
    assert len(words) > 4_000
    among = PREDICATE_FLAGS | {"n", "eng"}
    differ = [(w, ours.pos_flags(w, among)) for w in sorted(words)
              if ours.pos_flags(w, among) != [f if f in among else None
                                              for p, f in tagger.lcut(w, HMM=False) if p.strip()]]
    assert not differ, differ[:5]
    assert ours.pos_flags("预防溺水", frozenset({"v"})) == ["v", "v"]
    assert ours.pos_flags("儿童溺水", frozenset({"v"})) == [None, "v"]
