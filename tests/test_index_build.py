"""Building, rebuilding and loading the index folder (with the deterministic test encoder)."""
from __future__ import annotations

import json
import os
import signal
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from fakes import KeywordEncoder
from plansearch.errors import IndexMismatch, IndexMissing
from plansearch.runtime import build, open_searcher
from plansearch.search import SearchRequest
from plansearch.stores.folder import CURRENT, FolderIndex


def test_index_folder_holds_manifest_segments_and_row_aligned_passages(fake_settings, keyword_encoder):
    import numpy as np

    summary = build(fake_settings, encoder=keyword_encoder)
    folder = fake_settings.index_dir / CURRENT
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["model"] == "keyword-test-encoder" and manifest["dimension"] == 64
    assert manifest["prompts"] == {"query": "query: ", "passage": "passage: "}
    assert {"dictionary_hash", "corpus_hash", "plansearch_version", "built_at", "pipeline_hash"} <= set(manifest)
    assert manifest["passage_count"] == summary.passages == 1045 and len(manifest["segments"]) == 1
    segment = fake_settings.index_dir / "segments" / manifest["segments"][0]
    rows = [json.loads(line)["id"] for line in (segment / "passages.jsonl").read_text().splitlines()]
    assert len(rows) == json.loads((segment / "segment.json").read_text())["size"] == 1045
    assert [d.decode() for d in np.load(segment / "docids.npy")] == sorted(rows)
    assert [rows[r] for r in np.load(segment / "docid_rows.npy")] == sorted(rows)
    offsets = np.load(segment / "offsets.npy")
    raw = (segment / "passages.jsonl").read_bytes()
    assert json.loads(raw[offsets[500]:offsets[501]])["id"] == rows[500]
    plans = json.loads((folder / "plans.json").read_text())
    assert "daqing-children-2021" in {p["meta"]["id"] for p in plans} and all(p["counts"]["measure"] for p in plans)
    assert summary.plans == 6 and summary.per_kind["measure"] == 523 and summary.full


def test_second_build_of_unchanged_corpus_changes_nothing(fake_settings, keyword_encoder):
    first = build(fake_settings, encoder=keyword_encoder)
    encoded = keyword_encoder.passages_encoded
    second = build(fake_settings, encoder=keyword_encoder)
    assert first.embedded > 1000
    assert second.embedded == 0 and keyword_encoder.passages_encoded == encoded
    assert second.build == first.build and not second.full and len(second.unchanged) == 6
    assert second.added == second.updated == second.removed == [] and second.passages == 1045
    again = build(fake_settings, encoder=keyword_encoder, rebuild=True)      # a complete rebuild: all from the cache
    assert again.full and again.embedded == 0 and again.build != first.build and again.passages == 1045


def test_changed_passage_is_the_only_one_embedded_again(fake_settings, keyword_encoder, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    src = fake_settings.corpus_dir / "daqing-children-2021-2025.txt"
    (corpus / "daqing.txt").write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    build(fake_settings, encoder=keyword_encoder, corpus_dir=corpus)
    text = src.read_text(encoding="utf-8").replace("3.预防和控制儿童溺水。", "3.预防和控制儿童溺水。新增一句话。")
    (corpus / "daqing.txt").write_text(text, encoding="utf-8")
    again = build(fake_settings, encoder=keyword_encoder, corpus_dir=corpus)
    assert again.embedded == 1


def test_failed_build_leaves_previous_index_serving(built_settings, keyword_encoder):
    before = (built_settings.index_dir / CURRENT).resolve()

    def crash():
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        build(built_settings, encoder=keyword_encoder, after_write=crash, rebuild=True)
    assert (built_settings.index_dir / CURRENT).resolve() == before
    hits = open_searcher(built_settings, encoder=keyword_encoder).search(SearchRequest(q="溺水")).results
    assert hits and hits[0].domain == "儿童与安全"


KILLED_BUILD = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {tests!r})
    from fakes import KeywordEncoder
    from plansearch.runtime import build
    from plansearch.settings import Settings
    settings = Settings(corpus_dir={corpus!r}, index_dir={index!r}, cache_dir={cache!r})
    def stall():
        print("WRITING", flush=True)
        time.sleep(120)
    build(settings, encoder=KeywordEncoder(), after_write=stall, rebuild=True)
