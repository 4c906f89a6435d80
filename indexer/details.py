"""A plan's details read off the document itself, for files the manifest does not describe: title,
place (through the gazetteer), period, subject, status, and the document number, issuing office and
date of a covering notice or of the signature lines.

What cannot be told for sure is said in `warnings` (a county name shared by several cities with no
other clue in the text, a title composed from the body) rather than guessed silently."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.gazetteer import Division, Gazetteer, Level, gazetteer
from indexer.lines import (RE_DATE, RE_DOC_NUMBER, RE_OFFICE, YEAR_DIGIT, Line, LineType, cn_to_int, is_doc_number,
                           signed)
from indexer.normalize import to_simplified
from indexer.parse import title_lines

DASH = r"[—–\-－~～至到一]+"
RE_PERIOD = re.compile(rf"((?:19|20)\d{{2}})\s*年?\s*{DASH}\s*((?:19|20)\d{{2}})")
RE_FIVE_YEAR = re.compile(r"[“\"”‘']?(十[一二三四五六七八九]|[三四五六七八九])五[”\"“’']?(?:规划|时期|期间)?")
RE_PLAN_PERIOD = re.compile(rf"规划期(?:限)?(?:为|是|：|:)?\s*((?:19|20)\d{{2}})\s*年?\s*{DASH}\s*((?:19|20)\d{{2}})")
# words before a plan the text names as past: 颁布实施了《…（2016-2020年）》
RE_PAST = re.compile(r"(?:颁布实施了|颁布了|实施了|印发了|出台了|制定了|上一轮|上一周期|上一期)[^《》。]{0,4}$")
RE_REFERENCE = re.compile(r"《([^《》]{2,60}?(?:规划|纲要))\s*[（(]([^（）()]{4,16})[)）]》")
RE_STATUS = re.compile(r"征求意见稿|送审稿|讨论稿|草\s*案|草稿|修订稿|试行|暂行")
# the red head of an official document: 大庆市人民政府文件, 中共某某县委办公室　某某县人民政府办公室文件
RE_RED_HEAD = re.compile(r"^([\u4e00-\u9fff\s\u3000]{2,60})文件$")
RE_NOTICE_TITLE = re.compile(r"^(.{2,40}?)关于(?:印发|转发|下发|发布)")
# "区人民政府" in a notice's own title: the office of the plan's own place
RE_BARE_OFFICE = re.compile(r"^(省|市|县|区|旗|州|师市)(人民政府|政府|委员会|党委|.*办公室|.*办公厅|.*委员会)$")
SUBJECT_EN = {"儿童": "children", "妇女": "women", "妇女儿童": "women-children"}


@dataclass
class PlanDetails:
    """What the document says about itself. Place fields are empty when the place is not known for sure."""

    title: str
    title_from_body: bool = False   # the file has no title line: the title is composed from the body
    place: str = ""                 # the place as the text names it: 新城区, 十三师新星市
    division: Division | None = None
    candidates: list[Division] = field(default_factory=list)   # several when the place is ambiguous
    period: str = ""                # 2021—2030
    subject: str = ""               # 儿童, 妇女, or the subject words of another plan (教育)
    status: str = "正式"
    doc_number: str = ""            # 曾政发〔2022〕8号
    issuer: str = ""                # 曾都区人民政府
    date: str = ""                  # ISO date: 2022-12-29
    warnings: list[str] = field(default_factory=list)

    @property
    def region_ambiguous(self) -> bool:
        return self.division is None and len(self.candidates) > 1

    @property
    def province(self) -> str:
        return self.division.province if self.division else _common(self.candidates, "province")

    @property
    def city(self) -> str:
        return self.division.city if self.division else _common(self.candidates, "city")

    @property
    def county(self) -> str:
        return self.division.county if self.division else _common(self.candidates, "county")

    @property
    def admin_level(self) -> str:
        return self.division.kind if self.division else _common(self.candidates, "kind")

    @property
    def short_name(self) -> str:
        """How the plan's place is called in context: 大庆市, 新城区, 新星市 (the city of a 兵团 师市)."""
        if self.division:
            return re.sub(r"^第?[一二三四五六七八九十]+师(?=.)", "", self.division.name)
        return self.place


