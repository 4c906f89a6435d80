"""A build's segmenter (jieba-next) must cut exactly as jieba, which queries use, does with our dictionary."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest

from eval.gold import load_gold
from indexer.context import context_text
from indexer.corpus import load_corpus, parse_corpus
from indexer.normalize import normalize_for_index
from indexer.tokenize import USER_DICT, Tokenizer

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@pytest.fixture(scope="module")
def jieba_itself():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.load_userdict(str(USER_DICT))
    return tok


def test_every_passage_and_question_is_cut_as_jieba_cuts_it(jieba_itself):
    """Every text the index and the eval tokenise: each passage of the bundled corpus (text and the context
    line that is embedded with it) and each gold question."""
    parsed = parse_corpus(load_corpus(CORPUS))
    meta_of = {plan.meta.id: plan.meta for plan in parsed}
    texts = [t for plan in parsed for p in plan.passages for t in (p.text, context_text(p, meta_of[p.plan_id]))]
    texts += [q.text for q in load_gold()]
    assert len(texts) > 2_000
    ours = Tokenizer(bulk=True)._segmenter
    differ = [t for t in map(normalize_for_index, texts) if list(ours.cut_for_search(t)) != list(jieba_itself.cut_for_search(t))]
    assert not differ, differ[:3]


@pytest.mark.parametrize("bulk", [False, True])
def test_search_tokens_keep_words_sub_words_and_numbers(bulk):
    assert Tokenizer(bulk=bulk).tokens("其他地方怎么预防儿童溺水？小学生近视率降至38%以下") == [
        "预防", "儿童", "溺水", "小学", "学生", "小学生", "近视", "近视率", "降至", "38%", "以下"]
