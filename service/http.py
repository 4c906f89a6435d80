"""How `serve` runs uvicorn: its h11 protocol made lenient about raw UTF-8 in the request line and strict
about time, plus the limits a service on an intranet needs.

`curl 'http://127.0.0.1:8000/api/search?q=溺水'` sends the Chinese bytes unencoded; h11 (rightly, by the
RFC) rejects them with a bare "Invalid HTTP request". Officials paste such URLs, so bytes ≥ 0x80 in the
request line are percent-encoded before h11 parses it, exactly as a browser would have sent them. The
request line is collected across TCP segments first, so the fix holds however the client splits it.

uvicorn has no timeout for a request's headers or its body: a client that sends half a request, or announces an
upload and stops sending it, holds a connection (and an upload's worker) open for ever. `LenientH11Protocol` closes
such a connection with a 408 after `PLANSEARCH_HEADER_TIMEOUT` seconds without the headers, or
`PLANSEARCH_BODY_TIMEOUT` seconds without a byte of a body under way (a slow upload that keeps sending is not cut). In production put a reverse proxy in front as well (README: "Running it on an intranet")."""
from __future__ import annotations

import asyncio
import errno
import re
import sys
from typing import Callable

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

HIGH_BYTE = re.compile(rb"[\x80-\xff]")
STARTUP_FAILURE = 3                   # uvicorn's exit status when the server could not start (a port in use …)
MAX_REQUEST_LINE = 64 * 1024          # longer lines are handed on unchanged: h11 refuses them


def _timeout_response(detail: bytes) -> bytes:
    body = b'{"detail": "%s", "param": null}' % detail
    return (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\nconnection: close\r\n"
            b"x-content-type-options: nosniff\r\ncontent-security-policy: default-src 'none'\r\n"
            b"referrer-policy: no-referrer\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body))


TIMEOUT_RESPONSE = _timeout_response(b"request headers not received in time")
BODY_TIMEOUT_RESPONSE = _timeout_response("请求体未按时收到（request body not received in time）".encode())


def encode_request_line(line: bytes) -> bytes:
    """Percent-encode the bytes ≥ 0x80 of one complete request line (without its line end)."""
    return HIGH_BYTE.sub(lambda m: b"%%%02X" % m.group(0)[0], line)


class LenientH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a request-line buffer (raw UTF-8 accepted in any split) and a timeout
    for the request's headers. Pass as `uvicorn.run(..., http=LenientH11Protocol)`."""

    header_timeout: float = 10.0
    body_timeout: float = 30.0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._line = b""                          # the start of a request line not yet handed to h11
        self._header_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._arm_header_timer()

    def connection_lost(self, exc) -> None:
        self._disarm_header_timer()
        self._disarm_body_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.conn.their_state is h11.IDLE and not self.conn.trailing_data[0]:
            # a new request starts: hold its bytes until the request line is complete
            self._arm_header_timer()
            data = self._line + data
            end = data.find(b"\n")
            if end < 0 and len(data) <= MAX_REQUEST_LINE:
                self._line = data
                self._unset_keepalive_if_required()
                return
            self._line = b""
            if end >= 0:
                data = encode_request_line(data[:end]) + data[end:]
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._disarm_header_timer()       # the headers are in (or the connection is over)
        self._disarm_body_timer()
        if self.conn.their_state is h11.SEND_BODY:
            self._body_timer = self.loop.call_later(self.body_timeout, self._body_timeout_handler)

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to a request h11 cannot parse, as JSON with the service's security headers."""
        body = b'{"detail": "invalid HTTP request", "param": null}'
        headers = [(b"content-type", b"application/json"), (b"connection", b"close"),
                   (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                   (b"content-security-policy", b"default-src 'none'")]
        try:
            for event in (h11.Response(status_code=400, headers=headers, reason=b"Bad Request"), h11.Data(data=body),
                          h11.EndOfMessage()):
                self.transport.write(self.conn.send(event))
        except h11.LocalProtocolError:         # a response was already under way: just close
            pass
        self.transport.close()

    def _arm_header_timer(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.header_timeout, self._header_timeout_handler)

    def _disarm_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_timeout_handler(self) -> None:
        self._header_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        if self.conn.our_state is h11.IDLE:
            self.transport.write(TIMEOUT_RESPONSE)
        self.transport.close()


    def _disarm_body_timer(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def _body_timeout_handler(self) -> None:
        self._body_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.SEND_BODY:
            return
        if self.flow.read_paused:              # the app has not taken what came: the wait is ours, not the client's
            self._body_timer = self.loop.call_later(self.body_timeout, self._body_timeout_handler)
            return
        if self.conn.our_state is h11.SEND_RESPONSE:
            self.transport.write(BODY_TIMEOUT_RESPONSE)
        self.transport.close()                 # the app's receive() then reports a disconnect


def lenient_protocol(header_timeout: float, body_timeout: float = 30.0) -> type[LenientH11Protocol]:
    """The protocol class with these timeouts (uvicorn instantiates the class itself)."""
    return type("LenientH11Protocol", (LenientH11Protocol,), {"header_timeout": header_timeout,
                                                              "body_timeout": body_timeout})


def port_problem(host: str, port: int) -> str | None:
    """Why `serve` could not listen on host:port (in use, not an address of this machine …) and what to change, or
    None. Checked before the index is opened, so the answer is one line at once; uvicorn's own bind still decides."""
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)     # as uvicorn binds
            probe.bind(address)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return f"{reason} (choose another with --port)" if exc.errno == errno.EADDRINUSE else f"{reason} (check --host)"
    return None


def serve(app, settings, host: str, port: int, when_listening: Callable[[], None] | None = None) -> None:
    """Run `app` with uvicorn on host:port with the service's protocol and limits (what `uvicorn.run` does for one
    process). `when_listening` runs once the socket accepts connections: the service's warm-up, which would
    otherwise hold the GIL against the start-up (start-up to `/health` 200: 1.3-1.7 s with it, 0.8-0.9 s after)."""
    import uvicorn

    class Server(uvicorn.Server):
        async def startup(self, sockets=None) -> None:
            await super().startup(sockets)
            if self.started and when_listening is not None:
                when_listening()

    config = uvicorn.Config(app, host=host, port=port, log_level="info", http=lenient_protocol(settings.header_timeout, settings.body_timeout),
                            timeout_keep_alive=5, h11_max_incomplete_event_size=64 * 1024, server_header=False,
                            access_log=True)
    server = Server(config)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    if not server.started:
        sys.exit(STARTUP_FAILURE)
