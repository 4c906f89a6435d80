"""Imports run one way: core → indexer and embeddings → stores → search and what builds on it → runtime →
the front doors (service, CLI, eval). Nothing outside plansearch/stores names a concrete store."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from plansearch.settings import REPO_ROOT

PACKAGES = ("plansearch", "indexer", "embeddings", "service", "eval")
CORE, READING, STORES, SEARCH, RUNTIME, FRONT = range(6)
LAYER_NAMES = ["core", "indexer/embeddings", "stores", "search", "runtime", "front door"]

# every module of plansearch/ outside the stores, by name: a new module must be placed here
PLANSEARCH = {
    "__init__": CORE, "records": CORE, "errors": CORE, "settings": CORE, "manifest": CORE, "index": CORE,
    "lexical": CORE, "domains": CORE,
    "search": SEARCH, "ask": SEARCH, "compare": SEARCH, "review": SEARCH, "review_export": SEARCH,
    "review_records": SEARCH, "review_targets": SEARCH, "export": SEARCH, "evidence": SEARCH,
    "understand": SEARCH, "lexicon": SEARCH, "parse_report": SEARCH, "views": SEARCH,
    "runtime": RUNTIME, "plan_files": RUNTIME,
    "cli": FRONT,
}
FOLDERS = {"indexer": READING, "embeddings": READING, "plansearch/stores": STORES, "service": FRONT, "eval": FRONT}
CONCRETE_STORES = re.compile(r"\b(FolderIndex|FolderWriter|FolderSource|BuildState|PgIndex|PgWriter|PgSource)\b")


def modules() -> dict[str, Path]:
    """Dotted module name → file, for every Python file of the project's packages."""
    out = {}
    for package in PACKAGES:
        for path in sorted((REPO_ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
            if parts[-1] == "__init__" and len(parts) > 1:
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


MODULES = modules()


def layer(module: str) -> int:
    path = MODULES[module].relative_to(REPO_ROOT).as_posix()
    for folder, number in sorted(FOLDERS.items(), key=lambda kv: -len(kv[0])):
        if path.startswith(folder + "/"):
            return number
    if path.startswith("plansearch/") and path.count("/") == 1:
        return PLANSEARCH[Path(path).stem]
    raise KeyError(path)


def imports(module: str) -> list[tuple[int, str]]:
    """(line, project module) of every import in `module`, including those inside functions."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, _known(alias.name)) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:             # relative: resolve against this module's package
                package = module.split(".") if MODULES[module].name == "__init__.py" else module.split(".")[:-1]
                base = ".".join(package[:len(package) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                out.append((node.lineno, full if full in MODULES else _known(base)))
    return [(line, m) for line, m in out if m]


def _known(name: str) -> str | None:
    """The project module `name` is, or is inside (a package's names); None for other libraries."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def test_every_module_has_a_layer():
    unplaced = []
    for module in MODULES:
        try:
            layer(module)
        except KeyError:
            unplaced.append(module)
    assert not unplaced, f"place these modules in a layer (tests/test_layers.py): {unplaced}"


def test_no_import_runs_from_a_lower_layer_to_a_higher_one():
    upward = [f"{MODULES[m].relative_to(REPO_ROOT)}:{line} ({LAYER_NAMES[layer(m)]}) imports {target} "
              f"({LAYER_NAMES[layer(target)]})"
              for m in MODULES for line, target in imports(m) if layer(target) > layer(m)]
    assert not upward, "\n".join(upward)


def test_indexer_and_embeddings_import_only_the_core_and_each_other():
    for m in MODULES:
        if layer(m) == READING:
            for line, target in imports(m):
                assert layer(target) in (CORE, READING), f"{m}:{line} imports {target}"


@pytest.mark.parametrize("module", [m for m in MODULES if not m.startswith("plansearch.stores")])
def test_no_module_outside_the_stores_names_a_concrete_store(module):
    text = MODULES[module].read_text(encoding="utf-8")
    named = sorted(set(CONCRETE_STORES.findall(text)))
    assert not named, f"{module} names {named}: reach the index through plansearch.index and open_source"
    concrete = [(line, target) for line, target in imports(module)
                if target.startswith("plansearch.stores.")]
    assert not concrete, f"{module} imports a concrete store: {concrete}"


def test_the_layer_test_sees_imports_inside_functions():
    """A function-level import counts as much as one at the top (the CLI imports lazily)."""
    found = {target for _, target in imports("plansearch.cli")}
    assert {"plansearch.runtime", "plansearch.settings", "service.app", "eval.run"} <= found
