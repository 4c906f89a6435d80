"""The corpus folder: plan files in any supported format plus `plans.toml`, the manifest that
describes each plan.

A plan file with no manifest entry is still indexed, with its details found in the document. A file
that cannot be read is reported and skipped; the other plans are still indexed."""
from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from indexer.lines import Line, LineType, lines_of, read_lines
from indexer.readers import SUPPORTED_SUFFIXES, ReaderError, is_supported, read_document
from indexer.parse import parse_plan, title_lines
from plansearch.errors import CorpusError
from plansearch.records import ParsedPlan, PlanMeta

MANIFEST_NAME = "plans.toml"
PLAN_SUFFIXES = SUPPORTED_SUFFIXES
RE_PERIOD = re.compile(r"(\d{4})\s*[—–\-－~～至]+\s*(\d{4})")
RE_PLACE = re.compile(r"^(.{2,16}?)(儿童|妇女)发展")


@dataclass
class Corpus:
    root: Path
    plans: list[PlanMeta]
    warnings: list[str]
    failed: list[tuple[str, str]] = field(default_factory=list)    # (file, reason): reported, not indexed
    skipped: list[str] = field(default_factory=list)               # files of a type no reader takes

    def files(self) -> list[Path]:
        return sorted({self.root / p.source_file for p in self.plans})

    def content_hash(self) -> str:
        """Hash of the manifest and every plan file: changes whenever the corpus does."""
        digest = hashlib.sha256()
        manifest = self.root / MANIFEST_NAME
        if manifest.exists():
            digest.update(manifest.read_bytes())
        for path in self.files():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
        return digest.hexdigest()[:16]


def load_manifest(root: Path) -> list[PlanMeta]:
    path = root / MANIFEST_NAME
    if not path.exists():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{path}: not valid TOML ({exc})") from None
    entries = data.get("plan", [])
    if not isinstance(entries, list):
        raise CorpusError(f"{path}: expected [[plan]] tables")
    plans = []
    for i, entry in enumerate(entries, start=1):
        try:
            plans.append(PlanMeta(**entry))
        except (ValidationError, TypeError) as exc:
            first = exc.errors()[0] if isinstance(exc, ValidationError) else {"loc": (), "msg": str(exc)}
            where = ".".join(str(p) for p in first["loc"])
            raise CorpusError(f"{path}: plan #{i}: {where} {first['msg']}") from None
    ids = [p.id for p in plans]
    if len(set(ids)) != len(ids):
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        raise CorpusError(f"{path}: duplicate plan id(s): {', '.join(dupes)}")
    for plan in plans:
        if not (root / plan.source_file).is_file():
            raise CorpusError(f"{path}: plan '{plan.id}' names a missing file '{plan.source_file}'")
    return plans


def slug(text: str) -> str:
    s = re.sub(r"[^0-9A-Za-z]+", "-", text).strip("-").lower()
    return s or "plan-" + hashlib.sha1(text.encode()).hexdigest()[:8]


def guess_meta(path: Path, lines: list[Line], start: int, end: int | None, index: int) -> PlanMeta:
    """Metadata for a plan with no manifest entry, read off its title line."""
    head = [ln for ln in lines if ln.number >= start and (end is None or ln.number <= end)]
    title = title_lines(head) or path.stem
    place = RE_PLACE.match(title)
    subject = "妇女" if "妇女" in title else "儿童"
    period = RE_PERIOD.search(title)
    base = slug(path.stem)
    return PlanMeta(
        id=base if index == 0 else f"{base}-{index + 1}",
        title=title,
        short_name=place.group(1) if place else path.stem,
        subject=subject,
        period=f"{period.group(1)}—{period.group(2)}" if period else "",
        status="征求意见稿" if "征求意见稿" in title else "正式",
        source_file=path.name,
        start_line=start,
        end_line=end,
        guessed=True,
    )


def plan_starts(lines: list[Line]) -> list[int]:
    """Line numbers where a plan begins: a title line followed (soon) by a first chapter."""
    starts = []
    for i, line in enumerate(lines):
        if line.type is not LineType.title or RE_PERIOD.fullmatch(line.text.strip("（）()年")):
            continue
        if starts and line.number - starts[-1] < 20:
            continue
        following = [ln for ln in lines[i + 1:i + 12] if ln.type is LineType.chapter]
        if following and following[0].marker in ("一", "1"):
            starts.append(line.number)
    return starts or [1]


