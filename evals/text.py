"""String matching: the plain rule of the gold format, and a normalised/fuzzy matcher beside it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence

from rapidfuzz import fuzz

Matcher = Callable[[Sequence[str], str], bool]
"""``matcher(needles, haystack)``: does any needle occur in the haystack?"""

_WS = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[^\w\s]+")
FUZZY_MIN_LEN = 6
FUZZY_MIN_SCORE = 90.0


def plain(text: str) -> str:
    """Whitespace collapsed and case folded: the comparison the gold format defines."""
    return _WS.sub(" ", text).casefold()


def normalised(text: str) -> str:
    """Accents stripped, punctuation as spaces, whitespace collapsed, case folded.

    ``"U. S.–Taiwan"`` and ``"U.S. Taiwan"`` both become ``"u s taiwan"``.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _WS.sub(" ", _NOT_WORD.sub(" ", stripped)).casefold()


def plain_match(needles: Sequence[str], haystack: str) -> bool:
    """The floor every run reports: some needle is a case-insensitive substring."""
    hay = plain(haystack)
    return any(plain(n) in hay for n in needles)


def fuzzy_match(needles: Sequence[str], haystack: str) -> bool:
    """Normalised substring, or for longer needles a rapidfuzz partial ratio of at least 90."""
    hay = f" {normalised(haystack)} "
    for needle in needles:
        norm = normalised(needle)
        if not norm.strip():
            continue
        if norm in hay:
            return True
        if (
            len(norm.strip()) >= FUZZY_MIN_LEN
            and fuzz.partial_ratio(norm.strip(), hay) >= FUZZY_MIN_SCORE
        ):
            return True
    return False


MATCHERS: dict[str, Matcher] = {"plain": plain_match, "fuzzy": fuzzy_match}


def one_to_one(
    gold: Sequence[Sequence[str]], predicted: Sequence[str], matcher: Matcher
) -> dict[int, int]:
    """Maximum one-to-one matching of gold items (by their match strings) to predicted texts.

    A predicted item may stand for at most one gold item and vice versa, so five predicted
    "ministers" cannot all count for one gold minister. Kuhn's augmenting paths, in list order,
    make the result deterministic.

    Returns:
        ``{gold index: predicted index}`` for every matched pair.
    """
    edges = [[j for j, text in enumerate(predicted) if matcher(g, text)] for g in gold]
    owner: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for j in edges[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    for i in range(len(gold)):
        augment(i, set())
    return {i: j for j, i in owner.items()}
