"""Hostile input over raw sockets against a real uvicorn on 127.0.0.1 (the protocol `serve` uses, the test
encoder): NUL, lone surrogates, invalid UTF-8, a 1 MB query, a 100 KB URL, a request line split across
TCP segments, odd methods, half-sent headers. No 5xx, no traceback, no file path in any body."""
from __future__ import annotations

import json
import socket
import threading
import time
from contextlib import contextmanager

import pytest
import uvicorn

from service.app import create_app
from service.http import lenient_protocol

HEADER_TIMEOUT = 1.0
BODY_TIMEOUT = 1.0


@contextmanager
def running(app, body_timeout: float = 30.0):
    """The app served by uvicorn with the service's protocol on a free port of 127.0.0.1; yields the port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, http=lenient_protocol(HEADER_TIMEOUT, body_timeout),
                            log_level="critical", h11_max_incomplete_event_size=64 * 1024)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield port
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def live(fake_searcher):
    with running(create_app(searcher=fake_searcher, bound_host="127.0.0.1")) as port:
        yield port


def exchange(port: int, *parts: bytes, pause: float = 0.05) -> bytes:
    """Send the parts as separate writes (separate TCP segments) and read the answer until close."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for part in parts:
            sock.sendall(part)
            time.sleep(pause)
        data = b""
        try:
            while chunk := sock.recv(65536):
                data += chunk
        except (ConnectionResetError, socket.timeout):
            pass
    return data


def status(response: bytes) -> int:
    return int(response.split(b" ", 2)[1]) if response.startswith(b"HTTP/1.1 ") else 0


def request(target: bytes, method: bytes = b"GET", extra: bytes = b"") -> bytes:
    return method + b" " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + extra + b"\r\n"


