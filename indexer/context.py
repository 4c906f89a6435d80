"""The text that is embedded and BM25-indexed: a passage's body with its context (plan, domain, title)."""
from __future__ import annotations

from plansearch.records import KIND_LABELS, Passage, PlanMeta


def plan_label(meta: PlanMeta) -> str:
    """大庆市儿童发展规划 — the short name plus the subject, as passages are referred to."""
    return f"{meta.short_name}{meta.subject}发展规划"


def context_text(passage: Passage, meta: PlanMeta) -> str:
    head = [plan_label(meta), passage.domain or passage.chapter, KIND_LABELS[passage.kind]]
    if passage.title:
        head.append(passage.title)
    return " ".join(h for h in head if h) + "\n" + passage.text
