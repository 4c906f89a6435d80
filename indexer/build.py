"""Build or update an index from a corpus folder: parse → passages → tokens → embeddings (cached) → store.

`plansearch index` is incremental: each plan's fingerprint (its manifest entry, its file, the indexing
code) is compared with the current index; only added or changed plans are parsed, embedded and written
(as one new segment), removed or replaced plans' rows are marked deleted, and an unchanged corpus writes
nothing. A different model, prompts, dictionary or index format means a full rebuild, as does --rebuild."""
from __future__ import annotations

import errno
import hashlib
import json
import os
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import numpy as np

from embeddings.cache import EmbeddingCache, content_hash
from embeddings.encoder import Encoder, encoder_key, shipped_key
from indexer.corpus import Corpus, load_corpus
from indexer.prepare import PreparedPlan, prepare_corpus
from indexer.progress import STAGE_PREPARING, STAGE_WRITING, Progress
from indexer.tokenize import Tokenizer
from indexer.twins import find_twins
from plansearch import __version__
from plansearch.errors import CorpusError, IndexWriteError, PlanSearchError
from plansearch.index import IndexSource, IndexWriter
from plansearch.lexical import TermMatrix
from plansearch.manifest import FORMAT_VERSION, IndexManifest, NewPlans, PlanEntry
from plansearch.records import Kind

# the code and data a passage's indexed form depends on: when any of it changes, every plan is re-parsed
PIPELINE_FILES = ("lines.py", "parse.py", "normalize.py", "context.py", "targets.py", "corpus.py", "tokenize.py",
                  "prepare.py", "details.py", "gazetteer.py", "data/indicators.toml", "readers/*.py")
WRITE_PROGRESS_MIN = 50_000    # passages from which writing (a vector graph) takes minutes and is reported


@dataclass
class BuildSummary:
    plans: int
    passages: int
    per_kind: dict[str, int]
    embedded: int
    reused: int                         # of which `shipped` came with the project (embeddings/cache.py)
    seconds: float
    build: str                          # the name of the build served now (plansearch.index.IndexSource.current)
    warnings: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    full: bool = True                   # a complete rebuild (no usable index, or asked for)
    failed: list[tuple[str, str]] = field(default_factory=list)   # (file, reason) not indexed
    kept_from_failed: dict[str, list[str]] = field(default_factory=dict)  # such a file → its plans indexed before, kept
    skipped: list[str] = field(default_factory=list)              # files of an unsupported type
    reason: str = ""                    # why it was a complete rebuild
    shipped: int = 0                    # vectors taken from the project's shipped vectors, not embedded here
    segments: int = 1


def pipeline_hash(tokenizer: Tokenizer) -> str:
    digest = hashlib.sha256(f"{__version__}/{FORMAT_VERSION}/{tokenizer.fingerprint}".encode())
    here = Path(__file__).resolve().parent
    for pattern in PIPELINE_FILES:
        for path in sorted(here.glob(pattern)):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def file_signature(path: Path, known: list | None) -> list:
    """[size, mtime_ns, sha256, when hashed] of a plan file. As in git, the recorded hash is reused while
    size and modification time are unchanged — unless the file had been modified within two seconds of
    being hashed (a same-size edit in the same clock tick would go unseen) — so an unchanged corpus is not
    read again."""
    st = path.stat()
    if known and len(known) == 4 and known[:2] == [st.st_size, st.st_mtime_ns] and known[3] - known[1] > 2e9:
        return known
    return [st.st_size, st.st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest(), time.time_ns()]


SIGNATURES = "file-signatures.json"     # in the index folder: a cache, rebuilt when missing


def _file_signatures(corpus: Corpus, index_dir: Path) -> dict[str, list]:
    path = index_dir / SIGNATURES
    try:
        recorded = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except (OSError, ValueError):
        recorded = {}
    out: dict[str, list] = {}
    for m in corpus.plans:
        if m.source_file not in out:
            out[m.source_file] = file_signature(corpus.root / m.source_file, recorded.get(str(corpus.root / m.source_file)))
    if any(out[f] is not recorded.get(str(corpus.root / f)) for f in out):
        recorded.update({str(corpus.root / f): sig for f, sig in out.items()})
        tmp = path.with_name(f".{SIGNATURES}.tmp")
        tmp.write_text(json.dumps(recorded), encoding="utf-8")
        os.replace(tmp, path)
    return out


