"""Word plans (.docx, and .doc through LibreOffice) read as the .txt of the same plan does: same plans,
same per-domain counts, same passage texts — with Word's automatic numbering rebuilt."""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from docx import Document as new_docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

import render
from conftest import AUTO_NUMBERED, CORPUS
from indexer.corpus import parse_document, parse_file
from indexer.readers import ReaderError, read_document
from indexer.readers.numbering import chinese_counting, format_number
from indexer.targets import extract_indicators

STEMS = sorted(p.stem for p in CORPUS.glob("*.txt"))


def _spaces_out(text: str | None) -> str | None:
    # Word's automatic number is followed by no space ("5.坚持"), where the typed text may have one ("5. 坚持")
    return re.sub(r"[ \u3000]", "", text) if text else text


def signature(plans) -> list[list[tuple]]:
    """What a user sees of each plan: passage ids, kinds, domains, numbers, titles and texts."""
    return [[(p.id.replace(plan.meta.id, "PLAN"), p.kind.value, p.domain, p.number, _spaces_out(p.title),
              _spaces_out(p.text)) for p in plan.passages] for plan in plans]


def counts(plans) -> list[dict]:
    out = []
    for plan in plans:
        c: dict[tuple, int] = {}
        for p in plan.passages:
            c[p.domain, p.kind.value] = c.get((p.domain, p.kind.value), 0) + 1
        out.append(c)
    return out


@pytest.mark.parametrize("fmt", ["docx", "doc"])
@pytest.mark.parametrize("stem", STEMS)
def test_word_rendering_parses_like_the_txt(rendered_plans, stem, fmt):
    txt = parse_file(CORPUS / f"{stem}.txt")
    word = parse_file(rendered_plans[stem, fmt])
    assert counts(word) == counts(txt)
    assert signature(word) == signature(txt)


def test_auto_numbered_items_get_their_numbers_back(rendered_plans):
    stem = "daqing-children-2021-2025"
    assert stem in AUTO_NUMBERED
    with zipfile.ZipFile(rendered_plans[stem, "docx"]) as z:
        xml = z.read("word/document.xml").decode()
    assert "3.预防和控制儿童溺水" not in xml and "预防和控制儿童溺水" in xml    # the number lives in numPr
    plan = parse_file(rendered_plans[stem, "docx"])[0]
    drowning = next(p for p in plan.passages if p.title == "预防和控制儿童溺水")
    assert (drowning.kind.value, drowning.number, drowning.domain) == ("measure", 3, "儿童与安全")
    assert drowning.source.paragraph is not None and drowning.source.line_start is None
    assert drowning.source.file == rendered_plans[stem, "docx"].name


def test_running_header_and_page_footer_stay_out(rendered_plans):
    doc = read_document(rendered_plans["xiangning-children-2021-2025-draft", "docx"])
    texts = [line.text for line in doc.lines]
    assert not any(re.search(r"—\s*\d+\s*—", t) for t in texts)
    assert texts.count(texts[0]) == 1           # the header repeats the title: only the body's title is read


def test_indicator_table_becomes_rows_with_merged_cells_filled(rendered_plans):
    doc = read_document(rendered_plans["xinchengqu-children-2021-2030", "docx"])
    table = doc.tables[0]
    assert "主要发展目标" in table[0][0] and table[1][:2] == ["发展领域", "主要目标"]
    health = [row for row in table if row[0] == "儿童与健康"]
    assert len(health) > 5                        # the merged 领域 cell is filled into every row it spans
    assert any("新生儿死亡率" in row[1] and "3.0‰" in row[2] for row in health)


def test_manual_line_breaks_inside_a_paragraph_are_kept(tmp_path):
    lines = render.plan_lines(CORPUS / "daqing-children-2021-2025.txt")
    path = render.to_docx(lines, tmp_path / "breaks.docx", line_breaks=True)
    with zipfile.ZipFile(path) as z:
        assert "<w:br/>" in z.read("word/document.xml").decode()
    assert signature(parse_file(path)) == signature(parse_file(CORPUS / "daqing-children-2021-2025.txt"))


