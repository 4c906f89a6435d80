"""Targets as data: the quantitative indicators (指标) of a plan's 主要目标 and indicator table.

Every indicator keeps the plan's own wording (`name_as_written`, `value`) next to a canonical name
(`indexer/data/indicators.toml`) that lines the same indicator up across plans. Values are never
corrected: a value that cannot be right (a 婴儿死亡率 target written with % where ‰ is meant) is
flagged `implausible` with a note. Every value occurs in its source text once spaces are removed."""
from __future__ import annotations

import re
import tomllib
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from indexer.normalize import to_simplified
from plansearch.records import Indicator, Kind, ParsedPlan

INDICATORS_FILE = Path(__file__).with_name("data") / "indicators.toml"


# ---------------------------------------------------------------------------------------------------
# the grammar of a target sentence

SPACES = re.compile(r"[ \t\u00a0\u3000]+")
SENTENCE_END = re.compile(r"[。；;！？!?]")
CLAUSE_SEP = re.compile(r"([，,])")
NUM = r"[0-9０-９]+(?:[.．][0-9０-９]+)?"
CN_NUM = r"[零〇一二两三四五六七八九十百]+"
FRACTION_UNITS = ("十万分之", "万分之", "千分之", "百分之")
# "10/10万" (per 100,000) and "5个百分点" come before the bare units they start with
UNITS = ("/10万", "/十万", "/万", "%", "％", "‰", "‱", "个百分点", "百分点", "小时", "名", "张", "个", "所", "次", "岁",
         "人", "天")
BOUNDS = ("及以上", "及以下", "以上", "以下", "以内", "左右")
SYMBOLS = "≥≤<>＜＞"
# "保持在90%—95%": a range, read as its lower end (never for ages: "0—6岁" names a group)
RANGE = rf"{NUM}(?:[%％‰])?(?:—|–|-|－|~|～|至|到)(?={NUM}(?!岁))"
VALUE = (rf"[{SYMBOLS}]?(?:(?:{'|'.join(FRACTION_UNITS)})(?:{NUM}|{CN_NUM})|(?:{RANGE})?{NUM}(?:{'|'.join(UNITS)})"
         rf"|(?:{NUM}|{CN_NUM})成)(?:{'|'.join(BOUNDS)})?")
VALUE_PARTS = re.compile(
    rf"(?P<sym>[{SYMBOLS}]?)(?:(?P<frac>{'|'.join(FRACTION_UNITS)})(?P<fnum>{NUM}|{CN_NUM})"
    rf"|(?:(?P<low>{NUM})(?:[%％‰])?(?:—|–|-|－|~|～|至|到)(?={NUM}(?!岁)))?(?P<num>{NUM})(?P<unit>{'|'.join(UNITS)})"
    rf"|(?P<tenths>{NUM}|{CN_NUM})成)(?P<bound>{'|'.join(BOUNDS)})?")
LIST_SEP = r"(?:、|和|与|及|或)"

# verb as written → normalised direction (longest first in the alternation)
VERBS = {
    "达到并保持在": "保持在", "继续保持在": "保持在", "保持在": "保持在", "稳定在": "保持在",
    "提高到": "提高到", "提高至": "提高到", "提升到": "提高到", "提升至": "提高到", "增加到": "提高到", "增至": "提高到",
    "下降至": "降至", "下降到": "降至", "降低至": "降至", "降低到": "降至", "降至": "降至",
    "减少到": "降至", "减少至": "降至", "减至": "降至",
    "控制在": "控制在", "控制到": "控制在", "达到": "达到", "达": "达到",
    "下降": "下降", "降低": "下降", "减少": "下降", "提高": "提高", "提升": "提高", "增长": "提高",
    "不低于": "不低于", "不少于": "不低于", "不超过": "不超过", "不高于": "不超过",
    "低于": "低于", "小于": "低于", "高于": "高于", "大于": "高于",
}
# "下降 20%", "提高5个百分点": directions whose value is a change, not the level reached
CHANGE_VERBS = frozenset({"下降", "提高"})
SYMBOL_DIRECTIONS = {"≥": "不低于", "≤": "不超过", "<": "低于", "＜": "低于", ">": "高于", "＞": "高于"}
VERB_ALT = "|".join(sorted(VERBS, key=len, reverse=True))
# "空气质量优良天数比率不低于市定考核目标 87%": these verbs may stand a few characters before the value
FAR_VERBS = re.compile(r"(不低于|不超过|不高于)([^\d，,]{1,8})$")

