"""The PostgreSQL store against a real server (one per session, started by the `plansearch db start` code):
it ranks like the folder store on the real corpus, filters in SQL, and changes in whole generations — a
removed plan is never returned, a second writer is refused, a killed writer leaves the old index served, and
readers during a re-index see one generation or the other, never a mix."""
from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from pg_copy import new_plans_from
from plansearch.errors import IndexBusy, IndexMismatch
from plansearch.index import Filter
from plansearch.records import Kind
from plansearch.stores.folder import FolderIndex
from plansearch.stores.pg.source import PgSource

TESTS = Path(__file__).resolve().parent
GOLD = TESTS.parent / "eval" / "gold" / "queries.jsonl"


def dev_queries(n: int) -> list[str]:
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["text"] for r in rows if r["metadata"]["split"] == "dev"][:n]


def load(url: str, folder: FolderIndex, plan_ids: list[str] | None = None, keep: list | None = None) -> str:
    """Write `folder`'s plans (or those of `plan_ids`) into the database as one generation."""
    writer = PgSource(url).writer()
    return writer.write(copy.deepcopy(folder.manifest), new_plans_from(folder, plan_ids), keep or [])


def ids(index, scored) -> list[str]:
    return [index.passage(r).id for r, _ in scored]


def folder_lexical(folder: FolderIndex, tokens: list[str], allowed: np.ndarray | None, depth: int):
    scores = folder.lexical_scores(tokens)
    if allowed is not None:
        scores = np.where(allowed, scores, 0.0)
    rows = np.flatnonzero(scores > 0)
    order = rows[np.lexsort((rows, -scores[rows]))][:depth]
    return [(int(r), float(scores[r])) for r in order]


def folder_mask(folder: FolderIndex, f: Filter) -> np.ndarray:
    mask = folder.live.copy()
    allowed = f.plan_ids([e.meta for e in folder.plans])
    if allowed is not None:
        mask &= np.isin(folder.plan_code, [folder.plan_number[p] for p in allowed])
    if f.domains:
        mask &= np.isin(folder.domain_code, [folder.domains.index(d) for d in f.domains])
    if f.kinds:
        mask &= np.isin(folder.kind_code, [list(Kind).index(Kind(k)) for k in f.kinds])
    return mask


def same_ranking(a_ids, a_scores, b_ids, b_scores, tol=1e-5) -> None:
    """Equal scores (within tol, relative above 1) at every rank; ids equal except among tied scores."""
    assert len(a_ids) == len(b_ids)
    for i, (x, y) in enumerate(zip(a_scores, b_scores)):
        assert abs(x - y) <= tol * max(1.0, abs(y)), f"rank {i}: {x} vs {y}"
    for i, (x, y) in enumerate(zip(a_ids, b_ids)):
        if x != y:            # only a tie may swap two passages
            assert abs(a_scores[i] - b_scores[b_ids.index(x)]) <= tol * max(1.0, abs(a_scores[i])) if x in b_ids \
                else abs(a_scores[i] - a_scores[-1]) <= tol * max(1.0, abs(a_scores[i])), f"rank {i}: {x} vs {y}"


@pytest.fixture(scope="module")
def real_pair(real_settings, pg_server, tmp_path_factory):
    """The real corpus index (real model) in both stores, with the tokenizer and encoder that made it."""
    import psycopg

    from embeddings.encoder import load_encoder
    from indexer.tokenize import Tokenizer

    base = pg_server.rsplit("/", 1)[0]
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute('DROP DATABASE IF EXISTS "real_corpus" WITH (FORCE)')
        conn.execute('CREATE DATABASE "real_corpus"')
    url = f"{base}/real_corpus"
    folder = FolderIndex.open(real_settings.index_dir)
    load(url, folder)
    source = PgSource(url)
    yield folder, source.open(), Tokenizer(), load_encoder(real_settings)
    source.close()


FILTERS = [Filter(kinds=frozenset({Kind.measure})), Filter(kinds=frozenset({Kind.target, Kind.overview})),
           Filter(regions=frozenset({"湖北"})), Filter(regions=frozenset({"大庆"}), kinds=frozenset({Kind.measure}))]


