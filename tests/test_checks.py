"""The support checks and the pointing protocol (service/ground/: checks, participants,
agreements, notes, status)."""

from __future__ import annotations

import pytest

from service.candidates import people
from service.chunk import Chunk
from service.clean import CleanDocument, clean_text
from service.extract import ChunkExtraction, XAgreement, XNote, XParticipant
from service.ground import ground_chunk, number_sentences, read_status
from service.ground.agreements import document_phrase, head_phrase
from service.ground.notes import MAX_NOTES, is_heading
from service.ground.participants import is_side
from service.ground.status import cues
from service.merge import merge_participants
from service.summary import extractive_summary
from service.text import Sentence, Span

TEXT = (
    "GENEVA, March 3 - Secretary of State Ana Lind met Foreign Minister Tomas Berg on Monday. "
    "Former President Erik Dahl, who signed the 1990 treaty, criticised the talks. "
    "The two ministers signed a memorandum of understanding on customs data exchange. "
    "A wider digital trade agreement is still being negotiated. "
    "Norland objects to the talks and claims sovereignty over the islands. "
    "It rained in the afternoon."
)


def _doc(text: str = TEXT, language: str = "en") -> CleanDocument:
    doc = clean_text(text)
    doc.language = language
    return doc


def _ground(reply: ChunkExtraction, doc: CleanDocument | None = None, **kw: bool):  # type: ignore[no-untyped-def]
    doc = doc or _doc()
    chunk = Chunk(0, doc.body, doc.body, 100)
    numbered = number_sentences(doc, chunk)
    mentions = people(doc.view, doc.language, doc.source_text)
    return ground_chunk(reply, numbered, doc, mentions, **kw), numbered


def test_sentences_are_numbered_from_one() -> None:
    _, numbered = _ground(ChunkExtraction())
    assert numbered.get(1) and numbered.get(1).text.startswith("GENEVA")  # type: ignore[union-attr]
    assert numbered.get(0) is None and numbered.get(7) is None


# --- pointing protocol ----------------------------------------------------------------------------


def test_empty_answer_gives_no_items_and_drops_nothing() -> None:
    found, _ = _ground(ChunkExtraction())
    assert found.participants == found.agreements == found.summary == []
    assert not found.drops
    # Notes are proposed by code too: only sentences with two kinds of context or more.
    assert "Norland objects to the talks and claims sovereignty over the islands." in [
        n.note for n in found.notes
    ]
    assert all("rained" not in n.note for n in found.notes)


def test_out_of_range_numbers_are_dropped_and_counted() -> None:
    reply = ChunkExtraction(
        participants=[XParticipant(name="Kurt Vogel", role="Chancellor", sentence=0)],
        agreements=[XAgreement(title="memorandum", sentences=[40, 41])],
        notes=[XNote(sentence=-3)],
        summary=[99],
    )
    found, _ = _ground(reply)
    assert found.participants == found.agreements == found.summary == []
    assert found.drops["bad_sentence"] == 5


def test_an_out_of_range_number_beside_a_name_the_chunk_writes_is_relocated() -> None:
    reply = ChunkExtraction(
        participants=[XParticipant(name="Ana Lind", role="Secretary of State", sentence=0)]
    )
    found, _ = _ground(reply)
    [p] = found.participants
    assert p.evidence[0].quote.startswith("GENEVA") and not found.drops


def test_duplicate_numbers_give_one_item() -> None:
    reply = ChunkExtraction(notes=[XNote(sentence=5), XNote(sentence=5)], summary=[1, 1, 1])
    found, _ = _ground(reply)
    assert [n.note for n in found.notes].count(found.notes[0].note) == 1
    assert len(found.summary) == 1


def test_evidence_is_the_pointed_sentence_exactly() -> None:
    doc = _doc()
    reply = ChunkExtraction(
        participants=[XParticipant(name="Ana Lind", role="Secretary of State", sentence=1)]
    )
    found, _ = _ground(reply, doc)
    [p] = found.participants
    [e] = p.evidence
    assert doc.source_text[e.start : e.end] == e.quote and e.quote.startswith("GENEVA")


# --- participants ---------------------------------------------------------------------------------


def test_a_name_is_filled_from_the_person_next_to_the_title() -> None:
    reply = ChunkExtraction(
        participants=[
            XParticipant(name=None, role="Foreign Minister", affiliation=None, sentence=1)
        ]
    )
    [p] = _ground(reply)[0].participants
    assert (p.name, p.role) == ("Tomas Berg", "Foreign Minister")


def test_an_invented_name_is_removed_and_the_title_kept() -> None:
    reply = ChunkExtraction(
        participants=[XParticipant(name="Kurt Vogel", role="Secretary of State", sentence=1)]
    )
    found, _ = _ground(reply)
    [p] = found.participants
    assert p.name != "Kurt Vogel" and p.role == "Secretary of State"
    assert found.drops["name_not_a_person"] == 1


def test_a_former_office_holder_is_not_a_participant() -> None:
    reply = ChunkExtraction(
        participants=[XParticipant(name="Erik Dahl", role="President", sentence=2)]
    )
    found, _ = _ground(reply)
    assert found.participants == [] and found.drops["past_office"] == 1


def test_a_role_the_sentence_does_not_give_is_replaced_by_the_one_it_gives() -> None:
    reply = ChunkExtraction(
        participants=[XParticipant(name="Ana Lind", role="Prime Minister", sentence=1)]
    )
    found, _ = _ground(reply)
    [p] = found.participants
    assert p.role == "Secretary of State" and found.drops["role_not_in_evidence"] == 1


def test_a_crowd_or_a_headline_is_not_a_participant() -> None:
    reply = ChunkExtraction(
        participants=[
            XParticipant(name=None, role="officials", affiliation=None, sentence=1),
            XParticipant(name="It rained in the afternoon", role=None, sentence=6),
        ]
    )
    found, _ = _ground(reply)
    assert found.participants == [] and found.drops["not_a_participant"] == 2


@pytest.mark.parametrize(
    ("text", "side"),
    [
        ("Kingdom of Cambodia", True),
        ("Estados Unidos", True),  # CLDR names in the article's languages
        ("Stany Zjednoczone", True),
        ("Ministry of Finance", True),  # a body
        ("OEA", True),  # an acronym
        ("U.S.", True),
        ("Promover", False),  # a sentence-initial verb of a Spanish declaration
        ("Reciprocal Trade", False),  # words of a document title
    ],
)
def test_a_side_is_a_country_a_body_or_an_acronym(text: str, side: bool) -> None:
    assert is_side(text) is side


