"""Plain-text plans: UTF-8 (BOM tolerated), else GB18030, as Chinese office files often are."""
from __future__ import annotations

from pathlib import Path

from indexer.readers.base import Document, ReaderError, SourceLine, tables_of


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
    tables = tables_of(lines)
    return Document(file=path.name, format="txt", lines=lines, tables=tables)
