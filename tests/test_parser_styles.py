"""The parser on plans written in other styles than the six bundled ones: other numbering, other block
names, domains as chapters, a 十四五 plan that is not a 儿童/妇女 plan, and the warnings for odd structure."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import render

from indexer.corpus import load_corpus, parse_corpus, parse_file
from indexer.lines import LineType, Style, classify, cn_to_int
from indexer.parse import parse_plan
from indexer.readers import ReaderError
from indexer.readers.txt import read_txt
from plansearch.records import Kind, ParsedPlan, PlanMeta

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
MEASURE = "加强组织领导，完善工作机制，落实部门责任，定期开展督导检查，确保各项工作落到实处。"


def parse(text: str, plan_id: str = "t") -> ParsedPlan:
    """Parse a plan written out as lines of text (blank lines allowed)."""
    raws = text.strip("\n").split("\n")
    lines = [classify(i, raw.strip()) for i, raw in enumerate(raws, start=1)]
    meta = PlanMeta(id=plan_id, title="测试规划", short_name="测试", subject="儿童", source_file=f"{plan_id}.txt")
    return parse_plan(meta, lines)


def by_id(plan: ParsedPlan) -> dict:
    return {x.id: x for x in plan.passages}


def kinds(plan: ParsedPlan, kind: Kind) -> list:
    return [x for x in plan.passages if x.kind is kind]


def six_plan_shape(target_marks: list[str], measure_marks: list[str]) -> str:
    """A plan shaped like the bundled ones, with the given item markers in domain (一)."""
    targets = "\n".join(f"{m}儿童{n}率达到{90 + n}%以上。" for n, m in enumerate(target_marks, start=1))
    measures = "\n".join(f"{m}措施标题{n}。{MEASURE}" for n, m in enumerate(measure_marks, start=1))
    return f"""
某某市儿童发展规划
一、指导思想、基本原则和总体目标
（一）指导思想
坚持以人民为中心的发展思想。
二、发展领域、主要目标和策略措施
（一）儿童与健康
主要目标：
{targets}
策略措施：
{measures}
三、组织实施
（一）坚持党的全面领导。{MEASURE}
（二）落实规划实施责任。{MEASURE}
"""


# -- numbering -------------------------------------------------------------------------------

@pytest.mark.parametrize("marks", [["1、", "2、", "3、"], ["（1）", "（2）", "（3）"], ["(1)", "(2)", "(3)"],
                                   ["①", "②", "③"], ["1．", "2．", "3．"]])
def test_items_numbered_in_any_common_style_are_targets_and_measures(marks):
    plan = parse(six_plan_shape(marks[:2], marks))
    assert plan.domains == ["儿童与健康"]
    targets, measures = kinds(plan, Kind.target), kinds(plan, Kind.measure)
    assert [x.id for x in targets] == ["t-d1-t1", "t-d1-t2"]
    assert [(x.number, x.title) for x in measures] == [(1, "措施标题1"), (2, "措施标题2"), (3, "措施标题3")]
    assert targets[1].text == "儿童2率达到92%以上。"          # the marker is not part of the text
    assert measures[2].section == ["二、发展领域、主要目标和策略措施", "（一）儿童与健康", "策略措施"]
    assert [x.id for x in kinds(plan, Kind.implementation)] == ["t-c3-p1", "t-c3-p2"]
    assert plan.warnings == []


def test_classifier_tells_numbering_styles_apart():
    cases = {"1、加强": (LineType.item, Style.num, 1), "（12）加强": (LineType.item, Style.pnum, 12),
             "⑤加强": (LineType.item, Style.circled, 5), "第二十一条 加强": (LineType.item, Style.article, 21),
             "第三章 主要任务": (LineType.chapter, Style.zhang, 3), "第二节 学前教育": (LineType.section, Style.jie, 2),
             "第四部分 保障措施": (LineType.chapter, Style.part, 4), "十一、监测评估": (LineType.chapter, Style.cn, 11)}
    for raw, (type_, style, value) in cases.items():
        line = classify(1, raw)
        assert (line.type, line.style, line.value) == (type_, style, value), raw


@pytest.mark.parametrize("raw", ["主要目标", "主要目标：", "主要目标:", "（一）主要目标", "(二)策略措施：", "1.主要目标",
                                 "2、发展目标", "主要任务：", "重点任务", "工作措施", "保障措施", "目标任务：", "工作目标",
                                 "支持措施：", "措施：", "（二）措施", "〔一〕主要目标", "任务："])
def test_block_headings_numbered_or_not_with_or_without_colon(raw):
    assert classify(1, raw).type is LineType.block


def test_chapter_named_like_a_block_stays_a_chapter():
    assert classify(1, "四、保障措施").type is LineType.chapter
    assert classify(1, "（三）总体目标").type is LineType.section


def test_deeper_numbering_stays_inside_its_item():
    plan = parse(f"""
一、发展领域、主要目标和策略措施
（一）儿童与健康
主要目标：
1.儿童健康水平提高。
策略措施：
1.加强儿童保健服务。{MEASURE}
（1）开展新生儿访视。
（2）开展儿童体检。
①每年一次。
2.加强儿童营养。{MEASURE}
""")
    measures = kinds(plan, Kind.measure)
    assert [x.number for x in measures] == [1, 2]
    assert "（2）开展儿童体检。" in measures[0].text and "①每年一次。" in measures[0].text
    assert plan.warnings == []


def test_inline_enumeration_is_one_passage():
    plan = parse(f"""
一、发展领域、主要目标和策略措施
（一）儿童与安全
主要目标：
1.儿童伤害死亡率下降。
策略措施：
1.预防儿童溺水。一是加强看护，二是排查隐患，三是开展游泳教育。
2.预防交通伤害。{MEASURE}
""")
    drowning = by_id(plan)["t-d1-m1"]
    assert drowning.title == "预防儿童溺水"
    assert "二是排查隐患，三是开展游泳教育。" in drowning.text
    assert len(kinds(plan, Kind.measure)) == 2


def test_articles_are_passages_numbered_across_chapters():
    plan = parse(f"""
