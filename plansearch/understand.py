"""Query understanding: a place or plan named in the query, a domain word, a kind word, and
synonym expansion for the lexical side. What was understood is returned to the user."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel

from indexer.normalize import normalize_for_index
from plansearch.records import Kind, PlanMeta

SYNONYMS = Path(__file__).resolve().parent.parent / "indexer" / "data" / "synonyms.txt"

# a domain word in the query boosts passages of the domain whose name ends with it
DOMAIN_WORDS = {
    "健康": "健康", "医疗": "健康", "卫生": "健康", "安全": "安全", "伤害": "安全", "教育": "教育", "学校": "教育",
    "福利": "福利", "救助": "福利", "家庭": "家庭", "家教": "家庭", "家风": "家庭", "环境": "环境", "生态": "环境",
    "法律": "法律", "法治": "法律", "司法": "法律", "经济": "经济", "就业": "经济", "社会保障": "社会保障",
    "社保": "社会保障", "决策": "决策", "参政": "决策",
}
TARGET_WORDS = ("目标", "指标", "多少", "比例", "达到多少", "定的", "定了", "数值", "要求达到")
RATE_WORDS = frozenset({"率", "比率", "百分比", "百分率"})       # what an English "rate" or "percentage" means
MEASURE_WORDS = ("措施", "怎么做", "怎样做", "如何", "怎么", "做法", "办法", "举措", "怎样")
OVERVIEW_WORDS = ("总体目标", "指导思想", "基本原则", "前言")
IMPLEMENTATION_WORDS = ("组织实施", "监测评估", "考核", "经费保障")
WOMEN_WORDS = ("妇女", "女性", "孕产妇", "孕妇", "产妇", "妈妈", "母亲", "怀孕", "生孩子", "女干部", "女职工", "两癌", "宫颈癌",
               "乳腺癌", "母婴")
RE_PLACE = re.compile(r"([\u4e00-\u9fff]{2,7}?(?:自治区|自治州|省|市|县|区|州|盟|旗))")
GENERIC_PLACES = {"城市", "社区", "地区", "市区", "城区", "园区", "景区", "校区", "山区", "牧区", "农牧区", "街区",
                  "全市", "全区", "全县", "本市", "本区", "本县", "我市", "我区", "我县", "该市", "各市", "各区", "各县",
                  "城乡社区", "农村社区", "城市社区", "示范区", "开发区", "新区", "辖区", "小区", "学区", "片区",
                  "边远地区", "农村地区", "贫困地区", "民族地区", "脱贫地区", "城镇社区", "友好城市", "友好社区"}
CHILD_WORDS = ("儿童", "孩子", "小孩", "小朋友", "宝宝", "娃", "未成年", "学生", "同学", "少年", "少儿", "婴儿", "幼儿", "新生儿",
               "小学", "中学", "托育", "托儿", "早教", "家长", "父母", "监护")


def _division_ending(text: str) -> str | None:
    """The longest end of `text` that names a real division (我想问一下南京市 → 南京市), or None: a run of words
    ending in 县 or 区 (一直在县里, 在县城) is no place."""
    from indexer.gazetteer import resolve

    return next((text[i:] for i in range(len(text) - 1) if resolve(text[i:])), None)


class Interpretation(BaseModel):
    """What the query was understood to ask; explicit filters always win over it."""

    plans: list[str] = []
    place: str | None = None
    domains: list[str] = []
    domain_word: str | None = None
    kind: Kind | None = None
    kind_word: str | None = None
    expansions: list[str] = []
    subject: str | None = None         # 儿童 or 妇女 when the query's words point at one kind of plan
    unknown_place: str | None = None   # a place named in the query that no plan in the corpus covers
    place_plans: list[str] = []        # every plan of the place named, when `subject` narrowed `plans` to some
    place_as_typed: str | None = None  # the place as typed when it only sounds like the plan's (大清市 for 大庆市)


def _names_above(meta) -> set[str]:
    """The names of the places above a plan's own (a county's city and province, a city's province), as typed:
    乡宁县's 临汾市, 临汾, 山西省, 山西."""
    own = meta.county or meta.city
    wider = (meta.city, meta.province) if meta.county else (meta.province,) if meta.city else ()
    return {n for w in wider if w and w != own for n in (w, w[:-1], w[:2])}


