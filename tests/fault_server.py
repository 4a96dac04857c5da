"""A faulty OpenAI-compatible server, run as its own process on a loopback port.

It answers ``/v1/chat/completions`` like a model (content ``{}`` by default, valid for every
pipeline schema, or a configured reply) and ``/v1/models``, and injects faults by rule. Rules are
tried in order for each completion request; the first whose ``match`` (a substring of the raw
request body) and ``model`` fit, and whose ``times`` is not used up, decides the answer:

- ``{"fault": "latency", "ms": 300}``: answer normally after a pause
- ``{"fault": "status", "status": 429, "retry_after": "1"}``: an error (429, 500, 502, 503, ...)
- ``{"fault": "reset"}``: read the request, then reset the TCP connection (RST)
- ``{"fault": "hang", "seconds": 30}``: never answer (the connection is closed after ``seconds``)
- ``{"fault": "truncated"}``: 200 with cut-off JSON as the message content
- ``{"fault": "truncated_body"}``: the HTTP body itself stops half-way (connection closed)
- ``{"fault": "schema"}``: 200 with valid JSON that violates the request's schema
- ``{"fault": "length"}``: 200 with ``finish_reason=length``
- ``{"fault": "ok", "content": "..."}``: a normal answer with this content

Control endpoints (not under ``/v1``): ``POST /_faults`` ``{"rules": [...], "latency_ms": N,
"content": "..."}`` replaces the configuration; ``GET /_log`` lists each completion request
(arrival time, model, fault applied, ``part`` of the prompt); ``GET /health``.

    python tests/fault_server.py --port 0 --latency-ms 50   # prints "READY http://127.0.0.1:PORT/v1"

``FaultServer`` starts it as a child process for tests and scripts (``scripts/load.py``).
"""

from __future__ import annotations

import argparse
import json
import re
import socket
import struct
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

_PART = re.compile(r"Part (\d+) of (\d+)")


class State:
    def __init__(self, latency_ms: float = 0.0) -> None:
        self.lock = threading.Lock()
        self.rules: list[dict[str, Any]] = []
        self.latency_ms = latency_ms
        self.content = "{}"
        self.log: list[dict[str, Any]] = []

    def configure(self, update: dict[str, Any]) -> None:
        with self.lock:
            self.rules = [dict(r) for r in update.get("rules", [])]
            self.latency_ms = float(update.get("latency_ms", self.latency_ms))
            self.content = str(update.get("content", self.content))
            if update.get("clear_log", True):
                self.log = []

    def pick(self, raw: str, model: str) -> dict[str, Any]:
        with self.lock:
            for rule in self.rules:
                if rule.get("match") and rule["match"] not in raw:
                    continue
                if rule.get("model") and rule["model"] != model:
                    continue
                times = rule.get("times")
                if times is not None:
                    if times <= 0:
                        continue
                    rule["times"] = times - 1
                return rule
        return {"fault": "ok"}


def completion(model: str, content: str, finish: str = "stop") -> dict[str, Any]:
    return {
        "id": "chatcmpl-fault",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "finish_reason": finish,
                "message": {"role": "assistant", "content": content},
            }
        ],
        "usage": {"prompt_tokens": 50, "completion_tokens": 5, "total_tokens": 55},
    }


def make_handler(state: State) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real endpoints do
        disable_nagle_algorithm = True  # headers and body go out at once (no 40 ms stalls)

        def log_message(self, *args: object) -> None:
            return None

        def do_GET(self) -> None:
            if self.path == "/health":
                self._json(200, {"status": "ok"})
            elif self.path == "/_log":
                with state.lock:
                    self._json(200, {"requests": list(state.log)})
            elif self.path.endswith("/models"):
                self._json(200, {"object": "list", "data": [{"id": "fake", "object": "model"}]})
            else:
                self._json(404, {"error": {"message": "no such path"}})

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == "/_faults":
                state.configure(json.loads(raw or b"{}"))
                self._json(200, {"ok": True})
                return
            if not self.path.endswith("/chat/completions"):
                self._json(404, {"error": {"message": "no such path"}})
                return
            body = json.loads(raw)
            text = raw.decode("utf-8", "replace")
            model = str(body.get("model", ""))
            rule = state.pick(text, model)
            fault = rule.get("fault", "ok")
            part = _PART.search(text)
            with state.lock:
                state.log.append(
                    {
                        "t": time.time(),
                        "model": model,
                        "fault": fault,
                        "part": part.group(0) if part else None,
                    }
                )
                latency = state.latency_ms
                content = str(rule.get("content", state.content))
            if fault == "latency":
                latency = float(rule.get("ms", 0))
            if latency > 0:
                time.sleep(latency / 1000)
            self._fault(fault, rule, model, content)

        def _fault(self, fault: str, rule: dict[str, Any], model: str, content: str) -> None:
            if fault == "status":
                status = int(rule.get("status", 500))
                headers = {}
                if rule.get("retry_after") is not None:
                    headers["Retry-After"] = str(rule["retry_after"])
                self._json(status, {"error": {"message": f"injected {status}"}}, headers)
            elif fault == "reset":
                self.close_connection = True
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                self.connection.close()
            elif fault == "hang":
                time.sleep(float(rule.get("seconds", 30)))
                self.close_connection = True
            elif fault == "truncated":
                self._json(200, completion(model, '{"participants": [{"name": "Ann'))
            elif fault == "truncated_body":
                data = json.dumps(completion(model, content)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
            elif fault == "schema":
                self._json(200, completion(model, json.dumps([{"not": "the schema"}])))
            elif fault == "length":
                self._json(200, completion(model, content, finish="length"))
            else:
                self._json(200, completion(model, content))

        def _json(
            self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
        ) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a hung handler never keeps the process alive
    request_queue_size = 128


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="faulty OpenAI-compatible server")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args(argv)
    server = _Server(("127.0.0.1", args.port), make_handler(State(args.latency_ms)))
    print(f"READY http://127.0.0.1:{server.server_address[1]}/v1", flush=True)
    server.serve_forever()


class FaultServer:
    """The fault server in a child process on a free loopback port; stopped on exit."""

    def __init__(self, latency_ms: float = 0.0) -> None:
        self.latency_ms = latency_ms
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""

    @property
    def root(self) -> str:
        return self.url.removesuffix("/v1")

    def start(self) -> FaultServer:
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__)), "--latency-ms", str(self.latency_ms)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if not line.startswith("READY "):
            self.stop()
            raise RuntimeError(f"fault server did not start: {line!r}")
        self.url = line.split(" ", 1)[1]
        return self

    def _control(self, method: str, path: str, payload: Any = None) -> Any:
        import httpx

        r = httpx.request(method, self.root + path, json=payload, timeout=10)
        r.raise_for_status()
        return r.json()

    def faults(self, *rules: dict[str, Any], **options: Any) -> None:
        """Replace the rules (and optionally ``latency_ms`` / ``content``); clears the log."""
        self._control("POST", "/_faults", {"rules": list(rules), **options})

    def log(self) -> list[dict[str, Any]]:
        requests: list[dict[str, Any]] = self._control("GET", "/_log")["requests"]
        return requests

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


if __name__ == "__main__":
    main()
