"""Agreement checks: titles from the evidence, document phrases, status from the article's words,
headline documents and agreements the chunk states."""

from __future__ import annotations

import re
from collections.abc import Iterator

from rapidfuzz import fuzz

from service.candidates import POSTPOSED_LANGUAGES as _POSTPOSED
from service.clean import CleanDocument
from service.extract import XAgreement
from service.ground.base import (
    FUNCTION_WORDS,
    PHRASE_MATCH,
    PHRASE_STOP,
    PREPOSITIONS,
    Found,
    Numbered,
    clean_field,
    evidence,
    phrase_in,
)
from service.ground.locate import is_stated
from service.ground.participants import has_title_word
from service.ground.status import cues, placed_cues, read_status
from service.lexicon import lexicon, stop_words
from service.schema import Agreement
from service.text import Sentence, fold, words

MAX_AGREEMENT_SENTENCES = 3


def _word_end(text: str, at: int) -> int:
    """The end of the word ``at`` is inside: lexicon nouns are stems ("memorand", "statement")."""
    while at < len(text) and (text[at].isalnum() or text[at] == "-"):
        at += 1
    return at


def document_phrase(sentences: list[Sentence], language: str = "en") -> str | None:
    """The first document or deal phrase the sentences use, in their own words (see
    ``document_phrases``)."""
    for s in sentences:
        for phrase in document_phrases(s.text, language):
            return phrase
    return None


def document_phrases(text: str, language: str = "en") -> Iterator[str]:
    """Each document or deal phrase ``text`` uses, in order, in its own words.

    From the lexicon's agreement noun, left over capitalised words ("Pax Silica Declaration"),
    lowercase modifiers before it ("digital trade agreement") or, in languages that put
    adjectives after the noun, after it ("acordo humanitário"), then a prepositional complement
    up to punctuation ("… entre as Farc e o governo colombiano").
    """
    postposed = 2 if language in _POSTPOSED else 0
    function = FUNCTION_WORDS | stop_words(language)
    breaks = lexicon().phrase_breaks(language)
    for m in lexicon().document_nouns(language).finditer(text):
        start = m.start()
        left = list(re.finditer(r"[\w’'.–-]+", text[:start]))  # "Indonesia–Australia" is a word
        for w in reversed(left[-4:]):
            if (
                w.group()[0].isupper()
                and w.group().casefold() not in FUNCTION_WORDS
                and not cues(w.group())  # a Title Case verb: "Leaders Announce Trade Deal"
                and text[w.end() : start].strip() == ""
            ):
                start = w.start()
            else:
                break
        # Lowercase modifiers right before the noun ("digital trade agreement"); where adjectives
        # follow the noun, a lowercase word before it is mostly a verb ("necesiten financiamiento")
        before = [] if postposed else list(re.finditer(r"[\w’'-]+", text[:start]))[-2:]
        for w in reversed(before):
            word = w.group().casefold()
            if (
                not w.group()[0].islower()
                or word in function
                or word.endswith(("ed", "ing"))
                or cues(word)  # a verb of outcome: "consider co-financing"
                or _opens_cue(text, w.start())  # "fecham acordo …": the cue holds the noun
                or text[w.end() : start].strip()
            ):
                break
            start = w.start()
        noun_end = _word_end(text, m.end())  # the whole word: "statements", "Memorandum"
        end = noun_end
        tail = list(re.finditer(r"[\w’'-]+|[^\w\s]", text[end:]))[:TAIL_TOKENS]
        for k, w in enumerate(tail):
            word = w.group().casefold()
            if not w.group()[0].isalnum() or word in breaks:
                break
            if word in PREPOSITIONS:
                # a complement: the preposition and what follows, up to punctuation or a verb
                rest = _complement(tail[k:], breaks)
                end = noun_end + rest[-1].end() if rest else end
                break
            if word in FUNCTION_WORDS or k == postposed:
                break
            end = noun_end + w.end()
        yield _trim_tail(" ".join(text[start:end].split()).strip(" -–"), function)


