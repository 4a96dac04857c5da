"""The only package that knows about openai / llama.cpp. The pipeline sees the ``LLM`` protocol."""

from __future__ import annotations

import httpx

from service.config import Settings
from service.errors import ConfigError
from service.llm.base import LLM, Completion, Usage

__all__ = ["LLM", "Completion", "Usage", "open_llm"]

DEFAULT_REMOTE_CONTEXT = 32_768


async def open_llm(settings: Settings, http_client: httpx.AsyncClient | None = None) -> LLM:
    """Connect to the configured OpenAI-compatible endpoint, or start the embedded model.

    Args:
        settings: service settings; no ``llm_base_url`` means the embedded local model.
        http_client: an ``httpx.AsyncClient`` to send through (tests, record/replay).
    """
    from openai import AsyncOpenAI

    from service.llm.openai_chat import OpenAIChatLLM

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
    client = AsyncOpenAI(
        base_url=base_url,
        api_key=api_key,
        timeout=settings.llm_timeout_s,
        max_retries=settings.llm_max_retries,
        http_client=http_client,
    )
    return OpenAIChatLLM(
        client,
        model=model,
        context_window=window,
        repair_attempts=settings.llm_repair_attempts,
        temperature=settings.llm_temperature,
    )
