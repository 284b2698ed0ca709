"""The coverage gate: does a document state every required disclosure, in the expected words?

The same check runs on the document tree before anything is written (``render``) and on the
text read back from a DOCX (``verify``), so a form can only pass if a reader would find each
required disclosure in it.

A disclosure is stated when exactly one element tagged with its id holds its wording in the
document's language, with any placeholders (clinic name, planned areas...) filled by
non-empty text. Whitespace differences do not matter; any other change of wording does.

The patient's screening answers are gated too (``check_screening``): every question asked
with the given answer ticked, and every "yes" named in an alert.
"""

from __future__ import annotations

import functools
import re
import unicodedata
import zlib
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

import attrs

from mesoconsent.document import (
    SCREENING_PREFIX,
    Checkbox,
    Document,
    Row,
    boxed_texts,
    plain_text,
    screening_key,
)
from mesoconsent.errors import DisclosureProblem
from mesoconsent.procedures import (
    DISCLOSURE_ID,
    EACH_ITS_OWN,
    FORMAT_SPEC,
    SCREENING_ID,
    Procedure,
    ScreeningQuestion,
    worded_alike,
)

if TYPE_CHECKING:  # i18n compares translations with the English as this module does
    from mesoconsent.i18n import MessageKey

# Directional isolates (U+2066-U+2069): a right-to-left document's writer puts them around
# left-to-right text so that it displays in order. Requests may not contain them
# (validation.py), so they are layout, not wording.
_ISOLATES = dict.fromkeys(range(0x2066, 0x206A))
_ISOLATE = re.compile("[\u2066-\u2069]")


def value_digest(text: str) -> str:
    """A short digest of a stated disclosure's text (whitespace and isolates normalised), which
    the document records for each disclosure holding request values (the clinic's phone,
    the treated areas), so that verify finds those values changed: the words around them are
    checked against the wording, but a value could be anything that says something. (A CRC:
    it finds edits made by hand; whoever means to deceive can rewrite the property too.)"""
    return f"{zlib.crc32(normalize_space(text).encode('utf-8')):08x}"


def format_values(digests: Iterable[tuple[str, str]]) -> str:
    """``id=digest`` pairs, space-separated: the ``mesoconsent.values`` property."""
    return " ".join(f"{disclosure_id}={digest}" for disclosure_id, digest in digests)


def parse_values(recorded: str) -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in recorded.split() if "=" in pair)


def normalize_space(text: str) -> str:
    return " ".join(_without_isolates(text).split())


def _collapsed(text: str) -> str:
    """:func:`normalize_space`, but a space at either end stays (one)."""
    return _SPACES.sub(" ", _without_isolates(text))


def _without_isolates(text: str) -> str:
    # Translating every character is slow; searching for the few that need it is not.
    if not text.isascii() and _ISOLATE.search(text):
        return text.translate(_ISOLATES)
    return text


_SPACES = re.compile(r"\s+")


def has_words(text: str) -> bool:
    """Whether ``text`` says anything: a letter or a digit, not just spaces and punctuation."""
    return any(char.isalnum() for char in text)


