"""The PDF reader: a plan printed to PDF parses to the same plans, passages and indicator table as its
plain text, without the running header and page numbers; unreadable PDFs get one clear line."""
from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from docx import Document as open_docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

import render
from indexer.corpus import parse_file
from indexer.readers import ReaderError, read_document
from indexer.readers.pdf_layout import unradical
from indexer.readers.txt import read_txt
from plansearch.settings import REPO_ROOT

CORPUS = REPO_ROOT / "corpus"
STEMS = sorted(p.stem for p in CORPUS.glob("*.txt"))
NEAR_CJK_SPACE = re.compile(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])")
PAGE_FOOTER = re.compile(r"—\s*\d+\s*—")


@functools.cache
def _read(path: Path):
    """A session file read once for all the tests that look at it (they only read the document)."""
    return read_document(path)


@functools.cache
def _parse(path: Path):
    return parse_file(path)


def same_modulo_cjk_space(text: str) -> str:
    """Text as compared: a PDF keeps no run of spaces and no space that only widens CJK next to Latin."""
    return NEAR_CJK_SPACE.sub("", re.sub(r"\s+", " ", text)).strip()


def summary(plans) -> dict:
    """What a user sees of a file's plans: passages per domain and kind, their texts, the indicator table."""
    return {
        "plans": len(plans),
        "counts": [Counter((p.domain, p.kind.value) for p in plan.passages) for plan in plans],
        "texts": [[same_modulo_cjk_space(p.text) for p in plan.passages] for plan in plans],
        "table": [[(r.domain, r.indicator, r.value, r.attribute) for r in plan.indicator_table] for plan in plans],
    }


@pytest.mark.parametrize("stem", STEMS)
def test_pdf_parses_to_the_same_plans_passages_and_table_as_the_text(rendered_plans, stem):
    from_txt = summary(_parse(CORPUS / f"{stem}.txt"))
    from_pdf = summary(_parse(rendered_plans[stem, "pdf"]))
    assert from_pdf["plans"] == from_txt["plans"]
    assert from_pdf["counts"] == from_txt["counts"]
    assert from_pdf["table"] == from_txt["table"]
    assert from_pdf["texts"] == from_txt["texts"]


@pytest.mark.parametrize("stem", STEMS)
def test_running_header_and_page_numbers_are_dropped_but_the_title_kept(rendered_plans, stem):
    lines = render.plan_lines(CORPUS / f"{stem}.txt")
    header = lines[0].strip() or stem              # as the rendered_plans fixture sets it
    title = next(line.strip() for line in lines if line.strip())
    document = _read(rendered_plans[stem, "pdf"])
    first = document.lines[0]
    assert (same_modulo_cjk_space(first.text), first.page, first.line) == (same_modulo_cjk_space(title), 1, 1)
    texts = [same_modulo_cjk_space(ln.text) for ln in document.lines]
    assert texts.count(same_modulo_cjk_space(header)) == (header == title)
    assert not any(PAGE_FOOTER.search(ln.text) for ln in document.lines)
    txt_plans, pdf_plans = _parse(CORPUS / f"{stem}.txt"), _parse(rendered_plans[stem, "pdf"])
    assert [p.meta.title for p in pdf_plans] == [p.meta.title for p in txt_plans]
    in_txt = sum(p.text.count(header) for plan in txt_plans for p in plan.passages)
    assert sum(p.text.count(header) for plan in pdf_plans for p in plan.passages) == in_txt


def test_paragraph_broken_by_a_page_break_is_one_line_again(rendered_plans):
    # NFKC: Word's automatic numbering prints "(七)" as "（七）"
    txt_lines = {same_modulo_cjk_space(unicodedata.normalize("NFKC", ln.text))
                 for stem in STEMS for ln in read_txt(CORPUS / f"{stem}.txt").lines}
    straddling = [ln for stem in STEMS for ln in _read(rendered_plans[stem, "pdf"]).lines
                  if ln.page_end == ln.page + 1 and not ln.text.startswith("\t") and ln.text]
    assert len(straddling) >= 10
    for line in straddling:
        assert same_modulo_cjk_space(unicodedata.normalize("NFKC", line.text)) in txt_lines
        assert line.line >= 2 and line.line_end >= 1


def test_wrapped_lines_keep_their_page_and_line_span(rendered_plans):
    document = _read(rendered_plans["xinchengqu-children-2021-2030", "pdf"])
    preface = next(ln for ln in document.lines if ln.text.startswith("少年儿童是国家的未来"))
    assert (preface.page, preface.page_end) == (1, 1)
    assert preface.line_end - preface.line >= 4      # one paragraph of several printed lines


