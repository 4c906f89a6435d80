"""Review a plan against its peers (对标分析): per domain, the targets it sets lower than the peers, the
indicators and the common measures it lacks, and what it adds that no peer has.

Indicators line up by canonical name (indexer/targets.py); whether a value is weaker follows the
indicator's direction, read from the verbs and bounds the plans write (降至/以下 → lower is better).
Measures line up by meaning: two passages are versions of one measure when each is the other's nearest
measure in its plan (mutual nearest neighbours on the passage vectors) and close enough; the thresholds
are settings, chosen on the evidence in the README (eval/review_thresholds.py)."""
from __future__ import annotations

import math
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from indexer.targets import UNIT_SCALE, stated_value
from plansearch.domains import domain_key, domain_matches
from plansearch.errors import InvalidQuery, PlanNotFound, PlanSearchError
from plansearch.records import Indicator, Kind, Passage, PlanMeta, SourceSpan
from plansearch.review_records import (Addition, Citation, DomainReview, MissingIndicator, MissingMeasure, PeerValue,
                                       ReviewResponse, StrongerTarget, Thresholds, WeakerTarget)
from plansearch.review_targets import format_value, indicator_directions, pick_value, scaled, value_form
from plansearch.search import Searcher
from plansearch.settings import Settings

__all__ = ["Addition", "Citation", "DomainReview", "MissingIndicator", "MissingMeasure", "PeerValue", "PlanMaterial",
           "ReviewError", "ReviewResponse", "Reviewer", "Thresholds", "WeakerTarget", "choose_peers"]

SAME_AT = 0.97      # cosine at which two measures are one even when not mutually nearest (two versions in one plan)
RARE_SHARE = 0.02   # a title word in at most this share of passages names what a measure is about (溺水, 流浪儿童)
NEAREST = 3         # how many nearest measures the title-word check looks at
FIRST_PHRASE = re.compile(r"^[^。；;！？!?\n]{1,40}")
SAME_YEAR_PEERS = 3  # peers setting a value for the plan's year that make the comparison (a median of two is their mean)


class ReviewError(PlanSearchError):
    """A draft that cannot be reviewed (no plan found in it, nothing to compare it with)."""


# ---------------------------------------------------------------------------------------------------
# what is compared: one plan's measures (with vectors), target passages and indicators

@dataclass
class PlanMaterial:
    meta: PlanMeta
    measures: list[Passage]
    vectors: np.ndarray                  # one row per measure, L2-normalised
    targets: list[Passage]
    indicators: list[Indicator]
    domain_order: list[str] = field(default_factory=list)
    set_in_measures: set[str] = field(default_factory=set)   # known indicators given a value inside a measure
    measure_indicators: list[Indicator] = field(default_factory=list)   # …and those values

    def compared_indicators(self) -> list[Indicator]:
        """Its indicators, and the known ones only a measure gives a value (新生儿访视率保持在95%以上 under 策略措施):
        a peer that sets a value there sets it, and a plan is compared on it."""
        named = {i.name for i in self.indicators}
        return [*self.indicators, *(i for i in self.measure_indicators if i.name not in named)]


    def cite(self, passage: Passage) -> Citation:
        return Citation(passage_id=passage.id, plan_id=self.meta.id, source=passage.source)

    def cite_indicator(self, ind: Indicator, by_id: dict[str, Passage]) -> Citation:
        if ind.passage_id and ind.passage_id in by_id:
            return self.cite(by_id[ind.passage_id])
        line = ind.table_line
        return Citation(passage_id=None, plan_id=self.meta.id,
                        source=SourceSpan(file=self.meta.source_file, line_start=line, line_end=line))


def _set_in_measures(stated: list[Indicator]) -> tuple[set[str], list[Indicator]]:
    """Known indicators a plan gives a value in a measure ("…7岁以下儿童健康管理率保持在95%以上"), from the
    indicators its measures state: it sets them, though not among its targets. Their names, and the values of
    those the measure names alone."""
    from indexer.targets import canonical_name, indicator_specs

    known = {spec.name for spec in indicator_specs()}
    names, values = set(), []
    for ind in stated:
        # "3岁以下儿童系统管理率和7岁以下儿童健康管理率保持在95%以上": one value for each rate named
        parts = [ind.name] + re.split(r"[、，,]|和|与|及", ind.name)
        names |= {canonical_name(part) or part for part in parts if part}
        if ind.name in known and not ind.implausible:
            values.append(ind)
    return names & known, values