@attrs.frozen
class Wording:
    """Expected wording, split into the literal runs between its placeholders.

    Matching is linear in the text's length: a stored document is outside input, and a
    regular expression with several ``.+?`` gaps can take quadratic time on a crafted one.
    """

    literals: tuple[str, ...]  # one more than there are placeholders
    says_anything: bool  # a placeholder, or a letter or digit
    names: tuple[str, ...] = ()  # the placeholders' names, in order

    @classmethod
    @functools.lru_cache(maxsize=4096)
    def parse(cls, wording: str) -> Wording:
        literals = [""]
        names = []
        for index, piece in enumerate(FORMAT_SPEC.split(normalize_space(wording))):
            if index % 2 == 0 or piece == "%%":  # text, or a literal percent sign
                literals[-1] += piece if index % 2 == 0 else "%"
            else:  # a placeholder: a gap of at least one character
                literals.append("")
                names.append(piece[2:-2])
        return cls(tuple(literals), len(literals) > 1 or has_words(literals[0]), tuple(names))

    def filled(self, values: Mapping[str, str]) -> Wording:
        """This wording with each placeholder named in ``values`` replaced by its value: what
        the form must show exactly there. The others still take any text that says
        something. (Made for one form: never cached, since it holds a request's values.)"""
        if not self.names or not values:
            return self
        literals = [self.literals[0]]
        names = []
        for name, literal in zip(self.names, self.literals[1:], strict=True):
            value = values.get(name)
            if value is None:
                literals.append(literal)
                names.append(name)
            else:
                # Spaced as the text is once normalised: runs of space as one, the value's
                # edge spaces too, and none at the ends of the whole.
                literals[-1] = _collapsed(literals[-1] + value + literal)
        literals[0] = literals[0].lstrip(" ")
        literals[-1] = literals[-1].rstrip(" ")
        return Wording(tuple(literals), self.says_anything, tuple(names))

    def matches(self, text: str) -> bool:
        """Whether ``text`` (whitespace-normalised) is this wording with every gap filled."""
        if len(self.literals) == 1:
            return text == self.literals[0]
        first, *middle, last = self.literals
        if not text.startswith(first):
            return False
        position = len(first)
        for literal in middle:
            # Leftmost placement of each literal is optimal when every gap needs >= 1 character.
            found = text.find(literal, position + 1)
            if found < 0:
                return False
            position = found + len(literal)
        return text.endswith(last) and len(text) - len(last) >= position + 1


def check_coverage(
    procedure: Procedure,
    stated: Mapping[str, Sequence[str]],
    wording: Callable[[str], str],
    untagged_text: Iterable[str] = (),
    values: Mapping[str, str] | None = None,
    parsed: Mapping[str, Wording] | None = None,
) -> list[DisclosureProblem]:
    """Problems with the disclosures of a document, in the procedure's order; [] if none.

    ``stated`` maps a disclosure id to the text of every element tagged with it; ``wording``
    gives the expected (translated, unfilled) wording of an id. ``untagged_text`` is searched
    for a disclosure whose tag is gone but whose words are still there (``verify`` passes the
    paragraphs of a DOCX whose bookmarks an editor dropped). ``values`` are the request's, by
    placeholder name (render has them; a stored form does not): a placeholder so named must
    show its value exactly (:meth:`Wording.filled`). ``parsed``, where given, holds each
    id's wording already parsed (the engine keeps them per catalog: every render checks all).
    """
    problems: list[DisclosureProblem] = []
    untagged: list[str] | None = None
    values = values or {}
    for disclosure_id in procedure.required_ids:
        unfilled = parsed[disclosure_id] if parsed is not None else None
        if unfilled is None:
            unfilled = Wording.parse(wording(disclosure_id))
        expected = unfilled.filled(values) if unfilled.names else unfilled  # (most have none)
        texts = stated.get(disclosure_id, ())
        if len(texts) == 1 and expected.literals == (texts[0],) and expected.says_anything:
            continue  # the wording itself (no placeholder), with no stray space
        texts = [normalize_space(text) for text in texts]
        if not expected.says_anything:
            problems.append(DisclosureProblem(disclosure_id, "empty"))
        elif len(texts) > 1:
            problems.append(DisclosureProblem(disclosure_id, "duplicated"))
        elif texts and expected.matches(texts[0]):
            continue
        elif texts and not has_words(texts[0]):
            problems.append(DisclosureProblem(disclosure_id, "empty"))
        else:
            if untagged is None:
                untagged = [normalize_space(text) for text in untagged_text]
            if not any(expected.matches(text) for text in untagged):
                problems.append(DisclosureProblem(disclosure_id, "altered" if texts else "missing"))
    problems.extend(
        DisclosureProblem(_shown(disclosure_id, DISCLOSURE_ID), "unknown")
        for disclosure_id in stated
        if not procedure.has_disclosure(disclosure_id)
    )
    return problems


