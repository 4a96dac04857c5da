"""An agreement's status is checked against the words of its own sentence (service/status.py)."""

from __future__ import annotations

import pytest

from service.schema import Evidence
from service.status import checked_status, sentence_around


def _ev(source: str, quote: str) -> Evidence:
    start = source.index(quote)
    return Evidence(quote=quote, start=start, end=start + len(quote), match="exact")


NEGOTIATING = (
    "The two sides signed a customs memorandum on Monday. "
    "Officials said both sides will continue negotiations on the framework for digital trade. "
    "The weather was fine."
)


def test_sentence_around_is_the_evidence_sentence_only() -> None:
    ev = _ev(NEGOTIATING, "framework for digital trade")
    assert sentence_around(NEGOTIATING, ev) == (
        "Officials said both sides will continue negotiations on the framework for digital trade."
    )
    para = "First paragraph ends here\n\nThe treaty was signed in Lima.\n\nNext"
    assert sentence_around(para, _ev(para, "treaty")) == "The treaty was signed in Lima."


def test_sentence_around_stays_within_reach() -> None:
    source = "x" * 1000 + " The treaty " + "y" * 1000
    around = sentence_around(source, _ev(source, "treaty"), reach=50)
    assert "treaty" in around and len(around) <= 50 + len("treaty") + 50


def test_a_signed_framework_still_being_negotiated_becomes_under_negotiation() -> None:
    ev = _ev(NEGOTIATING, "framework for digital trade")
    # "signed" belongs to the previous sentence (the memorandum), not to this framework.
    assert checked_status("signed", NEGOTIATING, [ev]) == "under_negotiation"
    assert checked_status("endorsed", NEGOTIATING, [ev]) == "under_negotiation"


def test_a_status_with_a_cue_in_its_sentence_is_kept() -> None:
    memo = _ev(NEGOTIATING, "customs memorandum")
    assert checked_status("signed", NEGOTIATING, [memo]) == "signed"
    both = "Both sides signed the framework and will continue negotiations on tariffs."
    assert checked_status("signed", both, [_ev(both, "framework")]) == "signed"
    endorsed = "Ministers endorsed the Pax Silica Declaration."
    assert (
        checked_status("endorsed", endorsed, [_ev(endorsed, "Pax Silica Declaration")])
        == "endorsed"
    )
    spanish = "Los gobiernos firmaron el acuerdo. Luego firmó el tratado."
    assert checked_status("signed", spanish, [_ev(spanish, "tratado")]) == "signed"


def test_the_cue_of_any_evidence_sentence_counts() -> None:
    source = "Talks on the treaty went on all day.\n\nThe treaty was signed at dusk."
    talks, signed = (
        _ev(source, "treaty"),
        Evidence(
            quote="treaty",
            start=source.rindex("treaty"),
            end=source.rindex("treaty") + 6,
            match="exact",
        ),
    )
    assert checked_status("signed", source, [talks]) == "discussed"
    assert checked_status("signed", source, [talks, signed]) == "signed"


@pytest.mark.parametrize(
    ("sentence", "quote", "expected"),
    [
        ("The sides announced the Oslo Accord.", "Oslo Accord", "announced"),
        ("Chile proposed a trade agreement.", "trade agreement", "proposed"),
        ("Officials discussed the trade agreement.", "trade agreement", "discussed"),
        ("They agreed on a framework for trade.", "framework for trade", "agreed_in_principle"),
        ("Norway rejected the trade agreement.", "trade agreement", "rejected"),
    ],
)
def test_an_unsupported_strong_status_takes_the_supported_one(
    sentence: str, quote: str, expected: str
) -> None:
    assert checked_status("endorsed", sentence, [_ev(sentence, quote)]) == expected


def test_weak_statuses_are_never_changed() -> None:
    ev = _ev(NEGOTIATING, "customs memorandum")  # its sentence says "signed"
    for weak in ("discussed", "proposed", "announced", "under_negotiation"):
        assert checked_status(weak, NEGOTIATING, [ev]) == weak


def test_no_evidence_or_no_cue_leaves_the_status_alone() -> None:
    assert checked_status("signed", NEGOTIATING, []) == "signed"
    plain = "The Pax Silica Declaration runs to four pages."
    assert checked_status("endorsed", plain, [_ev(plain, "Pax Silica Declaration")]) == "endorsed"