def test_indicator_table_rows_come_out_as_tab_cells_and_in_document_tables(rendered_plans):
    document = _read(rendered_plans["xinchengqu-children-2021-2030", "pdf"])
    txt = read_txt(CORPUS / "xinchengqu-children-2021-2030.txt")
    rows = [[same_modulo_cjk_space(c) for c in r] for t in document.tables for r in t if len(r) == 4 and r[1]]
    assert rows == [[same_modulo_cjk_space(c) for c in r] for t in txt.tables for r in t if len(r) == 4 and r[1]]
    assert any(ln.text == "\t新生儿死亡率" for ln in document.lines)


_footer = render.footer_fields


OTHER_FURNITURE = {
    "xiangning-children-2021-2025-draft": ("乡宁县妇女儿童工作委员会办公室印发",
                                           ["第 ", ("field", "PAGE"), " 页 共 ", ("field", "NUMPAGES"), " 页"]),
    "daqing-children-2021-2025": ("大庆市人民政府文件", ["- ", ("field", "PAGE"), " -"]),
    "xinxing-13th-division-children-2021-2030": ("", [("field", "PAGE")]),
}
INDENTED = "zengdu-women-and-children-2021-2030"
FANGSONG = "daqing-children-2021-2025"
FOOTNOTE = "婴儿死亡率：指婴儿出生后不满周岁死亡人数同出生人数的比率，以‰表示。"
KANGXI = ["⼉童发展规划", "各级⾏政部⻔要加强⼉童保护⼯作，确保⽬标如期实现。"]


@pytest.fixture(scope="module")
def other_pdfs(tmp_path_factory) -> dict[str, Path]:
    """Plans printed with another office's header wording and page-number style, and a page whose
    text is in Kangxi radicals (as some PDF fonts map their glyphs)."""
    if render.soffice() is None:
        pytest.fail("LibreOffice is not installed")
    root = tmp_path_factory.mktemp("other-pdfs")
    docxs = []
    for stem, (header, footer) in OTHER_FURNITURE.items():
        out = render.to_docx(render.plan_lines(CORPUS / f"{stem}.txt"), root / f"{stem}.docx",
                             header=header, page_footer=False)
        doc = open_docx(out)
        _footer(doc.sections[0].footer.paragraphs[0], footer)
        doc.save(out)
        docxs.append(out)
    # the usual government layout: 2-character first-line indent, justified, fixed 28pt lines, no paragraph gap
    indented = render.to_docx(render.plan_lines(CORPUS / f"{INDENTED}.txt"), root / "indented.docx",
                              auto_numbering=True, header="某某区人民政府")
    doc = open_docx(indented)
    layout = doc.styles["Normal"].paragraph_format
    layout.first_line_indent, layout.alignment = Pt(24), WD_ALIGN_PARAGRAPH.JUSTIFY
    layout.space_after, layout.line_spacing = Pt(0), Pt(28)
    doc.save(indented)
    docxs.append(indented)
    docxs.append(render.to_docx(KANGXI, root / "kangxi.docx", page_footer=False))
    # 仿宋_GB2312 for every script, as government offices set it: not installed, so LibreOffice draws the
    # quotation marks in a Latin fallback font, after the words between them
    fangsong = render.to_docx(render.plan_lines(CORPUS / f"{FANGSONG}.txt"), root / "fangsong.docx",
                              header="大庆市人民政府")
    doc = open_docx(fangsong)
    fonts = doc.styles["Normal"].element.get_or_add_rPr().get_or_add_rFonts()
    for script in ("w:ascii", "w:hAnsi", "w:eastAsia"):
        fonts.set(qn(script), "仿宋_GB2312")
    doc.save(fangsong)
    docxs.append(fangsong)
    footnoted = render.to_docx(render.plan_lines(CORPUS / f"{FANGSONG}.txt"), root / "footnoted.docx", header="大庆市人民政府")
    render.add_footnote(footnoted, "5.5‰以下", FOOTNOTE)
    docxs.append(footnoted)
    # a plan whose chapters and sections are Word heading styles with no number shown: the PDF's bookmarks say them
    render.to_heading_styles_docx(CORPUS / f"{HEADED}.txt", root / "headed.docx")
    docxs.append(root / "headed.docx")
    # set in two columns, as a gazette (政府公报) prints a plan, with a footnote
    twocols = render.to_docx(render.plan_lines(CORPUS / f"{TWO_COLUMNS}.txt"), root / "twocols.docx", header="大庆市人民政府")
    doc = open_docx(twocols)
    columns = doc.sections[0]._sectPr.find(qn("w:cols"))
    if columns is None:
        columns = OxmlElement("w:cols")
        doc.sections[0]._sectPr.append(columns)
    columns.set(qn("w:num"), "2")
    columns.set(qn("w:space"), "425")
    doc.save(twocols)
    render.add_footnote(twocols, "儿童是民族的未来", FOOTNOTE)      # at the foot of page 1's left column
    docxs.append(twocols)
    # Word's line numbering (布局 › 行号), as a draft for comment is printed
    numbered = render.to_docx(render.plan_lines(CORPUS / f"{TWO_COLUMNS}.txt"), root / "linenumbers.docx",
                              header="大庆市人民政府")
    doc = open_docx(numbered)
    numbering = OxmlElement("w:lnNumType")
    for name, value in (("w:countBy", "1"), ("w:restart", "newPage"), ("w:distance", "283")):
        numbering.set(qn(name), value)
    doc.sections[0]._sectPr.append(numbering)
    doc.save(numbered)
    docxs.append(numbered)
    # a covering notice signed and dated at the right margin, then 附件 and the plan on the next page
    notice = render.to_docx(NOTICE + render.plan_lines(CORPUS / f"{FANGSONG}.txt"), root / "notice.docx",
                            header="大庆市人民政府")
    doc = open_docx(notice)
    for paragraph in doc.paragraphs:
        if paragraph.text in NOTICE[-4:-2]:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    doc.save(notice)
    docxs.append(notice)
    # a cover page (title, office, month) and a table of contents drawn with leader dots before the plan
    for name, front in (("covered", render.COVER_AND_CONTENTS), ("cover-only", render.COVER_AND_CONTENTS[:5])):
        docxs.append(render.to_docx(front + render.plan_lines(CORPUS / f"{FANGSONG}.txt"), root / f"{name}.docx",
                                    header="大庆市人民政府"))
    return {p.stem: p for p in render.convert_many(docxs, "pdf", root / "pdf")}


