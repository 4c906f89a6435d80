"""Readers: one per file format, each turning a file into the same `Document` of lines with positions.

Nothing after the readers knows which format a plan came in."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Callable

from indexer.normalize import unified_ideographs
from indexer.readers.base import MAX_TEXT_CHARS, Document, ReaderError, SourceLine

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


def _mhtml(path: Path) -> Document:
    from indexer.readers.mhtml import read_mhtml
    return read_mhtml(path)


# suffix → reader; each imports its library only when a file of its kind is read
READERS: dict[str, Reader] = {
    ".txt": _txt, ".docx": _docx, ".doc": _doc, ".pdf": _pdf, ".html": _html, ".htm": _html,
    ".mhtml": _mhtml, ".mht": _mhtml, ".wps": _doc, ".rtf": _doc, ".odt": _doc,
}
SUPPORTED_SUFFIXES = tuple(READERS)


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in READERS


def sniff(path: Path) -> str | None:
    """What the file's first bytes say it is ('.pdf', '.docx', '.doc', '.html', '.mhtml', '.odt', '.rtf'), or None
    when they do not say."""
    import zipfile

    with path.open("rb") as f:
        head = f.read(4096)
    if head.startswith(b"%PDF-"):
        return ".pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return ".doc"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as z:
                if "word/document.xml" in z.namelist():
                    return ".docx"
        except (zipfile.BadZipFile, OSError):
            return None
        from indexer.readers.doc import is_odt

        return ".odt" if is_odt(path) else None
    if head.startswith(b"{\\rtf"):
        return ".rtf"
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<!doctype html", b"<html")) or start.startswith(b"<?xml") and b"<html" in start:
        return ".html"
    if b"mime-version:" in start and b"multipart/related" in start:
        return ".mhtml"
    return None


def read_document(path: Path) -> Document:
    """Read any supported file; ReaderError (one line, naming the file) for anything unreadable. A file whose
    first bytes say it is another supported kind than its name does (a web page saved as .txt, a PDF named
    .docx) is read as what it is, with a warning; an encrypted Word file (also an OLE file) keeps its reader."""
    if path.is_dir():
        raise ReaderError(path.name, "is a folder, not a file (plansearch index FOLDER reads every plan in a folder)")
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise ReaderError(path.name, f"unsupported file type '{path.suffix or '(none)'}' "
                                     f"(supported: {', '.join(SUPPORTED_SUFFIXES)})")
    if not path.is_file():
        # a pipe, a device or a socket would block or read forever; a link to nothing is as good as no file
        raise ReaderError(path.name, "not a regular file (a pipe, device or socket)" if path.exists() or
                          path.is_symlink() and path.resolve().exists() else "file not found")
    size = path.stat().st_size
    if size == 0:
        raise ReaderError(path.name, "empty file")
    if size > MAX_FILE_MB * 1024 * 1024:
        raise ReaderError(path.name, f"file too large ({size / 1024 / 1024:.1f} MB; plans up to {MAX_FILE_MB} MB are read)")
    actual = sniff(path)
    renamed = actual is not None and READERS[actual] is not reader and not (actual == ".doc" and reader is _docx)
    document = (READERS[actual] if renamed else reader)(path)
    if renamed:
        document.warnings.append(f"{path.name}: the file is a {actual} file with a {path.suffix} name; "
                                 f"read as {actual}")
    # ⼉童 (Kangxi radical U+2F09, as PDF fonts map glyphs) is 儿童 to every reader
    document.lines = [replace(line, text=text) if (text := unified_ideographs(line.text)) != line.text else line
                      for line in document.lines]
    document.tables = [[[unified_ideographs(cell) for cell in row] for row in table] for table in document.tables]
    from indexer.readers.furniture import blank_furniture, drop_page_furniture

    if document.format not in ("html", "mhtml"):   # a page copied into Word, PDF or text brings its site furniture
        document.lines = blank_furniture(document.lines)
    if document.format not in ("txt", "pdf"):      # a print pasted into Word or a web page brings its page numbers
        document.lines = drop_page_furniture(document.lines)     # (the text reader drops them before its tables)
    if not any(line.text.strip() for line in document.lines):
        raise ReaderError(path.name, "no text found in the file")
    chars = sum(len(line.text) for line in document.lines)
    if chars > MAX_TEXT_CHARS:
        raise ReaderError(path.name, f"more text than a plan holds ({chars:,} characters; at most "
                                     f"{MAX_TEXT_CHARS:,} are read)")
    return document


__all__ = ["Document", "ReaderError", "SourceLine", "READERS", "SUPPORTED_SUFFIXES", "is_supported",
           "read_document"]
