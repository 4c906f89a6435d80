"""The gold set in beir layout: `gold/queries.jsonl` and `gold/qrels/{dev,test}.tsv`."""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

GOLD_DIR = Path(__file__).resolve().parent / "gold"
QUERY_TYPES = ("topic", "plan_specific", "target_value", "women", "no_answer")


@dataclass
class GoldQuery:
    id: str
    text: str
    type: str
    split: str
    expected_value: str | None = None
    plan: str | None = None
    named_plan_lacks: bool = False       # no_answer: the named plan lacks the topic; judgments are other plans' passages
    judgments: dict[str, int] = field(default_factory=dict)   # passage id → grade (1 partly, 2 answers)

    @property
    def answerable(self) -> bool:
        return self.type != "no_answer"


def load_gold(split: str | None = None, gold_dir: Path = GOLD_DIR) -> list[GoldQuery]:
    """Queries of one split ('dev', 'test') or all, each with its graded judgments."""
    queries: dict[str, GoldQuery] = {}
    for line in (gold_dir / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        meta = row.get("metadata", {})
        queries[row["_id"]] = GoldQuery(id=row["_id"], text=row["text"], type=meta["type"], split=meta["split"],
                                        expected_value=meta.get("expected_value"), plan=meta.get("plan"),
                                        named_plan_lacks=bool(meta.get("named_plan_lacks")))
    for qrels in sorted((gold_dir / "qrels").glob("*.tsv")):
        with open(qrels, encoding="utf-8") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                if row["query-id"] in queries and int(row["score"]) > 0:
                    queries[row["query-id"]].judgments[row["corpus-id"]] = int(row["score"])
    selected = [q for q in queries.values() if split in (None, "all") or q.split == split]
    return sorted(selected, key=lambda q: q.id)