# the year a change is measured from: 与2020年相比, 比2020年, 在2020年基础上
BASE_YEAR = r"(?:与|和|同)(?:19|20)\d\d年(?:相比|比较)|(?:比|较|在)(?:19|20)\d\d年(?:的?基础上|水平)?"
GROUP = re.compile(
    rf"(?P<qual>以[^以，,]{{1,16}}?为(?:单位|基数))?"
    rf"(?P<base>{BASE_YEAR})?"
    rf"(?P<adv>(?:继续|一般|力争|均|各|分别|每年|年均)*)(?P<verb>{VERB_ALT})?"
    rf"(?P<values>{VALUE}(?:{LIST_SEP}{VALUE})*)(?=$|[，,。；;、）)（(]|和|与|及|或)")
# "至少配备 2 名专业从事儿童保健的医生", "均各设置 1 所…机构", "每年至少接受2次家庭教育指导服务、2次…"
COUNT = re.compile(
    rf"(?P<adv>(?:每年|均|各|至少)*)(?P<verb>配备|设置|设立|接受|建设|建成)?(?P<num>{NUM})(?P<unit>名|所|次|个|张)"
    rf"(?P<noun>(?:[^，,。；;、]|、(?![0-9０-９]))+?)(?=、[0-9０-９]|[，,。；;]|$)")
# "95%的城市社区和85%的农村社区建立家长学校…", "90%以上的中小学校配备心理健康教育教师"
SHARE = re.compile(rf"(?P<value>{NUM}[%％](?:以上)?)的")
SHARE_PREDICATE = re.compile(r"建立|配备|设立|设置|开设|开展|实现|拥有")
YEAR_PREFIX = re.compile(r"^(?:到|至|在|展望)?(20\d\d)年(?:底|末)?(?:(?:和|、|及|与)(20\d\d)年(?:底|末)?)?(?:前)?")
# a year written inside an indicator's clause, before its value (新生儿死亡率2025年控制在3.0‰以内、2030年控制在2.5‰以内,
# 5岁以下儿童死亡率到2025年降至6.0‰以下), not a base the change is measured from (与2020年相比, 2020年基础上)
YEAR_IN_SUBJECT = re.compile(r"(?<![比较与和同以])(?:到|至|在|展望)?(20\d\d)年(?:底|末)?(?:前)?"
                             r"(?!的?(?:基础|为基|相比|比|水平|基数|基期|数据))")
# the plan periods named as a year: "十四五"末 is 2025
FIVE_YEAR_PLAN = re.compile(r"(?:到|至|在)?[“\"]?十([三四五六])五[”\"]?(?:期末|末|时期末)")
FIVE_YEAR_PLAN_END = {"三": 2020, "四": 2025, "五": 2030, "六": 2035}
# a year in brackets right after a value: 达到92%（2025年）和95%（2030年）
YEAR_AFTER = re.compile(r"[（(](20\d\d)年(?:底|末)?[)）]")
LEADING_ADVERBS = re.compile(r"^(?:——|力争|确保|争取)+")
# the marker of a target's sub-item other than ——: （1） 1） ① ● ■ · - －
LIST_MARKER = re.compile(r"^(?:[（(]\d{1,2}[)）]|\d{1,2}[)）]|[\u2460-\u2473]|[●○■□◆◇▲△►▶•·◦▪\-－–—]+)")
# an indicator table's unit in the indicator's column: 婴儿死亡率（‰）, 孕产妇死亡率（1/10万）
UNIT_IN_NAME = re.compile(r"[（(]\s*(%|％|‰|‱|1?/10万|1?/十万|个|人|张|名|所|次|小时|岁|天)\s*[)）]\s*$")
BARE_VALUE = re.compile(rf"^(?P<sym>[{SYMBOLS}]?)(?P<num>{NUM})(?P<bound>{'|'.join(BOUNDS)})?$")
PAREN_YEAR = re.compile(r"^[）)]?[（(](?:到|至)?((?:19|20)\d\d)年(?:底|末)?$")
QUALIFIER = re.compile(r"以[^以，,]{1,16}?为(?:单位|基数)$")
RE_CHANGE_NAMED = re.compile(r"(?:(下降|降低|减少)|(?:提高|提升|增长|增加))(?:幅度|比例|百分点)?$|(降幅)$|增幅$")
WORDED_VALUES = ("全覆盖", "翻一番")
RE_WORDED_VALUE = re.compile(rf"^(?P<subject>[^，,。；;]{{2,40}}?(?:率|比例|占比|比重))(?:要|应)?(?:实现|达到)?"
                             rf"(?P<value>{'|'.join(WORDED_VALUES)})$")
