"""The CC-CEDICT lexicon (issue 12, round 3): English and mixed questions, colloquial words and abbreviations
mapped to the plans' terms, place names typed in Latin letters, and unanswerable everyday topics still refused."""
from __future__ import annotations

import pytest

from plansearch import lexicon
from plansearch.ask import Asker
from plansearch.search import SearchRequest


@pytest.fixture(scope="module")
def lex() -> lexicon.Lexicon:
    return lexicon.get()


def test_the_dictionary_ships_with_the_package_and_links_words_by_sense(lex):
    assert lexicon.cedict_file() is not None and lex
    assert "近视" in lex.english("myopia") and "溺水" in lex.english("drowning")
    assert "初中" in lex.english("junior high school")
    assert "龋齿" in lex.related("蛀牙")                 # both "tooth decay"
    assert "计划生育" in lex.related("计生")               # "abbr. for 計劃生育"
    assert "职业教育" in lex.long_forms("职教")
    assert lex.latin_names("大庆") == {"daqing"} and {"hohhot", "huhehaote"} <= lex.latin_names("呼和浩特")


def test_the_parsed_dictionary_is_kept_in_the_cache_folder_and_read_back_alike(tmp_path, lex):
    (tmp_path / "lexicon-v1-100-200.marshal").write_bytes(b"tables of an earlier install's dictionary file")
    (tmp_path / "lexicon-v2-100-200.sqlite").write_bytes(b"tables of an earlier install's dictionary file")
    first = lexicon.Lexicon.cached(tmp_path)
    names = [p.name for p in tmp_path.iterdir()]
    assert len(names) == 1 and names[0].startswith(f"lexicon-v{lexicon.CACHE_VERSION}-") and names[0].endswith(".sqlite")
    assert "-100-200" not in names[0]
    again = lexicon.Lexicon.cached(tmp_path)
    assert again.english("myopia") == first.english("myopia") == lex.english("myopia")
    assert again.latin_names("乡宁") == {"xiangning"} and again.related("蛀牙") == lex.related("蛀牙")
    assert again.long_forms("职教") == lex.long_forms("职教")


def _two_entries(tmp_path, monkeypatch):
    """A dictionary file of two entries in place of the real one (which takes seconds to parse)."""
    import gzip

    dictionary = tmp_path / "cedict.txt.gz"
    dictionary.write_bytes(gzip.compress("近視 近视 [jin4 shi4] /shortsighted/nearsighted/myopia/\n"
                                         "溺水 溺水 [ni4 shui3] /to drown/\n".encode()))
    monkeypatch.setattr(lexicon, "cedict_file", lambda: dictionary)


def test_a_damaged_tables_file_is_made_again(tmp_path, monkeypatch):
    _two_entries(tmp_path, monkeypatch)
    cache = tmp_path / "cache"
    lexicon.Lexicon.cached(cache)
    [table] = cache.iterdir()
    table.write_bytes(b"a damaged file")                              # made again, not an error
    assert lexicon.Lexicon.cached(cache).english("myopia") == ("近视",)
    assert [p.name for p in cache.iterdir()] == [table.name] and table.read_bytes() != b"a damaged file"


def test_a_full_disk_while_writing_the_tables_leaves_no_file_and_the_lexicon_works(tmp_path, monkeypatch):
    import sqlite3

    _two_entries(tmp_path, monkeypatch)                # the real file would take seconds, twice
    write = lexicon.write_tables

    def full(db, tables):
        if not db.execute("PRAGMA database_list").fetchone()[2]:       # the in-memory fallback: written as usual
            return write(db, tables)
        db.execute("CREATE TABLE senses (word TEXT, pos INTEGER, sense TEXT)")     # some rows, then a full disk
        db.executemany("INSERT INTO senses VALUES (?, 0, 'x')", [(w,) for w in tables["senses"]])
        db.commit()
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(lexicon, "write_tables", full)
    cache = tmp_path / "cache"
    got = lexicon.Lexicon.cached(cache)
    assert list(cache.iterdir()) == []                            # nothing half-written stays in the cache folder
    assert got.english("myopia") == ("近视",) and got.english("drowning") == ("溺水",)   # parsed in memory instead


def test_english_stop_words_and_numbers_are_never_missing_concepts(fake_searcher):
    r = fake_searcher.search(SearchRequest(q="childcare services for children under 3"))
    assert r.concepts == ["childcare"] and r.missing_concepts == []
    r = fake_searcher.search(SearchRequest(q="what is the 2025 myopia rate target for junior high school students"))
    assert {"myopia", "junior high school"} <= set(r.concepts) <= {"myopia", "junior high school", "students"}
    assert r.missing_concepts == []
    # a question told as a sentence: contractions and words of how often or still are no topic either
    r = fake_searcher.search(SearchRequest(q="I'm worried: my son still keeps getting myopia checks, don't they ever stop?"))
    assert not {"i'm", "still", "keeps", "getting", "don't", "ever"} & set(r.concepts) and "myopia" in r.concepts


def test_a_pinyin_place_name_selects_its_plan_from_the_plan_metadata(fake_searcher):
    r = fake_searcher.search(SearchRequest(q="Xiangning preschool education"))
    assert r.interpreted.plans == ["xiangning-children-2021"]
    assert "xiangning" not in r.concepts and r.results[0].plan_id == "xiangning-children-2021"
    r = fake_searcher.search(SearchRequest(q="Hohhot drowning"))          # the English name, from the dictionary
    assert r.interpreted.plans == ["xinchengqu-children-2021"]


