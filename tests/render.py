"""Render a bundled plain-text plan in the formats officials have: Word (optionally with Word's
automatic numbering), PDF and legacy .doc through LibreOffice, and a saved government web page.

Each rendering keeps the .txt's wording line for line, so a reader that works parses it to the same
passages as the .txt."""
from __future__ import annotations

import html
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from docx import Document as new_docx
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from indexer.readers.txt import decode_text

RE_ITEM = re.compile(r"^(\d{1,2})[.．](?![\d.．])\s*(.*)$")
RE_SECTION = re.compile(r"^[（(]([一二三四五六七八九十]+)[)）]\s*(.*)$")
RE_CHAPTER = re.compile(r"^[一二三四五六七八九十]+、")
CN = "一二三四五六七八九十"


PAGE_BREAK = "\f"          # a line of `to_docx` that starts a new page
# a cover page (title, office, month) and a table of contents with leader dots, each on its page, as a plan is printed
# before its text
COVER_AND_CONTENTS = ["大庆市儿童发展规划", "（2021-2025年）", "大庆市人民政府", "二〇二一年十二月", PAGE_BREAK, "目  录",
                      "一、指导思想、基本原则和总体目标" + "." * 30 + "1",
                      "二、发展领域、主要目标和策略措施" + "…" * 12 + "3",
                      "（一）儿童与健康。" + "·" * 20 + "3", "三、组织实施" + "." * 40, PAGE_BREAK]


def plan_lines(txt: Path, start: int = 1, end: int | None = None) -> list[str]:
    lines = decode_text(txt.read_bytes(), txt.name).splitlines()
    return lines[start - 1:end]


def _blocks(lines: list[str]):
    """('para', text) for each non-blank line, ('table', rows) for each run of tab-indented cells."""
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("\t"):
            rows, row = [], []
            while i < len(lines) and (lines[i].startswith("\t") or not lines[i].strip()):
                if lines[i].startswith("\t"):
                    row.append(lines[i].strip())
                elif row:
                    rows.append(row)
                    row = []
                i += 1
            if row:
                rows.append(row)
            yield "table", [r for r in rows if any(r)]
            continue
        if line == PAGE_BREAK:
            yield "page", None
        elif line.strip():
            yield "para", line
        i += 1


class _Numbering:
    """Word list definitions: decimal "%1." items and chineseCounting "（%1）" sections."""

    def __init__(self, doc):
        self.part = doc.part.numbering_part.element
        self.next_abstract = 90
        self.next_num = 90
        self.decimal = self._abstract("decimal", "%1.")
        self.chinese = self._abstract("chineseCounting", "（%1）")

    def _abstract(self, fmt: str, text: str) -> int:
        aid = self.next_abstract
        self.next_abstract += 1
        abstract = OxmlElement("w:abstractNum")
        abstract.set(qn("w:abstractNumId"), str(aid))
        lvl = OxmlElement("w:lvl")
        lvl.set(qn("w:ilvl"), "0")
        for tag, val in (("w:start", "1"), ("w:numFmt", fmt), ("w:lvlText", text), ("w:suff", "nothing")):
            el = OxmlElement(tag)
            el.set(qn("w:val"), val)
            lvl.append(el)
        abstract.append(lvl)
        first_num = self.part.find(qn("w:num"))
        if first_num is not None:
            first_num.addprevious(abstract)
        else:
            self.part.append(abstract)
        return aid

    def new_list(self, abstract: int) -> int:
        """A new w:num over `abstract` that restarts at 1 (startOverride)."""
        nid = self.next_num
        self.next_num += 1
        num = OxmlElement("w:num")
        num.set(qn("w:numId"), str(nid))
        ref = OxmlElement("w:abstractNumId")
        ref.set(qn("w:val"), str(abstract))
        num.append(ref)
        override = OxmlElement("w:lvlOverride")
        override.set(qn("w:ilvl"), "0")
        start = OxmlElement("w:startOverride")
        start.set(qn("w:val"), "1")
        override.append(start)
        num.append(override)
        self.part.append(num)
        return nid


def _number_paragraph(paragraph, num_id: int) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    numpr = OxmlElement("w:numPr")
    for tag, val in (("w:ilvl", "0"), ("w:numId", str(num_id))):
        el = OxmlElement(tag)
        el.set(qn("w:val"), val)
        numpr.append(el)
    ppr.insert(0, numpr)


