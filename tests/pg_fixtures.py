"""One local PostgreSQL per test session (the `plansearch db start` code, in a temporary folder, on
127.0.0.1), and a fresh database per test that asks for one."""
from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def pg_server():
    """The URL of a running server's `plansearch` database; the server is stopped and its folder removed at the
    end of the session. The folder is not under pytest's basetemp: every pytest run as the same user resets
    that folder's mode to 0700, which would lock the server (another OS user) out of its own data mid-run."""
    from plansearch.stores import local_database

    folder = Path(tempfile.mkdtemp(prefix="plansearch-pg-"))
    server = local_database(folder / "pg")
    try:
        # durability is not under test (a killed *writer* is, not a crashed server): skip the fsyncs
        yield server.start(options={"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"})
    finally:
        try:
            server.stop()
        finally:
            shutil.rmtree(folder, ignore_errors=True)


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
