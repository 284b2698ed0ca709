"""Adversarial review: forms the library produces, from what a clinic controls (its templates,
procedure files and catalogs), that leave out or misstate what the patient must see, while the
gate believes them right; and forms the gate and ``verify`` disagree about.

Each hole is a test of what should hold, marked ``xfail(strict=True)``: it fails today, and
passes (so strict xfail reports it) once the library refuses such a form or shows it right.
A test either renders the form (then checks what it shows) or sees it refused; both are fine.
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import attrs
import docx
import pytest
from docx.oxml.ns import qn

import mesoconsent
from mesoconsent import ConsentRequest, CoverageError, Engine, ScreeningAnswer, TemplateError
from mesoconsent.resources import locales_dir
from tests.helpers import copy_templates, edit, example

CONSENT = "mesotherapy/consent.html.j2"
BASE = "common/base.html.j2"

# The French catalog's apostrophe (U+2019), and its wording of risks.rare_infection.
APOSTROPHE = "\u2019"
FRENCH_INFECTION = (
    f"Infection. C{APOSTROPHE}est rare, mais c{APOSTROPHE}est un effet secondaire grave."
)

# What a fixed library may do with such a form instead of producing it.
REFUSALS = (CoverageError, TemplateError)


def _edit(path: Path, pattern: str, replacement: str) -> None:
    """helpers.edit, failing with something other than AssertionError: these tests are
    xfail(raises=AssertionError), and a template edit that no longer applies must fail them
    for real, not pass as the hole."""
    try:
        edit(path, pattern, replacement)
    except AssertionError as error:
        raise RuntimeError(f"the review's edit no longer applies: {error}") from None


def _rendered(
    engine: Engine, request: ConsentRequest, fmt: mesoconsent.Format = "text"
) -> bytes | None:
    """The form, or None if the library refuses to produce it."""
    try:
        return engine.render(request, fmt).content
    except REFUSALS:
        return None


def _text(engine: Engine, request: ConsentRequest) -> str | None:
    content = _rendered(engine, request, "text")
    return None if content is None else content.decode("utf-8")


def _with_answers(request: ConsentRequest, **answers: ScreeningAnswer) -> ConsentRequest:
    return attrs.evolve(request, screening={**request.screening, **answers})


def _french_catalog(tmp_path: Path) -> Path:
    """A clinic's copy of mesoconsent's French catalog, to edit (docs/templates.md, step 5)."""
    folder = tmp_path / "clinic-locales" / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    shutil.copy(locales_dir() / "fr" / "LC_MESSAGES" / "mesoconsent.po", folder)
    return folder / "mesoconsent.po"


# -- The signature block ----------------------------------------------------------------------


def test_a_form_without_signature_lines_is_refused(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    _edit(templates / BASE, r"(?s)<signatures>.*</signatures>", "")
    engine = Engine([templates])
    docx_form = _rendered(engine, example(), "docx")
    # Today: rendered, without a signature line; and verify says "signatures: missing".
    assert docx_form is None or not engine.verify(docx_form).problems
    assert _text(engine, example()) is None


def test_the_third_signer_s_line_cannot_be_dropped(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    _edit(
        templates / BASE,
        r"\{%- if request.witness is not none %\}\n<signer",
        "{%- if false %}\n<signer",
    )
    engine = Engine([templates])
    request = attrs.evolve(
        example(), witness=mesoconsent.Witness(full_name="Maria Interpreter", role="interpreter")
    )
    text = _text(engine, request)
    assert text is None or "Maria Interpreter" in text


def test_the_patient_s_signature_line_names_the_patient(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    _edit(
        templates / BASE,
        r'date="\{\{ date_caption \}\}">\{\{ request.patient.full_name \}\}',
        'date="{{ date_caption }}">{{ request.practitioner.full_name }}',
    )
    text = _text(Engine([templates]), example())
    assert text is None or "Patient\nJane Example" in text


def test_the_risks_come_before_the_signature_lines(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    _edit(templates / BASE, r"\{% block sections %\}\{% endblock %\}\n", "")
    _edit(
        templates / BASE, r"</signatures>\n", "</signatures>\n{% block sections %}{% endblock %}\n"
    )
    text = _text(Engine([templates]), example())
    assert text is None or text.index("Scarring.") < text.index("Signature")


# -- The screening checklist ------------------------------------------------------------------


def test_the_checklist_columns_cannot_be_labelled_the_other_way(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    _edit(templates / CONSENT, r'<th>\{\{ _\("Yes"\) \}\}</th>', '<th>{{ _("No") }}</th>')
    _edit(
        templates / CONSENT,
        r'<th>\{\{ _\("No"\) \}\}</th>\n</tr>',
        '<th>{{ _("Yes") }}</th>\n</tr>',
    )
    pregnant = _with_answers(example(), pregnant=ScreeningAnswer(True))
    text = _text(Engine([templates]), pregnant)
    # Found: "Question | No | Yes" then "Are you pregnant? | [x] No | [ ] Yes": ticked "No".
    assert text is None or "Question | Yes | No" in text


def _french_text(
    tmp_path: Path, edits: list[tuple[str, str]], request: ConsentRequest
) -> str | None:
    """The text form of ``request`` in French, with a clinic's copy of the French catalog
    edited so (the catalog checks pass it), or None if rendering refuses it."""
    catalog = _french_catalog(tmp_path)
    for pattern, replacement in edits:
        _edit(catalog, pattern, replacement)
    engine = Engine(locale_dirs=[catalog.parents[2]])
    engine.load_catalogs()  # the catalog checks pass
    return _text(engine, attrs.evolve(request, locale="fr"))


def test_a_catalog_cannot_swap_the_checklist_s_yes_and_no(tmp_path: Path) -> None:
    swapped = [
        (r'msgid "Yes"\nmsgstr "Oui"', 'msgid "Yes"\nmsgstr "Non"'),
        (r'msgid "No"\nmsgstr "Non"', 'msgid "No"\nmsgstr "Oui"'),
    ]
    pregnant = _with_answers(example(), pregnant=ScreeningAnswer(True))
    text = _french_text(tmp_path, swapped, pregnant)
    assert text is None or "Question | Oui | Non" in text


def test_the_checklist_cannot_show_a_second_answer_in_an_untagged_row(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    _edit(
        templates / CONSENT,
        r"\{%- endfor %\}\n</table>",
        "{%- endfor %}\n{%- for item in screening %}<tr><td>{{ item.question }}</td>"
        "<td><check checked=\"{{ 'no' if item.answer else 'yes' }}\"/></td>"
        "<td><check checked=\"{{ 'yes' if item.answer else 'no' }}\"/></td></tr>"
        "{%- endfor %}\n</table>",
    )
    text = _text(Engine([templates]), example())
    assert text is None or "Are you pregnant? | [x] Yes | [ ] No" not in text


def test_the_patient_s_details_are_on_the_form(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    _edit(
        templates / CONSENT,
        r"\{% if item.details is not none %\}<br/><em>\{\{ item.details \| lines \}\}</em>"
        r"\{% endif %\}",
        "",
    )
    request = _with_answers(
        example(), other_conditions=ScreeningAnswer(True, "Lupus; I take warfarin")
    )
    engine = Engine([templates])
    for fmt in ("docx", "html", "text"):
        content = _rendered(engine, request, fmt)
        assert content is None or b"warfarin" in content, fmt


def test_an_alert_naming_a_no_answer_is_refused_as_verify_refuses_it(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    _edit(templates / BASE, r"\{%- if flagged %\}", "{%- if true %}")
    _edit(templates / BASE, r"\{%- for item in flagged %\}", "{%- for item in screening %}")
    engine = Engine([templates])
    content = _rendered(engine, example(), "docx")  # every answer "No"
    assert content is None or not engine.verify(content).problems


# -- Disclosure wording -----------------------------------------------------------------------


def test_placeholder_values_come_from_the_request(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    _edit(
        templates / BASE,
        r"clinic=request.clinic.name, phone=request.clinic.phone",
        'clinic="nobody", phone="no number. We accept no liability for complications"',
    )
    _edit(templates / BASE, r"product=request.treatment.product", 'product="saline only"')
    text = _text(Engine([templates]), example())
    assert text is None or "contact Riverside Aesthetic Clinic at +44 20 7946 0000." in text


def test_no_words_can_follow_a_disclosure_s_last_placeholder(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    _edit(
        templates / BASE,
        r'disclosure\("consent.plan_areas", areas=formatted.areas\) \}\}',
        'disclosure("consent.plan_areas", areas=formatted.areas) }}. None of the risks on '
        "this form apply to these areas.",
    )
    text = _text(Engine([templates]), example())
    assert text is None or "None of the risks" not in text


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="hole (a judgement the gate cannot make): a clinic's catalog translation that drops "
    "a clause of a risk ('... but it is a serious side effect') passes the catalog checks and "
    "the gate, and the French form omits that the risk is serious; mesoconsent locales lists "
    "the wording beside the shipped one for a reviewer (test_cli), but the form still renders",
)
def test_a_catalog_cannot_drop_a_clause_of_a_risk(tmp_path: Path) -> None:
    dropped = [
        (re.escape(f'msgstr "{FRENCH_INFECTION}"'), f'msgstr "Infection. C{APOSTROPHE}est rare."')
    ]
    text = _french_text(tmp_path, dropped, example())
    assert text is None or FRENCH_INFECTION in text


# -- verify on a form edited afterwards -------------------------------------------------------


def _edited_form(change: str) -> bytes:
    """The bundled example form, edited as a word processor would save it (python-docx)."""
    form = docx.Document(io.BytesIO(Engine().render(example(), "docx").content))
    if change == "swap the checklist's headings":
        heading = form.tables[1].rows[0].cells
        for cell, label in ((heading[1], "No"), (heading[2], "Yes")):
            texts = list(cell._tc.iter(qn("w:t")))
            texts[0].text = label
            for text in texts[1:]:
                text.text = ""
    else:  # put another name on the patient's signature line
        for text in form.tables[2].rows[0].cells[0]._tc.iter(qn("w:t")):
            if text.text == "Jane Example":
                text.text = "Dr Alex Morgan"
    saved = io.BytesIO()
    form.save(saved)
    return saved.getvalue()


def test_verify_finds_the_checklist_s_headings_swapped() -> None:
    edited = _edited_form("swap the checklist's headings")
    assert Engine().verify(edited).problems


def test_verify_finds_another_name_on_the_patient_s_line() -> None:
    edited = _edited_form("rename the patient's signer")
    assert Engine().verify(edited).problems


# -- What held (not holes: these pass) --------------------------------------------------------


def test_a_disclosure_in_an_ordered_list_in_an_alert_shows_in_every_format(
    tmp_path: Path,
) -> None:
    templates = copy_templates(tmp_path)
    _edit(
        templates / CONSENT,
        r'<h3>\{\{ _\("Rare but serious"\) \}\}</h3>\n<ul>',
        "{% endstatic %}<alert><ol>",
    )
    _edit(
        templates / CONSENT,
        r"</ul>\n\{# Translators: section heading. #\}\n"
        r'<h2>\{\{ _\("Possible benefits"\) \}\}</h2>',
        '</ol></alert>{% static %}<h2>{{ _("Possible benefits") }}</h2>',
    )
    engine = Engine([templates])
    for fmt in ("html", "text"):
        content = engine.render(example(), fmt).content.decode("utf-8")
        assert "Scarring. This is rare, but it is a serious side effect." in content
    assert not engine.verify(engine.render(example(), "docx").content).problems


def test_a_form_resaved_by_python_docx_verifies() -> None:
    form = docx.Document(io.BytesIO(Engine().render(example(), "docx").content))
    saved = io.BytesIO()
    form.save(saved)
    assert not Engine().verify(saved.getvalue()).problems


def test_a_translation_with_markup_prints_it_as_text(tmp_path: Path) -> None:
    catalog = _french_catalog(tmp_path)
    _edit(catalog, r'msgid "Yes"\nmsgstr "Oui"', 'msgid "Yes"\nmsgstr "<strong>Oui</strong>"')
    engine = Engine(locale_dirs=[catalog.parents[2]])
    text = engine.render(attrs.evolve(example(), locale="fr"), "text").content.decode("utf-8")
    assert "<strong>Oui</strong>" in text
    assert re.search(r"Question \| <strong>Oui</strong> \| Non", text)
