"""Read a plan file into numbered lines and group them into logical paragraphs.

A reader for another format (docx, pdf, html) only has to produce the same `Line`s."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from indexer.normalize import DOC_NUMBER, clean_line, to_simplified
from indexer.readers import Document, SourceLine, read_document
from indexer.readers.numbering import BULLET_MARKS

CN_NUM = "一二三四五六七八九十"
CN_NUM_BIG = CN_NUM + "百零〇两"


# the sign-off under a document: the issuing office, the date (2022年3月15日, 二〇二二年三月十五日), both on one
# line with 印发, a 抄送 line; read for the plan's details, never part of a passage
YEAR_DIGIT = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0}
YEAR_DIGITS = "".join(YEAR_DIGIT)
RE_DATE = re.compile(
    rf"^[（(]?\s*((?:19|20)\d{{2}}|[二一][{YEAR_DIGITS}]{{3}})\s*年\s*(\d{{1,2}}|[一二三四五六七八九十]{{1,3}})\s*月"
    rf"\s*(\d{{1,2}}|[一二三四五六七八九十]{{1,3}})\s*日\s*(?:印发|发布)?\s*[)）]?$")
RE_OFFICE = re.compile(
    r"^[\u4e00-\u9fff（）()]{2,40}?(?:人民政府|人民政府办公室|人民政府办公厅|政府办公室|办公室|办公厅|委员会|"
    r"工作委员会|党委|管委会|管理委员会|妇联)$")
RE_YEAR_START = re.compile(rf"(?:19|20)\d{{2}}\s*年|[二一][{YEAR_DIGITS}]{{3}}\s*年")
# a document number: 曾政发〔2022〕8号 (also written with [] or ())
RE_DOC_NUMBER = re.compile(DOC_NUMBER)
RE_SIGN_OFF_NOTE = re.compile(r"^抄送[:：]|^[（(]此件(?:公开发布|主动公开|不公开|依申请公开)[)）]$"
                              r"|^主题词[:：]|^[（(]共印\d{1,6}份[)）]$")       # the 版记's 主题词 and print run


def signed(text: str) -> tuple[str, re.Match[str] | None]:
    """(office, date) of a signature line: a date alone (2022年3月1日, 二〇二二年三月一日), or an office and the
    date on one line (大宁县人民政府办公室　2022年3月15日印发); ("", None) for any other line."""
    squeezed = re.sub(r"[\s\u3000]+", "", text)
    for start in RE_YEAR_START.finditer(squeezed):
        office = squeezed[:start.start()]
        if (m := RE_DATE.match(squeezed[start.start():])) and (not office or RE_OFFICE.match(office)):
            return office, m
    return "", None


def is_sign_off(text: str) -> bool:
    """An issuing office, a date, both (大宁县人民政府办公室　2022年3月15日印发), or a 抄送 / 此件公开发布 / 主题词 /
    （共印200份） line."""
    squeezed = re.sub(r"[\s\u3000]+", "", text)
    return bool(squeezed) and bool(RE_OFFICE.match(squeezed) or RE_SIGN_OFF_NOTE.match(squeezed)
                                   or signed(squeezed)[1] is not None)


def is_doc_number(text: str) -> bool:
    """A line that is only a document number (曾政发〔2022〕8号), as printed under a title or above it."""
    return RE_DOC_NUMBER.fullmatch(re.sub(r"[\s\u3000]+", "", text)) is not None


class LineType(str, Enum):
    blank = "blank"
    table = "table"          # a cell of a flattened table: tab-indented in the source
    title = "title"          # 某某儿童发展规划（2021—2030年） and its （征求意见稿） line
    preface = "preface"      # 前言
    chapter = "chapter"      # 一、… (also the misnumbered "2、 发展领域…"), 第一章…, 第一部分…
    section = "section"      # （一）…, 第一节… : a section, a domain or an implementation paragraph
    block = "block"          # 主要目标： / 策略措施： / （一）发展目标 / 1.主要任务
    item = "item"            # 1. 1．1、 （1） (1) ① 第一条
    sub_item = "sub_item"    # ——…
    text = "text"


class Style(str, Enum):
    """How a heading or item is numbered. Headings rank part > zhang > jie > cn > pcn."""

    none = ""
    part = "part"        # 第一部分
    zhang = "zhang"      # 第一章
    jie = "jie"          # 第一节
    cn = "cn"            # 一、 (and the misnumbered chapter "2、 发展领域…")
    pcn = "pcn"          # （一）
    num = "num"          # 1. 1． 1、
    pnum = "pnum"        # （1） (1)
    circled = "circled"  # ①
    article = "article"  # 第一条
    rnum = "rnum"        # 1）
    bullet = "bullet"    # ● ■ · - and ——: unnumbered, counted in order where they are a block's items


HEADING_RANK = {Style.part: 0, Style.zhang: 1, Style.jie: 2, Style.cn: 3, Style.pcn: 4}

# block headings: what a domain's targets or measures are called, numbered or not, colon or not
BLOCK_NAMES = (r"(?:主要|发展|具体|阶段性?|工作)?目标(?:任务)?|主要指标|(?:策略|工作|保障|主要|具体|重点|支持|推进)?措施"
               r"|(?:主要|重点|工作|具体)?任务|重点工程|重点项目|(?:主要|重点)举措|重点行动")
TARGET_BLOCK = re.compile(r"目标|指标")

RE_CHAPTER = re.compile(rf"^([{CN_NUM}]+)、\s*(.+)$")
# 一．指导思想, 一　指导思想 (a dot or a space typed for the 、): a chapter when the rest is a short heading
RE_CHAPTER_OTHER_MARK = re.compile(rf"^([{CN_NUM}]{{1,3}})(?:\s*[.．]|[ \u3000\t]+)\s*([\u4e00-\u9fff“].*)$")
RE_CHAPTER_MISNUMBERED = re.compile(r"^(\d{1,2})、\s*((?:指导思想|发展领域|主要目标|组织实施|监测评估|保障措施).*)$")
RE_PART = re.compile(rf"^第\s*([{CN_NUM_BIG}]+)\s*部分\s*(.*)$")
RE_ZHANG = re.compile(rf"^第\s*([{CN_NUM_BIG}]+)\s*章\s*(.*)$")
RE_JIE = re.compile(rf"^第\s*([{CN_NUM_BIG}]+)\s*节\s*(.*)$")
RE_ARTICLE = re.compile(rf"^第\s*([{CN_NUM_BIG}]+|\d{{1,3}})\s*条\s*(.*)$")
# （一） (一) and the 〔一〕 ［一］ some offices print
RE_SECTION = re.compile(rf"^[（(〔［]\s*([{CN_NUM}]+)\s*[)）〕］]\s*(.*)$")
RE_BLOCK = re.compile(rf"^(?:[（(〔［]\s*[{CN_NUM}]+\s*[)）〕］]|\d{{1,2}}\s*[.．、]|[{BULLET_MARKS}])?\s*【?\s*({BLOCK_NAMES})"
                      rf"\s*】?\s*[:：。]?\s*$")
# a block heading with its first item on the same line (主要目标：1.覆盖城乡…)
RE_BLOCK_LEAD = re.compile(rf"^【?\s*({BLOCK_NAMES})\s*】?\s*[:：]\s*(\S.*)$")
# 第一节 主要目标 / 第二节 策略措施 under a domain written as 第二章 儿童与健康 (other 第X节 are sections)
RE_JIE_BLOCK = re.compile(rf"^第\s*[{CN_NUM_BIG}]+\s*节\s*(主要目标|策略措施)\s*[:：]?\s*$")
# "8.6" is a number, but "8、6个月内…" is item 8 (、 is never inside a number) unless a list of numbers follows (1、2、3年级)
RE_ITEM = re.compile(r"^(\d{1,2})\s*(?:[.．](?![\d.．])|、(?![\d.．]{1,3}、))\s*(.*)$")
RE_PAREN_ITEM = re.compile(r"^[（(]\s*(\d{1,2})\s*[)）]\s*(.*)$")
RE_CIRCLED_ITEM = re.compile(r"^([\u2460-\u2473])\s*(.*)$")
RE_SUB_ITEM = re.compile(r"^(——|—{2})\s*(.*)$")
RE_RPAREN_ITEM = re.compile(r"^(\d{1,2})\s*[)）]\s*(.*)$")
# a bullet before the item's first word: ● ■ ◆ · • and a single - － – —
RE_BULLET = re.compile(rf"^(?:[{BULLET_MARKS}]|[-－–—](?!—))\s*([\u4e00-\u9fff“《（(].*)$")
RE_CONTENTS = re.compile(r"^目[\s\u3000]*录$")
RE_CONTENTS_LEADER = re.compile(r"^\S.{0,80}?(?:[.．…·_\-]\s*){4,}\s*\d{0,4}$")     # 一、指导思想……………1
RE_CONTENTS_PAGE = re.compile(r"^\S.{0,60}?[^\d\s.．、]\s+\d{1,4}$")                   # 一、指导思想 3
CONTENTS_MAX = 200
RE_PREFACE = re.compile(r"^前\s*言$")
# an annex after the plan's last chapter (附表：主要指标, 附件1 名词解释): a chapter of its own
RE_ANNEX = re.compile(r"^(附\s*[件表录]\s*[\d一二三四五六七八九十]*)\s*[:：]?\s*(.{0,40})$")
RE_TITLE = re.compile(r"^[^，。；：,;:]{2,40}(规划|纲要)\s*(?:[（(][^（）()]{1,16}[)）]\s*){0,2}$")   # （征求意见稿）（2021—2025年）
# a policy document's title: …关于加强…工作的实施意见 (never the notice 关于印发…的通知, which is no plan's title)
RE_POLICY_TITLE = re.compile(r"^[^，。；：,;:]{0,40}关于[^，。；：,;:]{2,60}的(?:实施意见|指导意见|意见|实施方案|工作方案|行动方案|"
                             r"方案|实施办法|办法|决定)\s*(?:[（(][^（）()]{1,16}[)）]\s*){0,2}$")
RE_TITLE_TAIL = re.compile(r"^[（(]\s*(\d{4}\s*[—–\-－~～至]+\s*\d{4}\s*年?|征求意见稿|草案|试行)\s*[)）]$")
SENTENCE_END = tuple("。！？；：!?;:")
# the month a cover page is dated (二〇二一年十二月): no part of the title under it
RE_MONTH = re.compile(rf"^[（(]?\s*((?:19|20)\d{{2}}|[二一][{YEAR_DIGITS}]{{3}})\s*年\s*(\d{{1,2}}|[一二三四五六七八九十]{{1,3}})\s*月\s*[)）]?$")
CAPTION_MAX = 40          # longest line read as a table's caption
STRUCTURE_MAX = 40       # longest line whose structure is read with traditional characters simplified


def cn_to_int(numeral: str) -> int:
    """一 → 1, 十 → 10, 十一 → 11, 二十三 → 23, 一百零五 → 105; arabic digits pass through."""
    if numeral.isdigit():
        return int(numeral)
    values = {c: i + 1 for i, c in enumerate(CN_NUM)} | {"两": 2, "零": 0, "〇": 0}
    if "百" in numeral:
        hundreds, _, rest = numeral.partition("百")
        rest = rest.lstrip("零〇")
        return (values[hundreds] if hundreds else 1) * 100 + (cn_to_int(rest) if rest else 0)
    if numeral == "十":
        return 10
    if "十" in numeral:
        tens, _, ones = numeral.partition("十")
        return (values[tens] if tens else 1) * 10 + (values[ones] if ones else 0)
    return values[numeral]


@dataclass
class Line:
    number: int          # 1-based line number in the source file
    raw: str
    text: str            # cleaned: artifacts removed, wording kept
    type: LineType
    marker: str = ""     # the numeral / number of chapter, section or item
    body: str = ""       # the text after the marker
    at: SourceLine | None = None   # where the reader found it (page, paragraph, line)
    style: Style = Style.none      # how the chapter, section or item is numbered

    @property
    def value(self) -> int | None:
        """The marker as a number: 一 → 1, （3） → 3, ④ → 4, 第十二条 → 12."""
        if not self.marker:
            return None
        if self.style is Style.circled:
            return ord(self.marker) - 0x2460 + 1
        return cn_to_int(self.marker)


# a heading numbered in capital numerals (壹、 （贰）), as some offices number chapters: read as 一、 （二）
RE_CAPS_MARKER = re.compile(r"^([（(]?\s*)([壹贰叁肆伍陆柒捌玖拾]{1,3})(?=\s*[、）)．.])")
CAPS_TO_NUM = str.maketrans("壹贰叁肆伍陆柒捌玖拾", "一二三四五六七八九十")


def structural(text: str) -> str:
    """The text the line's structure is read from: a short line (every heading is one) with its traditional
    characters simplified, so that 主要目標： and （二）兒童與安全 are a block and a domain like their simplified
    forms, and a number in capital numerals read as the usual one (叁、 as 三、). Longer lines, and any whose
    simplified form changes length, are read as written."""
    if m := RE_CAPS_MARKER.match(text):
        text = m.group(1) + m.group(2).translate(CAPS_TO_NUM) + text[m.end():]
    if len(text) > STRUCTURE_MAX:
        return text
    simple = to_simplified(text)
    return simple if len(simple) == len(text) else text


def classify(number: int, raw: str) -> Line:
    """A cleaned line with its type, numbering and body. Headings (chapters, sections, blocks) take their body
    from the simplified `structural` text, since it names a domain or a block; every other line keeps its
    wording as written."""
    text = clean_line(raw)
    if not text:
        return Line(number, raw, "", LineType.blank)
    if raw.startswith("\t"):
        return Line(number, raw, text, LineType.table, body=text)
    probe = structural(text)

    def written(m: re.Match, group: int) -> str:      # a group as the line writes it
        return text[m.start(group):m.end(group)]

    if RE_TITLE.match(probe) or RE_TITLE_TAIL.match(probe) or RE_POLICY_TITLE.match(probe):
        return Line(number, raw, text, LineType.title, body=text)
    if RE_PREFACE.match(probe):
        return Line(number, raw, text, LineType.preface, body="前言")
    if (m := RE_ANNEX.match(probe)) and not m.group(2).endswith(SENTENCE_END):
        return Line(number, raw, text, LineType.chapter, "", (m.group(2) or m.group(1)).strip(), style=Style.cn)
    for pattern, style in ((RE_PART, Style.part), (RE_ZHANG, Style.zhang)):
        if m := pattern.match(probe):
            return Line(number, raw, text, LineType.chapter, m.group(1), m.group(2).strip(), style=style)
    if m := RE_JIE_BLOCK.match(probe):
        return Line(number, raw, text, LineType.block, body=m.group(1))
    if m := RE_JIE.match(probe):
        return Line(number, raw, text, LineType.section, m.group(1), m.group(2).strip(), style=Style.jie)
    if m := RE_ARTICLE.match(probe):
        return Line(number, raw, text, LineType.item, m.group(1), written(m, 2).strip(), style=Style.article)
    if m := RE_BLOCK.match(probe):
        return Line(number, raw, text, LineType.block, body=m.group(1))
    for pattern in (RE_CHAPTER, RE_CHAPTER_MISNUMBERED):
        if m := pattern.match(probe):
            return Line(number, raw, text, LineType.chapter, m.group(1), m.group(2).strip(), style=Style.cn)
    if (m := RE_CHAPTER_OTHER_MARK.match(probe)) and _heading_like(m.group(2).strip()):
        return Line(number, raw, text, LineType.chapter, m.group(1), m.group(2).strip(), style=Style.cn)
    if m := RE_SECTION.match(probe):
        return Line(number, raw, text, LineType.section, m.group(1), m.group(2).strip(), style=Style.pcn)
    if m := RE_SUB_ITEM.match(probe) or RE_BULLET.match(probe):
        return Line(number, raw, text, LineType.sub_item, body=written(m, m.lastindex), style=Style.bullet)
    for pattern, style in ((RE_ITEM, Style.num), (RE_PAREN_ITEM, Style.pnum), (RE_CIRCLED_ITEM, Style.circled),
                           (RE_RPAREN_ITEM, Style.rnum)):
        if m := pattern.match(probe):
            return Line(number, raw, text, LineType.item, m.group(1), written(m, 2).strip(), style=style)
    return Line(number, raw, text, LineType.text, body=text)


def read_text(path: Path) -> str:
    """A plain-text plan file's text: UTF-8 (BOM tolerated), else GB18030."""
    from indexer.readers.txt import decode_text

    return decode_text(path.read_bytes(), path.name)


