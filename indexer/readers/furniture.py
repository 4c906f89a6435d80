"""Furniture a plan brings when it was copied from somewhere else.

- From a government web page into Word, PDF or text: the 发布时间 / 字体 / 打印 line, share links, 相关文章 lists
  and the site footer. Such lines are blanked (kept as empty lines, so line numbers stay those of the file), never
  the plan's own sentences. The web page reader finds the document block itself; this is the fallback for every
  other format, with patterns strict enough that no sentence of a plan matches them.
- From a printed or PDF plan into text, Word or a web page: each page's number and running header, between the
  lines of a sentence (`drop_page_furniture`). The PDF reader finds them by their place on the page instead."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from indexer.readers.base import RE_PAGE_NUMBER, SourceLine

RE_FURNITURE = re.compile(
    r"版权所有|ICP\s*备|公网安备|网站标识码|网站地图|联系我们|分享到|【\s*字体|字体[:：]\s*[【\[]?\s*大|"
    r"[【\[]\s*(打印|关闭)|打印本页|关闭窗口|浏览次数|阅读次数|点击[数量]|上一篇[:：]|下一篇[:：]|"
    r"(发布时间|发布日期)[:：]\s*\d{4}|当前位置[:：]|您现在的位置|"
    r"扫一扫在手机|在手机上?打开当前页|手机扫一扫|扫描二维码(分享|访问|阅读|查看)|[【\[]\s*我要纠错|"
    r"(主办|承办|协办)单位[:：]|技术支持[:：]|建议使用.{0,24}(分辨率|浏览器)")      # the site's footer
RE_RELATED = re.compile(r"^\s*(相关(文章|链接|阅读|新闻|文件|信息)|延伸阅读|热点推荐)\s*[:：]?\s*$")
MAX_LEN = 160
SENTENCE_END = ("。", "；", "！", "？")


def blank_furniture(lines: list[SourceLine]) -> list[SourceLine]:
    out: list[SourceLine] = []
    in_related = False
    for line in lines:
        text = line.text.strip()
        if not text:
            in_related = False
            out.append(line)
            continue
        if RE_RELATED.match(text):
            in_related = True
            out.append(replace(line, text=""))
            continue
        if in_related and len(text) <= 60 and not text.endswith(SENTENCE_END):
            out.append(replace(line, text=""))       # a linked title in a 相关文章 list
            continue
        in_related = False
        if len(text) <= MAX_LEN and not line.text.startswith("\t") and RE_FURNITURE.search(text):
            out.append(replace(line, text=""))
            continue
        out.append(line)
    return out


PAGE_NUMBERS_MIN = 3       # page numbers on lines of their own before a text is taken for a copied print
HEADER_MAX = 40            # longest running header


def drop_page_furniture(lines: list[SourceLine]) -> list[SourceLine]:
    """Text copied from a printed or PDF plan keeps each page's number (— 2 —) and its running header between
    the lines of a sentence. Where PAGE_NUMBERS_MIN or more page numbers stand on lines of their own, they go,
    with a short line repeated as often right beside them (the header) and the blank lines around, so the
    sentence joins again. Table cells (tab-indented lines) are never touched."""
    def plain(i: int) -> str:
        return "" if lines[i].text.startswith("\t") else lines[i].text.strip()

    def blank(i: int) -> bool:
        return 0 <= i < len(lines) and not lines[i].text.strip()

    # a bare 1 / 2 / 3 on lines of their own may be a table's 序号 column: it counts only beside a blank line
    numbers = [i for i in range(len(lines)) if plain(i) and RE_PAGE_NUMBER.match(plain(i))
               and (not plain(i).isdigit() or blank(i - 1) or blank(i + 1))]
    if len(numbers) < PAGE_NUMBERS_MIN:
        return lines
    repeated = Counter(plain(i) for i in range(len(lines)))
    drop: set[int] = set()
    for i in numbers:
        drop.add(i)
        for step in (-1, 1):
            j, headers = i + step, 0
            while 0 <= j < len(lines) and not lines[j].text.startswith("\t"):
                text = plain(j)
                if text and not (headers == 0 and len(text) <= HEADER_MAX
                                 and repeated[text] >= PAGE_NUMBERS_MIN and not text.endswith("。")):
                    break
                headers += bool(text)
                drop.add(j)
                j += step
    return [line for i, line in enumerate(lines) if i not in drop]