def test_a_delegation_of_something_that_is_no_side_is_dropped() -> None:
    doc = _doc(
        "Promover vías regulares de migración.\n\n"
        "La delegación de Chile participó en la reunión de trabajo."
    )
    reply = ChunkExtraction(
        participants=[
            XParticipant(name=None, role="delegation", affiliation="Promover", sentence=1),
            XParticipant(name=None, role="delegation", affiliation="Chile", sentence=2),
        ]
    )
    found, _ = _ground(reply, doc)
    assert [(p.role, p.affiliation) for p in found.participants] == [("delegation", "Chile")]
    assert found.drops["not_a_side"] == 1


# --- agreements -----------------------------------------------------------------------------------


def test_an_unstated_title_becomes_the_document_phrase_of_its_sentence() -> None:
    reply = ChunkExtraction(
        agreements=[XAgreement(title="cooperation frameworks", sentences=[3], status="signed")]
    )
    [a] = _ground(reply)[0].agreements
    assert a.title == "memorandum of understanding on customs data exchange"
    assert a.status == "signed"


def test_a_title_with_no_document_in_its_sentences_is_dropped_or_flagged() -> None:
    reply = ChunkExtraction(agreements=[XAgreement(title="Weather pact", sentences=[6])])
    found, _ = _ground(reply)
    assert found.agreements == [] and found.drops["title_not_in_evidence"] == 1
    kept, _ = _ground(reply, keep_ungrounded=True)
    assert [(a.title, a.grounded) for a in kept.agreements] == [("Weather pact", False)]


def test_status_is_read_from_the_cited_sentence() -> None:
    reply = ChunkExtraction(
        agreements=[XAgreement(title="digital trade agreement", sentences=[4], status="signed")]
    )
    [a] = _ground(reply)[0].agreements
    assert a.status == "under_negotiation"


@pytest.mark.parametrize(
    ("model", "sentence", "expected"),
    [
        ("signed", "The framework is still under negotiation.", "under_negotiation"),
        ("signed", "Os dois países assinaram o acordo de cooperação.", "signed"),
        ("signed", "O Brasil recusou a proposta de rever o tratado.", "rejected"),
        ("signed", "Las negociaciones fracasaron y no hubo acuerdo.", "discussed"),
        ("signed", "They did not sign the treaty.", "discussed"),
        ("endorsed", "Die Minister unterzeichneten das Abkommen.", "signed"),
        ("proposed", "It rained in Lima.", "proposed"),  # no cue: the model's status stands
        ("endorsed", "Chávez segue à procura do acordo humanitário.", "proposed"),
        ("endorsed", "The leaders welcomed and signed the declaration.", "endorsed"),
    ],
)
def test_status_cues_in_several_languages(model: str, sentence: str, expected: str) -> None:
    assert read_status(model, sentence) == expected


@pytest.mark.parametrize(
    ("sentence", "title", "expected"),
    [
        # the talks are the subject; the verb after the title says how they ended
        (
            "Les négociations sur le renouvellement de l'accord de pêche ont échoué mardi.",
            "accord de pêche",
            "discussed",
        ),
        ("Talks on the border treaty were rejected by the senate.", "border treaty", "rejected"),
        # no ending after the title: the talks go on
        ("Negotiations on the border treaty continue.", "border treaty", "under_negotiation"),
        # a verb before the title governs it, whatever follows
        ("They signed the border treaty, which critics rejected.", "border treaty", "signed"),
        # Polish passive participle; the title's own noun is what it is, not what happened to it
        (
            "Litewska propozycja została odrzucona przez stronę polską.",
            "Litewska propozycja",
            "rejected",
        ),
    ],
)
def test_how_talks_about_an_agreement_ended(sentence: str, title: str, expected: str) -> None:
    assert read_status("under_negotiation", sentence, title) == expected


def test_document_phrase_follows_the_language() -> None:
    s = [Sentence(Span(0, 1), "Chávez busca um acordo humanitário entre as Farc e o governo.")]
    assert document_phrase(s, "pt") == "acordo humanitário entre as Farc e o governo"
    s = [Sentence(Span(0, 1), "The Pax Silica Declaration underscores the shared interest.")]
    assert document_phrase(s, "en") == "Pax Silica Declaration"


def test_a_document_phrase_ends_on_no_preposition() -> None:
    # German "der" is a phrase break (it is also a relative pronoun): the complement stops before
    # it and must not keep the preposition it stopped after.
    text = "Sie haben eine Absichtserklärung über gemeinsame Streifen an der Grenze unterzeichnet."
    assert document_phrase([Sentence(Span(0, 1), text)], "de") == (
        "Absichtserklärung über gemeinsame Streifen"
    )


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "Ein Abkommen über den Austausch von Daten soll bis zum Sommer ausgehandelt werden.",
            "under_negotiation",
        ),
        ("Beide Seiten wollen ein Abkommen aushandeln.", "under_negotiation"),
    ],
)
def test_german_negotiation_verbs_read_as_under_negotiation(sentence: str, expected: str) -> None:
    assert read_status("proposed", sentence) == expected


# --- notes ----------------------------------------------------------------------------------------


def test_notes_are_sentences_with_context_and_filled_from_candidates() -> None:
    reply = ChunkExtraction(notes=[XNote(sentence=6, kind="other")])
    found, _ = _ground(reply)
    assert found.drops["note_without_context"] == 1
    # Sentences rich in context (objection and sovereignty) fill in.
    notes = [n.note for n in found.notes]
    assert "Norland objects to the talks and claims sovereignty over the islands." in notes
    assert all("rained" not in n for n in notes)


def test_a_weak_pick_yields_to_a_sentence_richer_in_context() -> None:
    picks = [  # one kind of context each, picked by the model: 2 points
        "Energy security came up as well.",
        "Both sides stressed supply chain stability.",
        "Trade in chips was reviewed for security.",
        "Port security was discussed.",
    ]
    # two kinds of context and a country: more such sentences than the places the picks leave
    strong = [
        "China objects to the talks and claims sovereignty over Taiwan.",
        "Japan objects to the patrols and claims sovereignty over the islands.",
        "Korea objects to the drills and claims sovereignty over the reef.",
    ][: MAX_NOTES - len(picks) + 1]
    text = " ".join([*picks, *strong, "It rained."])
    reply = ChunkExtraction(notes=[XNote(sentence=n) for n in range(1, len(picks) + 1)])
    found, _ = _ground(reply, _doc(text))
    notes = [n.note for n in found.notes]
    assert len(notes) == MAX_NOTES
    # The sentences richer in context are all kept; the model's last thin pick yields.
    assert set(strong) <= set(notes) and picks[-1] not in notes


