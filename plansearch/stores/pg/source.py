"""PgSource: the PostgreSQL store as an IndexSource — readers pinned to a generation, the writer, the pool."""
from __future__ import annotations

import threading

import psycopg
from psycopg_pool import ConnectionPool

from plansearch.errors import IndexMissing
from plansearch.stores.pg.errors import DatabaseUnavailable, connection, safe_name
from plansearch.stores.pg import schema, vectors
from plansearch.stores.pg.generations import current_generation, current_name, generation
from plansearch.stores.pg.reader import PgIndex
from plansearch.stores.pg.writer import GRACE_SECONDS, PgWriter

QUERY_TIMEOUT_MS = 10_000        # a query running longer is cancelled (statement_timeout)
POOL_SIZE = 8


class PgSource:
    """The index in the PostgreSQL database at `url` (PLANSEARCH_DATABASE_URL)."""

    def __init__(self, target, pool_size: int = POOL_SIZE, query_timeout_ms: int = QUERY_TIMEOUT_MS,
                 grace_seconds: float = GRACE_SECONDS, connect_seconds: float = 15.0):
        """`target`: the database URL, or the settings (their `database_url`)."""
        self.url = target if isinstance(target, str) else (getattr(target, "database_url", "") or "")
        self.pool_size = pool_size
        self.query_timeout_ms = query_timeout_ms
        self.grace_seconds = grace_seconds
        self.connect_seconds = connect_seconds
        self._pool: ConnectionPool | None = None
        self._pool_lock = threading.Lock()

    def __str__(self) -> str:             # for messages: never the password
        return f"the database at {safe_name(self.url)}"

    # -- connections ----------------------------------------------------------------------------------
    def _configure(self, conn: psycopg.Connection) -> None:
        conn.execute(f"SET statement_timeout = {int(self.query_timeout_ms)}")
        conn.commit()
        vectors.register(conn)
        conn.commit()

    @property
    def pool(self) -> ConnectionPool:
        with self._pool_lock:
            if self._pool is None:
                try:                      # one plain connection first: a refused one fails at once, with its reason
                    psycopg.connect(self.url, connect_timeout=max(1, int(self.connect_seconds))).close()
                except psycopg.OperationalError as exc:
                    reason = " ".join(str(exc).split()).split(": ")[-1] or type(exc).__name__
                    raise DatabaseUnavailable(f"cannot connect to the database at {safe_name(self.url)}: "
                                              f"{reason}") from None
                pool = ConnectionPool(self.url, min_size=1, max_size=self.pool_size, configure=self._configure,
                                      kwargs={"autocommit": True, "connect_timeout": 10}, open=False,
                                      name="plansearch")
                try:
                    pool.open(wait=True, timeout=self.connect_seconds)
                except Exception as exc:       # psycopg_pool.PoolTimeout, OperationalError
                    pool.close()
                    raise DatabaseUnavailable(f"cannot connect to the database at {safe_name(self.url)} "
                                              f"within {self.connect_seconds:g} s ({type(exc).__name__})") from None
                self._pool = pool
            return self._pool

    def close(self) -> None:
        with self._pool_lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None

    # -- IndexSource ----------------------------------------------------------------------------------
    def exists(self) -> bool:
        with connection(self.pool, self.query_timeout_ms) as conn:
            if schema.current_version(conn) == 0:
                return False
            return current_name(conn) is not None

    def current(self) -> str | None:
        with connection(self.pool, self.query_timeout_ms) as conn:
            if schema.current_version(conn) == 0:
                return None
            return current_name(conn)

    def open(self, verify: str = "auto", name: str | None = None) -> PgIndex:
        """A reader pinned to the current generation (or to generation `name`); `verify` is ignored."""
        with connection(self.pool, self.query_timeout_ms) as conn:
            schema.check(conn)
            gen = generation(conn, name) if name else current_generation(conn)
        if gen is None:
            raise IndexMissing(f"no index in the database at {safe_name(self.url)}; build one with `plansearch index`")
        return PgIndex(self.pool, gen, self.query_timeout_ms)

    def writer(self) -> PgWriter:
        return PgWriter(self.url, grace_seconds=self.grace_seconds)
