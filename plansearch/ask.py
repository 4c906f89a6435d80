"""Answers in the form that fits the question, built only from cited plan text.

- a value question (新星市小学生近视率目标是多少) → the value as written, with plan, year and citation;
- a "what do others do" question → per plan, the matching measure titles with citations;
- nothing answers it → says so instead of guessing.
Optionally (off by default) an OpenAI-compatible endpoint turns the cited passages into short prose;
when it is unreachable the extractive answer stands alone."""
from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.request
from functools import lru_cache
from typing import Callable

from pydantic import BaseModel, Field

from indexer.normalize import for_the_model, normalize_for_index
from indexer.targets import (BOUNDS, CHANGE_VERBS, NUM, SYMBOL_DIRECTIONS, VALUE, VERB_ALT, WORDED_VALUES, fold,
                             indicator_specs, period_years, value_with_unit)
from plansearch.evidence import (EVIDENCE_DEPTH, RE_ASK_TURN, RE_BASELINE, RE_HAN, SUBJECT_PREFIXES, mostly_latin,
                                 states_every_topic)
from plansearch.records import KIND_LABELS, Indicator, Kind, SourceSpan
from plansearch.search import Searcher, SearchRequest
from plansearch.settings import Settings
from plansearch.understand import DOMAIN_WORDS, without_what_is_excluded

log = logging.getLogger(__name__)

GROUP_DEPTH = 15        # hits considered for a grouped answer
MAX_LISTED = 40         # a domain's targets listed, at most
MAX_PER_PLAN = 3
RARE_SHARE = 0.05       # a query word found in fewer passages than this share is distinctive
# a year (2030年); `asked_years` leaves out a base year (以2020年为基数, 在2020年基础上, 比2020年下降)
RE_YEAR = re.compile(r"(20[2-3]\d)\s*年?")
# asking for a number in English, as 多少 and 几 ask in Chinese (How many pediatric beds per 1000 children)
ENGLISH_NUMBER = r"\bhow (?:many|much|high|low)\b|\bwhat (?:percentage|proportion|share|number)\b"
# a number asked by 几 and its unit (几天, 几岁, 几个小时, 几回 as 几次, 百分之几): how many, how long, how old, what share
# (not 这几年, 近几天, 好几个, 被几个同学: a few; 哪几所: which; 十几岁: in the teens; nor 几年级: which grade)
HOW_MANY = r"(?<![这那近前后头过哪十好被])几\s*(?:个|次|回|遍|趟|所|名|天|周|岁|年(?!级)|月|小时|分钟|公里|元|块钱|毛钱|倍|项|人|张|家|成|座|处|支|条|批|户|床)|[百千万]分之几"
VALUE_QUESTION = re.compile(r"多少|目标|指标|比例|比重|占比|达到|控制在|降至|数值|率|数$|"
                            + HOW_MANY + "|" + ENGLISH_NUMBER, re.IGNORECASE)
NUMBER_QUESTION = re.compile(r"多少|标准是|补贴标准|发放标准|具体数值|" + HOW_MANY +
                             r"|率的?(?:目标|指标)值?[?？]?$|率(?:是|要|定在|达到|控制在|降到|提高到)|"     # 使用率目标
                             + ENGLISH_NUMBER, re.IGNORECASE)
# a number in digits, or in words with its unit (未满十六周岁, 两小时)
RE_NUMBER = re.compile(r"\d|[一二两三四五六七八九十百千]+(?:周岁|岁|小时|个月|天|周|次|名|所|倍|成)")
RE_CLAUSE = re.compile(r"[。；;！？!?，,\n]")
RE_ASPIRED = re.compile(rf"力争(?:{VERB_ALT})?$")
RE_SENTENCE = re.compile(r"[。；;！？!?\n]")
RE_YEAR_STATED = re.compile(r"(20[2-3]\d)\s*年")
RE_YEAR_RANGE = re.compile(r"(?:19|20)\d\d\s*年?\s*(?:—|–|-|～|~|至|到)\s*(?:19|20)\d\d\s*年?")   # a period, not a year
NO_VALUE_TEXT = "已收录的规划中没有找到这个问题所问的数值。可以换个说法，或在检索中查看相关条文。"
NO_ANSWER_TEXT = "在已收录的规划中没有找到能回答这个问题的内容。可以换个说法，或去掉地名、年份再试。"


class Citation(BaseModel):
    passage_id: str | None
    plan_id: str
    plan_title: str
    source: SourceSpan


class ValueAnswer(BaseModel):
    plan_id: str
    plan_title: str
    indicator: str
    indicator_as_written: str
    value: str
    year: int | None
    year_inferred: bool
    direction: str
    implausible: bool
    passage_id: str | None
    quote: str = Field(description="the cited sentence(s) the value is read from")
    baseline: str | None = Field(None, description="the base a relative change is measured from: 以2020年为基数")
    source: SourceSpan


class GroupItem(BaseModel):
    passage_id: str
    title: str
    kind: Kind
    source: SourceSpan


class PlanGroup(BaseModel):
    plan_id: str
    plan_title: str
    items: list[GroupItem]
    other_place: bool = Field(False, description="a plan other than the one the question names")


class AskResponse(BaseModel):
    query: str
    answer_type: str = Field(description="value | grouped | none")
    answer: str = Field(description="a short extractive answer; every statement comes from the citations")
    no_answer: bool
    confidence: float | None
    values: list[ValueAnswer] = []
    groups: list[PlanGroup] = []
    citations: list[Citation] = []
    related: list[Citation] = Field([], description="相关条文: the closest passages when no plan states what was asked")
    named_plans: list[str] = Field([], description="plans the question names; they lead the answer")
    prose: str | None = Field(None, description="an LLM's wording of the cited passages, when one is configured")
    prose_error: str | None = None


def _label(meta, plans: dict | None = None) -> str:
    """大庆市儿童规划 / 曾都区妇女规划: names the plan, not only the place (曾都区 has two). Two versions of one plan
    among `plans` (a draft and its final text, a revision) are told apart by what differs: 乡宁县儿童规划（征求意见稿）
    and 乡宁县儿童规划（正式）, else the period, the date, the document number or the id."""
    label = f"{meta.short_name}{meta.subject}规划"
    versions = [m for m in (plans or {}).values()
                if m.id != meta.id and m.short_name == meta.short_name and m.subject == meta.subject]
    if not versions:
        return label
    for field, shown in (("status", "{}"), ("period", "{}年"), ("date", "{}"), ("doc_number", "{}")):
        mine = getattr(meta, field)
        if mine and all(getattr(m, field) != mine for m in versions):
            return f"{label}（{shown.format(mine)}）"
    return f"{label}（{meta.id}）"


ENUMERATION = "、和及与"      # between the heads of an enumeration: 新生儿、婴儿和5岁以下儿童死亡率


@lru_cache(maxsize=1)
def _alias_names() -> dict[str, str]:
    return {alias: spec.name for spec in indicator_specs() for alias in spec.aliases if alias}


GENERIC_RATES = frozenset({"覆盖率", "普及率", "达标率", "合格率", "完成率", "参与率", "知晓率", "满意率", "使用率",
                           "增长率", "建成率", "达到率", "比率"})     # what is measured, not of what


