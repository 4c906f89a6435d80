"""Wiring shared by the service and the CLI: open a searcher, build an index."""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from embeddings.encoder import Encoder, load_encoder
from indexer.build import BuildSummary, Progress, build_index
from indexer.prepare import workers_for
from indexer.tokenize import Tokenizer
from plansearch.errors import IndexMismatch
from plansearch.index import IndexSource, PassageIndex
from plansearch.manifest import incompatibilities
from plansearch.search import Searcher
from plansearch.settings import Settings
from plansearch.stores import open_source


# Passages handed to the encoder per call (and cached, and reported as progress, per call). The model still runs
# `encode_batch_size` at a time, but sentence-transformers sorts a call's texts by length first, so batches pad
# little: 128 at a time embeds 2.4 times as fast as 16 (bench/RESULTS.md), with the same vectors (within 1e-7).
EMBED_CHUNK = 128


def index_exists(settings: Settings) -> bool:
    return open_source(settings).exists()


def check_compatible(index: PassageIndex, source: IndexSource, encoder: Encoder, tokenizer: Tokenizer) -> None:
    """Refuse to serve an index built with another model, prompts or tokenizer dictionary."""
    problems = incompatibilities(index.manifest, encoder.name, encoder.dimension,
                                 {"query": encoder.query_prompt, "passage": encoder.passage_prompt},
                                 tokenizer.fingerprint)
    if problems:
        raise IndexMismatch(f"index at {source} (build {index.describe()['serving_build']}) was built with "
                            + "; ".join(problems) + ". Rebuild it with `plansearch index --rebuild`.")


def open_searcher(settings: Settings, encoder: Encoder | None = None, verify: str = "auto",
                  tokenizer: Tokenizer | None = None, warm_encoder: bool = True) -> Searcher:
    """Load the index and the query encoder; refuse an index built with another model or dictionary, or
    one whose files do not match their checksums (`verify`: "auto", "full", "sizes" for the folder store).
    `warm_encoder=False` leaves the query engine to load on first use (a service loads it in its background
    warm-up, once it listens: 0.8 s for the ONNX engine, which would otherwise delay its start)."""
    source = open_source(settings)
    index = source.open(verify=verify)
    encoder = encoder or load_encoder(settings)
    tokenizer = tokenizer or Tokenizer()
    check_compatible(index, source, encoder, tokenizer)
    searcher = Searcher(index, encoder, tokenizer, settings)
    searcher.warm_up(encoder=warm_encoder)
    return searcher


def build(settings: Settings, encoder: Encoder | None = None, corpus_dir: Path | None = None,
          progress: Progress | None = None, after_write=None, rebuild: bool = False) -> BuildSummary:
    """Bring the index in line with the corpus; the model is loaded only if something must be embedded."""
    from embeddings.cache import BUNDLED_VECTORS
    from embeddings.encoder import model_name

    identity = None
    if encoder is None:     # the name alone: the bundled model's folder is built only if passages must be embedded
        identity = (model_name(settings), {"query": settings.query_prompt, "passage": settings.passage_prompt})
    return build_index(corpus_dir or settings.corpus_dir, settings.index_dir, open_source(settings),
                       encoder or (lambda: load_encoder(settings)), Tokenizer(bulk=True),
                       settings.embedding_cache_dir, batch=max(EMBED_CHUNK, settings.encode_batch_size), progress=progress,
                       after_write=after_write, rebuild=rebuild, identity=identity,
                       workers=workers_for(settings.build_workers),
                       shipped=BUNDLED_VECTORS if settings.bundled_vectors else None)


@dataclass
class CheckReport:
    build: str
    where: str
    segments: int
    files: int
    bytes: int
    seconds: float


def check_index(settings: Settings) -> CheckReport:
    """Verify every file of the served build against its recorded size and checksum, and that it opens
    (`plansearch check`)."""
    started = time.perf_counter()
    index = open_source(settings).open(verify="full")
    about = index.describe()
    files = index.manifest.files
    return CheckReport(about["serving_build"], about.get("where", ""), len(index.manifest.segments), len(files),
                       sum(int(size) for size, _ in files.values()), time.perf_counter() - started)


log = logging.getLogger(__name__)
POLL_SECONDS = 0.25          # how often a running service looks for a new build (a store whose look is not cheap)
SWITCH_WAIT = 60.0           # longest a request waits for a new build to open before the previous one answers