RE_ANNEX_SECTION = re.compile(r"^附\s*[件表录]")
# one line of an annex's list of indicators: 3. 小学生近视率（%）：34以下
RE_LISTED_INDICATOR = re.compile(r"^(?:\d{1,2}[.．、]|[（(]\d{1,2}[)）])?(?P<name>[^：:]{2,40}?[)）])[：:](?P<value>[^：:]{1,20})$")
CHANGE_AT_END = re.compile(r"(?:进一步|持续|稳步|不断|逐步|明显)?(?:延长|提高|提升|下降|降低|增加|减少|改善|增长)$")
BASE_AT_END = re.compile(rf"(?:以[^以，,]{{1,16}}?为基数|{BASE_YEAR})$")
RATE_END = re.compile(r"(率|比例|占比|比率|比重|数|医生|床位)$")
# where the measure of an indicator begins, to complete "药品、化妆品质量抽检合格率" → 药品质量抽检合格率
HEAD_STARTS = ("质量", "死亡", "检测", "筛查", "管理", "接种", "普及", "覆盖", "入学", "入园")
UNIT_SCALE = {"%": 1e-2, "％": 1e-2, "‰": 1e-3, "‱": 1e-4, "万分之": 1e-4, "十万分之": 1e-5, "千分之": 1e-3,
              "百分之": 1e-2, "成": 1e-1, "/10万": 1e-5, "/十万": 1e-5, "/万": 1e-4, "个百分点": 1e-2, "百分点": 1e-2}
CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
DASHES = re.compile(r"(\d)\s*(?:-|–|—|－|~|～|至|到)\s*(\d)(?=岁)")


# ---------------------------------------------------------------------------------------------------
# canonical names

@dataclass(frozen=True)
class IndicatorSpec:
    name: str
    aliases: frozenset[str]
    patterns: tuple[re.Pattern[str], ...]
    unit: str | None = None
    plausible_max: float | None = None


def fold(phrase: str) -> str:
    """The form names are compared in: NFKC, simplified characters, no spaces or 《》“”, "0-6岁"/"0至6岁" → "0—6岁",
    初中学生 → 初中生."""
    text = to_simplified(unicodedata.normalize("NFKC", phrase))
    text = re.sub(r"[\s《》〈〉“”\"']+", "", text)
    text = re.sub(r"(小学|初中|高中|中学|大学)学生", r"\1生", text)     # 初中学生近视率 is 初中生近视率
    return DASHES.sub(r"\1—\2", text)


@lru_cache(maxsize=1)
def indicator_specs() -> tuple[IndicatorSpec, ...]:
    """The alias table, read once on first use."""
    data = tomllib.loads(INDICATORS_FILE.read_text(encoding="utf-8"))
    specs = []
    for entry in data.get("indicator", []):
        aliases = frozenset(fold(a) for a in [entry["name"], *entry.get("aliases", [])])
        patterns = tuple(re.compile(p) for p in entry.get("patterns", []))
        specs.append(IndicatorSpec(entry["name"], aliases, patterns, entry.get("unit"), entry.get("plausible_max")))
    return tuple(specs)


@lru_cache(maxsize=1)
def _spec_by_name() -> dict[str, IndicatorSpec]:
    return {s.name: s for s in indicator_specs()}


def canonical_name(phrase: str) -> str | None:
    """The canonical name of an indicator phrase ("5 岁以下儿童贫血患病率" → "5岁以下儿童贫血率"), or None."""
    folded = LEADING_ADVERBS.sub("", fold(phrase))
    folded = QUALIFIER.sub("", folded)
    if not folded:
        return None
    for spec in indicator_specs():
        if folded in spec.aliases:
            return spec.name
    for spec in indicator_specs():
        if any(p.search(folded) for p in spec.patterns):
            return spec.name
    return None


# ---------------------------------------------------------------------------------------------------
# reading values

@dataclass
class _Value:
    text: str
    number: float
    unit: str
    bound: str | None
    symbol: str
    upper: bool = False    # the value is a range ("90%—95%")


@dataclass
class _Found:
    """An indicator read off a text, before it is tied to a plan and a source."""

    name: str
    name_as_written: str
    value: _Value
    direction: str
    year: int | None
    baseline: str | None = None
    note: str | None = None
    dated_siblings: tuple[int, ...] = ()    # years written for other values of this indicator in its sentence


@dataclass
class _Context:
    years: list[int] = field(default_factory=list)
    subject: str = ""
    count_adv: str = ""
    count_verb: str = ""
    verb: str = ""             # the verb of the last value read
    baseline: str | None = None   # a base written in a clause of its own, for the changes after it
    opening_years: list[int] = field(default_factory=list)    # 到2025年， opening the sentence: for all of it

    def year(self) -> int | None:
        """The year a single value is for: the one year written before it in the sentence, if any."""
        return self.years[0] if len(self.years) == 1 else None


def _cn_number(text: str) -> float:
    """Chinese numerals up to the hundreds: 九 → 9, 十五 → 15, 二十 → 20, 一百 → 100."""
    total, current = 0, 0
    for ch in text:
        if ch in CN_DIGITS:
            current = CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
    return float(total + current)


def _bound(word: str | None) -> str | None:
    if not word or word == "左右":
        return None
    return word.removeprefix("及")


