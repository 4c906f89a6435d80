"""The index as a folder: immutable segments, and builds that say which segments (minus which rows) are live.

Layout under the index root:
    segments/<segment-id>/           whole plans' passages, vectors and terms (plansearch.segments); never
                                     changed once written, shared by the builds that list them
    builds/<build-id>/manifest.json  how it was built (model, dimension, prompts, hashes) and its segments
    builds/<build-id>/plans.json     the live plans: metadata, passage counts, domains, fingerprint, where
    builds/<build-id>/deleted-<segment-id>.npy  rows of removed or replaced plans: never returned
    current -> builds/<build-id>     swapped atomically when a build completes
The manifest records the size and SHA-256 of every file a build reads (plansearch.integrity): a build
whose files do not match is refused with one line naming the file.
Adding a plan writes one small segment and a new build; removing one writes a build that marks its rows
deleted. Small segments are merged a few at a time (log-structured, MERGE_FACTOR at a level), so the work
for a change is proportional to the plans changed, not to the index. A build is written under
builds/.tmp-*, renamed, and only then pointed to by `current`, so a killed build never replaces or damages
the index being served. Start-up reads the manifests and memory-maps per-row codes; passage text is read
from disk only when shown."""
from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import shutil
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np

from plansearch.errors import IndexCorrupt, IndexMismatch, IndexMissing
from plansearch.integrity import (Recorded, changed_since, check_digests, check_sizes, file_digests,
                                  sha256_of)
from plansearch.lexical import Bm25, TermMatrix
from plansearch.manifest import IndexManifest, NewPlans, PlanEntry, incompatibilities  # noqa: F401
from plansearch.records import Passage, PlanMeta
from plansearch.segments import (ANN_THRESHOLD, EXACT_SUBSET, KINDS, Segment, ef_search, make_vector_index,  # noqa: F401
                                 write_segment)

log = logging.getLogger(__name__)

FORMAT_VERSION = 3            # 3: the manifest records every file's size and checksum
DEEP_CHECK_AT_OPEN = 256 << 20   # up to this many bytes, checksums are verified before an index is served
MERGE_FACTOR = 4              # this many segments of one size level are merged into one
EXPUNGE_SHARE = 0.5           # a segment with more than this share of deleted rows is rewritten
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
    """A loaded index: its segments as one row space (segment after segment), deleted rows masked out."""

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
        self._bm25 = Bm25([(int(b), s.terms) for b, s in zip(self.bases, segments)], self.size)
        self._indicators: list | None = None
        self._indicators_lock = threading.Lock()
        self.integrity = "verified"          # verified | verifying | corrupt
        self.problem: str | None = None
        self._files: list[Recorded] = []
        self._seen: dict[Path, tuple[int, int]] = {}

    @property
    def indicators(self) -> list:
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

    def lexical_scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every row (zero for deleted rows and when no token is known)."""
        scores = self._bm25.scores(tokens)
        scores[~self.live] = 0.0
        return scores

    def known(self, tokens: list[str]) -> list[bool]:
        """Whether each token occurs anywhere in the indexed passages."""
        return [self._bm25.knows(t) for t in tokens]

    def vocabulary(self) -> set[str]:
        """Every token of the indexed passages."""
        return set().union(*(m.vocab for _, m in self._bm25.parts))

    def share_containing(self, token: str) -> float:
        """The share of passages whose indexed text contains `token`."""
        return self._bm25.df(token) / max(self._bm25.n_docs, 1)

    def vectors_of(self, rows: list[int]) -> np.ndarray:
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


def write_index(root: Path, manifest: IndexManifest, new: NewPlans | None, keep: list[PlanEntry] | None = None,
                base: BuildState | None = None, after_write=None, force_ann: bool = False) -> Path:
    """Write a build made of `base`'s segments (only `keep`'s plans stay live) plus one new segment for
    `new`; merge small segments; point `current` at it. With no `base`, a fresh index of `new` alone."""
    keep = keep or []
    segments = list(base.manifest.segments) if base else []
    deleted = {s: set(map(int, rows)) for s, rows in (base.deleted if base else {}).items()}
    sizes = dict(base.sizes) if base else {}
    kept_ids = {e.meta.id for e in keep}
    for e in (base.plans if base else []):
        if e.meta.id not in kept_ids:
            deleted.setdefault(e.segment, set()).update(range(e.first, e.first + e.size))
    entries = list(keep)
    created: list[str] = []
    try:
        if new is not None and new.passages:
            seg_id = write_segment(root / SEGMENTS, new.passages, new.vectors, new.terms, new.indicators,
                                   force_ann=force_ann)
            created.append(seg_id)
            segments.append(seg_id)
            sizes[seg_id] = len(new.passages)
            first = 0
            for e in new.entries:
                e.segment, e.first = seg_id, first
                first += e.size
            entries += new.entries
        elif new is not None:
            entries += new.entries
        segments, entries, deleted, merged = _merge_small(root, segments, entries, deleted, sizes)
        created += merged
        manifest.segments = segments
        manifest.passage_count = sum(e.size for e in entries)
        return _commit(root, manifest, entries, deleted, after_write, known=base.manifest.files if base else {})
    except BaseException:
        for seg_id in created:
            shutil.rmtree(root / SEGMENTS / seg_id, ignore_errors=True)
        raise


def merge_plan(sizes: dict[str, int], deleted: dict[str, int], order: list[str]) -> list[list[str]]:
    """Which segments to merge: MERGE_FACTOR segments of the same size level (log base MERGE_FACTOR of
    their live rows), smallest level first, and any segment mostly deleted. Each row is thus rewritten
    about log(N) times over the index's life, and a change costs what the changed plans cost."""
    live = {s: sizes[s] - deleted.get(s, 0) for s in order}
    groups: list[list[str]] = [[s] for s in order if sizes[s] and deleted.get(s, 0) > EXPUNGE_SHARE * sizes[s]]
    taken = {s for g in groups for s in g}
    levels: dict[int, list[str]] = {}
    for s in order:
        if s not in taken and live[s] > 0:
            levels.setdefault(int(math.log(live[s], MERGE_FACTOR)), []).append(s)
    for level in sorted(levels):
        members = sorted(levels[level], key=lambda s: live[s])
        while len(members) >= MERGE_FACTOR:
            groups.append(members[:MERGE_FACTOR])
            members = members[MERGE_FACTOR:]
    return groups


