"""Plans in as officials have them: `plansearch add`, `parse`, uploads and removal, and every bad file
getting one clear line while nothing already indexed is lost."""
from __future__ import annotations

import io
import json
import re
import time

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import render
from conftest import CORPUS, copy_two_plans
from indexer.corpus import load_corpus
from plansearch.cli import main
from plansearch.errors import CorpusError
from plansearch.plan_files import add_plan_file, remove_plan
from plansearch.runtime import build, open_searcher
from plansearch.search import SearchRequest
from plansearch.settings import Settings

KEY = "test-key-123"


def _hegang_docx(tmp_path, name="hegang.docx"):
    """A new plan: 大庆's plan rewritten for 鹤岗 (another city of 黑龙江), as a Word file."""
    lines = [line.replace("大庆", "鹤岗") for line in render.plan_lines(CORPUS / "daqing-children-2021-2025.txt")]
    return render.to_docx(lines, tmp_path / name, auto_numbering=True, header=lines[0])


@pytest.fixture
def small(tmp_path, two_plans):
    """Two plans and their index (the keyword encoder's), a private copy of the session's."""
    corpus, index, cache = copy_two_plans(two_plans, tmp_path)
    return Settings(corpus_dir=corpus, index_dir=index, cache_dir=cache, api_key=KEY, max_upload_mb=2)


def _ids(settings, encoder, q, k=20):
    return [h.plan_id for h in open_searcher(settings, encoder=encoder).search(SearchRequest(q=q, k=k)).results]


def test_add_stores_the_file_by_id_describes_it_and_makes_it_searchable(small, keyword_encoder, tmp_path):
    result = add_plan_file(small, _hegang_docx(tmp_path), encoder=keyword_encoder)
    (plan_id,) = result.plan_ids
    assert result.stored_as == f"{plan_id}.docx" and (small.corpus_dir / result.stored_as).is_file()
    entry = next(p for p in load_corpus(small.corpus_dir).plans if p.id == plan_id)
    assert not entry.guessed and entry.title.startswith("鹤岗市儿童发展规划") and entry.source_file == result.stored_as
    assert result.summary.added == [plan_id]
    assert plan_id in _ids(small, keyword_encoder, "鹤岗 预防和控制儿童溺水")


def _killed_while_indexing(settings, path, encoder, monkeypatch) -> None:
    """`add_plan_file` in another process that dies (as under kill -9: no except, no finally) once it indexes. A
    fresh interpreter: a fork of a test worker's threads can hang on a lock held at the fork."""
    import subprocess
    import sys

    script = ("import os, sys; from pathlib import Path; import plansearch.runtime as r; "
              "from plansearch.plan_files import add_plan_file; from plansearch.settings import Settings; "
              "r.build = lambda *a, **k: os._exit(9); "
              "add_plan_file(Settings(corpus_dir=Path(sys.argv[1]), index_dir=Path(sys.argv[2]), "
              "cache_dir=Path(sys.argv[3])), Path(sys.argv[4]))")
    done = subprocess.run([sys.executable, "-c", script, str(settings.corpus_dir), str(settings.index_dir),
                           str(settings.cache_dir), str(path)], capture_output=True, timeout=120)
    assert done.returncode == 9, done.stderr.decode()[-2000:]