def test_a_place_typed_with_the_wrong_homophone_is_read_as_the_plans_and_said_so(fake_searcher):
    """大清市 (a pinyin input method's wrong pick for 大庆市) was "no plan for 大清市"; a real other place that sounds
    otherwise (大同市) or ends otherwise (新兴县, not 新星市) stays unknown."""
    r = fake_searcher.search(SearchRequest(q="大清市新生儿疾病筛查率"))
    assert r.interpreted.plans == ["daqing-children-2021"] and r.interpreted.place_as_typed == "大清市"
    answer = Asker(fake_searcher, fake_searcher.settings).ask("大清市新生儿疾病筛查率")
    assert answer.answer.startswith("（“大清市”按“大庆市”理解）大庆市儿童规划：新生儿疾病筛查率")
    assert [v.value for v in answer.values] == ["99%以上"]
    for q, place in (("大同市新生儿疾病筛查率", "大同市"), ("新兴县儿童溺水", "新兴县")):
        r = fake_searcher.search(SearchRequest(q=q))
        assert r.interpreted.plans == [] and r.interpreted.unknown_place == place, q


def test_a_short_form_reaches_two_words_a_plan_writes_one_after_the_other(fake_searcher):
    """网贷: the dictionary has no entry and the plans no one-word long form; 曾都's plan writes 网络贷款 (网络, 贷款).
    A short form that is a word of its own (保安, not 保护安全) is no short form."""
    forms = fake_searcher.vocabulary.forms
    assert "网络贷款" in forms("网贷") and "妇女发展" in forms("妇发")
    assert not any(len(f) == 4 and f.startswith("保") for f in forms("保安"))
    r = fake_searcher.search(SearchRequest(q="妇女怎么防范网贷诈骗"))
    assert not r.no_answer and "网络贷款" in r.results[0].text


@pytest.mark.slow
def test_a_yearly_number_asked_in_english_is_the_plans_value_and_a_criminal_is_a_criminal(real_searcher):
    """per year / a year is 每年 and receive 接受, as the plans write them: 大庆's parents get family education
    guidance at least 2次 a year. 罪犯 is the plans' 犯罪人员 (性侵害儿童犯罪人员信息公开制度)."""
    asker = Asker(real_searcher, real_searcher.settings)
    answer = asker.ask("How many times per year do parents in Daqing receive family education guidance?")
    assert [(v.plan_id, v.value) for v in answer.values] == [("daqing-children-2021", "2次")]
    r = real_searcher.search(SearchRequest(q="性侵儿童的罪犯信息公开吗"))
    assert not r.no_answer and "罪犯" not in r.missing_concepts and "犯罪人员信息公开" in r.results[0].text


@pytest.mark.slow
def test_a_word_the_dictionary_calls_a_short_form_reaches_the_plans_long_form(real_searcher):
    """外教 is a word of jieba's dictionary, so it was taken for no short form; CC-CEDICT says it abbreviates 外国教师,
    and the plans write 外籍教师 (外籍, 教师). 纹身 is how most type 文身, the plans' word."""
    forms = real_searcher.vocabulary.forms
    assert "外籍教师" in forms("外教") and "文身" in forms("纹身")
    r = real_searcher.search(SearchRequest(q="外教要查无犯罪证明吗"))
    assert not r.no_answer and "外教" not in r.missing_concepts and any("外籍教师" in h.text for h in r.results[:3])
    r = real_searcher.search(SearchRequest(q="未成年人纹身有人管吗"))
    assert not r.no_answer and "文身" in r.results[0].text


def test_a_colloquial_word_and_an_abbreviation_reach_the_plans_terms(fake_searcher):
    r = fake_searcher.search(SearchRequest(q="小孩蛀牙"))
    assert r.missing_concepts == [] and "龋齿" in r.results[0].text
    r = fake_searcher.search(SearchRequest(q="发展职教"))
    assert r.missing_concepts == [] and any("职业教育" in h.text for h in r.results[:3])


@pytest.mark.slow
def test_an_english_target_question_gets_the_value_of_the_indicator_it_names(real_searcher):
    answer = Asker(real_searcher, real_searcher.settings).ask("Hohhot Xincheng newborn mortality rate target")
    assert answer.answer_type == "value"
    assert [(v.indicator, v.value) for v in answer.values] == [("新生儿死亡率", "3.0‰以下")]   # not 婴儿, 5岁以下


@pytest.mark.slow
def test_english_and_colloquial_questions_with_the_real_model(real_searcher):
    asker = Asker(real_searcher, real_searcher.settings)
    for q in ("protection of left-behind children in Daqing", "tooth decay in 12 year old children",
              "孩子长蛀牙", "Zengdu domestic violence against women"):
        r = real_searcher.search(SearchRequest(q=q))
        assert not r.no_answer and not asker.ask(q).no_answer, (q, r.missing_concepts)
    # "like" and "aimed at" introduce what follows, and full-time is one word (专职): none is a topic to find
    for q in ("Does Zengdu have a women's rights hotline like 12338?", "rules on tobacco ads aimed at minors in Daqing",
              "full-time social workers for children in each township",
              # plan vocabulary of emergencies: priority (优先), supply (供给), food (食品), necessities (用品)
              "priority supply of food and daily necessities for children during epidemics",
              "Zengdu: preventing sexual harassment in workplaces",       # a workplace is a 单位 in the plans
              "play equipment in residential compounds and parks",         # 居住小区 游乐设施
              "follow-up visits to adopted children"):                     # 收养 回访
        r = real_searcher.search(SearchRequest(q=q))
        assert not r.no_answer and r.missing_concepts == [], (q, r.concepts, r.missing_concepts)
    # everyday topics the plans do not cover stay refused, though a related word (工资, 手表 → 表) matches
    for q in ("minimum wage increase for workers", "给孩子买电话手表", "共享单车乱停乱放", "shared bike parking"):
        assert real_searcher.search(SearchRequest(q=q)).no_answer, q
        assert asker.ask(q).no_answer, q
