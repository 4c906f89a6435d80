"""Word (.docx) plans: the body in document order, tables included, headers and footers left out, and
Word's automatic numbering rebuilt from `numbering.xml` — in most Word-typed plans the "1." of every
target and measure is not in the paragraph's text but in its `w:numPr`."""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from indexer.readers.base import MAX_TEXT_CHARS, Document, ReaderError, SourceLine
from indexer.readers.furniture import RE_FURNITURE, RE_RELATED
from indexer.readers.numbering import (BULLET, NOT_A_CHAPTER, PLAN_TITLE, TYPED_MARKER, bullet_for,
                                        format_number, number_headings)

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_XML_MB = 64          # one part's unpacked XML: a plan's document.xml is a few MB
MAX_COLUMNS = 63         # Word's own limit on a table's columns (a cell's gridSpan beyond it is a forged file)


def q(tag: str) -> str:
    return f"{{{W}}}{tag}"


HEADING_STYLE_NAME = re.compile(r"(?:heading|标题)\s*(\d)", re.IGNORECASE)


@dataclass
class _Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = "%1."
    legal: bool = False      # isLgl: every level shown in decimal
    gap: str = " "           # what Word puts between the number and the text (suff: a tab by default, a space, nothing)


@dataclass
class _Numbering:
    """numbering.xml: num ids → abstract definitions, with start overrides; counters per abstract list."""

    levels: dict[str, dict[int, _Level]] = field(default_factory=dict)      # abstractNumId → ilvl → level
    nums: dict[str, str] = field(default_factory=dict)                      # numId → abstractNumId
    overrides: dict[str, dict[int, int]] = field(default_factory=dict)      # numId → ilvl → start
    redefined: dict[str, dict[int, _Level]] = field(default_factory=dict)   # numId → ilvl → level of its own
    counters: dict[str, dict[int, int]] = field(default_factory=dict)       # abstractNumId → ilvl → value
    started: set[str] = field(default_factory=set)                          # numIds already used

    @classmethod
    def read(cls, root, styles=None) -> _Numbering:
        """`styles` (styles.xml) resolves a list style: a definition that holds only `numStyleLink` takes its levels
        from the one with the same `styleLink`, or from the numbering style's own list (Word's 定义新列表样式)."""
        numbering = cls()
        if root is None:
            return numbering
        style_lists: dict[str, str] = {}        # list style id → the abstract list holding its levels
        linked: dict[str, str] = {}             # abstract list of a numStyleLink → that list style id
        for abstract in root.iter(q("abstractNum")):
            aid = abstract.get(q("abstractNumId"))
            if (el := abstract.find(q("styleLink"))) is not None and el.get(q("val")):
                style_lists[el.get(q("val"))] = aid
            if (el := abstract.find(q("numStyleLink"))) is not None and el.get(q("val")):
                linked[aid] = el.get(q("val"))
            numbering.levels[aid] = {_int(lvl.get(q("ilvl")), 0): _read_level(lvl)
                                     for lvl in abstract.findall(q("lvl"))}
        for num in root.iter(q("num")):
            nid = num.get(q("numId"))
            ref = num.find(q("abstractNumId"))
            if ref is None:
                continue
            numbering.nums[nid] = ref.get(q("val"))
            for override in num.findall(q("lvlOverride")):
                ilvl = _int(override.get(q("ilvl")), 0)
                start = override.find(q("startOverride"))
                if (lvl := override.find(q("lvl"))) is not None:
                    # a level defined anew for this list (its own format, text, start), as Word shows it
                    numbering.redefined.setdefault(nid, {})[ilvl] = level = _read_level(lvl)
                    if start is None and lvl.find(q("start")) is not None:
                        numbering.overrides.setdefault(nid, {})[ilvl] = level.start
                if start is not None:
                    numbering.overrides.setdefault(nid, {})[ilvl] = _int(start.get(q("val")), 1)
        numbering._follow_list_styles(linked, style_lists, styles)
        return numbering

    def _follow_list_styles(self, linked: dict[str, str], style_lists: dict[str, str], styles) -> None:
        """Point each list that uses a list style at the definition holding the style's levels (one counter for
        every list of that style, as Word numbers them)."""
        style_num = {}
        if styles is not None:
            for style in styles.iter(q("style")):
                num = style.find(f"{q('pPr')}/{q('numPr')}/{q('numId')}")
                if num is not None and num.get(q("val")):
                    style_num[style.get(q("styleId"))] = num.get(q("val"))
        for aid, style_id in linked.items():
            target = style_lists.get(style_id)
            if target is None and style_id in style_num:
                target = self.nums.get(style_num[style_id])
            if target is None or target == aid or target not in self.levels or target in linked:
                continue
            for nid, ref in self.nums.items():
                if ref == aid:
                    self.nums[nid] = target

    def label(self, num_id: str, ilvl: int) -> str:
        """The number Word shows for the next paragraph of list `num_id` at level `ilvl` ('' for none)."""
        aid = self.nums.get(num_id)
        if aid is None or aid not in self.levels:
            return ""
        levels = {**self.levels[aid], **self.redefined.get(num_id, {})}
        counters = self.counters.setdefault(aid, {})
        if num_id not in self.started:             # a list instance with a restart begins again
            self.started.add(num_id)
            for level, start in self.overrides.get(num_id, {}).items():
                counters[level] = start - 1
                for deeper in [k for k in counters if k > level]:
                    del counters[deeper]
        level = levels.get(ilvl, _Level())
        counters[ilvl] = counters.get(ilvl, level.start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]                   # a higher level resets the ones below it
        if level.fmt == "bullet":
            return BULLET
        if level.fmt == "none":
            return ""
        text = level.text
        if not text.strip():
            return ""
        for i in range(ilvl, -1, -1):
            placeholder = f"%{i + 1}"
            if placeholder in text:
                lv = levels.get(i, _Level())
                value = counters.get(i, lv.start)
                text = text.replace(placeholder, format_number(value, "decimal" if level.legal and i < ilvl
                                                               else lv.fmt))
        return text + level.gap