def _merge_small(root: Path, segments: list[str], entries: list[PlanEntry], deleted: dict[str, set[int]],
                 sizes: dict[str, int]) -> tuple[list[str], list[PlanEntry], dict[str, set[int]], list[str]]:
    empty = [s for s in segments if sizes[s] and len(deleted.get(s, ())) >= sizes[s]]
    segments = [s for s in segments if s not in empty]          # every row deleted: dropped without a rewrite
    created = []
    for group in merge_plan(sizes, {s: len(deleted.get(s, ())) for s in segments}, segments):
        seg_id, entries = _merge(root, group, entries)
        created.append(seg_id)
        sizes[seg_id] = sum(e.size for e in entries if e.segment == seg_id)
        segments = [s for s in segments if s not in group] + [seg_id]
    deleted = {s: rows for s, rows in deleted.items() if s in segments and rows}
    return segments, entries, deleted, created


def _merge(root: Path, group: list[str], entries: list[PlanEntry]) -> tuple[str, list[PlanEntry]]:
    """One segment holding the live plans of `group`'s segments, in the same order."""
    for s in group:            # never carry a damaged row into a new segment with fresh checksums
        meta = json.loads((root / SEGMENTS / s / "segment.json").read_text(encoding="utf-8"))
        recorded = [Recorded(root / SEGMENTS / s / n, size, d) for n, (size, d) in meta.get("files", {}).items()]
        check_sizes(recorded)
        check_digests(recorded)
    members = {s: Segment(root / SEGMENTS / s) for s in group}
    moving = [e for e in entries if e.segment in members]
    passages, vectors, parts, indicators = [], [], [], []
    for e in moving:
        seg = members[e.segment]
        rows = np.arange(e.first, e.first + e.size)
        passages += [seg.passage(int(r)) for r in rows]
        vectors.append(seg.vectors_of(rows))
        parts.append(seg.terms.take(rows))
    ids = {e.meta.id: e.segment for e in moving}
    for s, seg in members.items():
        indicators += [i for i in seg.indicators() if ids.get(i.plan_id) == s]
    dimension = next(iter(members.values())).dimension
    matrix = np.concatenate(vectors) if vectors else np.zeros((0, dimension), np.float32)
    seg_id = write_segment(root / SEGMENTS, passages, matrix, TermMatrix.concat(parts), indicators)
    first = 0
    out = []
    for e in entries:
        if e.segment in members:
            e = PlanEntry(e.meta, e.counts, e.domains, e.fingerprint, seg_id, first, e.warnings)
            first += e.size
        out.append(e)
    return seg_id, out