def _blank_contents(lines: list[Line]) -> None:
    """A table of contents typed into the document (目录, then 一、指导思想……1 / （一）儿童与健康 11 …): its lines
    are no heading and no passage. Entries follow a 目录 line, or run three or more with dot leaders; a 目录 line is
    never the plan's text, with its entries or without."""
    i = 0
    while i < len(lines):
        heading = RE_CONTENTS.match(lines[i].text) is not None
        entries, j = [], i + 1 if heading else i
        while j < len(lines) and len(entries) < CONTENTS_MAX:
            text = lines[j].text
            if lines[j].type is LineType.blank:
                j += 1
                continue
            if not (RE_CONTENTS_LEADER.match(text) or heading and RE_CONTENTS_PAGE.match(text)):
                break
            entries.append(lines[j])
            j += 1
        if heading or len(entries) >= 3:      # (a 目录 line alone: a Word file whose entries, a field, were left out)
            for line in ([lines[i]] if heading else []) + entries:
                line.type, line.body = LineType.blank, ""
            i = j
        else:
            i += 1


# headings numbered the decimal way (GB/T 1.1): 2 发展领域… / 2.1 儿童与健康 / 2.1.1 主要目标 or 2.1.1 an item
RE_DEC_TOP = re.compile(r"^(\d{1,2})(?:\s*[.．、])?\s*([^\d\s.．、].{0,38})$")
RE_DEC_2 = re.compile(r"^(\d{1,2})[.．](\d{1,2})(?![.．]?\d)\s*([^\d\s].*)$")
RE_DEC_3 = re.compile(r"^(\d{1,2})[.．](\d{1,2})[.．](\d{1,2})(?![.．]?\d)\s*([^\d\s].*)$")
HEADING_MAX = 40
# what follows a number, not a heading's words (5.5岁以下儿童…, 3.2‰以下, 2.5张)
RE_UNIT_START = re.compile(r"^[岁‰%％万亿个张倍米次项]")


