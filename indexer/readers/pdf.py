"""PDF plans (pypdfium2): the page's visual lines joined back into the paragraphs the author typed.

A PDF wraps every paragraph at the right margin and repeats a running header and a page number on
every page. The reader drops the page furniture (found by repetition at the same place on many pages,
and by the shape of a page number), joins a paragraph's lines, across a page break too, and turns
ruled tables into tab-indented cells, one blank line after each row, as the plain-text plans have them."""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from statistics import median

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from indexer.readers.base import RE_PAGE_NUMBER, Document, ReaderError, SourceLine
from indexer.readers.numbering import NOT_A_CHAPTER, PLAN_TITLE, TYPED_MARKER, number_headings
from indexer.readers.pdf_layout import (Table, VLine, column_gutter, drop_line_numbers, drop_reference_marks, footnote_rule,
                                        join_lines, one_column, page_chars, tables_on, visual_lines,
                                        without_column_footnotes)

SCANNED = "no text layer: a scanned PDF needs OCR before it can be indexed"
# characters a plan's text has next to none of (well under 1% even in plans with half-width punctuation), which a
# damaged file or a font without a proper Unicode map yields in place of words: private-use code points, the
# replacement character, controls, Latin-1 symbols and rare ASCII symbols
RE_GARBLED = re.compile("[\ue000-\uf8ff\ufffd\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00a1-\u00af\u00b2-\u00b6"
                        "\u00b8-\u00d6\u00d8-\u00f6\u00f8-\u00ff!\"#$&'*+<=>?@\\[\\\\\\]^_`{|}~\u2020\u2021]")
GARBLED_SHARE = 0.03
# the same on one page of some length: damage is local (a stretch of the file zeroed garbled 9% of one page's
# characters and 2% of the document's, and the symbols were indexed)
GARBLED_PAGE_SHARE = 0.05
GARBLED_PAGE_MIN = 300
# ideographs outside the basic block (Extension A and beyond: 㐥㑊㒔): a plan uses next to none, a font whose glyph ids
# were taken for code points yields little else
RE_RARE_HAN = re.compile("[\u3400-\u4dbf\U00020000-\U0003134f]")
RE_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f]")
RARE_HAN_SHARE = 0.2
# a line that begins a paragraph whatever the line above: headings and numbered items
RE_HEADING = re.compile(
    r"^(第[一二三四五六七八九十百零\d]+[章节条部分]|[一二三四五六七八九十]+、|[（(]\s*[一二三四五六七八九十\d]+\s*[)）]"
    r"|\d{1,2}\s*[.．、](?![\d.．])|[①-⑳]|——|(主要目标|策略措施)\s*[:：]?\s*$|附件)")
SENTENCE_END = tuple("。！？；：!?;:")
RE_ENDNOTE = re.compile(r"^[ivx]{1,5}(?:\s+\S|(?=[\u4e00-\u9fff]))")     # an endnote's number as Word and LibreOffice print it: i, ii …
BAND = 0.12          # top and bottom share of the page where running headers and footers live
RE_DRAWN_PAGE_NUMBER = re.compile(r"^\s*(?:[—–\-－]\s*\d{1,4}\s*[—–\-－]|第\s*\d{1,4}\s*页(?:\s*[，,]?\s*共\s*\d{1,4}\s*页)?)\s*$")


@dataclass
class _Page:
    number: int
    height: float
    lines: list[VLine]
    tables: list[Table]


def read_pdf(path: Path) -> Document:
    pdf = _open(path)
    try:
        pages = []
        for i in range(len(pdf)):
            pages.append(_read_page(pdf, i))
            _refuse_a_garbled_page(path, pages[-1])
        if not any(p.lines or p.tables for p in pages):
            if _has_images(pdf):
                raise ReaderError(path.name, SCANNED)
            return Document(file=path.name, format="pdf", lines=[])
        scanned = [p.number for p in pages if not (p.lines or p.tables) and _page_has_image(pdf, p.number - 1)]
        outline = _outline(pdf)
    except pdfium.PdfiumError as exc:
        raise ReaderError(path.name, f"damaged PDF, cannot read its pages ({exc})") from None
    finally:
        pdf.close()
    _drop_furniture(pages)
    _drop_endnotes(pages)
    for page in pages:
        _number_lines(page)
    lines, tables = _assemble(pages, {_squash(title) for _, title, _ in outline if title.strip()})
    lines = _number_outline_headings(lines, outline)
    text = re.sub(r"\s", "", "".join(line.text for line in lines))
    share, where = _garbled(text), ""
    if share <= GARBLED_SHARE:
        page_share, page = _worst_page(lines)
        if page_share > GARBLED_PAGE_SHARE:
            share, where = page_share, f" on page {page}"
    if share > GARBLED_SHARE:
        raise ReaderError(path.name, f"the PDF's text layer is garbled{where} ({share:.0%} of its characters are "
                                     f"symbols where words should be: a damaged file, or fonts without a Unicode "
                                     f"map); export the PDF again, or use the Word file")
    han = len(RE_HAN.findall(text))
    if han and len(RE_RARE_HAN.findall(text)) > RARE_HAN_SHARE * han:
        share = len(RE_RARE_HAN.findall(text)) / han
        raise ReaderError(path.name, f"the PDF's text layer is garbled ({share:.0%} of its characters are rare "
                                     f"ideographs where common words should be: fonts whose glyphs map to the wrong "
                                     f"characters); export the PDF again, or use the Word file")
    warnings = [f"{len(scanned)} of {len(pages)} pages ({_page_list(scanned)}) are images without a text layer "
                f"(scanned?): their text is not indexed; OCR them first"] if scanned else []
    return Document(file=path.name, format="pdf", lines=lines, tables=tables, warnings=warnings)