def material_from_index(searcher: Searcher, plan_id: str) -> PlanMaterial:
    index = searcher.index
    passages = [(r, index.passage(r)) for r in index.rows_of_plan(plan_id)]
    passages.sort(key=lambda rp: rp[1].position)
    measure_rows = [r for r, p in passages if p.kind is Kind.measure]
    vectors = index.vectors_of(measure_rows) if measure_rows else np.zeros((0, index.manifest.dimension), np.float32)
    domains = list(dict.fromkeys(p.domain for _, p in passages if p.domain))
    measures = [p for _, p in passages if p.kind is Kind.measure]
    named, values = _set_in_measures(searcher.measure_indicators(plan_id))     # read once per plan and index
    return PlanMaterial(meta=searcher.plans[plan_id], measures=measures,
                        vectors=_unit(vectors), targets=[p for _, p in passages if p.kind is Kind.target],
                        indicators=[i for i in index.indicators if i.plan_id == plan_id], domain_order=domains,
                        set_in_measures=named, measure_indicators=values)


def material_from_parsed(parsed, searcher: Searcher) -> PlanMaterial:
    """A draft parsed in memory: its measures embedded (through the embedding cache), nothing indexed."""
    from embeddings.cache import EmbeddingCache
    from embeddings.encoder import encoder_key
    from indexer.build import embed_with_cache
    from indexer.context import context_text
    from indexer.normalize import normalize_for_index
    from indexer.targets import extract_indicators, indicators_stated_in

    measures = [p for p in parsed.passages if p.kind is Kind.measure]
    texts = [normalize_for_index(context_text(p, parsed.meta)) for p in measures]
    encoder, settings = searcher.encoder, searcher.settings
    if texts:
        cache = EmbeddingCache(settings.embedding_cache_dir, encoder_key(encoder), encoder.dimension)
        try:
            vectors, _ = embed_with_cache(encoder, texts, cache, settings.encode_batch_size)
        finally:
            cache.close()
    else:
        vectors = np.zeros((0, encoder.dimension), np.float32)
    named, values = _set_in_measures(indicators_stated_in(measures, parsed.meta))
    return PlanMaterial(meta=parsed.meta, measures=measures, vectors=_unit(vectors),
                        targets=[p for p in parsed.passages if p.kind is Kind.target],
                        indicators=extract_indicators(parsed), domain_order=[d for d in parsed.domains if d],
                        set_in_measures=named, measure_indicators=values)


def _unit(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float32)
    norms = np.linalg.norm(v, axis=1, keepdims=True) if len(v) else np.ones((0, 1), np.float32)
    return v / np.where(norms == 0, 1, norms)


# ---------------------------------------------------------------------------------------------------
# peers

def choose_peers(searcher: Searcher, meta: PlanMeta, wanted: list[str] | None, limit: int) -> tuple[list[str], str]:
    """The peers asked for, or the plans of the same subject, same province first, then same level."""
    others = [pid for pid in searcher.plans if pid != meta.id]
    if wanted:
        for pid in wanted:
            if pid not in searcher.plans:
                raise PlanNotFound(pid, sorted(searcher.plans))
        peers = [pid for pid in dict.fromkeys(wanted) if pid != meta.id]
        if not peers:
            raise InvalidQuery("peers", "对标规划不能只有被审查的规划本身（peers must name other plans）")
        return peers, "指定的对标规划（peers as requested）"
    # another version of the plan itself (its draft, a revision) is no peer, and a peer's versions count once:
    # 乡宁's draft and final text beside each other made 乡宁 a peer of itself and weighed twice in every median
    place = lambda m: (m.short_name, m.subject)  # noqa: E731
    others = _one_version_each(searcher, [pid for pid in others if place(searcher.plans[pid]) != place(meta)])
    same = [pid for pid in others if searcher.plans[pid].subject == meta.subject]
    rule = f"同为{meta.subject}发展规划"
    if not same:
        same, rule = others, f"语料中没有其他{meta.subject}发展规划，对标全部其他规划"

    def rank(pid: str) -> tuple:
        m = searcher.plans[pid]
        return (not (meta.province and m.province == meta.province),
                not (meta.admin_level and m.admin_level == meta.admin_level), pid)

    same.sort(key=rank)
    if len(same) > limit:
        rule += f"，同省优先、同级次之，取前 {limit} 个"
    return same[:limit], rule


