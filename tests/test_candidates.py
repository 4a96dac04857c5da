"""Candidate mentions found by code (service/candidates.py): spaCy for English, patterns else."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from service import candidates
from service.candidates import named_meeting, people, titles
from service.clean import clean_text


def _names(text: str, language: str) -> list[str]:
    doc = clean_text(text)
    return [m.text for m in people(doc.view, language, doc.source_text)]


def test_english_people_come_from_spacy_with_titles_and_possessives_trimmed() -> None:
    text = (
        "WASHINGTON - President Donald J. Trump met Prime Minister Keir Starmer on Thursday. "
        "Trump’s aides said the United Kingdom and the United States would sign in June."
    )
    names = _names(text, "en")
    assert "Donald J. Trump" in names and "Keir Starmer" in names
    assert not any(n in names for n in ("United Kingdom", "United States", "WASHINGTON"))


def test_signature_block_columns_are_split_into_people() -> None:
    text = (
        "Signed at Kuala Lumpur.\n\nAnwar Ibrahim                                     \n"
        "Donald J. Trump\n\nPrime Minister of Malaysia                 \n"
        "President of the United States of America\n"
    )
    names = _names(text, "en")
    assert "Anwar Ibrahim" in names and "Donald J. Trump" in names
    assert all("\n" not in n for n in names)


def test_portuguese_people_come_from_patterns_with_particles() -> None:
    text = (
        "O presidente Luiz Inácio Lula da Silva disse hoje que o acordo fechado entre Brasil, Irã "
        "e Turquia foi uma vitória. Lula participou da negociação com o presidente iraniano, "
        "Mahmoud Ahmadinejad, e o primeiro-ministro turco, Tayyip Erdogan, em Teerã. "
        "O acordo prevê que o Irã envie urânio à Turquia."
    )
    names = _names(text, "pt")
    for person in ("Luiz Inácio Lula da Silva", "Mahmoud Ahmadinejad", "Tayyip Erdogan"):
        assert person in names, names
    # A capital only because it opens a sentence ("O acordo") is not a name; a one-word name
    # opening a sentence ("Lula participou") is missed too (the pattern cannot tell them apart).
    assert not any(n.startswith("O ") for n in names) and "Lula" not in names


def test_mentions_carry_exact_source_spans_through_markup() -> None:
    text = "<p>O presidente venezuelano, Hugo Ch&aacute;vez, disse que n&atilde;o desiste.</p>"
    doc = clean_text(text)
    [m] = [m for m in people(doc.view, "pt", text) if "Hugo" in m.text]
    assert m.text == "Hugo Chávez"
    assert text[m.span.start : m.span.end] == "Hugo Ch&aacute;vez"


def test_english_people_in_later_paragraphs_carry_their_own_source_spans() -> None:
    # spaCy reads the paragraphs in batches: each paragraph's offsets are put back in place.
    text = (
        "<h1>Talks in Oslo</h1>\n<p>Foreign Minister Ana Lind met Tomas Berg on Monday.</p>\n\n"
        "<p>Later, Prime Minister Keir Starmer joined them.</p>\n\n\n"
        "<p>Officials said President Donald J. Trump would visit &amp; sign.</p>"
    )
    doc = clean_text(text)
    found = people(doc.view, "en", text)
    assert {"Keir Starmer", "Donald J. Trump"} <= {m.text for m in found}
    for m in found:
        assert text[m.span.start : m.span.end] == m.text


def test_titles_are_widened_to_their_qualifiers() -> None:
    assert "U.S. Under Secretary for Economic Affairs" in titles(
        "Leading the delegation was the U.S. Under Secretary for Economic Affairs, who met them."
    )
    assert "ministro das Relações Exteriores" in " ".join(
        titles("Segundo o ministro das Relações Exteriores, Celso Amorim, o acordo sai.")
    )


def test_a_tampered_spacy_model_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    candidates._spacy.cache_clear()
    monkeypatch.setattr(candidates, "SPACY_NER_SHA256", hashlib.sha256(b"other").hexdigest())
    try:
        with pytest.raises(candidates.ModelIntegrityError, match="sha256"):
            candidates._spacy()
    finally:
        candidates._spacy.cache_clear()


def test_the_loaded_pipeline_finds_the_entities_and_nouns_the_full_pipeline_finds() -> None:
    """The loaded pipeline leaves out the parser, the lemmatizer and the attribute ruler;
    en_core_web_sm's NER has its own tok2vec, so its entities must equal those of the whole
    pipeline, and the nouns and adjectives read from the tagger's tags must be the ones the
    attribute ruler would have marked NOUN and ADJ."""
    import spacy

    from service.candidates import WordTags, _spacy, analyse
    from service.clean import clean_text

    nlp = _spacy()
    assert nlp is not None and nlp.pipe_names == ["tok2vec", "tagger", "ner"]
    full = spacy.load(nlp.path)  # the same model directory, every component
    assert {"parser", "lemmatizer", "attribute_ruler"} <= set(full.pipe_names)
    for case in ("us-india-joint-statement-2023", "us-uk-economic-prosperity-deal-2025"):
        text = (Path(__file__).parents[1] / f"evals/gold/{case}.txt").read_text()
        whole = full(text)
        assert [(e.start_char, e.end_char, e.label_) for e in nlp(text).ents] == [
            (e.start_char, e.end_char, e.label_) for e in whole.ents
        ]
        doc = clean_text(text)
        _, tags = analyse(doc.view, "en", doc.source_text)
        whole = full(doc.view.text)
        nouns = frozenset(t.lower_ for t in whole if t.pos_ == "NOUN")
        adjectives = frozenset(t.lower_ for t in whole if t.pos_ == "ADJ")
        assert tags == WordTags(nouns, adjectives | nouns)
        assert "tariffs" in tags.nouns or "cooperation" in tags.nouns


# --- key terms (topic candidates) ------------------------------------------------------------------

_TRADE = (
    "The United States and Argentina agreed on tariffs. The tariffs on beef fall and the beef "
    "quota grows. President Milei welcomed the critical minerals chapter: the critical minerals "
    "trade is new. Officials imposed rules and imposed fees. Milei met Trump. "
    "The agreement and the agreement text were signed."
)


def test_english_key_terms_are_recurring_specific_nouns_and_pairs() -> None:
    terms = [t.text for t in candidates.key_terms(_TRADE, "en")]
    assert "critical minerals" in terms and "beef" in terms
    assert any(t.startswith("tariff") for t in terms)
    assert "minerals" not in terms  # inside the chosen pair
    assert not any(w in t for t in terms for w in ("milei", "Milei", "imposed", "agreement"))


def test_portuguese_key_terms_take_the_noun_before_its_adjective() -> None:
    text = (
        "O Irã enviará o urânio enriquecido à Turquia. O urânio enriquecido será usado em "
        "pesquisas. A sanção contra o Irã preocupa Lula; Lula disse que a sanção é injusta."
    )
    terms = [t.text for t in candidates.key_terms(text, "pt")]
    assert terms[0] == "urânio enriquecido"
    assert "sanção" in terms
    assert not any("lula" in t.casefold() or "irã" in t.casefold() for t in terms)


def test_a_word_seen_once_or_only_capitalised_is_no_key_term() -> None:
    assert (
        candidates.key_terms("The Summit opened. The Summit closed. The uranium left.", "en") == []
    )


def test_rare_singles_add_a_rare_word_written_once_but_no_common_word_or_pair() -> None:
    text = (
        "The tariffs were cut. The tariffs were raised. They discussed the uranium and the weather. "
        "The observer said little."
    )
    plain = [t.text for t in candidates.key_terms(text, "en")]
    wide = {t.text: t.count for t in candidates.key_terms(text, "en", rare_singles=True)}
    assert plain == ["tariffs"]
    assert wide == {"tariffs": 2, "uranium": 1}  # "weather" is too common, "observer said" a pair


def test_with_a_tagger_an_english_key_term_is_a_noun_or_a_noun_with_its_modifiers() -> None:
    text = (
        "The deal creates jobs and creates markets. Additional tariffs and additional quotas "
        "follow. Grain exports rose; the grain exports doubled. Non-tariff "
        "barriers fall, and non-tariff barriers matter. The tariffs fell and the tariffs fell."
    )
    doc = clean_text(text)
    mentions, tags = candidates.analyse(doc.view, "en", doc.source_text)
    assert tags is not None and "exports" in tags.nouns and "creates" not in tags.nouns
    tagged = [t.text for t in candidates.key_terms(doc.view.text, "en", tags=tags)]
    assert tagged == ["non-tariff barriers", "grain exports", "tariffs"]
    # without the tagger, "the tariffs fell" reads as a noun phrase and no article precedes
    # "non-tariff barriers"
    untagged = [t.text for t in candidates.key_terms(doc.view.text, "en")]
    assert untagged == ["grain exports", "tariffs fell"]


def test_without_a_tagger_analyse_gives_pattern_people_and_no_tags() -> None:
    doc = clean_text("O presidente Luiz Inácio Lula da Silva recebeu o chanceler Celso Amorim.")
    mentions, tags = candidates.analyse(doc.view, "pt", doc.source_text)
    assert tags is None
    assert [m.text for m in mentions] == [m.text for m in people(doc.view, "pt", doc.source_text)]
    assert any("Lula" in m.text for m in mentions)


@pytest.mark.parametrize(
    ("text", "language", "name"),
    [
        (
            "The sixth round was known as the U.S.–Taiwan Economic Prosperity Partnership "
            "Dialogue. The Dialogue ended on Friday.",
            "en",
            "U.S.–Taiwan Economic Prosperity Partnership Dialogue",
        ),
        (
            "Leaders met at the Ninth Summit of the Americas. The Ninth Summit of the Americas "
            "adopted a declaration, said the Joint Statement on U.S.-China Economic and Trade "
            "Meeting.",
            "en",
            "Ninth Summit of the Americas",
        ),
        # joiners inside, not over "on" into a document's title
        (
            "Joint Statement on U.S.-China Economic and Trade Meeting in Geneva",
            "en",
            "U.S.-China Economic and Trade Meeting",
        ),
        ("Os presidentes chegaram à Cúpula do Mercosul em Assunção.", "pt", "Cúpula do Mercosul"),
        # a sentence's leading article and a weekday are no part of the name
        ("A Cúpula do Mercosul reuniu os presidentes.", "pt", "Cúpula do Mercosul"),
        ("They met at the Summit of the Americas on Friday.", "en", "Summit of the Americas"),
        # a name does not run from a headline into the dateline below it
        (
            "Remarks After the Economic Dialogue\n\nNAIROBI, March 3 - The Economic Dialogue "
            "ended.",
            "en",
            "Economic Dialogue",
        ),
        # a lowercase meeting noun, or a capitalised one alone, names no meeting
        ("The ministers held a meeting in Vilnius. Meeting ended late.", "en", None),
    ],
)
def test_the_meeting_the_article_names_most_often(
    text: str, language: str, name: str | None
) -> None:
    assert named_meeting(text, language) == name


# --- labelled lists ---------------------------------------------------------------------------


def test_the_labels_of_a_labelled_list_are_its_subjects_in_any_markup() -> None:
    text = (
        "The two governments agreed on the following.\n"
        "-\u00a0 **Digital Trade:**\u00a0Both sides will recognise each other's data rules.\n"
        "* **Intellectual Property**: Enforcement against counterfeit goods will grow.\n"
        "• Labor: Forced labour imports will be banned.\n"
        "2) Environment: Illegal logging will be fought.\n"
        "- Digital Trade: (repeated label, kept once)\n"
    )
    assert candidates.item_labels(text) == [
        "Digital Trade",
        "Intellectual Property",
        "Labor",
        "Environment",
    ]


def test_no_labels_from_speakers_countries_long_labels_or_a_lone_item() -> None:
    speakers = "- President Lula: We will sign.\n- Foreign Minister Berg: We agree.\n"
    countries = "- Brazil: 40 %.\n- Argentina: 35 %.\n"
    long = (
        "- Confronting State-Owned Enterprises and Subsidies Abroad: text.\n"
        "- A label of far too many words to be a subject: text.\n"
    )
    lone = "Note: the talks resume in May.\n- Tariffs: The rate falls to 10 %.\n"
    prose = "The ministers met at 10:30 in Geneva: nothing was agreed.\n"
    for text in (speakers, countries, long, lone, prose):
        assert candidates.item_labels(text) == [], text
