"""The gate: a document missing, emptying or rewording a required disclosure is never produced."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import attrs
import pytest

import mesoconsent
from mesoconsent import CatalogError, CoverageError, Engine, TemplateError
from mesoconsent.coverage import check_coverage
from mesoconsent.procedures import Disclosure, Procedure
from tests.helpers import CHECKLIST_TABLE, copy_templates, edit, example, reasons

CONSENT = "mesotherapy/consent.html.j2"
BASE = "common/base.html.j2"

# The disclosures the clinical source implies (shared content: mesotherapy-facts.md), copied
# from that specification, not from the code: the procedure must require at least these.
SOURCE_DISCLOSURES = {
    "procedure.practitioner",
    "procedure.needle",
    "procedure.series_of_injections",
    "procedure.number_and_depth_vary",
    "course.several_sessions",
    "course.number_varies",
    "course.results_vary",
    "reactions.redness_swelling_bruising",
    "reactions.normal_healing",
    "reactions.resolve_days",
    "aftercare.sun",
    "recovery.varies",
    "recovery.resume_activities",
    "aftercare.exercise_sweating",
    "contraindications.not_for_everyone",
    "contraindications.pregnancy_breastfeeding",
    "contraindications.clotting_disorders",
    "contraindications.other_conditions",
    "contraindications.consult_professional",
    "risks.low_serious_risk",
    "risks.mild_side_effects",
    "risks.rare_infection",
    "risks.rare_scarring",
    "risks.rare_allergic_reaction",
    "benefits.appearance",
    "decision.weigh_risks_benefits",
}


def test_procedure_requires_every_disclosure_of_the_source() -> None:
    required = set(mesoconsent.default_engine().required_disclosures("mesotherapy"))
    assert required >= SOURCE_DISCLOSURES
    general = {
        "consent.alternatives",
        "consent.no_guarantee",
        "consent.refuse_withdraw",
        "consent.questions",
        "consent.time_to_reflect",
        "consent.complications_contact",
        "consent.read_understood",
        "consent.agreement",
    }
    assert general <= required


def engine_for(templates: Path) -> Engine:
    return Engine([templates], include_bundled=False)


@pytest.mark.parametrize("disclosure_id", sorted(SOURCE_DISCLOSURES))
def test_removing_a_disclosure_from_the_template_fails_naming_it(
    tmp_path: Path, disclosure_id: str
) -> None:
    templates = copy_templates(tmp_path)
    edit(
        templates / CONSENT, rf'\n<(li|p) data-disclosure="{re.escape(disclosure_id)}">.*?</\1>', ""
    )
    with pytest.raises(CoverageError) as caught:
        engine_for(templates).render(example())
    assert caught.value.missing_ids == (disclosure_id,)
    assert disclosure_id in str(caught.value)


@pytest.mark.parametrize(
    ("template", "pattern", "replacement", "expected"),
    [
        # a general disclosure removed from the shared layout
        (
            BASE,
            r'\n<li data-disclosure="consent.refuse_withdraw">.*?</li>',
            "",
            "consent.refuse_withdraw: missing",
        ),
        # the words are there, but not marked as the disclosure
        (
            CONSENT,
            r'<li data-disclosure="risks.rare_scarring">',
            "<li>",
            "risks.rare_scarring: missing",
        ),
        # softened
        (
            CONSENT,
            r'\{\{ disclosure\("risks.rare_infection"\) \}\}',
            "Infection is very unlikely.",
            "risks.rare_infection: altered",
        ),
        # emptied
        (
            CONSENT,
            r'\{\{ disclosure\("risks.rare_infection"\) \}\}',
            "",
            "risks.rare_infection: empty",
        ),
        # replaced by a number: it says something, if not the disclosure
        (
            CONSENT,
            r'\{\{ disclosure\("risks.rare_infection"\) \}\}',
            "1.",
            "risks.rare_infection: altered",
        ),
        # stated twice, once in other words
        (
            CONSENT,
            r'(<h2>\{\{ _\("Possible benefits"\) \}\}</h2>)',
            r'\1<p data-disclosure="risks.rare_infection">Infection is harmless.</p>',
            "risks.rare_infection: duplicated",
        ),
    ],
    ids=["removed-from-layout", "untagged", "reworded", "emptied", "a number", "duplicated"],
)
def test_template_that_misstates_a_disclosure_fails(
    tmp_path: Path, template: str, pattern: str, replacement: str, expected: str
) -> None:
    templates = copy_templates(tmp_path)
    edit(templates / template, pattern, replacement)
    with pytest.raises(CoverageError, match=re.escape(expected)):
        engine_for(templates).render(example())


def test_catalog_that_blanks_a_disclosure_fails(tmp_path: Path) -> None:
    locales = write_catalog(
        tmp_path / "locales",
        'msgctxt "risks.rare_scarring"\n'
        'msgid "Scarring. This is rare, but it is a serious side effect."\n'
        'msgstr " "\n',
    )
    with pytest.raises(CoverageError, match=re.escape("risks.rare_scarring: empty")):
        Engine(locale_dirs=[locales]).render(example())


def test_unknown_disclosure_id_in_template_fails(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    edit(
        templates / CONSENT,
        r'data-disclosure="risks.rare_scarring">',
        'data-disclosure="risks.rare_scaring">',
    )
    with pytest.raises(CoverageError) as caught:
        engine_for(templates).render(example())
    found = reasons(caught.value.problems)
    assert ("risks.rare_scarring", "missing") in found
    assert ("risks.rare_scaring", "unknown") in found


def test_gate_failure_writes_no_file(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    edit(templates / CONSENT, r'\n<li data-disclosure="procedure.needle">.*?</li>', "")
    out = tmp_path / "consent.docx"
    out.write_bytes(b"previous form")
    with pytest.raises(CoverageError):
        engine_for(templates).render_to_file(example(), out)
    assert out.read_bytes() == b"previous form"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["consent.docx", "templates"]


def test_broken_template_markup_is_a_template_error(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    edit(
        templates / CONSENT,
        r"<h2>\{\{ _\(\"Possible benefits\"\) \}\}</h2>",
        "<h2><blink>x</blink></h2>",
    )
    with pytest.raises(TemplateError, match="blink"):
        engine_for(templates).render(example())


@pytest.mark.parametrize(
    ("where", "use", "message"),
    [
        (BASE, "&nbsp;", "undefined entity"),  # in a section rendered for each form
        (CONSENT, "&nbsp;", "undefined entity"),  # in a static section
        # An entity defined by the markup: a document type declaration is refused outright.
        (BASE, "&x;", "DOCTYPE"),
    ],
)
def test_markup_cannot_define_or_use_entities(
    tmp_path: Path, where: str, use: str, message: str
) -> None:
    templates = copy_templates(tmp_path)
    if message == "DOCTYPE":
        declaration = '<!DOCTYPE document [<!ENTITY x "text">]>'
        edit(templates / BASE, r"\n<document ", f"\n{declaration}<document ")
    edit(templates / where, HEADINGS[where], f"<h1>{use}</h1>")
    with pytest.raises(TemplateError, match=message) as caught:
        engine_for(templates).render(example())
    if where == CONSENT:  # a static section's error says where the section is, and only that
        assert re.search(
            r"static %\} at mesotherapy/consent\.html\.j2, line \d+, section 4 ", str(caught.value)
        )
        assert "autoescape" not in str(caught.value)


HEADINGS = {  # a heading rendered for each form, and one of a static section
    BASE: r"<h1>\{\{ title \}\}</h1>",
    CONSENT: r"<h2>\{\{ _\(\"Possible benefits\"\) \}\}</h2>",
}


def test_comments_in_template_markup_are_dropped(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    edit(templates / BASE, r"<signatures>\n", "<signatures><!-- signers follow -->\n")
    edit(templates / CONSENT, HEADINGS[CONSENT], lambda match: "<!-- risks follow -->" + match[0])
    text = engine_for(templates).render(example(), "text").content.decode()
    assert "follow" not in text
    assert "Signature" in text
    assert "Possible benefits" in text


def test_templates_are_sandboxed(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    edit(
        templates / CONSENT,
        r"<h2>\{\{ _\(\"Possible benefits\"\) \}\}</h2>",
        "<h2>{{ request.__class__.__mro__[1].__subclasses__() }}</h2>",
    )
    with pytest.raises(TemplateError):
        engine_for(templates).render(example())


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ('<table widths="x">', "widths"),
        ('<table widths="7 1">', "widths"),
        ("<table></table><table>", "at least one <tr>"),
    ],
)
def test_malformed_template_tables_are_template_errors(
    tmp_path: Path, broken: str, message: str
) -> None:
    templates = copy_templates(tmp_path)
    edit(templates / CONSENT, CHECKLIST_TABLE, broken)
    with pytest.raises(TemplateError, match=re.escape(message)):
        engine_for(templates).render(example())


def test_empty_signature_block_is_a_template_error(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    edit(templates / BASE, r"<signatures>\n(.|\n)*?</signatures>", "<signatures></signatures>")
    with pytest.raises(TemplateError, match="at least one <signer>"):
        engine_for(templates).render(example())


def test_template_errors_do_not_quote_request_values(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    edit(
        templates / CONSENT,
        CHECKLIST_TABLE,
        '<table widths="7 1 1"><tr><td>{{ formatted[request.patient.full_name] }}</td></tr>',
    )
    with pytest.raises(TemplateError) as caught:
        engine_for(templates).render(example())
    message = str(caught.value)
    assert "Jane" not in message
    assert "consent.html.j2 line" in message


def write_catalog(folder: Path, entries: str) -> Path:
    messages = folder / "en" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    (messages / "mesoconsent.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: en\\n"\n\n'
        + entries,
        encoding="utf-8",
    )
    return folder


def test_catalog_that_drops_a_placeholder_is_refused_when_it_is_loaded(
    tmp_path: Path,
) -> None:
    locales = write_catalog(
        tmp_path / "locales",
        'msgctxt "consent.complications_contact"\n'
        'msgid "If you have a problem or a concern after treatment, contact %(clinic)s at '
        '%(phone)s."\n'
        'msgstr "If you have a problem, contact the clinic."\n',
    )
    with pytest.raises(CatalogError, match=re.escape("expected ['%(clinic)s', '%(phone)s']")):
        Engine(locale_dirs=[locales]).render(example())


def test_catalog_that_reduces_a_disclosure_to_punctuation_fails(tmp_path: Path) -> None:
    locales = write_catalog(
        tmp_path / "locales",
        'msgctxt "risks.rare_infection"\n'
        'msgid "Infection. This is rare, but it is a serious side effect."\n'
        'msgstr "."\n',
    )
    with pytest.raises(CoverageError, match=re.escape("risks.rare_infection: empty")):
        Engine(locale_dirs=[locales]).render(example())


def test_unreadable_catalog_is_a_catalog_error(tmp_path: Path) -> None:
    messages = tmp_path / "locales" / "en" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    (messages / "mesoconsent.po").write_bytes(b'msgid "x"\nmsgstr "\xff\xfe broken')
    engine = Engine(locale_dirs=[tmp_path / "locales"])  # catalogs are read on first use
    with pytest.raises(CatalogError):
        engine.render(example())
    with pytest.raises(CatalogError):
        engine.load_catalogs()


def with_yes(question_id: str) -> mesoconsent.ConsentRequest:
    import attrs

    answers = dict(example().screening)
    details = "Described" if question_id == "other_conditions" else None
    answers[question_id] = mesoconsent.ScreeningAnswer(True, details)
    return attrs.evolve(example(), screening=answers)


def test_a_yes_answer_the_template_does_not_flag_fails(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    edit(templates / BASE, r"\{%- if flagged %\}\n<alert>(.|\n)*?</alert>\n\{%- endif %\}", "")
    engine = engine_for(templates)
    engine.render(example())  # all "no": nothing to flag
    with pytest.raises(
        CoverageError, match=re.escape("screening.pregnant: yes answer not flagged")
    ):
        engine.render(with_yes("pregnant"))


def test_a_checklist_showing_the_wrong_answer_fails(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    edit(templates / CONSENT, re.escape("'yes' if item.answer else 'no'"), "'no'")
    engine_for(templates).render(example())  # every answer "no": still shown right
    with pytest.raises(CoverageError, match=re.escape("screening.clotting_disorder: wrong answer")):
        engine_for(templates).render(with_yes("clotting_disorder"))


def _checklist_problems(tmp_path: Path, written: str, instead: str) -> list[tuple[str, str]]:
    """The (id, reason) of each problem refusing the example, its template's checklist
    markup ``written`` replaced by ``instead``."""
    templates = copy_templates(tmp_path)
    edit(templates / CONSENT, re.escape(written), instead)
    with pytest.raises(CoverageError) as caught:
        engine_for(templates).render(example())
    return reasons(caught.value.problems)


QUESTIONS = ("pregnant", "breastfeeding", "clotting_disorder", "other_conditions")


def test_a_checklist_without_the_answers_fails(tmp_path: Path) -> None:
    found = _checklist_problems(tmp_path, '<tr data-screening="{{ item.id }}">', "<tr>")
    assert set(found) == {(f"screening.{q}", "missing") for q in QUESTIONS}


def test_a_checklist_asking_other_questions_fails(tmp_path: Path) -> None:
    # Rows that show the patient's answers against a question the patient was never asked.
    found = _checklist_problems(tmp_path, "<td>{{ item.question }}", "<td>Do you feel well today?")
    assert set(found) == {(f"screening.{q}", "altered") for q in QUESTIONS}


def test_a_question_cut_short_fails_as_altered(tmp_path: Path) -> None:
    # "Have you ever had a blood clotting disorder" without ", or do you take medicine that
    # thins your blood?": a question that asks less than the procedure's.
    cut = "Have you ever had a blood clotting disorder"
    found = _checklist_problems(
        tmp_path,
        "<td>{{ item.question }}",
        f"<td>{{% if item.id == 'clotting_disorder' %}}{cut}{{% else %}}{{{{ item.question }}}}"
        "{% endif %}",
    )
    assert found == [("screening.clotting_disorder", "altered")]


def test_a_question_with_words_added_on_its_line_fails_as_altered(tmp_path: Path) -> None:
    # Words after the question, on its line, change what it asks; the patient's details go on
    # the lines after it.
    found = _checklist_problems(
        tmp_path, "<td>{{ item.question }}", "<td>{{ item.question }} (if unsure, answer No)"
    )
    assert set(found) == {(f"screening.{q}", "altered") for q in QUESTIONS}


def test_text_of_the_template_s_own_under_a_question_fails_as_altered(tmp_path: Path) -> None:
    # On a line of its own under the question, where the patient's details go: the row then
    # asks something else ("answer No if unsure") and no longer shows only what the patient
    # said. Refused whatever the answer, and beside the details of a "yes".
    templates = copy_templates(tmp_path)
    edit(
        templates / CONSENT,
        re.escape("<td>{{ item.question }}"),
        "<td>{{ item.question }}<br/>(if unsure, answer No)",
    )
    engine = engine_for(templates)
    for request in (example(), with_yes("other_conditions")):
        with pytest.raises(CoverageError) as caught:
            engine.render(request)
        assert set(reasons(caught.value.problems)) == {
            (f"screening.{q}", "altered") for q in QUESTIONS
        }


def test_the_patient_s_details_alone_under_a_question_pass(tmp_path: Path) -> None:
    # The bundled rows, and a clinic's that puts the details in a paragraph of their own.
    request = with_yes("other_conditions")
    mesoconsent.render(request)
    templates = copy_templates(tmp_path)
    edit(
        templates / CONSENT,
        re.escape("<br/><em>{{ item.details | lines }}</em>"),
        "<br/><br/>{{ item.details | lines }}",
    )
    engine_for(templates).render(request)


def test_details_changed_by_the_template_fail_as_altered(tmp_path: Path) -> None:
    # The details of a "yes" shown otherwise than the patient gave them: with words added.
    templates = copy_templates(tmp_path)
    edit(
        templates / CONSENT,
        re.escape("{{ item.details | lines }}"),
        "{{ item.details | lines }} (checked by the clinic)",
    )
    with pytest.raises(CoverageError) as caught:
        engine_for(templates).render(with_yes("other_conditions"))
    assert reasons(caught.value.problems) == [("screening.other_conditions", "altered")]


BOXES = (
    "<td><check checked=\"{{ 'yes' if item.answer else 'no' }}\"/></td>"
    "<td><check checked=\"{{ 'no' if item.answer else 'yes' }}\"/></td>"
)


@pytest.mark.parametrize(
    "boxes",
    [
        # The Yes box ticked for a "no" and the No box for a "yes".
        "<td><check checked=\"{{ 'no' if item.answer else 'yes' }}\"/></td>"
        "<td><check checked=\"{{ 'yes' if item.answer else 'no' }}\"/></td>",
        # Both ticked, or neither: no answer can be read from it.
        '<td><check checked="yes"/></td><td><check checked="yes"/></td>',
        '<td><check checked="no"/></td><td><check checked="no"/></td>',
    ],
    ids=["swapped", "both", "neither"],
)
def test_a_checklist_not_showing_exactly_the_answer_given_fails(tmp_path: Path, boxes: str) -> None:
    assert BOXES in (copy_templates(tmp_path / "as shipped") / CONSENT).read_text()
    found = _checklist_problems(tmp_path / "changed", BOXES, boxes)
    assert set(found) == {(f"screening.{q}", "wrong answer shown") for q in QUESTIONS}


def test_a_checklist_row_given_twice_fails_as_duplicated(tmp_path: Path) -> None:
    found = _checklist_problems(
        tmp_path, "{%- for item in screening %}", "{%- for item in screening + screening[:1] %}"
    )
    assert found == [("screening.pregnant", "duplicated")]


def test_catalog_with_a_lone_percent_sign_is_refused(tmp_path: Path) -> None:
    locales = write_catalog(
        tmp_path / "locales",
        'msgctxt "risks.rare_infection"\n'
        'msgid "Infection. This is rare, but it is a serious side effect."\n'
        'msgstr "Infection: in under 1% of cases, but serious."\n',
    )
    with pytest.raises(CatalogError, match="lone %"):
        Engine(locale_dirs=[locales]).load_catalogs()


def test_a_checklist_row_for_an_unknown_question_fails(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    edit(
        templates / CONSENT,
        CHECKLIST_TABLE,
        '<table widths="7 1 1"><tr data-screening="smoker"><td>Do you smoke?</td>'
        '<td><check checked="no"/></td><td><check checked="yes"/></td></tr>',
    )
    with pytest.raises(CoverageError, match=re.escape("screening.smoker: unknown")):
        engine_for(templates).render(example())


@pytest.mark.parametrize(
    ("stated", "problem"),
    [
        (["Call the clinic now."], None),  # the wording itself
        (["Call  the clinic\n now. "], None),  # spaces do not matter
        (["Call the clinic."], "altered"),
        (["Call the clinic now.", "Call the clinic now."], "duplicated"),
        ([" . "], "empty"),
        ([], "missing"),
    ],
)
def test_the_gate_decides_by_the_normalised_wording(stated: list[str], problem: str | None) -> None:
    found = check_coverage(
        _one_disclosure("Call the clinic now."), {"a.b": stated}, lambda _: "Call the clinic now."
    )
    assert [p.reason for p in found] == ([problem] if problem else [])


@pytest.mark.parametrize(
    ("stated", "problem"),
    [
        ("Contact Riverside at +44 1.", None),
        ("Contact ", "altered"),  # the text before the placeholder alone is not the wording
        ("Contact  at .", "altered"),  # every placeholder needs text
        ("Contact Riverside by +44 1.", "altered"),
        # The text after the last placeholder is the wording too, and its gap needs text.
        ("Contact Riverside at +44 1", "altered"),
        ("Contact Riverside at +44 1, weekdays only", "altered"),
        ("Contact Riverside at .", "altered"),
    ],
)
def test_a_wording_with_placeholders_needs_every_gap_filled(
    stated: str, problem: str | None
) -> None:
    wording = "Contact %(clinic)s at %(phone)s."
    found = check_coverage(_one_disclosure(wording), {"a.b": [stated]}, lambda _: wording)
    assert [p.reason for p in found] == ([problem] if problem else [])


@pytest.mark.parametrize(
    ("stated", "problem"), [("Call R/+44 1 now.", None), ("Call /+44 1 now.", "altered")]
)
def test_a_gap_between_two_placeholders_needs_text_too(stated: str, problem: str | None) -> None:
    wording = "Call %(clinic)s/%(phone)s now."
    found = check_coverage(_one_disclosure(wording), {"a.b": [stated]}, lambda _: wording)
    assert [p.reason for p in found] == ([problem] if problem else [])


def _one_disclosure(text: str) -> Procedure:
    return Procedure("p", "p.html.j2", "1", (Disclosure("a.b", "risks", text),), ())


@pytest.mark.parametrize("where", [BASE, CONSENT])
def test_markup_nested_too_deeply_is_a_template_error(tmp_path: Path, where: str) -> None:
    templates = copy_templates(tmp_path)
    depth = 5000  # deeper than Python's recursion limit
    edit(
        templates / where,
        HEADINGS[where],
        "<h1>" + "<em>" * depth + "x" + "</em>" * depth + "</h1>",
    )
    with pytest.raises(TemplateError, match="nested too deeply"):
        engine_for(templates).render(example())


@pytest.mark.parametrize(
    ("snippet", "error", "said"),
    [
        # request data where an id belongs, or given to _(): the message names the mistake,
        # never the patient
        (
            "<p>{{ disclosure(request.patient.full_name) }}</p>",
            TemplateError,
            "unknown disclosure (a value that is not an id)",
        ),
        (
            '<p data-disclosure="{{ request.patient.full_name }}">x</p>',
            CoverageError,
            "(a value that is not an id): unknown",
        ),
        (
            '<table><tr data-screening="{{ request.patient.full_name }}"><td>x</td></tr></table>',
            CoverageError,
            "screening.(a value that is not an id): unknown",
        ),
        (
            "<p>{{ _(request.patient.full_name) }}</p>",
            CoverageError,
            "text that is none of the templates' messages",
        ),
        # runtime errors of any kind: the file, line and type, not a crash
        ("<p>{{ request.treatment.number_of_sessions // 0 }}</p>", TemplateError, "ZeroDivision"),
        (
            "{% macro again(n) %}{{ again(n) }}{% endmacro %}<p>{{ again(1) }}</p>",
            TemplateError,
            "RecursionError",
        ),
    ],
)
def test_a_template_mistake_is_reported_without_the_patient_s_data(
    tmp_path: Path, snippet: str, error: type[Exception], said: str
) -> None:
    templates = copy_templates(tmp_path)
    edit(
        templates / "common" / "base.html.j2",
        r"<h1>\{\{ title \}\}</h1>",
        lambda found: found.group(0) + "\n" + snippet,
    )
    engine = Engine([templates])
    request = attrs.evolve(example(), locale="fr")  # _() of a value falls back to English
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a draft translation
        with pytest.raises(error) as caught:
            engine.render(request)
    message = str(caught.value)
    assert said in message
    assert request.patient.full_name not in message
    if error is TemplateError and "Error" in said:
        assert "base.html.j2 line" in message


def test_markup_outside_the_vocabulary_names_the_template(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    edit(
        templates / "common" / "base.html.j2",
        r"<h1>\{\{ title \}\}</h1>",
        lambda found: found.group(0) + "\n<div>{{ _('Declaration') }}</div>",
    )
    with pytest.raises(TemplateError) as caught:
        Engine([templates]).render(example())
    message = str(caught.value)
    assert "template 'mesotherapy/consent.html.j2'" in message
    assert "<div> is not allowed at block level" in message


def test_an_attribute_outside_the_vocabulary_names_the_template(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    edit(templates / "common" / "base.html.j2", r"<h1>(\{\{ title \}\})", r'<h1 class="big">\1')
    with pytest.raises(TemplateError) as caught:
        Engine([templates]).render(example())
    message = str(caught.value)
    assert "template 'mesotherapy/consent.html.j2'" in message
    assert "<h1> has no attribute class (it carries none)" in message


def test_a_template_without_the_interpreters_statement_is_refused(tmp_path: Path) -> None:
    # The interpreter signs for the statement above their line: without it, their signature
    # attests to nothing.
    templates = copy_templates(tmp_path)
    edit(templates / BASE, r"\n<p>\{\{ _\(\"Interpreter: I translated[^\n]*</p>", "")
    engine = Engine(template_dirs=[templates], include_bundled=False)
    request = attrs.evolve(example(), witness=mesoconsent.Witness("Sam Patel", "interpreter"))
    with pytest.raises(CoverageError) as caught:
        engine.render(request)
    assert reasons(caught.value.problems) == [("statement.interpreter", "missing")]
    assert engine.render(example()).content  # without an interpreter, nothing is missing


def test_the_signers_statements_and_captions_are_worded_as_the_template_words_them() -> None:
    # The gate and verify look for these words: a template reworded without them would make
    # every form with an interpreter or a witness fail.
    from mesoconsent.compose import SIGNER_CAPTIONS, SIGNER_STATEMENTS
    from mesoconsent.resources import templates_dir

    source = (templates_dir() / BASE).read_text(encoding="utf-8")
    for text in (*SIGNER_STATEMENTS.values(), *SIGNER_CAPTIONS.values()):
        assert f'_("{text}")' in source or f"_('{text}')" in source, text


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("<alert><p>", "</p></alert>"),
        ("<ul><li>", "</li></ul>"),
        ("<table><tr><td>", "</td></tr></table>"),
    ],
)
def test_the_interpreters_statement_may_be_anywhere_verify_reads_it(
    tmp_path: Path, before: str, after: str
) -> None:
    # Render looked only at top-level paragraphs, verify at every one: a clinic template with
    # the statement in a list or a box was refused (a review).
    templates = copy_templates(tmp_path)
    edit(
        templates / BASE,
        r"\n<p>(\{\{ _\(\"Interpreter: I translated[^\n]*)</p>",
        lambda match: f"\n{before}{match[1]}{after}",
    )
    engine = Engine(template_dirs=[templates], include_bundled=False)
    request = attrs.evolve(example(), witness=mesoconsent.Witness("Sam Patel", "interpreter"))
    assert engine.verify(engine.render(request).content).ok


def _with_paragraph(tmp_path: Path, markup: str) -> Engine:
    """An engine over a copy of the templates with ``markup`` under the title: a clinic's own
    text, in the bundled catalogs' languages."""
    templates = copy_templates(tmp_path)
    edit(templates / BASE, re.escape("<h1>{{ title }}</h1>"), lambda m: f"{m[0]}\n{markup}")
    return Engine([templates])