def test_a_tables_caption_is_not_glued_to_the_passage_before_it(tmp_path):
    """表1 儿童健康主要指标 stands between the last measure and its table: it belongs to neither passage."""
    doc = new_docx()
    for text in ("某县儿童发展规划（2021—2025年）", "一、儿童与健康", "主要目标：", "1．新生儿死亡率控制在3‰以下。",
                 "策略措施：", "1．预防和控制儿童近视。加强视力监测。", "表1  儿童健康主要指标"):
        doc.add_paragraph(text)
    table = doc.add_table(rows=2, cols=3)
    for i, row in enumerate([["指标", "2020年", "2025年"], ["新生儿死亡率", "3.5‰", "3‰以下"]]):
        for j, cell in enumerate(row):
            table.cell(i, j).text = cell
    for text in ("二、儿童与安全", "主要目标：", "1．儿童溺水死亡率下降。", "策略措施：", "1．预防儿童溺水。加强看护。"):
        doc.add_paragraph(text)
    doc.save(tmp_path / "caption.docx")
    plan, = parse_file(tmp_path / "caption.docx")
    texts = {p.id.removeprefix("caption-"): p.text for p in plan.passages}
    assert texts["d1-m1"] == "预防和控制儿童近视。加强视力监测。"
    assert not any("表1" in t for t in texts.values()) and texts["d2-m1"] == "预防儿童溺水。加强看护。"
    # each year's column is kept with its year; the year before the plan's period is its base, no target
    assert [(r.indicator, r.value, r.year) for r in plan.indicator_table] == [("新生儿死亡率", "3.5‰", 2020),
                                                                              ("新生儿死亡率", "3‰以下", 2025)]
    assert [(i.value, i.year) for i in extract_indicators(plan) if i.table_line] == [("3‰以下", 2025)]


# -- numbering definitions ------------------------------------------------------------------------------
def _val(tag: str, val: str):
    el = OxmlElement(tag)
    el.set(qn("w:val"), val)
    return el


def _numbered_docx(path: Path, levels: list[tuple[str, str]], paragraphs: list[tuple[str, int, str]],
                   overrides: dict[int, int] | None = None, list_style: bool = False, gap: str | None = None,
                   head: tuple[str, ...] = ()) -> Path:
    """A .docx whose paragraphs carry only numPr: levels [(numFmt, lvlText)] of one abstract list; each
    paragraph (text, ilvl, numId); numIds 1.. share the abstract list, `overrides` {numId: start}. With
    `list_style`, as Word saves a list style (定义新列表样式): that list holds only a numStyleLink, and the levels
    are in another list with the style's styleLink. `gap`: each level's w:suff (tab, space, nothing). `head`:
    unnumbered paragraphs first."""
    doc = new_docx()
    for text in head:
        doc.add_paragraph(text)
    numbering = doc.part.numbering_part.element
    abstract = OxmlElement("w:abstractNum")
    abstract.set(qn("w:abstractNumId"), "8" if list_style else "7")
    if list_style:
        abstract.append(_val("w:styleLink", "PlanOutline"))
    for ilvl, (fmt, text) in enumerate(levels):
        lvl = OxmlElement("w:lvl")
        lvl.set(qn("w:ilvl"), str(ilvl))
        for tag, val in (("w:start", "1"), ("w:numFmt", fmt), *((("w:suff", gap),) if gap else ()), ("w:lvlText", text)):
            lvl.append(_val(tag, val))
        abstract.append(lvl)
    numbering.append(abstract)
    if list_style:
        stub = OxmlElement("w:abstractNum")
        stub.set(qn("w:abstractNumId"), "7")
        stub.append(_val("w:numStyleLink", "PlanOutline"))
        numbering.insert(0, stub)
        num = OxmlElement("w:num")
        num.set(qn("w:numId"), "99")
        num.append(_val("w:abstractNumId", "8"))
        numbering.append(num)
        style = OxmlElement("w:style")
        style.set(qn("w:type"), "numbering")
        style.set(qn("w:styleId"), "PlanOutline")
        style.append(_val("w:name", "Plan Outline"))
        ppr, numpr = OxmlElement("w:pPr"), OxmlElement("w:numPr")
        numpr.append(_val("w:numId", "99"))
        ppr.append(numpr)
        style.append(ppr)
        doc.styles.element.append(style)
    for num_id in sorted({n for _, _, n in paragraphs}):
        num = OxmlElement("w:num")
        num.set(qn("w:numId"), str(num_id))
        ref = OxmlElement("w:abstractNumId")
        ref.set(qn("w:val"), "7")
        num.append(ref)
        if overrides and num_id in overrides:
            override = OxmlElement("w:lvlOverride")
            override.set(qn("w:ilvl"), "0")
            start = OxmlElement("w:startOverride")
            start.set(qn("w:val"), str(overrides[num_id]))
            override.append(start)
            num.append(override)
        numbering.append(num)
    for text, ilvl, num_id in paragraphs:
        p = doc.add_paragraph(text)
        numpr = OxmlElement("w:numPr")
        for tag, val in (("w:ilvl", str(ilvl)), ("w:numId", str(num_id))):
            el = OxmlElement(tag)
            el.set(qn("w:val"), val)
            numpr.append(el)
        p._p.get_or_add_pPr().insert(0, numpr)
    doc.save(path)
    return path


