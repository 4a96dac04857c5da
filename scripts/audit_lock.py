"""pip-audit of the hashed lock against the OSV vulnerability database, skipped when offline.

    .venv/bin/python scripts/audit_lock.py                       # requirements.lock
    .venv/bin/python scripts/audit_lock.py requirements-runtime.lock
    SUMMARISER_AUDIT_REQUIRED=1 .venv/bin/python scripts/audit_lock.py   # offline is a failure

First one probe query (the ``pip`` package) goes to the OSV API (``--osv-url``, or
``SUMMARISER_AUDIT_OSV_URL``; default https://api.osv.dev/v1/query). When that cannot be reached
(no route, DNS, refused, timeout, 5xx) the audit prints ``pip-audit: SKIPPED ...`` and exits 0,
unless ``SUMMARISER_AUDIT_REQUIRED=1``. When it answers, ``pip-audit -r LOCK --disable-pip`` runs
(every pin is read from the lock: nothing is installed or resolved) and its exit status is this
script's: 1 on any known vulnerability (or any error once the database was reachable).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OSV_URL = "https://api.osv.dev/v1/query"
PROBE = {"package": {"name": "pip", "ecosystem": "PyPI"}, "version": "26.3"}


def probe(url: str, timeout_s: float) -> str | None:
    """None when the OSV API answers a query; otherwise why it could not be reached."""
    request = urllib.request.Request(
        url,
        data=json.dumps(PROBE).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as resp:
            json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as exc:
        if exc.code >= 500:
            return f"HTTP {exc.code}"
        return None  # it answered: pip-audit reports what is wrong with the query
    except (OSError, ValueError) as exc:  # URLError, timeouts, resets, a non-JSON answer
        reason = getattr(exc, "reason", exc)
        return f"{type(reason).__name__}: {reason}"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lock", nargs="?", default=str(ROOT / "requirements.lock"))
    parser.add_argument(
        "--osv-url", default=os.environ.get("SUMMARISER_AUDIT_OSV_URL", DEFAULT_OSV_URL)
    )
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args(argv)
    required = os.environ.get("SUMMARISER_AUDIT_REQUIRED", "") not in ("", "0")

    why = probe(args.osv_url, args.timeout)
    if why is not None:
        state = "FAILED" if required else "SKIPPED"
        print(
            f"pip-audit: {state} - the vulnerability database {args.osv_url} is unreachable "
            f"({why}); {Path(args.lock).name} was NOT audited"
            + ("" if required else " (set SUMMARISER_AUDIT_REQUIRED=1 to fail instead)"),
            file=sys.stderr,
        )
        return 1 if required else 0

    with tempfile.TemporaryDirectory(prefix="pip-audit-cache-") as cache:
        cmd = [
            sys.executable, "-m", "pip_audit",
            "-r", args.lock, "--disable-pip", "--require-hashes",
            "--vulnerability-service", "osv", "--osv-url", args.osv_url,
            "--timeout", str(int(args.timeout)), "--cache-dir", cache,
            "--progress-spinner", "off", "--desc", "on",
        ]  # fmt: skip
        rc = subprocess.call(cmd)
    print(
        f"pip-audit: {Path(args.lock).name}: "
        + ("no known vulnerabilities" if rc == 0 else f"FAILED (exit {rc})"),
        file=sys.stderr,
    )
    return rc


if __name__ == "__main__":
    sys.exit(main())