某某县儿童发展规划
第一章 总则
第一条 为促进儿童全面发展，制定本规划。
第二条 本规划适用于全县。
第二章 主要目标
第三条 到2025年，婴儿死亡率降至5‰以下。
第四条 到2025年，学前教育毛入园率达到90%。
第三章 主要任务
第五条 加强儿童保健。{MEASURE}
第六条 发展学前教育。{MEASURE}
第四章 保障措施
第七条 加强组织领导。{MEASURE}
""")
    assert [(x.kind, x.number) for x in plan.passages if x.number] == [
        (Kind.target, 3), (Kind.target, 4), (Kind.measure, 5), (Kind.measure, 6), (Kind.implementation, 7)]
    overview = kinds(plan, Kind.overview)
    assert len(overview) == 1 and "第二条 本规划适用于全县。" in overview[0].text
    assert by_id(plan)["t-c3-m5"].section == ["第三章 主要任务"] and by_id(plan)["t-c3-m5"].title == "加强儿童保健"
    assert by_id(plan)["t-c4-p7"].chapter == "保障措施"
    assert plan.warnings == []       # 第三条 after 第二条 across chapters is no skip


# -- domains -----------------------------------------------------------------------------------

DOMAINS_AS_CHAPTERS = f"""
某某区儿童发展规划
一、儿童与健康
健康是儿童发展的基础。
（一）主要目标
1.婴儿死亡率降至5‰以下。
2.儿童近视率逐年下降。
（二）策略措施
1.加强儿童保健服务。{MEASURE}
2.加强儿童营养。{MEASURE}
二、儿童与安全
（一）主要目标
1.儿童伤害死亡率下降20%。
（二）策略措施
1.预防和控制儿童溺水。{MEASURE}
三、组织实施
（一）加强组织领导。{MEASURE}
"""


def test_domains_written_as_chapters():
    plan = parse(DOMAINS_AS_CHAPTERS)
    assert plan.domains == ["儿童与健康", "儿童与安全"]
    passages = by_id(plan)
    assert [x.id for x in plan.passages if x.domain == "儿童与健康"] == [
        "t-d1-intro", "t-d1-t1", "t-d1-t2", "t-d1-m1", "t-d1-m2"]
    assert passages["t-d1-intro"].kind is Kind.overview and passages["t-d1-intro"].text == "健康是儿童发展的基础。"
    drowning = passages["t-d2-m1"]
    assert drowning.title == "预防和控制儿童溺水" and drowning.domain == "儿童与安全"
    assert drowning.section == ["二、儿童与安全", "（二）策略措施"]
    assert passages["t-c3-p1"].kind is Kind.implementation
    assert plan.warnings == []


def test_domains_under_a_part_with_bare_blocks():
    plan = parse(f"""
第一部分 总体要求
坚持儿童优先发展。
第二部分 发展领域、主要目标和策略措施
一、儿童与教育
主要目标
1.学前教育毛入园率达到92%。
策略措施
1.推进学前教育普及普惠。{MEASURE}
二、儿童与福利
主要目标
1.孤儿保障水平提高。
策略措施
1.完善儿童福利制度。{MEASURE}
第三部分 组织实施
一、加强组织领导
各级政府要把儿童发展纳入议程。
""")
    assert plan.domains == ["儿童与教育", "儿童与福利"]
    passages = by_id(plan)
    assert passages["t-d2-m1"].section == ["第二部分 发展领域、主要目标和策略措施", "二、儿童与福利", "策略措施"]
    assert passages["t-d1-t1"].chapter == "发展领域、主要目标和策略措施"
    organise = passages["t-c3-p1"]
    assert organise.kind is Kind.implementation and organise.title == "加强组织领导"
    assert "纳入议程" in organise.text
    assert kinds(plan, Kind.overview)[0].text == "坚持儿童优先发展。"


def test_blocks_named_development_targets_and_main_tasks():
    plan = parse(f"""
一、发展领域、发展目标和主要任务
（一）妇女与健康
1.发展目标：
1.孕产妇死亡率降至12/10万以下。
2.宫颈癌筛查覆盖率达到80%。
2.主要任务：
1.完善妇女健康服务体系。{MEASURE}
（二）妇女与教育
（一）发展目标
1.女性平均受教育年限提高。
（二）重点任务
1.保障女童受教育权利。{MEASURE}
（三）工作措施
1.加强督导。{MEASURE}
""")
    assert plan.domains == ["妇女与健康", "妇女与教育"]
    counts = [(d, sum(x.kind is Kind.target for x in plan.passages if x.domain == d),
               sum(x.kind is Kind.measure for x in plan.passages if x.domain == d)) for d in plan.domains]
    assert counts == [("妇女与健康", 2, 1), ("妇女与教育", 1, 2)]
    assert by_id(plan)["t-d1-m1"].section[-1] == "2.主要任务"
    assert plan.warnings == []


# -- a plan that is not a 儿童/妇女 plan ------------------------------------------------------------

EDUCATION_PLAN = f"""
某某市“十四五”教育发展规划
第一章 发展基础
“十三五”期间，全市教育事业取得显著成就。
第二章 总体要求
第一节 指导思想
坚持立德树人根本任务。
第二节 发展目标
1.到2025年，学前教育毛入园率达到92%。
2.到2025年，高中阶段毛入学率达到95%。
第三章 主要任务
第一节 推进学前教育普及普惠
一、扩大普惠性资源
1.新建改扩建幼儿园。{MEASURE}
2.规范民办幼儿园。{MEASURE}
二、提高保教质量
1.完善教研制度。{MEASURE}
第二节 推动义务教育优质均衡
全面提升义务教育质量，办好每一所学校。
第四章 保障措施
第一节 加强党的领导
坚持党对教育工作的全面领导。
第二节 加大经费投入
确保财政教育支出只增不减。
"""


def test_education_plan_yields_targets_measures_and_their_heading_paths():
    plan = parse(EDUCATION_PLAN)
    passages = by_id(plan)
    assert plan.domains == ["推进学前教育普及普惠", "推动义务教育优质均衡"]
    assert [(x.number, x.section) for x in kinds(plan, Kind.target)] == [
        (1, ["第二章 总体要求", "第二节 发展目标"]), (2, ["第二章 总体要求", "第二节 发展目标"])]
    measures = kinds(plan, Kind.measure)
    assert [(x.id, x.title) for x in measures] == [
        ("t-d1-s1-m1", "新建改扩建幼儿园"), ("t-d1-s1-m2", "规范民办幼儿园"), ("t-d1-s2-m1", "完善教研制度"),
        ("t-d2-intro", "推动义务教育优质均衡")]
    assert passages["t-d1-s2-m1"].section == ["第三章 主要任务", "第一节 推进学前教育普及普惠", "二、提高保教质量"]
    assert passages["t-d1-s2-m1"].domain == "推进学前教育普及普惠"
    impl = kinds(plan, Kind.implementation)
    assert [(x.id, x.title) for x in impl] == [("t-c4-p1", "加强党的领导"), ("t-c4-p2", "加大经费投入")]
    overview = {x.title: x for x in kinds(plan, Kind.overview)}
    assert set(overview) == {"发展基础", "指导思想"}
    assert overview["指导思想"].section == ["第二章 总体要求", "第一节 指导思想"]
    assert plan.warnings == []


def test_education_plan_from_a_text_file(tmp_path):
    path = tmp_path / "education.txt"
    path.write_text(EDUCATION_PLAN.strip() + "\n", encoding="utf-8")
    [plan] = parse_file(path)
    assert len(kinds(plan, Kind.measure)) == 4 and len(kinds(plan, Kind.target)) == 2
    first = next(x for x in plan.passages if x.title == "新建改扩建幼儿园")
    assert first.source.line_start == 13       # title, 3 chapters/sections…, 一、扩大普惠性资源 on 12


# -- warnings ------------------------------------------------------------------------------------

def measures_numbered(numbers: list[int], body: str = MEASURE) -> str:
    items = "\n".join(f"{n}.措施{n}。{body}" for n in numbers)
    return f"""