def find_indicators(query: str) -> list[str]:
    """Canonical indicator names the query mentions, in the order it names them: every alias found that is not part
    of a longer one found (儿童死亡率 inside 5岁以下儿童死亡率), and the heads of an enumeration sharing its tail
    (新生儿、婴儿和5岁以下儿童死亡率: three indicators); "近视率" alone names all of its kind."""
    spans = indicator_phrases(query)
    if spans:
        return list(dict.fromkeys(name for name, _ in spans))
    names: list[str] = []
    for run in re.findall(r"[\u4e00-\u9fff\d]{2,16}率", fold(query)):
        names += _named_by_tail(run)
    return list(dict.fromkeys(names))


def _named_by_tail(run: str) -> list[str]:
    """The indicators whose name holds the longest tail of `run` that any name holds, as written (新城区儿童死亡率 →
    儿童死亡率 → 5岁以下儿童死亡率, never 儿童伤害死亡率, whose name holds 儿童…死亡率 only apart)."""
    specs = indicator_specs()
    for size in range(len(run), 2, -1):
        tail = run[-size:]
        found = [s.name for s in specs if any(tail in fold(a) for a in (s.name, *s.aliases) if a)]
        if found and tail.startswith("学生") and len(tail) > 4:
            # 学生 names every school level (学生近视率: 小学生, 初中生, 高中阶段学生), and 初中生近视率 does not write it
            return _named_by_tail(tail[2:])
        if found:
            # a tail of a generic rate alone (家长学校覆盖率 → 覆盖率) names no indicator: it named every coverage rate
            # of the plans, and the question was told no plan sets a value for them
            return [] if tail in GENERIC_RATES else found
    return []


def indicator_phrases(query: str) -> list[tuple[str, str]]:
    """(canonical name, the alias it was found by) for each indicator the query names by an alias, in order."""
    folded = fold(query)
    spans: list[tuple[int, int, str, str]] = []
    for alias, name in _alias_names().items():
        start = folded.find(alias)
        while start >= 0:
            spans.append((start, start + len(alias), name, alias))
            spans += _enumerated(folded, start, alias)
            start = folded.find(alias, start + 1)
    kept = [(a, b, name, phrase) for a, b, name, phrase in spans
            if not any(c <= a and b <= d and d - c > b - a for c, d, _, _ in spans)]
    return [(name, phrase) for _, _, name, phrase in sorted(kept)]


def _enumerated(folded: str, start: int, alias: str) -> list[tuple[int, int, str, str]]:
    """The indicators named by the heads enumerated before an alias found at `start`, each with the alias's tail
    (新生儿、婴儿和|5岁以下儿童死亡率 → 新生儿死亡率, 婴儿死亡率): (start, end, name, head + tail) of each head."""
    names = _alias_names()
    out: list[tuple[int, int, str, str]] = []
    while start > 0 and folded[start - 1] in ENUMERATION:
        end = start - 1
        begin = end
        while begin > 0 and folded[begin - 1] not in ENUMERATION and re.match(r"[\u4e00-\u9fff\d]", folded[begin - 1]):
            begin -= 1
        found = next(((begin + cut, end, names[folded[begin + cut:end] + alias[t:]], folded[begin + cut:end] + alias[t:])
                      for cut in range(end - begin) for t in range(1, len(alias))
                      if folded[begin + cut:end] + alias[t:] in names), None)
        if found is None:
            break
        out.append(found)
        start = found[0]
    return out


def _attribute_concepts(query: str, concepts):
    """The question's topic concepts an indicator's sentence must state: those outside the words that named an
    indicator (城市, 农村, 2025…). The words of 高中生近视率 are settled by the alias that found 高中阶段学生近视率, and in
    新生儿和婴儿死亡率 婴儿 names the other indicator asked, not an attribute of 新生儿死亡率."""
    phrases = [phrase for _, phrase in indicator_phrases(query)]
    # what the asker tells of themselves before asking (我在曾都上班，刚怀上二胎，想问下…孕产妇死亡率…) is no attribute
    # of the indicator asked after it
    m = RE_ASK_TURN.search(query)
    asked = query[m.end():] if m and phrases and all(p in query[m.end():] for p in phrases) else query
    # a verb says what the plans do with the value (哪些规划设定了婴儿死亡率目标), not which indicator: not an attribute
    # and who (学生 of 初二学生近视率 names every school level: 初中生近视率 does not write it) is no attribute either
    return [c for c in concepts if not c.predicate and not c.context and c.word not in SUBJECT_PREFIXES
            and c.word not in MOTHERS
            and not any(f in p for p in phrases for f in (c.word, *c.forms)) and c.word in asked]


# who a maternal indicator is of (孕妇产前筛查率: the plan writes 产前筛查率), as 学生 is of 近视率
MOTHERS = frozenset({"孕妇", "孕产妇", "产妇", "孕妈", "孕妈妈", "准妈妈"})


def _asked_in_the_last_clause(q: str, concepts):
    """The concepts of a question's last clause when it asks the number and names a topic of its own (家里双胞胎刚上
    小学，天天熬夜，规划里对孩子每天睡几个小时有要求吗: 双胞胎, 熬夜 tell why it is asked); else all of them."""
    clauses = [c for c in RE_CLAUSE.split(normalize_for_index(q)) if c.strip()]
    if len(clauses) < 2 or not NUMBER_QUESTION.search(clauses[-1]):
        return concepts
    last = [c for c in concepts if c.word in clauses[-1]]
    return last if any(not c.predicate for c in last) else concepts


def asked_years(q: str) -> list[str]:
    """The years a question asks a value for: its years, but for a base the change is measured from (在2020年基础上,
    以2020年为基数, 跟2020年比, 较2020年)."""
    return RE_YEAR.findall(RE_BASELINE.sub(" ", q))


RE_AGE = re.compile(r"(\d{1,2})\s*(?:周岁|岁)")
RATIO_QUESTION = re.compile(r"比例|比重|占比|百分之|百分比|千分之|万分之|率")
# a sum of money asked (一天补几块钱, 发多少钱, 多少元) and stated (每生每天4元, 500万元)
MONEY_QUESTION = re.compile(r"(?:几|多少)\s*(?:块钱?|元|毛钱?|万元|钱)|\b(?:yuan|rmb)\b", re.IGNORECASE)
MONEY_VALUE = re.compile(r"\d\s*(?:元|块|万元|亿元)")
COUNT_VALUE = re.compile(r"\d\s*(?:名|个|人|所|张|家|次|种|项|支|座|处)")
COUNT_QUESTION = re.compile(r"(?:几|多少)\s*(?:名|个|人|所|张|家|次|种|项|支|座|处|回|遍)(?!百分点)|\bhow many\b",
                            re.IGNORECASE)


def _fits_the_question(q: str, i: Indicator, sentence: Callable[[Indicator], str]) -> bool:
    """A value answers only what the question asks: an age it names (6岁儿童近视率) is in the indicator's name or
    sentence (read only then), a share it asks for (女干部比例) is a share, not a head count (1名), and a count it
    asks for (几次, 几所) is not a share."""
    if RATIO_QUESTION.search(q) and COUNT_VALUE.search(i.value) and not re.search(r"[%‰％]", i.value):
        return False
    if COUNT_QUESTION.search(q) and not RATIO_QUESTION.search(q) and re.search(r"[%‰％]", i.value):
        return False          # 几次, 几所: a count, not a share of communities (家长接受几次家庭教育指导 was 90%)
    if re.match(r"\s*[、，,；;：:]", i.name_as_written):
        return False          # a piece of a list read as a name (、初中生9小时、高中生 … 8小时): whose value it is is unclear
    ages = set(RE_AGE.findall(q))
    # the age in the value's own clause: "6岁儿童近视率控制在3%左右，小学生近视率下降到33%以下" sets 33% for no 6岁
    return not ages or ages <= set(RE_AGE.findall(f"{i.name} {i.name_as_written} {_value_clause(sentence(i), i.value)}"))


