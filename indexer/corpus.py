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
from typing import Callable, TypeVar

from pydantic import ValidationError

from indexer.details import SUBJECT_EN, aliases, find_details, is_notice_title, notice_end
from indexer.lines import RE_TITLE_TAIL, Line, LineType, lines_of, read_lines
from indexer.normalize import normalize_for_index
from indexer.parse import parse_plan
from indexer.readers import SUPPORTED_SUFFIXES, Document, ReaderError, is_supported, read_document
from plansearch.errors import CorpusError
from plansearch.records import Kind, ParsedPlan, PlanMeta

T = TypeVar("T")

MANIFEST_NAME = "plans.toml"
PLAN_SUFFIXES = SUPPORTED_SUFFIXES


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


RE_PLAN_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")     # a plan id: it goes into passage ids and URLs


def load_manifest(root: Path, missing: list[str] | None = None) -> list[PlanMeta]:
    """The plans plans.toml describes. An entry naming a file that is not there is refused, or, given a `missing`
    list, left out with a line there: the folder decides what is indexed, and a deleted file takes its plan out."""
    path = root / MANIFEST_NAME
    if not path.exists():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{path}: not valid TOML ({exc})") from None
    except RecursionError:           # arrays nested a thousand deep: tomllib recurses once a level
        raise CorpusError(f"{path}: not valid TOML (nested too deeply)") from None
    entries = data.get("plan", [])
    if not isinstance(entries, list):
        raise CorpusError(f"{path}: expected [[plan]] tables")
    plans = []
    for i, entry in enumerate(entries, start=1):
        try:
            plans.append(PlanMeta(**entry))
        except (ValidationError, TypeError) as exc:
            if isinstance(exc, TypeError):
                raise CorpusError(f"{path}: plan #{i}: {exc}") from None
            errors = exc.errors()
            missing_fields = [".".join(map(str, e["loc"])) for e in errors if e["type"] == "missing"]
            if missing_fields:           # all at once: one run a field was one edit, one run, one error after another
                raise CorpusError(f"{path}: plan #{i}: missing field(s): {', '.join(missing_fields)}") from None
            where = ".".join(str(p) for p in errors[0]["loc"])
            raise CorpusError(f"{path}: plan #{i}: {where} {errors[0]['msg']}") from None
    for plan in plans:
        if not RE_PLAN_ID.match(plan.id):
            raise CorpusError(f"{path}: plan id '{plan.id[:80]}' must be lower-case letters, digits and '-' (at most 64)")
        if plan.end_line is not None and plan.end_line < plan.start_line:
            raise CorpusError(f"{path}: plan '{plan.id}': end_line {plan.end_line} is before start_line {plan.start_line}")
    ids = [p.id for p in plans]
    if len(set(ids)) != len(ids):
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        raise CorpusError(f"{path}: duplicate plan id(s): {', '.join(dupes)}")
    for plan in plans:
        if not inside(root, root / plan.source_file):
            raise CorpusError(f"{path}: plan '{plan.id}': source_file '{plan.source_file[:200]}' is outside the "
                              f"corpus folder {root} (only files in the folder are indexed)")
        if not (root / plan.source_file).is_file():
            if missing is None:
                raise CorpusError(f"{path}: plan '{plan.id}' names a missing file '{plan.source_file}'")
            missing.append(f"{MANIFEST_NAME}: plan '{plan.id}' names a missing file '{plan.source_file}': taken out "
                           f"of the index (delete its entry, or put the file back)")
    if missing is not None:
        plans = [p for p in plans if (root / p.source_file).is_file()]
    return plans


def inside(root: Path, path: Path) -> bool:
    """Whether `path`, symlinks resolved, is in the folder `root` (also resolved)."""
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError, ValueError):     # a symlink loop, a NUL in the name
        return False


def slug(text: str) -> str:
    s = re.sub(r"[^0-9A-Za-z]+", "-", text).strip("-").lower()
    return s or "plan-" + hashlib.sha1(text.encode()).hexdigest()[:8]


