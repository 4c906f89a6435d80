"""The gold set in beir layout: `gold/queries.jsonl` and `gold/qrels/<split>.tsv`.

A split may have halves, named `<split>-<half>` (dev2-tune, dev2-held): their judgments share `<split>.tsv`,
and loading `<split>` gives both halves."""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

GOLD_DIR = Path(__file__).resolve().parent / "gold"
QUERY_TYPES = ("topic", "plan_specific", "target_value", "women", "no_answer")
SPLITS = ("dev", "test", "blind", "dev2", "dev2-tune", "dev2-held", "dev3", "dev3-tune", "dev3-held")


@dataclass
class GoldQuery:
    id: str
    text: str
    type: str
    split: str
    expected_value: str | None = None
    plan: str | None = None
    named_plan_lacks: bool = False    # no_answer for the named plan; judgments are the other plans' passages
    lang: str = "zh"
    judgments: dict[str, int] = field(default_factory=dict)   # passage id → grade (1 partly, 2 answers)

    @property
    def answerable(self) -> bool:
        return self.type != "no_answer"


def in_split(query_split: str, wanted: str) -> bool:
    """A query of split `dev2-tune` is in `dev2-tune` and in `dev2`."""
    return query_split == wanted or query_split.startswith(wanted + "-")


def load_gold(split: str | None = None, gold_dir: Path = GOLD_DIR) -> list[GoldQuery]:
    """Queries of one split ('dev', 'test', 'blind', 'dev2' or one of its halves 'dev2-tune', 'dev2-held') or
    all, each with its graded judgments."""
    queries: dict[str, GoldQuery] = {}
    for line in (gold_dir / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        meta = row.get("metadata", {})
        queries[row["_id"]] = GoldQuery(id=row["_id"], text=row["text"], type=meta["type"], split=meta["split"],
                                        expected_value=meta.get("expected_value"), plan=meta.get("plan"),
                                        named_plan_lacks=bool(meta.get("named_plan_lacks")),
                                        lang=meta.get("lang", "zh"))
    for qrels in sorted((gold_dir / "qrels").glob("*.tsv")):
        with open(qrels, encoding="utf-8") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                if row["query-id"] in queries and int(row["score"]) > 0:
                    queries[row["query-id"]].judgments[row["corpus-id"]] = int(row["score"])
    selected = [q for q in queries.values() if split in (None, "all") or in_split(q.split, split)]
    return sorted(selected, key=lambda q: q.id)
