"""`summarise worker`: a Celery worker that runs queued jobs (needs SUMMARISER_BROKER_URL)."""

from __future__ import annotations

from typing import Annotated

import typer

from service.config import get_settings

EXIT_CONFIG = 4


def worker(
    concurrency: Annotated[
        int | None,
        typer.Option(min=1, help="Worker processes (default SUMMARISER_WORKER_CONCURRENCY)."),
    ] = None,
    hostname: Annotated[
        str | None, typer.Option(help="Node name, e.g. worker1@%h (default: celery@host).")
    ] = None,
    loglevel: Annotated[str, typer.Option(help="Celery's own log level.")] = "WARNING",
) -> None:
    """Run jobs from the broker; each process opens the model once and runs one job at a time."""
    from service.jobs.logs import configure_logging
    from service.jobs.queue import QUEUE
    from service.jobs.tasks import create_worker_app

    settings = get_settings()
    if not settings.broker_url:
        typer.echo(
            "summarise worker needs SUMMARISER_BROKER_URL (e.g. redis://127.0.0.1:6379/0); "
            "without a broker, `summarise serve` runs jobs in-process.",
            err=True,
        )
        raise typer.Exit(EXIT_CONFIG)
    configure_logging(settings.log_level)
    argv = [
        "worker",
        f"--concurrency={concurrency or settings.worker_concurrency}",
        "--pool=prefork",
        f"--queues={QUEUE}",
        f"--loglevel={loglevel}",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    if hostname:
        argv.append(f"--hostname={hostname}")
    create_worker_app(settings).worker_main(argv)


def register(app: typer.Typer) -> None:
    """Add `summarise worker` to the CLI."""
    app.command("worker")(worker)
