"""A self-contained HTML report: per case, gold beside predicted, evidence marked in the article.

Everything that comes from an article, a gold file or a prediction is escaped.
"""

from __future__ import annotations

from html import escape
from typing import Any

from evals.gold import Case
from evals.prediction import LooseSummary, loose_view
from evals.reports.markdown import aggregate_rows, fmt
from evals.results import CaseResult, Report
from evals.text import plain_match

CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#222;max-width:1400px}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:1em}.cols h4{margin:.4em 0}
li.hit{color:#176317}li.miss{color:#b00020;font-weight:600}li.fp{color:#a35200;font-weight:600}
li.miss::before{content:"missed: "}li.fp::before{content:"false positive: "}
.leak{background:#b00020;color:#fff;padding:0 3px}mark{background:#fff2a8}mark.bad{background:#ffc9c9}
pre.article{white-space:pre-wrap;background:#fafafa;border:1px solid #ddd;padding:1em;max-height:40em;overflow:auto}
details{border-top:1px solid #ccc;padding:.4em 0}summary{cursor:pointer;font-weight:600}
.status-error,.status-missing{color:#b00020}.status-partial{color:#a35200}
"""


def _items(gold_labels: list[str], gold_to_pred: list[int | None], predicted: list[str]) -> str:
    hit = {j for j in gold_to_pred if j is not None}
    left = "".join(
        f'<li class="{"miss" if j is None else "hit"}">{escape(label)}'
        + ("" if j is None else f" <small>= {escape(predicted[j])}</small>")
        + "</li>"
        for label, j in zip(gold_labels, gold_to_pred, strict=True)
    )
    right = "".join(
        f'<li class="{"hit" if j in hit else "fp"}">{escape(t)}</li>'
        for j, t in enumerate(predicted)
    )
    return f'<div class="cols"><div><h4>gold</h4><ul>{left}</ul></div><div><h4>predicted</h4><ul>{right}</ul></div></div>'


def _coverage(
    labels: list[str], covered: list[bool], predicted: list[str], useful: list[bool]
) -> str:
    left = "".join(
        f'<li class="{"hit" if ok else "miss"}">{escape(t)}</li>'
        for t, ok in zip(labels, covered, strict=True)
    )
    right = "".join(
        f'<li class="{"hit" if ok else "fp"}">{escape(t)}</li>'
        for t, ok in zip(predicted, useful, strict=True)
    )
    return f'<div class="cols"><div><h4>gold</h4><ul>{left}</ul></div><div><h4>predicted</h4><ul>{right}</ul></div></div>'


def _fields(case: Case, result: CaseResult, view: LooseSummary) -> str:
    g = case.gold.gold
    topic_sets = [t.match for t in g.topics]
    topics_pred = view.topics
    topic_cov = [any(plain_match(m, p) for p in topics_pred) for m in topic_sets]
    notes_pred = [n.note for n in view.geopolitical_notes]
    note_groups = [n.match_all for n in g.geopolitical_notes]
    note_cov = [
        any(all(plain_match(grp, p) for grp in gs) for p in notes_pred) for gs in note_groups
    ]
    parts = [
        f"<h3>Participants (F1 {fmt(result.participants.f1)})</h3>",
        _items(
            [p.name or p.role or p.match[0] for p in g.participants],
            result.participants.gold_to_pred,
            [p.text for p in view.participants],
        ),
        f"<h3>Agreements (F1 {fmt(result.agreements.f1)}, status {fmt(result.agreements.status_accuracy)})</h3>",
        _items(
            [f"{a.title} [{a.status}]" for a in g.agreements],
            result.agreements.gold_to_pred,
            [f"{a.title} [{a.status}]" for a in view.agreements],
        ),
        f"<h3>Topics (recall {fmt(result.topics.recall)})</h3>",
        _coverage(
            [t.label for t in g.topics],
            topic_cov,
            topics_pred,
            [any(plain_match(m, p) for m in topic_sets) for p in topics_pred],
        ),
        f"<h3>Geopolitical notes (recall {fmt(result.geopolitical_notes.recall)})</h3>",
        _coverage(
            [n.note for n in g.geopolitical_notes],
            note_cov,
            notes_pred,
            [any(all(plain_match(grp, p) for grp in gs) for gs in note_groups) for p in notes_pred],
        ),
        "<h3>Summary</h3>",
        f'<div class="cols"><div><h4>reference</h4><p>{escape(g.reference_summary)}</p></div>'
        f"<div><h4>predicted (ROUGE-L {fmt(result.summary.rouge_l)}, cosine {fmt(result.summary.embedding_cosine)})</h4>"
        f"<p>{escape(view.summary) or '<em>empty</em>'}</p></div></div>",
    ]
    return "".join(parts)


def _spans(view: LooseSummary, source: str) -> list[tuple[int, int, bool, str]]:
    labelled = [
        *((p.text, p.evidence) for p in view.participants),
        *((a.title, a.evidence) for a in view.agreements),
        *((n.note, n.evidence) for n in view.geopolitical_notes),
    ]
    out = []
    for label, evidence in labelled:
        for ev in evidence:
            if (
                ev.start is not None
                and ev.end is not None
                and 0 <= ev.start < ev.end <= len(source)
            ):
                out.append((ev.start, ev.end, source[ev.start : ev.end] == ev.quote, label))
    return sorted(out)


def marked_article(source: str, view: LooseSummary) -> str:
    """The source with evidence spans marked (yellow: quote matches, red: offsets disagree)."""
    html, pos = [], 0
    for start, end, ok, label in _spans(view, source):
        if start < pos:  # overlapping evidence: mark only the part not yet marked
            start = pos
        if start >= end:
            continue
        html.append(escape(source[pos:start]))
        html.append(
            f'<mark class="{"" if ok else "bad"}" title="{escape(label)}">{escape(source[start:end])}</mark>'
        )
        pos = end
    html.append(escape(source[pos:]))
    return f'<pre class="article">{"".join(html)}</pre>'


def _case_section(case: Case, result: CaseResult, raw: object) -> str:
    view = loose_view(raw)
    problems = result.status != "ok" or result.hallucinations.count or result.participants.f1 != 1.0
    leaks = "".join(f'<span class="leak">{escape(s)}</span> ' for s in result.hallucinations.found)
    head = (
        f'<summary>{escape(case.id)} <span class="status-{result.status}">[{result.status}]</span> '
        f"participants F1 {fmt(result.participants.f1)} · agreements F1 {fmt(result.agreements.f1)} · "
        f"leaks {result.hallucinations.count} · grounded {fmt(result.grounding.rate)}</summary>"
    )
    body = [
        f"<p><strong>Case:</strong> {escape(case.gold.kind)}. {escape(case.gold.notes)}</p>",
        f"<p><strong>Error:</strong> {escape(result.error)}</p>" if result.error else "",
        f"<p><strong>Leaked strings:</strong> {leaks}</p>" if leaks else "",
        ""
        if result.schema_validity.valid
        else f"<p><strong>Schema errors:</strong> {escape('; '.join(result.schema_validity.errors))}</p>",
        _fields(case, result, view),
        f"<h3>Article with evidence ({result.grounding.grounded}/{result.grounding.items} items grounded)</h3>",
        marked_article(view.source_text or case.article, view),
    ]
    return f"<details{' open' if problems else ''}>{head}{''.join(body)}</details>"


def render_html(report: Report, cases: dict[str, Case], raws: dict[str, Any]) -> str:
    """The full page; ``raws`` maps case id to the output JSON that was scored."""
    rows = "".join(
        f"<tr><th>{escape(k)}</th><td>{escape(v.replace('**', ''))}</td></tr>"
        for k, v in aggregate_rows(report.aggregate)
    )
    sections = "".join(_case_section(cases[r.id], r, raws.get(r.id)) for r in report.cases)
    title = f"Eval report: {report.run.get('mode', '?')}"
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{CSS}</style></head><body><h1>{escape(title)}</h1>"
        f"<p>Source: <code>{escape(str(report.run.get('source', '')))}</code></p>"
        f"<table>{rows}</table><h2>Cases</h2>{sections}</body></html>\n"
    )