HEADED = (
    "Norland and Sudland sign border accord\n\n"
    "OSLO, May 4 - Norland objects to the patrols and claims sovereignty over the islands.\n\n"
    "Norland rejects Sudland's sovereignty claim over the disputed islands\n\n"
    "Sudland, which is an ally of Westland, protested the sanctions imposed on it; and\n"
    "Norland protested the sanctions and the patrols, the ministry said."
)


def test_a_heading_is_no_note_though_its_words_are_context() -> None:
    doc = _doc(HEADED)
    found, numbered = _ground(ChunkExtraction(notes=[XNote(sentence=3)]), doc)
    assert numbered.get(3).text.startswith("Norland rejects")  # type: ignore[union-attr]
    notes = [n.note for n in found.notes]
    assert found.drops["note_is_heading"] == 1
    assert not any(n.startswith("Norland rejects") for n in notes)
    assert (
        "OSLO, May 4 - Norland objects to the patrols and claims sovereignty over the islands."
        in notes
    )
    # A clause that ends its line on "; and" is part of a statement, not a heading.
    assert any(n.startswith("Sudland, which is an ally") for n in notes)


TRANSCRIPT = (
    "Remarks to the Press After the Meeting\n\n"
    "OSLO, March 3, 2026\n\n"
    "MINISTER BERG: We discussed regional security and the border dispute with Sudland.\n\n"
    "QUESTION: Minister, does Norland still claim sovereignty over the islands?\n\n"
    "MINISTER BERG: Norland objects to the patrols and claims sovereignty over the islands.\n"
)


def test_a_question_is_no_note_though_its_words_are_context() -> None:
    doc = _doc(TRANSCRIPT)
    found, numbered = _ground(ChunkExtraction(notes=[XNote(sentence=4)]), doc)
    assert numbered.get(4).text.startswith("QUESTION:")  # type: ignore[union-attr]
    notes = [n.note for n in found.notes]
    assert found.drops["note_is_question"] == 1
    assert not any(n.startswith("QUESTION") for n in notes)
    assert any(n.startswith("MINISTER BERG: Norland objects") for n in notes)


def test_the_summary_passes_over_datelines_and_questions_not_the_headline() -> None:
    doc = _doc(TRANSCRIPT)
    _, numbered = _ground(ChunkExtraction(), doc)
    assert numbered.get(2).text == "OSLO, March 3, 2026"  # type: ignore[union-attr]
    picks = [[numbered.get(2), numbered.get(4), numbered.get(5)]]
    texts = [s.text for s in extractive_summary(picks, doc)]  # type: ignore[list-item]
    # the lead, then the one pick that states something: no dateline, no reporter's question
    assert texts == [
        "MINISTER BERG: We discussed regional security and the border dispute with Sudland.",
        "MINISTER BERG: Norland objects to the patrols and claims sovereignty over the islands.",
    ]
    # the headline is the article's own one-line summary: a pick of it stays
    picks = [[numbered.get(1), numbered.get(4)]]
    texts = [s.text for s in extractive_summary(picks, doc)]  # type: ignore[list-item]
    assert texts[0] == "Remarks to the Press After the Meeting"


@pytest.mark.parametrize(
    ("source", "heading"),
    [
        ("<h2>Norland rejects Sudland's sovereignty claim</h2><p>It said so.</p>", True),
        ("<p>Norland rejects Sudland's sovereignty claim, it said on Monday.</p>", False),
        ("Intro.\nNorland rejects Sudland's sovereignty claim\nMore.", True),
        ("Intro. Norland rejects Sudland's sovereignty claim\nas wrapped text goes on.", False),
        ("Intro.\nNorland rejects Sudland's sovereignty claim.\nMore.", False),
    ],
)
def test_headings_are_lines_of_their_own_without_closing_punctuation(
    source: str, heading: bool
) -> None:
    target = "Norland rejects Sudland's sovereignty claim"
    start = source.index(target)
    end = start + len(target) + (source[start + len(target)] in ".,")
    text = source[start:end]
    assert is_heading(Sentence(Span(start, end), text), source) is heading


# --- people found by code, places, stand-ins ---------------------------------------------------

from service.ground import stand_ins  # noqa: E402
from service.ground.participants import _after_titles, listed_sides, titled_people  # noqa: E402
from service.schema import Participant  # noqa: E402

SIGNING = (
    "RIGA, May 4 - Estonia's Minister of Climate Marten Kask and Latvia's Minister of Climate "
    "and Energy Ilze Berzina signed the memorandum. "
    "Former Prime Minister Olaf Rand, who signed the 1999 accord, criticised it. "
    "Opposition leader Mara Tilt said the plan was too costly. "
    "The ministers met in Vilnius, where Prime Minister Anwar Ibrahim of Malaysia joined them."
)


@pytest.mark.parametrize(
    ("sentence", "names"),
    [
        (
            "Secretary of State Ana Lind met Foreign Minister Tomas Berg.",
            ["Ana Lind", "Tomas Berg"],
        ),
        (
            "The Minister of Foreign Affairs Ana Lind met European Commission official Jonas Lind.",
            ["Ana Lind", "Jonas Lind"],
        ),
        ("O presidente Luiz Inácio Lula da Silva assinou o acordo.", ["Luiz Inácio Lula da Silva"]),
        ("President Donald J. Trump attended.", ["Donald J. Trump"]),
        ("The Foreign Ministry said Norland objects.", []),
    ],
)
def test_names_are_read_after_titles(sentence: str, names: list[str]) -> None:
    assert _after_titles(sentence) == names


def test_people_named_beside_a_title_in_a_sentence_of_taking_part_are_found_by_code() -> None:
    doc = _doc(SIGNING)
    chunk = Chunk(0, doc.body, doc.body, 100)
    numbered = number_sentences(doc, chunk)
    found = titled_people(numbered, doc, people(doc.view, "en", doc.source_text))
    got = {p.name: (p.role, p.affiliation) for p in found}
    assert got["Ilze Berzina"] == ("Latvia's Minister of Climate and Energy", "Latvia")
    assert got["Marten Kask"][1] == "Estonia"
    assert got["Anwar Ibrahim"] == ("Prime Minister", "Malaysia")
    # A former office holder, and a critic quoted in a sentence that reports no taking part.
    assert "Olaf Rand" not in got and "Mara Tilt" not in got
    for p in found:
        [e] = p.evidence
        assert p.name in doc.source_text[e.start : e.end]