def plan_fingerprint(meta, pipeline: str, signature: list) -> str:
    """Changes when the plan's manifest entry, its file or the indexing code does."""
    return hashlib.sha256(f"{pipeline}/{meta.model_dump_json()}/{signature[2]}".encode()).hexdigest()[:16]


def corpus_hash(fingerprints: dict[str, str]) -> str:
    """Changes whenever any plan does (from the fingerprints: no second read of the files)."""
    return hashlib.sha256(json.dumps(sorted(fingerprints.items())).encode()).hexdigest()[:16]


def embed_with_cache(encoder: Encoder, texts: list[str], cache: EmbeddingCache, batch: int,
                     progress: Progress | None = None) -> tuple[np.ndarray, int]:
    """Vectors for `texts`, taking cached ones by content hash; returns (vectors, how many were embedded)."""
    hashes = [content_hash(t) for t in texts]
    known = cache.get_many(list(set(hashes)))
    missing = list(dict.fromkeys(h for h in hashes if h not in known))
    text_of = dict(zip(hashes, texts))
    done = len(texts) - sum(1 for h in hashes if h not in known)
    if progress:
        progress(done, len(texts))
    for start in range(0, len(missing), batch):
        chunk = missing[start:start + batch]
        vectors = encoder.encode_passages([text_of[h] for h in chunk])
        fresh = dict(zip(chunk, vectors))
        cache.put_many(fresh)
        known.update(fresh)
        done += sum(1 for h in hashes if h in fresh)
        if progress:
            progress(done, len(texts))
    matrix = np.stack([known[h] for h in hashes]) if hashes else np.zeros((0, encoder.dimension), np.float32)
    return matrix.astype(np.float32), len(missing)


def indexed_ids(source: IndexSource) -> dict[str, list[str]]:
    """File name → the ids its plans are indexed under now (in file order): a plan keeps its id when its
    manifest entry is taken out and its file stays (see `load_corpus`)."""
    try:
        state = source.writer().state()
    except (PlanSearchError, OSError):
        return {}
    entries = state[1] if state else []
    out: dict[str, list[str]] = {}
    for e in sorted(entries, key=lambda e: (e.meta.source_file, e.meta.start_line)):
        out.setdefault(e.meta.source_file, []).append(e.meta.id)
    return out


WRITE_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO}


def write_failure(exc: OSError, index_dir: Path) -> IndexWriteError:
    """One line for an index folder that cannot be written: what failed and where."""
    where = Path(os.fsdecode(exc.filename)) if exc.filename else index_dir
    reason = exc.strerror or str(exc)
    if not where.absolute().is_relative_to(index_dir.absolute()):
        return IndexWriteError(f"{reason}: {where}; the index being served is unchanged", reason)
    return IndexWriteError(f"cannot write the index at {index_dir}: {reason} ({where}); "
                           f"the index being served is unchanged", reason)


@dataclass
class _State:
    manifest: IndexManifest
    plans: list[PlanEntry]


def _usable_state(writer: IndexWriter, model: str, prompts: dict[str, str], tokenizer: Tokenizer,
                  pipeline: str) -> tuple[_State | None, str]:
    """The current index if an update can build on it, else None and why not."""
    try:
        found = writer.state(verify=True)          # a missing, truncated or altered file: build everything again
    except PlanSearchError as exc:
        return None, str(exc)
    if found is None:
        return None, "no index yet"
    state = _State(*found)
    m = state.manifest
    if m.model != model or m.prompts != prompts:
        return None, f"the index was built with model '{m.model}' and prompts {m.prompts}"
    if m.dictionary_hash != tokenizer.fingerprint:
        return None, "the tokenizer dictionary changed"
    if m.pipeline_hash != pipeline:
        return None, "the indexing code changed"
    return state, ""


def build_index(corpus_dir: Path, index_dir: Path, source: IndexSource, encoder: Encoder | Callable[[], Encoder],
                tokenizer: Tokenizer, cache_dir: Path, batch: int = 16, progress: Progress | None = None,
                after_write: Callable[[], None] | None = None, rebuild: bool = False,
                identity: tuple[str, dict[str, str]] | None = None, workers: int = 1,
                shipped: Path | None = None) -> BuildSummary:
    """Bring the index `source` holds in line with the corpus; the previous index keeps serving until the swap.

    `index_dir` keeps the corpus files' signatures (a cache). `encoder` may be a function that loads it: it is
    then called only if something must be embedded, and `identity` (model name, prompts) says what the index
    must have been built with. `workers` processes parse and tokenise when many plans change. `shipped`: a
    folder of shipped vectors the embedding cache takes missing ones from (`embeddings.cache.BUNDLED_VECTORS`)."""
    try:
        return _build_index(corpus_dir, index_dir, source, encoder, tokenizer, cache_dir, batch, progress,
                            after_write, rebuild, identity, workers, shipped)
    except OSError as exc:
        if exc.errno in WRITE_ERRNOS:
            raise write_failure(exc, index_dir) from None
        raise
    except sqlite3.Error as exc:           # the embedding cache: "database or disk is full", read-only …
        raise IndexWriteError(f"cannot write the embedding cache at {cache_dir}: {exc}; "
                              f"the index being served is unchanged") from None


