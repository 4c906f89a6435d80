"""The parser on every seed file, checked against counts made by hand from the plan texts."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from indexer.corpus import load_corpus, parse_corpus
from indexer.lines import read_lines
from plansearch.records import Kind

CORPUS = Path(__file__).resolve().parent.parent / "corpus"

# (targets, measures) per domain, counted by hand from the plan texts
HAND_COUNTS = {
    "xinchengqu-children-2021": {
        "儿童与健康": (13, 15), "儿童与安全": (10, 12), "儿童与教育": (9, 14), "儿童与福利": (11, 14),
        "儿童与家庭": (8, 9), "儿童与环境": (10, 12), "儿童与法律保护": (10, 15)},
    "daqing-children-2021": {
        "儿童与健康": (10, 16), "儿童与安全": (5, 12), "儿童与教育": (8, 13), "儿童与福利": (7, 14),
        "儿童与家庭": (5, 9), "儿童与环境": (6, 13), "儿童与法律保护": (5, 15)},
    "xiangning-children-2021": {
        "儿童与健康": (12, 14), "儿童与安全": (11, 12), "儿童与教育": (9, 13), "儿童与福利": (10, 15),
        "儿童与家庭": (6, 8), "儿童与环境": (10, 12), "儿童与法律保护": (11, 13)},
    "xinxing-children-2021": {
        "儿童与健康": (12, 15), "儿童与安全": (10, 12), "儿童与教育": (9, 14), "儿童与福利": (11, 14),
        "儿童与家庭": (8, 9), "儿童与环境": (9, 11), "儿童与法律保护": (10, 14)},
    "zengdu-women-2021": {
        "妇女与健康": (11, 11), "妇女与教育": (8, 9), "妇女与经济": (10, 10), "妇女参与决策和管理": (11, 8),
        "妇女与社会保障": (9, 11), "妇女与家庭建设": (8, 9), "妇女与环境": (11, 14), "妇女与法律": (10, 11)},
    "zengdu-children-2021": {
        "儿童与健康": (13, 14), "儿童与安全": (8, 11), "儿童与教育": (9, 13), "儿童与福利": (10, 12),
        "儿童与家庭": (8, 8), "儿童与环境": (9, 10), "儿童与法律保护": (10, 13)},
}
# numbered paragraphs of 组织实施 and 监测评估
HAND_IMPLEMENTATION = {
    "xinchengqu-children-2021": (11, 5), "daqing-children-2021": (11, 5), "xiangning-children-2021": (9, 5),
    "xinxing-children-2021": (11, 5), "zengdu-women-2021": (10, 5), "zengdu-children-2021": (10, 5),
}


@pytest.fixture(scope="module")
def plans():
    return {p.meta.id: p for p in parse_corpus(load_corpus(CORPUS))}


@pytest.fixture(scope="module")
def passages(plans):
    return {x.id: x for p in plans.values() for x in p.passages}


def test_corpus_holds_six_plans_in_five_files(plans):
    assert set(plans) == set(HAND_COUNTS)
    assert len({p.meta.source_file for p in plans.values()}) == 5


@pytest.mark.parametrize("plan_id", sorted(HAND_COUNTS))
def test_domains_targets_and_measures_match_hand_counts(plans, plan_id):
    plan = plans[plan_id]
    assert plan.domains == list(HAND_COUNTS[plan_id])
    found = {}
    for domain in plan.domains:
        in_domain = [x for x in plan.passages if x.domain == domain]
        found[domain] = (sum(x.kind is Kind.target for x in in_domain), sum(x.kind is Kind.measure for x in in_domain))
    assert found == HAND_COUNTS[plan_id]


@pytest.mark.parametrize("plan_id", sorted(HAND_IMPLEMENTATION))
def test_implementation_paragraphs_match_hand_counts(plans, plan_id):
    impl = [x for x in plans[plan_id].passages if x.kind is Kind.implementation]
    organise = [x for x in impl if "组织实施" in x.chapter]
    monitor = [x for x in impl if "监测评估" in x.chapter]
    assert (len(organise), len(monitor)) == HAND_IMPLEMENTATION[plan_id]
    assert [x.number for x in organise] == list(range(1, len(organise) + 1))


def test_overview_sections_are_passages(plans):
    overview = {x.title for x in plans["xinchengqu-children-2021"].passages if x.kind is Kind.overview}
    assert {"前言", "指导思想", "基本原则", "总体目标"} <= overview
    principles = next(x for x in plans["daqing-children-2021"].passages if x.title == "基本原则")
    assert principles.text.count("坚持") >= 5 and principles.source.line_start == 25


def test_daqing_targets_keep_their_sub_items_inside(passages):
    mortality = passages["daqing-children-2021-d1-t3"]
    assert mortality.title == "降低新生儿、婴儿和 5 岁以下儿童死亡率"
    assert mortality.text.count("——") == 3
    assert "婴儿死亡率控制在 5.5‰以下" in mortality.text      # original wording, spaces and all
    assert (mortality.source.line_start, mortality.source.line_end) == (69, 75)
    assert not any(x.text.startswith("——") for x in passages.values())


def test_measure_title_is_its_leading_sentence(passages):
    drowning = passages["xinchengqu-children-2021-d2-m3"]
    assert drowning.title == "预防和控制儿童溺水"
    assert drowning.domain == "儿童与安全" and drowning.kind is Kind.measure and drowning.number == 3
    assert drowning.text.startswith("预防和控制儿童溺水。加强看护")


def test_file_with_two_plans_yields_two_plans(plans):
    women, children = plans["zengdu-women-2021"], plans["zengdu-children-2021"]
    assert women.meta.source_file == children.meta.source_file
    assert women.meta.subject == "妇女" and children.meta.subject == "儿童"
    assert max(x.source.line_end for x in women.passages) < 422 <= min(x.source.line_start for x in children.passages)
    assert "妇女参与决策和管理" in women.domains and "儿童与安全" not in women.domains
    assert not any("曾政发" in x.text for x in women.passages)     # the covering notice is not a plan


def test_indicator_table_yields_no_domain_but_rows(plans):
    plan = plans["xinchengqu-children-2021"]
    assert len(plan.domains) == 7
    assert not any(x.source.line_start in range(24, 140) for x in plan.passages)
    rows = {r.indicator: r for r in plan.indicator_table}
    assert rows["婴儿死亡率"].value == "降至5.0‰以下" and rows["婴儿死亡率"].domain == "儿童与健康"
    assert rows["农村自来水普及率"].domain == "儿童与环境"
    assert len(plan.indicator_table) == 22


def test_no_passage_contains_artifacts(passages):
    for x in passages.values():
        assert "[bookmark" not in x.text, x.id
        assert not re.search(r"(^|\n)\s*- ", x.text), x.id
        assert "$" not in x.text and "\\geq" not in x.text, x.id


def test_latex_fragment_becomes_the_sign_it_stood_for(passages):
    assert "夜间达标率≥80%" in passages["zengdu-women-2021-d7-t6"].text


def test_no_sentence_is_cut_by_a_line_break(passages):
    for x in passages.values():
        for piece in x.text.split("\n"):
            assert piece.endswith(("。", "；", "：", "！", "？", "”", "）", ")")) or len(piece) < 4, (x.id, piece[-20:])


def test_sentences_broken_across_lines_are_joined(passages):
    broken = passages["daqing-children-2021-d1-m11"]        # lines 169 + 171
    assert "构建全媒体健康知识传播机制" in broken.text
    assert (broken.source.line_start, broken.source.line_end) == (169, 171)
    split_target = passages["xiangning-children-2021-d2-t3"]  # "以2020" / "年为基数下降20%。"
    assert "儿童伤害死亡率以2020年为基数下降20%。" in split_target.text


def test_bookmarked_and_full_width_numbered_items_are_found(passages):
    assert passages["xinxing-children-2021-d3-m9"].title == "保障特殊儿童群体受教育权利"   # [bookmark…][bookmark…]9.
    assert passages["xinxing-children-2021-d1-m15"].title == "加强儿童健康领域科研创新"      # 15．
    assert passages["zengdu-children-2021-d2-t2"].text.startswith("排查消除溺水隐患")       # "- 2." bullet


def test_item_whose_text_starts_with_a_digit(passages):
    anaemia = passages["xiangning-children-2021-d1-t5"]      # "5.5岁以下儿童贫血率…"
    assert anaemia.number == 5 and anaemia.text.startswith("5岁以下儿童贫血率")


def test_unnumbered_first_measure_gets_number_one(passages, plans):
    first = passages["xiangning-children-2021-d3-m1"]
    assert first.title == "全面贯彻党的教育方针"
    assert any("unnumbered" in w for w in plans["xiangning-children-2021"].warnings)


def test_plan_without_title_line_still_has_its_domains(plans):
    xinxing = plans["xinxing-children-2021"]
    assert xinxing.meta.title.startswith("第十三师新星市")
    assert len(xinxing.domains) == 7


def test_passage_ids_are_stable_and_unique(plans):
    again = {x.id: x.text for p in parse_corpus(load_corpus(CORPUS)) for x in p.passages}
    first = {x.id: x.text for p in plans.values() for x in p.passages}
    assert again == first
    assert len(first) == sum(len(p.passages) for p in plans.values())


def test_source_lines_point_at_the_text(plans):
    for plan in plans.values():
        lines = read_lines(CORPUS / plan.meta.source_file)
        for x in plan.passages[:40]:
            first_line = lines[x.source.line_start - 1].text
            assert x.text[:6] in first_line or (x.title and x.title[:4] in first_line), (x.id, first_line[:30])


def test_unlisted_plan_file_is_indexed_with_guessed_metadata(tmp_path):
    shutil.copy(CORPUS / "daqing-children-2021-2025.txt", tmp_path / "new-plan.txt")
    corpus = load_corpus(tmp_path)
    assert len(corpus.plans) == 1 and corpus.warnings
    meta = corpus.plans[0]
    assert meta.guessed and meta.short_name == "大庆市" and meta.subject == "儿童" and meta.period == "2021—2025"
    assert len(parse_corpus(corpus)[0].domains) == 7


def test_unlisted_file_with_two_plans_is_split(tmp_path):
    shutil.copy(CORPUS / "zengdu-women-and-children-2021-2030.txt", tmp_path / "zengdu.txt")
    corpus = load_corpus(tmp_path)
    subjects = [(m.subject, m.start_line) for m in corpus.plans]
    assert subjects == [("妇女", 13), ("儿童", 422)]
    women, children = parse_corpus(corpus)
    assert len(women.domains) == 8 and len(children.domains) == 7


@pytest.mark.parametrize("sign_off", ["大宁县人民政府办公室　　2022年3月15日印发",
                                      "大宁县人民政府办公室\n2022年3月15日",
                                      "大宁县人民政府\n二〇二二年三月十五日\n抄送：县委办公室，县人大常委会办公室。"])
def test_the_sign_off_under_a_plan_is_no_part_of_its_last_passage(tmp_path, sign_off):
    from indexer.corpus import parse_file
    from indexer.details import find_details

    source = Path(__file__).resolve().parent.parent / "corpus" / "xiangning-children-2021-2025-draft.txt"
    signed = tmp_path / "signed.txt"
    signed.write_text(source.read_text(encoding="utf-8").rstrip() + "\n\n" + sign_off + "\n", encoding="utf-8")
    before, after = parse_file(source)[0].passages, parse_file(signed)[0].passages
    assert [(p.kind, p.text) for p in after] == [(p.kind, p.text) for p in before]
    details = find_details(read_lines(signed))
    assert details.date == "2022-03-15" and details.issuer.startswith("大宁县人民政府")


def test_chapters_numbered_in_capital_numerals_are_chapters(tmp_path):
    """壹、 贰、 叁、 (Word's chineseLegalSimplified, as some offices number chapters): 叁、组织实施 was not taken as a
    chapter, so the implementation section ran into the last measure."""
    from indexer.corpus import parse_file as parse

    source = CORPUS / "daqing-children-2021-2025.txt"
    caps = dict(zip("一二三四五六七八九", "壹贰叁肆伍陆柒捌玖"))
    text = re.sub(r"(?m)^([一二三四五六七八九])、", lambda m: caps[m.group(1)] + "、", source.read_text(encoding="utf-8"))
    assert "叁、" in text
    (tmp_path / source.name).write_text(text, encoding="utf-8")
    shape = lambda plans: [(p.id, p.kind.value, p.domain, p.text) for plan in plans for p in plan.passages]  # noqa: E731
    assert shape(parse(tmp_path / source.name)) == shape(parse(source))
