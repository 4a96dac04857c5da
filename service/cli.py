"""`summarise`: the command-line entry point (run, schema, serve, keys, db, worker, batch, gold).

More commands are plugged in through the ``summarise.commands`` entry-point group: each entry
names a ``register(app)`` function. The eval harness registers ``summarise eval`` that way, so the
service never imports ``evals`` (an install without the harness simply has no ``eval`` command).
"""

from __future__ import annotations

from importlib.metadata import entry_points

import typer

from service import cli_batch, cli_gold, cli_run, cli_server, cli_worker

PLUGIN_GROUP = "summarise.commands"

app = typer.Typer(
    name="summarise",
    help="Grounded structured summaries of news articles.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def main() -> None:
    """Grounded structured summaries of news articles (offline by default)."""


def register_plugins(target: typer.Typer) -> None:
    """Add the commands of every installed ``summarise.commands`` entry point."""
    for entry in entry_points(group=PLUGIN_GROUP):
        try:
            register = entry.load()
        except ImportError:  # the plugin's package is not installed (e.g. no eval extra)
            continue
        register(target)


cli_run.register(app)
cli_server.register(app)
cli_worker.register(app)
cli_batch.register(app)
cli_gold.register(app)
register_plugins(app)