def _parse_values(text: str) -> list[_Value]:
    values = []
    for m in VALUE_PARTS.finditer(text):
        if m.group("frac") or m.group("tenths"):
            raw = unicodedata.normalize("NFKC", m.group("fnum") or m.group("tenths"))
            number = float(raw) if raw[0].isdigit() else _cn_number(raw)
            unit = m.group("frac") or "成"
        elif m.group("low"):   # a range "90%—95%" stands for its lower end; its text keeps both
            number = float(unicodedata.normalize("NFKC", m.group("low")))
            unit = unicodedata.normalize("NFKC", m.group("unit"))
        else:
            number = float(unicodedata.normalize("NFKC", m.group("num")))
            unit = unicodedata.normalize("NFKC", m.group("unit"))
        values.append(_Value(m.group(0), number, unit, _bound(m.group("bound")), m.group("sym"),
                             upper=m.group("low") is not None))
    # "分别降至3.0‰、5.0‰和6.0‰以下": the last bound holds for every value written without one
    shared = values[-1].bound if values else None
    written = values[-1].text[len(values[-1].text.rstrip("以上下内及")):] if values else ""
    for v in values:
        if v.bound is None and not v.symbol and not v.text.endswith("左右") and shared:
            v.bound = shared
            v.text += written      # "5.0‰" of "3.0‰、5.0‰和6.0‰以下" is 5.0‰以下, as the sentence means
    return values


def _direction(verb: str | None, value: _Value) -> str:
    if verb:
        return VERBS[verb]
    if value.symbol:
        return SYMBOL_DIRECTIONS[value.symbol]
    if value.text.endswith("左右"):
        return "左右"
    return value.bound or "达到"


HALF_BRACKETS = str.maketrans("()", "（）")


def _tidy(phrase: str) -> str:
    """A display name: no spaces, brackets of titles, or leading adverbs; ages written 0—6岁; brackets full-width
    as the plans mostly write them (每所乡(镇) and 每所乡（镇） are one indicator)."""
    text = re.sub(r"[《》“”]", "", SPACES.sub("", phrase)).translate(HALF_BRACKETS)
    return DASHES.sub(r"\1—\2", LEADING_ADVERBS.sub("", text))


def _split_items(subject: str) -> list[str]:
    """"新生儿、婴儿和5岁以下儿童死亡率" → ["新生儿死亡率", "婴儿死亡率", "5岁以下儿童死亡率"]."""
    items = [p for p in re.split(r"[、，,]|和|与|及", subject) if p]
    done: list[str] = []
    for i, item in enumerate(items):
        if not RATE_END.search(item):
            nxt = next((x for x in items[i + 1:] if RATE_END.search(x)), None)
            if nxt:
                starts = [nxt.find(h) for h in HEAD_STARTS if nxt.find(h) > 0]
                item += nxt[min(starts):] if starts else nxt[-3:]
        done.append(item)
    return done


def _name(item: str, context: str) -> str:
    """Canonical name when known; else the tidied phrase (with its clause context when it is a bare "覆盖率")."""
    found = canonical_name(item)
    if found:
        return found
    tidy = _tidy(item)
    if len(tidy) <= 3 and context:
        return _tidy(context.rstrip("，,")) + tidy
    return tidy


def _read_count(m: re.Match[str], subject: str, ctx: _Context, continued: bool) -> _Found | None:
    """"至少配备 2 名…医生": a count of things, named by what is counted."""
    adv, verb = m.group("adv") or "", m.group("verb") or ""
    if continued and not (adv or verb):  # "…接受2次家庭教育指导服务、2次家庭教育实践活动"
        adv, verb = ctx.count_adv, ctx.count_verb
    elif not (adv or verb):
        return None
    ctx.count_adv, ctx.count_verb = adv, verb
    subject = LEADING_ADVERBS.sub("", subject).rstrip("、")
    if subject:
        ctx.subject = subject
    number = float(unicodedata.normalize("NFKC", m.group("num")))
    value = _Value(m.group("num") + m.group("unit"), number, m.group("unit"), None, "")
    name = _tidy(ctx.subject + ("每年" if "每年" in adv else "") + verb + m.group("noun"))
    return _Found(name, m.group("noun"), value, "不低于" if "至少" in adv else "达到", ctx.year())


