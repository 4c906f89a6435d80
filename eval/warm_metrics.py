"""Compile ranx's numba functions into their cache in the venv, so that the first `plansearch eval` after an
install does not spend about 40 s of CPU compiling them (later runs load them in a few seconds).

    .venv/bin/python -m eval.warm_metrics          (scripts/setup.sh runs it once per install)

Each dev question is answered with its own judged passages, rotated by a turn (every fifth with none), so ranx
compiles its functions for the argument types a real eval gives them: the metrics and the paired test."""
from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import warnings
from pathlib import Path
from types import SimpleNamespace

STAMP = ".plansearch-warm.json"      # in ranx's folder: the versions its functions were compiled for


def _stamp() -> tuple[Path, str] | None:
    """Where the stamp lives and what it should say, found without importing ranx or numba."""
    spec = importlib.util.find_spec("ranx")
    if spec is None or not spec.submodule_search_locations:
        return None
    versions = {name: importlib.metadata.version(name) for name in ("ranx", "numba")}
    return Path(next(iter(spec.submodule_search_locations))) / STAMP, json.dumps(versions, sort_keys=True)


def compiled() -> bool:
    """Whether this venv's ranx functions were compiled by `main` for the installed ranx and numba: then a test
    run or an eval only loads them, and need not compile them first."""
    found = _stamp()
    try:
        return found is not None and found[0].read_text(encoding="utf-8") == found[1]
    except OSError:
        return False


class Replay:
    """A stand-in searcher answering each question with its judged passages, rotated by `turn`."""

    def __init__(self, queries, turn: int):
        self.ranked = {q.text: [*sorted(q.judgments)[turn:], *sorted(q.judgments)[:turn], "unjudged"]
                       for i, q in enumerate(queries) if i % 5}

    def search(self, request):
        return SimpleNamespace(results=[SimpleNamespace(passage_id=p, text="") for p in self.ranked.get(request.q, [])],
                               confidence=0.5, no_answer=False)


def main() -> None:
    from eval.gold import load_gold
    from eval.run import CONFIGS, paired_p_value, run_config

    warnings.filterwarnings("ignore", module="numba")
    warnings.filterwarnings("ignore", message=".*unsafe cast.*")
    queries = load_gold("dev")
    a, b = (run_config(Replay(queries, turn), queries, f"r{turn}", CONFIGS["default"]) for turn in (0, 1))
    paired_p_value(a, b, "ndcg@10")
    found = _stamp()
    if found is not None:
        try:
            found[0].write_text(found[1], encoding="utf-8")
        except OSError:           # a read-only install: the next run compiles or loads them again, no harm
            pass


if __name__ == "__main__":
    main()
