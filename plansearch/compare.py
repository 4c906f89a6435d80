"""Compare plans on a topic: per plan, the best-matching measures and targets; passages that are
near-identical across plans form the shared core, and each plan's version is diffed against it so
a drafter sees what one city added or left out."""
from __future__ import annotations

import re
import time
from difflib import SequenceMatcher
from functools import lru_cache

from pydantic import BaseModel, Field

from indexer.normalize import normalize_for_index
from plansearch.errors import InvalidQuery, PlanNotFound
from plansearch.evidence import judge
from plansearch.records import Kind
from plansearch.search import Searcher, SearchRequest
from plansearch.views import view, view_model

SHARED_AT = 0.9        # similarity to the core at or above which a version counts as the shared text
SAME_TOPIC_AT = 0.45   # similarity at or above which two passages are versions of one measure
CANDIDATES = 60
PHRASE = re.compile(r"[^，。；：、,;:！？!?\n]+[，。；：、,;:！？!?\n]?")


class Segment(BaseModel):
    text: str
    status: str = Field(description="same: in the shared core too; added: only in this plan's version")


Version = view_model(
    "Version", "passage_id plan_id plan_title region kind domain number title text source similarity shared segments missing",
    similarity=(float, Field(description="similarity to the group's core text, 0–1")),
    shared=(bool, Field(description="near-identical to the core: the common template")),
    segments=(list[Segment], ...),
    missing=(list[str], Field(description="phrases of the core that this version lacks")))


class Group(BaseModel):
    """One measure or target as the compared plans each word it."""

    title: str | None
    kind: Kind
    core_passage_id: str
    versions: list[Version]
    plans_without: list[str] = Field(description="compared plans with no version of this passage")


class PlanColumn(BaseModel):
    plan_id: str
    plan_title: str
    region: str
    passages: list[Version]


class CompareResponse(BaseModel):
    query: str
    took_ms: float
    groups: list[Group]
    plans: list[PlanColumn]


@lru_cache(maxsize=1 << 16)
def similarity(a: str, b: str) -> float:
    """How much of two texts is the same wording (difflib's ratio, 0–1; cached: a question's groups compare the
    same few passages again and again, and that was most of an answer's time)."""
    return SequenceMatcher(None, normalize_for_index(a), normalize_for_index(b), autojunk=False).ratio()


def _phrases(text: str) -> list[str]:
    return PHRASE.findall(text.replace("\n", "。\n")) or [text]


def phrase_present(phrase: str, normal_text: str) -> bool:
    """A core phrase counts as present when its words all stand in the text, in any order and with other words
    between (加强看护 in 加强看护落实监护责任; 远离危险水体 in 使儿童远离…的危险水体)."""
    key = normalize_for_index(phrase).rstrip("，。；：、,;:！？!?")
    if not key:
        return True
    if key in normal_text:
        return True
    words = [w for w in _tokenizer().lcut(key, HMM=False) if len(w.strip()) > 1 or w in "水火电"]
    return bool(words) and all(w in normal_text for w in words)


@lru_cache(maxsize=1)
def _tokenizer():
    from indexer.tokenize import Tokenizer

    return Tokenizer()._jieba


def diff_phrases(version: str, core: str) -> tuple[list[Segment], list[str]]:
    """Phrase-level diff of a version against the core: its segments (same / added) and the core's missing phrases."""
    mine, theirs = _phrases(version), _phrases(core)
    key = lambda p: normalize_for_index(p).rstrip("，。；：、,;:！？!?")  # noqa: E731
    matcher = SequenceMatcher(None, [key(p) for p in mine], [key(p) for p in theirs], autojunk=False)
    segments: list[Segment] = []
    missing: list[str] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            segments.append(Segment(text="".join(mine[i1:i2]), status="same"))
            continue
        if i2 > i1:
            segments.append(Segment(text="".join(mine[i1:i2]), status="added"))
        missing += [p.rstrip("，。；：、,;:！？!?\n") for p in theirs[j1:j2] if p.strip()]
    whole = normalize_for_index(version)
    missing = [m for m in missing if not phrase_present(m, whole)]
    merged: list[Segment] = []
    for seg in segments:
        if merged and merged[-1].status == seg.status:
            merged[-1].text += seg.text
        else:
            merged.append(seg)
    return merged, missing