def _ignored(path: Path) -> bool:
    return path.name.startswith((".", "~$")) or path.name == MANIFEST_NAME or not path.is_file()


def load_corpus(root: Path) -> Corpus:
    """Read the manifest and find every plan file; files missing from the manifest get entries from
    the details found in them. Unreadable files are listed in `failed`, unsupported ones in `skipped`."""
    if not root.is_dir():
        raise CorpusError(f"corpus folder not found: {root}")
    plans = load_manifest(root)
    described = {p.source_file for p in plans}
    warnings: list[str] = []
    failed: list[tuple[str, str]] = []
    skipped: list[str] = []
    for path in sorted(root.iterdir()):
        if _ignored(path) or path.name in described:
            continue
        if not is_supported(path):
            skipped.append(path.name)
            continue
        try:
            lines = read_lines(path)
        except ReaderError as exc:
            failed.append((path.name, exc.reason))
            continue
        taken = {p.id for p in plans}
        for meta in guess_plans(path, lines, taken):
            plans.append(meta)
            warnings.append(f"{path.name}: no entry in {MANIFEST_NAME}; found plan '{meta.id}' ({meta.title})")
    if not plans and not failed:
        raise CorpusError(f"no plan files ({', '.join('*' + s for s in SUPPORTED_SUFFIXES)}) in {root}")
    return Corpus(root=root, plans=plans, warnings=warnings, failed=failed, skipped=skipped)


def guess_plans(path: Path, lines: list[Line], taken: set[str]) -> list[PlanMeta]:
    """The plans of one file without a manifest entry, with ids not already in `taken`."""
    starts = plan_starts(lines)
    metas = []
    for i, start in enumerate(starts):
        end = starts[i + 1] - 1 if i + 1 < len(starts) else None
        meta = guess_meta(path, lines, start, end, i)
        base, n = meta.id, 2
        while meta.id in taken:
            meta.id = f"{base}-{n}"
            n += 1
        taken.add(meta.id)
        metas.append(meta)
    return metas


def plan_lines(lines: list[Line], meta: PlanMeta) -> list[Line]:
    """The lines of one plan: the whole file, or the range its entry gives."""
    return [ln for ln in lines if ln.number >= meta.start_line and (meta.end_line is None or ln.number <= meta.end_line)]


@dataclass
class ParsedFile:
    """One file as plansearch understands it: its format, and the plans found in it with their lines."""

    file: str
    format: str
    plans: list[ParsedPlan]
    lines: dict[str, list[Line]]      # plan id → the plan's lines


def parse_document(path: Path, taken: set[str] | None = None, ids: list[str] | None = None) -> ParsedFile:
    """Every plan in one file, with the details found in it; nothing is indexed (`plansearch parse`).
    `ids` names the plans (a second plan in the file gets the first id plus -2 …)."""
    document = read_document(path)
    lines = lines_of(document)
    plans, by_plan = [], {}
    for i, meta in enumerate(guess_plans(path, lines, set(taken or ()))):
        if ids:
            meta.id = ids[i] if i < len(ids) else f"{ids[0]}-{i + 1}"
        by_plan[meta.id] = plan_lines(lines, meta)
        plans.append(parse_plan(meta, by_plan[meta.id]))
    return ParsedFile(file=document.file, format=document.format, plans=plans, lines=by_plan)


def parse_file(path: Path) -> list[ParsedPlan]:
    return parse_document(path).plans


def parse_corpus(corpus: Corpus) -> list[ParsedPlan]:
    """Parse every plan of the corpus (files read once each). A listed file that cannot be read is
    moved to `corpus.failed` and its plans left out."""
    cache: dict[str, list[Line] | None] = {}
    parsed = []
    for meta in corpus.plans:
        if meta.source_file not in cache:
            try:
                cache[meta.source_file] = read_lines(corpus.root / meta.source_file)
            except ReaderError as exc:
                cache[meta.source_file] = None
                corpus.failed.append((meta.source_file, exc.reason))
        if cache[meta.source_file] is None:
            continue
        parsed.append(parse_plan(meta, plan_lines(cache[meta.source_file], meta)))
    return parsed