# What a problem names instead of a value that is no id at all: a template that tagged an
# element with request data (data-disclosure="{{ request.patient.full_name }}") must not get
# the patient's name into an error message, which is meant to be safe to log.
NOT_AN_ID = "(a value that is not an id)"


# What a problem names instead of text given to a translation function that is none of the
# templates' messages (_(request.patient.full_name)): it may be a patient's data.
NOT_A_MESSAGE = "text that is none of the templates' messages (a value given to _())"


def _shown(value: str, shape: re.Pattern[str]) -> str:
    return value if shape.fullmatch(value) else NOT_AN_ID


def question_lines(text: str, wording: str) -> tuple[str, str]:
    """A checklist row's first cell (``text``, as read) split where a question worded
    ``wording`` (white space normalised) ends: the lines its own words fill, a line at a
    time, and the lines after them, each normalised. Text appended on the question's last
    line is part of the first, so it no longer equals the wording; the lines after it are
    where the patient's details go, and nothing else."""
    lines = text.split("\n")
    shown = ""
    for count, line in enumerate(lines, start=1):
        # Built a line at a time, never longer than the wording and a line: rejoining all
        # the lines taken so far took time growing with the square of a crafted file's blank
        # lines before the question.
        shown = normalize_space(f"{shown} {line}")
        if len(shown) >= len(wording):
            return shown, normalize_space(" ".join(lines[count:]))
    return shown, ""


# Why a row answered "yes" fails where the patient's details are not on the form (render's
# gate), or, in a stored form, not under the question that asked for them (verify).
DETAILS_NOT_SHOWN = "details not shown"


def check_screening(
    document: Document,
    procedure: Procedure,
    answers: Mapping[str, tuple[bool, str | None]],
    question: Callable[[ScreeningQuestion], str],
    headings: tuple[str, str],
) -> list[DisclosureProblem]:
    """Problems with how a document shows the patient's screening answers (each question's
    answer and details, by id); [] if none. ``headings`` are "Yes" and "No" in the catalog's
    words.

    Each question needs exactly one checklist row (``data-screening``) that asks it, in the
    catalog's words, with the answer ticked (Yes box, then No box, under columns headed so),
    and under it, on lines of their own, nothing but the patient's details, if the row shows
    them; no other row or paragraph with boxes may ask it; the details must be on the form;
    and each question answered "yes", and no other, must be named in an alert, so the form
    never looks like a routine one nor flags an answer the patient did not give.
    """
    rows: dict[str, list[Row]] = {}
    for row in document.screening_rows():
        rows.setdefault(row.screening or "", []).append(row)
    alerts = [normalize_space(text) for text in document.alert_texts()]
    problems = _heading_problems(document, headings)
    asked_again = [normalize_space(text) for text in boxed_texts(document.blocks)]
    texts: list[str] | None = None  # every text of the form, once some details need it
    for asked in procedure.screening:
        key = asked.key
        wording = normalize_space(question(asked))
        found = rows.get(asked.id, [])
        if len(found) != 1 or any(wording in text for text in asked_again):
            # Asked again, in a row or paragraph with boxes of the template's own, the
            # question could be shown answered the other way.
            problems.append(DisclosureProblem(key, "duplicated" if found else "missing"))
            continue
        answer, details = answers[asked.id]
        given = normalize_space(details or "")
        cells = found[0].cells
        # The question opens its row's first cell, on a line of its own; under it, nothing
        # but the details the patient gave, as given (a template may show them elsewhere).
        shown, after = question_lines(plain_text(cells[0].inlines), wording) if cells else ("", "")
        if given and after != given:  # not under the question: they must be elsewhere
            texts = texts if texts is not None else [normalize_space(t) for t in document.texts()]
            if not any(given in text for text in texts):
                problems.append(DisclosureProblem(key, DETAILS_NOT_SHOWN))
                continue
        boxes = [i.checked for cell in cells for i in cell.inlines if isinstance(i, Checkbox)]
        if shown != wording or after not in ("", given):
            problems.append(DisclosureProblem(key, "altered"))
        elif boxes != [answer, not answer]:
            problems.append(DisclosureProblem(key, "wrong answer shown"))
        elif answer != any(wording in alert for alert in alerts):
            # A "no" named in the alert ("you answered Yes to ...") misstates it as a "yes",
            # as verify finds in a stored form.
            reason = "yes answer not flagged" if answer else "no answer flagged"
            problems.append(DisclosureProblem(key, reason))
    asked_ids = {asked.id for asked in procedure.screening}
    problems.extend(
        DisclosureProblem(screening_key(_shown(row_id, SCREENING_ID)), "unknown")
        for row_id in rows
        if row_id not in asked_ids
    )
    return problems


