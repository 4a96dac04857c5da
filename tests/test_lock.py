"""The hashed locks match pyproject.toml, and the lock audit skips offline but fails on findings."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import check_lock  # noqa: E402

AUDIT = ROOT / "scripts" / "audit_lock.py"


def test_locks_cover_pyproject() -> None:
    assert check_lock.check(ROOT) == []


def test_lock_check_fails_when_pyproject_changes(tmp_path: Path) -> None:
    for name in ("requirements.lock", "requirements-runtime.lock"):
        shutil.copy(ROOT / name, tmp_path / name)
    text = (ROOT / "pyproject.toml").read_text()
    assert '"babel>=2.14,<3"' in text and '"limits>=3.13,<4",' in text
    text = text.replace('"babel>=2.14,<3"', '"babel>=2.99,<3"')  # the pin no longer fits
    text = text.replace('"limits>=3.13,<4",', '"limits>=3.13,<4", "left-pad-xyz==1.0",')  # new
    text = text.replace('  "rouge-score==0.1.2",\n', "")  # removed, still pinned as direct
    (tmp_path / "pyproject.toml").write_text(text)
    found = check_lock.check(tmp_path)
    assert "requirements.lock: babel==2.19.0 does not satisfy babel<3,>=2.99" in found
    assert "requirements-runtime.lock: left-pad-xyz==1.0 is not pinned" in found
    assert (
        "requirements.lock: rouge-score is pinned as a direct dependency pyproject lacks" in found
    )
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_lock.py"), str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1 and "make lock" in proc.stderr


def test_runtime_lock_pins_differing_from_full_lock_fail(tmp_path: Path) -> None:
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copy(ROOT / "requirements.lock", tmp_path / "requirements.lock")
    runtime = (ROOT / "requirements-runtime.lock").read_text()
    assert "\nfastapi==" in runtime
    (tmp_path / "requirements-runtime.lock").write_text(
        runtime.replace("\nfastapi==", "\nfastapi==0.0.1+x  # was ", 1)
    )
    assert any(
        p.startswith("requirements-runtime.lock: fastapi==0.0.1+x")
        for p in check_lock.check(tmp_path)
    )


class _FakeOSV(BaseHTTPRequestHandler):
    """OSV's /v1/query: one planted advisory for pyyaml, nothing for anything else."""

    vulnerable = "pyyaml"

    def do_POST(self) -> None:
        query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        name = query["package"]["name"]
        answer: dict[str, object] = {}
        if name == self.vulnerable:
            answer = {
                "vulns": [
                    {
                        "id": "GHSA-test-0000-0001",
                        "summary": "planted advisory",
                        "affected": [
                            {
                                "package": {"name": name, "ecosystem": "PyPI"},
                                "ranges": [
                                    {
                                        "type": "ECOSYSTEM",
                                        "events": [{"introduced": "0"}, {"fixed": "99.0"}],
                                    }
                                ],
                            }
                        ],
                    }
                ]
            }
        body = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake_osv() -> Iterator[tuple[str, type[_FakeOSV]]]:
    handler = type("Handler", (_FakeOSV,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1/query", handler
    finally:
        server.shutdown()
        server.server_close()


def _audit(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(AUDIT), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", **(env or {})},
    )


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_audit_skips_when_database_unreachable() -> None:
    url = f"http://127.0.0.1:{_closed_port()}/v1/query"
    proc = _audit("--osv-url", url, str(ROOT / "requirements-runtime.lock"))
    assert proc.returncode == 0, proc.stderr
    assert "pip-audit: SKIPPED" in proc.stderr and "NOT audited" in proc.stderr
    required = _audit("--osv-url", url, env={"SUMMARISER_AUDIT_REQUIRED": "1"})
    assert required.returncode == 1 and "pip-audit: FAILED" in required.stderr


def test_audit_fails_on_a_finding(fake_osv: tuple[str, type[_FakeOSV]]) -> None:
    url, _ = fake_osv
    proc = _audit("--osv-url", url, str(ROOT / "requirements-runtime.lock"))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "GHSA-test-0000-0001" in proc.stdout and "pyyaml" in proc.stdout


def test_audit_passes_a_clean_lock(fake_osv: tuple[str, type[_FakeOSV]]) -> None:
    url, handler = fake_osv
    handler.vulnerable = "no-such-package"
    proc = _audit("--osv-url", url, str(ROOT / "requirements-runtime.lock"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no known vulnerabilities" in proc.stderr
