"""Plain-text plans: UTF-8 (BOM tolerated), else GB18030, as Chinese office files often are, or Big5."""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from indexer.readers.base import Document, ReaderError, SourceLine, tables_of
from indexer.readers.furniture import drop_page_furniture


# the characters a plan's text is full of, in both scripts, with the full-width punctuation: how Chinese a decoding
# reads (Big5 bytes decoded as GB18030 are characters too, but hardly ever these)
COMMON = frozenset("的和与與在是为為等年儿兒童妇婦女发發展规規划劃建设設加强強服务務健康教育，。、；：")


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 (BOM tolerated), UTF-16 with its BOM (Notepad's "Unicode"), else GB18030, or Big5 (a traditional-
    character Windows's "ANSI") when the bytes read as Big5 and far more like Chinese that way; UTF-16 without its
    BOM when nothing else reads them."""
    for bom, encoding in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding)
            except UnicodeDecodeError:
                raise ReaderError(name, f"damaged {encoding.upper()} text") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    gb, big5 = _decoded(data, "gb18030"), _decoded(data, "cp950")
    if big5 is not None and "\x00" not in big5 and _common(big5) > max(2 * _common(gb or ""), 0.02 * len(big5)):
        return big5
    if gb is None:
        if (text := _utf16_without_bom(data)) is not None:
            return text
        raise ReaderError(name, "not UTF-8, GB18030 or Big5 text")
    return gb


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 saved without its byte-order mark, known by its line ends (0A 00 or 00 0A at even offsets) and by
    reading as Chinese text; read only when no other encoding reads the bytes."""
    if len(data) % 2:
        return None
    for encoding, newline in (("utf-16-le", b"\n\x00"), ("utf-16-be", b"\x00\n")):
        ends = [i for i in range(0, len(data) - 1, 2) if data[i:i + 2] == newline]
        text = _decoded(data, encoding) if ends else None
        if text is not None and "\x00" not in text and _common(text) > 0.2 * len(text):
            return text
    return None


def _decoded(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _common(text: str) -> int:
    return sum(c in COMMON for c in text)


# a line this long is no line of a plan (the longest in the bundled plans has 440 characters) but a whole text
# whose line breaks were lost (pasted from a web page, saved by a tool that dropped them)
RUN_IN_MIN = 1500
# where such a text's lines began: a heading or numbered item after a sentence end, and the title before its text
RE_RUN_IN_BREAK = re.compile(
    r"(?<=[。；！？：!?;:])\s*(?=[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}[.．、](?!\d)"
    r"|——|第[一二三四五六七八九十百]+[章节条部分]|(?:主要目标|策略措施)[:：])"
    r"|(?<=[\u4e00-\u9fff])(?=[（(][一二三四五六七八九十]{1,3}[)）]|(?:主要目标|策略措施)[:：])")   # after a heading
RE_RUN_IN_HEADING = re.compile(r"^([（(][一二三四五六七八九十]{1,3}[)）][^，。；：,;:]{2,12}。)(\S.*)$", re.DOTALL)
RE_RUN_IN_TITLE = re.compile(r"^(.{2,40}?(?:规划|纲要)(?:[（(][^（）()]{1,16}[)）])?)(?=\S)")


def run_in_lines(line: str) -> list[str]:
    """A line of RUN_IN_MIN characters or more cut where the plan's own lines began (its title first); others
    as they are."""
    if len(line) < RUN_IN_MIN:
        return [line]
    pieces = []
    if m := RE_RUN_IN_TITLE.match(line):
        pieces.append(m.group(1))
        line = line[m.end():]
    for piece in RE_RUN_IN_BREAK.split(line):
        if m := RE_RUN_IN_HEADING.match(piece):          # （一）儿童与健康。覆盖城乡…: the heading was its own line
            pieces += [m.group(1), m.group(2)]
        elif piece.strip():
            pieces.append(piece)
    return pieces


TABLE_SEPARATORS = (re.compile(r"\t+"), re.compile(r"\s*[|｜]\s*"), re.compile(r"[ \u3000]{2,}"))
RE_TABLE_HEADER = re.compile(r"指标|目标")
TABLE_ROWS_MIN = 3          # a header and two rows


def _cells(text: str, separator: re.Pattern[str]) -> list[str]:
    return separator.split(text.strip().strip("|｜").strip())


def typed_tables(lines: list[SourceLine]) -> list[SourceLine]:
    """A table typed as text (序号	领域	指标	2025年目标, or with ｜ or runs of spaces between its columns) in the
    layout the plain-text plans give their tables: a tab-indented line per cell, a blank line after each row.
    A run counts as a table from a header naming 指标 or 目标 and TABLE_ROWS_MIN rows of as many cells."""
    out: list[SourceLine] = []
    i = 0
    while i < len(lines):
        text = lines[i].text
        run = 0
        if text.strip() and not text.startswith("\t") and RE_TABLE_HEADER.search(text):
            for separator in TABLE_SEPARATORS:
                width = len(_cells(text, separator))
                if width < 3:
                    continue
                run = 1
                while i + run < len(lines) and lines[i + run].text.strip() \
                        and len(_cells(lines[i + run].text, separator)) == width:
                    run += 1
                if run >= TABLE_ROWS_MIN:
                    break
                run = 0
        if not run:
            out.append(lines[i])
            i += 1
            continue
        for line in lines[i:i + run]:
            out += [replace(line, text="\t" + cell) for cell in _cells(line.text, separator)]
            out.append(replace(line, text=""))
        i += run
    return out


def read_txt(path: Path) -> Document:
    text = decode_text(path.read_bytes(), path.name)
    if "\x00" in text:
        raise ReaderError(path.name, "binary data, not a text file")
    lines = [SourceLine(piece, line=i, line_end=i)
             for i, raw in enumerate(text.splitlines(), start=1) for piece in run_in_lines(raw)]
    lines = typed_tables(drop_page_furniture(lines))
    tables = tables_of(lines)
    return Document(file=path.name, format="txt", lines=lines, tables=tables)