def details_digests(
    document: Document,
    procedure: Procedure,
    answers: Mapping[str, tuple[bool, str | None]],
    question: Callable[[ScreeningQuestion], str],
) -> Iterator[tuple[str, str]]:
    """A digest (:func:`value_digest`) of what each checklist row answered "yes" with details
    shows under its question, by the row's mark (``screening.<id>``), for a document
    :func:`check_screening` passed: the details, or nothing where the template shows them
    elsewhere. The document records them (``mesoconsent.values``) so that ``verify`` finds
    details deleted or rewritten after rendering ("None" for "I take warfarin"). The details
    are printed on the form: their digests tell a reader of the file nothing it does not
    show, as the signers' names' do (signing.signer_digests). Only rows with details cost
    anything: a form without them reads no row."""
    detailed = {key for key, (answer, details) in answers.items() if answer and details}
    if not detailed:
        return
    asked = {each.id: each for each in procedure.screening if each.id in detailed}
    for row in document.screening_rows():
        found = asked.get(row.screening or "")
        if found is not None and row.cells:
            wording = normalize_space(question(found))
            _, after = question_lines(plain_text(row.cells[0].inlines), wording)
            yield found.key, value_digest(after)


def _heading_problems(document: Document, headings: tuple[str, str]) -> list[DisclosureProblem]:
    """The columns of each checklist row's two boxes must be headed "Yes" then "No" (the
    catalog's words), in a header row above it: the boxes alone say nothing of which is
    which, and columns headed the other way round show every answer inverted. No other row
    of its table, above the questions or below them, boxes or not, may show other words over
    a box than its heading: a row reading "No" then "Yes" relabels every answer."""
    wanted = [normalize_space(heading) for heading in headings]
    for table in document.tables():
        if all(row.screening is None for row in table.rows):
            continue  # not a checklist (the patient's details): nothing to read
        heads: list[str] = []  # the texts of the last header row above
        others: list[list[str]] = []  # the texts of every row but the questions
        layouts: set[tuple[int, int]] = set()  # the columns the questions' boxes are in
        for row in table.rows:
            if row.screening is None:
                texts = [normalize_space(plain_text(cell.inlines)) for cell in row.cells]
                others.append(texts)  # (boxes read as nothing)
                if row.header and not any(
                    Checkbox in map(type, cell.inlines) for cell in row.cells
                ):
                    heads = texts
                continue
            columns = [
                number
                for number, cell in enumerate(row.cells)
                if Checkbox in map(type, cell.inlines)
            ]
            if len(columns) != 2:  # (not two boxes: "wrong answer shown")
                continue
            if [heads[n] if n < len(heads) else "" for n in columns] != wanted:
                return [headings_problem(headings)]
            layouts.add((columns[0], columns[1]))
        # Over each box, no other row may show anything but its heading.
        for yes, no in layouts:
            for texts in others:
                # The texts over its two boxes (only the first where the row is cut short).
                over = texts[yes : no + 1 : no - yes]
                if any(text not in ("", want) for text, want in zip(over, wanted, strict=False)):
                    return [headings_problem(headings)]
    return []


def headings_problem(headings: tuple[str, str]) -> DisclosureProblem:
    """The checklist's box columns are not headed by ``headings`` ("Yes", "No")."""
    reason = f"answer columns not headed {headings[0]!r} then {headings[1]!r}"
    return DisclosureProblem(CHECKLIST, reason)


# The name, in problems, of the screening checklist as a whole.
CHECKLIST = "checklist"