一、发展领域、主要目标和策略措施
（一）儿童与健康
主要目标：
1.婴儿死亡率降至5‰以下。
策略措施：
{items}
"""


def test_warns_when_numbering_skips():
    plan = parse(measures_numbered([1, 3, 4]))
    assert [x.number for x in kinds(plan, Kind.measure)] == [1, 3, 4]
    assert len(plan.warnings) == 1
    assert "numbering skips from 1 to 3" in plan.warnings[0] and "策略措施" in plan.warnings[0]


def test_warns_when_numbering_restarts_inside_a_block():
    plan = parse(measures_numbered([1, 2, 1, 2]))
    assert len(plan.warnings) == 1 and "numbering restarts at 1 after 2" in plan.warnings[0]
    assert [x.id for x in kinds(plan, Kind.measure)] == ["t-d1-m1", "t-d1-m2", "t-d1-m1-2", "t-d1-m2-2"]


def test_numbering_restarting_in_the_next_block_is_no_warning():
    assert parse(DOMAINS_AS_CHAPTERS).warnings == []


def test_warns_about_an_item_over_3000_characters():
    plan = parse(measures_numbered([1, 2], body=MEASURE * 80))
    long = [w for w in plan.warnings if "characters" in w]
    assert len(long) == 2 and "t-d1-m1" in long[0] and "over 3000" in long[0]


def test_warns_when_a_plan_with_domains_has_no_targets():
    plan = parse(f"""
一、发展领域和策略措施
（一）儿童与健康
策略措施：
1.加强儿童保健。{MEASURE}
""")
    assert plan.domains == ["儿童与健康"] and len(kinds(plan, Kind.measure)) == 1
    assert plan.warnings == ["1 domains but no 主要目标 (targets) found"]


def test_warns_when_a_plan_has_no_recognisable_structure():
    plan = parse("关于做好儿童工作的意见\n各地要高度重视儿童工作。\n切实加强组织领导。")
    assert len(plan.passages) == 1 and plan.passages[0].kind is Kind.overview
    assert any("no recognisable structure" in w for w in plan.warnings)


# -- the bundled plans ---------------------------------------------------------------------------

def test_bundled_measure_has_its_heading_path():
    plans = parse_corpus(load_corpus(CORPUS))
    drowning = next(x for p in plans for x in p.passages if x.id == "daqing-children-2021-d2-m3")
    assert drowning.section == ["二、发展领域、主要目标和策略措施", "（二）儿童与安全", "策略措施"]
    assert all(x.section for p in plans for x in p.passages if x.kind is not Kind.overview)


def _summary(plan: ParsedPlan) -> list[tuple]:
    """Each passage's id within its plan, domain and kind."""
    return [(p.id.removeprefix(plan.meta.id), p.domain, p.kind.value) for p in plan.passages]


def test_traditional_characters_in_headings_do_not_hide_the_structure(tmp_path):
    """Leftover traditional characters (主要目標, 兒童與安全) in a heading: the block and the domain are read as
    in simplified text, the domain is named in simplified characters, the passages keep their wording."""
    source = CORPUS / "daqing-children-2021-2025.txt"
    text = source.read_text(encoding="utf-8")
    assert "主要目标：" in text and "（二）儿童与安全" in text
    mixed = tmp_path / "daqing-mixed.txt"
    mixed.write_text(text.replace("主要目标：", "主要目標：", 2).replace("（二）儿童与安全", "（二）兒童與安全", 1),
                     encoding="utf-8")
    want, got = parse_file(source)[0], parse_file(mixed)[0]
    assert _summary(got) == _summary(want)
    assert [p.text for p in got.passages] == [p.text for p in want.passages]
    assert "儿童与安全" in {p.domain for p in got.passages}


def test_a_plan_written_in_traditional_characters_keeps_its_structure_place_and_wording(tmp_path):
    import opencc

    source = CORPUS / "daqing-children-2021-2025.txt"
    traditional = tmp_path / "daqing-traditional.txt"
    traditional.write_text(opencc.OpenCC("s2t").convert(source.read_text(encoding="utf-8")), encoding="utf-8")
    want, got = parse_file(source)[0], parse_file(traditional)[0]
    assert _summary(got) == _summary(want)
    assert got.meta.city == want.meta.city == "大庆市"
    assert any("兒童" in p.text for p in got.passages)          # quoted as written


INDICATOR_TABLES = {     # header, and where each row's indicator, value and attribute stand
    "新城区 layout": (["发展领域", "主要目标", "2030年目标值", "目标属性"], 1, 2, 3),
    "no domain column": (["指标", "2025年目标", "属性"], 0, 1, 2),
    "number, baseline and target": (["序号", "领域", "指标名称", "2020年现状", "2025年目标", "指标属性"], 2, 4, 5),
}


@pytest.mark.parametrize("layout", sorted(INDICATOR_TABLES))
def test_indicator_tables_are_read_by_their_header_whatever_their_columns(layout, tmp_path):
    header, at_indicator, at_value, at_attribute = INDICATOR_TABLES[layout]
    rows = [("儿童与健康", "婴儿死亡率", "4.8‰", "5.5‰以下", "约束性"),
            ("", "儿童伤害死亡率", "—", "以2020年为基数下降15%", "预期性")]

    def cells(row: tuple) -> list[str]:
        domain, indicator, baseline, value, attribute = row
        by_header = {"序号": "1", "领域": domain, "发展领域": domain, "2020年现状": baseline}
        out = [by_header.get(h, "") for h in header]
        out[at_indicator], out[at_value], out[at_attribute] = indicator, value, attribute
        return out

    table = "\n\n".join("\n".join(f"\t{c}" for c in cells_) for cells_ in [header, *map(cells, rows)])
    plan = tmp_path / "plan.txt"
    plan.write_text(f"某某市儿童发展规划（2021—2025年）\n附表：主要指标\n{table}\n\n一、儿童与健康\n"
                    f"（一）主要目标。\n1.婴儿死亡率控制在5.5‰以下。\n（二）策略措施。\n1.加强管理。{MEASURE}\n",
                    encoding="utf-8")
    [parsed] = parse_file(plan)
    assert [(r.indicator, r.value, r.attribute) for r in parsed.indicator_table] == [
        ("婴儿死亡率", "5.5‰以下", "约束性"), ("儿童伤害死亡率", "以2020年为基数下降15%", "预期性")]
    if "领域" in header or "发展领域" in header:
        assert [r.domain for r in parsed.indicator_table] == ["儿童与健康", "儿童与健康"]