@pytest.mark.slow
def test_lexical_ranks_and_scores_like_the_folder_store_on_the_real_corpus(real_pair):
    folder, pg, tokenizer, _ = real_pair
    queries = dev_queries(40)
    filters = [None] * len(queries)
    domains = sorted(folder.domains)
    for i, q in enumerate(dev_queries(14)[:14]):          # filtered: kinds, regions, plans, domains
        f = FILTERS[i % len(FILTERS)] if i < 8 else \
            Filter(plans=frozenset({folder.plans[i % len(folder.plans)].meta.id})) if i < 11 else \
            Filter(domains=frozenset({domains[i % len(domains)]}))
        queries.append(q)
        filters.append(f)
    assert len(queries) >= 50
    compared = 0
    for q, f in zip(queries, filters):
        tokens = tokenizer.tokens(q)
        want = folder_lexical(folder, tokens, None if f is None else folder_mask(folder, f), 100)
        got = pg.lexical(tokens, f, 100)
        same_ranking(ids(pg, got), [s for _, s in got], [folder.passage(r).id for r, _ in want],
                     [s for _, s in want])
        compared += bool(want)
    assert compared >= 45


@pytest.mark.slow
def test_dense_ranks_like_the_folder_store_with_and_without_filters(real_pair):
    folder, pg, _, encoder = real_pair
    queries = dev_queries(30)
    vectors = encoder.encode_queries(queries)
    for i, (q, v) in enumerate(zip(queries, vectors)):
        f = FILTERS[i % len(FILTERS)] if i % 2 else None
        rows, scores = folder.dense_search(v, 20, None if f is None else folder_mask(folder, f))
        got = pg.dense(v, f, 20)
        same_ranking(ids(pg, got), [s for _, s in got], [folder.passage(int(r)).id for r in rows],
                     [float(s) for s in scores])


def test_filters_keep_only_matching_passages(real_pair):
    folder, pg, tokenizer, encoder = real_pair
    tokens = tokenizer.tokens("儿童 溺水 安全 教育")
    vector = encoder.encode_queries(["预防儿童溺水"])[0]
    hubei = {e.meta.id for e in pg.plans if "湖北" in e.meta.region or "湖北" in e.meta.province}
    for f, ok in [(Filter(kinds=frozenset({Kind.measure})), lambda r: pg.kind_of(r) is Kind.measure),
                  (Filter(regions=frozenset({"湖北"})), lambda r: pg.plan_of(r) in hubei),
                  (Filter(domains=frozenset({"儿童与安全"})), lambda r: pg.domain_of(r) == "儿童与安全")]:
        lexical, dense = pg.lexical(tokens, f, 50), pg.dense(vector, f, 50)
        assert lexical and dense
        assert all(ok(r) for r, _ in lexical + dense)
        assert all(pg.passage(r).plan_id == pg.plan_of(r) for r, _ in dense[:5])


def test_passages_read_at_once_are_the_folder_stores_in_the_order_asked(real_pair):
    folder, pg, _, encoder = real_pair
    vector = encoder.encode_queries(["婴幼儿照护服务"])[0]
    ids = [folder.passage(r).id for r, _ in folder.dense(vector, None, 40)]
    rows = [r for r, _ in pg.dense(vector, None, 40)]        # the same passages, under the database's rows
    pg.passage(rows[3])                                  # one already cached, the others read in one query
    order = [5, 3, *range(10, 30), 5]                    # a repeat keeps its place
    assert [p.id for p in pg.passages([rows[i] for i in order])] == [ids[i] for i in order]
    assert pg.passages([]) == []
    with pytest.raises(KeyError):
        pg.passages([rows[0], 10**9])


# -- writes: on the keyword-encoder index (exact, fast) -------------------------------------------------

@pytest.fixture(scope="module")
def fake_folder(fake_searcher) -> FolderIndex:
    return fake_searcher.index


def plan_hits(index, token: str) -> set[str]:
    return {index.plan_of(r) for r, _ in index.lexical([token], None, 1000)}