# a number a measure states, with its unit and bound (10分钟, 45所, 2—3所): the targets' grammar, and the units
# measures count in besides
RE_STATED_NUMBER = re.compile(rf"(?:{VALUE}|每?{NUM}(?:(?:—|–|-|～|~|至|到){NUM})?\s*(?:分钟|公里|千米|平方米|米|万元|亿元|元|"
                              rf"周岁|周|个月|年|倍|家|支|座|处|项|种|条|批|户|床|套|间)(?:{'|'.join(BOUNDS)})?)")   # (18周岁, not 18周)
RE_SHARE_ASKED = re.compile(r"多大|比例|比重|占比")       # 在多大比例的社区建…, 覆盖比例: a share asked
# a bound a plan writes before its number (不低于80%, 不少于2次, 至少1名, ≥90% is in the value already)
RE_BOUND_BEFORE = re.compile(r"(不低于|不少于|不高于|不超过|不多于|至少|最少|最多|低于|高于|少于|多于)\s*$")


def _stated_value(i: Indicator, quote: str = "") -> str:
    """The value as the answer states it: a change relative to a base year (以2020年为基数下降15%) keeps its verb, or
    "15%" would read as the rate itself; a bound written before the number (不低于80%) is kept as the quote writes
    it, or "80%" would read as the target itself."""
    value = value_with_unit(i)
    if i.value in WORDED_VALUES:
        return i.value            # 翻一番, 全覆盖 say their own direction
    if i.direction in CHANGE_VERBS and not i.value.startswith(i.direction):
        return f"{i.direction}{value}"
    at = quote.find(i.value) if quote and i.value else -1
    if at > 0 and (bound := RE_BOUND_BEFORE.search(quote[:at])):
        return bound.group(1) + value
    return value


def _aspired(i: Indicator, quote: str) -> str:
    """力争 where the plan writes it before the value (力争达到80%): an aim, not a commitment, as the plan says."""
    at = re.sub(r"\s+", "", quote).find(re.sub(r"\s+", "", i.value)) if i.value else -1
    return "力争" if at > 0 and RE_ASPIRED.search(re.sub(r"\s+", "", quote)[:at]) else ""


def _direction_before(i: Indicator) -> str:
    """The direction word the answer writes before the value, unless the value states it (降至5‰以下, or ≥80%,
    which read 不低于≥80% with it)."""
    if i.value in WORDED_VALUES:
        return "实现" if i.value == "全覆盖" else ""        # 实现全覆盖; 翻一番 says which way itself
    return "" if i.direction in i.value or i.value.lstrip()[:1] in SYMBOL_DIRECTIONS else i.direction


def _pieces_stating(text: str, concepts, question: str) -> list[tuple[str, str]]:
    """(piece as written, its number) for each clause of `text` stating every topic concept with a number: the
    clause, when it has one number; else, of its list items with one number each, the one stating most topics, when
    no other states as many (中心城区“10分钟急救圈”、非中心城区“15分钟急救圈”; 每天小学生10小时、初中生9小时…)."""
    topics = [c for c in concepts if not c.predicate]
    if not topics:
        return []
    out = []
    for clause in RE_CLAUSE.split(text):
        numbers = _numbers_in(clause)
        if not numbers or not all(_states_as_asked(c, normalize_for_index(clause), question) for c in topics):
            continue
        if len(numbers) == 1:
            out.append((clause.strip(" \n"), re.sub(r"\s+", "", numbers[0])))
            continue
        items = [(item, found[0]) for item in clause.split("、") if len(found := _numbers_in(item)) == 1]
        scored = [(sum(_states_as_asked(c, normalize_for_index(item), question) for c in topics), item, number)
                  for item, number in items]
        most = max((score for score, _, _ in scored), default=0)
        best = [(item, number) for score, item, number in scored if score == most]
        if most and len(best) == 1:
            out.append((best[0][0].strip(" \n"), re.sub(r"\s+", "", best[0][1])))
    return out


def _up_to_value(sentence: str, value: str) -> str:
    """The sentence up to the end of the clause that states `value`: what follows says something else (三类残疾儿童义务教育
    入学率达到97%，接受高中阶段教育的人数比例逐步提高 sets no 高中 rate of 97%)."""
    squashed, squashed_value = re.sub(r"\s+", "", sentence), re.sub(r"\s+", "", value)
    at = squashed.find(squashed_value) if squashed_value else -1
    if at < 0:
        return sentence
    end = RE_CLAUSE.search(squashed, at + len(squashed_value))
    return squashed[:end.start()] if end else squashed


def _value_clause(sentence: str, value: str) -> str:
    """The clause of `sentence` that states `value` (the whole sentence when it is not found)."""
    squashed, squashed_value = re.sub(r"\s+", "", sentence), re.sub(r"\s+", "", value)
    at = squashed.find(squashed_value) if squashed_value else -1
    if at < 0:
        return sentence
    start = max((m.end() for m in RE_CLAUSE.finditer(squashed, 0, at)), default=0)
    return _up_to_value(squashed[start:], value)


def _numbers_in(text: str) -> list[str]:
    """The numbers `text` states, but for years (2021-2025年) and what a document's title holds (《…》)."""
    return [n for n in RE_STATED_NUMBER.findall(re.sub(r"《[^》]*》", "", text))
            if not re.fullmatch(r"(?:19|20)\d\d(?:\D+(?:19|20)\d\d)?年.*", re.sub(r"\s+", "", n))]


def _states_as_asked(concept, text: str, question: str) -> bool:
    """The concept stated in `text` as the question states it: 非中心城区 is not 中心城区, unless 非 is asked too."""
    if not concept.in_text(text):
        return False
    for form in concept.forms:
        negated = f"非{form}" in question
        at = text.find(form)
        while at >= 0:
            if (at > 0 and text[at - 1] == "非") == negated:
                return True
            at = text.find(form, at + 1)
    return bool(concept.parts)        # stated by its parts, wherever they stand


def _in_chinese(concepts, missing: list[str]) -> str:
    """The refusal of a question in English: the plans are written in Chinese, what was not found said in the
    words looked for, and the Chinese terms to search with."""
    chinese = {c.word: c.word if RE_HAN.search(c.word) else next((f for f in c.forms[1:] if RE_HAN.search(f)), None)
               for c in concepts}
    terms = list(dict.fromkeys(t for t in chinese.values() if t))
    lacking = [f"{w}（{chinese[w]}）" if chinese[w] and chinese[w] != w else w for w in chinese if w in missing]
    return ("已收录的规划原文为中文，英文问题按中英对照词检索。"
            + (f"没有找到同时写到这些内容的条文：{'、'.join(lacking)}。" if lacking else "没有找到能回答这个问题的条文。")
            + (f"可以用中文检索：{' '.join(terms)}。" if terms else "可以用中文提问再试。"))