def test_an_annex_after_the_last_chapter_is_not_glued_to_its_last_passage(tmp_path):
    plan = tmp_path / "plan.txt"
    plan.write_text("某某市儿童发展规划（2021—2025年）\n一、儿童与健康\n（一）主要目标。\n1.婴儿死亡率控制在5.5‰以下。\n"
                    f"（二）策略措施。\n1.加强管理。{MEASURE}\n二、组织实施\n（一）加强组织领导。{MEASURE}\n"
                    "附表：某某市儿童发展主要指标\n\t指标\n\t2025年目标\n\n\t婴儿死亡率\n\t5.5‰以下\n\n",
                    encoding="utf-8")
    [parsed] = parse_file(plan)
    assert not any("附表" in p.text or "主要指标" in p.text for p in parsed.passages)
    assert parsed.passages[-1].text.endswith("确保各项工作落到实处。")
    assert [(r.indicator, r.value) for r in parsed.indicator_table] == [("婴儿死亡率", "5.5‰以下")]


def _one_line(stem: str, tmp_path: Path) -> Path:
    source = CORPUS / f"{stem}.txt"
    one_line = tmp_path / f"{stem}.txt"
    one_line.write_text("".join(line.strip() for line in source.read_text(encoding="utf-8").splitlines()),
                        encoding="utf-8")
    return one_line


def test_a_plan_whose_line_breaks_were_lost_parses_as_with_them(tmp_path):
    """The whole plan on one line (pasted from a web page, saved by a tool that dropped the breaks): cut where
    its title, headings and items began, it gives the same passages."""
    import re

    stem = "daqing-children-2021-2025"
    want, got = parse_file(CORPUS / f"{stem}.txt"), parse_file(_one_line(stem, tmp_path))
    assert [_summary(plan) for plan in got] == [_summary(plan) for plan in want]
    assert [[re.sub(r"\s", "", p.text) for p in plan.passages] for plan in got] == \
        [[re.sub(r"\s", "", p.text) for p in plan.passages] for plan in want]


@pytest.mark.parametrize("entry", ["{}……………………{}", "{}.............................{}", "{} {}", "{}\t{}"])
def test_a_typed_table_of_contents_is_neither_headings_nor_passages(tmp_path, entry):
    """目录 typed at the head of a plan (dot leaders or page numbers): before, its 一、 and （一） lines became the
    plan's chapters and domains, every domain number shifted and the 前言 passage was the word 目录."""
    source = (CORPUS / "daqing-children-2021-2025.txt").read_text(encoding="utf-8").splitlines()
    headings = [line.strip() for line in source
                if re.match(r"^\s*(?:[一二三四]、|（[一二三四五六七]）)", line) and len(line.strip()) <= 30][:12]
    contents = ["目　　录", ""] + [entry.format(h, 2 * n + 1) for n, h in enumerate(headings)]
    at = next(i for i, line in enumerate(source) if line.strip()) + 1
    path = tmp_path / "daqing.txt"
    path.write_text("\n".join(source[:at] + contents + source[at:]), encoding="utf-8")
    [want], [got] = parse_file(CORPUS / "daqing-children-2021-2025.txt"), parse_file(path)
    def seen(plan):
        return [(p.id.removeprefix(plan.meta.id), p.kind, p.domain, p.text) for p in plan.passages]
    assert seen(got) == seen(want)


def test_domains_written_as_zhang_chapters_with_jie_blocks_are_domains(tmp_path):
    """第二章 儿童与健康 / 第一节 主要目标 / 第二节 策略措施: every target and measure had no domain."""
    cn = "一二三四五六七八九十"
    out, chapter = [], 1
    for line in (CORPUS / "daqing-children-2021-2025.txt").read_text(encoding="utf-8").splitlines():
        text = line.strip()
        if text.startswith("二、发展领域"):
            continue
        if m := re.match(r"^（([一二三四五六七])）(儿童与.{2,4})。$", text):
            chapter += 1
            line = f"第{cn[chapter - 1]}章　{m.group(2)}"
        elif m := re.match(r"^[三四]、(.+)$", text):
            chapter += 1
            line = f"第{cn[chapter - 1]}章　{m.group(1)}"
        elif text.startswith("一、"):
            line = "第一章　" + text[2:]
        elif text in ("主要目标：", "策略措施："):
            line = ("第一节　" if text == "主要目标：" else "第二节　") + text[:-1]
        out.append(line)
    (tmp_path / "daqing.txt").write_text("\n".join(out), encoding="utf-8")
    [want], [got] = parse_file(CORPUS / "daqing-children-2021-2025.txt"), parse_file(tmp_path / "daqing.txt")
    assert not [w for w in got.warnings if "unrecognised" in w]
    assert got.domains == want.domains
    assert [(p.kind, p.domain, p.text) for p in got.passages if p.domain] == \
        [(p.kind, p.domain, p.text) for p in want.passages if p.domain]


def _local(passage) -> str:
    """A passage's id within its plan (d1-t1), whatever the file is called."""
    return passage.id.removeprefix(passage.plan_id)


def _daqing_rewritten(tmp_path: Path, rewrite) -> tuple[ParsedPlan, ParsedPlan]:
    source = (CORPUS / "daqing-children-2021-2025.txt").read_text(encoding="utf-8")
    (tmp_path / "daqing.txt").write_text("\n".join(rewrite(line) for line in source.splitlines()), encoding="utf-8")
    [want], [got] = parse_file(CORPUS / "daqing-children-2021-2025.txt"), parse_file(tmp_path / "daqing.txt")
    return want, got


@pytest.mark.parametrize("targets,measures", [("目标任务：", "策略措施："), ("工作目标：", "策略措施："),
                                              ("主要目标：", "支持措施："), ("主要目标：", "措施：")])
def test_blocks_named_in_other_common_words(tmp_path, targets, measures):
    """目标任务 / 工作目标 gave no target at all (folded into the domain's overview); 支持措施 / 措施 made every
    measure a target, and its numbers junk indicators."""
    want, got = _daqing_rewritten(
        tmp_path, lambda line: {"主要目标：": targets, "策略措施：": measures}.get(line.strip(), line))
    assert [(_local(p), p.kind, p.text) for p in got.passages] == [(_local(p), p.kind, p.text) for p in want.passages]


def test_sections_in_lenticular_brackets(tmp_path):
    """〔一〕儿童与健康: the whole plan collapsed into one domain named after its chapter, with no warning."""
    want, got = _daqing_rewritten(tmp_path, lambda line: re.sub(r"^（([一二三四五六七八九十]+)）", r"〔\1〕", line))
    assert [(_local(p), p.kind, p.domain, p.text) for p in got.passages] == \
        [(_local(p), p.kind, p.domain, p.text) for p in want.passages]


@pytest.mark.parametrize("bullet", ["●", "■", "·", "-", "——", "{})"])
def test_measures_written_as_bullets_are_one_passage_each(tmp_path, bullet):
    """A block whose measures are bullets (● 优先保障儿童健康。…) or 1）: all of a domain's measures were one passage
    of up to 3,300 characters. A —— under a numbered target stays part of it."""
    in_measures = False

    def rewrite(line: str) -> str:
        nonlocal in_measures
        if line.strip() in ("主要目标：", "策略措施："):
            in_measures = line.strip() == "策略措施："
        elif re.match(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)", line):
            in_measures = False
        elif in_measures and (m := re.match(r"^(\d{1,2})\.", line)):
            return bullet.format(m.group(1)) + line[m.end():]
        return line
    want, got = _daqing_rewritten(tmp_path, rewrite)
    assert [(_local(p), p.kind, p.domain, p.text) for p in got.passages] == \
        [(_local(p), p.kind, p.domain, p.text) for p in want.passages]


