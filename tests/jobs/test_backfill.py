"""`summarise batch`: inputs, one line per item, failures that do not stop the batch, Ctrl-C and
resuming without redoing finished items, and the same through workers on a Redis broker."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_fakes import ARTICLE, FakeOpenAI
from broker_fakes import SUMMARISE, flush_redis, require_redis, worker_env, workers

from service.config import Settings
from service.jobs.backfill import load_done, read_items


def articles(n: int) -> list[dict[str, Any]]:
    return [{"id": f"story-{i}", "text": f"{ARTICLE['text']}\n\nMarker{i:03d}."} for i in range(n)]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def read_out(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def requested_markers(fake: FakeOpenAI) -> set[str]:
    found = set()
    for body in fake.requests:
        text = json.dumps(body["messages"])
        found.update(m for m in (f"Marker{i:03d}" for i in range(100)) if m in text)
    return found


def run_batch(
    env: dict[str, str], *args: str, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SUMMARISE, "batch", *args, "-q"], env=env, capture_output=True, text=True, timeout=timeout
    )


def test_reads_jsonl_csv_and_directories(tmp_path: Path) -> None:
    jsonl = write_jsonl(tmp_path / "a.jsonl", [*articles(2), {"id": "bad", "text": 3}])
    with jsonl.open("a") as handle:
        handle.write("not json\n")
    items = list(read_items(jsonl))
    assert [i.id for i in items] == ["story-0", "story-1", "bad", "3"]
    assert items[0].article is not None and items[2].article is None and items[3].error
    csv_file = tmp_path / "a.csv"
    csv_file.write_text(
        'id,title,text\nc1,Pact,"Ministers signed, on Tuesday."\n', encoding="utf-8"
    )
    (item,) = read_items(csv_file)
    assert item.id == "c1" and item.article is not None and item.article.title == "Pact"
    folder = tmp_path / "dir"
    (folder / "sub").mkdir(parents=True)
    (folder / "one.txt").write_text("Plain text.", encoding="utf-8")
    (folder / "sub" / "two.html").write_text("<p>Some html.</p>", encoding="utf-8")
    (folder / "skip.bin").write_bytes(b"\0")
    found = {i.id: i.article for i in read_items(folder)}
    assert set(found) == {"one.txt", "sub/two.html"}
    assert found["sub/two.html"] is not None and found["sub/two.html"].html is not None
    with pytest.raises(ValueError, match="jsonl"):
        list(read_items(tmp_path / "x.xml"))


def test_resume_keeps_only_succeeded_lines(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    rows = [
        {"id": "a", "content_hash": "h1", "status": "succeeded"},
        {"id": "b", "content_hash": "h2", "status": "failed"},
    ]
    out.write_text("".join(json.dumps(r) + "\n" for r in rows) + '{"id": "c", "sta', "utf-8")
    assert load_done(out) == {"h1"}
    assert read_out(out) == rows[:1]
    assert Settings(_env_file=None).broker_url is None  # type: ignore[call-arg]


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(delay_s=0.05) as server:
        yield server


def local_env(tmp_path: Path, llm_url: str, db: str = "jobs.db") -> dict[str, str]:
    env = worker_env(tmp_path, "unused", llm_url, SUMMARISER_LOG_LEVEL="WARNING")
    del env["SUMMARISER_BROKER_URL"]
    env["SUMMARISER_DATABASE_URL"] = f"sqlite:///{tmp_path / db}"
    return env


@pytest.mark.server
def test_a_failed_item_never_stops_the_batch(tmp_path: Path, fake: FakeOpenAI) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [*articles(2), {"id": "empty", "text": "   "}])
    done = run_batch(local_env(tmp_path, fake.url), str(source), "-o", str(tmp_path / "out.jsonl"))
    assert done.returncode == 5, done.stderr
    rows = {r["id"]: r for r in read_out(tmp_path / "out.jsonl")}
    assert rows["story-0"]["status"] == rows["story-1"]["status"] == "succeeded"
    assert rows["story-0"]["result"]["meta"]["model"] == "fake"
    assert rows["empty"]["status"] == "failed" and rows["empty"]["error"]["code"] == "empty_input"


@pytest.mark.server
def test_interrupted_batch_resumes_without_redoing_items(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", articles(12))
    out = tmp_path / "out.jsonl"
    with FakeOpenAI(delay_s=0.3) as slow:
        env = local_env(tmp_path, slow.url, "first.db")
        proc = subprocess.Popen(
            [SUMMARISE, "batch", str(source), "-o", str(out), "-q"],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            for _ in range(600):  # until a few items are written
                if out.exists() and len(out.read_text().splitlines()) >= 3:
                    break
                threading.Event().wait(0.1)
            os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C
            _, stderr = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    assert proc.returncode == 130, stderr
    assert "rerun the same command to resume" in stderr
    first = read_out(out)
    assert 3 <= len(first) < 12 and all(r["status"] == "succeeded" for r in first)
    with FakeOpenAI(delay_s=0.0) as fresh:
        # a new database: no content-hash cache to lean on, only the output file
        done = run_batch(local_env(tmp_path, fresh.url, "second.db"), str(source), "-o", str(out))
        assert done.returncode == 0, done.stderr
        asked = requested_markers(fresh)
    rows = read_out(out)
    assert sorted(r["id"] for r in rows) == sorted(f"story-{i}" for i in range(12))
    assert rows[: len(first)] == first
    finished_first = {f"Marker{int(r['id'].split('-')[1]):03d}" for r in first}
    assert asked and not (asked & finished_first)
    assert f"{len(first)} already done" in done.stderr


@pytest.mark.redis
@pytest.mark.server
def test_batch_through_workers(tmp_path: Path, fake: FakeOpenAI) -> None:
    redis_url = require_redis()
    try:
        env = worker_env(tmp_path, redis_url, fake.url, SUMMARISER_LOG_LEVEL="WARNING")
        subprocess.run([SUMMARISE, "db", "upgrade"], env=env, check=True, capture_output=True)
        source = write_jsonl(tmp_path / "in.jsonl", articles(5))
        with workers(env, "b1", "b2"):
            done = run_batch(env, str(source), "-o", str(tmp_path / "out.jsonl"))
        assert done.returncode == 0, done.stderr
        rows = read_out(tmp_path / "out.jsonl")
        assert sorted(r["id"] for r in rows) == [f"story-{i}" for i in range(5)]
        assert {r["status"] for r in rows} == {"succeeded"}
    finally:
        flush_redis()
