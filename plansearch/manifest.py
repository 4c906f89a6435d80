"""What an index records about itself, whatever store holds it: how it was built (the manifest), the live
plans with their passage counts (plan entries), and the plans a write brings (new plans)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from plansearch.lexical import TermMatrix
from plansearch.records import Indicator, Passage, PlanMeta


FORMAT_VERSION = 3            # of an index's layout; 3: the manifest records every file's size and checksum


@dataclass
class IndexManifest:
    format_version: int
    plansearch_version: str
    model: str
    dimension: int
    prompts: dict[str, str]
    normalized: bool
    dictionary_hash: str
    corpus_hash: str
    passage_count: int
    built_at: str
    build_seconds: float
    pipeline_hash: str = ""
    segments: list[str] = field(default_factory=list)
    files: dict[str, list] = field(default_factory=dict)   # path (in the build, or segments/…) → [size, sha256]

    def to_json(self) -> dict:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, data: dict) -> "IndexManifest":
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


@dataclass
class PlanEntry:
    meta: PlanMeta
    counts: dict[str, int]
    domains: list[str] = field(default_factory=list)
    fingerprint: str = ""            # hash of what the plan was indexed from: unchanged plans are kept as they are
    segment: str = ""                # the segment holding its passages, rows [first, first + passages)
    first: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return sum(self.counts.values())

    def to_json(self) -> dict:
        return {"meta": self.meta.model_dump(), "counts": self.counts, "domains": self.domains,
                "fingerprint": self.fingerprint, "segment": self.segment, "first": self.first,
                "warnings": self.warnings}

    @classmethod
    def from_json(cls, data: dict) -> "PlanEntry":
        return cls(PlanMeta(**data["meta"]), data["counts"], data.get("domains", []), data.get("fingerprint", ""),
                   data.get("segment", ""), data.get("first", 0), data.get("warnings", []))



def incompatibilities(m: IndexManifest, model: str, dimension: int, prompts: dict[str, str],
                      dictionary_hash: str) -> list[str]:
    problems = []
    if m.model != model:
        problems.append(f"model '{m.model}' (configured: '{model}')")
    if m.dimension != dimension:
        problems.append(f"dimension {m.dimension} (model gives {dimension})")
    if m.prompts != prompts:
        problems.append(f"prompts {m.prompts} (configured: {prompts})")
    if m.dictionary_hash != dictionary_hash:
        problems.append(f"tokenizer dictionary {m.dictionary_hash} (current: {dictionary_hash})")
    return problems


@dataclass
class NewPlans:
    """Plans to write into one new segment: their entries, passages (plan after plan), vectors and tokens."""

    entries: list[PlanEntry]
    passages: list[Passage]
    vectors: np.ndarray
    terms: TermMatrix
    indicators: list[Indicator] = field(default_factory=list)