def _trim_tail(phrase: str, function: frozenset[str]) -> str:
    """The phrase without the function words its tail stopped on: a complement cut at a phrase
    break leaves its preposition behind ("Absichtserklärung über gemeinsame Streifen an" before
    "der …"). The document noun itself is never trimmed."""
    parts = phrase.split()
    while len(parts) > 1 and parts[-1].casefold() in function | PREPOSITIONS:
        parts.pop()
    return " ".join(parts)


# Tokens after a document noun that its phrase may take ("… entre Brasil, Irã e Turquia para troca
# de material nuclear").
TAIL_TOKENS = 14


def _opens_cue(text: str, at: int) -> bool:
    """A status cue of several words starts at ``at`` ("fecham acordo", "seal a deal")."""
    return any(rx.match(text, at) for rx in lexicon().status.values())


def _complement(tokens: list[re.Match[str]], breaks: frozenset[str]) -> list[re.Match[str]]:
    """A prepositional complement's tokens, up to punctuation or a verb; a comma inside a list of
    capitalised names does not end it ("entre Brasil, Irã e Turquia")."""
    out: list[re.Match[str]] = []
    for i, t in enumerate(tokens):
        word = t.group()
        if not word[0].isalnum():
            listed = (
                word == ","
                and out
                and out[-1].group()[0].isupper()
                and i + 1 < len(tokens)
                and tokens[i + 1].group()[0].isupper()
            )
            if not listed:
                break
        elif out and word.casefold() in breaks:
            break
        elif (
            out and word.casefold() in lexicon().conjunctions and not _joins_a_noun(tokens[i + 1 :])
        ):
            break  # "for signature and undertake their …": a second verb, not a second noun
        out.append(t)
    return out


def _joins_a_noun(rest: list[re.Match[str]]) -> bool:
    """The word after a conjunction starts a noun: capitalised, or an article or preposition
    ("Trade and Investment", "as Farc e o governo")."""
    if not rest:
        return False
    word = rest[0].group()
    return word[0].isupper() or word.casefold() in FUNCTION_WORDS | PREPOSITIONS


def check_agreement(
    a: XAgreement, numbered: Numbered, doc: CleanDocument, found: Found
) -> Agreement | None:
    cited = [numbered.get(n) for n in dict.fromkeys(a.sentences)]
    sentences = [s for s in cited if s is not None]
    if len(sentences) < len(cited):
        found.drops["bad_sentence"] += len(cited) - len(sentences)
    if not sentences:
        if not a.sentences:
            found.drops["no_evidence"] += 1
        return None
    title = clean_field(a.title) or ""
    grounded = True
    text = " ".join(s.text for s in sentences)
    if not phrase_in(title, text):
        # The model named the document right but pointed at a neighbour: re-point at the
        # sentence of the chunk that writes the title, when one does.
        best = next((s for s in numbered.items if phrase_in(title, s.text)), None)
        if best is not None:
            sentences = [best]
        else:
            phrase = document_phrase(sentences, doc.language)
            if phrase is None or len(phrase.split()) < 2:
                found.drops["title_not_in_evidence"] += 1
                if not found.keep_ungrounded or not title:
                    return None
                grounded = False
            else:
                title = phrase
    if not numbered.owns(min(sentences, key=lambda s: s.span.start)):
        return None
    text = " ".join(s.text for s in sentences)
    if grounded and fold(title) not in fold(text):
        title = _as_written(title, text, doc.language)
    if lexicon().meeting_nouns.search(title) and not lexicon().agreement_nouns.search(title):
        found.drops["meeting_not_agreement"] += 1
        return None
    if not (
        lexicon().agreement_nouns.search(title)
        or lexicon().agreement_nouns.search(text)
        or cues(text)
    ):
        # No document, deal or outcome word anywhere: a heading or a goal, not an agreement.
        found.drops["not_an_agreement"] += 1
        return None
    parties = [p for p in (clean_field(x) for x in a.parties) if p and is_stated(p, doc)]
    if not cues(text, title):
        # A heading or a definition ("Joint Statement on …", "Pelo acordo de Itaipu, …") says
        # nothing of the outcome: the chunk's sentence that writes the title with a status cue
        # does, and becomes evidence too.
        stating = next(
            (
                x
                for x in numbered.items
                if x not in sentences and phrase_in(title, x.text) and cues(x.text)
            ),
            None,
        )
        if stating is None:
            stating = _stated_elsewhere(title, sentences, doc) or _stated_before(
                title, sentences, doc
            )
        if stating is not None:
            sentences = [*sentences, stating][:MAX_AGREEMENT_SENTENCES]
            text = " ".join(x.text for x in sentences)
    if grounded and not cues(text, title) and not _is_headline(sentences, doc):
        # Named, but nothing happens to it in the article ("… builds on the Global Compact on
        # Refugees", "Under the Itaipu treaty, energy is split …"): background, not a reported
        # agreement. The article that is the document (its headline) states itself.
        found.drops["no_outcome"] += 1
        return None
    status = read_status(a.status, text, title)
    if status == "discussed" and _a_proposal(title):
        status = "proposed"  # "discussed Australia's proposal for …": still a proposal
    if status == "signed" and not cues(text, title) and _is_headline(sentences, doc):
        # The article is the document its headline names: signed when it closes with a signing
        # formula ("Signed at Kuala Lumpur on …", "Assinado em …"), else what it shows is its
        # release.
        status = "signed" if _signing_formula(doc) else "announced"
    return Agreement(
        title=title,
        kind=a.kind.replace("_", " "),
        parties=parties,
        status=status,
        evidence=[evidence(doc, s) for s in sorted(sentences, key=lambda s: s.span.start)],
        grounded=grounded,
    )