def _read_level(lvl) -> _Level:
    """A w:lvl of numbering.xml: its start, number format, text (%1.), isLgl and what follows the number."""
    level = _Level()
    if (el := lvl.find(q("start"))) is not None:
        level.start = _int(el.get(q("val")), 1)
    if (el := lvl.find(q("numFmt"))) is not None:
        level.fmt = el.get(q("val")) or "decimal"
    if (el := lvl.find(q("lvlText"))) is not None:
        level.text = el.get(q("val")) or ""
    level.legal = lvl.find(q("isLgl")) is not None
    if (el := lvl.find(q("suff"))) is not None and el.get(q("val")) == "nothing":
        level.gap = ""
    return level


def _joined(label: str, text: str) -> str:
    """A number Word shows and its paragraph's text: Word's gap after the number (a tab) is kept as a space where
    the text begins with a digit or a letter ("8、" and "6个月内…" are item 8, "8、6个月内…" would not be), else
    dropped, as a typed "1.儿童与健康" has none."""
    if label.endswith(" ") and not re.match(r"[0-9０-９A-Za-z]", text):
        label = label.rstrip(" ")
    return label + text


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


# ---------------------------------------------------------------------------------------------------
class _Body:
    """Walks the body and turns paragraphs and tables into SourceLines."""

    def __init__(self, name: str, numbering: _Numbering, styles):
        self.name = name
        self.numbering = numbering
        self.styles = {el.get(q("styleId")): el for el in styles.iter(q("style"))} if styles is not None else {}
        self.lines: list[SourceLine] = []
        self.tables: list[list[list[str]]] = []
        self.block = 0
        self.headings: list[tuple[int, int, bool]] = []    # (line, outline level, numbered) of heading paragraphs
        self.titles: list[int] = []                         # lines of plan titles: a second plan numbers anew

    # -- styles ---------------------------------------------------------------------------------
    def _style(self, style_id: str | None):
        return self.styles.get(style_id) if style_id else None

    def _style_numpr(self, style_id: str | None, depth: int = 0):
        style = self._style(style_id)
        if style is None or depth > 10:
            return None
        ppr = style.find(q("pPr"))
        if ppr is not None and (numpr := ppr.find(q("numPr"))) is not None:
            return numpr
        based = style.find(q("basedOn"))
        return self._style_numpr(based.get(q("val")), depth + 1) if based is not None else None

    def _is_toc(self, style_id: str | None) -> bool:
        style = self._style(style_id)
        name = style.find(q("name")).get(q("val")) if style is not None and style.find(q("name")) is not None else ""
        return (style_id or "").lower().startswith("toc") or name.lower().startswith("toc")

    def _outline_level(self, ppr, style_id: str | None, depth: int = 0) -> int | None:
        """A heading paragraph's outline level (0 = Heading 1), from the paragraph, its style or the style's
        name; None for body text."""
        if ppr is not None and (level := ppr.find(q("outlineLvl"))) is not None:
            value = _int(level.get(q("val")), 9)
            return value if value < 9 else None
        style = self._style(style_id)
        if style is None or depth > 10:
            return None
        if (m := HEADING_STYLE_NAME.fullmatch((style.find(q("name")).get(q("val")) if style.find(q("name")) is not None
                                               else style_id or "").strip())):
            return int(m.group(1)) - 1
        based = style.find(q("basedOn"))
        return self._outline_level(style.find(q("pPr")), based.get(q("val")) if based is not None else None, depth + 1)

    def number_headings(self) -> None:
        self.lines = number_headings(self.lines, self.headings, self.titles)

    # -- paragraphs -----------------------------------------------------------------------------
    def number_label(self, p) -> str:
        ppr = p.find(q("pPr"))
        style_id = None
        numpr = None
        if ppr is not None:
            if (ps := ppr.find(q("pStyle"))) is not None:
                style_id = ps.get(q("val"))
            numpr = ppr.find(q("numPr"))
        if numpr is None:
            numpr = self._style_numpr(style_id)
        if numpr is None:
            return ""
        num_el = numpr.find(q("numId"))
        if num_el is None:
            return ""
        num_id = num_el.get(q("val"))
        if num_id in (None, "0"):
            return ""
        ilvl_el = numpr.find(q("ilvl"))
        return self.numbering.label(num_id, _int(ilvl_el.get(q("val")) if ilvl_el is not None else None, 0))

    def paragraph_text(self, p) -> str:
        """The visible text: runs, hyperlinks, field results and inserted text; not deleted text,
        field codes or text boxes (their paragraphs follow as lines of their own). Manual line breaks become
        newlines."""
        parts: list[str] = []
        for el in p.iter(q("t"), q("tab"), q("br"), q("cr"), q("noBreakHyphen"), q("sym")):
            if _inside(el, p, (q("txbxContent"), q("del"), q("moveFrom"), q("instrText"))) or _hidden(el):
                continue
            tag = el.tag
            if tag == q("t"):
                parts.append(el.text or "")
            elif tag == q("tab"):
                if el.getparent().tag != q("tabs"):
                    parts.append("\t")
            elif tag in (q("br"), q("cr")):
                parts.append("\n")
            elif tag == q("noBreakHyphen"):
                parts.append("-")
        return "".join(parts)

    def add_paragraph(self, p) -> None:
        self.block += 1
        ppr = p.find(q("pPr"))
        style_id = None
        if ppr is not None and (ps := ppr.find(q("pStyle"))) is not None:
            style_id = ps.get(q("val"))
        text = self.paragraph_text(p)
        if self._is_toc(style_id):
            return
        # an empty numbered paragraph is counted: Word draws its number, and the next item's number follows it
        label = self.number_label(p) if text.strip() or not _deleted_mark(p) else ""
        label = label if text.strip() else ""
        if label == BULLET:
            label = bullet_for(text)
        if text.strip() and "\n" not in text.strip() and not NOT_A_CHAPTER.match(text) \
                and not RE_RELATED.match(text) and not RE_FURNITURE.search(text) \
                and (level := self._outline_level(ppr, style_id)) is not None:
            numbered = bool(label or TYPED_MARKER.match(text))
            self.headings.append((len(self.lines), level, numbered))
        if not label and PLAN_TITLE.match(text) and not TYPED_MARKER.match(text):
            self.titles.append(len(self.lines))
        pieces = text.split("\n")
        for i, piece in enumerate(pieces):
            piece = piece.replace("\t", " ").strip(" \u3000\u00a0") if i else piece.lstrip("\t ").replace("\t", " ")
            if i == 0 and label:
                piece = _joined(label, piece.lstrip(" \u3000\u00a0"))
            self.lines.append(SourceLine(piece, paragraph=self.block))

    # -- tables ---------------------------------------------------------------------------------
    def add_table(self, tbl) -> None:
        rows = self.table_rows(tbl)
        width = max((len(r) for r in rows), default=0)
        if width <= 1:            # a layout table around the text: its cells are body paragraphs
            for tr in tbl.findall(q("tr")):
                for tc in tr.findall(q("tc")):
                    self.walk(tc)
            return
        self.block += 1
        for row in rows:
            for cell in row:
                self.lines.append(SourceLine("\t" + cell, paragraph=self.block))
            self.lines.append(SourceLine("", paragraph=self.block))
        self.tables.append(rows)

    def cell_text(self, tc) -> str:
        texts = []
        for p in tc.iter(q("p")):
            label = self.number_label(p).replace(BULLET, "")
            text = " ".join(part.strip() for part in self.paragraph_text(p).split("\n"))
            if text.strip():
                texts.append(_joined(label, text.strip()))
        return "".join(texts)

    def table_rows(self, tbl) -> list[list[str]]:
        """Rows of cells as a grid: a horizontally merged cell repeats, a vertically merged one takes
        the text of the cell it continues."""
        grid: list[list[str]] = []
        for tr in tbl.findall(q("tr")):
            row: list[str] = []
            trpr = tr.find(q("trPr"))
            before = trpr.find(q("gridBefore")) if trpr is not None else None
            row += [""] * min(MAX_COLUMNS, _int(before.get(q("val")) if before is not None else None, 0))
            for tc in tr.findall(q("tc")):
                tcpr = tc.find(q("tcPr"))
                span, continues = 1, False
                if tcpr is not None:
                    if (gs := tcpr.find(q("gridSpan"))) is not None:     # Word's tables have at most 63 columns
                        span = min(MAX_COLUMNS, max(1, _int(gs.get(q("val")), 1)))
                    if (vm := tcpr.find(q("vMerge"))) is not None and vm.get(q("val")) != "restart":
                        continues = True
                col = len(row)
                if continues and grid and col < len(grid[-1]):
                    text = grid[-1][col]
                else:
                    text = self.cell_text(tc)
                row += [text] * span
            grid.append(row)
        return [r for r in grid if any(c.strip() for c in r)]

    @staticmethod
    def text_boxes(p) -> list:
        """The text boxes anchored in paragraph `p` (a 专栏 of key projects, a note set beside the text), each
        once: Word stores a box twice, as a drawing and as a VML fallback for older readers."""
        return [box for box in p.iter(q("txbxContent"))
                if not _inside(box, p, (MC_FALLBACK,)) and not _inside(box.getparent(), p, (q("txbxContent"),))]

    # -- walking --------------------------------------------------------------------------------
    def walk(self, container) -> None:
        for child in container:
            if child.tag == q("p"):
                self.add_paragraph(child)
                for box in self.text_boxes(child):
                    self.walk(box)
            elif child.tag == q("tbl"):
                self.add_table(child)
            elif child.tag == q("sdt"):          # content controls: a table of contents is left out
                if child.find(f".//{q('docPartGallery')}[@{q('val')}='Table of Contents']") is not None:
                    continue
                content = child.find(q("sdtContent"))
                if content is not None:
                    self.walk(content)
            elif child.tag in (q("customXml"), q("smartTag"), q("ins")):
                self.walk(child)


