"""Saved government web pages: decode as a browser would, keep only the document (the block holding
most of the page's Chinese prose), and turn its blocks into lines; site chrome is dropped."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from indexer.normalize import DOC_NUMBER
from indexer.readers.base import Document, ReaderError, SourceLine
from indexer.readers.numbering import (NOT_A_CHAPTER, PLAN_TITLE, TYPED_MARKER, bullet_for, chinese_counting, format_number,
                                       number_headings)

# -- decoding ------------------------------------------------------------------------------------
RE_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_\-.:]+)""", re.IGNORECASE)
RE_XML_ENCODING = re.compile(rb"""<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_\-.:]+)""", re.IGNORECASE)
# WHATWG: every GB label decodes as gb18030 (a gb2312 page is really GBK or GB18030: "——", "©")
GB_LABELS = {"gb2312", "gbk", "x-gbk", "gb_2312", "gb_2312-80", "gb2312-80", "chinese", "csgb2312",
             "iso-ir-58", "csiso58gb231280", "gb18030", "cp936", "windows-936", "ms936", "euc-cn"}
LATIN_LABELS = {"iso-8859-1", "latin1", "latin-1", "ascii", "us-ascii", "windows-1252", "cp1252"}


def _declared(head: bytes) -> str | None:
    m = RE_META_CHARSET.search(head) or RE_XML_ENCODING.search(head)
    return charset_codec(m.group(1).decode("ascii", "ignore")) if m else None


def charset_codec(label: str) -> str:
    """The codec a browser decodes a declared charset with."""
    label = label.strip().lower()
    if label in GB_LABELS:
        return "gb18030"
    if label in ("big5", "big5-hkscs", "cn-big5", "x-x-big5"):
        return "big5hkscs"
    if label in LATIN_LABELS:
        return "cp1252"
    if label in ("utf8", "utf-8", "unicode-1-1-utf-8"):
        return "utf-8"
    return label


def decode_html(data: bytes, name: str) -> tuple[str, list[str]]:
    """The page's text: BOM, then the declared charset (GB labels as gb18030), else UTF-8, else GB18030. A Latin-1
    declaration over bytes that are not ASCII is tried last."""
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace"), []
    declared = _declared(data[:8192])
    tried = [declared] if declared else []
    if declared == "cp1252" and any(b >= 0x80 for b in data):
        tried = []      # a Chinese page declared Latin-1 by its server or editor: Latin-1 reads any bytes, as mojibake
    for encoding in tried + ["utf-8", "gb18030", *([declared] if declared and not tried else [])]:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        warnings = [f"{name}: declared charset '{declared}' does not fit; read as {encoding}"] \
            if declared and encoding != declared else []
        return text, warnings
    if declared:
        try:
            return data.decode(declared, errors="replace"), [f"{name}: bytes not valid {declared} were replaced"]
        except LookupError:
            pass
    raise ReaderError(name, "not a readable web page (neither its declared charset, UTF-8 nor GB18030)")


# -- what is text, what is chrome ----------------------------------------------------------------
RE_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
RE_SENTENCE = re.compile(r"[。；！？，]")
RE_CHROME = re.compile(
    r"发布时间|发布日期|发文日期：|信息来源|来源[:：]|字体[:：]|【\s*[大中小]|[【\[]\s*(打印|关闭)|打印本页|关闭窗口|"
    r"分享到|浏览次数|阅读次数|访问量|点击[数量率]|责任编辑|当前位置|您现在的位置|所在位置|版权所有|"
    r"主办单位|承办单位|主办[:：]|承办[:：]|网站标识码|ICP|公网安备|技术支持[:：]|相关文章|相关链接|相关阅读|"
    r"扫一扫|上一篇|下一篇|建议使用.{0,20}(?:分辨率|浏览器)|关怀版|长者模式|"
    r"【\s*字体|\[\s*字体|索引号|发布机构|主题分类", re.IGNORECASE)
