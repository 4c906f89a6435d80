"""A generation of the PostgreSQL store: what one committed write made visible."""
from __future__ import annotations

from dataclasses import dataclass

import psycopg

from plansearch.manifest import IndexManifest, PlanEntry

VISIBLE = "born <= %(gen)s AND (dead IS NULL OR dead > %(gen)s)"     # rows generation %(gen)s sees


@dataclass
class Generation:
    gen: int
    name: str
    manifest: IndexManifest
    plans: list[PlanEntry]
    n_docs: int
    total_len: float


_COLUMNS = "g.gen, g.name, g.manifest, g.plans, g.n_docs, g.total_len"


def _of(row) -> Generation:
    gen, name, manifest, plans, n_docs, total_len = row
    return Generation(gen, name, IndexManifest.from_json(manifest), [PlanEntry.from_json(e) for e in plans],
                      int(n_docs), float(total_len))


def current_generation(conn: psycopg.Connection) -> Generation | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM current_generation c JOIN generations g ON g.gen = c.gen").fetchone()
    return _of(row) if row else None


def current_name(conn: psycopg.Connection) -> str | None:
    row = conn.execute("SELECT g.name FROM current_generation c JOIN generations g ON g.gen = c.gen").fetchone()
    return row[0] if row else None


def generation(conn: psycopg.Connection, name: str) -> Generation | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM generations g WHERE g.name = %s", (name,)).fetchone()
    return _of(row) if row else None
