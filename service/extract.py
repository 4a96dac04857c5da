"""The map step: what the model is asked to return for one chunk, and the call that asks it.

The reply schemas are deliberately small and bounded (``max_length`` on lists and strings): they
stop small models' repetition loops and verbatim copying of whole paragraphs. Every item starts
with a ``quote`` so the model anchors on the text before it describes it. All fields have defaults,
so an empty object is a valid (empty) reply.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any

from pydantic import BaseModel, Field, create_model

from service.errors import PromptError
from service.schema import AgreementStatus

Quote = Field("", max_length=160, description="Exact words copied from the article.")


class XParticipant(BaseModel):
    quote: str = Quote
    name: str | None = Field(
        None, max_length=60, description="Null unless a personal name is written."
    )
    role: str | None = Field(None, max_length=100)
    affiliation: str | None = Field(None, max_length=80)


class XAgreement(BaseModel):
    quote: str = Quote
    title: str = Field("", max_length=120)
    kind: str | None = Field(None, max_length=40)
    parties: list[str] = Field(default_factory=list, max_length=8)
    status: AgreementStatus = "discussed"


class XNote(BaseModel):
    quote: str = Quote
    note: str = Field("", max_length=220)


class XEvent(BaseModel):
    name: str | None = Field(None, max_length=120)
    date: str | None = Field(None, max_length=40)
    place: str | None = Field(None, max_length=80)


class ChunkExtraction(BaseModel):
    """One chunk's findings, as the model returns them."""

    event: XEvent | None = None
    participants: list[XParticipant] = Field(default_factory=list, max_length=12)
    agreements: list[XAgreement] = Field(default_factory=list, max_length=6)
    topics: list[Annotated[str, Field(max_length=60)]] = Field(default_factory=list, max_length=8)
    geopolitical_notes: list[XNote] = Field(default_factory=list, max_length=4)


class XSentence(BaseModel):
    text: str = Field("", min_length=10, max_length=240)
    facts: list[int] = Field(
        default_factory=list, max_length=5, description="Numbers of supporting facts."
    )


class SummaryReply(BaseModel):
    """The prose summary, each sentence pointing at the numbered facts it rests on."""

    sentences: list[XSentence] = Field(default_factory=list, max_length=4)


@lru_cache(maxsize=16)
def pass_schema(fields: tuple[str, ...]) -> type[BaseModel]:
    """A reply schema holding only ``fields`` of ``ChunkExtraction`` (for one focused pass)."""
    unknown = set(fields) - set(ChunkExtraction.model_fields)
    if unknown:
        raise PromptError(f"Prompt pass asks for unknown fields {sorted(unknown)}.")
    spec: dict[str, Any] = {
        f: (ChunkExtraction.model_fields[f].annotation, ChunkExtraction.model_fields[f])
        for f in fields
    }
    return create_model("Extraction_" + "_".join(fields), **spec)
