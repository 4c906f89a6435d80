"""Indicators for 对标分析: which way an indicator improves, the value a plan sets, comparable forms."""
from __future__ import annotations

import re
from collections import Counter, defaultdict

from indexer.targets import CHANGE_VERBS, UNIT_SCALE
from plansearch.records import Indicator

LOWER_VERBS = {"降至", "控制在", "不超过", "低于"}
RAISE_VERBS = {"提高到", "不低于", "高于"}
LOWER_BOUNDS = {"以下", "以内"}
RAISE_BOUNDS = {"以上"}


def _polarity(ind: Indicator) -> int:
    """-1 when the written target aims low (降至, 以下), +1 when it aims high, 0 when it does not say."""
    if ind.direction in CHANGE_VERBS:
        return 0
    if ind.direction in LOWER_VERBS or ind.bound in LOWER_BOUNDS:
        return -1
    if ind.direction in RAISE_VERBS or ind.bound in RAISE_BOUNDS:
        return 1
    return 0


# what plans set to fall (deaths, illness, myopia, dropping out …); a share or rate of anything else is set to rise
RE_LOWER_IS_BETTER = re.compile(r"死亡率|发病率|患病率|发生率|感染率|近视率|贫血率|低体重|生长迟缓|超重|肥胖|龋患率|剖宫产率|"
                                r"辍学率|犯罪率|性别比|自付|个人卫生支出")
RE_SHARE_OR_RATE = re.compile(r"(?:率|比例|占比|比重)$")


def indicator_directions(indicators: list[Indicator]) -> dict[str, int]:
    """Per canonical name, which way it improves (-1 lower, +1 raise), by the majority of how plans write it; where
    none says (every plan writes 达到…左右: 就业人员中女性比例), by what the name measures (a death rate falls, a
    share of women rises)."""
    votes: dict[str, Counter] = defaultdict(Counter)
    for ind in indicators:
        pol = _polarity(ind)
        votes[ind.name][pol] += 1 if pol else 0
    out = {}
    for name, c in votes.items():
        if c[-1] != c[1]:
            out[name] = -1 if c[-1] > c[1] else 1
        elif RE_LOWER_IS_BETTER.search(name):
            out[name] = -1
        elif RE_SHARE_OR_RATE.search(name):
            out[name] = 1
    return out


def value_form(ind: Indicator) -> str:
    return "change" if ind.direction in CHANGE_VERBS or ind.baseline else "level"


def scaled(ind: Indicator) -> float | None:
    scale = UNIT_SCALE.get(ind.unit)
    return ind.number * scale if scale is not None else None


def pick_value(indicators: list[Indicator], year: int | None = None) -> Indicator | None:
    """The value a plan sets for an indicator: for `year` if it has one, else for its last year;
    a target passage before a table row; implausible values left out."""
    usable = [i for i in indicators if not i.implausible]
    if not usable:
        return None
    if year is not None and any(i.year == year for i in usable):
        usable = [i for i in usable if i.year == year]
    else:
        last = max((i.year or 0) for i in usable)
        usable = [i for i in usable if (i.year or 0) == last]
    return sorted(usable, key=lambda i: (i.passage_id is None, i.table_line or 0))[0]


# units written before the number (千分之六): a computed value takes the sign written after it
PREFIX_UNITS = {"百分之": "%", "千分之": "‰", "万分之": "‱", "十万分之": "/10万"}


def format_value(number: float, unit: str) -> str:
    return f"{number:.4g}{PREFIX_UNITS.get(unit, unit)}"