def guess_meta(path: Path, lines: list[Line], start: int, end: int | None, index: int) -> PlanMeta:
    """Metadata for a plan with no manifest entry, from the details found in its lines and in the
    covering notice before the file's first plan (`indexer.details`)."""
    head = [ln for ln in lines if ln.number >= start and (end is None or ln.number <= end)]
    first = plan_starts(lines)[0]
    notice = [ln for ln in lines if ln.number < first] if start >= first else []
    found = find_details(head, notice)
    base = slug(path.stem)
    if not re.search(r"[A-Za-z]", path.stem) or re.search(r"[\u4e00-\u9fff]", path.stem) or len(base) < 3:
        # 大庆市儿童发展规划.docx, p_双鸭山.txt (whose letters left the id "p"): an id from the place code instead
        code = found.division.code if found.division else ""
        base = "-".join(x for x in (code or "plan", SUBJECT_EN.get(found.subject, ""), found.period[:4]) if x)
    several = index > 0 or end is not None
    suffix = SUBJECT_EN.get(found.subject, str(index + 1)) if several else ""
    return PlanMeta(
        id=f"{base}-{suffix}" if suffix else base,
        title=found.title or path.stem,
        short_name=found.short_name or path.stem,
        province=found.province,
        city=found.city,
        county=found.county,
        admin_level=found.admin_level,
        subject=found.subject or "儿童",
        period=found.period,
        status=found.status,
        source_file=path.name,
        start_line=start,
        end_line=end,
        aliases=aliases(found),
        guessed=True,
        doc_number=found.doc_number,
        issuer=found.issuer,
        date=found.date,
        region_ambiguous=found.region_ambiguous,
        warnings=found.warnings,
    )


def plan_starts(lines: list[Line]) -> list[int]:
    """Line numbers where a plan begins: the first line of a title (its period and status lines may
    follow) with the plan's first chapter (一、) after it before any other title. A covering notice
    (…关于印发…的通知) is no plan: with no title line after it, the plan begins after the notice."""
    groups: list[list[Line]] = []     # runs of title lines, blank lines between allowed
    chapters: list[Line] = []
    previous: Line | None = None
    for line in lines:
        if line.type is LineType.blank:
            continue
        if line.type is LineType.title and not is_notice_title(line.text):
            if groups and groups[-1][-1] is previous:
                groups[-1].append(line)
            elif not RE_TITLE_TAIL.match(line.text):
                groups.append([line])
        elif line.type is LineType.chapter and line.marker in ("一", "1"):
            chapters.append(line)
        previous = line
    starts = []
    for i, group in enumerate(groups):
        limit = groups[i + 1][0].number if i + 1 < len(groups) else None
        if any(c.number > group[-1].number and (limit is None or c.number < limit) for c in chapters):
            starts.append(group[0].number)
    if starts:
        return starts
    end = notice_end(lines)
    after = [ln.number for ln in lines if end is not None and ln.number > end and ln.type is not LineType.blank]
    return [after[0]] if after else [1]


def _ignored(path: Path) -> bool:
    return path.name.startswith((".", "~$")) or path.name == MANIFEST_NAME or not path.is_file()


def _utf8_name(path: Path) -> bool:
    try:
        path.name.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def load_corpus(root: Path, known: dict[str, list[str]] | None = None) -> Corpus:
    """Read the manifest and find every plan file; files missing from the manifest get entries from
    the details found in them. Unreadable files are listed in `failed`, unsupported ones in `skipped`.

    `known` (file name → the ids its plans were last indexed under, in file order) keeps a plan's id when
    its manifest entry goes but its file stays: the id belongs to the file, not to the entry."""
    if not root.is_dir():
        raise CorpusError(f"corpus folder not found: {root}")
    warnings: list[str] = []
    plans = load_manifest(root, missing=warnings)
    described = {p.source_file for p in plans}
    for name in sorted(described):
        _fit_ranges(root / name, [p for p in plans if p.source_file == name], warnings)
    failed: list[tuple[str, str]] = []
    skipped: list[str] = []
    for path in sorted(root.iterdir()):
        if _ignored(path) or path.name in described:
            continue
        if not _utf8_name(path):       # bytes that are no UTF-8 name (a file copied from a GBK disk): said, not read
            shown = path.name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            if is_supported(path):
                failed.append((shown, "its name is not valid UTF-8: rename the file"))
            else:
                skipped.append(shown)
            continue
        if not is_supported(path):
            skipped.append(path.name)
            continue
        if not inside(root, path):
            failed.append((path.name, "a link to a file outside the corpus folder (not indexed)"))
            continue
        try:
            lines = read_lines(path)
        except ReaderError as exc:
            failed.append((path.name, exc.reason))
            continue
        taken = {p.id for p in plans}
        for meta in guess_plans(path, lines, taken, [i for i in (known or {}).get(path.name, []) if i not in taken]):
            plans.append(meta)
            warnings.append(f"{path.name}: no entry in {MANIFEST_NAME}; found plan '{meta.id}' ({meta.title})")
            warnings += [f"{path.name}: {meta.id}: {w}" for w in meta.warnings]
    if not plans and not failed:
        raise CorpusError(f"no plan files ({', '.join('*' + s for s in SUPPORTED_SUFFIXES)}) in {root}")
    return Corpus(root=root, plans=plans, warnings=warnings, failed=failed, skipped=skipped)


