"""PgIndex: one generation of the PostgreSQL store, read through a connection pool (a PassageIndex).

A reader is pinned to the generation that was current when it was opened: every query restricts rows to
born <= G < dead, so a write committed meanwhile (generation G+1) changes nothing it returns. Rows are the
passages' `rid`s. The per-row codes that search asks about for every candidate (plan, domain, kind) are
read once at open, as the folder store maps its code arrays; passage text and vectors are read when asked."""
from __future__ import annotations

import math
import threading
from collections import Counter, OrderedDict
from typing import Iterator, Sequence

import numpy as np
from psycopg import sql
from psycopg_pool import ConnectionPool

from plansearch.errors import IndexMismatch
from plansearch.index import Filter, Scored
from plansearch.lexical import B, K1
from plansearch.manifest import incompatibilities
from plansearch.records import Kind, Passage
from plansearch.stores.pg.errors import connection
from plansearch.stores.pg.generations import VISIBLE, Generation
from plansearch.stores.pg.vectors import EXACT_ROWS, ef_search
from plansearch.stores.row_codes import KINDS, best_rows, filter_mask

PASSAGE_CACHE = 4096
POSTINGS_CACHE_BYTES = 256 * 2**20     # postings a reader keeps for BM25 (8 bytes each)
_TRUE = sql.SQL("TRUE")


