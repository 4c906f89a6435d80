"""Saved government web pages read to the same plans as the text files, without the site around them."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from conftest import AUTO_NUMBERED, HEADED
from indexer.corpus import parse_file
from indexer.readers import ReaderError, read_document
from plansearch.settings import REPO_ROOT

CORPUS = REPO_ROOT / "corpus"
STEMS = sorted(p.stem for p in CORPUS.glob("*.txt"))
NEAR_CJK_SPACE = re.compile(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])")
CHROME = ("发布时间", "版权所有", "ICP", "公网安备", "相关文章", "字体", "打印", "分享")


def _summary(path: Path):
    plans = parse_file(path)
    kinds = [Counter((p.domain, p.kind) for p in plan.passages) for plan in plans]
    texts = [[p.text for p in plan.passages] for plan in plans]
    return len(plans), kinds, texts


@pytest.mark.parametrize("fmt", ["html-utf8", "html-gb18030"])
@pytest.mark.parametrize("stem", STEMS)
def test_saved_page_parses_to_the_same_passages_as_the_text_file(rendered_plans, stem, fmt):
    n_txt, kinds_txt, texts_txt = _summary(CORPUS / f"{stem}.txt")
    n_html, kinds_html, texts_html = _summary(rendered_plans[stem, fmt])
    assert n_html == n_txt
    assert kinds_html == kinds_txt
    assert texts_html == texts_txt
    for plan_texts in texts_html:
        for text in plan_texts:
            assert not [w for w in CHROME if w in text], text[:60]


@pytest.mark.parametrize("stem", sorted(AUTO_NUMBERED))
def test_word_numbering_saved_as_a_web_page_by_libreoffice_parses_like_the_text(rendered_plans, stem):
    """LibreOffice writes Word's automatic numbering as <ol><li> lists (no number in the text; a heading's
    （一） as <li><h2>), the running header and "— N —" footer as blocks of their own: the numbers come back as
    the document shows them, the header and footer stay out."""
    def spaced_alike(summary):      # LibreOffice drops the spaces the text file has between a number and CJK
        n, kinds, texts = summary
        return n, kinds, [[NEAR_CJK_SPACE.sub("", t) for t in plan] for plan in texts]

    assert spaced_alike(_summary(rendered_plans[stem, "html-lo"])) == spaced_alike(_summary(CORPUS / f"{stem}.txt"))


def test_word_heading_styles_saved_as_a_web_page_by_libreoffice_give_the_chapters_and_domains(rendered_plans):
    """Word's heading styles with no number shown come out as bare <h1>儿童与健康</h1> headings: the page gave no
    domain, and the targets and measures of all seven were one list; the Word file itself and its PDF did."""
    plans = parse_file(rendered_plans[f"{HEADED}-headed", "html-lo"])
    want = parse_file(CORPUS / f"{HEADED}.txt")
    assert [Counter((p.domain, p.kind.value) for p in plan.passages) for plan in plans] == \
        [Counter((p.domain, p.kind.value) for p in plan.passages) for plan in want]


def test_list_items_get_the_numbers_a_browser_draws(tmp_path):
    page = tmp_path / "lists.html"
    page.write_text(
        "<html><body><div>"
        "<ol style='list-style-type: cjk-ideographic'><li><p>指导思想的标题行</p></li></ol>"
        "<ol start='3'><li>第三项措施的内容。</li><li value='7'>第七项措施的内容。</li><li>第八项措施的内容。</li></ol>"
        "<ol><li>5. 已经写了编号的措施。</li><li><b>6</b>. 编号在粗体里的措施。</li></ol>"
        "<ol type='a'><li>字母编号的一项。</li></ol>"
        "<ul><li>没有编号的一项（圆点）。</li></ul>"
        "<ol><li><h2>儿童与健康</h2><ol><li><h3>主要目标</h3></li></ol></li></ol>"
        "<p>" + "这是一段足够长的正文，用来让页面被读作文件。" * 3 + "</p>"
        "</div></body></html>", encoding="utf-8")
    texts = [line.text for line in read_document(page).lines]
    assert texts[:10] == ["一、指导思想的标题行", "3.第三项措施的内容。", "7.第七项措施的内容。", "8.第八项措施的内容。",
                          "5. 已经写了编号的措施。", "6. 编号在粗体里的措施。", "a.字母编号的一项。", "●没有编号的一项（圆点）。",
                          "一、儿童与健康", "（一）主要目标"]


def test_gb2312_declared_page_keeps_dashes(tmp_path):
    """GBK bytes under a gb2312 label: a plain gb2312 decode turns —— into ――."""
    page = ('<html><head><meta charset="gb2312"></head><body><div class="content">'
            '<p>——学前教育毛入园率达到95%以上，普惠性幼儿园覆盖率达到85%以上。</p></div></body></html>')
    path = tmp_path / "dash.htm"
    path.write_bytes(page.encode("gb18030"))
    assert [line.text for line in read_document(path).lines] == ["——学前教育毛入园率达到95%以上，普惠性幼儿园覆盖率达到85%以上。"]


def test_gb2312_declared_page_keeps_dashes_and_copyright(tmp_path):
    """GB18030 bytes under a gb2312 label: a plain gb2312 decode would turn —— into ―― and fail on ©."""
    page = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head><body>'
            '<div id="zoom"><p>（一）儿童与健康</p><p>主要目标：</p>'
            '<p>1.覆盖城乡的儿童健康服务体系更加完善，儿童医疗保健服务能力明显增强。</p>'
            '<p>——婴儿死亡率降至5.0‰以下，5岁以下儿童死亡率降至6.0‰以下。</p></div>'
            '<div class="footer">版权所有 © 2022 某某县人民政府</div></body></html>')
    path = tmp_path / "gb.html"
    path.write_bytes(page.encode("gb18030"))
    texts = [line.text for line in read_document(path).lines]
    assert "——婴儿死亡率降至5.0‰以下，5岁以下儿童死亡率降至6.0‰以下。" in texts
    assert not any("―" in t or "©" in t for t in texts)


# A layout-table CMS: title and metadata in rows of a layout table, the document in a td holding a
# div.pages_content; items separated by <br> inside one <p>, &nbsp; indents, a <font> wrapper, gbk.
LAYOUT_TABLE_PAGE = """<html><head><meta charset="gbk"><title>某某县儿童发展规划_县政府文件</title></head>
<body><table width="100%"><tr><td><img src="logo.gif">某某县人民政府门户网站</td>
<td><a href="/">首页</a> | <a href="/zw">政务公开</a> | <a href="/bs">办事服务</a> | <a href="/hd">互动交流</a></td></tr></table>
<table width="980"><tr><td class="crumb">您现在的位置：<a href="/">首页</a> &gt;&gt; <a href="/zw">政策文件</a></td></tr>
<tr><td><table class="xxgk"><tr><td>索引号：</td><td>000-2022-001</td><td>发布机构：</td><td>县政府办</td></tr>
<tr><td>发布日期：</td><td>2022-05-01</td><td>文号：</td><td>某政发〔2022〕3号</td></tr></table></td></tr>
<tr><td align="center" class="bt">某某县儿童发展规划（2021—2030年）</td></tr>
<tr><td>发布日期：2022-05-01 &nbsp; 浏览次数：1024 &nbsp;【<a href="#">打印本页</a>】【<a href="#">关闭窗口</a>】</td></tr>
<tr><td class="content"><div class="pages_content"><font face="仿宋" size="4">
<p>&nbsp;&nbsp;&nbsp;&nbsp;二、发展领域、主要目标和策略措施</p>
<p>&nbsp;&nbsp;&nbsp;&nbsp;（一）儿童与安全</p>
<p>&nbsp;&nbsp;&nbsp;&nbsp;主要目标：</p>
<p>&nbsp;&nbsp;&nbsp;&nbsp;1.减少儿童伤害所致死亡和残疾，儿童伤害死亡率以2020年为基数下降20%。&nbsp;&nbsp;<br>
&nbsp;&nbsp;&nbsp;&nbsp;2.排查消除溺水隐患，儿童溺水死亡率持续下降，农村水域安全防护设施全覆盖。&ensp;<br>
&#12288;&#12288;3.推广使用儿童安全座椅和安全头盔，儿童出行安全得到有效保障。</p>
<p>&nbsp;&nbsp;&nbsp;&nbsp;策略措施：</p>
<p>&nbsp;&nbsp;&nbsp;&nbsp;1.预防和控制儿童溺水。加强看护，落实儿童监护责任，教育儿童不私自下水游泳，在农村地区设置警示标志和防护设施。</p>
<p style="text-align:right">（责任编辑：张三）</p></font></div></td></tr>
<tr><td class="share">分享到：<a href="#">微信</a> <a href="#">微博</a></td></tr></table>
<table><tr><td>主办单位：某某县人民政府办公室 &nbsp; 版权所有 © 2022 &nbsp; 网站标识码：1410000001<br>
<a href="#">晋ICP备12345678号</a> &nbsp; <a href="#">晋公网安备 14100002000001号</a></td></tr></table>
</body></html>"""

# A modern CMS: divs only, the document in <article> split over sections, with an indicator table
# (rowspan) and a sidebar of related articles.
SECTIONED_PAGE = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>妇女发展规划</title>
<script>var _hmt = _hmt || [];</script><style>.x{color:red}</style></head><body>
<header><div class="top">欢迎访问某某市人民政府网站 <a href="/">无障碍</a> <a href="/">长者模式</a></div>
<nav><ul><li><a href="/">首页</a></li><li><a href="/a">要闻动态</a></li><li><a href="/b">政务公开</a></li></ul></nav></header>
<main><div class="breadcrumb">当前位置：<a href="/">首页</a> / 通知公告</div>
<div class="left"><div class="detail">
<div class="detail-title"><h2>某某市妇女发展规划（2021—2030年）</h2></div>
<div class="meta"><span>来源：市妇儿工委</span><span>发布时间：2022-06-01</span><span>【字体：<a>大</a> <a>中</a> <a>小</a>】</span></div>
<article><section><h3>二、发展领域、主要目标和策略措施</h3><h4>（一）妇女与健康</h4>
<div><span>主要目标：</span></div>
<div><span>1.妇女全生命周期享有良好的卫生健康服务，妇女人均预期寿命延长，人均健康预期寿命提高。</span></div>
<div><span>2.孕产妇死亡率下降到12/10万以下，城乡、区域差距缩小。</span></div></section>
<section><div>附表：主要指标</div>
<table border="1"><tr><th>领域</th><th>指标</th><th>目标值</th><th>属性</th></tr>
<tr><td rowspan="2">妇女与健康</td><td>孕产妇死亡率</td><td>12/10万以下</td><td>约束性</td></tr>
<tr><td>宫颈癌筛查率</td><td>70%以上</td><td>预期性</td></tr></table></section></article>
<div class="bdsharebuttonbox">分享：<a>QQ空间</a><a>微博</a></div></div></div>
<aside><h4>相关文章</h4><ul><li><a href="/1">市妇儿工委召开全体会议</a></li><li><a href="/2">我市开展儿童防溺水专项行动</a></li></ul></aside></main>
<footer><p>版权所有：某某市人民政府办公室 网站标识码：3300000001</p><p><a>浙ICP备00000000号-1</a></p></footer>
</body></html>"""


