"""The 对标分析 report: a JSON contract (fields are added, never renamed or removed)."""
from __future__ import annotations

from pydantic import BaseModel, Field

from plansearch.records import SourceSpan


class Citation(BaseModel):
    passage_id: str | None = Field(description="null for a row of an indicator table")
    plan_id: str
    source: SourceSpan


class PeerValue(BaseModel):
    plan_id: str
    value: str
    year: int | None = None
    citations: list[Citation] = Field(default_factory=list)


class WeakerTarget(BaseModel):
    indicator: str
    attribute: str | None = None
    value: str = Field(description="the plan's value as written")
    year: int | None = None
    direction: str = Field(description="lower or raise: which way the indicator improves")
    peers: list[PeerValue]
    median: str = Field(description="the peers' median, in the plan's unit")
    best: str = Field(description="the most ambitious peer value, as written")
    citations: list[Citation]


class StrongerTarget(WeakerTarget):
    """A target more ambitious than every peer's that sets the indicator (要求高于同类规划): `best` is the most
    ambitious peer value, which the plan's value passes."""


class MissingIndicator(BaseModel):
    indicator: str
    peers: list[PeerValue]
    citations: list[Citation]


class MissingMeasure(BaseModel):
    title: str
    peers: list[str]
    citations: list[Citation]
    texts: dict[str, str] = Field(default_factory=dict, description="each peer's wording, by plan id")
    closest: Citation | None = Field(None, description="the plan's passage nearest in meaning (which does not match)")
    closest_similarity: float | None = None


class Addition(BaseModel):
    kind: str = Field(description="measure or target")
    title: str
    text: str
    value: str | None = None
    citations: list[Citation]
    nearest_similarity: float | None = Field(None, description="cosine to the nearest peer measure")


class DomainReview(BaseModel):
    domain: str
    weaker_targets: list[WeakerTarget] = Field(default_factory=list)
    stronger_targets: list[StrongerTarget] = Field(
        default_factory=list, description="targets more ambitious than every peer's that sets them (at least two)")
    missing_indicators: list[MissingIndicator] = Field(default_factory=list)
    missing_measures: list[MissingMeasure] = Field(default_factory=list)
    additions: list[Addition] = Field(default_factory=list)


class Thresholds(BaseModel):
    most_peers: float
    near_identical: float
    present: float
    indicator_share: float


class ReviewResponse(BaseModel):
    plan_id: str
    plan_title: str
    draft: bool = Field(False, description="true for a file reviewed without being indexed")
    peers: list[str]
    peer_titles: dict[str, str]
    peer_rule: str = Field(description="how the peers were chosen")
    thresholds: Thresholds
    domains: list[DomainReview]


# ---------------------------------------------------------------------------------------------------