# words a site's links use that plans use too (无障碍环境, 技术支持, 联系): furniture only in a short line that is
# not a sentence (无障碍浏览, 联系我们 | 网站地图)
RE_CHROME_WORD = re.compile(r"无障碍|二维码|联系我们|网站地图|技术支持|分辨率|浏览器")
CHROME_WORD_MAX = 16          # Chinese characters in such a line
DROP_TAGS = ("script", "style", "noscript", "iframe", "object", "embed", "svg", "canvas", "select", "button",
             "input", "textarea", "template", "head", "map", "audio", "video")
BLOCK_TAGS = {"p", "div", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr",
              "td", "th", "tbody", "thead", "tfoot", "caption", "section", "article", "main", "aside", "header",
              "footer", "nav", "blockquote", "pre", "center", "form", "fieldset", "address", "figure",
              "figcaption", "hr", "body", "html"}
# a list's numbers as a browser draws them: <ol type=…> or CSS list-style-type, as Word number formats
LIST_TYPES = {"1": "decimal", "a": "lowerLetter", "A": "upperLetter", "i": "lowerRoman", "I": "upperRoman"}
LIST_STYLES = {"decimal": "decimal", "decimal-leading-zero": "decimalZero", "lower-alpha": "lowerLetter",
               "lower-latin": "lowerLetter", "upper-alpha": "upperLetter", "upper-latin": "upperLetter",
               "lower-roman": "lowerRoman", "upper-roman": "upperRoman", "cjk-ideographic": "chineseCounting",
               "simp-chinese-informal": "chineseCounting", "trad-chinese-informal": "chineseCounting",
               "cjk-decimal": "cjkDecimal", "circled-decimal": "decimalEnclosedCircle", "none": "none",
               "disc": "bullet", "circle": "bullet", "square": "bullet"}
RE_LIST_STYLE = re.compile(r"list-style(?:-type)?\s*:\s*([a-z\-]+)", re.IGNORECASE)
RE_NOTE_MARK_CLASS = re.compile(r"^sd(?:foot|end)noteanc$")
RE_NOTE_MARK_HREF = re.compile(r"^#_?(?:ftn|edn)\d+$")
RE_NOTE_ID = re.compile(r"^(?:sdfootnote|sdendnote|_?ftn|_?edn)\d+$")
RE_MSO_FURNITURE = re.compile(r"mso-element\s*:\s*(?:footnote|endnote|header|footer)", re.IGNORECASE)
HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")
RE_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
TRIM = " \t\r\n\f\u00a0\u2002\u2003\u2009\u200b\u3000\ufeff"
RE_SPACES = re.compile(r"[ \t\r\f\n]+")
RE_CJK_OR_PUNCT = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
RE_SPACE_IN_CJK = re.compile(r"(?<=[\u3000-\u303f\u3400-\u9fff\uff00-\uffef“”])\s+(?=[\u3000-\u303f\u3400-\u9fff\uff00-\uffef“”])")


def cjk_count(text: str) -> int:
    return len(RE_CJK.findall(text))


def is_chrome(text: str) -> bool:
    """A line of site furniture: the 发布时间 / 字体 line, share links, footer and the like."""
    if len(text) > 120:
        return False
    return RE_CHROME.search(text) is not None or RE_CHROME_WORD.search(text) is not None and \
        cjk_count(text) <= CHROME_WORD_MAX and not re.search(r"[。；！？，、]", text)


@dataclass
class Block:
    """One line of text on the page, with the block element it belongs to."""

    text: str
    owner: Tag
    paragraph: int
    link_chars: int = 0
    cells: list[str] | None = None     # a row of a data table (text: the cells joined by tabs)

    def link_heavy(self) -> bool:
        size = len(re.sub(r"\s", "", self.text))
        return size > 0 and self.link_chars * 2 >= size

    def prose(self) -> int:
        """Chinese characters that read as document text (0 for links, chrome and short labels)."""
        if self.link_heavy() or is_chrome(self.text):
            return 0
        n = cjk_count(self.text)
        if self.cells is not None:      # a row of a data table (an indicator table is document text)
            return n if n >= 8 else 0
        return n if n >= 20 or (n >= 8 and RE_SENTENCE.search(self.text)) else 0


