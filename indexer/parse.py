"""Recognise a plan's structure and cut it into measure-level passages.

Headings nest by how they are numbered (第一部分 > 第一章 > 第一节 > 一、 > （一）) and by block names
(主要目标 / 策略措施 / 发展目标 / 主要任务 …); the top level is the plan's chapters. A domain is a heading
inside the chapter that holds the development areas or tasks, or a heading that holds target and measure
blocks itself (一、儿童与健康 → （一）主要目标 → （二）策略措施). Numbered items (1. 1、 （1） ① 第一条, or
（一）… paragraphs) become passages where the headings above say what they are (目标/指标 → target,
任务/措施/举措/工程/行动 → measure, 组织实施/监测评估/保障措施 → implementation); elsewhere a heading's
text and items make one overview passage. Deeper numbering stays inside its item, as do "——" sub-items.
Parsing knows nothing about search."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.lines import (HEADING_RANK, RE_ANNEX, TARGET_BLOCK, Line, LineType, Paragraph, Style, cn_to_int, is_doc_number,
                           is_sign_off, join_broken, paragraphs)
from plansearch.records import IndicatorRow, Kind, ParsedPlan, Passage, PlanMeta, SourceSpan

OVERVIEW_SLUGS = {"前言": "preface", "指导思想": "guiding", "基本原则": "principles", "总体目标": "goals"}
# "5.5岁以下儿童贫血率…": item 5 whose text starts with a digit, which the line classifier cannot tell from 5.5
RE_ITEM_BEFORE_DIGIT = re.compile(r"^(\d{1,2})[.．](\d.*)$")
# a box set apart in the text (专栏1 儿童安全重点工程), its own projects numbered 1. 2. … inside a block of measures
RE_BOX = re.compile(r"^专栏\s*(\d{1,2}|[一二三四五六七八九十]{1,3})(?=\s|[:：、.．]|[\u4e00-\u9fff])")
TITLE_MAX = 40
# a plan's last passage ending in a character or digit, as no sentence of a plan ends (…毛入园率达到9, …加强)
RE_CUT_SHORT = re.compile(r"[\u4e00-\u9fff0-9０-９、，,]$")
HEADING_MAX = 40             # a longer numbered line is a paragraph, not a heading
ITEM_MAX_CHARS = 3000        # an item longer than this is probably several items run together
# what a heading's words say about the passages under it
RE_OVERVIEW_WORDS = re.compile(r"前\s*言|总则|附则|指导思想|基本原则|总体目标|总体要求|发展基础|发展环境|形势|背景|现状|主要成就")
RE_TARGET_WORDS = re.compile(r"目标|指标")
RE_MEASURE_WORDS = re.compile(r"任务|措施|举措|工程|行动")
RE_IMPLEMENTATION_WORDS = re.compile(r"组织实施|监测评估|保障措施|实施保障|组织保障")
# an indicator table's header cells
TABLE_HEADER_MAX = 12
RE_VALUE_HEADER = re.compile(r"(?:19|20)\d\d|值$")
RE_REQUIREMENT_HEADER = re.compile(r"(?:指标|目标)要求$")     # 指标要求: the value, where no column names a year or 值
RE_INDICATOR_HEADER = re.compile(r"(?:主要|具体)?目标")
RE_BASELINE_HEADER = re.compile(r"现状|基期|基线|基准|现值|现有")
RE_DOMAIN_HEADER = re.compile(r"(?:发展)?领域|类别|分类|类型|方面")
RE_ATTRIBUTE_HEADER = re.compile(r"(?:指标|目标)?(?:属性|性质)")
RE_UNIT_HEADER = re.compile(r"(?:计量)?单位")
RE_UNIT_WRITTEN = re.compile(r"[（(][^（）()]{1,8}[)）]\s*$")      # 婴儿死亡率（‰）: the name gives its unit
PASSAGE_KINDS = (Kind.target, Kind.measure, Kind.implementation)
LETTERS = {Kind.target: "t", Kind.measure: "m", Kind.implementation: "p", Kind.overview: "p"}


@dataclass
class TableColumns:
    """Where an indicator table keeps each field (None: no such column)."""

    indicator: int
    value: int
    domain: int | None = None
    attribute: int | None = None
    values: tuple[int, ...] = ()      # every column named a target (2025年目标, 2030年目标); `value` is the last
    unit: int | None = None           # 单位: the unit of the values, where the indicator's name does not give it

    def name(self, cells: list[str]) -> str:
        """The row's indicator with the unit its 单位 column gives, as tables write it in the name (婴儿死亡率（‰）)."""
        name = cells[self.indicator]
        unit = cells[self.unit].strip() if self.unit is not None and self.unit < len(cells) else ""
        if not unit or unit in "-—－/／" or RE_UNIT_WRITTEN.search(name):
            return name
        return f"{name.rstrip()}（{unit}）"


