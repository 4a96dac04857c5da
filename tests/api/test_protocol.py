"""Requests the HTTP parser refuses (a NUL in the bearer token, a broken request line) still get
problem details: uvicorn runs our protocol subclasses (issue 9, item 7)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from api_fakes import FakeLLM, make_settings

from service.api import create_app
from service.api.protocol import ProblemH11Protocol, ProblemHttpToolsProtocol, http_protocol


@pytest.fixture(params=[ProblemHttpToolsProtocol, ProblemH11Protocol], ids=["httptools", "h11"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[int, type]]:
    app = create_app(make_settings(tmp_path), llm=FakeLLM())
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, http=request.param, log_config=None, access_log=False
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(400):
        if srv.started:
            break
        time.sleep(0.025)
    assert srv.started, "uvicorn did not start"
    try:
        yield srv.servers[0].sockets[0].getsockname()[1], request.param
    finally:
        srv.should_exit = True
        thread.join(30)


def _exchange(port: int, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(raw)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines)}
    if headers.get("transfer-encoding") == "chunked":  # the app's own answers may be chunked
        size, _, rest = body.partition(b"\r\n")
        body = rest[: int(size, 16)]
    return int(status_line.split()[1]), headers, body


def _get(token: bytes) -> bytes:
    return (
        b"GET /v1/usage HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer "
        + token
        + b"\r\nConnection: close\r\n\r\n"
    )


def test_serve_uses_the_problem_protocol() -> None:
    assert http_protocol() is ProblemHttpToolsProtocol


def test_nul_in_bearer_token_is_a_problem_400(server: tuple[int, type]) -> None:
    port, _ = server
    status, headers, body = _exchange(port, _get(b"sk_abc\x00def"))
    assert status == 400
    assert headers["content-type"] == "application/problem+json"
    problem = json.loads(body)
    assert problem["code"] == "bad_request" and problem["status"] == 400
    assert problem["type"] == "urn:summariser:problem:bad_request"


def test_broken_request_line_is_a_problem_400(server: tuple[int, type]) -> None:
    port, _ = server
    status, headers, body = _exchange(port, b"NOT AN HTTP REQUEST\r\n\r\n")
    assert status == 400 and json.loads(body)["code"] == "bad_request"


def test_other_control_characters_never_reach_auth_as_a_500(server: tuple[int, type]) -> None:
    port, protocol = server
    status, headers, body = _exchange(port, _get(b"sk_abc\x01def"))
    problem = json.loads(body)
    assert headers["content-type"] == "application/problem+json"
    # llhttp refuses the header; h11 lets it through and the app refuses the key
    expected = (
        (400, "bad_request") if protocol is ProblemHttpToolsProtocol else (401, "invalid_api_key")
    )
    assert (status, problem["code"]) == expected
    status, _, body = _exchange(port, _get("sk_caf\u00e9".encode("latin-1")))
    assert (status, json.loads(body)["code"]) == (401, "invalid_api_key")
