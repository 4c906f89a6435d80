"""List numbers as a document shows them: Word's number formats (ECMA-376 ST_NumberFormat) and a web page's
list styles, in the forms a Chinese plan uses (一、 （一） 1. ① 甲)."""
from __future__ import annotations

import re
from dataclasses import replace

from indexer.readers.base import SourceLine

CN_DIGITS = "〇一二三四五六七八九"
CN_CAPS = "零壹贰叁肆伍陆柒捌玖"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
TIANGAN = "甲乙丙丁戊己庚辛壬癸"
# a heading or item that already says its number (一、 （一） 1. 第一章)
TYPED_MARKER = re.compile(r"^\s*(?:[一二三四五六七八九十百]+\s*、|[（(]\s*[一二三四五六七八九十]+\s*[)）]|\d{1,2}\s*[.．、]"
                          r"|第\s*[一二三四五六七八九十百\d]+\s*[章节部分条])")
# a plan's title line (某市儿童发展规划（2021—2030年）)
PLAN_TITLE = re.compile(r"^\s*.{2,40}(?:规划|纲要|方案|计划)\s*(?:[（(][^（）()]{1,16}[)）])?\s*$")
# a heading that is no chapter of the plan (its title, 前言, 目录, an annex)
NOT_A_CHAPTER = re.compile(rf"^\s*(?:前\s*言|目\s*录|附\s*[件表录].*)\s*$|{PLAN_TITLE.pattern}")
DIZHI = "子丑寅卯辰巳午未申酉戌亥"
BULLET = "●"
BULLET_MARKS = "●○■□◆◇▪•·◦►▶❖◎"       # bullets a plan types before an item (besides dashes)
# an item that already types a bullet or number of its own (●, ——, （1）, 1）, 一、)
TYPED_BULLET = re.compile(rf"^\s*(?:[{BULLET_MARKS}\-－–—]|" r"[（(]?\d{1,2}[)）.．、]|[一二三四五六七八九十]+、"
                          r"|[（(][一二三四五六七八九十]+[)）])")
RE_SENTENCE = re.compile(r"[\u4e00-\u9fff].*[。；;！!]")


def bullet_for(text: str) -> str:
    """The bullet a list draws before an item, kept where the item is a sentence (a measure, not a link or a
    heading) that types no marker of its own."""
    return BULLET if RE_SENTENCE.search(text) and not TYPED_BULLET.match(text) else ""


def chinese_counting(n: int, digits: str = CN_DIGITS, ten: str = "十") -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五 (Word's chineseCounting)."""
    if n <= 0:
        return str(n)
    if n < 10:
        return digits[n]
    if n < 20:
        return ten + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + ten + (digits[n % 10] if n % 10 else "")
    hundreds, rest = divmod(n, 100)
    out = digits[hundreds] + "百"
    if rest:
        out += ("零" + digits[rest]) if rest < 10 else (digits[1] + chinese_counting(rest, digits, ten)
                                                             if rest < 20 else chinese_counting(rest, digits, ten))
    return out


def roman(n: int) -> str:
    out = ""
    for value, letters in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"),
                           (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while n >= value:
            out += letters
            n -= value
    return out


def letters(n: int) -> str:
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def format_number(n: int, fmt: str) -> str:
    if fmt in ("decimal", "decimalZero") or not fmt:
        return f"{n:02d}" if fmt == "decimalZero" and n < 10 else str(n)
    if fmt == "decimalFullWidth" or fmt == "decimalFullWidth2":
        return str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting", "taiwaneseCounting",
               "ideographDigital", "taiwaneseCountingThousand", "japaneseDigitalTenThousand"):
        return chinese_counting(n)
    if fmt in ("chineseLegalSimplified", "ideographLegalTraditional", "japaneseLegal"):
        return chinese_counting(n, CN_CAPS, "拾")
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese", "decimalEnclosedFullstop"):
        return CIRCLED[n - 1] if 0 < n <= len(CIRCLED) else str(n)
    if fmt in ("decimalEnclosedParen",):
        return f"({n})"
    if fmt in ("ideographTraditional",):
        return TIANGAN[(n - 1) % 10]
    if fmt in ("ideographZodiac",):
        return DIZHI[(n - 1) % 12]
    if fmt == "lowerLetter":
        return letters(n)
    if fmt == "upperLetter":
        return letters(n).upper()
    if fmt == "lowerRoman":
        return roman(n)
    if fmt == "upperRoman":
        return roman(n).upper()
    if fmt in ("bullet", "none"):
        return ""
    return str(n)


def number_headings(lines: list[SourceLine], headings: list[tuple[int, int, bool]], titles: list[int]
                    ) -> list[SourceLine]:
    """Headings a document sets apart (Word's heading styles, a PDF's bookmarks) with no number shown, numbered as
    plans number theirs: the highest heading level used 一、, the next （一）, the next 1. (restarting under each
    higher heading; headings with a number of their own count too), so that the parser sees the chapters,
    domains and blocks the document shows. `headings`: (line, outline level, numbered); `titles`: lines of plan
    titles, each starting the count again (the second plan of a file: a notice and two plans)."""
    if sum(not numbered for _, _, numbered in headings) < 2:
        return lines        # no structure told by headings alone (a web page's lone 相关文章 heading)
    lines = list(lines)
    ranks = {level: rank for rank, level in enumerate(sorted({level for _, level, _ in headings}))}
    counts = [0, 0, 0]
    titles = sorted(titles)
    for line, level, numbered in headings:
        if titles and titles[0] < line:
            counts = [0, 0, 0]
            titles = [t for t in titles if t > line]
        rank = ranks[level]
        if rank > 2:
            continue
        counts[rank] += 1
        counts[rank + 1:] = [0] * (2 - rank)
        if numbered:
            continue
        n = counts[rank]
        label = (f"{chinese_counting(n)}、", f"（{chinese_counting(n)}）", f"{n}.")[rank]
        lines[line] = replace(lines[line], text=label + lines[line].text.lstrip(" \u3000\u00a0"))
    return lines