NOTICE = ["大庆市人民政府关于印发大庆市儿童发展规划（2021-2025年）的通知", "庆政发〔2021〕12号",
          "各县、区人民政府，市政府各直属单位：", "现将《大庆市儿童发展规划（2021-2025年）》印发给你们，请认真贯彻执行。",
          "大庆市人民政府", "2021年12月30日", render.PAGE_BREAK, "附件"]
HEADED = "daqing-children-2021-2025"
TWO_COLUMNS = "daqing-children-2021-2025"


def test_a_cover_page_and_its_contents_are_no_plan_and_no_part_of_the_title(other_pdfs):
    """The contents' 一、 made the cover's title a plan of its own; without contents, the cover's 二〇二一年十二月 became
    the head of the plan's title."""
    for name in ("covered", "cover-only"):
        plans = _parse(other_pdfs[name])
        assert [p.meta.title for p in plans] == ["大庆市儿童发展规划（2021-2025年）"], name
        assert summary(plans) == summary(parse_file(CORPUS / f"{FANGSONG}.txt")), name


def test_line_numbers_in_the_margin_are_no_part_of_the_text(other_pdfs):
    """Word's line numbering printed 1 2 3 … before every line: the first became part of the title (1大庆市…) and
    the plan one overview passage of 164 lost."""
    assert summary(_parse(other_pdfs["linenumbers"])) == summary(parse_file(CORPUS / f"{TWO_COLUMNS}.txt"))


def test_a_plan_printed_in_two_columns_reads_down_each_column(other_pdfs):
    """Set in two columns as a gazette prints it: each printed line joined the left column's words to the right
    column's, and the plan kept 0 health targets of 12, its title cut to 大庆市儿童发展规划."""
    assert summary(_parse(other_pdfs["twocols"])) == summary(parse_file(CORPUS / f"{TWO_COLUMNS}.txt"))


def test_a_right_column_level_with_no_line_of_the_left_moves_under_it_at_the_left_margin():
    """Where no line of the right column is level with one of the left (a page whose left column starts under a
    larger title), the right column's left edge was taken to be the gutter's: moved under the left column, every
    one of its lines stood an em in, looked indented, and stayed a line of its own inside its paragraph
    (受经济社会发展水平制⏎约). Characters placed by hand make the geometry exact."""
    from indexer.readers.pdf_layout import Char, one_column

    em = 16.0

    def line(x0: float, y: float, n: int = 12) -> list[Char]:
        return [Char("字", x0 + i * em, x0 + (i + 1) * em, y, size=em) for i in range(n)]
    left = [c for k in range(12) for c in line(90.0, 700.0 - 28 * k)]
    right = [c for k in range(12) for c in line(317.0, 690.0 - 28 * k)]      # 10 points off every left baseline
    moved = one_column(left + right, em)
    assert {round(c.x0) for c in moved[len(left)::12]} == {90}


def test_a_footnote_under_the_left_column_leaves_the_right_column_whole(other_pdfs):
    """Set in two columns with a footnote at the foot of page 1's left column: the rule over the note cut off every
    line of the page below its height, and so the right column's text at that height (about 280 characters of
    the preface), without a warning. The note goes; the columns stay whole."""
    plans = _parse(other_pdfs["twocols"])
    assert summary(plans) == summary(parse_file(CORPUS / f"{TWO_COLUMNS}.txt"))
    assert FOOTNOTE[:8] not in "".join(p.text for plan in plans for p in plan.passages)


