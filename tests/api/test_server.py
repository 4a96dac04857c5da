"""The real server process (`summarise serve`) on a loopback port, with a fake OpenAI-compatible
model server and a webhook receiver: a job through SSE and a webhook, and a crash mid-job."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_fakes import ARTICLE, FakeOpenAI, WebhookReceiver
from standardwebhooks import Webhook

from service.jobs.webhooks import verify

pytestmark = pytest.mark.server
SUMMARISE = str(Path(sys.executable).parent / "summarise")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(tmp_path: Path, llm_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUMMARISER_")}
    env.update(
        {
            "SUMMARISER_DATABASE_URL": f"sqlite:///{tmp_path / 'server.db'}",
            "SUMMARISER_LLM_BASE_URL": llm_url,
            "SUMMARISER_LLM_MODEL": "fake",
            "SUMMARISER_JOB_POLL_INTERVAL_S": "0.1",
            "SUMMARISER_SSE_POLL_INTERVAL_S": "0.1",
            "SUMMARISER_LLM_MAX_RETRIES": "0",
            "SUMMARISER_WEBHOOK_ALLOW_HOSTS": "127.0.0.1",  # the loopback webhook receiver
        }
    )
    return env


def create_key(env: dict[str, str]) -> tuple[str, str]:
    out = (
        subprocess.run(
            [SUMMARISE, "keys", "create", "--name", "cms"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
        .stdout.strip()
        .splitlines()
    )
    secret = next(line.split(": ", 1)[1] for line in out if line.startswith("webhook secret"))
    return out[-1], secret


class Server:
    """`summarise serve` in a child process."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log.open("ab")
        self.proc = subprocess.Popen(
            [SUMMARISE, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env,
            stdout=self.log,
            stderr=self.log,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, log.read_text()
            try:
                if httpx.get(self.base + "/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError("server never became ready:\n" + log.read_text())

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self.log.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(15)
        self.log.close()


@pytest.fixture
def fake_model() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def sse_until_done(client: httpx.Client, url: str) -> list[tuple[str, dict[str, Any]]]:
    events: list[tuple[str, dict[str, Any]]] = []
    name = "message"
    with client.stream("GET", url, timeout=60) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                events.append((name, json.loads(line[6:])))
                if name in ("succeeded", "failed"):
                    break
    return events


def test_job_via_sse_and_webhook(tmp_path: Path, fake_model: FakeOpenAI) -> None:
    env = server_env(tmp_path, fake_model.url)
    key, secret = create_key(env)
    server = Server(env, tmp_path / "server.log")
    try:
        with (
            WebhookReceiver() as hook,
            httpx.Client(
                base_url=server.base, headers={"Authorization": f"Bearer {key}"}
            ) as client,
        ):
            sync = client.post("/v1/summaries", json=ARTICLE, timeout=30)
            assert sync.status_code == 200 and sync.json()["meta"]["model"] == "fake"
            r = client.post("/v1/jobs", json={**ARTICLE, "title": "job", "callback_url": hook.url})
            assert r.status_code == 202
            events = sse_until_done(client, r.headers["location"] + "/events")
            assert events[0][0] == "progress" and events[-1][0] == "succeeded"
            assert events[-1][1]["result"]["meta"]["llm_calls"] >= 2
            assert hook.event.wait(30)
            headers, body = hook.received[0]
            assert verify(
                secret, headers["x-summariser-timestamp"], body, headers["x-summariser-signature"]
            )
            assert Webhook(secret).verify(body, headers)["job"]["id"] == r.json()["id"]
            assert client.get("/metrics").status_code == 200
            assert fake_model.requests and "response_format" in fake_model.requests[0]
    finally:
        server.stop()


def test_job_survives_server_crash(tmp_path: Path) -> None:
    with FakeOpenAI(delay_s=0.5) as slow:
        env = server_env(tmp_path, slow.url)
        key, _ = create_key(env)
        auth = {"Authorization": f"Bearer {key}"}
        first = Server(env, tmp_path / "server.log")
        r = httpx.post(first.base + "/v1/jobs", json=ARTICLE, headers=auth)
        assert r.status_code == 202
        job_url = r.headers["location"]
        deadline = time.monotonic() + 30
        while httpx.get(first.base + job_url, headers=auth).json()["status"] != "running":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        first.kill()  # SIGKILL mid-job: no graceful shutdown
        second = Server(env, tmp_path / "server.log")
        try:
            deadline = time.monotonic() + 60
            while (job := httpx.get(second.base + job_url, headers=auth).json())["status"] not in (
                "succeeded",
                "failed",
            ):
                assert time.monotonic() < deadline, job
                time.sleep(0.1)
            assert job["status"] == "succeeded" and job["attempts"] == 2
        finally:
            second.stop()


def test_webhook_id_and_attempt_budget_survive_a_crash(
    tmp_path: Path, fake_model: FakeOpenAI
) -> None:
    """kill -9 while a webhook is being retried, restart: the same webhook-id, and no more
    attempts in all than SUMMARISER_WEBHOOK_MAX_ATTEMPTS."""
    env = {
        **server_env(tmp_path, fake_model.url),
        "SUMMARISER_WEBHOOK_MAX_ATTEMPTS": "3",
        "SUMMARISER_WEBHOOK_BACKOFF_S": "1.0",
    }
    key, secret = create_key(env)
    auth = {"Authorization": f"Bearer {key}"}
    with WebhookReceiver(statuses=[500] * 10) as hook:
        first = Server(env, tmp_path / "server.log")
        try:
            body = {**ARTICLE, "callback_url": hook.url}
            r = httpx.post(first.base + "/v1/jobs", json=body, headers=auth, timeout=30)
            assert r.status_code == 202, r.text
            deadline = time.monotonic() + 60
            while not hook.received:
                assert time.monotonic() < deadline, "no first attempt"
                time.sleep(0.02)
        finally:
            first.kill()  # SIGKILL between attempts: no graceful shutdown
        second = Server(env, tmp_path / "server.log")
        try:
            url = f"{second.base}/v1/jobs/{r.json()['id']}"
            deadline = time.monotonic() + 60
            while (job := httpx.get(url, headers=auth).json())["webhook"] == "pending":
                assert time.monotonic() < deadline, job
                time.sleep(0.1)
            log = httpx.get(url + "/deliveries", headers=auth).json()
        finally:
            second.stop()
    assert job["webhook"] == "failed"
    assert 2 <= len(hook.received) <= 3  # an attempt cut off by the kill still counts
    assert len({h["webhook-id"] for h, _ in hook.received}) == 1
    assert {d["delivery_id"] for d in log} == {hook.received[0][0]["webhook-id"]}
    attempts = [d["attempt"] for d in log]
    assert attempts == sorted(set(attempts)) and max(attempts) <= 3
    for headers, raw in hook.received:
        assert Webhook(secret).verify(raw, headers)
