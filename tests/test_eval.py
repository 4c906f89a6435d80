"""The gold set, the eval command, and the committed quality baseline."""
from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

import pytest

from eval.gold import QUERY_TYPES, load_gold
from eval.report import load_baseline
from eval.run import (CONFIGS, ConfigResult, bootstrap_interval, paired_p_value, ranx_key, run_ask, run_config, summarise,
                      summarise_ask)

pytestmark = pytest.mark.usefixtures("ranx_compiled")      # compiled on the side from the session's start


def test_gold_set_has_every_type_in_both_splits_and_judged_passages_exist(fake_searcher):
    queries = load_gold("all")
    assert len(queries) >= 80
    counts = Counter((q.type, q.split) for q in queries)
    for qtype in QUERY_TYPES:
        assert counts[(qtype, "dev")] and counts[(qtype, "test")], qtype
    ids = {p.id for _, p in fake_searcher.index.iter_passages()}
    for q in queries:
        assert set(q.judgments) <= ids, q.id
        assert bool(q.judgments) == (q.answerable or q.named_plan_lacks), q.id
        if q.named_plan_lacks:        # judged passages are other plans': the named one lacks the topic
            assert q.plan and all(fake_searcher.passage(pid).plan_id != q.plan for pid in q.judgments), q.id
        if q.type == "target_value":
            assert q.expected_value


def test_every_plan_domain_has_a_grade_two_passage_in_the_gold_set(fake_searcher):
    covered = {(p.plan_id, p.domain) for q in load_gold("all") for pid, g in q.judgments.items() if g == 2
               for p in [fake_searcher.passage(pid)] if p.domain}
    domains = {(p.plan_id, p.domain) for _, p in fake_searcher.index.iter_passages() if p.domain}
    assert domains <= covered


def test_bootstrap_interval_brackets_a_clear_difference():
    a = {str(i): 1.0 for i in range(50)}
    b = {str(i): 0.5 for i in range(50)}
    mean, lo, hi = bootstrap_interval(a, b)
    assert mean == pytest.approx(0.5) and lo == pytest.approx(0.5) and hi == pytest.approx(0.5)


def _ranked(name: str, relevant_first: list[bool]) -> ConfigResult:
    """A configuration whose query i ranks its relevant passage first or not at all."""
    from ranx import Qrels, Run

    good, bad = ranx_key("good"), ranx_key("bad")
    qrels = Qrels.from_dict({ranx_key(f"q{i}"): {good: 1} for i in range(len(relevant_first))})
    run = Run.from_dict({ranx_key(f"q{i}"): ({good: 1.0, bad: 0.5} if hit else {bad: 1.0})
                         for i, hit in enumerate(relevant_first)}, name=name)
    return ConfigResult(name, [], 0.0, qrels, run)


class Replay:
    """A searcher that answers each question with the passages given for it."""

    def __init__(self, ranked: dict[str, list[str]]):
        self.ranked = ranked

    def search(self, request):
        from types import SimpleNamespace

        hits = [SimpleNamespace(passage_id=pid, text="") for pid in self.ranked.get(request.q, [])]
        return SimpleNamespace(results=hits, confidence=0.5, no_answer=False)


def test_each_question_is_scored_against_its_own_judgments_whatever_the_ids_look_like():
    """ranx sees hashed ids (fixed width, so its functions compile once); the scores are still per question:
    the judged passages best grade first score 1, an empty answer 0, one wrong passage 0."""
    queries = [q for q in load_gold("dev") if q.answerable and 0 < len(q.judgments) <= 10][:12]
    best_first = {q.text: sorted(q.judgments, key=lambda pid: -q.judgments[pid]) for q in queries[:6]}
    wrong = {q.text: ["not-a-passage-" + "x" * i] for i, q in enumerate(queries[6:9])}
    result = run_config(Replay({**best_first, **wrong}), queries, "replay", CONFIGS["default"])
    ndcg = result.per_query("ndcg@10")
    assert [ndcg[q.id] for q in queries] == [1.0] * 6 + [0.0] * 6