def _one_version_each(searcher: Searcher, ids: list[str]) -> list[str]:
    """`ids` with one plan per place and subject: the 正式 text before a draft, then the later period, date."""
    best: dict[tuple[str, str], str] = {}
    for pid in ids:
        m = searcher.plans[pid]
        key = (m.short_name, m.subject)
        rank = lambda x: (x.status == "正式", x.period[-4:], x.date)  # noqa: E731
        if key not in best or rank(m) > rank(searcher.plans[best[key]]):
            best[key] = pid
    kept = set(best.values())
    return [pid for pid in ids if pid in kept]


def _indicator_domains(materials: list[PlanMaterial]) -> dict[str, str]:
    """Canonical name → domain key, from the passages that state it."""
    votes: dict[str, Counter] = defaultdict(Counter)
    for m in materials:
        domain_of = {p.id: p.domain for p in [*m.targets, *m.measures]}
        for ind in m.compared_indicators():
            if ind.passage_id and domain_of.get(ind.passage_id):
                votes[ind.name][domain_key(domain_of[ind.passage_id], m.meta.subject)] += 1
    return {name: c.most_common(1)[0][0] for name, c in votes.items()}


# ---------------------------------------------------------------------------------------------------
# measures

def _title(p: Passage) -> str:
    if p.title:
        return p.title.strip("。；; ")
    m = FIRST_PHRASE.match(p.text.strip())
    return (m.group(0) if m else p.text[:40]).strip("。；; ")


@dataclass
class _Match:
    j: int              # row in the other plan's measures
    similarity: float
    mutual: bool


def _title_key(p: Passage) -> str:
    return re.sub(r"[\s。；;，,、]", "", p.title or "")


def _matches(a: PlanMaterial, b: PlanMaterial) -> list[_Match | None]:
    """For every measure of `a`, its counterpart in `b`: the measure with the same title if there is one
    (similarity 1), else its nearest by meaning, with the cosine and whether `a`'s measure is nearest back."""
    if not len(a.measures) or not len(b.measures):
        return [None] * len(a.measures)
    sims = a.vectors @ b.vectors.T
    best_b = sims.argmax(axis=1)
    best_a = sims.argmax(axis=0)
    titled = {}
    for j, q in enumerate(b.measures):
        titled.setdefault(_title_key(q), j)
    out: list[_Match | None] = []
    for i, p in enumerate(a.measures):
        key = _title_key(p)
        if key and key in titled:
            out.append(_Match(titled[key], 1.0, True))
        else:
            j = int(best_b[i])
            out.append(_Match(j, float(sims[i, j]), int(best_a[j]) == i))
    return out


def same_measure(m: _Match | None, threshold: float) -> bool:
    """Two measures are versions of one: mutual nearest neighbours at or above `threshold`, or any pair
    closer than SAME_AT (a plan may carry two versions of a measure)."""
    return m is not None and ((m.mutual and m.similarity >= threshold) or m.similarity >= SAME_AT)


def _says(terms: list[str], sims: np.ndarray, other: PlanMaterial, floor: float) -> bool:
    """Whether one of the measures of `other` nearest in meaning (cosine ≥ `floor`) names two thirds of `terms`
    in its heading (or, when there are several, in its text): a measure merged into a broader one ("加强孤儿、事实无人抚养儿童、流浪儿童关爱保障工作")."""
    if not terms or not len(sims):
        return False
    need = math.ceil(len(terms) * 2 / 3)
    for j in np.argsort(-sims)[:NEAREST]:
        if sims[j] < floor:
            break
        q = other.measures[int(j)]
        heading, body = _title(q), q.text
        if sum(t in heading for t in terms) >= need:
            return True
        # in the body only when several words agree: one word (留守儿童) is often named in passing
        if len(terms) >= 2 and sum(t in body for t in terms) >= need:
            return True
    return False


