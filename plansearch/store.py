"""The index as a folder of plain files plus a manifest; FAISS and bm25s calls live only here.

Layout under the index root:
    builds/<build-id>/manifest.json   how it was built (model, dimension, prompts, hashes, version, time)
    builds/<build-id>/passages.jsonl  row i = passage i (= row i of the vector and lexical indexes)
    builds/<build-id>/docids.txt      row i = id of passage i, written down explicitly
    builds/<build-id>/plans.json      the plans with passage counts per kind
    builds/<build-id>/vectors.faiss   inner product over L2-normalised vectors (exact; HNSW above ANN_THRESHOLD)
    builds/<build-id>/bm25/           bm25s index over jieba tokens
    builds/<build-id>/indicators.jsonl  quantitative targets extracted from the plans
    current -> builds/<build-id>      swapped atomically when a build completes
A build is written under builds/.tmp-*, renamed, and only then pointed to by `current`, so a killed
build never replaces or damages the index being served."""
from __future__ import annotations

import json
import logging
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from plansearch.errors import IndexMismatch, IndexMissing
from plansearch.records import Passage, PlanMeta

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
ANN_THRESHOLD = 50_000       # above this many passages the vector index is HNSW (approximate), below it exact
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
def ef_search(size: int) -> int:
    """HNSW search breadth for an index of `size` vectors: recall@10 ≥ 0.97 against exact in
    bench/ann_recall.py (0.979 at 100k with 1024, 0.970 at 1M with 4096; see bench/RESULTS.md)."""
    return 1024 if size < 300_000 else 2048 if size < 600_000 else 4096
EXACT_SUBSET = 20_000        # a filter leaving at most this many passages is searched exactly


def make_vector_index(dimension: int, size: int, force_ann: bool = False):
    """Exact inner-product search while small; HNSW (inner product) above ANN_THRESHOLD passages."""
    import faiss

    if size < ANN_THRESHOLD and not force_ann:
        return faiss.IndexFlatIP(dimension)
    index = faiss.IndexHNSWFlat(dimension, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    index.hnsw.efSearch = ef_search(size)
    return index
CURRENT = "current"
BUILDS = "builds"


@dataclass
class IndexManifest:
    format_version: int
    plansearch_version: str
    model: str
    dimension: int
    prompts: dict[str, str]
    normalized: bool
    dictionary_hash: str
    corpus_hash: str
    passage_count: int
    built_at: str
    build_seconds: float

    def to_json(self) -> dict:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, data: dict) -> "IndexManifest":
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})


@dataclass
class PlanEntry:
    meta: PlanMeta
    counts: dict[str, int]


def _silence_bm25s() -> None:
    logging.getLogger("bm25s").setLevel(logging.WARNING)


