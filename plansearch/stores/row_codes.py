"""What both stores do with per-row codes held as numpy arrays: a filter as a row mask, and the best rows of
a score array."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from plansearch.index import Filter
from plansearch.manifest import PlanEntry
from plansearch.records import Kind

KINDS = list(Kind)


def filter_mask(filter: Filter | None, plans: Sequence[PlanEntry], domains: Sequence[str], plan_code: np.ndarray,
                domain_code: np.ndarray, kind_code: np.ndarray) -> np.ndarray | None:
    """The rows `filter` allows, or None when it does not restrict. Codes number `plans`, `domains` and KINDS."""
    if filter is None or filter.empty:
        return None
    mask = np.ones(len(plan_code), dtype=bool)
    allowed = filter.plan_ids([e.meta for e in plans])
    if allowed is not None:
        mask &= np.isin(plan_code, [i for i, e in enumerate(plans) if e.meta.id in allowed])
    if filter.domains:
        mask &= np.isin(domain_code, [i for i, d in enumerate(domains) if d in filter.domains])
    if filter.kinds:
        mask &= np.isin(kind_code, [KINDS.index(Kind(k)) for k in filter.kinds])
    return mask


def best_rows(scores: np.ndarray, depth: int) -> np.ndarray:
    """The rows of the `depth` best scores above zero, best first; ties by row."""
    candidates = np.flatnonzero(scores > 0)
    if len(candidates) > depth:      # only the best `depth` need sorting
        candidates = np.sort(candidates[np.argpartition(-scores[candidates], depth)[:depth]])
    return candidates[np.argsort(-scores[candidates], kind="stable")][:depth]