def _read_group(m: re.Match[str], subject: str, ctx: _Context, prev_clause: str) -> list[_Found]:
    """[以…为基数] [均|分别] verb value[、value…]: one indicator per (indicator named, value) pair."""
    verb, adv = m.group("verb"), m.group("adv") or ""
    if not verb and ctx.verb and not subject.strip("、和与及或"):
        verb, subject = ctx.verb, ""      # 达到92%（2025年）和95%（2030年）: the verb before holds for the value after
    values = _parse_values(m.group("values"))
    listed = "均" in adv or "分别" in adv
    if not verb:
        far = FAR_VERBS.search(subject)
        if far:
            verb, subject = far.group(1), subject[:far.start()]
        elif not (values[0].symbol or listed or RATE_END.search(subject)):
            return []  # a number in passing, not a target
    subject = LEADING_ADVERBS.sub("", subject)
    merged = False
    if listed and not ctx.subject and RATE_END.search(prev_clause.rstrip("，,")):
        # "保健食品质量抽检合格率，药品、…合格率均 98%以上": the list began in the previous clause
        subject, merged = prev_clause + subject, True
    if not subject and not ctx.subject and verb and prev_clause:
        # "儿童伤害死亡率以2020年为基数，到2025年下降20%，到2030年下降30%": the indicator, and the base its changes are
        # measured from, in the clause before
        lead = prev_clause.rstrip("，,")
        if base := BASE_AT_END.search(lead):
            ctx.baseline, lead = base.group(0), lead[:base.start()]
        lead = CHANGE_AT_END.sub("", lead)      # 妇女人均预期寿命延长，力争达到82岁: the indicator, without its trend
        if RATE_END.search(lead) or canonical_name(lead):
            subject = lead
    subject = subject or ctx.subject
    ctx.subject, ctx.verb = subject, verb or ctx.verb
    qualifier = m.group("qual")
    # what a change is measured against: 以2020年为基数, 比2020年, 在2020年基础上, 每年
    baseline = (qualifier if qualifier and qualifier.endswith("基数") else None) or m.group("base") \
        or next((w for w in ("每年", "年均") if w in adv and VERBS.get(verb or "") in ("下降", "提高")), None) \
        or (ctx.baseline if VERBS.get(verb or "") in CHANGE_VERBS else None)
    n, note = len(values), None
    if n > 1 and "分别" in adv and len(ctx.years) == n:
        # "到2025年和2030年，新生儿死亡率分别降至3.5%以下和3%以下": one value per year
        pairs = [(subject, v, ctx.years[i]) for i, v in enumerate(values)]
    elif n == 1:
        items = _split_items(subject) if ("均" in adv or merged) else [subject]
        pairs = [(item, values[0], ctx.year()) for item in items]
    else:
        # "新生儿、婴儿和5岁以下儿童死亡率分别降至3.0‰、5.0‰和6.0‰以下": one value per indicator
        items = _split_items(subject)
        if len(items) == n:
            pairs = [(items[i], v, ctx.year()) for i, v in enumerate(values)]
        else:
            pairs = [(subject, v, ctx.year()) for v in values]
            note = f"{n} values for {len(items)} indicator(s): not paired"
    if any(v.upper for v in values):
        note = "; ".join(x for x in (note, "a range: the number is its lower end") if x)
    return [_Found(_name(item, prev_clause), subject, value, _direction(verb, value), year, baseline, note)
            for item, value, year in pairs]


def _read_clause(clause: str, ctx: _Context, prev_clause: str) -> list[_Found]:
    """Every indicator of one clause (text between commas, spaces already removed)."""
    spans = [(m.start(), m.end(), "group", m) for m in GROUP.finditer(clause)]
    spans += [(m.start(), m.end(), "count", m) for m in COUNT.finditer(clause)
              if not any(s <= m.start() < e for s, e, _, _ in spans)]
    found: list[_Found] = []
    pos, last_kind = 0, ""
    for start, end, kind, m in sorted(spans, key=lambda s: s[0]):
        if start < pos:
            continue
        subject = clause[pos:start]
        after = YEAR_AFTER.match(clause, end) if kind == "group" else None
        if kind == "count":
            count = _read_count(m, subject, ctx, last_kind == "count" and subject == "、")
            got = [count] if count else []
        elif year := PAREN_YEAR.match(subject):
            # "达到40%以上（2030年达到50%以上）": the same indicator, for the year in brackets
            years, ctx.years = ctx.years, [int(year.group(1))]
            got = _read_group(m, "", ctx, prev_clause)
            ctx.years = years
        elif after:
            # "达到92%（2025年）和95%（2030年）": each value for the year in brackets after it
            years, ctx.years = ctx.years, [int(after.group(1))]
            got = _read_group(m, _without_years(subject)[0], ctx, prev_clause)
            ctx.years = years
        else:
            # "新生儿死亡率2025年控制在3.0‰以内、2030年控制在2.5‰以内": the year written before the value is its
            # year, and no part of the indicator's name; it holds for the values after it, as a year opening the
            # clause does
            subject, years_written = _without_years(subject)
            if years_written:
                ctx.years = years_written
            elif subject:         # another indicator: the year written for the one before is not its year
                ctx.years = ctx.opening_years
            got = _read_group(m, subject, ctx, prev_clause)
        if got:
            found.extend(got)
            pos, last_kind = (after.end() if after else end), kind
    if not found and (m := RE_WORDED_VALUE.match(clause)):
        # 参保率实现全覆盖 (all of them: 100%), 女性比例翻一番 (a rise of 100%): a value in words, as the plan writes it
        subject = LEADING_ADVERBS.sub("", m.group("subject"))
        full = m.group("value").endswith("全覆盖")
        value = _Value(m.group("value"), 100.0, "%", None, "")
        found.append(_Found(_name(subject, prev_clause), subject, value, "达到" if full else "提高", ctx.year()))
    return found


