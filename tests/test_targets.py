"""Targets as data: indicators read off 主要目标 and the indicator table, checked against values read by
hand from the plan texts in corpus/*.txt (the line of each is noted)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from indexer.corpus import load_corpus, parse_corpus, parse_file
from indexer.targets import by_name, canonical_name, extract_indicators, shared_indicators
from plansearch.records import Indicator, Kind, ParsedPlan, Passage, PlanMeta, SourceSpan

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
CHILDREN = ["xinchengqu-children-2021", "daqing-children-2021", "xiangning-children-2021",
            "xinxing-children-2021", "zengdu-children-2021"]

XC, DQ, XN, XX = "xinchengqu-children-2021", "daqing-children-2021", "xiangning-children-2021", "xinxing-children-2021"
ZW, ZC = "zengdu-women-2021", "zengdu-children-2021"

# (plan_id, canonical name, year, value as written, unit, direction, bound), read by hand from the plan texts.
# 新城区 and 新星市 run to 2030, 大庆市 and 乡宁县 to 2025; 曾都 states 2025 and 2030 where it gives both.
HAND = [
    # 新城区 (xinchengqu-children-2021-2030.txt, 主要目标 lines 145–309)
    (XC, "小学生近视率", 2030, "38%以下", "%", "降至", "以下"),                       # l.154
    (XC, "初中生近视率", 2030, "60%以下", "%", "降至", "以下"),
    (XC, "高中阶段学生近视率", 2030, "70%以下", "%", "降至", "以下"),
    (XC, "新生儿死亡率", 2030, "3.0‰以下", "‰", "降至", "以下"),                         # l.147 分别 …3.0‰、5.0‰和6.0‰以下
    (XC, "婴儿死亡率", 2030, "5.0‰以下", "‰", "降至", "以下"),
    (XC, "5岁以下儿童死亡率", 2030, "6.0‰以下", "‰", "降至", "以下"),
    (XC, "5岁以下儿童贫血率", 2030, "10%以下", "%", "控制在", "以下"),                    # l.152 分别控制在10%和5%以下
    (XC, "5岁以下儿童生长迟缓率", 2030, "5%以下", "%", "控制在", "以下"),
    (XC, "3岁以下儿童系统管理率", 2030, "90%以上", "%", "达到", "以上"),              # l.145 均达到90%以上
    (XC, "7岁以下儿童健康管理率", 2030, "90%以上", "%", "达到", "以上"),
    (XC, "12岁儿童龋齿率", 2030, "25%以内", "%", "控制在", "以内"),                   # l.153
    (XC, "学前教育毛入园率", 2030, "90%以上", "%", "保持在", "以上"),                 # l.202 达到并保持在
    (XC, "九年义务教育巩固率", 2030, "96%以上", "%", "提高到", "以上"),
    (XC, "学校体育场地设施与器材配置达标率", 2030, "100%", "%", "达到", None),
    (XC, "儿童伤害死亡率", 2030, "20%", "%", "下降", None),                           # l.176 以2020年为基数下降20%
    (XC, "农村自来水普及率", 2030, "80%", "%", "达到", None),                         # l.282
    (XC, "国家学生体质健康标准达标优良率", 2030, "60%以上", "%", "达到", "以上"),     # l.155 "…，优良率达到60%以上"
    (XC, "城市社区建立家长学校或家庭教育指导服务站点的比例", 2030, "95%", "%", "达到", None),  # l.260
    # 大庆市 (daqing-children-2021-2025.txt, "——" sub-items)
    (DQ, "小学生近视率", 2025, "38%以下", "%", "降至", "以下"),                       # l.119
    (DQ, "初中生近视率", 2025, "68%以下", "%", "降至", "以下"),
    (DQ, "高中阶段学生近视率", 2025, "78%以下", "%", "降至", "以下"),
    (DQ, "新生儿死亡率", 2025, "3.5‰以下", "‰", "降至", "以下"),                     # l.71
    (DQ, "婴儿死亡率", 2025, "5.5‰以下", "‰", "控制在", "以下"),                     # l.73
    (DQ, "5岁以下儿童死亡率", 2025, "6.5‰以下", "‰", "控制在", "以下"),
    (DQ, "每千名儿童拥有儿科执业（助理）医生数", 2025, "1名以上", "名", "达到", "以上"),  # l.51
    (DQ, "每千名儿童拥有儿科床位数", 2025, "2.5张以上", "张", "提高到", "以上"),       # l.51 床位增至 2.5 张以上
    (DQ, "12岁儿童龋齿率", 2025, "25%以内", "%", "控制在", "以内"),                   # "12 岁以下儿童龋患率"
    (DQ, "儿童伤害死亡率", 2025, "15%", "%", "下降", None),
    (DQ, "0—6岁儿童眼保健和视力检查覆盖率", 2025, "90%以上", "%", "达到", "以上"),    # "0 至 6 岁"
    (DQ, "学前教育毛入园率", 2025, "90%以上", "%", "保持在", "以上"),
    (DQ, "适龄儿童免疫规划疫苗接种率", 2025, "95%以上", "%", "保持在", "以上"),
    (DQ, "6个月内婴儿纯母乳喂养率", 2025, "60%以上", "%", "达到", "以上"),
    (DQ, "农村自来水普及率", 2025, "96%以上", "%", "达到", "以上"),
    # 乡宁县 (xiangning-children-2021-2025-draft.txt)
    (XN, "小学生近视率", 2025, "38%以下", "%", "降至", "以下"),                       # l.30
    (XN, "新生儿死亡率", 2025, "3.2‰以下", "‰", "控制在", "以下"),                       # l.24 分别控制在3.2‰、5.3‰和6.5‰以下
    (XN, "婴儿死亡率", 2025, "5.3‰以下", "‰", "控制在", "以下"),
    (XN, "5岁以下儿童死亡率", 2025, "6.5‰以下", "‰", "控制在", "以下"),
    (XN, "5岁以下儿童贫血率", 2025, "8%以下", "%", "控制在", "以下"),                     # l.26 分别控制在8%、2%和2%以下
    (XN, "5岁以下儿童低体重率", 2025, "2%以下", "%", "控制在", "以下"),
    (XN, "学前教育毛入园率", 2025, "92%以上", "%", "达到", "以上"),
    (XN, "普惠性幼儿园覆盖率", 2025, "80%", "%", "不低于", None),                     # 公办园和普惠性民办园在园幼儿占比
    (XN, "农村卫生厕所普及率", 2025, "85%左右", "%", "达到", None),
    (XN, "每千人口拥有3岁以下婴幼儿托位数", 2025, "4.5个", "个", "达到", None),
    (XN, "农村社区建立家长学校或家庭教育指导服务站点的比例", 2025, "85%", "%", "达到", None),  # "85%的村"
    # 新星市 (xinxing-13th-division-children-2021-2030.txt)
    (XX, "小学生近视率", 2030, "30%以下", "%", "降至", "以下"),                       # l.30
    (XX, "新生儿死亡率", 2030, "2.0‰以下", "‰", "降至", "以下"),                         # l.24 分别降至2.0‰、4‰和5‰以下
    (XX, "婴儿死亡率", 2030, "4‰以下", "‰", "降至", "以下"),
    (XX, "5岁以下儿童生长迟缓率", 2030, "3%以下", "%", "控制在", "以下"),
    (XX, "0—6岁儿童眼保健和视力检查覆盖率", 2030, "95%以上", "%", "达到", "以上"),    # "0-6岁"
    (XX, "九年义务教育巩固率", 2030, "100%", "%", "保持在", None),
    (XX, "适龄儿童免疫规划疫苗接种率", 2030, "98%以上", "%", "保持在", "以上"),
    (XX, "农村自来水普及率", 2030, "100%", "%", "达到", None),                        # 连队自来水普及率
    # 曾都区妇女 (zengdu-women-and-children-2021-2030.txt, lines 39–358)
    (ZW, "产前筛查率", 2025, "80%以上", "%", "达到", "以上"),                          # l.40 分别达80%以上和82%以上
    (ZW, "产前筛查率", 2030, "82%以上", "%", "达到", "以上"),
    (ZW, "孕产妇死亡率", 2025, "万分之一以下", "万分之", "控制在", "以下"),            # l.40 控制到
    (ZW, "孕产妇死亡率", 2030, "十万分之九以下", "十万分之", "控制在", "以下"),
    (ZW, "孕产妇梅毒检测率", 2030, "98%以上", "%", "达到", "以上"),                   # l.43 均达98%以上
    (ZW, "九年义务教育巩固率", 2030, "98%以上", "%", "提高到", "以上"),
    (ZW, "高中阶段教育毛入学率", 2030, "97%以上", "%", "保持在", "以上"),
    (ZW, "就业人员中女性比例", 2030, "46%左右", "%", "保持在", None),
    (ZW, "重点城市声环境功能区夜间达标率", 2030, "≥80%", "%", "不低于", None),          # l.303
    (ZW, "空气质量优良天数比率", 2030, "87%", "%", "不低于", None),                    # 不低于市定考核目标 87%
    (ZW, "农村自来水普及率", 2030, "95%", "%", "达到", None),
    # 曾都区儿童 (same file, lines 422–)
    (ZC, "新生儿死亡率", 2025, "3.5%以下", "%", "降至", "以下"),                      # l.452, % where ‰ is meant
    (ZC, "新生儿死亡率", 2030, "3%以下", "%", "降至", "以下"),
    (ZC, "婴儿死亡率", 2025, "5%以下", "%", "控制在", "以下"),
    (ZC, "婴儿死亡率", 2030, "4.5%以下", "%", "控制在", "以下"),
    (ZC, "5岁以下儿童死亡率", 2025, "6%以下", "%", "控制在", "以下"),
    (ZC, "5岁以下儿童死亡率", 2030, "5.5%及以下", "%", "控制在", "以下"),
    (ZC, "小学生近视率", 2030, "38%以下", "%", "降至", "以下"),                       # l.468 "降至 38% 以下"
    (ZC, "高中阶段学生近视率", 2030, "70%以下", "%", "降至", "以下"),                 # "高中生近视率"
    (ZC, "国家学生体质健康标准达标优良率", 2025, "50%以上", "%", "达到", "以上"),       # l.470
    (ZC, "国家学生体质健康标准达标优良率", 2030, "60%以上", "%", "达到", "以上"),
    (ZC, "每千人口拥有3岁以下婴幼儿托位数", 2025, "4.5个", "个", "达到", None),        # l.603 "2025年，…"
    (ZC, "5岁以下儿童贫血率", 2030, "8%以下", "%", "控制在", "以下"),                     # l.464 贫血患病率
    (ZC, "学前教育毛入园率", 2030, "95%", "%", "达到", None),                         # 学前三年毛入园率
    (ZC, "九年义务教育巩固率", 2030, "98.5%", "%", "达到", None),
    (ZC, "适龄儿童免疫规划疫苗接种率", 2030, "95%以上", "%", "达到", "以上"),         # 纳入国家免疫规划的疫苗接种率…达 95% 以上
]
# the years written in the text (everything else takes the plan's end year, marked inferred)
WRITTEN_YEARS = {(ZW, "产前筛查率"), (ZW, "孕产妇死亡率"), (ZC, "新生儿死亡率"), (ZC, "婴儿死亡率"),
                 (ZC, "5岁以下儿童死亡率"), (ZC, "国家学生体质健康标准达标优良率"), (ZC, "每千人口拥有3岁以下婴幼儿托位数")}


@pytest.fixture(scope="module")
def plans() -> dict[str, ParsedPlan]:
    return {p.meta.id: p for p in parse_corpus(load_corpus(CORPUS))}


@pytest.fixture(scope="module")
def indicators(plans) -> list[Indicator]:
    return [ind for plan in plans.values() for ind in extract_indicators(plan)]


def key(ind: Indicator) -> tuple:
    return (ind.plan_id, ind.name, ind.year, ind.value, ind.unit, ind.direction, ind.bound)


def test_hand_table_is_large_and_covers_every_plan():
    assert len(HAND) >= 45
    assert {row[0] for row in HAND} == set(CHILDREN) | {ZW}


@pytest.mark.parametrize("row", HAND, ids=lambda r: f"{r[0].split('-')[0]}-{r[1]}-{r[2]}-{r[3]}")
def test_hand_checked_indicator_is_extracted(indicators, row):
    found = {key(i) for i in indicators if i.passage_id is not None}
    assert row in found, [key(i) for i in indicators if i.plan_id == row[0] and i.name == row[1]]


def test_year_is_written_or_inferred_from_the_period(indicators):
    for ind in indicators:
        if ind.passage_id and (ind.plan_id, ind.name) in WRITTEN_YEARS:
            assert not ind.year_inferred and ind.year in (2025, 2030), ind
    inferred = {(i.plan_id, i.year) for i in indicators if i.year_inferred}
    assert inferred == {(XC, 2030), (DQ, 2025), (XN, 2025), (XX, 2030), (ZW, 2030), (ZC, 2030)}


def test_values_and_names_occur_in_their_source_text(plans, indicators):
    """Nothing invented: every value (and the phrase it is attached to) is in the text, spaces aside."""
    sources = {}
    for plan in plans.values():
        sources.update({(plan.meta.id, p.id): p.text for p in plan.passages})
        sources.update({(plan.meta.id, r.line): r.indicator + r.value for r in plan.indicator_table})
    for ind in indicators:
        text = re.sub(r"\s+", "", sources[(ind.plan_id, ind.passage_id or ind.table_line)])
        bare = ind.value.removesuffix(ind.bound or "\0")      # 5.0‰以下 of "3.0‰、5.0‰和6.0‰以下"
        assert ind.value in text or (bare in text and ind.bound in text), ind
        assert ind.name_as_written in text, ind
        assert (ind.passage_id is None) != (ind.table_line is None)


def test_number_unit_and_bound_agree_with_the_value(indicators):
    for ind in indicators:
        digits = re.sub(r"[^0-9.]", "", ind.value)
        if digits:
            assert float(digits) == ind.number, ind
        assert ind.unit in ind.value, ind
        assert ind.bound in (None, "以上", "以下", "以内")
        assert ind.direction in {"以上", "以下", "以内", "达到", "降至", "控制在", "提高到", "保持在", "下降",
                                 "不低于", "不超过", "左右"}


def test_chinese_numerals_per_hundred_thousand(indicators):
    [mmr_2030] = [i for i in indicators if i.plan_id == ZW and i.name == "孕产妇死亡率" and i.year == 2030]
    assert (mmr_2030.number, mmr_2030.unit, mmr_2030.implausible) == (9.0, "十万分之", False)


def test_baseline_is_kept(indicators):
    injury = {i.plan_id: i for i in indicators if i.name == "儿童伤害死亡率" and i.passage_id}
    assert set(injury) == set(CHILDREN)
    assert injury[XC].baseline == "以2020年为基数"
    assert injury[DQ].baseline == "以2020年数据为基数" and injury[DQ].value == "15%"
    assert all(i.direction == "下降" and i.bound is None for i in injury.values())


def test_fen_bie_pairs_indicators_with_values_in_order(indicators):
    got = {i.name: i.value for i in indicators if i.passage_id == "xinchengqu-children-2021-d1-t3"}
    # the bound written once at the end of the list belongs to every value (3.0‰以下, never a bare 3.0‰)
    assert got == {"新生儿死亡率": "3.0‰以下", "婴儿死亡率": "5.0‰以下", "5岁以下儿童死亡率": "6.0‰以下"}
    got = {i.name: i.value for i in indicators if i.passage_id == "zengdu-children-2021-d1-t8"}
    assert got == {"5岁以下儿童贫血率": "8%以下", "5岁以下儿童生长迟缓率": "4%以下",
                   "5岁以下儿童低体重率": "4%以下", "低出生体重发生率": "4%以下"}


def test_jun_applies_the_value_to_every_indicator_named(indicators):
    got = [i for i in indicators if i.passage_id == "zengdu-women-2021-d1-t10"]
    assert len(got) == 4 and {i.value for i in got} == {"98%以上"}
    assert "保健食品质量抽检合格率" in {i.name for i in got}


def test_mortality_written_with_percent_is_flagged_not_changed(indicators):
    flagged = [i for i in indicators if i.implausible]
    assert {(i.plan_id, i.name) for i in flagged} == {
        (ZC, "新生儿死亡率"), (ZC, "婴儿死亡率"), (ZC, "5岁以下儿童死亡率")}
    assert len(flagged) == 6
    for ind in flagged:
        assert ind.unit == "%" and "‰" in ind.note
    assert {i.value for i in flagged if i.name == "婴儿死亡率"} == {"5%以下", "4.5%以下"}


def test_indicator_table_rows_carry_their_attribute(plans, indicators):
    table = [i for i in indicators if i.table_line is not None]
    assert {i.plan_id for i in table} == {XC}
    assert len(table) == len(plans[XC].indicator_table) + 1  # the first row names two indicators (均达到)
    [imr] = [i for i in table if i.name == "婴儿死亡率"]
    assert (imr.value, imr.direction, imr.bound, imr.attribute, imr.table_line, imr.passage_id) == (
        "5.0‰以下", "降至", "以下", "约束性", 42, None)
    [caries] = [i for i in table if i.name == "12岁儿童龋齿率"]
    assert (caries.value, caries.bound) == ("25%以下", "以下")  # the table says 以下 where the text says 以内
    assert {i.attribute for i in table} == {"约束性"}


def test_qualitative_targets_yield_nothing(plans, indicators):
    with_indicator = {i.passage_id for i in indicators}
    for pid in ["xinchengqu-children-2021-d1-t2",   # 普及儿童健康生活方式…
                "xinchengqu-children-2021-d2-t2",   # 儿童溺水死亡率持续下降
                "daqing-children-2021-d1-t6",
                "zengdu-women-2021-d4-t2",          # 女代表比例一般不低于本地党员总数中女性比例
                "zengdu-women-2021-d7-t9"]:         # 农村清洁能源普及率逐步提高
        assert pid not in with_indicator
    for plan in plans.values():
        for p in plan.passages:
            if p.kind is Kind.target and not re.search(r"[0-9０-９]|分之", p.text):
                assert p.id not in with_indicator, p.text


@pytest.mark.parametrize("phrase, name", [
    ("12岁儿童龋患率", "12岁儿童龋齿率"),
    ("12 岁以下儿童龋患率", "12岁儿童龋齿率"),
    ("高中生近视率", "高中阶段学生近视率"),
    ("0至6岁儿童眼保健和视力检查覆盖率", "0—6岁儿童眼保健和视力检查覆盖率"),
    ("0-6岁儿童眼保健和视力检查覆盖率", "0—6岁儿童眼保健和视力检查覆盖率"),
    ("5 岁以下儿童贫血患病率", "5岁以下儿童贫血率"),
    ("纳入国家免疫规划的疫苗接种率", "适龄儿童免疫规划疫苗接种率"),
    ("适龄儿童免疫规划疫苗接种率以乡镇（街道）为单位", "适龄儿童免疫规划疫苗接种率"),
    ("儿童伤害死亡率以2020年为基数", "儿童伤害死亡率"),
    ("学前三年毛入园率", "学前教育毛入园率"),
    ("高中阶段毛入学率", "高中阶段教育毛入学率"),
    ("连队自来水普及率", "农村自来水普及率"),
    ("中小学生《国家学生体质健康标准》优良率", "国家学生体质健康标准达标优良率"),
    ("新生儿遗传代谢性疾病筛查率", "新生儿疾病筛查率"),
    ("初中学生近视率", "初中生近视率"),               # a draft's 初中学生 was one indicator missing and another added
])
def test_canonical_name_aliases(phrase, name):
    assert canonical_name(phrase) == name


@pytest.mark.parametrize("phrase", ["儿童溺水死亡率", "农村清洁能源普及率", "新发近视率", ""])
def test_canonical_name_is_none_for_unknown_phrases(phrase):
    assert canonical_name(phrase) is None


def test_primary_myopia_lines_up_across_all_childrens_plans(indicators):
    grouped = by_name(i for i in indicators if i.passage_id)
    myopia = {plan: [i.value for i in found] for plan, found in grouped["小学生近视率"].items()}
    assert myopia == {XC: ["38%以下"], XX: ["30%以下"], DQ: ["38%以下"], XN: ["38%以下"], ZC: ["38%以下"]}
    shared = shared_indicators(indicators)
    assert shared["小学生近视率"] == sorted(CHILDREN)
    assert shared["农村自来水普及率"] == sorted(CHILDREN + [ZW])
    assert len(shared) >= 25


def test_full_width_forms_spaces_and_unpaired_years():
    """Forms not in the bundled corpus: full-width digits, ≥ with no verb, years split over a list."""
    meta = PlanMeta(id="t", title="测试", short_name="测试", subject="儿童", period="2021—2030", source_file="t.txt")
    texts = ["到2025年和2030年，小学生近视率分别降至 ３５％以下和 ３０％ 以下。",
             "儿童体质健康达标率≥８０%。儿童心理健康水平不断提升。"]
    passages = [Passage(id=f"t-d1-t{n}", plan_id="t", chapter="", domain="儿童与健康", kind=Kind.target, number=n,
                        text=text, source=SourceSpan(file="t.txt", line_start=n, line_end=n), position=n)
                for n, text in enumerate(texts, start=1)]
    got = extract_indicators(ParsedPlan(meta=meta, domains=["儿童与健康"], passages=passages))
    assert [(i.name, i.year, i.year_inferred, i.value, i.number, i.unit, i.bound) for i in got] == [
        ("小学生近视率", 2025, False, "３５％以下", 35.0, "%", "以下"),
        ("小学生近视率", 2030, False, "３０％以下", 30.0, "%", "以下"),
        ("儿童体质健康达标率", 2030, True, "≥８０%", 80.0, "%", None),
    ]
    assert got[2].direction == "不低于"


def test_an_indicator_named_with_half_or_full_width_brackets_is_one_indicator():
    """每所乡(镇)… and 每所乡（镇）… were listed as two indicators by /api/indicators and compared as two."""
    meta = PlanMeta(id="t", title="测试", short_name="测试", subject="儿童", period="2021—2030", source_file="t.txt")
    texts = ["每所乡(镇)至少办好1所公办中心幼儿园的比例达到100%。", "每所乡（镇）至少办好1所公办中心幼儿园的比例达到100%。"]
    passages = [Passage(id=f"t-d1-t{n}", plan_id="t", chapter="", domain="儿童与教育", kind=Kind.target, number=n,
                        text=text, source=SourceSpan(file="t.txt", line_start=n, line_end=n), position=n)
                for n, text in enumerate(texts, start=1)]
    got = extract_indicators(ParsedPlan(meta=meta, domains=["儿童与教育"], passages=passages))
    assert len(got) == 2 and got[0].name == got[1].name and "（镇）" in got[0].name
    assert got[0].name_as_written != got[1].name_as_written          # each quoted as its plan writes it


@pytest.mark.parametrize("marker", ["（{}）", "{})", "①②③④⑤⑥⑦⑧⑨⑩", "●", "■", "·", "-", "－"])
def test_a_sub_item_marker_other_than_the_dash_is_not_part_of_the_indicator_name(tmp_path, marker):
    """A plan writing its target sub-items （1） / ① / ● … instead of —— got indicators named （2）婴儿死亡率 or
    ●产前筛查率, which no search by name finds."""
    source = (Path(__file__).resolve().parent.parent / "corpus" / "daqing-children-2021-2025.txt").read_text(
        encoding="utf-8")
    count = iter(range(1, 10_000))

    def mark(_m: re.Match[str]) -> str:
        n = next(count) % 9 + 1                   # numbered afresh in each target, as plans do
        return marker[n - 1] if marker.startswith("①") else marker.format(n)
    (tmp_path / "daqing.txt").write_text(re.sub(r"(?m)^——", mark, source), encoding="utf-8")
    corpus = Path(__file__).resolve().parent.parent / "corpus"
    [want], [got] = parse_file(corpus / "daqing-children-2021-2025.txt"), parse_file(tmp_path / "daqing.txt")
    assert sorted((i.name, i.value) for i in extract_indicators(got)) == \
        sorted((i.name, i.value) for i in extract_indicators(want))


# (sentence as a plan writes it) → (name, value as written, number, unit, bound, direction, year, baseline)
TARGET_FORMS = [
    ("5岁以下儿童贫血率低于8%。", ("5岁以下儿童贫血率", "8%", 8.0, "%", None, "低于", 2030, None)),
    ("5岁以下儿童贫血率小于8%。", ("5岁以下儿童贫血率", "8%", 8.0, "%", None, "低于", 2030, None)),
    ("5岁以下儿童生长迟缓率<5%。", ("5岁以下儿童生长迟缓率", "<5%", 5.0, "%", None, "低于", 2030, None)),
    ("5岁以下儿童死亡率减少到6.5‰。", ("5岁以下儿童死亡率", "6.5‰", 6.5, "‰", None, "降至", 2030, None)),
    ("孕产妇死亡率控制在10/10万以下。", ("孕产妇死亡率", "10/10万以下", 10.0, "/10万", "以下", "控制在", 2030, None)),
    ("3岁以下儿童系统管理率达到百分之九十五以上。",
     ("3岁以下儿童系统管理率", "百分之九十五以上", 95.0, "百分之", "以上", "达到", 2030, None)),
    ("7岁以下儿童健康管理率保持在90%—95%。", ("7岁以下儿童健康管理率", "90%—95%", 90.0, "%", None, "保持在", 2030, None)),
    ("中小学生国家学生体质健康标准达标优良率达到四成以上。",
     ("国家学生体质健康标准达标优良率", "四成以上", 4.0, "成", "以上", "达到", 2030, None)),
    ("小学生近视率每年降低0.5个百分点以上。",
     ("小学生近视率", "0.5个百分点以上", 0.5, "个百分点", "以上", "下降", 2030, "每年")),
    ("初中生近视率在2020年基础上下降5个百分点。",
     ("初中生近视率", "5个百分点", 5.0, "个百分点", None, "下降", 2030, "在2020年基础上")),
    ("低出生体重发生率比2020年下降10%。", ("低出生体重发生率", "10%", 10.0, "%", None, "下降", 2030, "比2020年")),
    ("妇女人均预期寿命延长，力争达到82岁。", ("人均预期寿命", "82岁", 82.0, "岁", None, "达到", 2030, None)),
]


@pytest.mark.parametrize("sentence,want", TARGET_FORMS, ids=[s for s, _ in TARGET_FORMS])
def test_target_forms_other_plans_write(sentence, want):
    """低于 / < / 减少到 / 10/10万 / 百分之九十五 / ranges / 四成 / 个百分点 / 比2020年: every form gave no indicator,
    or one named 低出生体重发生率比2020年 that no search by name finds."""
    meta = PlanMeta(id="t", title="测试", short_name="测试", subject="儿童", period="2021—2030", source_file="t.txt")
    passage = Passage(id="t-d1-t1", plan_id="t", chapter="", domain="儿童与健康", kind=Kind.target, number=1,
                      text="——" + sentence, source=SourceSpan(file="t.txt", line_start=1, line_end=1), position=1)
    [got] = extract_indicators(ParsedPlan(meta=meta, domains=["儿童与健康"], passages=[passage]))
    assert (got.name, got.value, got.number, got.unit, got.bound, got.direction, got.year, got.baseline) == want
    assert got.value in sentence


def test_a_value_for_another_year_in_brackets_is_that_years_target():
    """"达到40%以上（2030年达到50%以上）" gave a second indicator named （2030年."""
    meta = PlanMeta(id="t", title="测试", short_name="测试", subject="儿童", period="2021—2025", source_file="t.txt")
    passage = Passage(id="t-d1-t1", plan_id="t", chapter="", domain="儿童与健康", kind=Kind.target, number=1,
                      text="——中小学生国家学生体质健康标准达标优良率达到40%以上（2030年达到50%以上）。",
                      source=SourceSpan(file="t.txt", line_start=1, line_end=1), position=1)
    got = extract_indicators(ParsedPlan(meta=meta, domains=["儿童与健康"], passages=[passage]))
    assert [(i.name, i.value, i.year, i.year_inferred) for i in got] == [
        ("国家学生体质健康标准达标优良率", "40%以上", 2025, True),
        ("国家学生体质健康标准达标优良率", "50%以上", 2030, False)]


def _indicators_of(text: str, period: str = "2021—2030", domain: str = "儿童与健康") -> list:
    """The indicators of one target passage holding `text`, in a plan of `period`."""
    meta = PlanMeta(id="t", title="测试", short_name="测试", subject="儿童", period=period, source_file="t.txt")
    passage = Passage(id="t-d1-t1", plan_id="t", chapter="", domain=domain, kind=Kind.target, number=1,
                      text=text, source=SourceSpan(file="t.txt", line_start=1, line_end=1), position=1)
    return extract_indicators(ParsedPlan(meta=meta, domains=[domain], passages=[passage]))


# (a target item giving values for two years, as plans write it) → (name, value, year) of each value read
TWO_YEAR_FORMS = [
    ("新生儿死亡率2025年控制在3.0‰以内、2030年控制在2.5‰以内。",
     [("新生儿死亡率", "3.0‰以内", 2025), ("新生儿死亡率", "2.5‰以内", 2030)]),
    ("5岁以下儿童死亡率到2025年降至6.0‰以下，到2030年降至5.5‰以下。",
     [("5岁以下儿童死亡率", "6.0‰以下", 2025), ("5岁以下儿童死亡率", "5.5‰以下", 2030)]),
    ("初中生近视率2025年、2030年分别降至58%、55%以下。",
     [("初中生近视率", "58%以下", 2025), ("初中生近视率", "55%以下", 2030)]),
    ("学前教育毛入园率达到92%（2025年）和95%（2030年）。",
     [("学前教育毛入园率", "92%", 2025), ("学前教育毛入园率", "95%", 2030)]),
    ("高中阶段教育毛入学率“十四五”末达到93%，2030年达到95%以上。",
     [("高中阶段教育毛入学率", "93%", 2025), ("高中阶段教育毛入学率", "95%以上", 2030)]),
    ("到2025年，5岁以下儿童贫血率降至10%以下；到2030年降至8%以下。",
     [("5岁以下儿童贫血率", "10%以下", 2025), ("5岁以下儿童贫血率", "8%以下", 2030)]),
    # the value without a year is not the one written for the plan's last year: its year is unknown
    ("5岁以下儿童贫血率控制在10%以内，2030年控制在8%以内。",
     [("5岁以下儿童贫血率", "10%以内", None), ("5岁以下儿童贫血率", "8%以内", 2030)]),
    ("到2025年，人均预期寿命达到78.5岁。展望2030年，人均预期寿命达到79.5岁。",
     [("人均预期寿命", "78.5岁", 2025), ("人均预期寿命", "79.5岁", 2030)]),
    ("新生儿死亡率2030年控制在2.5‰以内，婴儿死亡率降至5.0‰以下（2030年降至4.5‰以下）。",
     [("新生儿死亡率", "2.5‰以内", 2030), ("婴儿死亡率", "5.0‰以下", None), ("婴儿死亡率", "4.5‰以下", 2030)]),
]


@pytest.mark.parametrize("sentence,want", TWO_YEAR_FORMS, ids=[s for s, _ in TWO_YEAR_FORMS])
def test_values_for_two_years_in_one_item_each_get_their_year(sentence, want):
    """新生儿死亡率2025年控制在3.0‰以内、2030年控制在2.5‰以内 gave indicators named 新生儿死亡率2025年 and 、2030年, and
    2030 questions were answered with the 2025 value."""
    assert [(i.name, i.value, i.year) for i in _indicators_of("——" + sentence)] == want


def test_a_base_in_a_clause_of_its_own_holds_for_the_changes_after_it():
    got = _indicators_of("——儿童伤害死亡率以2020年为基数，到2025年下降20%，到2030年下降30%。低出生体重发生率与2020年相比下降10%。")
    assert [(i.name, i.value, i.year, i.baseline) for i in got] == [
        ("儿童伤害死亡率", "20%", 2025, "以2020年为基数"), ("儿童伤害死亡率", "30%", 2030, "以2020年为基数"),
        ("低出生体重发生率", "10%", 2030, "与2020年相比")]


@pytest.mark.parametrize("separator", ["\t", "    ", "｜"])
def test_an_indicator_table_typed_as_text_is_read_with_its_units(tmp_path, separator):
    """An annex table typed in a .txt (columns split by tabs, spaces or ｜) became one overview passage 附件, and
    its values (unit in the indicator's column, 婴儿死亡率（‰） | 5.5以下) never reached /api/targets."""
    source = (CORPUS / "daqing-children-2021-2025.txt").read_text(encoding="utf-8")
    rows = [["序号", "领域", "指标", "2020年现状", "2025年目标", "属性"],
            ["1", "儿童与健康", "婴儿死亡率（‰）", "3.6", "5.5以下", "约束性"],
            ["2", "儿童与健康", "孕产妇死亡率（1/10万）", "12", "≤10", "约束性"],
            ["3", "儿童与教育", "学前教育毛入园率（%）", "91.2", "92以上", "预期性"]]
    table = "\n".join(separator.join(r) for r in rows)
    (tmp_path / "dq.txt").write_text(f"{source}\n附件\n\n主要指标\n{table}\n", encoding="utf-8")
    [plan] = parse_file(tmp_path / "dq.txt")
    got = [(i.name, i.name_as_written, i.value, i.number, i.unit, i.direction, i.attribute)
           for i in extract_indicators(plan) if i.table_line]
    assert got == [("婴儿死亡率", "婴儿死亡率（‰）", "5.5以下", 5.5, "‰", "以下", "约束性"),
                   ("孕产妇死亡率", "孕产妇死亡率（1/10万）", "≤10", 10.0, "/10万", "不超过", "约束性"),
                   ("学前教育毛入园率", "学前教育毛入园率（%）", "92以上", 92.0, "%", "以上", "预期性")]
    assert not any("序号" in p.text for p in plan.passages)


def test_a_tables_unit_column_and_bare_year_columns_give_each_year_its_value_with_its_unit(tmp_path):
    """The 十四五 layout 指标 | 单位 | 2020年 | 2025年 | 2030年 | 属性 gave no value at all (the unit was read only from
    the indicator's name), and a header of bare years gave the 2030 column's value as the plan's 2025 target. The
    year before the plan's period is its base; the answer states a cell's value with the unit of its column."""
    from plansearch.ask import _stated_value

    source = (CORPUS / "daqing-children-2021-2025.txt").read_text(encoding="utf-8")
    rows = [["指标", "单位", "2020年", "2025年", "2030年", "属性"],
            ["婴儿死亡率", "‰", "5.4", "≤5.0", "≤4.5", "预期性"],
            ["孕产妇死亡率", "1/10万", "16.2", "≤14", "≤12", "约束性"]]
    table = "\n".join("\t".join(r) for r in rows)
    (tmp_path / "dq.txt").write_text(f"{source}\n附件\n\n主要指标\n{table}\n", encoding="utf-8")
    [plan] = parse_file(tmp_path / "dq.txt")
    got = [i for i in extract_indicators(plan) if i.table_line]
    assert [(i.name, i.value, i.unit, i.year, i.year_inferred, i.attribute) for i in got] == [
        ("婴儿死亡率", "≤5.0", "‰", 2025, False, "预期性"), ("婴儿死亡率", "≤4.5", "‰", 2030, False, "预期性"),
        ("孕产妇死亡率", "≤14", "/10万", 2025, False, "约束性"), ("孕产妇死亡率", "≤12", "/10万", 2030, False, "约束性")]
    assert [_stated_value(i) for i in got] == ["≤5.0‰", "≤4.5‰", "≤14/10万", "≤12/10万"]
    [full_width] = _indicators_of("——孕产妇系统管理率达到９９％以上。")
    assert _stated_value(full_width) == "９９％以上"           # its unit written in full width: not written again


def test_an_annex_listing_the_indicators_line_by_line_gives_them(tmp_path):
    """附件 …监测指标 with 3. 小学生近视率（%）：34以下 on each line: no indicator was read, and ask said the plan sets no
    小学生近视率. A 下降幅度 named in the list is a fall, not a rate of that size."""
    source = (CORPUS / "daqing-children-2021-2025.txt").read_text(encoding="utf-8")
    annex = "\n".join(["附件", "", "大庆市儿童发展规划监测指标", "", "1. 小学生近视率（%）：34以下",
                       "2. 儿童伤害死亡率下降幅度（%）：20"])
    (tmp_path / "dq.txt").write_text(f"{source}\n{annex}\n", encoding="utf-8")
    [plan] = parse_file(tmp_path / "dq.txt")
    annexed = {p.id for p in plan.passages if p.section and p.section[0].startswith("附件")}
    got = [(i.name, i.value, i.unit, i.direction) for i in extract_indicators(plan) if i.passage_id in annexed]
    assert got == [("小学生近视率", "34以下", "%", "以下"), ("儿童伤害死亡率", "20", "%", "下降")]


def test_a_rate_set_in_words_is_a_value():
    """参保率实现全覆盖 and 女性比例翻一番 gave no indicator, so review told a draft setting them that it lacked them. A
    rate or share worded so is a value (all: 100%; doubled: a rise of 100%), quoted as written."""
    from plansearch.ask import _direction_before, _stated_value

    full, doubled = _indicators_of("——妇女基本医疗保险参保率实现全覆盖，社区居委会主任中女性比例翻一番。")
    assert (full.name, full.value, full.number, full.direction) == ("妇女基本医疗保险参保率", "全覆盖", 100.0, "达到")
    assert (doubled.name, doubled.value, doubled.direction) == ("社区居委会主任中女性比例", "翻一番", "提高")
    assert [_direction_before(i) + _stated_value(i) for i in (full, doubled)] == ["实现全覆盖", "翻一番"]
    assert _indicators_of("——推进适龄残疾儿童教育全覆盖。") == []       # no rate: a measure's aim, not a value


@pytest.mark.parametrize("stem", ["daqing-children-2021-2025", "zengdu-women-and-children-2021-2030"])
def test_a_plan_in_traditional_characters_gives_the_same_indicators_quoted_as_it_writes_them(tmp_path, stem):
    """大慶市兒童發展規劃: every indicator of the simplified text, under the same name with the same number, unit,
    bound and year; the name and value as written stay in the plan's own characters (以內, 學前教育毛入園率)."""
    import opencc

    to_traditional = opencc.OpenCC("s2t").convert
    source = CORPUS / f"{stem}.txt"
    copy = tmp_path / f"{stem}.txt"
    copy.write_text(to_traditional(source.read_text(encoding="utf-8")), encoding="utf-8")

    def read(path):
        return sorted([(i.name, i.number, i.unit, i.bound, i.year, i.value, i.name_as_written)
                       for plan in parse_file(path) for i in extract_indicators(plan)], key=repr)

    simplified, traditional = read(source), read(copy)
    assert len(simplified) >= 30
    assert [row[:5] for row in traditional] == [row[:5] for row in simplified]
    assert [row[5:] for row in traditional] == [tuple(to_traditional(x) for x in row[5:]) for row in simplified]
