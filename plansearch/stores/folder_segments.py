"""A segment: an immutable slice of the index holding whole plans — passages, columns, vectors, terms.

Layout of segments/<segment-id>/:
    segment.json        size, the plans it holds (in row order), its domains, the vector dimension
    passages.jsonl      row i = passage i, original wording; offsets.npy gives each row's byte range,
                        so a passage is read when it is shown, never at start-up
    plan.npy domain.npy kind.npy   per-row codes into segment.json's lists (memory-mapped)
    docids.npy docid_rows.npy      passage ids sorted, with their rows: id lookup by binary search
    vectors.faiss       inner product over L2-normalised vectors (exact; HNSW above ANN_THRESHOLD rows)
    terms/              term frequencies for BM25 (plansearch.lexical)
    indicators.jsonl    quantitative targets extracted from its plans
segment.json also records each other file's size and SHA-256 ("files"); a build's manifest copies them, so a
damaged or truncated file is refused when the build is opened (plansearch.stores.integrity).
A segment is written under a temporary name and renamed when complete; it is never changed afterwards."""
from __future__ import annotations

import errno
import json
import os
import shutil
import uuid
from pathlib import Path

import numpy as np

from plansearch.errors import IndexCorrupt
from plansearch.stores.integrity import file_digests
from plansearch.lexical import TermMatrix
from plansearch.records import Indicator, Kind, Passage

KINDS = list(Kind)
ANN_THRESHOLD = 50_000       # above this many passages a segment's vector index is HNSW (approximate)
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
LARGE_SEGMENT = 600_000      # from here on the graph is built with HNSW_EF_CONSTRUCTION_LARGE
HNSW_EF_CONSTRUCTION_LARGE = 40
EXACT_SUBSET = 20_000        # a filter leaving at most this many rows of an HNSW segment is searched exactly


def ef_search(size: int) -> int:
    """HNSW search breadth for an index of `size` vectors: recall@10 ≥ 0.97 against exact in
    bench/ann_recall.py (0.979 at 100k with 1024, 0.970 at 1M with 4096; see bench/RESULTS.md)."""
    return 1024 if size < 300_000 else 2048 if size < LARGE_SEGMENT else 4096


def ef_construction(size: int) -> int:
    """HNSW build breadth: halved for large segments, whose search is the widest. At 1M with efSearch 4096,
    recall@10 of the gold queries 0.985 → 0.978 and the graph built in 178 s instead of 299 (bench/RESULTS.md)."""
    return HNSW_EF_CONSTRUCTION if size < LARGE_SEGMENT else HNSW_EF_CONSTRUCTION_LARGE


