"""Writes to the PostgreSQL store: one change = one new generation, in one transaction, by one writer at a time.

A second writer (on this machine or another) is refused with IndexBusy: the lock is a session advisory lock,
released by PostgreSQL when the holder's connection ends, so a killed writer leaves no lock behind and its
uncommitted generation simply never existed. Rows of removed or replaced plans are marked dead in the new
generation (readers of the old one still see them) and deleted once no generation kept for the grace period
can see them."""
from __future__ import annotations

import contextlib
import json
import struct
import time
import uuid
from collections import Counter
from typing import Callable, Iterator

import numpy as np
import psycopg

from psycopg.types.json import Jsonb

from plansearch.errors import IndexBusy
from plansearch.manifest import IndexManifest, NewPlans, PlanEntry
from plansearch.stores.pg import schema, vectors
from plansearch.stores.pg.errors import DatabaseUnavailable, safe_name
from plansearch.stores.pg.generations import current_generation

LOCK_KEY = 0x706C616E73656172          # "plansear": one writer per database
GRACE_SECONDS = 600.0                   # a retired generation stays readable this long after a newer one


class PgWriter:
    """The IndexWriter of the PostgreSQL store at `url`."""

    def __init__(self, url: str, grace_seconds: float = GRACE_SECONDS):
        self.url = url
        self.grace_seconds = grace_seconds
        self._conn: psycopg.Connection | None = None

    # -- the lock ---------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the database's writer lock for a whole change; IndexBusy if another writer holds it."""
        if self._conn is not None:           # re-entered by write() under an outer lock()
            yield
            return
        conn = _connect(self.url)
        held = False
        try:
            if not conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()[0]:
                raise IndexBusy("another `plansearch index` is writing to this database; try again when it "
                                "has finished")
            held = True
            self._conn = conn
            schema.migrate(conn)
            vectors.register(conn)
            yield
        finally:
            self._conn = None
            if held:
                # released before closing: the server ends a closed session's backend (and frees its locks)
                # some time later, and a write right after this one would find the lock still held
                with contextlib.suppress(psycopg.Error):
                    conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
            conn.close()

    def state(self, verify: bool = False) -> tuple[IndexManifest, list[PlanEntry]] | None:
        """What is indexed now; None for an empty database or one of another schema version (a write
        migrates it and rebuilds). Needs no lock: another writer may be busy, its change is not seen."""
        if self._conn is not None:
            return self._state(self._conn)
        with _connect(self.url) as conn:
            return self._state(conn)

    @staticmethod
    def _state(conn: psycopg.Connection) -> tuple[IndexManifest, list[PlanEntry]] | None:
        if schema.current_version(conn) != schema.VERSION:
            return None
        gen = current_generation(conn)
        return (gen.manifest, gen.plans) if gen is not None else None

    # -- a change ---------------------------------------------------------------------------------------
    def write(self, manifest: IndexManifest, new: NewPlans | None, keep: list[PlanEntry],
              after_write: Callable[[], None] | None = None) -> str:
        """Add generation G+1: `keep`'s plans stay, `new`'s are added (replacing plans of the same id),
        every other plan is removed. Returns the generation's name."""
        with self.lock():
            conn = self._conn
            started = time.perf_counter()
            with conn.transaction():
                name = self._write(conn, manifest, new, keep)
                if after_write is not None:
                    after_write()               # test hook: a writer killed here leaves the old generation
            added = len(new.passages) if new is not None else 0
            if added > 1000:
                conn.execute("ANALYZE passages")
                conn.execute("ANALYZE posting_blocks")
                conn.execute("ANALYZE term_df")
            prune(conn, self.grace_seconds)
            manifest.build_seconds = round(manifest.build_seconds + time.perf_counter() - started, 2)
            return name

    def _write(self, conn: psycopg.Connection, manifest: IndexManifest, new: NewPlans | None,
               keep: list[PlanEntry]) -> str:
        prev = current_generation(conn)
        dimension = manifest.dimension
        if prev is not None and prev.manifest.dimension != dimension:
            # another model: nothing of the old index can be kept, nor share the vector index's dimension
            conn.execute("TRUNCATE passages, posting_blocks, term_df, indicators, current_generation, generations")
            prev, keep = None, []
        gen = conn.execute("SELECT nextval('generation_seq')").fetchone()[0]
        name = f"g{gen}-" + time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        new_entries = list(new.entries) if new is not None else []
        replaced = {e.meta.id for e in new_entries}
        kept = {e.meta.id for e in keep} - replaced
        n_docs, total_len = (prev.n_docs, prev.total_len) if prev else (0, 0.0)
        removed_df: Counter = Counter()
        if prev is not None:
            retire = [e.meta.id for e in prev.plans if e.meta.id not in kept]
            if retire:
                dead = conn.execute(
                    "UPDATE passages SET dead = %s WHERE plan_id = ANY(%s) AND dead IS NULL RETURNING length, terms",
                    (gen, retire)).fetchall()
                for length, terms in dead:
                    removed_df.update(terms)
                    total_len -= float(length)
                n_docs -= len(dead)
                conn.execute("UPDATE indicators SET dead = %s WHERE plan_id = ANY(%s) AND dead IS NULL", (gen, retire))
        added_df: dict[int, int] = {}
        if new is not None and new.passages:
            added_df, length_sum = self._insert(conn, gen, new, dimension)
            n_docs += len(new.passages)
            total_len += length_sum
        if new is not None and new.indicators:
            with conn.cursor().copy("COPY indicators (plan_id, body, born) FROM STDIN") as copy:
                for indicator in new.indicators:
                    copy.write_row((indicator.plan_id, indicator.model_dump_json(), gen))
        self._term_df(conn, gen, prev.gen if prev else None, added_df, removed_df)
        vectors.ensure_index(conn, dimension)
        entries = [e for e in keep if e.meta.id in kept] + new_entries
        for e in entries:
            e.segment, e.first = name, 0
        manifest.segments = [name]
        manifest.passage_count = sum(e.size for e in entries)
        manifest.files = {}
        conn.execute("UPDATE generations SET state = 'retired', retired_at = now() WHERE state = 'live'")
        conn.execute("INSERT INTO generations (gen, name, state, manifest, plans, n_docs, total_len) "
                     "VALUES (%s, %s, 'live', %s, %s, %s, %s)",
                     (gen, name, json.dumps(manifest.to_json(), ensure_ascii=False),
                      json.dumps([e.to_json() for e in entries], ensure_ascii=False), n_docs, total_len))
        conn.execute("INSERT INTO current_generation (only_one, gen) VALUES (true, %s) "
                     "ON CONFLICT (only_one) DO UPDATE SET gen = EXCLUDED.gen", (gen,))
        return name

    def _insert(self, conn: psycopg.Connection, gen: int, new: NewPlans, dimension: int
                ) -> tuple[dict[int, int], float]:
        """COPY the new passages and their postings; returns df per term id and the summed lengths."""
        terms = new.terms
        vocab = list(terms.vocab)
        ids = term_ids(conn, vocab)
        col_ids = np.array([ids[t] for t in vocab], dtype=np.int64)
        n = len(new.passages)
        last = conn.execute("SELECT setval('passages_rid_seq', nextval('passages_rid_seq') + %s - 1)", (n,)).fetchone()[0]
        rids = np.arange(last - n + 1, last + 1, dtype=np.int64)
        df = np.diff(terms.indptr)
        posting_term = np.repeat(col_ids, df)
        posting_row = np.asarray(terms.rows, dtype=np.int64)
        lengths = np.asarray(terms.lengths, dtype=np.float32)
        order = np.argsort(posting_row, kind="stable")
        per_row = np.split(posting_term[order], np.cumsum(np.bincount(posting_row, minlength=n))[:-1])
        matrix = np.ascontiguousarray(new.vectors, dtype=np.float32)
        with conn.cursor().copy(
                "COPY passages (rid, passage_id, plan_id, position, domain, kind, number, title, body, length, "
                "terms, embedding, born) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["int8", "text", "text", "int4", "text", "text", "int4", "text", "jsonb", "float4",
                            "int4[]", "vector", "int8"])
            for i, p in enumerate(new.passages):
                copy.write_row((int(rids[i]), p.id, p.plan_id, p.position, p.domain, p.kind.value, p.number, p.title,
                                Jsonb(p, dumps=_json), float(lengths[i]), per_row[i].tolist(), matrix[i], gen))
        copy_posting_blocks(conn, col_ids, terms.indptr, rids[posting_row], np.asarray(terms.tf, np.float32),
                            lengths[posting_row], gen)
        return dict(zip(col_ids.tolist(), df.tolist())), float(lengths.astype(np.float64).sum())

    def _term_df(self, conn: psycopg.Connection, gen: int, prev: int | None, added: dict[int, int],
                 removed: Counter) -> None:
        """Generation `gen`'s document frequencies: the previous generation's, plus the added, minus the removed."""
        delta = Counter(added)
        delta.subtract(removed)
        conn.execute("CREATE TEMP TABLE df_delta (term_id integer, d integer) ON COMMIT DROP")
        with conn.cursor().copy("COPY df_delta FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["int4", "int4"])
            for term_id, d in delta.items():
                if d:
                    copy.write_row((term_id, d))
        conn.execute("INSERT INTO term_df (gen, term_id, df) SELECT %(g)s, term_id, sum(df) FROM ("
                     " SELECT term_id, df FROM term_df WHERE gen = %(prev)s"
                     " UNION ALL SELECT term_id, d FROM df_delta) x GROUP BY term_id HAVING sum(df) > 0",
                     {"g": gen, "prev": prev if prev is not None else -1})


def _connect(url: str) -> psycopg.Connection:
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=15)
    except psycopg.OperationalError as exc:
        line = (str(exc).strip().splitlines() or ["no answer"])[-1]
        raise DatabaseUnavailable(f"cannot connect to the database at {safe_name(url)}: {line}") from None


