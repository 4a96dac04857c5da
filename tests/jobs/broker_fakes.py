"""Real Redis/RabbitMQ for broker-mode tests, and `summarise worker` processes that are always
stopped (their whole process group) when the test ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

SUMMARISE = str(Path(sys.executable).parent / "summarise")
# A Redis database of its own: the tests flush it before and after.
REDIS_URL = os.environ.get("SUMMARISER_TEST_REDIS_URL", "redis://127.0.0.1:6379/11")
AMQP_URL = os.environ.get("SUMMARISER_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")


def require_redis() -> str:
    """The test Redis URL, flushed; skips the test when no Redis server answers."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.flushdb()
    except redis.ConnectionError as exc:
        pytest.skip(f"Redis not reachable at {REDIS_URL} ({exc}); set SUMMARISER_TEST_REDIS_URL")
    finally:
        client.close()
    return REDIS_URL


def flush_redis() -> None:
    import redis

    with redis.Redis.from_url(REDIS_URL) as client:
        client.flushdb()


def require_rabbitmq() -> str:
    """The test AMQP URL with the job queue purged; skips when no RabbitMQ server answers."""
    from kombu import Connection

    try:
        with Connection(AMQP_URL, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1)
            channel = conn.channel()
            channel.queue_delete("summariser")  # messages of earlier runs
    except Exception as exc:
        pytest.skip(f"RabbitMQ not reachable at {AMQP_URL} ({exc}); set SUMMARISER_TEST_AMQP_URL")
    return AMQP_URL


class Worker:
    """One `summarise worker` process group; ``log`` collects its stderr lines."""

    def __init__(self, name: str, env: dict[str, str], concurrency: int = 1) -> None:
        self.name = name
        self.lines: list[str] = []
        self.ready = threading.Event()
        self.proc = subprocess.Popen(
            [
                SUMMARISE,
                "worker",
                f"--concurrency={concurrency}",
                f"--hostname={name}@%h",
                "--loglevel=INFO",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group: kill -9 reaches the pool too
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)
            if " ready." in line:
                self.ready.set()

    def wait_ready(self, timeout_s: float = 60) -> None:
        if not self.ready.wait(timeout_s):
            raise AssertionError(f"worker {self.name} never became ready:\n{''.join(self.lines)}")

    def count(self, event: str) -> int:
        return sum(1 for line in self.lines if f'"event": "{event}"' in line)

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes at once, as a crash would."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        with_children_gone(self.proc.pid)


def with_children_gone(pgid: int) -> None:
    """Make sure no process of the group outlives the test."""
    with suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


@contextmanager
def workers(env: dict[str, str], *names: str, concurrency: int = 1) -> Iterator[list[Worker]]:
    started = [Worker(name, env, concurrency) for name in names]
    try:
        for worker in started:
            worker.wait_ready()
        yield started
    finally:
        for worker in started:
            worker.stop()


def worker_env(tmp_path: Path, broker: str, llm_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUMMARISER_")}
    env.update(
        {
            "SUMMARISER_DATABASE_URL": f"sqlite:///{tmp_path / 'jobs.db'}",
            "SUMMARISER_BROKER_URL": broker,
            "SUMMARISER_LLM_BASE_URL": llm_url,
            "SUMMARISER_LLM_MODEL": "fake",
            "SUMMARISER_LLM_MAX_RETRIES": "0",
            "SUMMARISER_WEBHOOK_BACKOFF_S": "0.05",
            "SUMMARISER_WEBHOOK_ALLOW_HOSTS": "127.0.0.1",  # the loopback webhook receiver
            "SUMMARISER_LOG_LEVEL": "INFO",
        }
    )
    env.update(extra)
    return env
