"""A plan file with no manifest entry gets the details the manifest would have given: place (through
the gazetteer), period, subject, status, title; a covering notice lends its number, office and date."""
from __future__ import annotations

import shutil
import tomllib

import pytest

from indexer.corpus import load_corpus, parse_file, plan_starts
from indexer.details import aliases, find_details, find_doc_number, find_period, find_subject
from indexer.gazetteer import resolve
from indexer.lines import classify
from tests_support import CORPUS

MANIFEST = {p["id"]: p for p in tomllib.loads((CORPUS / "plans.toml").read_text(encoding="utf-8"))["plan"]}
FIELDS = ("province", "city", "county", "period", "subject", "status", "admin_level", "short_name")


def lines_of(text: str):
    return [classify(i, raw) for i, raw in enumerate(text.splitlines(), start=1)]


def same_title(a: str, b: str) -> bool:
    """Titles equal but for half- and full-width brackets and dashes (曾都区儿童发展规划(2021—2030年))."""
    table = str.maketrans({"(": "（", ")": "）", "-": "—"})
    return a.translate(table) == b.translate(table)


@pytest.mark.parametrize("plan_id", [i for i in MANIFEST if not i.startswith("zengdu")])
def test_unlisted_bundled_plan_gets_the_manifest_details(plan_id, tmp_path):
    expected = MANIFEST[plan_id]
    shutil.copy(CORPUS / expected["source_file"], tmp_path / expected["source_file"])
    [meta] = load_corpus(tmp_path).plans
    for name in FIELDS:
        assert getattr(meta, name) == expected.get(name, ""), name
    assert same_title(meta.title, expected["title"]), meta.title
    assert meta.region == "".join(expected.get(k, "") for k in ("province", "city", "county"))
    assert not meta.region_ambiguous


def test_file_without_title_line_gets_its_title_from_the_body(tmp_path):
    shutil.copy(CORPUS / "xinxing-13th-division-children-2021-2030.txt", tmp_path / "x.txt")
    [meta] = load_corpus(tmp_path).plans
    assert meta.title == "第十三师新星市儿童发展规划（2021—2030年）"
    assert meta.province == "新疆生产建设兵团" and meta.city == "第十三师新星市" and meta.short_name == "新星市"
    assert any("composed from the body" in w for w in meta.warnings)


def test_a_plan_without_its_title_line_does_not_take_the_period_of_its_predecessor(tmp_path):
    """大庆 without its first line took the title and period of the plan its preface names as past
    (颁布实施了《大庆市儿童发展规划（2016-2020年）》), so every target was dated 2020."""
    text = (CORPUS / "daqing-children-2021-2025.txt").read_text(encoding="utf-8")
    (tmp_path / "dq.txt").write_text(text.replace("大庆市儿童发展规划（2021-2025年）\n", "", 1), encoding="utf-8")
    [meta] = load_corpus(tmp_path).plans
    assert meta.period == "2021—2025" and meta.title == "大庆市儿童发展规划（2021—2025年）"
    assert any("composed from the body" in w for w in meta.warnings)


def test_notice_with_two_plans_splits_into_exactly_two_with_the_notice_number(tmp_path):
    source = CORPUS / "zengdu-women-and-children-2021-2030.txt"
    shutil.copy(source, tmp_path / source.name)
    plans = parse_file(tmp_path / source.name)
    assert [p.meta.subject for p in plans] == ["妇女", "儿童"]
    assert [p.meta.start_line for p in plans] == [13, 422] and plans[0].meta.end_line == 421
    for parsed in plans:
        meta, expected = parsed.meta, MANIFEST[f"zengdu-{'women' if parsed.meta.subject == '妇女' else 'children'}-2021"]
        assert meta.doc_number == "曾政发〔2022〕8号"
        assert meta.issuer == "曾都区人民政府" and meta.date == "2022-12-29"
        assert same_title(meta.title, expected["title"])
        for name in FIELDS:
            assert getattr(meta, name) == expected.get(name, ""), name
    assert len({p.meta.id for p in plans}) == 2


def test_plan_starts_work_on_lines_without_blank_lines():
    """A Word file's reader gives no blank lines between paragraphs: the split must not depend on them."""
    text = (CORPUS / "zengdu-women-and-children-2021-2030.txt").read_text(encoding="utf-8")
    kept = [raw for raw in text.splitlines() if raw.strip()]
    lines = lines_of("\n".join(kept))
    starts = plan_starts(lines)
    assert [lines[s - 1].text[:9] for s in starts] == ["曾都区妇女发展规划", "曾都区儿童发展规划"]


