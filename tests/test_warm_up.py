"""A running service warms itself up: the first question does not pay for the lazily loaded tables (the thesaurus
took 130 ms from the first question with a word the plans never use), nor for the query engine, which loads once the service listens rather than before (0.8 s of its start-up otherwise)."""
from __future__ import annotations

import os
import subprocess
import sys

from tests_support import REPO_ROOT

SCRIPT = """
import sys, time
from plansearch.evidence import cilin_groups
from plansearch.runtime import LiveSearcher
from plansearch.search import WARM_UP_QUERY
from plansearch.settings import Settings
live = LiveSearcher(Settings(), follow=False, warm=False)     # as `serve` opens it, before it listens
cold = live.get().encoder._onnx_queries is None
live.warm()                                                   # once it listens
deadline = time.monotonic() + 120
while (WARM_UP_QUERY not in live.get()._vectors or not cilin_groups.cache_info().currsize) \
        and time.monotonic() < deadline:
    time.sleep(0.05)
print('WARM', cold, WARM_UP_QUERY in live.get()._vectors, bool(live.get().tokenizer._tags_among),
      live.get().encoder._onnx_queries is not None, cilin_groups.cache_info().currsize == 1)
"""


def test_a_service_runs_one_search_in_the_background_once_up(real_settings):
    env = {"PLANSEARCH_INDEX_DIR": str(real_settings.index_dir), "PLANSEARCH_CACHE_DIR": str(real_settings.cache_dir)}
    out = subprocess.run([sys.executable, "-c", SCRIPT], env={**os.environ, **env}, cwd=REPO_ROOT,
                         capture_output=True, text=True, timeout=300)
    assert out.stdout.strip().splitlines()[-1] == "WARM True True True True True", out.stderr[-2000:]
