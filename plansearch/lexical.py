"""BM25 over segments: raw term frequencies per segment, corpus-wide statistics at query time.

bm25s (used before) stores finished scores, with the corpus's IDF and average length baked in, so an index
that grows one plan at a time cannot add to it. Here each segment keeps a term-frequency matrix (CSC: one
column per token) that never changes; document frequencies and lengths are summed over the live segments
when the index is opened, and bm25s's own formula — the Lucene variant, k1 = 1.5, b = 0.75 — is applied
to the few columns a query touches. The scores equal bm25s's, on one segment or split over several
(tests/test_lexical.py; bm25s is only a test dependency now)."""
from __future__ import annotations

import json
import math
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

K1 = 1.5
B = 0.75
EMPTY_TOKEN = "\u2400"      # stands in for a passage with no tokens, as before (no query produces it)


@dataclass
class PlanTerms:
    """The search tokens of a run of rows (one plan's passages), before they join a segment's matrix: the run's
    distinct tokens in first-seen order, each token occurrence as a position in them, and tokens per row."""

    vocab: list[str]
    cols: np.ndarray          # int32
    lengths: np.ndarray       # int32

    @classmethod
    def build(cls, tokens: Iterable[list[str]]) -> "PlanTerms":
        local: dict[str, int] = {}
        cols = array("i")
        lengths = array("i")
        for doc in tokens:
            doc = doc or [EMPTY_TOKEN]
            lengths.append(len(doc))
            cols.extend([local.setdefault(token, len(local)) for token in doc])
        return cls(list(local), np.frombuffer(cols, dtype=np.int32).copy(), np.frombuffer(lengths, dtype=np.int32).copy())


@dataclass
class TermMatrix:
    """Term frequencies of one segment: column c of (indptr, rows, tf) lists the rows containing vocab[c]."""

    vocab: dict[str, int]
    indptr: np.ndarray        # int64, len(vocab) + 1
    rows: np.ndarray          # int32
    tf: np.ndarray            # float32
    lengths: np.ndarray       # float32, tokens per row

    @classmethod
    def build(cls, tokens: Iterable[list[str]]) -> "TermMatrix":
        """From each row's tokens (consumed one row at a time: a million rows fit in memory)."""
        return cls.from_parts([PlanTerms.build(tokens)])

    @classmethod
    def from_parts(cls, parts: Iterable[PlanTerms]) -> "TermMatrix":
        """Runs of rows joined in order: the same matrix, words numbered alike, as `build` over all their rows."""
        vocab: dict[str, int] = {}
        cols, lengths = [], []
        for part in parts:
            ids = np.array([vocab.setdefault(token, len(vocab)) for token in part.vocab], dtype=np.int64)
            cols.append(ids[part.cols] if len(part.cols) else np.zeros(0, np.int64))
            lengths.append(part.lengths)
        lengths_np = np.concatenate(lengths).astype(np.float32) if lengths else np.zeros(0, np.float32)
        rows = np.repeat(np.arange(len(lengths_np), dtype=np.int64), lengths_np.astype(np.int64))
        return cls.from_pairs(vocab, np.concatenate(cols) if cols else np.zeros(0, np.int64), rows, lengths_np)

    @classmethod
    def from_pairs(cls, vocab: dict[str, int], cols: np.ndarray, rows: np.ndarray, lengths: np.ndarray,
                   weights: np.ndarray | None = None) -> "TermMatrix":
        """From (column, row[, count]) pairs; repeated pairs add up."""
        n_rows = len(lengths)
        key = cols * max(n_rows, 1) + rows
        order = np.argsort(key, kind="stable")
        key = key[order]
        weights = np.ones(len(key), dtype=np.float32) if weights is None else np.asarray(weights, np.float32)[order]
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else np.zeros(0, dtype=np.int64)
        tf = np.add.reduceat(weights, starts).astype(np.float32) if len(key) else np.zeros(0, np.float32)
        unique = key[starts]
        ucols, urows = unique // max(n_rows, 1), unique % max(n_rows, 1)
        indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.add.at(indptr, ucols + 1, 1)
        return cls(vocab, np.cumsum(indptr), urows.astype(np.int32), tf, np.asarray(lengths, dtype=np.float32))

    def df(self) -> np.ndarray:
        return np.diff(self.indptr)

    def take(self, keep: np.ndarray) -> "TermMatrix":
        """The matrix restricted to rows `keep` (ascending), renumbered from 0; unused tokens dropped."""
        new_row = np.full(len(self.lengths), -1, dtype=np.int64)
        new_row[keep] = np.arange(len(keep))
        cols = np.repeat(np.arange(len(self.vocab)), self.df())
        rows = new_row[self.rows]
        live = rows >= 0
        used = np.unique(cols[live])
        remap = np.full(len(self.vocab), -1, dtype=np.int64)
        remap[used] = np.arange(len(used))
        tokens = list(self.vocab)
        vocab = {tokens[c]: i for i, c in enumerate(used)}
        return TermMatrix.from_pairs(vocab, remap[cols[live]], rows[live], self.lengths[keep], self.tf[live])

    @staticmethod
    def concat(parts: list["TermMatrix"]) -> "TermMatrix":
        """Rows of `parts` one after another, vocabularies united."""
        vocab: dict[str, int] = {}
        cols, rows, tfs, lengths = [], [], [], []
        base = 0
        for part in parts:
            remap = np.array([vocab.setdefault(t, len(vocab)) for t in part.vocab], dtype=np.int64)
            cols.append(remap[np.repeat(np.arange(len(part.vocab)), part.df())])
            rows.append(part.rows.astype(np.int64) + base)
            tfs.append(part.tf)
            lengths.append(part.lengths)
            base += len(part.lengths)
        cat = lambda xs, dt: np.concatenate(xs) if xs else np.zeros(0, dt)  # noqa: E731
        return TermMatrix.from_pairs(vocab, cat(cols, np.int64), cat(rows, np.int64), cat(lengths, np.float32),
                                     cat(tfs, np.float32))

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "vocab.json").write_text(json.dumps(list(self.vocab), ensure_ascii=False), encoding="utf-8")
        for name in ("indptr", "rows", "tf", "lengths"):
            np.save(folder / f"{name}.npy", getattr(self, name))

    @classmethod
    def load(cls, folder: Path) -> "TermMatrix":
        tokens = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
        arrays = {name: np.load(folder / f"{name}.npy", mmap_mode="r") for name in ("indptr", "rows", "tf", "lengths")}
        return cls(vocab={t: i for i, t in enumerate(tokens)}, **arrays)