def test_a_clinic_s_plural_message_with_a_context_is_held_to_the_language(
    tmp_path: Path,
) -> None:
    engine = _with_paragraph(
        tmp_path, '<p>{{ npgettext("visits", "%(num)s visit", "%(num)s visits", 2) }}</p>'
    )
    assert "2 visits" in engine.render(example(), "text").content.decode()
    with pytest.raises(CoverageError, match=r"text '%\(num\)s visit' \(context visits\)"):
        engine.render(attrs.evolve(example(), locale="fr"), "text")


def test_a_clinic_s_message_with_a_context_is_listed_and_named_with_it(tmp_path: Path) -> None:
    engine = _with_paragraph(
        tmp_path, '<p>{{ pgettext("aftercare heading", "Look after your skin") }}</p>'
    )
    assert ("aftercare heading", "Look after your skin") in engine.needed_messages()
    with pytest.raises(CoverageError) as caught:
        engine.render(attrs.evolve(example(), locale="fr"), "text")
    assert "text 'Look after your skin' (context aftercare heading)" in str(caught.value)
    french = next(s for s in engine.locale_status() if s.locale == "fr")
    assert [key for key, _kind, _reason in french.missing] == [
        ("aftercare heading", "Look after your skin")
    ]


def test_messages_a_template_looks_up_by_a_variable_are_not_listed(tmp_path: Path) -> None:
    # Only literal messages can be listed for translators (and checked for completeness);
    # one named by a variable is held to the language when it is rendered.
    engine = _with_paragraph(
        tmp_path,
        '<p>{{ _(request.procedure) }} {{ pgettext("ctx", request.procedure) }}'
        ' {{ pgettext(request.procedure, "Date") }}</p>',
    )
    assert all(context != "ctx" and message for context, message in engine.needed_messages())


