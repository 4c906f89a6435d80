"""Validate the retrieval gold set (queries.jsonl + qrels/{dev,test}.tsv).

Usage:  python eval/gold/check_gold.py /tmp/ridx/current/passages.jsonl

Checks: valid query ids/types/splits; every qrels row names a known query and a passage that exists
in the given passages.jsonl; header and scores (1 or 2) are right; no duplicate (query, passage) pair;
each query's rows sit in the qrels file of its own split; every answerable query has at least one
grade-2 row and every no_answer query has none, except a no_answer query marked `named_plan_lacks`
(it names a plan, `plan`, that lacks the topic; its rows judge other plans' passages and never the named plan's); each target_value query has an expected_value that
appears verbatim (spaces removed on both sides) in at least one of its grade-2 passages.
Prints counts and exits 1 on the first list of problems.
"""
from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
TYPES = {"topic", "plan_specific", "target_value", "women", "no_answer"}
SPLITS = {"dev", "test", "blind", "dev2-tune", "dev2-held", "dev3-tune", "dev3-held"}
QRELS_FILES = sorted({s.split("-")[0] for s in SPLITS})   # halves (dev2-tune, dev2-held) share dev2.tsv
HEADER = ["query-id", "corpus-id", "score"]


def nospace(s: str) -> str:
    return "".join(s.split())


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    passages = {}
    with open(argv[1], encoding="utf-8") as f:
        for line in f:
            if line.strip():
                p = json.loads(line)
                passages[p["id"]] = p
    errors: list[str] = []

    queries: dict[str, dict] = {}
    plan_ids = {p["plan_id"] for p in passages.values()}
    with open(HERE / "queries.jsonl", encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            q = json.loads(line)
            qid, md = q.get("_id"), q.get("metadata") or {}
            if not qid or qid in queries:
                errors.append(f"queries.jsonl:{n}: missing or duplicate _id {qid!r}")
                continue
            if not str(q.get("text", "")).strip():
                errors.append(f"{qid}: empty text")
            if md.get("type") not in TYPES:
                errors.append(f"{qid}: bad type {md.get('type')!r}")
            if md.get("split") not in SPLITS:
                errors.append(f"{qid}: bad split {md.get('split')!r}")
            if md.get("type") == "target_value" and not str(md.get("expected_value", "")).strip():
                errors.append(f"{qid}: target_value without expected_value")
            if md.get("type") == "plan_specific" and not md.get("plan"):
                errors.append(f"{qid}: plan_specific without plan")
            if md.get("named_plan_lacks") and (md.get("type") != "no_answer" or not md.get("plan")):
                errors.append(f"{qid}: named_plan_lacks needs type no_answer and a plan")
            if md.get("plan") and md["plan"] not in plan_ids:
                errors.append(f"{qid}: unknown plan {md['plan']!r}")
            queries[qid] = q

    rows: dict[str, dict[str, int]] = defaultdict(dict)
    seen = set()
    for split in QRELS_FILES:
        path = HERE / "qrels" / f"{split}.tsv"
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        if not lines or lines[0].split("\t") != HEADER:
            errors.append(f"{path.name}: header must be {HEADER} separated by tabs")
            continue
        for n, line in enumerate(lines[1:], 2):
            if not line.strip():
                continue
            parts = line.split("\t")
            if len(parts) != 3:
                errors.append(f"{path.name}:{n}: expected 3 tab-separated fields")
                continue
            qid, pid, score = parts
            if qid not in queries:
                errors.append(f"{path.name}:{n}: unknown query {qid}")
                continue
            if pid not in passages:
                errors.append(f"{path.name}:{n}: unknown passage {pid}")
            if score not in ("1", "2"):
                errors.append(f"{path.name}:{n}: score must be 1 or 2, got {score!r}")
                continue
            if (qid, pid) in seen:
                errors.append(f"{path.name}:{n}: duplicate row {qid} {pid}")
            seen.add((qid, pid))
            if str(queries[qid]["metadata"].get("split")).split("-")[0] != split:
                errors.append(f"{path.name}:{n}: {qid} belongs to split {queries[qid]['metadata'].get('split')}")
            rows[qid][pid] = int(score)

    for qid, q in queries.items():
        md = q["metadata"]
        grade2 = [pid for pid, g in rows.get(qid, {}).items() if g == 2]
        if md.get("type") == "no_answer":
            if md.get("named_plan_lacks"):
                if not grade2:
                    errors.append(f"{qid}: named_plan_lacks query without a grade-2 row in another plan")
                own = [pid for pid in rows.get(qid, {}) if passages.get(pid, {}).get("plan_id") == md.get("plan")]
                if own:
                    errors.append(f"{qid}: named_plan_lacks query judges the named plan's own passages {own}")
            elif rows.get(qid):
                errors.append(f"{qid}: no_answer query has qrels rows")
            continue
        if not grade2:
            errors.append(f"{qid}: answerable query without a grade-2 row")
        if md.get("type") == "target_value":
            ev = nospace(str(md.get("expected_value", "")))
            if ev and not any(ev in nospace(passages[pid]["text"]) for pid in grade2 if pid in passages):
                errors.append(f"{qid}: expected_value {md.get('expected_value')!r} not in any grade-2 passage")

    if errors:
        print(f"{len(errors)} problem(s):")
        for e in errors:
            print("  " + e)
        return 1

    by = Counter((q["metadata"]["type"], q["metadata"]["split"]) for q in queries.values())
    print(f"OK: {len(queries)} queries, {sum(len(r) for r in rows.values())} qrels rows "
          f"({sum(1 for r in rows.values() for g in r.values() if g == 2)} grade 2)")
    for t in sorted(TYPES):
        print(f"  {t:14s} " + "  ".join(f"{s} {by[(t, s)]:3d}" for s in sorted(SPLITS) if s != "blind"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