def _heading_like(text: str) -> bool:
    """Short, and no sentence before its end (2.1 儿童与健康。 is a heading; 2.1 加强领导。健全… is not)."""
    return len(text) <= HEADING_MAX and not any(c in SENTENCE_END for c in text.rstrip("。.")[:-1])


def _decimal_headings(lines: list[Line]) -> None:
    """A document numbered 1 / 1.1 / 1.1.1: its 1.1 lines are sections, the short line "N …" right above N.1 a
    chapter, and N.M.K a block when it names one, else an item. Read only where two or more short 1.1 headings
    exist, so a stray decimal in other plans changes nothing."""
    seconds = [(m, ln) for ln in lines if ln.type is LineType.text and (m := RE_DEC_2.match(ln.text))
               and not RE_UNIT_START.match(m.group(3))]
    headings = {(m.group(1), m.group(2)) for m, ln in seconds if _heading_like(ln.text)}
    if not any((top, "1") in headings and (top, "2") in headings for top, _ in headings):
        return        # 5.5岁以下… and 7.3岁以下…: two targets that begin with a number, not headings 5.1 and 5.2
    tops = {m.group(1) for m, _ in seconds}
    for m, line in seconds:
        line.type, line.style, line.marker, line.body = LineType.section, Style.pcn, m.group(2), m.group(3).strip()
    # a chapter "2 发展领域…" is the last line before 2.1 that reads so (an item "2.预防…" inside 1.3 or 2.1 is not)
    first_section: str | None = None          # N when the next 1.1-style heading below is N.1
    for line in reversed(lines):
        text = line.text
        if line.type is LineType.section and line.style is Style.pcn and (m := RE_DEC_2.match(text)):
            first_section = m.group(1) if m.group(2) == "1" else None
        elif line.type in (LineType.text, LineType.item) and (m := RE_DEC_3.match(text)) and m.group(1) in tops:
            body = m.group(4).strip()
            if block := RE_BLOCK.match(structural(body)):
                line.type, line.style, line.marker, line.body = LineType.block, Style.none, "", block.group(1)
            else:
                line.type, line.style, line.marker, line.body = LineType.item, Style.num, m.group(3), body
        elif line.type in (LineType.text, LineType.item) and _heading_like(text) \
                and (m := RE_DEC_TOP.match(text)) and m.group(1) == first_section:
            line.type, line.style, line.marker, line.body = LineType.chapter, Style.cn, m.group(1), \
                m.group(2).strip()
            first_section = None