def test_add_update_remove_never_return_a_stale_plan(pg_url, fake_folder, keyword_encoder):
    source = PgSource(pg_url)
    everyone = [e.meta.id for e in fake_folder.plans]
    victim = everyone[0]
    rest = everyone[1:]
    load(pg_url, fake_folder, rest)
    without = source.open()
    assert victim not in without.plan_ids and without.count == sum(e.size for e in fake_folder.plans[1:])
    token = "溺水"
    assert victim not in plan_hits(without, token)

    writer = source.writer()
    keep = copy.deepcopy(without.plans)
    writer.write(copy.deepcopy(fake_folder.manifest), new_plans_from(fake_folder, [victim]), keep)   # add
    added = source.open()
    assert victim in added.plan_ids and victim in plan_hits(added, token)
    assert victim not in plan_hits(without, token)        # a reader stays on its generation

    new = new_plans_from(fake_folder, [victim])          # update: the plan's text changes
    new.passages = [p.model_copy(update={"text": p.text + "（修订）"}) for p in new.passages]
    writer.write(copy.deepcopy(fake_folder.manifest), new, copy.deepcopy([e for e in added.plans if e.meta.id != victim]))
    updated = source.open()
    rows = updated.rows_of_plan(victim)
    assert len(rows) == len(added.rows_of_plan(victim)) and all("（修订）" in updated.passage(r).text for r in rows)
    assert updated.count == added.count

    writer.write(copy.deepcopy(fake_folder.manifest), None, copy.deepcopy([e for e in updated.plans
                                                                            if e.meta.id != victim]))   # remove
    removed = source.open()
    assert victim not in removed.plan_ids
    assert victim not in plan_hits(removed, token)
    vector = keyword_encoder.encode_queries(["溺水 儿童"])[0]
    assert victim not in {removed.plan_of(r) for r, _ in removed.dense(vector, None, removed.count)}
    assert removed.row_of(updated.passage(rows[0]).id) is None
    assert all(i.plan_id != victim for i in removed.indicators)
    assert removed.count == without.count and removed.vocabulary() <= added.vocabulary()
    # BM25 statistics follow the live passages: the same plans give the same scores as the first load
    assert removed.lexical([token], None, 20) and \
        [s for _, s in removed.lexical([token], None, 20)] == pytest.approx([s for _, s in without.lexical([token], None, 20)])
    source.close()


def test_a_second_writer_is_refused_while_one_writes(pg_url, fake_folder):
    source = PgSource(pg_url)
    load(pg_url, fake_folder)
    first, second = source.writer(), source.writer()
    with first.lock():
        with pytest.raises(IndexBusy, match="another"):
            with second.lock():
                pass
    with second.lock():                   # free again once the first is done
        assert second.state() is not None


def test_a_write_right_after_another_finds_the_lock_free(pg_url):
    """The lock is let go when a change ends, not when the server gets round to ending the closed session: one
    `plansearch index` right after another must not be told another is writing."""
    import psycopg

    from plansearch.stores.pg.writer import LOCK_KEY

    source = PgSource(pg_url)
    with psycopg.connect(pg_url, autocommit=True) as other:    # another writer, already connected
        for _ in range(50):
            with source.writer().lock():
                pass
            assert other.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()[0]
            other.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))


KILLED_WRITER = """
import copy, sys, time
sys.path.insert(0, {tests!r})
from fakes import KeywordEncoder
from pg_copy import new_plans_from
from plansearch.settings import Settings
from plansearch.stores.folder import FolderIndex
from plansearch.stores.pg.source import PgSource
folder = FolderIndex.open(__import__("pathlib").Path({index!r}))
def stall():
    print("written", flush=True)
    time.sleep(60)
PgSource({url!r}).writer().write(copy.deepcopy(folder.manifest), new_plans_from(folder, [folder.plans[0].meta.id]), [],
                                 after_write=stall)
"""


