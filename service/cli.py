"""`summarise`: the command-line entry point (run, schema, eval, serve, keys, db)."""

from __future__ import annotations

import typer

from evals import cli as eval_cli
from service import cli_run, cli_server

app = typer.Typer(
    name="summarise",
    help="Grounded structured summaries of news articles.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def main() -> None:
    """Grounded structured summaries of news articles (offline by default)."""


cli_run.register(app)
cli_server.register(app)
eval_cli.register(app)
