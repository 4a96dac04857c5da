"""`summarise serve`, `summarise keys create|list|revoke` and `summarise db upgrade`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from service.config import get_settings
from service.store import Database
from service.store import db as store_db
from service.store.keys import create_key, list_keys, revoke_key
from service.store.records import usage_totals

keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)


def serve(
    host: Annotated[str | None, typer.Option(help="Interface (default SUMMARISER_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default SUMMARISER_PORT).")] = None,
) -> None:
    """Run the REST service (uvicorn); migrates the database first."""
    import uvicorn

    from service.api import create_app
    from service.api.protocol import http_protocol

    settings = get_settings()
    app = create_app(settings)
    uvicorn.run(
        app,
        http=http_protocol(),  # unparseable requests get problem details too
        host=host or settings.host,
        port=port if port is not None else settings.port,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        timeout_graceful_shutdown=10,
    )


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option("--name", help="Who uses the key, e.g. the CMS name.")],
    rate_limit: Annotated[
        int | None, typer.Option(min=1, help="Requests/minute (override).")
    ] = None,
    token_budget: Annotated[
        int | None, typer.Option(min=1, help="Tokens per UTC day (override).")
    ] = None,
) -> None:
    """Create an API key. The key is printed once, as the last line."""
    key, token = create_key(
        Database(get_settings().database_url),
        name,
        rate_limit_per_minute=rate_limit,
        token_budget_per_day=token_budget,
    )
    typer.echo(f"id: {key.id}")
    typer.echo(f"name: {key.name}")
    typer.echo(f"webhook secret: {key.webhook_secret}")
    typer.echo("Store the key now; it cannot be shown again. Key:")
    typer.echo(token)


@keys_app.command("list")
def keys_list() -> None:
    """List keys with their status and token usage (keys themselves are never shown)."""
    db = Database(get_settings().database_url)
    table = Table("id", "name", "prefix", "created", "revoked", "requests", "tokens")
    for key in list_keys(db):
        used = usage_totals(db, key.id)
        table.add_row(
            key.id,
            key.name,
            key.key_prefix + "…",
            f"{key.created_at:%Y-%m-%d %H:%M}",
            f"{key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "-",
            str(used.requests),
            str(used.tokens_in + used.tokens_out),
        )
    Console(width=140).print(table)


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[
        str, typer.Argument(help="The key's id, or its prefix as `keys list` shows.")
    ],
) -> None:
    """Revoke a key; requests with it get 401 from then on."""
    key = revoke_key(Database(get_settings().database_url), key_id)
    if key is None:
        typer.echo(f"No key {key_id!r}.", err=True)
        raise typer.Exit(1)
    typer.echo(f"revoked: {key.id} ({key.name})")


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Option(help="Target revision.")] = "head",
) -> None:
    """Apply the database migrations (the service also does this on first use)."""
    db = Database(get_settings().database_url, migrate=False)
    store_db.upgrade(db.engine, revision)
    typer.echo(f"database at revision {store_db.current_revision(db.engine)}")


def register(app: typer.Typer) -> None:
    """Add the service commands to the `summarise` CLI."""
    app.command("serve")(serve)
    app.add_typer(keys_app, name="keys")
    app.add_typer(db_app, name="db")