def test_an_unknown_disclosure_that_looks_like_an_id_is_named(tmp_path: Path) -> None:
    # A misspelt id is quoted for the template's author; a value that is not an id, such as
    # a patient's name, never is (test_a_template_mistake_is_reported_without_...).
    engine = _with_paragraph(tmp_path, '<p>{{ disclosure("risks.rare_scaring") }}</p>')
    with pytest.raises(TemplateError, match=re.escape("unknown disclosure 'risks.rare_scaring'")):
        engine.render(example(), "text")


def _signature_reasons(tmp_path: Path, pattern: str, replacement: str) -> list[tuple[str, str]]:
    templates = copy_templates(tmp_path)
    edit(templates / BASE, pattern, replacement)
    request = attrs.evolve(
        example(), witness=mesoconsent.Witness(full_name="Maria Interpreter", role="interpreter")
    )
    with pytest.raises(CoverageError) as caught:
        Engine([templates], include_bundled=False).render(request)
    return reasons(caught.value.problems)


@pytest.mark.parametrize(
    ("pattern", "replacement", "said"),
    [
        # No line to sign: the form was produced, and verify then refused it.
        (r"(?s)<signatures>.*</signatures>", "", [("signatures", "missing")]),
        (
            r"(?s)(<signatures>.*</signatures>)",
            r"\1\n\1",
            [("signatures", "duplicated")],
        ),
        # Each person's line carries their name as the request gives it: the patient's line
        # once named the practitioner, and the third signer's line could be left out.
        (r"\{\{ request.patient.full_name \}\}</signer>", "Someone</signer>", []),
        (r"\{\{ request.witness.full_name \}\}</signer>", "</signer>", []),
    ],
)
def test_the_signature_lines_are_those_of_the_people_who_sign(
    tmp_path: Path, pattern: str, replacement: str, said: list[tuple[str, str]]
) -> None:
    found = _signature_reasons(tmp_path, pattern, replacement)
    if said:
        assert found == said
    else:
        assert found == [
            (
                "signature.patient" if "patient" in pattern else "signature.interpreter",
                "missing",
            )
        ]


