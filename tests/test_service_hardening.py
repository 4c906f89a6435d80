"""The service under hostile input, on an intranet (issue 14): exports that cannot break or inject, the error
model the schema publishes, headers on every response, length limits, offline docs, the API key and the
Host allow-list. In-process with the test encoder."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from plansearch.export import ExportItem, to_docx, to_markdown
from plansearch.records import Kind, SourceSpan
from service.app import create_app

PASSAGE = "daqing-children-2021-d2-m3"
CORPUS = Path(__file__).resolve().parents[1] / "corpus"


@pytest.fixture(scope="module")
def client(fake_searcher):
    with TestClient(create_app(searcher=fake_searcher)) as c:
        yield c


def app_with(fake_searcher, **changes):
    return TestClient(create_app(settings=fake_searcher.settings.model_copy(update=changes), searcher=fake_searcher))


def hostile_item(text: str, title: str | None = None) -> ExportItem:
    return ExportItem(passage_id="p-1", plan_title="某市<b>规划</b>", region="某市", domain="儿童与安全",
                      kind=Kind.measure, number=1, title=title, text=text,
                      source=SourceSpan(file="plan.txt", line_start=1, line_end=2))


# 1: nothing a client sends makes a .docx fail ------------------------------------------------------------

@pytest.mark.parametrize("title", ["a\x00b", "a\x01\x0bb", "a\ufffeb\uffff"])
def test_docx_export_with_characters_xml_cannot_hold_is_a_document(client, title):
    from docx import Document

    r = client.get("/api/export", params={"ids": PASSAGE, "format": "docx", "title": title})
    assert r.status_code == 200
    assert Document(io.BytesIO(r.content)).paragraphs[0].text == "ab"


def test_docx_export_of_passage_text_with_control_characters_is_a_document():
    from docx import Document

    data = to_docx("t\x07", [hostile_item("第一行\x00\x1f\n第二行\ufffe", title="标题\x08")])
    text = [p.text for p in Document(io.BytesIO(data)).paragraphs]
    assert "第一行" in text and "第二行" in text and "标题" in text


# 5: Markdown shows passage text, it does not run it -------------------------------------------------------

def test_markdown_export_escapes_raw_html_links_and_images():
    md = to_markdown("<script>alert(1)</script>", [hostile_item(
        '<img src=x onerror="alert(1)"> 正文 <script>steal()</script> ![x](http://evil.example/t.png) [a](javascript:x)')])
    assert "<" not in md and ">" not in md.replace("\n> ", "\n")      # only the quote markers
    assert "](" not in md
    assert '&lt;img src=x onerror="alert\\(1\\)"&gt;' in md and "&lt;script&gt;steal\\(\\)&lt;/script&gt;" in md


def test_markdown_export_leaves_no_bare_link_for_a_viewer_to_make():
    """http://evil.example, www.evil.example and a@evil.example in a title or an uploaded plan's text became links
    in GitHub-style viewers."""
    md = to_markdown("见 http://evil.example", [hostile_item("访问 https://evil.example/x 或 www.evil.example，邮件 a@evil.example")])
    for bare in ("http://", "https://", "www.evil", "a@evil"):
        assert bare not in md, bare
    assert "http\\://evil.example" in md and "www\\.evil.example" in md and "a\\@evil.example" in md


def test_a_heading_cut_at_30_characters_leaves_no_open_tag():
    md = to_markdown("t", [hostile_item("一二三四五六七八九十一二三四五六七八九十一二三四五<img src=x onerror=alert(1)>后文")])
    heading = next(line for line in md.splitlines() if line.startswith("### "))
    assert "<" not in heading and heading.endswith("五&lt;img…")


def test_a_long_first_line_is_cut_after_a_clause_never_inside_a_number():
    """…分别降至3.0‰、5.0‰和 was a heading: the numbers cut in two, and nothing said the line went on."""
    md = to_markdown("t", [hostile_item("新生儿、婴儿和5岁以下儿童死亡率分别降至3.0‰、5.0‰和6.0‰以下，城乡差距缩小。")])
    heading = next(line for line in md.splitlines() if line.startswith("### "))
    assert heading == "### 新生儿、婴儿和5岁以下儿童死亡率分别降至3.0‰…"


def test_markdown_export_over_http_is_escaped(client):
    r = client.get("/api/export", params={"ids": PASSAGE, "format": "md", "title": "<b onmouseover=x>标题"})
    assert r.status_code == 200 and "<b" not in r.text and "# &lt;b onmouseover=x&gt;标题" in r.text


# 2: the schema publishes the errors the service sends ---------------------------------------------------

def test_openapi_publishes_the_error_model_for_every_422_and_the_404s(client):
    spec = client.get("/openapi.json").json()
    error = spec["components"]["schemas"]["ErrorResponse"]
    assert error["properties"]["detail"]["type"] == "string" and "param" in error["properties"]
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if path == "/health":
                continue
            errors = [code for code in op["responses"] if code >= "400"]
            assert "503" in errors and ("422" in errors or not op.get("parameters")), (path, method)
            for code in errors:
                assert op["responses"][code]["content"]["application/json"]["schema"]["$ref"].endswith("ErrorResponse"), (path, code)
    for path in ("/api/passages/{passage_id}", "/api/compare", "/api/export", "/api/search", "/api/plans/{plan_id}"):
        method = "delete" if path == "/api/plans/{plan_id}" else "get"
        assert "404" in spec["paths"][path][method]["responses"], path
    for code in ("401", "403", "409", "413", "415"):
        assert code in spec["paths"]["/api/plans"]["post"]["responses"]


def test_every_error_has_detail_and_param(client):
    for url in ("/api/search", "/api/search?q=x&k=0", "/api/passages/nope", "/api/compare?q=x&plan=nowhere",
                "/api/targets?indicator=unknown"):
        body = client.get(url).json()
        assert isinstance(body["detail"], str) and "param" in body, url
    for method, url in (("GET", "/nowhere"), ("BREW", "/api/search"), ("PUT", "/api/search")):
        body = client.request(method, url).json()
        assert isinstance(body["detail"], str) and "param" in body, (method, url)


# 3: headers on every response; HEAD and OPTIONS ---------------------------------------------------------

@pytest.mark.parametrize("url", ["/api/search?q=溺水", "/api/search", "/api/passages/nope", "/nowhere", "/health",
                                 "/openapi.json", "/", "/static/app.js", "/docs"])
def test_security_headers_are_on_every_response(client, url):
    r = client.get(url)
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    csp = r.headers["content-security-policy"]
    if r.headers["content-type"].startswith("application/json"):
        assert csp.startswith("default-src 'none'")
    assert "*" not in csp and "http" not in csp


@pytest.mark.parametrize("url", ["/api/search?q=溺水", "/api/plans", f"/api/passages/{PASSAGE}", "/health", "/",
                                 "/api/indicators", "/api/export?ids=" + PASSAGE, "/docs", "/openapi.json"])
def test_head_works_wherever_get_does(client, url):
    get, head = client.get(url), client.head(url)
    assert get.status_code == 200 and head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]


def test_options_answers_with_the_allowed_methods(client):
    r = client.options("/api/search")
    assert r.status_code == 204 and set(r.headers["allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert set(client.options("/api/plans").headers["allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}
    assert client.options("/nowhere").status_code == 404


@pytest.mark.parametrize("url", ["/static/app.js", "/docs-assets/swagger-ui.css"])
def test_options_on_static_files_lists_only_get_and_head(client, url):
    r = client.options(url)
    assert r.status_code == 204 and set(r.headers["allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert client.post(url).status_code == 405 and client.head(url).status_code == 200


# 4: limits -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url, param", [
    ("/api/targets?indicator=" + "x" * 60_000, "indicator"),
    (f"/api/export?ids={PASSAGE}&title=" + "t" * 60_000, "title"),
    ("/api/search?q=溺水&region=" + "r" * 5000, "region"),
    ("/api/search?q=溺水&plan=" + "p" * 5000, "plan"),
    ("/api/passages/" + "a" * 5000, "passage_id"),
    ("/api/ask?q=" + "问" * 5000, "q"),
    ("/api/compare?q=溺水&plan=" + "p" * 5000, "plan"),
    ("/api/export?ids=%20%20", "ids"),
    ("/api/export?ids=,%20,", "ids"),
    ("/api/targets?indicator=", "indicator"),
    ("/api/targets?indicator=%20", "indicator"),
    ("/api/review?plan=%20", "plan"),
    ("/api/review?plan=", "plan"),
])
def test_overlong_or_empty_parameters_get_a_422_naming_them(client, url, param):
    r = client.get(url)
    assert r.status_code == 422 and r.json()["param"] == param


@pytest.mark.parametrize("blank", ["", "%20", "%20%20", "%E2%80%8B", "%09"])
def test_a_blank_optional_filter_is_as_if_not_given(client, blank):
    """A blank domain, kind, region or plan filters nothing, on every route (a blank required one is a 422 above)."""
    def ids(r):
        assert r.status_code == 200, r.text
        return [hit["passage_id"] for hit in r.json()["results"]]

    unfiltered = ids(client.get("/api/search?q=溺水"))
    for name in ("domain", "kind", "region", "plan"):
        assert ids(client.get(f"/api/search?q=溺水&{name}={blank}")) == unfiltered, name
    everywhere = client.get("/api/compare?q=溺水").json()["plans"]
    assert client.get(f"/api/compare?q=溺水&plan={blank}").json()["plans"] == everywhere
    one = client.get(f"/api/compare?q=溺水&plan={blank}&plan=daqing-children-2021")
    assert [p["plan_id"] for p in one.json()["plans"]] == ["daqing-children-2021"]
    review = client.get(f"/api/review?plan=xiangning-children-2021&domain={blank}&peers={blank}")
    assert review.status_code == 200 and review.json()["domains"] == client.get(
        "/api/review?plan=xiangning-children-2021").json()["domains"]


@pytest.mark.parametrize("title", ["%20%20", "%EF%BF%BE", "%E2%80%8B%00"])
def test_an_export_with_a_blank_or_unprintable_title_has_the_default_title(client, title):
    from docx import Document

    md = client.get(f"/api/export?ids={PASSAGE}&format=md&title={title}")
    assert md.status_code == 200 and md.text.startswith("# 规划条文摘编\n"), md.text[:40]
    docx = client.get(f"/api/export?ids={PASSAGE}&format=docx&title={title}")
    assert Document(io.BytesIO(docx.content)).paragraphs[0].text == "规划条文摘编"


def test_an_unknown_peer_is_a_404_naming_peers(fake_searcher):
    draft = {"file": ("draft.txt", (CORPUS / "xinchengqu-children-2021-2030.txt").read_bytes(), "text/plain")}
    with app_with(fake_searcher, api_key="s3cret") as c:
        r = c.get("/api/review", params={"plan": "xiangning-children-2021", "peers": "daqing-children-2021,nonexist"})
        assert r.status_code == 404 and r.json()["param"] == "peers" and "nonexist" in r.json()["detail"]
        r = c.post("/api/review", files=draft, data={"peers": "nonexist"}, headers={"X-API-Key": "s3cret"})
        assert r.status_code == 404 and r.json()["param"] == "peers" and "nonexist" in r.json()["detail"]
        r = c.get("/api/review", params={"plan": "nowhere", "peers": "nowhere"})       # the plan is asked first
        assert r.status_code == 404 and r.json()["param"] == "plan"


@pytest.mark.parametrize("q", ["\x00", "\u200b", "\ufeff\u200e"])
def test_a_question_of_invisible_characters_is_empty(client, q):
    """NUL, a zero-width space, a BOM or a direction mark alone: as empty as spaces, so a 422 rather than hits."""
    for path in ("/api/search", "/api/ask"):
        r = client.get(path, params={"q": q})
        assert r.status_code == 422 and r.json()["param"] == "q", (path, q)


def test_control_characters_in_a_question_are_not_searched_or_echoed(client):
    """溺水%00: a 200 whose `query` carried the NUL back."""
    for path in ("/api/search", "/api/ask", "/api/compare"):
        r = client.get(path, params={"q": "溺水\x00\x1b"})
        assert r.status_code == 200 and r.json()["query"] == "溺水", path
    plain = client.get("/api/search", params={"q": "溺水"}).json()["results"]
    marked = client.get("/api/search", params={"q": "溺\x00水"}).json()["results"]
    assert [h["passage_id"] for h in marked] == [h["passage_id"] for h in plain]


@pytest.mark.parametrize("q", ["的", "怎么办", "？？？", "123", "a", "😀", "!!!，。"])
def test_a_question_with_nothing_to_look_for_is_no_answer(client, q):
    """No word of a topic, plan, place or domain: nothing a passage could show, so nothing is asserted."""
    for path in ("/api/search", "/api/ask"):
        body = client.get(path, params={"q": q}).json()
        assert body["no_answer"] is True, (path, q, body)


def test_a_question_naming_only_a_plan_or_a_subject_still_answers(client):
    assert client.get("/api/search", params={"q": "大庆"}).json()["no_answer"] is False
    assert client.get("/api/search", params={"q": "儿童"}).json()["results"]


def test_an_indicator_in_traditional_characters_finds_its_targets(client):
    body = client.get("/api/targets", params={"indicator": "嬰兒死亡率"}).json()
    assert body["indicator"] == "婴儿死亡率" and body["rows"]


def test_export_of_an_id_given_twice_has_it_once(client):
    body = client.get("/api/export", params={"ids": f"{PASSAGE},{PASSAGE}, {PASSAGE}"}).text
    assert "共 1 条" in body and body.count(f"；{PASSAGE}）") == 1, body


# 10: the documentation works offline -----------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/", "/docs", "/redoc"])
def test_pages_reference_no_other_host_and_their_assets_are_served(client, url):
    r = client.get(url)
    assert r.status_code == 200
    html = r.text
    assert not re.search(r"(https?:)?//[a-z0-9.-]+", html, flags=re.I), url      # no absolute or protocol-relative URL
    for ref in re.findall(r'(?:src|href|spec-url)="([^"]+)"', html):
        assert client.get(ref).status_code == 200, ref
    assert "'self'" in r.headers["content-security-policy"] and "http" not in r.headers["content-security-policy"]


def test_swagger_ui_is_told_where_the_schema_is(client):
    assert '"/openapi.json"' in client.get("/docs-assets/swagger-init.js").text


# 11: the key, the hosts, CORS ---------------------------------------------------------------------------------

def test_writes_need_the_key(fake_searcher):
    with app_with(fake_searcher, api_key="s3cret") as c:
        r = c.delete("/api/plans/daqing-children-2021")
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
        assert c.delete("/api/plans/daqing-children-2021", headers={"X-API-Key": "wrong"}).status_code == 401
        assert c.post("/api/plans", files={"file": ("a.txt", b"x")}, headers={"Authorization": "Bearer nope"}).status_code == 401
        assert c.get("/api/search", params={"q": "溺水"}).status_code == 200          # reads stay open by default


def test_a_write_without_the_key_is_refused_before_its_body_is_read(fake_searcher):
    received = []

    def body():
        received.append(1)
        yield b"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\n" + b"a" * 1_000_000
        received.append(2)
        yield b"\r\n--x--\r\n"

    with app_with(fake_searcher, api_key="s3cret") as c:
        r = c.post("/api/plans", content=body(), headers={"Content-Type": "multipart/form-data; boundary=x"})
    assert r.status_code == 401 and r.json()["param"] is None
    assert received != [1, 2]                 # the refusal came before the whole upload was read


def test_protected_reads_need_the_key_and_health_stays_open(fake_searcher):
    with app_with(fake_searcher, api_key="s3cret", protect_reads=True) as c:
        assert c.get("/api/search", params={"q": "溺水"}).status_code == 401
        assert c.get("/api/plans", headers={"X-API-Key": "wrong"}).status_code == 401
        assert c.get("/api/search", params={"q": "溺水"}, headers={"X-API-Key": "s3cret"}).status_code == 200
        assert c.get("/api/plans", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        assert c.get("/health").status_code == 200


def test_protect_reads_without_a_key_is_refused_at_start():
    from pydantic import ValidationError

    from plansearch.settings import Settings

    with pytest.raises(ValidationError, match="PLANSEARCH_API_KEY"):
        Settings(protect_reads=True, api_key=None)


@pytest.mark.parametrize("host, code", [("127.0.0.1", 200), ("localhost:8000", 200), ("[::1]:8000", 200),
                                        ("[::1]", 200), ("evil.example", 400), ("attacker.example:8000", 400), ("", 400),
                                        ("[::1]evil.com", 400), ("[::1]:8000evil.com", 400), ("[::1]:", 400),
                                        ("[::1", 400), ("localhost:evil.com", 400), ("127.0.0.1:80:80", 400)])
def test_only_allowed_host_names_are_served(client, host, code):
    r = client.get("/api/plans", headers={"Host": host})
    assert r.status_code == code
    if code == 400:
        assert r.json()["detail"] and r.headers["x-content-type-options"] == "nosniff"


def test_the_allowed_hosts_setting_replaces_the_default(fake_searcher):
    with app_with(fake_searcher, allowed_hosts=["plans.intranet.gov"]) as c:
        assert c.get("/health", headers={"Host": "plans.intranet.gov"}).status_code == 200
        assert c.get("/health", headers={"Host": "localhost"}).status_code == 400


def test_cors_is_off_by_default_and_on_for_listed_origins(client, fake_searcher):
    origin = {"Origin": "http://portal.intranet"}
    assert "access-control-allow-origin" not in client.get("/api/plans", headers=origin).headers
    with app_with(fake_searcher, cors_origins=["http://portal.intranet"]) as c:
        assert c.get("/api/plans", headers=origin).headers["access-control-allow-origin"] == "http://portal.intranet"
        other = c.get("/api/plans", headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        pre = c.options("/api/plans", headers={**origin, "Access-Control-Request-Method": "GET"})
        assert pre.status_code == 200 and pre.headers["access-control-allow-origin"] == "http://portal.intranet"


# 12: a few requests computed at once, the rest queued ----------------------------------------------------------

def test_the_service_computes_only_request_workers_requests_at_once(fake_searcher):
    import anyio.to_thread

    with app_with(fake_searcher, request_workers=3) as c:
        assert c.portal.call(lambda: anyio.to_thread.current_default_thread_limiter().total_tokens) == 3


def test_health_and_the_page_answer_while_the_thread_pool_is_busy(fake_searcher):
    """40 reviews at once held every worker thread: /health took 17.5 s and the page 14 s, queued behind them."""
    import threading
    import time

    import anyio.to_thread

    with TestClient(create_app(searcher=fake_searcher)) as client:
        limiter = client.portal.call(anyio.to_thread.current_default_thread_limiter)
        release = threading.Event()
        busy = [client.portal.start_task_soon(anyio.to_thread.run_sync, release.wait, 20)
                for _ in range(int(limiter.total_tokens))]
        try:
            time.sleep(0.2)
            assert limiter.borrowed_tokens == limiter.total_tokens       # no thread left for a sync route
            started = time.monotonic()
            assert client.get("/health").status_code == 200
            assert client.get("/").status_code == 200
            assert time.monotonic() - started < 5
        finally:
            release.set()
            for task in busy:
                task.result()


def test_an_upload_without_a_file_and_a_fractional_k_are_told_in_plain_words(fake_searcher):
    """A part with filename="" said 'Value error, Expected UploadFile, received: <class 'str'>'; k=1.5 said
    'Input should be a valid integer, got a number with a fractional part'."""
    with app_with(fake_searcher, api_key="k") as c:
        r = c.post("/api/plans", files={"file": ("", b"abc")}, headers={"X-API-Key": "k"})
        assert r.status_code == 422 and r.json()["param"] == "file" and "没有收到文件" in r.json()["detail"]
        r = c.get("/api/search", params={"q": "溺水", "k": "1.5"})
        assert r.status_code == 422 and "必须是整数" in r.json()["detail"] and "1.5" in r.json()["detail"]


def test_the_schema_says_a_question_may_not_be_empty(client):
    """Schemathesis (ST202): the schema allowed q="" that every route refuses."""
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/search", "/api/ask", "/api/compare"):
        q = next(p for p in paths[path]["get"]["parameters"] if p["name"] == "q")
        assert q["schema"]["minLength"] == 1, path
        r = client.get(path, params={"q": ""})
        assert r.status_code == 422 and "不能为空" in r.json()["detail"] and r.json()["param"] == "q"


def test_a_question_told_at_length_is_searched_not_refused(client):
    """A parent's 225-character question got a 422 (最多 200 个字符) on search and ask."""
    q = ("我家孩子今年上小学三年级，爸爸妈妈都在外地打工，平时跟着爷爷奶奶生活，老人年纪大了管不住，孩子放学后经常一个人"
         "在外面玩，有时候还去河边，我们很担心他的安全，也担心他的学习和心理健康，想问问政府对这种留守的孩子有没有什么关爱和"
         "保护的办法，社区和学校能不能帮忙照看一下，有没有专门的人负责联系这些家庭，遇到困难的时候应该找哪个部门求助，"
         "还有学校的老师能不能多关心一下，周末的时候有没有什么活动可以参加，谢谢")
    assert 200 < len(q) <= 500
    for path in ("/api/search", "/api/ask"):
        assert client.get(path, params={"q": q}).status_code == 200, path
    assert client.get("/api/search", params={"q": "溺" * 501}).status_code == 422
