"""callback_url cannot aim webhooks inside (issue 9, item 3): refused at submission, re-checked at
send time after DNS (rebinding), no redirects, bounded answers, one error for every network
failure. DNS is faked per test; every connection made goes to loopback receivers."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from api_fakes import ARTICLE
from fastapi import FastAPI

from service.store import jobs as job_store

PUBLIC = "93.184.215.14"  # only ever a DNS answer here: nothing connects to it


class Receiver:
    """A loopback HTTP server whose POST handler is given; records requests and bytes sent."""

    def __init__(self, handle: Callable[[BaseHTTPRequestHandler], None] | None = None) -> None:
        self.requests: list[dict[str, str]] = []
        self.sent = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return None

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                owner.requests.append({k.lower(): v for k, v in self.headers.items()})
                if handle is not None:
                    handle(self)
                    return
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Names this test resolves: a dict of name -> answers, consumed front to back (the last
    answer repeats). IP literals resolve as themselves; other names do not resolve."""
    table: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host in table:
            answers = table[host]
            addr = answers.pop(0) if len(answers) > 1 else answers[0]
            return real(addr, port, *args, **kwargs)
        try:
            socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
        except OSError:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return table


async def _job(client: httpx.AsyncClient, auth: dict[str, str], url: str) -> httpx.Response:
    return await client.post("/v1/jobs", json={**ARTICLE, "callback_url": url}, headers=auth)


async def _webhook_settled(client: httpx.AsyncClient, auth: dict[str, str], job_id: str) -> Any:
    for _ in range(400):
        job = (await client.get(f"/v1/jobs/{job_id}", headers=auth)).json()
        if job["status"] in ("succeeded", "failed") and job["webhook"] != "pending":
            deliveries = (await client.get(f"/v1/jobs/{job_id}/deliveries", headers=auth)).json()
            return job, deliveries
        await asyncio.sleep(0.025)
    raise AssertionError(f"the webhook of {job_id} never settled")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/h",
        "http://localhost/h",
        "http://0.0.0.0/",
        "http://[::1]/",
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://metadata.google.internal/",
        "http://2130706433/",
        "http:///nohost",
        "http://user:pw@cms.example.org/hooks",
        "http://loopback.newsroom.test/h",
        "http://private.newsroom.test/h",
    ],
)
@pytest.mark.parametrize("endpoint", ["/v1/jobs", "/v1/batches"])
async def test_inside_destinations_refused_at_submission(
    client: httpx.AsyncClient,
    app: FastAPI,
    auth: dict[str, str],
    dns: dict[str, list[str]],
    url: str,
    endpoint: str,
) -> None:
    dns.update({"loopback.newsroom.test": ["127.0.0.1"], "private.newsroom.test": ["10.1.2.3"]})
    body: dict[str, Any] = {**ARTICLE, "callback_url": url}
    if endpoint == "/v1/batches":
        body = {"items": [ARTICLE], "callback_url": url}
    r = await client.post(endpoint, json=body, headers=auth)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "callback_url_forbidden"
    assert r.headers["content-type"].startswith("application/problem+json")
    assert sum(job_store.queue_depth(app.state.summariser.db).values()) == 0


async def test_dns_rebinding_is_caught_at_send_time(
    client: httpx.AsyncClient, auth: dict[str, str], dns: dict[str, list[str]], receiver: Receiver
) -> None:
    # public when the job is submitted, loopback (the receiver) when the webhook is sent
    dns["hooks.newsroom.test"] = [PUBLIC, "127.0.0.1"]
    r = await _job(client, auth, f"http://hooks.newsroom.test:{receiver.port}/hook")
    assert r.status_code == 202, r.text
    job, log = await _webhook_settled(client, auth, r.json()["id"])
    assert job["webhook"] == "failed" and receiver.requests == []
    assert len(log) == 1 and log[0]["status_code"] is None  # refused: no further attempts
    assert log[0]["error"].startswith("destination_forbidden")
    assert "127.0.0.1" in log[0]["error"]