# -- walking the page ------------------------------------------------------------------------------
@dataclass
class _Flow:
    """Turns a subtree into blocks: block elements end a paragraph, <br> ends a line within one."""

    blocks: list[Block] = field(default_factory=list)
    paragraph: int = 0
    open: bool = False
    parts: list[str] = field(default_factory=list)
    link_chars: int = 0
    owner: Tag | None = None
    marker: str = ""            # a list item's number, drawn before its first line
    heading_levels: tuple[int, ...] = ()     # the levels of the headings on the page (1 for <h1> …), lowest first

    def line(self) -> None:
        text = "".join(self.parts)
        text = _collapse(text).strip(TRIM)
        if text and self.marker:
            text, self.marker = self.marker + text, ""
        if text and self.owner is not None:
            if not self.open:
                self.paragraph += 1
                self.open = True
            self.blocks.append(Block(text, self.owner, self.paragraph, self.link_chars))
        self.parts, self.link_chars = [], 0

    def end_block(self) -> None:
        self.line()
        self.open = False

    def walk(self, node: Tag, in_link: bool = False) -> None:
        for child in node.children:
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
                if type(child) is not NavigableString:     # CData, doctype, processing instructions
                    continue
                if not self.parts:
                    self.owner = node if node.name in BLOCK_TAGS else _block_parent(node)
                self.parts.append(str(child))
                if in_link:
                    self.link_chars += len(re.sub(r"\s", "", str(child)))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name
            if name == "br":
                self.line()
            elif name == "table" and not _is_layout(child):
                self.end_block()
                self.table(child)
            elif name in BLOCK_TAGS:
                self.end_block()
                if name == "li":
                    self.marker = list_marker(child, self.heading_levels)
                self.walk(child, in_link)
                self.end_block()
                self.marker = ""
            else:
                self.walk(child, in_link or (name == "a" and child.has_attr("href")))

    def table(self, table: Tag) -> None:
        for tr, cells in zip(_rows(table), _grid(table)):
            if not any(cells):
                continue
            links = sum(len(re.sub(r"\s", "", a.get_text())) for a in tr.find_all("a", href=True))
            self.paragraph += 1
            self.blocks.append(Block("\t".join(cells), table, self.paragraph, links, cells=cells))


def _list_format(tag: Tag) -> str | None:
    """The number format a list or item asks for, None when it asks for none (the browser's decimal)."""
    if m := RE_LIST_STYLE.search(str(tag.get("style", ""))):
        return LIST_STYLES.get(m.group(1).lower(), "decimal")
    kind = tag.get("type")
    return LIST_TYPES.get(str(kind).strip(), "decimal") if kind else None


def _ordinal(li: Tag, ol: Tag) -> int:
    """The item's number: the list's start, counted on (an item's own value resets the count)."""
    def number(value: object, default: int) -> int:
        try:
            return int(str(value).strip())
        except ValueError:
            return default

    n = number(ol.get("start", 1), 1) - 1
    for item in ol.find_all("li", recursive=False):
        n = number(item["value"], n + 1) if item.has_attr("value") else n + 1
        if item is li:
            break
    return n


def list_marker(li: Tag, heading_levels: tuple[int, ...] = ()) -> str:
    """The number a browser draws before an <ol> item (Word's automatic numbering saved as a web page has no
    other), unless the item types its own. A list of the default style whose items are headings (LibreOffice's
    "save as HTML" of Word's 一、 and （一） headings, whose number format HTML cannot say) is numbered as a
    Chinese document numbers its levels (GB/T 9704): the page's highest heading level 一、, the next （一）, then 1.;
    other items of such a list get 1."""
    ol = li.parent
    start = "".join(s for _, s in zip(range(6), li.strings))
    if ol is not None and ol.name == "ul":          # the bullet a browser draws before a <ul> item
        return bullet_for(li.get_text()) if (_list_format(li) or _list_format(ol)) in (None, "bullet") else ""
    if ol is None or ol.name != "ol" or TYPED_MARKER.match(start):
        return ""
    n = _ordinal(li, ol)
    fmt = _list_format(li) or _list_format(ol)
    if fmt is None:
        first = next((c for c in li.children if isinstance(c, Tag)), None)
        if first is not None and first.name in HEADING_TAGS:
            level = int(first.name[1])
            rank = heading_levels.index(level) if level in heading_levels else 0
            return (f"{chinese_counting(n)}、", f"（{chinese_counting(n)}）", f"{n}.")[min(rank, 2)]
        fmt = "decimal"
    if fmt in ("none", "bullet"):
        return ""
    if fmt == "chineseCounting":
        return f"{chinese_counting(n)}、"
    if fmt == "cjkDecimal":
        return f"{n}、"
    label = format_number(n, fmt)
    return label if fmt == "decimalEnclosedCircle" else f"{label}."


