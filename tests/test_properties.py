"""Property-based tests: the guarantee holds for generated requests, not just the example."""

from __future__ import annotations

import copy
import datetime as dt
import io
import pickle
import re
import unicodedata
import zipfile
from collections.abc import Callable
from types import MappingProxyType

import attrs
import lxml.html
from hypothesis import given
from hypothesis import strategies as st

import mesoconsent
from mesoconsent import ConsentRequest, ScreeningAnswer
from mesoconsent.compose import disclosure_wording, question_wording
from mesoconsent.coverage import Wording, normalize_space
from mesoconsent.i18n import Catalog
from tests.helpers import docx_paragraph_texts, example, unguarded_spaces

ENGINE = mesoconsent.default_engine()
PROCEDURE = ENGINE.procedures["mesotherapy"]
# Every shipped locale, and identifiers as users write them (negotiated to one of them).
LOCALES = sorted(
    {*ENGINE.locales, "en-US", "en_GB", "fr-CA", "de-AT", "pt-BR", "es-MX", "ar-EG", "tr-TR"}
)
ISOLATES = dict.fromkeys(range(0x2066, 0x206A))


def catalog_for(locale: str) -> Catalog:
    return ENGINE._catalog_for(locale)


def read_texts(content: bytes) -> list[str]:
    """The DOCX's paragraphs as python-docx reads them, without the directional isolates a
    right-to-left document puts around left-to-right text (invisible layout characters)."""
    return [text.translate(ISOLATES) for text in docx_paragraph_texts(content)]


# Any character a name can hold: every script, emoji, symbols, combining marks, right-to-left
# text and marks, private use, unassigned code points. Not: control characters, line and
# paragraph separators, bidirectional embeddings/overrides/isolates, unpaired surrogates and
# non-characters, which validation refuses (tested in test_request_loading).
NONCHARACTERS = [chr(code) for code in range(0xFDD0, 0xFDF0)] + [
    chr(plane << 16 | last) for plane in range(17) for last in (0xFFFE, 0xFFFF)
]
REFUSED = "".join(NONCHARACTERS) + "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
BLANK_GLYPHS = "\u2800\u3164\u115f\u1160\uffa0\U0001d159"
printable = st.characters(
    blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters=REFUSED
)


def visible(text: str) -> bool:
    """At least one letter, digit or symbol that prints: the field is not blank on paper."""
    return any(unicodedata.category(c)[0] in "LNS" and c not in BLANK_GLYPHS for c in text)


single_line = st.text(printable | st.just("\t"), min_size=1, max_size=60).filter(visible)
multi_line = st.lists(single_line, min_size=1, max_size=3).map("\n".join)
# A phone number or a patient id: anything a name holds but the direction marks, which would
# reorder the number's parts (validation refuses them there; tested in test_request_loading).
number_line = single_line.filter(lambda text: not set(text) & {"\u200e", "\u200f", "\u061c"})


@st.composite
def requests(draw: st.DrawFn) -> ConsentRequest:
    consent_date = draw(st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)))
    born = draw(st.dates(consent_date - dt.timedelta(days=365 * 120), consent_date))
    answers = {}
    for question in PROCEDURE.screening:
        yes = draw(st.booleans())
        details = draw(multi_line) if yes and question.asks_details else None
        answers[question.id] = ScreeningAnswer(yes, details)
    witness = draw(
        st.none()
        | st.builds(
            mesoconsent.Witness,
            single_line,
            st.sampled_from(["interpreter", "witness", "guardian"]),
        )
    )
    return ConsentRequest(
        patient=mesoconsent.Patient(draw(single_line), born, draw(st.none() | number_line)),
        clinic=mesoconsent.Clinic(
            draw(single_line),
            draw(multi_line),
            draw(number_line),
            paper_size=draw(st.sampled_from([None, "A4", "Letter"])),
            consent_age=draw(st.none() | st.integers(12, 21)),
        ),
        practitioner=mesoconsent.Practitioner(draw(single_line), draw(single_line)),
        procedure="mesotherapy",
        locale=draw(st.sampled_from(LOCALES)),
        consent_date=consent_date,
        treatment=mesoconsent.PlannedTreatment(
            # Unique as they print (validation compares them so: "é" once, in either form).
            treated_areas=tuple(
                draw(
                    st.lists(
                        single_line,
                        min_size=1,
                        max_size=4,
                        unique_by=lambda area: unicodedata.normalize("NFC", area),
                    )
                )
            ),
            number_of_sessions=draw(st.integers(1, 100)),
            interval_days=draw(st.integers(1, 365)),
            product=draw(single_line),
        ),
        screening=answers,
        witness=witness,
    )