def _segment_files(root: Path, segments: list[str], known: dict[str, list]) -> dict[str, list]:
    """segments/<id>/<file> → [size, sha256] for every file of `segments`: from segment.json, which is itself
    checked against the previous build's record (a segment never changes once written)."""
    out = {}
    for s in segments:
        meta_name = f"{SEGMENTS}/{s}/segment.json"
        path = root / SEGMENTS / s / "segment.json"
        out[meta_name] = known.get(meta_name) or [path.stat().st_size, sha256_of(path)]
        meta = json.loads(path.read_text(encoding="utf-8"))
        out.update({f"{SEGMENTS}/{s}/{name}": rec for name, rec in meta["files"].items()})
    return out


def _commit(root: Path, manifest: IndexManifest, entries: list[PlanEntry], deleted: dict[str, set[int]],
            after_write=None, known: dict[str, list] | None = None) -> Path:
    builds = root / BUILDS
    builds.mkdir(parents=True, exist_ok=True)
    build_id = time.strftime("%Y%m%dT%H%M%S") + "-" + manifest.corpus_hash[:8] + "-" + uuid.uuid4().hex[:6]
    tmp = builds / f".tmp-{build_id}"
    tmp.mkdir()
    try:
        (tmp / "plans.json").write_text(json.dumps([e.to_json() for e in entries], ensure_ascii=False, indent=1),
                                        encoding="utf-8")
        for seg_id, rows in deleted.items():
            np.save(tmp / f"deleted-{seg_id}.npy", np.array(sorted(rows), dtype=np.int64))
        if after_write is not None:
            after_write(tmp)           # test hook: a build can be interrupted here
        manifest.files = {**file_digests(tmp), **_segment_files(root, manifest.segments, known or {})}
        _write_synced(tmp / "manifest.json", json.dumps(manifest.to_json(), ensure_ascii=False, indent=1))
        final = builds / build_id
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    try:
        _point_current(root, final)
    except BaseException:              # e.g. no room for the link: the served build stays, this one goes
        shutil.rmtree(final, ignore_errors=True)
        raise
    _prune(root, keep={final.name})
    return final


def _write_synced(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def _point_current(root: Path, target: Path) -> None:
    link = root / CURRENT
    tmp_link = root / f".{CURRENT}-{uuid.uuid4().hex[:6]}"
    os.symlink(os.path.relpath(target, root), tmp_link)
    try:
        os.replace(tmp_link, link)          # atomic on POSIX: readers see the old or the new build
    except BaseException:
        tmp_link.unlink(missing_ok=True)
        raise


def _prune(root: Path, keep: set[str], keep_previous: int = 1) -> None:
    """Delete stale builds, leftovers of interrupted ones, and segments no remaining build lists (the
    caller holds the build lock, so no other build is writing). A running service keeps the files it
    opened, so it is not disturbed."""
    builds = sorted((p for p in (root / BUILDS).iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
    complete = [p for p in builds if not p.name.startswith(".tmp-") and p.name not in keep]
    stale = complete[:-keep_previous] if keep_previous else complete
    abandoned = [p for p in builds if p.name.startswith(".tmp-") and time.time() - p.stat().st_mtime > 600]
    for p in stale + abandoned:
        shutil.rmtree(p, ignore_errors=True)
    used: set[str] = set()
    for p in (root / BUILDS).iterdir():
        if (p / "manifest.json").exists():
            try:
                used.update(json.loads((p / "manifest.json").read_text(encoding="utf-8")).get("segments", []))
            except (OSError, ValueError):
                return          # cannot tell what a build uses: delete nothing
    if (root / SEGMENTS).is_dir():
        for seg in (root / SEGMENTS).iterdir():
            if seg.name not in used:
                shutil.rmtree(seg, ignore_errors=True)


@contextlib.contextmanager
def build_lock(root: Path):
    """One build at a time per index folder (a second waits): builds read `current` and prune segments."""
    import fcntl

    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".build.lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
