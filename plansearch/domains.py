"""Domains lined up across plans: the national outlines' domains under the names plans give them.

A city may write 儿童健康 or 儿童成长环境 where the outline and its peers write 儿童与健康 and 儿童与环境. Review
and the search filter compare such names by a key (subject and topic); the name a plan uses is kept for
display and quoting. Only names of the children's and women's outlines are keyed this way: in an education
plan 学前教育 and 义务教育 are different domains, so other names compare as written (blanks aside)."""
from __future__ import annotations

import re

# subject words → the outline they belong to
SUBJECTS = (("儿童", ("儿童", "少年", "未成年")), ("妇女", ("妇女", "女性")))
# the outlines' topics, each with the words that name it; the first topic whose word a name holds wins
# (妇女与家庭建设 → 家庭, 儿童与法律保护 → 法律, 健康教育 → 健康)
TOPICS = (
    ("法律", ("法律", "法治", "司法", "权益保护", "权益保障")),
    ("决策", ("决策", "参政")),
    ("社会保障", ("社会保障", "社保")),
    ("福利", ("福利", "救助", "关爱")),
    ("家庭", ("家庭",)),
    ("环境", ("环境",)),
    ("经济", ("经济", "就业", "创业")),
    ("安全", ("安全", "伤害")),
    ("健康", ("健康", "卫生", "医疗")),
    ("教育", ("教育",)),
)
_BARE_MAX = 6          # a name without a subject word is keyed by the plan's subject only if this short (健康, 儿童健康)


def _subject_of(text: str) -> str | None:
    return next((who for who, words in SUBJECTS if any(w in text for w in words)), None)


def topic_of(name: str | None) -> str | None:
    text = re.sub(r"\s+", "", name or "")
    return next((topic for topic, words in TOPICS if any(w in text for w in words)), None)


def domain_key(name: str | None, subject: str | None = None) -> str:
    """The key a domain lines up by across plans: 儿童与健康, 儿童健康 and (in a children's plan) 健康 all give
    儿童·健康; 妇女与健康 stays apart. `subject` is the plan's (儿童, 妇女, …), for a name without one.
    A name of no outline topic, or of another kind of plan, is its own key."""
    text = re.sub(r"\s+", "", name or "")
    topic = topic_of(text)
    if topic is None:
        return text
    who = _subject_of(text)
    if who is None and subject in {s for s, _ in SUBJECTS} and len(text) <= _BARE_MAX:
        who = subject
    return f"{who}·{topic}" if who else text


def same_outline_domain(a: str | None, b: str | None, subject: str | None = None) -> bool:
    """Whether two names are one outline domain (儿童健康 and 儿童与健康); names of no outline domain never are."""
    key = domain_key(a, subject)
    return "·" in key and key == domain_key(b, subject)


def domain_matches(name: str | None, wanted: str, subject: str | None = None) -> bool:
    """Whether a plan's domain `name` is the one asked for as `wanted`: the same name, the same outline domain
    under another name (儿童健康 for 儿童与健康), or a topic alone that names it (安全, 法律保护)."""
    have = re.sub(r"\s+", "", name or "")
    want = re.sub(r"\s+", "", wanted or "")
    if not have or not want:
        return False
    if have == want or same_outline_domain(have, want, subject):
        return True
    if _subject_of(want) is None and topic_of(want) is not None and "·" in domain_key(have, subject):
        return topic_of(want) == topic_of(have)
    return have.endswith("与" + want)