def _write(tmp_path: Path, name: str, page: str, encoding: str) -> Path:
    path = tmp_path / name
    path.write_bytes(page.encode(encoding))
    return path


def test_layout_table_page_gives_each_br_item_its_own_passage_without_the_site(tmp_path):
    path = _write(tmp_path, "layout.htm", LAYOUT_TABLE_PAGE, "gb18030")
    doc = read_document(path)
    texts = [line.text for line in doc.lines]
    assert texts[:2] == ["某某县儿童发展规划（2021—2030年）", "某政发〔2022〕3号"]   # the page heading, then the site's 文号
    assert "1.减少儿童伤害所致死亡和残疾，儿童伤害死亡率以2020年为基数下降20%。" in texts   # indents trimmed
    assert "3.推广使用儿童安全座椅和安全头盔，儿童出行安全得到有效保障。" in texts
    joined = "\n".join(texts)
    for chrome in ("门户网站", "首页", "您现在的位置", "索引号", "责任编辑", "浏览次数", "打印", "分享", "版权所有", "ICP", "公网安备"):
        assert chrome not in joined
    br_lines = [line for line in doc.lines if line.text[:2] in ("1.", "2.", "3.") and "儿童" in line.text][:3]
    assert len({line.paragraph for line in br_lines}) == 1          # one <p>, three lines

    [plan] = parse_file(path)
    assert plan.meta.title == "某某县儿童发展规划（2021—2030年）"
    assert plan.meta.doc_number == "某政发〔2022〕3号"          # from the site's 信息公开 table, outside the document
    targets = [p.text for p in plan.passages if p.kind == "target"]
    assert [t[:4] for t in targets] == ["减少儿童", "排查消除", "推广使用"]     # three <br> items, three targets
    assert not any(w in p.text for p in plan.passages for w in CHROME)


