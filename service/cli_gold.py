"""`summarise gold export`: corrected review jobs as gold cases for `summarise eval --gold DIR`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from service.config import get_settings
from service.store import Database

gold_app = typer.Typer(help="Gold cases from editors' corrections.", no_args_is_help=True)


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@gold_app.command("export")
def gold_export(
    out: Annotated[Path, typer.Option("--out", help="Directory to write the cases into.")],
    since: Annotated[
        str | None,
        typer.Option(help="Only corrections saved on or after this date (YYYY-MM-DD, UTC)."),
    ] = None,
    key: Annotated[
        str | None, typer.Option(help="Only jobs of this API key (its id, as `keys list` shows).")
    ] = None,
) -> None:
    """Write each corrected job as `<id>.txt|.html` + `<id>.gold.json` (the shared gold format).

    The gold lists are the model's result with the job's latest corrections applied; load them
    with `summarise eval --gold DIR`.
    """
    from service.jobs.gold_export import export_gold

    db = Database(get_settings().database_url)
    try:
        cases = export_gold(db, out, since=_since(since), api_key_id=key)
    finally:
        db.dispose()
    for case in cases:
        typer.echo(f"{case.gold_path}  (job {case.job_id}, corrections v{case.version})")
    typer.echo(f"{len(cases)} case(s) written to {out}", err=True)


def register(app: typer.Typer) -> None:
    """Add `summarise gold` to the CLI."""
    app.add_typer(gold_app, name="gold")
