"""The PostgreSQL + pgvector store: an index that several services on several machines read, written in
transactions (plansearch.stores.pg.source.PgSource is its IndexSource)."""
from __future__ import annotations


def __getattr__(name: str):           # PgSource without importing psycopg until it is asked for
    if name == "PgSource":
        from plansearch.stores.pg.source import PgSource

        return PgSource
    raise AttributeError(name)