def _without_years(subject: str) -> tuple[str, list[int]]:
    """An indicator's subject without the years written in it ("新生儿死亡率2025年" → "新生儿死亡率", [2025]; "、2030年"
    → "", [2030]: the indicator before it; "初中生近视率2025年、2030年" → "初中生近视率", [2025, 2030]), and those years."""
    years, rest = [], subject
    for pattern in (YEAR_IN_SUBJECT, FIVE_YEAR_PLAN):
        for m in pattern.finditer(subject):
            years.append(int(m.group(1)) if pattern is YEAR_IN_SUBJECT else FIVE_YEAR_PLAN_END[m.group(1)])
            rest = rest.replace(m.group(0), "", 1)
    if not years:
        return subject, []
    rest = re.sub(r"[、和与及]+$", "", rest)
    return ("" if not rest.strip("、，,和与及或；; ") else rest), years


def _read_share(clause: str, ctx: _Context) -> list[_Found]:
    """"95%的城市社区和85%的农村社区建立家长学校…" → one share per group named."""
    anchors = list(SHARE.finditer(clause))
    if not anchors or anchors[0].start() != 0:
        return []
    last = clause[anchors[-1].end():]
    pred = SHARE_PREDICATE.search(last)
    if not pred:
        return []
    predicate = last[pred.start():]
    found = []
    for i, a in enumerate(anchors):
        noun_end = anchors[i + 1].start() if i + 1 < len(anchors) else anchors[-1].end() + pred.start()
        noun = re.sub(r"(和|与|及|、)$", "", clause[a.end():noun_end])
        value = _parse_values(a.group("value"))[0]
        name = canonical_name(noun + predicate + "的比例") or _tidy(noun + predicate + "的比例")
        found.append(_Found(name, clause, value, value.bound or "达到", ctx.year()))
    return found


def _read_text(text: str) -> list[_Found]:
    """Every quantitative indicator of a target text, sentence by sentence (years carry over within one)."""
    found: list[_Found] = []
    for line in text.split("\n"):
        line = LIST_MARKER.sub("", SPACES.sub("", line))
        in_line: list[_Found] = []
        subject = ""
        for sentence in SENTENCE_END.split(line):
            # "到2025年，贫血率降至10%以下；到2030年降至8%以下": a sentence opening with a year and naming nothing is
            # about the indicator of the sentence before it
            ctx = _Context(subject=subject if YEAR_PREFIX.match(LEADING_ADVERBS.sub("", sentence)) else "")
            parts = CLAUSE_SEP.split(sentence)
            clauses = parts[0::2]
            seps = parts[1::2] + [""]
            prev = ""
            for i, clause in enumerate(clauses):
                clause = LEADING_ADVERBS.sub("", clause)
                year = YEAR_PREFIX.match(clause)
                if year:
                    ctx.years = [int(y) for y in year.groups() if y]
                    clause = clause[year.end():]
                    if not clause or i == 0:
                        ctx.opening_years = ctx.years
                    if not clause:
                        continue
                got = _read_share(clause, ctx) or _read_clause(clause, ctx, prev)
                in_line.extend(got)
                prev = "" if got else clause + seps[i]
            subject = ctx.subject
        # 贫血率控制在10%以内，2030年控制在8%以内: the value without a year is not the one written for 2030
        dated: dict[str, set[int]] = defaultdict(set)
        for f in in_line:
            if f.year is not None:
                dated[f.name].add(f.year)
        found.extend(replace(f, dated_siblings=tuple(sorted(dated[f.name]))) if f.year is None and dated[f.name]
                     else f for f in in_line)
    return found


# ---------------------------------------------------------------------------------------------------
# plans

def period_years(period: str) -> tuple[int, int] | None:
    """The first and last year of a plan's period ("2021—2030" → (2021, 2030)), or None when it names none."""
    years = [int(y) for y in re.findall(r"(?:19|20)\d\d", period or "")]
    return (years[0], years[-1]) if years else None


def plan_end_year(plan: ParsedPlan) -> int | None:
    """The last year of the plan's period ("2021—2030" → 2030)."""
    years = period_years(plan.meta.period)
    return years[1] if years else None


