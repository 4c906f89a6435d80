"""Legacy Word (.doc) plans: converted to .docx by LibreOffice headless in a temporary folder, then
read as .docx."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from indexer.readers.base import Document, ReaderError

CONVERT_TIMEOUT = 120   # seconds


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def read_doc(path: Path) -> Document:
    """A .doc is often something else under that name: a .docx, an RTF or a saved web page; each is read
    as what it is. Only a real Word 97–2003 file (an OLE compound file) or RTF goes to LibreOffice."""
    from indexer.readers.docx import OLE_MAGIC, read_docx

    head = path.read_bytes()[:512]
    if head.startswith(b"PK\x03\x04"):
        return read_docx(path, name=path.name, fmt="doc")
    if head.lstrip().lower().startswith((b"<!doctype html", b"<html", b"mime-version")) or b"<html" in head.lower():
        from indexer.readers.html import read_html

        return read_html(path)
    if head.startswith(OLE_MAGIC):
        import_filter = "MS Word 97"
    elif head.lstrip().startswith(b"{\\rtf"):
        import_filter = "Rich Text Format"
    else:
        raise ReaderError(path.name, "not a Word .doc file (no Word 97–2003 or RTF header)")
    binary = soffice()
    if binary is None:
        raise ReaderError(path.name, "reading .doc needs LibreOffice: apt-get install libreoffice-writer-nogui")
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
            raise ReaderError(path.name, f"LibreOffice did not convert the .doc within {CONVERT_TIMEOUT} s") from None
        converted = tmp_path / "in.docx"
        if not converted.exists() or converted.stat().st_size == 0:
            raise ReaderError(path.name, "not a Word .doc file LibreOffice can read (corrupt or another format)")
        return read_docx(converted, name=path.name, fmt="doc")