# ---------------------------------------------------------------------------------------------------
# the review

class Reviewer:
    def __init__(self, searcher: Searcher, settings: Settings | None = None):
        self.searcher = searcher
        self.settings = settings or searcher.settings

    def _rare_terms(self, p: Passage) -> list[str]:
        """The words of a measure's title that few passages use: what the measure is about."""
        title = _title(p)
        words = dict.fromkeys(t for t in self.searcher.tokenizer.tokens(title) if len(t) >= 2)
        rare = [t for t in words if t in title and self.searcher.index.share_containing(t) <= RARE_SHARE]
        return [t for t in rare if not any(t != u and t in u for u in rare)]     # 流浪 is part of 流浪儿童

    def review_indexed(self, plan_id: str, peers: list[str] | None = None, domain: str | None = None) -> ReviewResponse:
        if plan_id not in self.searcher.plans:
            raise PlanNotFound(plan_id, sorted(self.searcher.plans))
        return self.review(material_from_index(self.searcher, plan_id), peers, domain)

    def review_file(self, path: Path, peers: list[str] | None = None, domain: str | None = None) -> ReviewResponse:
        """A draft file, parsed in memory (the first plan in it); nothing is written to the index."""
        from indexer.corpus import NOT_A_PLAN, is_no_plan, parse_document

        parsed = parse_document(path, taken=set(self.searcher.plans))
        if not parsed.plans:
            raise ReviewError(f"{path.name}: 文件中没有找到规划（no plan found in the file）")
        if is_no_plan(parsed.plans[0]):
            raise ReviewError(f"{path.name}: 文件中没有找到规划（{NOT_A_PLAN}）")
        plan = parsed.plans[0]
        if not any(p.kind in (Kind.measure, Kind.target) for p in plan.passages):
            # a title and a paragraph: every peer's measure would be reported as missing from it
            raise ReviewError(f"{path.name}: 文件中没有找到主要目标或策略措施，无从对标（no targets or measures found: "
                              f"一、… （一）… 主要目标 / 策略措施 and numbered items）")
        # what the request names is checked before the draft is embedded (seconds): an unknown peer or domain was
        # refused only after it, 12 s on a busy machine
        choose_peers(self.searcher, plan.meta, peers, self.settings.review_max_peers)
        if domain and not any(domain_matches(d, domain.strip(), plan.meta.subject)
                              for d in [*plan.domains, *self.searcher.domains]):
            raise InvalidQuery("domain", f"未知的领域“{domain}”；可用：{'、'.join(dict.fromkeys(plan.domains))}")
        report = self.review(material_from_parsed(plan, self.searcher), peers, domain)
        report.draft = True
        return report

    def review(self, plan: PlanMaterial, peers: list[str] | None = None, domain: str | None = None) -> ReviewResponse:
        s, cfg = self.searcher, self.settings
        peer_ids, rule = choose_peers(s, plan.meta, peers, cfg.review_max_peers)
        if not peer_ids:
            raise InvalidQuery("peers", "没有可对标的规划（the index holds no other plan）")
        others = [material_from_index(s, pid) for pid in peer_ids]
        # the plan's own names first; a peer's domain joins only if the plan has none of its key (儿童健康 in
        # the plan stands for the peers' 儿童与健康)
        subject = plan.meta.subject
        domains = list(plan.domain_order)
        keys = {domain_key(d, subject) for d in domains}
        for o in others:
            for d in o.domain_order:
                if (key := domain_key(d, o.meta.subject)) not in keys:
                    domains.append(d)
                    keys.add(key)
        if domain:
            chosen = [d for d in domains if domain_matches(d, domain.strip(), subject)]
            if not chosen:
                raise InvalidQuery("domain", f"未知的领域“{domain}”；可用：{'、'.join(domains)}")
            domains = chosen
        sections: dict[str, DomainReview] = {}
        for d in domains:
            sections.setdefault(domain_key(d, subject), DomainReview(domain=d))
        self._indicators(plan, others, sections)
        self._measures(plan, others, sections)
        return ReviewResponse(
            plan_id=plan.meta.id, plan_title=plan.meta.title, peers=peer_ids,
            peer_titles={pid: s.plans[pid].title for pid in peer_ids}, peer_rule=rule,
            thresholds=Thresholds(most_peers=cfg.review_most_peers, near_identical=cfg.review_near_identical,
                                  present=cfg.review_present, indicator_share=cfg.review_indicator_share),
            domains=list(sections.values()))

    # -- targets ------------------------------------------------------------------------------
    def _indicators(self, plan: PlanMaterial, others: list[PlanMaterial], sections: dict[str, DomainReview]) -> None:
        cfg = self.settings
        everyone = [plan, *others]
        directions = indicator_directions([i for m in everyone for i in m.indicators]
                                          + list(self.searcher.index.indicators))
        domain_of = _indicator_domains([*everyone])
        by_id = {m.meta.id: {p.id: p for p in [*m.targets, *m.measures]} for m in everyone}
        mine = defaultdict(list)
        for ind in plan.compared_indicators():
            mine[ind.name].append(ind)
        theirs: dict[str, dict[str, list[Indicator]]] = defaultdict(lambda: defaultdict(list))
        for o in others:
            for ind in o.compared_indicators():
                theirs[ind.name][o.meta.id].append(ind)

        def peer_value(o: PlanMaterial, ind: Indicator) -> PeerValue:
            return PeerValue(plan_id=o.meta.id, value=stated_value(ind), year=ind.year,
                             citations=[o.cite_indicator(ind, by_id[o.meta.id])])

        material = {o.meta.id: o for o in others}
        for name, inds in mine.items():
            section = sections.get(domain_of.get(name, ""))
            chosen = pick_value(inds)
            if chosen is None:
                continue
            if section is None:
                continue
            cites = [plan.cite_indicator(chosen, by_id[plan.meta.id])]
            if name not in theirs:
                section.additions.append(Addition(kind="target", title=name, text=chosen.name_as_written,
                                                  value=stated_value(chosen), citations=cites))
                continue
            # a reduction (以2020年为基数下降15%): the larger the more ambitious, whichever way the rate improves
            sign = 1 if value_form(chosen) == "change" else directions.get(name)
            mine_scaled = scaled(chosen)
            if sign is None or mine_scaled is None:
                continue
            peer_vals = []
            for pid, pinds in theirs[name].items():
                got = pick_value(pinds, chosen.year)
                if got is None or value_form(got) != value_form(chosen) or scaled(got) is None:
                    continue
                peer_vals.append((got, scaled(got)))
            # a 2025 target against the peers' 2025 targets where enough set one, not against their 2030 ones
            same_year = [(g, v) for g, v in peer_vals if chosen.year and g.year == chosen.year]
            if len(same_year) >= SAME_YEAR_PEERS:
                peer_vals = same_year
            if not peer_vals:
                continue
            median = statistics.median(v for _, v in peer_vals)
            best, best_scaled = max(peer_vals, key=lambda gv: sign * gv[1])
            found = dict(indicator=name, attribute=chosen.attribute, value=stated_value(chosen), year=chosen.year,
                         direction="lower" if sign < 0 else "raise",
                         peers=[peer_value(material[g.plan_id], g) for g, _ in peer_vals],
                         median=format_value(median / UNIT_SCALE[chosen.unit], chosen.unit), best=stated_value(best),
                         citations=cites)
            if sign * (mine_scaled - median) < -1e-12:
                section.weaker_targets.append(WeakerTarget(**found))
            elif len(peer_vals) >= 2 and sign * (mine_scaled - best_scaled) > 1e-12:
                # beyond every peer: a drafter sees where the plan asks more than anyone (a probe of edited plans
                # raised 疫苗接种率 98% → 99% and no review mode said so)
                section.stronger_targets.append(StrongerTarget(**found))
        need = max(1, math.ceil(cfg.review_indicator_share * len(others) - 1e-9))
        for name, per_plan in theirs.items():
            if name in mine or name in plan.set_in_measures or len(per_plan) < need:
                continue
            section = sections.get(domain_of.get(name, ""))
            if section is None:
                continue
            values = [peer_value(material[pid], got) for pid, pinds in per_plan.items()
                      if (got := pick_value(pinds)) is not None]
            if len(values) < need:
                continue
            section.missing_indicators.append(MissingIndicator(
                indicator=name, peers=values, citations=[c for v in values for c in v.citations]))
        for section in sections.values():
            section.missing_indicators.sort(key=lambda m: (-len(m.peers), m.indicator))

    # -- measures -----------------------------------------------------------------------------
    def _measures(self, plan: PlanMaterial, others: list[PlanMaterial], sections: dict[str, DomainReview]) -> None:
        cfg = self.settings
        same = lambda m: same_measure(m, cfg.review_present)  # noqa: E731
        core = lambda m: same_measure(m, cfg.review_near_identical)  # noqa: E731
        n = len(others)
        need = max(2, math.ceil(cfg.review_most_peers * n - 1e-9)) if n > 1 else 1
        # pairwise nearest measures between peers, and from each peer to the plan
        pair = {(a, b): _matches(others[a], others[b]) for a in range(n) for b in range(n) if a != b}
        to_plan = [_matches(o, plan) for o in others]
        used: set[tuple[int, int]] = set()
        candidates = []
        for a, o in enumerate(others):
            for i, p in enumerate(o.measures):
                if domain_key(p.domain, o.meta.subject) not in sections:
                    continue
                members = {a: i}
                for b in range(n):
                    if b != a and core(pair[a, b][i]):
                        members[b] = pair[a, b][i].j
                mean = float(np.mean([pair[a, b][i].similarity for b in members if b != a])) if len(members) > 1 else 0
                candidates.append((len(members), mean, a, i, members))
        candidates.sort(key=lambda c: (-c[0], -c[1], c[2], c[3]))
        for size, _, a, i, members in candidates:
            if size < need:
                break
            if any((b, j) in used for b, j in members.items()):
                continue
            used.update(members.items())
            present = [to_plan[b][j] for b, j in members.items()]
            if any(same(m) for m in present):
                continue
            # the words of the group's lead only: a member that merges two measures names both
            if _says(self._rare_terms(others[a].measures[i]), plan.vectors @ others[a].vectors[i], plan,
                     cfg.review_present):
                continue
            lead = others[a].measures[i]
            closest = max((m for m in present if m is not None), key=lambda m: m.similarity, default=None)
            section = sections[domain_key(lead.domain, others[a].meta.subject)]
            section.missing_measures.append(MissingMeasure(
                title=_title(lead), peers=[others[b].meta.id for b in sorted(members)],
                citations=[others[b].cite(others[b].measures[j]) for b, j in sorted(members.items())],
                texts={others[b].meta.id: others[b].measures[j].text for b, j in sorted(members.items())},
                closest=plan.cite(plan.measures[closest.j]) if closest else None,
                closest_similarity=round(closest.similarity, 4) if closest else None))
        # what the plan adds: measures with a version in no peer
        from_plan = [_matches(plan, o) for o in others]
        for i, p in enumerate(plan.measures):
            section = sections.get(domain_key(p.domain, plan.meta.subject))
            if section is None:
                continue
            found = [from_plan[b][i] for b in range(n)]
            if any(same(m) for m in found):
                continue
            # also a version when the peer's measure has this one as its nearest (a split or merged measure)
            if any(to_plan[b][j].j == i and same(to_plan[b][j]) for b in range(n) for j in range(len(others[b].measures))):
                continue
            terms = self._rare_terms(p)
            if any(_says(terms, others[b].vectors @ plan.vectors[i], others[b], cfg.review_present) for b in range(n)):
                continue
            nearest = max((m.similarity for m in found if m is not None), default=None)
            section.additions.append(Addition(kind="measure", title=_title(p), text=p.text, citations=[plan.cite(p)],
                                              nearest_similarity=round(nearest, 4) if nearest is not None else None))
