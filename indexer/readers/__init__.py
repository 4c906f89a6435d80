"""Readers: one per file format, each turning a file into the same `Document` of lines with positions.

Nothing after the readers knows which format a plan came in."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from indexer.readers.base import Document, ReaderError, SourceLine

Reader = Callable[[Path], Document]
MAX_FILE_MB = 40     # a plan is a few MB even as a PDF with pictures; larger files are refused, not read


def _txt(path: Path) -> Document:
    from indexer.readers.txt import read_txt
    return read_txt(path)


def _docx(path: Path) -> Document:
    from indexer.readers.docx import read_docx
    return read_docx(path)


def _doc(path: Path) -> Document:
    from indexer.readers.doc import read_doc
    return read_doc(path)


def _pdf(path: Path) -> Document:
    from indexer.readers.pdf import read_pdf
    return read_pdf(path)


def _html(path: Path) -> Document:
    from indexer.readers.html import read_html
    return read_html(path)


# suffix → reader; each imports its library only when a file of its kind is read
READERS: dict[str, Reader] = {
    ".txt": _txt, ".docx": _docx, ".doc": _doc, ".pdf": _pdf, ".html": _html, ".htm": _html,
}
SUPPORTED_SUFFIXES = tuple(READERS)


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in READERS


def read_document(path: Path) -> Document:
    """Read any supported file; ReaderError (one line, naming the file) for anything unreadable."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise ReaderError(path.name, f"unsupported file type '{path.suffix or '(none)'}' "
                                     f"(supported: {', '.join(SUPPORTED_SUFFIXES)})")
    if not path.is_file():
        raise ReaderError(path.name, "file not found")
    size = path.stat().st_size
    if size == 0:
        raise ReaderError(path.name, "empty file")
    if size > MAX_FILE_MB * 1024 * 1024:
        raise ReaderError(path.name, f"file too large ({size / 1024 / 1024:.1f} MB; plans up to {MAX_FILE_MB} MB are read)")
    document = reader(path)
    if document.format != "html":        # a page copied into Word, PDF or text brings its site furniture along
        from indexer.readers.furniture import blank_furniture

        document.lines = blank_furniture(document.lines)
    if not any(line.text.strip() for line in document.lines):
        raise ReaderError(path.name, "no text found in the file")
    return document


__all__ = ["Document", "ReaderError", "SourceLine", "READERS", "SUPPORTED_SUFFIXES", "is_supported",
           "read_document"]