def test_a_notices_date_at_the_margin_and_the_annex_line_stay_out_of_the_plans_title(other_pdfs):
    """A covering notice dated at the right margin, then 附件 atop the plan on the next page: the date line reached
    the margin, so it, 附件 and the title were read as one paragraph, the title 2021年12月30日附件大庆市儿童发展规划
    and the notice's date lost."""
    [plan] = _parse(other_pdfs["notice"])
    assert plan.meta.title == "大庆市儿童发展规划（2021-2025年）"
    assert plan.meta.date == "2021-12-30" and plan.meta.doc_number == "庆政发〔2021〕12号"
    assert summary([plan]) == summary(parse_file(CORPUS / f"{FANGSONG}.txt"))


def test_headings_without_numbers_are_numbered_from_the_pdfs_bookmarks(other_pdfs):
    """Word's heading styles with no number, saved as PDF: the text shows 儿童与健康 bare, and every target and
    measure fell under no domain. The bookmarks (the heading tree) give the chapters and domains back."""
    assert summary(_parse(other_pdfs["headed"])) == summary(parse_file(CORPUS / f"{HEADED}.txt"))


@pytest.mark.parametrize("stem", sorted(OTHER_FURNITURE))
def test_other_header_wording_and_page_number_styles_are_dropped(other_pdfs, stem):
    header, _ = OTHER_FURNITURE[stem]
    document = _read(other_pdfs[stem])
    texts = [ln.text for ln in document.lines]
    assert not any(re.fullmatch(r"第\s*\d+\s*页\s*共\s*\d+\s*页|-\s*\d+\s*-|\d+", t) for t in texts)
    if header:
        assert not any(header in t for t in texts)
    assert summary(_parse(other_pdfs[stem])) == summary(_parse(CORPUS / f"{stem}.txt"))


def test_indented_justified_plan_without_paragraph_gaps_parses_like_its_text(other_pdfs):
    assert summary(_parse(other_pdfs["indented"])) == summary(_parse(CORPUS / f"{INDENTED}.txt"))


def test_quotation_marks_drawn_after_their_words_stay_where_they_are_printed(other_pdfs):
    plans = _parse(other_pdfs["fangsong"])
    texts = [p.text for plan in plans for p in plan.passages]
    assert any("“三个代表”重要思想" in t for t in texts)
    assert any("杜绝“毒跑道”“毒校服”" in t for t in texts)
    assert summary(plans) == summary(_parse(CORPUS / f"{FANGSONG}.txt"))


def test_a_footnote_and_its_mark_stay_out_of_the_passages(other_pdfs):
    """The reference mark (a small raised 1 after 以下) and the note at the page's foot: read as the Word file
    is, without them, so the target keeps its value and bound."""
    plans = _parse(other_pdfs["footnoted"])
    texts = "\n".join(p.text for plan in plans for p in plan.passages)
    assert "婴儿死亡率控制在5.5‰以下。" in texts.replace(" ", "") and "出生人数的比率" not in texts
    assert summary(plans) == summary(_parse(CORPUS / f"{FANGSONG}.txt"))


def test_kangxi_radicals_read_as_ordinary_characters(other_pdfs):
    texts = [ln.text for ln in _read(other_pdfs["kangxi"]).lines]
    assert texts == ["儿童发展规划", "各级行政部门要加强儿童保护工作，确保目标如期实现。"]


def test_radical_mapping_covers_both_blocks_and_nothing_else():
    assert unradical("⾏⼉⽬⻔⻓⺠") == "行儿目门长民"
    assert unradical("行政部门，2021—2030年") == "行政部门，2021—2030年"


def _image_only_pdf(source: Path, out: Path) -> Path:
    """A 'scan': page 1 of a PDF rendered to a picture and put on a page with no text."""
    picture = pdfium.PdfDocument(source)[0].render(scale=1).to_pil()
    pdf = pdfium.PdfDocument.new()
    image = pdfium.PdfImage.new(pdf)
    image.set_bitmap(pdfium.PdfBitmap.from_pil(picture))
    width, height = picture.size
    image.set_matrix(pdfium.PdfMatrix().scale(width, height))
    page = pdf.new_page(width, height)
    page.insert_obj(image)
    page.gen_content()
    pdf.save(out)
    return out


def test_scanned_pdf_asks_for_ocr(rendered_plans, tmp_path):
    scan = _image_only_pdf(rendered_plans["xiangning-children-2021-2025-draft", "pdf"], tmp_path / "扫描件.pdf")
    with pytest.raises(ReaderError) as error:
        read_document(scan)
    assert str(error.value) == "扫描件.pdf: no text layer: a scanned PDF needs OCR before it can be indexed"


@pytest.mark.parametrize("keep", [0.05, 0.5])
def test_truncated_pdf_is_one_clear_line(rendered_plans, tmp_path, keep):
    data = rendered_plans["xiangning-children-2021-2025-draft", "pdf"].read_bytes()
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(data[:int(len(data) * keep)])
    with pytest.raises(ReaderError) as error:
        read_document(broken)
    assert str(error.value).startswith("broken.pdf: ") and "\n" not in str(error.value)
    assert "damaged" in str(error.value)