@dataclass
class Synonyms:
    """`word => term ~term`: the terms widen the search; a term marked `~` is only related (broader, or another
    thing: 手足口病 => ~传染病, 报销 => ~医疗保险), so a passage holding it is no evidence for the word."""
    rules: dict[str, list[str]] = field(default_factory=dict)
    related: dict[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path = SYNONYMS) -> "Synonyms":
        rules: dict[str, list[str]] = {}
        related: dict[str, frozenset[str]] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if "=>" not in line:
                continue
            word, _, expansion = line.partition("=>")
            word = normalize_for_index(word.strip())
            rules[word] = [t.lstrip("~") for t in expansion.split() if t.lstrip("~")]
            if marked := frozenset(t[1:] for t in expansion.split() if t.startswith("~") and t[1:]):
                related[word] = marked
        return cls(rules, related)

    def expand(self, query: str) -> list[str]:
        normal = normalize_for_index(query)
        out: list[str] = []
        for word in sorted(self.rules, key=len, reverse=True):
            if word in normal:
                out.extend(w for w in self.rules[word] if w not in out and w not in normal)
        return out


class QueryUnderstanding:
    def __init__(self, plans: list[PlanMeta], domains: list[str], synonyms: Synonyms | None = None, lexicon=None):
        self.plans = plans
        self.domains = domains
        self.synonyms = synonyms or Synonyms.load()
        self._lexicon = lexicon             # callable → Lexicon, for place names typed in Latin letters

    @cached_property
    def _latin_places(self) -> list[tuple[re.Pattern, str, list[str]]]:
        """(pattern, name, plan ids) for each place name of the plans written in Latin letters: its pinyin or
        English name from the dictionary (大庆 → Daqing, 呼和浩特 → Hohhot, 乡宁 → Xiangning), longest first.
        Built from the plans' metadata, so a new plan's place is recognised with no list to edit."""
        if not self._lexicon:
            return []
        lexicon = self._lexicon()
        plans_of: dict[str, list[str]] = {}
        for meta in self.plans:
            names = {meta.short_name, meta.city, meta.county, *meta.aliases}
            names |= {n[:-1] for n in list(names) if n and len(n) > 2 and n[-1] in "市区县"}
            for name in names:
                if name and len(name) >= 2:
                    for latin in lexicon.latin_names(name):
                        ids = plans_of.setdefault(latin, [])
                        if meta.id not in ids:
                            ids.append(meta.id)
        return [(re.compile(rf"(?<![a-z]){n}(?![a-z])"), n, ids)
                for n, ids in sorted(plans_of.items(), key=lambda kv: -len(kv[0]))]

    def latin_names(self, plan_id: str) -> list[str]:
        """A plan's place names in Latin letters (see `_latin_places`)."""
        return [name for _, name, ids in self._latin_places if plan_id in ids]

    @cached_property
    def _names_above(self) -> dict[str, set[str]]:
        """Each plan's names of the places above its own (乡宁县's: 临汾市, 临汾, 山西省 …), normalised."""
        return {meta.id: {normalize_for_index(n) for n in _names_above(meta)} for meta in self.plans}

    @cached_property
    def _place_names(self) -> list[tuple[str, list[str]]]:
        """(normalised name, plan ids) pairs, longest names first, then the narrower place (随州曾都 is asked of
        曾都, its district, not of 随州), then by name; 市/区/县 suffixes also match without them. A name that is
        some plans' own place (临汾市's plan) and only the place above others (乡宁县's, in 临汾市) is theirs alone:
        a question naming the city asks the city's plan, not its counties'."""
        plans_of: dict[str, list[str]] = {}
        own_of: dict[str, list[str]] = {}
        wide: dict[str, bool] = {}
        for meta in self.plans:
            above = _names_above(meta)
            candidates = {name for name in (meta.short_name, meta.county, *meta.aliases, meta.city) if name}
            candidates |= {name[:-1] for name in candidates if len(name) > 2 and name[-1] in "市区县"}
            for name in sorted(candidates):
                wider = name in above
                if len(name) >= 2:
                    key = normalize_for_index(name)
                    ids = plans_of.setdefault(key, [])
                    if meta.id not in ids:
                        ids.append(meta.id)
                    if not wider and meta.id not in own_of.setdefault(key, []):
                        own_of[key].append(meta.id)
                    wide[key] = wide.get(key, True) and wider
        return sorted(((key, own_of.get(key) or ids) for key, ids in plans_of.items()),
                      key=lambda kv: (-len(kv[0]), wide[kv[0]], kv[0]))

    def _sounding_like(self, typed: str) -> tuple[str, str, list[str]] | None:
        """A place name no plan has that a plan's place name sounds exactly like, with the same 市/区/县 (大清市 for
        大庆市: a pinyin input method's wrong pick): (the name as typed, the plan's name, its plan ids). A real other
        place sounds otherwise (大同市) or ends otherwise (新兴县, not 新星市)."""
        if not self._lexicon or typed[-1] not in "市区县":
            return None
        lexicon = self._lexicon()
        for name, plan_ids in self._place_names:
            if len(name) < 3 or name[-1] != typed[-1]:
                continue
            stem = typed[-len(name):-1]         # the name's length from the end: 我想问一下大清市 → 大清
            if len(stem) == len(name) - 1 and stem != name[:-1] \
                    and lexicon.latin_names(stem) & lexicon.latin_names(name[:-1]):
                return typed[-len(name):], name, plan_ids
        return None

    @cached_property
    def _subjects(self) -> dict[str, str]:
        return {m.id: m.subject for m in self.plans}

    def interpret(self, query: str) -> Interpretation:
        q = normalize_for_index(query)
        out = Interpretation()
        matched: list[str] = []
        place = None
        rest = q
        for name, plan_ids in self._place_names:
            if name in rest:
                rest = rest.replace(name, " ")
                if any(name in self._names_above[p] for p in matched):
                    continue          # 临汾乡宁县: the city named says where the county named is
                place = place or name
                matched += [p for p in plan_ids if p not in matched]
        if re.search(r"[a-z]", rest):
            latin = rest.lower()
            for pattern, name, plan_ids in self._latin_places:
                found = pattern.search(latin)
                if found:
                    place = place or name
                    matched += [p for p in plan_ids if p not in matched]
                    latin = pattern.sub(" ", latin)
            rest = latin
        out.expansions = self.synonyms.expand(query)
        said = " ".join([q, *out.expansions])         # 孕妈妈 says 孕产妇 through its synonyms
        wants_women, wants_children = any(w in said for w in WOMEN_WORDS), any(w in said for w in CHILD_WORDS)
        if wants_women != wants_children:
            out.subject = "妇女" if wants_women else "儿童"
        if matched:
            subjects = self._subjects
            if out.subject and len({subjects[p] for p in matched}) > 1:
                out.place_plans = matched
                matched = [p for p in matched if subjects[p] == out.subject]
            out.plans, out.place = matched, place
        if not matched:
            for m in RE_PLACE.finditer(rest):
                name = m.group(1)
                if name not in GENERIC_PLACES and not any(name.endswith(g) for g in GENERIC_PLACES) and len(name) >= 3:
                    typo = self._sounding_like(name)
                    if typo:
                        out.place_as_typed, (out.place, out.plans) = typo[0], typo[1:]
                        break
                    real = _division_ending(name)
                    if real:
                        out.unknown_place = real
                        break
        for word, suffix in DOMAIN_WORDS.items():
            if word in q:
                domains = [d for d in self.domains if d.endswith(suffix) or suffix in d]
                if domains:
                    out.domains, out.domain_word = domains, word
                    break
        for words, kind in ((OVERVIEW_WORDS, Kind.overview), (IMPLEMENTATION_WORDS, Kind.implementation),
                            (TARGET_WORDS, Kind.target),
                            (MEASURE_WORDS, Kind.measure)):
            hit = next((w for w in words if w in q), None)
            if hit:
                out.kind, out.kind_word = kind, hit
                break
        if out.kind is None and self._lexicon and re.search(r"[a-z]", q):
            out.kind_word = self._english_target_word(q)
            out.kind = Kind.target if out.kind_word else None
        return out

    def _english_target_word(self, q: str) -> str | None:
        """An English word whose dictionary sense is a target word's (target → 目标, rate → 率, percentage → 百分比)."""
        lexicon = self._lexicon()
        wanted = set(TARGET_WORDS) | RATE_WORDS
        for word in re.findall(r"[a-z]+", q):
            if wanted & set(lexicon.english(word)[:4]):
                return word
        return None