def test_headings_numbered_the_decimal_way(tmp_path):
    """1 指导思想… / 1.1 指导思想 / 2.1 儿童与健康 / 2.1.1 主要目标 (GB/T 1.1 numbering): the whole plan was one overview
    passage of 29,000 characters, with no warning."""
    cn = "一二三四五六七八九十"
    chapter, section = 0, 0

    def rewrite(line: str) -> str:
        nonlocal chapter, section
        text = line.strip()
        if m := re.match(rf"^([{cn}])、(.+)$", text):
            chapter, section = cn_to_int(m.group(1)), 0
            return f"{chapter} {m.group(2)}"
        if m := re.match(rf"^[（(]([{cn}]+)[)）]\s*(.+)$", text):
            section = cn_to_int(m.group(1))
            return f"{chapter}.{section} {m.group(2)}"
        if text in ("主要目标：", "策略措施："):
            return f"{chapter}.{section}.{1 if text == '主要目标：' else 2} {text[:-1]}"
        return line
    want, got = _daqing_rewritten(tmp_path, rewrite)
    assert [(_local(p), p.kind, p.domain, p.text) for p in got.passages] == \
        [(_local(p), p.kind, p.domain, p.text) for p in want.passages]


def test_page_numbers_and_running_headers_copied_from_a_print_leave_the_text(tmp_path):
    """Text copied from a PDF keeps — 2 — and the running header between the two halves of a sentence: 26
    passages carried them. They go; the sentence joins again; table cells and other numbers stay."""
    pages = iter(range(2, 1000))

    def rewrite(line: str) -> str:
        if len(line) > 120 and next(counter) % 4 == 0 and "，" in line:
            cut = line.index("，") + 1
            return f"{line[:cut]}\n\n— {next(pages)} —\n\n大庆市儿童发展规划（2021-2025年）\n\n{line[cut:]}"
        return line
    counter = iter(range(10_000))
    want, got = _daqing_rewritten(tmp_path, rewrite)
    assert next(pages) > 20
    assert [(_local(p), p.kind, p.text) for p in got.passages] == [(_local(p), p.kind, p.text) for p in want.passages]