def _a_proposal(title: str) -> bool:
    """The document is a proposal: its title has a document noun that is a proposal cue
    ("Proposal for a regional climate finance facility", "proposta de …", "Litewska
    propozycja")."""
    lex = lexicon()
    proposed = lex.status.get("proposed")
    return proposed is not None and any(
        lex.agreement_nouns.match(title, m.start()) for m in proposed.finditer(title)
    )


def _as_written(title: str, text: str, language: str) -> str:
    """The document phrase of ``text`` that the model's near-miss ``title`` names, in the
    article's words ("Agreement on the Indonesia–Australia Comprehensive Economic Partnership
    Agreement" → "Indonesia–Australia Comprehensive Economic Partnership Agreement"), so the
    editor finds it and the status is read where it is written; the title itself when no
    phrase is that close."""
    best = max(
        document_phrases(text, language),
        key=lambda p: (fuzz.partial_ratio(fold(p), fold(title)), len(p)),
        default=None,
    )
    if best is None or len(best.split()) < 2 or len(best) < len(title) / 2:
        return title
    if fuzz.partial_ratio(fold(best), fold(title)) < PHRASE_MATCH:
        return title
    return best


def head_phrase(title: str, language: str = "en") -> str | None:
    """The words that define a titled document in running text: its document noun with the word
    that modifies it ("U.S.-UK Trade Deal" → "Trade Deal"; "Acordo Humanitário" in a language
    that puts adjectives after the noun → "Acordo Humanitário"). None when the title has no
    document noun or the noun stands alone (a bare "Deal" would match every deal)."""
    m = lexicon().document_nouns(language).search(title)
    if m is None:
        return None
    function = FUNCTION_WORDS | stop_words(language)
    end = _word_end(title, m.end())
    if len(title[m.start() : end].split()) >= 2:
        return title[m.start() : end]  # a noun of several words: "Joint Statement"
    if language in _POSTPOSED:
        nxt = re.match(r"\s+([\w-]+)", title[end:])
        if nxt and nxt.group(1).casefold() not in function:
            return title[m.start() : end + nxt.end()]
    prev = re.search(r"([\w-]+)\s+$", title[: m.start()])
    if prev and prev.group(1).casefold() not in function:
        return title[prev.start(1) : end]
    return None