def _hidden(el) -> bool:
    """Text in a run formatted as hidden (w:vanish): Word neither shows nor prints it (内部备注 …)."""
    run = el.getparent()
    if run is None or run.tag != q("r") or (rpr := run.find(q("rPr"))) is None:
        return False
    vanish = rpr.find(q("vanish"))
    return vanish is not None and vanish.get(q("val"), "true").lower() not in ("0", "false", "off")


def _inside(el, stop, tags: tuple[str, ...]) -> bool:
    parent = el if el.tag == q("instrText") else el.getparent()
    if el.tag in tags:
        return True
    while parent is not None and parent is not stop:
        if parent.tag in tags:
            return True
        parent = parent.getparent()
    return False


def _check_unpacked_size(path: Path, name: str) -> None:
    """Refuse a .docx whose XML unpacks to more than a plan's ever does (a zip bomb: 1 MB of spaces compressed)."""
    with zipfile.ZipFile(path) as archive:
        xml = [info for info in archive.infolist() if info.filename.lower().endswith((".xml", ".rels"))]
        biggest = max((info.file_size for info in xml), default=0)
        if biggest > MAX_XML_MB * 1024 * 1024 or sum(info.file_size for info in xml) > 4 * MAX_XML_MB * 1024 * 1024:
            raise ReaderError(name, f"the Word file unpacks to {biggest / 1024 / 1024:.0f} MB of text and markup in one "
                                    f"part, more than a plan holds (at most {MAX_XML_MB} MB are read)")