@pytest.mark.parametrize("encoding,bom", [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff")])
def test_a_utf16_text_with_or_without_its_bom_is_read(tmp_path, encoding, bom):
    """Notepad's "Unicode" saves UTF-16 with a byte-order mark, which says the encoding unambiguously; such a file
    was refused as "not UTF-8 or GB18030 text". Without the mark (other tools' UTF-16) it was refused too: it is
    read when no other encoding reads its bytes and its line ends and text are UTF-16's. Bytes no encoding reads
    are still refused in one line."""
    source = (CORPUS / "daqing-children-2021-2025.txt").read_text(encoding="utf-8")
    want = parse_file(CORPUS / "daqing-children-2021-2025.txt")[0]
    for name, data in (("bom.txt", bom + source.encode(encoding)), ("nobom.txt", source.encode(encoding))):
        (tmp_path / name).write_bytes(data)
        [got] = parse_file(tmp_path / name)
        assert [(_local(p), p.kind, p.text) for p in got.passages] == \
            [(_local(p), p.kind, p.text) for p in want.passages]
    (tmp_path / "noise.txt").write_bytes(bytes(range(128, 256)) * 40)
    with pytest.raises(ReaderError, match="not UTF-8, GB18030 or Big5"):
        parse_file(tmp_path / "noise.txt")


def test_a_big5_text_from_a_traditional_character_windows_is_read_and_gb18030_stays_gb18030(tmp_path):
    """Notepad's "ANSI" on a traditional-character Windows is Big5, and GB18030 decodes those bytes into other
    characters without an error: the plan came out as one overview passage of nonsense. Big5 is taken when it
    reads far more like Chinese; each bundled plan saved as GB18030 is still read as GB18030."""
    import opencc

    traditional = opencc.OpenCC("s2tw").convert((CORPUS / "daqing-children-2021-2025.txt").read_text(encoding="utf-8"))
    data = traditional.encode("cp950", errors="replace")        # ‰ and a few others have no Big5 code
    (tmp_path / "big5.txt").write_bytes(data)
    (tmp_path / "utf8.txt").write_text(data.decode("cp950"), encoding="utf-8")
    [want], [got] = parse_file(tmp_path / "utf8.txt"), parse_file(tmp_path / "big5.txt")
    assert len(got.passages) == len(want.passages) > 100
    assert [(_local(p), p.kind, p.text) for p in got.passages] == [(_local(p), p.kind, p.text) for p in want.passages]
    for source in sorted(CORPUS.glob("*.txt")):
        (tmp_path / "gb.txt").write_bytes(source.read_text(encoding="utf-8").encode("gb18030"))
        assert read_txt(tmp_path / "gb.txt").lines == read_txt(source).lines, source.name


def test_annexes_after_the_plan_are_overview_not_measures_or_domains(tmp_path):
    """附件：1.…重点任务分工 / 2.…主要指标, then 附件1 with its tasks grouped under 一、儿童与健康: the list's second line
    became a measure without a domain, and each annex heading an unrecognised chapter."""
    source = (CORPUS / "daqing-children-2021-2025.txt").read_text(encoding="utf-8")
    annex = ("附件：1.大庆市儿童发展规划（2021-2025年）重点任务分工\n2.大庆市儿童发展规划（2021-2025年）主要指标\n"
             "附件1\n大庆市儿童发展规划（2021-2025年）重点任务分工\n一、儿童与健康\n"
             "1.优先保障儿童健康。牵头单位：市卫生健康委；配合单位：市财政局。\n二、儿童与安全\n"
             "1.加强未成年人网络保护。牵头单位：市委网信办。\n")
    (tmp_path / "dq.txt").write_text(source + "\n" + annex, encoding="utf-8")
    [want], [got] = parse_file(CORPUS / "daqing-children-2021-2025.txt"), parse_file(tmp_path / "dq.txt")
    assert got.domains == want.domains and not got.warnings
    assert [(_local(p), p.kind, p.text) for p in got.passages if p.kind is not Kind.overview] == \
        [(_local(p), p.kind, p.text) for p in want.passages if p.kind is not Kind.overview]
    annexed = [p for p in got.passages if "牵头单位" in p.text]
    assert annexed and all(p.kind is Kind.overview and p.domain is None for p in annexed)


def _squeezed(plan: ParsedPlan) -> list[tuple]:
    """Each passage as a reader sees it, spaces aside (a wrap may fall on the space of "5 岁")."""
    return [(_local(p), p.kind, p.domain, re.sub(r"\s", "", p.text)) for p in plan.passages]


def _wrap(line: str, width: int = 28) -> str:
    return "\n".join(line[i:i + width] for i in range(0, len(line), width)) if line.strip() else line


@pytest.mark.parametrize("stem", ["daqing-children-2021-2025", "xiangning-children-2021-2025-draft"])
def test_a_text_hard_wrapped_as_pasted_from_a_pdf_parses_as_the_plan(tmp_path, stem):
    """Every line cut at 28 characters: a cut line "5.3‰和6.5‰以下…" read as heading 5.3 (the health domain lost 9
    targets and every measure), "…全社会共同参与的规划" as the plan's title (its period and status lost)."""
    source = CORPUS / f"{stem}.txt"
    (tmp_path / "wrapped.txt").write_text("\n".join(_wrap(ln) for ln in source.read_text(encoding="utf-8").splitlines()),
                                          encoding="utf-8")
    [want], [got] = parse_file(source), parse_file(tmp_path / "wrapped.txt")
    assert (got.meta.title, got.meta.period, got.meta.status, got.domains) == \
        (want.meta.title, want.meta.period, want.meta.status, want.domains)
    assert _squeezed(got) == _squeezed(want)


def test_a_word_file_with_manual_breaks_inside_sentences_headings_and_title_parses_as_the_plan(tmp_path):
    """Shift+Enter every 28 characters, also inside the title (乡宁县儿童发展⏎“十四五”规划) and the domain headings
    (（四）儿童与⏎福利): the title kept its second half and every domain was named 儿童与."""
    from docx import Document as new_docx
    from docx.enum.text import WD_BREAK

    source = CORPUS / "xiangning-children-2021-2025-draft.txt"
    doc = new_docx()
    for line in source.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        cut = 7 if line.endswith("规划") else line.index("与") + 1 if re.match(r"^（[一二三四五六七]）儿童与", line) else 28
        paragraph = doc.add_paragraph(line[:cut])
        for i in range(cut, len(line), 28):
            paragraph.add_run().add_break(WD_BREAK.LINE)
            paragraph.add_run(line[i:i + 28])
    doc.save(tmp_path / "breaks.docx")
    [want], [got] = parse_file(source), parse_file(tmp_path / "breaks.docx")
    assert (got.meta.title, got.domains) == (want.meta.title, want.domains)
    assert _squeezed(got) == _squeezed(want)


@pytest.mark.parametrize("rewrite", [
    lambda text: re.sub(r"^(主要目标|策略措施)：$", r"【\1】", text, flags=re.M),
    lambda text: re.sub(r"^(主要目标|策略措施)：\n+", r"\1：", text, flags=re.M),
], ids=["in-lenticular-brackets", "first-item-on-the-block-line"])
def test_block_headings_in_brackets_or_with_their_first_item_keep_every_target_and_measure(tmp_path, rewrite):
    """【主要目标】, and 主要目标：1.覆盖城乡… on one line: every target and measure was folded into the domain's
    overview, with only a warning."""
    source = CORPUS / "daqing-children-2021-2025.txt"
    (tmp_path / "dq.txt").write_text(rewrite(source.read_text(encoding="utf-8")), encoding="utf-8")
    [want], [got] = parse_file(source), parse_file(tmp_path / "dq.txt")
    assert [(_local(p), p.kind, p.domain, p.text) for p in got.passages if p.kind is not Kind.overview] == \
        [(_local(p), p.kind, p.domain, p.text) for p in want.passages if p.kind is not Kind.overview]
    assert len([p for p in got.passages if p.kind is Kind.target]) > 40


def test_targets_that_begin_with_a_number_are_no_decimal_headings(tmp_path):
    """5.5岁以下儿童贫血率… and 7.3岁以下儿童系统管理率… (targets 5 and 7, their text beginning with a digit): two short
    lines read as headings 5.5 and 7.3, so the plan was numbered the decimal way; two targets became domains and
    every later passage moved."""
    source = CORPUS / "xiangning-children-2021-2025-draft.txt"
    text = source.read_text(encoding="utf-8")
    text = re.sub(r"^5\.5岁以下儿童贫血率(.*?)以下，.*$", r"5.5岁以下儿童贫血率\1以下。", text, count=1, flags=re.M)
    text = re.sub(r"^7\.促进儿童早期发展服务供给.*$", "7.3岁以下儿童系统管理率保持在90%以上。", text, count=1, flags=re.M)
    (tmp_path / "xn.txt").write_text(text, encoding="utf-8")
    [want], [got] = parse_file(source), parse_file(tmp_path / "xn.txt")
    assert got.domains == want.domains
    assert [(_local(p), p.kind, p.domain) for p in got.passages] == [(_local(p), p.kind, p.domain) for p in want.passages]


def test_kangxi_radicals_a_pdf_font_maps_its_glyphs_to_read_as_the_ideographs_they_show(tmp_path):
    """Text taken from some PDFs spells 一 儿 大 人 女 生 目 with Kangxi radicals (U+2F00 …), which look the same: the
    region was lost (黑龙江省 only), the title kept the radicals and 48 passages went (一、 was no chapter)."""
    radicals = {"一": "\u2f00", "儿": "\u2f09", "人": "\u2f08", "大": "\u2f24", "女": "\u2f25", "生": "\u2f63",
                "目": "\u2f6c", "心": "\u2f3c"}
    source = CORPUS / "daqing-children-2021-2025.txt"
    text = source.read_text(encoding="utf-8")
    (tmp_path / "radicals.txt").write_text("".join(radicals.get(c, c) for c in text), encoding="utf-8")
    [want], [got] = parse_file(source), parse_file(tmp_path / "radicals.txt")
    assert (got.meta.title, got.meta.region) == (want.meta.title, want.meta.region)
    assert [(_local(p), p.kind, p.domain, p.text) for p in got.passages] == \
        [(_local(p), p.kind, p.domain, p.text) for p in want.passages]


def test_a_title_wrapped_as_a_pdf_wraps_a_centred_title_still_starts_its_plan(tmp_path):
    """A 汇编 printed each plan's title centred in a large size, wrapped by the page (第十三师新星市儿童发展规划（2021—
    ⏎2030年）; 乡宁县儿童发展“十四五”规划（征求⏎意见稿）（2021—2025年）): neither piece read as a title, so the
    second plan's 178 passages went into the first, and a lone plan took its period from the 纲要 it cites."""
    daqing = (CORPUS / "daqing-children-2021-2025.txt").read_text(encoding="utf-8")
    xinxing = (CORPUS / "xinxing-13th-division-children-2021-2030.txt").read_text(encoding="utf-8")
    (tmp_path / "bundle.txt").write_text(daqing + "\n\n第十三师新星市儿童发展规划（2021—\n2030年）\n\n" + xinxing,
                                         encoding="utf-8")
    plans = parse_file(tmp_path / "bundle.txt")
    assert [(p.meta.title, p.meta.period) for p in plans] == [
        ("大庆市儿童发展规划（2021-2025年）", "2021—2025"), ("第十三师新星市儿童发展规划（2021—2030年）", "2021—2030")]
    assert len(plans[1].passages) > 150
    xiangning = (CORPUS / "xiangning-children-2021-2025-draft.txt").read_text(encoding="utf-8").replace(
        " 乡宁县儿童发展“十四五”规划\n（征求意见稿）", "乡宁县儿童发展“十四五”规划（征求\n意见稿）（2021—2025年）", 1)
    (tmp_path / "xiangning.txt").write_text(xiangning, encoding="utf-8")
    [plan] = parse_file(tmp_path / "xiangning.txt")
    assert (plan.meta.title, plan.meta.period, plan.meta.status) == \
        ("乡宁县儿童发展“十四五”规划（征求意见稿）（2021—2025年）", "2021—2025", "征求意见稿")


def test_headings_wrapped_in_a_narrow_column_are_one_heading_again(tmp_path):
    """In a two-column print a chapter heading wraps: 一、指导思想、基本原则和总⏎体目标, then （一）指导思想. The piece
    became an overview passage of its own, 体目标, and the chapter's name was cut."""
    want, got = _daqing_rewritten(tmp_path, lambda line: {
        "一、指导思想、基本原则和总体目标": "一、指导思想、基本原则和总\n体目标",
        "二、发展领域、主要目标和策略措施": "二、发展领域、主要目标\n和策略措施"}.get(line.strip(), line))
    assert [(_local(p), p.kind, p.chapter, p.text) for p in got.passages] == \
        [(_local(p), p.kind, p.chapter, p.text) for p in want.passages]


def test_a_cover_page_and_a_table_of_contents_are_no_plan_and_no_part_of_the_title(tmp_path):
    """A cover (title, office, 二〇二一年十二月) and a table of contents with leader dots before the plan: the
    contents' 一、 made the cover's title a plan of its own (one overview passage), and with no contents the month
    was read as the head of the title under it (二〇二一年十二月大庆市儿童发展规划…)."""
    source = CORPUS / "daqing-children-2021-2025.txt"
    [plain] = parse_file(source)
    body = source.read_text(encoding="utf-8")
    front = [line for line in render.COVER_AND_CONTENTS if line != render.PAGE_BREAK]
    # …and 目录 with its entries left out (Word keeps them in a field): it was read as the head of the title
    for name, front in (("covered", front), ("cover-only", front[:4]), ("contents-heading", front[:5])):
        path = tmp_path / f"{name}.txt"
        path.write_text("\n".join(front) + "\n" + body, encoding="utf-8")
        [plan] = parse_file(path)
        assert plan.meta.title == plain.meta.title == "大庆市儿童发展规划（2021-2025年）", name
        assert [(p.kind, p.text) for p in plan.passages] == [(p.kind, p.text) for p in plain.passages], name


def test_a_box_of_key_projects_is_a_passage_of_its_own_and_leaves_the_measures_numbering_alone(tmp_path):
    """专栏1 儿童安全重点工程 with its own projects 1. 2. after measure 3: the box's heading ended measure 3, and its
    projects became two more measures 1 and 2 of the block (ids …-m1-2, …-m2-2)."""
    source = (CORPUS / "xinchengqu-children-2021-2030.txt").read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(source) if line.startswith("3.预防和控制儿童溺水")) + 1
    box = ["专栏1  儿童安全重点工程", "1.防溺水安全教育行动：每学期开展防溺水专题教育不少于2次。",
           "2.安全座椅推广行动：新城区儿童安全座椅使用率逐年提高。"]
    path = tmp_path / "xinchengqu.txt"
    path.write_text("\n".join(source[:at] + box + source[at:]), encoding="utf-8")
    [want], [got] = parse_file(CORPUS / "xinchengqu-children-2021-2030.txt"), parse_file(path)
    def seen(plan):
        return [(p.id.removeprefix(plan.meta.id), p.kind, p.number, p.text) for p in plan.passages]
    added = [p for p in seen(got) if p not in seen(want)]
    assert [p[:3] for p in added] == [("-d2-box1", Kind.measure, None)]
    assert added[0][3].endswith("安全座椅使用率逐年提高。") and "防溺水安全教育行动" in added[0][3]
    assert [p for p in seen(got) if p != added[0]] == seen(want)


@pytest.mark.parametrize("after,mark", [("策略措施：", "."), ("1.优先保障儿童健康", "．")])
def test_a_box_at_the_start_of_a_block_or_marked_otherwise_keeps_the_blocks_measures(tmp_path, after, mark):
    """A 专栏 right under 策略措施： swallowed every measure of the block (16 measures in one 3,113-character box
    passage): with no measure yet, nothing closed it. Now the block's numbering starting again after the box's
    projects closes it. After measure 1, a box whose projects are numbered 1． 2． took measure 2 (the block's
    2. followed its 2．); a project typed with another mark than the measures' is the box's."""
    source = (CORPUS / "daqing-children-2021-2025.txt").read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(source) if line.startswith(after)) + 1
    box = ["专栏1  儿童健康重点项目", f"1{mark}出生缺陷综合防治项目：实施免费孕前优生健康检查。",
           f"2{mark}儿童早期发展示范基地建设项目。"]
    path = tmp_path / "daqing.txt"
    path.write_text("\n".join(source[:at] + box + source[at:]), encoding="utf-8")
    [want], [got] = parse_file(CORPUS / "daqing-children-2021-2025.txt"), parse_file(path)

    def seen(plan):
        return [(p.id.removeprefix(plan.meta.id), p.kind, p.number, p.text) for p in plan.passages]
    added = [p for p in seen(got) if p not in seen(want)]
    assert [p[:3] for p in added] == [("-d1-box1", Kind.measure, None)]
    assert added[0][3].endswith("示范基地建设项目。") and "出生缺陷综合防治项目" in added[0][3]
    assert [p for p in seen(got) if p != added[0]] == seen(want)


