"""What every reader produces: the document's lines in reading order, each with where it came from."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from plansearch.errors import CorpusError

# a page number as printed in a header or footer: — 2 —, 第 2 页, 2/30, 共30页, page 2
MAX_TEXT_CHARS = 2_000_000     # a plan's text is 30–150 thousand characters; 2 million is a compressed bomb, not a plan
RE_PAGE_NUMBER = re.compile(
    r"^[\s\-—–－·•_~]*(第\s*)?(\d{1,4}|[ivxlcdm]{1,6})(\s*页)?(\s*[/／]\s*\d{1,4}|\s*共\s*\d{1,4}\s*页)?[\s\-—–－·•_~]*$"
    r"|^(page|p\.)\s*\d{1,4}(\s*of\s*\d{1,4})?$", re.IGNORECASE)


class ReaderError(CorpusError):
    """A file that cannot be read as a plan: the message names the file and says why, in one line."""

    def __init__(self, file: str, reason: str):
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason


@dataclass(frozen=True)
class SourceLine:
    """One line of a plan as written, and where a reader of the original finds it.

    A table cell is a line starting with a tab; a blank line ends a table row (the layout of
    the plain-text plans, so the parser reads tables from every format alike)."""

    text: str
    page: int | None = None          # PDF: the page the line starts on
    page_end: int | None = None
    paragraph: int | None = None     # Word / web page: the body paragraph (1-based, tables counted)
    line: int | None = None          # text file: the line; PDF: the line on its page
    line_end: int | None = None


@dataclass
class Document:
    file: str                         # the file's name, as cited
    format: str                       # txt | docx | doc | pdf | html
    lines: list[SourceLine]
    tables: list[list[list[str]]] = field(default_factory=list)   # rows of cells, merged cells filled in
    warnings: list[str] = field(default_factory=list)


def tables_of(lines: list[SourceLine]) -> list[list[list[str]]]:
    """The tables among `lines`: tab-indented cells, rows ending at a blank line, a table ending at the
    next line of text; an empty first cell continues the one above (a merged cell flattened)."""
    tables: list[list[list[str]]] = []
    rows: list[list[str]] = []
    row: list[str] = []
    for line in lines:
        if line.text.startswith("\t"):
            row.append(line.text.strip())
            continue
        if row:
            rows.append(row)
            row = []
        if line.text.strip() and rows:
            tables.append(rows)
            rows = []
    if row:
        rows.append(row)
    if rows:
        tables.append(rows)
    return [_fill_down(t) for t in tables]


def _fill_down(rows: list[list[str]]) -> list[list[str]]:
    rows = [r for r in rows if any(r)]
    out: list[list[str]] = []
    for row in rows:
        if out and row and not row[0] and len(row) == len(out[-1]):
            row = [out[-1][0]] + row[1:]
        out.append(row)
    return out
