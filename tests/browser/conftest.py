"""Browser tests: Debian's headless Chromium driven by Playwright against `summarise serve` on
loopback, with the LLM faked by a local OpenAI-compatible server (tests/review_fakes.py).

Needs /usr/bin/chromium (`make browser-deps` installs it and axe-core). Outside CI a missing
browser skips these tests; in CI (``CI`` set) it fails them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from review_fakes import SeedOpenAI

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("SUMMARISER_TEST_CHROMIUM", "/usr/bin/chromium")
AXE = Path(
    os.environ.get(
        "SUMMARISER_TEST_AXE", ROOT / "build/browser-deps/node_modules/axe-core/axe.min.js"
    )
)
REPORTS = ROOT / "reports" / "review"
BIN = Path(sys.executable).parent


def _missing(what: str) -> None:
    message = f"{what} (run `make browser-deps`)"
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Service:
    base: str
    key: str
    env: dict[str, str]
    fake: SeedOpenAI

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """A `summarise` command against the server's database."""
        return subprocess.run(
            [str(BIN / "summarise"), *args], env=self.env, capture_output=True, text=True,
            timeout=300, check=False,
        )  # fmt: skip

    def api(self, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.key}"}
        return httpx.request(method, self.base + path, headers=headers, timeout=30, **kw)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """`summarise serve` in a child process, with its fake model and an API key."""
    tmp = tmp_path_factory.mktemp("review")
    with SeedOpenAI(delay_s=0.2) as fake:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SUMMARISER_")}
        env.update({
            "SUMMARISER_DATABASE_URL": f"sqlite:///{tmp / 'review.db'}",
            "SUMMARISER_LLM_BASE_URL": fake.url,
            "SUMMARISER_LLM_MODEL": "fake",
            "SUMMARISER_LLM_MAX_RETRIES": "0",
            "SUMMARISER_JOB_POLL_INTERVAL_S": "0.1",
            "SUMMARISER_SSE_POLL_INTERVAL_S": "0.1",
            "SUMMARISER_LOG_LEVEL": "WARNING",
        })  # fmt: skip
        made = subprocess.run(
            [str(BIN / "summarise"), "keys", "create", "--name", "foreign-desk"],
            env=env, capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
        key = made.stdout.strip().splitlines()[-1]
        port = _free_port()
        log = (tmp / "server.log").open("ab")
        proc = subprocess.Popen(
            [str(BIN / "summarise"), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=log, stderr=log,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while True:
                assert proc.poll() is None, (tmp / "server.log").read_text()
                try:
                    if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "server never became ready"
                time.sleep(0.1)
            yield Service(base, key, env, fake)
        finally:
            proc.terminate()
            proc.wait(20)
            log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium (no browser download: Playwright drives /usr/bin/chromium)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed")
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        _missing(f"{CHROMIUM} not found")
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.is_file():
        _missing(f"axe-core not found at {AXE}")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def shots() -> Path:
    REPORTS.mkdir(parents=True, exist_ok=True)
    return REPORTS
