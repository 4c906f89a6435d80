"""Page geometry for the PDF reader: characters with positions, visual lines, ruled tables.

Everything here works on one page at a time and knows nothing about plans."""
from __future__ import annotations

import bisect
import ctypes
import math
import re
from dataclasses import dataclass, field
from functools import cached_property
from statistics import median

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from indexer.normalize import unified_ideographs


def unradical(text: str) -> str:
    """Kangxi and supplement radicals (what some fonts map their glyphs to) → the ordinary characters."""
    return unified_ideographs(text)


@dataclass
class Char:
    text: str
    x0: float
    x1: float
    y: float                 # baseline
    generated: bool = False  # a space PDFium inferred from a gap, not in the file
    size: float = 0.0        # font size (points)


@dataclass
class VLine:
    """One visual line of a page."""

    chars: list[Char]
    page: int
    number: int = 0          # among the page's kept lines, 1-based

    @cached_property
    def x0(self) -> float:
        return min(c.x0 for c in self.chars if not c.text.isspace())

    @cached_property
    def x1(self) -> float:
        return max(c.x1 for c in self.chars if not c.text.isspace())

    @cached_property
    def y(self) -> float:
        return median(c.y for c in self.chars)

    @property
    def text(self) -> str:
        return line_text(self.chars)

    def first_word_width(self) -> float:
        """Width of what would have had to fit on the line above: a Latin/number run or one character."""
        chars = [c for c in self.chars if not c.text.isspace()]
        end = 1
        while end < len(chars) and chars[end - 1].text.isascii() and chars[end].text.isascii() \
                and chars[end].text.isalnum():
            end += 1
        return chars[end - 1].x1 - chars[0].x0


DIGIT_SPACE = 0.4     # share of a digit's width a gap between two digits must reach to be a space


def line_text(chars: list[Char]) -> str:
    """The characters as text: a space PDFium inferred is kept only between two Latin letters or digits, and
    between two digits only where the gap is a space's width (a browser's print sets 9 and 0 of 90% apart)."""
    out = []
    for i, c in enumerate(chars):
        if c.generated:
            if not 0 < i < len(chars) - 1:
                continue
            before, after = chars[i - 1], chars[i + 1]
            gap, width = after.x0 - before.x1, max(before.x1 - before.x0, after.x1 - after.x0, 1.0)
            latin = all(x.text.isascii() and x.text.isalnum() for x in (before, after))
            if latin and before.text.isdigit() and after.text.isdigit():
                latin = gap > DIGIT_SPACE * width
            if not (latin or gap > width):      # CJK-Latin spacing and justification only widen the text
                continue
        out.append(c.text)
    return unradical("".join(out)).strip()


@dataclass
class Table:
    page: int
    top: float
    bottom: float
    xs: list[float]                      # column boundaries, left to right
    rows: list[list[str]]                # cells; "" where a merged cell continues
    merged_down: list[list[bool]]        # cell continues the one above (no rule between them)
    line_counts: list[int] = field(default_factory=list)   # visual lines per row (for line numbers)
    first_line: int = 1                  # the page line number of its first row
    page_end: int = 0
    parts: list[tuple["Table", int]] = field(default_factory=list)   # pieces carried over: (piece, first row)

    def __post_init__(self) -> None:
        self.page_end = self.page_end or self.page
        self.parts = self.parts or [(self, 0)]


SLANT_MIN = 10          # degrees off level or upright from which a character is set at a slant
SLANTED_SHARE = 0.25    # most a page's slanted characters may be of it to be taken for a watermark
WATERMARK_SCALE = 3     # a light-grey character this many times the page's usual size is a watermark
LIGHT = 128             # the darkest channel of a light-grey fill (black text is 0)


