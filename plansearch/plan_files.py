"""Adding and removing plan files: `plansearch add` / `remove`, uploads and `DELETE /api/plans/{id}`.

A file is read and understood before anything is written; it is stored in the corpus folder under its
plan id (never under a name a client chose), described in `plans.toml` from the details found in it, and
indexed incrementally. If indexing fails, the file and the manifest are put back as they were; if the process dies
on the way (killed, the machine down), a note left beside the index puts them back before the next change or
index build (`recover_interrupted_add`)."""
from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from indexer.build import BuildSummary, Progress, indexed_ids
from indexer.corpus import (MANIFEST_NAME, NOT_A_PLAN, RE_PLAN_ID, ParsedFile, is_no_plan, load_corpus, load_manifest,
                            parse_corpus, parse_document, slug)
from indexer.normalize import normalize_for_index
from indexer.readers import SUPPORTED_SUFFIXES, is_supported
from indexer.twins import find_twins
from plansearch.errors import CorpusError, PlanNotFound
from plansearch.records import ParsedPlan, PlanMeta
from plansearch.settings import Settings
from plansearch.stores import open_source

log = logging.getLogger(__name__)

# manifest fields written for a plan found in a file (in this order); empty values are left out
ENTRY_FIELDS = ("id", "title", "short_name", "province", "city", "county", "admin_level", "period", "subject",
                "status", "doc_number", "issuer", "date", "source_file", "start_line", "end_line", "aliases")


@dataclass
class AddResult:
    plan_ids: list[str]
    stored_as: str
    parsed: ParsedFile
    summary: BuildSummary | None = None


@dataclass
class RemoveResult:
    plan_id: str
    deleted_file: str | None
    summary: BuildSummary | None = None
    also_removed: list[str] = field(default_factory=list)


INTERRUPTED_ADD = ".adding.json"       # beside the index while a file is being added: what to put back


@contextmanager
def _locked(settings: Settings):
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.index_dir / ".corpus.lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


@contextmanager
def corpus_lock(settings: Settings):
    """One change to the corpus at a time (the lock lives beside the index, not in the corpus folder). An add that
    died half-way is undone first."""
    with _locked(settings):
        if message := _undo_interrupted_add(settings):
            log.warning(message)
        yield


def recover_interrupted_add(settings: Settings) -> str | None:
    """Undo an add whose process died before its file was indexed (else its file and manifest entry stay in the
    corpus, the index lacks them, and the same upload is refused as a duplicate); says what was undone, or None."""
    if not (settings.index_dir / INTERRUPTED_ADD).exists():
        return None
    with _locked(settings):
        return _undo_interrupted_add(settings)


def _undo_interrupted_add(settings: Settings) -> str | None:
    note = settings.index_dir / INTERRUPTED_ADD
    try:
        record = json.loads(note.read_text(encoding="utf-8"))
        corpus, stored, before = Path(record["corpus"]), record["stored"], record["manifest"]
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        note.unlink(missing_ok=True)             # unreadable: it undoes nothing (the add's own `except` ran)
        return None
    if stored in indexed_ids(open_source(settings)):
        note.unlink(missing_ok=True)             # it died after its file was indexed: the add is complete
        return None
    (corpus / stored).unlink(missing_ok=True)
    manifest = corpus / MANIFEST_NAME
    if before is None:
        manifest.unlink(missing_ok=True)
    else:
        _write_manifest(manifest, before)
    note.unlink(missing_ok=True)
    return f"adding {stored} was interrupted before it was indexed: the file and plans.toml were put back"


