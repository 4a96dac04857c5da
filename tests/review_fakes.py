"""A local fake OpenAI-compatible server answering like a model reading the seed article.

It serves ``tests/seed_replies.ScriptedModel`` (the extract@4 pointing protocol: the model answers
with sentence numbers) over real HTTP on a loopback port, so ``summarise serve`` in another
process, or an app in this one, reaches it through the real openai client.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from seed_replies import ScriptedModel


class SeedOpenAI:
    """``/v1/chat/completions`` answered by a ``ScriptedModel``; ``/v1/models`` lists one model."""

    def __init__(self, model: ScriptedModel | None = None, delay_s: float = 0.0) -> None:
        self.model = model or ScriptedModel()
        self.delay_s = delay_s
        self.requests: list[dict[str, Any]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return None

            def do_GET(self) -> None:
                self._send(200, {"object": "list", "data": [{"id": "fake", "object": "model"}]})

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                owner.requests.append(json.loads(raw))
                threading.Event().wait(owner.delay_s)
                request = httpx.Request(
                    "POST", f"http://fake{self.path}", content=raw,
                    headers={"Content-Type": "application/json"},
                )  # fmt: skip
                response = owner.model(request)
                self._send(response.status_code, json.loads(response.content))

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> SeedOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