def page_chars(textpage: pdfium.PdfTextPage) -> list[Char]:
    """The page's characters in content order, each with its advance box and baseline. A watermark is no part
    of it: text set at a slant across a page of level text (征求意见稿 at -45°), or light grey and several
    times the size of the page's text (LibreOffice prints Word's header watermark level, mid-page)."""
    found: list[tuple[Char, bool, bool]] = []
    x, y = ctypes.c_double(), ctypes.c_double()
    rect = pdfium_c.FS_RECTF()
    rgba = [ctypes.c_uint() for _ in range(4)]
    for i in range(textpage.count_chars()):
        code = pdfium_c.FPDFText_GetUnicode(textpage, i)
        if code in (0x0D, 0x0A, 0xFFFE, 0xFEFF, 0x00AD) or code == 0 or (code < 0x20 and code != 0x09):
            continue
        generated = bool(pdfium_c.FPDFText_IsGenerated(textpage, i))
        text = chr(code)
        if generated and not text.isspace():
            continue
        pdfium_c.FPDFText_GetCharOrigin(textpage, i, x, y)
        pdfium_c.FPDFText_GetLooseCharBox(textpage, i, rect)
        char = Char(" " if text.isspace() else text, rect.left, rect.right, y.value, generated,
                    pdfium_c.FPDFText_GetFontSize(textpage, i))
        angle = math.degrees(pdfium_c.FPDFText_GetCharAngle(textpage, i)) % 90     # 0 level or upright
        light = bool(pdfium_c.FPDFText_GetFillColor(textpage, i, *rgba)) and min(c.value for c in rgba[:3]) >= LIGHT
        found.append((char, SLANT_MIN < angle < 90 - SLANT_MIN, light))
    slanted = sum(s for _, s, _ in found)
    sizes = [c.size for c, _, _ in found if not c.text.isspace() and c.size > 1]
    usual = median(sizes) if sizes else 0.0
    # a page set mostly at a slant (a skewed scan's text layer) keeps all its text
    keep_slanted = slanted > SLANTED_SHARE * len(found)
    return [c for c, s, light in found
            if (not s or keep_slanted) and not (light and usual and c.size >= WATERMARK_SCALE * usual)]


REFERENCE_MARK = frozenset("0123456789*†‡¹²³⁴⁵⁶⁷⁸⁹⁰ivx①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳")   # ivx: endnotes numbered i, ii, iii


def drop_reference_marks(lines: list[VLine], em: float) -> None:
    """Footnote reference marks (婴儿死亡率控制在5.5‰以下¹) taken out of the text: digits or asterisks set small
    and raised above the line's baseline. They would make 以下1 of 以下."""
    for line in lines:
        sizes = [c.size for c in line.chars if not c.text.isspace() and c.size > 1]
        if not sizes:
            continue
        body = median(sizes)
        line.chars[:] = [c for c in line.chars if not (
            c.text in REFERENCE_MARK and 1 < c.size <= 0.75 * body and c.y > line.y + 0.15 * em)]


def footnote_rule(page: pdfium.PdfPage, lines: list[VLine], em: float) -> float | None:
    """The height of the short rule that separates a page's footnotes from its text (Word and LibreOffice
    draw one at the left margin, a third of the text's width or less), when the first line under it starts
    with a footnote's number or is set smaller than the text; None otherwise."""
    if not lines:
        return None
    left = min(ln.x0 for ln in lines)
    right = max(ln.x1 for ln in lines)
    horizontal, _ = _rules(page)
    below_text = [y for y, x0, x1 in horizontal
                  if abs(x0 - left) < 2 * em and x1 - x0 < 0.4 * (right - left) and y < page.get_height() / 2]
    for y in sorted(below_text, reverse=True):
        under = [ln for ln in lines if ln.y < y]
        above = [c.size for ln in lines if ln.y > y for c in ln.chars if c.size > 1 and not c.text.isspace()]
        first = [c.size for c in under[0].chars if c.size > 1 and not c.text.isspace()] if under else []
        # its number, or (a mark drawn with no character behind it, as LibreOffice's) a size smaller than the text's
        if under and (RE_FOOTNOTE_START.match(under[0].text)
                      or first and above and median(first) < SMALL_TEXT * median(above)):
            return y
    return _footnotes_without_rule(page, lines)


def _footnotes_without_rule(page: pdfium.PdfPage, lines: list[VLine]) -> float | None:
    """Footnotes set without a rule: the last lines of the page in a smaller size than its text, the first of them
    starting with a footnote's mark (②出生缺陷三级防治：…). Returns a height just above that first line."""
    sizes = [c.size for ln in lines for c in ln.chars if c.size and not c.text.isspace()]
    if not sizes:
        return None
    body = median(sizes)

    def small(ln: VLine) -> bool:
        return median([c.size for c in ln.chars if c.size and not c.text.isspace()] or [body]) < SMALL_TEXT * body
    start = None
    for k in range(len(lines) - 1, -1, -1):        # up from the foot of the page while the lines are small
        if k == len(lines) - 1 and RE_BARE_PAGE_NUMBER.match(lines[k].text):
            continue                                # the page number under them
        if not small(lines[k]) or lines[k].y > page.get_height() / 2:
            break
        if RE_FOOTNOTE_START.match(lines[k].text):
            start = k
    return lines[start].y + 0.01 if start is not None and start > 0 else None