def test_notice_with_one_untitled_plan_is_not_a_plan():
    text = ("市人民政府关于印发大庆市教育发展规划的通知\n庆政发〔2021〕3号\n各县区人民政府：\n现将规划印发给你们。\n"
            "2021年5月6日\n\n前言\n大庆市教育事业……\n一、总体要求\n（一）指导思想\n")
    lines = lines_of(text)
    assert plan_starts(lines) == [7]


def test_ambiguous_county_is_reported_without_a_clue_and_resolved_with_one():
    assert {d.city for d in resolve("新城区")} == {"呼和浩特市", "西安市"}
    body = "新城区儿童发展规划（2021—2030年）\n一、指导思想\n新城区坚持儿童优先。\n"
    alone = find_details(lines_of(body))
    assert alone.region_ambiguous and alone.province == "" and alone.county == "新城区"
    assert any("ambiguous" in w for w in alone.warnings)
    with_clue = find_details(lines_of(body + "依据《陕西省未成年人保护条例》，结合西安市实际。\n"))
    assert not with_clue.region_ambiguous
    assert (with_clue.province, with_clue.city, with_clue.county) == ("陕西省", "西安市", "新城区")


def test_a_guessed_plan_goes_by_the_other_names_of_the_divisions_above_it():
    """新疆兵团十三师新星市…: 新疆兵团 is the 兵团's other name, and a question typing it names the plan's place."""
    found = find_details(lines_of("第十三师新星市儿童发展规划（2021—2030年）\n为促进儿童全面发展，制定本规划。\n"))
    names = aliases(found)
    assert "兵团" in names and "新疆兵团" in names and "十三师" in names
    meta = find_details(lines_of("呼和浩特市新城区儿童发展规划（2021—2030年）\n为促进儿童全面发展，制定本规划。\n"))
    assert {"呼和浩特", "内蒙古"} <= set(aliases(meta))


def test_gazetteer_matches_full_short_and_province_short_names():
    assert [d.region for d in resolve("大庆")] == ["黑龙江省大庆市"] == [d.region for d in resolve("大庆市")]
    assert [d.name for d in resolve("内蒙古")] == ["内蒙古自治区"]
    assert [d.name for d in resolve("黑龙江")] == ["黑龙江省"]
    [xinxing] = resolve("第十三师新星市")
    assert (xinxing.province, xinxing.city) == ("新疆生产建设兵团", "第十三师新星市")


def test_a_division_made_or_renamed_since_2020_is_itself_and_its_former_name_still_names_it():
    """云州区 (大同县 until 2018) was missing: its plan became a 大同市 plan, and the city's questions got the district's
    numbers. 宁乡市 (宁乡县 until 2017) was named 宁乡县 in every answer."""
    [yunzhou] = resolve("云州区")
    assert (yunzhou.province, yunzhou.city, yunzhou.county, yunzhou.level.value) == ("山西省", "大同市", "云州区", "county")
    assert [d.county for d in resolve("宁乡市")] == ["宁乡市"] and [d.county for d in resolve("宁乡县")] == ["宁乡县"]
    found = find_details(lines_of("云州区儿童发展“十四五”规划\n为促进儿童全面发展，制定本规划。\n"))
    assert (found.province, found.city, found.county) == ("山西省", "大同市", "云州区")
    assert len(resolve("聂荣县")) == 1          # given a new code under its own name: listed once


def test_fourteenth_five_year_plan_means_2021_to_2025():
    assert find_period("乡宁县儿童发展“十四五”规划") == "2021—2025"
    assert find_period("某某市“十三五”教育发展规划") == "2016—2020"
    assert find_period("大庆市儿童发展规划（2021一2025年）") == "2021—2025"


def test_draft_title_is_a_draft():
    details = find_details(lines_of("临汾市妇女发展规划（2021—2030年）\n（征求意见稿）\n一、指导思想\n"))
    assert details.title == "临汾市妇女发展规划（2021—2030年）（征求意见稿）"
    assert details.status == "征求意见稿" and details.subject == "妇女" and details.city == "临汾市"


def test_a_title_in_traditional_characters_keeps_its_characters_but_gives_the_subject_and_status():
    details = find_details(lines_of("大寧縣兒童發展“十四五”規劃\n（徵求意見稿）\n一、指導思想\n"))
    assert details.title.startswith("大寧縣兒童發展")         # quoted as written
    assert (details.subject, details.status, details.period) == ("儿童", "征求意见稿", "2021—2025")
    assert details.county == "大宁县"
    body = find_details(lines_of("一、指導思想\n婦女是社會的半邊天。婦女發展……\n"))
    assert body.subject == "妇女"


def test_plan_on_another_subject_takes_the_subject_words_of_its_title():
    assert find_subject("某某市“十四五”教育发展规划") == "教育"
    details = find_details(lines_of("大庆市“十四五”教育发展规划\n一、发展基础\n"))
    assert (details.subject, details.period, details.city) == ("教育", "2021—2025", "大庆市")


