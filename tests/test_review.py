"""对标分析 (issue 16): known answers on modified plan copies, hand-judged lists on the bundled plans,
the API (GET, POST with a .docx draft, Word report), the CLI. Meaning comes from the real model."""
from __future__ import annotations

import io
import re
import shutil

import pytest
from fastapi.testclient import TestClient

from plansearch.review import Reviewer
from plansearch.settings import REPO_ROOT, Settings

CORPUS = REPO_ROOT / "corpus"
INVENTED = "建设儿童航天科普体验营地。依托本地天文台建设面向儿童的航天主题研学营地，每年组织星空观测夜和火箭模型竞赛。"
REWORDED_DROWNING = ("3.防范未成年人落水事故。家长和学校要看管好孩子，不让孩子到河塘、水库等危险水域玩耍游泳，"
                     "在水边设置警示牌和护栏，暑期加强巡查，教会孩子水上自救和施救常识。")


def _edit(path, fn):
    path.write_text(fn(path.read_text(encoding="utf-8")), encoding="utf-8")


@pytest.fixture(scope="module")
def modified(tmp_path_factory, real_settings):
    """The bundled corpus with two plans edited, indexed with the real model (unchanged passages come from
    the embedding cache). 新城区: drowning measure removed, 小学生近视率 38% → 45%, one invented measure.
    大庆市: drowning measure reworded, 留守儿童 measure removed, 学前教育毛入园率 90% → 80%."""
    from plansearch.runtime import build, open_searcher

    root = tmp_path_factory.mktemp("review-corpus")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)

    def xinchengqu(text: str) -> str:
        text = re.sub(r"\n3\.预防和控制儿童溺水。[^\n]*\n", "\n", text)
        text = text.replace("小学生近视率降至38%以下", "小学生近视率降至45%以下")
        text = re.sub(r"(小学生近视率\n\s*\n?\s*降至)38%以下", r"\g<1>45%以下", text)
        return text.replace("4.预防和控制儿童道路交通伤害。", "13." + INVENTED + "\n4.预防和控制儿童道路交通伤害。", 1)

    def daqing(text: str) -> str:
        text = re.sub(r"\n3\.预防和控制儿童溺水。[^\n]*\n", "\n" + REWORDED_DROWNING + "\n", text)
        text = re.sub(r"\n10\.加强留守儿童关爱保护。[^\n]*\n", "\n", text)
        return text.replace("学前教育毛入园率达到并保持在 90%以上", "学前教育毛入园率达到并保持在 80%以上")

    def xinxing(text: str) -> str:
        text = re.sub(r"\n4\.规范与儿童相关的广告和商业性活动。[^\n]*\n", "\n", text)
        text = text.replace("小学生近视率降至30%以下", "小学生近视率降至25%以下")
        # two measures merged into one passage: each counts as present
        text = re.sub(r"\n9\.加强留守儿童关爱保护。([^\n]*)\n10\.完善流动儿童服务机制。([^\n]*)\n",
                      lambda m: "\n9.加强留守儿童关爱保护，完善流动儿童服务机制。" + m.group(1) + m.group(2) + "\n", text)
        return text

    _edit(corpus / "xinchengqu-children-2021-2030.txt", xinchengqu)
    _edit(corpus / "xinxing-13th-division-children-2021-2030.txt", xinxing)
    _edit(corpus / "daqing-children-2021-2025.txt", daqing)
    settings = Settings(corpus_dir=corpus, index_dir=root / "index", cache_dir=real_settings.cache_dir)
    build(settings)
    return open_searcher(settings)


def _domain(report, name):
    return next(d for d in report.domains if d.domain == name)


def test_removed_weakened_and_invented_are_all_named_with_citations(modified):
    report = Reviewer(modified).review_indexed("xinchengqu-children-2021")
    safety = _domain(report, "儿童与安全")
    drowning = [m for m in safety.missing_measures if "溺水" in m.title]
    assert drowning and len(drowning[0].peers) >= 3
    assert all(c.passage_id and c.passage_id.endswith("-d2-m3") for c in drowning[0].citations)
    weak = [w for d in report.domains for w in d.weaker_targets if w.indicator == "小学生近视率"]
    assert weak and weak[0].value.startswith("45%") and weak[0].direction == "lower"
    assert weak[0].citations and all(p.value for p in weak[0].peers)
    added = [a for d in report.domains for a in d.additions if "航天" in a.title]
    assert added and added[0].citations[0].plan_id == "xinchengqu-children-2021"
    assert added[0].citations[0].source.line_start