def test_a_person_filed_as_a_delegation_keeps_the_name_when_the_sentence_titles_them() -> None:
    doc = _doc(
        "La délégation marocaine, conduite par le secrétaire général du ministère, Karim Benali, "
        "a rejeté la proposition. Les otages, dont Clara Rojas, attendent.",
        "fr",
    )
    reply = ChunkExtraction(
        participants=[
            XParticipant(name="Karim Benali", role="delegation", sentence=1),
            XParticipant(name="Clara Rojas", role="official", sentence=2),
        ]
    )
    found, _ = _ground(reply, doc)
    got = {p.name: p.role for p in found.participants}
    assert got.get("Karim Benali") == "secrétaire général du ministère"
    assert "Clara Rojas" not in got  # named with no title: the model's label is not enough


def test_a_topic_that_names_a_kind_of_context_needs_that_context_in_the_chunk() -> None:
    reply = ChunkExtraction(topics=["sanctions", "Rivalries", "sovereignty", "customs data"])
    found, _ = _ground(reply)  # TEXT: Norland claims sovereignty; no sanction, no rivalry
    assert found.topics == ["sovereignty", "customs data"]
    assert found.drops["topic_not_stated"] == 2


def test_german_compound_titles_find_the_people_beside_them() -> None:
    # German writes an office as one word ("Bundesinnenministerin"); no German name finder exists,
    # so the title is what finds the name.
    doc = _doc(
        "Warschau (dpa) - Bundesinnenministerin Katrin Vogler und ihr polnischer Amtskollege "
        "Tomasz Wierzbicki haben am Dienstag eine Absichtserklärung unterzeichnet. "
        "Der Innenpolitiker Jens Hollmann nannte sie zu wenig.",
        "de",
    )
    chunk = Chunk(0, doc.body, doc.body, 100)
    numbered = number_sentences(doc, chunk)
    got = {p.name: p.role for p in titled_people(numbered, doc, [])}
    assert got == {"Katrin Vogler": "Bundesinnenministerin", "Tomasz Wierzbicki": "Amtskollege"}


def test_a_side_written_beside_the_name_wins_over_a_guessed_one() -> None:
    doc = _doc(SIGNING)
    reply = ChunkExtraction(
        participants=[
            XParticipant(
                name="Anwar Ibrahim", role="Prime Minister", affiliation="Latvia", sentence=4
            )
        ]
    )
    [p] = _ground(reply, doc)[0].participants
    assert p.affiliation == "Malaysia"


@pytest.mark.parametrize(
    ("sentence", "language", "name", "side"),
    [
        (
            "O presidente da Venezuela, Hugo Chávez, disse hoje que a missão fracassou.",
            "pt",
            "Hugo Chávez",
            "Venezuela",
        ),
        (
            "Later the Prime Minister of Malaysia, Anwar Ibrahim, opened the talks.",
            "en",
            "Anwar Ibrahim",
            "Malaysia",
        ),
        (
            "Venezuela's President Hugo Chávez said the mission had failed.",
            "en",
            "Hugo Chávez",
            "Venezuela",
        ),
        # the side is the country right before "'s", however far left the sentence starts
        (
            "They met in Caracas with Venezuela's President Hugo Chávez on Monday.",
            "en",
            "Hugo Chávez",
            "Venezuela",
        ),
    ],
)
def test_the_country_of_the_title_written_before_the_name_is_the_side(
    sentence: str, language: str, name: str, side: str
) -> None:
    doc = _doc(f"Talks ended in Caracas.\n\n{sentence}", language)
    reply = ChunkExtraction(
        participants=[
            XParticipant(name=name, role="president", sentence=2),
            XParticipant(name=None, role="government", affiliation=side, sentence=2),
        ]
    )
    found = _ground(reply, doc)[0]
    person = next(p for p in found.participants if p.name == name)
    assert person.affiliation == side
    # the government stand-in is now redundant: the side is named by its president
    kept, _ = stand_ins(merge_participants(found.participants))
    assert [(p.name, p.affiliation) for p in kept] == [(name, side)]


def test_a_side_stands_in_only_where_the_article_says_it_took_part() -> None:
    doc = _doc(
        "Lula e Lugo assinaram hoje o acordo da ponte.\n\n"
        "O Uruguai manifestou interesse em comprar a energia.\n\n"
        "Emmanuel é filho de uma refém das FARC.\n\n"
        "Fracassaram as negociações com as FARC para o resgate.",
        "pt",
    )
    reply = ChunkExtraction(
        participants=[
            XParticipant(name=None, role="delegation", affiliation="Uruguai", sentence=2),
            XParticipant(name=None, role="delegation", affiliation="FARC", sentence=3),
        ]
    )
    found = _ground(reply, doc)[0]
    [farc] = found.participants
    assert farc.affiliation == "FARC"
    # cited where the FARC are only mentioned: re-pointed at the sentence of the talks
    assert [e.quote for e in farc.evidence] == [
        "Fracassaram as negociações com as FARC para o resgate."
    ]
    assert found.drops["side_not_taking_part"] == 1  # Uruguay only showed interest


def test_a_name_cited_with_the_wrong_sentence_gets_the_sentence_that_names_it() -> None:
    doc = _doc(SIGNING)
    reply = ChunkExtraction(
        participants=[XParticipant(name="Ilze Berzina", role="Minister", sentence=3)]
    )
    [p] = _ground(reply, doc)[0].participants
    [e] = p.evidence
    assert "Ilze Berzina" in e.quote and "Opposition" not in e.quote


@pytest.mark.parametrize(
    ("text", "language", "name"),
    [
        ("O acordo foi fechado em Teerã. Lula disse que o acordo de Teerã é justo.", "pt", "Teerã"),
        (
            "Los jefes de Estado, reunidos en Los Ángeles, firmaron la declaración.",
            "es",
            "Los Ángeles",
        ),
        ("Leaders of Barbados, Belize and Chile signed the declaration.", "en", "Belize"),
    ],
)
def test_a_place_given_as_a_name_is_not_a_person(text: str, language: str, name: str) -> None:
    doc = _doc(text, language)
    reply = ChunkExtraction(participants=[XParticipant(name=name, role="President", sentence=1)])
    found, _ = _ground(reply, doc)
    assert all(p.name != name for p in found.participants)