def _fit_ranges(path: Path, metas: list[PlanMeta], warnings: list[str]) -> None:
    """Check the line ranges plans.toml gives a file of several plans against where its plans begin now. An
    edit above a plan shifts its lines, and its range then cuts the plan before it (its last measures read as the
    next plan's preface) or its own title off. With one entry per plan, each range is moved to its plan; either
    way a warning says so. (A plan of the file left without an entry stays out: `plansearch remove` takes one
    plan of a shared file out so.)"""
    if not any(m.start_line > 1 or m.end_line is not None for m in metas):
        return
    try:
        lines = read_lines(path)
    except ReaderError:
        return                           # the build reports it, and keeps what was indexed from it
    starts = plan_starts(lines)
    first_text = lambda m: next((ln.number for ln in plan_lines(lines, m) if ln.text.strip()), None)  # noqa: E731
    inside = lambda m, n: m.start_line <= n and (m.end_line is None or n <= m.end_line)  # noqa: E731
    ordered = sorted(metas, key=lambda m: m.start_line)
    if all(first_text(m) in starts and sum(inside(m, n) for n in starts) == 1 for m in ordered):
        return
    begin = f"{path.name}: the line ranges {MANIFEST_NAME} gives no longer fit the file: its plans begin at lines " \
            f"{', '.join(map(str, starts)) or '(none found)'}"
    if len(starts) == len(ordered) > 1:
        for i, meta in enumerate(ordered):
            meta.start_line = starts[i]
            meta.end_line = starts[i + 1] - 1 if i + 1 < len(starts) else None
        warnings.append(f"{begin}; read as " + "; ".join(f"{m.id} {m.start_line}–{m.end_line or 'end'}" for m in ordered)
                        + " (update start_line / end_line)")
    else:
        warnings.append(f"{begin} (update start_line / end_line)")


def guess_plans(path: Path, lines: list[Line], taken: set[str], previous: list[str] | None = None) -> list[PlanMeta]:
    """The plans of one file without a manifest entry, with ids not already in `taken`; the i-th plan
    keeps `previous[i]`, the id it was indexed under before, when given."""
    starts = plan_starts(lines)
    metas = []
    for i, start in enumerate(starts):
        end = starts[i + 1] - 1 if i + 1 < len(starts) else None
        meta = guess_meta(path, lines, start, end, i)
        if previous and i < len(previous) and previous[i] not in taken:
            meta.id = previous[i]
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
        plans.append(with_reader_warnings(parse_plan(meta, by_plan[meta.id]), document))
    return ParsedFile(file=document.file, format=document.format, plans=plans, lines=by_plan)


NOT_A_PLAN = ("no plan in the file: no title line (…规划 / 纲要 / 方案 …) and no chapters, sections or numbered items "
              "(一、 （一） 1.)")


def is_no_plan(plan: ParsedPlan) -> bool:
    """A file with neither a plan's title nor its structure (a note, a letter, 'abc'): all overview text, its
    title composed from the body. Refused where a user hands over one file (add, upload, review)."""
    return all(p.kind is Kind.overview for p in plan.passages) and \
        any(w.startswith("no title line") for w in plan.meta.warnings)


def with_reader_warnings(plan: ParsedPlan, document: Document) -> ParsedPlan:
    """The plan with what its reader noticed (a misnamed file, a charset that did not fit) among its warnings."""
    plan.warnings[:0] = [w for w in document.warnings if w not in plan.warnings]
    return plan


