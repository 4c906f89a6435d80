"""`plansearch` command line: index, serve, search. Mistakes get one line on stderr and a non-zero exit."""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from pydantic import ValidationError

from indexer.progress import STAGE_EMBEDDING, STAGE_UNITS
from indexer.readers import SUPPORTED_SUFFIXES
from plansearch.errors import PlanSearchError
from plansearch.records import KIND_LABELS, Kind

EXIT_USAGE = 2
EXIT_ERROR = 1
log = logging.getLogger("plansearch")


class _Parser(argparse.ArgumentParser):
    json_asked = False       # --json is on the command line: a usage mistake is also JSON on stdout

    def error(self, message: str):  # one line instead of usage + error
        line = f"{self.prog}: error: {message} (see '{self.prog} --help')"
        if _Parser.json_asked:
            print(json.dumps({"ok": False, "error": line}, ensure_ascii=False))
        self.exit(EXIT_USAGE, line + "\n")


class _BadSetting(Exception):
    """A setting from the environment that makes no sense (exit code 2)."""


def _settings(args: argparse.Namespace):
    from plansearch.settings import Settings

    overrides = {}
    if getattr(args, "index_dir", None):
        overrides["index_dir"] = Path(args.index_dir)
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise _BadSetting(f"setting {'.'.join(map(str, err['loc']))}: {err['msg']}") from None


def _one_line(exc: BaseException) -> str | None:
    """A user-facing line for failures of the machine rather than of the code (a read-only folder, a full
    disk, a missing model package); None for anything else."""
    import sqlite3

    if isinstance(exc, OSError):
        where = f" ({os.fsdecode(exc.filename)})" if exc.filename else ""
        return f"{exc.strerror or exc}{where}"
    if isinstance(exc, sqlite3.Error):
        return f"embedding cache: {exc}"
    if type(exc).__name__ == "BundledModelError":         # embeddings.bundled (not imported unless used)
        return f"the bundled model cannot be built: {exc}; reinstall plansearch (scripts/setup.sh)"
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        return f"invalid data at {'.'.join(map(str, err['loc'])) or 'the top level'}: {err['msg']}"
    return None


class ProgressLines:
    """Build progress as plain lines for a log or a pipe (tqdm draws nothing there): one line per ~10% of each
    stage (preparing plans, embedding passages) with the count done, rate and time left, also sent to the log."""

    def __init__(self, stream=None, step: float = 0.1, clock=None):
        import time

        self._stream = stream if stream is not None else sys.stderr
        self._step = step
        self._clock = clock or time.monotonic
        self._stage = STAGE_EMBEDDING
        self._start: tuple[float, int] | None = None
        self._next = 0.0
        self._last_done = -1

    def __call__(self, done: int, total: int, stage: str = STAGE_EMBEDDING) -> None:
        now = self._clock()
        unit = STAGE_UNITS.get(stage, "items")
        if stage != self._stage:
            self._stage, self._start, self._last_done = stage, None, -1
        if self._start is None:
            self._start = (now, done)
            self._next = (int(done / total / self._step) + 1) * self._step if total else 1.0
            if total and done < total:
                self._emit(f"embedding: {done:,}/{total:,} passages already in the cache, {total - done:,} to embed"
                           if stage == STAGE_EMBEDDING else f"{stage}: {total:,} {unit}")
            return
        if not total or done == self._last_done or (done / total < self._next - 1e-9 and done < total):
            return
        self._last_done = done
        while self._next <= done / total + 1e-9:
            self._next += self._step
        t0, d0 = self._start
        elapsed = max(now - t0, 1e-9)
        rate = (done - d0) / elapsed
        left = (total - done) / rate if rate > 0 else float("inf")
        eta = "done" if done >= total else f"about {_duration(left)} left"
        self._emit(f"{stage}: {done:,}/{total:,} {unit} ({100 * done / total:.0f}%), "
                   f"{rate:.1f} {unit}/s, {eta}")

    def _emit(self, line: str) -> None:
        print(line, file=self._stream, flush=True)
        log.info(line)

    def close(self) -> None:
        pass