class Comparer:
    def __init__(self, searcher: Searcher):
        self.searcher = searcher

    def compare(self, q: str, plans: list[str] | None = None, per_plan: int = 3) -> CompareResponse:
        started = time.perf_counter()
        s = self.searcher
        ranking = s.rank(SearchRequest(q=q, k=CANDIDATES, kind=None), limit=CANDIDATES)
        wanted = set(plans or [])
        for pid in wanted:
            if not pid.strip():
                raise InvalidQuery("plan", "plan 不能为空（plan must not be empty）")
            if pid not in s.plans:
                raise PlanNotFound(pid, sorted(s.plans))
        picked: dict[str, list] = {}
        candidates = [(row, s.index.passage(row)) for row, _ in ranking.rows]
        candidates = [(row, p) for row, p in candidates
                      if p.kind in (Kind.measure, Kind.target) and (not wanted or p.plan_id in wanted)]
        relevant = self._relevant([row for row, _ in candidates], ranking.concepts, q, ranking.evidence)
        for row, p in candidates:
            if row not in relevant:
                continue          # under the relevance bar: a passage on another topic (跌倒 under 溺水)
            if len(picked.setdefault(p.plan_id, [])) < per_plan:
                picked[p.plan_id].append(p)
        if wanted:
            compared = list(wanted)
        else:
            # the plans of the subject the query is about (儿童 or 妇女): the plans it names say which when they
            # are of one subject (曾都区 names both), else its best match; in order of their best match
            named = {s.plans[pid].subject for pid in ranking.interpretation.plans if pid in s.plans}
            top = s.index.passage(ranking.rows[0][0]) if ranking.rows else None
            subject = named.pop() if len(named) == 1 else s.plans[top.plan_id].subject if top else None
            compared = [pid for pid in picked if s.plans[pid].subject == subject]
            picked = {pid: ps for pid, ps in picked.items() if pid in compared}
        groups = self._group([p for ps in picked.values() for p in ps], compared)
        columns = []
        for pid in compared:
            meta = s.plans[pid]
            versions = [v for g in groups for v in g.versions if v.plan_id == pid]
            columns.append(PlanColumn(plan_id=pid, plan_title=meta.title, region=meta.region, passages=versions))
        return CompareResponse(query=q.strip(), took_ms=round((time.perf_counter() - started) * 1000, 2),
                               groups=groups, plans=columns)

    def _relevant(self, rows: list[int], concepts, q: str, evidence=None) -> set[int]:
        """The rows holding every concept the answering passage holds: when the best passage answers without a word
        (上瘾 of 玩手机上瘾), another plan's passage on the same topic, just as far from that word, answers as well.
        Others pass the evidence rule on their own (closeness in meaning may excuse a word), but only holding a topic
        word the answering passage holds: a measure on 跌倒 is near 溺水 in meaning, and not about it."""
        s = self.searcher
        if not concepts or not rows:
            return set(rows)
        closeness = dict(zip(rows, (s.index.vectors_of(rows) @ s._query_vector(q.strip())).tolist()))
        held = [c for c in concepts if c.word not in evidence.missing] if evidence and evidence.holds else None
        held_topics = [c for c in held or [] if not c.predicate]
        out = set()
        for r in rows:
            text = s._normal_text(r)
            if held and all(c.in_text(text) for c in held):
                out.add(r)
            elif (not held_topics or any(c.in_text(text) for c in held_topics)) \
                    and judge([*concepts], [(r, text)], {r: closeness[r]}).holds:
                out.add(r)        # close in meaning, but never without a topic word the answering passage states
        return out

    def _group(self, passages: list, compared: list[str]) -> list[Group]:
        """Gather versions of the same measure (same kind, similar text, one per plan) in rank order."""
        clusters: list[list] = []
        for p in passages:
            home = None
            for cluster in clusters:
                lead = cluster[0]
                if lead.kind is p.kind and all(m.plan_id != p.plan_id for m in cluster) and (
                        (p.title and p.title == lead.title) or similarity(p.text, lead.text) >= SAME_TOPIC_AT):
                    home = cluster
                    break
            if home is None:
                clusters.append([p])
            else:
                home.append(p)
        return [self._group_of(cluster, compared) for cluster in clusters]

    def _group_of(self, cluster: list, compared: list[str]) -> Group:
        s = self.searcher
        if len(cluster) == 1:
            core = cluster[0]
        else:
            core = max(cluster, key=lambda c: (sum(similarity(c.text, o.text) for o in cluster if o is not c), -cluster.index(c)))
        versions = []
        for p in cluster:
            meta = s.plans[p.plan_id]
            sim = 1.0 if p is core else similarity(p.text, core.text)
            if p is core:
                segments, missing = [Segment(text=p.text, status="same")], []
            else:
                segments, missing = diff_phrases(p.text, core.text)
            versions.append(view(
                Version, p, meta, similarity=round(sim, 3), shared=len(cluster) > 1 and sim >= SHARED_AT,
                segments=segments, missing=missing))
        if len(cluster) > 1 and not any(v.shared for v in versions if v.passage_id != core.id):
            for v in versions:
                if v.passage_id == core.id:
                    v.shared = False        # a core nobody else matches is no shared template
        present = {p.plan_id for p in cluster}
        return Group(title=core.title, kind=core.kind, core_passage_id=core.id, versions=versions,
                     plans_without=[pid for pid in compared if pid not in present])