def table_columns(cells: list[str]) -> TableColumns | None:
    """The columns an indicator table's header row names, or None when `cells` is no header: a cell naming the
    indicator (指标, 指标名称, 主要目标) and one naming its target (目标值, 2025年目标, 2030年, else 指标要求); the target is
    the last such column that is not a baseline (2020年现状, 基期值). 领域 / 类别 and 属性 / 目标属性 are read when present."""
    indicator = value = domain = attribute = requirement = unit = None
    values: list[int] = []
    years: list[int] = []
    for i, cell in enumerate(cells):
        cell = cell.replace(" ", "")
        if not cell or len(cell) > TABLE_HEADER_MAX:
            continue
        if RE_BASELINE_HEADER.search(cell):
            continue
        if RE_ATTRIBUTE_HEADER.fullmatch(cell):
            attribute = i
        elif RE_UNIT_HEADER.fullmatch(cell):
            unit = i
        elif RE_DOMAIN_HEADER.fullmatch(cell):
            domain = i
        elif RE_VALUE_HEADER.search(cell):
            value = i
            if "目标" in cell:        # 2025年目标 | 2030年目标
                values.append(i)
            elif re.fullmatch(r"(?:19|20)\d\d年?(?:底|末)?", cell):
                years.append(i)       # a bare 2020年 | 2025年 | 2030年: each its year's value (the plan's period
                                      # tells a base year from a target: `extract_indicators`)
        elif RE_REQUIREMENT_HEADER.search(cell):
            requirement = i
        elif "指标" in cell and (indicator is None or "指标" not in cells[indicator]) \
                or indicator is None and RE_INDICATOR_HEADER.fullmatch(cell):
            indicator = i             # 指标 over 主要目标 where a table has both (序号 | 主要目标 | 指标 | 2025年目标)
    value = requirement if value is None else value
    if indicator is None or value is None:
        return None
    if not values and len(years) > 1:
        values = years
    return TableColumns(indicator, value, domain, attribute, tuple(values), unit)


def stacked_header(above: list[str] | None, cells: list[str]) -> tuple[list[str], TableColumns | None]:
    """A header row read with the header row right above it, if any (目标值 over 2025年 | 2030年: 目标值2025年)."""
    own = table_columns(cells)
    if own is not None and above and len(above) == len(cells):
        stacked = [a if a == c else a + c for a, c in zip(above, cells)]
        if (found := table_columns(stacked)) is not None:
            return stacked, found
    return cells, own


def _milestone(header: str) -> str:
    """What a target column's value is for: its year (目标值2025年, 2025年目标 → 2025年), else its header."""
    year = re.search(r"(?:19|20)\d\d", header)
    return f"{year.group()}年" if year else header.strip().rstrip("：:")


def _run_in_head(body: str) -> str:
    """The heading a numbered paragraph opens with, when it runs on into its text (工作目标。到2025年… → 工作目标)."""
    m = re.match(r"\s*([^。：:，,；;]{2,12})[。：:]", body or "")
    return m.group(1) if m else ""


def words_kind(name: str) -> Kind | None:
    """What a heading's words say the passages under it are; None when they say nothing or both."""
    if RE_OVERVIEW_WORDS.search(name):
        return Kind.overview
    target, measure = bool(RE_TARGET_WORDS.search(name)), bool(RE_MEASURE_WORDS.search(name))
    if target != measure:
        return Kind.target if target else Kind.measure
    return None


@dataclass
class _Heading:
    """An open heading: a chapter, domain, block or sub-heading, as written."""

    rank: float
    text: str                 # the line as written, trailing punctuation dropped
    name: str                 # the words after the number
    role: str                 # chapter | domain | block | sub | preface
    number: int | None = None
    sub: int = 0              # for sub-headings: their count within the domain (or chapter)
    kind: Kind | None = None  # for blocks