def test_a_one_word_name_needs_a_full_name_or_a_title_somewhere() -> None:
    text = (
        "O presidente Luiz Inácio Lula da Silva assinou o acordo. "
        "Lula falou no programa Café com o Presidente."
    )
    doc = _doc(text, "pt")
    reply = ChunkExtraction(
        participants=[
            XParticipant(name="Lula", role="presidente", sentence=2),
            XParticipant(name="Café", role="Presidente", sentence=2),
        ]
    )
    names = [p.name for p in _ground(reply, doc)[0].participants]
    assert "Lula" in names and "Café" not in names


def _p(name: str | None, role: str, affiliation: str) -> Participant:
    return Participant(name=name, role=role, affiliation=affiliation, evidence=[])


def test_a_stand_in_for_a_side_someone_already_stands_for_is_dropped() -> None:
    kept, dropped = stand_ins(
        [
            _p("Fernando Lugo", "president", "Paraguai"),
            _p(None, "delegation", "Paraguai"),
            _p(None, "delegation", "Uruguai"),
            _p(None, "government", "Uruguai"),
            _p(None, "Under Secretary for Economic Affairs", "United States"),
            _p(None, "government", "U.S."),
            Participant(name="Anwar Ibrahim", role="Prime Minister of Malaysia", evidence=[]),
            _p(None, "government", "Malaysia"),  # the side is named in a title
        ]
    )
    assert [(p.name, p.role, p.affiliation) for p in kept] == [
        ("Fernando Lugo", "president", "Paraguai"),
        (None, "delegation of Uruguai", "Uruguai"),  # the side is part of a stand-in's role
        (None, "Under Secretary for Economic Affairs", "United States"),
        ("Anwar Ibrahim", "Prime Minister of Malaysia", None),
    ]
    assert dropped == 4


@pytest.mark.parametrize(
    ("text", "sides"),
    [
        (
            "Nosotros, los Jefes de Estado y de Gobierno de la República Argentina, Barbados, "
            "Belice, la República de Chile y Jamaica, reunidos en Los Ángeles, declaramos.",
            ["Argentina", "Barbados", "Belice", "Chile", "Jamaica"],
        ),
        (
            "Os presidentes do Brasil, da Bolívia e do Chile assinaram o acordo.",
            ["Brasil", "Bolívia", "Chile"],
        ),
        # Two countries are no list; a list in a sentence that reports no taking part is context.
        ("The leaders of Estonia and Latvia signed a memorandum.", []),
        ("Exports to China, Japan and Korea grew last year.", []),
    ],
)
def test_countries_listed_in_a_sentence_of_taking_part_are_delegations(
    text: str, sides: list[str]
) -> None:
    doc = _doc(text, "es")
    numbered = number_sentences(doc, Chunk(0, doc.body, doc.body, 100))
    found = listed_sides(numbered, doc)
    assert [p.affiliation for p in found] == sides
    assert all(p.name is None and p.role == "delegation" for p in found)


@pytest.mark.parametrize(
    ("model", "title", "sentence", "expected"),
    [
        # Two deals in one sentence: each takes the cue of its own clause.
        (
            "signed",
            "digital trade agreement",
            "They signed a customs memorandum; a digital trade agreement is still being negotiated.",
            "under_negotiation",
        ),
        # The verb that governs the title, not another cue of the sentence.
        (
            "agreed_in_principle",
            "joint patrol arrangement",
            "The ministers discussed cables and agreed to propose a joint patrol arrangement.",
            "proposed",
        ),
        (
            "rejected",
            "common capacity market",
            "No agreement was reached on a common capacity market, which Estonia opposes.",
            "discussed",
        ),
        # The title not written: any cue of the sentence, as before.
        ("signed", "Pax Silica", "The declaration was endorsed by both sides.", "endorsed"),
        # A cue after another named document is that document's, not this one's.
        (
            "discussed",
            "Acquisition and Cross-Servicing Agreement",
            "The Acquisition and Cross-Servicing Agreement would build on the Reciprocal Access "
            "Agreement the two countries signed in 2024.",
            "discussed",
        ),
        (
            "discussed",
            "Reciprocal Access Agreement",
            "The Acquisition and Cross-Servicing Agreement would build on the Reciprocal Access "
            "Agreement the two countries signed in 2024.",
            "signed",
        ),
        # The title's own noun right after it, or a lowercase back-reference, is no other one.
        ("signed", "Pax Silica", "The Pax Silica Declaration was endorsed.", "endorsed"),
        (
            "discussed",
            "Harbour Accord",
            "The Harbour Accord, as the pact is known, was signed on Monday.",
            "signed",
        ),
        # Italian cues (service/lexicon/it.yaml).
        (
            "signed",
            "pacchetto di aiuti",
            "Resta invece aperta la trattativa sul pacchetto di aiuti.",
            "under_negotiation",
        ),
        (
            "signed",
            "proposta tunisina",
            "Roma e Bruxelles hanno respinto la proposta tunisina.",
            "rejected",
        ),
    ],
)
def test_status_is_read_from_the_clause_that_names_the_agreement(
    model: str, title: str, sentence: str, expected: str
) -> None:
    assert read_status(model, sentence, title) == expected


def test_a_heading_or_goal_with_no_document_deal_or_outcome_word_is_not_an_agreement() -> None:
    doc = _doc("Promote regular pathways for migration.\nThe ministers met in Lima on Monday.")
    reply = ChunkExtraction(
        agreements=[
            XAgreement(title="Promote regular pathways for migration", sentences=[1]),
            XAgreement(title="Lima talks outcome", sentences=[2]),
        ]
    )
    found, _ = _ground(reply, doc)
    assert found.agreements == []
    assert found.drops["not_an_agreement"] >= 1


def test_agreements_the_chunk_states_are_found_by_code_when_the_model_misses_them() -> None:
    found, _ = _ground(ChunkExtraction())  # the model lists no agreement
    titles = {a.title: a.status for a in found.stated}
    assert not any("1990" in t for t in titles)  # a former office holder's treaty is the past
    assert titles.get("memorandum of understanding on customs data exchange") == "signed"
    assert titles.get("digital trade agreement") == "under_negotiation"
    for a in found.stated:
        assert a.title in a.evidence[0].quote


@pytest.mark.parametrize(
    "sentence",
    [
        # a deal noun that is the first part of a meeting's name
        "This round of talks was the sixth in the series known as the Economic Prosperity "
        "Partnership Dialogue.",
        # another language's document noun in an English sentence (French "engagement")
        "The forum was launched in 2020 and has become a platform for bilateral engagement.",
        # a bare noun: consent, a list of means, a purpose
        "Talks may move to a third country upon agreement of the Parties.",
        "Strategies discussed included partnerships with allied nations.",
        "The Parties will establish a mechanism to continue discussions about trade.",
    ],
)
def test_code_finds_no_agreement_where_a_sentence_names_no_particular_document(
    sentence: str,
) -> None:
    found, _ = _ground(ChunkExtraction(), _doc(sentence))
    assert found.stated == [], [a.title for a in found.stated]