HEADINGS = (LineType.title, LineType.preface, LineType.chapter, LineType.section, LineType.block)
JOINERS = tuple("与和及、的之或暨")       # a heading cut after one of these goes on on the next line (儿童与⏎福利)
FRAGMENT_MAX = 20                          # longest piece read as the rest of a cut heading or title
TITLE_MAX = 40                             # longest piece read as the head of a cut title
WRAP_MIN = 16                              # narrowest line width read as a hard wrap
WRAP_SHARE = 0.4                           # share of the longer lines that must have that width
WRAP_LINES = 20


def _wrap_width(lines: list[Line]) -> int | None:
    """The width a plain-text file was hard-wrapped at (text pasted from a PDF: 28 characters a line, sentences
    cut anywhere), or None: the most common length among the longer lines, when enough of them have it."""
    lengths = [len(ln.text) for ln in lines if ln.type is not LineType.blank and len(ln.text) >= WRAP_MIN - 4]
    if len(lengths) < WRAP_LINES:
        return None
    counts: dict[int, int] = {}
    for n in lengths:
        counts[n] = counts.get(n, 0) + 1
    width = max(counts, key=lambda n: (counts[n] + counts.get(n - 1, 0), n))
    near = counts[width] + counts.get(width - 1, 0)
    return width if width >= WRAP_MIN and near >= WRAP_LINES and near >= WRAP_SHARE * len(lengths) else None