""")


def test_build_killed_midway_leaves_previous_index_intact(built_settings, keyword_encoder):
    before = (built_settings.index_dir / CURRENT).resolve()
    script = KILLED_BUILD.format(tests=str(Path(__file__).parent), corpus=str(built_settings.corpus_dir),
                                 index=str(built_settings.index_dir), cache=str(built_settings.cache_dir))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "WRITING"       # half-way: files written, not swapped
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert (built_settings.index_dir / CURRENT).resolve() == before
    index = FolderIndex.open(built_settings.index_dir)
    assert index.folder == before and index.count == 1045
    leftovers = [p for p in (built_settings.index_dir / "builds").iterdir() if p.name.startswith(".tmp-")]
    assert leftovers, "the killed build should have left only its temp folder behind"


class OtherEncoder(KeywordEncoder):
    name = "some-other-model"


def test_index_built_with_another_model_is_refused(built_settings, keyword_encoder):
    with pytest.raises(IndexMismatch, match=r"model 'keyword-test-encoder' \(configured: 'some-other-model'\).*plansearch index"):
        open_searcher(built_settings, encoder=OtherEncoder())


def test_index_built_with_other_prompts_or_dictionary_is_refused(built_settings, keyword_encoder):
    index = FolderIndex.open(built_settings.index_dir)
    with pytest.raises(IndexMismatch, match="prompts"):
        index.check_compatible("keyword-test-encoder", 64, {"query": "", "passage": ""}, index.manifest.dictionary_hash)
    with pytest.raises(IndexMismatch, match="tokenizer dictionary"):
        index.check_compatible("keyword-test-encoder", 64, index.manifest.prompts, "0000")


def test_unreadable_manifest_or_missing_index_gets_a_clear_error(fake_settings, keyword_encoder):
    with pytest.raises(IndexMissing, match="plansearch index"):
        FolderIndex.open(fake_settings.index_dir)
    build(fake_settings, encoder=keyword_encoder)
    (fake_settings.index_dir / CURRENT / "manifest.json").write_text("{not json")
    with pytest.raises(IndexMismatch, match="no readable manifest"):
        FolderIndex.open(fake_settings.index_dir)


def test_large_index_uses_hnsw_with_high_recall_and_exact_filtered_search(built_settings, keyword_encoder, monkeypatch):
    import faiss
    import numpy as np

    import plansearch.stores.folder_segments as segments

    exact = FolderIndex.open(built_settings.index_dir)
    monkeypatch.setattr(segments, "ANN_THRESHOLD", 100)       # the real corpus is small: force the large-index path
    build(built_settings, encoder=keyword_encoder, rebuild=True)
    approx = FolderIndex.open(built_settings.index_dir)
    assert isinstance(approx.segments[0].vectors, faiss.IndexHNSWFlat)
    assert isinstance(exact.segments[0].vectors, faiss.IndexFlatIP)
    queries = keyword_encoder.encode_queries(["溺水", "近视", "留守儿童", "托育机构", "家庭教育", "妇女就业"])
    recall = np.mean([len(set(approx.dense_search(q, 10)[0]) & set(exact.dense_search(q, 10)[0])) / 10
                      for q in queries])
    assert recall >= 0.95
    allowed = approx.plan_code == approx.plan_ids.index("daqing-children-2021")
    rows, scores = approx.dense_search(queries[0], 10, allowed)
    exact_rows, exact_scores = exact.dense_search(queries[0], 10, allowed)
    assert set(rows) <= set(np.flatnonzero(allowed)) and np.allclose(np.sort(scores), np.sort(exact_scores), atol=1e-5)


def test_bad_corpora_get_clear_errors_and_leave_the_index_alone(built_settings, keyword_encoder, tmp_path):
    from plansearch.errors import CorpusError

    before = (built_settings.index_dir / CURRENT).resolve()
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_text("")
    with pytest.raises(CorpusError, match="empty.txt: empty file"):
        build(built_settings, encoder=keyword_encoder, corpus_dir=bad)
    (bad / "empty.txt").write_bytes(b"\x81\x00\x81\x00")      # neither UTF-8, GB18030 nor Big5, and no UTF-16 mark
    with pytest.raises(CorpusError, match="not UTF-8, GB18030 or Big5"):
        build(built_settings, encoder=keyword_encoder, corpus_dir=bad)
    (bad / "empty.txt").unlink()
    (bad / "plans.toml").write_text('[[plan]]\nid = "x"\n')
    with pytest.raises(CorpusError, match="title"):
        build(built_settings, encoder=keyword_encoder, corpus_dir=bad)
    (bad / "plans.toml").write_text("[[plan]\n")
    with pytest.raises(CorpusError, match="not valid TOML"):
        build(built_settings, encoder=keyword_encoder, corpus_dir=bad)
    assert (built_settings.index_dir / CURRENT).resolve() == before


def test_gb18030_plan_file_is_read(fake_settings, keyword_encoder, tmp_path):
    corpus = tmp_path / "gbk"
    corpus.mkdir()
    text = (fake_settings.corpus_dir / "daqing-children-2021-2025.txt").read_text(encoding="utf-8")
    (corpus / "daqing.txt").write_bytes(text.encode("gb18030"))
    summary = build(fake_settings, encoder=keyword_encoder, corpus_dir=corpus)
    assert summary.passages == 165


def test_one_plan_in_two_files_is_indexed_once_with_a_warning(fake_settings, keyword_encoder, tmp_path):
    """The Word file and the text of one plan dropped into one corpus, then its GB18030 copy on a later build:
    one plan, each copy named in a warning. Another plan with the same title and most of the same measures (an
    excerpt) stays a plan of its own."""
    import render

    corpus = tmp_path / "twins"
    corpus.mkdir()
    source = fake_settings.corpus_dir / "daqing-children-2021-2025.txt"
    (corpus / "a-daqing.txt").write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    render.to_docx(render.plan_lines(source), corpus / "b-daqing.docx", header="大庆市人民政府")
    lines = render.plan_lines(source)
    (corpus / "c-excerpt.txt").write_text("\n".join(lines[:len(lines) // 2]), encoding="utf-8")
    first = build(fake_settings, encoder=keyword_encoder, corpus_dir=corpus)
    assert first.plans == 2
    assert any(w.startswith("b-daqing.docx: the same plan as 'a-daqing' (a-daqing.txt)")
               for w in first.warnings)
    (corpus / "d-daqing-gb.txt").write_bytes(source.read_text(encoding="utf-8").encode("gb18030"))
    second = build(fake_settings, encoder=keyword_encoder, corpus_dir=corpus)
    assert second.plans == 2 and second.passages == first.passages
    assert any(w.startswith("d-daqing-gb.txt: the same plan as 'a-daqing'") for w in second.warnings)
    hits = open_searcher(fake_settings, encoder=keyword_encoder).search(SearchRequest(q="溺水", k=10)).results
    assert hits and {h.plan_id for h in hits} <= {"a-daqing", "c-excerpt"}


def test_a_revision_with_the_same_title_and_other_numbers_is_a_plan_of_its_own(fake_settings, keyword_encoder,
                                                                               tmp_path):
    """A revision of 大庆's plan (its title unchanged, 婴儿死亡率 5.5‰ → 4.6‰) was taken for a copy of the plan:
    indexed once, as the first file, and its new numbers never served."""
    corpus = tmp_path / "versions"
    corpus.mkdir()
    text = (fake_settings.corpus_dir / "daqing-children-2021-2025.txt").read_text(encoding="utf-8")
    (corpus / "a-daqing.txt").write_text(text, encoding="utf-8")
    (corpus / "b-daqing-revised.txt").write_text(text.replace("婴儿死亡率控制在 5.5‰以下", "婴儿死亡率控制在 4.6‰以下"),
                                                 encoding="utf-8")
    summary = build(fake_settings, encoder=keyword_encoder, corpus_dir=corpus)
    assert summary.plans == 2 and not any("the same plan as" in w for w in summary.warnings)
    hits = open_searcher(fake_settings, encoder=keyword_encoder).search(SearchRequest(q="婴儿死亡率 4.6‰", k=5)).results
    assert hits[0].plan_id == "b-daqing-revised" and "4.6‰" in hits[0].text


def test_progress_off_a_terminal_is_a_line_every_tenth_with_rate_and_time_left():
    import io

    from plansearch.cli import ProgressLines

    out, now = io.StringIO(), [0.0]
    progress = ProgressLines(stream=out, clock=lambda: now[0])
    progress(200, 1200)                                    # 200 cached, 1,000 to embed
    for done in [*range(216, 1200, 16), 1200]:              # batches of 16, one a second
        now[0] += 1.0
        progress(done, 1200)
    lines = out.getvalue().splitlines()
    assert lines[0] == "embedding: 200/1,200 passages already in the cache, 1,000 to embed"
    assert 8 <= len(lines) - 1 <= 10                       # from 17% to 100%: about one a tenth
    assert lines[1].startswith("embedding: 248/1,200 passages (21%), 16.0 passages/s, about 1 min 00 s left")
    assert lines[-1] == "embedding: 1,200/1,200 passages (100%), 15.9 passages/s, done"


def test_progress_lines_follow_each_stage_of_a_large_build():
    import io

    from plansearch.cli import ProgressLines

    out, now = io.StringIO(), [0.0]
    progress = ProgressLines(stream=out, clock=lambda: now[0])
    progress(0, 400, "preparing")
    for done in range(10, 401, 10):                         # ten plans a second
        now[0] += 1.0
        progress(done, 400, "preparing")
    progress(0, 5000)                                       # then embedding, nothing cached
    now[0] += 10.0
    progress(5000, 5000)
    lines = out.getvalue().splitlines()
    assert lines[0] == "preparing: 400 plans"
    assert lines[1] == "preparing: 40/400 plans (10%), 10.0 plans/s, about 36 s left"
    assert lines[10] == "preparing: 400/400 plans (100%), 10.0 plans/s, done"
    assert lines[11:] == ["embedding: 0/5,000 passages already in the cache, 5,000 to embed",
                          "embedding: 5,000/5,000 passages (100%), 500.0 passages/s, done"]


def test_a_build_of_many_plans_reports_its_preparing(tmp_path):
    from indexer.corpus import load_corpus
    from indexer.prepare import prepare_corpus
    from indexer.tokenize import Tokenizer
    from plansearch.settings import REPO_ROOT

    seen = []
    prepare_corpus(load_corpus(REPO_ROOT / "corpus"), Tokenizer(bulk=True), min_plans=6,
                   progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, 6) and seen[-1] == (6, 6) and [d for d, _ in seen] == sorted(d for d, _ in seen)
    seen.clear()
    prepare_corpus(load_corpus(REPO_ROOT / "corpus"), Tokenizer(bulk=True), min_plans=7,
                   progress=lambda done, total: seen.append((done, total)))
    assert seen == []                                       # a small build says nothing of it


def test_a_large_build_reports_writing_after_embedding(fake_settings, keyword_encoder, monkeypatch):
    import indexer.build

    calls = []
    monkeypatch.setattr(indexer.build, "WRITE_PROGRESS_MIN", 100)     # the bundled corpus as a large build
    summary = build(fake_settings, encoder=keyword_encoder, rebuild=True,
                    progress=lambda done, total, stage="embedding": calls.append((stage, done, total)))
    n = summary.passages
    assert calls[-2:] == [("writing", 0, n), ("writing", n, n)]
    assert [c for c in calls if c[0] == "embedding"][-1] == ("embedding", n, n)
    calls.clear()
    monkeypatch.setattr(indexer.build, "WRITE_PROGRESS_MIN", n + 1)
    build(fake_settings, encoder=keyword_encoder, rebuild=True,
          progress=lambda done, total, stage="embedding": calls.append((stage, done, total)))
    assert {c[0] for c in calls} == {"embedding"}                    # a small build: as before


def test_plansearch_index_into_a_log_shows_progress_lines(tmp_path, monkeypatch, capsys):
    """`plansearch index 2> build.log`: no terminal, so no bar, but lines a person can follow."""
    import plansearch.runtime
    from plansearch.cli import main

    import shutil

    from plansearch.settings import REPO_ROOT

    corpus = tmp_path / "corpus"            # one plan (no plans.toml: its details are read from the text)
    corpus.mkdir()
    shutil.copy(REPO_ROOT / "corpus" / "xiangning-children-2021-2025-draft.txt", corpus)
    monkeypatch.setenv("PLANSEARCH_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("PLANSEARCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(plansearch.runtime, "load_encoder", lambda settings: KeywordEncoder())
    monkeypatch.setattr(plansearch.runtime, "EMBED_CHUNK", 16)   # progress after every 16, as in a large corpus
    assert main(["index", str(corpus)]) == 0
    out, err = capsys.readouterr()
    passages = int(out.split("passages (")[0].split()[-1].replace(",", ""))
    lines = [ln for ln in err.splitlines() if ln.startswith("embedding: ")]
    assert passages > 50
    assert lines[0].endswith(f"0/{passages:,} passages already in the cache, {passages:,} to embed")
    assert 9 <= len(lines) - 1 <= 11
    assert lines[-1].startswith(f"embedding: {passages:,}/{passages:,} passages (100%)")
    assert all("passages/s" in ln for ln in lines[1:])


def test_a_note_left_in_the_corpus_folder_is_reported_not_indexed_as_a_plan(fake_settings, keyword_encoder, tmp_path):
    corpus = tmp_path / "with-note"
    corpus.mkdir()
    source = fake_settings.corpus_dir / "daqing-children-2021-2025.txt"
    (corpus / "daqing.txt").write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    (corpus / "notes.txt").write_text("下周一开会讨论，请各位准备材料。会后整理意见报办公室。", encoding="utf-8")
    summary = build(fake_settings, encoder=keyword_encoder, corpus_dir=corpus)
    assert summary.plans == 1
    assert [(f, r.split(":")[0]) for f, r in summary.failed] == [("notes.txt", "no plan in the file")]


def test_two_plans_toml_entries_for_one_plan_index_it_once_and_say_which_entries(fake_settings, keyword_encoder,
                                                                                 tmp_path):
    """A second entry for 大庆's file under another id and title: the plan was indexed twice, without a word."""
    import tomllib

    corpus = tmp_path / "entries"
    corpus.mkdir()
    entry = next(e for e in tomllib.loads((fake_settings.corpus_dir / "plans.toml").read_text(encoding="utf-8"))["plan"]
                 if e["id"] == "daqing-children-2021")
    shutil.copy(fake_settings.corpus_dir / entry["source_file"], corpus / entry["source_file"])
    lines = []
    for e in (entry, {**entry, "id": "daqing-again", "title": "另一个标题"}):
        lines += ["[[plan]]", *(f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in e.items()), ""]
    (corpus / "plans.toml").write_text("\n".join(lines), encoding="utf-8")
    summary = build(fake_settings, encoder=keyword_encoder, corpus_dir=corpus)
    assert summary.plans == 1
    assert any("the same plan as 'daqing-children-2021'" in w and "two entries ('daqing-again', 'daqing-children-2021')"
               in w for w in summary.warnings)
