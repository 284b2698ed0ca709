"""Procedure definitions are data, checked on load; overrides cannot weaken the guarantee."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

import mesoconsent
from mesoconsent import Engine, ProcedureDefinitionError, TemplateError
from tests.helpers import copy_templates, edit, example

TOML = "mesotherapy/procedure.toml"


def assert_refused(tmp_path: Path, written: str, instead: str, said: str) -> None:
    """The bundled procedure file with ``written`` changed to ``instead`` is refused, saying
    ``said``."""
    templates = copy_templates(tmp_path)
    edit(templates / TOML, re.escape(written), instead)
    with pytest.raises(ProcedureDefinitionError, match=re.escape(said)):
        Engine([templates], include_bundled=False)


def test_an_override_may_not_drop_a_bundled_disclosure(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    edit(templates / TOML, r'\[\[disclosures\]\]\nid = "risks.rare_scarring"\n[^\[]*', "")
    with pytest.raises(ProcedureDefinitionError, match=re.escape("risks.rare_scarring")):
        Engine([templates])  # in front of the bundled folder
    Engine([templates], include_bundled=False)  # on its own, it is simply another procedure


def test_an_override_may_not_drop_a_screening_question(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    edit(templates / TOML, r'\[\[screening\]\]\nid = "pregnant"\n[^\[]*', "")
    with pytest.raises(ProcedureDefinitionError, match=re.escape("screening.pregnant")):
        Engine([templates])


def test_a_procedure_without_screening_questions_is_refused(tmp_path: Path) -> None:
    # Found by a review adding a procedure: one without [[screening]] rendered, and its form
    # had the patient sign that "the answers I gave to the health questions in this form are
    # true and complete" (consent.screening_truthful, required of every procedure) where it
    # asked none.
    templates = copy_templates(tmp_path)
    text = (templates / TOML).read_text(encoding="utf-8")
    (templates / TOML).write_text(re.sub(r"\[\[screening\]\]\n[^\[]*", "", text), "utf-8")
    assert "[[screening]]" not in (templates / TOML).read_text(encoding="utf-8")
    with pytest.raises(ProcedureDefinitionError) as raised:
        Engine([templates], include_bundled=False)
    assert str(raised.value) == (
        f"{templates / TOML}: has no [[screening]] question: every consent form asks at least "
        "one, and the patient signs that the answers are true (consent.screening_truthful)"
    )


def test_a_template_the_procedure_file_names_that_is_not_there_names_the_file(
    tmp_path: Path,
) -> None:
    # Found by a review adding a procedure: Jinja2's "not found in search paths" named
    # neither the procedure nor its file, where the misspelt name is written.
    templates = copy_templates(tmp_path)
    edit(
        templates / TOML,
        re.escape('"mesotherapy/consent.html.j2"'),
        '"mesotherapy/consnet.html.j2"',
    )
    with pytest.raises(ProcedureDefinitionError) as raised:
        Engine([templates], include_bundled=False)
    assert str(raised.value) == (
        "procedure 'mesotherapy' (its procedure.toml): template 'mesotherapy/consnet.html.j2' is "
        f"in none of the template folders ({templates.absolute()})"
    )
    # A template it extends that is not there is still the template's fault, and named so.
    (templates / "common" / "base.html.j2").unlink()
    edit(templates / TOML, re.escape("consnet"), "consent")
    engine = Engine([templates], include_bundled=False)  # extended at the first render
    with pytest.raises(TemplateError, match=r"consent.html.j2 line \d+ \(TemplateNotFound\)"):
        engine.render(example())


def test_an_override_may_not_drop_a_common_disclosure(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    common = templates / "common" / "disclosures.toml"
    edit(common, r'\[\[disclosures\]\]\nid = "consent.refuse_withdraw"\n[^\[]*', "")
    with pytest.raises(ProcedureDefinitionError, match=re.escape("consent.refuse_withdraw")):
        Engine([templates])


def test_percent_signs_in_wording(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    edit(
        templates / TOML,
        re.escape('text = "A very fine needle is used."'),
        'text = "A very fine needle is used (100%% single-use)."',
    )
    engine = Engine([templates], include_bundled=False)
    content = engine.render(example(), "text").content.decode()
    assert "A very fine needle is used (100% single-use)." in content
    assert engine.verify(engine.render(example()).content).ok
    edit(templates / TOML, re.escape("(100%% single-use)"), "(100% single-use)")
    with pytest.raises(ProcedureDefinitionError, match="percent sign"):
        Engine([templates], include_bundled=False)


@pytest.mark.parametrize("prefix", ["screening.", "signature.", "alert.", "statement."])
def test_disclosure_ids_may_not_take_the_names_of_marks(tmp_path: Path, prefix: str) -> None:
    # Stored forms mark the checklist, the signature lines and the alert by these names, and
    # problems name the statements a third signer signs for (statement.witness) so.
    templates = copy_templates(tmp_path)
    edit(templates / TOML, re.escape('id = "risks.rare_scarring"'), f'id = "{prefix}scarring"')
    with pytest.raises(ProcedureDefinitionError, match=re.escape(f"{prefix}scarring")):
        Engine([templates], include_bundled=False)


@pytest.mark.parametrize("version", ["", "1.0 beta", "1:0"])
def test_template_version_must_fit_the_identifier(tmp_path: Path, version: str) -> None:
    templates = copy_templates(tmp_path)
    edit(
        templates / TOML, re.escape('template_version = "1.2.0"'), f'template_version = "{version}"'
    )
    with pytest.raises(ProcedureDefinitionError, match="template_version"):
        Engine([templates], include_bundled=False)


def test_unknown_keys_in_procedure_file_are_refused(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    edit(
        templates / TOML,
        re.escape('id = "mesotherapy"\n'),
        'id = "mesotherapy"\nrequired = false\n',
    )
    with pytest.raises(ProcedureDefinitionError, match="required"):
        Engine([templates], include_bundled=False)


@pytest.mark.parametrize(
    ("written", "instead", "said"),
    [
        # A quoted "false" was read as true: the question asked for details.
        (
            "asks_details = true",
            'asks_details = "false"',
            "must be true or false (without quotes), not a string "
            "@ procedure.screening[3].asks_details "
            # Counted from 1, and by its id: cattrs counts from 0, and a review had to count.
            "(the [[screening]] table number 4, id 'other_conditions')",
        ),
        ("asks_details = true", "asks_details = 0", "not an integer"),
        # A list or a table given as text was printed, brackets and all, on every form.
        (
            'text = "Are you pregnant?"',
            'text = ["Are you pregnant?"]',
            "must be a string (text in quotes), not an array @ procedure.screening[0].text",
        ),
        ('text = "Are you pregnant?"', 'text = {en = "Are you pregnant?"}', "not a table"),
        (
            'template_version = "1.2.0"',
            "template_version = 1",
            "not an integer @ procedure.template_version",
        ),
        ('template_version = "1.2.0"', "template_version = 2026-11-27", "not a date"),
        (
            'id = "pregnant"',
            "id = 5",
            "not an integer @ procedure.screening[0].id (the [[screening]] table number 1)",
        ),
    ],
)
def test_a_value_of_the_wrong_kind_is_refused_not_converted(
    tmp_path: Path, written: str, instead: str, said: str
) -> None:
    assert_refused(tmp_path, written, instead, said)


@pytest.mark.parametrize(
    ("written", "said"),
    [
        # Named "common", not "procedure": a review looked for the fault in a procedure file.
        (
            None,
            "must be a string (text in quotes), not an array @ common.disclosures[0].text "
            "(the [[disclosures]] table number 1, id 'consent.plan_areas')",
        ),
        # A string was taken for an array, each character an entry.
        (
            'disclosures = "consent.plan_areas"',
            "must be an array of tables ([[disclosures]]), not a string @ common.disclosures",
        ),
        (
            'disclosures = { plan = { id = "consent.plan_areas" } }',
            "must be an array of tables ([[disclosures]]), not a table @ common.disclosures",
        ),
        # An entry that is not a table was an "unknown error" about a missing .keys().
        (
            'disclosures = ["consent.plan_areas"]',
            "must be a table, not a string @ common.disclosures[0]",
        ),
    ],
)
def test_common_disclosures_of_the_wrong_kind_are_refused(
    tmp_path: Path, written: str | None, said: str
) -> None:
    templates = copy_templates(tmp_path)
    common = templates / "common" / "disclosures.toml"
    if written is None:
        edit(common, re.escape('text = "Areas to be treated: %(areas)s"'), "text = [1]")
    else:
        common.write_text(written + "\n", encoding="utf-8")
    with pytest.raises(ProcedureDefinitionError, match=re.escape(said)):
        Engine([templates], include_bundled=False)


@pytest.mark.parametrize(
    ("written", "instead", "said"),
    [
        # Each of these three loaded, then failed every render with a TemplateError about a
        # static section that did not hold whole blocks.
        (
            'text = "A very fine needle is used."',
            r'text = "A very fine needle\u0000 is used."',
            "disclosure 'procedure.needle': its text contains the control character U+0000 "
            "at character 19",
        ),
        (
            'text = "A very fine needle is used."',
            r'text = "A very fine needle is used.\uFFFE"',
            "its text contains the non-character U+FFFE at character 28",
        ),
        # This one printed the rest of the sentence backwards on every form, as a translation
        # holding it would have (catalogs refuse those).
        (
            'text = "A very fine needle is used."',
            r'text = "A very fine needle \u202Eis used."',
            "its text contains the bidirectional control U+202E at character 20",
        ),
        (
            'text = "Are you pregnant?"',
            r'text = "\u200B "',
            "screening question 'pregnant': its text must not be empty (or only spaces or "
            "invisible characters)",
        ),
    ],
)
def test_wording_that_would_not_print_as_written_is_refused(
    tmp_path: Path, written: str, instead: str, said: str
) -> None:
    templates = copy_templates(tmp_path)
    edit(templates / TOML, re.escape(written), lambda _: instead)
    with pytest.raises(ProcedureDefinitionError, match=re.escape(said)):
        Engine([templates], include_bundled=False)


def test_a_note_for_translators_is_one_line_of_text(tmp_path: Path) -> None:
    # It becomes a comment line of every catalog: a line break would end it there.
    templates = copy_templates(tmp_path)
    edit(
        templates / TOML,
        re.escape('text = "A very fine needle is used."'),
        lambda _: 'text = "A very fine needle is used."\nnote = "Line one\\nmsgid \\"x\\""',
    )
    with pytest.raises(ProcedureDefinitionError, match=re.escape("'procedure.needle': its note")):
        Engine([templates], include_bundled=False)


def test_disclosure_marker_on_a_heading_is_a_template_error(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    edit(
        templates / "mesotherapy" / "consent.html.j2",
        re.escape('<h2>{{ _("Possible benefits") }}</h2>'),
        '<h2 data-disclosure="benefits.appearance">{{ _("Possible benefits") }}</h2>',
    )
    with pytest.raises(TemplateError, match=re.escape("data-disclosure belongs on <p> or <li>")):
        Engine([templates], include_bundled=False).render(example())


def test_contraindication_warning_points_at_the_caller() -> None:
    import attrs

    request = attrs.evolve(
        example(),
        screening={**example().screening, "pregnant": mesoconsent.ScreeningAnswer(True)},
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mesoconsent.render(request, "text")
    assert len(caught) == 1
    assert caught[0].filename == __file__
    assert "pregnant" not in str(caught[0].message)  # health data stays in result.flags


def test_two_disclosures_worded_alike_are_refused_when_the_procedure_is_read(
    tmp_path: Path,
) -> None:
    # Found by a review: such a procedure loaded, and then every form, English too, was
    # refused as if a translation were at fault.
    templates = copy_templates(tmp_path)
    edit(
        templates / TOML,
        re.escape('text = "A very fine needle is used."'),
        'text = "The injections are given by  a trained medical professional."',
    )
    with pytest.raises(
        ProcedureDefinitionError,
        match=re.escape(
            "disclosure 'procedure.needle' is worded exactly as disclosure "
            "'procedure.practitioner': each must say what it alone says"
        ),
    ):
        Engine([templates], include_bundled=False)


def test_a_disclosure_id_taken_by_a_common_disclosure_names_the_common_file(
    tmp_path: Path,
) -> None:
    # Found by a review: the procedure's file, which holds the id once, was said to declare it
    # twice; its author looked there for a second entry that is in common/disclosures.toml.
    templates = copy_templates(tmp_path)
    edit(templates / TOML, re.escape('id = "risks.rare_scarring"'), 'id = "consent.agreement"')
    common = templates / "common" / "disclosures.toml"
    with pytest.raises(ProcedureDefinitionError) as raised:
        Engine([templates], include_bundled=False)
    assert str(raised.value).startswith(f"{templates / TOML}: ")
    assert (
        f"disclosure 'consent.agreement' is also declared in {common}, which every procedure "
        "states: give the procedure's own another id"
    ) in str(raised.value)
    assert "declared twice" not in str(raised.value)


@pytest.mark.parametrize(
    ("written", "instead", "said"),
    [
        (
            'id = "risks.rare_scarring"',
            'id = "risks.rare_infection"',
            "disclosure 'risks.rare_infection' is declared twice",
        ),
        # Found by a review: "screening question ids must be unique", in a file of many.
        (
            'id = "breastfeeding"',
            'id = "pregnant"',
            "screening question 'pregnant' is declared twice (ids must be unique)",
        ),
    ],
)
def test_an_id_declared_twice_in_the_procedure_s_file_is_named(
    tmp_path: Path, written: str, instead: str, said: str
) -> None:
    assert_refused(tmp_path, written, instead, said)