@dataclass
class _Unit:
    """A passage being assembled."""

    kind: Kind
    id: str
    chapter: str
    domain: str | None
    number: int | None
    paragraphs: list[Paragraph] = field(default_factory=list)
    heading: str | None = None       # section name for overviews and heading passages: the title
    first_body: str | None = None    # the item's own text after its number
    section: list[str] = field(default_factory=list)

    def texts(self) -> list[str]:
        out = []
        for i, para in enumerate(self.paragraphs):
            if i == 0 and self.first_body is not None:
                out.append(join_broken([self.first_body] + [ln.text for ln in para.lines[1:]]))
            elif para.type in (LineType.item, LineType.section):
                out.append(join_broken([ln.text for ln in para.lines]))
            else:
                out.append(para.body if para.type is LineType.text else join_broken([ln.text for ln in para.lines]))
        return [t for t in out if t]


def leading_sentence(text: str) -> tuple[str | None, bool]:
    """The short title sentence a measure starts with ("预防和控制儿童溺水。…"), and whether more follows."""
    first_line = text.split("\n", 1)[0]
    m = re.match(r"^(.{2,%d}?)[。；]" % TITLE_MAX, first_line)
    if not m:
        return None, False
    rest = text[m.end():].strip()
    return m.group(1).strip(), bool(rest)


def heading_name(para: Paragraph) -> str:
    return para.first.body.rstrip("。.：:").strip()


def heading_rank(para: Paragraph) -> float | None:
    """The nesting rank of a heading paragraph; None for anything else (blocks rank by context)."""
    line = para.first
    if para.type not in (LineType.chapter, LineType.section) or len(para.lines) != 1:
        return None
    name = heading_name(para)
    if not name or len(name) > HEADING_MAX or re.search(r"[。；！？;!?]", name):
        return None                  # （一）坚持党的全面领导。坚持… is a numbered paragraph
    return HEADING_RANK.get(line.style)


def outline(paras: list[Paragraph]) -> tuple[list[float | None], float | None, set[int]]:
    """Each paragraph's heading rank, the plan's chapter rank, and the headings that hold two or more
    target/measure blocks themselves (domains written as 一、儿童与健康 → 主要目标 → 策略措施)."""
    ranks = [heading_rank(p) for p in paras]
    top = min((r for r in ranks if r is not None), default=None)
    stack: list[tuple[float, int]] = []
    blocks: dict[int, int] = {}
    for i, (para, rank) in enumerate(zip(paras, ranks)):
        if rank is not None:
            while stack and stack[-1][0] >= rank:
                stack.pop()
            stack.append((rank, i))
        elif para.type is LineType.block and stack:
            blocks[stack[-1][1]] = blocks.get(stack[-1][1], 0) + 1
    return ranks, top, {i for i, n in blocks.items() if n >= 2}


