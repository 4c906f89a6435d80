"""Word processor files other than .docx: legacy Word (.doc), WPS Office's .wps (Kingsoft Writer saves the Word
97–2003 format under that name), RTF and OpenDocument text (.odt). Each is converted to .docx by LibreOffice
headless in a temporary folder, then read as .docx."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from indexer.readers.base import Document, ReaderError

CONVERT_TIMEOUT = 120   # seconds
WORD_FORMATS = ("doc", "wps", "rtf", "odt")     # the suffixes this reader is for, kept as the document's format


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def is_odt(path: Path) -> bool:
    """An OpenDocument text: a zip whose first member, `mimetype`, says so."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            return z.read("mimetype").strip() == b"application/vnd.oasis.opendocument.text"
    except (zipfile.BadZipFile, KeyError, OSError):
        return False


def read_doc(path: Path) -> Document:
    """A .doc is often something else under that name: a .docx, an RTF or a saved web page; each is read
    as what it is. A real Word 97–2003 file (an OLE compound file, as .doc and .wps are), RTF or OpenDocument
    text goes to LibreOffice."""
    from indexer.readers.docx import OLE_MAGIC, read_docx

    named = path.suffix.lower().lstrip(".")
    head = path.read_bytes()[:512]
    if head.startswith(b"PK\x03\x04") and not is_odt(path):
        return read_docx(path, name=path.name, fmt=named if named in WORD_FORMATS else "docx")
    if head.lstrip().lower().startswith((b"<!doctype html", b"<html", b"mime-version")) or b"<html" in head.lower():
        from indexer.readers.html import read_html

        return read_html(path)
    if head.startswith(OLE_MAGIC):
        import_filter, kind = "MS Word 97", "doc"
    elif head.lstrip().startswith(b"{\\rtf"):
        import_filter, kind = "Rich Text Format", "rtf"
    elif head.startswith(b"PK\x03\x04"):
        import_filter, kind = "writer8", "odt"
    else:
        raise ReaderError(path.name, f"not a .{named or 'doc'} file a word processor wrote (no Word 97–2003, RTF or "
                                     f"OpenDocument header)")
    fmt = named if named in WORD_FORMATS else kind
    binary = soffice()
    if binary is None:
        raise ReaderError(path.name, f"reading .{fmt} needs LibreOffice: apt-get install libreoffice-writer-nogui")
    with tempfile.TemporaryDirectory(prefix="plansearch-doc-") as tmp:
        tmp_path = Path(tmp)
        source = tmp_path / "in.doc"            # a plain name: the client's file name never reaches the command
        shutil.copyfile(path, source)
        profile = tmp_path / "profile"          # a private profile: conversions may run side by side
        try:
            subprocess.run([binary, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                            f"--infilter={import_filter}", "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(tmp_path), str(source)],
                           capture_output=True, timeout=CONVERT_TIMEOUT, check=False, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise ReaderError(path.name, f"LibreOffice did not convert the .{fmt} within {CONVERT_TIMEOUT} s") from None
        converted = tmp_path / "in.docx"
        if not converted.exists() or converted.stat().st_size == 0:
            raise ReaderError(path.name, f"not a .{fmt} file LibreOffice can read (corrupt or another format)")
        return read_docx(converted, name=path.name, fmt=fmt)