def test_sectioned_page_keeps_heading_text_and_table_without_the_site(tmp_path):
    path = _write(tmp_path, "sections.html", SECTIONED_PAGE, "utf-8")
    doc = read_document(path)
    texts = [line.text for line in doc.lines]
    assert texts[0] == "某某市妇女发展规划（2021—2030年）"
    assert "2.孕产妇死亡率下降到12/10万以下，城乡、区域差距缩小。" in texts
    assert doc.tables == [[["领域", "指标", "目标值", "属性"],
                           ["妇女与健康", "孕产妇死亡率", "12/10万以下", "约束性"],
                           ["妇女与健康", "宫颈癌筛查率", "70%以上", "预期性"]]]
    assert "\t" in texts and "\t宫颈癌筛查率" in texts                # the merged cell stays empty in the lines
    joined = "\n".join(texts)
    for chrome in ("欢迎访问", "无障碍", "要闻动态", "当前位置", "来源", "发布时间", "字体", "分享", "相关文章",
                   "防溺水专项行动", "版权所有", "ICP", "var _hmt", "color:red"):
        assert chrome not in joined
    paragraphs = [line.paragraph for line in doc.lines if line.paragraph is not None]
    assert paragraphs == sorted(paragraphs) and paragraphs[0] == 1


def test_page_with_only_navigation_is_refused_in_one_line(tmp_path):
    page = ('<html><head><meta charset="utf-8"><title>某某区人民政府</title></head><body>'
            '<div class="nav"><a href="/">首页</a><a href="/zw">政务公开</a><a href="/bs">办事服务</a></div>'
            '<ul><li><a href="/1">关于开展2022年儿童防溺水工作的通知</a></li>'
            '<li><a href="/2">某某区妇女儿童发展规划中期评估报告</a></li></ul>'
            '<div class="footer">版权所有 © 某某区人民政府 网站标识码：1502020001</div></body></html>')
    path = _write(tmp_path, "nav.html", page, "utf-8")
    with pytest.raises(ReaderError) as caught:
        read_document(path)
    message = str(caught.value)
    assert message.startswith("nav.html: ") and "no document text" in message and "\n" not in message


