"""Eval tests: no test may reach a real model or network (replay and fakes only, unless live)."""

from __future__ import annotations

from pathlib import Path

import pytest
from eval_fakes import tiny

from evals.gold import Case


@pytest.fixture
def tiny_case(tmp_path: Path) -> Case:
    return tiny(tmp_path)


@pytest.fixture(autouse=True)
def _no_real_llm(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    """Point the settings at a dead loopback port so a stray request fails instead of starting a model."""
    if request.node.get_closest_marker("live") is None:
        monkeypatch.setenv("SUMMARISER_LLM_BASE_URL", "http://127.0.0.1:9/v1")
        monkeypatch.setenv("SUMMARISER_LLM_MODEL", "no-real-model-in-tests")
