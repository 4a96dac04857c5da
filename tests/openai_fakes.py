"""respx helpers for the OpenAI chat-completions API: a guarded router and canned replies.

Imported by tests/conftest.py and by tests that build replies (tests/ is on sys.path in pytest's
default import mode, as tests/api/api_fakes.py relies on too).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx
from respx.models import AllMockedAssertionError

from service.config import Settings

MOCK_LLM_URL = "http://llm.test/v1"
MOCK_MODEL = "mock-model"


# --- a respx router on which an unmocked request fails the test ---------------------------------


class GuardedRouter(respx.MockRouter):
    """A respx router that remembers unmocked requests so the test can fail on them."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(assert_all_mocked=True, assert_all_called=False, **kwargs)
        self.unmocked: list[httpx.Request] = []

    def resolve(self, request: httpx.Request) -> Any:
        try:
            return super().resolve(request)
        except AllMockedAssertionError:
            self.unmocked.append(request)
            raise

    async def aresolve(self, request: httpx.Request) -> Any:
        try:
            return await super().aresolve(request)
        except AllMockedAssertionError:
            self.unmocked.append(request)
            raise

    def check(self) -> None:
        if self.unmocked:
            urls = ", ".join(f"{r.method} {r.url}" for r in self.unmocked)
            pytest.fail(f"unmocked HTTP request(s) in a network-free test: {urls}", pytrace=False)


# --- canned OpenAI chat-completion replies ------------------------------------------------------


def chat_reply(
    content: str | dict[str, Any],
    *,
    finish_reason: str = "stop",
    prompt_tokens: int = 100,
    completion_tokens: int = 20,
) -> httpx.Response:
    """A 200 chat-completion response as an OpenAI-compatible server sends it."""
    text = content if isinstance(content, str) else json.dumps(content)
    return httpx.Response(
        200,
        json={
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": MOCK_MODEL,
            "choices": [
                {
                    "index": 0,
                    "finish_reason": finish_reason,
                    "message": {"role": "assistant", "content": text},
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        },
    )


def request_body(request: httpx.Request) -> dict[str, Any]:
    return json.loads(request.content)


def mock_settings(**overrides: Any) -> Settings:
    """Settings for the respx-mocked endpoint, independent of the environment and any .env file."""
    values: dict[str, Any] = {
        "llm_base_url": MOCK_LLM_URL,
        "llm_model": MOCK_MODEL,
        "llm_max_retries": 0,
        "llm_repair_attempts": 2,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]
