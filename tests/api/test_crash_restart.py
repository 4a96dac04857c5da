"""kill -9 of `summarise serve` (in-process worker, SQLite) while jobs run and webhooks are being
retried, twice, then a restart: every accepted job ends succeeded or failed with a reason, and
every webhook arrives at least once, with one id per job across all its attempts and restarts.

The model is the fake OpenAI-compatible server at a fixed latency (so jobs are mid-run when the
server dies); the receiver answers 500 to the first two attempts of each job's webhook, then 200.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_fakes import ARTICLE, FakeOpenAI
from test_server import Server, create_key, server_env

pytestmark = pytest.mark.server
JOBS = 6
FAIL_FIRST = 2  # attempts of each webhook the receiver refuses
KILLS = 2
DEADLINE_S = 120


def webhook_id(headers: dict[str, str]) -> str:
    """The delivery id: Standard Webhooks ``webhook-id``, or the older header."""
    return headers.get("webhook-id") or headers["x-summariser-delivery"]


class FlakyReceiver:
    """Answers 500 to the first ``FAIL_FIRST`` POSTs about each job, 200 afterwards."""

    def __init__(self) -> None:
        self.log: list[tuple[str, str, int, dict[str, Any]]] = []  # job, id, status, body
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return None

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                headers = {k.lower(): v for k, v in self.headers.items()}
                job = body["job"]["id"]
                with owner._lock:
                    seen = sum(1 for entry in owner.log if entry[0] == job)
                    status = 500 if seen < FAIL_FIRST else 200
                    owner.log.append((job, webhook_id(headers), status, body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def statuses(base: str, ids: list[str], auth: dict[str, str]) -> dict[str, dict[str, Any]]:
    return {i: httpx.get(f"{base}/v1/jobs/{i}", headers=auth, timeout=10).json() for i in ids}


def test_kill_9_during_jobs_and_webhook_retries(tmp_path: Path) -> None:
    receiver = FlakyReceiver()
    with FakeOpenAI(delay_s=0.3) as model:
        env = {
            **server_env(tmp_path, model.url),
            "SUMMARISER_JOB_CONCURRENCY": "2",
            "SUMMARISER_WEBHOOK_MAX_ATTEMPTS": "8",
            "SUMMARISER_WEBHOOK_BACKOFF_S": "0.5",
            "SUMMARISER_WEBHOOK_ALLOW_HOSTS": "127.0.0.1",  # the loopback receiver
        }
        key, _ = create_key(env)
        auth = {"Authorization": f"Bearer {key}"}
        server = Server(env, tmp_path / "server.log")
        ids: list[str] = []
        for n in range(JOBS):
            body = {**ARTICLE, "title": f"crash {n}", "callback_url": receiver.url}
            r = httpx.post(server.base + "/v1/jobs", json=body, headers=auth, timeout=30)
            assert r.status_code == 202, r.text
            ids.append(r.json()["id"])
        killed_running: list[set[str]] = []
        kill_marks: list[int] = []  # receiver.log length at each kill
        try:
            for _ in range(KILLS):
                mark = len(receiver.log)
                deadline = time.monotonic() + DEADLINE_S
                while not [e for e in receiver.log[mark:] if e[2] != 200]:
                    assert time.monotonic() < deadline, receiver.log  # a webhook being retried
                    time.sleep(0.02)
                model.gate.clear()  # hold the next model call: that job cannot finish now
                while model.waiting == 0:
                    assert time.monotonic() < deadline, "no job reached the model"
                    time.sleep(0.02)
                running = {
                    i for i, job in statuses(server.base, ids, auth).items()
                    if job["status"] == "running"
                }  # fmt: skip
                server.kill()  # SIGKILL: no graceful shutdown, no requeue, no webhook state
                model.gate.set()
                killed_running.append(running)
                kill_marks.append(len(receiver.log))
                server = Server(env, tmp_path / "server.log")
            deadline = time.monotonic() + DEADLINE_S
            while True:
                final = statuses(server.base, ids, auth)
                if all(j["status"] in ("succeeded", "failed") for j in final.values()) and all(
                    j["webhook"] != "pending" for j in final.values()
                ):
                    break
                assert time.monotonic() < deadline, final
                time.sleep(0.1)
            logs = {
                i: httpx.get(f"{server.base}/v1/jobs/{i}/deliveries", headers=auth).json()
                for i in ids
            }
        finally:
            server.stop()
            receiver.close()

    # Every accepted job ended, failed ones with a reason.
    for job in final.values():
        assert job["status"] in ("succeeded", "failed")
        if job["status"] == "failed":
            assert job["error"]["code"] and job["error"]["message"], job
    for running in killed_running:  # each kill cut off a job held mid-run: it ran again
        assert any(final[i]["attempts"] >= 2 for i in running), (running, final)

    # Every webhook delivered at least once; one id per job, the same on every attempt.
    by_job: dict[str, list[tuple[str, int, dict[str, Any]]]] = {i: [] for i in ids}
    for job_id, delivery, status, body in receiver.log:
        by_job[job_id].append((delivery, status, body))
    for job_id, attempts in by_job.items():
        assert final[job_id]["webhook"] == "delivered", (final[job_id], attempts)
        assert len({delivery for delivery, _, _ in attempts}) == 1, attempts
        assert any(status == 200 for _, status, _ in attempts)
        assert [s for _, s, _ in attempts][:FAIL_FIRST] == [500] * FAIL_FIRST
        for _, _, body in attempts:  # the webhook tells the job's final state
            assert body["job"]["status"] == final[job_id]["status"]
        numbers = [d["attempt"] for d in logs[job_id]]
        assert numbers == sorted(set(numbers)), numbers  # the attempt count survived restarts
        assert {d["delivery_id"] for d in logs[job_id]} == {attempts[0][0]}
    ids_of = {job_id: attempts[0][0] for job_id, attempts in by_job.items()}
    assert len(set(ids_of.values())) == JOBS  # distinct per job
    # Redeliveries after a restart kept their id: some webhook was refused before a kill and
    # accepted after it (one id per job, asserted above).
    spanning = {
        job_id
        for mark in kill_marks
        for job_id in ids
        if any(e[0] == job_id for e in receiver.log[:mark])
        and any(e[0] == job_id and e[2] == 200 for e in receiver.log[mark:])
    }
    assert spanning, receiver.log
    counts = Counter(status for _, _, status, _ in receiver.log)
    print(
        f"\ncrash test: {KILLS} kill -9, "
        f"{sum(1 for j in final.values() if j['attempts'] >= 2)} jobs cut off mid-run, "
        f"{len(receiver.log)} webhook attempts ({counts[500]} refused, {counts[200]} accepted), "
        f"{len(spanning)} webhooks redelivered across a restart with their id, "
        f"{Counter(j['status'] for j in final.values())}"
    )
