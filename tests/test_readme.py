"""The README stays true: its commands, settings table, layout and sample output."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from plansearch.cli import make_parser
from plansearch.search import SearchRequest
from plansearch.settings import REPO_ROOT, Settings

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
FIRST_COMMAND = "bash scripts/setup.sh && .venv/bin/plansearch serve"
TEST_COMMAND = "bash scripts/setup.sh && .venv/bin/python -m pytest"


def _bash_blocks() -> list[str]:
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", README, flags=re.S)]


def test_readme_gives_the_two_commands_first():
    assert _bash_blocks()[:2] == [FIRST_COMMAND, TEST_COMMAND]


def test_ci_runs_the_readme_test_command():
    ci = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert TEST_COMMAND in ci.splitlines()


def test_first_command_parts_exist():
    assert (REPO_ROOT / "scripts" / "setup.sh").is_file()
    args = make_parser().parse_args(["serve"])
    assert args.func.__name__ == "cmd_serve"
    assert Settings().host == "127.0.0.1" and Settings().port == 8000


def test_settings_table_lists_every_setting_with_its_default():
    rows = dict(re.findall(r"^\| `(PLANSEARCH_[A-Z_]+)` \| (.*?) \|", README, flags=re.M))
    assert set(rows) == {f"PLANSEARCH_{name.upper()}" for name in Settings.model_fields}
    defaults = Settings()
    for name in ("host", "port", "fusion_depth", "rrf_k", "max_query_chars", "encode_batch_size", "threads"):
        assert f"`{getattr(defaults, name)}`" == rows[f"PLANSEARCH_{name.upper()}"], name


def test_layout_names_folders_that_exist():
    for path in re.findall(r"^\| `([a-z_./]+)` \|", README, flags=re.M):
        if path.startswith("PLANSEARCH"):
            continue
        assert (REPO_ROOT / path).exists(), path


@pytest.mark.slow
def test_sample_query_output_is_what_search_returns(real_searcher):
    table = README.split("passage_id                       plan_id", 1)[1].split("```", 1)[0]
    rows = [line.split() for line in table.strip().splitlines()[1:]]
    hits = real_searcher.search(SearchRequest(q="其他地方怎么预防儿童溺水", k=6)).results
    assert [(h.passage_id, h.plan_id, h.domain, h.kind.value) for h in hits] == [tuple(r[:4]) for r in rows]


@pytest.mark.slow
def test_sample_json_hit_is_what_search_returns(real_searcher):
    hit = real_searcher.search(SearchRequest(q="婴儿死亡率", k=1, plan="daqing-children-2021")).results[0]
    assert f'"passage_id": "{hit.passage_id}"' in README
    assert f'"title": "{hit.title}"' in README
    assert '"text": ' + __import__("json").dumps(hit.text, ensure_ascii=False) in README


def test_sample_parse_output_is_what_parse_prints(capsys):
    from plansearch.cli import main

    sample = README.split("$ plansearch parse corpus/zengdu-women-and-children-2021-2030.txt\n", 1)[1].split("```", 1)[0]
    assert main(["parse", str(REPO_ROOT / "corpus" / "zengdu-women-and-children-2021-2030.txt")]) == 0
    assert capsys.readouterr().out == sample
