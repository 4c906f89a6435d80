"""What the routes share: the searcher being served, the key that guards writes, an upload read to disk, the
refusal those raise (translated to HTTP in service/app.py), and what a blank optional parameter means."""
from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request, UploadFile
from fastapi.concurrency import run_in_threadpool

from indexer.readers import SUPPORTED_SUFFIXES, sniff
from plansearch.search import Searcher
from plansearch.settings import Settings
from service.security import check_key

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# what the first bytes of each type look like (a .txt is anything that decodes)
# (an encrypted .docx is an OLE file: the reader then says it is password-protected)
MAGIC = {".docx": (b"PK\x03\x04", b"\xd0\xcf\x11\xe0"), ".pdf": (b"%PDF",), ".doc": (b"\xd0\xcf\x11\xe0", b"{\\rtf", b"PK\x03\x04")}


async def get_searcher(request: Request) -> Searcher:
    """The searcher loaded in lifespan, following re-indexing (tests may swap it with dependency_overrides). Taken
    on the event loop unless a look for a new build is due, which reads the store and may open a new build: a
    worker thread for every request cost each search a hand-over (about 0.15 ms)."""
    live = request.app.state.live
    if live.due():
        return await run_in_threadpool(live.get)
    return live.get(look=False)


SearcherDep = Annotated[Searcher, Depends(get_searcher)]


def question(q: str) -> str:
    """A query as searched and echoed: control characters (a NUL, an escape) say nothing and were echoed back."""
    return "".join(ch for ch in q if unicodedata.category(ch) != "Cc" or ch in "\t\n")


def given(value: str | None) -> str | None:
    """An optional parameter stripped, or None when it is missing or blank (spaces, or only invisible characters:
    NUL, a zero-width space, U+FFFE): a blank filter or title is one not given, on every route."""
    value = (value or "").strip()
    return None if all(unicodedata.category(ch)[0] in "CZ" for ch in value) else value


class WriteRefused(Exception):
    def __init__(self, status: int, detail: str):
        self.status = status
        self.detail = detail


def require_key(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    check_key(request, settings)
    return settings


async def read_upload(file: UploadFile, settings: Settings, folder: Path) -> Path:
    """The uploaded file saved in `folder` under a safe name, refused (WriteRefused) when it is of no supported
    type, larger than the upload limit, empty, or not what its extension says."""
    from plansearch.plan_files import safe_upload_name

    limit = int(settings.max_upload_mb * 1024 * 1024)
    name = safe_upload_name(file.filename or "upload")
    suffix = Path(name).suffix
    if not suffix:
        raise WriteRefused(415, f"不支持的文件类型：{(file.filename or '')[:80]}（支持 {' '.join(SUPPORTED_SUFFIXES)}）")
    path = folder / name
    size = 0
    with open(path, "wb") as out:
        while chunk := await file.read(1 << 20):
            size += len(chunk)
            if size > limit:
                raise WriteRefused(413, f"文件超过 {settings.max_upload_mb:g} MB 的上限（file too large）")
            out.write(chunk)
    if size == 0:
        raise WriteRefused(400, "文件为空（empty file）")
    head = path.read_bytes()[:8]
    if suffix in MAGIC and not head.startswith(MAGIC[suffix]) and sniff(path) is None:
        # a supported kind under another name (a Word file saved as .pdf) is read as what it is, with a warning,
        # as `add` and `review` read it; bytes of no kind we read are refused
        raise WriteRefused(415, f"文件内容与扩展名 {suffix} 不符（the content is not a {suffix} file）")
    return path
