"""Prompt templates (service/prompts.py, prompts/*/v*.yaml): load, render, check examples."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path
from typing import Any

import pytest

from service.config import Settings
from service.errors import PromptError
from service.extract import ChunkExtraction
from service.prompts import PromptTemplate, list_prompts, load_prompt, parse_ref

PROMPTS = Path(__file__).parents[1] / "prompts"
REFS = list_prompts(PROMPTS)


def _variables(template: PromptTemplate) -> dict[str, str]:
    names = string.Template(template.user).get_identifiers()
    return {name: f"<sample {name} value>" for name in names}


def _quotes(value: Any) -> list[str]:
    """Every ``quote`` string anywhere inside an example output."""
    if isinstance(value, dict):
        found = [value["quote"]] if isinstance(value.get("quote"), str) else []
        return found + [q for v in value.values() for q in _quotes(v)]
    if isinstance(value, list):
        return [q for v in value for q in _quotes(v)]
    return []


def _ws(text: str) -> str:
    return " ".join(text.split())


def test_prompts_directory_has_the_configured_templates() -> None:
    assert REFS, f"no templates found under {PROMPTS}"
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.prompts_dir.resolve() == PROMPTS.resolve()
    assert settings.extract_prompt in REFS
    assert settings.summary_prompt == "extractive"  # chosen in the extract prompt's context pass
    assert load_prompt(PROMPTS, settings.extract_prompt).protocol == "point"


@pytest.mark.parametrize("ref", REFS)
def test_every_template_loads_and_renders(ref: str) -> None:
    template = load_prompt(PROMPTS, ref)
    assert template.ref == ref
    variables = _variables(template)
    assert variables, f"{ref}: the user turn takes no $variables"
    messages = template.render(**variables)

    assert messages[0]["role"] == "system" and messages[0]["content"] == template.system.strip()
    assert messages[-1]["role"] == "user"
    for value in variables.values():
        assert value in messages[-1]["content"]
    assert "$" not in messages[-1]["content"].replace("$$", "")
    # Few-shot pairs come between system and the real turn, as user/assistant with JSON answers.
    shots = messages[1:-1]
    assert len(shots) == 2 * len(template.examples)
    for user, assistant in zip(shots[::2], shots[1::2], strict=True):
        assert user["role"] == "user" and assistant["role"] == "assistant"
        json.loads(assistant["content"])
    for step in template.passes:
        hints = {v: f"<{v}>" for v in re.findall(r"\$(\w+)", step.instruction)}
        rendered = template.render_pass(step, extra=hints, **variables)
        assert rendered[:-1] == messages, "passes must share the prefix (prompt cache)"
        assert rendered[-1]["role"] == "user"
        assert all(h in rendered[-1]["content"] for h in hints.values())
        assert "$" not in rendered[-1]["content"]


@pytest.mark.parametrize("ref", REFS)
def test_template_passes_ask_for_known_fields(ref: str) -> None:
    template = load_prompt(PROMPTS, ref)
    if template.protocol != "point":
        pytest.skip(f"{ref} uses the retired quote protocol (refused by the pipeline)")
    for step in template.passes:
        assert step.fields, f"{ref}/{step.name} asks for nothing"
        assert set(step.fields) <= set(ChunkExtraction.model_fields), (ref, step.name)
    if template.passes:
        asked = [f for step in template.passes for f in step.fields]
        assert sorted(asked) == sorted(ChunkExtraction.model_fields), (
            f"{ref}: passes miss or repeat fields"
        )


@pytest.mark.parametrize("ref", REFS)
def test_few_shot_example_quotes_appear_in_their_example_article(ref: str) -> None:
    """langextract-style: an example whose quote is not in its own article teaches bad quoting."""
    template = load_prompt(PROMPTS, ref)
    for i, example in enumerate(template.examples):
        article = "\n".join(example.input.values())
        quotes = _quotes(example.output)
        for quote in quotes:
            assert quote in article, (
                f"{ref} example {i}: quote not verbatim in its article: {quote!r}"
            )
        for p in example.output.get("participants", []):
            if p.get("name"):
                assert p["name"] in article, (
                    f"{ref} example {i}: name {p['name']!r} not in its article"
                )


_INLINE_EXAMPLE = re.compile(r'Example: from "(?P<text>.+?)" the', re.S)
_INLINE_QUOTE = re.compile(r'"quote": "(?P<quote>.+?)"', re.S)


@pytest.mark.parametrize("ref", REFS)
def test_inline_example_quotes_appear_in_their_example_text(ref: str) -> None:
    """Examples written into pass instructions ('Example: from "..." the ... are {"quote": ...}')."""
    template = load_prompt(PROMPTS, ref)
    for step in template.passes:
        if "Example:" not in step.instruction:
            continue
        m = _INLINE_EXAMPLE.search(step.instruction)
        assert m, (
            f"{ref}/{step.name}: an example this test cannot read; keep the 'Example: from \"...\"' form"
        )
        source = _ws(m["text"])
        quotes = [_ws(q["quote"]) for q in _INLINE_QUOTE.finditer(step.instruction, m.end())]
        assert quotes, f"{ref}/{step.name}: example gives no quotes"
        for quote in quotes:
            assert quote in source, f"{ref}/{step.name}: example quote not in its text: {quote!r}"


def test_example_check_catches_a_bad_quote() -> None:
    """The check above can fail: a quote paraphrasing its article is caught."""
    example = {"participants": [{"quote": "Chile sent its Vice Minister for Trade", "name": None}]}
    article = "Chile was represented by its Vice Minister for Trade."
    assert any(q not in article for q in _quotes(example))


# --- malformed and missing templates ---------------------------------------------------------------

VALID = """\
name: demo
version: 1
description: a demo
system: You are a test.
user: |
  Title: $title
  $article