@pytest.mark.parametrize("span", [(0.35, 0.65), (0.2, 0.5), (0.6, 0.9)])
def test_a_damaged_pdf_is_refused_rather_than_read_as_garbled_text(rendered_plans, tmp_path, span):
    """A stretch of the file overwritten with zeros (a bad copy, a broken download): pdfium still opens it, but its
    fonts' maps are gone and the words come out as symbols. One clear line, or clean text, never the symbols."""
    from indexer.readers.pdf import RE_GARBLED

    data = bytearray(rendered_plans["xiangning-children-2021-2025-draft", "pdf"].read_bytes())   # the shortest: 27 pages
    start, end = (int(len(data) * share) for share in span)
    data[start:end] = bytes(end - start)
    broken = tmp_path / "damaged.pdf"
    broken.write_bytes(bytes(data))
    try:
        document = read_document(broken)
    except ReaderError as error:
        assert str(error).startswith("damaged.pdf: ") and "\n" not in str(error)
        assert "garbled" in str(error) or "damaged" in str(error)
        return
    text = "".join(line.text for line in document.lines)
    assert len(RE_GARBLED.findall(text)) < 0.01 * len(text)


def test_reading_stops_at_the_first_page_read_as_symbols_and_names_it(rendered_plans, tmp_path):
    """pdfium spends a quarter of a second on each damaged page: a file zeroed from a third of the way in took 7 s
    to refuse, reading all 27 pages first. The first page read as symbols refuses it, and the message names it."""
    data = bytearray(rendered_plans["xiangning-children-2021-2025-draft", "pdf"].read_bytes())
    start, end = int(len(data) * 0.35), int(len(data) * 0.65)
    data[start:end] = bytes(end - start)
    broken = tmp_path / "damaged.pdf"
    broken.write_bytes(bytes(data))
    with pytest.raises(ReaderError) as error:
        read_document(broken)
    assert re.search(r"^damaged\.pdf: the PDF's text layer is garbled on page \d+ \(\d+% ", str(error.value))


def test_damage_local_to_a_page_is_refused_though_the_whole_file_is_mostly_clean(rendered_plans, tmp_path):
    """The 乡宁 PDF's first 8 pages with the bytes from 60% to 90% of the file zeroed: 2% of its characters came out
    as symbols (查病种范…!一体化…#$), under the 3% a whole file is refused at, and were indexed; page 8 had 9%."""
    source = pdfium.PdfDocument(rendered_plans["xiangning-children-2021-2025-draft", "pdf"])
    short = pdfium.PdfDocument.new()
    try:
        short.import_pages(source, pages=list(range(8)))
        short.save(tmp_path / "few.pdf")
    finally:
        short.close()
        source.close()
    data = bytearray((tmp_path / "few.pdf").read_bytes())
    start, end = int(len(data) * 0.6), int(len(data) * 0.9)
    data[start:end] = bytes(end - start)
    (tmp_path / "damaged.pdf").write_bytes(bytes(data))
    with pytest.raises(ReaderError) as error:
        read_document(tmp_path / "damaged.pdf")
    assert str(error.value).startswith("damaged.pdf: the PDF's text layer is garbled on page 8 (")