def assert_every_disclosure_present(texts: list[str], catalog: Catalog) -> None:
    normalized = [normalize_space(text) for text in texts]
    for disclosure in PROCEDURE.disclosures:
        wording = Wording.parse(disclosure_wording(PROCEDURE, catalog, disclosure.id))
        assert sum(wording.matches(text) for text in normalized) == 1, disclosure.id


def english_sentences() -> set[str]:
    """Every stretch of English disclosure wording long enough to be unmistakable."""
    found: set[str] = set()
    for disclosure in PROCEDURE.disclosures:
        for literal in Wording.parse(disclosure.text).literals:
            found.update(part.strip() for part in literal.split(". ") if len(part.strip()) > 15)
    return found


ENGLISH = english_sentences()


@given(requests())
def test_every_required_disclosure_is_in_the_docx_in_the_locales_words(
    request: ConsentRequest,
) -> None:
    catalog = catalog_for(request.locale)
    content = mesoconsent.render(request).content
    texts = read_texts(content)
    assert_every_disclosure_present(texts, catalog)
    if not catalog.is_source_language:
        whole = normalize_space(" ".join(texts))
        leaked = [sentence for sentence in ENGLISH if sentence in whole]
        assert not leaked, (request.locale, leaked)
    report = mesoconsent.verify(content)
    assert report.ok, report.problems
    assert report.locale == catalog.name
    # On the clinic's paper, A4 where it names none.
    size = {"A4": 'w:w="11906" w:h="16838"', "Letter": 'w:w="12240" w:h="15840"'}
    expected = f"<w:pgSz {size[request.clinic.paper_size or 'A4']}/>"
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        assert expected in package.read("word/document.xml").decode()


@given(requests())
def test_patient_text_round_trips_literally(request: ConsentRequest) -> None:
    catalog = catalog_for(request.locale)
    content = mesoconsent.render(request).content
    texts = read_texts(content)
    # python-docx reads every text as it is; Word keeps its spaces only where they are marked.
    assert unguarded_spaces(content) == []
    patient = request.patient
    assert patient.full_name in texts  # the details table
    assert f"{catalog.gettext('Patient')}\n{patient.full_name}" in texts  # the signature line
    if patient.patient_id is not None:
        assert patient.patient_id in texts
    clinic = request.clinic
    assert f"{clinic.name}\n{clinic.address}\n{clinic.phone}" in texts
    product = disclosure_wording(PROCEDURE, catalog, "consent.plan_product")
    assert product % {"product": request.treatment.product} in texts
    practitioner = request.practitioner
    pair = catalog.gettext("%(name)s, %(qualification)s")
    names = {"name": practitioner.full_name, "qualification": practitioner.qualification}
    assert pair % names in texts
    for answer in request.screening.values():
        if answer.details:
            assert any(text.endswith("\n" + answer.details) for text in texts)
    if request.witness is not None:
        assert any(text.endswith("\n" + request.witness.full_name) for text in texts)


HTML_BLOCKS = ("p", "li", "td", "th", "h1", "h2", "h3")
# How the text writer starts a line it indents or marks: list items, the alert's lines, the
# details under a question, right-to-left marks.
TEXT_LINE_START = re.compile("^[\u200e\u200f]?(?:!!(?:  - | )?| - |    )?")


def html_units(content: bytes) -> list[str]:
    """The text of each block of an HTML form (paragraph, list item, cell, heading), as a
    browser shows it: a line break where it breaks the line."""
    tree = lxml.html.fromstring(content)
    for element in tree.iter("style", "title"):
        element.text = ""
    for br in tree.iter("br"):
        br.tail = "\n" + (br.tail or "")
    blocks = tree.iter(*HTML_BLOCKS)
    return ["".join(map(str, block.itertext())).translate(ISOLATES) for block in blocks]