def _duration(seconds: float) -> str:
    if seconds == float("inf"):
        return "? s"
    seconds = int(round(seconds))
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def _progress_bar():
    """A tqdm bar on a terminal; elsewhere (a pipe, a log file, a service manager) a line every ~10%."""
    if not sys.stderr.isatty():
        lines = ProgressLines()
        return lines, lines
    from tqdm import tqdm

    bar = tqdm(total=0, unit="passage", desc=STAGE_EMBEDDING, file=sys.stderr, dynamic_ncols=True)
    shown = [STAGE_EMBEDDING]

    def update(done: int, total: int, stage: str = STAGE_EMBEDDING) -> None:
        if stage != shown[0]:
            shown[0] = stage
            bar.reset(total)
            bar.set_description_str(stage, refresh=False)
            bar.unit = STAGE_UNITS.get(stage, "items").rstrip("s")
        if bar.total != total:
            bar.total = total
        bar.n = done
        bar.refresh()

    return bar, update


def _print_summary(summary) -> None:
    kinds = "，".join(f"{KIND_LABELS[Kind(k)]} {summary.per_kind.get(k, 0)}" for k in
                     ("target", "measure", "implementation", "overview"))
    if summary.full:
        print(f"complete build ({summary.reason})")
    else:
        changes = [f"{len(ids)} {name}" + (f" ({', '.join(ids)})" if ids and len(ids) <= 5 else "")
                   for name, ids in (("added", summary.added), ("updated", summary.updated),
                                     ("removed", summary.removed)) if ids]
        print(f"{', '.join(changes) or 'no changes'}; {len(summary.unchanged)} plans unchanged")
    print(f"indexed {summary.plans} plans, {summary.passages} passages ({kinds}) in {summary.seconds:.1f} s")
    shipped = f" ({summary.shipped} of them from the vectors shipped with plansearch)" if summary.shipped else ""
    print(f"embedded {summary.embedded} passages, reused {summary.reused} from the cache{shipped}")
    print(f"index: build {summary.build} ({summary.segments} segment{'s' if summary.segments != 1 else ''})")
    for warning in summary.warnings:
        print(f"warning: {warning}")
    for name in summary.skipped:
        print(f"skipped: {name} (not a supported type: {' '.join(SUPPORTED_SUFFIXES)})")
    for name, reason in summary.failed:
        kept = summary.kept_from_failed.get(name)
        print(f"failed: {name}: {reason}" + (f" (the version indexed before is kept: {', '.join(kept)})" if kept else ""))
    if summary.failed:
        print(f"{len(summary.failed)} file(s) could not be indexed; the others were")


def cmd_index(args: argparse.Namespace) -> int:
    from plansearch.runtime import build

    settings = _settings(args)
    corpus = Path(args.corpus_dir) if args.corpus_dir else settings.corpus_dir
    _recover(settings)
    if not corpus.is_dir():
        raise PlanSearchError(f"corpus folder not found: {corpus}")
    print("comparing the corpus with the index …", file=sys.stderr)
    bar, update = _progress_bar()
    try:
        summary = build(settings, corpus_dir=corpus, progress=update, rebuild=args.rebuild)
    finally:
        bar.close()
    _print_summary(summary)
    return EXIT_ERROR if summary.failed else 0


def cmd_parse(args: argparse.Namespace) -> int:
    """How each file is understood, without indexing it."""
    from indexer.corpus import NOT_A_PLAN, is_no_plan, parse_document
    from plansearch.parse_report import file_report, text_report

    plans, errors = [], []
    for name in args.files:
        try:
            parsed = parse_document(Path(name))
            if len(parsed.plans) == 1 and is_no_plan(parsed.plans[0]):
                # a note, a letter, a news page: refused as `add` refuses it, not shown as a plan of one passage
                raise PlanSearchError(f"{parsed.file}: {NOT_A_PLAN}")
        except PlanSearchError as exc:
            errors.append({"file": name, "reason": str(exc)})
            print(f"plansearch: error: {exc}", file=sys.stderr)
            continue
        if args.json:
            plans += file_report(parsed)["plans"]
        else:
            print(text_report(parsed) or f"{parsed.file}: no plan found")
    if args.json:
        print(json.dumps({"plans": plans, "errors": errors}, ensure_ascii=False, indent=2))
    return EXIT_ERROR if errors else 0