PIECE_MAX = 6             # longest piece read as the end of a heading wrapped onto a line of its own


def _heading_follows(lines: list[Line], i: int) -> bool:
    """Is the next line after lines[i] that is not blank a heading, block or item?"""
    nxt = next((ln for ln in lines[i + 1:] if ln.type is not LineType.blank), None)
    return nxt is not None and nxt.type in (*HEADINGS, LineType.item)


def _title_head(line: Line) -> bool:
    """The first piece of a title cut in two (乡宁县儿童发展⏎“十四五”规划, 第十三师新星市儿童发展规划（2021—⏎2030年）):
    no longer than a title, no punctuation, no sign-off, document number, cover date (二〇二一年十二月) or 目录."""
    return line.type is LineType.text and len(line.text) <= TITLE_MAX and not re.search(r"[，。；：、,;:!?！？]", line.text) \
        and not is_sign_off(line.text) and not is_doc_number(line.text) and not RE_MONTH.match(line.text.replace(" ", "")) \
        and not RE_CONTENTS.match(line.text)       # 目录 whose entries Word keeps in a field the reader leaves out


def _join_cut_lines(lines: list[Line], fmt: str) -> None:
    """Lines that go on from the line before read as its words, not by their look: a sentence cut by a manual
    line break inside one Word paragraph, or by the hard wrap of a text pasted from a PDF ("5.3‰和6.5‰以下…" is no
    heading and "…共同参与的规划" no title there); a heading cut after 与/和 (（四）儿童与⏎福利) and a title cut
    before its end (乡宁县儿童发展⏎“十四五”规划) are joined into one line."""
    width = _wrap_width(lines) if fmt == "txt" else None
    prev: Line | None = None
    at = -1                                     # prev's place in `lines`
    for i, line in enumerate(lines):
        if line.type is LineType.blank or line.type is LineType.table or prev is None:
            at = i
            prev = None if line.type in (LineType.blank, LineType.table) else line
            continue
        if line.type is LineType.title and prev.type in (LineType.text, LineType.item, LineType.sub_item) \
                and len(prev.text) > FRAGMENT_MAX and not prev.text.endswith(SENTENCE_END):
            line.type = LineType.text          # "…坚持完⏎善党委领导、…共同参与的规划": a sentence going on
            prev, at = line, i
            continue
        if _title_head(prev) and (line.type is LineType.title or line.type is LineType.text
                                  and len(line.text) <= FRAGMENT_MAX and not line.text.endswith(SENTENCE_END)) \
                and RE_TITLE.match(structural(prev.text + line.text)):
            prev.type, prev.text = LineType.title, prev.text + line.text
            prev.body = prev.text
            line.type, line.body = LineType.blank, ""
            continue
        if prev.type in HEADINGS:
            # cut after 与/和, or a piece of a few characters between the heading and the next one (一、指导思想、基本
            # 原则和总⏎体目标⏎（一）指导思想: a heading wrapped in a narrow column)
            sandwiched = len(line.text) <= PIECE_MAX and _heading_follows(lines, i)
            if (prev.text.endswith(JOINERS) or sandwiched) and line.type is LineType.text \
                    and len(line.text) <= FRAGMENT_MAX and not line.text.endswith(SENTENCE_END) \
                    and not re.search(r"[，。；：,;:]", line.text) and prev.type is not LineType.title:
                joined = classify(prev.number, prev.raw + line.raw)
                if joined.type is prev.type:
                    joined.at = prev.at
                    lines[at] = joined
                    line.type, line.body = LineType.blank, ""
                    prev = joined
                    continue
        elif not prev.text.endswith(SENTENCE_END) and line.type is not LineType.sub_item and (
                fmt in ("docx", "doc") and prev.at is not None and line.at is not None
                and prev.at.paragraph is not None and prev.at.paragraph == line.at.paragraph
                or width is not None and width - 1 <= len(prev.text) <= width + 1):
            line.type, line.marker, line.body, line.style = LineType.text, "", line.text, Style.none
        prev, at = line, i