def test_a_killed_writer_leaves_the_old_generation_served(pg_url, fake_folder):
    source = PgSource(pg_url)
    served = load(pg_url, fake_folder)
    script = KILLED_WRITER.format(tests=str(TESTS), index=str(fake_folder.root), url=pg_url)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "written"      # a whole generation is written, not committed
        assert source.current() == served
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert source.current() == served
    index = source.open()
    assert index.plan_ids == [e.meta.id for e in fake_folder.plans] and index.count == fake_folder.count
    deadline = time.time() + 10           # the server notices the dead connection and frees the lock
    while True:
        try:
            with source.writer().lock():
                break
        except IndexBusy:
            if time.time() > deadline:
                raise
            time.sleep(0.1)
    source.close()


def test_readers_during_a_reindex_see_one_generation_never_a_mix(pg_url, fake_folder):
    source = PgSource(pg_url)
    load(pg_url, fake_folder)
    victim = fake_folder.plans[0].meta.id
    writer = source.writer()
    errors: list[BaseException] = []
    mixed: list[str] = []
    stop = threading.Event()
    seen: set[str] = set()

    def read():
        while not stop.is_set():
            try:
                index = source.open()
                seen.add(index.name)
                size = sum(e.size for e in index.plans)
                hits = {index.plan_of(r) for r, _ in index.lexical(["儿童"], None, 5000)}
                if index.count != size or not hits <= set(index.plan_ids):
                    mixed.append(index.name)
            except BaseException as exc:      # noqa: BLE001 - any error is the failure reported below
                errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        for i in range(4):                    # remove the plan, add it back, …
            state = source.open()
            if victim in state.plan_ids:
                writer.write(copy.deepcopy(fake_folder.manifest), None,
                             copy.deepcopy([e for e in state.plans if e.meta.id != victim]))
            else:
                writer.write(copy.deepcopy(fake_folder.manifest), new_plans_from(fake_folder, [victim]),
                             copy.deepcopy(state.plans))
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    assert not errors, errors[:3]
    assert not mixed
    assert len(seen) >= 2
    source.close()


def test_a_database_of_another_schema_version_is_refused_in_one_line(pg_url, fake_folder):
    import psycopg

    load(pg_url, fake_folder)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("INSERT INTO schema_version (version) VALUES (99)")
    with pytest.raises(IndexMismatch, match="schema is version 99"):
        PgSource(pg_url).open()


def test_db_start_status_stop_print_the_url():
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="plansearch-db-"))      # not under pytest's basetemp (pg_fixtures)
    env = {**os.environ, "PLANSEARCH_INDEX_DIR": str(folder / "index")}
    run = lambda *a: subprocess.run([sys.executable, "-m", "plansearch.cli", "db", *a], capture_output=True,  # noqa: E731
                                    text=True, env=env, timeout=120)
    assert run("status").returncode == 3
    started = run("start")
    try:
        assert started.returncode == 0, started.stderr
        url = started.stdout.split("PLANSEARCH_DATABASE_URL=")[1].split()[0]
        assert url.startswith("postgresql://") and "127.0.0.1" in url
        status = run("status")
        assert status.returncode == 0 and url in status.stdout
    finally:
        stopped = run("stop")
    try:
        assert stopped.returncode == 0 and "stopped" in stopped.stdout
        assert run("status").returncode == 3
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_a_slow_query_is_cancelled_and_a_lost_database_named_in_one_line(pg_url):
    from plansearch.stores.pg.errors import DatabaseUnavailable, QueryTimeout, connection

    source = PgSource(pg_url, query_timeout_ms=100)
    with pytest.raises(QueryTimeout, match="timeout"):
        with connection(source.pool, 100) as conn:
            conn.execute("SELECT pg_sleep(5)")
    source.close()
    gone = PgSource("postgresql://reader:secret@127.0.0.1:1/plansearch", connect_seconds=0.5)
    with pytest.raises(DatabaseUnavailable, match="127.0.0.1:1/plansearch") as caught:
        gone.current()
    assert "secret" not in str(caught.value)
    with pytest.raises(DatabaseUnavailable, match="127.0.0.1:1/plansearch"):
        gone.writer().state()


def test_every_passage_can_be_listed_with_its_row(pg_url, fake_folder):
    load(pg_url, fake_folder)
    index = PgSource(pg_url).open()
    listed = list(index.iter_passages())
    assert len(listed) == fake_folder.count
    assert [p.id for _, p in listed[:3]] == [p.id for _, p in list(fake_folder.iter_passages())[:3]]
    assert all(index.passage(r).id == p.id for r, p in listed[::97])


