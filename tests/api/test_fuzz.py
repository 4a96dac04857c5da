"""Schemathesis over the service's own OpenAPI document, in-process (ASGI), bounded.

Every operation gets ``FUZZ_EXAMPLES`` generated requests (valid and invalid bodies, headers,
path parameters), sent with a real API key. Each response must not be a 5xx and must match the
OpenAPI document: status code declared, content type, body schema. The model is the fake ``LLM``
and the in-process job worker is off, so generated ``callback_url`` values are never contacted.

    SUMMARISER_FUZZ_EXAMPLES=200 .venv/bin/python -m pytest tests/api/test_fuzz.py   # longer run
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from api_fakes import FakeLLM, make_settings
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from schemathesis import checks

from service.api import create_app
from service.store.keys import create_key

FUZZ_EXAMPLES = int(os.environ.get("SUMMARISER_FUZZ_EXAMPLES", "25"))
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
_AUTH: dict[str, str] = {}
CASES: list[tuple[str, str, int]] = []  # (method, path, status) of every case sent


def _app() -> Any:
    # Built at import: schemathesis parametrizes from a loaded schema. A throwaway SQLite file.
    tmp = Path(tempfile.mkdtemp(prefix="summariser-fuzz-"))
    settings = make_settings(tmp, rate_limit_per_minute=1_000_000, batch_max_items=5)
    app = create_app(settings, llm=FakeLLM(), start_worker=False)
    _, token = create_key(app.state.summariser.db, "fuzz")
    _AUTH["Authorization"] = f"Bearer {token}"
    return app


schema = schemathesis.openapi.from_asgi("/openapi.json", _app())


@schema.parametrize()
@hypothesis_settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=True,  # the same cases every run: a failure reproduces
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_api_conforms_and_never_fails(case: schemathesis.Case) -> None:
    response = case.call(headers=dict(_AUTH), timeout=30)
    CASES.append((case.method, case.path, response.status_code))
    case.validate_response(response, checks=CHECKS)


def test_zz_fuzz_cases_were_sent() -> None:
    """Runs after the generated tests (file order): they sent requests and got answers."""
    if not CASES:
        pytest.skip("the fuzz tests were not selected")
    by_status: dict[int, int] = {}
    for _, _, status in CASES:
        by_status[status] = by_status.get(status, 0) + 1
    print(f"\nfuzz: {len(CASES)} cases, statuses {dict(sorted(by_status.items()))}")
    assert all(status < 500 for status in by_status)
    assert len({(m, p) for m, p, _ in CASES}) >= 10  # every operation was exercised