def _without_twins(prepared: list[PreparedPlan], keep: list[PlanEntry], source: IndexSource,
                   warnings: list[str]) -> list[PreparedPlan]:
    """The prepared plans less those that repeat an earlier one or an indexed one (the Word and the PDF of one
    plan), each left out with a warning."""
    opened = []

    def indexed_texts(plan_id: str) -> list[str]:
        if not opened:
            opened.append(source.open())
        index = opened[0]
        return [index.passage(row).text for row in index.rows_of_plan(plan_id)]

    files = {e.meta.id: e.meta.source_file for e in keep} | {p.plan.meta.id: p.plan.meta.source_file for p in prepared}
    twins = find_twins([(p.plan.meta.id, p.plan.meta.title, [x.text for x in p.plan.passages]) for p in prepared],
                       [(e.meta.id, e.meta.title) for e in keep], indexed_texts)
    for plan_id, twin in twins.items():
        remedy = (f"remove one of the two entries ('{plan_id}', '{twin}') from plans.toml"
                  if files[plan_id] == files[twin] else "remove one of the two files")
        warnings.append(f"{files[plan_id]}: the same plan as '{twin}' ({files[twin]}), indexed once; {remedy}")
    return [p for p in prepared if p.plan.meta.id not in twins]


def _build_index(corpus_dir: Path, index_dir: Path, source: IndexSource, encoder, tokenizer: Tokenizer,
                 cache_dir: Path, batch: int, progress: Progress | None, after_write, rebuild: bool,
                 identity, workers: int, shipped: Path | None) -> BuildSummary:
    started = time.perf_counter()
    corpus = load_corpus(corpus_dir, indexed_ids(source))
    writer = source.writer()
    if identity is None:
        identity = (encoder.name, {"query": encoder.query_prompt, "passage": encoder.passage_prompt})
    model, prompts = identity
    pipeline = pipeline_hash(tokenizer)
    if index_dir.exists() and not index_dir.is_dir():
        raise IndexWriteError(f"the index folder {index_dir} is a file, not a folder (PLANSEARCH_INDEX_DIR, "
                              f"--index-dir); the corpus is unchanged", "the index folder is a file")
    index_dir.mkdir(parents=True, exist_ok=True)
    with writer.lock():
        state, reason = (None, "asked for a complete rebuild") if rebuild else \
            _usable_state(writer, model, prompts, tokenizer, pipeline)
        signatures = _file_signatures(corpus, index_dir)
        fingerprints = {m.id: plan_fingerprint(m, pipeline, signatures[m.source_file]) for m in corpus.plans}
        current = {e.meta.id: e for e in state.plans} if state else {}
        keep = [current[m.id] for m in corpus.plans if m.id in current and current[m.id].fingerprint == fingerprints[m.id]]
        kept = {e.meta.id for e in keep}
        todo = [m for m in corpus.plans if m.id not in kept]
        unreadable = {f for f, _ in corpus.failed}
        # a plan whose file cannot be read now keeps the version already indexed
        removed = [pid for pid in current if pid not in fingerprints and current[pid].meta.source_file not in unreadable]
        keep += [e for pid, e in current.items() if pid not in fingerprints and pid not in removed]
        outcome = {"failed": corpus.failed, "skipped": corpus.skipped, "kept_from_failed": _kept(current, corpus.failed)}
        if state is not None and not todo and not removed:
            return _summary(state.plans, 0, 0, started, source.current() or "", corpus.warnings, unchanged=sorted(kept),
                            full=False, segments=len(state.manifest.segments), **outcome)
        todo_corpus = Corpus(corpus.root, todo, [], corpus.failed)
        prepared = prepare_corpus(todo_corpus, tokenizer, workers,
                                  progress=(lambda done, total: progress(done, total, STAGE_PREPARING)) if progress else None)
        prepared = _without_twins(prepared, keep, source, corpus.warnings)
        parsed = [p.plan for p in prepared]
        unreadable = {f for f, _ in corpus.failed}
        keep += [current[m.id] for m in todo if m.source_file in unreadable and m.id in current]
        outcome["kept_from_failed"] = _kept(current, corpus.failed)          # listed files fail as they are read
        kept = {e.meta.id for e in keep}
        if not parsed and not removed and state is not None:
            return _summary(state.plans, 0, 0, started, source.current() or "", corpus.warnings, unchanged=sorted(kept),
                            full=False, segments=len(state.manifest.segments), **outcome)
        passages = [p for plan in parsed for p in plan.passages]
        if not passages and not keep:
            if corpus.failed:
                raise CorpusError("nothing could be indexed: " + "; ".join(f"{f}: {r}" for f, r in corpus.failed))
            raise CorpusError(f"no passages found in {corpus_dir}: {len(parsed)} plan file(s) read, none with a "
                              f"recognisable plan structure (一、… （一）… 主要目标 / 策略措施)")
        texts = [t for p in prepared for t in p.texts]
        if texts:                         # the model is loaded only when there is something to embed
            if not callable(getattr(encoder, "encode_passages", None)):
                encoder = encoder()
            dimension = encoder.dimension
            cache = EmbeddingCache(cache_dir, encoder_key(encoder), dimension,
                                   shipped / f"{shipped_key(encoder)}.npz" if shipped is not None else None)
            try:
                vectors, embedded = embed_with_cache(encoder, texts, cache, batch, progress)
                outcome["shipped"] = cache.shipped_taken
            finally:
                cache.close()
            if callable(prepare := getattr(encoder, "prepare_queries", None)):
                prepare()                 # the query engine's files, made here rather than in a service
        else:                             # only removals: state is set (a fresh index has passages)
            dimension = state.manifest.dimension
            vectors, embedded = np.zeros((0, dimension), np.float32), 0
        entries = [PlanEntry(plan.meta, {k.value: sum(1 for p in plan.passages if p.kind is k) for k in Kind},
                             list(dict.fromkeys(p.domain for p in plan.passages if p.domain)),
                             fingerprints[plan.meta.id], warnings=plan.warnings) for plan in parsed]
        indicators = [i for p in prepared for i in p.indicators]
        manifest = IndexManifest(
            format_version=FORMAT_VERSION, plansearch_version=__version__, model=model,
            dimension=dimension, prompts=prompts, normalized=True,
            dictionary_hash=tokenizer.fingerprint, corpus_hash=corpus_hash(fingerprints), passage_count=0,
            built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            build_seconds=0.0, pipeline_hash=pipeline)
        new = NewPlans(entries, passages, vectors, TermMatrix.from_parts(p.terms for p in prepared), indicators)
        manifest.build_seconds = round(time.perf_counter() - started, 2)
        report = progress if progress and len(passages) >= WRITE_PROGRESS_MIN else None
        if report:
            report(0, len(passages), STAGE_WRITING)
        name = writer.write(manifest, new, keep, after_write=after_write)
        if report:
            report(len(passages), len(passages), STAGE_WRITING)
        final = _State(*(writer.state() or (manifest, [])))
    reused = len(set(map(content_hash, texts))) - embedded
    return _summary(final.plans, embedded, reused, started, name, corpus.warnings,
                    added=[e.meta.id for e in entries if e.meta.id not in current],
                    updated=[e.meta.id for e in entries if e.meta.id in current], removed=removed,
                    unchanged=sorted(kept), full=state is None, reason=reason,
                    segments=len(final.manifest.segments), **outcome)


def _kept(current: dict, failed: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Each file that could not be read → the plans indexed from it before, which stay as they were."""
    return {f: ids for f in sorted({f for f, _ in failed})
            if (ids := [pid for pid, e in current.items() if e.meta.source_file == f])}


def _summary(entries: list[PlanEntry], embedded: int, reused: int, started: float, build: str,
             corpus_warnings: list[str], **changes) -> BuildSummary:
    per_kind = Counter()
    for e in entries:
        per_kind.update({k: v for k, v in e.counts.items() if v})
    warnings = corpus_warnings + [f"{e.meta.id}: {w}" for e in entries for w in e.warnings]
    return BuildSummary(plans=len(entries), passages=sum(e.size for e in entries), per_kind=dict(per_kind),
                        embedded=embedded, reused=reused, seconds=time.perf_counter() - started, build=build,
                        warnings=warnings, **changes)
