"""Review data and corrections over HTTP, against a local fake OpenAI-compatible server that answers
like a model reading the seed article (tests/review_fakes.py): versions, validation, key scoping,
HTML input, the review page's own headers; and `summarise gold export` loaded by the eval harness.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_fakes import make_settings
from review_fakes import SeedOpenAI
from typer.testing import CliRunner

from service.api import create_app
from service.store.keys import create_key

SEED_FILE = Path(__file__).parents[2] / "evals" / "gold" / "us-taiwan-epp-dialogue-2026.txt"
SEED = SEED_FILE.read_text(encoding="utf-8")
TITLE = "Taiwan and U.S. Deepen Tech, AI, and Drone Ties"


@pytest.fixture
def fake_model() -> Iterator[SeedOpenAI]:
    with SeedOpenAI() as fake:
        yield fake


@pytest.fixture
async def env(tmp_path: Path, fake_model: SeedOpenAI) -> AsyncIterator[dict[str, Any]]:
    settings = make_settings(
        tmp_path, llm_base_url=fake_model.url, llm_model="fake", llm_max_retries=0
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        db = app.state.summariser.db
        keys = {name: create_key(db, name)[1] for name in ("desk-a", "desk-b")}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield {"client": client, "keys": keys, "settings": settings, "db": db}


def auth(env: dict[str, Any], name: str = "desk-a") -> dict[str, str]:
    return {"Authorization": f"Bearer {env['keys'][name]}"}


async def finished_job(env: dict[str, Any], body: dict[str, Any], key: str = "desk-a") -> str:
    client: httpx.AsyncClient = env["client"]
    r = await client.post("/v1/jobs", json=body, headers=auth(env, key))
    assert r.status_code == 202, r.text
    job_id = r.json()["id"]
    for _ in range(600):
        job = (await client.get(f"/v1/jobs/{job_id}", headers=auth(env, key))).json()
        if job["status"] in ("succeeded", "failed"):
            assert job["status"] == "succeeded", job
            return str(job_id)
        await asyncio.sleep(0.05)
    raise AssertionError("job never finished")


def pax_index(result: dict[str, Any]) -> int:
    return next(i for i, a in enumerate(result["agreements"]) if "Pax Silica" in a["title"])


def span_of(text: str, phrase: str) -> dict[str, int]:
    start = text.index(phrase)
    return {"start": start, "end": start + len(phrase)}


async def test_versions_are_stored_attributed_and_never_change_the_result(
    env: dict[str, Any],
) -> None:
    client: httpx.AsyncClient = env["client"]
    job_id = await finished_job(env, {"text": SEED, "title": TITLE})
    review = (await client.get(f"/v1/jobs/{job_id}/review", headers=auth(env))).json()
    assert review["source_text"] == SEED and review["input_format"] == "text"
    assert review["corrections"] is None and review["title"] == TITLE
    result = review["job"]["result"]
    pax = pax_index(result)
    before = result["agreements"][pax]["status"]
    assert before == "endorsed"
    evidence = span_of(SEED, "officials endorsed key joint statements")
    body = {
        "base_version": 0,
        "comment": "first pass",
        "items": [
            {"action": "edit", "section": "agreements", "index": pax,
             "fields": {"status": "signed"}},
            {"action": "reject", "section": "topics", "index": 0, "comment": "too vague"},
            {"action": "add", "section": "agreements", "evidence": [evidence],
             "fields": {"title": "joint statements", "status": "endorsed"}},
        ],
    }  # fmt: skip
    r = await client.post(f"/v1/jobs/{job_id}/corrections", json=body, headers=auth(env))
    assert r.status_code == 201, r.text
    v1 = r.json()
    assert v1["version"] == 1 and v1["key_name"] == "desk-a" and v1["comment"] == "first pass"
    assert v1["items"][2]["evidence"][0]["quote"] == "officials endorsed key joint statements"

    review = (await client.get(f"/v1/jobs/{job_id}/review", headers=auth(env))).json()
    assert review["job"]["result"]["agreements"][pax]["status"] == before  # the model's output
    corrected = review["corrected"]
    assert corrected["agreements"][pax]["status"] == "signed"
    assert corrected["agreements"][pax]["review"]["state"] == "edited"
    assert corrected["agreements"][pax]["review"]["original"]["status"] == before
    assert corrected["agreements"][-1]["title"] == "joint statements"
    assert corrected["agreements"][-1]["review"]["state"] == "added"
    assert len(corrected["topics"]) == len(result["topics"]) - 1
    assert corrected["rejected"][0]["item"]["label"] == result["topics"][0]

    # A save based on version 0 after version 1 exists is a conflict, and stores nothing.
    stale = await client.post(f"/v1/jobs/{job_id}/corrections", json=body, headers=auth(env))
    assert stale.status_code == 409 and stale.json()["code"] == "correction_conflict"
    assert stale.json()["latest_version"] == 1
    r = await client.post(
        f"/v1/jobs/{job_id}/corrections",
        json={"base_version": 1, "items": body["items"][:1]},
        headers=auth(env),
    )
    assert r.status_code == 201 and r.json()["version"] == 2
    versions = (await client.get(f"/v1/jobs/{job_id}/corrections", headers=auth(env))).json()
    assert [v["version"] for v in versions] == [1, 2]
    assert [len(v["items"]) for v in versions] == [3, 1]
    one = (await client.get(f"/v1/jobs/{job_id}/corrections/1", headers=auth(env))).json()
    assert one == versions[0]
    missing = await client.get(f"/v1/jobs/{job_id}/corrections/3", headers=auth(env))
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"action": "edit", "section": "agreements", "index": 9, "fields": {"status": "signed"}},
         "agreements has no item 9"),
        ({"action": "edit", "section": "agreements", "index": 0, "fields": {"status": "done"}},
         "items[0].fields"),
        ({"action": "edit", "section": "agreements", "index": 0, "fields": {"colour": "red"}},
         "items[0].fields"),
        ({"action": "edit", "section": "agreements", "index": 0, "fields": {}},
         "at least one field"),
        ({"action": "add", "section": "agreements", "fields": {"title": "x", "status": "signed"}},
         "select the evidence"),
        ({"action": "add", "section": "participants", "fields": {"affiliation": "Taiwan"},
          "evidence": [{"start": 0, "end": 5}]}, "needs name or role"),
        ({"action": "add", "section": "geopolitical_notes", "fields": {"note": "x"},
          "evidence": [{"start": 10, "end": 10_000_000}]}, "outside the article"),
        ({"action": "reject", "section": "event", "index": 0, "fields": {"name": "x"}},
         "changes no field"),
    ],
)  # fmt: skip
async def test_invalid_corrections_name_the_item(
    env: dict[str, Any], item: dict[str, Any], message: str
) -> None:
    client: httpx.AsyncClient = env["client"]
    job_id = await finished_job(env, {"text": SEED})
    r = await client.post(
        f"/v1/jobs/{job_id}/corrections", json={"items": [item]}, headers=auth(env)
    )
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "invalid_correction" and message in r.json()["detail"]
    versions = await client.get(f"/v1/jobs/{job_id}/corrections", headers=auth(env))
    assert versions.json() == []


async def test_one_key_cannot_see_or_correct_another_keys_job(env: dict[str, Any]) -> None:
    client: httpx.AsyncClient = env["client"]
    job_id = await finished_job(env, {"text": SEED})
    saved = await client.post(
        f"/v1/jobs/{job_id}/corrections", json={"items": []}, headers=auth(env)
    )
    assert saved.status_code == 201
    other = auth(env, "desk-b")
    for path in ("review", "corrections", "corrections/1"):
        r = await client.get(f"/v1/jobs/{job_id}/{path}", headers=other)
        assert r.status_code == 404 and r.json()["code"] == "job_not_found", path
    r = await client.post(
        f"/v1/jobs/{job_id}/corrections", json={"base_version": 1, "items": []}, headers=other
    )
    assert r.status_code == 404
    assert (await client.get(f"/v1/jobs/{job_id}/corrections")).status_code == 401
    assert (await client.get("/v1/whoami", headers=other)).json()["name"] == "desk-b"
    mine = (await client.get(f"/v1/jobs/{job_id}/corrections", headers=auth(env))).json()
    assert len(mine) == 1  # desk-b's attempt stored nothing


async def test_html_input_reviews_the_extracted_text(env: dict[str, Any]) -> None:
    client: httpx.AsyncClient = env["client"]
    paragraphs = "".join(f"<p>{p}</p>" for p in SEED.split("\n\n")[3:16])
    html = f"<html><head><title>t</title></head><body><article>{paragraphs}</article></body></html>"
    job_id = await finished_job(env, {"html": html})
    review = (await client.get(f"/v1/jobs/{job_id}/review", headers=auth(env))).json()
    source = review["source_text"]
    assert review["input_format"] == "html" and "<p>" not in source
    assert source == review["job"]["result"]["source_text"]
    pax = review["job"]["result"]["agreements"][pax_index(review["job"]["result"])]
    for e in pax["evidence"]:
        assert source[e["start"] : e["end"]] == e["quote"]


async def test_a_job_without_result_cannot_be_corrected(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path), start_worker=False)  # nothing runs the job
    async with app.router.lifespan_context(app):
        _, token = create_key(app.state.summariser.db, "desk")
        headers = {"Authorization": f"Bearer {token}"}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            job_id = (await client.post("/v1/jobs", json={"text": SEED}, headers=headers)).json()[
                "id"
            ]
            review = (await client.get(f"/v1/jobs/{job_id}/review", headers=headers)).json()
            assert review["job"]["status"] == "queued" and review["source_text"] == SEED
            assert review["corrected"] is None
            r = await client.post(
                f"/v1/jobs/{job_id}/corrections", json={"items": []}, headers=headers
            )
            assert r.status_code == 422 and r.json()["code"] == "job_not_reviewable"


async def test_review_page_and_assets_are_served_without_third_party_hosts(
    env: dict[str, Any],
) -> None:
    client: httpx.AsyncClient = env["client"]
    page = await client.get("/review")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp
    assert "http://" not in page.text and "https://" not in page.text
    for asset in ("app.js", "api.js", "article.js", "dom.js", "sections.js", "review.css"):
        r = await client.get(f"/review/static/{asset}")
        assert r.status_code == 200, asset
        assert "https://" not in r.text and "http://" not in r.text, asset
        assert ".innerHTML" not in r.text and "insertAdjacentHTML" not in r.text, asset
    assert (await client.get("/review/static/nope.js")).status_code == 404


async def test_gold_export_is_loaded_and_scored_by_the_eval_harness(
    env: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from evals.gold import load_cases
    from service.cli import app as cli

    client: httpx.AsyncClient = env["client"]
    job_id = await finished_job(env, {"text": SEED, "title": TITLE})
    result = (await client.get(f"/v1/jobs/{job_id}", headers=auth(env))).json()["result"]
    pax = pax_index(result)
    items = [
        {"action": "edit", "section": "agreements", "index": pax, "fields": {"status": "signed"}},
        {"action": "edit", "section": "participants", "index": 0,
         "fields": {"name": "Jacob Helberg"}},
        {"action": "add", "section": "agreements", "fields": {
            "title": "joint statements", "status": "endorsed", "parties": ["United States"]},
         "evidence": [span_of(SEED, "officials endorsed key joint statements")]},
        {"action": "add", "section": "topics", "fields": {"label": "critical minerals"}},
        {"action": "add", "section": "geopolitical_notes",
         "fields": {"note": "Beijing maintains that such engagement challenges its claims of "
                            "sovereignty over Taiwan."},
         "evidence": [span_of(SEED, "Beijing maintains that such engagement")]},
    ]  # fmt: skip
    r = await client.post(
        f"/v1/jobs/{job_id}/corrections", json={"items": items}, headers=auth(env)
    )
    assert r.status_code == 201
    r = await client.post(
        f"/v1/jobs/{job_id}/corrections",
        json={"base_version": 1, "items": [*items[:1], {"action": "reject",
              "section": "participants", "index": 1}, *items[2:]]},
        headers=auth(env),
    )  # fmt: skip
    assert r.status_code == 201  # version 2: the latest is what is exported

    out = tmp_path / "gold-out"
    monkeypatch.setenv("SUMMARISER_DATABASE_URL", env["settings"].database_url)
    from service.config import get_settings

    get_settings.cache_clear()
    done = CliRunner().invoke(cli, ["gold", "export", "--out", str(out), "--since", "2000-01-01"])
    assert done.exit_code == 0, done.output
    cases = load_cases([out])
    assert len(cases) == 1
    case = cases[0]
    assert case.article == SEED and case.gold.text_file.endswith(".txt")
    assert case.id.startswith("taiwan-and-u-s-deepen") and job_id[:8] in case.id
    gold = case.gold.gold
    titles = {a.title: a for a in gold.agreements}
    assert titles["Pax Silica Declaration"].status == "signed"
    assert titles["joint statements"].match == ["joint statements"]
    assert [p.match for p in gold.participants] == [["Under Secretary for Economic Affairs"]]
    assert "critical minerals" in [t.label for t in gold.topics]
    # a note's groups: a capitalised word inside it first, then the longest word
    assert [["Taiwan"], ["sovereignty"]] in [n.match_all for n in gold.geopolitical_notes]
    assert gold.reference_summary == result["summary"]
    assert gold.must_not_contain == []  # the rejected minister is written in the article
    assert f"job {job_id}, corrections version 2 by API key desk-a" in case.gold.source.origin

    # --since after the save exports nothing; the harness then scores the model's own output
    # against the exported case.
    later = CliRunner().invoke(cli, ["gold", "export", "--out", str(tmp_path / "none"),
                                     "--since", "2999-01-01"])  # fmt: skip
    assert later.exit_code == 0 and not list((tmp_path / "none").glob("*.gold.json"))
    preds = tmp_path / "preds"
    preds.mkdir()
    (preds / f"{case.id}.json").write_text(json.dumps(result), encoding="utf-8")
    report = tmp_path / "report.json"
    scored = await asyncio.to_thread(CliRunner().invoke, cli, [
        "eval", "--predictions", str(preds), "--gold", str(out), "--no-gate", "--no-embedding",
        "--no-progress", "--report-json", str(report),
    ])  # fmt: skip
    assert scored.exit_code == 0, scored.output
    agg = json.loads(report.read_text())["aggregate"]
    # Every agreement the model's output holds is in the exported gold and found again; matching
    # is one to one, so the joint statements the editor added are the one gold item left over.
    assert len(gold.agreements) == len(result["agreements"]) + 1
    assert agg["agreements"]["recall"] == pytest.approx(
        len(result["agreements"]) / len(gold.agreements), abs=1e-4
    )
    # The editor says signed, the model endorsed: the one status error; the others agree.
    checked = agg["agreements"]["status_checked"]
    assert agg["agreements"]["status_accuracy"] == pytest.approx((checked - 1) / checked, abs=1e-4)