def test_paired_test_from_ranx_tells_a_clear_difference_from_none():
    always = _ranked("always", [True] * 40)
    never = _ranked("never", [False] * 40)
    same = _ranked("same", [True] * 40)
    assert paired_p_value(always, never) < 0.01
    assert paired_p_value(always, same) == 1.0


@pytest.fixture(scope="module")
def test_split_runs(real_searcher):
    """The default and bm25 configurations over the test split, run once for the tests below."""
    queries = load_gold("test")
    return {name: run_config(real_searcher, queries, name, CONFIGS[name]) for name in ("default", "bm25")}


@pytest.mark.slow
def test_default_configuration_holds_the_committed_baseline(test_split_runs, real_searcher):
    base = load_baseline()
    assert (base["split"], base["config"]) == ("test", "default")
    summary = summarise(test_split_runs["default"])
    tol = base["tolerance"]
    assert summary.ndcg10 >= base["ndcg@10"] - tol
    assert summary.recall20_topic >= base["recall@20_topic"] - tol
    assert summary.plan_specific_at_1 >= base["plan_specific_at_1"] - tol
    assert summary.target_value_top3 >= base["target_value_top3"] - tol
    assert summary.no_answer_flagged >= base["no_answer_flagged"] - tol
    assert summary.answerable_flagged <= base["answerable_flagged"] + tol
    ask = summarise_ask(run_ask(real_searcher, load_gold(base["split"])))
    assert ask.wrong_values <= base["ask_wrong_values"], ask.wrong
    assert ask.value_exact >= base["ask_value_exact"] - tol
    assert ask.no_answer_recall >= base["ask_no_answer_recall"] - tol
    assert ask.answerable_refused <= base["ask_answerable_refused"] + tol


@pytest.mark.slow
def test_default_beats_bm25_with_an_interval_above_zero(test_split_runs):
    default, bm25 = test_split_runs["default"], test_split_runs["bm25"]
    mean, lo, _ = bootstrap_interval(default.per_query("ndcg@10"), bm25.per_query("ndcg@10"))
    assert mean >= 0.05 and lo > 0


@pytest.mark.slow
def test_eval_command_prints_the_table_and_writes_report_and_chart(eval_command_run, real_settings):
    import os

    out, folder = eval_command_run           # `plansearch eval --split dev --configs bm25,hybrid,default --out folder`
    assert out.returncode == 0, out.stderr[-2000:]
    assert "| default |" in out.stdout and "| bm25 |" in out.stdout and "ndcg@10" in out.stdout
    report = (folder / "dev.md").read_text(encoding="utf-8")
    assert "## The 10 worst queries" in report and "95% interval" in report
    assert (folder / "dev.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    env = dict(os.environ, PLANSEARCH_INDEX_DIR=str(real_settings.index_dir),
               PLANSEARCH_CACHE_DIR=str(real_settings.cache_dir))
    bad = subprocess.run([sys.executable, "-m", "plansearch.cli", "eval", "--configs", "magic"], env=env,
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 1 and "unknown configuration" in bad.stderr


def test_the_compiled_stamp_holds_only_for_the_installed_ranx_and_numba(tmp_path, monkeypatch):
    """A test run skips compiling ranx's functions only when setup.sh compiled them for these versions."""
    from eval import warm_metrics

    stamp, versions = warm_metrics._stamp()
    assert stamp.parent.name == "ranx" and json.loads(versions).keys() == {"ranx", "numba"}
    here = tmp_path / warm_metrics.STAMP
    monkeypatch.setattr(warm_metrics, "_stamp", lambda: (here, versions))
    assert not warm_metrics.compiled()
    here.write_text(versions.replace(json.loads(versions)["numba"], "0.0.1"), encoding="utf-8")
    assert not warm_metrics.compiled()         # numba upgraded since: its cache does not hold
    here.write_text(versions, encoding="utf-8")
    assert warm_metrics.compiled()