def test_untouched_plan_is_not_told_drowning_is_missing(real_searcher):
    report = Reviewer(real_searcher).review_indexed("xinchengqu-children-2021")
    assert not [m for d in report.domains for m in d.missing_measures if "溺水" in m.title]
    assert not [w for d in report.domains for w in d.weaker_targets if w.indicator == "小学生近视率"]


def test_reworded_measure_counts_as_present_removed_one_does_not(modified):
    report = Reviewer(modified).review_indexed("daqing-children-2021")
    missing = [m.title for d in report.domains for m in d.missing_measures]
    assert not [t for t in missing if "溺水" in t]
    assert [t for t in missing if "留守儿童" in t]
    weak = [w for d in report.domains for w in d.weaker_targets if w.indicator == "学前教育毛入园率"]
    assert weak and weak[0].value.startswith("80%") and weak[0].direction == "raise"


def test_merged_measures_count_as_present_a_raised_target_is_not_weaker(modified):
    report = Reviewer(modified).review_indexed("xinxing-children-2021")
    missing = [m.title for d in report.domains for m in d.missing_measures]
    assert [t for t in missing if "广告" in t]
    assert not [t for t in missing if "留守" in t or "流动儿童" in t]
    assert not [w for d in report.domains for w in d.weaker_targets if w.indicator == "小学生近视率"]
    assert not [a for d in report.domains for a in d.additions if "留守" in a.title]


def test_a_draft_naming_its_domains_otherwise_is_reviewed_as_if_named_like_its_peers(real_searcher, tmp_path):
    """儿童健康, 儿童安全 and 儿童成长教育 for the outline's 儿童与健康, 儿童与安全 and 儿童与教育: the same sections
    (under the draft's own names) with the same findings, not a second set of empty ones beside the peers'."""
    def sections(report):
        return [(d.domain, [len(getattr(d, f)) for f in ("weaker_targets", "missing_indicators", "missing_measures",
                                                           "additions")]) for d in report.domains]

    # the draft up to its fourth domain (三 of them renamed), to keep the embedding of its measures short
    lines = (CORPUS / "xiangning-children-2021-2025-draft.txt").read_text(encoding="utf-8").splitlines(keepends=True)
    end = next(i for i, line in enumerate(lines) if line.startswith("（四）儿童与福利"))
    renamed = {"（一）儿童与健康": "（一）儿童健康", "（二）儿童与安全": "（二）儿童安全", "（三）儿童与教育": "（三）儿童成长教育"}
    text = "".join(lines[:end])
    source, draft = tmp_path / "original" / "draft.txt", tmp_path / "reworded" / "draft.txt"
    source.parent.mkdir()
    source.write_text(text, encoding="utf-8")
    for old, new in renamed.items():
        assert text.count(old) == 1
        text = text.replace(old, new)
    draft.parent.mkdir()
    draft.write_text(text, encoding="utf-8")
    reviewer = Reviewer(real_searcher)
    original, reworded = sections(reviewer.review_file(source)), sections(reviewer.review_file(draft))
    names = {old[3:]: new[3:] for old, new in renamed.items()}
    assert [d for d, _ in reworded] == [names.get(d, d) for d, _ in original]     # the peers' other domains after
    # the draft's own domains hold the same findings (a measure's vector carries its domain's name, so matches
    # in the peers' other domains may move a little)
    assert reworded[:3] == [(names[d], counts) for d, counts in original[:3]]
    assert sum(sum(counts) for _, counts in reworded[:3]) > 0
    # asked for by the outline's name, the draft's own section is the one given
    from plansearch.domains import domain_matches

    assert [d for d, _ in reworded if domain_matches(d, "儿童与健康", "儿童")] == ["儿童健康"]


# judged by hand against the plan texts (see README, 对标分析): every entry true
# the peers' values set in a measure count (新城区: 新生儿访视率保持在90%以上 under 策略措施); 乡宁 writes 减少儿童龋患病
# and 倡导纯母乳喂养 with no number, and nothing on 新生儿访视 or 儿科医生
SET_BY_PEERS_IN_MEASURES = {"12岁儿童龋齿率", "6个月内婴儿纯母乳喂养率", "新生儿访视率", "每千名儿童拥有儿科执业（助理）医生数"}
JUDGED_XIANGNING = {
    "missing_indicators": {"7岁以下儿童健康管理率", "九年义务教育巩固率",    # no such rate set; 0—6岁健康管理 only as work
                           *SET_BY_PEERS_IN_MEASURES},
    "missing_measures": {"支持儿童健康领域的技术创新",                      # no 科研/技术创新 measure in 乡宁
                         "加强家庭领域理论和实践研究"},                    # no research measure under 儿童与家庭
}