def test_an_add_killed_while_indexing_is_put_back_and_can_be_made_again(small, keyword_encoder, tmp_path,
                                                                         monkeypatch, capsys):
    """A server killed during an upload left the file and its plans.toml entry in the corpus but not in the index,
    and the same upload was then refused as a duplicate. The next change (or `index`, or `serve`) puts them back."""
    before = (small.corpus_dir / "plans.toml").read_text(encoding="utf-8")
    files = sorted(p.name for p in small.corpus_dir.iterdir())
    docx = _hegang_docx(tmp_path)
    _killed_while_indexing(small, docx, keyword_encoder, monkeypatch)
    assert (small.corpus_dir / "plans.toml").read_text(encoding="utf-8") != before       # half done
    result = add_plan_file(small, docx, encoder=keyword_encoder)                          # not a duplicate now
    assert result.summary.added == result.plan_ids
    assert result.plan_ids[0] in _ids(small, keyword_encoder, "鹤岗 预防和控制儿童溺水")

    remove_plan(small, result.plan_ids[0], encoder=keyword_encoder)
    before = (small.corpus_dir / "plans.toml").read_text(encoding="utf-8")
    files = sorted(p.name for p in small.corpus_dir.iterdir())
    _killed_while_indexing(small, docx, keyword_encoder, monkeypatch)
    monkeypatch.setenv("PLANSEARCH_CORPUS_DIR", str(small.corpus_dir))
    monkeypatch.setenv("PLANSEARCH_INDEX_DIR", str(small.index_dir))
    monkeypatch.setenv("PLANSEARCH_CACHE_DIR", str(small.cache_dir))
    monkeypatch.setattr("plansearch.runtime.build", lambda *a, **k: pytest.fail("nothing to build"))
    from plansearch.cli import _recover

    _recover(Settings())                                                                   # as `index` and `serve` do
    assert "interrupted before it was indexed" in capsys.readouterr().err
    assert (small.corpus_dir / "plans.toml").read_text(encoding="utf-8") == before
    assert sorted(p.name for p in small.corpus_dir.iterdir()) == files


def test_add_refuses_a_duplicate_and_names_the_plan(small, keyword_encoder, rendered_plans):
    before = (small.corpus_dir / "plans.toml").read_text(encoding="utf-8")
    with pytest.raises(CorpusError, match="same text as plan 'daqing-children-2021'"):
        add_plan_file(small, rendered_plans["daqing-children-2021-2025", "pdf" if False else "docx"],
                      encoder=keyword_encoder)
    assert (small.corpus_dir / "plans.toml").read_text(encoding="utf-8") == before
    assert sorted(p.name for p in small.corpus_dir.iterdir()) == sorted(
        ["plans.toml", "daqing-children-2021-2025.txt", "xiangning-children-2021-2025-draft.txt"])


def test_add_takes_a_plan_with_one_figure_changed_as_a_version_of_its_own(small, keyword_encoder, tmp_path):
    """大庆's plan as a Word file with one figure changed (5.5‰ → 5.4‰): once refused as the same plan, so a
    revision's numbers were never served. A changed number makes it a version of its own, indexed beside the
    first (answers tell the two apart); a file with the same words and numbers is still the same plan."""
    lines = render.plan_lines(CORPUS / "daqing-children-2021-2025.txt")
    edited = next(i for i, line in enumerate(lines) if "5.5‰" in line)
    lines[edited] = lines[edited].replace("5.5‰", "5.4‰")
    result = add_plan_file(small, render.to_docx(lines, tmp_path / "daqing-retyped.docx"), plan_id="daqing-retyped",
                           encoder=keyword_encoder)
    assert result.plan_ids == ["daqing-retyped"] and result.summary.plans == 3
    before = (small.corpus_dir / "plans.toml").read_text(encoding="utf-8")
    same = render.plan_lines(CORPUS / "daqing-children-2021-2025.txt")
    with pytest.raises(CorpusError, match="same (plan|text) as .*'daqing-children-2021'"):
        add_plan_file(small, render.to_docx(same, tmp_path / "daqing-copy.docx"), plan_id="daqing-copy",
                      encoder=keyword_encoder)
    assert (small.corpus_dir / "plans.toml").read_text(encoding="utf-8") == before
    assert not (small.corpus_dir / "daqing-copy.docx").exists()


def test_remove_takes_the_plan_out_of_manifest_folder_and_index(small, keyword_encoder, tmp_path):
    manifest = (small.corpus_dir / "plans.toml").read_text(encoding="utf-8")
    plan_id = add_plan_file(small, _hegang_docx(tmp_path), plan_id="hegang-children-2021",
                            encoder=keyword_encoder).plan_ids[0]
    assert plan_id == "hegang-children-2021"
    result = remove_plan(small, plan_id, encoder=keyword_encoder)
    assert result.deleted_file == "hegang-children-2021.docx"
    assert not (small.corpus_dir / "hegang-children-2021.docx").exists()
    assert plan_id not in {p.id for p in load_corpus(small.corpus_dir).plans}
    assert plan_id not in _ids(small, keyword_encoder, "鹤岗 溺水")
    assert (small.corpus_dir / "plans.toml").read_text(encoding="utf-8") == manifest     # no blank lines left behind