def _stated_elsewhere(title: str, cited: list[Sentence], doc: CleanDocument) -> Sentence | None:
    """The article's first sentence that writes the title's defining words with a status cue
    (the model cited a sentence about the deal that says nothing of its outcome)."""
    head = head_phrase(title, doc.language)
    if head is None:
        return None
    for s in doc.sentences:
        if s not in cited and phrase_in(head, s.text) and cues(s.text):
            return s
    return None


# Sentences before a reference ("This Framework …") searched for the one that states the deal.
REFERENCE_REACH = 2


def _stated_before(title: str, cited: list[Sentence], doc: CleanDocument) -> Sentence | None:
    """For a cited sentence that refers back to the deal with a demonstrative or definite article
    and its document noun ("This Framework … seeks to …"), the nearest of the sentences just
    before it that writes that noun with a status cue ("… have agreed to a Framework …")."""
    m = lexicon().document_nouns(doc.language).search(title)
    if m is None:
        return None
    noun = title[m.start() : _word_end(title, m.end())].casefold()
    first = min(cited, key=lambda s: s.span.start)
    markers = lexicon().definite_markers(doc.language)
    refers = re.search(rf"(?<!\w)([\w’']+)\s+{re.escape(noun)}(?!\w)", first.text, re.I)
    if refers is None or refers.group(1).casefold() not in markers:
        return None
    at = next((i for i, s in enumerate(doc.sentences) if s.span == first.span), None)
    if at is None:
        return None
    for s in reversed(doc.sentences[max(0, at - REFERENCE_REACH) : at]):
        if re.search(rf"(?<!\w){re.escape(noun)}(?!\w)", s.text, re.I) and cues(s.text):
            return s
    return None


def _is_headline(sentences: list[Sentence], doc: CleanDocument) -> bool:
    """One of ``sentences`` is the article's first (its headline)."""
    return bool(doc.sentences) and any(s.span == doc.sentences[0].span for s in sentences)


def headline_document(
    numbered: Numbered, doc: CleanDocument, have: list[Agreement]
) -> Agreement | None:
    """The document the article is, when its headline is a document's name ("Joint Statement on
    …", "Declaración sobre Migración …"): the headline opens with a document noun, after
    capitalised modifiers only (no verb, cue or punctuation before it: not "Leaders Announce Trade
    Deal"), and is no sentence. Its status: a signing formula makes it signed, else announced
    (the article is its release). None when the model already cited the headline."""
    if not doc.sentences:
        return None
    head = doc.sentences[0]
    if head not in numbered.items or not numbered.owns(head):
        return None
    text = " ".join(head.text.split())
    m = lexicon().document_nouns(doc.language).search(text)
    if m is None or len(text.split()) > 30 or text.endswith((".", "?", "!")):
        return None
    before = text[: m.start()]
    if (
        re.search(r"[^\w\s.'’-]", before)
        or any(not w[0].isupper() for w in before.split())
        or cues(before)
    ):
        return None
    if any(e.start <= head.span.start < e.end for a in have for e in a.evidence):
        return None
    return Agreement(
        title=text.strip(" -–*#"),
        kind="other",
        parties=[],
        status="signed" if _signing_formula(doc) else "announced",
        evidence=[evidence(doc, head)],
    )


def _signing_formula(doc: CleanDocument) -> bool:
    """A sentence of the article opens with a signing cue: a document's closing formula."""
    return any((0, "signed") in placed_cues(s.text.lstrip(" -*_#")) for s in doc.sentences)