def test_document_number_in_any_bracket_form():
    for written in ("曾政发〔2022〕8号", "曾政发[2022]8号", "曾政发（2022）8号", "曾政发(2022) 8号"):
        assert find_doc_number(lines_of(written)) == "曾政发〔2022〕8号"


def test_a_document_number_printed_under_the_title_is_a_detail_not_a_passage(tmp_path):
    source = (CORPUS / "daqing-children-2021-2025.txt").read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(source) if line.strip()) + 1        # under the title line
    path = tmp_path / "daqing.txt"
    path.write_text("\n".join(source[:at] + ["　　庆政发〔2022〕12 号"] + source[at:]), encoding="utf-8")
    [want], [got] = parse_file(CORPUS / "daqing-children-2021-2025.txt"), parse_file(path)
    assert got.meta.doc_number == "庆政发〔2022〕12号" and got.meta.title == want.meta.title
    assert [p.text for p in got.passages] == [p.text for p in want.passages]


@pytest.mark.parametrize("head", [
    ["大庆市人民政府文件", "庆政发〔2021〕12号", "大庆市人民政府关于印发大庆市儿童发展规划（2021-2025年）的通知",
     "各县、区人民政府：", "现将《大庆市儿童发展规划（2021-2025年）》印发给你们，请认真贯彻执行。", "大庆市人民政府",
     "2021年12月30日"],
    ["大庆市人民政府文件", "庆政发〔2021〕12号"],                # a red head over the plan, no notice and no signature
    # a red head without 文件 right above the notice's title: it was taken as the head of the title
    ["大庆市人民政府", "庆政发〔2021〕12号", "大庆市人民政府关于印发大庆市儿童发展规划（2021-2025年）的通知",
     "各县、区人民政府：", "现将《大庆市儿童发展规划（2021-2025年）》印发给你们，请认真贯彻执行。", "大庆市人民政府",
     "2021年12月30日"],
])
def test_the_red_head_and_its_number_are_not_taken_into_the_issuer(tmp_path, head):
    plan = (CORPUS / "daqing-children-2021-2025.txt").read_text(encoding="utf-8")
    path = tmp_path / "daqing.txt"
    path.write_text("\n\n".join(head) + "\n\n" + plan, encoding="utf-8")
    [meta] = load_corpus(tmp_path).plans
    assert (meta.issuer, meta.doc_number) == ("大庆市人民政府", "庆政发〔2021〕12号")


def test_a_period_in_full_width_digits_is_read_and_the_title_kept_as_written(tmp_path):
    """（２０２１—２０３０年）, as many official documents type it: no period was found (a warning, and the plan
    listed under no period)."""
    text = (CORPUS / "xinchengqu-children-2021-2030.txt").read_text(encoding="utf-8")
    assert "（2021—2030年）" in text
    (tmp_path / "x.txt").write_text(text.replace("（2021—2030年）", "（２０２１—２０３０年）"), encoding="utf-8")
    [meta] = load_corpus(tmp_path).plans
    assert meta.period == "2021—2030"
    assert meta.title.endswith("（２０２１—２０３０年）")
    assert not any("period" in w for w in meta.warnings)
    assert find_period("规划期为２０２１－２０２５年") == "2021—2025"


def test_an_edited_title_and_period_are_taken_from_the_document_with_a_warning(tmp_path):
    """A drafter edits 大庆's title to （2021—2030年）: plans.toml's 2021—2025 was kept silently, and every value was
    given as the 2025 target of a plan now running to 2030."""
    from indexer.corpus import parse_corpus
    from tests_support import copy_plans

    copy_plans(tmp_path, ["daqing-children-2021", "xinchengqu-children-2021"])
    path = tmp_path / "daqing-children-2021-2025.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("（2021-2025年）", "（2021—2030年）", 1), encoding="utf-8")
    corpus = load_corpus(tmp_path)
    plans = {p.meta.id: p for p in parse_corpus(corpus)}
    daqing = plans["daqing-children-2021"]
    assert daqing.meta.title == "大庆市儿童发展规划（2021—2030年）" and daqing.meta.period == "2021—2030"
    assert any("plans.toml says 2021—2025" in w for w in daqing.warnings)
    assert not plans["xinchengqu-children-2021"].warnings or not any("plans.toml says" in w
                                                                     for w in plans["xinchengqu-children-2021"].warnings)


def test_a_file_name_with_chinese_and_a_letter_or_two_gets_an_id_from_the_place_code(tmp_path):
    """p_双鸭山.txt uploaded twice became plans 'p' and 'p-2': the id came from the letters the name has."""
    path = tmp_path / "p_双鸭山.txt"
    shutil.copy(CORPUS / "daqing-children-2021-2025.txt", path)
    (plan,) = parse_file(path)
    assert plan.meta.id == "230600-children-2021"
