"""The PostgreSQL store's tables, as numbered migrations recorded in schema_version.

`plansearch index` applies the missing migrations (`migrate`); readers check the version (`check`) and refuse
a database whose schema is older or newer than this code with one line.

Rows are never copied between generations: a passage (and its postings and indicators) is written once, with
the generation that added it (`born`) and, once its plan is removed or replaced, the generation that dropped
it (`dead`). Generation G sees the rows with born <= G < dead. A write adds generation G+1 in one transaction;
readers pinned to G never see it, and rows dead for every generation still kept are pruned after a grace period.
BM25 needs corpus statistics per generation: the passage count and total length (generations), the document
frequency of each term (term_df); the postings keep each row's term frequency and length, packed per term and
write (posting_blocks, migration 2). A block holds the rows of one write; a reader keeps only the rows its
generation sees, and a block goes once no passage of its write is left."""
from __future__ import annotations

import psycopg

from plansearch.errors import IndexMismatch

MIGRATIONS: list[str] = [
    # 1: passages with vectors, postings and statistics for BM25, generations, plans and indicators
    """
    CREATE EXTENSION IF NOT EXISTS vector;
    CREATE TABLE generations (
        gen         bigint PRIMARY KEY,
        name        text NOT NULL UNIQUE,
        state       text NOT NULL CHECK (state IN ('live', 'retired')),
        created_at  timestamptz NOT NULL DEFAULT now(),
        retired_at  timestamptz,
        manifest    jsonb NOT NULL,
        plans       jsonb NOT NULL,            -- PlanEntry JSON of the live plans, in index order
        n_docs      bigint NOT NULL,
        total_len   double precision NOT NULL
    );
    CREATE SEQUENCE generation_seq;
    CREATE TABLE current_generation (
        only_one    boolean PRIMARY KEY DEFAULT true CHECK (only_one),
        gen         bigint NOT NULL REFERENCES generations (gen)
    );
    CREATE TABLE passages (
        rid         bigserial PRIMARY KEY,
        passage_id  text NOT NULL,
        plan_id     text NOT NULL,
        position    integer NOT NULL,
        domain      text,
        kind        text NOT NULL,
        number      integer,
        title       text,
        body        jsonb NOT NULL,            -- the Passage as JSON: text, source, section …
        length      real NOT NULL,             -- tokens, for BM25
        terms       integer[] NOT NULL,        -- its term ids (to retire and prune its postings)
        embedding   vector NOT NULL,           -- L2-normalised; the HNSW index is per dimension (vectors.py)
        born        bigint NOT NULL,
        dead        bigint
    );
    -- vectors stay inline and uncompressed (pgvector's default stores a 384-dimension vector out of line
    -- beside a long text, and an exact scan then reads the TOAST table row by row: 10x slower)
    ALTER TABLE passages ALTER COLUMN embedding SET STORAGE PLAIN;
    CREATE INDEX passages_id ON passages (passage_id);
    CREATE INDEX passages_plan ON passages (plan_id, position);
    CREATE INDEX passages_dead ON passages (dead) WHERE dead IS NOT NULL;
    CREATE TABLE terms (
        term_id     serial PRIMARY KEY,
        term        text NOT NULL UNIQUE
    );
    CREATE TABLE postings (
        term_id     integer NOT NULL,
        rid         bigint NOT NULL,
        tf          real NOT NULL,
        length      real NOT NULL,
        born        bigint NOT NULL,
        dead        bigint,
        PRIMARY KEY (term_id, rid)
    );
    CREATE TABLE term_df (
        gen         bigint NOT NULL,
        term_id     integer NOT NULL,
        df          integer NOT NULL,
        PRIMARY KEY (gen, term_id)
    );
    CREATE TABLE indicators (
        id          bigserial PRIMARY KEY,
        plan_id     text NOT NULL,
        body        jsonb NOT NULL,
        born        bigint NOT NULL,
        dead        bigint
    );
    CREATE INDEX indicators_plan ON indicators (plan_id);
    CREATE TABLE vector_index (
        dimension   integer PRIMARY KEY        -- the dimension the HNSW expression index was made for
    );
    """,
    # 2: each term's postings as blocks of packed arrays, one block per term and write: the reader reads a
    # term's postings in one row (20-30 ms for a term in most of a million passages, against a second as rows)
    """
    CREATE TABLE posting_blocks (
        term_id     integer NOT NULL,
        block       bigserial,
        born        bigint NOT NULL,           -- the generation that wrote it (its passages' born)
        rids        bytea NOT NULL,            -- int8, big-endian, ascending
        tfs         bytea NOT NULL,            -- float4, big-endian: the term's frequency in each passage
        lengths     bytea NOT NULL,            -- float4, big-endian: each passage's length in tokens
        PRIMARY KEY (term_id, block)
    );
    -- stored as they are (no compression): a reader takes the bytes as numpy arrays
    ALTER TABLE posting_blocks ALTER COLUMN rids SET STORAGE EXTERNAL;
    ALTER TABLE posting_blocks ALTER COLUMN tfs SET STORAGE EXTERNAL;
    ALTER TABLE posting_blocks ALTER COLUMN lengths SET STORAGE EXTERNAL;
    CREATE INDEX posting_blocks_born ON posting_blocks (born);
    INSERT INTO posting_blocks (term_id, born, rids, tfs, lengths)
        SELECT term_id, born, string_agg(int8send(rid), ''::bytea ORDER BY rid),
               string_agg(float4send(tf), ''::bytea ORDER BY rid), string_agg(float4send(length), ''::bytea ORDER BY rid)
        FROM postings GROUP BY term_id, born;
    DROP TABLE postings;
    """,
]

VERSION = len(MIGRATIONS)


def current_version(conn: psycopg.Connection) -> int:
    """0 for an empty database."""
    exists = conn.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()[0]
    if not exists:
        return 0
    row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def migrate(conn: psycopg.Connection) -> int:
    """Apply the missing migrations, each in its own transaction; returns the version reached. Two processes
    migrating at once are serialised by an advisory lock."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('plansearch.migrate'))")
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, "
                     "applied_at timestamptz NOT NULL DEFAULT now())")
        have = current_version(conn)
        if have > VERSION:
            raise IndexMismatch(f"the database schema is version {have}, this plansearch knows up to {VERSION}: "
                                f"upgrade plansearch")
        for number in range(have + 1, VERSION + 1):
            conn.execute(MIGRATIONS[number - 1])
            conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (number,))
    return VERSION


def check(conn: psycopg.Connection) -> None:
    """Refuse a database this code cannot read, in one line."""
    have = current_version(conn)
    if have == VERSION:
        return
    if have == 0:
        raise IndexMismatch("the database holds no plansearch index yet; build one with `plansearch index`")
    if have < VERSION:
        raise IndexMismatch(f"the database schema is version {have}, this plansearch needs {VERSION}: "
                            f"run `plansearch index` to migrate it")
    raise IndexMismatch(f"the database schema is version {have}, this plansearch knows up to {VERSION}: "
                        f"upgrade plansearch")