def _refuse_a_garbled_page(path: Path, page: _Page) -> None:
    """A page read as symbols stops the reading there: the file is refused whatever its other pages hold (see
    read_pdf), and pdfium can spend a quarter of a second on each damaged page still to come."""
    text = re.sub(r"\s", "", "".join(line.text for line in page.lines))
    if len(text) >= GARBLED_PAGE_MIN and (share := _garbled(text)) > GARBLED_PAGE_SHARE:
        raise ReaderError(path.name, f"the PDF's text layer is garbled on page {page.number} ({share:.0%} of its "
                                     f"characters are symbols where words should be: a damaged file, or fonts "
                                     f"without a Unicode map); export the PDF again, or use the Word file")


def _garbled(text: str) -> float:
    """The share of `text`'s characters that are symbols a plan's words never are."""
    return len(RE_GARBLED.findall(text)) / len(text) if text else 0.0


def _worst_page(lines: list[SourceLine]) -> tuple[float, int | None]:
    """The highest garbled share of a page holding at least GARBLED_PAGE_MIN characters, and that page."""
    pages: dict[int | None, list[str]] = {}
    for line in lines:
        pages.setdefault(line.page, []).append(re.sub(r"\s", "", line.text))
    shares = [(_garbled(text), page) for page, parts in pages.items()
              if len(text := "".join(parts)) >= GARBLED_PAGE_MIN]
    return max(shares, key=lambda x: x[0], default=(0.0, None))


def _outline(pdf: pdfium.PdfDocument) -> list[tuple[int, str, int | None]]:
    """The PDF's bookmarks (level, title, 1-based page), as Word and LibreOffice write them from heading styles;
    none when the bookmark tree cannot be read (it only helps: the text is read without it)."""
    out = []
    try:
        for i, bookmark in enumerate(pdf.get_toc(max_depth=4)):
            if i >= 2000:
                break
            dest = bookmark.get_dest()
            index = dest.get_index() if dest is not None else None
            out.append((bookmark.level, bookmark.get_title() or "", index + 1 if index is not None else None))
    except Exception:              # pdfium's and pypdfium2's errors of a damaged outline come in several kinds
        return []
    return out


def _number_outline_headings(lines: list[SourceLine], outline: list[tuple[int, str, int | None]]) -> list[SourceLine]:
    """Headings a bookmark names, numbered from their bookmark levels when the text shows no number (a plan set in
    Word's heading styles, then saved as PDF): without it every chapter and domain of such a plan was lost."""
    if not outline:
        return lines
    headings, at = [], 0
    for level, title, page in outline:
        title = _squash(title)
        if not title or NOT_A_CHAPTER.match(title):
            continue
        for i in range(at, len(lines)):
            if _squash(lines[i].text) == title and not lines[i].text.startswith("\t") and \
                    (page is None or lines[i].page is None or lines[i].page >= page):       # a table cell is no heading
                headings.append((i, level, bool(TYPED_MARKER.match(lines[i].text))))
                at = i + 1
                break
    titles = [i for i, line in enumerate(lines) if PLAN_TITLE.match(line.text) and not TYPED_MARKER.match(line.text)]
    return number_headings(lines, headings, titles)


