"""Wiring shared by the service and the CLI: open a searcher, build an index."""
from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

from embeddings.encoder import Encoder, load_encoder
from indexer.build import BuildSummary, Progress, build_index
from indexer.tokenize import Tokenizer
from plansearch.search import Searcher
from plansearch.settings import Settings
from plansearch.store import CURRENT, FolderIndex


# Passages handed to the encoder per call (and cached, and reported as progress, per call). The model still runs
# `encode_batch_size` at a time, but sentence-transformers sorts a call's texts by length first, so batches pad
# little: 128 at a time embeds 2.4 times as fast as 16 (bench/RESULTS.md), with the same vectors (within 1e-7).
EMBED_CHUNK = 128


def index_exists(settings: Settings) -> bool:
    return (settings.index_dir / CURRENT).exists()


def open_searcher(settings: Settings, encoder: Encoder | None = None) -> Searcher:
    """Load the index and the query encoder; refuse an index built with another model or dictionary."""
    index = FolderIndex.open(settings.index_dir)
    encoder = encoder or load_encoder(settings)
    tokenizer = Tokenizer()
    index.check_compatible(encoder.name, encoder.dimension,
                           {"query": encoder.query_prompt, "passage": encoder.passage_prompt}, tokenizer.fingerprint)
    searcher = Searcher(index, encoder, tokenizer, settings)
    searcher.warm_up()
    return searcher


def build(settings: Settings, encoder: Encoder | None = None, corpus_dir: Path | None = None,
          progress: Progress | None = None, after_write=None, rebuild: bool = False) -> BuildSummary:
    """Bring the index in line with the corpus; the model is loaded only if something must be embedded."""
    from embeddings.encoder import model_name

    identity = None
    if encoder is None:     # the name alone: the bundled model's folder is built only if passages must be embedded
        identity = (model_name(settings), {"query": settings.query_prompt, "passage": settings.passage_prompt})
    return build_index(corpus_dir or settings.corpus_dir, settings.index_dir,
                       encoder or (lambda: load_encoder(settings)), Tokenizer(),
                       settings.embedding_cache_dir, batch=max(EMBED_CHUNK, settings.encode_batch_size), progress=progress,
                       after_write=after_write, rebuild=rebuild, identity=identity)


log = logging.getLogger(__name__)


class LiveSearcher:
    """Hands out the current searcher and switches to a newly built index once `plansearch index` has
    swapped it in (checked at most once a second), so a removed plan disappears from a running service."""

    def __init__(self, settings: Settings, searcher: Searcher | None = None, encoder: Encoder | None = None,
                 follow: bool = True):
        self.settings = settings
        self._searcher = searcher or open_searcher(settings, encoder=encoder)
        self._target = self._current_target()
        self._checked = time.monotonic()
        self._follow = follow and searcher is None
        self._lock = threading.Lock()

    def _current_target(self) -> str:
        return os.path.realpath(self.settings.index_dir / CURRENT)

    def refresh(self) -> None:
        """Look for a new index at the next request (after an upload or removal through the API)."""
        self._checked = 0.0

    def get(self) -> Searcher:
        if self._follow and time.monotonic() - self._checked >= 1.0:
            self._checked = time.monotonic()
            target = self._current_target()
            if target != self._target:
                with self._lock:
                    if target != self._target:
                        try:
                            self._searcher = open_searcher(self.settings, encoder=self._searcher.encoder)
                            self._target = target
                            log.info("switched to the index at %s", target)
                        except Exception as exc:      # a broken new index: keep serving the previous one
                            log.error("new index at %s not loaded, still serving the previous one: %s", target, exc)
                            self._target = target
        return self._searcher