def test_index_reports_an_unreadable_file_and_indexes_the_rest(small, keyword_encoder, tmp_path):
    (small.corpus_dir / "broken.docx").write_bytes(b"PK\x03\x04 not a zip at all")
    (small.corpus_dir / "notes.xlsx").write_bytes(b"whatever")
    _hegang_docx(small.corpus_dir, "hegang.docx")
    summary = build(small, encoder=keyword_encoder)
    assert [f for f, _ in summary.failed] == ["broken.docx"] and "not a valid Word" in summary.failed[0][1]
    assert summary.skipped == ["notes.xlsx"]
    assert summary.added == ["hegang"] and summary.plans == 3


def test_a_file_name_that_is_not_utf8_is_reported_and_the_rest_indexed(small, keyword_encoder):
    """A name in GBK bytes (copied from another system) made `index` fail with a traceback, nothing updated."""
    import os

    with open(os.path.join(os.fsencode(small.corpus_dir), b"\xb9\xe6\xbb\xae.txt"), "wb") as f:
        f.write("某某县儿童发展规划".encode("utf-8"))
    _hegang_docx(small.corpus_dir, "hegang.docx")
    summary = build(small, encoder=keyword_encoder)
    ((name, why),) = summary.failed
    assert name.endswith(".txt") and "\ufffd" in name and why == "its name is not valid UTF-8: rename the file"
    assert summary.added == ["hegang"]


def test_a_listed_file_that_turns_unreadable_keeps_its_indexed_version(small, keyword_encoder):
    path = small.corpus_dir / "xiangning-children-2021-2025-draft.txt"
    path.write_bytes(b"\xff\xfe\x00\x81\x00")
    summary = build(small, encoder=keyword_encoder)
    assert summary.failed and summary.plans == 2
    assert summary.kept_from_failed == {"xiangning-children-2021-2025-draft.txt": ["xiangning-children-2021"]}
    assert "xiangning-children-2021" in _ids(small, keyword_encoder, "乡宁 溺水")


def test_a_deleted_file_whose_entry_stays_takes_its_plan_out_and_the_rest_is_indexed(small, keyword_encoder):
    """'To take a plan out, delete its file': with its plans.toml entry left, the whole index stopped on
    'names a missing file', and no other change was picked up either."""
    (small.corpus_dir / "xiangning-children-2021-2025-draft.txt").unlink()
    daqing = small.corpus_dir / "daqing-children-2021-2025.txt"
    daqing.write_text(daqing.read_text(encoding="utf-8").replace("加强看护", "加强看护巡河"), encoding="utf-8")
    summary = build(small, encoder=keyword_encoder)
    assert summary.removed == ["xiangning-children-2021"] and summary.updated == ["daqing-children-2021"]
    assert any("names a missing file" in w and "xiangning-children-2021" in w for w in summary.warnings)
    assert "xiangning-children-2021" not in _ids(small, keyword_encoder, "乡宁 溺水")


