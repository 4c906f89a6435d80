"""Evidence for the 对标分析 thresholds (README, "对标分析"): on the bundled 儿童 plans, measures with the same
title in two plans are taken as versions of one measure. For each cosine threshold it reports
  recall         share of same-title pairs found as versions (mutual nearest measures at or above it)
  false present  share of measures that, once deleted from a plan, still find a "version" there
Run: PYTHONPATH=. python eval/review_thresholds.py [--index-dir DIR]   (an index of the bundled corpus)"""
from __future__ import annotations

import argparse
import re

import numpy as np

from plansearch.records import Kind
from plansearch.settings import Settings
from plansearch.stores import open_source


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index-dir")
    args = ap.parse_args()
    settings = Settings(**({"index_dir": args.index_dir} if args.index_dir else {}))
    index = open_source(settings).open()
    plans = {e.meta.id: e.meta for e in index.plans}
    rows = [(r, p) for r, p in index.iter_passages() if p.kind is Kind.measure and plans[p.plan_id].subject == "儿童"]
    vectors = index.vectors_of([r for r, _ in rows])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    sims = vectors @ vectors.T
    owner = np.array([p.plan_id for _, p in rows])
    title = [re.sub(r"[\s。；;，,、]", "", p.title or "") for _, p in rows]
    pairs, removed = [], []          # (cosine, mutual) of same-title pairs; of the best "version" left after deletion
    for i, (_, p) in enumerate(rows):
        if not title[i]:
            continue
        own = np.flatnonzero(owner == p.plan_id)
        for other in sorted(set(owner) - {p.plan_id}):
            js = np.flatnonzero(owner == other)
            same = [j for j in js if title[j] == title[i]]
            if not same:
                continue
            k = same[0]
            pairs.append((sims[i, k], js[sims[i, js].argmax()] == k and own[sims[k, own].argmax()] == i))
            rest = own[own != i]
            nearest = rest[sims[k, rest].argmax()]
            removed.append((sims[k, nearest], js[sims[nearest, js].argmax()] == k))
    print(f"{len(pairs)} same-title pairs across {len(set(owner))} 儿童 plans")
    print("threshold  recall  false-present")
    for t in (0.90, 0.91, 0.92, 0.93, 0.94, 0.95, 0.96):
        recall = np.mean([m and c >= t for c, m in pairs])
        false = np.mean([m and c >= t for c, m in removed])
        print(f"{t:.2f}      {recall:.3f}   {false:.3f}")
    print("cosine of same-title pairs (p5/p50/p95):", np.round(np.percentile([c for c, _ in pairs], [5, 50, 95]), 3))
    print("nearest other measure after deletion (p5/p50/p95/p99):",
          np.round(np.percentile([c for c, _ in removed], [5, 50, 95, 99]), 3))


if __name__ == "__main__":
    main()