def cmd_add(args: argparse.Namespace) -> int:
    """Copy files into the corpus, describe them in plans.toml and index them."""
    from plansearch.plan_files import add_plan_file

    settings = _settings(args)
    if args.id and len(args.files) > 1:
        raise PlanSearchError("--id names one plan: give one file with it")
    failed = 0
    for name in args.files:
        path = Path(name)
        bar, update = _progress_bar()
        try:
            result = add_plan_file(settings, path, plan_id=args.id, progress=update)
        except PlanSearchError as exc:
            print(f"plansearch: error: {exc}", file=sys.stderr)
            failed += 1
            continue
        finally:
            bar.close()
        for plan in result.parsed.plans:
            meta = plan.meta
            print(f"added {meta.id}: {meta.title} ({meta.region or '地区未识别'}, {len(plan.passages)} passages) "
                  f"as {settings.corpus_dir / result.stored_as}")
        _print_summary(result.summary)
    return EXIT_ERROR if failed else 0


def cmd_remove(args: argparse.Namespace) -> int:
    from plansearch.plan_files import remove_plan

    settings = _settings(args)
    bar, update = _progress_bar()
    try:
        result = remove_plan(settings, args.plan_id, progress=update)
    finally:
        bar.close()
    print(f"removed {result.plan_id}" + (f" and its file {result.deleted_file}" if result.deleted_file else ""))
    _print_summary(result.summary)
    return 0


def _recover(settings) -> None:
    """An add killed half-way (an upload when the server died) is put back before the index is built or served."""
    from plansearch.plan_files import recover_interrupted_add

    if message := recover_interrupted_add(settings):
        print(f"warning: {message}", file=sys.stderr)


def cmd_serve(args: argparse.Namespace) -> int:
    from plansearch.runtime import build, index_exists
    from service.app import create_app
    from service.http import port_problem, serve

    settings = _settings(args)
    host = args.host or settings.host
    port = args.port or settings.port
    problem = port_problem(host, port)
    if problem:
        raise PlanSearchError(f"cannot listen on {host}:{port}: {problem}")
    _recover(settings)
    if not index_exists(settings):
        print(f"no index at {settings.index_dir}: building it from {settings.corpus_dir}", file=sys.stderr)
        bar, update = _progress_bar()
        try:
            summary = build(settings, progress=update)
        finally:
            bar.close()
        _print_summary(summary)
    from plansearch.runtime import LiveSearcher

    live = LiveSearcher(settings, warm=False)   # opened and verified here: a refusal is one line, not a traceback
    app = create_app(settings, bound_host=host, warm_on_start=False)
    app.state.live = live
    about = live.served().index.describe()
    print(f"serving {about.get('where') or about['serving_build']} on http://{host}:{port}", file=sys.stderr)
    serve(app, settings, host, port, when_listening=live.warm)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Verify the served build's files against their recorded sizes and checksums."""
    from plansearch.runtime import check_index

    report = check_index(_settings(args))
    result = {"ok": True, "build": report.build, "folder": report.where, "segments": report.segments,
              "files": report.files, "bytes": report.bytes, "seconds": round(report.seconds, 3)}
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(f"index {report.where or report.build}: {report.files} files in {report.segments} segment(s), "
              f"{report.bytes / 1e6:.1f} MB, all checksums match ({report.seconds:.2f} s)")
    return 0


def _format_hit(i: int, hit) -> str:
    where = " · ".join(x for x in (hit.plan_title, hit.domain or "", KIND_LABELS[hit.kind],
                                   f"第{hit.number}条" if hit.number else "") if x)
    head = f"{i}. [{hit.passage_id}] {where}"
    title = f"   {hit.title}" if hit.title else ""
    text = hit.text if len(hit.text) <= 160 else hit.text[:160] + "…"
    src = f"   {hit.source.file} {hit.source.where()}  score {hit.score:.4f}"
    return "\n".join(x for x in (head, title, "   " + text.replace("\n", "\n   "), src) if x)