@pytest.mark.slow
def test_the_eval_on_the_postgresql_store_matches_the_folder_store(real_settings, real_searcher, pg_server):
    """`PLANSEARCH_DATABASE_URL=… plansearch index`, then the searcher a service opens: nDCG@10 over half the dev split
    within 0.01 of the folder store's, and the same top 10 for at least 95% of the queries."""
    import psycopg

    from eval.gold import load_gold
    from eval.run import CONFIGS, run_config, summarise
    from plansearch.runtime import build, open_searcher

    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute('DROP DATABASE IF EXISTS "real_service" WITH (FORCE)')
        conn.execute('CREATE DATABASE "real_service"')
    settings = real_settings.model_copy(update={"database_url": pg_server.rsplit("/", 1)[0] + "/real_service"})
    build(settings)
    pg = open_searcher(settings)
    assert pg.index.describe()["store"] == "postgresql"
    queries = load_gold("dev")[::2]       # every other question: enough to show the two stores rank alike
    folder_run = run_config(real_searcher, queries, "default", CONFIGS["default"])
    pg_run = run_config(pg, queries, "default", CONFIGS["default"])
    assert abs(summarise(pg_run).ndcg10 - summarise(folder_run).ndcg10) <= 0.01
    same = sum(a.ranked[:10] == b.ranked[:10] for a, b in zip(folder_run.results, pg_run.results))
    assert same >= 0.95 * len(queries), f"{same} of {len(queries)} top-10s equal"


def test_a_writes_posting_blocks_go_with_its_last_passage(pg_url, fake_folder):
    import psycopg

    everyone = [e.meta.id for e in fake_folder.plans]
    load(pg_url, fake_folder, everyone[1:])
    source = PgSource(pg_url, grace_seconds=0)
    writer = source.writer()
    first = source.open()
    want = [s for _, s in first.lexical(["溺水"], None, 20)]
    writer.write(copy.deepcopy(fake_folder.manifest), new_plans_from(fake_folder, everyone[:1]), copy.deepcopy(first.plans))
    added = source.open()
    blocks = "SELECT count(*) FROM posting_blocks WHERE born = %s"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert conn.execute(blocks, (added.gen,)).fetchone()[0] > 0
    writer.write(copy.deepcopy(fake_folder.manifest), None, copy.deepcopy(first.plans))      # the plan goes again
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert conn.execute(blocks, (added.gen,)).fetchone()[0] == 0
        assert conn.execute(blocks, (first.gen,)).fetchone()[0] > 0
    after = source.open()
    assert want and [s for _, s in after.lexical(["溺水"], None, 20)] == pytest.approx(want)
    source.close()