class Bm25:
    """Scores over several segments' term matrices as one corpus. Statistics (document count, average length,
    document frequencies) count only the `live` rows: rows of a removed or replaced plan count no more, so an
    index updated plan by plan scores as a complete rebuild does. The rows themselves are masked out by the
    caller."""

    def __init__(self, parts: list[tuple[int, TermMatrix]], size: int, live: np.ndarray | None = None):
        self.parts = parts          # (first global row, matrix)
        self.size = size
        self.live = None if live is None or bool(np.all(live)) else np.asarray(live, dtype=bool)
        lengths = [np.asarray(m.lengths, dtype=np.float64) for _, m in parts]
        if self.live is not None:
            lengths = [ls[self.live[base:base + len(ls)]] for (base, _), ls in zip(parts, lengths)]
        self.n_docs = sum(len(ls) for ls in lengths)
        total = sum(float(ls.sum()) for ls in lengths)
        self.avg_length = total / self.n_docs if self.n_docs else 1.0
        # per segment, K1 * (1 - B + B * length / avg): the part of the denominator that depends on the row
        self._norms = [(K1 * (1 - B + B * np.asarray(m.lengths, dtype=np.float32) / self.avg_length)).astype(np.float32)
                       for _, m in parts]
        self._df_cache: dict[str, int] = {}

    def df(self, token: str) -> int:
        """Rows containing `token` in any segment."""
        df = self._df_cache.get(token)
        if df is None:
            df = 0
            for base, m in self.parts:
                c = m.vocab.get(token)
                if c is not None:
                    lo, hi = int(m.indptr[c]), int(m.indptr[c + 1])
                    df += hi - lo if self.live is None else int(self.live[base + np.asarray(m.rows[lo:hi])].sum())
            if len(self._df_cache) < 100_000:
                self._df_cache[token] = df
        return df

    def knows(self, token: str) -> bool:
        return self.df(token) > 0

    def vocabulary(self) -> set[str]:
        """Every token of a live row: a token found only in removed rows is left out."""
        out: set[str] = set()
        for base, m in self.parts:
            if self.live is None or bool(self.live[base:base + len(m.lengths)].all()):
                out.update(m.vocab)
                continue
            rows = np.asarray(m.rows)
            dead = np.flatnonzero(~self.live[base + rows])          # entries of removed rows
            counts = np.diff(np.asarray(m.indptr))
            gone = np.bincount(np.searchsorted(m.indptr, dead, side="right") - 1, minlength=len(counts))
            tokens = list(m.vocab)
            out.update(tokens[c] for c in np.flatnonzero(gone < counts))
        return out

    def scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every row for `tokens` (a token given twice counts twice, as in bm25s)."""
        out = np.zeros(self.size, dtype=np.float32)
        for token in tokens:
            df = self.df(token)
            if not df:
                continue
            idf = math.log(1 + (self.n_docs - df + 0.5) / (df + 0.5))
            for (base, m), norm in zip(self.parts, self._norms):
                c = m.vocab.get(token)
                if c is None:
                    continue
                lo, hi = int(m.indptr[c]), int(m.indptr[c + 1])
                rows = m.rows[lo:hi]
                tf = m.tf[lo:hi]
                out[base + rows] += (idf * tf / (norm[rows] + tf)).astype(np.float32)
        return out