"""


def _write(root: Path, name: str, version: int, text: str) -> Path:
    path = root / name / f"v{version}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return root


def test_a_valid_template_in_a_fresh_directory_loads(tmp_path: Path) -> None:
    root = _write(tmp_path, "demo", 1, VALID)
    messages = load_prompt(root, "demo@1").render(title="T", article="A")
    assert messages == [
        {"role": "system", "content": "You are a test."},
        {"role": "user", "content": "Title: T\nA"},
    ]
    assert list_prompts(root) == ["demo@1"]


@pytest.mark.parametrize(
    "text",
    [
        "name: demo\nversion: 1\nsystem: [unclosed\n",  # YAML syntax
        "just a string\n",  # not a mapping
        VALID.replace("system: You are a test.\n", ""),  # missing field
        VALID + "temperature: 0.3\n",  # unknown field (extra="forbid")
        VALID.replace("version: 1", "version: one"),  # wrong type
        VALID
        + "examples:\n  - input: {title: x}\n    output: {}\n    note: extra\n",  # bad example
    ],
)
def test_malformed_template_raises_prompt_error(tmp_path: Path, text: str) -> None:
    root = _write(tmp_path, "demo", 1, text)
    with pytest.raises(PromptError) as info:
        load_prompt(root, "demo@1")
    assert "malformed" in info.value.message and "v1.yaml" in info.value.message


def test_missing_template_names_the_expected_file(tmp_path: Path) -> None:
    with pytest.raises(PromptError) as info:
        load_prompt(tmp_path, "demo@3")
    assert str(tmp_path / "demo" / "v3.yaml") in info.value.message


def test_template_declaring_another_version_is_rejected(tmp_path: Path) -> None:
    root = _write(tmp_path, "demo", 2, VALID)  # file v2.yaml says version 1
    with pytest.raises(PromptError, match="declares demo@1"):
        load_prompt(root, "demo@2")


@pytest.mark.parametrize("ref", ["demo", "demo@", "demo@v1", "@1", "demo@1.0"])
def test_bad_reference_is_rejected(ref: str) -> None:
    with pytest.raises(PromptError):
        parse_ref(ref) if ref != "@1" else load_prompt(Path("/nonexistent"), ref)


def test_missing_variable_raises_prompt_error(tmp_path: Path) -> None:
    template = load_prompt(_write(tmp_path, "demo", 1, VALID), "demo@1")
    with pytest.raises(PromptError, match="'article'"):
        template.render(title="only the title")