def _split_block_leads(lines: list[Line]) -> list[Line]:
    """A block heading with its first item on the same line (主要目标：1.覆盖城乡…) is the heading and the item."""
    out = []
    for line in lines:
        if line.type is LineType.text and (m := RE_BLOCK_LEAD.match(structural(line.text))):
            rest = classify(line.number, line.text[m.start(2):])
            if rest.type in (LineType.item, LineType.sub_item):
                block = Line(line.number, line.raw, line.text[:m.start(2)].strip(), LineType.block, body=m.group(1))
                block.at = rest.at = line.at
                out += [block, rest]
                continue
        out.append(line)
    return out


def lines_of(document: Document) -> list[Line]:
    """Classify a document's lines; `number` is the line's place in the document (1-based). A table's caption
    (表1 儿童健康主要指标: a short line without a sentence's end, right before the table) and a typed table of
    contents are no passage's text."""
    out = []
    for i, source in enumerate(document.lines, start=1):
        line = classify(i, source.text)
        line.at = source
        out.append(line)
    _blank_contents(out)
    out = _split_block_leads(out)
    _join_cut_lines(out, document.format)
    _decimal_headings(out)
    following = None                    # the type of the next line that is not blank
    for line in reversed(out):
        if following is LineType.table and line.type is LineType.text and len(line.text) <= CAPTION_MAX \
                and not line.text.endswith(SENTENCE_END):
            line.type, line.body = LineType.blank, ""
        if line.type is not LineType.blank:
            following = line.type
    return out