def test_every_disclosure_and_question_comes_before_the_signature_lines(tmp_path: Path) -> None:
    found = _signature_reasons(
        tmp_path,
        r"(?s)(\{% block sections %\}\{% endblock %\}\n)(.*</signatures>\n)",
        r"\2\1",
    )
    assert found
    assert {why for _, why in found} == {"after the signature lines"}
    assert ("risks.rare_scarring", "after the signature lines") in found
    assert ("screening.pregnant", "after the signature lines") in found


def _checklist_reasons(
    tmp_path: Path, edits: list[tuple[str, str]], request: mesoconsent.ConsentRequest | None = None
) -> list[tuple[str, str]]:
    templates = copy_templates(tmp_path)
    for pattern, replacement in edits:
        edit(templates / CONSENT, pattern, replacement)
    with pytest.raises(CoverageError) as caught:
        Engine([templates], include_bundled=False).render(request or example())
    return reasons(caught.value.problems)


HEADED_YES = r'<th>\{\{ _\("Yes"\) \}\}</th>'
HEADED_NO = r'<th>\{\{ _\("No"\) \}\}</th>'
HEADED = "answer columns not headed 'Yes' then 'No'"
H = '<th>{{ _("No") }}</th>\n</tr>\n'  # the end of the heading row, as edits put it back


