"""A fake OpenAI-compatible chat-completions server for CI-speed benchmarks, run as its own process.

It answers any ``response_format={"type": "json_schema"}`` request with a valid instance generated
from the request's own schema, so it never depends on the pipeline's current prompts or schemas.
``fill="rich"`` puts one item in each array and fills strings with verbatim text from the last user
message (so grounding and merging have work to do); ``fill="minimal"`` answers the smallest valid
instance. Usage is reported as the cl100k token counts of the prompt and of the reply, so token
figures measure what each approach actually sends. Latency is ``latency_ms`` plus
``ms_per_1k_prompt`` per thousand prompt tokens (0 by default: a zero-latency model).

    python -m evals.bench.fake_llm --port 0 --latency-ms 0   # prints "READY http://127.0.0.1:PORT/v1"
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import httpx

Fill = Literal["rich", "minimal"]
_SENTENCE = re.compile(r"[^.!?\n]{12,}[.!?]?")


@dataclass
class _Snippets:
    """Verbatim pieces of the prompt, handed out in turn to string fields."""

    pieces: list[str]
    index: int = 0

    def take(self, max_len: int | None, min_len: int) -> str:
        if not self.pieces:
            return "x" * min_len
        text = self.pieces[self.index % len(self.pieces)].strip()
        self.index += 1
        if max_len is not None and len(text) > max_len:
            cut = text[:max_len]
            text = cut.rsplit(" ", 1)[0] if " " in cut[min_len:] else cut
        return text if len(text) >= min_len else text.ljust(min_len, ".")


def snippets_from(messages: list[dict[str, Any]]) -> _Snippets:
    """Sentences of the last user message (the article normally sits there)."""
    user = [m for m in messages if m.get("role") == "user"]
    content = user[-1].get("content", "") if user else ""
    if isinstance(content, list):  # content parts
        content = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return _Snippets([m.group(0) for m in _SENTENCE.finditer(str(content))][:64])


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"unsupported $ref {ref}")
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def instance(
    schema: dict[str, Any],
    fill: Fill = "rich",
    snippets: _Snippets | None = None,
    root: dict[str, Any] | None = None,
    depth: int = 0,
) -> Any:
    """A value valid against ``schema`` (the JSON-Schema subset structured-output APIs use)."""
    root = root if root is not None else schema
    snippets = snippets if snippets is not None else _Snippets([])
    node = _resolve(schema, root)
    if "const" in node:
        return node["const"]
    if "enum" in node:
        return node["enum"][0]
    for key in ("anyOf", "oneOf"):
        if key in node:
            options = [_resolve(o, root) for o in node[key]]
            non_null = [o for o in options if o.get("type") != "null"]
            nullable = len(non_null) < len(options)
            pick = (
                {"type": "null"}
                if nullable and (fill == "minimal" or depth > 6)
                else (non_null or options)[0]
            )
            return instance(pick, fill, snippets, root, depth + 1)
    if "allOf" in node:
        merged: dict[str, Any] = {}
        for part in node["allOf"]:
            merged.update(_resolve(part, root))
        return instance(merged, fill, snippets, root, depth + 1)
    kind = node.get("type")
    if isinstance(kind, list):
        kind = (
            "null"
            if fill == "minimal" and "null" in kind
            else next((k for k in kind if k != "null"), "null")
        )
    if kind is None:
        kind = "object" if "properties" in node else "string"
    if kind == "object":
        props: dict[str, Any] = node.get("properties", {})
        required = set(node.get("required", []))
        keys = [k for k in props if fill == "rich" or k in required]
        return {k: instance(props[k], fill, snippets, root, depth + 1) for k in keys}
    if kind == "array":
        low = int(node.get("minItems", 0))
        high = node.get("maxItems")
        count = max(low, 1 if fill == "rich" and depth < 6 else 0)
        if high is not None:
            count = min(count, int(high))
        items = node.get("items", {})
        return [instance(items, fill, snippets, root, depth + 1) for _ in range(count)]
    if kind == "string":
        low = int(node.get("minLength", 0))
        high = node.get("maxLength")
        if fill == "minimal":
            return "x" * low
        return snippets.take(int(high) if high is not None else 200, low)
    if kind == "integer":
        if "minimum" in node:
            return int(node["minimum"])
        if "exclusiveMinimum" in node:
            return int(node["exclusiveMinimum"]) + 1
        return 1 if fill == "rich" else 0
    if kind == "number":
        return float(node.get("minimum", 0))
    if kind == "boolean":
        return False
    return None


def reply_for(body: dict[str, Any], fill: Fill) -> str:
    """The assistant content answering one chat-completions request body."""
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        schema = fmt.get("json_schema", {}).get("schema", {})
        return json.dumps(instance(schema, fill, snippets_from(body.get("messages", []))))
    if fmt.get("type") == "json_object":
        return "{}"
    return "OK"


@dataclass
class FakeState:
    fill: Fill = "rich"
    latency_ms: float = 0.0
    ms_per_1k_prompt: float = 0.0
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0


def create_app(state: FakeState) -> Any:
    """The Starlette app of the fake model (OpenAI paths under ``/v1``)."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from service.tokens import count_tokens

    async def completions(request: Request) -> JSONResponse:
        body = await request.json()
        content = reply_for(body, state.fill)
        prompt = sum(count_tokens(str(m.get("content", ""))) + 4 for m in body.get("messages", []))
        completion = count_tokens(content)
        state.requests += 1
        state.prompt_tokens += prompt
        state.completion_tokens += completion
        delay = state.latency_ms + state.ms_per_1k_prompt * prompt / 1000
        if delay > 0:
            await asyncio.sleep(delay / 1000)
        return JSONResponse(
            {
                "id": f"chatcmpl-fake-{state.requests}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", "fake"),
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {"role": "assistant", "content": content},
                    }
                ],
                "usage": {
                    "prompt_tokens": prompt,
                    "completion_tokens": completion,
                    "total_tokens": prompt + completion,
                },
            }
        )

    async def models(_: Request) -> JSONResponse:
        return JSONResponse({"object": "list", "data": [{"id": "fake", "object": "model"}]})

    async def health(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def stats(_: Request) -> JSONResponse:
        return JSONResponse(
            {
                "requests": state.requests,
                "prompt_tokens": state.prompt_tokens,
                "completion_tokens": state.completion_tokens,
            }
        )

    async def configure(request: Request) -> JSONResponse:
        update = await request.json()
        for key in ("fill", "latency_ms", "ms_per_1k_prompt"):
            if key in update:
                setattr(state, key, update[key])
        return await stats(request)

    return Starlette(
        routes=[
            Route("/v1/chat/completions", completions, methods=["POST"]),
            Route("/v1/models", models),
            Route("/health", health),
            Route("/_stats", stats),
            Route("/_configure", configure, methods=["POST"]),
        ]
    )


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--fill", choices=["rich", "minimal"], default="rich")
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--ms-per-1k-prompt", type=float, default=0.0)
    args = parser.parse_args(argv)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    port = sock.getsockname()[1]
    state = FakeState(args.fill, args.latency_ms, args.ms_per_1k_prompt)
    config = uvicorn.Config(
        create_app(state), log_level="warning", access_log=False, lifespan="off"
    )
    server = uvicorn.Server(config)
    print(f"READY http://127.0.0.1:{port}/v1", flush=True)
    server.run(sockets=[sock])


class FakeLLMProcess:
    """The fake model in a child process on a loopback port; stopped on exit."""

    def __init__(self, fill: Fill = "rich", latency_ms: float = 0.0) -> None:
        self.fill, self.latency_ms = fill, latency_ms
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""

    def start(self) -> FakeLLMProcess:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "evals.bench.fake_llm",
                "--fill",
                self.fill,
                "--latency-ms",
                str(self.latency_ms),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if not line.startswith("READY "):
            self.stop()
            raise RuntimeError(f"fake LLM did not start: {line!r}")
        self.url = line.split(" ", 1)[1]
        root = self.url.removesuffix("/v1")
        for _ in range(200):
            try:
                if httpx.get(root + "/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("fake LLM never became healthy")

    def stats(self) -> dict[str, int]:
        data: dict[str, int] = httpx.get(self.url.removesuffix("/v1") + "/_stats").json()
        return data

    def configure(self, **update: Any) -> None:
        httpx.post(self.url.removesuffix("/v1") + "/_configure", json=update).raise_for_status()

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


@contextmanager
def fake_llm(fill: Fill = "rich", latency_ms: float = 0.0) -> Iterator[FakeLLMProcess]:
    fake = FakeLLMProcess(fill, latency_ms).start()
    try:
        yield fake
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
