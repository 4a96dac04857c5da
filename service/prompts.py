"""Versioned prompt templates loaded from ``prompts/<name>/v<N>.yaml`` (data only, no code).

A template is addressed as ``name@version``. Published versions never change: edit by adding a
new file, then point ``SUMMARISER_EXTRACT_PROMPT`` / ``SUMMARISER_SUMMARY_PROMPT`` at it.
"""

from __future__ import annotations

import json
import string
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from service.errors import PromptError


class Example(BaseModel):
    model_config = ConfigDict(extra="forbid")

    input: dict[str, str]
    output: dict[str, Any]


class Pass(BaseModel):
    """One focused question asked about the same text; the shared prefix is prompt-cached."""

    model_config = ConfigDict(extra="forbid")

    name: str
    fields: list[str]
    instruction: str
    focus: Literal["all", "people", "agreements"] = "all"  # quote protocol only (extract@1-3)
    max_tokens: int | None = None  # the output this question needs (bounded by the setting)


class PromptTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    version: int
    description: str
    system: str
    user: str
    examples: list[Example] = []
    passes: list[Pass] = []
    # "point": the model answers with numbers of the sentences shown (extract@4 on);
    # "quote": it copied quotes itself (extract@1-3, retired; kept for the record).
    protocol: Literal["quote", "point"] = "quote"

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    def render(self, **variables: str) -> list[dict[str, str]]:
        """Chat messages: system, few-shot pairs, then the user turn with ``$variables`` filled."""
        messages = [{"role": "system", "content": self.system.strip()}]
        for ex in self.examples:
            messages.append({"role": "user", "content": _fill(self.user, ex.input, self.ref)})
            messages.append(
                {"role": "assistant", "content": json.dumps(ex.output, ensure_ascii=False)}
            )
        messages.append({"role": "user", "content": _fill(self.user, variables, self.ref)})
        return messages

    def render_pass(
        self, step: Pass, extra: dict[str, str] | None = None, **variables: str
    ) -> list[dict[str, str]]:
        """System, the shared user turn (the text), then this pass's question last.

        Everything before the question is identical for every pass of a chunk, so the model
        server's prompt cache prefills the article once. ``extra`` fills ``$names`` in the
        question only (hints found by code for this pass).
        """
        question = _fill(step.instruction, {**variables, **(extra or {})}, self.ref)
        return [*self.render(**variables), {"role": "user", "content": question}]


def _fill(template: str, variables: dict[str, str], ref: str) -> str:
    try:
        return string.Template(template).substitute(variables).strip()
    except KeyError as exc:
        raise PromptError(f"Prompt {ref} needs the variable {exc.args[0]!r}.") from exc


def parse_ref(ref: str) -> tuple[str, int]:
    name, sep, version = ref.partition("@")
    if not sep or not version.isdigit():
        raise PromptError(f"Prompt reference {ref!r} must look like 'name@1'.")
    return name, int(version)


@lru_cache(maxsize=32)
def load_prompt(prompts_dir: Path, ref: str) -> PromptTemplate:
    """Load and validate ``prompts_dir/<name>/v<version>.yaml``."""
    name, version = parse_ref(ref)
    path = prompts_dir / name / f"v{version}.yaml"
    if not path.is_file():
        raise PromptError(f"Prompt {ref} not found: expected the file {path}.")
    try:
        template = PromptTemplate.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (yaml.YAMLError, ValidationError) as exc:
        raise PromptError(f"Prompt file {path} is malformed: {exc}") from exc
    if (template.name, template.version) != (name, version):
        raise PromptError(f"Prompt file {path} declares {template.ref}, not {ref}.")
    return template


def list_prompts(prompts_dir: Path) -> list[str]:
    return sorted(f"{p.parent.name}@{p.stem[1:]}" for p in prompts_dir.glob("*/v*.yaml"))
