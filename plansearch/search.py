"""One search function for every front door (HTTP API, CLI, eval): hybrid BM25 + dense, fused by
reciprocal rank, with filters applied before the top k is cut."""
from __future__ import annotations

import functools
import heapq
import logging
import re
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeVar
from enum import Enum

import numpy as np
from pydantic import BaseModel, Field

from embeddings.encoder import Encoder
from indexer.normalize import for_the_model, normalize_for_index
from indexer.tokenize import Tokenizer
from plansearch import lexicon as lexicon_module
from plansearch.domains import domain_matches, same_outline_domain
from plansearch.evidence import (EVIDENCE_DEPTH, Concept, Evidence, Vocabulary, abbreviations, judge, mostly_latin,
                                 words_by_first_character)
from plansearch.errors import InvalidQuery, PassageNotFound, PlanNotFound
from plansearch.index import Filter, PassageIndex
from plansearch.records import Kind, Passage, PlanMeta
from plansearch.settings import Settings
from plansearch.understand import Interpretation, QueryUnderstanding
from plansearch.views import view, view_model

log = logging.getLogger(__name__)
WARM_UP_QUERY = "其他地方怎么预防儿童溺水"    # a question that takes every step of a search

MAX_K = 100
MAX_OFFSET = 900
FACET_DEPTH = 50
FEEDBACK_BREADTH = 0.25      # HNSW search breadth of the feedback ranking, relative to the first one
T = TypeVar("T")
ROW_CACHE = 50_000           # rows whose normalised text and words a searcher keeps
CONCEPT_DEPTH = 50           # candidates the concept boost reads (their text is cached per row)
# words borrowed from the best dense matches when the plans lack some of the question's words (_borrowed_words)
BORROW_DEPTH, BORROW_SHARED, BORROW_RARITY, BORROW_WORDS = 5, 3, 0.02, 4
RE_HAN_WORD = re.compile(r"[\u4e00-\u9fff]+")
# words every plan uses: they say nothing about whether the corpus can answer a query
GENERIC_WORDS = frozenset({"目标", "措施", "儿童", "妇女", "规划", "发展", "建设", "工作", "政策", "标准", "多少",
                           "要求", "情况", "内容", "方面", "提高", "加强"})


class Mode(str, Enum):
    hybrid = "hybrid"
    bm25 = "bm25"
    dense = "dense"


class SearchRequest(BaseModel):
    q: str
    k: int = 10
    plan: str | None = None
    region: str | None = None
    domain: str | None = None
    kind: str | None = None
    offset: int = 0
    mode: Mode = Mode.hybrid
    diversify: bool = True        # a plan does not fill the top of the list while other plans have matches
    understand: bool = True       # places, domain and kind words in the query restrict or boost
    synonyms: bool = True         # colloquial words expanded on the lexical side
    feedback: bool = True         # a second dense ranking from the query moved towards its best matches


Hit = view_model("Hit", "passage_id plan_id plan_title region domain kind number title text score source section",
                 score=(float, ...))


class Facets(BaseModel):
    """How the best FACET_DEPTH matches spread over plans, domains and kinds (filters applied)."""

    plan: dict[str, int]
    domain: dict[str, int]
    kind: dict[str, int]


class SearchResponse(BaseModel):
    query: str
    took_ms: float
    results: list[Hit]
    offset: int = 0
    facets: Facets | None = None
    interpreted: Interpretation | None = None
    confidence: float | None = Field(None, description="0–1: how sure the service is that the corpus answers the query")
    no_answer: bool | None = Field(None, description="true when nothing in the corpus seems to answer the query")
    concepts: list[str] = Field([], description="the query's key concepts, which an answering passage must contain")
    missing_concepts: list[str] = Field([], description="concepts the best passages lack (of the named plan, when one is named)")
    named_plan_lacks: bool = Field(False, description="a plan is named and its text lacks the concepts; other plans' hits follow")


class Neighbours(BaseModel):
    previous: str | None
    next: str | None


PassageDetail = view_model(
    "PassageDetail", "passage_id plan_id plan_title region chapter domain kind number title text source neighbours section",
    neighbours=(Neighbours, ...))


class PlanSummary(BaseModel):
    id: str
    title: str
    short_name: str
    region: str
    province: str
    city: str
    county: str
    admin_level: str
    period: str
    subject: str
    status: str
    source_file: str
    start_line: int
    end_line: int | None
    guessed: bool
    domains: list[str]
    passage_counts: dict[str, int]
    passages: int


