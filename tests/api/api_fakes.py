"""Test doubles: a fake ``LLM`` and a tiny OpenAI-compatible HTTP server, both on loopback."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from service.config import Settings
from service.llm.base import Completion, Message, T, Usage

ARTICLE = {
    "text": (
        "GENEVA, 3 March - The foreign ministers of Norway and Chile signed a fisheries "
        "cooperation "
        "agreement on Tuesday, pledging joint patrols against illegal fishing.\n\n"
        "Norwegian Foreign Minister Anne Berg said the deal sets a standard for ocean governance."
    ),
    "title": "Norway and Chile sign fisheries pact",
}


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Fast test settings on a throwaway SQLite file."""
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp_path / 'api.db'}",
        "job_poll_interval_s": 0.05,
        "sse_poll_interval_s": 0.05,
        "webhook_backoff_s": 0.01,
        "llm_base_url": None,
        "log_level": "WARNING",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class FakeLLM:
    """Answers every request with the schema's defaults; records calls; can fail or stall."""

    model_name: str = "fake-model"
    context_window: int = 8192
    fail: Exception | None = None
    fail_calls: int | None = None  # fail only the first N calls (None: every call)
    delay_s: float = 0.0
    calls: list[str] = field(default_factory=list)
    gate: asyncio.Event | None = None

    async def complete(
        self, messages: list[Message], schema: type[T], *, max_tokens: int, name: str
    ) -> Completion[T]:
        self.calls.append(name)
        if self.gate is not None:
            await self.gate.wait()
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.fail is not None and (
            self.fail_calls is None or len(self.calls) <= self.fail_calls
        ):
            raise self.fail
        return Completion(
            value=schema.model_validate({}), usage=Usage(100, 20, 1), model=self.model_name
        )

    async def aclose(self) -> None:
        return None


class FakeOpenAI:
    """OpenAI-compatible ``/v1/chat/completions`` returning ``{}`` and ``/v1/models``.

    ``{}`` is valid for every pipeline schema (all their fields have defaults).

    ``delay_s`` slows each completion, so a test can kill a server while a job runs. While
    ``gate`` is cleared, completions wait for it (``arrived`` is set when one arrives;
    ``waiting`` counts those held at the gate).
    """

    def __init__(self, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s
        self.requests: list[dict[str, Any]] = []
        self.arrivals: list[float] = []  # time.time() of each completion request
        self.gate = threading.Event()
        self.gate.set()
        self.arrived = threading.Event()
        self.waiting = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return None

            def do_GET(self) -> None:
                self._send({"object": "list", "data": [{"id": "fake", "object": "model"}]})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                owner.requests.append(body)
                owner.arrivals.append(time.time())
                owner.arrived.set()
                if not owner.gate.is_set():
                    owner.waiting += 1
                    owner.gate.wait(60)
                    owner.waiting -= 1
                threading.Event().wait(owner.delay_s)
                self._send(
                    {
                        "id": "cmpl-1",
                        "object": "chat.completion",
                        "created": 0,
                        "model": body["model"],
                        "choices": [
                            {
                                "index": 0,
                                "finish_reason": "stop",
                                "message": {"role": "assistant", "content": "{}"},
                            }
                        ],
                        "usage": {"prompt_tokens": 50, "completion_tokens": 5, "total_tokens": 55},
                    }
                )

            def _send(self, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.gate.set()
        self.server.shutdown()
        self.server.server_close()


class WebhookReceiver:
    """Records every POST it gets; answers with the queued status codes (then 200)."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.event = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return None

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = owner.statuses.pop(0) if owner.statuses else 200
                owner.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                if status == 200:
                    owner.event.set()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
