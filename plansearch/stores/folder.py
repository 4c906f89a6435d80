"""The index as a folder: immutable segments, and builds that say which segments (minus which rows) are live.

Layout under the index root:
    segments/<segment-id>/           whole plans' passages, vectors and terms (folder_segments.py); never
                                     changed once written, shared by the builds that list them
    builds/<build-id>/manifest.json  how it was built (model, dimension, prompts, hashes) and its segments
    builds/<build-id>/plans.json     the live plans: metadata, passage counts, domains, fingerprint, where
    builds/<build-id>/deleted-<segment-id>.npy  rows of removed or replaced plans: never returned
    current -> builds/<build-id>     swapped atomically when a build completes (folder_writer.py)
The manifest records the size and SHA-256 of every file a build reads (integrity.py): a build
whose files do not match is refused with one line naming the file. Start-up reads the manifests and
memory-maps per-row codes; passage text is read from disk only when shown. Filters become row masks."""
from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from plansearch.errors import IndexCorrupt, IndexMismatch, IndexMissing
from plansearch.index import Filter, Scored
from plansearch.lexical import Bm25
from plansearch.manifest import FORMAT_VERSION, IndexManifest, PlanEntry, incompatibilities
from plansearch.records import Indicator, Kind, Passage
from plansearch.stores.folder_segments import KINDS, Segment
from plansearch.stores.integrity import Recorded, changed_since, check_digests, check_sizes
from plansearch.stores.row_codes import best_rows, filter_mask

log = logging.getLogger(__name__)

DEEP_CHECK_AT_OPEN = 256 << 20   # up to this many bytes, checksums are verified before an index is served
CURRENT = "current"
BUILDS = "builds"
SEGMENTS = "segments"