def term_ids(conn: psycopg.Connection, vocab: list[str]) -> dict[str, int]:
    """Ids of `vocab`'s terms, adding the ones the database does not know yet."""
    conn.execute("INSERT INTO terms (term) SELECT unnest(%s::text[]) ON CONFLICT (term) DO NOTHING", (vocab,))
    return dict(conn.execute("SELECT term, term_id FROM terms WHERE term = ANY(%s)", (vocab,)).fetchall())


def _json(model) -> str:
    return model.model_dump_json()


_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)


def copy_posting_blocks(conn: psycopg.Connection, term_ids: np.ndarray, indptr: np.ndarray, rid: np.ndarray,
                        tf: np.ndarray, length: np.ndarray, gen: int) -> None:
    """One block per term of this write: its postings (term `term_ids[i]` at indptr[i]:indptr[i + 1], rows
    ascending) packed as big-endian arrays, sent by COPY in PostgreSQL's binary format."""
    rid_bytes = np.ascontiguousarray(rid, dtype=">i8").tobytes()
    tf_bytes = np.ascontiguousarray(tf, dtype=">f4").tobytes()
    length_bytes = np.ascontiguousarray(length, dtype=">f4").tobytes()
    pack = struct.Struct("!hiiiqi").pack                  # 5 fields; term_id; born
    with conn.cursor().copy("COPY posting_blocks (term_id, born, rids, tfs, lengths) FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(_COPY_HEADER)
        out: list[bytes] = []
        for i, term in enumerate(term_ids.tolist()):
            lo, hi = int(indptr[i]), int(indptr[i + 1])
            if hi == lo:
                continue
            out += [pack(5, 4, term, 8, gen, 8 * (hi - lo)), rid_bytes[8 * lo:8 * hi],
                    struct.pack("!i", 4 * (hi - lo)), tf_bytes[4 * lo:4 * hi],
                    struct.pack("!i", 4 * (hi - lo)), length_bytes[4 * lo:4 * hi]]
            if len(out) > 6000:
                copy.write(b"".join(out))
                out = []
        copy.write(b"".join(out) + struct.pack("!h", -1))


def prune(conn: psycopg.Connection, grace_seconds: float) -> int:
    """Delete generations retired more than `grace_seconds` ago and the rows no remaining generation sees;
    returns the rows deleted. Runs under the writer lock, in its own transaction."""
    with conn.transaction():
        oldest = conn.execute(
            "SELECT min(gen) FROM generations WHERE state = 'live' OR retired_at > now() - make_interval(secs => %s)",
            (grace_seconds,)).fetchone()[0]
        if oldest is None:
            return 0
        gone = conn.execute("DELETE FROM passages WHERE dead <= %s", (oldest,)).rowcount
        if gone:           # a write's blocks go with the last of its passages (the reader skips rows it does not see)
            conn.execute("DELETE FROM posting_blocks b WHERE NOT EXISTS "
                         "(SELECT 1 FROM passages p WHERE p.born = b.born)")
        conn.execute("DELETE FROM indicators WHERE dead <= %s", (oldest,))
        conn.execute("DELETE FROM term_df WHERE gen < %s", (oldest,))
        conn.execute("DELETE FROM generations WHERE gen < %s", (oldest,))
    return gone
