"""The only package that knows about openai / llama.cpp. The pipeline sees the ``LLM`` protocol."""

from __future__ import annotations

import httpx

from service.config import Settings
from service.errors import ConfigError
from service.llm.base import LLM, Completion, Usage
from service.llm.resilience import Breaker, CallPolicy

__all__ = ["LLM", "Completion", "Usage", "open_llm"]

DEFAULT_REMOTE_CONTEXT = 32_768


async def open_llm(settings: Settings, http_client: httpx.AsyncClient | None = None) -> LLM:
    """Connect to the configured OpenAI-compatible endpoint, or start the embedded model.

    Args:
        settings: service settings; no ``llm_base_url`` means the embedded local model.
        http_client: an ``httpx.AsyncClient`` to send through (tests, record/replay).
    """
    if settings.llm_base_url:
        if not settings.llm_model:
            raise ConfigError(
                "SUMMARISER_LLM_BASE_URL is set but SUMMARISER_LLM_MODEL is not: name the model "
                "to use (e.g. gpt-4o-mini), or unset the URL to use the embedded local model."
            )
        base_url, model = settings.llm_base_url, settings.llm_model
        window = settings.llm_context_window or DEFAULT_REMOTE_CONTEXT
        api_key = settings.llm_api_key or "not-needed"
    else:
        from service.llm.local import LOCAL_MODEL_NAME, ensure_local_server

        base_url = await ensure_local_server(settings)
        model, window, api_key = LOCAL_MODEL_NAME, settings.local_context_window, "local"
    # Off by default: in the line layout the embedded Qwen2.5-Coder-1.5B wrote a third fewer tokens
    # but listed fewer agreements and notes (live eval on the 15 gold cases, README).
    compact = settings.llm_compact_json
    policy = CallPolicy.from_settings(settings)
    primary = _chat(settings, base_url, model, window, api_key, policy, http_client, compact)
    if not settings.llm_fallback_model:
        return primary
    from service.llm.fallback import FallbackLLM

    fallback_url = settings.llm_fallback_base_url or settings.llm_base_url
    if not fallback_url:
        raise ConfigError(
            "SUMMARISER_LLM_FALLBACK_MODEL is set but there is no endpoint for it: set "
            "SUMMARISER_LLM_FALLBACK_BASE_URL (the embedded model cannot be the fallback)."
        )
    fallback = _chat(
        settings,
        fallback_url,
        settings.llm_fallback_model,
        settings.llm_fallback_context_window or DEFAULT_REMOTE_CONTEXT,
        settings.llm_fallback_api_key or settings.llm_api_key or "not-needed",
        policy,
        None,
        False,
    )
    return FallbackLLM(primary, fallback)


def _chat(
    settings: Settings,
    base_url: str,
    model: str,
    window: int,
    api_key: str,
    policy: CallPolicy,
    http_client: httpx.AsyncClient | None,
    compact_json: bool,
) -> LLM:
    from openai import AsyncOpenAI

    from service.llm.openai_chat import OpenAIChatLLM

    client = AsyncOpenAI(
        base_url=base_url,
        api_key=api_key,
        timeout=settings.llm_timeout_s,
        max_retries=0,  # OpenAIChatLLM retries (backoff, Retry-After, deadline, breaker)
        http_client=http_client,
    )
    return OpenAIChatLLM(
        client,
        model=model,
        context_window=window,
        repair_attempts=settings.llm_repair_attempts,
        temperature=settings.llm_temperature,
        policy=policy,
        breaker=Breaker(
            f"{base_url} {model}",
            fail_max=settings.llm_breaker_fail_max,
            reset_s=settings.llm_breaker_reset_s,
        ),
        compact_json=compact_json,
    )