class _PlanParser:
    def __init__(self, meta: PlanMeta, lines: list[Line]):
        self.meta = meta
        self.lines = lines
        self.units: list[_Unit] = []
        self.domains: list[str] = []
        self.table: list[IndicatorRow] = []
        self.table_header: tuple[list[str], TableColumns] | None = None   # the table being read: header, columns
        self.header_last = False            # the last table row read was a header row
        self.warnings: list[str] = []
        self.chapter = ""
        self.chapter_no = 0
        self.chapter_role = "front"      # front | overview | domains | implementation | other
        self.stack: list[_Heading] = []
        self.current: _Unit | None = None
        self.item_style: Style | None = None   # the numbering of the passages in the open container
        self.last_number: int | None = None    # of the previous passage-level item in the container
        self.last_article: int | None = None   # 第N条 count on across chapters
        self.sub_count = 0
        self.title_parts: list[str] = []
        self.items_seen = 0
        self.box: _Unit | None = None           # the open 专栏: its numbered lines are its own, not the block's
        self.box_last: int | None = None        # the number of the box's own last item
        self.item_mark = ""                     # what follows the number of the block's items (. ． 、)

    # -- where we are ------------------------------------------------------------------------
    @property
    def domain(self) -> str | None:
        return next((h.name for h in self.stack if h.role == "domain"), None)

    @property
    def block(self) -> Kind | None:
        return next((h.kind for h in reversed(self.stack) if h.role == "block"), None)

    def _domain_no(self) -> int:
        return len(self.domains)

    def _sub(self) -> _Heading | None:
        return next((h for h in reversed(self.stack) if h.role == "sub"), None)

    def _scope(self) -> str:
        """The id prefix of passages here: d2 (domain 2), c3 (chapter 3), then -s4 under sub-heading 4."""
        base = f"d{self._domain_no()}" if self.domain is not None else f"c{self.chapter_no}"
        sub = self._sub()
        return f"{self.meta.id}-{base}" + (f"-s{sub.sub}" if sub else "")

    def _section(self) -> list[str]:
        return [h.text for h in self.stack]

    def _item_kind(self) -> Kind | None:
        """What a numbered item here is: the nearest block, else the nearest heading whose words say."""
        if self.chapter_role == "implementation":
            return Kind.implementation
        if self.chapter_role == "annex":
            return Kind.overview
        for heading in reversed(self.stack):
            if heading.role == "block":
                return heading.kind
            if heading.role == "chapter" and self.chapter_role == "overview":
                return Kind.overview
            kind = words_kind(heading.name)
            if kind is not None:
                return kind
        return None

    def _where(self) -> str:
        return " / ".join(self._section()[-2:]) or "plan start"

    # -- helpers ---------------------------------------------------------------------------
    def _start(self, kind: Kind, id_: str, number: int | None, para: Paragraph, heading: str | None = None,
               first_body: str | None = None, domain: str | None = None) -> _Unit:
        unit = _Unit(kind, id_, self.chapter, domain, number, [para], heading, first_body, self._section())
        self.units.append(unit)
        self.current = unit
        return unit

    def _section_unit(self, name: str, para: Paragraph) -> _Unit:
        slug = OVERVIEW_SLUGS.get(name, f"s{len(self.units) + 1}")
        return self._start(Kind.overview, f"{self.meta.id}-ov-{slug}", None, para, heading=name)

    def _open(self, heading: _Heading) -> None:
        while self.stack and self.stack[-1].rank >= heading.rank:
            self.stack.pop()
        self.stack.append(heading)
        self.current = None
        self.item_style = None
        self.last_number = None
        self.table_header = None
        self.box = None
        self.item_mark = ""

    # -- main loop -------------------------------------------------------------------------
    def parse(self) -> ParsedPlan:
        self._parse_table()
        paras = paragraphs(self.lines)
        while len(paras) > 1 and all(is_sign_off(line.text) for line in paras[-1].lines):
            paras.pop()          # the office and date signed under the plan: its details, not its text
        ranks, self.top, holders = outline(paras)
        for i, (para, rank) in enumerate(zip(paras, ranks)):
            if rank is not None:
                self._on_heading(para, rank, i in holders)
            elif para.type in (LineType.chapter, LineType.section):
                self._on_item(para)          # a numbered paragraph: （一）落实规划实施责任。…
            elif not self.units and len(para.lines) == 1 and is_doc_number(para.first.text):
                continue                     # the document number under the title: a detail, not text
            else:
                getattr(self, f"_on_{para.type.value}")(para)
        passages = self._finish()
        self._check_plan(passages)
        return ParsedPlan(meta=self.meta, domains=list(self.domains), passages=passages,
                          indicator_table=self.table, warnings=self.warnings)

    def _on_title(self, para: Paragraph) -> None:
        if self.chapter_role == "front" and not self.units:
            self.title_parts.append(para.first.text)
        else:
            self._on_text(para)

    def _on_preface(self, para: Paragraph) -> None:
        self._open(_Heading(self.top if self.top is not None else 0, "前言", "前言", "preface"))
        self._section_unit("前言", para)
        self.current.paragraphs.clear()

    def _on_heading(self, para: Paragraph, rank: float, holds_blocks: bool) -> None:
        text = para.first.text.rstrip("。.：:").strip()
        name = heading_name(para)
        if rank == self.top:
            self._on_chapter(para, text, holds_blocks)
            return
        if self.chapter_role == "implementation":
            self._on_item(para, heading=name)            # 第一节 加强组织领导 / （一）… : one passage each
            return
        heading = _Heading(rank, text, name, "sub", para.first.value)
        self._open(heading)
        in_domains = self.chapter_role == "domains" and [h.role for h in self.stack] == ["chapter", "sub"]
        if (in_domains or holds_blocks) and self.domain is None:
            heading.role = "domain"
            self._add_domain(name, para)
            self.sub_count = 0
            return
        self.sub_count += 1
        heading.sub = self.sub_count
        kind = self._item_kind()
        if kind in (Kind.target, Kind.measure):
            self._start(kind, self._scope(), heading.number, para, heading=name, domain=self.domain)
        else:
            self._section_unit(name, para)
        self.current.paragraphs.clear()

    def _add_domain(self, name: str, para: Paragraph) -> None:
        if name in self.domains:          # an edit that pasted a domain in twice: both are read, and said
            self.warnings.append(f"line {para.line_start}: domain '{name}' appears a second time (domain "
                                 f"{self.domains.index(name) + 1} and {len(self.domains) + 1}); check which copy is meant")
        self.domains.append(name)

    def _on_chapter(self, para: Paragraph, text: str, holds_blocks: bool) -> None:
        self.chapter_no += 1
        name = para.first.body.rstrip("。.")
        self.chapter = name
        self._open(_Heading(self.top, text, name, "chapter", para.first.value))
        self.sub_count = 0
        if self.chapter_role == "annex" or RE_ANNEX.match(para.first.text):
            # 附件1 重点任务分工, and every chapter after it: the annexes' text is overview, not the plan's domains
            self.chapter_role = "annex"
        elif holds_blocks:               # 一、儿童与健康 → 主要目标 → 策略措施: the chapter is a domain
            self.chapter_role = "domains"
            self.stack[-1].role = "domain"
            self._add_domain(name.rstrip("：:").strip(), para)
            self.stack[-1].name = self.domains[-1]
        elif "发展领域" in name or "策略措施" in name:
            self.chapter_role = "domains"
        elif RE_IMPLEMENTATION_WORDS.search(name):
            self.chapter_role = "implementation"
        elif "指导思想" in name or "总体目标" in name or "基本原则" in name:
            self.chapter_role = "overview"
        elif words_kind(name) is Kind.measure:
            self.chapter_role = "domains"    # 主要任务: its sections are the task areas
        elif words_kind(name) is not None:
            self.chapter_role = "other"      # 发展目标, 发展基础: the words say what is inside
        else:
            self.chapter_role = "other"
            self.warnings.append(f"line {para.line_start}: unrecognised chapter '{name}'")

    def _on_block(self, para: Paragraph) -> None:
        if not self.stack:
            self.warnings.append(f"line {para.line_start}: '{para.first.text}' outside any chapter or domain")
        kind = Kind.target if TARGET_BLOCK.search(para.first.body) else Kind.measure
        above = [h for h in self.stack if h.role != "block"]
        rank = (above[-1].rank if above else -1) + 0.5
        self._open(_Heading(rank, para.first.text.rstrip("：:").strip(), para.first.body, "block", kind=kind))

    def _item_id(self, kind: Kind, number: int) -> str:
        return f"{self._scope()}-{LETTERS[kind]}{number}"

    def _check_number(self, para: Paragraph, number: int, style: Style) -> None:
        """Warn where numbering skips or restarts inside one block or heading."""
        previous = self.last_article if style is Style.article else self.last_number
        if style is Style.article:
            self.last_article = number
        self.last_number = number
        where = f"line {para.line_start} ({self._where()})"
        if previous is None:
            if number != 1 and style is not Style.article:
                self.warnings.append(f"{where}: numbering starts at {number}, not 1")
        elif number == 1 and previous >= 1:
            self.warnings.append(f"{where}: numbering restarts at 1 after {previous}")
        elif number > previous + 1:
            self.warnings.append(f"{where}: numbering skips from {previous} to {number}")
        elif number <= previous:
            self.warnings.append(f"{where}: number {number} follows {previous}")

    def _on_item(self, para: Paragraph, heading: str | None = None) -> None:
        line = para.first
        number, style = line.value, line.style
        if self.box is not None:
            if self._in_box(line):
                self.box.paragraphs.append(para)    # the box's own project 1. 2. …: no measure of the block
                self.box_last = number if number is not None else self.box_last
                return
            self.box = None                         # the block's numbering goes on (4. after 3.): the box is over
        kind = self._item_kind()
        if kind is None and self.chapter_role == "domains" and self.stack[-1].role == "domain":
            kind = Kind.measure       # a domain's numbered items with no 主要目标/策略措施 line over them: its measures
        if kind is Kind.overview and number is not None and words_kind(_run_in_head(line.body)) is Kind.target:
            # （二）工作目标。到2025年，…: an 实施意见's goals, run in under their heading, numbered on from （一）指导思想
            kind, self.last_number = Kind.target, number - 1
        self.items_seen += 1
        if kind in PASSAGE_KINDS and number is not None:
            if self.current is None or self.item_style in (None, style):
                self.item_style = style
                self.item_mark = self.item_mark or _mark_after_number(line)
                self._check_number(para, number, style)
                if kind is Kind.implementation and self.domain is None and self._sub() is None:
                    id_ = f"{self.meta.id}-c{self.chapter_no}-p{number}"
                else:
                    id_ = self._item_id(kind, number)
                self._start(kind, id_, number, para, heading=heading, first_body=line.body, domain=self.domain)
                return
        if self.current is not None:
            self.current.paragraphs.append(para)      # e.g. 基本原则 1. 2. 3. inside an overview section
        else:
            self._on_text(para)

    def _on_sub_item(self, para: Paragraph) -> None:
        block = self.block
        if block is not None and self.stack[-1].role == "block" and (
                self.current is None or self.item_style is Style.bullet):
            # a block whose items are bullets (● 优先保障儿童健康。…): each is an item, counted in order; a —— under
            # a numbered item stays part of it
            number = self._expected_number()
            self.item_style, self.last_number = Style.bullet, number
            self._start(block, self._item_id(block, number), number, para, first_body=para.first.body,
                        domain=self.domain)
            return
        if self.current is not None:
            self.current.paragraphs.append(para)
        else:
            self._on_text(para)

    def _in_box(self, line) -> bool:
        """Is a numbered line inside an open 专栏 one of the box's own projects? Not when the block's numbering goes
        on in the block's own style and mark (4. after 3.), nor when, at the start of a block, the numbering
        starts again after the box's projects (专栏 1． 2． then the block's 1.)."""
        number = line.value
        if number is None:
            return True
        if self.item_style is None:
            return not (number == 1 and self.box_last is not None)
        return number != self._expected_number() or line.style is not self.item_style \
            or bool(self.item_mark) and _mark_after_number(line) != self.item_mark

    def _expected_number(self) -> int:
        return (self.last_number or 0) + 1

    def _on_text(self, para: Paragraph) -> None:
        block = self.block
        # 专栏N: a passage of its own in the block, or among the tasks of a 主要任务 section (一、…二、… under 第一节),
        # its projects inside it; the count of the items around it is kept
        boxed = block if block is not None else self._item_kind() if self.current is not None else None
        if boxed in (Kind.target, Kind.measure) and self.box is None and (m := RE_BOX.match(para.first.text)):
            n = m.group(1)
            self.box_last = None
            self.box = self._start(boxed, f"{self._scope()}-box{n if n.isdigit() else cn_to_int(n)}", None, para,
                                   heading=para.first.text.strip(), domain=self.domain)
            return
        if block is not None and self.item_style in (None, Style.num):
            m = RE_ITEM_BEFORE_DIGIT.match(para.first.text)
            if m and int(m.group(1)) == self._expected_number():
                number = int(m.group(1))
                self.item_style = Style.num
                self._check_number(para, number, Style.num)
                self._start(block, self._item_id(block, number), number, para,
                            first_body=m.group(2), domain=self.domain)
                return
        if self.current is not None:
            self.current.paragraphs.append(para)
            return
        if block is not None and self.stack[-1].role == "block":
            # a block whose first item lost its number (乡宁县 教育 measure 1)
            number = self._expected_number()
            self.warnings.append(f"line {para.line_start}: unnumbered item taken as {block.value} {number}")
            self.last_number = number
            self._start(block, self._item_id(block, number), number, para, domain=self.domain)
            return
        kind = self._item_kind()
        kind = kind if kind in (Kind.target, Kind.measure) else Kind.overview
        above = next((h for h in reversed(self.stack) if h.role != "block"), None)
        if above is None:
            self._section_unit("前言", para)
        elif above.role == "domain":
            # the domain's own summary paragraph, before its targets
            self._start(kind, f"{self.meta.id}-d{self._domain_no()}-intro", None, para, heading=self.domain,
                        domain=self.domain)
        elif self.chapter_role == "implementation" or kind is not Kind.overview:
            self._start(kind, f"{self._scope()}-intro", None, para, heading=above.name, domain=self.domain)
        else:
            self._section_unit(above.name, para)

    def _on_table(self, para: Paragraph) -> None:
        """A table row. Only a table standing for a domain's targets (序号 | 主要目标 | 指标 | 2025年目标 under
        主要目标) gives passages: a target per group of rows sharing the 主要目标 cell, its text the group's
        name, then each row's indicator and target value. Other tables are data only (the indicator table)."""
        cells = [ln.text for ln in para.lines]
        above = self.table_header[0] if self.table_header and self.header_last else None
        header_cells, found = stacked_header(above, cells)
        self.header_last = found is not None
        if found is not None:
            self.table_header = (header_cells, found)
            return
        block = self.block
        if self.table_header is None or block is not Kind.target or self.stack[-1].role != "block":
            return
        header, columns = self.table_header
        if len(cells) <= max(columns.indicator, columns.value) or not cells[columns.indicator]:
            return
        group = next((cells[i] for i, name in enumerate(header) if i != columns.indicator and i < len(cells)
                      and RE_INDICATOR_HEADER.fullmatch(name.replace(" ", ""))), "")
        row = columns.name(cells)
        given = [i for i in columns.values if i < len(cells) and cells[i].strip(" -—－/／")]
        if len(given) > 1:      # a value for each milestone (2025年目标 | 2030年目标): each under its column's name
            row = f"{row}　" + "；".join(f"{_milestone(header[i])}：{cells[i].strip()}" for i in given)
        elif (value := cells[columns.value]).strip(" -—－/／") and re.sub(r"\s", "", value) not in re.sub(r"\s", "", row):
            row = f"{row}　{value}"
        first = para.lines[0]
        lines = ([group] if group and (self.current is None or self.current.heading != group) else []) + [row]
        paragraph = [Paragraph(line, [line]) for line in (
            Line(first.number, text, text, LineType.text, body=text, at=first.at) for text in lines)]
        if self.current is not None and (self.item_style is Style.none and group
                                         and self.current.heading == group):
            self.current.paragraphs += paragraph
            return
        number = self._expected_number()
        self.item_style, self.last_number = Style.none, number
        unit = self._start(block, self._item_id(block, number), number, paragraph[0], domain=self.domain)
        unit.paragraphs += paragraph[1:]
        unit.heading = group or None

    # -- indicator table ---------------------------------------------------------------------
    def _parse_table(self) -> None:
        """Rows of a flattened summary table: cells are tab-indented lines, rows end at a blank line."""
        rows: list[list[Line]] = []
        row: list[Line] = []
        for line in self.lines:
            if line.type is LineType.table or (line.raw.startswith("\t") and not line.text):
                row.append(line)
            elif row:
                rows.append(row)
                row = []
        if row:
            rows.append(row)
        columns = None
        header_texts: list[str] = []
        header_last = False
        domain = ""
        for cells in rows:
            texts = [c.text for c in cells]
            stacked, header = stacked_header(header_texts if header_last else None, texts)
            header_last = header is not None
            if header is not None:
                columns, header_texts = header, stacked
                continue
            if columns is None:                  # no header seen: the 新城区 layout 领域 | 指标 | 目标值 | 属性
                if len(texts) != 4:
                    continue
                columns = TableColumns(domain=0, indicator=1, value=2, attribute=3)
            if len(texts) <= max(columns.indicator, columns.value) or not texts[columns.indicator] \
                    or not texts[columns.value]:
                continue
            domain = (texts[columns.domain] if columns.domain is not None and columns.domain < len(texts)
                      else "") or domain
            attribute = texts[columns.attribute] if columns.attribute is not None and \
                columns.attribute < len(texts) else ""
            given = [i for i in columns.values if i < len(texts) and texts[i].strip(" -—－/／")]
            if len(given) > 1:        # a value for each milestone (2025年目标 | 2030年目标): a row for each, its year
                for i in given:       # the one its column names
                    year = re.search(r"(?:19|20)\d\d", header_texts[i]) if i < len(header_texts) else None
                    self.table.append(IndicatorRow(domain=domain, indicator=columns.name(texts), value=texts[i],
                                                   attribute=attribute, line=cells[columns.indicator].number,
                                                   year=int(year.group()) if year else None))
                continue
            self.table.append(IndicatorRow(domain=domain, indicator=columns.name(texts),
                                           value=texts[columns.value], attribute=attribute,
                                           line=cells[columns.indicator].number))

    # -- output ----------------------------------------------------------------------------
    def _finish(self) -> list[Passage]:
        passages: list[Passage] = []
        seen: set[str] = set()
        for position, unit in enumerate(u for u in self.units if u.paragraphs):
            texts = unit.texts()
            if not texts:
                continue
            text = "\n".join(texts)
            title = unit.heading
            if title is not None:
                pass                       # an overview section or a passage under its own heading
            elif unit.kind in (Kind.measure, Kind.implementation):
                title, _ = leading_sentence(text)
            elif unit.kind is Kind.target:
                sentence, more = leading_sentence(text)
                title = sentence if more else None
            pid = unit.id
            suffix = 2
            while pid in seen:
                pid = f"{unit.id}-{suffix}"
                suffix += 1
            seen.add(pid)
            lines = sorted((ln for para in unit.paragraphs for ln in para.lines), key=lambda ln: ln.number)
            if unit.number is not None and len(text) > ITEM_MAX_CHARS:
                self.warnings.append(f"line {lines[0].number}: item {pid} has {len(text)} characters "
                                     f"(over {ITEM_MAX_CHARS}): several items run together?")
            passages.append(Passage(
                id=pid, plan_id=self.meta.id, chapter=unit.chapter, domain=unit.domain, kind=unit.kind,
                number=unit.number, title=title, text=text, position=position, section=unit.section,
                source=source_span(self.meta.source_file, lines[0], lines[-1]),
            ))
        return passages

    def _check_plan(self, passages: list[Passage]) -> None:
        """Warnings about the plan as a whole."""
        if self.top is None and not self.items_seen:
            self.warnings.append("no recognisable structure: no chapters, sections or numbered items; "
                                 "the plan is kept as overview text")
        if self.domains and not any(x.kind is Kind.target for x in passages):
            self.warnings.append(f"{len(self.domains)} domains but no 主要目标 (targets) found")
        last = passages[-1].text.rstrip() if passages else ""
        if last and RE_CUT_SHORT.search(last):
            # …学前教育毛入园率达到9: a copy or download cut off mid-sentence; what follows it is not in the index
            self.warnings.append(f"the text ends mid-sentence ('…{last[-12:]}'): the file may be cut short")

    @property
    def title(self) -> str:
        return "".join(self.title_parts)


