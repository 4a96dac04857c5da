"""Markdown rendering of a structured summary (for `summarise run --format markdown`)."""

from __future__ import annotations

from service.schema import Evidence, StructuredSummary


def _cite(evidence: list[Evidence]) -> str:
    return " ".join(f"[{e.start}–{e.end}]" for e in evidence)


def to_markdown(result: StructuredSummary) -> str:
    lines = ["# Summary", "", result.summary or "_(no summary)_", ""]
    if result.event:
        bits = [x for x in (result.event.name, result.event.date, result.event.place) if x]
        lines += ["**Event:** " + " — ".join(bits), ""]
    lines += ["## Participants", ""]
    for p in result.participants:
        name = p.name or "(name not given)"
        lines.append(f"- **{name}** — {p.role or ''}, {p.affiliation or ''} {_cite(p.evidence)}")
    lines += ["", "## Agreements", ""]
    for a in result.agreements:
        what = f"{a.kind or 'agreement'}, *{a.status}*; {', '.join(a.parties)}"
        lines.append(f"- **{a.title}** ({what}) {_cite(a.evidence)}")
    lines += ["", "## Topics", "", ", ".join(result.topics), "", "## Geopolitical notes", ""]
    lines += [f"- {n.note} {_cite(n.evidence)}" for n in result.geopolitical_notes]
    m = result.meta
    lines += [
        "",
        f"_{m.model}; {m.chunks} chunk(s), {m.llm_calls} LLM calls, "
        f"{m.tokens_in}+{m.tokens_out} tokens, {m.latency_ms} ms; partial={m.partial}_",
    ]
    return "\n".join(lines)
