"""Grounding, as one stage: locating text in the source and the named support checks.

``base`` (numbered sentences, ``Found``, evidence, shared word tests), ``participants``,
``agreements`` (with ``status``), ``notes``, and ``checks``, which runs them on one chunk.
"""

from service.ground.base import Found, Numbered, number_sentences, render_numbered
from service.ground.checks import ground_chunk
from service.ground.locate import (
    foreign_script,
    is_stated,
    locate,
    normalised_visible,
    reader_text,
    unsupported_names,
    unsupported_numbers,
)
from service.ground.notes import context_classes
from service.ground.participants import stand_ins
from service.ground.status import read_status

__all__ = [
    "Found",
    "Numbered",
    "context_classes",
    "foreign_script",
    "ground_chunk",
    "is_stated",
    "locate",
    "normalised_visible",
    "number_sentences",
    "read_status",
    "reader_text",
    "render_numbered",
    "stand_ins",
    "unsupported_names",
    "unsupported_numbers",
]
