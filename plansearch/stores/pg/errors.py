"""What can go wrong with the database, as library errors (the service should answer 503 for both)."""
from __future__ import annotations

import contextlib
from typing import Iterator

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from plansearch.errors import PlanSearchError


class DatabaseUnavailable(PlanSearchError):
    """The database cannot be reached; the message names it without its password."""


class QueryTimeout(PlanSearchError):
    """A query ran longer than the statement timeout and was cancelled."""


def safe_name(url: str) -> str:
    """host:port/dbname of a URL, for messages (never the password)."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "the configured database"
    return f"{info.get('host', 'localhost')}:{info.get('port', 5432)}/{info.get('dbname', '')}"


@contextlib.contextmanager
def connection(pool: ConnectionPool, timeout_ms: int | None = None) -> Iterator[psycopg.Connection]:
    """A pooled connection; a cancelled query or a lost database becomes a one-line library error."""
    try:
        with pool.connection(timeout=15) as conn:
            yield conn
    except psycopg.errors.QueryCanceled:
        limit = f" ({timeout_ms / 1000:g} s)" if timeout_ms else ""
        raise QueryTimeout(f"the database did not answer within the query timeout{limit}") from None
    except (psycopg.OperationalError, PoolTimeout) as exc:
        line = (str(exc).strip().splitlines() or [type(exc).__name__])[-1]
        raise DatabaseUnavailable(f"the database at {safe_name(pool.conninfo)} cannot be reached: {line}") from None
