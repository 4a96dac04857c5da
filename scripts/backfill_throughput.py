"""Measure `summarise batch` throughput with the LLM faked at a fixed latency (issue 8).

Generates N articles from the gold set (each made unique, so the content-hash cache never hits),
starts a fake OpenAI-compatible server process that answers every request after ``--latency``
seconds (``--fill rich``: schema-valid answers that cite the article, so grounding and merging have
work to do; ``minimal``: the smallest valid answer),
and runs the backfill in-process or through W `summarise worker` processes on a Redis broker.

    .venv/bin/python scripts/backfill_throughput.py --articles 1000 --workers 0 --concurrency 1
    .venv/bin/python scripts/backfill_throughput.py --articles 1000 --workers 2

Prints one JSON line: articles, mode, seconds, articles/s, LLM requests, and the overhead per
article beyond the fake latency of its sequential LLM calls.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "api"), str(ROOT / "tests" / "jobs")]

from broker_fakes import REDIS_URL, flush_redis, worker_env, workers  # noqa: E402

SUMMARISE = str(Path(sys.executable).parent / "summarise")


def make_articles(path: Path, n: int) -> None:
    gold = sorted((ROOT / "evals" / "gold").glob("*.txt"))
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            text = gold[i % len(gold)].read_text(encoding="utf-8")
            out.write(json.dumps({"id": f"a{i}", "text": f"{text}\n\n(Archive copy {i}.)"}) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=0, help="0: in-process")
    parser.add_argument("--concurrency", type=int, default=1, help="per worker / in-process")
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--fill", choices=["rich", "minimal"], default="rich")
    args = parser.parse_args()
    from evals.bench.fake_llm import fake_llm

    with (
        tempfile.TemporaryDirectory() as tmp,
        fake_llm(args.fill, latency_ms=args.latency * 1000) as fake,
    ):
        work = Path(tmp)
        source, output = work / "articles.jsonl", work / "results.jsonl"
        make_articles(source, args.articles)
        env = worker_env(work, REDIS_URL, fake.url, SUMMARISER_LOG_LEVEL="WARNING")
        if args.workers == 0:
            del env["SUMMARISER_BROKER_URL"]
        else:
            flush_redis()
        cmd = [SUMMARISE, "batch", str(source), "-o", str(output), "-q"]
        cmd.append(f"--concurrency={args.concurrency}")
        subprocess.run([SUMMARISE, "db", "upgrade"], env=env, check=True, capture_output=True)
        names = [f"bench{i}" for i in range(args.workers)]
        start = time.perf_counter()
        if names:
            with workers(env, *names, concurrency=args.concurrency):
                start = time.perf_counter()
                done = subprocess.run(cmd, env=env, capture_output=True, text=True)
            flush_redis()
        else:
            done = subprocess.run(cmd, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        lines = [json.loads(line) for line in output.read_text().splitlines()]
        ok = sum(1 for row in lines if row["status"] == "succeeded")
        calls = fake.stats()["requests"] / max(1, args.articles)
        parallel = max(1, args.workers) * args.concurrency
        per_article = seconds * parallel / args.articles
        print(
            json.dumps(
                {
                    "articles": args.articles,
                    "succeeded": ok,
                    "mode": f"{args.workers} workers" if args.workers else "in-process",
                    "fill": args.fill,
                    "concurrency": args.concurrency,
                    "seconds": round(seconds, 1),
                    "articles_per_s": round(args.articles / seconds, 2),
                    "llm_requests_per_article": round(calls, 2),
                    "fake_latency_per_article_s": round(calls * args.latency, 3),
                    "overhead_per_article_s": round(per_article - calls * args.latency, 3),
                    "exit": done.returncode,
                    "stderr_tail": done.stderr.strip().splitlines()[-1:] if done.stderr else [],
                }
            )
        )
    os.environ.pop("SUMMARISER_BROKER_URL", None)


if __name__ == "__main__":
    main()