def _note_add(settings: Settings, corpus: Path, stored: str, before: bytes | None) -> None:
    note = settings.index_dir / INTERRUPTED_ADD
    tmp = note.with_name(f"{note.name}.part")
    tmp.write_text(json.dumps({"corpus": str(corpus.resolve()), "stored": stored,
                               "manifest": before.decode("utf-8") if before is not None else None},
                              ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, note)


def text_fingerprint(texts: list[str]) -> str:
    """The same plan text, whatever the file format, spacing, width or script."""
    folded = re.sub(r"\s+", "", normalize_for_index("".join(texts)))
    return hashlib.sha256(folded.encode()).hexdigest()


def _existing_plans(settings: Settings) -> dict[str, tuple[str, list[str]]]:
    """Title and passage texts of every plan in the corpus, from its files (the manifest's plans and found ones)."""
    try:
        corpus = load_corpus(settings.corpus_dir)
    except CorpusError:
        return {}
    return {plan.meta.id: (plan.meta.title, [p.text for p in plan.passages]) for plan in parse_corpus(corpus)}


def _already_there(display: str, plan, known: dict[str, tuple[str, list[str]]]) -> None:
    """Refuse a plan the corpus holds already: the same text, or the same plan in another format (its Word file
    beside its PDF), which the index would take once and leave this file out of."""
    texts = [p.text for p in plan.passages]
    fp = text_fingerprint(texts)
    twin = next((pid for pid, (_, other) in known.items() if text_fingerprint(other) == fp), None)
    if twin:
        raise CorpusError(f"{display}: the same text as plan '{twin}' already in the corpus (duplicate)")
    twins = find_twins([(plan.meta.id, plan.meta.title, texts)], [(pid, title) for pid, (title, _) in known.items()],
                       lambda pid: known[pid][1])
    if twins:
        raise CorpusError(f"{display}: the same plan as '{next(iter(twins.values()))}' already in the corpus, in "
                          f"another file (duplicate); nothing was added")


def _taken_ids(settings: Settings) -> set[str]:
    try:
        return {p.id for p in load_corpus(settings.corpus_dir, indexed_ids(open_source(settings))).plans}
    except CorpusError:
        return set()


def check_plan_id(plan_id: str) -> str:
    if not RE_PLAN_ID.match(plan_id):
        raise CorpusError(f"plan id '{plan_id[:80]}' must be lower-case letters, digits and '-' (at most 64)")
    return plan_id


def understand(path: Path, settings: Settings, plan_id: str | None = None, display_name: str | None = None
               ) -> ParsedFile:
    """Read and parse a file as `add` would, without writing anything; refuse one with no plan in it."""
    display = display_name or path.name
    if path.is_dir():
        raise CorpusError(f"{display}: is a folder, not a file (plansearch add takes plan files)")
    if not is_supported(path):
        raise CorpusError(f"{display}: unsupported file type '{path.suffix or '(none)'}' "
                          f"(supported: {', '.join(SUPPORTED_SUFFIXES)})")
    taken = _taken_ids(settings)
    ids = None
    if plan_id:
        check_plan_id(plan_id)
        if plan_id in taken:
            raise CorpusError(f"plan id '{plan_id}' is already in the corpus")
        ids = [plan_id]
    parsed = parse_document(path, taken=taken, ids=ids)
    parsed.file = display
    if not parsed.plans or not any(plan.passages for plan in parsed.plans):
        raise CorpusError(f"{display}: no plan structure found (一、… （一）… 主要目标 / 策略措施 or numbered items)")
    if all(is_no_plan(plan) for plan in parsed.plans):
        raise CorpusError(f"{display}: {NOT_A_PLAN}")
    if len(parsed.plans) > 1:
        # one plan pasted several times into one file: each copy became an entry of plans.toml and the index kept
        # one, so every later build repeated the warnings and each copy took a removal of its own
        twins = find_twins([(p.meta.id, p.meta.title, [x.text for x in p.passages]) for p in parsed.plans], [],
                           lambda _: [])
        if twins:
            title = next(p.meta.title for p in parsed.plans if p.meta.id in twins)
            raise CorpusError(f"{display}: the file holds the same plan more than once (“{title[:60]}”, "
                              f"{len(twins)} extra copies); keep one copy and add it again")
    return parsed


def add_plan_file(settings: Settings, path: Path, plan_id: str | None = None, display_name: str | None = None,
                  progress: Progress | None = None, index: bool = True, encoder=None) -> AddResult:
    """Store `path` in the corpus under its plan id, describe it in plans.toml and index it."""
    from plansearch.runtime import build

    display = display_name or path.name
    with corpus_lock(settings):
        parsed = understand(path, settings, plan_id, display)
        known = _existing_plans(settings)
        for plan in parsed.plans:
            _already_there(display, plan, known)
        corpus = settings.corpus_dir
        corpus.mkdir(parents=True, exist_ok=True)
        stored = f"{parsed.plans[0].meta.id}{_true_suffix(path)}"
        dest = corpus / stored
        if dest.exists():
            raise CorpusError(f"{display}: a file named {stored} is already in the corpus")
        manifest = corpus / MANIFEST_NAME
        before = manifest.read_bytes() if manifest.exists() else None
        entries = [_entry(plan.meta, stored, len(parsed.plans) > 1) for plan in parsed.plans]
        tmp = corpus / f".{stored}.part"
        shutil.copyfile(path, tmp)
        _note_add(settings, corpus, stored, before)
        os.replace(tmp, dest)
        try:
            _write_manifest(manifest, (before or b"").decode("utf-8") + _toml(entries))
            load_manifest(corpus, missing=[])           # what was written reads back
            summary = build(settings, encoder=encoder, progress=progress) if index else None
        except BaseException:
            dest.unlink(missing_ok=True)
            if before is None:
                manifest.unlink(missing_ok=True)
            else:
                _write_manifest(manifest, before.decode("utf-8"))
            raise
        finally:
            (settings.index_dir / INTERRUPTED_ADD).unlink(missing_ok=True)
    return AddResult(plan_ids=[plan.meta.id for plan in parsed.plans], stored_as=stored, parsed=parsed,
                     summary=summary)


def remove_plan(settings: Settings, plan_id: str, progress: Progress | None = None, encoder=None) -> RemoveResult:
    """Take a plan out of the manifest (and its file, when no other plan uses it) and out of the index."""
    from plansearch.runtime import build

    with corpus_lock(settings):
        corpus = load_corpus(settings.corpus_dir, indexed_ids(open_source(settings)))   # the ids the index uses
        plans = {p.id: p for p in corpus.plans}
        if plan_id not in plans:
            raise PlanNotFound(plan_id, sorted(plans))
        meta = plans[plan_id]
        sharing = [p.id for p in corpus.plans if p.source_file == meta.source_file and p.id != plan_id]
        manifest = settings.corpus_dir / MANIFEST_NAME
        before = manifest.read_bytes() if manifest.exists() else None
        described = {p.id for p in load_manifest(settings.corpus_dir, missing=[])}
        if meta.guessed and sharing:
            raise CorpusError(f"plan '{plan_id}' shares {meta.source_file} with {', '.join(sharing)}, which "
                              f"{MANIFEST_NAME} does not describe: remove the file, or describe its plans first")
        path = settings.corpus_dir / meta.source_file
        backup = None
        if not sharing:
            backup = tempfile.NamedTemporaryFile(delete=False, dir=settings.index_dir, prefix=".removed-")
            backup.close()
            shutil.copyfile(path, backup.name)
        try:
            if plan_id in described:
                _write_manifest(manifest, _without_entry(before.decode("utf-8"), plan_id))
            if not sharing:
                path.unlink()
            summary = build(settings, encoder=encoder, progress=progress)
        except BaseException:
            if before is not None:
                _write_manifest(manifest, before.decode("utf-8"))
            if backup is not None and not path.exists():
                shutil.copyfile(backup.name, path)
            raise
        finally:
            if backup is not None:
                Path(backup.name).unlink(missing_ok=True)
    return RemoveResult(plan_id=plan_id, deleted_file=None if sharing else meta.source_file, summary=summary)


# -- the manifest -------------------------------------------------------------------------------------
def _entry(meta: PlanMeta, stored: str, ranged: bool) -> dict:
    data = meta.model_dump()
    data["source_file"] = stored
    if not ranged:
        data["start_line"], data["end_line"] = 1, None
    out = {}
    for name in ENTRY_FIELDS:
        value = data.get(name)
        if value in (None, "", []) or (name == "start_line" and value == 1):
            continue
        out[name] = value
    return out


def _toml(entries: list[dict]) -> str:
    out = []
    for entry in entries:
        out.append("\n[[plan]]")
        for key, value in entry.items():
            out.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")   # JSON strings are TOML basic strings
    return "\n".join(out) + "\n"


def _without_entry(text: str, plan_id: str) -> str:
    """The manifest without the [[plan]] table whose id is `plan_id` (comments elsewhere kept)."""
    blocks = re.split(r"(?m)^(?=\[\[plan\]\])", text)
    keep = [b for b in blocks if not re.search(rf'(?m)^id\s*=\s*"{re.escape(plan_id)}"\s*$', b)]
    # the blank line `_toml` put before the removed table goes with it (an add and a remove leave the file as it was)
    return re.sub(r"\n{3,}(?=\[\[plan\]\])", "\n\n", "".join(keep)).rstrip("\n") + "\n"


def _write_manifest(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _true_suffix(path: Path) -> str:
    """The suffix a file is stored under: the one its bytes say when its name says a kind read otherwise (a Word
    file named .pdf is stored as .docx, so that every later build reads it without a warning)."""
    from indexer.readers import READERS, sniff

    named = path.suffix.lower()
    actual = sniff(path)
    return actual if actual is not None and READERS.get(named) is not READERS[actual] and \
        not (actual == ".doc" and named == ".docx") else named


def safe_upload_name(client_name: str) -> str:
    """A file name for a client's upload: its stem reduced to [a-z0-9-], its suffix kept if supported."""
    name = Path(client_name.replace("\\", "/")).name
    suffix = Path(name).suffix.lower()
    suffix = suffix if suffix in SUPPORTED_SUFFIXES else ""
    if not re.search(r"[A-Za-z]", Path(name).stem):
        return "规划" + suffix       # a Chinese name: the plan id then comes from its place code and subject
    return f"{slug(Path(name).stem)[:48]}{suffix}"


__all__ = ["AddResult", "RemoveResult", "add_plan_file", "remove_plan", "understand", "safe_upload_name",
           "text_fingerprint", "ParsedPlan"]