def read_lines(path: Path) -> list[Line]:
    """Read a plan file of any supported format into classified lines."""
    return lines_of(read_document(path))


@dataclass
class Paragraph:
    """Consecutive lines that form one paragraph: a sentence broken across lines is joined here."""

    first: Line
    lines: list[Line] = field(default_factory=list)

    @property
    def type(self) -> LineType:
        return self.first.type

    @property
    def line_start(self) -> int:
        return self.lines[0].number

    @property
    def line_end(self) -> int:
        return self.lines[-1].number

    @property
    def body(self) -> str:
        """The paragraph's wording after its marker, broken lines joined."""
        parts = [self.first.body] + [line.text for line in self.lines[1:]]
        return join_broken(parts)

    def is_open(self) -> bool:
        """Can the next plain line continue this paragraph (a sentence cut by a line break)?"""
        if self.type not in (LineType.item, LineType.sub_item, LineType.text, LineType.section):
            return False
        last = self.lines[-1].text
        if last.endswith(SENTENCE_END):
            return False
        if self.type is LineType.section and len(self.body) < 20:
            return False   # a heading such as （一）儿童与健康
        if self.type is LineType.text and len(self.lines) == 1 and len(last) < 20:
            return False   # a short heading-like line (titles, 前言, signatures)
        return True


def join_broken(parts: list[str]) -> str:
    """Join pieces of one sentence: no space in Chinese, one space between Latin words."""
    out = ""
    for part in parts:
        if out and part and out[-1].isascii() and out[-1].isalnum() and part[0].isascii() and part[0].isalpha():
            out += " "
        out += part
    return out


def paragraphs(lines: list[Line]) -> list[Paragraph]:
    """Group lines into paragraphs; blank lines and table cells never join anything. A table row (its cells,
    up to the blank line that ends it) is a paragraph of its own."""
    result: list[Paragraph] = []
    current: Paragraph | None = None
    row: Paragraph | None = None
    for line in lines:
        if line.type is LineType.table:
            current = None       # a table interrupts any paragraph
            if row is None:
                row = Paragraph(line, [])
                result.append(row)
            row.lines.append(line)
            continue
        row = None
        if line.type is LineType.blank:
            continue
        if line.type is LineType.text and current is not None and current.is_open():
            current.lines.append(line)
            continue
        current = Paragraph(line, [line])
        result.append(current)
    return result
