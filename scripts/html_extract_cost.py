"""Time and memory of extracting the article from a large raw news page (issue 9, item 6).

Builds pages the way real ones are heavy — inline scripts and JSON state, styles, navigation,
related-story lists around a ~4,200-word article — of 1, 2 and 5 MB by default, and runs the
service's own intake on each (``load_article``: size and text checks, trafilatura extraction,
boilerplate and injection spans), as ``POST /v1/summaries`` and ``/v1/jobs`` do at submission.

Prints one line per size (smallest first): wall time (best of ``--repeat``), the growth of this
process's peak RSS over the warmed-up baseline (the page string included), and what was extracted.
Bounded: a few runs, no network.

    .venv/bin/python scripts/html_extract_cost.py              # 1, 2, 5 MB
    .venv/bin/python scripts/html_extract_cost.py --mb 5 --repeat 5
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import time

from service.clean import load_article
from service.config import Settings
from service.schema import ArticleInput

WORDS = (
    "minister agreement fisheries patrol ocean governance council vote budget coalition talks "
    "delegation summit treaty ratify parliament committee trade tariff export energy grid port "
    "harbour court ruling appeal inquiry report statement spokesperson"
).split()


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(12, 24))]
    return " ".join(words).capitalize() + "."


def article_html(rng: random.Random, words: int = 4_200) -> str:
    paragraphs, count = [], 0
    while count < words:
        p = " ".join(_sentence(rng) for _ in range(rng.randint(2, 4)))
        count += len(p.split())
        paragraphs.append(f"<p>{p}</p>")
    return "".join(paragraphs)


def chrome(rng: random.Random, size: int) -> str:
    """About ``size`` characters of page weight: scripts, JSON state, styles, menus, teasers."""
    parts: list[str] = []
    total = 0
    while total < size:
        kind = rng.randrange(4)
        if kind == 0:
            state = {
                f"k{i}": {"id": i, "title": _sentence(rng), "tags": WORDS[:8]} for i in range(40)
            }
            part = f"<script>window.__STATE__ = {json.dumps(state)};</script>"
        elif kind == 1:
            rules = "".join(f".c{i}{{margin:{i}px;color:#{i % 999:03d}}}" for i in range(200))
            part = f"<style>{rules}</style>"
        elif kind == 2:
            links = "".join(f'<li><a href="/s/{i}">{_sentence(rng)}</a></li>' for i in range(30))
            part = f"<nav><ul>{links}</ul></nav>"
        else:
            teasers = "".join(
                f'<div class="teaser"><h3>{_sentence(rng)}</h3><span>{i} min</span></div>'
                for i in range(20)
            )
            part = f"<aside>{teasers}</aside>"
        parts.append(part)
        total += len(part)
    return "".join(parts)


def page(size_bytes: int, seed: int = 9) -> str:
    rng = random.Random(seed)
    body = article_html(rng)
    head_weight = chrome(rng, (size_bytes - len(body)) // 2)
    tail_weight = chrome(rng, size_bytes - len(body) - len(head_weight))
    return (
        f"<!doctype html><html><head><title>Fisheries pact signed</title>{head_weight}</head>"
        f"<body><header>Site</header><article><h1>Fisheries pact signed</h1>{body}</article>"
        f"{tail_weight}<footer>All rights reserved</footer></body></html>"
    )


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, nargs="+", default=[1, 2, 5])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    load_article(ArticleInput(html=page(50_000)), settings.max_input_chars)  # warm up imports
    baseline = _max_rss_mb()
    print(
        f"limits: body {settings.max_body_bytes:,} B, article {settings.max_input_chars:,} chars; "
        f"warmed-up process {baseline:.0f} MB peak RSS"
    )
    for mb in sorted(args.mb):
        html = page(int(mb * 1_000_000 * 0.98))  # chrome overshoots its target a little
        body = len(json.dumps({"html": html}).encode())
        best = float("inf")
        for _ in range(args.repeat):
            start = time.perf_counter()
            doc = load_article(
                ArticleInput(html=html),
                settings.max_input_chars,
                max_html_chars=settings.max_body_bytes,
            )
            best = min(best, time.perf_counter() - start)
        print(
            f"{len(html.encode()) / 1e6:5.2f} MB page ({body / 1e6:.2f} MB as JSON): "
            f"{best:5.2f} s, peak RSS +{_max_rss_mb() - baseline:5.1f} MB; "
            f"extracted {len(doc.source_text):,} chars ({len(doc.source_text.split()):,} words)"
        )


if __name__ == "__main__":
    main()