def text_units(content: bytes) -> list[str]:
    """The lines of a text form, without the marks that start list items and indented lines."""
    lines = content.decode("utf-8").translate(ISOLATES).split("\n")
    return [TEXT_LINE_START.sub("", line) for line in lines]


UNITS = {"html": html_units, "text": text_units}


@given(requests(), st.sampled_from(sorted(UNITS)))
def test_every_required_disclosure_is_in_the_html_and_text_forms_in_the_locales_words(
    request: ConsentRequest, format: mesoconsent.Format
) -> None:
    # The gate checks the document before a writer runs: the writers must keep every block.
    catalog = catalog_for(request.locale)
    units = UNITS[format](mesoconsent.render(request, format).content)
    assert_every_disclosure_present(units, catalog)
    if not catalog.is_source_language:
        whole = normalize_space(" ".join(units))
        leaked = [sentence for sentence in ENGLISH if sentence in whole]
        assert not leaked, (request.locale, leaked)


@given(requests(), st.sampled_from(sorted(UNITS)))
def test_patient_text_round_trips_literally_in_the_html_and_text_forms(
    request: ConsentRequest, format: mesoconsent.Format
) -> None:
    catalog = catalog_for(request.locale)
    result = mesoconsent.render(request, format)
    units = UNITS[format](result.content)
    shown = "\n".join(units)
    patient, clinic, practitioner = request.patient, request.clinic, request.practitioner
    given_text = [patient.full_name, clinic.name, clinic.phone, *clinic.address.split("\n")]
    given_text += [practitioner.full_name, practitioner.qualification, request.treatment.product]
    given_text += [patient.patient_id] if patient.patient_id is not None else []
    given_text += [request.witness.full_name] if request.witness is not None else []
    for answer in request.screening.values():
        given_text += answer.details.split("\n") if answer.details else []
    for value in given_text:
        assert value in shown, value
    if format == "html":
        # Whole blocks, as the DOCX test reads whole paragraphs: a value found anywhere in the
        # page (a short one, "a", matches other text) would not show a cell the writer lost.
        assert patient.full_name in units  # the details table
        assert f"{clinic.name}\n{clinic.address}\n{clinic.phone}" in units
        product = disclosure_wording(PROCEDURE, catalog, "consent.plan_product")
        assert product % {"product": request.treatment.product} in units
        pair = catalog.gettext("%(name)s, %(qualification)s")
        names = {"name": practitioner.full_name, "qualification": practitioner.qualification}
        assert pair % names in units
        if patient.patient_id is not None:
            assert patient.patient_id in units
        for answer in request.screening.values():
            if answer.details:
                assert any(unit.endswith("\n" + answer.details) for unit in units)
    # Each signer's name on their signature line: the patient, the practitioner, a witness.
    signers = [patient.full_name, practitioner.full_name]
    signers += [request.witness.full_name] if request.witness is not None else []
    for name in signers:
        if format == "html":  # under the signer's role, in the cell beside the line
            assert any(unit.endswith("\n" + name) for unit in units), name
        else:  # a line of its own, under the role
            assert f"\n{name}\n" in result.content.decode("utf-8").translate(ISOLATES), name
    # A yes answer is called out above the checklist, in the form's words, each question
    # named there as well as in its row.
    if result.flags:
        alert = catalog.gettext(
            "Important: you answered \u201cYes\u201d to a health question that may mean this "
            "treatment is not right for you."
        )
        assert normalize_space(alert) in [normalize_space(unit) for unit in units]
        for flag in result.flags:
            question = next(q for q in PROCEDURE.screening if q.id == flag.question_id)
            wording = normalize_space(question_wording(question, catalog))
            assert sum(normalize_space(unit).startswith(wording) for unit in units) >= 2


