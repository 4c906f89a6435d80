"""List numbers as a document shows them: Word's number formats (ECMA-376 ST_NumberFormat) and a web page's
list styles, in the forms a Chinese plan uses (一、 （一） 1. ① 甲)."""
from __future__ import annotations

import re

CN_DIGITS = "〇一二三四五六七八九"
CN_CAPS = "零壹贰叁肆伍陆柒捌玖"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
TIANGAN = "甲乙丙丁戊己庚辛壬癸"
# a heading or item that already says its number (一、 （一） 1. 第一章)
TYPED_MARKER = re.compile(r"^\s*(?:[一二三四五六七八九十百]+\s*、|[（(]\s*[一二三四五六七八九十]+\s*[)）]|\d{1,2}\s*[.．、]"
                          r"|第\s*[一二三四五六七八九十百\d]+\s*[章节部分条])")
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