SMALL_TEXT = 0.85      # a line set under this share of the page's text size is a note, not text
RE_BARE_PAGE_NUMBER = re.compile(r"^[\s\-—–－]*\d{1,4}[\s\-—–－]*$")


RE_FOOTNOTE_START = re.compile(r"^\s*(?:\d{1,2}|[①-⑳]|\*|[\[［]\d{1,2}[\]］])\s*\S")


GUTTER_LINES = 0.8     # share of a page's lines that must leave the same x blank for it to be a gutter between columns
GUTTER_SIDE = 0.15     # share of them with text on each side of it (a last page's right column may be short)
GUTTER_MIN_LINES = 4


def _blocked(ln: VLine, clear: float) -> tuple[list[float], list[float]]:
    """The xs a gutter cannot take on line `ln`: each printed glyph widened by `clear` on both sides, as open
    intervals merged where they overlap; (starts, ends), sorted."""
    starts: list[float] = []
    ends: list[float] = []
    for a, b in sorted((c.x0 - clear, c.x1 + clear) for c in ln.chars if not c.text.isspace()):
        if ends and a < ends[-1]:
            ends[-1] = max(ends[-1], b)
        else:
            starts.append(a)
            ends.append(b)
    return starts, ends


def _inside(spans: tuple[list[float], list[float]], x: float) -> bool:
    """Whether x falls strictly inside one of `_blocked`'s intervals."""
    starts, ends = spans
    i = bisect.bisect_left(starts, x) - 1
    return i >= 0 and x < ends[i]


def column_gutter(chars: list[Char], em: float) -> float | None:
    """The x of the gutter of a page set in two columns, or None (see `one_column`)."""
    return _gutter(visual_lines(chars, 0, em), em)


def _gutter(glued: list[VLine], em: float) -> float | None:
    full = [ln for ln in glued if sum(not c.text.isspace() for c in ln.chars) >= 6]
    if len(full) < GUTTER_MIN_LINES:
        return None
    left, right = min(ln.x0 for ln in full), max(ln.x1 for ln in full)
    clear = 0.5 * em                    # a gutter leaves at least an em blank; glyphs of one column touch
    blocked = [_blocked(ln, clear) for ln in full]
    best_x, best = None, len(full)
    for step in range(30, 71):
        x = left + (right - left) * step / 100
        crossed = [_inside(spans, x) for spans in blocked]
        crossing = sum(crossed)
        on_left = sum(ln.x0 < x for ln, no in zip(full, crossed) if not no)
        on_right = sum(ln.x1 > x for ln, no in zip(full, crossed) if not no)
        if crossing < best and min(on_left, on_right) >= max(2, GUTTER_SIDE * len(full)):
            best_x, best = x, crossing
    return None if best_x is None or best > (1 - GUTTER_LINES) * len(full) else best_x


def without_column_footnotes(page: pdfium.PdfPage, chars: list[Char], gutter: float, em: float) -> list[Char]:
    """A page in two columns without the footnotes at the foot of each column (Word and LibreOffice set a column's
    notes under a short rule at its own left edge): found column by column, before the right column is moved
    under the left one, where the left column's rule would cut off the whole right column."""
    dropped: set[int] = set()
    for column in ([c for c in chars if c.x0 < gutter], [c for c in chars if c.x0 >= gutter]):
        rule = footnote_rule(page, visual_lines(column, 0, em), em)
        if rule is not None:
            dropped.update(id(c) for c in column if c.y <= rule)
    return [c for c in chars if id(c) not in dropped]