@pytest.mark.parametrize(
    "edits",
    [
        # Headed the other way round, every answer showed inverted.
        [
            (HEADED_YES, "<th>NO</th>"),
            (HEADED_NO, '<th>{{ _("Yes") }}</th>'),
            ("<th>NO</th>", '<th>{{ _("No") }}</th>'),
        ],
        # Not headed at all, the boxes said nothing of which is which.
        [(r"(?s)<tr>\n(\{#[^\n]*\n)?<th>.*?</tr>\n", "")],
        [(HEADED_NO, "<th>Maybe</th>")],
        # The Yes column headed, the No column not: nothing says which box answers no.
        [(HEADED_NO, "<th></th>")],
    ],
    ids=["swapped", "no header row", "another word", "no word over No"],
)
def test_the_checklist_s_box_columns_are_headed_yes_then_no(
    tmp_path: Path, edits: list[tuple[str, str]]
) -> None:
    assert _checklist_reasons(tmp_path, edits) == [("checklist", HEADED)]


@pytest.mark.parametrize(
    "row",
    [
        "<tr><td>Note</td><td>No</td><td>Yes</td></tr>",
        "<tr><td>Note</td><td>Tick</td><td></td></tr>",
        '<tr><th>Note</th><th>{{ _("No") }}</th><th>{{ _("Yes") }}</th></tr>',
    ],
    ids=["swapped under the heading", "other words over one box", "a second header row"],
)
def test_no_other_row_above_the_questions_shows_other_words_over_the_boxes(
    tmp_path: Path, row: str
) -> None:
    # Found by a review (of verify's reading): a row reading "No" then "Yes" under the
    # heading relabels every answer below it, whatever the heading says.
    edits = [(HEADED_NO + r"\n</tr>", '<th>{{ _("No") }}</th>\n</tr>\n' + row)]
    assert _checklist_reasons(tmp_path, edits) == [("checklist", HEADED)]


