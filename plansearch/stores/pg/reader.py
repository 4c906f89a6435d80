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

KINDS = list(Kind)
PASSAGE_CACHE = 4096
COMMON_SHARE = 0.1          # a term in more than this share of the passages is looked up, not scanned (lexical)
_TRUE = sql.SQL("TRUE")


class PgIndex:
    """A PassageIndex over generation `generation` of the database behind `pool`."""

    waits_on_server = True                 # each leg is a query the server runs: search overlaps them

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
        with connection(pool) as conn:
            rows = conn.execute(f"SELECT rid, plan_id, domain, kind FROM passages WHERE {VISIBLE} ORDER BY rid",
                                {"gen": self.gen}).fetchall()
        self.rows = np.array([r[0] for r in rows], dtype=np.int64)
        self.count = len(rows)
        self.domains = sorted({r[2] for r in rows if r[2]})
        plan_number = {p: i for i, p in enumerate(self.plan_ids)}
        domain_number = {d: i for i, d in enumerate(self.domains)}
        self.plan_code = np.array([plan_number.get(r[1], -1) for r in rows], dtype=np.int32)
        self.domain_code = np.array([domain_number.get(r[2], -1) for r in rows], dtype=np.int32)
        self.kind_code = np.array([KINDS.index(Kind(r[3])) for r in rows], dtype=np.int8)
        self._by_plan: dict[int, np.ndarray] = {}
        order = np.argsort(self.plan_code, kind="stable")         # rid order within each plan = plan order
        for code, idx in zip(*_groups(self.plan_code[order], order)):
            self._by_plan[int(code)] = idx
        self._passages: OrderedDict[int, Passage] = OrderedDict()
        self._df: dict[str, int] = {}
        self._vocabulary: set[str] | None = None
        self._indicators: list | None = None
        self._lock = threading.Lock()

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
        with self._lock:
            hit = self._passages.get(row)
        if hit is not None:
            return hit
        with connection(self.pool, self.timeout_ms) as conn:
            found = conn.execute("SELECT body FROM passages WHERE rid = %s", (row,)).fetchone()
        if found is None:
            raise KeyError(f"row {row} is not in the database (pruned generation {self.name}?)")
        passage = Passage.model_validate(found[0])
        with self._lock:
            self._passages[row] = passage
            while len(self._passages) > PASSAGE_CACHE:
                self._passages.popitem(last=False)
        return passage

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
        """BM25 as plansearch.lexical computes it (k1, b, Lucene idf, lengths over the generation's passages),
        summed in SQL over the postings of the query's terms; a token given twice counts twice.

        Exact, but quicker than reading every posting when the query has very common terms (in the synthetic
        corpora 发展 is in every passage): a passage can gain at most a term's weight (idf × count) from it,
        so the passages having a rarer term are ranked first, with the common terms' postings looked up only
        for those whose rare-term score plus every common weight reaches the depth-th best rare-term score (a
        floor for the cut); if the last kept score beats the sum of the common terms' weights, no passage with
        only common terms can enter the ranking (MaxScore, Turtle & Flood 1995). Otherwise every posting is read."""
        stats = self._stats(list(dict.fromkeys(tokens)))
        counts = Counter(tokens)
        weights = {t: c * math.log(1 + (self.n_docs - stats[t][1] + 0.5) / (stats[t][1] + 0.5))
                   for t, c in counts.items() if stats[t][1] > 0}
        if not weights or depth <= 0:
            return []
        by_weight = sorted(weights, key=lambda t: (weights[t], t))
        common: list[str] = []
        for t in by_weight[:-1]:           # at least one term stays rare
            if stats[t][1] > self.n_docs * COMMON_SHARE:
                common.append(t)
        where, params = self._where(filter, "d")
        params.update(k1=K1, b=B, avg=self.avg_length, gen=self.gen, depth=depth)
        join = sql.SQL("") if where == _TRUE else sql.SQL("JOIN passages d ON d.rid = p.rid")
        contribution = sql.SQL("q.w * p.tf / (p.tf + %(k1)s * (1 - %(b)s + %(b)s * p.length / %(avg)s))")
        visible = sql.SQL("p.born <= %(gen)s AND (p.dead IS NULL OR p.dead > %(gen)s)")
        with connection(self.pool, self.timeout_ms) as conn:
            if common:
                rare = [t for t in weights if t not in common]
                query = sql.SQL(
                    "WITH rare AS MATERIALIZED (SELECT p.rid, sum({c}) AS s FROM unnest(%(r_ids)s::int[], "
                    "  %(r_w)s::float8[]) AS q(term_id, w) JOIN postings p ON p.term_id = q.term_id {join} "
                    "  WHERE {visible} AND {where} GROUP BY p.rid), "
                    # the depth-th best score from the rare terms alone is a floor for the final cut: a passage
                    # below it even with every common term's weight added cannot make the cut (and is not probed)
                    "floor AS (SELECT coalesce((SELECT s FROM rare ORDER BY s DESC LIMIT 1 OFFSET %(depth)s - 1), 0)"
                    "  AS s), "
                    "near AS (SELECT r.* FROM rare r, floor f WHERE r.s + %(bound)s >= f.s), "
                    "common AS (SELECT r.rid, r.s + coalesce(c.s, 0) AS score FROM near r "   # index probes
                    "  LEFT JOIN LATERAL (SELECT sum({c}) AS s FROM postings p "
                    "    JOIN unnest(%(c_ids)s::int[], %(c_w)s::float8[]) AS q(term_id, w) ON q.term_id = p.term_id "
                    "    WHERE p.term_id = ANY(%(c_ids)s::int[]) AND p.rid = r.rid AND {visible}) c ON true) "
                    "SELECT rid, score FROM common ORDER BY score DESC, rid LIMIT %(depth)s").format(
                        c=contribution, join=join, visible=visible, where=where)
                bound = sum(weights[t] for t in common)
                found = conn.execute(query, {**params, "bound": bound, "r_ids": [stats[t][0] for t in rare],
                                             "r_w": [weights[t] for t in rare],
                                             "c_ids": [stats[t][0] for t in common],
                                             "c_w": [weights[t] for t in common]}).fetchall()
                if len(found) == depth and found[-1][1] > bound:
                    return [(int(r), float(x)) for r, x in found if x > 0]
            query = sql.SQL(
                "SELECT p.rid, sum({c}) AS score FROM unnest(%(ids)s::int[], %(w)s::float8[]) AS q(term_id, w) "
                "JOIN postings p ON p.term_id = q.term_id {join} WHERE {visible} AND {where} "
                "GROUP BY p.rid ORDER BY score DESC, p.rid LIMIT %(depth)s").format(
                    c=contribution, join=join, visible=visible, where=where)
            found = conn.execute(query, {**params, "ids": [stats[t][0] for t in weights],
                                         "w": list(weights.values())}).fetchall()
            return [(int(r), float(x)) for r, x in found if x > 0]

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