def _common(divisions: list[Division], attr: str) -> str:
    values = {getattr(d, attr) for d in divisions}
    return values.pop() if len(values) == 1 else ""


# ---------------------------------------------------------------- the pieces


FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def find_period(text: str) -> str:
    """2021—2030 from "（2021—2030年）", "2021-2025", "2021一2030", "（２０２１—２０３０年）"; 2021—2025 from "十四五"."""
    text = text.translate(FULL_WIDTH_DIGITS)
    for m in RE_PERIOD.finditer(text):
        start, end = int(m.group(1)), int(m.group(2))
        if start < end <= start + 20:
            return f"{start}—{end}"
    if m := RE_FIVE_YEAR.search(text):
        n = cn_to_int(m.group(1))
        start = 1966 + 5 * (n - 3)   # the 3rd five-year plan began in 1966 and they have run back to back since
        return f"{start}—{start + 4}"
    return ""


def find_status(title: str) -> str:
    """正式 unless the title says 征求意见稿, 草案, 送审稿, 试行 …"""
    m = RE_STATUS.search(title)
    return m.group(0).replace(" ", "") if m else "正式"


def find_subject(title: str, place: str = "") -> str:
    """儿童, 妇女 (both: 妇女儿童), else the subject words of the title: 某某市“十四五”教育发展规划 → 教育."""
    children, women = "儿童" in title, "妇女" in title
    if children or women:
        return "妇女儿童" if children and women else ("儿童" if children else "妇女")
    rest = title.removeprefix(place) if place else re.sub(r"^[\u4e00-\u9fff]{1,10}?(?:省|市|县|区|旗|盟|州|师)", "", title)
    rest = re.sub(r"[（(][^（）()]*[)）]", "", rest)
    rest = RE_FIVE_YEAR.sub("", rest)
    rest = re.sub(r"[“”\"‘’'《》\s]", "", rest)
    m = re.match(r"^(.*?)(?:事业)?(?:发展)?(?:规划|纲要|政策|方案|计划|意见)", rest)
    return (m.group(1) if m else rest).strip() or ""


def _iso_date(m: re.Match[str]) -> str:
    def num(s: str) -> int:
        return int(s) if s.isdigit() else cn_to_int(s)

    year = m.group(1)
    year_n = int(year) if year.isdigit() else int("".join(str(YEAR_DIGIT[c]) for c in year))
    return f"{year_n:04d}-{num(m.group(2)):02d}-{num(m.group(3)):02d}"


def find_date(lines: list[Line]) -> str:
    """The date of the last signature line, as an ISO date."""
    for line in reversed(lines):
        if (m := signed(line.text)[1]) is not None:
            return _iso_date(m)
    return ""


def find_doc_number(lines: list[Line]) -> str:
    """The document number (曾政发〔2022〕8号; also written with [] or ()), with 〔〕 as GB/T 9704 writes it.
    A line that is only the number is preferred to one met in a sentence."""
    loose = ""
    for line in lines:
        text = line.text.replace(" ", "")
        for m in RE_DOC_NUMBER.finditer(text):
            number = f"{m.group(1)}〔{m.group(2)}〕{m.group(3)}号"
            if m.group(0) == text:
                return number
            if not loose and re.search(r"[发字函办电令]$", m.group(1)):
                loose = number
    return loose


def find_issuer(notice: list[Line], tail: list[Line]) -> str:
    """The issuing office: the "X关于印发…的通知" of a covering notice, else the office signing above a date, else
    the office of the red head (X文件) above the plan."""
    texts = [ln.text for ln in notice if ln.type is not LineType.blank and not is_doc_number(ln.text)
             and not RE_RED_HEAD.match(ln.text.strip())]     # the red head above the notice: not its title
    # a title on one line first: an office's name above it (大庆市人民政府, a red head without 文件) is no part of it;
    # then a title cut over two lines
    for joined in (1, 2):
        for i in range(min(3, len(texts))):
            if m := RE_NOTICE_TITLE.match("".join(texts[i:i + joined])):
                return m.group(1)
    for block in (notice, tail):
        body = [ln.text.replace(" ", "") for ln in block if ln.type is not LineType.blank]
        for i in range(len(body) - 1, -1, -1):
            office, date = signed(body[i])
            if date is not None and office:
                return office           # office and date on one line
            if date is not None and i > 0 and RE_OFFICE.match(body[i - 1]):
                return body[i - 1]
    for line in notice:                 # no notice title and no signature: the red head names the office
        if m := RE_RED_HEAD.match(line.text.strip()):
            return re.sub(r"[\s\u3000]+", "", m.group(1))
    return ""