@pytest.mark.parametrize(
    "edits",
    [
        # A row with a box of its own was not read at all.
        [
            (
                HEADED_NO + r"\n</tr>",
                H + '<tr><td><check checked="no"/></td><td>No</td><td>Yes</td></tr>',
            )
        ],
        # Labels under the boxes relabel them as well as labels over them.
        [
            (
                r"\{%- endfor %\}\n</table>",
                "{%- endfor %}\n<tr><td></td><td>No</td><td>Yes</td></tr>\n</table>",
            )
        ],
    ],
    ids=["a box in the row", "below the questions"],
)
def test_no_row_with_a_box_or_below_the_questions_relabels_the_boxes(
    tmp_path: Path, edits: list[tuple[str, str]]
) -> None:
    # Found by a review: each rendered, and verify passed the form.
    assert _checklist_reasons(tmp_path, edits) == [("checklist", HEADED)]


def test_rows_below_the_questions_may_say_nothing_over_the_boxes(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    edit(
        templates / CONSENT,
        r"\{%- endfor %\}\n</table>",
        "{%- endfor %}\n"
        '<tr><td>Initials: ____</td><td><check checked="no"/></td><td></td></tr>\n</table>',
    )
    engine = Engine([templates], include_bundled=False)
    form = engine.render_quietly(example()).content
    assert engine.verify(form).ok


def test_rows_above_the_questions_may_say_nothing_over_the_boxes(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    edit(
        templates / CONSENT,
        HEADED_NO + r"\n</tr>",
        '<th>{{ _("No") }}</th>\n</tr>\n<tr><td>Answer every question.</td><td></td><td></td></tr>',
    )
    engine = Engine([templates], include_bundled=False)
    form = engine.render_quietly(example()).content
    assert engine.verify(form).ok


def test_a_question_asked_again_with_boxes_is_refused(tmp_path: Path) -> None:
    # An untagged row of the template's could show each question answered the other way.
    again = (
        "{%- endfor %}\n{%- for item in screening %}<tr><td>{{ item.question }}</td>"
        "<td><check checked=\"{{ 'no' if item.answer else 'yes' }}\"/></td>"
        "<td><check checked=\"{{ 'yes' if item.answer else 'no' }}\"/></td></tr>"
        "{%- endfor %}\n</table>"
    )
    found = _checklist_reasons(tmp_path, [(r"\{%- endfor %\}\n</table>", again)])
    asked = [
        f"screening.{q.id}"
        for q in mesoconsent.default_engine().procedures["mesotherapy"].screening
    ]
    assert found == [(key, "duplicated") for key in asked]


def test_the_patient_s_details_must_be_on_the_form(tmp_path: Path) -> None:
    # Left out of the row, and shown nowhere else: a "yes, I take warfarin" printed as "yes".
    request = attrs.evolve(
        example(),
        screening={
            **example().screening,
            "other_conditions": mesoconsent.ScreeningAnswer(True, "Lupus; I take warfarin"),
        },
    )
    edits = [
        (
            r"\{% if item.details is not none %\}<br/><em>\{\{ item.details \| lines \}\}</em>"
            r"\{% endif %\}",
            "",
        )
    ]
    assert _checklist_reasons(tmp_path, edits, request) == [
        ("screening.other_conditions", "details not shown")
    ]


def test_a_no_answer_named_in_the_alert_is_refused(tmp_path: Path) -> None:
    # "You answered Yes to ..." naming every question, whatever the answers: verify refused
    # such a stored form ("no answer flagged"), and render produced it.
    templates = copy_templates(tmp_path)
    edit(templates / BASE, r"\{%- if flagged %\}", "{%- if true %}")
    edit(templates / BASE, r"\{%- for item in flagged %\}", "{%- for item in screening %}")
    pregnant = attrs.evolve(
        example(),
        screening={**example().screening, "pregnant": mesoconsent.ScreeningAnswer(True)},
    )
    with pytest.raises(CoverageError) as caught:
        Engine([templates], include_bundled=False).render(pregnant)
    others = [q.key for q in mesoconsent.default_engine().procedures["mesotherapy"].screening]
    assert reasons(caught.value.problems) == [
        (key, "no answer flagged") for key in others if key != "screening.pregnant"
    ]


@pytest.mark.parametrize(
    ("pattern", "replacement", "disclosure"),
    [
        # Any text filled a placeholder: another clinic and phone to call, another product.
        (
            r"clinic=request.clinic.name, phone=request.clinic.phone",
            'clinic="nobody", phone="no number"',
            "consent.complications_contact",
        ),
        (r"product=request.treatment.product", 'product="saline only"', "consent.plan_product"),
        # A placeholder at the end matched whatever words followed it.
        (
            r'disclosure\("consent.plan_areas", areas=formatted.areas\) \}\}',
            'disclosure("consent.plan_areas", areas=formatted.areas) }}. Except the risks.',
            "consent.plan_areas",
        ),
    ],
)
def test_a_placeholder_named_for_a_request_value_shows_that_value(
    tmp_path: Path, pattern: str, replacement: str, disclosure: str
) -> None:
    templates = copy_templates(tmp_path)
    edit(templates / BASE, pattern, replacement)
    with pytest.raises(CoverageError) as caught:
        Engine([templates], include_bundled=False).render(example())
    assert reasons(caught.value.problems) == [(disclosure, "altered")]


@pytest.mark.parametrize("locale", ["en", "fr", "ar"])
def test_a_request_value_with_a_percent_sign_fills_its_placeholder(locale: str) -> None:
    request = attrs.evolve(
        example(),
        locale=locale,
        treatment=attrs.evolve(example().treatment, product="Hyaluronic acid 1.5% (%(x)s)"),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text = mesoconsent.render(request, "text").content.decode()
    assert "Hyaluronic acid 1.5% (%(x)s)" in text


def test_a_request_value_with_spaces_at_its_edges_or_inside_fills_its_placeholder() -> None:
    # Found by the property tests: a phone of "0 " ("at 0 ." once normalised) was refused.
    clinic = attrs.evolve(example().clinic, name="  Riverside   Clinic ", phone="0 ")
    request = attrs.evolve(example(), clinic=clinic)
    form = mesoconsent.render(request, "docx").content
    assert mesoconsent.verify(form).ok