def to_docx(lines: list[str], out: Path, auto_numbering: bool = False, header: str = "",
            page_footer: bool = True, line_breaks: bool = False, headings: bool = False) -> Path:
    """A Word file: one paragraph per line, tables as Word tables (the first column merged down where
    the text leaves it empty), a running header and a "— N —" page footer.

    auto_numbering: numbered items (1. 2. …) and sections (（一）（二）…) lose their typed number and get
    Word's automatic numbering instead, restarting wherever the plan's own numbering restarts.
    line_breaks: consecutive lines of one sentence become one paragraph with manual line breaks.
    headings: chapters (一、…) in the Heading 1 style, sections (（一）…) in Heading 2."""
    doc = new_docx()
    style = doc.styles["Normal"]
    style.font.size = Pt(12)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "Noto Serif CJK SC")
    numbering = _Numbering(doc) if auto_numbering else None
    lists = {"item": (None, 0), "section": (None, 0)}
    if header:
        doc.sections[0].header.paragraphs[0].text = header
    if page_footer:
        _page_footer(doc.sections[0].footer.paragraphs[0])
    previous = None
    for kind, value in _blocks(lines):
        if kind == "page":
            doc.add_page_break()
            previous = None
            continue
        if kind == "table":
            _table(doc, value)
            previous = None
            lists = {"item": (None, 0), "section": (None, 0)}
            continue
        text = value
        if line_breaks and previous is not None and not previous.text.rstrip().endswith(tuple("。；：！？")) \
                and not RE_ITEM.match(text.strip()) and not RE_SECTION.match(text.strip()) and len(previous.text) > 20:
            previous.add_run().add_break(WD_BREAK.LINE)
            previous.add_run(text)
            continue
        if numbering is not None:
            stripped = text.strip()
            for key, pattern, abstract in (("item", RE_ITEM, numbering.decimal),
                                           ("section", RE_SECTION, numbering.chinese)):
                m = pattern.match(stripped)
                if not m:
                    continue
                n = int(m.group(1)) if key == "item" else CN.index(m.group(1)) + 1 if len(m.group(1)) == 1 else 0
                num_id, last = lists[key]
                if n == 1:
                    num_id, last = numbering.new_list(abstract), 0
                if num_id is not None and n == last + 1 and m.group(2):
                    paragraph = doc.add_paragraph(m.group(2), "Heading 2" if headings and key == "section" else None)
                    _number_paragraph(paragraph, num_id)
                    lists[key] = (num_id, n)
                    previous = paragraph
                    break
            else:
                previous = doc.add_paragraph(text, _heading_style(text, headings))
            continue
        previous = doc.add_paragraph(text, _heading_style(text, headings))
    doc.save(out)
    return out


HEADING_CHAPTER = re.compile(r"^[一二三四五六七八九十]+、\s*(.+)$")
HEADING_SECTION = re.compile(r"^（[一二三四五六七八九十]+）\s*([^。；]{2,30}。?)$")


def to_heading_styles_docx(txt: Path, out: Path) -> Path:
    """The plan in `txt` as Word's default heading styles set it: chapters Heading 1 and sections Heading 2 with no
    number typed or shown, the rest plain paragraphs."""
    doc = new_docx()
    for line in plan_lines(txt):
        if m := HEADING_CHAPTER.match(line.strip()):
            doc.add_heading(m.group(1), level=1)
        elif m := HEADING_SECTION.match(line.strip()):
            doc.add_heading(m.group(1), level=2)
        else:
            doc.add_paragraph(line.strip())
    doc.save(out)
    return out


def _heading_style(text: str, headings: bool) -> str | None:
    if not headings:
        return None
    if RE_CHAPTER.match(text.strip()):
        return "Heading 1"
    return "Heading 2" if RE_SECTION.match(text.strip()) else None


def footer_fields(paragraph, parts) -> None:
    """Footer text with PAGE / NUMPAGES fields: parts are strings or ("field", NAME)."""
    for part in parts:
        if isinstance(part, str):
            paragraph.add_run(part)
            continue
        for kind, text in (("begin", None), (None, f" {part[1]} "), ("end", None)):
            run = paragraph.add_run()
            if kind:
                el = OxmlElement("w:fldChar")
                el.set(qn("w:fldCharType"), kind)
            else:
                el = OxmlElement("w:instrText")
                el.set(qn("xml:space"), "preserve")
                el.text = text
            run._r.append(el)


def _page_footer(paragraph) -> None:
    """— PAGE —, the Chinese government page number."""
    footer_fields(paragraph, ["— ", ("field", "PAGE"), " —"])


def _table(doc, rows: list[list[str]]) -> None:
    width = max(len(r) for r in rows)
    table = doc.add_table(rows=len(rows), cols=width)
    table.style = "Table Grid"
    for i, row in enumerate(rows):
        for j in range(width):
            table.cell(i, j).text = row[j] if j < len(row) else ""
    # the first column: an empty cell continues the one above (merge it down)
    top = 0
    for i in range(1, len(rows) + 1):
        if i == len(rows) or rows[i][0]:
            if i - 1 > top:
                merged = table.cell(top, 0).merge(table.cell(i - 1, 0))
                merged.text = rows[top][0]
            top = i


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(docx: Path, fmt: str, out_dir: Path) -> Path:
    """docx → pdf | doc with LibreOffice headless."""
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([soffice(), f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", fmt,
                        "--outdir", str(out_dir), str(docx)], check=True, capture_output=True, timeout=180)
    out = out_dir / f"{docx.stem}.{fmt}"
    if not out.exists():
        raise RuntimeError(f"LibreOffice did not write {out}")
    return out