def plan_first_year(plan: ParsedPlan) -> int | None:
    """The first year of the plan's period ("2021—2030" → 2021)."""
    years = period_years(plan.meta.period)
    return years[0] if years else None


def _check(name: str, value: _Value) -> str | None:
    """Why a value cannot be right as written, or None."""
    if value.unit in ("%", "％") and value.number > 100:
        return f"{value.text}: a percentage above 100"
    spec = _spec_by_name().get(name)
    if not spec or not spec.unit or spec.plausible_max is None or value.unit == spec.unit:
        return None
    if value.unit not in UNIT_SCALE or spec.unit not in UNIT_SCALE:
        return None
    converted = value.number * UNIT_SCALE[value.unit] / UNIT_SCALE[spec.unit]
    if converted > spec.plausible_max:
        return (f"{name} is stated in {spec.unit}; {value.text} would be {converted:g}{spec.unit}, above a plausible "
                f"{spec.plausible_max:g}{spec.unit} (probably {spec.unit} was meant)")
    return None


def _indicator(f: _Found, plan: ParsedPlan, end_year: int | None, **source: str | int | None) -> Indicator:
    note = _check(f.name, f.value)
    return Indicator(
        name=f.name, name_as_written=f.name_as_written, value=f.value.text, number=f.value.number,
        unit=f.value.unit, direction=f.direction, bound=f.value.bound,
        year=f.year if f.year is not None else None if end_year in f.dated_siblings else end_year,
        year_inferred=f.year is None and end_year is not None and end_year not in f.dated_siblings,
        baseline=f.baseline, plan_id=plan.meta.id, implausible=note is not None,
        note="; ".join(x for x in (f.note, note) if x) or None, **source)


def extract_indicators(plan: ParsedPlan) -> list[Indicator]:
    """Quantitative indicators of every target passage, then of every indicator-table row, in order. A plan in
    traditional characters is read in simplified ones, as the patterns and indicator names are written; what
    it quotes (the name and value as written) stays in its own characters."""
    end_year = plan_end_year(plan)
    targets = [p for p in plan.passages if p.kind is Kind.target]
    simplify = _traditional([p.text for p in targets] + [r.indicator + r.value for r in plan.indicator_table])
    out = []
    # a targets table with a column per milestone: each row's values are read from its cells, for the year of
    # their column, and cite the target passage made of that row (its text holds them all, each under its year)
    made_of = {row.line: p.id for row in plan.indicator_table if row.year is not None for p in targets
               if f"{row.indicator.strip()}　" in p.text and row.value.strip() in p.text}
    for passage in targets:
        if passage.id in made_of.values():
            continue
        for f in _read_simplified(_read_text, passage.text) if simplify else _read_text(passage.text):
            out.append(_indicator(f, plan, end_year, passage_id=passage.id))
    # an annex listing the plan's indicators line by line (附件 …监测指标: 3. 小学生近视率（%）：34以下), as a table does
    for passage in plan.passages:
        if passage.kind is Kind.overview and passage.section and RE_ANNEX_SECTION.match(passage.section[0]) \
                and "指标" in passage.text.split("\n", 1)[0]:
            for line in passage.text.split("\n")[1:]:
                if m := RE_LISTED_INDICATOR.match(SPACES.sub("", line)):
                    for f in _read_row(m.group("name"), m.group("value")):
                        out.append(_indicator(f, plan, end_year, passage_id=passage.id))
    first_year = plan_first_year(plan)
    for row in plan.indicator_table:
        if row.year is not None and first_year is not None and row.year < first_year:
            continue              # 2020年 | 2025年 | 2030年: the year before the plan's period is its base, no target
        found = _read_simplified(_read_row, row.indicator, row.value) if simplify else _read_row(row.indicator, row.value)
        for f in found:
            if row.year is not None:          # the year its column names is written, not inferred
                out.append(_indicator(replace(f, year=f.year or row.year), plan, end_year, table_line=row.line,
                                      passage_id=made_of.get(row.line), attribute=row.attribute or None))
            else:
                out.append(_indicator(f, plan, end_year, table_line=row.line, attribute=row.attribute or None))
    return out


def stated_value(i: Indicator) -> str:
    """The value as a report states it: with its verb where the value alone would misread, a change relative to a
    base year (以2020年为基数下降15%, not the rate 15%) and a bound written before the number (不高于千分之六)."""
    value = value_with_unit(i)
    if i.value in WORDED_VALUES:
        return i.value            # 翻一番 says its own direction
    if i.direction in CHANGE_VERBS | {"不低于", "不超过"} and not i.bound and not i.value.startswith(i.direction):
        return f"{i.direction}{value}"
    return value


