"""Recognise a plan's structure and cut it into measure-level passages.

Chapters (一、), sections or domains (（二）儿童与安全), blocks (主要目标 / 策略措施), numbered items,
"——" sub-items (kept with their parent target), overview sections, and the numbered paragraphs of
组织实施 / 监测评估. Parsing knows nothing about search."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.lines import Line, LineType, Paragraph, cn_to_int, join_broken, paragraphs
from plansearch.records import IndicatorRow, Kind, ParsedPlan, Passage, PlanMeta, SourceSpan

OVERVIEW_SLUGS = {"前言": "preface", "指导思想": "guiding", "基本原则": "principles", "总体目标": "goals"}
RE_DOMAIN = re.compile(r"^(儿童|妇女).{1,10}$")
# "5.5岁以下儿童贫血率…": item 5 whose text starts with a digit, which the line classifier cannot tell from 5.5
RE_ITEM_BEFORE_DIGIT = re.compile(r"^(\d{1,2})[.．](\d.*)$")
TITLE_MAX = 40


@dataclass
class _Unit:
    """A passage being assembled."""

    kind: Kind
    id: str
    chapter: str
    domain: str | None
    number: int | None
    paragraphs: list[Paragraph] = field(default_factory=list)
    heading: str | None = None       # section name for overviews
    first_body: str | None = None    # the item's own text after its number

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


class _PlanParser:
    def __init__(self, meta: PlanMeta, lines: list[Line]):
        self.meta = meta
        self.lines = lines
        self.units: list[_Unit] = []
        self.domains: list[str] = []
        self.table: list[IndicatorRow] = []
        self.warnings: list[str] = []
        self.chapter = ""
        self.chapter_no = 0
        self.chapter_role = "front"      # front | overview | domains | implementation | other
        self.domain: str | None = None
        self.block: Kind | None = None
        self.current: _Unit | None = None
        self.title_parts: list[str] = []

    # -- helpers ---------------------------------------------------------------------------
    def _start(self, kind: Kind, id_: str, number: int | None, para: Paragraph, heading: str | None = None,
               first_body: str | None = None, domain: str | None = None) -> _Unit:
        unit = _Unit(kind, id_, self.chapter, domain, number, [para], heading, first_body)
        self.units.append(unit)
        self.current = unit
        return unit

    def _section_unit(self, name: str, para: Paragraph) -> _Unit:
        slug = OVERVIEW_SLUGS.get(name, f"s{len(self.units) + 1}")
        return self._start(Kind.overview, f"{self.meta.id}-ov-{slug}", None, para, heading=name)

    def _domain_no(self) -> int:
        return len(self.domains)

    # -- main loop -------------------------------------------------------------------------
    def parse(self) -> ParsedPlan:
        self._parse_table()
        for para in paragraphs(self.lines):
            handler = getattr(self, f"_on_{para.type.value}")
            handler(para)
        passages = self._finish()
        return ParsedPlan(meta=self.meta, domains=list(self.domains), passages=passages,
                          indicator_table=self.table, warnings=self.warnings)

    def _on_title(self, para: Paragraph) -> None:
        if self.chapter_role == "front" and not self.units:
            self.title_parts.append(para.first.text)
        else:
            self._on_text(para)

    def _on_preface(self, para: Paragraph) -> None:
        self._section_unit("前言", para)
        self.current.paragraphs.clear()

    def _on_chapter(self, para: Paragraph) -> None:
        self.chapter_no += 1
        name = para.first.body.rstrip("。.")
        self.chapter = name
        self.block = None
        self.domain = None
        self.current = None
        if "发展领域" in name or "策略措施" in name:
            self.chapter_role = "domains"
        elif "组织实施" in name or "监测评估" in name or "保障措施" in name:
            self.chapter_role = "implementation"
        elif "指导思想" in name or "总体目标" in name or "基本原则" in name:
            self.chapter_role = "overview"
        else:
            self.chapter_role = "other"
            self.warnings.append(f"line {para.line_start}: unrecognised chapter '{name}'")

    def _on_section(self, para: Paragraph) -> None:
        number = cn_to_int(para.first.marker)
        body = para.first.body
        if self.chapter_role == "domains":
            name = body.rstrip("。.：:").strip()
            if RE_DOMAIN.match(name) and len(para.lines) == 1:
                self.domains.append(name)
                self.domain = name
                self.block = None
                self.current = None
                return
            self.warnings.append(f"line {para.line_start}: '{body[:20]}' is not a domain heading")
            self._on_text(para)
        elif self.chapter_role == "implementation":
            self._start(Kind.implementation, f"{self.meta.id}-c{self.chapter_no}-p{number}", number, para,
                        first_body=body)
        elif self.chapter_role in ("overview", "other", "front"):
            name = body.rstrip("。.：:").strip()
            if len(name) <= 12 and len(para.lines) == 1:
                self._section_unit(name, para)
                self.current.paragraphs.clear()
            else:
                self._on_text(para)

    def _on_block(self, para: Paragraph) -> None:
        if self.domain is None:
            self.warnings.append(f"line {para.line_start}: '{para.first.text}' outside any domain")
        self.block = Kind.target if para.first.body == "主要目标" else Kind.measure
        self.current = None

    def _item_id(self, kind: Kind, number: int) -> str:
        letter = "t" if kind is Kind.target else "m"
        return f"{self.meta.id}-d{self._domain_no()}-{letter}{number}"

    def _on_item(self, para: Paragraph) -> None:
        number = int(para.first.marker)
        if self.chapter_role == "domains" and self.block is not None:
            self._start(self.block, self._item_id(self.block, number), number, para,
                        first_body=para.first.body, domain=self.domain)
        elif self.current is not None:
            self.current.paragraphs.append(para)      # e.g. 基本原则 1. 2. 3. inside an overview section
        else:
            self._on_text(para)

    def _on_sub_item(self, para: Paragraph) -> None:
        if self.current is not None:
            self.current.paragraphs.append(para)
        else:
            self._on_text(para)

    def _expected_number(self) -> int:
        numbers = [u.number for u in self.units if u.kind is self.block and u.domain == self.domain and u.number]
        return max(numbers) + 1 if numbers else 1

    def _on_text(self, para: Paragraph) -> None:
        if self.chapter_role == "domains" and self.domain is not None and self.block is not None:
            m = RE_ITEM_BEFORE_DIGIT.match(para.first.text)
            if m and int(m.group(1)) == self._expected_number():
                number = int(m.group(1))
                self._start(self.block, self._item_id(self.block, number), number, para,
                            first_body=m.group(2), domain=self.domain)
                return
        if self.chapter_role == "domains" and self.domain is not None:
            if self.block is None:
                # the domain's own summary paragraph, before its targets
                if self.current is None or self.current.kind is not Kind.overview:
                    unit = self._start(Kind.overview, f"{self.meta.id}-d{self._domain_no()}-intro", None, para,
                                       heading=self.domain, domain=self.domain)
                    return
                self.current.paragraphs.append(para)
                return
            if self.current is None:
                # a block whose first item lost its number (乡宁县 教育 measure 1)
                number = self._expected_number()
                self.warnings.append(f"line {para.line_start}: unnumbered item taken as {self.block.value} {number}")
                self._start(self.block, self._item_id(self.block, number), number, para, domain=self.domain)
                return
        if self.current is None:
            if self.chapter_role == "implementation":
                self._start(Kind.overview, f"{self.meta.id}-c{self.chapter_no}-intro", None, para, heading=self.chapter)
            else:
                self._section_unit("前言", para)
            return
        self.current.paragraphs.append(para)

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
        domain = ""
        for cells in rows:
            texts = [c.text for c in cells]
            if len(texts) == 4 and texts[1] and texts[2]:
                domain = texts[0] or domain
                if "目标值" in texts[2]:
                    continue     # the header row
                self.table.append(IndicatorRow(domain=domain, indicator=texts[1], value=texts[2],
                                               attribute=texts[3], line=cells[1].number))

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
            if unit.kind in (Kind.measure, Kind.implementation):
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
            passages.append(Passage(
                id=pid, plan_id=self.meta.id, chapter=unit.chapter, domain=unit.domain, kind=unit.kind,
                number=unit.number, title=title, text=text, position=position,
                source=source_span(self.meta.source_file, lines[0], lines[-1]),
            ))
        return passages

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