async def test_allow_listed_name_is_delivered_to_the_address_checked(
    client: httpx.AsyncClient,
    app: FastAPI,
    auth: dict[str, str],
    dns: dict[str, list[str]],
    receiver: Receiver,
) -> None:
    app.state.summariser.settings.webhook_allow_hosts = ["cms.newsroom.internal"]
    dns["cms.newsroom.internal"] = ["127.0.0.1"]
    r = await _job(client, auth, f"http://cms.newsroom.internal:{receiver.port}/hook")
    assert r.status_code == 202, r.text
    job, log = await _webhook_settled(client, auth, r.json()["id"])
    assert job["webhook"] == "delivered" and [d["ok"] for d in log] == [True]
    assert receiver.requests[0]["host"] == f"cms.newsroom.internal:{receiver.port}"
    assert "authorization" not in receiver.requests[0]


async def test_allow_listed_network(
    client: httpx.AsyncClient,
    app: FastAPI,
    auth: dict[str, str],
    dns: dict[str, list[str]],
    receiver: Receiver,
) -> None:
    app.state.summariser.settings.webhook_allow_hosts = ["127.0.0.0/8"]
    dns["loopback.newsroom.test"] = ["127.0.0.1"]
    for url in (receiver.url, f"http://loopback.newsroom.test:{receiver.port}/hook"):
        r = await _job(client, auth, url)
        assert r.status_code == 202, r.text
        job, _ = await _webhook_settled(client, auth, r.json()["id"])
        assert job["webhook"] == "delivered"
    assert len(receiver.requests) == 2


async def test_redirects_are_not_followed(
    client: httpx.AsyncClient, app: FastAPI, auth: dict[str, str], receiver: Receiver
) -> None:
    def redirect(h: BaseHTTPRequestHandler) -> None:
        h.send_response(307)
        h.send_header("Location", receiver.url)
        h.send_header("Content-Length", "0")
        h.end_headers()

    bouncer = Receiver(redirect)
    try:
        settings = app.state.summariser.settings
        settings.webhook_allow_hosts, settings.webhook_max_attempts = ["127.0.0.1"], 2
        r = await _job(client, auth, bouncer.url)
        job, log = await _webhook_settled(client, auth, r.json()["id"])
    finally:
        bouncer.close()
    assert job["webhook"] == "failed" and receiver.requests == []
    assert [(d["status_code"], d["error"]) for d in log] == [(307, "HTTP 307")] * 2


async def test_answer_body_is_never_read(
    client: httpx.AsyncClient, app: FastAPI, auth: dict[str, str]
) -> None:
    size = 256 * 1024 * 1024
    chunk = b"x" * 65536

    def flood(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", str(size))
        h.end_headers()
        try:
            for _ in range(size // len(chunk)):
                h.wfile.write(chunk)
                flooder.sent += len(chunk)
        except OSError:  # the sender hung up after the status line
            pass

    flooder = Receiver(flood)
    try:
        app.state.summariser.settings.webhook_allow_hosts = ["127.0.0.1"]
        r = await _job(client, auth, flooder.url)
        job, log = await _webhook_settled(client, auth, r.json()["id"])
    finally:
        flooder.close()
    assert job["webhook"] == "delivered" and log[0]["status_code"] == 200
    assert flooder.sent < size


async def test_network_failures_look_alike_in_the_log(
    client: httpx.AsyncClient, app: FastAPI, auth: dict[str, str]
) -> None:
    settings = app.state.summariser.settings
    settings.webhook_allow_hosts, settings.webhook_max_attempts = ["127.0.0.1"], 1
    settings.webhook_timeout_s = 0.5
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()  # nothing listens there
    garbage = socket.create_server(("127.0.0.1", 0))  # open, but speaks no HTTP
    silent = socket.create_server(("127.0.0.1", 0))  # open, accepts, never answers
    stop = threading.Event()

    def babble() -> None:
        garbage.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = garbage.accept()
            except OSError:
                continue
            conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")
            conn.close()

    threading.Thread(target=babble, daemon=True).start()
    try:
        errors = []
        for port in (closed_port, garbage.getsockname()[1], silent.getsockname()[1]):
            r = await _job(client, auth, f"http://127.0.0.1:{port}/hook")
            _, log = await _webhook_settled(client, auth, r.json()["id"])
            errors.append([(d["status_code"], d["error"]) for d in log])
    finally:
        stop.set()
        garbage.close()
        silent.close()
    assert errors == [[(None, "no_response")]] * 3