def _collapse(text: str) -> str:
    """HTML whitespace: a source line break becomes nothing next to Chinese text, else one space; spaces
    within a line are kept as written (a saved page is quoted as its source has it)."""
    def join(m: re.Match[str]) -> str:
        if "\n" not in m.group(0):
            return m.group(0).replace("\t", " ").replace("\r", " ").replace("\f", " ")
        before = text[m.start() - 1] if m.start() else ""
        after = text[m.end()] if m.end() < len(text) else ""
        return "" if RE_CJK_OR_PUNCT.match(before or " ") or RE_CJK_OR_PUNCT.match(after or " ") else " "
    return RE_SPACES.sub(join, text)


def _block_parent(node: Tag) -> Tag:
    while node.parent is not None and node.name not in BLOCK_TAGS:
        node = node.parent
    return node


def _rows(table: Tag) -> list[Tag]:
    """The table's own rows (not those of a table nested in a cell)."""
    return [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]


def _is_layout(table: Tag) -> bool:
    """A table used to lay out the page, not to hold data: nested tables, one column, or long cells."""
    if table.find("table") is not None:
        return True
    rows = _rows(table)
    widest = max((len(tr.find_all(["td", "th"], recursive=False)) for tr in rows), default=0)
    if widest <= 1:
        return True
    return any(len(cell.get_text()) > 400 or len(cell.find_all(["p", "div"])) > 3
               for tr in rows for cell in tr.find_all(["td", "th"], recursive=False))


def _span(cell: Tag, attr: str) -> int:
    try:
        return max(1, min(int(str(cell.get(attr, "1")).strip() or 1), 100))
    except ValueError:
        return 1


def _grid(table: Tag, fill: bool = False) -> list[list[str]]:
    """The table as rows of cell texts. Cells covered by a colspan/rowspan are '' (fill=False, as the
    flattened text tables have them) or repeat the merged cell's text (fill=True)."""
    grid: list[list[str]] = []
    pending: dict[int, tuple[int, str]] = {}     # column → (rows still covered, text)
    for tr in _rows(table):
        row: list[str] = []
        cells = tr.find_all(["td", "th"], recursive=False)
        col = 0

        def cover() -> None:
            nonlocal col
            while col in pending:
                left, text = pending[col]
                row.append(text if fill else "")
                if left <= 1:
                    del pending[col]
                else:
                    pending[col] = (left - 1, text)
                col += 1

        for cell in cells:
            cover()
            text = _cell_text(cell)
            colspan, rowspan = _span(cell, "colspan"), _span(cell, "rowspan")
            for k in range(colspan):
                row.append(text if k == 0 or fill else "")
                if rowspan > 1:
                    pending[col] = (rowspan - 1, text)
                col += 1
        cover()
        grid.append(row)
    return grid


def _cell_text(cell: Tag) -> str:
    flow = _Flow()
    flow.walk(cell)
    flow.end_block()
    return "".join(b.text if b.cells is None else " ".join(b.cells) for b in flow.blocks)