def test_undeclared_gb18030_page_is_read(tmp_path):
    page = "<html><body><div><p>（二）儿童与教育</p><p>1.适龄儿童普遍接受有质量的学前教育，学前三年毛入园率达到95%以上。</p></div></body></html>"
    path = _write(tmp_path, "plain.html", page, "gb18030")
    texts = [line.text for line in read_document(path).lines]
    assert "1.适龄儿童普遍接受有质量的学前教育，学前三年毛入园率达到95%以上。" in texts


@pytest.mark.parametrize("label", ["iso-8859-1", "windows-1252"])
def test_a_chinese_page_declared_latin_is_read_in_its_real_encoding(tmp_path, label):
    page = (f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={label}"></head><body><div>'
            "<p>（二）儿童与教育</p><p>1.适龄儿童普遍接受有质量的学前教育，学前三年毛入园率达到95%以上。</p></div></body></html>")
    path = _write(tmp_path, "latin.html", page, "gb18030")
    texts = [line.text for line in read_document(path).lines]
    assert "1.适龄儿童普遍接受有质量的学前教育，学前三年毛入园率达到95%以上。" in texts


def test_a_sidebar_heading_is_not_taken_for_the_title_and_a_br_in_the_title_leaves_no_space(tmp_path):
    """A county site's page: a left menu headed 政务公开 before the article, the title in an <h1> broken by <br>."""
    plan = CORPUS / "xiangning-children-2021-2025-draft.txt"
    body = [ln.strip() for ln in plan.read_text(encoding="utf-8").splitlines()[2:] if ln.strip() and "\t" not in ln]
    page = tmp_path / "daning.html"
    page.write_text(
        "<html><head><meta charset='utf-8'><title>乡宁县儿童发展“十四五”规划（征求意见稿）_政策文件_乡宁县人民政府</title>"
        "</head><body><div class='main'><div class='left'><h3>政务公开</h3><ul><li><a href='#'>政府文件</a></li>"
        "<li><a href='#'>规划计划</a></li></ul></div><div class='right'><div class='article'>"
        "<h1 class='title'>乡宁县儿童发展“十四五”规划<br>（征求意见稿）</h1><div class='content'>"
        + "".join(f"<p>{line}</p>" for line in body) + "</div></div></div></div></body></html>", encoding="utf-8")
    (parsed,) = parse_file(page)
    assert parsed.meta.title == "乡宁县儿童发展“十四五”规划（征求意见稿）"
    assert (parsed.meta.period, parsed.meta.status) == ("2021—2025", "征求意见稿")
    assert not any("政务公开" in p.text for p in parsed.passages)


