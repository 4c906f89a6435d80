"""The folder store's writer: a change is one new segment plus a new build, swapped in atomically.

Adding a plan writes one small segment and a new build; removing one writes a build that marks its rows
deleted. Small segments are merged a few at a time (log-structured, MERGE_FACTOR at a level), so the work
for a change is proportional to the plans changed, not to the index. A build is written under
builds/.tmp-*, renamed, and only then pointed to by `current`, so a killed build never replaces or damages
the index being served (layout: plansearch.stores.folder)."""
from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import tempfile
import time
import uuid
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Callable

import numpy as np

from plansearch.errors import IndexMissing
from plansearch.lexical import TermMatrix
from plansearch.manifest import IndexManifest, NewPlans, PlanEntry
from plansearch.stores.folder import BUILDS, CURRENT, DEEP_CHECK_AT_OPEN, SEGMENTS, BuildState
from plansearch.stores.folder_segments import Segment, write_segment
from plansearch.stores.integrity import Recorded, check_digests, check_sizes, file_digests, sha256_of

MERGE_FACTOR = 4              # this many segments of one size level are merged into one
EXPUNGE_SHARE = 0.5           # a segment with more than this share of deleted rows is rewritten


class FolderWriter:
    """plansearch.index.IndexWriter over an index folder: one writer at a time (a second waits for the lock)."""

    def __init__(self, root: Path):
        self.root = root
        self._base: BuildState | None = None

    def lock(self) -> AbstractContextManager[None]:
        return build_lock(self.root)

    def state(self, verify: bool = False) -> tuple[IndexManifest, list[PlanEntry]] | None:
        """What `current` points at (sizes of its files checked; `verify`: their checksums too up to
        DEEP_CHECK_AT_OPEN, as a service checks before serving); None when there is no index. An unreadable or
        damaged build raises (IndexMismatch, IndexCorrupt): the caller builds afresh. Sizes alone let a flipped
        byte in a kept segment pass: `index` said "no changes" while every search failed on the checksum."""
        self._base = None
        try:
            state = BuildState.read(self.root)
        except IndexMissing:
            return None
        if state.verify(self.root, deep=False) <= DEEP_CHECK_AT_OPEN and verify:
            state.verify(self.root, deep=True)
        self._base = state
        return state.manifest, state.plans

    def write(self, manifest: IndexManifest, new: NewPlans | None, keep: list[PlanEntry],
              after_write: Callable[[], None] | None = None) -> str:
        """A build of `keep`'s plans (in the segments of the build `state()` read) and `new`'s (one new
        segment); with nothing kept, a fresh index. Returns the build's name."""
        base = (self._base or BuildState.read(self.root)) if keep else None
        hook = (lambda tmp: after_write()) if after_write is not None else None
        return write_index(self.root, manifest, new, keep=keep, base=base, after_write=hook).name


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
            # the folders a build writes, tried before anything is embedded: a read-only segments/ was found only
            # when the first segment was written, after 35 s of embedding
            for folder in (root / SEGMENTS, root / BUILDS):
                if folder.is_dir():
                    tempfile.NamedTemporaryFile(dir=folder, prefix=".probe-").close()
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
