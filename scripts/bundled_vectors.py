"""Write the bundled corpus's passage vectors to embeddings/data/<shipped key>.npz, which a build takes instead of
embedding those passages (`PLANSEARCH_BUNDLED_VECTORS`): a fresh machine's first `plansearch serve` then starts
in seconds. Run it after a change to the bundled plans, to how passages are cut or worded for embedding, or to
the model; tests/test_bundled_vectors.py fails until then.

    .venv/bin/python scripts/bundled_vectors.py
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from embeddings.cache import BUNDLED_VECTORS, EmbeddingCache, write_shipped
from embeddings.encoder import load_encoder, shipped_key
from plansearch.runtime import build
from plansearch.settings import Settings


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bundled-vectors-") as tmp:
        settings = Settings(index_dir=Path(tmp) / "index", cache_dir=Path(tmp) / "cache", bundled_vectors=False)
        summary = build(settings)            # a fresh cache: it holds exactly the bundled corpus's passages
        (cache_file,) = settings.embedding_cache_dir.glob("*.sqlite")
        cache = EmbeddingCache(settings.embedding_cache_dir, cache_file.stem, 0)
        vectors = cache.items()
        cache.close()
    for old in BUNDLED_VECTORS.glob("*.npz"):
        old.unlink()                          # vectors of an earlier model, graph or prompt are never read again
    out = BUNDLED_VECTORS / f"{shipped_key(load_encoder(Settings()))}.npz"
    write_shipped(out, vectors)
    print(f"{len(vectors)} vectors of {summary.passages} passages written to {out} "
          f"({out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