def _related(response) -> list[Citation]:
    """The three closest passages of a search, shown as 相关条文 beside a refusal."""
    return [Citation(passage_id=h.passage_id, plan_id=h.plan_id, plan_title=h.plan_title, source=h.source)
            for h in response.results[:3]]


class Asker:
    def __init__(self, searcher: Searcher, settings: Settings):
        self.searcher = searcher
        self.settings = settings

    def ask(self, q: str) -> AskResponse:
        """The answer to `q`, read with full-width forms folded and traditional characters simplified (５岁以下,
        貧血率), as the plans and their indicators are written; the response keeps the question as typed."""
        folded = without_what_is_excluded(for_the_model(q))
        response = self.searcher.search(SearchRequest(q=folded, k=GROUP_DEPTH))      # validates q as search does
        answer = self._answer(folded, response)
        answer.query = q.strip()
        interp = response.interpreted
        if interp and interp.place_as_typed:          # 大清市, read as 大庆市: said, so that a wrong guess shows
            answer.answer = f"（“{interp.place_as_typed}”按“{interp.place}”理解）" + answer.answer
        return answer

    def _answer(self, q: str, response) -> AskResponse:
        s = self.searcher
        interp = response.interpreted
        if interp and interp.unknown_place and not interp.plans:
            return AskResponse(query=q.strip(), answer_type="none", no_answer=True, confidence=response.confidence,
                               answer=f"已收录的规划中没有“{interp.unknown_place}”的规划。" + NO_ANSWER_TEXT[len("在已收录的规划中没有找到能回答这个问题的内容。"):])
        concepts = s.concepts(q, interp) if interp else []
        names = find_indicators(q)
        plans = interp.plans if interp else []
        if not names and (listed := self._domain_targets(q, interp, concepts, response.confidence)):
            return self._finish(listed)
        if lacked := self._domain_lacked(q, interp):
            # 汾西县儿童与家庭领域的主要目标有哪些, of a plan without that domain: say so, and give other places'
            labels = "、".join(dict.fromkeys(_label(s.plans[p], s.plans) for p in plans))
            return self._finish(self._grouped_answer(q, response, plans, lacking=True, concepts=concepts,
                                                     lacks=f"{labels}没有“{lacked}”这一领域"))
        values = self._values(q, names, plans, concepts) if names else []
        if values and not plans:
            # 各地新生儿访视率: the plans that set it only in a measure (保持在95%以上 under 策略措施) are among 各地 too
            have = {i.plan_id for i in values}
            values += self._values_in_measures(q, names, [p for p in s.plans if p not in have], concepts)
        if not values and (VALUE_QUESTION.search(q) or interp and interp.kind is Kind.target and interp.kind_word
                           and re.fullmatch(r"[a-z]+", interp.kind_word)):     # an English "rate", "target"
            values = self._values_from_hits(q, response.results, concepts, plans)
            if not values:       # an indicator the plans name otherwise (公办园在园幼儿占比, 儿科医生数): by its name,
                # in the plans of the subject asked (儿童医保参保率 is not the women's plan's 参保率)
                subject = interp.subject if interp else None
                values = [i for i in self._values_named(q, concepts) if (not plans or i.plan_id in plans)
                          and (not subject or s.plans[i.plan_id].subject == subject)]
        if not values and plans and names and (asked := sorted(set(asked_years(q)))):
            # the plan sets the value for another year (2030, asked 2025): say so, and give the year it sets
            other_years = [i for i in self._values(RE_YEAR.sub(" ", q), names, plans, concepts) if i.passage_id]
            if other_years:
                return self._finish(self._values_elsewhere(q, plans, other_years, response, "、".join(asked)))
        if not values and plans and (names or NUMBER_QUESTION.search(q)):
            # the plan asked about states no value for the indicator: say so, and give the other plans' values,
            # marked as other places (never as the named plan's answer)
            elsewhere = [i for i in (self._values(q, names, [], concepts) if names
                                     else self._values_named(q, concepts)) if i.passage_id]
            own = [i for i in elsewhere if i.plan_id in plans] or self._values_in_measures(q, names, plans, concepts)
            if own:        # the named plan states it after all (an indicator named otherwise, or set in a measure)
                values = own
            else:          # other plans among the hits that set it in a measure only
                stating = {i.plan_id for i in elsewhere}
                others = list(dict.fromkeys(h.plan_id for h in response.results
                                            if h.plan_id not in plans and h.plan_id not in stating))
                elsewhere += self._values_in_measures(q, names, others, concepts)
            if not own and elsewhere:
                return self._finish(self._values_elsewhere(q, plans, elsewhere, response))
        if values:
            # each value's own sentence states what was asked (`_states`): the evidence holds whatever the search's
            # best passages showed, so the confidence is on the answering side of the no-answer line
            confidence = max(response.confidence or 0.0, self.settings.no_answer_below)
            answer = self._value_answer(q, values, confidence)
            if wider := self._wider_place(interp, values):
                answer.answer = wider + answer.answer
            return self._finish(answer)
        related = _related(response)
        if not names and self._says_it_in_numbers(response, plans, asked := _asked_in_the_last_clause(q, concepts),
                                                  money=bool(MONEY_QUESTION.search(q)),
                                                  years={int(y) for y in asked_years(q)}):
            # 新城区要求初中生每天睡几个小时: no indicator, but the best passage states every topic of the question
            # with a number (初中生9小时…睡眠时间); "no number found" would be false: the passage is the answer. Where
            # one piece of it states them with one number (中心城区“10分钟急救圈”), that number is the value.
            stated = self._clause_value(q, response, plans, asked) if NUMBER_QUESTION.search(q) \
                or RE_SHARE_ASKED.search(q) else None
            return self._finish(stated or self._grouped_answer(q, response, plans, concepts=concepts))
        if NUMBER_QUESTION.search(q) or (names and VALUE_QUESTION.search(q) and interp and interp.kind is Kind.target):
            # it asks for a number and no plan states one for it: say so, and show the closest passages
            return AskResponse(query=q.strip(), answer_type="none", answer=NO_VALUE_TEXT, no_answer=True,
                               confidence=min(response.confidence or 0.0, 0.49), related=related)
        if response.named_plan_lacks:
            return self._finish(self._grouped_answer(q, response, plans, lacking=True, concepts=concepts))
        if response.no_answer or not response.results:
            return AskResponse(query=q.strip(), answer_type="none", no_answer=True, confidence=response.confidence,
                               answer=_in_chinese(concepts, response.missing_concepts) if mostly_latin(q)
                               else NO_ANSWER_TEXT, related=related)
        return self._finish(self._grouped_answer(q, response, plans, concepts=concepts))

    # -- value questions ---------------------------------------------------------------------
    def _states(self, i: Indicator, concepts) -> bool:
        """The sentence the value is read from says what the question asks (its concepts, or known forms)."""
        if not concepts:
            return True
        # the canonical name counts: the extractor read 婴儿死亡率 out of "新生儿、婴儿和5岁以下儿童死亡率分别…"
        text = normalize_for_index(f"{i.name} {i.name_as_written} {_up_to_value(self._sentence_of(i), i.value)}")
        return states_every_topic(concepts, text)

    def _sentence_of(self, i: Indicator) -> str:
        if i.passage_id:
            return self._quote(self.searcher.passage(i.passage_id).text, i)
        return f"{i.name_as_written} {i.value}"

    def _values(self, q: str, names: list[str], plans: list[str], concepts) -> list[Indicator]:
        rows = [i for i in self.searcher.index.indicators if i.name in names and (not plans or i.plan_id in plans)]
        years = {int(y) for y in asked_years(q)}
        if years:
            rows = [i for i in rows if i.year in years]     # 2025 asked: never the 2030 value
        attributes = _attribute_concepts(q, concepts)
        rows = [i for i in rows if self._states(i, attributes) and _fits_the_question(q, i, self._sentence_of)]
        # one sentence may state two indicators (95%的城市社区和85%的农村社区…): where some of a plan's indicators
        # name the attribute asked (农村) in their own name, the plan's others are not what was asked
        named = {i.plan_id for i in rows if attributes and
                 states_every_topic(attributes, normalize_for_index(f"{i.name} {i.name_as_written}"))}
        rows = [i for i in rows if i.plan_id not in named or
                states_every_topic(attributes, normalize_for_index(f"{i.name} {i.name_as_written}"))]
        # a plan's passage states the value; its summary-table row repeats it: prefer the passage. A plan stating
        # two values for one indicator and year (a domain pasted in twice, edited in one copy) gives both
        seen: set[tuple] = set()
        out = []
        for i in sorted(rows, key=lambda i: (i.passage_id is None, i.plan_id, i.name, i.year or 0)):
            key = (i.plan_id, i.name, i.year, i.number, i.unit)
            if key not in seen:
                seen.add(key)
                out.append(i)
        return out

    def _newest_first(self, rows: list[Indicator]) -> list[Indicator]:
        """Rows of one place's plans of one subject, the plan in force first (孝昌县's 2021—2030 plan before its
        2011—2020 one); places keep their order."""
        plans = self.searcher.plans
        place = lambda i: (plans[i.plan_id].short_name, plans[i.plan_id].subject)      # noqa: E731
        first = {p: n for n, p in reversed(list(enumerate(map(place, rows))))}
        end = lambda i: (period_years(plans[i.plan_id].period) or (0, 0))[1]  # noqa: E731
        return sorted(rows, key=lambda i: (first[place(i)], -end(i)))

    def _value_answer(self, q: str, rows: list[Indicator], confidence: float | None) -> AskResponse:
        s = self.searcher
        values, lines = [], []
        rows = self._newest_first(rows)
        # the phrase a 分别 sentence gives several values under (新生儿、婴儿和5岁以下儿童死亡率): in the answer each
        # value goes with its own indicator's name, never with the phrase that also names the others
        passages = {i.passage_id for i in rows if i.passage_id}
        names_under: dict[tuple, set[str]] = {}
        for j in s.index.indicators:          # one pass over the indicators
            if j.passage_id in passages:
                names_under.setdefault((j.passage_id, j.name_as_written), set()).add(j.name)
        for i in rows:
            meta = s.plans[i.plan_id]
            if i.passage_id:
                passage = s.passage(i.passage_id)
                source, quote = passage.source, self._quote(passage.text, i)
            else:
                source = SourceSpan(file=meta.source_file, line_start=i.table_line, line_end=i.table_line + 2)
                quote = f"{i.name_as_written} {i.value}"
            stated = _stated_value(i, quote)
            values.append(ValueAnswer(plan_id=i.plan_id, plan_title=meta.title, indicator=i.name,
                                      indicator_as_written=i.name_as_written, value=stated, year=i.year,
                                      year_inferred=i.year_inferred, direction=i.direction, implausible=i.implausible,
                                      passage_id=i.passage_id, quote=quote, source=source, baseline=i.baseline))
            when = f"到{i.year}年" if i.year and not i.year_inferred else (f"（规划期末{i.year}年）" if i.year else "")
            flag = "（原文如此，单位存疑）" if i.implausible else ""
            named = i.name if len(names_under.get((i.passage_id, i.name_as_written), ())) > 1 \
                else i.name_as_written or i.name
            lines.append(f"{_label(meta, self.searcher.plans)}：{named}{when}{i.baseline or ''}{_aspired(i, quote)}"
                         f"{_direction_before(i) if stated in (i.value, value_with_unit(i)) else ''}{stated}{flag}")
        return AskResponse(query=q.strip(), answer_type="value", answer="；".join(lines) + "。", no_answer=False,
                           confidence=confidence, values=values)

    def _wider_place(self, interp, rows: list[Indicator]) -> str:
        """"已收录的规划中没有黑龙江省的规划；其中大庆市的规划：" when the place asked (黑龙江省, 临汾市) is a
        province or city above the plans that answer: their values are theirs, never the wider place's."""
        place = interp.place if interp else None
        if not place:
            return ""
        metas = [self.searcher.plans[p] for p in dict.fromkeys(i.plan_id for i in rows)]

        def above(meta) -> str:
            for wider, lower in ((meta.province, meta.city or meta.county), (meta.city, meta.county)):
                if wider and lower and place in normalize_for_index(wider) and place not in normalize_for_index(lower):
                    return wider
            return ""

        wider = {above(meta) for meta in metas}
        if len(wider) != 1 or "" in wider:
            return ""
        names = "、".join(dict.fromkeys(m.county or m.city for m in metas))
        return f"已收录的规划中没有{wider.pop()}一级的规划；其中{names}的规划："

    def _values_elsewhere(self, q: str, named: list[str], rows: list[Indicator], response,
                          year: str | None = None) -> AskResponse:
        """"大庆市儿童规划没有规定孕产妇死亡率的目标值；其他地方的规定：曾都区妇女规划：…". The other plans' values are
        their target passages in `groups` (other places), not `values`: no value answers the question as asked.
        With `year`, `rows` are the named plan's own values for other years: "新城区儿童规划没有规定2025年的婴儿死亡率
        目标值；它规定的是：…（规划期末2030年）…"."""
        s = self.searcher
        stated = self._value_answer(q, rows, None)
        groups: dict[str, PlanGroup] = {}
        for i in rows:
            meta = s.plans[i.plan_id]
            group = groups.setdefault(i.plan_id, PlanGroup(plan_id=i.plan_id, plan_title=meta.title, items=[],
                                                           other_place=i.plan_id not in named))
            if all(item.passage_id != i.passage_id for item in group.items):
                passage = s.passage(i.passage_id)
                group.items.append(GroupItem(passage_id=i.passage_id, title=passage.title or i.name_as_written,
                                             kind=passage.kind, source=passage.source))
        places = "、".join(dict.fromkeys(_label(s.plans[p], s.plans) for p in named))
        indicators = "、".join(dict.fromkeys(i.name for i in rows))
        answer = f"{places}没有规定{year}年的{indicators}目标值；它规定的是：{stated.answer}" if year else \
            f"{places}没有规定{indicators}的目标值；其他地方的规定：{stated.answer}"
        ordered = sorted(groups.values(), key=lambda g: s.plans[g.plan_id].short_name)
        return AskResponse(query=q.strip(), answer_type="grouped", answer=answer, no_answer=True,
                           confidence=min(response.confidence or 0.0, 0.49), groups=ordered, named_plans=named)

    def _values_named(self, q: str, concepts) -> list[Indicator]:
        """Every plan's values of the indicators whose own name states every topic concept of the question (龋齿率 →
        12岁儿童龋齿率, 12岁以下儿童龋患率): for a question naming a plan that sets none."""
        if not concepts:
            return []
        years = {int(y) for y in asked_years(q)}
        found = [i for i in self.searcher.index.indicators if (not years or i.year in years)
                 and states_every_topic(concepts, normalize_for_index(f"{i.name} {i.name_as_written}"))
                 and _fits_the_question(q, i, self._sentence_of)]
        return self._narrowest(q, found, concepts) if found else []

    def _values_in_measures(self, q: str, names: list[str], plans: list[str], concepts) -> list[Indicator]:
        """The named plans' values set in their measures (3岁以下儿童系统管理率…保持在95%以上 under 策略措施) when their
        targets set none: only a value whose own indicator name states what was asked, as for the targets, so that
        'the plan states no number' is never said of a number the plan states."""
        if not concepts:
            return []
        s = self.searcher
        years = {int(y) for y in asked_years(q)}
        attributes = _attribute_concepts(q, concepts)
        found = []
        for plan_id in plans:
            for i in s.measure_indicators(plan_id):
                named = i.name in names or states_every_topic(
                    concepts, normalize_for_index(f"{i.name} {i.name_as_written}"))
                if named and (not years or i.year in years) and self._states(i, attributes) \
                        and _fits_the_question(q, i, self._sentence_of):
                    found.append(i)
        return self._narrowest(q, found, concepts) if found else []

    def _values_from_hits(self, q: str, hits, concepts, plans: list[str]) -> list[Indicator]:
        """When no indicator name is recognised, read values off the best target passages the search found (and off
        a measure that sets a number, read as targets are): only a value whose own indicator name holds every
        concept of the question (never a neighbouring indicator)."""
        from indexer.targets import indicators_stated_in

        if not concepts:
            return []
        by_passage: dict[str, list[Indicator]] = {}
        for i in self.searcher.index.indicators:
            if i.passage_id:
                by_passage.setdefault(i.passage_id, []).append(i)
        years = {int(y) for y in asked_years(q)}
        asked = normalize_for_index(q)
        best: dict[str, tuple[int, list[Indicator]]] = {}     # plan → its passage stating the fewest words unasked
        for hit in hits[:5]:
            if hit.kind is Kind.measure and hit.passage_id not in by_passage:
                index = self.searcher.index
                row = index.row_of(hit.passage_id)
                by_passage[hit.passage_id] = [] if row is None else indicators_stated_in(
                    [index.passage(row)], self.searcher.plans[hit.plan_id])
            if hit.kind not in (Kind.target, Kind.measure) or hit.passage_id not in by_passage \
                    or (plans and hit.plan_id not in plans):
                continue
            stated = [i for i in by_passage[hit.passage_id] if (not years or i.year in years) and
                      states_every_topic(concepts, normalize_for_index(i.name_as_written))
                      and _fits_the_question(q, i, self._sentence_of)]
            if stated:
                # a plan's best passage answers for it, unless a later one states the same topics with fewer
                # words the question does not ask (就业人员中女性占多少: 就业人员中女性比例, not 城镇单位就业人员…)
                unasked = min(sum(ch not in asked for ch in normalize_for_index(i.name)) for i in stated)
                if hit.plan_id not in best or unasked < best[hit.plan_id][0]:
                    best[hit.plan_id] = (unasked, stated)
        found = [i for _, stated in best.values() for i in stated]
        return self._narrowest(q, found, concepts) if found else []

    @staticmethod
    def _narrowest(q: str, found: list[Indicator], concepts) -> list[Indicator]:
        """One sentence may state several indicators ("新生儿、婴儿和5岁以下儿童死亡率分别…"): keep those whose own
        name holds the question's concepts (newborn → 新生儿死亡率), then most of its other words, then those naming
        a number the question gives (under-5 → 5岁以下儿童死亡率), so a neighbouring indicator's value is not given
        as well."""
        named = [i for i in found if states_every_topic(concepts, normalize_for_index(i.name))] or found
        if len({i.name for i in named}) > 1:
            # then those whose name holds most of the question's other words (高中 of 高中的学生近视, which jieba
            # tags as no noun: 小学生近视率 was given beside 高中阶段学生近视率)
            held = {i.name: sum(c.in_text(normalize_for_index(i.name)) for c in concepts) for i in named}
            named = [i for i in named if held[i.name] == max(held.values())]
        numbers = set(re.findall(r"\d+", re.sub(r"20[2-3]\d", " ", q)))
        if numbers and len({i.name for i in named}) > 1:
            named = [i for i in named if numbers & set(re.findall(r"\d+", i.name))] or named
        return named

    @staticmethod
    def _quote(text: str, indicator: Indicator) -> str:
        """The sentence of the passage that holds the value: of several holding it (知晓率达90%以上 … 治疗率达90%以上),
        the one sharing most of the indicator's name."""
        squashed_value = re.sub(r"\s+", "", indicator.value)
        holding = [sentence.strip() for sentence in re.split(r"(?<=[。；\n])", text)
                   if squashed_value in re.sub(r"\s+", "", sentence)]
        if len(holding) > 1:
            name = re.sub(r"\s+", "", indicator.name_as_written or indicator.name)
            pairs = {name[k:k + 2] for k in range(len(name) - 1)}
            return max(holding, key=lambda x: sum(pair in re.sub(r"\s+", "", x) for pair in pairs))
        return holding[0] if holding else text

    # -- "what do others do" -----------------------------------------------------------------
    def _domain_targets(self, q: str, interp, concepts, confidence: float | None) -> AskResponse | None:
        """孝昌县妇女参与决策和管理的主要目标 / 大庆儿童与健康领域的目标有哪些: a named plan's targets of the domain the question
        names, all of them in the plan's order, when the question asks its targets and names nothing else."""
        if not interp or not interp.plans or not interp.domains or interp.kind is not Kind.target \
                or NUMBER_QUESTION.search(q):
            return None
        words = "".join(interp.domains) + (interp.domain_word or "")
        if any(not c.predicate and c.word not in words and c.word not in DOMAIN_WORDS for c in concepts):
            return None
        s = self.searcher
        groups, lines = [], []
        for pid in interp.plans:
            domain = next((d for d in s.plan_domains(pid) if d in interp.domains), None)
            if domain is None:
                continue
            hits = s.search(SearchRequest(q=q, plan=pid, domain=domain, kind=Kind.target.value, k=MAX_LISTED,
                                          diversify=False)).results
            hits = sorted((h for h in hits if h.domain == domain), key=lambda h: h.number or 0)
            if not hits:
                continue
            meta = s.plans[pid]
            items = [GroupItem(passage_id=h.passage_id, kind=h.kind, source=h.source,
                               title=h.title or h.text.split("。", 1)[0].strip(" —-")) for h in hits]
            groups.append(PlanGroup(plan_id=pid, plan_title=meta.title, items=items))
            lines.append(f"{_label(meta, s.plans)}“{domain}”的主要目标：" + "；".join(
                f"{n}. {i.title}" for n, i in enumerate(items, start=1)))
        if not groups:
            return None
        return AskResponse(query=q.strip(), answer_type="grouped", answer="。".join(lines) + "。", no_answer=False,
                           confidence=confidence, groups=groups,
                           named_plans=list(interp.plans))

    def _domain_lacked(self, q: str, interp) -> str | None:
        """The domain a question names outright (儿童与家庭, 家庭领域) when no plan it names has it, else None."""
        if not interp or not interp.plans or not interp.domains or not (
                "领域" in q or any(d in q for d in interp.domains)):
            return None
        own = {d for p in interp.plans for d in self.searcher.plan_domains(p)}
        if own & set(interp.domains):
            return None
        subjects = {self.searcher.plans[p].subject for p in interp.plans}
        return next((d for d in interp.domains if d in q), None) or next(
            (d for d in interp.domains if any(d.startswith(x) for x in subjects)), interp.domains[0])

    def _grouped_answer(self, q: str, response, named: list[str] | None = None, lacking: bool = False,
                        concepts=None, lacks: str | None = None) -> AskResponse:
        """Per plan, its versions of the best-matching measure(s) and target(s): the compare groups on top. A plan
        the question names leads; other plans follow marked as other places (all of them, when it lacks the topic)."""
        from plansearch.compare import Comparer

        s = self.searcher
        comparison = Comparer(s).compare(q)
        top_groups = comparison.groups[:1]
        # further groups only when they share the query's distinctive words (溺水, not 儿童 or 预防), or the plans'
        # word for one that the first group states (龋齿 for 蛀牙, 沉迷网络 for 玩手机)
        core_text = lambda g: normalize_for_index(next(  # noqa: E731
            v.text for v in g.versions if v.passage_id == g.core_passage_id))
        rare = [t for t in s.tokenizer.tokens(q) if s.index.share_containing(t) < RARE_SHARE]
        if top_groups:
            first = core_text(top_groups[0])
            rare += [f for c in concepts or [] if not c.predicate for f in c.forms[1:]
                     if f in first and f not in rare and s.index.share_containing(f) < RARE_SHARE]
        # ... and state the question's most distinctive topic that the first group states (手足口病, as 传染病, not
        # 防控: a group on 伤害防控 shared 防控 only, and was listed as a way to control 手足口病)
        held = [c for c in concepts or [] if not c.predicate and top_groups and c.in_text(first)]
        key = min(held, key=lambda c: min((s.index.share_containing(f) for f in c.forms if f in first), default=1.0),
                  default=None)
        for g in comparison.groups[1:4]:
            core = core_text(g)
            if rare and any(t in core for t in rare) and (key is None or key.in_text(core)):
                top_groups.append(g)
        groups: dict[str, PlanGroup] = {}
        for g in top_groups:
            for v in g.versions:
                group = groups.setdefault(v.plan_id, PlanGroup(plan_id=v.plan_id, plan_title=v.plan_title, items=[]))
                title = v.title or v.text.split("。", 1)[0]
                group.items.append(GroupItem(passage_id=v.passage_id, title=title, kind=v.kind, source=v.source))
        if not groups and not response.no_answer:
            # no measure or target, but the search's passages on carrying the plan out (每5年召开一次…妇女儿童工作会议,
            # under 组织实施) say it: those that state every topic of the question are the answer
            topics = [c for c in concepts or [] if not c.predicate]
            for h in response.results:
                if h.kind in (Kind.implementation, Kind.overview) and topics and (not named or h.plan_id in named) \
                        and states_every_topic(topics, normalize_for_index(h.text)):
                    group = groups.setdefault(h.plan_id, PlanGroup(plan_id=h.plan_id, plan_title=h.plan_title, items=[]))
                    if len(group.items) < MAX_PER_PLAN:
                        group.items.append(GroupItem(passage_id=h.passage_id, kind=h.kind, source=h.source,
                                                     title=h.title or h.text.split("。", 1)[0]))
        if not groups:
            # no measure or target passes the evidence rule on its own: the same refusal as a flagged search,
            # with the closeness capped under one half as there, and the closest passages to read
            return AskResponse(query=q.strip(), answer_type="none", answer=NO_ANSWER_TEXT, no_answer=True,
                               confidence=min(response.confidence or 0.0, 0.49), related=_related(response))
        named = named or []
        if lacking:
            groups = {pid: g for pid, g in groups.items() if pid not in named}
            # beside the named plan's subject's plans (compare's), the plans of the other subject whose hits state it
            # (曾都's women's plan sets the air quality target a question on 新城区's children's plan asks for)
            groups |= {pid: g for pid, g in self._stating_elsewhere(response, named, concepts or []).items()
                       if pid not in groups and (not groups or s.plans[pid].subject not in
                                                 {s.plans[p].subject for p in groups})}
        for g in groups.values():
            g.other_place = bool(named) and g.plan_id not in named
        ordered = sorted(groups.values(), key=lambda g: (g.other_place, s.plans[g.plan_id].short_name))
        topics = [c for c in concepts or [] if not c.predicate]
        asks_number = bool(topics) and bool(VALUE_QUESTION.search(q) or NUMBER_QUESTION.search(q))

        def stated(item) -> str:
            """The sentence of the item that says what was asked, when its title does not: for a question asking a
            number, the one that gives a number for its topic (大庆城市社区家长学校覆盖率 was answered with the title
            提高家庭教育指导水平, the 90%的城市社区…建立家长学校 left unsaid); for another, the one holding more of
            its topics than the title (疫苗不良反应谁来赔: 完善预防接种异常反应补偿相关政策 under 加强…疫苗管理)."""
            if not topics:
                return ""
            in_title = 0 if asks_number else sum(c.in_text(normalize_for_index(item.title)) for c in topics)
            if in_title == len(topics):
                return ""
            held = [(sum(c.in_text(normalize_for_index(x)) for c in topics), -k, x) for k, x in
                    enumerate(re.split(r"[。；;\n]", s.passage(item.passage_id).text))
                    if re.search(r"\d", x) or not asks_number]
            best = max(held, default=(0, 0, ""))
            return f"（“{best[2].strip(' —-')}”）" if best[0] > in_title else ""
        line = lambda g: f"{_label(s.plans[g.plan_id], s.plans)}：" + "、".join(  # noqa: E731
            f"{KIND_LABELS[i.kind]}“{i.title}”{stated(i)}" for i in g.items)
        own = [line(g) for g in ordered if not g.other_place]
        others = [line(g) for g in ordered if g.other_place]
        if lacking:
            names = "、".join(dict.fromkeys(_label(s.plans[p], s.plans) for p in named))
            answer = (lacks or f"{names}{self._not_mentioned(response, named, concepts or [])}") + "；" + (
                f"其他地方的做法：{'；'.join(others)}。" if others else "其他地方的规划也没有找到相关内容。")
        elif others and own:
            answer = "；".join(own) + "。其他地方的做法：" + "；".join(others) + "。"
        else:
            answer = "；".join(own or others) + "。"
        return AskResponse(query=q.strip(), answer_type="grouped", answer=answer, no_answer=lacking,
                           confidence=response.confidence, groups=ordered, named_plans=named)

    def _says_it_in_numbers(self, response, plans: list[str], concepts, money: bool = False,
                            years: set[int] | frozenset[int] = frozenset()) -> bool:
        """Does the best passage (the named plan's) state every topic concept of a question asking a number, with a
        number of its own (a sum of money, when money is asked: 营养餐一天补几块钱 is not answered by a share), for the
        year asked, if one is (`_for_the_year`)?"""
        if response.no_answer or not response.results or not any(not c.predicate for c in concepts):
            return False
        best = next((h for h in response.results if not plans or h.plan_id in plans), None)
        if best is None or not RE_NUMBER.search(best.text):
            return False
        # the number and the topics in one clause: 乡宁's "…低体重率分别控制在8%、2%和2%以下，儿童超重、肥胖上升趋势得到
        # 有效控制" sets no number for 肥胖
        for sentence in RE_SENTENCE.split(normalize_for_index(best.text)):
            if not self._for_the_year(sentence, best.plan_id, years):
                continue
            for clause in RE_CLAUSE.split(sentence):
                if not RE_NUMBER.search(clause) or money and not MONEY_VALUE.search(clause):
                    continue
                # a rate asked (家长学校覆盖率) is stated by a share of the thing (95%的城市社区…建立家长学校)
                share = bool(re.search(r"\d\s*[%‰]", clause))
                if all(c.in_text(clause) or share and c.word in GENERIC_RATES for c in concepts if not c.predicate):
                    return True
        return False

    def _for_the_year(self, sentence: str, plan_id: str, years: set[int] | frozenset[int]) -> bool:
        """Is a number of `sentence` one for a year asked? The year it writes (2025年，每千人口…托位数达到4.5个 is no
        2030 value), else the end of its plan's period, as for a target's value (`Indicator.year_inferred`)."""
        if not years:
            return True
        stated = {int(y) for y in RE_YEAR_STATED.findall(RE_BASELINE.sub(" ", RE_YEAR_RANGE.sub(" ", sentence)))}
        if stated:
            return bool(stated & years)
        period = period_years(self.searcher.plans[plan_id].period)
        return period is None or period[1] in years

    def _clause_value(self, q: str, response, plans: list[str], concepts) -> AskResponse | None:
        """Each plan's value a measure states for what was asked (the plans named, else those among the best
        passages), read off its best passage when one piece of it states every topic concept with one number and
        no other piece does with another (`_pieces_stating`). The answer quotes the sentence."""
        s = self.searcher
        values, lines, seen = [], [], set()
        question = normalize_for_index(q)
        years = {int(y) for y in asked_years(q)}
        for hit in response.results[:EVIDENCE_DEPTH]:
            if hit.plan_id in seen or plans and hit.plan_id not in plans:
                continue
            seen.add(hit.plan_id)
            pieces = [(piece, value) for piece, value in _pieces_stating(hit.text, concepts, question)
                      if self._for_the_year(self._sentence_holding(hit.text, piece), hit.plan_id, years)]
            if len({value for _, value in pieces}) != 1:
                continue
            piece, value = pieces[0]
            meta, passage = s.plans[hit.plan_id], s.passage(hit.passage_id)
            found = Indicator(name=piece, name_as_written=piece, value=value, number=0.0, unit="", direction="",
                              plan_id=hit.plan_id, passage_id=hit.passage_id)
            values.append(ValueAnswer(plan_id=hit.plan_id, plan_title=meta.title, indicator=piece,
                                      indicator_as_written=piece, value=value, year=None, year_inferred=False,
                                      direction="", implausible=False, passage_id=hit.passage_id,
                                      quote=self._quote(passage.text, found), source=passage.source))
            lines.append(f"{_label(meta, s.plans)}：{piece}（{value}）")
        if not values:
            return None
        return AskResponse(query=q.strip(), answer_type="value", no_answer=False, values=values,
                           answer="；".join(lines) + "。",
                           confidence=max(response.confidence or 0.0, self.settings.no_answer_below))

    @staticmethod
    def _sentence_holding(text: str, piece: str) -> str:
        squashed = re.sub(r"\s+", "", piece)
        return next((x for x in RE_SENTENCE.split(text) if squashed in re.sub(r"\s+", "", x)), piece)

    def _not_mentioned(self, response, named: list[str], concepts) -> str:
        """What the named plans do not say: the question's topic words their text never holds (新城区 writes 家长 and
        课后 often, 下班时间 never), or, when each is somewhere, that no passage says them together."""
        s = self.searcher
        missing = response.missing_concepts or response.concepts
        wanted = [c for c in concepts if c.word in missing and not c.predicate]
        if not wanted:
            return f"没有提到{'、'.join(missing) or response.query}"
        texts = s._normal_texts_of([r for p in named for r in s.index.rows_of_plan(p)]).values()
        absent = [c.word for c in wanted if not any(c.in_text(t) for t in texts)]
        if absent:
            return f"没有提到{'、'.join(absent)}"
        return f"没有一处同时提到{'、'.join(c.word for c in wanted)}"

    def _stating_elsewhere(self, response, named: list[str], concepts, most: int = 2) -> dict[str, PlanGroup]:
        """Other plans' hits whose text states every topic concept of the question, `most` a plan."""
        groups: dict[str, PlanGroup] = {}
        for hit in response.results:
            if hit.plan_id in named or not concepts or not states_every_topic(concepts, normalize_for_index(hit.text)):
                continue
            group = groups.setdefault(hit.plan_id, PlanGroup(plan_id=hit.plan_id, plan_title=hit.plan_title, items=[]))
            if len(group.items) < most:
                group.items.append(GroupItem(passage_id=hit.passage_id, title=hit.title or hit.text.split("。", 1)[0],
                                             kind=hit.kind, source=hit.source))
        return groups

    # -- citations and the optional LLM --------------------------------------------------------
    def _finish(self, answer: AskResponse) -> AskResponse:
        s = self.searcher
        cited: dict[str, Citation] = {}
        for v in answer.values:
            key = v.passage_id or f"{v.plan_id}:{v.source.line_start}"
            cited[key] = Citation(passage_id=v.passage_id, plan_id=v.plan_id, plan_title=v.plan_title, source=v.source)
        for g in answer.groups:
            for item in g.items:
                cited[item.passage_id] = Citation(passage_id=item.passage_id, plan_id=g.plan_id,
                                                  plan_title=g.plan_title, source=item.source)
        answer.citations = list(cited.values())
        if self.settings.llm_base_url:
            texts = [s.passage(c.passage_id).text if c.passage_id else "" for c in answer.citations]
            answer.prose, answer.prose_error = self._llm_prose(answer.query, answer.citations, texts)
        return answer

    def _llm_prose(self, q: str, citations: list[Citation], texts: list[str]) -> tuple[str | None, str | None]:
        numbered = "\n".join(f"[{n}] {c.plan_title}（{c.passage_id}）：{t}" for n, (c, t) in
                             enumerate(zip(citations, texts), start=1) if t)
        body = {
            "model": self.settings.llm_model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": "你是政府规划文本助手。只依据用户给出的引文回答，不得补充引文以外的任何内容；"
                                              "每句话后用 [编号] 标注出处；引文不足以回答时直接说明。回答不超过200字。"},
                {"role": "user", "content": f"问题：{q}\n\n引文：\n{numbered}"},
            ],
        }
        request = urllib.request.Request(
            self.settings.llm_base_url.rstrip("/") + "/chat/completions", data=json.dumps(body).encode("utf-8"),
            headers={"Content-Type": "application/json",
                     **({"Authorization": f"Bearer {self.settings.llm_api_key}"} if self.settings.llm_api_key else {})})
        try:
            with urllib.request.urlopen(request, timeout=self.settings.llm_timeout) as r:
                data = json.loads(r.read().decode("utf-8"))
            return data["choices"][0]["message"]["content"].strip(), None
        except (urllib.error.URLError, TimeoutError, OSError, ValueError, KeyError, IndexError) as exc:
            log.warning("LLM endpoint unavailable, extractive answer only: %s", exc)
            return None, f"LLM 不可用，仅给出摘录式回答（{type(exc).__name__}）"
