"""The map step's reply schemas: the model points at numbered sentences, the code quotes.

Each chunk is shown to the model as numbered sentences. The model answers with sentence numbers,
enums and the few short strings it must write (a name or role as written, a title when the article
gives none, topic labels); evidence offsets come from the numbers, exact by construction. Every
list and string is bounded (``max_length``), which ends small models' repetition loops as valid
JSON. Numbers are checked by code, not by the schema (an out-of-range number is dropped and
counted instead of costing a repair call).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, create_model

from service.errors import PromptError
from service.schema import AgreementStatus

AgreementKind = Literal[
    "declaration",
    "joint_statement",
    "memorandum",
    "framework",
    "treaty",
    "trade_deal",
    "plan",
    "financing",
    "ceasefire",
    "other",
]
NoteKind = Literal[
    "objection",
    "sovereignty",
    "diplomatic_status",
    "sanctions",
    "rivalry",
    "alliance",
    "security",
    "stability",
    "other",
]
SHORT_MAX = 40  # a short field's bound, in the schema the grammar enforces
Short = Annotated[str, Field(max_length=SHORT_MAX)]


class XParticipant(BaseModel):
    name: str | None = Field(None, max_length=60, description="As written; null if none.")
    role: str | None = Field(None, max_length=80)
    affiliation: str | None = Field(None, max_length=60)
    sentence: int = Field(description="Number of the sentence that names them.")


class XAgreement(BaseModel):
    title: str = Field("", max_length=100)
    sentences: list[int] = Field(default_factory=list, max_length=2)
    kind: AgreementKind = "other"
    parties: list[Short] = Field(default_factory=list, max_length=6)
    status: AgreementStatus = "discussed"


class XNote(BaseModel):
    sentence: int
    kind: NoteKind = "other"


class XEvent(BaseModel):
    name: str | None = Field(None, max_length=100)
    date: str | None = Field(None, max_length=40)
    place: str | None = Field(None, max_length=60)


class ChunkExtraction(BaseModel):
    """Everything a chunk's passes can return (each pass asks for some of these fields)."""

    participants: list[XParticipant] = Field(default_factory=list, max_length=6)
    agreements: list[XAgreement] = Field(default_factory=list, max_length=5)
    event: XEvent = Field(default_factory=XEvent)
    topics: list[Short] = Field(default_factory=list, max_length=8)
    notes: list[XNote] = Field(default_factory=list, max_length=4)
    summary: list[int] = Field(
        default_factory=list, max_length=4, description="Sentences that best summarise."
    )


@lru_cache(maxsize=16)
def pass_schema(fields: tuple[str, ...]) -> type[BaseModel]:
    """A reply schema holding only ``fields`` of ``ChunkExtraction`` (for one pass)."""
    unknown = set(fields) - set(ChunkExtraction.model_fields)
    if unknown:
        raise PromptError(f"Prompt pass asks for unknown fields {sorted(unknown)}.")
    spec: dict[str, Any] = {
        f: (ChunkExtraction.model_fields[f].annotation, ChunkExtraction.model_fields[f])
        for f in fields
    }
    return create_model("Extraction_" + "_".join(fields), **spec)