def test_level_formats_and_restarts_are_honoured(tmp_path):
    path = _numbered_docx(tmp_path / "n.docx", [("chineseCounting", "（%1）"), ("decimal", "%2、"),
                                                ("decimalEnclosedCircle", "%3")], [
        ("儿童与健康", 0, 1), ("主要目标", 1, 1), ("降低死亡率", 2, 1), ("提高保健水平", 2, 1),
        ("策略措施", 1, 1), ("儿童与安全", 0, 1), ("预防溺水", 1, 1),
        ("另一个清单", 1, 2),      # numId 2 restarts at 1 (startOverride)
        ("接着数", 1, 1),          # numId 1 goes on where it was
    ], overrides={2: 1})
    texts = [line.text for line in read_document(path).lines]
    assert texts == ["（一）儿童与健康", "1、主要目标", "①降低死亡率", "②提高保健水平", "2、策略措施",
                     "（二）儿童与安全", "1、预防溺水", "1、另一个清单", "2、接着数"]


def test_a_list_style_gives_its_levels_to_the_lists_that_use_it(tmp_path):
    """Word's 定义新列表样式 saves the paragraphs' list as a mere link to the style; its levels are in the list the
    style links to. Read as the default "1." at every level, every chapter and domain of such a plan was lost."""
    path = _numbered_docx(tmp_path / "style.docx", [("chineseCounting", "%1、"), ("chineseCounting", "（%2）"),
                                                    ("decimal", "%3.")], [
        ("指导思想", 0, 1), ("儿童发展领域", 0, 1), ("儿童与健康", 1, 1), ("预防溺水", 2, 1), ("儿童与安全", 1, 1)],
        list_style=True)
    assert [line.text for line in read_document(path).lines] == [
        "一、指导思想", "二、儿童发展领域", "（一）儿童与健康", "1.预防溺水", "（二）儿童与安全"]


@pytest.mark.parametrize(("marker", "gap"), [("%1、", "tab"), ("%1、", "space"), ("%1、", "nothing"), ("%1、", None),
                                             ("%1.", "tab"), ("%1.", "space"), ("%1.", None)])
def test_an_item_whose_text_begins_with_a_digit_keeps_its_number(tmp_path, marker, gap):
    """Word shows "8、⇥6个月内…" (a tab after the number unless the level says otherwise): read as "8、6个月内…" or
    "8.6个月内…", the number ran into the text's own digits and target 8 was merged into target 7. A typed
    "8、6个月内…" is item 8 too: 、 is never inside a number."""
    path = _numbered_docx(tmp_path / "items.docx", [("decimal", marker)], [
        ("婴儿死亡率控制在5‰以下。", 0, 1), ("6个月内婴儿纯母乳喂养率达到50%以上。", 0, 1),
        ("3岁以下儿童系统管理率达到90%以上。", 0, 1)], gap=gap,
        head=("某市儿童发展规划（2021—2030年）", "一、儿童与健康", "（一）主要目标。"))
    [plan] = parse_file(path)
    assert [(p.number, p.text) for p in plan.passages if p.kind.value == "target"] == [
        (1, "婴儿死亡率控制在5‰以下。"), (2, "6个月内婴儿纯母乳喂养率达到50%以上。"), (3, "3岁以下儿童系统管理率达到90%以上。")]


def test_number_formats():
    assert [chinese_counting(n) for n in (1, 10, 11, 20, 23, 100, 105)] == \
        ["一", "十", "十一", "二十", "二十三", "一百", "一百零五"]
    assert format_number(3, "decimalEnclosedCircle") == "③"
    assert format_number(4, "upperRoman") == "IV"
    assert format_number(2, "ideographTraditional") == "乙"
    assert format_number(7, "bullet") == ""


# -- files that cannot be read ----------------------------------------------------------------------------
def test_encrypted_docx_gets_one_line(tmp_path, rendered_plans):
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    with open(rendered_plans["daqing-children-2021-2025", "docx"], "rb") as f:
        OOXMLFile(f).encrypt("secret", out)
    path = tmp_path / "locked.docx"
    path.write_bytes(out.getvalue())
    with pytest.raises(ReaderError, match="password-protected") as err:
        read_document(path)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("content, message", [
    (b"PK\x03\x04 this is not really a zip", "not a valid Word .docx"),
    (b"", "empty file"),
    ("这是一段文字".encode(), "not a valid Word .docx"),
])
def test_corrupt_or_empty_docx_gets_one_line(tmp_path, content, message):
    path = tmp_path / "bad.docx"
    path.write_bytes(content)
    with pytest.raises(ReaderError, match=message):
        read_document(path)


def test_truncated_docx_gets_one_line(tmp_path, rendered_plans):
    data = rendered_plans["daqing-children-2021-2025", "docx"].read_bytes()
    path = tmp_path / "cut.docx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ReaderError, match="bad.docx|cut.docx"):
        read_document(path)


def test_corrupt_doc_gets_one_line(tmp_path):
    path = tmp_path / "bad.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00garbage" * 100)
    with pytest.raises(ReaderError, match="bad.doc: "):
        read_document(path)


def test_doc_without_libreoffice_names_the_package(tmp_path, monkeypatch, rendered_plans):
    import indexer.readers.doc as doc_reader

    monkeypatch.setattr(doc_reader, "soffice", lambda: None)
    with pytest.raises(ReaderError, match="apt-get install libreoffice-writer-nogui"):
        read_document(rendered_plans["daqing-children-2021-2025", "doc"])