def source_span(file: str, first: Line, last: Line) -> SourceSpan:
    """The citation for lines first..last, in the positions their reader recorded."""
    a, b = first.at, last.at
    if a is None or b is None:      # lines made without a reader: their number is the line
        return SourceSpan(file=file, line_start=first.number, line_end=last.number)
    return SourceSpan(file=file, line_start=a.line, line_end=b.line_end if b.line_end is not None else b.line,
                      page=a.page, page_end=b.page_end if b.page_end is not None else b.page,
                      paragraph=a.paragraph, paragraph_end=b.paragraph)


def parse_plan(meta: PlanMeta, lines: list[Line]) -> ParsedPlan:
    """Parse the lines of one plan (already cut to the plan's range)."""
    return _PlanParser(meta, lines).parse()


def title_lines(lines: list[Line]) -> str:
    """The plan title found at the head of its lines ('' when the file has none)."""
    parts: list[str] = []
    for line in lines:
        if line.type is LineType.blank:
            continue
        if line.type is LineType.title:
            parts.append(line.text)
            continue
        break
    return "".join(parts)


def _mark_after_number(line) -> str:
    """What follows an item's number as typed (the ． of 1．, the . of 1., the 、 of 1、): a 专栏's projects are
    often numbered with another mark than the block's measures."""
    raw = line.raw.lstrip()
    at = raw.find(line.marker)
    rest = raw[at + len(line.marker):].lstrip(" \u3000") if at >= 0 else ""
    return rest[:1] if rest[:1] in ".．、,，" else ""