def expand_office(issuer: str, division: Division | None) -> str:
    """区人民政府 in 曾都区's own notice → 曾都区人民政府 (the place is the plan's, at the level the word names)."""
    m = RE_BARE_OFFICE.match(issuer)
    if not m or division is None:
        return issuer
    level = m.group(1)
    for name in (division.county, division.city, division.province):
        if name and (name.endswith(level) or (level == "师市" and "师" in name)):
            return name + issuer.removeprefix(level)
    return issuer


# ---------------------------------------------------------------- the place


def clue_score(g: Gazetteer, d: Division, counts) -> int:
    """How often the text names the divisions above `d` (内蒙古, 呼和浩特 for 呼和浩特's 新城区)."""
    return sum(counts[n] for p in g.parents(d) for n in p.names())


def pick_division(g: Gazetteer, candidates: list[Division], text: str) -> tuple[Division | None, list[str]]:
    """One of several namesakes, by the other places the text names; None (and a warning) when nothing
    tells them apart."""
    if len(candidates) == 1:
        return candidates[0], []
    counts = g.scan(text)
    scored = sorted(((clue_score(g, d, counts), d) for d in candidates), key=lambda x: -x[0])
    if scored[0][0] > 0 and scored[0][0] > scored[1][0]:
        return scored[0][1], []
    regions = " / ".join(d.region for d in candidates)
    return None, [f"place '{candidates[0].name}' is ambiguous ({regions}): the text names no province or city of one of them"]


def place_from_body(g: Gazetteer, text: str) -> tuple[str, list[Division]]:
    """The place a text is about, when its title does not say: the division named most often, counting
    the divisions above it too (十三师新星市 with 兵团 ×13 beats 新疆 ×1); the most specific on a tie."""
    counts = g.scan(text)
    scores: dict[Division, tuple[int, int]] = {}
    names: dict[Division, str] = {}
    for name, n in counts.items():
        for d in g.resolve(name):
            own = sum(counts[x] for x in d.names())
            depth = {Level.province: 0, Level.city: 1, Level.county: 2}[d.level]
            scores[d] = (own + clue_score(g, d, counts), depth)
            if n > counts.get(names.get(d, ""), 0):
                names[d] = name
    if not scores:
        return "", []
    best = max(scores.values())
    top = [d for d, s in scores.items() if s == best]
    return names[top[0]], top


# ---------------------------------------------------------------- the whole


def _head_lines(lines: list[Line]) -> list[Line]:
    """The plan's lines before its first chapter or preface (title, signature under it)."""
    out = []
    for line in lines:
        if line.type in (LineType.chapter, LineType.preface):
            break
        out.append(line)
    return out[:20]


def _tail_lines(lines: list[Line], n: int = 8) -> list[Line]:
    return [ln for ln in lines if ln.type is not LineType.blank][-n:]


def _body_period(lines: list[Line], subject: str, place: str) -> tuple[str, str]:
    """A period the body states (规划期为…); else the one after this place's last plan of the subject, which the
    preface names as past (颁布实施了《大庆市儿童发展规划（2016-2020年）》 → 2021—2025); else that of a plan of the
    same subject it follows (按照《兵团儿童发展规划（2021-2030年）》…制定本规划). Returns (period, where it came from)."""
    text = "".join(ln.text for ln in lines).translate(FULL_WIDTH_DIGITS)
    if m := RE_PLAN_PERIOD.search(text):
        return f"{m.group(1)}—{m.group(2)}", "规划期"
    preface = []
    for line in lines:
        if line.type is LineType.chapter:
            break
        preface.append(line.text)
    said = "".join(preface).translate(FULL_WIDTH_DIGITS)
    found = [(m, period) for m in RE_REFERENCE.finditer(said)
             if subject and subject in m.group(1) and (period := find_period(m.group(2)))]
    for m, period in found:
        if place and place in m.group(1) and RE_PAST.search(said[max(0, m.start() - 12):m.start()]):
            # 2017年，市政府颁布实施了《大庆市儿童发展规划（2016-2020年）》: this place's last plan; this one is the next
            start, end = (int(y) for y in period.split("—"))
            return f"{end + 1}—{2 * end + 1 - start}", f"the period after 《{m.group(1)}》"
    for m, period in found:
        if not RE_PAST.search(said[max(0, m.start() - 12):m.start()]):
            return period, f"《{m.group(1)}》"
    return "", ""