def fallback_problems(
    fallbacks: Iterable[tuple[MessageKey, str]],
    procedure: Procedure,
    catalog: str,
    known: Container[MessageKey] | None = None,
) -> list[DisclosureProblem]:
    """Text that would show in English (or blank: reason "empty") in another language's
    document, one problem per message: a required disclosure by its id, a screening question
    by ``screening.<id>``, any other text by its English words. A disclosure whose translation
    says nothing is left to :func:`check_coverage`, which reports it "empty".

    ``known`` holds the messages the templates and procedures define: another message came
    from a value a template passed to a translation function (``_(request.patient.full_name)``),
    possibly a patient's data, and is not quoted.
    """
    problems = []
    for (context, message), reason in fallbacks:
        if reason == "empty" and context is not None and procedure.has_disclosure(context):
            continue
        what = {
            "fuzzy": "has only a fuzzy translation",
            "copied": "gives the English text as its translation",
        }.get(reason, "has no translation")
        if known is not None and (context, message) not in known:
            label = NOT_A_MESSAGE
        elif context is not None and (
            procedure.has_disclosure(context) or context.startswith(SCREENING_PREFIX)
        ):
            label = context
        else:
            label = f"text {message[:60]!r}" + (f" (context {context})" if context else "")
        if reason == "empty":
            why = f"would be blank: the {catalog} catalog's translation says nothing"
        else:
            why = f"would be in English: the {catalog} catalog {what}"
        problems.append(DisclosureProblem(label, why))
    return problems


# What a catalog's "Yes" and "No" are compared with: the two words in the same language (the
# shipped catalog's, or English's), and where they come from ("the shipped fr catalog").
AnswerWords = tuple[tuple[str, str], str]


def answer_word_problems(
    words: tuple[str, str], references: Sequence[AnswerWords]
) -> list[tuple[str, DisclosureProblem]]:
    """The checklist's "Yes" and "No" as a catalog gives them (``words``) must tell the answers
    apart: not worded alike, and neither the word a reference gives for the other, which
    would head each answer's column with the other answer. Words are compared as a reader
    tells them apart: case, spaces, punctuation and characters that show nothing (a
    zero-width space, a soft hyphen) aside. Each problem comes with the English message it
    is about. Other words than the references' are a translator's choice.
    """
    yes, no = (normalize_space(word) for word in words)
    if _answer_key(yes) == _answer_key(no):
        reason = (
            f"'Yes' and 'No' are both translated {yes!r}: the checklist's two answers could "
            "not be told apart"
        )
        return [("No", DisclosureProblem(CHECKLIST, reason))]
    for (their_yes, their_no), source in references:
        for english, other, word, theirs in (
            ("Yes", "No", yes, their_no),
            ("No", "Yes", no, their_yes),
        ):
            if _answer_key(word) == _answer_key(theirs):
                reason = (
                    f"{english!r} is translated {word!r}, which {source} gives for {other!r}: "
                    "every answer would show in the other column"
                )
                return [(english, DisclosureProblem(CHECKLIST, reason))]
    return []


def _answer_key(word: str) -> str:
    """A word as a reader tells it from another: its letters, marks, digits and symbols, in
    one case and composed alike ("Non." and "non\u200b" read as "Non")."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", word).casefold())
    return "".join(char for char in folded if unicodedata.category(char)[0] not in "PZC")


def alike_problems(wordings: Mapping[str, str]) -> list[DisclosureProblem]:
    """Disclosures and screening questions (``wordings``: each one's wording, by id) that are
    worded exactly as an earlier one: one of the two says nothing of its own, so a form would
    state one disclosure twice and another never, or ask one question twice. Case and spacing
    do not tell them apart; a wording that says nothing is reported "empty" elsewhere."""
    saying = (
        (key, normalize_space(wording))
        for key, wording in wordings.items()
        if Wording.parse(wording).says_anything
    )
    return [
        DisclosureProblem(key, f"worded exactly as {first}: {EACH_ITS_OWN}")
        for key, first in worded_alike(saying)
    ]