RE_MARKUP = re.compile(r"<[^<>]*>")


def _check_text_size(path: Path, name: str) -> None:
    """Refuse a body with more text than a plan holds before it is parsed: counted between the tags of
    word/document.xml as it is unpacked, in pieces (60 MB of it took 23 s and 840 MB to parse, then refuse)."""
    import codecs

    with zipfile.ZipFile(path) as z:
        if "word/document.xml" not in z.namelist():
            return
        decoder, chars, carry = codecs.getincrementaldecoder("utf-8")("replace"), 0, ""
        with z.open("word/document.xml") as xml:
            while chunk := xml.read(1 << 20):
                text = carry + decoder.decode(chunk)
                cut = text.rfind("<")
                text, carry = (text[:cut], text[cut:]) if cut > text.rfind(">") else (text, "")
                chars += len(RE_MARKUP.sub("", text))
                if chars > MAX_TEXT_CHARS:
                    raise ReaderError(name, f"more text than a plan holds (over {MAX_TEXT_CHARS:,} characters "
                                            f"in the Word file's body; at most {MAX_TEXT_CHARS:,} are read)")


def read_docx(path: Path, name: str | None = None, fmt: str = "docx") -> Document:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    name = name or path.name
    head = path.read_bytes()[:8]
    if head == OLE_MAGIC:
        data = path.read_bytes()
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise ReaderError(name, "the Word file is password-protected (encrypted): save it without a password")
        raise ReaderError(name, "this is a legacy Word .doc file with a .docx name: rename it to .doc")
    try:
        _check_unpacked_size(path, name)
        _check_text_size(path, name)
        document = docx.Document(str(path))
    except ReaderError:
        raise
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ReaderError(name, f"not a valid Word .docx file (corrupt or another format: {type(exc).__name__})") \
            from None
    except Exception as exc:    # lxml and zip errors of a damaged file come in many kinds
        raise ReaderError(name, f"the Word file is damaged and cannot be read ({type(exc).__name__})") from None
    part = document.part
    try:
        numbering_root = part.numbering_part.element
    except (NotImplementedError, KeyError):
        numbering_root = None
    try:
        styles_root = part.styles.element
    except (NotImplementedError, KeyError):
        styles_root = None
    body = _Body(name, _Numbering.read(numbering_root, styles_root), styles_root)
    body.walk(document.element.body)
    body.number_headings()
    return Document(file=name, format=fmt, lines=body.lines, tables=body.tables)


def _deleted_mark(p) -> bool:
    """A paragraph whose mark is a tracked deletion: it joins the next one and draws no number."""
    ppr = p.find(q("pPr"))
    rpr = ppr.find(q("rPr")) if ppr is not None else None
    return rpr is not None and rpr.find(q("del")) is not None
