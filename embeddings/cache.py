"""Embedding cache keyed by content hash: unchanged passages are never embedded twice."""
from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import numpy as np


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """One SQLite file per encoder key; rows are (sha256 of the embedded text, float32 vector)."""

    def __init__(self, folder: Path, key: str, dimension: int):
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{key}.sqlite"
        self.dimension = dimension
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
        return found

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                                 [(h, np.asarray(v, dtype=np.float32).tobytes()) for h, v in items.items()])

    def close(self) -> None:
        self._db.close()
