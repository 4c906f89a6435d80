"""Wiring shared by the service and the CLI: open a searcher, build an index."""
from __future__ import annotations

from pathlib import Path

from embeddings.encoder import Encoder, load_encoder
from indexer.build import BuildSummary, Progress, build_index
from indexer.tokenize import Tokenizer
from plansearch.search import Searcher
from plansearch.settings import Settings
from plansearch.store import CURRENT, FolderIndex


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
          progress: Progress | None = None, after_write=None) -> BuildSummary:
    encoder = encoder or load_encoder(settings)
    return build_index(corpus_dir or settings.corpus_dir, settings.index_dir, encoder, Tokenizer(),
                       settings.embedding_cache_dir, batch=settings.encode_batch_size, progress=progress,
                       after_write=after_write)