def test_a_version_1_database_is_migrated_to_posting_blocks(pg_url, fake_folder):
    """Migration 2 packs the rows of version 1's postings table into blocks; BM25 ranks and scores as before."""
    import psycopg

    from plansearch.stores.pg import schema

    load(pg_url, fake_folder)
    tokens = ["溺水", "儿童", "预防", "预防"]
    want = PgSource(pg_url).open().lexical(tokens, None, 50)
    with psycopg.connect(pg_url, autocommit=True) as conn:      # back to version 1: postings as rows
        rows = []
        for term, born, rids, tfs, lengths in conn.execute(
                "SELECT term_id, born, rids, tfs, lengths FROM posting_blocks", binary=True).fetchall():
            rows += zip([term] * (len(rids) // 8), np.frombuffer(rids, ">i8").tolist(),
                        np.frombuffer(tfs, ">f4").tolist(), np.frombuffer(lengths, ">f4").tolist(), [born] * (len(rids) // 8))
        conn.execute("DROP TABLE posting_blocks")
        conn.execute("CREATE TABLE postings (term_id integer NOT NULL, rid bigint NOT NULL, tf real NOT NULL, "
                     "length real NOT NULL, born bigint NOT NULL, dead bigint, PRIMARY KEY (term_id, rid))")
        with conn.cursor().copy("COPY postings (term_id, rid, tf, length, born) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        conn.execute("DELETE FROM schema_version WHERE version > 1")
        with pytest.raises(IndexMismatch, match="version 1, this plansearch needs 2"):
            PgSource(pg_url).open()
        assert schema.migrate(conn) == schema.VERSION == 2
        assert conn.execute("SELECT to_regclass('postings')").fetchone()[0] is None
    got = PgSource(pg_url).open().lexical(tokens, None, 50)
    assert [r for r, _ in got] == [r for r, _ in want]
    assert [x for _, x in got] == pytest.approx([x for _, x in want], rel=1e-6)


def test_rows_of_old_generations_are_pruned_after_the_grace_period(pg_url, fake_folder):
    import psycopg

    load(pg_url, fake_folder)
    victim = fake_folder.plans[0].meta.id
    source = PgSource(pg_url)
    kept = copy.deepcopy([e for e in source.open().plans if e.meta.id != victim])
    count = lambda: psycopg.connect(pg_url, autocommit=True).execute(  # noqa: E731
        "SELECT count(*) FROM passages WHERE plan_id = %s", (victim,)).fetchone()[0]
    PgSource(pg_url).writer().write(copy.deepcopy(fake_folder.manifest), None, kept)
    assert count() == fake_folder.plans[0].size            # within the grace period: old readers still see them
    PgSource(pg_url, grace_seconds=0).writer().write(copy.deepcopy(fake_folder.manifest), None, copy.deepcopy(kept))
    assert count() == 0
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM generations").fetchone()[0] == 1
        assert conn.execute("SELECT count(DISTINCT gen) FROM term_df").fetchone()[0] == 1
        # a write's posting blocks stay while any of its passages does (readers skip the pruned rows)
        assert conn.execute("SELECT count(*) FROM posting_blocks b WHERE NOT EXISTS "
                            "(SELECT 1 FROM passages p WHERE p.born = b.born)").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM posting_blocks").fetchone()[0] > 0
    source.close()


def test_two_servers_started_at_once_both_get_their_user(tmp_path, monkeypatch):
    """As root the server runs as an unprivileged user, created on first need. When two servers start at once
    (the test run's two workers on a fresh machine), one useradd finds /etc/passwd locked (exit 10) while the
    other adds the user: the first must then use that user, not fail. useradd and the user table are stood in
    for here, so that the race happens every time."""
    import pwd

    from plansearch.stores.pg import server as pg_server_module

    created: list[str] = []
    calls: list[list[str]] = []
    root = pwd.getpwnam("root")

    def getpwnam(name):
        if name in created:
            return root
        raise KeyError(name)

    def run(args, **kwargs):
        calls.append(args)
        created.append(args[-1])        # the other process's useradd succeeds meanwhile
        return subprocess.CompletedProcess(args, 10, "", "useradd: cannot lock /etc/passwd; try again later.")

    monkeypatch.setattr(pg_server_module.os, "geteuid", lambda: 0)
    monkeypatch.setattr(pg_server_module.pwd, "getpwnam", getpwnam)
    monkeypatch.setattr(pg_server_module.subprocess, "run", run)
    assert pg_server_module.LocalServer(tmp_path / "pg")._user() == pg_server_module.OS_USER
    assert len(calls) == 1 and calls[0][0] == "useradd"


def test_a_user_that_cannot_be_created_is_one_clear_error(tmp_path, monkeypatch):
    from plansearch.stores.pg import server as pg_server_module

    def getpwnam(name):
        raise KeyError(name)

    monkeypatch.setattr(pg_server_module.os, "geteuid", lambda: 0)
    monkeypatch.setattr(pg_server_module.pwd, "getpwnam", getpwnam)
    monkeypatch.setattr(pg_server_module.time, "sleep", lambda s: None)
    monkeypatch.setattr(pg_server_module.subprocess, "run", lambda args, **kw: subprocess.CompletedProcess(
        args, 1, "", "useradd: Permission denied."))
    with pytest.raises(pg_server_module.DatabaseServerError, match="cannot be created: useradd: Permission denied"):
        pg_server_module.LocalServer(tmp_path / "pg")._user()