def one_column(chars: list[Char], em: float, gutter: float | None = None) -> list[Char]:
    """A page set in two columns (a gazette, a 汇编) as one column: the right column's lines moved under the left
    one's, band by band between lines that span both (a title, a running header, a page number), so that the
    reader goes down the left column and then the right, as a person does. A page in one column comes back as it
    is. The gutter is an x that `GUTTER_LINES` of the page's lines leave blank, with text on each side in
    `GUTTER_SIDE` of them: `gutter` when the caller has found it already (`column_gutter`), else found here."""
    glued = visual_lines(chars, 0, em)
    gutter = _gutter(glued, em) if gutter is None else gutter
    if gutter is None:
        return chars
    left = min(ln.x0 for ln in glued if sum(not c.text.isspace() for c in ln.chars) >= 6)
    clear = 0.5 * em

    def splits(ln: VLine, x: float) -> bool:
        printed = [c for c in ln.chars if not c.text.isspace()]
        return all(c.x1 <= x - clear or c.x0 >= x + clear for c in printed) and printed[0].x0 < x < printed[-1].x1
    # the right column's left edge: where the lines that cross the gutter resume, else (no line of one column
    # level with one of the other, as under a title spanning both) where its own lines begin
    right_x0 = min((c.x0 for ln in glued if splits(ln, gutter) for c in ln.chars if c.x0 >= gutter),
                   default=min((ln.x0 for ln in glued if ln.x0 >= gutter), default=gutter))
    shift_x = right_x0 - left
    out: list[Char] = []
    band_left: list[VLine] = []
    band_right: list[VLine] = []
    drop = 0.0                          # how far everything below has moved down so far

    def flush() -> None:
        nonlocal drop
        if not band_right:
            out.extend(c for ln in band_left for c in ln.chars)
            band_left.clear()
            return
        top = max(ln.y for ln in band_right)
        bottom = min([ln.y for ln in band_left] + [top])
        pitch = 1.5 * em
        out.extend(c for ln in band_left for c in ln.chars)
        under = bottom - pitch - top            # the right column starts one line under the left one's last
        out.extend(Char(c.text, c.x0 - shift_x, c.x1 - shift_x, c.y + under, c.generated, c.size)
                   for ln in band_right for c in ln.chars)
        drop += top - bottom + pitch
        band_left.clear()
        band_right.clear()
    def moved(line_chars: list[Char]) -> list[Char]:
        return [Char(c.text, c.x0, c.x1, c.y - drop, c.generated, c.size) for c in line_chars]
    for ln in glued:                     # top to bottom
        if splits(ln, gutter):
            band_left.append(VLine(moved([c for c in ln.chars if c.x1 <= gutter]), 0))
            band_right.append(VLine(moved([c for c in ln.chars if c.x0 >= gutter]), 0))
        elif ln.x0 >= gutter:
            band_right.append(VLine(moved(ln.chars), 0))
        elif ln.x1 <= gutter:
            band_left.append(VLine(moved(ln.chars), 0))
        else:                            # spans both columns: a band ends, and the line goes under it
            flush()
            out.extend(moved(ln.chars))
    flush()
    return out


LINE_NUMBER_SHARE = 0.5   # share of a page's lines that must begin with a small number at one x (a draft's line numbers)


def drop_line_numbers(lines: list[VLine], em: float) -> list[VLine]:
    """Line numbers in the margin (Word's line numbering, a draft for comment numbering every line): digits no
    larger than the text, an em or more before it, right-aligned at one x, counting up down the page. The numbers
    go, the lines stay. A page where fewer than `LINE_NUMBER_SHARE` of the lines begin so keeps every digit."""
    found: list[tuple[VLine, int, int, float]] = []
    for ln in lines:
        printed = [c for c in ln.chars if not c.text.isspace()]
        text_size = median(c.size for c in printed) or em
        k = 0                            # "3 1.坚持…" is line 3 before item 1: the run ends at the gap
        while k < len(printed) and k < 4 and "0" <= printed[k].text <= "9" and printed[k].size <= text_size \
                and (k == 0 or printed[k].x0 - printed[k - 1].x1 < 0.3 * em):
            k += 1
        if 0 < k < len(printed) and printed[k].x0 - printed[k - 1].x1 >= 0.9 * em:
            found.append((ln, k, int("".join(c.text for c in printed[:k])), printed[k - 1].x1))
    if len(found) < max(3, LINE_NUMBER_SHARE * len(lines)):
        return lines
    right = median(x for *_, x in found)
    found = [f for f in found if abs(f[3] - right) <= 0.3 * em]
    rising = sum(b[2] > a[2] for a, b in zip(found, found[1:]))
    if len(found) < max(3, LINE_NUMBER_SHARE * len(lines)) or rising < 0.8 * (len(found) - 1):
        return lines
    numbered = {id(ln): k for ln, k, _, _ in found}
    out = []
    for ln in lines:
        k = numbered.get(id(ln))
        if k is None:
            out.append(ln)
            continue
        first_word = [c for c in ln.chars if not c.text.isspace()][k]
        out.append(VLine([c for c in ln.chars if c.x0 >= first_word.x0 - 0.01], ln.page))
    return out