def strip_question(query: str) -> str:
    """Drop question scaffolding that only adds noise for the encoder (？, 请问)."""
    return re.sub(r"^(请问|想问一下|想知道)", "", query.strip()).strip()


# "don't take it for X" (别跟优良率搞混了, 不要和城市的弄混): X is what the question does not ask about
RE_NOT_THAT = re.compile(r"[，,；;。？?]?\s*(?:(?:别|不要|不用|勿|可别|千万别)\s*(?:跟|和|与|同)?\s*[^，,；;。？?！!]{1,20}?"
                         r"(?:搞混|弄混|混淆|混了|搞错|弄错|搞反|弄反)了?"
                         # 不是医保那个 (it is not 医保's), 2025年那个我知道 (that one I know)
                         r"|(?<!是)(?:而)?不是[^，,；;。？?！!]{1,12}?(?:那个|那项|那一项)"     # (not 是不是)
                         r"|[^，,；;。？?！!]{1,12}?(?:那个|那项|的)我(?:知道|清楚|了解|查到)了?)")


def without_what_is_excluded(q: str) -> str:
    """The question without a clause naming what it is not about (…合格率要稳定在多少啊，别跟优良率搞混了 asks for
    合格率, and was answered with 优良率's value)."""
    return RE_NOT_THAT.sub("", q)