def test_plan_words_that_sites_use_for_links_stay_in_the_plan_and_the_links_go(tmp_path):
    """无障碍 is a plan's word (无障碍环境) and a site's link (无障碍浏览): every line holding it was dropped, and in a
    page broken with <br> a measure lost words mid-sentence (推进校园无障碍…课桌椅 became 推进校椅)."""
    page = """<html><head><meta charset="utf-8"><title>某某县儿童发展规划</title></head><body>
<div class="top"><a href="/">无障碍浏览</a> | <a href="/">联系我们</a> | <a href="/">网站地图</a></div>
<div class="content"><h1>某某县儿童发展规划（2021—2030年）</h1>
<p>二、发展领域、主要目标和策略措施</p><p>（一）儿童与环境</p><p>主要目标：</p>
<p>1.儿童生活环境持续改善。</p><p>——公共场所无障碍设施覆盖率达到100%。</p><p>——推进无障碍环境建设。</p>
<p>策略措施：</p>
<p>1.优化学校环境。推进校园无障碍环境建设和改造，<br>为学生提供安全饮用水、卫生厕所和适合身高的课桌椅，<br>改善学校用餐条件。</p>
<p>2.提供技术支持和咨询服务，联系我们的社区开展活动。</p></div>
<div class="foot">建议使用1280×800分辨率 IE9以上浏览器 版权所有 某某县人民政府</div></body></html>"""
    path = _write(tmp_path, "wzg.html", page, "utf-8")
    [plan] = parse_file(path)
    texts = "\n".join(p.text for p in plan.passages)
    assert "——公共场所无障碍设施覆盖率达到100%。" in texts and "——推进无障碍环境建设。" in texts
    assert "推进校园无障碍环境建设和改造" in texts and "课桌椅" in texts
    assert "提供技术支持和咨询服务，联系我们的社区开展活动。" in texts
    assert not any(w in texts for w in ("无障碍浏览", "网站地图", "分辨率", "版权所有"))


def test_measures_in_a_bulleted_list_are_one_passage_each(tmp_path):
    """A page listing measures as <ul> items gave one passage per domain; a <ul> of links stays unmarked."""
    page = tmp_path / "ul.html"
    page.write_text(
        "<html><head><title>某市儿童发展规划（2021—2030年）</title></head><body>"
        "<ul><li><a href='/'>首页</a></li><li><a href='/zw'>政务公开</a></li></ul><div>"
        "<p>某市儿童发展规划（2021—2030年）</p><p>一、儿童与安全</p><p>（一）主要目标。</p>"
        "<p>1.儿童伤害死亡率以2020年数据为基数下降15%。</p><p>（二）策略措施。</p><ul>"
        "<li>预防和控制儿童溺水。加强看护，落实监护责任。</li>"
        "<li>预防和控制儿童道路交通伤害。推广使用儿童安全座椅。</li>"
        "<li>预防和控制儿童跌倒。改善儿童居家环境。</li></ul></div></body></html>", encoding="utf-8")
    texts = [line.text for line in read_document(page).lines]
    assert "首页" not in "".join(texts) and not any(t.startswith("●首页") for t in texts)
    [plan] = parse_file(page)
    measures = [p.text for p in plan.passages if p.kind.value == "measure"]
    assert measures == ["预防和控制儿童溺水。加强看护，落实监护责任。", "预防和控制儿童道路交通伤害。推广使用儿童安全座椅。",
                        "预防和控制儿童跌倒。改善儿童居家环境。"]


@pytest.fixture(scope="module")
def single_files(rendered_plans, tmp_path_factory):
    """Two plans' saved pages (one UTF-8, one GB18030 declared gb2312) saved again by Chromium as one file each."""
    import render

    pages = [rendered_plans["daqing-children-2021-2025", "html-utf8"],
             rendered_plans["zengdu-women-and-children-2021-2030", "html-gb18030"]]
    return dict(zip(pages, render.to_mhtml(pages, tmp_path_factory.mktemp("mhtml"))))


