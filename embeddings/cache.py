"""Embedding cache keyed by content hash: unchanged passages are never embedded twice.

A cache may also draw on shipped vectors (`BUNDLED_VECTORS`): the bundled corpus's passages embedded once by the
project (`scripts/bundled_vectors.py`), so that a fresh machine's first build of the bundled corpus embeds nothing.
A passage missing from the cache is taken from there when the encoder's file (named by
`embeddings.encoder.shipped_key`) has it."""
from __future__ import annotations

import hashlib
import logging
import sqlite3
import zipfile
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)
BUNDLED_VECTORS = Path(__file__).resolve().parent / "data"     # <shipped key>.npz: hashes (S64) and vectors


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """One SQLite file per encoder key; rows are (sha256 of the embedded text, float32 vector)."""

    def __init__(self, folder: Path, key: str, dimension: int, shipped: Path | None = None):
        """`shipped`: a file of shipped vectors (`BUNDLED_VECTORS/<shipped key>.npz`) to take missing ones from."""
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{key}.sqlite"
        self.dimension = dimension
        self._shipped_file = shipped
        self._shipped: dict[str, np.ndarray] | None = None
        self.shipped_taken = 0          # vectors taken from the shipped file so far
        self._db = sqlite3.connect(self.path)
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (hash TEXT PRIMARY KEY, vector BLOB NOT NULL)")

    def get_many(self, hashes: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(hashes), 500):
            chunk = hashes[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for h, blob in self._db.execute(f"SELECT hash, vector FROM vectors WHERE hash IN ({marks})", chunk):
                vec = np.frombuffer(blob, dtype=np.float32)
                if vec.shape == (self.dimension,):
                    found[h] = vec
        if len(found) < len(hashes) and self._shipped_file is not None:
            shipped = self._shipped_vectors()
            taken = {h: shipped[h] for h in hashes if h not in found and h in shipped}
            if taken:
                self.put_many(taken)
                found.update(taken)
                self.shipped_taken += len(taken)
        return found

    def _shipped_vectors(self) -> dict[str, np.ndarray]:
        """The shipped file's vectors of this key's dimension; none when there is no file or it cannot be read
        (a damaged file costs only time: its passages are embedded)."""
        if self._shipped is None:
            self._shipped = {}
            if self._shipped_file.is_file():
                try:
                    with np.load(self._shipped_file, allow_pickle=False) as data:
                        hashes, vectors = data["hashes"], data["vectors"].astype(np.float32, copy=False)
                    if vectors.shape == (len(hashes), self.dimension):
                        self._shipped = {h.decode("ascii"): v for h, v in zip(hashes, vectors)}
                except (OSError, ValueError, KeyError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
                    log.warning("the shipped vectors %s cannot be read (%s); their passages are embedded",
                                self._shipped_file, exc)
        return self._shipped

    def items(self) -> dict[str, np.ndarray]:
        """Every cached vector by hash."""
        return {h: np.frombuffer(blob, dtype=np.float32) for h, blob in self._db.execute("SELECT hash, vector FROM vectors")}

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                                 [(h, np.asarray(v, dtype=np.float32).tobytes()) for h, v in items.items()])

    def close(self) -> None:
        self._db.close()


def write_shipped(path: Path, vectors: dict[str, np.ndarray]) -> None:
    """Write `vectors` (hash → vector) as a shipped-vectors file, sorted by hash so that equal sets give equal files."""
    hashes = sorted(vectors)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        np.savez_compressed(f, hashes=np.array([h.encode("ascii") for h in hashes], dtype="S64"),
                            vectors=np.stack([vectors[h] for h in hashes]).astype(np.float32))