def test_a_contents_heading_left_without_its_entries_is_no_text_of_the_plan(tmp_path):
    """A Word file's table of contents is a field whose entries the reader leaves out; its 目  录 heading stayed and
    became the first words of the preface."""
    want, got = _daqing_rewritten(tmp_path, lambda line: line + "\n目  录\n" if line.startswith("大庆市儿童发展规划") else line)
    assert [(_local(p), p.kind, p.text) for p in got.passages] == [(_local(p), p.kind, p.text) for p in want.passages]


@pytest.mark.parametrize("mark", ["．", "\u3000", " "])
def test_chapters_numbered_with_a_dot_or_a_space_for_the_comma(tmp_path, mark):
    """一．指导思想… or 一　指导思想…: the chapter heading was glued to the passage before it, and chapters 三 and 四
    (16 implementation passages) ran into the last measure, 3,138 characters long."""
    want, got = _daqing_rewritten(tmp_path, lambda line: re.sub(r"^([一二三四五六七八九十]{1,2})、", rf"\g<1>{mark}", line))
    assert [(_local(p), p.kind, p.text) for p in got.passages] == [(_local(p), p.kind, p.text) for p in want.passages]


def test_a_print_record_with_its_subject_words_and_print_run_is_no_part_of_the_last_passage(tmp_path):
    """The 版记 under a 红头 document: a 主题词： line and a closing （共印200份） kept the 抄送 and 印发 lines in the
    plan's last passage (a plain 抄送 / 印发 block was already left out)."""
    source = (CORPUS / "daqing-children-2021-2025.txt").read_text(encoding="utf-8")
    record = "\n\n主题词：妇女儿童　规划　通知\n抄送：市委各部门，市人大常委会办公室。\n大庆市人民政府办公室　　2022年1月5日印发\n（共印200份）\n"
    (tmp_path / "daqing.txt").write_text(source.rstrip("\n") + record, encoding="utf-8")
    [want], [got] = parse_file(CORPUS / "daqing-children-2021-2025.txt"), parse_file(tmp_path / "daqing.txt")
    assert [(_local(p), p.kind, p.text) for p in got.passages] == [(_local(p), p.kind, p.text) for p in want.passages]
    assert got.meta.date == "2022-01-05"