def test_cli_index_exits_non_zero_and_names_what_failed(monkeypatch, capsys, tmp_path):
    from indexer.build import BuildSummary

    summary = BuildSummary(plans=2, passages=10, per_kind={}, embedded=0, reused=0, seconds=0.1, build="test-build",
                           full=False, failed=[("scan.pdf", "no text layer: a scanned PDF needs OCR")],
                           skipped=["a.xlsx"], kept_from_failed={"scan.pdf": ["daqing-children-2021"]})
    monkeypatch.setattr("plansearch.runtime.build", lambda *a, **k: summary)
    assert main(["index", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "failed: scan.pdf: no text layer" in out and "skipped: a.xlsx" in out
    assert "the version indexed before is kept: daqing-children-2021" in out      # not lost, as 'failed' alone read


@pytest.mark.parametrize("name, content, message", [
    ("empty.docx", b"", "empty file"),
    ("x.xlsx", b"PK\x03\x04", "unsupported file type"),
    ("broken.docx", b"PK\x03\x04garbage", "not a valid Word"),
    ("page.html", b"<html><body><a href='/'>home</a></body></html>", "no document text"),
    # a note, no plan: `parse` showed it as a plan of one passage with a title made up from its words
    ("note.txt", "新城区今天召开儿童工作会议，部署下一阶段工作。会议要求各部门认真落实。".encode(), "no plan in the file"),
])
def test_cli_parse_and_add_give_one_line_for_a_bad_file(tmp_path, capsys, monkeypatch, name, content, message):
    monkeypatch.setenv("PLANSEARCH_CORPUS_DIR", str(tmp_path / "corpus"))
    monkeypatch.setenv("PLANSEARCH_INDEX_DIR", str(tmp_path / "index"))
    path = tmp_path / name
    path.write_bytes(content)
    for command in (["parse", str(path)], ["add", str(path)]):
        assert main(command) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and message in err[0] and "Traceback" not in err[0]
    assert not (tmp_path / "corpus").exists() or not any((tmp_path / "corpus").iterdir())


def test_a_50_mb_file_gets_one_line(tmp_path, capsys):
    path = tmp_path / "big.txt"
    with open(path, "wb") as f:
        f.truncate(50 * 1024 * 1024)
    assert main(["parse", str(path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "file too large (50.0 MB" in err[0]


def test_parse_json_is_the_contract(rendered_plans, capsys):
    assert main(["parse", "--json", str(rendered_plans["zengdu-women-and-children-2021-2030", "docx"]),
                 str(CORPUS / "xinchengqu-children-2021-2030.txt")]) == 0
    report = json.loads(capsys.readouterr().out)
    assert len(report["plans"]) == 3
    for plan in report["plans"]:
        assert {"title", "region", "province", "city", "county", "period", "subject", "status", "doc_number",
                "issuer", "date", "source", "tables", "passages", "counts", "warnings"} <= set(plan)
        assert set(plan["source"]) == {"file", "format"}
        for p in plan["passages"]:
            assert {"id", "domain", "kind", "number", "title", "text", "section", "source"} <= set(p)
            assert {"file", "page", "paragraph", "line_start", "line_end"} <= set(p["source"])
        assert sum(plan["kinds"].values()) == len(plan["passages"])
        assert sum(c["target"] + c["measure"] for c in plan["counts"].values()) == \
            sum(1 for p in plan["passages"] if p["domain"] and p["kind"] in ("target", "measure"))
    women, children, xinchengqu = report["plans"]
    assert women["source"]["format"] == "docx" and women["subject"] == "妇女" and children["subject"] == "儿童"
    assert women["passages"][0]["source"]["paragraph"] and women["passages"][0]["source"]["line_start"] is None
    assert xinchengqu["source"]["format"] == "txt" and xinchengqu["tables"][0][1][:2] == ["发展领域", "主要目标"]
    assert xinchengqu["region"] == "内蒙古自治区呼和浩特市新城区" and xinchengqu["period"] == "2021—2030"
    assert xinchengqu["counts"]["儿童与安全"] == {"target": 10, "measure": 12}


# -- uploads ------------------------------------------------------------------------------------------
@pytest.fixture
def client(small, keyword_encoder):
    from service.app import create_app

    with TestClient(create_app(small, encoder=keyword_encoder)) as c:
        yield c


def _post(client, name, data, key=KEY, **form):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return client.post("/api/plans", files={"file": (name, data)}, data=form, headers=headers)


def test_uploads_need_a_key(small, keyword_encoder, tmp_path):
    from service.app import create_app

    data = _hegang_docx(tmp_path).read_bytes()
    open_settings = small.model_copy(update={"api_key": None})
    with TestClient(create_app(open_settings, encoder=keyword_encoder)) as c:
        r = _post(c, "hegang.docx", data)
        assert r.status_code == 403 and "PLANSEARCH_API_KEY" in r.json()["detail"]
        assert c.delete("/api/plans/daqing-children-2021").status_code == 403
    with TestClient(create_app(small, encoder=keyword_encoder)) as c:
        assert _post(c, "hegang.docx", data, key="wrong").status_code == 401
        assert _post(c, "hegang.docx", data, key=None).status_code == 401


def test_upload_end_to_end_then_delete(client, small, tmp_path):
    data = _hegang_docx(tmp_path).read_bytes()
    r = _post(client, "../../etc/鹤岗 规划.docx", data)
    assert r.status_code == 201, r.text
    body = r.json()
    (plan_id,) = body["plan_ids"]
    assert "/" not in body["stored_as"] and body["stored_as"].startswith(plan_id)
    assert body["report"]["plans"][0]["title"].startswith("鹤岗市儿童发展规划")
    assert (small.corpus_dir / body["stored_as"]).is_file() and not (tmp_path / "etc").exists()
    deadline = time.monotonic() + 1.0
    while True:       # searchable within a second of the index finishing
        hits = client.get("/api/search", params={"q": "鹤岗 预防和控制儿童溺水", "k": 20}).json()["results"]
        if any(h["plan_id"] == plan_id for h in hits) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert any(h["plan_id"] == plan_id for h in hits)
    assert _post(client, "again.docx", data).status_code == 409
    r = client.delete(f"/api/plans/{plan_id}", headers={"X-API-Key": KEY})
    assert r.status_code == 200 and r.json()["deleted_file"] == body["stored_as"]
    time.sleep(0.05)
    hits = client.get("/api/search", params={"q": "鹤岗 预防和控制儿童溺水", "k": 20}).json()["results"]
    assert all(h["plan_id"] != plan_id for h in hits)
    assert client.delete("/api/plans/nope", headers={"X-API-Key": KEY}).status_code == 404


def test_an_upload_the_server_cannot_index_is_its_fault_a_503_without_paths(client, small, tmp_path, monkeypatch):
    """A read-only index folder answered 400 (blaming the client) with the server's paths in the message."""
    import errno
    import os

    import plansearch.stores.folder_writer as folder_writer

    def read_only(root):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(root / ".build.lock"))

    monkeypatch.setattr(folder_writer, "build_lock", read_only)
    manifest = (small.corpus_dir / "plans.toml").read_text(encoding="utf-8")
    r = _post(client, "hegang.docx", _hegang_docx(tmp_path).read_bytes())
    assert r.status_code == 503 and "Read-only file system" in r.json()["detail"]
    assert str(small.index_dir) not in r.text and "/tmp" not in r.text
    assert (small.corpus_dir / "plans.toml").read_text(encoding="utf-8") == manifest


def test_bad_uploads_get_one_clear_answer_and_lose_nothing(client, small, rendered_plans):
    from msoffcrypto.format.ooxml import OOXMLFile

    encrypted = io.BytesIO()
    with open(rendered_plans["daqing-children-2021-2025", "docx"], "rb") as f:
        OOXMLFile(f).encrypt("secret", encrypted)
    from test_reader_pdf import _image_only_pdf

    docx = rendered_plans["xinxing-13th-division-children-2021-2030", "docx"].read_bytes()
    scan = _image_only_pdf(rendered_plans["xiangning-children-2021-2025-draft", "pdf"], small.index_dir / "scan.pdf")
    cases = [
        ("扫描件.pdf", scan.read_bytes(), 400, "needs OCR"),
        ("empty.docx", b"", 400, "空"),
        ("plan.exe", b"MZ\x90\x00", 415, "不支持"),
        ("locked.docx", encrypted.getvalue(), 400, "password-protected"),
        ("broken.docx", docx[: len(docx) // 3], 400, "docx"),
        ("fake.pdf", b"not a pdf at all", 415, "不符"),
        ("huge.txt", b"a" * (3 * 1024 * 1024), 413, "MB"),
        ("dup.docx", rendered_plans["daqing-children-2021-2025", "docx"].read_bytes(), 409, "daqing-children-2021"),
        ("abc.txt", b"abc", 400, "no plan in the file"),
        ("note.txt", "今天天气很好，我们去公园散步。下午回家吃饭，晚上看电视。".encode(), 400, "no plan in the file"),
    ]
    before = sorted(p.name for p in small.corpus_dir.iterdir())
    manifest = (small.corpus_dir / "plans.toml").read_text(encoding="utf-8")
    for name, data, status, words in cases:
        r = _post(client, name, data)
        assert r.status_code == status, (name, r.text)
        detail = r.json()["detail"]
        assert words in detail and "\n" not in detail and "Traceback" not in detail, (name, detail)
    for bad_id in ("a/b", "../../x", "吉县"):
        r = _post(client, "plan.docx", docx, id=bad_id)
        assert r.status_code == 422 and r.json()["param"] == "id", r.text
    assert sorted(p.name for p in small.corpus_dir.iterdir()) == before
    assert (small.corpus_dir / "plans.toml").read_text(encoding="utf-8") == manifest
    assert client.get("/api/plans").json()["count"] == 2
    assert client.get("/api/search", params={"q": "溺水"}).status_code == 200


def test_an_upload_named_as_another_kind_is_read_as_what_it_is(client, small, tmp_path):
    """A Word file named .pdf was refused (415) by the upload, while `add`, `index` and `review` read it, with a
    warning, as what its bytes are. It is stored under the kind it is."""
    r = _post(client, "鹤岗.pdf", _hegang_docx(tmp_path).read_bytes())
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["stored_as"].endswith(".docx") and (small.corpus_dir / body["stored_as"]).is_file()
    assert any("read as .docx" in w for w in body["report"]["plans"][0]["warnings"]), body["report"]


def test_a_line_range_typo_in_plans_toml_keeps_the_indexed_plan_and_says_why(small, keyword_encoder):
    """start_line = 99999 used to replace the plan's passages by none, with exit 0 and a warning."""
    manifest = small.corpus_dir / "plans.toml"
    text = manifest.read_text(encoding="utf-8")
    assert 'id = "daqing-children-2021"' in text
    entry = text.index('id = "daqing-children-2021"')
    manifest.write_text(text[:entry] + "start_line = 99999\n" + text[entry:], encoding="utf-8")
    summary = build(small, encoder=keyword_encoder)
    ((name, why),) = summary.failed
    assert name == "daqing-children-2021-2025.txt" and "lines 99999–end" in why and "has no text" in why
    assert "daqing-children-2021" in _ids(small, keyword_encoder, "大庆 预防和控制儿童溺水")


@pytest.mark.parametrize("line, said", [('id = "Bad ID!/.."', "must be lower-case letters"),
                                        ("start_line = 13\nend_line = 5", "end_line 5 is before start_line 13")])
def test_a_malformed_plans_toml_entry_is_refused_in_one_line(small, keyword_encoder, line, said):
    manifest = small.corpus_dir / "plans.toml"
    text = manifest.read_text(encoding="utf-8")
    if line.startswith("id"):
        text = text.replace('id = "daqing-children-2021"', line)
    else:
        entry = text.index('id = "daqing-children-2021"')
        text = text[:entry] + line + "\n" + text[entry:]
    manifest.write_text(text, encoding="utf-8")
    with pytest.raises(CorpusError, match=re.escape(said)):
        build(small, encoder=keyword_encoder)


def test_a_file_holding_one_plan_many_times_is_refused_in_one_line(small, keyword_encoder, tmp_path):
    """60 copies of one plan in one upload: 60 entries in plans.toml, one plan indexed, 59 warnings at every later
    build, and 60 removals to take it out."""
    text = (CORPUS / "xinchengqu-children-2021-2030.txt").read_text(encoding="utf-8")
    thrice = tmp_path / "thrice.txt"
    thrice.write_text("\n\n".join([text] * 3), encoding="utf-8")
    before = (small.corpus_dir / "plans.toml").read_text(encoding="utf-8")
    with pytest.raises(CorpusError, match="holds the same plan more than once.*2 extra copies"):
        add_plan_file(small, thrice, encoder=keyword_encoder)
    assert (small.corpus_dir / "plans.toml").read_text(encoding="utf-8") == before
