"""Drafting export: a set of passages or a comparison as Markdown or Word (.docx), each passage with
its source note (plan, domain, kind, item number, file and lines)."""
from __future__ import annotations

import io
import re
from datetime import date


from plansearch.records import KIND_LABELS
from plansearch.views import view, view_model


ExportItem = view_model("ExportItem", "passage_id plan_title region domain kind number title text source note",
                        note=(str | None, None))          # e.g. 与共同模板一致 / 较共同模板新增：…


# What XML 1.0 cannot hold (C0 controls but tab/newline/return, lone surrogates, U+FFFE/U+FFFF):
# python-docx refuses such a string, so it is dropped from every text that goes into a .docx.
XML_INVALID = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# ASCII punctuation a Markdown viewer may act on (emphasis, links, images, code, tables, strike-through) is
# backslash-escaped, as CommonMark allows for any; raw HTML and entities become &lt; &gt; &amp;.
MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~])")
HTML_SPECIAL = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
MD_LINE_START = re.compile(r"^(\s*)(-|=|\d+(?=[.)]))")
# what GitHub-style viewers turn into a link with no brackets: http://…, www.…, an e-mail address
MD_AUTOLINK = re.compile(r"(?i)(?<=[a-z])(:)(?=//)|(?<=\bwww)(\.)|(@)(?=[\w-]+\.)")
HEADING_CHARS = 30


def xml_safe(text: str) -> str:
    """`text` without the characters XML cannot hold."""
    return XML_INVALID.sub("", text)


def md_escape(text: str) -> str:
    """`text` as Markdown shows it literally: no raw HTML, link (bare ones too), image, emphasis or list from passage
    text."""
    text = MD_SPECIAL.sub(r"\\\1", xml_safe(text))
    text = re.sub("[&<>]", lambda m: HTML_SPECIAL[m.group(0)], text)
    text = MD_AUTOLINK.sub(lambda m: "\\" + m.group(0), text)
    return MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def one_line(text: str) -> str:
    return " ".join(text.split())


def heading_of(item: "ExportItem") -> str:
    """The passage's title, or its first line; a longer line is cut after its last clause within 30 characters
    (…分别降至3.0‰、5.0‰和 read as a number cut in two), and "…" says so (cut before escaping: never half a tag)."""
    if item.title:
        return item.title
    first = item.text.split("\n", 1)[0]
    if len(first) <= HEADING_CHARS:
        return first
    cut = max(first.rfind(mark, 0, HEADING_CHARS) for mark in "，；：、,;:")
    return (first[:cut] if cut >= HEADING_CHARS // 3 else first[:HEADING_CHARS]).rstrip() + "…"


def source_note(item: ExportItem) -> str:
    parts = [item.plan_title, item.domain or "", KIND_LABELS[item.kind] + (f"第{item.number}条" if item.number else "")]
    lines = item.source.where()
    return "来源：" + " · ".join(p for p in parts if p) + f"（{item.source.file} {lines}；{item.passage_id}）"


def to_markdown(title: str, items: list[ExportItem]) -> str:
    """Markdown in which every text from the index or the request is escaped: a viewer renders no HTML."""
    out = [f"# {md_escape(one_line(title))}", "", f"导出日期：{date.today().isoformat()}　共 {len(items)} 条", ""]
    current_plan = None
    for item in items:
        if item.plan_title != current_plan:
            out += [f"## {md_escape(one_line(f'{item.plan_title}（{item.region}）'))}", ""]
            current_plan = item.plan_title
        out += [f"### {md_escape(one_line(heading_of(item)))}", ""]
        out += [f"> {md_escape(line)}" for line in item.text.split("\n")]
        out += ["", f"*{md_escape(one_line(source_note(item)))}*"]
        if item.note:
            out += ["", f"说明：{md_escape(one_line(item.note))}"]
        out.append("")
    return "\n".join(out)


def to_docx(title: str, items: list[ExportItem]) -> bytes:
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    style.font.size = Pt(11)
    doc.add_heading(xml_safe(title), level=0)
    doc.add_paragraph(f"导出日期：{date.today().isoformat()}　共 {len(items)} 条")
    current_plan = None
    for item in items:
        if item.plan_title != current_plan:
            doc.add_heading(xml_safe(f"{item.plan_title}（{item.region}）"), level=1)
            current_plan = item.plan_title
        doc.add_heading(xml_safe(heading_of(item)), level=2)
        for line in item.text.split("\n"):
            doc.add_paragraph(xml_safe(line))
        note = doc.add_paragraph()
        run = note.add_run(xml_safe(source_note(item)))
        run.italic = True
        run.font.size = Pt(9)
        if item.note:
            doc.add_paragraph(xml_safe(f"说明：{item.note}"))
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


MAX_EXPORT_IDS = 200


def items_for_ids(searcher, ids: list[str]) -> list[ExportItem]:
    """Export items for hand-picked passage ids, in the order given (unknown ids raise PassageNotFound)."""
    items = []
    for pid in ids:
        d = searcher.passage(pid)
        items.append(view(ExportItem, d))
    return items


def items_for_comparison(comparison) -> list[ExportItem]:
    """Export items for a comparison: plan by plan, each version noted as shared or with what it adds."""
    items = []
    for column in comparison.plans:
        for v in column.passages:
            added = [t for s in v.segments if s.status == "added" and (t := s.text.strip().rstrip("，、；。,;"))]
            missing = list(v.missing)
            # a phrase the core writes with another number (30%以下 for 38%以下): a value that differs, said so
            changed = []
            for a in list(added):
                m = next((m for m in missing if _numbers_only_differ(a, m)), None)
                if m is not None:
                    changed.append(f"{a}（共同模板：{m}）")
                    added.remove(a)
                    missing.remove(m)
            parts = [f"数值不同：{'；'.join(changed)}" if changed else "",
                     f"{'新增' if v.shared else '较共同模板新增'}：{'；'.join(added)}" if added else "",
                     f"缺少：{'；'.join(missing)}" if missing and not v.shared else ""]
            note = "；".join(x for x in (["与共同模板基本一致"] if v.shared else []) + parts if x) or None
            items.append(view(ExportItem, v, note=note))
    return items


def _numbers_only_differ(a: str, b: str) -> bool:
    """Do two phrases say the same but for their numbers (小学生近视率降至30%以下 / …38%以下)?"""
    strip = lambda t: re.sub(r"[\d.．\s]+", "#", t)  # noqa: E731
    return a != b and strip(a) == strip(b) and bool(re.search(r"\d", a))