def _lacks(report, domain=None):
    out = {"missing_indicators": set(), "missing_measures": set()}
    for d in report.domains:
        if domain and d.domain != domain:
            continue
        out["missing_indicators"] |= {m.indicator for m in d.missing_indicators}
        out["missing_measures"] |= {m.title for m in d.missing_measures}
    return out


def test_lacks_lists_of_one_plan_against_the_other_five_match_the_hand_judgement(real_searcher):
    peers = [p for p in real_searcher.plans if p != "xiangning-children-2021"]
    found = _lacks(Reviewer(real_searcher).review_indexed("xiangning-children-2021", peers))
    for key, judged in JUDGED_XIANGNING.items():
        true = found[key] & judged
        assert len(true) >= 0.9 * len(found[key]), (key, found[key] - judged)
        assert true == judged


# 儿童与健康, each plan against the other five, judged by hand: every entry true. xinxing sets 7岁以下儿童健康管理率
# (95%) inside a measure, so it is not listed. (The 妇女 plan, against five 儿童 plans, lacks every 儿童 item: true
# but not a comparison anyone would make; it is left out of the judgement.)
JUDGED_HEALTH = {
    "xinchengqu-children-2021": set(), "daqing-children-2021": set(), "xinxing-children-2021": set(),
    "zengdu-children-2021": set(),
    "xiangning-children-2021": {"7岁以下儿童健康管理率", "支持儿童健康领域的技术创新", *SET_BY_PEERS_IN_MEASURES},
}


def test_lacks_lists_of_one_domain_across_the_plans_match_the_hand_judgement(real_searcher):
    found_all, true_all = 0, 0
    for pid, judged in JUDGED_HEALTH.items():
        peers = [p for p in real_searcher.plans if p != pid]
        found = _lacks(Reviewer(real_searcher).review_indexed(pid, peers, "儿童与健康"), "儿童与健康")
        listed = found["missing_indicators"] | found["missing_measures"]
        found_all += len(listed)
        true_all += len(listed & judged)
        assert judged <= listed, pid
    assert true_all >= 0.9 * found_all


def test_a_weaker_reduction_is_reported_and_every_value_keeps_its_verb_and_year(real_searcher, tmp_path):
    """A draft's 以2020年为基数下降10% against the peers' 下降15–20% was never judged (a reduction has no direction
    of its own); the report said 目标偏低 of a death rate whose number is higher, and mixed 2025 and 2030 values
    without saying which."""
    from plansearch.review_export import review_text

    text = (CORPUS / "xiangning-children-2021-2025-draft.txt").read_text(encoding="utf-8")
    text = text.replace("年为基数下降20%。", "年为基数下降10%。", 1)
    draft = tmp_path / "draft.txt"
    draft.write_text(text.replace("乡宁县", "示范县"), encoding="utf-8")
    report = Reviewer(real_searcher).review_file(draft)
    weaker = {w.indicator: w for d in report.domains for w in d.weaker_targets}
    injury = weaker["儿童伤害死亡率"]
    assert injury.value == "下降10%" and all(p.value.startswith("下降") for p in injury.peers)
    shown = review_text(report)
    assert "目标不及同类规划：儿童伤害死亡率 本规划 下降10%（2025年）" in shown and "目标偏低" not in shown
    assert re.search(r"各地：.*下降20%（20[23]\d年）", shown)


def test_a_value_a_peer_sets_only_in_a_measure_is_compared_not_reported_as_the_plans_own(real_searcher):
    """新生儿访视率: 大庆 sets 90%以上 among its targets, 新星 and 曾都 95%以上 in a measure. 大庆 was told the indicator
    was its own addition; its lower value is what a drafter needs to see."""
    report = Reviewer(real_searcher).review_indexed("daqing-children-2021")
    added = {a.title for d in report.domains for a in d.additions}
    assert "新生儿访视率" not in added
    visits = next(w for d in report.domains for w in d.weaker_targets if w.indicator == "新生儿访视率")
    assert visits.value == "90%以上" and {"xinxing-children-2021", "zengdu-children-2021"} <= {p.plan_id for p in visits.peers}
    assert any(c.passage_id and "-m" in c.passage_id for p in visits.peers for c in p.citations)


def test_a_value_written_after_its_unit_is_computed_in_the_signs_unit():
    from plansearch.review_targets import format_value

    assert (format_value(5.15, "千分之"), format_value(1.5, "百分之"), format_value(3.0, "‰")) == ("5.15‰", "1.5%", "3‰")


