"""Test helper: the plans of a folder-store index as NewPlans, to write the same content into the PostgreSQL
store (same passages, vectors and tokens, so both stores must rank alike)."""
from __future__ import annotations

import copy

import numpy as np

from plansearch.lexical import TermMatrix
from plansearch.manifest import NewPlans


def new_plans_from(index, plan_ids: list[str] | None = None) -> NewPlans:
    """`index` (a FolderIndex) as NewPlans: every live plan, or those of `plan_ids`, in index order."""
    wanted = set(plan_ids) if plan_ids is not None else None
    entries, passages, vectors, parts, indicators = [], [], [], [], []
    segments = {s.id: s for s in index.segments}
    for e in index.plans:
        if wanted is not None and e.meta.id not in wanted:
            continue
        seg = segments[e.segment]
        rows = np.arange(e.first, e.first + e.size)
        entries.append(copy.deepcopy(e))
        passages += [seg.passage(int(r)) for r in rows]
        vectors.append(seg.vectors_of(rows))
        parts.append(seg.terms.take(rows))
    ids = {e.meta.id for e in entries}
    indicators = [i for i in index.indicators if i.plan_id in ids]
    matrix = np.concatenate(vectors) if vectors else np.zeros((0, index.manifest.dimension), np.float32)
    return NewPlans(entries, passages, matrix, TermMatrix.concat(parts), indicators)