HOSTILE = {
    "nul in query": request(b"/api/search?q=a%00b"),
    "raw nul": request(b"/api/search?q=a\x00b"),
    "lone surrogate": request(b"/api/search?q=%ED%A0%80"),
    "invalid utf-8": request(b"/api/search?q=%FF%FE%C0"),
    "raw invalid utf-8": request(b"/api/search?q=\xff\xfe\xc0"),
    "u+fffe in docx title": request(b"/api/export?ids=daqing-children-2021-d2-m3&format=docx&title=a%EF%BF%BEb%01"),
    "nul in docx title": request(b"/api/export?ids=daqing-children-2021-d2-m3&format=docx&title=a%00b"),
    "1 MB query": request(b"/api/search?q=" + b"%E6%BA%BA" * 116_000),
    "100 KB url": request(b"/api/targets?indicator=" + b"x" * 100_000),
    "100 KB passage id": request(b"/api/passages/" + b"a" * 100_000),
    "path traversal": request(b"/static/..%2f..%2fapp.py"),
    "odd method": request(b"/api/search?q=x", method=b"BREW"),
    "trace": request(b"/api/search?q=x", method=b"TRACE"),
    "delete without key": request(b"/api/plans/daqing-children-2021", method=b"DELETE"),
    "post junk": request(b"/api/plans", method=b"POST", extra=b"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 5\r\n") + b"junk!",
    "bad host": b"GET /api/plans HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
    "garbage": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 40 + b"\r\n\r\n",
    "header with nul": request(b"/api/plans", extra=b"X-A: a\x00b\r\n"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_request_gets_a_4xx_or_200_without_traceback_or_path(live, name):
    response = exchange(live, HOSTILE[name])
    code = status(response)
    assert 200 <= code < 500, (name, response[:300])
    head = response.split(b"\r\n\r\n", 1)[0].lower()
    assert b"x-content-type-options: nosniff" in head and b"content-security-policy: " in head, (name, head)
    lowered = response.lower()
    assert b"traceback" not in lowered and b"/work/" not in lowered and b".py" not in lowered and b"/home/" not in lowered


@pytest.mark.parametrize("cut", [1, 5, 12, 16, 17, 25, 40])
def test_raw_utf8_request_line_is_answered_however_it_is_split(live, cut):
    raw = "GET /api/search?q=预防儿童溺水&k=2 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
    response = exchange(live, raw[:cut], raw[cut:])
    assert status(response) == 200 and b'"query":"\xe9\xa2\x84' in response


def test_a_request_line_sent_byte_by_byte_is_answered(live):
    raw = "GET /api/passages/daqing-children-2021-d2-m3?x=溺 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
    response = exchange(live, *[raw[i:i + 1] for i in range(len(raw))], pause=0.001)
    assert status(response) == 200


def test_half_sent_headers_are_cut_off_after_the_header_timeout(live):
    started = time.monotonic()
    response = exchange(live, b"GET /api/plans HTTP/1.1\r\nHost: 127.0.0.1\r\n")    # never the blank line
    waited = time.monotonic() - started
    assert status(response) == 408 and waited < 8


def test_a_silent_connection_is_closed_after_the_header_timeout(live):
    with socket.create_connection(("127.0.0.1", live), timeout=10) as sock:
        assert sock.recv(65536).startswith(b"HTTP/1.1 408")


@pytest.fixture(scope="module")
def live_with_key(fake_searcher):
    """A server that takes uploads (an API key is set), with a body timeout of a second."""
    settings = fake_searcher.settings.model_copy(update={"api_key": "k" * 24})
    with running(create_app(settings=settings, searcher=fake_searcher, bound_host="127.0.0.1"), BODY_TIMEOUT) as port:
        yield port


def test_an_upload_whose_body_stops_arriving_is_cut_off_with_a_408(live_with_key):
    started = time.monotonic()
    head = (b"POST /api/plans HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + b"k" * 24 + b"\r\n"
            b"Content-Type: multipart/form-data; boundary=XX\r\nContent-Length: 100000\r\n\r\n")
    response = exchange(live_with_key, head, b"--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\n")
    waited = time.monotonic() - started
    assert status(response) == 408 and "请求体未按时收到".encode() in response and waited < 8


def test_a_slow_upload_that_keeps_sending_is_not_cut_off(live_with_key):
    body = b"--XX"
    head = (b"POST /api/plans HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-API-Key: " + b"k" * 24 + b"\r\n"
            b"Content-Type: multipart/form-data; boundary=XX\r\nContent-Length: %d\r\n\r\n" % len(body))
    # each byte 0.5 s after the last: 2 s in all, twice the body timeout, never a pause of one
    response = exchange(live_with_key, head, *[body[i:i + 1] for i in range(len(body))], pause=0.5)
    assert status(response) not in (0, 408) and status(response) < 500


def json_body(response: bytes) -> dict:
    return json.loads(response.split(b"\r\n\r\n", 1)[1])


@pytest.mark.parametrize("target, param", [
    (b"/api/search?q=%ff%fe", "q"),
    (b"/api/search?q=%ED%A0%80", "q"),                                  # a lone surrogate, percent-encoded
    (b"/api/search?q=\xff\xfe", "q"),                                   # raw bytes in the request line
    (b"/api/search?q=%E6%BA%BA&region=\xed\xa0\x80", "region"),
    (b"/api/export?ids=daqing-children-2021-d2-m3&title=a%C0%AFb", "title"),
    (b"/static/app.js?v=%ff", "v"),
    (b"/api/search?q=%E6%BA%BA&%ff=1", None),                            # the name itself is not text
])
def test_a_parameter_that_is_not_utf8_text_is_a_422_naming_it(live, target, param):
    response = exchange(live, request(target))
    body = json_body(response)
    assert status(response) == 422 and body["param"] == param and "不是有效的 UTF-8 文本" in body["detail"], response
    assert "\ufffd" not in body["detail"]


@pytest.mark.parametrize("target", [b"/api/passages/%ff%fe", b"/api/passages/\xed\xa0\x80"])
def test_a_path_that_is_not_utf8_text_is_a_400(live, target):
    response = exchange(live, request(target))
    assert status(response) == 400 and "路径不是有效的 UTF-8 文本" in json_body(response)["detail"]


@pytest.fixture(scope="module")
def live_small_uploads(fake_searcher):
    """A server with the API key set and an upload limit of 0.01 MB (10 KB), with a body timeout of a second."""
    settings = fake_searcher.settings.model_copy(update={"api_key": "k" * 24, "max_upload_mb": 0.01})
    with running(create_app(settings=settings, searcher=fake_searcher, bound_host="127.0.0.1"), BODY_TIMEOUT) as port:
        yield port


def upload_head(path: bytes, key: bytes = b"k" * 24) -> bytes:
    return (b"POST " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-API-Key: " + key + b"\r\n"
            b"Content-Type: multipart/form-data; boundary=XX\r\n")


FILE_PART = b'--XX\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\n'


@pytest.mark.parametrize("path", [b"/api/plans", b"/api/review"])
def test_an_upload_announced_larger_than_the_limit_is_refused_before_its_body(live_small_uploads, path):
    """A 1 GB Content-Length: a 413 at once (not a 408 after waiting for the body it will not read)."""
    response = exchange(live_small_uploads, upload_head(path) + b"Content-Length: 1073741824\r\n\r\n")
    assert status(response) == 413 and json_body(response) == {
        "detail": "文件超过 0.01 MB 的上限（file too large）", "param": None}
    wrong_key = exchange(live_small_uploads, upload_head(path, b"wrong") + b"Content-Length: 1073741824\r\n\r\n")
    assert status(wrong_key) == 401                   # the key is still asked for first


@pytest.mark.parametrize("path", [b"/api/plans", b"/api/review"])
def test_a_chunked_upload_is_refused_once_it_passes_the_limit(live_small_uploads, path):
    """No Content-Length: a 413 as soon as the bytes received pass the limit, though the body goes on."""
    from service.security import UPLOAD_ENVELOPE

    def chunk(data: bytes) -> bytes:
        return b"%x\r\n%s\r\n" % (len(data), data)

    past = (int(0.01 * 1024 * 1024) + UPLOAD_ENVELOPE) // 8192 + 1       # only the last chunk passes the limit
    response = exchange(live_small_uploads, upload_head(path) + b"Transfer-Encoding: chunked\r\n\r\n",
                        chunk(FILE_PART), *[chunk(b"a" * 8192)] * past)
    assert status(response) == 413 and json_body(response)["detail"] == "文件超过 0.01 MB 的上限（file too large）"
