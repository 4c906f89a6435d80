"""Checksums of index files: recorded when a file is written, verified when a build is opened.

Each build's manifest lists every file it reads — its own (plans.json, deleted-*.npy) and those of its
segments — with size and SHA-256. Sizes are checked at once (a truncated file never gets served); the
SHA-256 pass reads every byte (about 0.5 GB/s on the project's 2-core machine), so it runs before an index
is served when the index is small and in the background when it is large."""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from plansearch.errors import IndexCorrupt

CHUNK = 1 << 20
REBUILD = "rebuild with `plansearch index --rebuild`"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def file_digests(folder: Path, exclude: set[str] = frozenset()) -> dict[str, list]:
    """{relative path: [size, sha256]} of every file under `folder`."""
    out = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if rel not in exclude:
            out[rel] = [path.stat().st_size, sha256_of(path)]
    return out


@dataclass
class Recorded:
    path: Path
    size: int
    sha256: str


def check_sizes(files: list[Recorded]) -> dict[Path, tuple[int, int]]:
    """Refuse a missing or resized file; returns each file's (size, mtime_ns) as found."""
    seen = {}
    for f in files:
        try:
            st = f.path.stat()
        except FileNotFoundError:
            raise IndexCorrupt(f"index file {f.path} is missing; {REBUILD}") from None
        if st.st_size != f.size:
            what = "truncated" if st.st_size < f.size else "longer than written"
            raise IndexCorrupt(f"index file {f.path} is {what} ({st.st_size} bytes, {f.size} written); {REBUILD}")
        seen[f.path] = (st.st_size, st.st_mtime_ns)
    return seen


def check_digests(files: list[Recorded]) -> None:
    """Refuse a file whose bytes are not those written (reads every file)."""
    for f in files:
        try:
            actual = sha256_of(f.path)
        except FileNotFoundError:
            raise IndexCorrupt(f"index file {f.path} is missing; {REBUILD}") from None
        if actual != f.sha256:
            raise IndexCorrupt(f"index file {f.path} is corrupt (checksum mismatch); {REBUILD}")


def changed_since(seen: dict[Path, tuple[int, int]], files: list[Recorded]) -> str | None:
    """A cheap look (one stat per file) for a file changed on disk since it was verified; a changed
    modification time with the same size is confirmed by its checksum. A file deleted since (an older
    build pruned while it is still served) is not damage: the service holds it open."""
    for f in files:
        try:
            st = os.stat(f.path)
        except FileNotFoundError:
            continue
        if (st.st_size, st.st_mtime_ns) == seen.get(f.path):
            continue
        if st.st_size != f.size:
            return f"index file {f.path} changed on disk ({st.st_size} bytes, {f.size} written); {REBUILD}"
        if sha256_of(f.path) != f.sha256:
            return f"index file {f.path} is corrupt (checksum mismatch); {REBUILD}"
        seen[f.path] = (st.st_size, st.st_mtime_ns)
    return None