# -- the content block -----------------------------------------------------------------------------
def _clean(soup: BeautifulSoup) -> None:
    for tag in soup.find_all(DROP_TAGS):
        tag.decompose()
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    for tag in soup.find_all(style=RE_HIDDEN):
        tag.decompose()
    for tag in soup.find_all(hidden=True):
        tag.decompose()
    # a word processor's page furniture and notes saved with the page, left out as the Word and PDF readers leave
    # them: LibreOffice's header and footer blocks, footnote and endnote marks and texts (LibreOffice sdfootnote…,
    # Word _ftn… and mso-element blocks)
    for tag in soup.find_all(lambda t: t.name == "div" and str(t.get("title", "")).lower() in ("header", "footer")):
        tag.decompose()
    for tag in soup.find_all("a", class_=RE_NOTE_MARK_CLASS) + soup.find_all("a", href=RE_NOTE_MARK_HREF):
        tag.decompose()
    for tag in soup.find_all(id=RE_NOTE_ID) + soup.find_all(style=RE_MSO_FURNITURE):
        tag.decompose()


def _content_root(body: Tag, blocks: list[Block]) -> Tag:
    """Descend from <body> into the child holding the page's prose while what is left outside it is
    no more than a stray sentence of furniture (a sidebar blurb, a footer notice)."""
    mass: dict[int, int] = {}
    for block in blocks:
        weight = block.prose()
        if not weight:
            continue
        node: Tag | None = block.owner
        while node is not None:
            mass[id(node)] = mass.get(id(node), 0) + weight
            node = node.parent
    node = body
    while True:
        total = mass.get(id(node), 0)
        children = [c for c in node.children if isinstance(c, Tag)]
        best = max(children, key=lambda c: mass.get(id(c), 0), default=None)
        if best is None or not mass.get(id(best), 0):
            return node
        outside = total - mass[id(best)]
        if outside > 0.1 * total or outside > max(40, total * 0.005):
            return node
        node = best


def _page_title(soup: BeautifulSoup) -> str:
    """What the page says its document is called: <title> and an ArticleTitle meta (read before the <head> goes)."""
    meta = soup.find("meta", attrs={"name": re.compile(r"^(?:ArticleTitle|title)$", re.IGNORECASE)})
    parts = [soup.title.get_text() if soup.title else "", str(meta.get("content", "")) if meta else ""]
    return re.sub(r"\s", "", " ".join(parts))


# a government site's 信息公开 table: 发文字号 (or 文号) and the number, in the next cell or after a colon
RE_SITE_DOC_NUMBER = re.compile(rf"(?:发\s*文\s*字\s*号|文\s*号)\s*[:：]?\s*({DOC_NUMBER})")


def _site_doc_number(soup: BeautifulSoup) -> str:
    """The document number a government site shows beside the document, in its 信息公开 table (索引号 / 发文字号 /
    成文日期), read before the site's furniture goes: a printed plan carries it above the title."""
    m = RE_SITE_DOC_NUMBER.search(re.sub(r"\s+", " ", soup.get_text(" ")))
    return re.sub(r"\s", "", m.group(1)) if m else ""


def _title(soup: BeautifulSoup, root: Tag, page_title: str = "") -> str:
    """The page's heading for the document (an <h1>, or an element named title), if outside the content: the one
    the page's own title names, else the highest (an <h1> before a sidebar's <h3>)."""
    candidates = soup.find_all(["h1", "h2", "h3"]) + soup.find_all(
        lambda t: t.name not in ("title", "html", "body", "head", "meta")
        and re.search(r"title|biaoti|bt\b", " ".join(t.get("class", [])) + " " + str(t.get("id", "")), re.I))
    texts = []
    for tag in candidates:
        if tag is root or root in tag.parents or tag.find_parent("a") is not None or tag in root.parents:
            continue
        if tag.find("a") is not None and len(tag.find("a").get_text(strip=True)) * 2 >= len(tag.get_text(strip=True)):
            continue
        text = RE_SPACE_IN_CJK.sub("", _collapse(tag.get_text(" ")).strip(TRIM))      # a <br> in the heading
        if cjk_count(text) >= 4 and len(text) <= 120 and not is_chrome(text):
            texts.append((int(tag.name[1]) if tag.name in HEADING_TAGS else 9, text))
    for _, text in texts:
        if re.sub(r"\s", "", text) in page_title:
            return text
    return min(texts, key=lambda t: t[0])[1] if texts else ""


