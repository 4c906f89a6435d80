"""One plan in two files: the Word and the PDF (or the web page) of the same plan dropped into one corpus.

Two plans are the same when their titles are the same and nearly every passage of each is written, word for
word, in the other (spacing, width and script aside). Plans of two places made from one template share many
measures but not their titles; a draft and its final version share their title but not TWIN_SHARE of their
passages, or not their numbers."""
from __future__ import annotations

import re
from typing import Callable, Iterable

from indexer.normalize import normalize_for_index

TWIN_SHARE = 0.9        # of each plan's passages found verbatim in the other


def folded(text: str) -> str:
    """A passage's text as compared: normalised, without any space."""
    return re.sub(r"\s+", "", normalize_for_index(text))


RE_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def same_plan(a: set[str], b: set[str]) -> bool:
    """Are two plans' folded passage texts those of one plan? Not when a passage of one is a passage of the other
    with another number (30% → 40%): that is a revision, whose numbers must be served, not a copy."""
    if not a or not b:
        return False
    shared = len(a & b)
    if shared < TWIN_SHARE * len(a) or shared < TWIN_SHARE * len(b):
        return False
    theirs = {RE_NUMBER.sub("#", t) for t in b - a}
    return not any(RE_NUMBER.sub("#", t) in theirs for t in a - b)


def find_twins(new: list[tuple[str, str, list[str]]], old: Iterable[tuple[str, str]],
               old_texts: Callable[[str], list[str]]) -> dict[str, str]:
    """Plans of `new` ((id, title, passage texts), in corpus order) that repeat an earlier one of `new` or a plan
    of `old` ((id, title), already indexed; `old_texts(id)` reads its passages): {repeating id: id it repeats}."""
    by_title: dict[str, list[tuple[str, set[str] | None]]] = {}
    for pid, title in old:
        by_title.setdefault(folded(title), []).append((pid, None))
    twins: dict[str, str] = {}
    for pid, title, texts in new:
        mine = {folded(t) for t in texts}
        candidates = by_title.setdefault(folded(title), [])
        for k, (other, theirs) in enumerate(candidates):
            if theirs is None:
                theirs = {folded(t) for t in old_texts(other)}
                candidates[k] = (other, theirs)
            if same_plan(mine, theirs):
                twins[pid] = other
                break
        else:
            candidates.append((pid, mine))
    return twins