class LiveSearcher:
    """Hands out the current searcher and switches to a newly built index once `plansearch index` has
    swapped it in. A request that finds a new build waits while it is opened and fully verified, so no answer
    comes from the previous build once `index` has returned (an old number for an edited plan); a build that
    fails (a corrupt file, another model) is refused and the previous one kept. After `refresh()` (an upload or
    removal through the API) the next request switches at once."""

    def __init__(self, settings: Settings, searcher: Searcher | None = None, encoder: Encoder | None = None,
                 follow: bool = True, warm: bool = True):
        self.settings = settings
        self.source = open_source(settings)
        self._searcher = searcher or open_searcher(settings, encoder=encoder, warm_encoder=False)
        self._warmed = False
        if warm:
            self.warm()
        self._target = self._serving(self._searcher)
        self._checked = time.monotonic()
        self._follow = follow and searcher is None
        self._force = False
        self._lock = threading.Lock()
        self._switching: threading.Thread | None = None
        self._refused: tuple[str, str] | None = None      # (build folder, why) of a build not served

    def warm(self) -> None:
        """Start the background warm-up (the dictionary and lazily loaded tables: the first user need not wait),
        once. `serve` starts it when the app starts: begun earlier, its imports held the GIL against the
        service's own (start-up 2.1-2.8 s)."""
        if not self._warmed:
            self._warmed = True
            self._searcher.warm_in_background()

    @staticmethod
    def _serving(searcher: Searcher) -> str:
        return searcher.index.describe()["serving_build"]

    def refresh(self) -> None:
        """Switch to a new index at the next request (after an upload or removal through the API)."""
        self._force = True

    def _switch(self, target: str, verify: str) -> None:
        with self._lock:
            if target == self._target:
                return
            try:
                searcher = open_searcher(self.settings, encoder=self._searcher.encoder, verify=verify,
                                         tokenizer=self._searcher.tokenizer)      # loaded once: jieba is slow
            except Exception as exc:      # a broken new index: keep serving the previous one
                self._refused = (target, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
                log.error("new index at %s not loaded, still serving the previous one: %s", target, exc)
                return
            self._searcher, self._target, self._refused = searcher, self._serving(searcher), None
            log.info("switched to the index at %s", self._target)

    def _follow_current(self) -> None:
        force, self._force = self._force, False
        self._checked = time.monotonic()
        target = self.source.current()
        if target is None or target == self._target or (self._refused and self._refused[0] == target and not force):
            return
        if force:
            self._switch(target, "auto")
            return
        switching = self._switching
        if switching is None or not switching.is_alive():
            switching = self._switching = threading.Thread(target=self._switch, args=(target, "full"), daemon=True,
                                                           name="open-new-index")
            switching.start()
        switching.join(SWITCH_WAIT)         # every request that finds the new build waits for it
        if switching.is_alive():
            log.warning("the new index at %s is still opening after %.0f s; the previous one answers meanwhile",
                        target, SWITCH_WAIT)

    def served(self) -> Searcher:
        """The searcher being served (after looking for a new build), damaged or not."""
        if self.due():
            self._follow_current()
        return self._searcher

    def due(self) -> bool:
        """Is a look for a new build due before the next answer (a file read or a query; a switch may follow)?
        When not, `get` does no I/O and can run on the event loop."""
        if not self._follow:
            return False
        if self._force:
            return True
        if getattr(self.source, "cheap_current", False):      # one readlink: a build swapped in a moment ago
            target = self.source.current()
            return target is not None and target != self._target and not (self._refused and self._refused[0] == target)
        return time.monotonic() - self._checked >= POLL_SECONDS

    def get(self, look: bool = True) -> Searcher:
        """The searcher to answer with; IndexCorrupt if its files were found damaged. `look=False`: the one served
        now, without looking for a new build (no I/O)."""
        searcher = self.served() if look else self._searcher
        searcher.index.require_intact()
        return searcher

    def status(self) -> dict:
        """What is served and whether it is healthy (for /health); the store looks at its data first (the folder
        store: one stat per served file)."""
        about = self._searcher.index.describe()
        current = self.source.current() or ""
        refused = self._refused[1] if self._refused and self._refused[0] == current else None
        state = "corrupt" if about["integrity"] == "corrupt" else "degraded" if refused else "ok"
        return {"status": state, "healthy": state == "ok", "integrity": about["integrity"],
                "serving_build": about["serving_build"], "current_build": current,
                "segments": about["segments"], "problem": about["problem"] or refused}