def test_api_review_contract_docx_and_draft_upload(real_searcher, real_settings, tmp_path):
    from docx import Document

    from service.app import create_app

    settings = real_settings.model_copy(update={"api_key": "k"})
    app = create_app(settings=settings, searcher=real_searcher)
    with TestClient(app) as client:
        r = client.get("/api/review", params={"plan": "xinxing-children-2021", "domain": "儿童与健康"})
        assert r.status_code == 200
        body = r.json()
        assert body["plan_id"] == "xinxing-children-2021" and body["peers"]
        assert "zengdu-women-2021" not in body["peers"]            # same subject: 儿童
        assert [d["domain"] for d in body["domains"]] == ["儿童与健康"]
        for d in body["domains"]:
            assert set(d) >= {"domain", "weaker_targets", "missing_indicators", "missing_measures", "additions"}
        assert client.get("/api/review", params={"plan": "nowhere"}).status_code == 404
        doc = client.get("/api/review", params={"plan": "xiangning-children-2021", "format": "docx"})
        assert doc.status_code == 200
        text = "\n".join(p.text for p in Document(io.BytesIO(doc.content)).paragraphs)
        assert "缺少常见措施" in text and "创新" in text and "来源" in text
        # a draft: the drowning measure cut out of a copy, sent as .docx; never indexed
        lines = (CORPUS / "xinchengqu-children-2021-2030.txt").read_text(encoding="utf-8").splitlines()
        draft = Document()
        for line in lines:
            if not line.startswith("3.预防和控制儿童溺水"):
                draft.add_paragraph(line)
        buf = io.BytesIO()
        draft.save(buf)
        files = {"file": ("draft.docx", buf.getvalue(), "application/octet-stream")}
        assert client.post("/api/review", files=files).status_code == 401
        r = client.post("/api/review", files=files, headers={"X-API-Key": "k"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["draft"] is True
        assert [m for d in body["domains"] for m in d["missing_measures"] if "溺水" in m["title"]]
        assert len(client.get("/api/plans").json()["plans"]) == len(real_searcher.plans)
        # format sent as a form field beside the file and peers, as a form would: a Word report
        word = client.post("/api/review", files=files, data={"format": "docx"}, headers={"X-API-Key": "k"})
        assert word.status_code == 200 and word.content[:2] == b"PK", word.text[:200]
        bad = {"file": ("draft.docx", b"not a zip", "application/octet-stream")}
        assert client.post("/api/review", files=bad, headers={"X-API-Key": "k"}).status_code == 415


def test_a_draft_with_a_title_but_no_targets_or_measures_is_refused_not_reported_as_lacking_everything(
        real_searcher, real_settings):
    """A title line and a paragraph got a full report: every peer's measure 'missing' (15 in 儿童与健康 alone)."""
    from docx import Document

    from service.app import create_app

    draft = Document()
    draft.add_paragraph("某某县儿童发展规划")
    draft.add_paragraph("为促进儿童全面发展，制定本规划。")
    buf = io.BytesIO()
    draft.save(buf)
    app = create_app(settings=real_settings.model_copy(update={"api_key": "k"}), searcher=real_searcher)
    with TestClient(app) as client:
        r = client.post("/api/review", files={"file": ("draft.docx", buf.getvalue())}, headers={"X-API-Key": "k"})
    assert r.status_code == 400 and "无从对标" in r.json()["detail"], r.text


def test_cli_review_writes_a_word_report_that_reopens(real_settings, tmp_path, monkeypatch, capsys):
    from docx import Document

    from plansearch.cli import main

    monkeypatch.setenv("PLANSEARCH_INDEX_DIR", str(real_settings.index_dir))
    out = tmp_path / "r.docx"
    assert main(["review", "xiangning-children-2021", "--json", "--docx", str(out)]) == 0
    assert '"plan_id": "xiangning-children-2021"' in capsys.readouterr().out
    assert "对标分析" in Document(str(out)).paragraphs[0].text


def test_cli_review_of_a_file_that_is_not_there_says_so(real_settings, monkeypatch, capsys):
    """`review /nonexistent/file.docx` said 未知的规划 id '/nonexistent/file.docx', as if a plan id were mistyped."""
    from plansearch.cli import main

    monkeypatch.setenv("PLANSEARCH_INDEX_DIR", str(real_settings.index_dir))
    assert main(["review", "/nonexistent/draft.docx"]) != 0
    err = capsys.readouterr().err.strip()
    assert "no such file" in err and "\n" not in err and "Traceback" not in err


@pytest.mark.parametrize("peers,domain,error", [(["nope"], None, "PlanNotFound"), (None, "不存在的领域", "InvalidQuery")])
def test_an_unknown_peer_or_domain_is_refused_before_the_draft_is_embedded(fake_searcher, monkeypatch, tmp_path,
                                                                          peers, domain, error):
    """Both were refused only after the draft's passages were embedded: 12-13 s on a busy machine."""
    import plansearch.review as review

    draft = tmp_path / "draft.txt"
    shutil.copy(REPO_ROOT / "corpus" / "daqing-children-2021-2025.txt", draft)
    monkeypatch.setattr(review, "material_from_parsed", lambda *a: pytest.fail("embedded before the check"))
    with pytest.raises(Exception) as raised:
        Reviewer(fake_searcher).review_file(draft, peers, domain)
    assert type(raised.value).__name__ == error


def test_two_versions_of_a_plan_are_told_apart_and_one_is_no_peer_of_the_other(fake_settings, keyword_encoder,
                                                                               tmp_path):
    """乡宁's draft and its final text side by side: answers labelled both 乡宁县儿童规划 with different values, the
    final text's review compared it with its own draft, and every other review counted 乡宁 twice."""
    from plansearch.ask import Asker
    from plansearch.runtime import build, open_searcher
    from tests_support import copy_plans

    corpus = tmp_path / "versions"
    corpus.mkdir()
    copy_plans(corpus, ["daqing-children-2021", "xiangning-children-2021", "xinchengqu-children-2021"])
    draft = (corpus / "xiangning-children-2021-2025-draft.txt").read_text(encoding="utf-8")
    final = draft.replace("（征求意见稿）\n", "", 1).replace("小学生近视率降至38%以下", "小学生近视率降至34%以下")
    (corpus / "xiangning-final.txt").write_text(final, encoding="utf-8")
    build(fake_settings, encoder=keyword_encoder, corpus_dir=corpus)
    searcher = open_searcher(fake_settings, encoder=keyword_encoder)
    assert {p: m.status for p, m in searcher.plans.items() if "xiangning" in p} == {
        "xiangning-children-2021": "征求意见稿", "xiangning-final": "正式"}
    answer = Asker(searcher, searcher.settings).ask("各地小学生近视率目标")
    assert "乡宁县儿童规划（征求意见稿）：小学生近视率" in answer.answer and "38%" in answer.answer
    assert "乡宁县儿童规划（正式）：小学生近视率" in answer.answer and "34%" in answer.answer
    reviewer = Reviewer(searcher)
    assert "xiangning-children-2021" not in reviewer.review_indexed("xiangning-final").peers
    assert [p for p in reviewer.review_indexed("daqing-children-2021").peers if "xiangning" in p] == ["xiangning-final"]


def test_a_target_beyond_every_peers_is_reported_as_higher(real_searcher):
    """新星市's 婴儿死亡率 4‰以下 passes every peer's (the best 5.0‰以下): no review mode said where a plan asks more
    than its peers (a probe raised 疫苗接种率 98% → 99% and looked for it in vain)."""
    from plansearch.review_export import review_docx

    report = Reviewer(real_searcher).review_indexed("xinxing-children-2021")
    stronger = {w.indicator: w for d in report.domains for w in d.stronger_targets}
    infant = stronger["婴儿死亡率"]
    assert (infant.value, infant.best, infant.direction) == ("4‰以下", "5.0‰以下", "lower") and len(infant.peers) >= 2
    assert not {w.indicator for d in report.domains for w in d.weaker_targets} & set(stronger)
    import docx
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(review_docx(report))).paragraphs)
    assert "目标高于同类规划：婴儿死亡率 本规划 4‰以下" in text


def test_an_indicator_every_plan_writes_as_about_so_much_still_has_a_direction_from_its_name():
    """就业人员中女性比例达到30%左右 against peers' 45%左右 and 46%左右 was not flagged: 左右 with 达到 says neither way,
    so the indicator had no direction. A share of women rises; a death rate falls."""
    from plansearch.records import Indicator
    from plansearch.review_targets import indicator_directions

    def about(name: str, value: str) -> Indicator:
        return Indicator(name=name, name_as_written=name, value=value, number=float(value.rstrip("%左右‰")),
                         unit="%", direction="左右", plan_id="p")

    got = indicator_directions([about("就业人员中女性比例", "45%左右"), about("孕产妇死亡率", "10‰左右"),
                                about("儿童福利机构数", "3%左右")])
    assert got == {"就业人员中女性比例": 1, "孕产妇死亡率": -1}
