"""The 对标分析 report as text (CLI) and as a Word document for a meeting: per domain, each finding with
the peers' values side by side and a source note for every cited passage."""
from __future__ import annotations

import io
import re
from datetime import date

from plansearch.review import Citation, ReviewResponse

# characters XML 1.0 cannot hold (control characters other than tab and newline, lone surrogates, U+FFFE/F)
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text: str | None) -> str:
    return XML_ILLEGAL.sub("", text or "")


def cite(c: Citation, titles: dict[str, str]) -> str:
    where = c.source.where()
    return f"{titles.get(c.plan_id, c.plan_id)}（{c.source.file} {where}" + (f"；{c.passage_id}" if c.passage_id else "") + "）"


def _year(year: int | None) -> str:
    return f"（{year}年）" if year else ""


def lines(report: ReviewResponse) -> list[tuple[int, str]]:
    """(level, text) lines of the report: 0 headings, 1 findings, 2 details and sources."""
    titles = {report.plan_id: report.plan_title, **report.peer_titles}
    short = lambda pid: titles.get(pid, pid)  # noqa: E731
    out: list[tuple[int, str]] = []
    for d in report.domains:
        if not (d.weaker_targets or d.stronger_targets or d.missing_indicators or d.missing_measures or d.additions):
            continue
        out.append((0, d.domain))
        # "lower" and "higher" mislead for a death rate, whose weaker target is the larger number: say less (or
        # more) ambitious, and give every value its year (a 2025 target beside a peer's 2030 one)
        targets = [(w, "目标不及同类规划", f"同类规划中位数 {w.median}，要求最高的 {w.best}") for w in d.weaker_targets] + \
                  [(w, "目标高于同类规划", f"同类规划中要求最高的 {w.best}，中位数 {w.median}") for w in d.stronger_targets]
        for w, label, against in targets:
            peers = "；".join(f"{short(p.plan_id)} {p.value}{_year(p.year)}" for p in w.peers)
            out.append((1, f"{label}：{w.indicator} 本规划 {w.value}{_year(w.year)}，{against}"))
            out.append((2, f"各地：{peers}"))
            out += [(2, "来源：" + cite(c, titles)) for c in w.citations]
        for m in d.missing_indicators:
            peers = "；".join(f"{short(p.plan_id)} {p.value}{_year(p.year)}" for p in m.peers)
            out.append((1, f"缺少指标：{m.indicator}（{len(m.peers)} 个同类规划设定）"))
            out.append((2, f"各地：{peers}"))
            out += [(2, "来源：" + cite(c, titles)) for c in m.citations]
        for m in d.missing_measures:
            out.append((1, f"缺少常见措施：{m.title}（{len(m.peers)} 个同类规划都有）"))
            out += [(2, "来源：" + cite(c, titles)) for c in m.citations]
        for a in d.additions:
            label = "本规划特有指标" if a.kind == "target" else "本规划特有措施"
            out.append((1, f"{label}：{a.title}" + (f" {a.value}" if a.value else "")))
            out += [(2, "来源：" + cite(c, titles)) for c in a.citations]
    return out


def review_text(report: ReviewResponse) -> str:
    head = [f"对标分析：{report.plan_title}（{report.plan_id}）",
            f"对标规划（{report.peer_rule}）：" + "、".join(report.peer_titles.get(p, p) for p in report.peers), ""]
    body = [("" if level == 0 else "  " * level) + ("== " + text if level == 0 else text) for level, text in lines(report)]
    return "\n".join(head + (body or ["没有发现差异。"])) + "\n"


def review_docx(report: ReviewResponse) -> bytes:
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    style.font.size = Pt(11)
    doc.add_heading(clean(f"对标分析：{report.plan_title}"), level=0)
    doc.add_paragraph(clean(f"生成日期：{date.today().isoformat()}　对标规划（{report.peer_rule}）：" +
                            "、".join(report.peer_titles.get(p, p) for p in report.peers)))
    found = lines(report)
    if not found:
        doc.add_paragraph("没有发现差异。")
    for level, text in found:
        if level == 0:
            doc.add_heading(clean(text), level=1)
        elif level == 1:
            doc.add_paragraph(clean(text), style="List Bullet")
        else:
            run = doc.add_paragraph().add_run(clean(text))
            run.italic = text.startswith("来源")
            run.font.size = Pt(9)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
