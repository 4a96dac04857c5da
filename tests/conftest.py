"""Shared fixtures and the two guards that keep the suite off the network.

1. No real model requests unless a test is marked ``live`` (like pydantic-ai's
   ``ALLOW_MODEL_REQUESTS = False``): every other test runs with ``SUMMARISER_LLM_BASE_URL`` pointing
   at a loopback port where nothing listens, and the embedded llama.cpp server refuses to start.
2. ``openai_mock``: respx at the HTTP layer in ``assert_all_mocked`` mode. A request that matches
   no route is answered by nothing (it never reaches a socket) *and* fails the test at teardown —
   the openai SDK turns respx's assertion into an ``APIConnectionError``, which our code would
   otherwise map to a perfectly plausible ``ProviderUnavailableError``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openai_fakes import MOCK_LLM_URL, GuardedRouter

GOLD = Path(__file__).parents[1] / ".." / "shared" / "evals" / "gold"
SEED = "us-taiwan-epp-dialogue-2026"

# Port 9 (discard) on loopback: nothing listens, so a stray request fails fast and stays local.
BLOCKED_LLM_URL = "http://127.0.0.1:9/v1"


# --- guard 1: no real model requests outside @pytest.mark.live ---------------------------------


def _refuse_local_server(*_: object, **__: object) -> str:
    raise RuntimeError(
        "The embedded model is blocked in tests not marked @pytest.mark.live "
        "(tests/conftest.py: _no_model_requests)."
    )


@pytest.fixture(autouse=True)
def _no_model_requests(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("live"):
        return
    monkeypatch.setenv("SUMMARISER_LLM_BASE_URL", BLOCKED_LLM_URL)
    for name in ("SUMMARISER_LLM_API_KEY", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("service.llm.local.ensure_local_server", _refuse_local_server)


# --- guard 2: respx, every request mocked or the test fails -------------------------------------


@pytest.fixture
def openai_mock() -> Iterator[GuardedRouter]:
    router = GuardedRouter(base_url=MOCK_LLM_URL)
    with router:
        yield router
    router.check()


# --- shared data --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def gold_dir() -> Path:
    if not GOLD.is_dir():
        pytest.skip(
            f"shared gold cases not found at {GOLD.resolve()} (expected ../shared/evals/gold)"
        )
    return GOLD


@pytest.fixture(scope="session")
def seed_text(gold_dir: Path) -> str:
    return (gold_dir / f"{SEED}.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seed_gold(gold_dir: Path) -> dict[str, Any]:
    return json.loads((gold_dir / f"{SEED}.gold.json").read_text(encoding="utf-8"))