def convert_many(docxs: list[Path], fmt: str, out_dir: Path) -> list[Path]:
    """Several files in one LibreOffice start (a start costs about a second)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([soffice(), f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", fmt,
                        "--outdir", str(out_dir), *map(str, docxs)], check=True, capture_output=True, timeout=600)
    outs = [out_dir / f"{d.stem}.{fmt}" for d in docxs]
    missing = [o.name for o in outs if not o.exists()]
    if missing:
        raise RuntimeError(f"LibreOffice did not write {', '.join(missing)}")
    return outs


PAGE_HEAD = """<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{title}_政策文件_{site}</title></head>
<body>
<div class="header"><div class="logo">{site}</div>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li><li><a href="/hdjl/">互动交流</a></li></ul></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; 政策文件</div>
<div class="article">
<h1 class="title">{title}</h1>
<div class="info">发布时间：2022-03-15 10:21　来源：{site}办公室　【字体：<a>大</a> <a>中</a> <a>小</a>】　<a>打印</a></div>
<div class="TRS_Editor" id="zoom">
"""
PAGE_TAIL = """</div>
<div class="share">分享到：<a>微信</a> <a>微博</a></div>
</div>
<div class="related"><h3>相关文章</h3><ul><li><a href="/a/1.html">关于做好2022年防溺水工作的通知</a></li>
<li><a href="/a/2.html">全区妇女儿童工作会议召开</a></li></ul></div>
<div class="footer">主办单位：{site}人民政府办公室　版权所有 © 2022<br>
网站标识码：1502020001　<a>蒙ICP备05001234号</a>　<a>蒙公网安备 15010202000123号</a></div>
</body></html>
"""


def to_html(lines: list[str], out: Path, title: str, encoding: str = "utf-8", site: str = "某某区人民政府") -> Path:
    """A government web page: site header, navigation, breadcrumb, the 发布时间 line, the document in
    <p>s and a <table>, share links, 相关文章 and the footer. encoding gb18030 declares gb2312, as
    many county sites do."""
    charset = "gb2312" if encoding == "gb18030" else encoding
    body = []
    for kind, value in _blocks(lines):
        if kind == "table":
            rows = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in value)
            body.append(f"<table border=\"1\">{rows}</table>")
        else:
            body.append(f"<p style=\"text-indent:2em\">{html.escape(value.strip())}</p>")
    page = PAGE_HEAD.format(charset=charset, title=html.escape(title), site=site) + "\n".join(body) + \
        PAGE_TAIL.format(site=site)
    out.write_bytes(page.encode(encoding))
    return out


def add_footnote(docx: Path, after: str, note: str) -> None:
    """A footnote on the first run text ending with `after` (its reference mark right after it, as Word sets one),
    written into the file's footnotes part; python-docx has no footnote API."""
    import shutil
    import zipfile

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    with zipfile.ZipFile(docx) as z:
        files = {n: z.read(n) for n in z.namelist()}
    files["word/footnotes.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:footnotes {w}>'
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p>'
        '</w:footnote><w:footnote w:id="1"><w:p><w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
        f'<w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> {note}</w:t></w:r></w:p></w:footnote></w:footnotes>'
    ).encode()
    rels = files["word/_rels/document.xml.rels"].decode()
    files["word/_rels/document.xml.rels"] = rels.replace("</Relationships>", (
        '<Relationship Id="rIdFootnotes" Target="footnotes.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"/></Relationships>')).encode()
    types = files["[Content_Types].xml"].decode()
    files["[Content_Types].xml"] = types.replace("</Types>", (
        '<Override PartName="/word/footnotes.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/></Types>')).encode()
    body = files["word/document.xml"].decode()
    mark = ('</w:t></w:r><w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:footnoteReference w:id="1"/>'
            '</w:r><w:r><w:t xml:space="preserve">')
    at = body.index(after) + len(after)
    files["word/document.xml"] = (body[:at] + mark + body[at:]).encode()
    tmp = docx.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    shutil.move(tmp, docx)


def to_mhtml(pages: list[Path], out_dir: Path) -> list[Path]:
    """Each web page saved as one file by Chromium, as "Save as… webpage, single file" does (the DevTools
    snapshot, through Playwright): `<stem>.mhtml` in out_dir."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        raise RuntimeError("chromium missing: run scripts/install-browser.sh")
    out_dir.mkdir(parents=True, exist_ok=True)
    saved = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            session = page.context.new_cdp_session(page)
            for source in pages:
                page.goto(source.as_uri())
                data = session.send("Page.captureSnapshot", {"format": "mhtml"})["data"]
                target = out_dir / f"{source.stem}.mhtml"
                target.write_bytes(data.encode("utf-8"))
                saved.append(target)
        finally:
            browser.close()
    return saved
