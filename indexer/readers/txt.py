"""Plain-text plans: UTF-8 (BOM tolerated), else GB18030, as Chinese office files often are."""
from __future__ import annotations

from pathlib import Path

from indexer.readers.base import Document, ReaderError, SourceLine


def decode_text(data: bytes, name: str) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ReaderError(name, "not UTF-8 or GB18030 text")


def read_txt(path: Path) -> Document:
    text = decode_text(path.read_bytes(), path.name)
    if "\x00" in text:
        raise ReaderError(path.name, "binary data, not a text file")
    lines = [SourceLine(raw, line=i, line_end=i) for i, raw in enumerate(text.splitlines(), start=1)]
    tables = _tables(lines)
    return Document(file=path.name, format="txt", lines=lines, tables=tables)


def _tables(lines: list[SourceLine]) -> list[list[list[str]]]:
    """Flattened tables of the plain-text plans: tab-indented cells, rows ending at a blank line."""
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
    """Rows with an empty first cell continue the cell above (a merged cell flattened)."""
    rows = [r for r in rows if any(r)]
    out = []
    for i, row in enumerate(rows):
        if i and out and row and not row[0] and len(row) == len(out[-1]):
            row = [out[-1][0]] + row[1:]
        out.append(row)
    return out