def reciprocal_rank_fusion(rankings: list[list[int]], k: int, weights: list[float] | None = None
                           ) -> dict[int, float]:
    """Σ weight/(k + rank) over the rankings each row appears in (ranks start at 1; weights default to 1)."""
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights or [1.0] * len(rankings)):
        for rank, row in enumerate(ranking, start=1):
            fused[int(row)] = fused.get(int(row), 0.0) + weight / (k + rank)
    return fused


STATING_DEPTH = 50      # lexical matches looked through for a passage stating every topic concept
STATING_MOST = 3        # how many such passages come first
WRITTEN_DEPTH = 50      # passages holding a word looked through for a phrase written with it (网络贷款 for 网贷)


@dataclass
class Ranking:
    rows: list[tuple[int, float]]
    interpretation: Interpretation
    confidence: float | None
    evidence: Evidence | None = None              # the question's concepts in the best passages (named plan's when one is named)
    elsewhere: Evidence | None = None             # …in other plans' passages, when a named plan lacks them
    concepts: list[Concept] = field(default_factory=list)


class Searcher:
    """Holds a loaded index, the query encoder and the tokenizer; stateless per request."""

    def __init__(self, index: PassageIndex, encoder: Encoder, tokenizer: Tokenizer, settings: Settings):
        self.index = index
        self.encoder = encoder
        self.tokenizer = tokenizer
        self.settings = settings
        self.plans: dict[str, PlanMeta] = {e.meta.id: e.meta for e in index.plans}
        self.counts = {e.meta.id: e.counts for e in index.plans}
        self._plan_domains = {e.meta.id: e.domains for e in index.plans}
        self.domains = index.domains
        self._vectors: dict[str, np.ndarray] = {}
        self._vectors_lock = threading.Lock()
        # the dictionary is read on first need (a query with English or a word the plans never use), or earlier
        # in the background by a long-running service (`preload_lexicon`)
        lexicon = functools.partial(lexicon_module.get, settings.cache_dir) if settings.lexicon else None
        self._lexicon = lexicon
        self.understanding = QueryUnderstanding(list(self.plans.values()), self.domains, lexicon=lexicon)
        self._normal_texts: dict[int, str] = {}
        self._row_words: dict[int, frozenset[str]] = {}
        self._measure_indicators: dict[str, list] = {}
        self._rows_holding: dict[str, list[int]] = {}     # word → the passages holding it (`_writes`)

    @cached_property
    def vocabulary(self) -> Vocabulary:
        vocabulary = self.index.vocabulary()
        return Vocabulary(self.understanding.synonyms.rules, self.index.known, self.tokenizer,
                          share_containing=self.index.share_containing,
                          use_cilin=self.settings.thesaurus, abbreviations_of=abbreviations(vocabulary),
                          lexicon=self._lexicon, related=self.understanding.synonyms.related,
                          written=self._writes, by_first=words_by_first_character(vocabulary))

    def _writes(self, phrase: str, word: str) -> bool:
        """Whether a passage holding `word` (the phrase's rarer word) writes `phrase`."""
        rows = self._rows_holding.get(word)
        if rows is None:
            rows = [row for row, _ in self.index.lexical([word], None, WRITTEN_DEPTH)]
            if len(self._rows_holding) < ROW_CACHE:
                self._rows_holding[word] = rows
        return any(phrase in text for text in self._normal_texts_of(rows).values())

    def measure_indicators(self, plan_id: str) -> list:
        """The indicators a plan's measures state, read as its targets are (保持在95%以上 under 策略措施); read once
        per plan of this index (60 ms a question otherwise). Not indexed: for answers and comparisons only."""
        found = self._measure_indicators.get(plan_id)
        if found is None:
            from indexer.targets import indicators_stated_in

            measures = [p for p in map(self.index.passage, self.index.rows_of_plan(plan_id)) if p.kind is Kind.measure]
            found = self._measure_indicators[plan_id] = indicators_stated_in(measures, self.plans[plan_id])
        return found

    def _normal_text(self, row: int) -> str:
        """A passage's title, text and domain as matched for evidence (cached per row)."""
        return self._normal_texts_of([row])[row]

    def _normal_texts_of(self, rows: Sequence[int]) -> dict[int, str]:
        return self._per_row(self._normal_texts, rows, lambda p: normalize_for_index(
            " ".join(x for x in (p.title, p.text, p.domain, *self._indicator_names.get(p.id, ())) if x)))

    @cached_property
    def _indicator_names(self) -> dict[str, tuple[str, ...]]:
        """Per passage, the indicators it sets by their names: "新生儿、婴儿和5岁以下儿童死亡率分别…" states 婴儿死亡率,
        though never in those words."""
        names: dict[str, list[str]] = {}
        for i in self.index.indicators:
            if i.passage_id and i.name not in names.setdefault(i.passage_id, []):
                names[i.passage_id].append(i.name)
        return {pid: tuple(n) for pid, n in names.items()}

    def _per_row(self, cache: dict[int, T], rows: Sequence[int], make: Callable[[Passage], T]) -> dict[int, T]:
        """`make(passage)` for each of `rows`: from `cache`, the others read from the store at once and cached
        (up to ROW_CACHE rows)."""
        missing = [r for r in dict.fromkeys(rows) if r not in cache]
        made = {r: make(p) for r, p in zip(missing, self.index.passages(missing) if missing else [])}
        if len(cache) < ROW_CACHE:
            cache.update(made)
        return {r: made[r] if r in made else cache[r] for r in rows}

    def concepts(self, q: str, interp: Interpretation) -> list[Concept]:
        places = [interp.place, interp.unknown_place, interp.place_as_typed]     # (汾溪县, typed for 汾西县)
        places += [n for p in interp.plans for n in (self.plans[p].short_name, self.plans[p].city,
                                                      self.plans[p].county, *self.plans[p].aliases)]
        if interp.plans and re.search(r"[A-Za-z]", q):
            places += [n for p in interp.plans for n in self.understanding.latin_names(p)]
        return self.vocabulary.concepts(q, [p for p in places if p])

    def judge(self, concepts: list[Concept], rows: list[int], vector: np.ndarray | None = None) -> Evidence:
        """The question's concepts in the best of `rows`; with the query's vector, each passage's closeness in
        meaning (cosine) lets one topic concept be worded otherwise."""
        closeness = None
        if vector is not None and rows and concepts:
            closeness = dict(zip(rows, (self.index.vectors_of(rows) @ vector).tolist()))
        texts = self._normal_texts_of(rows)
        return judge(concepts, [(r, texts[r]) for r in rows], closeness)

    def _rows_stating(self, concepts: list[Concept], filter: Filter | None) -> list[int]:
        """The passages, among the best lexical matches of the concepts' forms, that state every one of them."""
        words = list(dict.fromkeys(t for c in concepts for f in c.forms for t in self.tokenizer.tokens(f)))
        candidates = [row for row, _ in self.index.lexical(words, filter, STATING_DEPTH)]
        texts = self._normal_texts_of(candidates)
        return [r for r in candidates if all(c.in_text(texts[r]) for c in concepts)]

    def _plan_at(self, row: int) -> str:
        return self.index.plan_of(row)

    def _query_vector(self, q: str) -> np.ndarray:
        """Query embeddings are cached: paging and repeated questions do not encode again. The model reads the
        question in the plans' script (校園霸凌 as 校园霸凌)."""
        q = for_the_model(q)
        vector = self._vectors.get(q)
        if vector is None:
            vector = self.encoder.encode_queries([q])[0]
            with self._vectors_lock:
                if len(self._vectors) >= 4096:
                    self._vectors.pop(next(iter(self._vectors)))
                self._vectors[q] = vector
        return vector

    def warm_up(self, encoder: bool = True) -> None:
        """Run one query through both rankings (the encoder unless told not to) so the first user does not pay
        for lazy loading."""
        self.tokenizer.tokens("儿童")
        self.index.lexical(["儿童"], None, 1)
        if encoder:
            self.encoder.encode_queries(["儿童"])

    def warm_in_background(self) -> None:
        """What a long-running service does once it is up: read the dictionary, and run one whole search so that
        the tables it loads lazily (part-of-speech, thesaurus, vocabulary) are not the first user's wait."""
        self.preload_lexicon()

        def warm() -> None:
            try:
                self.search(SearchRequest(q=WARM_UP_QUERY))
                self.vocabulary.warm()
            except Exception:            # a warm-up must never take the service down; the real query will say why
                log.exception("warm-up search failed")

        threading.Thread(target=warm, name="plansearch-warm-up", daemon=True).start()

    def preload_lexicon(self) -> None:
        """Start reading the dictionary in a background thread (the service does once it is up)."""
        if self._lexicon:
            lexicon_module.preload(self.settings.cache_dir)

    # -- validation: every mistake gets a message naming the parameter ----------------------
    def _validate(self, req: SearchRequest) -> tuple[str, Filter | None]:
        q = (req.q or "").strip()
        if not q or all(unicodedata.category(ch)[0] in "CZ" for ch in q):     # NUL, zero-width space, BOM only
            raise InvalidQuery("q", "查询词 q 不能为空（q must not be empty）")
        if len(q) > self.settings.max_query_chars:
            raise InvalidQuery("q", f"查询词过长：{len(q)} 个字符，最多 {self.settings.max_query_chars} 个"
                                    f"（q is longer than {self.settings.max_query_chars} characters）")
        if not 1 <= req.k <= MAX_K:
            raise InvalidQuery("k", f"k 必须在 1 到 {MAX_K} 之间，收到 {req.k}（k must be between 1 and {MAX_K}）")
        if not 0 <= req.offset <= MAX_OFFSET:
            raise InvalidQuery("offset", f"offset 必须在 0 到 {MAX_OFFSET} 之间，收到 {req.offset}"
                                         f"（offset must be between 0 and {MAX_OFFSET}）")
        plans: frozenset[str] = frozenset()
        regions: frozenset[str] = frozenset()
        domains: frozenset[str] = frozenset()
        kinds: frozenset[Kind] = frozenset()
        if req.plan:
            if req.plan not in self.plans:
                raise PlanNotFound(req.plan, sorted(self.plans))
            plans = frozenset([req.plan])
        if req.region:
            regions = frozenset([req.region.strip()])
            if not Filter(regions=regions).plan_ids(list(self.plans.values())):
                raise InvalidQuery("region", f"没有地区为“{req.region.strip()}”的规划（no plan in region "
                                             f"'{req.region.strip()}'）")
        if req.domain:
            wanted = req.domain.strip()
            # the name, or another plan's name for the same outline domain (儿童健康 for 儿童与健康); a part of a
            # name (安全, 健康, 儿童) picks the domains holding it; one character (与, 童) is no name
            # (安全 written as a domain's whole name by one plan is the 儿童与安全 of the others, and theirs is its)
            domains = frozenset([d for pid, names in self._plan_domains.items() if pid in self.plans for d in names
                                 if domain_matches(d, wanted, self.plans[pid].subject)]
                                or [d for d in self.domains if d == wanted or same_outline_domain(d, wanted)]
                                or [d for d in self.domains if len(wanted) >= 2 and wanted in d])
            if not domains:
                raise InvalidQuery("domain", f"未知的领域“{wanted}”（unknown domain）；可用：{'、'.join(self.domains)}")
        if req.kind:
            try:
                kinds = frozenset([Kind(req.kind.strip())])
            except ValueError:
                raise InvalidQuery("kind", f"未知的类型“{req.kind}”（unknown kind）；可用："
                                           f"{', '.join(k.value for k in Kind)}") from None
        filter = Filter(plans, regions, domains, kinds)
        return q, (None if filter.empty else filter)

    # -- the search ------------------------------------------------------------------------
    def rank(self, req: SearchRequest, limit: int | None = None) -> "Ranking":
        """Rows best first, filters applied before the cut to `limit` (default k + offset). A place with plans of
        both subjects, narrowed to one by a word of the question (婴儿 of 试管婴儿 picked 曾都's children's plan), is
        taken whole when that plan lacks the question's concepts and the place's plans together state them."""
        q, filter = self._validate(req)
        interp = self.understanding.interpret(q) if req.understand else Interpretation()
        ranking = self._rank(req, q, filter, interp, limit)
        if interp.place_plans and not (req.plan or req.region) and ranking.evidence and not ranking.evidence.holds:
            whole = self._rank(req, q, filter, interp.model_copy(update={"plans": interp.place_plans}), limit)
            if whole.evidence and whole.evidence.holds:
                return whole
        return ranking

    def _rank(self, req: SearchRequest, q: str, filter: "Filter | None", interp: Interpretation,
              limit: int | None) -> "Ranking":
        limit = limit or req.k + req.offset
        depth = max(self.settings.fusion_depth, limit)
        if not req.synonyms:
            interp.expansions = []
        rankings: list[list[int]] = []
        tokens = self.tokenizer.tokens(q)
        concepts = self.concepts(q, interp) if req.understand else []
        extra = self.vocabulary.expansions(concepts) if req.synonyms else []
        if req.synonyms and req.understand and self._lexicon:
            extra += self.vocabulary.generic_english_terms(q)
        for word in [*interp.expansions, *extra]:
            tokens += [t for t in self.tokenizer.tokens(word) if t not in tokens]
        content = [t for t in tokens if t not in GENERIC_WORDS]
        coverage = float(np.mean(self.index.known(content))) if content else 1.0
        if req.mode in (Mode.hybrid, Mode.bm25):
            lexical = self.index.lexical(tokens, filter, depth)
            if req.mode is Mode.bm25:
                return Ranking(lexical[:limit], interp, None, concepts=concepts)
            rankings.append([row for row, _ in lexical])
        vector = self._query_vector(q)
        dense = self.index.dense(vector, filter, depth)
        dense_top = dense[0][1] if dense else 0.0
        similarity = self._confidence(dense_top + self._cross_lingual(q), coverage, interp)
        if req.mode is Mode.dense:
            return self._judged(dense[:limit], limit, interp, similarity, concepts, req, vector)
        rankings.append([row for row, _ in dense])
        trust = self._lexical_trust(concepts)
        weights = [trust, 1.0]
        if req.understand and trust < 1:
            borrowed = self._borrowed_words([row for row, _ in dense[:BORROW_DEPTH]])
            if borrowed:
                rankings.append([row for row, _ in self.index.lexical(borrowed, filter, depth)])
                weights.append(1.0 - trust)
        fused = reciprocal_rank_fusion(rankings, self.settings.rrf_k, weights)
        if req.understand and fused and self._is_topic(fused, interp):
            fused = self._topic_fusion(rankings, weights, vector, depth, filter, req)
        self._boost(fused, interp, req)
        if req.understand:
            self._concept_boost(fused, concepts)
        ranked = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))
        single_plan = bool(req.plan)
        if req.diversify and not single_plan:
            ranked = self._diversify(ranked, limit, gate=not interp.plans)
        if interp.plans and not (req.plan or req.region):
            ranked = self._pin_named_plan(ranked, set(interp.plans))
        if req.understand:
            ranked = self._stating_forward(ranked, concepts, filter, interp, req, vector)
        return self._judged(ranked, limit, interp, similarity, concepts, req, vector)

    def _stating_forward(self, ranked: list[tuple[int, float]], concepts: list[Concept], filter: Filter | None,
                         interp: Interpretation, req: SearchRequest, vector: np.ndarray) -> list[tuple[int, float]]:
        """When none of the best passages holds the question's topic concepts but a passage of the plans states
        every one (文身 once, in passing, inside a measure on advertising), that passage comes first: the plans
        say it, and a refusal would be false. The plan a question names is looked in first."""
        topics = [c for c in concepts if not c.predicate and not c.context]
        if not topics or not all(c.known for c in topics):
            return ranked
        named = set(interp.plans) if interp.plans and not (req.plan or req.region) else set()
        # the passages a reader sees first (of the named plan, when one is named)
        window = [r for r, _ in ranked[:EVIDENCE_DEPTH] if not named or self._plan_at(r) in named]
        if self.judge(concepts, window, None if named else vector).holds:
            return ranked
        stating = self._rows_stating(topics, filter)
        if named and any(self._plan_at(r) in named for r in stating):
            stating = [r for r in stating if self._plan_at(r) in named]
        if not stating:
            return ranked
        first = stating[:STATING_MOST]
        top = ranked[0][1] if ranked else 0.0
        return [(r, top) for r in first] + [(r, sc) for r, sc in ranked if r not in first]

    def _judged(self, ranked: list[tuple[int, float]], limit: int, interp: Interpretation, similarity: float,
                concepts: list[Concept], req: SearchRequest, vector: np.ndarray | None = None) -> "Ranking":
        """The ranking with its evidence and the confidence computed from both: the question's concepts must be in
        the best passages (the named plan's own, when the question names one and no filter is set)."""
        named = set(interp.plans) if interp.plans and not (req.plan or req.region) else set()
        rows = [r for r, _ in ranked]
        if named:
            own = [r for r in rows[:self.settings.pin_window * 2] if self._plan_at(r) in named][:EVIDENCE_DEPTH * 2]
            evidence = self.judge(concepts, own)     # no closeness: the place name makes all its passages close
            topics = {c.word for c in concepts if not c.predicate}
            lacking = topics & set(evidence.missing)
            elsewhere = None if evidence.holds and not lacking else self.judge(
                concepts, [r for r in rows[:self.settings.pin_window] if self._plan_at(r) not in named][:EVIDENCE_DEPTH * 2],
                vector)
            if evidence.holds and elsewhere is not None:
                # the named plan's passage held with one topic word missing (a paraphrase, say); but when the
                # named plan writes that word nowhere and other plans' passages answer with it, the named plan lacks
                # what they say (十三师…罕见病患儿救助: its 患儿医疗救助 is no 罕见病)
                missing_word = [c for c in concepts if c.word in lacking]
                evidence.outdone = elsewhere.holds and not lacking & set(elsewhere.missing) and not any(
                    self._rows_stating([c], Filter(plans=frozenset(named))) for c in missing_word)
                if not evidence.outdone:
                    elsewhere = None
        else:
            evidence, elsewhere = self.judge(concepts, rows[:EVIDENCE_DEPTH], vector), None
        evidence.similarity = similarity
        if elsewhere:
            elsewhere.similarity = similarity
        if evidence.holds:
            confidence = 0.5 + 0.5 * similarity
        else:
            confidence = 0.49 * evidence.share * similarity
        if interp.unknown_place and not interp.plans:
            confidence = min(confidence, 0.2)
        if req.understand and not concepts and not self._names_something(interp):
            confidence = 0.0        # 的, ？？？, 123, an emoji: nothing in the question that a passage could show
        return Ranking(ranked[:limit], interp, round(float(confidence), 3), evidence, elsewhere, concepts)

    @staticmethod
    def _names_something(interp: Interpretation) -> bool:
        """Does the question name a plan, place, domain or subject (大庆, 儿童与健康, 儿童)? A kind of passage alone
        (怎么办, 目标) names no subject matter."""
        return bool(interp.plans or interp.place or interp.unknown_place or interp.domains or interp.subject)

    def _topic_fusion(self, rankings: list[list[int]], weights: list[float], vector: np.ndarray, depth: int,
                      filter: Filter | None, req: SearchRequest) -> dict[int, float]:
        """What do the plans say about X: every plan's passages that say something on X are wanted, also
        where X is one sentence inside a measure on another subject. The dense vector is about a passage's
        main subject, BM25 counts the words wherever they stand, so the lexical ranking weighs more; a
        feedback ranking adds paraphrases of the best matches."""
        weights = [self.settings.topic_lexical_weight * weights[0], *weights[1:]]
        fused = reciprocal_rank_fusion(rankings, self.settings.rrf_k, weights)
        if req.feedback and self.settings.feedback_weight > 0:
            # pseudo-relevance feedback: the query moved towards its best matches finds their paraphrases
            top = [row for row, _ in sorted(fused.items(), key=lambda kv: -kv[1])[:self.settings.feedback_docs]]
            moved = vector + self.settings.feedback_weight * self.index.vectors_of(top).mean(axis=0)
            moved /= np.linalg.norm(moved)
            # a second ranking that only adds candidates: on an approximate (HNSW) index a narrower walk
            # will do (exact indexes are unaffected)
            again = self.index.dense(moved, filter, depth, breadth=FEEDBACK_BREADTH)
            fused = reciprocal_rank_fusion(rankings + [[row for row, _ in again]], self.settings.rrf_k, weights + [1.0])
        return fused

    @staticmethod
    def _lexical_trust(concepts: list[Concept]) -> float:
        """The weight of the BM25 ranking in the fusion: the share of the question's topic concepts (of its
        predicates, when it has no topic: 不让去打工) the plans write in some form. Where the plans have none of
        its words (下河洗澡, 人贩子), BM25 ranks on what is left, such as 孩子, while the dense ranking still reads
        the meaning."""
        named = [c for c in concepts if not c.predicate] or concepts
        return sum(c.known for c in named) / len(named) if named else 1.0

    def _borrowed_words(self, rows: list[int]) -> list[str]:
        """The plans' own words for a question worded otherwise: rare words (in under BORROW_RARITY of passages)
        that at least BORROW_SHARED of the best dense matches `rows` all use, most shared and rarest first. For
        放暑假孩子下河洗澡出事 the drowning measures say 溺水; BM25 then finds every passage that says it, also
        inside measures on other subjects. Ranking only: they are never evidence that the plans answer."""
        counts: Counter[str] = Counter()
        for words in self._per_row(self._row_words, rows, lambda p: frozenset(
                t for t in self.tokenizer.tokens(p.text)
                if len(t) > 1 and RE_HAN_WORD.fullmatch(t) and t not in GENERIC_WORDS)).values():
            counts.update(words)
        rare = [(n, -share, t) for t, n in counts.items() if n >= BORROW_SHARED
                and (share := self.index.share_containing(t)) < BORROW_RARITY]
        return [t for _, _, t in sorted(rare, reverse=True)[:BORROW_WORDS]]

    def _pin_named_plan(self, ranked: list[tuple[int, float]], plans: set[str]) -> list[tuple[int, float]]:
        """Move the named plan's best few passages (from the top PIN_WINDOW) to the front; the rest keeps
        its order, so the same passage in other plans still follows for comparison."""
        window = ranked[:self.settings.pin_window]
        pinned = [rw for rw in window if self._plan_at(rw[0]) in plans][:self.settings.pin_count]
        if not pinned:
            return ranked
        top = ranked[0][1]
        front = [(row, top + (len(pinned) - i) * 1e-6) for i, (row, _) in enumerate(pinned)]
        keep = {row for row, _ in pinned}
        return front + [rw for rw in ranked if rw[0] not in keep]

    def _is_topic(self, fused: dict[int, float], interp: Interpretation) -> bool:
        """A question about what the plans say on a topic: no place, no value asked, several plans match well."""
        if interp.plans or interp.kind in (Kind.target, Kind.overview):
            return False
        return len(self._contenders(sorted(fused.items(), key=lambda kv: -kv[1]))) >= 3

    def _contenders(self, ranked: list[tuple[int, float]]) -> set[str]:
        """Plans with a match in the top 10 scoring at least `diversity_floor` of the best."""
        if not ranked:
            return set()
        floor = self.settings.diversity_floor * ranked[0][1]
        return {self._plan_at(row) for row, score in ranked[:10] if score >= floor}

    def _boost(self, fused: dict[int, float], interp: Interpretation, req: SearchRequest) -> None:
        """Multiply the fused score of passages in the domain, of the kind, in plans of the subject (儿童 or
        妇女) the query names."""
        domains = set(interp.domains) if interp.domains and not req.domain else set()
        kind = interp.kind.value if interp.kind and not req.kind else None
        subject = interp.subject if interp.subject and not (interp.plans or req.plan) else None
        if not domains and not kind and not subject:
            return
        index = self.index
        wanted_kind = Kind(kind) if kind else None
        for row in fused:
            factor = 1.0
            if subject and self.plans[self._plan_at(row)].subject == subject:
                factor *= 1 + self.settings.subject_boost
            if domains and index.domain_of(row) in domains:
                factor *= 1 + self.settings.domain_boost
            if kind and index.kind_of(row) is wanted_kind:
                factor *= 1 + self.settings.kind_boost
                if kind == Kind.overview.value and index.passage(row).title == interp.kind_word:
                    factor *= 2.0      # 总体目标 / 指导思想 named exactly: that section
            fused[row] *= factor

    def _concept_boost(self, fused: dict[int, float], concepts: list[Concept]) -> None:
        """Multiply the fused score of the best CONCEPT_DEPTH candidates by the share of the question's concepts
        they contain (named, and written somewhere in the plans): a measure that mentions 母乳喂养 in passing
        goes before one that only sits near it in meaning."""
        named = [c for c in concepts if not c.predicate and c.known]
        if not named or self.settings.concept_boost <= 0:
            return
        best = [row for row, _ in heapq.nlargest(CONCEPT_DEPTH, fused.items(), key=lambda kv: kv[1])]
        for row, text in self._normal_texts_of(best).items():
            present = sum(c.in_text(text) for c in named)
            fused[row] *= 1 + self.settings.concept_boost * present / len(named)

    def _diversify(self, ranked: list[tuple[int, float]], limit: int, gate: bool = True) -> list[tuple[int, float]]:
        """Greedy re-ranking: each further passage of a plan already shown counts for a little less."""
        decay = self.settings.diversity_decay
        if not ranked:
            return ranked
        if gate and len(self._contenders(ranked)) < 2:
            return ranked          # one plan answers this (the women's plan, say): nothing to balance
        pool = ranked[:max(limit, 2 * FACET_DEPTH)]
        # Each plan's passages wait in a queue, best first; only the heads compete, because showing a passage
        # changes the weight of its own plan's passages alone. Same order as comparing every passage at every
        # step (score × decay^shown, then the earlier one), without the quadratic scan.
        queues: dict[str, list[tuple[float, int, int]]] = {}
        for i, (row, score) in enumerate(pool):
            queues.setdefault(self._plan_at(row), []).append((-score, i, row))
        for queue in queues.values():
            queue.sort(reverse=True)                     # pop() from the end gives the best
        heap = [(queue[-1][0], queue[-1][1], plan) for plan, queue in queues.items()]   # (−weighted score, i, plan)
        heapq.heapify(heap)
        shown: dict[str, int] = {}
        out: list[tuple[int, float]] = []
        while heap and len(out) < limit:
            _, _, plan = heapq.heappop(heap)
            neg_score, _, row = queues[plan].pop()
            n = shown.get(plan, 0)
            out.append((row, -neg_score * decay ** n))
            shown[plan] = n + 1
            if queues[plan]:
                next_neg, next_i, _ = queues[plan][-1]
                heapq.heappush(heap, (next_neg * decay ** (n + 1), next_i, plan))
        return out

    def _cross_lingual(self, q: str) -> float:
        """What an English question's dense similarity to the Chinese passages lacks against a Chinese one's."""
        return self.settings.cross_lingual_offset if mostly_latin(q) else 0.0

    def _confidence(self, dense_top: float, coverage: float, interp: Interpretation) -> float:
        """0–1 from the best dense similarity plus a little for query words the corpus knows at all;
        a place no plan covers (北京市) caps it. Calibrated on the gold set's dev split. The evidence rule
        (`_judged`) then decides which half of 0–1 the confidence falls in."""
        evidence = dense_top + self.settings.coverage_weight * coverage
        lo, hi = self.settings.confidence_low, self.settings.confidence_high
        confidence = min(1.0, max(0.0, (evidence - lo) / (hi - lo)))
        if interp.unknown_place and not interp.plans:
            confidence = min(confidence, 0.2)
        return round(float(confidence), 3)

    def search(self, req: SearchRequest) -> SearchResponse:
        started = time.perf_counter()
        ranking = self.rank(req, limit=max(req.k + req.offset, FACET_DEPTH))
        ranked = ranking.rows
        page = ranked[req.offset:req.offset + req.k]
        results = [self._hit(p, score) for p, (_, score) in zip(self.index.passages([r for r, _ in page]), page)]
        no_answer = None if ranking.confidence is None else ranking.confidence < self.settings.no_answer_below
        return SearchResponse(query=req.q.strip(), took_ms=round((time.perf_counter() - started) * 1000, 2),
                              results=results, offset=req.offset, facets=self._facets(ranked[:FACET_DEPTH]),
                              interpreted=ranking.interpretation, confidence=ranking.confidence,
                              no_answer=no_answer, concepts=[c.word for c in ranking.concepts],
                              missing_concepts=ranking.evidence.missing if ranking.evidence else [],
                              named_plan_lacks=bool(ranking.elsewhere and ranking.elsewhere.holds))

    def _facets(self, ranked: list[tuple[int, float]]) -> Facets:
        plan: dict[str, int] = {}
        domain: dict[str, int] = {}
        kind: dict[str, int] = {}
        index = self.index
        for row, _ in ranked:
            plan_id, kind_value, name = self._plan_at(row), index.kind_of(row).value, index.domain_of(row)
            plan[plan_id] = plan.get(plan_id, 0) + 1
            if name is not None:
                domain[name] = domain.get(name, 0) + 1
            kind[kind_value] = kind.get(kind_value, 0) + 1
        order = lambda d: dict(sorted(d.items(), key=lambda kv: (-kv[1], kv[0])))  # noqa: E731
        return Facets(plan=order(plan), domain=order(domain), kind=order(kind))

    def _hit(self, p: Passage, score: float) -> Hit:
        meta = self.plans[p.plan_id]
        return view(Hit, p, self.plans[p.plan_id], score=round(score, 6))

    # -- lookups ---------------------------------------------------------------------------
    def passage(self, passage_id: str) -> PassageDetail:
        row = self.index.row_of(passage_id)
        if row is None:
            raise PassageNotFound(passage_id)
        p = self.index.passage(row)
        meta = self.plans[p.plan_id]
        before, after = self.index.neighbours(row)
        neighbours = Neighbours(previous=self.index.passage(before).id if before is not None else None,
                                next=self.index.passage(after).id if after is not None else None)
        return view(PassageDetail, p, meta, neighbours=neighbours)

    def plan_domains(self, plan_id: str) -> list[str]:
        """The domains a plan's passages fall under."""
        return list(self._plan_domains.get(plan_id, []))

    def plan_summaries(self) -> list[PlanSummary]:
        out = []
        for meta in self.plans.values():
            domains = self._plan_domains.get(meta.id, [])
            counts = self.counts[meta.id]
            out.append(PlanSummary(
                id=meta.id, title=meta.title, short_name=meta.short_name, region=meta.region, province=meta.province,
                city=meta.city, county=meta.county, admin_level=meta.admin_level, period=meta.period,
                subject=meta.subject, status=meta.status, source_file=meta.source_file, start_line=meta.start_line,
                end_line=meta.end_line, guessed=meta.guessed, domains=domains, passage_counts=counts,
                passages=sum(counts.values())))
        return out
