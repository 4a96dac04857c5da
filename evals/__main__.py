"""``python -m evals``: the same command as ``summarise eval``."""

from __future__ import annotations

import typer

from evals.cli import eval_command


def main() -> None:
    """Run ``eval_command`` as a single-command app."""
    typer.run(eval_command)


if __name__ == "__main__":
    main()
