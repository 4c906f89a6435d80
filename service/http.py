"""HTTP protocol for uvicorn that accepts raw UTF-8 in the request line.

`curl 'http://127.0.0.1:8000/api/search?q=溺水'` sends the Chinese bytes unencoded; h11 (rightly, by the
RFC) rejects them with a bare "Invalid HTTP request". Officials paste such URLs, so bytes ≥ 0x80 in the
request line are percent-encoded before h11 parses it, exactly as a browser would have sent them."""
from __future__ import annotations

import re

from uvicorn.protocols.http.h11_impl import H11Protocol

REQUEST_START = re.compile(rb"^(GET|HEAD|POST|PUT|DELETE|OPTIONS|PATCH) ")
HIGH_BYTE = re.compile(rb"[\x80-\xff]")


def encode_request_line(data: bytes) -> bytes:
    """Percent-encode non-ASCII bytes in the first line of a chunk that starts a request."""
    if not REQUEST_START.match(data):
        return data
    end = data.find(b"\r\n")
    line, rest = (data, b"") if end < 0 else (data[:end], data[end:])
    if not HIGH_BYTE.search(line):
        return data
    return HIGH_BYTE.sub(lambda m: b"%%%02X" % m.group(0)[0], line) + rest


class LenientH11Protocol(H11Protocol):
    def data_received(self, data: bytes) -> None:
        super().data_received(encode_request_line(data))
