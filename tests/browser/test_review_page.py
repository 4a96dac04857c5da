"""The review page end to end in headless Chromium: sign in, submit the seed article, follow the
job, mark evidence, correct and save, export gold cases the eval harness loads; an article full of
markup renders as inert text; axe-core finds no serious or critical violations."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.browser

SEED_FILE = Path(__file__).parents[2] / "evals" / "gold" / "us-taiwan-epp-dialogue-2026.txt"
SEED = SEED_FILE.read_text(encoding="utf-8")
TITLE = "Taiwan and U.S. Deepen Tech, AI, and Drone Ties"
Service = Any  # tests/browser/conftest.py: Service (base URL, key, `summarise` runner)
DESKTOP = {"width": 1280, "height": 900}
TABLET = {"width": 768, "height": 1024}

SELECT_PHRASE = """(phrase) => {
  const root = document.querySelector('#article');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(phrase);
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + phrase.length);
    const sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    root.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
    return true;
  }
  return false;
}"""


def new_page(browser: Any, service: Service, viewport: dict[str, int] = DESKTOP) -> Any:
    # bypass_csp only so the test can inject axe-core; the page itself never needs it.
    context = browser.new_context(viewport=viewport, bypass_csp=True, base_url=service.base)
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda d: errors.append(f"dialog: {d.message}") or d.dismiss())
    page.errors = errors  # type: ignore[attr-defined]
    return page


def sign_in(page: Any, service: Service) -> None:
    page.goto("/review")
    page.get_by_label("API key").fill(service.key)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in as").wait_for()


def submit(page: Any, text: str, title: str | None = None) -> str:
    page.get_by_label("Article text, or a whole HTML page").fill(text)
    if title:
        page.get_by_label("Title").fill(title)
    page.get_by_role("button", name="Summarise as a job").click()
    page.locator("#review:not([hidden])").wait_for()
    match = re.search(r"job=([0-9a-f]{32})", page.url)
    assert match, page.url
    return match[1]


def axe_check(page: Any, axe_source: str, shots: Path, name: str) -> None:
    page.evaluate(axe_source + "\n;0")
    result = page.evaluate(
        """async () => {
          const r = await axe.run(document, {resultTypes: ['violations'],
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}});
          return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
        }"""
    )
    (shots / f"axe-{name}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    bad = [v for v in result if v["impact"] in ("serious", "critical")]
    assert not bad, json.dumps(bad, indent=2)


def item(page: Any, text: str, *, exact: bool = False, field: str | None = None) -> Any:
    """The result item whose main button holds ``text``: of one field ("agreements"), or of any
    but the summary (a note may quote an agreement's title)."""
    selector = f'[data-key^="{field}:"]' if field else ":not([data-key^=summary])"
    items = page.locator(f"#results li.item{selector}")
    label = re.compile(rf"^\s*{re.escape(text)}\s*$") if exact else text
    return items.filter(has=page.locator("button.item-main", has_text=label))


def test_editor_reviews_corrects_and_exports(
    browser: Any, service: Service, axe_source: str, shots: Path, tmp_path: Path
) -> None:
    page = new_page(browser, service)
    page.goto("/review")
    axe_check(page, axe_source, shots, "sign-in")
    sign_in(page, service)
    job_id = submit(page, SEED, TITLE)
    assert "Done: 1 chunk summarised" in page.locator("#status-text").inner_text()
    assert page.locator("#progress-log li").count() >= 0  # events seen depend on timing

    # The agreement and its status badge; dropped boilerplate is marked in the article.
    pax = item(page, "Pax Silica Declaration", field="agreements")
    pax.wait_for()
    assert pax.locator(".badge.status").inner_text() == "endorsed"
    dropped = page.locator("#article .dropped-boilerplate")
    assert dropped.count() >= 1 and "LEAVE A REPLY" in dropped.first.inner_text()
    assert "Dropped spans" in page.locator("#banners").inner_text()
    assert page.locator("#article").text_content() == SEED  # the article, character for character
    page.screenshot(path=str(shots / "01-result-1280.png"), full_page=False)

    # Selecting the agreement marks its evidence and scrolls to it.
    pax.locator("button.item-main").click()
    marked = page.locator("#article mark.is-marked")
    assert marked.count() >= 1
    assert "Pax Silica Declaration" in " ".join(marked.all_inner_texts())
    assert pax.locator("button.item-main").get_attribute("aria-pressed") == "true"
    expect(marked.first).to_be_in_viewport()  # scrolled to the evidence
    page.screenshot(path=str(shots / "02-evidence-marked-1280.png"))

    # Clicking highlighted text shows the items resting on it.
    marked.first.click()
    panel = page.locator("#selection-panel")
    panel.wait_for()
    assert "Pax Silica Declaration" in panel.inner_text()
    page.get_by_role("button", name="Close").click()

    # Keyboard: arrows move between items, Enter marks the focused item's evidence; focus shows.
    first = page.locator("#results button.item-main").first
    first.focus()
    page.keyboard.press("ArrowDown")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == page.locator("#results button.item-main").nth(1).inner_text()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.locator("#results button.item-main[aria-pressed=true]").count() == 1

    # What the model said, before any correction (the pipeline may list more than the seed's two).
    before = service.api("GET", f"/v1/jobs/{job_id}").json()["result"]
    model_agreements = [(a["title"], a["status"]) for a in before["agreements"]]
    assert ("Pax Silica Declaration", "endorsed") in model_agreements
    assert ("joint statements", "endorsed") not in model_agreements

    # Correct the status, mark a participant wrong, add joint statements under the editor's title.
    pax.get_by_role("button", name="Edit").click()
    pax.get_by_label("Status").select_option("signed")
    pax.get_by_role("button", name="Apply").click()
    assert pax.locator(".badge.status").inner_text() == "signed"
    assert "endorsed → signed" in pax.locator(".was").inner_text()
    minister = item(page, "Minister responsible for economic affairs")
    minister.get_by_role("button", name="Mark wrong").click()
    assert minister.locator(".badge.wrong").is_visible()
    assert page.evaluate(SELECT_PHRASE, "officials endorsed key joint statements")
    panel.wait_for()
    panel.get_by_label("Kind of item").select_option("agreements")
    panel.get_by_label("Title").fill("joint statements")
    panel.get_by_label("Status").select_option("endorsed")
    panel.get_by_role("button", name="Add item with this evidence").click()
    added = item(page, "joint statements", exact=True)
    assert added.locator(".badge.added").is_visible()
    assert page.locator('#article mark.is-marked[data-keys~="added:0"]').count() == 1
    assert page.locator("#dirty").is_visible()
    page.get_by_label("Comment for this version").fill("status and missing statement")
    page.get_by_role("button", name="Save corrections").click()
    page.get_by_text("Version 1 saved by key “foreign-desk”").wait_for()
    page.screenshot(path=str(shots / "03-corrected-saved-1280.png"), full_page=True)
    axe_check(page, axe_source, shots, "review-1280")

    # Stored as version 1, attributed to the key; the model's output is unchanged.
    versions = service.api("GET", f"/v1/jobs/{job_id}/corrections").json()
    assert [(v["version"], v["key_name"]) for v in versions] == [(1, "foreign-desk")]
    result = service.api("GET", f"/v1/jobs/{job_id}").json()["result"]
    assert [(a["title"], a["status"]) for a in result["agreements"]] == model_agreements

    # Reopening the job (the key stays in this tab's session) shows the saved corrections.
    page.reload()
    pax = item(page, "Pax Silica Declaration", field="agreements")
    pax.wait_for()
    assert pax.locator(".badge.status").inner_text() == "signed"
    assert page.evaluate("sessionStorage.length") == 1
    assert service.key not in page.url

    # Tablet width: one column, still usable and accessible.
    page.set_viewport_size(TABLET)
    pax.locator("button.item-main").click()
    expect(page.locator("#article mark.is-marked").first).to_be_in_viewport()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= TABLET["width"], width  # no horizontal scrolling
    page.screenshot(path=str(shots / "04-tablet-768.png"))
    axe_check(page, axe_source, shots, "review-768")
    assert page.errors == []  # type: ignore[attr-defined]

    # Export the corrections as gold cases; the eval harness loads them.
    from evals.gold import load_cases

    out = tmp_path / "gold"
    done = service.run("gold", "export", "--out", str(out))
    assert done.returncode == 0, done.stderr
    cases = load_cases([out])
    assert [c.id for c in cases] == [f"taiwan-and-u-s-deepen-tech-ai-and-drone-ties-{job_id[:8]}"]
    gold = cases[0].gold.gold
    corrected = {
        ("Pax Silica Declaration", "signed") if t == "Pax Silica Declaration" else (t, st)
        for t, st in model_agreements
    }
    assert {(a.title, a.status) for a in gold.agreements} == corrected | {
        ("joint statements", "endorsed")
    }
    assert [p.role for p in gold.participants] == ["Under Secretary for Economic Affairs"]
    assert cases[0].article == SEED


def test_markup_in_an_article_renders_as_inert_text(
    browser: Any, service: Service, shots: Path
) -> None:
    hostile = (
        '<script>window.__pwned = "script"; alert(1)</script>\n\n'
        '<img src="x" onerror="window.__pwned = \'onerror\'">\n\n'
        '<a href="javascript:alert(2)" onclick="window.__pwned=\'click\'">link</a>\n\n'
    )
    page = new_page(browser, service)
    sign_in(page, service)
    submit(page, hostile + SEED, "Markup test")
    item(page, "Pax Silica Declaration", field="agreements").wait_for()
    article = page.locator("#article")
    text = article.inner_text()
    assert '<script>window.__pwned = "script"; alert(1)</script>' in text
    assert "onerror=\"window.__pwned = 'onerror'\"" in text
    assert (
        page.evaluate(
            "document.querySelectorAll('#article script, #article img, #article a, #article [onerror]').length"
        )
        == 0
    )
    assert page.evaluate(
        "[...document.querySelector('#article').children].every(e => ['MARK', 'SPAN'].includes(e.tagName))"
    )
    article.get_by_text("link</a>", exact=False).first.click()
    assert page.evaluate("window.__pwned === undefined")
    # Evidence offsets still land on the right text after the markup.
    item(page, "Pax Silica Declaration", field="agreements").locator("button.item-main").click()
    assert "Pax Silica Declaration" in " ".join(
        page.locator("#article mark.is-marked").all_inner_texts()
    )
    page.screenshot(path=str(shots / "05-markup-inert.png"))
    assert page.errors == []  # type: ignore[attr-defined]


def test_html_page_shows_the_extracted_text_and_an_unknown_job_is_refused(
    browser: Any, service: Service, shots: Path
) -> None:
    paragraphs = "".join(f"<p>{p}</p>" for p in SEED.split("\n\n")[3:16])
    html = (
        "<!doctype html><html><head><title>EPPD</title><script>window.__pwned=1</script></head>"
        f"<body><nav>Home News</nav><article>{paragraphs}</article></body></html>"
    )
    page = new_page(browser, service)
    sign_in(page, service)
    submit(page, html)
    item(page, "Pax Silica Declaration", field="agreements").wait_for()
    assert "HTML input" in page.locator("#banners").inner_text()
    text = page.locator("#article").inner_text()
    assert "<p>" not in text and "Pax Silica Declaration" in text
    item(page, "Pax Silica Declaration", field="agreements").locator("button.item-main").click()
    assert "Pax Silica Declaration" in " ".join(
        page.locator("#article mark.is-marked").all_inner_texts()
    )
    page.screenshot(path=str(shots / "06-html-input.png"))
    page.get_by_label("Job id").fill("0" * 32)
    page.get_by_role("button", name="Open job").click()
    page.get_by_text(f"No job {'0' * 32} for this API key.").wait_for()
    assert page.evaluate("window.__pwned === undefined")