def _page_list(numbers: list[int]) -> str:
    """[3, 4, 5, 9] → "p. 3–5, 9"."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return "p. " + ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def _open(path: Path) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        if exc.err_code == pdfium_c.FPDF_ERR_PASSWORD:
            raise ReaderError(path.name, "encrypted PDF: it needs a password to open; save an unprotected copy") from None
        if exc.err_code == pdfium_c.FPDF_ERR_SECURITY:
            raise ReaderError(path.name, "PDF protected by an unsupported security handler") from None
        raise ReaderError(path.name, "not a readable PDF (damaged or not a PDF file)") from None


def _page_has_image(pdf: pdfium.PdfDocument, index: int) -> bool:
    return next(pdf[index].get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]), None) is not None


def _has_images(pdf: pdfium.PdfDocument) -> bool:
    return any(_page_has_image(pdf, i) for i in range(min(len(pdf), 5)))


def _read_page(pdf: pdfium.PdfDocument, index: int) -> _Page:
    page = pdf[index]
    textpage = page.get_textpage()
    chars = page_chars(textpage)
    cjk = [c.x1 - c.x0 for c in chars if ord(c.text) >= 0x2E80 and c.x1 > c.x0]
    latin = [c.x1 - c.x0 for c in chars if not c.text.isspace() and c.x1 > c.x0]
    em = median(cjk) if cjk else (2 * median(latin) if latin else 12.0)
    tables, rest = tables_on(page, chars, index + 1, em)
    gutter = column_gutter(rest, em)
    if gutter is not None:          # footnotes (read as Word files are, without them) under each column
        rest = one_column(without_column_footnotes(page, rest, gutter, em), em, gutter)
    lines = drop_line_numbers(visual_lines(rest, index + 1, em), em)
    drop_reference_marks(lines, em)
    rule = footnote_rule(page, lines, em) if gutter is None else None
    if rule is not None:            # footnotes: read as Word files are, without them
        lines = [ln for ln in lines if ln.y > rule]
    return _Page(index + 1, page.get_height(), lines, tables)


# -- running headers, footers, page numbers -----------------------------------------------------------

def _band_lines(page: _Page) -> list[tuple[VLine, str, float]]:
    """The outermost lines at the top and bottom of a page: (line, band, distance from its edge)."""
    out = []
    for line in page.lines[:2]:
        if page.height - line.y < BAND * page.height:
            out.append((line, "top", page.height - line.y))
    for line in page.lines[-2:]:
        if line.y < BAND * page.height and all(line is not o[0] for o in out):
            out.append((line, "bottom", line.y))
    return out


def _drop_furniture(pages: list[_Page]) -> None:
    """Remove page numbers and lines repeated at the same place on many pages (the running header
    and footer). The title on page 1 stays: it sits lower than the header that repeats its words."""
    candidates = [(page, *band) for page in pages for band in _band_lines(page)]
    groups: dict[tuple[str, str], list[tuple[_Page, VLine, float]]] = {}
    drop: set[int] = set()
    # "— 3 —" and "第3页" are page numbers wherever they stand (a page that ends early prints it under the text)
    drop |= {id(ln) for page in pages for ln in page.lines if RE_DRAWN_PAGE_NUMBER.match(ln.text)}
    bare: list[tuple[_Page, VLine]] = []
    for page, line, band, distance in candidates:
        text = line.text
        if RE_PAGE_NUMBER.match(text):
            if text.strip().isdigit():
                bare.append((page, line))     # a page number, or the last word of a sentence cut at 2020 ⏎ 年
            else:
                drop.add(id(line))
            continue
        key = re.sub(r"\d+", "#", re.sub(r"\s+", "", text))
        groups.setdefault((band, key), []).append((page, line, distance))
    need = max(2, math.ceil(0.3 * len(pages)))
    for members in groups.values():
        if len({p.number for p, _, _ in members}) < need:
            continue
        for _, line, distance in members:
            near = {p.number for p, _, d in members if abs(d - distance) <= 6}
            if len(near) >= need:
                drop.add(id(line))
    # a bare number is a page number when it keeps step with the pages (page − number the same on two pages or
    # more), or when the document has one page
    steps = Counter(page.number - int(line.text.strip()) for page, line in bare)
    drop |= {id(line) for page, line in bare if len(pages) == 1 or steps[page.number - int(line.text.strip())] >= 2}
    for page in pages:
        page.lines = [ln for ln in page.lines if id(ln) not in drop]


def _drop_endnotes(pages: list[_Page]) -> None:
    """Endnotes, which Word and LibreOffice print on pages of their own after the text, numbered i, ii, iii
    (the default of both): trailing pages that begin with such a number hold no plan text."""
    for page in reversed(pages):
        if not page.lines or page.tables or not RE_ENDNOTE.match(page.lines[0].text):
            return
        page.lines = []


def _number_lines(page: _Page) -> None:
    """Number the page's kept lines top to bottom; a table row counts its tallest cell's lines."""
    items: list[tuple[float, object]] = [(ln.y, ln) for ln in page.lines] + [(t.top, t) for t in page.tables]
    n = 0
    for _, item in sorted(items, key=lambda it: -it[0]):
        if isinstance(item, VLine):
            n += 1
            item.number = n
        else:
            item.first_line = n + 1
            n += sum(item.line_counts)


# -- paragraphs -------------------------------------------------------------------------------------

@dataclass
class _Metrics:
    left: dict[int, float]     # body left margin by page parity (mirrored margins)
    right: dict[int, float]
    em: float
    pitch: float               # usual distance between the baselines of one paragraph's lines
    indents: bool              # paragraphs begin with a first-line indent


def _metrics(pages: list[_Page]) -> _Metrics:
    lines = [ln for p in pages for ln in p.lines]
    widths = [c.x1 - c.x0 for ln in lines for c in ln.chars if ord(c.text) >= 0x2E80 and c.x1 > c.x0]
    em = median(widths) if widths else 10.0
    left, right = {}, {}
    for parity in (0, 1):
        own = [ln for p in pages if p.number % 2 == parity for ln in p.lines] or lines
        if len(own) < 20:
            own = lines
        left[parity] = _percentile([ln.x0 for ln in own], 0.15)
        right[parity] = _percentile([ln.x1 for ln in own], 0.9)
    steps = [a.y - b.y for p in pages for a, b in zip(p.lines, p.lines[1:]) if 0 < a.y - b.y < 3 * em]
    pitch = _percentile(steps, 0.3) if steps else 1.5 * em
    starts = [b for p in pages for a, b in zip(p.lines, p.lines[1:])
              if right[p.number % 2] - a.x1 > 3 * em and not RE_HEADING.match(b.text)]
    indented = [b for b in starts if b.x0 - left[b.page % 2] > 0.8 * em]
    return _Metrics(left, right, em, pitch, len(starts) >= 3 and len(indented) > 0.5 * len(starts))


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


# a line of a table of contents: its leader dots run to the margin, then a page number (一、总体目标……3)
RE_CONTENTS_ENTRY_END = re.compile(r"(?:[.．…·_]\s*){4,}\s*\d{1,4}$")


def _squash(text: str) -> str:
    return re.sub(r"\s", "", text)


# a line that stands alone between a covering notice and its plan: the notice's date, set to the right margin
# (2021年12月30日, 二〇二一年十二月三十日), and the 附件 (附件1：) heading the plan
RE_DATE_LINE = re.compile(r"^[（(]?\s*(?:(?:19|20)\d{2}|[二一][〇零一二三四五六七八九]{3})\s*年\s*[\d一二三四五六七八九十]{1,3}\s*月"
                          r"\s*[\d一二三四五六七八九十]{1,3}\s*日\s*(?:印发|发布)?\s*[)）]?$")
RE_ANNEX_LINE = re.compile(r"^附\s*件\s*\d{0,2}\s*[:：]?$")


def _begins_paragraph(first: VLine | None, prev: VLine | None, line: VLine, m: _Metrics,
                      headings: Collection[str] = ()) -> bool:
    if first is None or prev is None:
        return True
    if any(RE_DATE_LINE.match(t) or RE_ANNEX_LINE.match(t) for t in (prev.text.strip(), line.text.strip())):
        return True      # a date or 附件 line stands alone, however far it reaches (a date is set to the margin)
    if RE_CONTENTS_ENTRY_END.search(prev.text):
        return True      # a contents entry, its leader dots to the margin: the next entry is another line
    if headings and _squash(line.text) in headings and prev.text.endswith(SENTENCE_END):
        return True      # a heading a bookmark names, with no number to show it, after a line full to the margin
    room = m.right[prev.page % 2] - prev.x1
    if room > line.first_word_width() + 0.8 * m.em:
        return True                                   # the line above ended short of the margin
    if RE_HEADING.match(line.text) and prev.text.endswith(SENTENCE_END):
        return True      # a heading or numbered item after a full stop ("…统\n一、…" stays one sentence)
    if line.x0 - m.left[line.page % 2] > 0.8 * m.em:
        # without first-line indents, an item's wrapped lines may hang under its text, not its number
        hanging = not m.indents and first.x0 < line.x0 - 0.5 * m.em \
            and (prev is first or abs(line.x0 - prev.x0) < 0.3 * m.em)
        if not hanging:
            return True                               # indented first line (or a centred heading)
    if prev.page == line.page and prev.y - line.y > 1.4 * m.pitch:
        return True                                   # space between paragraphs
    if not m.indents and prev.text.endswith(SENTENCE_END) and (prev.page != line.page or m.pitch == 0):
        return True                                   # no indents to tell: a full stop at a page end ends it
    return False


def _assemble(pages: list[_Page], headings: Collection[str] = ()) -> tuple[list[SourceLine], list[list[list[str]]]]:
    """Paragraph lines and table rows of the whole document, in reading order; `headings`, the bookmarks' titles
    (spaces taken out), begin a paragraph of their own."""
    m = _metrics(pages)
    out: list[SourceLine] = []
    tables: list[Table] = []
    paragraph: list[VLine] = []

    def flush() -> None:
        if paragraph:
            first, last = paragraph[0], paragraph[-1]
            out.append(SourceLine(join_lines([ln.text for ln in paragraph]), page=first.page, page_end=last.page,
                                  line=first.number, line_end=last.number))
            paragraph.clear()

    previous_item: object = None
    for page in pages:
        items = [(ln.y, ln) for ln in page.lines] + [(t.top + 0.01, t) for t in page.tables]
        for _, item in sorted(items, key=lambda it: -it[0]):
            if isinstance(item, Table):
                flush()
                if isinstance(previous_item, Table) and _continues(previous_item, item):
                    _merge_into(previous_item, item)
                else:
                    tables.append(item)
                    previous_item = item
                continue
            first, prev = (paragraph[0], paragraph[-1]) if paragraph else (None, None)
            if isinstance(previous_item, Table) or _begins_paragraph(first, prev, item, m, headings):
                flush()
            paragraph.append(item)
            previous_item = item
    flush()
    return _with_tables(out, tables), [_filled(t) for t in tables]


def _continues(before: Table, after: Table) -> bool:
    """A table carried over to the next page: same columns, nothing between them."""
    return after.page == before.page_end + 1 and len(before.xs) == len(after.xs) \
        and all(abs(a - b) < 3 for a, b in zip(before.xs, after.xs))


def _merge_into(before: Table, after: Table) -> None:
    """Append a carried-over table: a repeated header row is dropped, a row split by the page is rejoined."""
    rows, merged, counts = list(after.rows), list(after.merged_down), list(after.line_counts)
    if rows and rows[0] == before.rows[0]:
        rows, merged, counts = rows[1:], merged[1:], counts[1:]
    if rows and before.rows:        # (under the repeated header, as LibreOffice and Word repeat it)
        last, first = before.rows[-1], rows[0]
        mergeable = [not any(flags[j] for flags in before.merged_down) for j in range(len(last))]
        if any(mergeable[j] and last[j] and not first[j] for j in range(len(last))):
            before.rows[-1] = [join_lines([a, b]) for a, b in zip(last, first)]
            before.line_counts[-1] += counts[0]
            after.first_line += counts[0]
            rows, merged, counts = rows[1:], merged[1:], counts[1:]
    before.rows += rows
    before.merged_down += merged
    before.line_counts += counts
    before.parts.append((after, len(before.rows) - len(rows)))
    before.page_end = after.page


def _with_tables(lines: list[SourceLine], tables: list[Table]) -> list[SourceLine]:
    """Insert each table's rows (tab-indented cells, then a blank line) where the table stood."""
    rows_out: list[tuple[tuple[int, int], list[SourceLine]]] = []
    for table in tables:
        for k, row in enumerate(table.rows):
            origin, first_row = max((p for p in table.parts if p[1] <= k), key=lambda p: p[1])
            line = origin.first_line + sum(table.line_counts[first_row:k])
            end = line + table.line_counts[k] - 1
            cells = [SourceLine("\t" + cell, page=origin.page, page_end=origin.page, line=line, line_end=end)
                     for cell in row]
            rows_out.append(((origin.page, line), cells + [SourceLine("", page=origin.page, page_end=origin.page, line=end, line_end=end)]))
    merged: list[SourceLine] = []
    pending = sorted(rows_out, key=lambda r: r[0])
    for source in lines:
        while pending and pending[0][0] < (source.page, source.line):
            merged += pending.pop(0)[1]
        merged.append(source)
    for _, cells in pending:
        merged += cells
    return merged


def _filled(table: Table) -> list[list[str]]:
    """Rows of cells with a vertically merged cell's text repeated in every row it spans."""
    out: list[list[str]] = []
    for row, flags in zip(table.rows, table.merged_down):
        out.append([out[-1][j] if flag and out and not cell else cell for j, (cell, flag) in enumerate(zip(row, flags))])
    return out
