"""Web-site furniture inside a plan that was copied from a government web page into Word, PDF or text:
the 发布时间 / 字体 / 打印 line, share links, 相关文章 lists and the site footer. Such lines are blanked
(kept as empty lines, so line numbers stay those of the file), never the plan's own sentences.

The web page reader finds the document block itself; this is the fallback for every other format, with
patterns strict enough that no sentence of a plan matches them."""
from __future__ import annotations

import re
from dataclasses import replace

from indexer.readers.base import SourceLine

RE_FURNITURE = re.compile(
    r"版权所有|ICP\s*备|公网安备|网站标识码|网站地图|联系我们|分享到|【\s*字体|字体[:：]\s*[【\[]?\s*大|"
    r"[【\[]\s*(打印|关闭)|打印本页|关闭窗口|浏览次数|阅读次数|点击[数量]|上一篇[:：]|下一篇[:：]|"
    r"(发布时间|发布日期)[:：]\s*\d{4}|当前位置[:：]|您现在的位置|"
    r"扫一扫在手机|在手机上?打开当前页|手机扫一扫|扫描二维码(分享|访问|阅读|查看)|[【\[]\s*我要纠错")
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
