"""Tokens cut in parallel processes equal those cut one at a time, on the whole corpus."""
from __future__ import annotations

from indexer.context import context_text
from indexer.corpus import load_corpus, parse_corpus
from indexer.normalize import normalize_for_index
from indexer.tokenize import PARALLEL_FROM, Tokenizer
from tests_support import CORPUS


def test_parallel_tokens_equal_one_process_on_the_whole_corpus():
    parsed = parse_corpus(load_corpus(CORPUS, set()))
    meta = {plan.meta.id: plan.meta for plan in parsed}
    texts = [normalize_for_index(context_text(p, meta[p.plan_id])) for plan in parsed for p in plan.passages]
    texts = (texts * (PARALLEL_FROM // len(texts) + 1))[:PARALLEL_FROM + 7]     # enough to go parallel
    tokenizer = Tokenizer()
    assert tokenizer.tokens_many(texts, workers=2) == [tokenizer.tokens(t) for t in texts]