def find_details(lines: list[Line], notice: list[Line] | None = None) -> PlanDetails:
    """The details of one plan from its own lines and the covering notice before it, if any."""
    g = gazetteer()
    notice = notice or []
    warnings: list[str] = []
    text = "".join(ln.text for ln in notice + lines)
    head = _head_lines(lines)
    title = title_lines(head)
    title_from_body = not title

    place, candidates = "", []
    if title:       # place names are read in simplified characters (大慶市 is 大庆市)
        candidates, place = g.read_chain(to_simplified(re.sub(r"^[\s“”\"《]+", "", title)))
    if not candidates:
        place, candidates = place_from_body(g, text)
    division, why = pick_division(g, candidates, text) if candidates else (None, [])
    warnings += why
    if not candidates:
        warnings.append("no place found in the title or the text")

    # subject and status are categories, read in simplified characters (兒童發展規劃（徵求意見稿） is 儿童, 征求意见稿);
    # the title stays as written
    simple_title = to_simplified(title)
    subject = find_subject(simple_title, place) if title else _body_subject(lines)
    period = find_period(title) if title else ""
    if not period:
        period, source = _body_period(lines, subject, place)
        if period:
            warnings.append(f"period {period} taken from {source}, not from the title")
        else:
            warnings.append("no period found")
    if title_from_body:
        name = division.name if division else place
        title = f"{name}{subject}发展规划" + (f"（{period}年）" if period else "")
        warnings.append(f"no title line: title '{title}' composed from the body")

    tail = _tail_lines(lines)
    issuer = find_issuer(notice, head + tail)
    return PlanDetails(
        title=title,
        title_from_body=title_from_body,
        place=place,
        division=division,
        candidates=candidates,
        period=period,
        subject=subject,
        status=find_status(simple_title),
        doc_number=find_doc_number(notice + head + tail),
        issuer=expand_office(issuer, division),
        date=find_date(notice) or find_date(head) or find_date(tail),
        warnings=warnings,
    )


def _body_subject(lines: list[Line]) -> str:
    text = to_simplified("".join(ln.text for ln in lines))
    children, women = text.count("儿童"), text.count("妇女")
    return "儿童" if children >= women else "妇女"


def aliases(details: PlanDetails) -> list[str]:
    """Other names users type for the place: its short name when no namesake shares it (大庆, not 新城),
    its other names (十三师), and the short and other names of the divisions above it (呼和浩特, 内蒙古; 兵团,
    新疆兵团)."""
    d = details.division
    if d is None:
        return []
    g = gazetteer()
    out = []
    if d.short and len(g.resolve(d.name)) == 1:
        out.append(d.short)
    out += [a for a in d.aliases if a != details.short_name]
    for parent in reversed(g.parents(d)):
        out += [parent.short or parent.name, *parent.aliases]
    return list(dict.fromkeys(a for a in out if a and a != details.short_name))


# ---------------------------------------------------------------- covering notices


def is_notice_title(text: str) -> bool:
    return bool(RE_NOTICE_TITLE.match(text)) or ("关于" in text and text.endswith("通知"))


def notice_end(lines: list[Line]) -> int | None:
    """When the lines open with a covering notice (…关于印发…的通知, its number, 现将…印发给你们, a date),
    the number of its last line; None when they do not."""
    body = [ln for ln in lines if ln.type is not LineType.blank][:40]
    if not body or not any(is_notice_title("".join(ln.text for ln in body[i:i + 2])) for i in range(min(3, len(body)))):
        return None
    for line in body:
        if RE_DATE.match(line.text.replace(" ", "")):
            end = line.number
            following = [ln for ln in body if ln.number > end]
            if following and re.match(r"^[（(]此件.*[)）]$", following[0].text):
                end = following[0].number
            return end
    return None
