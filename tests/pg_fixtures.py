"""One local PostgreSQL per test session (the `plansearch db start` code, in a temporary folder, on
127.0.0.1), and a fresh database per test that asks for one."""
from __future__ import annotations

import uuid

import pytest


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory):
    """The URL of a running server's `plansearch` database; the server is stopped at the end of the session."""
    from plansearch.stores.pg.server import LocalServer

    server = LocalServer(tmp_path_factory.mktemp("pg") / "pg")
    # durability is not under test (a killed *writer* is, not a crashed server): skip the fsyncs
    url = server.start(options={"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"})
    try:
        yield url
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server):
    """A new empty database (with pgvector) on the session's server, dropped after the test."""
    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    base = pg_server.rsplit("/", 1)[0]
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(f"{base}/{name}", autocommit=True) as conn:
        conn.execute("CREATE EXTENSION vector")
    yield f"{base}/{name}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