def cmd_search(args: argparse.Namespace) -> int:
    from plansearch.runtime import open_searcher
    from plansearch.search import SearchRequest

    settings = _settings(args)
    searcher = open_searcher(settings)
    response = searcher.search(SearchRequest(q=args.query, k=args.k, plan=args.plan, region=args.region,
                                             domain=args.domain, kind=args.kind, diversify=not args.no_diversify))
    if args.json:
        print(json.dumps(response.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        if not response.results:
            print("没有结果（no results）")
        for i, hit in enumerate(response.results, start=1):
            print(_format_hit(i, hit))
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    from plansearch.review import Reviewer
    from plansearch.review_export import review_docx, review_text
    from plansearch.runtime import open_searcher

    searcher = open_searcher(_settings(args))
    peers = [p.strip() for p in (args.peers or "").split(",") if p.strip()] or None
    reviewer = Reviewer(searcher)
    target = Path(args.plan)
    if args.plan not in searcher.plans and target.is_file():
        report = reviewer.review_file(target, peers, args.domain)
    elif args.plan not in searcher.plans and ("/" in args.plan or target.suffix.lower() in SUPPORTED_SUFFIXES):
        raise PlanSearchError(f"{args.plan}: no such file (and no indexed plan has this id)")
    else:
        report = reviewer.review_indexed(args.plan, peers, args.domain)
    if args.docx:
        Path(args.docx).write_bytes(review_docx(report))
        print(f"wrote {args.docx}", file=sys.stderr)
    if args.json:
        print(json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2))
    elif not args.docx:
        print(review_text(report), end="")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from eval.gold import load_gold
    from eval.report import REPORTS_DIR, table, write_report
    from eval.report import ask_table
    from eval.run import CONFIGS, run_ask, run_config, summarise_ask
    from plansearch.runtime import open_searcher

    names = args.configs.split(",") if args.configs else list(CONFIGS)
    unknown = [n for n in names if n not in CONFIGS]
    if unknown:
        raise PlanSearchError(f"unknown configuration(s): {', '.join(unknown)}; known: {', '.join(CONFIGS)}")
    queries = load_gold(args.split)
    if not queries:
        raise PlanSearchError(f"no gold queries in split '{args.split}'")
    searcher = open_searcher(_settings(args))
    results = []
    for name in names:
        print(f"running {name} …", file=sys.stderr)
        results.append(run_config(searcher, queries, name, CONFIGS[name]))
    print(table(results))
    ask = None
    if "default" in names:
        print("running ask …", file=sys.stderr)
        ask = summarise_ask(run_ask(searcher, queries))
        print()
        print(ask_table(ask))
        passages = {p.id: p for _, p in searcher.index.iter_passages()}
        out = Path(args.out) if args.out else REPORTS_DIR
        path = write_report(results, args.split, passages, out, n_queries=len(queries), ask=ask)
        print(f"report: {path}", file=sys.stderr)
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    """A local PostgreSQL + pgvector under the index folder, to try the PostgreSQL store (and for the tests)."""
    from plansearch.stores import local_database

    server = local_database(_settings(args).index_dir / "pg")
    if args.action == "start":
        url = server.start()
        print(f"PostgreSQL is running on 127.0.0.1 (data in {server.data}); to use it:")
        print(f"export PLANSEARCH_DATABASE_URL={url}")
        return 0
    if args.action == "stop":
        print("stopped" if server.stop() else f"not running ({server.data})")
        return 0
    status = server.status()
    print(f"running: {status.url}" if status.running else f"not running ({server.data})")
    return 0 if status.running else 3


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="plansearch", description="规划文本检索 — search Chinese plan documents")
    parser.add_argument("--index-dir", help="index folder (default: $PLANSEARCH_INDEX_DIR or ./var/index)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("index", help="bring the index in line with the corpus: add, update and remove plans")
    p.add_argument("corpus_dir", nargs="?", help="folder with plan files and plans.toml (default: ./corpus)")
    p.add_argument("--rebuild", action="store_true", help="rebuild everything instead of only the changed plans")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("parse", help="show how files are understood (plans, details, counts), without indexing")
    p.add_argument("files", nargs="+", metavar="FILE", help=" ".join(SUPPORTED_SUFFIXES))
    p.add_argument("--json", action="store_true", help="print the parse report as JSON (a contract)")
    p.set_defaults(func=cmd_parse)

    p = sub.add_parser("add", help="copy plan files into the corpus, describe them in plans.toml and index them")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--id", help="the plan id (lower-case letters, digits, '-'); default: from the file")
    p.set_defaults(func=cmd_add)

    p = sub.add_parser("remove", help="take a plan out of the corpus and the index")
    p.add_argument("plan_id", metavar="ID")
    p.set_defaults(func=cmd_remove)

    p = sub.add_parser("serve", help="serve the HTTP API (builds the index first if there is none)")
    p.add_argument("--host", help="default 127.0.0.1")
    p.add_argument("--port", type=_port, help="default 8000")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("check", help="verify every file of the index against its recorded checksum")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("search", help="search the index")
    p.add_argument("query")
    p.add_argument("-k", type=int, default=10, help="number of results, 1-100 (default 10)")
    p.add_argument("--plan", help="restrict to one plan id")
    p.add_argument("--region", help="restrict to a region, e.g. 湖北省")
    p.add_argument("--domain", help="restrict to a domain, e.g. 儿童与安全")
    p.add_argument("--kind", help="target | measure | implementation | overview")
    p.add_argument("--no-diversify", action="store_true", help="let one plan fill the list")
    p.add_argument("--json", action="store_true", help="print the API's JSON schema")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("review", help="对标分析: what a plan (an id, or a draft file never indexed) lacks, sets "
                                      "lower or adds compared with its peers")
    p.add_argument("plan", help=f"plan id or a file ({' '.join(SUPPORTED_SUFFIXES)})")
    p.add_argument("--peers", help="comma-separated peer plan ids (default: plans of the same subject)")
    p.add_argument("--domain", help="only this domain, e.g. 儿童与安全")
    p.add_argument("--json", action="store_true", help="print the API's JSON")
    p.add_argument("--docx", metavar="OUT", help="write the report as a Word document")
    p.set_defaults(func=cmd_review)

    p = sub.add_parser("eval", help="measure retrieval quality on the gold set and write a report")
    p.add_argument("--split", default="test", choices=["dev", "test", "blind", "dev2", "dev2-tune", "dev2-held", "dev3", "dev3-tune", "dev3-held", "all"])
    p.add_argument("--configs", help="comma-separated configuration names (default: all)")
    p.add_argument("--out", help="report folder (default: eval/reports)")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("db", help="a local PostgreSQL + pgvector under the index folder, for the PostgreSQL store")
    p.add_argument("action", choices=["start", "stop", "status"])
    p.set_defaults(func=cmd_db)
    return parser


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port number") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port (1 to 65535)")
    return port


