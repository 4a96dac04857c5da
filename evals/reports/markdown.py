"""A Markdown summary for a CI job summary or a PR comment."""

from __future__ import annotations

from typing import Any

from evals.results import CaseResult, Report


def fmt(value: Any, digits: int = 2) -> str:
    """Numbers for humans: ``n/a`` for null, fixed decimals for floats."""
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _prf(block: dict[str, Any]) -> str:
    fuzzy = block["fuzzy"]
    return (
        f"{fmt(block['precision'])} / {fmt(block['recall'])} / **{fmt(block['f1'])}** "
        f"({block['tp']} of {block['predicted']} predicted, {block['gold']} gold; "
        f"fuzzy F1 {fmt(fuzzy['f1'])}; macro F1 {fmt(block['macro']['f1'])})"
    )


def _coverage(block: dict[str, Any]) -> str:
    return f"**{fmt(block['recall'])}** ({block['covered']}/{block['gold']}; fuzzy {fmt(block['fuzzy']['recall'])})"


def aggregate_rows(agg: dict[str, Any]) -> list[tuple[str, str]]:
    """(metric, value) rows of the aggregate table."""
    summary, tokens, latency = agg["summary"], agg["tokens"], agg["latency_ms"]
    cosine = fmt(summary["embedding_cosine"])
    if summary["embedding_cosine"] is None and summary["embedding_error"]:
        cosine += f" ({summary['embedding_error']})"
    return [
        ("participants P / R / F1", _prf(agg["participants"])),
        ("agreements P / R / F1", _prf(agg["agreements"])),
        (
            "agreement status accuracy",
            f"{fmt(agg['agreements']['status_accuracy'])} of {agg['agreements']['status_checked']} matched",
        ),
        ("topics recall", _coverage(agg["topics"])),
        ("geopolitical notes recall", _coverage(agg["geopolitical_notes"])),
        ("event identified", fmt(agg["event"]["accuracy"])),
        ("hallucinations / leaks", f"**{agg['hallucinations']}**"),
        (
            "grounding rate",
            f"**{fmt(agg['grounding_rate'])}** ({agg['grounding']['grounded']}/{agg['grounding']['items']} items)",
        ),
        ("schema valid rate", f"**{fmt(agg['schema_valid_rate'])}**"),
        ("summary ROUGE-L / embedding cosine", f"{fmt(summary['rouge_l'])} / {cosine}"),
        (
            "tokens prompt + completion",
            f"{tokens['prompt']:,} + {tokens['completion']:,} = {tokens['total']:,}",
        ),
        ("LLM calls", str(agg["llm_calls"])),
        (
            "latency total / mean / max",
            " / ".join(_ms(latency[k]) for k in ("total", "mean", "max")),
        ),
        (
            "failed / partial cases",
            f"{agg['failed_cases']} / {agg['partial_cases']} of {agg['cases']}",
        ),
    ]


def _ms(value: int | None) -> str:
    return "n/a" if value is None else f"{value / 1000:.1f} s"


def case_row(c: CaseResult) -> str:
    cells = [
        f"`{c.id}`",
        c.status,
        fmt(c.participants.f1),
        fmt(c.agreements.f1),
        f"{c.topics.covered}/{c.topics.gold}",
        f"{c.geopolitical_notes.covered}/{c.geopolitical_notes.gold}",
        str(c.hallucinations.count),
        fmt(c.grounding.rate),
        fmt(c.schema_validity.valid),
        fmt(c.summary.rouge_l),
        fmt(c.summary.embedding_cosine),
        str(c.cost.llm_calls),
        f"{c.cost.total_tokens:,}",
        _ms(c.cost.latency_ms),
    ]
    return "| " + " | ".join(cells) + " |"


CASE_HEADER = (
    "| case | status | part. F1 | agr. F1 | topics | notes | leaks | grounded | valid | ROUGE-L | cosine | calls | tokens | latency |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def render_markdown(report: Report, gate_lines: list[str] | None = None) -> str:
    """The whole summary: run line, aggregate table, per-case table, leaks, failures, gate."""
    run, agg = report.run, report.aggregate
    lines = [f"## Eval report: {run.get('mode', '?')} on {agg['cases']} case(s)", ""]
    if run.get("source"):
        lines += [
            f"Source: `{run['source']}`; gold: {', '.join(f'`{g}`' for g in run.get('gold', []))}",
            "",
        ]
    lines += [
        "| metric | value |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in aggregate_rows(agg)),
        "",
    ]
    lines += ["### Per case", "", CASE_HEADER, *(case_row(c) for c in report.cases), ""]
    if agg["hallucinated"]:
        lines += ["### Leaked strings", ""]
        lines += [
            f"- `{cid}`: {', '.join(repr(s) for s in found)}"
            for cid, found in agg["hallucinated"].items()
        ]
        lines.append("")
    failed = [c for c in report.cases if c.error]
    if failed:
        lines += ["### Errors and partial results", ""]
        lines += [f"- `{c.id}` ({c.status}): {c.error[:300]}" for c in failed if c.error]
        lines.append("")
    if gate_lines is not None:
        lines += ["### Gate", "", *(gate_lines or ["passed"]), ""]
    lines.append(
        "Plain substring scores (the shared gold rules) in bold; fuzzy scores beside them."
    )
    return "\n".join(lines) + "\n"
