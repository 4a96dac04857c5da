"""Open the pipeline backends: live (optionally recording) and replay from a recording."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx

from evals.backends import PipelineBackend
from evals.recording import (
    MANIFEST,
    RecordingTransport,
    ReplayTransport,
    read_manifest,
    write_manifest,
)
from service.config import Settings

RECORDING_FORMAT = 1
REPLAY_BASE_URL = "http://127.0.0.1:9/v1"
"""Never contacted (the replay transport answers); set only so no embedded model starts."""
_NOT_RECORDED = {"llm_base_url", "llm_api_key", "llm_model", "llm_timeout_s", "llm_context_window"}
_EXCHANGE_FILE = re.compile(r"^[0-9a-f]{20}-\d+\.json$")


def _inner_transport() -> httpx.AsyncBaseTransport:
    """The real network transport a recording wraps (tests substitute a fake server)."""
    return httpx.AsyncHTTPTransport()


def recorded_settings(settings: Settings) -> dict[str, Any]:
    """The settings that shape LLM requests (chunking, prompts, limits); no URLs or keys."""
    dumped = settings.model_dump(mode="json")
    return {
        k: v
        for k, v in sorted(dumped.items())
        if k not in _NOT_RECORDED
        and (k.startswith(("llm_", "chunk_")) or k.endswith("_prompt") or k == "max_input_chars")
    }


def _clear_recording(directory: Path) -> None:
    """Remove a previous recording's exchanges so stale files cannot linger."""
    if directory.is_dir():
        for file in directory.iterdir():
            if _EXCHANGE_FILE.match(file.name) or file.name == MANIFEST:
                file.unlink()


async def open_live(settings: Settings, record_dir: Path | None = None) -> PipelineBackend:
    """The configured LLM (embedded by default); with ``record_dir``, every exchange is saved."""
    from service.llm import open_llm
    from service.pipeline import summarise

    if record_dir is None:
        return PipelineBackend(await open_llm(settings), settings, summarise)
    _clear_recording(record_dir)
    transport = RecordingTransport(_inner_transport(), record_dir)
    client = httpx.AsyncClient(transport=transport, timeout=settings.llm_timeout_s)
    llm = await open_llm(settings, http_client=client)
    write_manifest(
        record_dir,
        {
            "format": RECORDING_FORMAT,
            "model": llm.model_name,
            "context_window": llm.context_window,
            # the effective output mode, so a replay rebuilds the recorded requests
            "settings": {
                **recorded_settings(settings),
                "llm_compact_json": bool(getattr(llm, "compact_json", False)),
            },
        },
    )
    return PipelineBackend(llm, settings, summarise)


def replay_settings(settings: Settings, manifest: dict[str, Any]) -> Settings:
    """Settings that rebuild the recorded requests, pointed at a dummy loopback URL."""
    update = {
        **manifest.get("settings", {}),
        "llm_base_url": REPLAY_BASE_URL,
        "llm_api_key": "replay",
        "llm_model": manifest["model"],
        "llm_context_window": manifest["context_window"],
    }
    fields = Settings.model_fields
    base = {k: v for k, v in settings.model_dump().items() if k in fields}
    return Settings(**{**base, **{k: v for k, v in update.items() if k in fields}})


async def open_replay(settings: Settings, directory: Path) -> PipelineBackend:
    """Re-run the pipeline offline from ``directory``; no model starts, no network is used."""
    from service.llm import open_llm
    from service.pipeline import summarise

    manifest = read_manifest(directory)
    transport = ReplayTransport(directory)
    replayed = replay_settings(settings, manifest)
    client = httpx.AsyncClient(transport=transport)
    llm = await open_llm(replayed, http_client=client)
    return PipelineBackend(llm, replayed, summarise, replay=transport)