def test_code_finds_a_document_named_with_its_modifiers_in_a_stated_outcome() -> None:
    doc = _doc("During the meetings, officials endorsed key joint statements on supply chains.")
    found, _ = _ground(ChunkExtraction(), doc)
    assert [(a.title, a.status) for a in found.stated] == [
        ("key joint statements on supply chains", "endorsed")
    ]


def test_a_stated_document_phrase_starts_at_no_verb_or_function_word() -> None:
    doc = _doc(
        "Reafirmamos nuestro compromiso compartido de apoyar a las comunidades de acogida.", "es"
    )
    assert document_phrase(list(doc.sentences), "es") == (
        "compromiso compartido de apoyar a las comunidades de acogida"
    )


def test_document_nouns_are_those_of_the_article_language_and_english() -> None:
    from service.lexicon import lexicon

    lex = lexicon()
    assert lex.document_nouns("fr").search("un engagement commun")
    assert not lex.document_nouns("en").search("bilateral engagement")
    assert lex.document_nouns("pt").search("the Artemis Accords")  # English titles in any article
    assert lex.document_nouns("pt").search("o acordo humanitário")


def test_a_stated_agreement_the_model_listed_is_not_added_twice() -> None:
    reply = ChunkExtraction(
        agreements=[XAgreement(title="memorandum of understanding", sentences=[3], status="signed")]
    )
    found, _ = _ground(reply)
    assert sum("memorandum" in a.title for a in found.agreements + found.stated) == 1


def test_a_document_noun_inside_another_word_is_no_document() -> None:
    from service.ground.agreements import _document_word

    assert _document_word("memorandum of understanding")
    assert not _document_word("modify accordingly")


def test_a_bare_noun_is_read_in_a_sentence_with_irregular_spacing() -> None:
    from service.ground.agreements import _bare_noun

    assert _bare_noun("agreement of the Parties", "upon agreement of the Parties.", "en")
    assert not _bare_noun(
        "memorandum of understanding", "signed a memorandum of understanding", "en"
    )
    # the phrase (spacing collapsed) is not found verbatim: not dropped on a guess
    assert not _bare_noun("agreement of the Parties", "upon agreement  of the\nParties.", "en")


def test_context_cues_are_those_of_the_article_language_and_english() -> None:
    from service.ground.notes import context_classes

    critical = "Such meetings are critical for addressing technological disruptions."
    assert "objection" not in context_classes(critical, "en")  # Portuguese "critic-" is not English
    assert "objection" in context_classes("O governo criticou a decisão.", "pt")
    assert "objection" in context_classes("China continues to object to the visits.", "pt")


def test_status_comes_from_another_sentence_that_writes_the_deals_defining_words() -> None:
    doc = _doc(
        "The two leaders announced a historic trade deal in London on Thursday.\n\n"
        "The U.S.-UK Trade Deal will open markets for exporters."
    )
    reply = ChunkExtraction(
        agreements=[XAgreement(title="U.S.-UK Trade Deal", sentences=[2], status="signed")]
    )
    [a] = _ground(reply, doc)[0].agreements
    assert a.status == "announced"
    assert a.evidence[0].quote.startswith("The two leaders announced")


@pytest.mark.parametrize(
    ("title", "language", "head"),
    [
        ("U.S.-UK Trade Deal", "en", "Trade Deal"),
        ("Acordo Humanitário entre as partes", "pt", "Acordo Humanitário"),
        ("Deal", "en", None),  # a bare noun would match every deal
        ("Pax Silica", "en", None),  # no document noun
    ],
)
def test_the_head_phrase_is_the_document_noun_with_its_modifier(
    title: str, language: str, head: str | None
) -> None:
    assert head_phrase(title, language) == head


def test_a_document_the_headline_names_with_no_outcome_stated_is_announced_not_signed() -> None:
    doc = _doc(
        "Joint Statement on Economic and Trade Meeting in Geneva\n\n"
        "The two sides held talks on tariffs in Geneva."
    )
    title = "Joint Statement on Economic and Trade Meeting in Geneva"
    signed = ChunkExtraction(agreements=[XAgreement(title=title, sentences=[1], status="signed")])
    [a] = _ground(signed, doc)[0].agreements
    assert a.status == "announced"
    endorsed = ChunkExtraction(
        agreements=[XAgreement(title=title, sentences=[1], status="endorsed")]
    )
    [b] = _ground(endorsed, doc)[0].agreements
    assert b.status == "endorsed"  # only an unstated signing is corrected
    stated = _doc(f"{title}\n\nThe joint statement was signed by both delegations in Geneva.")
    [c] = _ground(signed, stated)[0].agreements
    assert c.status == "signed"


def test_a_headline_document_that_closes_with_a_signing_formula_is_signed() -> None:
    title = "Joint Declaration on the outcomes of the meeting in Kuala Lumpur"
    doc = _doc(f"{title}\n\nBoth sides reaffirm peace.\n\nSigned at Kuala Lumpur on 26 October.")
    reply = ChunkExtraction(agreements=[XAgreement(title=title, sentences=[1], status="signed")])
    [a] = _ground(reply, doc)[0].agreements
    assert a.status == "signed"


@pytest.mark.parametrize(
    ("headline", "body", "expected"),
    [
        # the article is the document its headline names: its release
        ("Joint Statement on Trade Talks in Geneva", "The two sides met in Geneva.", "announced"),
        (
            "Declaración sobre Migración y Protección",
            "Reafirmamos nuestro compromiso.\n\nFirmado en Los Ángeles el 10 de junio.",
            "signed",
        ),
        # a news headline that reports a deal is no document's name
        ("Leaders Announce Trade Deal", "The two leaders met in London.", None),
        ("Lula e Morales assinam acordo", "Os presidentes se reuniram.", None),
        ("Ministers met in Geneva.", "They talked.", None),
    ],
)
def test_a_headline_that_names_a_document_is_an_agreement_found_by_code(
    headline: str, body: str, expected: str | None
) -> None:
    doc = _doc(f"{headline}\n\n{body}", "es" if "Declaración" in headline else "en")
    found, _ = _ground(ChunkExtraction(), doc)
    named = [a for a in found.stated if a.title == headline]
    assert [a.status for a in named] == ([expected] if expected else [])