class FolderIndex:
    """A loaded index: passages in memory, vectors in FAISS, lexical scores from bm25s."""

    def __init__(self, folder: Path, manifest: IndexManifest, passages: list[Passage], plans: list[PlanEntry],
                 vectors, bm25, indicators: list | None = None):
        self.folder = folder
        self.manifest = manifest
        self.passages = passages
        self.plans = plans
        self._vectors = vectors
        self._bm25 = bm25
        self.row_of = {p.id: i for i, p in enumerate(passages)}
        self.indicators = indicators or []

    # -- reading ---------------------------------------------------------------------------
    @classmethod
    def open(cls, root: Path) -> "FolderIndex":
        import bm25s
        import faiss

        _silence_bm25s()
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
        passages = [Passage.model_validate_json(line) for line in
                    (folder / "passages.jsonl").read_text(encoding="utf-8").splitlines() if line]
        docids = (folder / "docids.txt").read_text(encoding="utf-8").split("\n")
        if [p.id for p in passages] != [d for d in docids if d]:
            raise IndexMismatch(f"index at {folder}: passages.jsonl and docids.txt disagree; rebuild with `plansearch index`")
        plans = [PlanEntry(PlanMeta(**e["meta"]), e["counts"]) for e in
                 json.loads((folder / "plans.json").read_text(encoding="utf-8"))]
        vectors = faiss.read_index(str(folder / "vectors.faiss"))
        bm25 = bm25s.BM25.load(str(folder / "bm25"), mmap=True, load_corpus=False, show_progress=False)
        if vectors.ntotal != len(passages) or vectors.d != manifest.dimension:
            raise IndexMismatch(f"index at {folder}: {vectors.ntotal} vectors of dimension {vectors.d} for "
                                f"{len(passages)} passages; rebuild with `plansearch index`")
        indicators = []
        if (folder / "indicators.jsonl").exists():
            from indexer.targets import Indicator

            indicators = [Indicator.model_validate_json(line) for line in
                          (folder / "indicators.jsonl").read_text(encoding="utf-8").splitlines() if line]
        return cls(folder, manifest, passages, plans, vectors, bm25, indicators)

    def check_compatible(self, model: str, dimension: int, prompts: dict[str, str], dictionary_hash: str) -> None:
        """Refuse to serve an index built with another model, prompts or tokenizer dictionary."""
        m = self.manifest
        problems = []
        if m.model != model:
            problems.append(f"model '{m.model}' (configured: '{model}')")
        if m.dimension != dimension:
            problems.append(f"dimension {m.dimension} (model gives {dimension})")
        if m.prompts != prompts:
            problems.append(f"prompts {m.prompts} (configured: {prompts})")
        if m.dictionary_hash != dictionary_hash:
            problems.append(f"tokenizer dictionary {m.dictionary_hash} (current: {dictionary_hash})")
        if problems:
            raise IndexMismatch(f"index at {self.folder} was built with " + "; ".join(problems)
                                + ". Rebuild it with `plansearch index`.")

    def lexical_scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every passage (zeros when no token is known)."""
        if not tokens:
            return np.zeros(len(self.passages), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)

    def vectors(self) -> np.ndarray:
        """All passage vectors, row-aligned with `passages`."""
        return self._vectors.reconstruct_n(0, self._vectors.ntotal)

    def vectors_of(self, rows: list[int]) -> np.ndarray:
        return np.stack([self._vectors.reconstruct(int(r)) for r in rows])

    def known(self, tokens: list[str]) -> list[bool]:
        """Whether each token occurs anywhere in the indexed passages."""
        vocab = self._bm25.vocab_dict
        return [t in vocab for t in tokens]

    def dense_search(self, query: np.ndarray, depth: int, allowed: np.ndarray | None = None
                     ) -> tuple[np.ndarray, np.ndarray]:
        """Rows and inner-product scores of the `depth` nearest passages, among `allowed` rows if given."""
        import faiss

        depth = min(depth, len(self.passages))
        params = None
        query = np.asarray(query, dtype=np.float32).reshape(1, -1)
        if allowed is not None:
            if len(allowed) == 0:
                return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
            depth = min(depth, len(allowed))
            if isinstance(self._vectors, faiss.IndexHNSWFlat) and len(allowed) <= EXACT_SUBSET:
                # a narrow filter: exact scores over the allowed rows beat a graph walk that may miss them
                subset = np.stack([self._vectors.reconstruct(int(r)) for r in allowed])
                scores = subset @ query[0]
                order = np.argsort(-scores, kind="stable")[:depth]
                return np.asarray(allowed)[order].astype(np.int64), scores[order].astype(np.float32)
            selector = faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64))
            params = (faiss.SearchParametersHNSW(sel=selector, efSearch=max(ef_search(len(self.passages)), depth))
                      if isinstance(self._vectors, faiss.IndexHNSWFlat) else faiss.SearchParameters(sel=selector))
        if params is None and isinstance(self._vectors, faiss.IndexHNSWFlat):
            params = faiss.SearchParametersHNSW(efSearch=max(ef_search(len(self.passages)), depth))
        scores, rows = self._vectors.search(query, depth, params=params)
        keep = rows[0] >= 0
        return rows[0][keep], scores[0][keep]


def write_index(root: Path, manifest: IndexManifest, passages: list[Passage], plans: list[PlanEntry],
                vectors: np.ndarray, tokens: list[list[str]], after_write=None, indicators: list | None = None) -> Path:
    """Write a complete index into a fresh build folder and atomically point `current` at it."""
    import bm25s
    import faiss

    _silence_bm25s()
    builds = root / BUILDS
    builds.mkdir(parents=True, exist_ok=True)
    build_id = time.strftime("%Y%m%dT%H%M%S") + "-" + manifest.corpus_hash[:8] + "-" + uuid.uuid4().hex[:6]
    tmp = builds / f".tmp-{build_id}"
    tmp.mkdir()
    try:
        with open(tmp / "passages.jsonl", "w", encoding="utf-8") as f:
            for p in passages:
                f.write(p.model_dump_json() + "\n")
        (tmp / "docids.txt").write_text("".join(p.id + "\n" for p in passages), encoding="utf-8")
        (tmp / "plans.json").write_text(json.dumps(
            [{"meta": e.meta.model_dump(), "counts": e.counts} for e in plans], ensure_ascii=False, indent=1),
            encoding="utf-8")
        with open(tmp / "indicators.jsonl", "w", encoding="utf-8") as f:
            for indicator in indicators or []:
                f.write(indicator.model_dump_json() + "\n")
        index = make_vector_index(manifest.dimension, len(vectors))
        if len(vectors):
            index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        faiss.write_index(index, str(tmp / "vectors.faiss"))
        bm25 = bm25s.BM25()
        # an empty token list would break bm25s; give such a passage a token no query produces
        bm25.index([t or ["\u2400"] for t in tokens], show_progress=False)
        bm25.save(str(tmp / "bm25"), show_progress=False)
        if after_write is not None:
            after_write(tmp)           # test hook: a build can be interrupted here
        (tmp / "manifest.json").write_text(json.dumps(manifest.to_json(), ensure_ascii=False, indent=1),
                                           encoding="utf-8")
        final = builds / build_id
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _point_current(root, final)
    _prune(root, keep={final.name})
    return final


def _point_current(root: Path, target: Path) -> None:
    link = root / CURRENT
    tmp_link = root / f".{CURRENT}-{uuid.uuid4().hex[:6]}"
    os.symlink(os.path.relpath(target, root), tmp_link)
    os.replace(tmp_link, link)          # atomic on POSIX: readers see the old or the new build


def _prune(root: Path, keep: set[str], keep_previous: int = 1) -> None:
    """Delete stale build folders and leftovers of interrupted builds, keeping the newest few."""
    builds = sorted((p for p in (root / BUILDS).iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
    complete = [p for p in builds if not p.name.startswith(".tmp-") and p.name not in keep]
    stale = complete[:-keep_previous] if keep_previous else complete
    abandoned = [p for p in builds if p.name.startswith(".tmp-") and time.time() - p.stat().st_mtime > 600]
    for p in stale + abandoned:
        shutil.rmtree(p, ignore_errors=True)