def stated_agreements(
    numbered: Numbered, doc: CleanDocument, have: list[Agreement]
) -> list[Agreement]:
    """Agreements the chunk states that the model did not list: an owned sentence with a document
    or deal noun and a status cue ("signed a memorandum of understanding", "agreed to propose a
    joint patrol arrangement"), titled by the document phrase it uses, its status read from it."""
    out: list[Agreement] = []
    titles_have = [_title_stems(a.title) for a in have]
    named = headline_document(numbered, doc, have)
    if named is not None:
        out.append(named)
        titles_have.append(_title_stems(named.title))
    for s in numbered.items:
        if not numbered.owns(s) or not cues(s.text) or _former_office(s.text):
            continue  # no outcome stated, or one of a former office holder's (the past)
        phrase = next(
            (
                p
                for p in document_phrases(s.text, doc.language)
                if len(p.split()) >= 2
                and not _names_a_meeting(_with_next_word(p, s.text))
                and _document_word(p, doc.language)
                and not _bare_noun(p, s.text, doc.language)
            ),
            None,
        )
        if phrase is None:
            continue
        phrase_stems = _title_stems(phrase)
        if any(_overlap(phrase_stems, t) >= 0.5 for t in titles_have):
            continue
        titles_have.append(phrase_stems)
        if len(out) == MAX_STATED_AGREEMENTS:
            break
        out.append(
            Agreement(
                title=phrase,
                kind="other",
                parties=[],
                status=read_status("discussed", s.text, phrase),
                evidence=[evidence(doc, s)],
            )
        )
    return out


def _bare_noun(phrase: str, text: str, language: str) -> bool:
    """In a language with articles and modifiers before the noun, a phrase that starts with the
    noun names a particular document only after an article and not as a purpose ("signed a
    memorandum of understanding on …"); "upon agreement of the Parties", "included partnerships
    with allied nations" and "a mechanism to continue discussions" name none."""
    articles = _ARTICLES.get(language)
    if articles is None or lexicon().document_nouns(language).match(phrase) is None:
        return False
    at = text.find(phrase)
    if at < 0:
        return False  # the phrase's spacing was collapsed: not read here
    before = words(text[:at].casefold())[-1:]
    purpose = re.match(r"[\w-]+\s+(to|zu|um)\s", phrase, re.I)
    return not before or before[0] not in articles or purpose is not None


# Articles of the languages _bare_noun reads (others have none, or put adjectives after the noun).
_ARTICLES = {
    "en": frozenset("a an the this that these those its their".split()),
    "de": frozenset("der die das den dem des ein eine einen einem einer eines".split()),
}


def _with_next_word(phrase: str, text: str) -> str:
    """``phrase`` and the word after it in ``text``: a deal noun followed by a meeting word names
    the meeting ("the Economic Prosperity Partnership Dialogue"), not a document."""
    at = text.find(phrase)
    if at < 0:
        return phrase
    nxt = re.match(r"\s*[\w-]+", text[at + len(phrase) :])
    return phrase + (nxt.group() if nxt else "")


def _names_a_meeting(phrase: str) -> bool:
    """The phrase ends in a meeting word: "Economic Prosperity Partnership Dialogue"."""
    text = phrase.rstrip(" .,;:")
    return any(m.end() == len(text) for m in lexicon().meeting_nouns.finditer(text))


def _document_word(phrase: str, language: str = "en") -> bool:
    """The phrase holds a document or deal noun as a word of its own or an inflection of it
    ("memoranda", "accords"), not as the start of another word ("accordingly", "contratación")."""
    for m in lexicon().document_nouns(language).finditer(phrase):
        rest = re.match(r"[\w-]*", phrase[m.end() :])
        if rest is not None and len(rest.group()) <= DOCUMENT_WORD_SLACK:
            return True
    return False


# Agreements code adds per chunk, beside the model's (at most 5): the first the chunk states.
MAX_STATED_AGREEMENTS = 2


# Letters a document noun's stem may be followed by in the word ("memorand|um", "declaration|s").
DOCUMENT_WORD_SLACK = 3


def _former_office(text: str) -> bool:
    """The sentence names a former office holder ("Former President X, who signed …")."""
    folded = text.casefold()
    for m in lexicon().former.finditer(folded):
        after = words(folded[m.end() : m.end() + 30])
        if after and has_title_word(after[0]):
            return True
    return False


def _title_stems(title: str) -> set[str]:
    return {w[:5] for w in words(fold(title)) if len(w) > 2 and w not in PHRASE_STOP}


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0