def _not_utf8(args: argparse.Namespace) -> str | None:
    """The first argument whose bytes are no UTF-8 (the shell passed them through as surrogates), if any."""
    for name, value in vars(args).items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError:
                    return name
    return None


def _say_error(args: argparse.Namespace, message: str) -> None:
    """One line on stderr; with --json also {"ok": false, "error": …} on stdout, for scripts and monitoring."""
    print(f"plansearch: error: {message}", file=sys.stderr)
    if getattr(args, "json", False):
        print(json.dumps({"ok": False, "error": message}, ensure_ascii=False))


def _writable_streams() -> None:
    """A terminal or pipe whose encoding cannot hold Chinese (PYTHONIOENCODING=ascii, a latin-1 locale) gets
    escapes such as \\u6eba for what it cannot show, instead of a UnicodeEncodeError half-way through the
    output. JSON stays JSON: the escapes are JSON's own."""
    for stream in (sys.stdout, sys.stderr):
        try:
            "规划".encode(stream.encoding or "utf-8")
        except (UnicodeEncodeError, LookupError):
            if hasattr(stream, "reconfigure"):
                stream.reconfigure(errors="backslashreplace")


def main(argv: list[str] | None = None) -> int:
    _writable_streams()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    _Parser.json_asked = "--json" in (sys.argv[1:] if argv is None else argv)
    args = make_parser().parse_args(argv)
    if (name := _not_utf8(args)) is not None:
        print(f"plansearch: error: {name}: the argument is not valid UTF-8 text", file=sys.stderr)
        return EXIT_USAGE
    try:
        return args.func(args)
    except PlanSearchError as exc:
        _say_error(args, str(exc))
        return EXIT_ERROR
    except _BadSetting as exc:         # settings from the environment that make no sense
        _say_error(args, str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("plansearch: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:            # output piped into head, less …: stop quietly
        sys.stderr.close()
        return 0
    except Exception as exc:           # a read-only folder, a full disk, a missing model package …
        line = _one_line(exc)
        if line is None:
            raise
        _say_error(args, line)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