def value_with_unit(i: Indicator) -> str:
    """The value with its unit: a table cell writes a bare number under a unit its header or 单位 column gives
    (婴儿死亡率（‰） | ≤5.0 is ≤5.0‰); a value that writes its unit is as written."""
    if not i.unit or i.unit in unicodedata.normalize("NFKC", i.value) \
            or any(i.value.lstrip(SYMBOLS).startswith(f) for f in FRACTION_UNITS):
        return i.value            # (９９％以上 writes its unit in full width)
    last = None
    for last in re.finditer(NUM, i.value):
        pass
    return i.value if last is None else i.value[:last.end()] + i.unit + i.value[last.end():]


def indicators_stated_in(passages: list, meta) -> list[Indicator]:
    """The indicators other passages of one plan state, read as its target passages are: a measure may set a number
    its targets do not (保持在95%以上 under 策略措施). For answering a question about that plan; not indexed."""
    holder = ParsedPlan(meta=meta, domains=[], passages=[])
    end_year = plan_end_year(holder)
    simplify = _traditional([p.text for p in passages])
    return [_indicator(f, holder, end_year, passage_id=p.id) for p in passages
            for f in (_read_simplified(_read_text, p.text) if simplify else _read_text(p.text))]


TRADITIONAL_SHARE = 0.02    # a plan is in traditional characters when simplifying changes this share of its targets'
                            # characters (a simplified plan: a stray 著 or 乾 at most)


def _traditional(texts: list[str]) -> bool:
    text = "".join(texts)
    simple = to_simplified(text)
    changed = sum(a != b for a, b in zip(text, simple)) + abs(len(text) - len(simple))
    return bool(text) and changed > TRADITIONAL_SHARE * len(text)


def _read_simplified(read, *texts: str) -> list[_Found]:
    """`read` over the texts in simplified characters; the name and value as written are taken back from the
    original at the same place (simplifying keeps a text's length when it maps character for character; a text
    whose length it changes is read as written)."""
    simple = [to_simplified(t) for t in texts]
    if any(len(a) != len(b) for a, b in zip(texts, simple)):
        return read(*texts)
    found = read(*simple)
    original, simplified = "\n".join(texts), "\n".join(simple)
    back = Counter((s, o) for s, o in zip(simplified, original) if s != o)
    chars = {s: o for (s, o), _ in sorted(back.items(), key=lambda kv: kv[1])}      # the commonest wins
    for f in found:
        f.name_as_written = _as_written(f.name_as_written, simplified, original, chars)
        f.value.text = _as_written(f.value.text, simplified, original, chars)
    return found


def _as_written(part: str, simplified: str, original: str, chars: dict[str, str]) -> str:
    """`part` of the simplified text as the original writes it: the same place when it is there word for word,
    else (a name tidied in reading) its characters turned back as the original turns them."""
    at = simplified.find(part)
    if at >= 0 and part:
        return original[at:at + len(part)]
    return "".join(chars.get(c, c) for c in part)


def _read_row(indicator: str, value: str) -> list[_Found]:
    """One row of an indicator table. A unit written in the indicator's column (婴儿死亡率（‰） | 5.5以下) is the
    unit of a bare value; the value stays as the cell writes it."""
    unit, bare = UNIT_IN_NAME.search(indicator), BARE_VALUE.match(SPACES.sub("", value))
    if not (unit and bare):
        return _read_text(indicator + value)
    name = indicator[:unit.start()].strip()
    symbol = unicodedata.normalize("NFKC", bare.group("sym") or "")
    found = _Value(value.strip(), float(unicodedata.normalize("NFKC", bare.group("num"))),
                   unicodedata.normalize("NFKC", unit.group(1)).removeprefix("1"), _bound(bare.group("bound")),
                   bare.group("sym") or "")
    direction = SYMBOL_DIRECTIONS.get(symbol) or _direction(None, found)
    if change := RE_CHANGE_NAMED.search(name):
        direction = "下降" if change.group(1) or change.group(2) else "提高"    # 儿童伤害死亡率下降幅度（%） | 20: a fall of 20%, no rate of 20%
    return [_Found(canonical_name(name) or _tidy(name), indicator.strip(), found, direction, None)]


def by_name(indicators: Iterable[Indicator]) -> dict[str, dict[str, list[Indicator]]]:
    """Group indicators by canonical name, then by plan: {name: {plan_id: [indicator, …]}}."""
    groups: dict[str, dict[str, list[Indicator]]] = defaultdict(lambda: defaultdict(list))
    for ind in indicators:
        groups[ind.name][ind.plan_id].append(ind)
    return {name: dict(plans) for name, plans in groups.items()}


def shared_indicators(indicators: Iterable[Indicator], min_plans: int = 2) -> dict[str, list[str]]:
    """Canonical names found in at least `min_plans` plans, with those plans: {name: [plan_id, …]}."""
    known = {s.name for s in indicator_specs()}
    return {name: sorted(plans) for name, plans in sorted(by_name(indicators).items())
            if name in known and len(plans) >= min_plans}