def test_a_headline_document_the_model_cited_is_not_added_again() -> None:
    doc = _doc("Joint Statement on Trade Talks in Geneva\n\nThe two sides met in Geneva.")
    title = "Joint Statement on Trade Talks in Geneva"
    reply = ChunkExtraction(agreements=[XAgreement(title=title, sentences=[1], status="signed")])
    found, _ = _ground(reply, doc)
    assert [a.title for a in found.agreements] == [title] and found.stated == []


@pytest.mark.parametrize(
    ("sentence", "phrase"),
    [
        # an outcome verb before the noun is no modifier of it, lowercase or Title Case
        (
            "The Commission is ready to consider co-financing of the new cable.",
            "co-financing of the new cable",
        ),
        ("Leaders Announce Trade Deal", "Trade Deal"),
        ("The two ministers signed a digital trade agreement.", "digital trade agreement"),
    ],
)
def test_a_document_phrase_takes_no_outcome_verb_as_a_modifier(sentence: str, phrase: str) -> None:
    assert document_phrase([Sentence(Span(0, len(sentence)), sentence)]) == phrase


# --- references, purposes, meetings ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # the document as the subject: what it seeks is its purpose, not a proposal
        ("The Accord on Rivers (Accord) seeks to cut pollution.", "signed"),
        ("O acordo busca reduzir as tarifas.", "signed"),
        ("The ministers seek an accord on rivers.", "proposed"),
    ],
)
def test_a_document_seeking_something_states_its_purpose_not_a_proposal(
    sentence: str, expected: str
) -> None:
    assert read_status("signed", sentence) == expected


@pytest.mark.parametrize(
    ("cited", "status", "evidence"),
    [
        # "This Framework …" refers back: the sentence before states the outcome
        (
            "This Framework for Cooperation on River Trade seeks to lower fees for barges.",
            "agreed_in_principle",
            ["Norland and Sudria", "This Framework for"],
        ),
        # a cue in the cited sentence itself: nothing is borrowed
        (
            "A Framework for Cooperation on River Trade was signed to lower fees for barges.",
            "signed",
            ["A Framework for Co"],
        ),
    ],
)
def test_a_reference_back_to_a_deal_takes_its_status_from_the_sentence_before(
    cited: str, status: str, evidence: list[str]
) -> None:
    doc = _doc(f"Norland and Sudria have agreed to a Framework on river trade.\n\n{cited}")
    title = "Framework for Cooperation on River Trade"
    reply = ChunkExtraction(agreements=[XAgreement(title=title, sentences=[2], status="signed")])
    [a] = _ground(reply, doc)[0].agreements
    assert a.status == status
    assert [e.quote[:18] for e in a.evidence] == evidence


@pytest.mark.parametrize(
    "sentence",
    [
        # an indefinite mention borrows no outcome and states none
        "A Framework for Cooperation on River Trade could lower fees for barges.",
        # a deal the declaration builds on: named, nothing happens to it
        "This Declaration builds on the Framework for Cooperation on River Trade.",
        "Pelo Framework for Cooperation on River Trade, a energia é dividida igualmente.",
    ],
)
def test_an_agreement_the_article_only_names_is_background_and_dropped(sentence: str) -> None:
    doc = _doc(f"Ministers of Norland and Sudria met in Tarn on river trade.\n\n{sentence}")
    title = "Framework for Cooperation on River Trade"
    reply = ChunkExtraction(agreements=[XAgreement(title=title, sentences=[2], status="signed")])
    found = _ground(reply, doc)[0]
    assert found.agreements == []
    assert found.drops["no_outcome"] == 1


@pytest.mark.parametrize(
    ("sentence", "language", "phrase"),
    [
        # a comma inside a list of names does not end the complement
        (
            "Lula disse que o acordo fechado entre Brasil, Chile e Peru para troca de gás foi bom.",
            "pt",
            "acordo fechado entre Brasil, Chile e Peru para troca de gás",
        ),
        # a conjunction before a verb ends it; before a name or an article it does not
        (
            "They will finalize the Agreement for signature and undertake domestic steps.",
            "en",
            "Agreement for signature",
        ),
        (
            "They signed the Agreement on Rivers and Lakes yesterday.",
            "en",
            "Agreement on Rivers and Lakes yesterday",
        ),
    ],
)
def test_a_document_phrase_complement_spans_lists_and_stops_at_verbs(
    sentence: str, language: str, phrase: str
) -> None:
    assert document_phrase([Sentence(Span(0, len(sentence)), sentence)], language) == phrase


def test_a_title_naming_a_conference_is_no_agreement_in_any_language() -> None:
    doc = _doc(
        "Afirmamos el trabajo de la Conferencia Regional sobre Comercio y del Foro Andino.",
        "es",
    )
    reply = ChunkExtraction(
        agreements=[
            XAgreement(title="Conferencia Regional sobre Comercio", sentences=[1]),
            XAgreement(title="Foro Andino", sentences=[1]),
        ]
    )
    found = _ground(reply, doc)[0]
    assert found.agreements == []
    assert found.drops["meeting_not_agreement"] == 2


def test_a_role_with_only_a_qualifying_word_is_no_title() -> None:
    doc = _doc("Norland-Sudria Reach Historic Trade Deal\n\nThe two sides met in Oslo on Monday.")
    reply = ChunkExtraction(
        participants=[
            XParticipant(
                name="Norland-Sudria Reach Historic Trade",
                role="delegation",
                affiliation="Norland",
                sentence=1,
            )
        ]
    )
    found = _ground(reply, doc)[0]
    assert found.participants == []
    assert found.drops["not_a_participant"] == 1


def test_a_side_cut_off_after_a_function_word_is_no_side() -> None:
    doc = _doc(
        "Pretendemos facilitar el intercambio entre las fuerzas de seguridad regionales con el fin "
        "de apoyar la investigación.",
        "es",
    )
    reply = ChunkExtraction(
        participants=[
            XParticipant(
                name=None,
                role="delegation",
                affiliation="Fuerzas de seguridad regionales con",
                sentence=1,
            )
        ]
    )
    assert _ground(reply, doc)[0].participants == []


