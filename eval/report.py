"""The evaluation report: a Markdown table, a PNG chart, and the worst queries with what was returned."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from eval.gold import QUERY_TYPES
from eval.run import (DEFAULT, METRICS, AskSummary, ConfigResult, bootstrap_interval, paired_p_value,
                      summarise)

REPORTS_DIR = Path(__file__).resolve().parent / "reports"
BASELINE = Path(__file__).resolve().parent / "baseline.json"


def table(results: list[ConfigResult]) -> str:
    types = [t for t in QUERY_TYPES if t != "no_answer"]
    head = "| configuration | " + " | ".join(METRICS) + " | recall@20 topic | " + \
        " | ".join(f"nDCG@10 {t}" for t in types) + \
        " | value@3 | plan@1 | no-answer flagged | answerable flagged |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in results:
        s = summarise(r)
        cells = [f"{r.mean(m):.3f}" for m in METRICS] + [f"{s.recall20_topic:.3f}"]
        cells += [f"{s.per_type[t]['ndcg@10']:.3f}" for t in types]
        cells += [f"{s.target_value_top3:.2f}", f"{s.plan_specific_at_1:.2f}", f"{s.no_answer_flagged:.2f}",
                  f"{s.answerable_flagged:.2f}"]
        lines.append(f"| {r.name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def ask_table(summary: AskSummary) -> str:
    """The answers' figures: value exact, wrong values, no-answer recall, answerable wrongly refused."""
    lines = ["| value questions | value exact | wrong values | no-answer recall | answerable refused |",
             "|---|---|---|---|---|",
             f"| {summary.value_questions} | {summary.value_exact:.2f} | {summary.wrong_values} | "
             f"{summary.no_answer_recall:.2f} | {summary.answerable_refused:.2f} |"]
    if summary.wrong:
        lines += ["", "Wrong values:"] + [f"- {w}" for w in summary.wrong]
    return "\n".join(lines)


def significance(results: list[ConfigResult]) -> str:
    base = next(r for r in results if r.name == DEFAULT)
    lines = ["| configuration | Δ nDCG@10 vs default | 95% interval | p (paired randomisation) |", "|---|---|---|---|"]
    for r in results:
        if r.name == DEFAULT:
            continue
        mean, lo, hi = bootstrap_interval(base.per_query("ndcg@10"), r.per_query("ndcg@10"))
        p = paired_p_value(base, r, "ndcg@10")
        lines.append(f"| {r.name} | {mean:+.3f} | [{lo:+.3f}, {hi:+.3f}] | {p:.4f} |")
    return "\n".join(lines)


def worst_queries(result: ConfigResult, passages: dict, n: int = 10) -> str:
    rows = sorted(result.answerable(), key=lambda r: (r.metrics["ndcg@10"], r.query.id))[:n]
    out = []
    for r in rows:
        out.append(f"### {r.query.id} ({r.query.type}) 「{r.query.text}」 nDCG@10 {r.metrics['ndcg@10']:.3f}")
        for i, pid in enumerate(r.ranked[:5], start=1):
            p = passages.get(pid)
            grade = r.query.judgments.get(pid, 0)
            label = (p.title or p.text[:30]) if p else "?"
            out.append(f"{i}. `{pid}` (grade {grade}) {label}")
        missed = [pid for pid, g in sorted(r.query.judgments.items(), key=lambda kv: -kv[1])
                  if g == 2 and pid not in r.ranked[:10]][:5]
        if missed:
            out.append("missed (grade 2, not in top 10): " + ", ".join(f"`{m}`" for m in missed))
        out.append("")
    return "\n".join(out)


def chart(results: list[ConfigResult], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    types = ["all"] + [t for t in QUERY_TYPES if t != "no_answer"]
    fig, ax = plt.subplots(figsize=(11, 4.5))
    width = 0.8 / len(results)
    x = np.arange(len(types))
    for i, r in enumerate(results):
        values = [r.mean("ndcg@10")] + [r.mean("ndcg@10", t) for t in types[1:]]
        ax.bar(x + i * width, values, width, label=r.name)
    ax.set_xticks(x + width * (len(results) - 1) / 2, types)
    ax.set_ylabel("nDCG@10")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=7, ncol=4, loc="lower center")
    ax.set_title("nDCG@10 by configuration and query type")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(results: list[ConfigResult], split: str, passages: dict, out_dir: Path = REPORTS_DIR,
                 n_queries: int = 0, ask: AskSummary | None = None) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    png = out_dir / f"{split}.png"
    chart(results, png)
    default = next(r for r in results if r.name == DEFAULT)
    md = out_dir / f"{split}.md"
    md.write_text("\n\n".join([
        f"# Retrieval evaluation — {split} split",
        f"{n_queries} queries; generated {datetime.now(timezone.utc).isoformat(timespec='seconds')}; "
        f"depth {20}; value@3 = expected value in the top 3 (target_value), plan@1 = relevant passage at rank 1 "
        f"(plan_specific); flagged = share with no_answer true.",
        "## Metrics", table(results),
        "## Against the default configuration", significance(results),
        *(["## Answers (/api/ask)", ask_table(ask)] if ask else []),
        f"![nDCG@10 chart]({png.name})",
        "## The 10 worst queries (default configuration)", worst_queries(default, passages),
    ]) + "\n", encoding="utf-8")
    return md


def load_baseline(path: Path = BASELINE) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))