def test_a_policy_documents_title_and_its_goals_run_in_under_their_heading(tmp_path):
    """寿光市人民政府办公室关于加强儿童青少年近视防控工作的实施意见 was given the made-up title 寿光市儿童发展规划, and its
    goals, written （二）工作目标。到2025年，… under 一、总体要求, were an overview passage: no target, no indicator,
    and ask said the plan sets no 小学生近视率."""
    from indexer.targets import extract_indicators

    text = "\n".join([
        "寿光市人民政府办公室关于加强儿童青少年近视防控工作的实施意见",
        "寿政办发〔2021〕15号",
        "各镇人民政府（街道办事处），市政府各部门、单位：",
        "为切实加强全市儿童青少年近视防控工作，经市政府同意，提出如下实施意见。",
        "一、总体要求",
        "（一）指导思想。以习近平新时代中国特色社会主义思想为指导，把儿童青少年视力健康作为全面发展的重要内容。",
        "（二）工作目标。到2025年，小学生近视率下降到36%以下，初中生近视率下降到58%以下。到2030年，小学生近视率下降到33%以下。",
        "二、重点任务",
        "（一）强化学校主体责任",
        "1.减轻学生学业负担。严格控制书面作业总量。",
        "2.改善视觉环境。每学期对学生课桌椅高度进行个性化调整。",
    ])
    (tmp_path / "shouguang.txt").write_text(text + "\n", encoding="utf-8")
    [plan] = parse_file(tmp_path / "shouguang.txt")
    assert plan.meta.title == "寿光市人民政府办公室关于加强儿童青少年近视防控工作的实施意见"
    kinds = {p.id.removeprefix("shouguang-"): p.kind.value for p in plan.passages}
    assert kinds["c1-t2"] == "target" and kinds["d1-m1"] == "measure"
    assert not any(w.startswith("line") for w in plan.warnings)
    assert sorted((i.name, i.value, i.year) for i in extract_indicators(plan)) == [
        ("初中生近视率", "58%以下", 2025), ("小学生近视率", "33%以下", 2030), ("小学生近视率", "36%以下", 2025)]


def test_a_box_among_the_tasks_of_a_sectoral_plans_section_is_a_passage_of_its_own(tmp_path):
    """In a 十四五 sectoral plan the tasks are numbered 一、二、 under 第一节, with no 策略措施 block: a 专栏 after task 二
    was glued to it, its projects cited under the task's title."""
    text = "\n".join([
        "灵石县卫生健康事业发展“十四五”规划",
        "第一章 发展基础",
        "“十三五”期间，全县居民主要健康指标持续向好。",
        "第二章 主要任务",
        "第一节 提升公共卫生服务能力",
        "一、完善疾病预防控制体系。改革完善县疾病预防控制中心。",
        "二、强化妇幼健康服务。加强县妇幼保健院建设。",
        "专栏1　妇幼健康促进工程",
        "（1）出生缺陷综合防治项目：孕前优生健康检查目标人群覆盖率达到80%以上。",
        "（2）儿童早期发展项目：建设儿童早期发展示范基地1个。",
        "三、发展普惠托育服务。支持社会力量举办托育机构。",
        "第三章 保障措施",
        "一、加强组织领导。将卫生健康事业发展纳入政府目标责任考核。",
    ])
    (tmp_path / "lingshi.txt").write_text(text + "\n", encoding="utf-8")
    [plan] = parse_file(tmp_path / "lingshi.txt")
    texts = {p.id.removeprefix("lingshi-"): p.text for p in plan.passages}
    assert texts["d1-m2"] == "强化妇幼健康服务。加强县妇幼保健院建设。"
    assert texts["d1-box1"].startswith("专栏1") and "儿童早期发展项目" in texts["d1-box1"]
    assert texts["d1-m3"] == "发展普惠托育服务。支持社会力量举办托育机构。"


def test_a_domains_numbered_items_with_no_block_line_over_them_are_its_measures(tmp_path):
    """A plan whose domain headings are followed directly by numbered measures (no 主要目标： / 策略措施： line) gave
    no measure: each domain's measures were glued into one overview passage, and ask left the plan out."""
    text = "\n".join([
        "襄汾县儿童发展规划（2021—2025年）",
        "一、指导思想",
        "坚持儿童优先发展。",
        "二、发展领域、主要目标和策略措施",
        "（一）儿童与健康",
        "1.优先保障儿童健康。将儿童健康主要指标纳入目标责任考核。",
        "2.加强儿童保健服务。完善儿童保健服务网络。",
        "（二）儿童与安全",
        "1.预防和控制儿童溺水。加强农村地区水体的防护隔离。",
        "三、组织实施",
        "（一）加强组织领导。",
    ])
    (tmp_path / "xiangfen.txt").write_text(text + "\n", encoding="utf-8")
    [plan] = parse_file(tmp_path / "xiangfen.txt")
    got = {p.id.removeprefix("xiangfen-"): (p.kind.value, p.title) for p in plan.passages if p.domain}
    assert got == {"d1-m1": ("measure", "优先保障儿童健康"), "d1-m2": ("measure", "加强儿童保健服务"),
                   "d2-m1": ("measure", "预防和控制儿童溺水")}


def test_a_file_cut_off_mid_sentence_is_said_to_be_cut_short(tmp_path):
    """A download that stopped at …学前教育毛入园率达到9 indexed with no warning: three of seven domains, no 组织实施."""
    source = (CORPUS / "daqing-children-2021-2025.txt").read_text(encoding="utf-8")
    cut = source[:source.index("学前教育毛入园率达到并保持在 9") + len("学前教育毛入园率达到并保持在 9")]
    (tmp_path / "cut.txt").write_text(cut, encoding="utf-8")
    [plan] = parse_file(tmp_path / "cut.txt")
    assert any("mid-sentence" in w and "保持在 9" in w for w in plan.warnings)
    [whole] = parse_file(CORPUS / "daqing-children-2021-2025.txt")
    assert not any("mid-sentence" in w for w in whole.warnings)
