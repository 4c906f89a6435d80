"""Compile ranx's numba functions into their cache in the venv, so that the first `plansearch eval` after an
install does not spend about 40 s of CPU compiling them (later runs load them in a few seconds).

    .venv/bin/python -m eval.warm_metrics          (scripts/setup.sh runs it once per install)

Each dev question is answered with its own judged passages, rotated by a turn (every fifth with none), so ranx
compiles its functions for the argument types a real eval gives them: the metrics and the paired test."""
from __future__ import annotations

import warnings
from types import SimpleNamespace

from eval.gold import load_gold
from eval.run import CONFIGS, paired_p_value, run_config


class Replay:
    """A stand-in searcher answering each question with its judged passages, rotated by `turn`."""

    def __init__(self, queries, turn: int):
        self.ranked = {q.text: [*sorted(q.judgments)[turn:], *sorted(q.judgments)[:turn], "unjudged"]
                       for i, q in enumerate(queries) if i % 5}

    def search(self, request):
        return SimpleNamespace(results=[SimpleNamespace(passage_id=p, text="") for p in self.ranked.get(request.q, [])],
                               confidence=0.5, no_answer=False)


def main() -> None:
    warnings.filterwarnings("ignore", module="numba")
    warnings.filterwarnings("ignore", message=".*unsafe cast.*")
    queries = load_gold("dev")
    a, b = (run_config(Replay(queries, turn), queries, f"r{turn}", CONFIGS["default"]) for turn in (0, 1))
    paired_p_value(a, b, "ndcg@10")


if __name__ == "__main__":
    main()
