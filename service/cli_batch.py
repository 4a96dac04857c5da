"""`summarise batch INPUT --output results.jsonl`: backfill an archive, resumably.

In-process by default (the model opened once, ``--concurrency`` articles at a time); with
``SUMMARISER_BROKER_URL`` set, the items become jobs that `summarise worker` processes run.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from service.config import Settings, get_settings
from service.jobs.backfill import Item, item_hash, load_done, output_line, read_items

EXIT_OK, EXIT_BAD_INPUT, EXIT_SOME_FAILED, EXIT_INTERRUPTED = 0, 2, 5, 130
WINDOW = 500  # jobs in flight at once in broker mode


class RateColumn(ProgressColumn):
    """Articles per second."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:.1f}/s" if speed else "-/s", style="progress.data.speed")


class Writer:
    """Appends output lines (flushed each), advances the bar and counts the outcomes."""

    def __init__(self, handle: TextIO, progress: Progress, task: Any) -> None:
        self.handle, self.progress, self.task = handle, progress, task
        self.counts = {"succeeded": 0, "failed": 0, "partial": 0}

    def write(self, item: Item, status: str, result: Any = None, error: Any = None) -> None:
        self.handle.write(output_line(item, status, result, error) + "\n")
        self.handle.flush()
        self.counts[status] += 1
        self.progress.advance(self.task)


async def run_local(items: list[Item], settings: Settings, out: Writer, concurrency: int) -> None:
    """Summarise in this process; identical content comes from the store's content-hash cache."""
    from service.errors import SummariserError
    from service.jobs.context import build_services
    from service.jobs.limits import open_limited_llm
    from service.jobs.runner import RunContext, run_and_book

    services = build_services(settings, await open_limited_llm(settings))
    queue: asyncio.Queue[Item] = asyncio.Queue()
    for item in items:
        queue.put_nowait(item)

    async def consume() -> None:
        while not queue.empty():
            item = queue.get_nowait()
            assert item.article is not None
            try:
                outcome = await run_and_book(
                    services, item.article, RunContext(None, None, "batch")
                )
            except SummariserError as exc:
                out.write(item, "failed", error={"code": exc.code, "message": exc.message})
                continue
            status = "partial" if outcome.summary.meta.partial else "succeeded"
            out.write(item, status, result=outcome.summary.model_dump(mode="json"))

    try:
        await asyncio.gather(*(consume() for _ in range(concurrency)))
    finally:
        llm = services.llm.get()
        await services.aclose()
        await llm.aclose()


async def run_workers(items: list[Item], settings: Settings, out: Writer) -> None:
    """Queue the items as jobs for `summarise worker` processes and collect their results."""
    from service.jobs.context import build_services
    from service.jobs.queue import CeleryDispatcher
    from service.store import jobs as job_store

    services = build_services(settings)
    dispatcher = CeleryDispatcher(settings)
    pending: dict[str, Item] = {}
    todo = list(items)
    try:
        while todo or pending:
            if todo and len(pending) < WINDOW:
                chunk, todo = todo[: WINDOW - len(pending)], todo[WINDOW - len(pending) :]
                new = [
                    job_store.NewJob(item.article.model_dump(mode="json"), None, ref=item.id)
                    for item in chunk
                    if item.article is not None
                ]
                _, jobs = await asyncio.to_thread(job_store.create_batch, services.db, None, new)
                pending.update({job.id: item for job, item in zip(jobs, chunk, strict=True)})
                await dispatcher.dispatch([job.id for job in jobs])
            await asyncio.sleep(1.0)  # one database read per second, whatever the batch size
            jobs = await asyncio.to_thread(job_store.get_jobs, services.db, list(pending))
            for job in jobs:
                if job.status not in job_store.TERMINAL:
                    continue
                item = pending.pop(job.id)
                if job.status == "succeeded":
                    partial = bool(job.result and job.result.get("meta", {}).get("partial"))
                    out.write(item, "partial" if partial else "succeeded", result=job.result)
                else:
                    out.write(item, "failed", error=job.error)
    finally:
        await services.aclose()


def batch(
    source: Annotated[Path, typer.Argument(help="A .jsonl or .csv file, or a directory.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="JSONL results (appended).")],
    concurrency: Annotated[
        int, typer.Option(min=1, help="Articles at once in-process (default 1).")
    ] = 1,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Summarise many articles; rerun the same command to resume. Exit 0 all ok, 5 some failed."""
    settings = get_settings()
    err = Console(stderr=True, soft_wrap=True)
    try:
        items = list(read_items(source))
    except (OSError, ValueError) as exc:
        err.print(f"[red]error[/red] {exc}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    for item in items:
        item.hash = item_hash(item, settings)
    output.parent.mkdir(parents=True, exist_ok=True)
    done = load_done(output)
    todo = [item for item in items if item.article is None or item.hash not in done]
    skipped = len(items) - len(todo)
    mode = "workers (broker)" if settings.broker_url else f"in-process x{concurrency}"
    err.print(f"{len(items)} items, {skipped} already done; running {len(todo)} {mode}")
    progress = Progress(
        TextColumn("backfill"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=err,
        disable=quiet,
    )
    start = time.perf_counter()
    with output.open("a", encoding="utf-8") as handle, progress:
        writer = Writer(handle, progress, progress.add_task("backfill", total=len(todo)))
        for item in todo:
            if item.article is None:
                writer.write(item, "failed", error={"code": "invalid_input", "message": item.error})
        runnable = [item for item in todo if item.article is not None]
        try:
            if settings.broker_url:
                asyncio.run(run_workers(runnable, settings, writer))
            else:
                asyncio.run(run_local(runnable, settings, writer, concurrency))
        except KeyboardInterrupt:
            progress.stop()
            err.print(
                f"interrupted: {sum(writer.counts.values())} written to {output}; "
                "rerun the same command to resume"
            )
            raise typer.Exit(EXIT_INTERRUPTED) from None
    elapsed = time.perf_counter() - start
    c = writer.counts
    rate = len(runnable) / elapsed if elapsed > 0 and runnable else 0.0
    err.print(
        f"{c['succeeded']} succeeded, {c['partial']} partial, {c['failed']} failed, "
        f"{skipped} skipped in {elapsed:.1f} s ({rate:.2f} articles/s)"
    )
    sys.stdout.flush()
    if c["failed"] or c["partial"]:
        raise typer.Exit(EXIT_SOME_FAILED)


def register(app: typer.Typer) -> None:
    """Add `summarise batch` to the CLI."""
    app.command("batch")(batch)