def _encrypted_pdf() -> bytes:
    """A one-page PDF under the standard security handler whose user password is not empty."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
               b"<< /Filter /Standard /V 1 /R 2 /O <" + b"11" * 32 + b"> /U <" + b"22" * 32 + b"> /P -4 >>"]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 5\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += (b"trailer\n<< /Size 5 /Root 1 0 R /Encrypt 4 0 R /ID [<00112233445566778899aabbccddeeff> "
            b"<00112233445566778899aabbccddeeff>] >>\nstartxref\n%d\n%%%%EOF\n" % xref)
    return out


def test_password_protected_pdf_is_one_clear_line(tmp_path):
    locked = tmp_path / "locked.pdf"
    locked.write_bytes(_encrypted_pdf())
    with pytest.raises(ReaderError) as error:
        read_document(locked)
    assert str(error.value) == "locked.pdf: encrypted PDF: it needs a password to open; save an unprotected copy"


def _print_with_chromium(html_text: str, out: Path) -> Path:
    import shutil
    import subprocess

    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("chromium missing: run scripts/install-browser.sh")
    page = out.with_suffix(".html")
    page.write_text(html_text, encoding="utf-8")
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    f"--user-data-dir={out.parent / 'chromium-profile'}", "--no-pdf-header-footer",
                    f"--print-to-pdf={out}", page.as_uri()], check=True, capture_output=True, timeout=120)
    return out


WATERMARK_PAGE = ("<!doctype html><html><head><meta charset='utf-8'><style>"
                  "body{{font-family:'Noto Serif CJK SC',serif;font-size:15pt;line-height:1.6}}"
                  ".wm{{position:fixed;top:40%;left:5%;font-size:90pt;color:rgba(160,160,160,.35);"
                  "transform:{};z-index:-1;white-space:nowrap}}</style></head><body>{}{}</body></html>")


@pytest.fixture(scope="module")
def watermark_body() -> tuple[list[str], str]:
    lines = [ln for ln in (CORPUS / "daqing-children-2021-2025.txt").read_text(encoding="utf-8").splitlines()
             if ln.strip()][:60]
    return lines, "".join(f"<p>{ln}</p>" for ln in lines)


@pytest.fixture(scope="module")
def unmarked_pdf(watermark_body, tmp_path_factory) -> Path:
    return _print_with_chromium(WATERMARK_PAGE.format("none", "", watermark_body[1]),
                                tmp_path_factory.mktemp("plain") / "plain.pdf")


@pytest.mark.parametrize("transform", ["rotate(-45deg)", "none"])
def test_a_watermark_stays_out_of_the_text(tmp_path, watermark_body, unmarked_pdf, transform):
    """内部资料 printed behind every page, at -45° (Chromium's print of a page with a CSS watermark) or level in
    light grey mid-page (LibreOffice's print of Word's header watermark): its characters were scattered into 87
    passages of the probe's copy, or appended to 26, and a 策略措施 heading became a target block."""
    lines, body = watermark_body
    marked = _print_with_chromium(WATERMARK_PAGE.format(transform, "<div class='wm'>内部资料</div>", body),
                                  tmp_path / "wm.pdf")
    assert len(pdfium.PdfDocument(marked)) >= 2
    got = [ln.text for ln in read_document(marked).lines]
    assert not set("内部资料") & set("".join(got)) - set("".join(lines))
    assert got == [ln.text for ln in read_document(unmarked_pdf).lines]


def test_pages_that_are_only_images_are_named_in_a_warning(rendered_plans, tmp_path):
    """A PDF with some pages scanned (an image, no text layer) was accepted with no word that those pages' text
    is missing from the index."""
    pdf = pdfium.PdfDocument(rendered_plans["daqing-children-2021-2025", "pdf"])
    pages = len(pdf)
    for _ in range(2):
        page = pdf.new_page(595, 842)
        bitmap = pdfium.PdfBitmap.new_native(200, 280, pdfium_c.FPDFBitmap_BGRA)
        bitmap.fill_rect((235, 235, 235, 255), 0, 0, 200, 280)
        image = pdfium.PdfImage.new(pdf)
        image.set_bitmap(bitmap)
        image.set_matrix(pdfium.PdfMatrix().scale(595, 842))
        page.insert_obj(image)
        page.gen_content()
    path = tmp_path / "partly-scanned.pdf"
    pdf.save(path)
    document = read_document(path)
    assert document.lines
    assert document.warnings == [f"2 of {pages + 2} pages (p. {pages + 1}–{pages + 2}) are images without a text "
                                 f"layer (scanned?): their text is not indexed; OCR them first"]
    assert not _read(rendered_plans["daqing-children-2021-2025", "pdf"]).warnings


def test_endnotes_on_the_last_page_stay_out_of_the_text(tmp_path, watermark_body, unmarked_pdf):
    """Word and LibreOffice print endnotes, numbered i, ii, iii, on a page of their own after the text; the
    note was appended to the plan's last passage. The mark in the text (率ⁱ) goes as footnote marks do."""
    lines, body = watermark_body
    notes = ("<p style='page-break-before:always'>i 儿童伤害死亡率数据来源：市卫生健康委死因监测系统。</p>"
             "<p>ii 溺水死亡率按常住人口计算。</p>")
    pdf = _print_with_chromium(WATERMARK_PAGE.format("none", "", body + notes), tmp_path / "notes.pdf")
    got = [ln.text for ln in read_document(pdf).lines]
    assert not any("数据来源" in t or "常住人口" in t for t in got)
    assert got == [ln.text for ln in read_document(unmarked_pdf).lines]


def test_a_browsers_print_keeps_numbers_whole(watermark_body, unmarked_pdf):
    """A page saved as PDF by a browser sets the digits of 90% a little apart: the reader gave 9 0%以上, 7 5%以上
    and 2 035年 (23 times in the probe's copy of 大庆), a value an official would misread."""
    lines, _ = watermark_body
    got = "\n".join(ln.text for ln in read_document(unmarked_pdf).lines)
    assert re.findall(r"\d%以上", got) and not re.findall(r"\d \d", got)
    assert re.sub(r"\s", "", got) == re.sub(r"\s", "", "".join(lines))


def test_a_bookmark_tree_that_cannot_be_read_leaves_the_text_read(rendered_plans, monkeypatch):
    """The bookmarks only help number headings; a damaged outline must not stop the reading of the text."""
    path = rendered_plans["daqing-children-2021-2025", "pdf"]
    expected = [line.text for line in read_document(path).lines]

    def broken(self, *args, **kwargs):
        raise ValueError("a cycle in the outline")
        yield

    monkeypatch.setattr(pdfium.PdfDocument, "get_toc", broken)
    assert [line.text for line in read_document(path).lines] == expected


def _page(number: int, texts: list[str], height: float = 800.0):
    """A page whose lines run from the top (y 780) to the bottom (y 20), evenly spaced."""
    from indexer.readers.pdf import _Page
    from indexer.readers.pdf_layout import Char, VLine

    step = (760.0 / (len(texts) - 1)) if len(texts) > 1 else 0.0
    lines = [VLine([Char(c, 10.0 * i, 10.0 * i + 9, 780.0 - k * step) for i, c in enumerate(text)], number)
             for k, text in enumerate(texts)]
    return _Page(number, height, lines, [])


def test_a_drawn_page_number_goes_wherever_it_stands_and_a_bare_number_only_when_it_keeps_step():
    """A page that ends early printed "— 3 —" under its last line, mid-page: it was indexed as text. A bare "2020"
    ending page 2 (a sentence cut at 以2020⏎年为基数) was dropped as a page number: the target read 以年为基数."""
    from indexer.readers.pdf import _drop_furniture

    pages = [_page(1, ["一、总体目标", "— 1 —", "正文", "正文", "正文"]),
             _page(2, ["正文", "正文", "正文", "儿童伤害死亡率以", "2020"]),
             _page(3, ["年为基数下降20%。", "正文", "正文", "正文", "3"]),
             _page(4, ["正文", "正文", "正文", "正文", "4"])]
    _drop_furniture(pages)
    texts = [[ln.text for ln in p.lines] for p in pages]
    assert "— 1 —" not in texts[0] and texts[1][-1] == "2020"
    assert texts[2][-1] == "正文" and texts[3][-1] == "正文"        # 3 and 4 keep step with their pages
    pages = [_page(1, ["正文", "正文", "正文", "正文", "正文"]), _page(2, ["正文", "正文", "正文", "正文", "2020"])]
    _drop_furniture(pages)
    assert pages[1].lines[-1].text == "2020"


def test_a_pdf_whose_text_comes_out_as_rare_ideographs_is_refused(tmp_path):
    """A font whose glyph ids were taken for code points gave 㐥㑊㑯㒔…: the file was indexed as one overview passage
    of nonsense, exit 0. Rare ideographs (Extension A and beyond) where common words should be: one clear line."""
    if not render.soffice():
        pytest.skip("LibreOffice is not installed")
    rare = "".join(chr(0x3400 + (i * 37) % 0x19b0) for i in range(400))
    lines = ["某某县儿童发展规划（2021—2025年）"] + [rare[i:i + 40] + "。" for i in range(0, 400, 40)]
    pdf = render.convert(render.to_docx(lines, tmp_path / "rare.docx", page_footer=False), "pdf", tmp_path)
    with pytest.raises(ReaderError, match=r"^rare\.pdf: the PDF's text layer is garbled \(\d+% of its characters are rare"):
        read_document(pdf)


def test_footnotes_set_small_without_a_rule_stay_out_of_the_text():
    """A PDF whose footnotes have no separator rule: ②出生缺陷三级防治：… went into the next page's sentence
    (覆盖率达到②出生缺陷三级防治…90%以上). Small lines at the foot, the first with a footnote's mark, are notes."""
    from indexer.readers.pdf_layout import Char, VLine, footnote_rule

    class Page:        # what footnote_rule reads of a page besides its lines: its height, and no rules drawn
        def get_height(self):
            return 842.0

        def get_objects(self, *args, **kwargs):
            return iter(())

    def line(text: str, y: float, size: float) -> VLine:
        return VLine([Char(c, 90 + size * i, 90 + size * (i + 1), y, size=size) for i, c in enumerate(text)], 1)
    lines = [line("儿童是祖国的未来，是中华民族的希望。", 700 - 30 * k, 15.5) for k in range(10)]
    lines += [line("②出生缺陷三级防治：婚前孕前、孕期、新生儿期。", 120, 10.0), line("③指依托互联网开展的服务。", 105, 10.0),
              line("— 9 —", 60, 15.5)]
    rule = footnote_rule(Page(), lines, 15.5)
    assert rule is not None and [ln.text for ln in lines if ln.y > rule] == [ln.text for ln in lines[:10]]
    assert footnote_rule(Page(), lines[:10] + lines[12:], 15.5) is None


def _drawn_lines(texts: list[str], em: float = 10.0, width: int = 30) -> list:
    """Visual lines of one page set flush left, each `width` characters wide at most (a full line reaches the
    margin), one pitch apart."""
    from indexer.readers.pdf_layout import Char, VLine

    out = []
    for n, text in enumerate(texts):
        y = 800 - 15 * n
        out.append(VLine([Char(ch, 50 + i * em, 50 + (i + 1) * em, y, size=em) for i, ch in enumerate(text)], 1, n + 1))
    return out


def test_a_contents_entry_and_a_bookmarked_heading_each_begin_a_line():
    """Lines that run to the right margin are joined with the next: a contents entry's leader dots reach it, and
    the next entries were glued on (一、总体目标……3（一）…5), so the contents were read as headings and the cover's
    title made a plan of its own; a heading shown with no number (its bookmark names it) was glued to a paragraph
    whose last line was full (…工作机制。儿童与教育。)."""
    from indexer.readers.pdf import _assemble, _Page

    full = "一二三四五六七八九十" * 3
    texts = ["一、总体目标" + "." * 22 + "3", "二、发展领域" + "." * 22 + "5", "（一）儿童与健康" + "." * 20 + "7",
             full, full[:-1] + "。", "儿童与教育。", full, "短行。"] + [full] * 12
    lines, _ = _assemble([_Page(1, 842, _drawn_lines(texts), [])], {"儿童与教育。"})
    got = [line.text for line in lines]
    assert got[:3] == texts[:3]
    assert got[3] == full + full[:-1] + "。" and got[4] == "儿童与教育。"
    lines, _ = _assemble([_Page(1, 842, _drawn_lines(texts), [])])
    assert [line.text for line in lines][3] == full + full[:-1] + "。儿童与教育。"     # no bookmark: one paragraph


def test_a_row_cut_by_the_page_under_a_repeated_header_is_one_row_again():
    """LibreOffice repeats a table's header row on the next page and lets a row break there: the row's name went
    on under the header (学校体育场地 / 设施与器材配置达标率) and was read as two rows, the indicator as two halves."""
    from indexer.readers.pdf import _merge_into
    from indexer.readers.pdf_layout import Table

    header = ["发展领域", "主要目标", "目标值", "属性"]
    xs = [70.0, 125.0, 370.0, 480.0, 530.0]
    before = Table(4, 400, 90, xs, [header, ["儿童与健康", "小学生近视率", "降至38%以下", "约束性"],
                                    ["", "学校体育场地", "达到100%", "约束性"]],
                   [[False] * 4, [False] * 4, [True, False, False, False]], [1, 1, 1])
    after = Table(5, 770, 600, xs, [header, ["", "设施与器材配置达标率", "", ""], ["", "农村自来水普及率", "达到80%", "预期性"]],
                  [[False] * 4, [True, False, False, False], [True, False, False, False]], [1, 1, 1])
    _merge_into(before, after)
    assert [row[1] for row in before.rows] == ["主要目标", "小学生近视率", "学校体育场地设施与器材配置达标率", "农村自来水普及率"]


def test_a_row_carried_to_the_next_page_without_its_top_rule_is_a_row():
    """A browser draws a row's top border on the page before when the table breaks: on the next page the first row
    has column rules and no rule above, and was read as a line of text over the table (初中生近视率 lost from it)."""
    from indexer.readers.pdf_layout import Char, _open_edges

    xs = [70.0, 125.0, 370.0, 480.0, 530.0]
    columns = [(x, 600.0, 771.0) for x in xs]                    # the column rules run up to 771
    ys = [747.0, 722.0, 698.0]                                   # the horizontal rules start at 747
    row = [Char(ch, 130 + 10 * i, 140 + 10 * i, 754) for i, ch in enumerate("初中生近视率")]
    assert _open_edges(ys, xs, columns, row, 10.0) == [771.0, 747.0, 722.0, 698.0]
    assert _open_edges(ys, xs, columns, [], 10.0) == ys          # nothing up there: no empty row made


def test_a_footnote_under_its_rule_is_a_note_though_its_number_has_no_character(monkeypatch):
    """LibreOffice draws a footnote's number with no character behind it: the line under the footnote rule began
    with the note's words, was not taken for a note, and went into the middle of a measure (…溺水隐患点位由…排查确定。)."""
    from indexer.readers import pdf_layout
    from indexer.readers.pdf_layout import footnote_rule

    class Page:
        def get_height(self):
            return 842.0

    text = _drawn_lines(["一二三四五六七八九十" * 3] * 6)
    note = _drawn_lines(["溺水隐患点位由应急管理局会同各街道排查确定。"], em=9.0)[0]
    for c in note.chars:
        c.y, c.size = 74.0, 9.0
    for line in text:
        for c in line.chars:
            c.size = 16.0
    monkeypatch.setattr(pdf_layout, "_rules", lambda page: ([(86.0, 50.0, 150.0)], []))
    assert footnote_rule(Page(), text + [note], 10.0) == 86.0
    for c in note.chars:
        c.size = 16.0                                          # the text's own size under a short rule: no note
    assert footnote_rule(Page(), text + [note], 10.0) is None