def visual_lines(chars: list[Char], page: int, em: float) -> list[VLine]:
    """Group characters into lines: a new line where the baseline moves or the text jumps back left."""
    lines: list[VLine] = []
    current: list[Char] = []
    for c in chars:
        if current:
            last = current[-1]
            same_baseline = abs(c.y - last.y) < 0.45 * em
            if not same_baseline or c.x0 < last.x0 - 2 * em:
                lines.append(VLine(current, page))
                current = []
        current.append(c)
    if current:
        lines.append(VLine(current, page))
    lines = _same_baseline([ln for ln in lines if any(not c.text.isspace() for c in ln.chars)], em)
    for ln in lines:      # left to right: a quotation mark in another font may be drawn after the word it follows
        ln.chars.sort(key=lambda c: c.x0)
    lines.sort(key=lambda ln: -ln.y)      # top to bottom (content order can put a header last)
    return lines


def _same_baseline(lines: list[VLine], em: float) -> list[VLine]:
    """Pieces of one printed line drawn at different times (runs, fields, quotation marks set in another font
    and drawn after the words they enclose) joined left to right, where no character of one lies on one of the
    other (a word drawn twice for bold stays apart)."""
    out: list[VLine] = []
    for line in lines:
        k = next((k for k in range(len(out) - 1, max(-1, len(out) - 60), -1)
                  if abs(out[k].y - line.y) < 0.2 * em and _apart(out[k], line, 0.1 * em)), None)
        if k is None:
            out.append(line)
        else:
            out[k] = VLine(sorted(out[k].chars + line.chars, key=lambda c: c.x0), line.page)
    return out


def _apart(a: VLine, b: VLine, slack: float) -> bool:
    """No printed character of `b` overlaps one of `a` by more than `slack`."""
    if b.x0 >= a.x1 - slack or b.x1 <= a.x0 + slack:
        return True
    boxes = sorted((c.x0, c.x1) for c in a.chars if not c.text.isspace())
    starts = [x0 for x0, _ in boxes]
    for c in b.chars:
        if c.text.isspace():
            continue
        i = bisect.bisect_left(starts, c.x1 - slack)       # boxes starting before c ends
        if any(min(c.x1, x1) - max(c.x0, x0) > slack for x0, x1 in boxes[max(0, i - 3):i]):
            return False
    return True


# -- ruled tables -------------------------------------------------------------------------------------

def _rules(page: pdfium.PdfPage) -> tuple[list[tuple[float, float, float]], list[tuple[float, float, float]]]:
    """Horizontal (y, x0, x1) and vertical (x, y0, y1) rules drawn on the page: thin paths, rectangle edges."""
    horizontal, vertical = [], []
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH]):
        left, bottom, right, top = obj.get_bounds()
        w, h = right - left, top - bottom
        if h <= 2.5 and w > 3:
            horizontal.append(((top + bottom) / 2, left, right))
        elif w <= 2.5 and h > 3:
            vertical.append(((left + right) / 2, bottom, top))
        elif w > 3 and h > 3 and pdfium_c.FPDFPath_CountSegments(obj) <= 6:   # a rectangle: its four edges
            horizontal += [(bottom, left, right), (top, left, right)]
            vertical += [(left, bottom, top), (right, bottom, top)]
    return horizontal, vertical


def _cluster(values: list[float], tolerance: float = 2.0) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= tolerance:
            continue
        out.append(v)
    return out


def _components(horizontal, vertical) -> list[tuple[list, list]]:
    """Groups of rules that touch one another: each group with a grid in it is one table."""
    items = [("h", r) for r in horizontal] + [("v", r) for r in vertical]
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def touch(a, b) -> bool:
        (ka, ra), (kb, rb) = a, b
        if ka == kb:
            return False
        (hy, hx0, hx1), (vx, vy0, vy1) = (ra, rb) if ka == "h" else (rb, ra)
        return hx0 - 2 <= vx <= hx1 + 2 and vy0 - 2 <= hy <= vy1 + 2

    for i in range(len(items)):
        for j in range(i + 1, len(items)):
            if touch(items[i], items[j]):
                parent[find(i)] = find(j)
    groups: dict[int, tuple[list, list]] = {}
    for i, (kind, rule) in enumerate(items):
        group = groups.setdefault(find(i), ([], []))
        group[0 if kind == "h" else 1].append(rule)
    return list(groups.values())


