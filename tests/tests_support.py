"""Helpers shared by tests (importable, unlike conftest)."""
from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

from plansearch.settings import REPO_ROOT

CORPUS = REPO_ROOT / "corpus"


def copy_plans(dest: Path, plan_ids: list[str]) -> None:
    """Copy some plans of the bundled corpus, with their manifest entries, into `dest`."""
    entries = tomllib.loads((CORPUS / "plans.toml").read_text(encoding="utf-8"))["plan"]
    chosen = [e for e in entries if e["id"] in plan_ids]
    lines = []
    for entry in chosen:
        shutil.copy(CORPUS / entry["source_file"], dest / entry["source_file"])
        lines.append("[[plan]]")
        lines += [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in entry.items()]
        lines.append("")
    (dest / "plans.toml").write_text("\n".join(lines), encoding="utf-8")
