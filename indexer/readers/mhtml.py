"""Web pages saved as one file (.mhtml, .mht): Chrome's and Edge's "webpage, single file" and Internet
Explorer's "web archive". The archive is a MIME message; its page is read as a saved web page (html.py), and
the images and style sheets beside it are not needed."""
from __future__ import annotations

from email import policy
from email.parser import BytesParser
from pathlib import Path

from indexer.readers.base import Document, ReaderError
from indexer.readers.html import charset_codec, read_html_bytes


def page_of(data: bytes, name: str) -> bytes:
    """The archive's first web page as bytes a page reader decodes: re-encoded as UTF-8 (with its mark, which
    outranks the page's own declaration) when the archive names the charset, as the browser wrote it if not."""
    try:
        message = BytesParser(policy=policy.compat32).parsebytes(data)
        parts = list(message.walk())
    except Exception:           # the email package raises several kinds on a damaged archive
        raise ReaderError(name, "damaged web archive (.mhtml): its parts cannot be read") from None
    if not message.is_multipart() and message.get_content_type() != "text/html":
        raise ReaderError(name, "not a web archive (.mhtml): no MIME parts")
    for part in parts:
        if part.get_content_type() != "text/html":
            continue
        payload = part.get_payload(decode=True)
        if not payload:
            continue
        charset = part.get_content_charset()
        if charset:
            try:
                return b"\xef\xbb\xbf" + payload.decode(charset_codec(charset)).encode("utf-8")
            except (LookupError, UnicodeDecodeError):
                pass            # a wrong label: let the page's own declaration and the usual guesses decide
        return payload
    raise ReaderError(name, "a web archive (.mhtml) without a web page in it")


def read_mhtml(path: Path) -> Document:
    return read_html_bytes(page_of(path.read_bytes(), path.name), path.name, fmt="mhtml")