def parse_file(path: Path) -> list[ParsedPlan]:
    return parse_document(path).plans


def as_the_document_says(meta: PlanMeta, lines: list[Line]) -> tuple[PlanMeta, list[str]]:
    """A listed plan's title, period and status as its document now writes them, where plans.toml says otherwise
    (an edited title: （2021-2025年） → （2021—2030年）), with a warning each. Kept from plans.toml, a changed period
    gave the old 规划期末 year to every value. Widths and dash forms are no difference."""
    if meta.guessed:
        return meta, []
    found = find_details(lines)
    dashes = lambda text: re.sub(r"[-—–－~～至]", "-", normalize_for_index(text))  # noqa: E731
    same = lambda a, b: dashes(a) == dashes(b)  # noqa: E731
    update: dict[str, str] = {}
    said = []
    if found.title and not found.title_from_body and not same(found.title, meta.title):
        update |= {"title": found.title, "status": found.status}
        said.append(f"the document's title is “{found.title}”, {MANIFEST_NAME} says “{meta.title}”: the document's "
                    f"is used; correct {MANIFEST_NAME}")
    if found.period and meta.period and not same(found.period, meta.period):
        update["period"] = found.period
        said.append(f"the document's period is {found.period}, {MANIFEST_NAME} says {meta.period}: the document's is "
                    f"used; correct {MANIFEST_NAME}")
    return (meta.model_copy(update=update) if update else meta), said


def parse_listed(root: Path, metas: list[PlanMeta]) -> tuple[list[ParsedPlan], str | None]:
    """The listed plans of one file (`metas` share a source file), read once; or none and why it cannot be read."""
    try:
        document = read_document(root / metas[0].source_file)
    except ReaderError as exc:
        return [], exc.reason
    lines = lines_of(document)
    for meta in metas:
        if not any(ln.text.strip() for ln in plan_lines(lines, meta)):    # a typo in the range: never an empty plan
            last = lines[-1].number if lines else 0
            return [], (f"{MANIFEST_NAME} gives plan '{meta.id}' lines {meta.start_line}–{meta.end_line or 'end'}, "
                        f"where the file (lines 1–{last}) has no text")
    plans = []
    for meta in metas:
        own = plan_lines(lines, meta)
        meta, said = as_the_document_says(meta, own)
        plan = with_reader_warnings(parse_plan(meta, own), document)
        plan.warnings[:0] = said
        plans.append(plan)
    if all(meta.guessed for meta in metas) and all(is_no_plan(plan) for plan in plans):
        return [], NOT_A_PLAN            # a note or a letter left in the folder; a plans.toml entry overrides this
    return plans, None


def by_file(corpus: Corpus) -> list[list[PlanMeta]]:
    """The corpus's plans grouped by source file, files in the order their first plan is listed."""
    files: dict[str, list[PlanMeta]] = {}
    for meta in corpus.plans:
        files.setdefault(meta.source_file, []).append(meta)
    return list(files.values())


def in_corpus_order(corpus: Corpus, groups: list[list[PlanMeta]], results, key: Callable[[T], str],
                    progress: Callable[[int, int], None] | None = None) -> list[T]:
    """Each file's (plans, why unreadable) result, as it comes in, gathered back into corpus order: unreadable
    files go to `corpus.failed`, and `progress(plans done, plans)` is told after each file."""
    done: dict[str, T] = {}
    plans_done = 0
    if progress:
        progress(0, len(corpus.plans))
    for metas, (plans, reason) in zip(groups, results):
        if reason is not None:
            corpus.failed.append((metas[0].source_file, reason))
        done.update((key(plan), plan) for plan in plans)
        plans_done += len(metas)
        if progress:
            progress(plans_done, len(corpus.plans))
    return [done[meta.id] for meta in corpus.plans if meta.id in done]


def parse_corpus(corpus: Corpus) -> list[ParsedPlan]:
    """Parse every plan of the corpus (files read once each), in corpus order. A listed file that cannot be
    read is moved to `corpus.failed` and its plans left out."""
    groups = by_file(corpus)
    return in_corpus_order(corpus, groups, (parse_listed(corpus.root, metas) for metas in groups),
                           key=lambda plan: plan.meta.id)
