"""Bounded load test of `summarise serve` on loopback, the LLM faked at a fixed latency.

Starts the fault server (tests/fault_server.py) as the model, answering every completion after
``--llm-latency-ms``; starts `summarise serve` on a free 127.0.0.1 port with a throwaway SQLite
database; creates an API key; then sends ``--requests`` POST /v1/summaries with ``--concurrency``
in flight. Each article is made distinct (``--repeat-share`` of them repeat an earlier one, so the
content-hash cache is hit that often). It stops by itself after the requests or ``--max-seconds``,
whichever comes first, and stops both child processes.

    .venv/bin/python scripts/load.py --requests 2000 --concurrency 8
    .venv/bin/python scripts/load.py --requests 10000 --repeat-share 0.9 --max-seconds 170
    .venv/bin/python scripts/load.py --requests 300 --profile reports/load-profile.txt

Prints one JSON object: requests sent, by status, errors (non-2xx and transport errors), sustained
requests/s, latency p50/p95/p99 (ms), the server's RSS (MiB) after warm-up and at the end, and
the server's CPU time per request (user + system, ms). Only loopback addresses are used.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fault_server import FaultServer  # noqa: E402

SUMMARISE = str(Path(sys.executable).parent / "summarise")
ARTICLE = (
    "GENEVA, 3 March - The foreign ministers of Norway and Chile signed a fisheries cooperation "
    "agreement on Tuesday, pledging joint patrols against illegal fishing.\n\n"
    "Norwegian Foreign Minister Anne Berg said the deal sets a standard for ocean governance."
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(tmp: Path, llm_url: str, log_level: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUMMARISER_")}
    env.update(
        {
            "SUMMARISER_DATABASE_URL": f"sqlite:///{tmp / 'load.db'}",
            "SUMMARISER_LLM_BASE_URL": llm_url,
            "SUMMARISER_LLM_MODEL": "fake",
            "SUMMARISER_LLM_MAX_CONCURRENCY": "4",
            "SUMMARISER_RATE_LIMIT_PER_MINUTE": "10000000",
            "SUMMARISER_LOG_LEVEL": log_level,
        }
    )
    return env


def article(i: int, repeat_share: float) -> dict[str, Any]:
    # Deterministic: request i repeats an earlier article when (i * share) crosses an integer.
    repeats = int(i * repeat_share) != int((i + 1) * repeat_share)
    n = i % 50 if repeats else i
    return {"text": f"{ARTICLE}\n\nUpdate {n}: the patrols start in spring.", "language": "en"}


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run_load(
    base: str, key: str, n: int, concurrency: int, repeat_share: float, max_seconds: float
) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    next_i = 0
    stop_at = time.monotonic() + max_seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=60, limits=limits
    ) as client:

        async def worker() -> None:
            nonlocal next_i
            while next_i < n and time.monotonic() < stop_at:
                i = next_i
                next_i += 1
                start = time.perf_counter()
                try:
                    r = await client.post("/v1/summaries", json=article(i, repeat_share))
                    label = str(r.status_code)
                except httpx.HTTPError as exc:
                    label = type(exc).__name__
                latencies.append((time.perf_counter() - start) * 1000)
                statuses[label] = statuses.get(label, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    sent = len(latencies)
    return {
        "requests": sent,
        "seconds": round(elapsed, 2),
        "requests_per_s": round(sent / elapsed, 1) if elapsed else 0.0,
        "statuses": statuses,
        "errors": sum(v for k, v in statuses.items() if not k.startswith("2")),
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "stopped_by_time_limit": sent < n,
    }


def cpu_seconds(proc: psutil.Process) -> float:
    times = proc.cpu_times()
    return float(times.user + times.system)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--llm-latency-ms", type=float, default=0.0)
    parser.add_argument("--repeat-share", type=float, default=0.0, help="share of cache hits")
    parser.add_argument("--max-seconds", type=float, default=150.0)
    parser.add_argument("--log-level", default="WARNING")
    parser.add_argument("--profile", type=Path, help="run the server under pyinstrument")
    args = parser.parse_args()
    if not 0 <= args.repeat_share < 1:
        parser.error("--repeat-share must be in [0, 1)")

    with tempfile.TemporaryDirectory() as tmp_name, FaultServer(args.llm_latency_ms) as fake:
        tmp = Path(tmp_name)
        env = server_env(tmp, fake.url, args.log_level)
        subprocess.run([SUMMARISE, "db", "upgrade"], env=env, check=True, capture_output=True)
        out = subprocess.run(
            [SUMMARISE, "keys", "create", "--name", "load"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        key = out.strip().splitlines()[-1]
        port = free_port()
        serve = [SUMMARISE, "serve", "--host", "127.0.0.1", "--port", str(port)]
        if args.profile:
            args.profile.parent.mkdir(parents=True, exist_ok=True)
            serve = [
                sys.executable, "-m", "pyinstrument", "--renderer", "text",
                "--outfile", str(args.profile), SUMMARISE, *serve[1:],
            ]  # fmt: skip
        log = (tmp / "server.log").open("wb")
        server = subprocess.Popen(serve, env=env, stdout=log, stderr=log)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("server did not start:\n" + (tmp / "server.log").read_text())
                try:
                    if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
            proc = psutil.Process(server.pid)
            warm = asyncio.run(run_load(base, key, args.warmup, 2, 0.0, 60))
            rss_before = proc.memory_info().rss
            cpu_before = cpu_seconds(proc)
            result = asyncio.run(
                run_load(
                    base, key, args.requests, args.concurrency, args.repeat_share, args.max_seconds
                )
            )
            cpu = cpu_seconds(proc) - cpu_before
            rss_after = proc.memory_info().rss
        finally:
            server.send_signal(signal.SIGINT)  # graceful: pyinstrument writes its report
            try:
                server.wait(60)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(10)
            log.close()
        llm_requests = len(fake.log())
    result.update(
        {
            "warmup_errors": warm["errors"],
            "concurrency": args.concurrency,
            "llm_latency_ms": args.llm_latency_ms,
            "repeat_share": args.repeat_share,
            "llm_requests": llm_requests,
            "rss_mib_before": round(rss_before / 2**20, 1),
            "rss_mib_after": round(rss_after / 2**20, 1),
            "server_cpu_ms_per_request": round(cpu * 1000 / max(1, result["requests"]), 1),
        }
    )
    if args.profile:
        result["profile"] = str(args.profile)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