@dataclass
class BuildState:
    """What `current` points at, read without opening any segment: enough to plan an incremental change."""

    folder: Path
    manifest: IndexManifest
    plans: list[PlanEntry]
    deleted: dict[str, np.ndarray]      # segment id → deleted rows
    sizes: dict[str, int]               # segment id → rows

    @classmethod
    def read(cls, root: Path) -> "BuildState":
        link = root / CURRENT
        if not link.exists():
            raise IndexMissing(f"no index at {root}; build one with `plansearch index`")
        folder = link.resolve()
        try:
            manifest = IndexManifest.from_json(json.loads((folder / "manifest.json").read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexMismatch(f"index at {folder} has no readable manifest ({exc}); rebuild with `plansearch index`") from None
        if manifest.format_version != FORMAT_VERSION:
            raise IndexMismatch(f"index format {manifest.format_version} at {folder}, this version reads format "
                                f"{FORMAT_VERSION}; rebuild with `plansearch index`")
        try:
            plans = [PlanEntry.from_json(e) for e in json.loads((folder / "plans.json").read_text(encoding="utf-8"))]
            deleted = {s: np.load(folder / f"deleted-{s}.npy") for s in manifest.segments
                       if (folder / f"deleted-{s}.npy").exists()}
            sizes = {s: json.loads((root / SEGMENTS / s / "segment.json").read_text(encoding="utf-8"))["size"]
                     for s in manifest.segments}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexMismatch(f"index at {folder} is incomplete ({exc}); rebuild with `plansearch index --rebuild`") from None
        if not manifest.files:
            raise IndexMismatch(f"index at {folder} records no file checksums; rebuild with `plansearch index --rebuild`")
        return cls(folder, manifest, plans, deleted, sizes)

    def recorded(self, root: Path) -> list[Recorded]:
        """Every file this build reads, with the size and checksum written for it."""
        return [Recorded(root / name if name.startswith(SEGMENTS + "/") else self.folder / name, size, digest)
                for name, (size, digest) in sorted(self.manifest.files.items())]

    def verify(self, root: Path, deep: bool = True) -> int:
        """Refuse a missing, resized or (deep) altered file, naming it; returns the bytes checked."""
        files = self.recorded(root)
        check_sizes(files)
        if deep:
            check_digests(files)
        return sum(f.size for f in files)


class FolderIndex:
    """plansearch.index.PassageIndex over one build: its segments as one row space (segment after segment),
    deleted rows masked out."""

    def __init__(self, root: Path, state: BuildState, segments: list[Segment]):
        self.root = root
        self.folder = state.folder
        self.manifest = state.manifest
        self.plans = state.plans
        self.segments = segments
        self.bases = np.cumsum([0] + [s.size for s in segments])
        self.size = int(self.bases[-1])
        self.live = np.ones(self.size, dtype=bool)
        for base, seg in zip(self.bases, segments):
            rows = state.deleted.get(seg.id)
            if rows is not None and len(rows):
                self.live[base + rows] = False
        self.count = int(self.live.sum())
        self.plan_ids = [e.meta.id for e in self.plans]
        self.plan_number = code = {pid: i for i, pid in enumerate(self.plan_ids)}   # plan id → its plan_code
        self.domains = sorted({d for s in segments for d in s.domains})
        dcode = {d: i for i, d in enumerate(self.domains)}
        empty = np.zeros(0, dtype=np.int32)
        self.plan_code = np.concatenate([np.array([code.get(p, -1) for p in s.plans], dtype=np.int32)[s.plan_code]
                                         if s.size else empty for s in segments]) if segments else empty
        self.domain_code = np.concatenate([np.array([dcode[d] for d in s.domains] + [-1], dtype=np.int32)[s.domain_code]
                                           if s.size else empty for s in segments]) if segments else empty
        self.kind_code = (np.concatenate([np.asarray(s.kind_code) for s in segments]) if segments
                          else np.zeros(0, dtype=np.int8))
        self.live &= self.plan_code >= 0
        self._bm25 = Bm25([(int(b), s.terms) for b, s in zip(self.bases, segments)], self.size, self.live)
        self._indicators: list | None = None
        self._indicators_lock = threading.Lock()
        self.integrity = "verified"          # verified | verifying | corrupt
        self.problem: str | None = None
        self._files: list[Recorded] = []
        self._seen: dict[Path, tuple[int, int]] = {}

    @property
    def indicators(self) -> list[Indicator]:
        """Quantitative targets of the live plans, read on first use (not at start-up)."""
        if self._indicators is None:
            with self._indicators_lock:
                if self._indicators is None:
                    holder = {e.meta.id: e.segment for e in self.plans}
                    self._indicators = [i for seg in self.segments for i in seg.indicators()
                                        if holder.get(i.plan_id) == seg.id]
        return self._indicators

    # -- reading ---------------------------------------------------------------------------
    @classmethod
    def open(cls, root: Path, verify: str = "auto") -> "FolderIndex":
        """Open the build `current` points at. Sizes are checked at once; checksums too with verify="full",
        or with "auto" when the build is at most DEEP_CHECK_AT_OPEN bytes (larger: in the background, the
        index then says "verifying" and, if a file is corrupt, "corrupt" and refuses to answer)."""
        state = BuildState.read(root)
        files = state.recorded(root)
        seen = check_sizes(files)
        total = sum(f.size for f in files)
        deep_now = verify == "full" or (verify == "auto" and total <= DEEP_CHECK_AT_OPEN)
        if deep_now:
            check_digests(files)
        try:
            segments = [Segment(root / SEGMENTS / s) for s in state.manifest.segments]
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            raise IndexMismatch(f"index at {state.folder}: a segment cannot be read ({exc}); rebuild with "
                                f"`plansearch index --rebuild`") from None
        for seg in segments:
            if seg.vectors.d != state.manifest.dimension:
                raise IndexMismatch(f"index at {state.folder}: segment {seg.id} has vectors of dimension "
                                    f"{seg.vectors.d}, the manifest says {state.manifest.dimension}; rebuild with "
                                    f"`plansearch index --rebuild`")
        index = cls(root, state, segments)
        index._files, index._seen = files, seen
        if not deep_now and verify != "sizes":
            index.integrity = "verifying"
            threading.Thread(target=index._verify_in_background, name="verify-index", daemon=True).start()
        return index

    def _verify_in_background(self) -> None:
        try:
            check_digests(self._files)
        except IndexCorrupt as exc:
            self.problem, self.integrity = str(exc), "corrupt"
            log.error("%s", exc)
        else:
            if self.integrity == "verifying":
                self.integrity = "verified"

    def check_unchanged(self) -> str | None:
        """The problem with this build's files, if one was found or any changed on disk since it was
        verified (one stat per file; a changed file is hashed)."""
        if self.problem is None and self._files:
            problem = changed_since(self._seen, self._files)
            if problem:
                self.problem, self.integrity = problem, "corrupt"
        return self.problem

    def require_intact(self) -> None:
        if self.integrity == "corrupt":
            raise IndexCorrupt(self.problem or f"index at {self.folder} is corrupt")

    def check_compatible(self, model: str, dimension: int, prompts: dict[str, str], dictionary_hash: str) -> None:
        """Refuse to serve an index built with another model, prompts or tokenizer dictionary."""
        problems = incompatibilities(self.manifest, model, dimension, prompts, dictionary_hash)
        if problems:
            raise IndexMismatch(f"index at {self.folder} was built with " + "; ".join(problems)
                                + ". Rebuild it with `plansearch index --rebuild`.")

    def _locate(self, row: int) -> tuple[Segment, int]:
        i = int(np.searchsorted(self.bases, row, side="right")) - 1
        return self.segments[i], row - int(self.bases[i])

    def passage(self, row: int) -> Passage:
        seg, local = self._locate(row)
        return seg.passage(local)

    def passages(self, rows: Sequence[int]) -> list[Passage]:
        return [self.passage(int(row)) for row in rows]

    def iter_passages(self) -> Iterator[tuple[int, Passage]]:
        """Every live passage with its row (reads them all: for tools and tests, not for queries)."""
        for row in np.flatnonzero(self.live):
            yield int(row), self.passage(int(row))

    def row_of(self, passage_id: str) -> int | None:
        for base, seg in zip(self.bases, self.segments):
            local = seg.row_of(passage_id)
            if local is not None and self.live[base + local]:
                return int(base + local)
        return None

    def neighbours(self, row: int) -> tuple[int | None, int | None]:
        """The rows before and after `row` in its plan (a plan's rows are contiguous, in plan order)."""
        seg, local = self._locate(row)
        first, last = row - local, row - local + seg.size - 1
        same = lambda r: first <= r <= last and self.plan_code[r] == self.plan_code[row] and self.live[r]  # noqa: E731
        return (row - 1 if same(row - 1) else None), (row + 1 if same(row + 1) else None)

    # -- the protocol's ranking: filters become row masks ------------------------------------------------
    def mask(self, filter: Filter | None) -> np.ndarray | None:
        """The rows `filter` allows (live or not), or None when it does not restrict."""
        return filter_mask(filter, self.plans, self.domains, self.plan_code, self.domain_code, self.kind_code)

    def lexical(self, tokens: list[str], filter: Filter | None, depth: int) -> Scored:
        """The `depth` best BM25 scores above zero among the rows `filter` allows; ties by row."""
        scores = self.lexical_scores(tokens)
        mask = self.mask(filter)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        return [(int(r), float(scores[r])) for r in best_rows(scores, depth)]

    def dense(self, vector: np.ndarray, filter: Filter | None, depth: int, breadth: float = 1.0) -> Scored:
        rows, scores = self.dense_search(vector, depth, self.mask(filter), breadth)
        return [(int(r), float(sc)) for r, sc in zip(rows, scores)]

    def plan_of(self, row: int) -> str:
        return self.plan_ids[self.plan_code[row]]

    def domain_of(self, row: int) -> str | None:
        code = self.domain_code[row]
        return self.domains[code] if code >= 0 else None

    def kind_of(self, row: int) -> Kind:
        return KINDS[self.kind_code[row]]

    def rows_of_plan(self, plan_id: str) -> list[int]:
        code = self.plan_number.get(plan_id)
        if code is None:
            return []
        return [int(r) for r in np.flatnonzero((self.plan_code == code) & self.live)]

    def describe(self) -> dict:
        """What /health shows; looks at the served files first (one stat each, a changed file is hashed)."""
        self.check_unchanged()
        return {"store": "folder", "serving_build": self.folder.name, "integrity": self.integrity,
                "problem": self.problem, "segments": len(self.segments), "where": str(self.folder)}

    def lexical_scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every row (zero for deleted rows and when no token is known)."""
        scores = self._bm25.scores(tokens)
        scores[~self.live] = 0.0
        return scores

    def known(self, tokens: list[str]) -> list[bool]:
        """Whether each token occurs anywhere in the live passages (not in a removed plan's old rows)."""
        return [self._bm25.knows(t) for t in tokens]

    def vocabulary(self) -> set[str]:
        """Every token of the live passages."""
        return self._bm25.vocabulary()

    def share_containing(self, token: str) -> float:
        """The share of live passages whose indexed text contains `token`."""
        return self._bm25.df(token) / max(self._bm25.n_docs, 1)

    def vectors_of(self, rows: Sequence[int]) -> np.ndarray:
        out = []
        for row in rows:
            seg, local = self._locate(int(row))
            out.append(seg.vectors_of(np.array([local]))[0])
        return np.stack(out)

    def dense_search(self, query: np.ndarray, depth: int, allowed: np.ndarray | None = None, breadth: float = 1.0
                     ) -> tuple[np.ndarray, np.ndarray]:
        """Rows and inner-product scores of the `depth` nearest live passages, among `allowed` rows if given
        (a bool mask over all rows). `breadth` < 1 trades approximate-index recall for speed."""
        mask = self.live if allowed is None else (allowed & self.live)
        all_rows, all_scores = [], []
        for base, seg in zip(self.bases, self.segments):
            local_mask = mask[base:base + seg.size]
            full = bool(local_mask.all())
            if not full and not local_mask.any():
                continue
            rows, scores = seg.search(query, depth, None if full else local_mask, breadth)
            all_rows.append(rows + base)
            all_scores.append(scores)
        if not all_rows:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        rows, scores = np.concatenate(all_rows), np.concatenate(all_scores)
        order = np.lexsort((rows, -scores))[:depth]
        return rows[order].astype(np.int64), scores[order].astype(np.float32)