@pytest.mark.parametrize(
    ("text", "found"),
    [
        # "acoger" is to welcome a decision only with "con" (beneplácito, satisfacción) …
        ("Acogemos con beneplácito la Declaración de Los Ángeles.", ["endorsed"]),
        # … and to host people otherwise: no outcome of any document
        ("Las comunidades que acogen a los refugiados necesitan financiamiento.", []),
    ],
)
def test_spanish_acoger_endorses_only_as_welcoming(text: str, found: list[str]) -> None:
    assert cues(text) == found


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # headlines report in the present tense
        ("Dilma e Lugo fecham acordo para construção da ponte", ["announced"]),
        ("Argentina y Chile firman un tratado de límites", ["signed"]),
        # "signs" is left out: "signs of a deal" would read as a signing
        ("There were signs of a trade deal.", []),
        ("Un signe de bonne volonté envers le traité.", []),  # French "signe" likewise
        ("EU and China agree to a framework on steel", ["agreed_in_principle"]),
        # a closed deal is done, not agreed in principle with terms to come
        ("O acordo fechado entre os dois países foi celebrado.", ["signed", "announced"]),
    ],
)
def test_present_tense_outcome_verbs_are_cues(sentence: str, expected: list[str]) -> None:
    assert cues(sentence) == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("The United States will agree to an alternative arrangement on autos.", "announced"),
        ("The ministers will sign the memorandum on Friday.", "announced"),
        ("O Brasil vai assinar o acordo em março.", "announced"),
        ("The ministers signed the memorandum on Friday.", "signed"),
        ("The two sides will negotiate an arrangement on steel.", "under_negotiation"),
    ],
)
def test_an_outcome_someone_will_reach_is_announced_not_done(sentence: str, expected: str) -> None:
    assert read_status("signed", sentence) == expected


def test_a_headline_verb_is_no_modifier_of_the_document() -> None:
    s = [Sentence(Span(0, 1), "Dilma e Lugo fecham acordo para construção da segunda ponte")]
    assert document_phrase(s, "pt") == "acordo para construção da segunda ponte"


def test_code_takes_the_sentences_document_phrase_that_names_a_particular_deal() -> None:
    # the first noun is a bare reference back ("rever o acordo"); the second names the deal
    doc = _doc(
        "O Brasil insiste que não há necessidade de rever o acordo, já que o Congresso aprovou "
        "a proposta para triplicar o preço da energia.",
        "pt",
    )
    found, _ = _ground(ChunkExtraction(), doc)
    [a] = found.stated
    assert a.title == "proposta para triplicar o preço da energia"
    # "proposta" is the title's own noun, not what happened to it: the Congress approved it
    assert a.status == "endorsed"


def test_notes_prefer_a_sentence_that_names_a_third_party() -> None:
    text = (
        "Taiwan and the United States held a dialogue in Taipei. "
        "Taiwan and the United States deepened their partnership. "
        "The United States called Taiwan a partner in security. "
        "Taiwan thanked the United States for its security partnership. "
        "The United States and Taiwan discussed alliance and security questions. "
        "China objects to the talks with Taiwan."
    )
    found, _ = _ground(ChunkExtraction(), _doc(text))
    notes = [n.note for n in found.notes]
    # one kind of context, but it names a country that is neither side
    assert "China objects to the talks with Taiwan." in notes


def test_a_topic_the_grammar_cut_at_the_schema_bound_is_dropped() -> None:
    cut = "sustainable, long-term, and mutually-ben"
    assert len(cut) == 40
    reply = ChunkExtraction(topics=[cut, "tariffs"])
    assert _ground(reply)[0].topics == ["tariffs"]


def test_where_adjectives_follow_the_noun_a_word_before_it_is_no_modifier() -> None:
    text = "Los países que acogen migrantes necesiten financiamiento internacional."
    s = [Sentence(Span(0, 1), text)]
    assert document_phrase(s, "es") == "financiamiento internacional"
    s = [Sentence(Span(0, 1), "The ministers discussed a digital trade agreement.")]
    assert document_phrase(s, "en") == "digital trade agreement"


def test_a_near_miss_title_becomes_the_document_phrase_the_sentence_writes() -> None:
    text = (
        "Ministers noted progress in negotiations on an upgrade of the Indonesia–Australia "
        "Comprehensive Economic Partnership Agreement and agreed to conclude the review."
    )
    title = "Agreement on the Indonesia–Australia Comprehensive Economic Partnership Agreement"
    reply = ChunkExtraction(
        agreements=[XAgreement(title=title, sentences=[1], status="agreed_in_principle")]
    )
    [a] = _ground(reply, _doc(text))[0].agreements
    # the article's words, so the status is read where they stand: the talks go on
    assert a.title == "Indonesia–Australia Comprehensive Economic Partnership Agreement"
    assert a.status == "under_negotiation"


def test_a_proposal_that_was_only_discussed_is_proposed() -> None:
    text = "Ministers discussed Australia's proposal for a regional climate finance facility."
    title = "proposal for a regional climate finance facility"
    reply = ChunkExtraction(agreements=[XAgreement(title=title, sentences=[1], status="signed")])
    [a] = _ground(reply, _doc(text))[0].agreements
    assert a.status == "proposed"
    text = "Ministers rejected Australia's proposal for a regional climate finance facility."
    [a] = _ground(reply, _doc(text))[0].agreements
    assert a.status == "rejected"


@pytest.mark.parametrize(
    ("dateline", "agency"),
    [
        ("MANILA, Dec 8 (Reuters) - ", "Reuters"),
        ("ROMA (ANSA) - ", "ANSA"),
        ("BERLIN (dpa) – ", "dpa"),
    ],
)
def test_the_news_agency_of_a_dateline_is_no_participant(dateline: str, agency: str) -> None:
    text = f"{dateline}Foreign Minister Tomas Berg met the delegation of Norland on Monday."
    reply = ChunkExtraction(
        participants=[
            XParticipant(name=agency, role="delegation", sentence=1),
            XParticipant(name="Tomas Berg", role="Foreign Minister", sentence=1),
        ]
    )
    found, _ = _ground(reply, _doc(text))
    assert [p.name for p in found.participants] == ["Tomas Berg"]
    assert found.drops["news_agency_credit"] == 1


def test_a_title_given_as_the_affiliation_is_no_side() -> None:
    text = "Philippine Defence Secretary Ramon Castillo met the Japanese delegation in Manila."
    reply = ChunkExtraction(
        participants=[
            XParticipant(
                name="Ramon Castillo",
                role="Defence Secretary",
                affiliation="Philippine Defence Secretary",
                sentence=1,
            )
        ]
    )
    [p] = _ground(reply, _doc(text))[0].participants
    assert p.name == "Ramon Castillo" and p.affiliation is None  # no country named as such
    # where the article writes the country, the nationality adjective of the title names it
    text += " The Philippines and Japan agreed to hold drills."
    [p] = _ground(reply, _doc(text))[0].participants
    assert p.affiliation == "Philippines"