def _framed_pages(soup: BeautifulSoup) -> list[str]:
    """The pages a frameset or an iframe shows by address (their src), and each iframe whose page is written into
    it (srcdoc) put in its place as the browser shows it, so that its text is read as the page's own."""
    for frame in soup.find_all("iframe", srcdoc=True):
        inner = BeautifulSoup(frame["srcdoc"], "lxml")
        holder = soup.new_tag("div")
        for child in list((inner.body or inner).children):
            holder.append(child.extract())
        frame.replace_with(holder)
    return [src for frame in soup.find_all(("frame", "iframe")) if (src := (frame.get("src") or "").strip())]


def read_html(path: Path) -> Document:
    return read_html_bytes(path.read_bytes(), path.name)


def read_html_bytes(data: bytes, name: str, fmt: str = "html") -> Document:
    """A page's bytes (a file's, or the page inside a web archive) read as `read_html` reads a file `name`."""
    text, warnings = decode_html(data, name)
    soup = BeautifulSoup(text, "lxml")
    page_title = _page_title(soup)
    doc_number = _site_doc_number(soup)
    frames = _framed_pages(soup)
    _clean(soup)
    body = soup.body or soup
    try:
        page = _Flow()
        page.walk(body)
        page.end_block()
        if sum(b.prose() for b in page.blocks) < 20:
            if frames:
                raise ReaderError(name, "the page only frames other pages (" + ", ".join(frames[:3]) +
                                  "): save or index the framed page that holds the plan")
            raise ReaderError(name, "no document text on the page (only navigation, links or site furniture)")
        root = _content_root(body, page.blocks)
        flow = _Flow(heading_levels=tuple(sorted({int(h.name[1]) for h in root.find_all(HEADING_TAGS)})))
        if root.name == "table" and not _is_layout(root):
            flow.table(root)
        else:
            flow.walk(root)
        flow.end_block()
    except RecursionError:
        raise ReaderError(name, "the page's markup is nested too deeply to read") from None
    blocks = [b for b in flow.blocks if not is_chrome(b.text) and (b.cells is not None or not b.link_heavy())]
    lines: list[SourceLine] = []
    tables: list[list[list[str]]] = []
    title = _title(soup, root, page_title)
    head = re.sub(r"\s", "", "".join(b.text for b in blocks[:4] if b.cells is None))
    if title and re.sub(r"\s", "", title) not in head:
        lines.append(SourceLine(title))
    if doc_number and not any(doc_number in re.sub(r"\s", "", b.text) for b in blocks[:12] if b.cells is None):
        lines.append(SourceLine(doc_number))
    previous_table: Tag | None = None
    headings: list[tuple[int, int, bool]] = []       # (line, level, numbered) of <h1>…<h6> outside a list
    for block in blocks:
        if block.cells is None:
            previous_table = None
            if block.owner.name in HEADING_TAGS and block.owner.find_parent("li") is None \
                    and not NOT_A_CHAPTER.match(block.text):
                headings.append((len(lines), int(block.owner.name[1]), bool(TYPED_MARKER.match(block.text))))
            lines.append(SourceLine(block.text, paragraph=block.paragraph))
            continue
        lines.extend(SourceLine("\t" + cell, paragraph=block.paragraph) for cell in block.cells)
        lines.append(SourceLine("", paragraph=block.paragraph))
        if block.owner is not previous_table:
            tables.append([r for r in _grid(block.owner, fill=True) if any(r)])
            previous_table = block.owner
    # headings a page shows with no number (Word's heading styles saved as a web page: <h1>儿童与健康</h1>), numbered
    # from their levels as the Word and PDF readers number them
    titles = [i for i, line in enumerate(lines) if PLAN_TITLE.match(line.text) and not TYPED_MARKER.match(line.text)]
    lines = number_headings(lines, headings, titles)
    return Document(file=name, format=fmt, lines=lines, tables=tables, warnings=warnings)
