"""`summarise run FILE|-`: summarise one article and print JSON or Markdown."""

from __future__ import annotations

import asyncio
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from service.clean import decode_bytes, looks_like_html
from service.config import Settings
from service.errors import ConfigError, InputError, ProviderError, SummariserError
from service.render import to_markdown
from service.schema import ArticleInput, StructuredSummary

EXIT_OK, EXIT_BAD_INPUT, EXIT_LLM, EXIT_CONFIG, EXIT_PARTIAL = 0, 2, 3, 4, 5


class Format(StrEnum):
    json = "json"
    markdown = "markdown"


def _read(source: str) -> tuple[str, bool]:
    data = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    text = decode_bytes(data)
    is_html = source.lower().endswith((".html", ".htm")) or looks_like_html(text)
    return text, is_html


async def _run(article: ArticleInput, settings: Settings, quiet: bool) -> StructuredSummary:
    from service.llm import open_llm
    from service.pipeline import Progress as Step
    from service.pipeline import summarise

    console = Console(stderr=True)
    llm = await open_llm(settings)
    try:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=quiet,
            transient=True,
        ) as bar:
            task = bar.add_task("extracting", total=None)

            def show(step: Step) -> None:
                bar.update(
                    task,
                    description=step.stage,
                    completed=step.chunks_done,
                    total=step.chunks_total,
                )

            return await summarise(article, llm, settings, progress=show)
    finally:
        await llm.aclose()


def run(
    source: Annotated[str, typer.Argument(help="Article file (text or HTML), or - for stdin.")],
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.json,
    language: Annotated[str | None, typer.Option(help="ISO code, if known.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr.")] = False,
) -> None:
    """Summarise one article. Exit codes: 0 ok, 2 bad input, 3 LLM failure, 4 config, 5 partial."""
    err = Console(stderr=True)
    try:
        text, is_html = _read(source)
        article = (
            ArticleInput(html=text, language=language)
            if is_html
            else ArticleInput(text=text, language=language)
        )
        result = asyncio.run(_run(article, Settings(), quiet))
    except FileNotFoundError as exc:
        err.print(f"[red]error[/red] {escape(f'[bad_input] no such file: {exc.filename}')}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except SummariserError as exc:
        # escape: "[code]" and messages with brackets are text, not Rich markup (it drops unknown
        # tags)
        err.print(f"[red]error[/red] {escape(f'[{exc.code}] {exc.message}')}")
        code = (
            EXIT_BAD_INPUT
            if isinstance(exc, InputError)
            else EXIT_CONFIG
            if isinstance(exc, ConfigError)
            else EXIT_LLM
            if isinstance(exc, ProviderError)
            else 1
        )
        raise typer.Exit(code) from None
    sys.stdout.write(
        result.model_dump_json(indent=1) if fmt is Format.json else to_markdown(result)
    )
    sys.stdout.write("\n")
    if result.meta.partial:
        err.print(
            f"[yellow]partial result[/yellow]: {len(result.meta.failed_ranges)} part(s) failed; "
            "see meta.failed_ranges"
        )
        raise typer.Exit(EXIT_PARTIAL)


def schema() -> None:
    """Print the JSON Schema of the output (StructuredSummary)."""
    sys.stdout.write(json.dumps(StructuredSummary.model_json_schema(), indent=1) + "\n")


def register(app: typer.Typer) -> None:
    app.command("run")(run)
    app.command("schema")(schema)
