"""uvicorn's HTTP/1.1 protocols, answering unparseable requests with problem details.

A request the HTTP parser refuses (a NUL or other control character in a header value, a
malformed request line) never reaches the app: uvicorn answers it itself with a plain-text 400.
These subclasses send the same 400 as an RFC 9457 problem document with the stable code
``bad_request``, like every other error of the service.
"""

from __future__ import annotations

import asyncio
import json

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from service.api.problems import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_PREFIX

BAD_REQUEST_CODE = "bad_request"
BAD_REQUEST_BODY = json.dumps(
    {
        "type": PROBLEM_TYPE_PREFIX + BAD_REQUEST_CODE,
        "title": "Malformed HTTP request",
        "status": 400,
        "detail": "The request is not valid HTTP/1.1: header values may not contain control "
        "characters (such as NUL), and the request line must be well formed.",
        "code": BAD_REQUEST_CODE,
    }
).encode()
_HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
    (b"content-length", str(len(BAD_REQUEST_BODY)).encode()),
    (b"connection", b"close"),
]


class ProblemH11Protocol(H11Protocol):
    """The h11 protocol; a request h11 cannot parse gets a problem-details 400."""

    def send_400_response(self, msg: str) -> None:
        event = h11.Response(status_code=400, headers=_HEADERS, reason=b"Bad Request")
        for output in (
            self.conn.send(event),
            self.conn.send(h11.Data(data=BAD_REQUEST_BODY)),
            self.conn.send(h11.EndOfMessage()),
        ):
            if output:
                self.transport.write(output)
        self.transport.close()


class ProblemHttpToolsProtocol(HttpToolsProtocol):
    """The httptools protocol (uvicorn's default); a request llhttp refuses gets a problem 400."""

    def send_400_response(self, msg: str) -> None:
        content = [b"HTTP/1.1 400 Bad Request\r\n"]
        for name, value in [*self.server_state.default_headers, *_HEADERS]:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend([b"\r\n", BAD_REQUEST_BODY])
        self.transport.write(b"".join(content))
        self.transport.close()


def http_protocol() -> type[asyncio.Protocol]:
    """The protocol `summarise serve` runs: httptools, as uvicorn's ``auto`` picks (installed with
    uvicorn[standard]); ``ProblemH11Protocol`` is the pure-Python alternative."""
    return ProblemHttpToolsProtocol