def tables_on(page: pdfium.PdfPage, chars: list[Char], page_no: int, em: float) -> tuple[list[Table], list[Char]]:
    """The page's ruled tables (at least two cells) and the characters outside them."""
    horizontal, vertical = _rules(page)
    if len(horizontal) < 2 or len(vertical) < 2:
        return [], chars
    tables = []
    rest = chars
    for hs, vs in _components(horizontal, vertical):
        ys = _cluster([r[0] for r in hs])[::-1]     # top to bottom
        xs = _cluster([r[0] for r in vs])
        if len(ys) < 2 or len(xs) < 2 or (len(ys) - 1) * (len(xs) - 1) < 2:
            continue
        ys = _open_edges(ys, xs, vs, rest, em)
        inside = [c for c in rest if xs[0] < (c.x0 + c.x1) / 2 < xs[-1] and ys[-1] < c.y + 0.3 * em < ys[0]]
        if not inside:
            continue
        taken = set(map(id, inside))
        rest = [c for c in rest if id(c) not in taken]
        tables.append(_grid(hs, vs, ys, xs, inside, page_no, em))
    return tables, rest


def _open_edges(ys: list[float], xs: list[float], vs, chars: list[Char], em: float) -> list[float]:
    """The rows' edges with a row that has no rule of its own at the table's top or bottom: a row carried to the
    next page, whose top border the browser drew on the page before (the column rules run up to it). Such a row
    was read as a line of text above the table, and its indicator lost."""
    top, bottom = max(r[2] for r in vs), min(r[1] for r in vs)

    def holds_text(high: float, low: float) -> bool:
        return any(xs[0] < (c.x0 + c.x1) / 2 < xs[-1] and low < c.y + 0.3 * em < high and not c.text.isspace()
                   for c in chars)
    if top - ys[0] > 0.8 * em and holds_text(top, ys[0]):
        ys = [top, *ys]
    if ys[-1] - bottom > 0.8 * em and holds_text(ys[-1], bottom):
        ys = [*ys, bottom]
    return ys


def _grid(hs, vs, ys, xs, chars: list[Char], page_no: int, em: float) -> Table:
    """Cells of a ruled grid; a cell with no rule above it continues (is merged with) the one above,
    one with no rule on its left continues the one on its left. A merged cell's text goes to its first cell."""
    n_rows, n_cols = len(ys) - 1, len(xs) - 1

    def h_rule(y: float, xa: float, xb: float) -> bool:
        mid = (xa + xb) / 2
        return any(abs(r[0] - y) <= 2 and r[1] - 1 <= mid <= r[2] + 1 for r in hs)

    def v_rule(x: float, ya: float, yb: float) -> bool:
        mid = (ya + yb) / 2
        return any(abs(r[0] - x) <= 2 and r[1] - 1 <= mid <= r[2] + 1 for r in vs)

    owner = {}
    for i in range(n_rows):
        for j in range(n_cols):
            if i and not h_rule(ys[i], xs[j], xs[j + 1]):
                owner[i, j] = owner[i - 1, j]
            elif j and not v_rule(xs[j], ys[i + 1], ys[i]):
                owner[i, j] = owner[i, j - 1]
            else:
                owner[i, j] = (i, j)
    cell_chars: dict[tuple[int, int], list[Char]] = {}
    for c in chars:
        cx, cy = (c.x0 + c.x1) / 2, c.y + 0.3 * em
        i = next((k for k in range(n_rows) if ys[k + 1] <= cy <= ys[k]), n_rows - 1)
        j = next((k for k in range(n_cols) if xs[k] <= cx <= xs[k + 1]), n_cols - 1)
        cell_chars.setdefault(owner[i, j], []).append(c)
    rows, merged, counts = [], [], []
    for i in range(n_rows):
        row, flags, lines_in_row = [], [], 0
        for j in range(n_cols):
            if owner[i, j] != (i, j):
                row.append("")
                flags.append(owner[i, j][0] < i)
                continue
            lines = visual_lines(cell_chars.get((i, j), []), page_no, em)
            lines_in_row = max(lines_in_row, len(lines))
            row.append(join_lines([ln.text for ln in lines]))
            flags.append(False)
        if any(owner[i, j] == (i, j) for j in range(n_cols)) or any(row):
            rows.append(row)
            merged.append(flags)
            counts.append(max(lines_in_row, 1))
    return Table(page_no, ys[0], ys[-1], xs, rows, merged, counts)


def join_lines(parts: list[str]) -> str:
    """Visual lines of one paragraph as one line: no space in Chinese, one between Latin words."""
    out = ""
    for part in parts:
        part = part.strip()
        if out and part and out[-1].isascii() and out[-1].isalnum() and part[0].isascii() and part[0].isalpha():
            out += " "
        out += part
    return out