def test_a_web_page_saved_as_word_by_libreoffice_leaves_its_site_furniture_behind(rendered_plans, tmp_path):
    """Officials often paste the government site's page into Word: the plan parses as its .txt does, and
    no line of the site (发布时间, 字体, 分享到, 相关文章 and its links, 版权所有, ICP) reaches a passage."""
    import shutil
    import subprocess

    page = tmp_path / "page.html"
    shutil.copy(rendered_plans["xinchengqu-children-2021-2030", "html-gb18030"], page)
    subprocess.run([render.soffice(), f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                    "--infilter=HTML", "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(tmp_path), str(page)],
                   check=True, capture_output=True, timeout=180)
    plans = parse_file(tmp_path / "page.docx")
    assert counts(plans) == counts(parse_file(CORPUS / "xinchengqu-children-2021-2030.txt"))
    texts = "\n".join(p.text for plan in plans for p in plan.passages)
    for furniture in ("发布时间", "字体", "分享到", "相关文章", "防溺水工作的通知", "版权所有", "ICP", "公网安备"):
        assert furniture not in texts, furniture




@pytest.mark.parametrize("stem", ["daqing-children-2021-2025", "xiangning-children-2021-2025-draft",
                                  "zengdu-women-and-children-2021-2030"])
def test_headings_set_in_word_heading_styles_without_numbers_keep_the_structure(stem, tmp_path):
    """A plan whose chapters are Heading 1 and whose sections are Heading 2, with no number typed or shown
    (Word's default heading styles): read like the text that numbers them. In a file of two plans the second
    plan's title starts its chapters at 一 again (they ran on from the first plan's, and the plans merged)."""
    render.to_heading_styles_docx(CORPUS / f"{stem}.txt", tmp_path / f"{stem}.docx")
    word, txt = parse_file(tmp_path / f"{stem}.docx"), parse_file(CORPUS / f"{stem}.txt")
    assert counts(word) == counts(txt)
    assert signature(word) == signature(txt)


@pytest.mark.parametrize(("made", "named"), [("docx", ".pdf"), ("pdf", ".docx"), ("html-utf8", ".txt")])
def test_a_file_named_as_another_kind_is_read_as_what_it_is(rendered_plans, tmp_path, made, named):
    """A PDF saved with a .docx name, a Word file named .pdf, a web page saved as .txt: read by what their bytes
    are, as the correctly named file is, with a warning that says so."""
    import shutil

    stem = "daqing-children-2021-2025"
    wrong = tmp_path / f"plan{named}"
    shutil.copy(rendered_plans[stem, made], wrong)
    parsed = parse_document(wrong)
    assert parsed.format == made.split("-")[0]
    assert counts(parsed.plans) == counts(parse_file(rendered_plans[stem, made]))
    assert any(f"with a {named} name" in w for w in parsed.plans[0].warnings)


BOX = "专栏1 儿童安全重点工程：儿童防溺水宣传进校园，每所中小学每学期至少开展一次防溺水专题教育。"


def _text_box_run(text: str) -> str:
    """A run holding a text box as Word writes one: the drawing, and its VML copy for older readers."""
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    box = f'<w:txbxContent><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:txbxContent>'
    return (f'<w:r xmlns:w="{w}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
            'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
            'xmlns:v="urn:schemas-microsoft-com:vml"><mc:AlternateContent><mc:Choice Requires="wps">'
            f'<w:drawing><wps:wsp><wps:txbx>{box}</wps:txbx></wps:wsp></w:drawing></mc:Choice>'
            f'<mc:Fallback><w:pict><v:shape><v:textbox>{box}</v:textbox></v:shape></w:pict></mc:Fallback>'
            '</mc:AlternateContent></w:r>')


def test_a_text_box_is_read_once_after_the_paragraph_it_is_anchored_in(tmp_path):
    from lxml import etree

    doc = new_docx()
    doc.add_paragraph("（二）策略措施。")
    anchor = doc.add_paragraph("1.预防和控制儿童溺水。加强农村地区相关水体的防护隔离和安全巡查。")
    anchor._p.append(etree.fromstring(_text_box_run(BOX)))
    doc.add_paragraph("2.加强儿童交通安全教育。")
    doc.save(tmp_path / "box.docx")
    texts = [line.text for line in read_document(tmp_path / "box.docx").lines]
    assert texts == ["（二）策略措施。", "1.预防和控制儿童溺水。加强农村地区相关水体的防护隔离和安全巡查。", BOX,
                     "2.加强儿童交通安全教育。"]


def test_a_forged_cell_span_is_held_to_words_column_limit(tmp_path):
    """A 1 KB file whose cells claim to span a million columns took 88 s and 4 GB to read."""
    doc = new_docx()
    doc.add_paragraph("某某市儿童发展规划（2021—2025年）")
    table = doc.add_table(rows=2, cols=2)
    for row in table.rows:
        for cell in row.cells:
            cell.text = "指标"
            span = OxmlElement("w:gridSpan")
            span.set(qn("w:val"), "1000000")
            cell._tc.get_or_add_tcPr().append(span)
    doc.save(tmp_path / "span.docx")
    document = read_document(tmp_path / "span.docx")
    assert document.tables and max(len(row) for t in document.tables for row in t) <= 2 * 63


def test_a_word_file_that_unpacks_to_gigabytes_is_refused_unread(tmp_path):
    doc = new_docx()
    doc.add_paragraph("某某市儿童发展规划（2021—2025年）")
    doc.save(tmp_path / "plain.docx")
    with zipfile.ZipFile(tmp_path / "plain.docx") as source, \
            zipfile.ZipFile(tmp_path / "bomb.docx", "w", zipfile.ZIP_DEFLATED) as bomb:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml":
                data = data.replace(b"<w:body>", b"<w:body>" + b" " * (65 * 1024 * 1024))
            bomb.writestr(info.filename, data)
    assert (tmp_path / "bomb.docx").stat().st_size < 1024 * 1024
    with pytest.raises(ReaderError, match="unpacks to 65 MB"):
        read_document(tmp_path / "bomb.docx")


def test_more_text_than_a_plan_holds_is_refused(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("某某市儿童发展规划\n" + ("加强儿童健康服务。" * 100 + "\n") * 2300, encoding="utf-8")
    with pytest.raises(ReaderError, match="more text than a plan holds"):
        read_document(big)


def test_a_word_body_with_more_text_than_a_plan_holds_is_refused_before_it_is_parsed(tmp_path, monkeypatch):
    """A 300 KB .docx whose body unpacks to 60 MB of text took 23 s and 840 MB to parse before it was refused."""
    doc = new_docx()
    doc.add_paragraph("某某市儿童发展规划")
    doc.save(tmp_path / "small.docx")
    with zipfile.ZipFile(tmp_path / "small.docx") as z:
        parts = {n: z.read(n) for n in z.namelist()}
    body = "<w:p><w:r><w:t>" + "加强儿童健康服务。" * 1000 + "</w:t></w:r></w:p>"
    parts["word/document.xml"] = parts["word/document.xml"].replace(b"<w:body>", ("<w:body>" + body * 250).encode())
    with zipfile.ZipFile(tmp_path / "bomb.docx", "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)
    monkeypatch.setattr("docx.Document", lambda *a: pytest.fail("the body was parsed before its size was checked"))
    with pytest.raises(ReaderError, match="more text than a plan holds"):
        read_document(tmp_path / "bomb.docx")


def test_hidden_text_is_not_read(tmp_path):
    """A run formatted as hidden (w:vanish: an internal note Word neither shows nor prints) stays out; a run whose
    vanish is switched off stays in."""
    doc = new_docx()
    p = doc.add_paragraph("1.预防和控制儿童溺水。")
    for text, val in (("（内部备注：此条经费待定）", None), ("加强看护。", "0")):
        run = p.add_run(text)
        vanish = OxmlElement("w:vanish")
        if val is not None:
            vanish.set(qn("w:val"), val)
        run._r.get_or_add_rPr().append(vanish)
    path = tmp_path / "hidden.docx"
    doc.save(path)
    assert [line.text for line in read_document(path).lines] == ["1.预防和控制儿童溺水。加强看护。"]


def test_measures_in_a_word_bullet_list_are_one_passage_each(tmp_path):
    """Measures set in Word's List Bullet style (a numbering whose format is bullet) ran together into one passage
    per domain; a bulleted short line that is no sentence gets no bullet."""
    doc = new_docx()
    for text in ("某市儿童发展规划（2021—2030年）", "一、儿童与安全", "（一）主要目标。",
                 "1.儿童伤害死亡率以2020年数据为基数下降15%。", "（二）策略措施。"):
        doc.add_paragraph(text)
    for text in ("预防和控制儿童溺水。加强看护，落实监护责任。", "预防和控制儿童道路交通伤害。推广使用儿童安全座椅。",
                 "预防和控制儿童跌倒。改善儿童居家环境。", "附：联系人"):
        doc.add_paragraph(text, style="List Bullet")
    path = tmp_path / "bullets.docx"
    doc.save(path)
    assert [line.text for line in read_document(path).lines][-4:] == [
        "●预防和控制儿童溺水。加强看护，落实监护责任。", "●预防和控制儿童道路交通伤害。推广使用儿童安全座椅。",
        "●预防和控制儿童跌倒。改善儿童居家环境。", "附：联系人"]
    [plan] = parse_file(path)
    assert [p.text.split("\n")[0] for p in plan.passages if p.kind.value == "measure"] == [
        "预防和控制儿童溺水。加强看护，落实监护责任。", "预防和控制儿童道路交通伤害。推广使用儿童安全座椅。",
        "预防和控制儿童跌倒。改善儿童居家环境。"]


def test_targets_set_out_in_a_table_under_their_block_are_target_passages(tmp_path):
    """A domain whose 主要目标 are a table (序号 | 主要目标 | 指标 | 2020年现状 | 2025年目标) had no target passage, so a
    search for its targets found nothing, and the table's 主要目标 column was read as the indicator."""
    from indexer.targets import extract_indicators

    doc = new_docx()
    for text in ("某市儿童发展规划（2021—2025年）", "一、儿童与健康", "主要目标："):
        doc.add_paragraph(text)
    rows = [("序号", "主要目标", "指标", "2020年现状", "2025年目标"),
            ("1", "降低儿童死亡率。", "婴儿死亡率控制在5.5‰以下。", "3.6‰", "5.5‰以下"),
            ("1", "降低儿童死亡率。", "5岁以下儿童死亡率（‰）", "4.8", "6.5以下"),
            ("2", "预防和控制儿童近视。", "小学生近视率", "40%", "38%以下")]
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    for text in ("策略措施：", "1.优先保障儿童健康。将儿童健康理念融入经济社会发展政策。"):
        doc.add_paragraph(text)
    path = tmp_path / "table-targets.docx"
    doc.save(path)
    [plan] = parse_file(path)
    targets = [(p.id.removeprefix(p.plan_id), p.domain, p.title, p.text) for p in plan.passages
               if p.kind.value == "target"]
    assert targets == [
        ("-d1-t1", "儿童与健康", "降低儿童死亡率。", "降低儿童死亡率。\n婴儿死亡率控制在5.5‰以下。\n5岁以下儿童死亡率（‰）　6.5以下"),
        ("-d1-t2", "儿童与健康", "预防和控制儿童近视。", "预防和控制儿童近视。\n小学生近视率　38%以下")]
    assert [p.kind.value for p in plan.passages if p.text.startswith("优先保障")] == ["measure"]
    assert {(i.name, i.value) for i in extract_indicators(plan) if i.table_line} == {
        ("婴儿死亡率", "5.5‰以下"), ("5岁以下儿童死亡率", "6.5以下"), ("小学生近视率", "38%以下")}


def test_a_targets_table_whose_value_column_is_named_a_requirement_gives_target_passages(tmp_path):
    """类别 | 序号 | 主要目标 | 指标要求, 类别 merged down: no column named a year or a 值, so the table was data only and
    the domain had no target at all, without a warning."""
    doc = new_docx()
    for text in ("某市儿童发展规划（2021—2025年）", "一、儿童与健康", "主要目标："):
        doc.add_paragraph(text)
    rows = [("类别", "序号", "主要目标", "指标要求"),
            ("健康服务", "1", "降低新生儿死亡率。", "新生儿死亡率控制在3.5‰以下。"),
            ("", "2", "提高儿童营养水平。", "5岁以下儿童贫血患病率控制在10%以下。")]
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    table.cell(1, 0).merge(table.cell(2, 0))
    for text in ("策略措施：", "1.优先保障儿童健康。将儿童健康理念融入经济社会发展政策。"):
        doc.add_paragraph(text)
    path = tmp_path / "requirement.docx"
    doc.save(path)
    [plan] = parse_file(path)
    targets = [(p.id.removeprefix(p.plan_id), p.text) for p in plan.passages if p.kind.value == "target"]
    assert targets == [("-d1-t1", "降低新生儿死亡率。　新生儿死亡率控制在3.5‰以下。"),
                       ("-d1-t2", "提高儿童营养水平。　5岁以下儿童贫血患病率控制在10%以下。")]


OTHER_WORD = {"odt": "daqing-children-2021-2025", "rtf": "zengdu-women-and-children-2021-2030",
              "wps": "xinxing-13th-division-children-2021-2030"}


@pytest.fixture(scope="module")
def other_word_files(rendered_plans, tmp_path_factory):
    """A plan's Word file saved by LibreOffice as OpenDocument text, another's as RTF, and a third's .doc renamed
    .wps (WPS Office's Writer saves the Word 97–2003 format under that name; the .doc path itself is tested on
    every plan above)."""
    root = tmp_path_factory.mktemp("other-word")
    out = {}
    for fmt in ("odt", "rtf"):
        [out[fmt]] = render.convert_many([rendered_plans[OTHER_WORD[fmt], "docx-typed"]], fmt, root / fmt)
    out["wps"] = root / f"{OTHER_WORD['wps']}.wps"
    out["wps"].write_bytes(rendered_plans[OTHER_WORD["wps"], "doc"].read_bytes())
    return out


@pytest.mark.parametrize("fmt", sorted(OTHER_WORD))
def test_odt_rtf_and_wps_files_parse_like_the_txt(other_word_files, fmt):
    path = other_word_files[fmt]
    assert path.read_bytes()[:5] in (b"PK\x03\x04\x14", b"PK\x03\x04\n", b"{\\rtf", b"\xd0\xcf\x11\xe0\xa1")
    word = parse_document(path)
    assert word.format == fmt
    txt = parse_file(CORPUS / f"{OTHER_WORD[fmt]}.txt")
    assert counts(word.plans) == counts(txt)
    assert signature(word.plans) == signature(txt)


def test_an_rtf_or_odt_under_another_name_is_known_by_its_first_bytes(other_word_files, tmp_path):
    """What read_document goes by to read a renamed file as what it is (the whole path: the test of a PDF named
    .docx above)."""
    from indexer.readers import sniff

    for fmt, wrong in (("rtf", ".txt"), ("odt", ".docx")):
        renamed = tmp_path / f"plan{wrong}"
        renamed.write_bytes(other_word_files[fmt].read_bytes())
        assert sniff(renamed) == f".{fmt}"


@pytest.mark.parametrize("header", [[("序号", "指标", "2025年目标", "2030年目标")],
                                    [("序号", "指标", "目标值", "目标值"), ("序号", "指标", "2025年", "2030年")]],
                         ids=["one-header-row", "merged-header-over-years"])
def test_a_targets_table_with_a_column_per_milestone_keeps_each_value_with_its_year(tmp_path, header):
    """序号 | 指标 | 2025年目标 | 2030年目标 under 主要目标: the passage kept only the 2030 value, and the table's
    indicator gave it as the 2025 value of a plan ending in 2025 (a wrong number for 2025)."""
    from indexer.targets import extract_indicators

    doc = new_docx()
    for text in ("某某县儿童发展规划（2021—2025年）", "一、发展领域、主要目标和策略措施", "（一）儿童与健康", "主要目标："):
        doc.add_paragraph(text)
    rows = [*header, ("1", "新生儿死亡率", "3.5‰以下", "3.2‰以下"),
            ("2", "婴儿死亡率", "5.6‰以下", "5.3‰以下")]
    table = doc.add_table(rows=len(rows), cols=4)
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            table.cell(r, c).text = cell
    for text in ("策略措施：", "1.加强儿童保健服务。完善儿童健康服务体系。"):
        doc.add_paragraph(text)
    if len(header) > 1:
        for c in (2, 3):
            table.cell(0, c).text = ""
        table.cell(0, 2).merge(table.cell(0, 3)).text = "目标值"
    doc.save(tmp_path / "milestones.docx")
    [plan] = parse_file(tmp_path / "milestones.docx")
    targets = [p for p in plan.passages if p.kind.value == "target"]
    assert [p.text for p in targets] == ["新生儿死亡率　2025年：3.5‰以下；2030年：3.2‰以下",
                                         "婴儿死亡率　2025年：5.6‰以下；2030年：5.3‰以下"]
    got = {(i.name, i.year, i.year_inferred, i.value, i.passage_id) for i in extract_indicators(plan)}
    first = targets[0].id
    assert {("新生儿死亡率", 2025, False, "3.5‰以下", first), ("新生儿死亡率", 2030, False, "3.2‰以下", first)} <= got
    assert not any(name == "新生儿死亡率" and year == 2025 and value != "3.5‰以下" for name, year, _, value, _ in got)


def test_a_cover_and_a_contents_heading_without_entries_stay_out_of_the_title(tmp_path):
    """Word keeps a table of contents' entries in a field, which the reader leaves out: its 目录 heading stood right
    above the plan's title and was read as its head (目    录大庆市儿童发展规划…), and the cover's month likewise."""
    front = [line for line in render.COVER_AND_CONTENTS[:6] if line != render.PAGE_BREAK]
    path = render.to_docx(front + render.plan_lines(CORPUS / "daqing-children-2021-2025.txt"), tmp_path / "plan.docx")
    [plan] = parse_file(path)
    assert plan.meta.title == "大庆市儿童发展规划（2021-2025年）"


def test_a_web_pages_qr_code_caption_is_furniture_and_a_plans_sentence_on_scanning_is_not():
    """A government page printed to PDF by the browser keeps its 扫一扫在手机打开当前页 caption under the text: it
    was glued to the plan's last passage."""
    from indexer.readers.base import SourceLine
    from indexer.readers.furniture import blank_furniture

    lines = [SourceLine(t) for t in ("扫一扫在手机打开当前页", "【我要纠错】", "用手机扫描二维码分享",
                                      "推广扫码就医，方便群众在手机上预约挂号。")]
    assert [line.text for line in blank_furniture(lines)] == ["", "", "", "推广扫码就医，方便群众在手机上预约挂号。"]


@pytest.mark.parametrize("fmt", ["docx", "html"])
def test_a_print_pasted_into_word_or_a_web_page_leaves_its_page_numbers_and_running_header(tmp_path, fmt):
    """A plan copied out of a PDF into Word or a site's page keeps each page's — 2 — and running header between
    the halves of a sentence, one paragraph each: the title became "— 1 —大庆市…", the preface before the first
    page number was lost, and 34 passages carried the furniture. It goes, as it does from a .txt."""
    lines, pages = [], iter(range(1, 1000))
    for i, line in enumerate(render.plan_lines(CORPUS / "daqing-children-2021-2025.txt")):
        if len(line) > 120 and i % 3 == 0 and "，" in line:
            cut = line.index("，") + 1
            lines += [line[:cut], f"— {next(pages)} —", "大庆市儿童发展规划（2021-2025年）", line[cut:]]
        else:
            lines.append(line)
    assert next(pages) > 10
    path = render.to_docx(lines, tmp_path / "pasted.docx", page_footer=False) if fmt == "docx" else \
        render.to_html(lines, tmp_path / "pasted.html", title="大庆市儿童发展规划（2021-2025年）")
    [got], [want] = parse_file(path), parse_file(CORPUS / "daqing-children-2021-2025.txt")
    assert got.meta.title == want.meta.title
    assert [(p.id.replace(got.meta.id, ""), p.kind, re.sub(r"\s", "", p.text)) for p in got.passages] == \
        [(p.id.replace(want.meta.id, ""), p.kind, re.sub(r"\s", "", p.text)) for p in want.passages]


def test_a_sites_footer_copied_with_the_plan_into_a_file_stays_out_of_its_last_passage(tmp_path):
    """主办单位 / 承办单位, 技术支持 and 建议使用…分辨率…浏览器 lines, copied from a site's page with the plan, were
    appended to its last passage (the web page reader knew them; the other formats did not)."""
    source = (CORPUS / "daqing-children-2021-2025.txt").read_text(encoding="utf-8")
    footer = ("\n主办单位：大庆市人民政府办公室  承办单位：大庆市政务服务中心\n技术支持：大庆市大数据中心\n"
              "建议使用1920×1080分辨率，IE10以上浏览器浏览本站\n")
    (tmp_path / "copied.txt").write_text(source + footer, encoding="utf-8")
    [got], [want] = parse_file(tmp_path / "copied.txt"), parse_file(CORPUS / "daqing-children-2021-2025.txt")
    assert [p.text for p in got.passages] == [p.text for p in want.passages]


def test_an_empty_numbered_paragraph_counts_as_word_draws_it(tmp_path):
    """An empty paragraph left in an automatically numbered list shows its number in Word (4. on an empty line) and
    the next item is 5.: the reader skipped it, so every later measure was one lower than on the screen and than in
    the PDF of the same file. A paragraph whose mark is a tracked deletion still draws no number."""
    import copy

    lines = render.plan_lines(CORPUS / "daqing-children-2021-2025.txt")
    path = render.to_docx(lines, tmp_path / "auto.docx", auto_numbering=True)
    doc = new_docx(str(path))
    item = next(p for p in doc.paragraphs if p.text.startswith("保障新生儿安全与健康"))
    empty = OxmlElement("w:p")
    empty.append(copy.deepcopy(item._p.pPr))
    item._p.addprevious(empty)
    deleted = OxmlElement("w:p")
    deleted.append(copy.deepcopy(item._p.pPr))
    mark = OxmlElement("w:rPr")
    mark.append(OxmlElement("w:del"))
    deleted.pPr.append(mark)
    next(p for p in doc.paragraphs if p.text.startswith("加强儿童保健服务和管理"))._p.addprevious(deleted)
    doc.save(str(tmp_path / "empty.docx"))
    [plan] = parse_file(tmp_path / "empty.docx")
    numbers = {p.title: p.number for p in plan.passages if p.domain and p.kind.value == "measure"}
    assert numbers["保障新生儿安全与健康"] == 5 and numbers["加强儿童保健服务和管理"] == 6
    assert any("skips from 3 to 5" in w for w in plan.warnings)


def test_a_level_defined_anew_in_a_lists_override_gives_that_lists_numbers(tmp_path):
    """A w:num whose lvlOverride holds a whole w:lvl (Word writes one when a list's level is given another format)
    numbers that list its own way: LibreOffice and Word show （1）, the reader showed the abstract list's 1."""
    path = _numbered_docx(tmp_path / "n.docx", [("decimal", "%1.")],
                          [("优先保障儿童健康", 0, 1), ("完善儿童健康服务体系", 0, 1), ("预防和控制儿童溺水", 0, 2)])
    with zipfile.ZipFile(path) as z:
        files = {n: z.read(n) for n in z.namelist()}
    override = ('<w:lvlOverride w:ilvl="0"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
                '<w:lvlText w:val="（%1）"/></w:lvl></w:lvlOverride>')
    numbering = files["word/numbering.xml"].decode()
    files["word/numbering.xml"] = re.sub(r'(<w:num w:numId="2">.*?)(</w:num>)', lambda m: m.group(1) + override +
                                         m.group(2), numbering, flags=re.S).encode()
    assert override in files["word/numbering.xml"].decode()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    texts = [line.text for line in read_document(path).lines]
    assert texts == ["1.优先保障儿童健康", "2.完善儿童健康服务体系", "（1）预防和控制儿童溺水"]