def make_vector_index(dimension: int, size: int, force_ann: bool = False):
    """Exact inner-product search while small; HNSW (inner product) above ANN_THRESHOLD rows."""
    import faiss

    if size < ANN_THRESHOLD and not force_ann:
        return faiss.IndexFlatIP(dimension)
    index = faiss.IndexHNSWFlat(dimension, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = ef_construction(size)
    index.hnsw.efSearch = ef_search(size)
    return index


def write_segment(segments_dir: Path, passages: list[Passage], vectors: np.ndarray, terms: TermMatrix,
                  indicators: list | None = None, force_ann: bool = False) -> str:
    """Write passages (whole plans, in plan order) with their vectors and terms; returns the segment id."""
    import faiss

    segments_dir.mkdir(parents=True, exist_ok=True)
    seg_id = uuid.uuid4().hex[:12]
    tmp = segments_dir / f".tmp-{seg_id}"
    tmp.mkdir()
    try:
        plans = list(dict.fromkeys(p.plan_id for p in passages))
        domains = sorted({p.domain for p in passages if p.domain})
        plan_code, domain_code = {p: i for i, p in enumerate(plans)}, {d: i for i, d in enumerate(domains)}
        offsets = np.zeros(len(passages) + 1, dtype=np.int64)
        with open(tmp / "passages.jsonl", "wb") as f:
            for i, p in enumerate(passages):
                line = (p.model_dump_json() + "\n").encode("utf-8")
                f.write(line)
                offsets[i + 1] = offsets[i] + len(line)
        np.save(tmp / "offsets.npy", offsets)
        np.save(tmp / "plan.npy", np.array([plan_code[p.plan_id] for p in passages], dtype=np.int32))
        np.save(tmp / "domain.npy", np.array([domain_code.get(p.domain, -1) for p in passages], dtype=np.int32))
        np.save(tmp / "kind.npy", np.array([KINDS.index(p.kind) for p in passages], dtype=np.int8))
        ids = np.array([p.id.encode("utf-8") for p in passages], dtype=bytes) if passages else np.zeros(0, "S1")
        order = np.argsort(ids, kind="stable")
        np.save(tmp / "docids.npy", ids[order])
        np.save(tmp / "docid_rows.npy", order.astype(np.int32))
        index = make_vector_index(vectors.shape[1], len(vectors), force_ann=force_ann)
        if len(vectors):
            index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        try:
            faiss.write_index(index, str(tmp / "vectors.faiss"))
        except RuntimeError as exc:          # faiss says "write error": give it an errno like any other write
            raise _write_failure(tmp / "vectors.faiss", exc) from None
        terms.save(tmp / "terms")
        with open(tmp / "indicators.jsonl", "w", encoding="utf-8") as f:
            for indicator in indicators or []:
                f.write(indicator.model_dump_json() + "\n")
        (tmp / "segment.json").write_text(json.dumps(
            {"id": seg_id, "size": len(passages), "plans": plans, "domains": domains,
             "dimension": int(vectors.shape[1]), "files": file_digests(tmp, exclude={"segment.json"})},
            ensure_ascii=False, indent=1), encoding="utf-8")
        os.rename(tmp, segments_dir / seg_id)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return seg_id


def _write_failure(path: Path, exc: RuntimeError) -> OSError:
    try:
        free = shutil.disk_usage(path.parent).free
    except OSError:
        free = None
    if free is not None and free < 1 << 20:
        return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
    return OSError(errno.EIO, str(exc).strip().splitlines()[-1] if str(exc).strip() else "write error", str(path))


class Segment:
    """An opened segment; passages are read from disk one at a time when asked for."""

    def __init__(self, folder: Path):
        import faiss

        self.folder = folder
        meta = json.loads((folder / "segment.json").read_text(encoding="utf-8"))
        self.id: str = meta["id"]
        self.size: int = meta["size"]
        self.plans: list[str] = meta["plans"]
        self.domains: list[str] = meta["domains"]
        self.dimension: int = meta["dimension"]
        load = lambda name: np.load(folder / name, mmap_mode="r")  # noqa: E731
        self.offsets = load("offsets.npy")
        self.plan_code = load("plan.npy")
        self.domain_code = load("domain.npy")
        self.kind_code = load("kind.npy")
        self._docids = load("docids.npy")
        self._docid_rows = load("docid_rows.npy")
        # the vectors are memory-mapped (zero-copy), not read: start-up does not grow with the index
        self.vectors = faiss.read_index(str(folder / "vectors.faiss"), getattr(faiss, "IO_FLAG_MMAP_IFC", 0))
        self.terms = TermMatrix.load(folder / "terms")
        self._fd = os.open(folder / "passages.jsonl", os.O_RDONLY)
        if self.size and os.fstat(self._fd).st_size < int(self.offsets[-1]):
            raise ValueError(f"{folder / 'passages.jsonl'} is truncated")
        if not (len(self.offsets) == self.size + 1 == len(self.plan_code) + 1 == self.vectors.ntotal + 1
                == len(self.terms.lengths) + 1):
            raise ValueError(f"segment {folder.name}: its files disagree on the number of passages")

    def __del__(self):
        fd = getattr(self, "_fd", None)
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass

    @property
    def is_approximate(self) -> bool:
        import faiss

        return isinstance(self.vectors, faiss.IndexHNSWFlat)

    def passage(self, row: int) -> Passage:
        start, end = int(self.offsets[row]), int(self.offsets[row + 1])
        data = os.pread(self._fd, end - start, start)
        try:
            if len(data) != end - start:
                raise ValueError("short read")
            return Passage.model_validate_json(data)
        except ValueError:          # pydantic's ValidationError is a ValueError
            raise IndexCorrupt(f"index file {self.folder / 'passages.jsonl'} is damaged (row {row} cannot be read); "
                               f"rebuild with `plansearch index --rebuild`") from None

    def row_of(self, passage_id: str) -> int | None:
        key = passage_id.encode("utf-8")
        i = int(np.searchsorted(self._docids, key))
        if i < len(self._docids) and self._docids[i] == key:
            return int(self._docid_rows[i])
        return None

    def indicators(self) -> list:

        path = self.folder / "indicators.jsonl"
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:         # merged away since this index was opened; the service switches over
            return []
        return [Indicator.model_validate_json(line) for line in text.splitlines() if line]

    def vectors_of(self, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64)
        if not len(rows):
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.vectors.reconstruct_batch(rows)

    def search(self, query: np.ndarray, depth: int, allowed: np.ndarray | None, breadth: float = 1.0
               ) -> tuple[np.ndarray, np.ndarray]:
        """Local rows and inner products of the `depth` nearest rows; only rows where `allowed` (a bool
        mask over the segment, or None for all) is true. `breadth` scales the HNSW search breadth."""
        import faiss

        query = np.asarray(query, dtype=np.float32).reshape(1, -1)
        n_allowed = self.size if allowed is None else int(allowed.sum())
        depth = min(depth, n_allowed)
        if depth <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        approximate = self.is_approximate
        if allowed is not None and approximate and n_allowed <= EXACT_SUBSET:
            # a narrow filter: exact scores over the allowed rows beat a graph walk that may miss them
            rows = np.flatnonzero(allowed)
            scores = self.vectors_of(rows) @ query[0]
            order = np.argsort(-scores, kind="stable")[:depth]
            return rows[order].astype(np.int64), scores[order].astype(np.float32)
        selector = faiss.IDSelectorBitmap(np.packbits(allowed, bitorder="little")) if allowed is not None else None
        if approximate:
            params = faiss.SearchParametersHNSW(efSearch=max(int(ef_search(self.size) * breadth), depth))
            if selector is not None:
                params.sel = selector
        else:
            params = faiss.SearchParameters(sel=selector) if selector is not None else None
        scores, rows = self.vectors.search(query, depth, params=params)
        keep = rows[0] >= 0
        return rows[0][keep], scores[0][keep]
