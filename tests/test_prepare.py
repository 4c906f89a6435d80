"""A build's per-plan work gives the same passages, texts, tokens and indicators in worker processes as in one."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from indexer.corpus import load_corpus, parse_corpus
from indexer.prepare import prepare_corpus
from indexer.tokenize import Tokenizer
from plansearch.lexical import TermMatrix

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def _same_matrix(a: TermMatrix, b: TermMatrix) -> None:
    assert a.vocab == b.vocab
    for name in ("indptr", "rows", "tf", "lengths"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name


def test_workers_prepare_what_one_process_prepares_in_corpus_order():
    tokenizer = Tokenizer(bulk=True)
    one = prepare_corpus(load_corpus(CORPUS), tokenizer, workers=1)
    two = prepare_corpus(load_corpus(CORPUS), tokenizer, workers=2, min_plans=0)
    assert [p.plan.meta.id for p in two] == [p.plan.meta.id for p in one] == [m.id for m in load_corpus(CORPUS).plans]
    assert [p.plan for p in two] == [p.plan for p in one] == parse_corpus(load_corpus(CORPUS))
    assert [p.texts for p in two] == [p.texts for p in one]
    assert [p.indicators for p in two] == [p.indicators for p in one] and any(p.indicators for p in one)
    _same_matrix(TermMatrix.from_parts(p.terms for p in two), TermMatrix.from_parts(p.terms for p in one))


def test_joined_plan_terms_number_words_as_one_matrix_over_every_row():
    tokenizer = Tokenizer(bulk=True)
    prepared = prepare_corpus(load_corpus(CORPUS), tokenizer)
    texts = [t for p in prepared for t in p.texts] + [""]          # a passage without tokens too
    from plansearch.lexical import PlanTerms

    parts = [p.terms for p in prepared] + [PlanTerms.build([[]])]
    _same_matrix(TermMatrix.from_parts(parts), TermMatrix.build(tokenizer.tokens(t) for t in texts))


def test_an_unreadable_file_is_reported_and_the_others_prepared(tmp_path):
    shutil.copytree(CORPUS, tmp_path / "corpus")
    corpus = load_corpus(tmp_path / "corpus")
    broken = corpus.plans[0].source_file
    (tmp_path / "corpus" / broken).unlink()
    prepared = prepare_corpus(corpus, Tokenizer(bulk=True), workers=2, min_plans=0)
    assert [f for f, _ in corpus.failed] == [broken]
    assert [p.plan.meta.id for p in prepared] == [m.id for m in corpus.plans if m.source_file != broken]