class PgIndex:
    """A PassageIndex over generation `generation` of the database behind `pool`."""

    def __init__(self, pool: ConnectionPool, generation: Generation, timeout_ms: int | None = None):
        self.pool = pool
        self.timeout_ms = timeout_ms
        self.generation = generation
        self.gen = generation.gen
        self.name = generation.name
        self.manifest = generation.manifest
        self.plans = generation.plans
        self.plan_ids = [e.meta.id for e in self.plans]
        self.n_docs = generation.n_docs
        self.avg_length = generation.total_len / generation.n_docs if generation.n_docs else 1.0
        with connection(pool) as conn:       # one row per (plan, domain, kind), with its rids: not a row per passage
            groups = conn.execute(f"SELECT plan_id, domain, kind, array_agg(rid) FROM passages WHERE {VISIBLE} "
                                  "GROUP BY plan_id, domain, kind", {"gen": self.gen}, binary=True).fetchall()
        self.domains = sorted({g[1] for g in groups if g[1]})
        plan_number = {p: i for i, p in enumerate(self.plan_ids)}
        domain_number = {d: i for i, d in enumerate(self.domains)}
        kind_number = {k.value: i for i, k in enumerate(KINDS)}
        rids = [np.asarray(g[3], dtype=np.int64) for g in groups]
        spread = lambda values, dtype: np.concatenate(  # noqa: E731
            [np.full(len(r), v, dtype=dtype) for r, v in zip(rids, values)]) if groups else np.zeros(0, dtype)
        every = np.concatenate(rids) if groups else np.zeros(0, np.int64)
        order = np.argsort(every, kind="stable")
        self.rows = every[order]
        self.count = len(self.rows)
        self.plan_code = spread([plan_number.get(g[0], -1) for g in groups], np.int32)[order]
        self.domain_code = spread([domain_number.get(g[1], -1) for g in groups], np.int32)[order]
        self.kind_code = spread([kind_number[g[2]] for g in groups], np.int8)[order]
        self._by_plan: dict[int, np.ndarray] = {}
        order = np.argsort(self.plan_code, kind="stable")         # rid order within each plan = plan order
        for code, idx in zip(*_groups(self.plan_code[order], order)):
            self._by_plan[int(code)] = idx
        self._passages: OrderedDict[int, Passage] = OrderedDict()
        self._df: dict[str, int] = {}
        self._vocabulary: set[str] | None = None
        self._indicators: list | None = None
        self._lock = threading.Lock()
        # rid -> position, when rids are dense enough for a table (4 bytes per rid); else a binary search
        largest = int(self.rows[-1]) if self.count else 0
        self._position_of: np.ndarray | None = None
        if largest < 4 * self.count + 1_000_000:
            self._position_of = np.full(largest + 1, -1, dtype=np.int32)
            self._position_of[self.rows] = np.arange(self.count, dtype=np.int32)
        self._posting_cache: OrderedDict[int, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._posting_bytes = 0

    # -- positions ------------------------------------------------------------------------------------
    def _index(self, row: int) -> int:
        i = int(np.searchsorted(self.rows, row))
        if i >= len(self.rows) or self.rows[i] != row:
            raise KeyError(f"row {row} is not in generation {self.name}")
        return i

    def plan_of(self, row: int) -> str:
        return self.plan_ids[self.plan_code[self._index(row)]]

    def domain_of(self, row: int) -> str | None:
        code = int(self.domain_code[self._index(row)])
        return self.domains[code] if code >= 0 else None

    def kind_of(self, row: int) -> Kind:
        return KINDS[int(self.kind_code[self._index(row)])]

    def rows_of_plan(self, plan_id: str) -> list[int]:
        code = self.plan_ids.index(plan_id) if plan_id in self.plan_ids else -1
        return [int(self.rows[i]) for i in self._by_plan.get(code, [])]

    def neighbours(self, row: int) -> tuple[int | None, int | None]:
        i = self._index(row)
        same = self._by_plan.get(int(self.plan_code[i]))
        at = int(np.searchsorted(same, i))
        before = int(self.rows[same[at - 1]]) if at > 0 else None
        after = int(self.rows[same[at + 1]]) if at + 1 < len(same) else None
        return before, after

    # -- look-ups -------------------------------------------------------------------------------------
    def passage(self, row: int) -> Passage:
        return self.passages([row])[0]

    def passages(self, rows: Sequence[int]) -> list[Passage]:
        """From the cache, the others in one query."""
        rows = [int(r) for r in rows]
        with self._lock:
            found = {r: self._passages[r] for r in rows if r in self._passages}
        wanted = sorted(set(rows) - found.keys())
        if wanted:
            with connection(self.pool, self.timeout_ms) as conn:
                read = {int(rid): Passage.model_validate(body) for rid, body in conn.execute(
                    "SELECT rid, body FROM passages WHERE rid = ANY(%s)", (wanted,)).fetchall()}
            lost = [r for r in wanted if r not in read]
            if lost:
                raise KeyError(f"row {lost[0]} is not in the database (pruned generation {self.name}?)")
            found.update(read)
            with self._lock:
                self._passages.update(read)
                while len(self._passages) > PASSAGE_CACHE:
                    self._passages.popitem(last=False)
        return [found[r] for r in rows]

    def row_of(self, passage_id: str) -> int | None:
        with connection(self.pool, self.timeout_ms) as conn:
            found = conn.execute(f"SELECT rid FROM passages WHERE passage_id = %(id)s AND {VISIBLE}",
                                 {"id": passage_id, "gen": self.gen}).fetchone()
        return int(found[0]) if found else None

    def iter_passages(self) -> Iterator[tuple[int, Passage]]:
        with connection(self.pool, self.timeout_ms) as conn:
            with conn.transaction(), conn.cursor(name="iter_passages") as cur:     # read in batches
                cur.execute(f"SELECT rid, body FROM passages WHERE {VISIBLE} ORDER BY rid", {"gen": self.gen})
                for rid, body in cur:
                    yield int(rid), Passage.model_validate(body)

    def vectors_of(self, rows: Sequence[int]) -> np.ndarray:
        rows = [int(r) for r in rows]
        if not rows:
            return np.zeros((0, self.manifest.dimension), dtype=np.float32)
        with connection(self.pool, self.timeout_ms) as conn:
            found = dict(conn.execute("SELECT rid, embedding FROM passages WHERE rid = ANY(%s)", (rows,)).fetchall())
        return np.stack([np.asarray(found[r].to_numpy() if hasattr(found[r], "to_numpy") else found[r],
                                    dtype=np.float32) for r in rows])

    @property
    def indicators(self) -> list:
        if self._indicators is None:
            from plansearch.stores.pg.indicators import indicator_type

            cls = indicator_type()
            with connection(self.pool, self.timeout_ms) as conn:
                bodies = conn.execute(f"SELECT body FROM indicators WHERE {VISIBLE} ORDER BY id",
                                      {"gen": self.gen}).fetchall()
            order = {p: i for i, p in enumerate(self.plan_ids)}
            items = [cls.model_validate(b[0]) for b in bodies]
            self._indicators = sorted(items, key=lambda i: order.get(i.plan_id, len(order)))
        return self._indicators

    # -- vocabulary -----------------------------------------------------------------------------------
    def _stats(self, tokens: list[str]) -> dict[str, tuple[int, int]]:
        """(term id, document frequency in this generation) of each token; (0, 0) for an unknown one."""
        missing = [t for t in dict.fromkeys(tokens) if t not in self._df]
        found: dict[str, tuple[int, int]] = {}
        if missing:
            with connection(self.pool, self.timeout_ms) as conn:
                found = {term: (int(tid), int(df)) for term, tid, df in conn.execute(
                    "SELECT t.term, t.term_id, d.df FROM terms t JOIN term_df d ON d.term_id = t.term_id "
                    "AND d.gen = %s WHERE t.term = ANY(%s)", (self.gen, missing)).fetchall()}
            if len(self._df) < 100_000:
                self._df.update({t: found.get(t, (0, 0)) for t in missing})
        return {t: self._df[t] if t in self._df else found.get(t, (0, 0)) for t in tokens}

    def _dfs(self, tokens: list[str]) -> dict[str, int]:
        return {t: df for t, (_, df) in self._stats(tokens).items()}

    def known(self, tokens: list[str]) -> list[bool]:
        dfs = self._dfs(tokens)
        return [dfs[t] > 0 for t in tokens]

    def share_containing(self, token: str) -> float:
        return self._dfs([token])[token] / max(self.n_docs, 1)

    def vocabulary(self) -> set[str]:
        if self._vocabulary is None:
            with connection(self.pool, self.timeout_ms) as conn:
                self._vocabulary = {r[0] for r in conn.execute(
                    "SELECT t.term FROM term_df d JOIN terms t ON t.term_id = d.term_id WHERE d.gen = %s",
                    (self.gen,)).fetchall()}
        return self._vocabulary

    # -- ranking --------------------------------------------------------------------------------------
    def _where(self, filter: Filter | None, alias: str) -> tuple[sql.Composable, dict]:
        """The filter as SQL over passages `alias`, and its parameters."""
        parts: list[sql.Composable] = []
        params: dict = {}
        if filter is not None and not filter.empty:
            col = lambda name: sql.SQL("{}.{}").format(sql.Identifier(alias), sql.Identifier(name))  # noqa: E731
            allowed = filter.plan_ids([e.meta for e in self.plans])
            if allowed is not None:
                parts.append(sql.SQL("{} = ANY(%(f_plans)s)").format(col("plan_id")))
                params["f_plans"] = sorted(allowed)
            if filter.domains:
                parts.append(sql.SQL("{} = ANY(%(f_domains)s)").format(col("domain")))
                params["f_domains"] = sorted(filter.domains)
            if filter.kinds:
                parts.append(sql.SQL("{} = ANY(%(f_kinds)s)").format(col("kind")))
                params["f_kinds"] = sorted(Kind(k).value for k in filter.kinds)
        if not parts:
            return _TRUE, params
        return sql.SQL(" AND ").join(parts), params

    def lexical(self, tokens: list[str], filter: Filter | None, depth: int) -> Scored:
        """BM25 as plansearch.lexical computes it (k1, b, Lucene idf, lengths over the generation's passages); a
        token given twice counts twice. The server keeps the postings; the sums are numpy's, over each term's
        postings as this reader keeps them (`_postings`): summing 100,000s of postings in SQL took 60 ms for a
        typical query at 1M passages, and over a second for 儿童 alone."""
        stats = self._stats(list(dict.fromkeys(tokens)))
        counts = Counter(tokens)
        weights = {stats[t][0]: c * math.log(1 + (self.n_docs - stats[t][1] + 0.5) / (stats[t][1] + 0.5))
                   for t, c in counts.items() if stats[t][1] > 0}
        if not weights or depth <= 0:
            return []
        postings = self._postings(list(weights))
        positions = np.concatenate([postings[t][0] for t in weights])
        contributions = np.concatenate([postings[t][1] * np.float32(w) for t, w in weights.items()])
        scores = np.bincount(positions, weights=contributions, minlength=self.count)
        mask = filter_mask(filter, self.plans, self.domains, self.plan_code, self.domain_code, self.kind_code)
        if mask is not None:
            scores[~mask] = 0.0
        return [(int(self.rows[i]), float(scores[i])) for i in best_rows(scores, depth)]   # ties by rid

    def _postings(self, term_ids: list[int]) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """Each term's postings in this generation: the positions of its rows (in `self.rows`) and the BM25
        term-frequency part tf / (tf + k1 (1 - b + b length / avg)). Terms read before are kept, least recently
        used first out beyond POSTINGS_CACHE_BYTES; the others are read in one query, a row per term and write
        (posting_blocks): 1 ms for a term in 1% of a million passages, 20-30 ms for one in most of them."""
        found: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        with self._lock:
            for t in term_ids:
                if t in self._posting_cache:
                    self._posting_cache.move_to_end(t)
                    found[t] = self._posting_cache[t]
        missing = [t for t in term_ids if t not in found]
        if not missing:
            return found
        with connection(self.pool, self.timeout_ms) as conn:
            blocks = conn.execute("SELECT term_id, rids, tfs, lengths FROM posting_blocks "
                                  "WHERE term_id = ANY(%s) AND born <= %s ORDER BY term_id, block",
                                  (missing, self.gen), binary=True).fetchall()
        parts: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {t: [] for t in missing}
        for term, rids, tfs, lengths in blocks:
            position = self._positions(np.frombuffer(rids, ">i8"))
            seen = position >= 0                   # rows of this write that this generation still has
            tf = np.frombuffer(tfs, ">f4")[seen].astype(np.float32)
            norm = (K1 * (1 - B + B * np.frombuffer(lengths, ">f4")[seen].astype(np.float32)
                          / np.float32(self.avg_length))).astype(np.float32)
            parts[term].append((position[seen], tf / (norm + tf)))
        with self._lock:
            for t in missing:
                runs = parts[t]
                entry = (np.concatenate([r[0] for r in runs]) if runs else np.zeros(0, np.int32),
                         np.concatenate([r[1] for r in runs]) if runs else np.zeros(0, np.float32))
                found[t] = entry
                if t not in self._posting_cache:
                    self._posting_cache[t] = entry
                    self._posting_bytes += entry[0].nbytes + entry[1].nbytes
            while self._posting_bytes > POSTINGS_CACHE_BYTES and len(self._posting_cache) > 1:
                _, (p, w) = self._posting_cache.popitem(last=False)
                self._posting_bytes -= p.nbytes + w.nbytes
        return found

    def _positions(self, rids: np.ndarray) -> np.ndarray:
        """Each rid's position in `self.rows`, -1 where this generation does not have it."""
        if self._position_of is not None:
            inside = rids < len(self._position_of)
            out = np.full(len(rids), -1, dtype=np.int32)
            out[inside] = self._position_of[rids[inside]]
            return out
        if not len(self.rows):
            return np.full(len(rids), -1, dtype=np.int32)
        at = np.minimum(np.searchsorted(self.rows, rids), len(self.rows) - 1)
        return np.where(self.rows[at] == rids, at, -1).astype(np.int32)

    def dense(self, vector: np.ndarray, filter: Filter | None, depth: int, breadth: float = 1.0) -> Scored:
        """Inner product, nearest first: exact over at most EXACT_ROWS candidate rows (as the folder store),
        else the HNSW graph with pgvector's iterative scan, so the filter still leaves `depth` rows."""
        if depth <= 0:
            return []
        where, params = self._where(filter, "p")
        candidates = self.count if not params else self._count(where, params)
        q = np.asarray(vector, dtype=np.float32).reshape(-1)
        params.update(q=q, gen=self.gen, depth=depth)
        dim = int(self.manifest.dimension)
        visible = sql.SQL(VISIBLE.replace("born", "p.born").replace("dead", "p.dead"))
        with connection(self.pool, self.timeout_ms) as conn:
            if candidates <= EXACT_ROWS:
                query = sql.SQL("SELECT p.rid, -(p.embedding <#> %(q)s::vector) AS score FROM passages p "
                                "WHERE {visible} AND {where} ORDER BY p.embedding <#> %(q)s::vector, p.rid "
                                "LIMIT %(depth)s").format(visible=visible, where=where)
                rows = conn.execute(query, params).fetchall()
            else:
                with conn.transaction():
                    conn.execute(sql.SQL("SET LOCAL hnsw.ef_search = {}").format(
                        sql.Literal(ef_search(self.count, breadth, depth))))
                    conn.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
                    expr = sql.SQL("(p.embedding::vector({d})) <#> %(q)s::vector({d})").format(d=sql.Literal(dim))
                    query = sql.SQL("SELECT rid, score FROM (SELECT p.rid, -({expr}) AS score FROM passages p "
                                    "WHERE {visible} AND {where} ORDER BY {expr} LIMIT %(depth)s) x "
                                    "ORDER BY score DESC, rid").format(expr=expr, visible=visible, where=where)
                    rows = conn.execute(query, params).fetchall()
        return [(int(r), float(s)) for r, s in rows]

    def _count(self, where: sql.Composable, params: dict) -> int:
        with connection(self.pool, self.timeout_ms) as conn:
            query = sql.SQL("SELECT count(*) FROM passages p WHERE {visible} AND {where}").format(
                visible=sql.SQL(VISIBLE.replace("born", "p.born").replace("dead", "p.dead")), where=where)
            return int(conn.execute(query, {**params, "gen": self.gen}).fetchone()[0])

    # -- health ---------------------------------------------------------------------------------------
    def check_compatible(self, model: str, dimension: int, prompts: dict[str, str], dictionary_hash: str) -> None:
        problems = incompatibilities(self.manifest, model, dimension, prompts, dictionary_hash)
        if problems:
            raise IndexMismatch("the index in the database was built with " + "; ".join(problems)
                                + ". Rebuild it with `plansearch index --rebuild`.")

    def check_unchanged(self) -> str | None:
        return None

    def require_intact(self) -> None:
        return None

    def describe(self) -> dict:
        return {"store": "postgresql", "serving_build": self.name, "integrity": "verified", "problem": None,
                "segments": 1, "where": f"generation {self.name} of the database"}


def _groups(sorted_codes: np.ndarray, order: np.ndarray) -> tuple[list[int], list[np.ndarray]]:
    """Split `order` where `sorted_codes` changes: (code, positions) per code."""
    if not len(sorted_codes):
        return [], []
    cuts = np.flatnonzero(np.diff(sorted_codes)) + 1
    return [int(c) for c in sorted_codes[np.r_[0, cuts]]], np.split(order, cuts)
