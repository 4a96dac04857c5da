"""`summarise`: the command-line entry point (run, eval, serve, keys, db)."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="summarise",
    help="Grounded structured summaries of news articles.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def main() -> None:
    """Grounded structured summaries of news articles (offline by default)."""

from service import cli_run  # noqa: E402

cli_run.register(app)

try:  # the service commands and the eval harness register themselves
    from service import cli_server  # noqa: E402

    cli_server.register(app)
except ImportError:  # pragma: no cover - only while the module is being written
    pass
try:
    from evals import cli as eval_cli  # noqa: E402

    eval_cli.register(app)
except ImportError:  # pragma: no cover
    pass