@given(requests())
def test_in_the_text_form_the_answer_follows_its_question_and_the_details_come_after(
    request: ConsentRequest,
) -> None:
    # A question's details used to be joined into its line, before its answer boxes: details
    # such as "x | [ ] | [x]" then read as the answer.
    catalog = catalog_for(request.locale)
    text = mesoconsent.render(request, "text").content.decode().translate(ISOLATES)
    lines = text.split("\n")
    rtl = catalog.locale.character_order == "right-to-left"
    for question in PROCEDURE.screening:
        answer = request.screening[question.id]
        yes, no = catalog.gettext("Yes"), catalog.gettext("No")
        boxes = f"[x] {yes} | [ ] {no}" if answer.answer else f"[ ] {yes} | [x] {no}"
        row = lines.index(f"{question_wording(question, catalog)} | {boxes}")
        details = answer.details.split("\n") if answer.details else []
        indent = ("\u200f" if rtl else "") + "    "
        # (An empty line of the details is written empty: no trailing spaces.)
        expected = [indent + line if line else "" for line in details]
        assert lines[row + 1 : row + 1 + len(details)] == expected
        assert not lines[row + 1 + len(details)].startswith(indent)


@given(requests())
def test_rendering_is_deterministic(request: ConsentRequest) -> None:
    for fmt in mesoconsent.FORMATS:
        assert mesoconsent.render(request, fmt).content == mesoconsent.render(request, fmt).content


# An engine of this test's own, which renders in another order than the shared one.
OTHER_ENGINE = mesoconsent.Engine()


@given(requests(), requests(), st.sampled_from(mesoconsent.FORMATS))
def test_a_form_does_not_depend_on_what_the_engine_rendered_before(
    request: ConsentRequest, before: ConsentRequest, fmt: mesoconsent.Format
) -> None:
    # What a long-running service does: one engine, forms of every kind one after another.
    # Rendered twice back to back (above), state an engine keeps between forms (its static
    # sections, catalogs, formatted counts) would go unseen if the first form set it wrongly.
    first = OTHER_ENGINE.render_quietly(request, fmt).content
    OTHER_ENGINE.render_quietly(before, fmt)
    ENGINE.render_quietly(before, fmt)
    assert ENGINE.render_quietly(request, fmt).content == first


COPIES: dict[str, Callable[[ConsentRequest], ConsentRequest]] = {
    "pickle": lambda request: pickle.loads(pickle.dumps(request)),  # to a process pool, a queue
    "deepcopy": copy.deepcopy,
}


@given(requests(), st.sampled_from(sorted(COPIES)))
def test_a_request_copied_to_another_process_renders_the_same_form(
    request: ConsentRequest, how: str
) -> None:
    copied = COPIES[how](request)
    assert copied == request
    assert type(copied.screening) is MappingProxyType  # still read-only
    assert mesoconsent.render(copied).content == mesoconsent.render(request).content


@given(
    st.fixed_dictionaries({q.id: st.booleans() for q in PROCEDURE.screening}),
    st.sampled_from(LOCALES),
    st.sampled_from(sorted(UNITS)),
)
def test_every_yes_answer_is_flagged_and_stated(
    answers: dict[str, bool], locale: str, format: mesoconsent.Format
) -> None:
    screening = {
        key: ScreeningAnswer(
            yes, "Described condition" if yes and key == "other_conditions" else None
        )
        for key, yes in answers.items()
    }
    request = attrs.evolve(example(), screening=screening, locale=locale)
    with_flags = {key for key, yes in answers.items() if yes}
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = mesoconsent.render(request, format)
    assert {flag.question_id for flag in result.flags} == with_flags
    # One warning that counts them, naming none (which is health data, in result.flags).
    said = [str(w.message) for w in caught if w.category is mesoconsent.ContraindicationWarning]
    expected = f"the patient answered yes to {len(with_flags)} screening question(s)"
    assert [message.startswith(expected) for message in said] == ([True] if with_flags else [])
    catalog = catalog_for(locale)
    units = [normalize_space(unit) for unit in UNITS[format](result.content)]
    alert = catalog.gettext(
        "Important: you answered \u201cYes\u201d to a health question that may mean this "
        "treatment is not right for you."
    )
    assert (normalize_space(alert) in units) == bool(with_flags)
    # Each question in its row; a flagged one named again under the alert, in the form's words.
    for question in PROCEDURE.screening:
        wording = normalize_space(question_wording(question, catalog))
        named = sum(unit.startswith(wording) for unit in units)
        assert named == (2 if question.id in with_flags else 1), (question.id, named)