def test_a_page_saved_by_chromium_as_one_file_parses_like_the_page(single_files):
    for page, archive in single_files.items():
        assert archive.read_bytes().startswith(b"From: <Saved by Blink>")
        assert _summary(archive) == _summary(page), archive.name
        assert parse_file(archive)[0].meta.title == parse_file(page)[0].meta.title


def test_an_internet_explorer_web_archive_in_gb2312_parses_like_the_page(rendered_plans, tmp_path):
    """IE's .mht, as it writes one: the page quoted-printable in a multipart/related message, its part naming
    charset gb2312 (the bytes are GBK and more, as such pages are)."""
    import quopri

    page = rendered_plans["xinchengqu-children-2021-2030", "html-gb18030"]
    boundary = b"----=_NextPart_000_0000_01DB4A2C.5E3F1A60"
    mht = tmp_path / "plan.mht"
    mht.write_bytes(b"From: <Saved by Windows Internet Explorer 11>\r\nMIME-Version: 1.0\r\n"
                    b'Content-Type: multipart/related;\r\n\ttype="text/html";\r\n\tboundary="' + boundary + b'"\r\n\r\n'
                    b"This is a multi-part message in MIME format.\r\n\r\n--" + boundary + b"\r\n"
                    b'Content-Type: text/html;\r\n\tcharset="gb2312"\r\nContent-Transfer-Encoding: quoted-printable\r\n'
                    b"Content-Location: http://www.example.gov.cn/zwgk/plan.html\r\n\r\n"
                    + quopri.encodestring(page.read_bytes()) + b"\r\n\r\n--" + boundary + b"--\r\n")
    assert _summary(mht) == _summary(page)


def test_a_web_archive_without_a_page_or_named_as_text_gets_a_clear_answer(single_files, tmp_path):
    from email.mime.image import MIMEImage
    from email.mime.multipart import MIMEMultipart

    only_image = MIMEMultipart("related")
    only_image.attach(MIMEImage(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "png"))
    (tmp_path / "picture.mhtml").write_bytes(only_image.as_bytes())
    with pytest.raises(ReaderError) as error:
        read_document(tmp_path / "picture.mhtml")
    assert str(error.value) == "picture.mhtml: a web archive (.mhtml) without a web page in it"
    archive = next(iter(single_files.values()))
    (tmp_path / "plan.txt").write_bytes(archive.read_bytes())       # renamed: read as what it is, with a warning
    document = read_document(tmp_path / "plan.txt")
    assert document.format == "mhtml" and "read as .mhtml" in " ".join(document.warnings)


def test_a_plan_written_into_an_iframe_is_read_and_a_frameset_names_its_frames(tmp_path):
    """A site that shows the article in an <iframe srcdoc>: nothing of it was read ("only navigation, links or
    site furniture"). A frameset page gets that message no more, but the frames' files to index instead."""
    import html

    import render

    inner = render.to_html(render.plan_lines(CORPUS / "daqing-children-2021-2025.txt"), tmp_path / "inner.html",
                           title="大庆市儿童发展规划（2021-2025年）").read_text(encoding="utf-8")
    page = tmp_path / "iframe.html"
    page.write_text('<html><head><meta charset="utf-8"><title>大庆市人民政府</title></head><body>'
                    '<div class="nav"><a href="/">首页</a></div>'
                    f'<iframe srcdoc="{html.escape(inner, quote=True)}"></iframe></body></html>', encoding="utf-8")
    [got], [want] = parse_file(page), parse_file(CORPUS / "daqing-children-2021-2025.txt")
    assert [(p.id.removeprefix(got.meta.id), p.kind, p.text) for p in got.passages] == \
        [(p.id.removeprefix(want.meta.id), p.kind, p.text) for p in want.passages]
    frames = tmp_path / "frames.html"
    frames.write_text('<html><head><meta charset="utf-8"></head><frameset rows="80,*"><frame src="top.html">'
                      '<frame src="article_2022.html"></frameset></html>', encoding="utf-8")
    with pytest.raises(ReaderError, match=r"only frames other pages \(top.html, article_2022.html\)"):
        read_document(frames)
