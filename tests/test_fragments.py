"""{% static %} sections: composed once per language, shared by every document, and never a
way for a document to differ from one composed in full."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import warnings
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings

import mesoconsent
import mesoconsent.writers.docx
import mesoconsent.writers.zip
from mesoconsent import ConsentRequest, CoverageError, Engine, TemplateError
from mesoconsent.document import (
    Block,
    Checkbox,
    Document,
    ListBlock,
    PageField,
    Paragraph,
    Row,
    Table,
    Text,
)
from mesoconsent.fragments import Fragment
from mesoconsent.resources import locales_dir
from mesoconsent.writers.shared import SharedBlocks
from tests.helpers import (
    CHECKLIST_TABLE,
    W,
    answered,
    copy_templates,
    docx_paragraph_texts,
    docx_part,
    edit,
    example,
    package_parts,
    with_patient_name,
)
from tests.test_properties import requests

CONSENT = "mesotherapy/consent.html.j2"
BASE = "common/base.html.j2"
STATIC_TAGS = re.compile(r"\{%-? *(end)?static( for \w+)? *-?%\}\n?")


def unshared_engine(tmp_path: Path) -> Engine:
    """An engine whose templates are the bundled ones without any {% static %}: every
    section composed for every document, the slow way."""
    templates = copy_templates(tmp_path)
    for name in (CONSENT, BASE):
        path = templates / name
        text, count = STATIC_TAGS.subn("", path.read_text(encoding="utf-8"))
        assert count >= 2, f"{name} has no static section left to test"
        path.write_text(text, encoding="utf-8")
    return Engine([templates], [locales_dir()], include_bundled=False)


@pytest.fixture(scope="module")
def unshared(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return unshared_engine(tmp_path_factory.mktemp("unshared"))


SHARED = Engine()


def render_quietly(engine: Engine, request: ConsentRequest, fmt: mesoconsent.Format) -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # draft translations, "yes" answers
        return engine.render(request, fmt).content


NOT_SHARING = Engine(share_static_sections=False)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests())
def test_shared_sections_change_nothing_in_any_format(
    unshared: Engine, request: ConsentRequest
) -> None:
    for fmt in mesoconsent.FORMATS:
        shared = render_quietly(SHARED, request, fmt)
        # Sharing turned off: the same bytes.
        assert shared == render_quietly(NOT_SHARING, request, fmt)
        # No static sections at all: the same text, the same package parts. (DOCX bytes
        # differ: each static section's XML is deflated as a segment of its own.)
        composed_in_full = render_quietly(unshared, request, fmt)
        if fmt == "docx":
            assert package_parts(shared) == package_parts(composed_in_full)
        else:
            assert shared == composed_in_full


def test_a_small_static_section_between_the_forms_own_blocks_is_deflated_with_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Deflating a few hundred bytes more costs less than starting a compressor for each side.
    deflated: list[bytes] = []
    real = mesoconsent.writers.zip.form_segment

    def recording(content: bytes) -> Any:
        deflated.append(content)
        return real(content)

    engine = Engine()
    engine.render(example(), "docx")  # the static sections are composed, and kept
    monkeypatch.setattr(mesoconsent.writers.docx, "form_segment", recording)
    engine.render(example(), "docx")
    # The headings around the details table ("About you and your treatment", then "Your
    # planned treatment" before the plan) are deflated with the table and the plan.
    joined = [content for content in deflated if b"About you and your treatment" in content]
    assert len(joined) == 1
    assert b"Jane Example" in joined[0]
    assert b"Your planned treatment" in joined[0]
    assert b"Areas to be treated: face and neck" in joined[0]
    # The procedure's sections, larger, stay segments of their own, deflated once.
    assert not any(b"Rare but serious" in content for content in deflated)
    assert not any(b"What mesotherapy is" in content for content in deflated)


def test_the_static_sections_are_shared_between_documents() -> None:
    first = SHARED.compose(with_patient_name(example(), "Ada First"))
    second = SHARED.compose(with_patient_name(example(), "Bea Second"))
    shared = [a for a, b in zip(first.blocks, second.blocks, strict=True) if a is b]
    disclosures = {i for block in shared for i, _ in _disclosures(block)}
    # The procedure's sections, stated once for both patients...
    assert {"risks.rare_infection", "consent.agreement", "procedure.needle"} <= disclosures
    # ...but nothing that holds the request's own text.
    assert "consent.plan_areas" not in disclosures
    assert "consent.complications_contact" not in disclosures
    assert not any("First" in repr(block) or "Second" in repr(block) for block in shared)


def _disclosures(block: Block) -> list[tuple[str, str]]:
    document = attrs.evolve(SHARED.compose(example()), blocks=(block,))
    return list(document.disclosures())


def test_a_missing_translation_in_a_static_section_is_refused_every_time(
    tmp_path: Path,
) -> None:
    # A French catalog without "Declaration" (a heading inside a static section): the second
    # render reuses the section, and must still know that it holds English.
    locales = tmp_path / "locales"
    french = locales / "fr" / "LC_MESSAGES"
    french.mkdir(parents=True)
    source = (locales_dir() / "fr" / "LC_MESSAGES" / "mesoconsent.po").read_text("utf-8")
    edited, count = re.subn(r'(msgid "Declaration"\nmsgstr )"[^"]*"', r'\1""', source)
    assert count == 1
    (french / "mesoconsent.po").write_text(edited, encoding="utf-8")
    engine = Engine([], [locales], include_bundled=True)
    request = attrs.evolve(example(), locale="fr")
    for _ in range(3):
        with pytest.raises(CoverageError, match="Declaration"):
            render_quietly(engine, request, "docx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(2):
            assert engine.render(request, "docx", draft=True).draft


@pytest.mark.parametrize(
    ("inside", "complaint"),
    [
        ("<p>{{ request.patient.full_name }}</p>", "reads 'request'"),
        ("<p>{{ formatted.areas }}</p>", "reads 'formatted'"),
        (
            '<p>{{ disclosure("consent.plan_product", product=request.treatment.product) }}</p>',
            "reads 'request'",
        ),
        ('{% include "common/base.html.j2" %}', "may not include"),
        ("{% static %}<p>x</p>{% endstatic %}", "may not hold another"),
        # A name set in the section can still be read from outside before it is set.
        ("<p>{{ request }}</p>{% set request = 1 %}", "reads 'request'"),
        ("{% set request = request %}<p>{{ request }}</p>", "may not set variables"),
        ("{% for request in [request] %}<p>{{ request }}</p>{% endfor %}", "may not set"),
        ('{% set heading = _("Risks") %}<p>{{ heading }}</p>', "may not set variables"),
        ("{% with r = 1 %}<p>{{ r }}</p>{% endwith %}", "may not set variables"),
        # A namespace's attribute, which the template can print outside the section.
        ("{% set ns.first = 'yes' %}<p>x</p>", "may not set variables (ns.first)"),
        ("{% macro m(a) %}{{ a }}{% endmacro %}<p>{{ m(1) }}</p>", "may not set variables"),
        # A block could be filled by a template that extends this one, with request data.
        ("{% block extra %}{% endblock %}", "may not hold a {% block %}"),
        ("<p>{{ self.title() }}</p>", "reads 'self'"),
        ("<p>{{ range(3) | list }}</p>", "reads 'range'"),
        ("{% trans n=request.treatment.product %}{{ n }}{% endtrans %}", "reads 'request'"),
        ("<p>{{ ['a', 'b'] | random }}</p>", "filter random"),
        # map names its filter at run time (random too); an iterator prints its address.
        ('<p>{{ [["a", "b"]] | map("random") | join }}</p>', "filter map"),
        ("<p>{{ [1, 2] | reverse }}</p>", "filter reverse"),
        ("{% filter random %}<p>x</p>{% endfilter %}", "filter random"),
        ('<p>{{ _("Declaration") | safe }}</p>', "filter safe"),
        ('<p>{{ _("Declaration").split }}</p>', "may only call methods"),
        # Printed, a translation function shows what this render has looked up so far.
        ("<p>{{ _ }}</p>", "may only call _()"),
        ('<p>{{ _("Risks %(f)s", f=pgettext) }}</p>', "may only call pgettext()"),
        ("{% trans f=ngettext %}<p>Risks {{ f }}</p>{% endtrans %}", "may only call ngettext()"),
        ("<p>{{ disclosure }}</p>", "may only call disclosure()"),
    ],
)
def test_a_static_section_that_could_differ_between_requests_is_refused(
    tmp_path: Path, inside: str, complaint: str
) -> None:
    templates = copy_templates(tmp_path)
    edit(
        templates / CONSENT,
        r"(\{% static %\}\n)(\{# Translators: section heading. #\}\n<h2>\{\{ _\(\"Risks)",
        lambda match: match.group(1) + inside + "\n" + match.group(2),
    )
    with pytest.raises(TemplateError, match=re.escape(complaint)) as caught:
        Engine([templates], [locales_dir()], include_bundled=False)
    assert "consent.html.j2, line" in str(caught.value)


NAME = "request.patient.full_name"
LEAK = f"{{% macro leak(s) %}}{{{{ s }}}} LEAKED {{{{ {NAME} }}}}{{% endmacro %}}"
REBINDINGS = [
    # A static section inside a scope where a translation function's name stands for a
    # macro that prints patient data.
    (LEAK + "{% for gettext in [leak] %}", "<p>{{ gettext('x') }}</p>", "{% endfor %}"),
    (LEAK + "{% with _ = leak %}", "<p>{{ _('x') }}</p>", "{% endwith %}"),
    (
        LEAK + "{% macro m(_) %}{% static %}<p>{{ _('x') }}</p>{% endstatic %}{% endmacro %}"
        "{{ m(leak) }}",
        "",
        "",
    ),
    (f"{{% macro _(s) %}}{{{{ s }}}} {{{{ {NAME} }}}}{{% endmacro %}}", "", ""),
]


@pytest.mark.parametrize(("before", "inside", "after"), REBINDINGS)
def test_a_rebound_function_name_cannot_carry_patient_data_into_a_static_section(
    tmp_path: Path, before: str, inside: str, after: str
) -> None:
    templates = copy_templates(tmp_path)
    edit(
        templates / CONSENT,
        r"\{% block sections %\}\n\{#-[^#]*#\}\n\{% static %\}\n",
        lambda match: "{% block sections %}\n" + before + "{% static %}" + inside + "\n",
    )
    if after:
        edit(
            templates / CONSENT,
            r"(<h3>\{\{ _\(\"Your answers to the health questions\"\) \}\}</h3>\n"
            r"\{% endstatic %\})",
            lambda match: match.group(1) + after,
        )
    engine = Engine([templates], [locales_dir()], include_bundled=False)
    try:
        render_quietly(engine, with_patient_name(example(), "Ada Firstpatient"), "text")
        second = render_quietly(engine, with_patient_name(example(), "Bea Second"), "text")
    except (TemplateError, CoverageError):
        return  # refused: fine too
    assert b"Firstpatient" not in second


def redefine_underscore_in_the_child_template(templates: Path) -> None:
    """A clinic's procedure template with a macro of its own named ``_``, which adds the
    patient's name to every call without arguments beyond the message (calls with keywords,
    such as the page footer's, still work)."""
    edit(
        templates / CONSENT,
        r'\{% extends "common/base.html.j2" %\}',
        '{% extends "common/base.html.j2" %}'
        "{% macro _(s) %}{% if kwargs or varargs %}{{ s }}{% else %}"
        f"{{{{ s }}}} / {{{{ {NAME} }}}}{{% endif %}}{{% endmacro %}}",
    )


def test_a_clinic_template_cannot_redefine_the_functions_of_inherited_static_sections(
    tmp_path: Path,
) -> None:
    templates = copy_templates(tmp_path)
    redefine_underscore_in_the_child_template(templates)
    engine = Engine([templates], [locales_dir()], include_bundled=False)
    first = render_quietly(engine, with_patient_name(example(), "Ada Firstpatient"), "text")
    second = render_quietly(engine, with_patient_name(example(), "Bea Second"), "text")
    assert b"Firstpatient" not in second
    assert first.count(b"Firstpatient") == second.count(b"Bea Second")


def start_sections_with(templates: Path, text: str) -> None:
    """Put ``text`` on a line of its own at the start of the procedure's sections block."""
    edit(templates / CONSENT, r"\{% block sections %\}\n", lambda m: m.group(0) + text + "\n")


def assert_nothing_carries_over(templates: Path) -> None:
    """A patient's form is the same whether or not another patient's was rendered first."""
    ada = with_patient_name(example(), "Ada Firstpatient")
    bea = with_patient_name(example(), "Bea Second")
    engine = Engine([templates], [locales_dir()], include_bundled=False)
    render_quietly(engine, ada, "html")
    after_ada = render_quietly(engine, bea, "html")
    alone = render_quietly(Engine([templates], [locales_dir()], include_bundled=False), bea, "html")
    assert b"Firstpatient" not in after_ada
    assert after_ada == alone


@pytest.mark.parametrize(
    "around",
    [
        LEAK + '{% with _ = leak %}{% include "common/part.j2" %}{% endwith %}',
        LEAK + '{% for _ in [leak] %}{% include "common/part.j2" %}{% endfor %}',
        LEAK + '{% set _ = leak %}{% include "common/part.j2" %}',
        LEAK + '{% set _ = leak %}{% from "common/part.j2" import part with context %}{{ part() }}',
    ],
)
def test_included_static_sections_use_the_renders_own_functions(
    tmp_path: Path, around: str
) -> None:
    # An include, an import with context or a scoped block passes on a context in which a
    # template may have rebound _; the static section must not see it.
    templates = copy_templates(tmp_path)
    (templates / "common" / "part.j2").write_text(
        '{% macro part() %}{% static %}<p>{{ _("Declaration") }}</p>{% endstatic %}'
        "{% endmacro %}"
        '{% static %}<p>{{ _("Declaration") }}</p>{% endstatic %}',
        encoding="utf-8",
    )
    start_sections_with(templates, around)
    assert_nothing_carries_over(templates)


def test_a_scoped_block_does_not_pass_a_rebound_function_to_static_sections(
    tmp_path: Path,
) -> None:
    templates = copy_templates(tmp_path)
    edit(templates / BASE, r"\{% block sections %\}", "{% block sections scoped %}")
    redefine_underscore_in_the_child_template(templates)
    assert_nothing_carries_over(templates)


@pytest.mark.parametrize(
    "setting",
    [
        f'{NAME}.startswith("Ada")',
        # Escaping on for Ada (the string "False" is true), off for the others (False).
        f'({NAME}.startswith("Ada") and "False") or False',
    ],
)
def test_a_request_dependent_autoescape_around_a_static_section_carries_nothing_over(
    tmp_path: Path, setting: str
) -> None:
    templates = copy_templates(tmp_path)
    start_sections_with(
        templates,
        f"{{% autoescape {setting} %}}{{% static %}}"
        '<p>{{ ["<strong>bit</strong>"] | join }}</p>{% endstatic %}{% endautoescape %}',
    )
    assert_nothing_carries_over(templates)


def test_text_filters_and_method_calls_are_allowed_and_carry_nothing_over(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    start_sections_with(
        templates,
        '{% static %}<p>{{ _("Declaration") | upper }} {{ _("Declaration").lower() }}'
        "</p>{% endstatic %}",
    )
    assert_nothing_carries_over(templates)


def test_two_static_sections_on_one_line_are_two_sections(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    edit(
        templates / BASE,
        r"\{% static %\}\n\{#[^#]*#\}\n(<h3>\{\{ _\(\"Your planned treatment\"\) \}\}</h3>)\n"
        r"\{% endstatic %\}",
        lambda match: (
            "{% static %}" + match.group(1) + "{% endstatic %}"
            '{% static %}<p>{{ _("Declaration") }}</p>{% endstatic %}'
        ),
    )
    engine = Engine([templates], [locales_dir()], include_bundled=False)
    text = render_quietly(engine, example(), "text").decode()
    assert "Your planned treatment\n-" in text
    assert text.count("\nDeclaration\n") == 2  # its own paragraph, and the heading further on


def test_sections_are_composed_per_procedure(tmp_path: Path) -> None:
    # A second procedure whose template extends the first's, with one disclosure reworded:
    # the shared sections state each procedure's own wording, whichever renders first.
    templates = copy_templates(tmp_path)
    (templates / "peel").mkdir()
    definition = (templates / "mesotherapy" / "procedure.toml").read_text(encoding="utf-8")
    definition = (
        definition.replace('id = "mesotherapy"', 'id = "peel"')
        .replace("mesotherapy/consent.html.j2", "peel/consent.html.j2")
        .replace(
            "The risk of serious side effects is relatively low.",
            "Serious side effects of a chemical peel are uncommon.",
        )
    )
    (templates / "peel" / "procedure.toml").write_text(definition, encoding="utf-8")
    (templates / "peel" / "consent.html.j2").write_text(
        '{% extends "mesotherapy/consent.html.j2" %}\n', encoding="utf-8"
    )
    engine = Engine([templates], [locales_dir()], include_bundled=False)
    meso = render_quietly(engine, example(), "text").decode()
    peel = render_quietly(engine, attrs.evolve(example(), procedure="peel"), "text").decode()
    assert "relatively low" in meso
    assert "chemical peel are uncommon" not in meso
    assert "chemical peel are uncommon" in peel
    assert "relatively low" not in peel


PLAN = '<li data-disclosure="consent.plan_areas">'


@pytest.mark.parametrize(
    ("before", "section", "complaint"),
    [
        # Whole blocks, but inside a list.
        (PLAN, "<p>{{ _('Declaration') }}</p>", "must be at the top level of the document"),
        # List items, but not in a list.
        ("<h1>", "<li>{{ _('Declaration') }}</li>", "belongs directly inside a <ul> or <ol>"),
        # Table rows, but in a list.
        (PLAN, "<tr><td>{{ _('Declaration') }}</td></tr>", "belongs directly inside a <table>"),
    ],
)
def test_a_static_section_must_be_whole_blocks_rows_or_items_where_they_belong(
    tmp_path: Path, before: str, section: str, complaint: str
) -> None:
    templates = copy_templates(tmp_path)
    edit(templates / BASE, re.escape(before), "{% static %}" + section + "{% endstatic %}" + before)
    engine = Engine([templates], [locales_dir()], include_bundled=False)
    with pytest.raises(TemplateError) as caught:
        engine.render(example())
    # The error says which section, and what is wrong with it.
    assert re.search(r"\{% static %\} at common/base\.html\.j2, line \d+", str(caught.value))
    assert complaint in str(caught.value)


def test_static_list_items_are_shared_and_the_rest_of_their_list_is_not() -> None:
    first, second = (
        _rights(SHARED.compose(with_patient_name(example(), name))) for name in ("Ada", "Bea")
    )
    assert first is not second  # the list names the clinic...
    # ...in its last item; the first three are the same objects in every form.
    pairs = zip(first.items, second.items, strict=True)
    assert [a is b for a, b in pairs] == [True, True, True, False]


def _rights(document: Document) -> ListBlock:
    (rights,) = [
        block
        for block in document.blocks
        if isinstance(block, ListBlock) and _ids(block)[-1:] == ["consent.complications_contact"]
    ]
    return rights


def _ids(block: Block) -> list[str]:
    return [disclosure_id for disclosure_id, _ in _disclosures(block)]


def test_a_static_section_in_a_parent_template_is_checked_too(tmp_path: Path) -> None:
    # base.html.j2 is compiled on the first render, not with the engine: the error must
    # still explain itself.
    templates = copy_templates(tmp_path)
    edit(
        templates / BASE,
        r"<h2>\{\{ _\(\"Declaration\"\) \}\}</h2>",
        "<h2>{{ request.clinic.name }}</h2>",
    )
    engine = Engine([templates], [locales_dir()], include_bundled=False)
    with pytest.raises(TemplateError, match="reads 'request'") as caught:
        engine.render(example())
    assert "base.html.j2, line" in str(caught.value)


@pytest.mark.parametrize("ref", ["0", "7", "x"])
def test_static_blocks_placeholders_cannot_be_written_by_hand(tmp_path: Path, ref: str) -> None:
    # ref="0": the render does have a first static section, which must not be repeated.
    templates = copy_templates(tmp_path)
    edit(
        templates / BASE,
        r"\{% block sections %\}",
        f'<static-blocks ref="{ref}"/>{{% block sections %}}',
    )
    engine = Engine([templates], [locales_dir()], include_bundled=False)
    with pytest.raises(TemplateError, match="written by"):
        engine.render(example())


def test_blocks_not_registered_are_made_every_time_and_never_kept() -> None:
    shared = SharedBlocks()
    registered = Paragraph((Text("the same for everyone"),))
    shared.share([registered])
    made: list[str] = []

    def make(label: str) -> str:
        made.append(label)
        return label

    for _ in range(3):
        # An equal but different object (as a patient's block would be) is not remembered.
        patient = Paragraph((Text("the same for everyone"),))
        assert shared.output(patient, "text", lambda _: make("patient")) == "patient"
        assert shared.output(registered, "text", lambda _: make("shared")) == "shared"
    assert made == ["patient", "shared", "patient", "patient"]
    assert len(shared) == 1


def test_sharing_can_be_turned_off_and_changes_nothing_but_the_sharing() -> None:
    engine = Engine(share_static_sections=False)
    first = engine.compose(with_patient_name(example(), "Ada First"))
    second = engine.compose(with_patient_name(example(), "Bea Second"))
    assert not any(a is b for a, b in zip(first.blocks, second.blocks, strict=True))
    for fmt in mesoconsent.FORMATS:
        assert render_quietly(engine, example(), fmt) == render_quietly(SHARED, example(), fmt)


def test_batch_workers_share_as_their_engine_does() -> None:
    engine = Engine(share_static_sections=False)
    results = list(mesoconsent.render_batch([example()] * 4, format="text", jobs=2, engine=engine))
    assert [item.result.content for item in results if item.result] == [
        render_quietly(SHARED, example(), "text")
    ] * 4


# {% static for item %}: the screening checklist's rows.


def _checklist(document: Document) -> tuple[Row, ...]:
    (table,) = [
        block
        for block in document.blocks
        if isinstance(block, Table) and any(row.screening for row in block.rows)
    ]
    return table.rows


def _kept(engine: Engine) -> dict[tuple[Hashable, str], Fragment]:
    """What the engine keeps from one form to the next: its static sections, by key."""
    store = engine._fragments  # the store is the engine's own business
    assert store is not None
    return dict(store._fragments)


def test_checklist_rows_are_shared_between_patients_who_gave_the_same_answer() -> None:
    engine = Engine()
    first = engine.compose(with_patient_name(example(), "Ada First"))
    second = engine.compose(with_patient_name(answered(example(), "pregnant", True), "Bea"))
    rows = list(zip(_checklist(first), _checklist(second), strict=True))
    assert [row.screening for row, _ in rows] == [None, *QUESTIONS]
    # The header row and every answer given alike: the same objects...
    assert [a is b for a, b in rows] == [True, False, True, True, True]
    # ...and the rows say what each patient answered.
    assert [cell.inlines for cell in rows[1][0].cells[1:]] == [
        (Checkbox(False),),
        (Checkbox(True),),
    ]
    assert [cell.inlines for cell in rows[1][1].cells[1:]] == [
        (Checkbox(True),),
        (Checkbox(False),),
    ]


QUESTIONS = ["pregnant", "breastfeeding", "clotting_disorder", "other_conditions"]


@pytest.mark.parametrize(
    ("question", "details"),
    [
        ("pregnant", None),
        # A "yes" that needs details is composed in place; it must still leave behind what a
        # "no" would, or what is kept would tell that nobody answered "no".
        ("other_conditions", "Asthma"),
    ],
)
def test_what_is_kept_never_tells_which_answer_a_patient_gave(
    question: str, details: str | None
) -> None:
    # An engine that rendered a "yes" keeps exactly what one that only ever rendered "no"
    # keeps: the sections, and what the writers made of them.
    said_no, said_yes = Engine(), Engine()
    for fmt in mesoconsent.FORMATS:
        render_quietly(said_no, example(), fmt)
        render_quietly(said_yes, answered(example(), question, True, details), fmt)
    assert _kept(said_no).keys() == _kept(said_yes).keys()
    assert list(_kept(said_no).values()) == list(_kept(said_yes).values())
    assert _outputs(said_no) == _outputs(said_yes)
    # (section, autoescape, question, its words, answer)
    rows = [
        section for section, _ in _kept(said_no) if isinstance(section, tuple) and len(section) == 5
    ]
    assert sorted((section[2], section[4]) for section in rows) == sorted(
        (question, yes) for question in QUESTIONS for yes in (True, False)
    )


def _outputs(engine: Engine) -> list[tuple[Hashable, object]]:
    """What the writers keep, with each object named by where the engine keeps it (its
    section and place there) rather than by its address."""
    store = engine._fragments  # the store is the engine's own business
    assert store is not None
    names: dict[int, tuple[Hashable, int]] = {}
    for (section, _), fragment in store._fragments.items():
        parts = fragment.parts
        footer = (parts.footer,) if parts.footer else ()
        for number, part in enumerate((*parts.blocks, *parts.rows, *parts.items, *footer)):
            names[id(part)] = (section, number)
    kept = []
    for key, output in store.shared._outputs.items():
        assert isinstance(key, tuple)
        identity, position = key
        named = (
            tuple(names[part] for part in identity)
            if isinstance(identity, tuple)
            else names[identity]
        )
        kept.append((named, position))
        kept.append((named, output))
    return sorted(kept, key=repr)


def test_the_checklist_rows_are_written_once_per_question_and_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = Engine()
    render_quietly(engine, example(), "docx")
    written: list[str | None] = []
    real = mesoconsent.writers.docx._BodyWriter.row

    def recording(
        writer: Any, row: Row, widths: tuple[int, ...], labels: tuple[str, ...] = ()
    ) -> str:
        written.append(row.screening)
        return real(writer, row, widths, labels)

    monkeypatch.setattr(mesoconsent.writers.docx._BodyWriter, "row", recording)
    render_quietly(engine, example(), "docx")
    # Another answer's rows were made with the first form's, and kept.
    render_quietly(engine, answered(example(), "pregnant", True), "docx")
    assert [question for question in written if question is not None] == []
    # A line with the patient's own words is written for its form alone.
    render_quietly(engine, answered(example(), "other_conditions", True, "Asthma"), "docx")
    assert [question for question in written if question is not None] == ["other_conditions"]


# A second {% static for item %} over the checklist, in a two-column table of its own, and its
# rows without data-screening (an independent review's cases): before the checklist or after.
_SUMMARY = (
    '<table widths="3 1">\n{%- for item in screening %}\n{% static for item %}<tr><td>'
    '{{ item.question }}</td><td>{{ _("Yes") if item.answer else _("No") }}</td></tr>'
    "{% endstatic %}\n{%- endfor %}\n</table>\n"
)


@pytest.mark.parametrize(
    "anchor",
    [
        "{% block sections %}{% endblock %}",
        "{% static %}\n{# Translators: section heading: the statements",
    ],
    ids=["before the checklist", "after it"],
)
def test_another_checklist_section_is_kept_the_same_whatever_the_answers(
    tmp_path: Path, anchor: str
) -> None:
    templates = copy_templates(tmp_path)
    edit(templates / BASE, re.escape(anchor), lambda found: _SUMMARY + found.group(0))
    engines = [Engine([templates], [locales_dir()], include_bundled=False) for _ in range(3)]
    requests = [
        example(),
        answered(example(), "pregnant", True),
        answered(example(), "pregnant", True, "due in May"),
    ]
    for engine, request in zip(engines, requests, strict=True):
        content = render_quietly(engine, request, "docx")  # it used to fail with details
        assert (
            "due in May" in "".join(docx_paragraph_texts(content))
            or request.screening["pregnant"].details is None
        )
    outputs = [_outputs(engine) for engine in engines]
    assert outputs[0] == outputs[1] == outputs[2]


def test_an_alert_in_a_static_section_and_one_for_a_yes_answer_have_their_own_bookmarks(
    tmp_path: Path,
) -> None:
    # A static alert keeps the bookmark number it was first written with; a "yes" answer's
    # alert, numbered apart so as not to move static sections, must never take it.
    templates = copy_templates(tmp_path)
    notice = (
        "Please read this form carefully. Ask about anything you do not understand before "
        "you sign it."
    )
    edit(
        templates / BASE,
        re.escape("{%- if flagged %}"),
        '{% static %}<alert><p>{{ _("' + notice + '") }}</p></alert>{% endstatic %}\n'
        "{%- if flagged %}",
    )
    engine = Engine([templates], [locales_dir()], include_bundled=False)
    flagged = answered(example(), "pregnant", True)
    for request in (flagged, flagged, example()):  # the second form reuses the static alert
        content = render_quietly(engine, request, "docx")
        body = docx_part(content, "word/document.xml")
        numbers = [b.get(f"{W}id") for b in body.iter(f"{W}bookmarkStart")]
        assert len(numbers) == len(set(numbers))
        assert engine.verify(content).ok


# The checklist's header row: the gate wants the box columns headed Yes then No.
_HEADINGS = '<tr><th>{{ _("Question") }}</th><th>{{ _("Yes") }}</th><th>{{ _("No") }}</th></tr>'
_PLAIN_ROW = (
    '<tr data-screening="{{ item.id }}"><td>{{ item.question }}</td>'
    "<td><check checked=\"{{ 'yes' if item.answer else 'no' }}\"/></td>"
    "<td><check checked=\"{{ 'no' if item.answer else 'yes' }}\"/></td>"
)
_QUESTION_DETAILS = (
    r"\{% if item\.details is not none %\}<br/><em>\{\{ item\.details \| lines \}\}</em>"
    r"\{% endif %\}"
)


@pytest.mark.parametrize(
    ("template", "edits"),
    [
        # Each question in a table of its own, the details in a cell more.
        (
            CONSENT,
            [
                (
                    CHECKLIST_TABLE + r"(.|\n)*?</table>",
                    "{%- for item in screening %}\n<table>{% static for item %}"
                    + _HEADINGS.replace(
                        "</tr>", "{% if item.details is not none %}<th></th>{% endif %}</tr>"
                    )
                    + _PLAIN_ROW
                    + "{% if item.details is not none %}<td>{{ item.details }}</td>{% endif %}"
                    "</tr>{% endstatic %}</table>\n{%- endfor %}",
                ),
            ],
        ),
        # A summary of the answers that leaves out the lines with details.
        (
            BASE,
            [
                (
                    re.escape("{% block sections %}{% endblock %}"),
                    '<table widths="3 1">\n{%- for item in screening %}\n{% static for item %}'
                    "{% if item.details is none %}<tr><td>{{ item.question }}</td>"
                    '<td>{{ _("Yes") if item.answer else _("No") }}</td></tr>{% endif %}'
                    "{% endstatic %}\n{%- endfor %}\n</table>\n"
                    "{% block sections %}{% endblock %}",
                ),
            ],
        ),
        # The details in a paragraph between two tables: not whole rows.
        (
            CONSENT,
            [
                (_QUESTION_DETAILS, ""),
                (
                    re.escape("</tr>{% endstatic %}"),
                    "</tr>{% if item.details is not none %}</table><p><em>{{ item.details | "
                    'lines }}</em></p><table widths="7 1 1">'
                    + _HEADINGS
                    + "{% endif %}{% endstatic %}",
                ),
            ],
        ),
    ],
    ids=["details in a cell more", "no row with details", "details between tables"],
)
def test_a_line_whose_details_change_its_rows_keeps_nothing_of_them(
    tmp_path: Path, template: str, edits: list[tuple[str, str]]
) -> None:
    # Tried with words of nobody's when the question's rows are first made: a line with
    # details makes other rows than one without, so the writers keep none of them, and what
    # they keep never tells that a patient gave details. (An independent review's cases.)
    templates = copy_templates(tmp_path)
    for pattern, replacement in edits:
        edit(templates / template, pattern, replacement)
    requests = [
        example(),
        answered(example(), "pregnant", True),
        answered(example(), "pregnant", True, "due in May"),
    ]
    engines = [Engine([templates], [locales_dir()], include_bundled=False) for _ in requests]
    for engine, request in zip(engines, requests, strict=True):
        assert render_quietly(engine, request, "docx")
    outputs = [_outputs(engine) for engine in engines]
    assert outputs[0] == outputs[1] == outputs[2]


def test_rows_that_differ_in_shape_between_answers_are_not_kept(tmp_path: Path) -> None:
    # Each question in a table of its own, and a "yes" row with a cell more: the writer could
    # not make one at the other's place (it used to fail every DOCX form).
    templates = copy_templates(tmp_path)
    row = '<tr data-screening="{{ item.id }}"><td>{{ item.question }}</td>'
    boxes = (
        "<td><check checked=\"{{ 'yes' if item.answer else 'no' }}\"/></td>"
        "<td><check checked=\"{{ 'no' if item.answer else 'yes' }}\"/></td>"
    )
    edit(
        templates / CONSENT,
        CHECKLIST_TABLE + r"(.|\n)*?</table>",
        "{%- for item in screening %}\n<table>{% static for item %}"
        + _HEADINGS.replace("</tr>", "{% if item.answer %}<th></th>{% endif %}</tr>")
        + row
        + boxes
        + '{% if item.answer %}<td>{{ _("Yes") }}</td>{% endif %}</tr>{% endstatic %}</table>'
        "\n{%- endfor %}",
    )
    engine = Engine([templates], [locales_dir()], include_bundled=False, share_static_sections=True)
    assert render_quietly(engine, example(), "docx")
    content = render_quietly(engine, answered(example(), "pregnant", True), "docx")
    assert "Yes" in docx_paragraph_texts(content)
    assert _rows_kept(engine) == []


def _rows_kept(engine: Engine) -> list[tuple[Hashable, ...]]:
    """The writers' memo keys of the checklist's rows."""
    store = engine._fragments
    assert store is not None
    rows = {
        id(row)
        for (section, _), fragment in store._fragments.items()
        if isinstance(section, tuple) and len(section) == 5
        for row in fragment.parts.rows
    }
    return [key for key in store.shared._outputs if isinstance(key, tuple) and key[0] in rows]


def _refused(
    tmp_path: Path, template: str, edits: list[tuple[str, str]], complaint: str
) -> TemplateError:
    """The error of rendering with the bundled templates, ``template`` edited (each pattern
    replaced); it must say ``complaint``."""
    templates = copy_templates(tmp_path)
    for pattern, replacement in edits:
        edit(templates / template, pattern, replacement)
    with pytest.raises(TemplateError, match=re.escape(complaint)) as caught:
        Engine([templates], [locales_dir()], include_bundled=False).render(example())
    return caught.value


def test_a_details_wrapper_is_written_by_static_sections_only(tmp_path: Path) -> None:
    forged = (
        '<table widths="7 1 1"><static-details ref="guess"><tr><td>x</td><td>y</td><td>z</td>'
        "</tr></static-details>"
    )
    edits = [(CHECKLIST_TABLE, forged)]
    _refused(tmp_path, CONSENT, edits, "<static-details> is written by")


def test_a_row_with_the_patients_own_words_is_composed_for_that_form_alone() -> None:
    engine = Engine()
    details = "Asthma, and a heart condition called Brugada"
    request = answered(example(), "other_conditions", True, details)
    first, second = engine.compose(request), engine.compose(request)
    row, again = _checklist(first)[-1], _checklist(second)[-1]
    assert details in repr(row)
    assert row is not again
    assert "Brugada" not in repr(_kept(engine))
    # The other rows are still shared.
    assert _checklist(first)[1] is _checklist(second)[1]


@pytest.mark.parametrize(
    ("inside", "complaint"),
    [
        ("{{ request.patient.full_name }}", "reads 'request'"),
        ("{{ item }}", "may only read item.answer"),
        ("{{ item.question.__class__ }}", "may only call methods"),
        ("{{ item.__class__ }}", "may only read item.answer"),
        ("{{ item['question'] }}", "may only read item.answer"),
        ("{% set item = 1 %}", "may only read item.answer"),
        ("{% set ns.answer = item.answer %}", "may not set variables (ns.answer)"),
        ("{{ screening[0].question }}", "reads 'screening'"),
    ],
)
def test_a_checklist_row_section_may_only_read_its_lines_fields(
    tmp_path: Path, inside: str, complaint: str
) -> None:
    edits = [(re.escape("<td>{{ item.question }}"), "<td>" + inside + "{{ item.question }}")]
    _refused(tmp_path, CONSENT, edits, complaint)


def test_a_checklist_row_section_needs_a_line_of_the_checklist(tmp_path: Path) -> None:
    edits = [(re.escape("{%- for item in screening %}"), "{%- for item in ['x'] %}")]
    _refused(tmp_path, CONSENT, edits, "needs a line of the screening checklist")


@pytest.mark.parametrize(
    ("edit_from", "edit_to", "complaint"),
    [
        # Rows outside a table.
        (
            CHECKLIST_TABLE,
            '{% static %}<tr><td>x</td></tr>{% endstatic %}<table widths="7 1 1">',
            "directly inside a <table>",
        ),
        # Blocks inside a table.
        (
            CHECKLIST_TABLE,
            '<table widths="7 1 1">{% static %}<p>x</p>{% endstatic %}',
            "top level of the document",
        ),
    ],
)
def test_static_rows_belong_in_a_table_and_blocks_outside_one(
    tmp_path: Path, edit_from: str, edit_to: str, complaint: str
) -> None:
    refused = _refused(tmp_path, CONSENT, [(edit_from, edit_to)], complaint)
    assert "{% static %} at mesotherapy/consent.html.j2, line" in str(refused)


_CACHE_SIZES = """
import importlib, json, pkgutil, sys, warnings
import attrs, mesoconsent
from tests.helpers import example
answer, details = json.loads(sys.argv[1])
request = example()
screening = dict(request.screening)
screening[answer] = attrs.evolve(screening[answer], answer=True, details=details)
request = attrs.evolve(request, screening=screening)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    for locale in ("en", "ar"):
        for fmt in mesoconsent.FORMATS:
            mesoconsent.render(attrs.evolve(request, locale=locale), fmt)
sizes = {}
for info in pkgutil.walk_packages(mesoconsent.__path__, "mesoconsent."):
    if info.name.endswith("__main__"):  # importing it runs the command line
        continue
    module = importlib.import_module(info.name)
    for name, value in vars(module).items():
        if hasattr(value, "cache_info") and getattr(value, "__module__", "") == info.name:
            sizes[f"{info.name}.{name}"] = value.cache_info().currsize
print(json.dumps(sizes, sort_keys=True))
"""


def _cache_sizes(answer: str, details: str | None) -> dict[str, int]:
    """How much each of mesoconsent's caches holds, in a fresh process, after English and
    Arabic forms in every format with ``answer`` answered "yes"."""
    found = subprocess.run(
        [sys.executable, "-c", _CACHE_SIZES, json.dumps([answer, details])],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parent.parent,
    )
    sizes: dict[str, int] = json.loads(found.stdout)
    return sizes


def test_the_processes_caches_never_tell_which_answers_were_given() -> None:
    # The writers' caches of run properties used to gain an italic entry with the first
    # details (a "yes"), and its script within an Arabic form.
    without_details = _cache_sizes("pregnant", None)
    assert without_details == _cache_sizes("other_conditions", "Asthma, ربو")
    assert len(without_details) > 5


# Renders forms whose every text field holds a marker, drops them, and lists what still holds
# the marker: any object the process keeps that refers to a string or bytes containing it.
_KEPT_TEXT = """
import gc, json, sys, warnings
from pathlib import Path
import attrs, mesoconsent
from mesoconsent.resources import locales_dir
MARKER = "".join(["Zq", "9X", "vKw"])  # only ever whole here, and in what the forms hold
template_dirs = [Path(folder) for folder in json.loads(sys.argv[1])]

def render_all():
    request = mesoconsent.example_request()
    patient = attrs.evolve(
        request.patient, full_name=f"Pat {MARKER}", patient_id=f"ID-{MARKER}"
    )
    clinic = attrs.evolve(request.clinic, name=f"Clinic {MARKER}")
    screening = dict(request.screening)
    screening["other_conditions"] = mesoconsent.ScreeningAnswer(True, f"Asthma {MARKER}")
    request = attrs.evolve(request, patient=patient, clinic=clinic, screening=screening)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for share in (True, False):
            engine = mesoconsent.Engine(
                template_dirs, [locales_dir()], share_static_sections=share
            )
            for locale in ("en", "ar"):
                for fmt in mesoconsent.FORMATS:
                    engine.render(attrs.evolve(request, locale=locale), fmt)

render_all()
gc.collect()
needle = MARKER.encode()
found = []
for holder in gc.get_objects():
    for value in gc.get_referents(holder):
        if value is MARKER or value is needle:
            continue
        if (isinstance(value, str) and MARKER in value) or (
            isinstance(value, bytes) and needle in value
        ):
            found.append(f"{type(holder).__name__}: {value[:60]!r}")
print(json.dumps(found))
"""


def _text_kept(template_dirs: list[Path]) -> list[str]:
    """What a fresh process still holds of the requests it rendered (see _KEPT_TEXT)."""
    found = subprocess.run(
        [sys.executable, "-c", _KEPT_TEXT, json.dumps([str(path) for path in template_dirs])],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parent.parent,
    )
    kept: list[str] = json.loads(found.stdout)
    return kept


def test_nothing_of_a_request_is_kept_after_its_forms(tmp_path: Path) -> None:
    assert _text_kept([]) == []


def test_a_footer_with_request_data_is_not_kept(tmp_path: Path) -> None:
    # A clinic's footer naming the patient on every page: outside {% static %}, it is made
    # for each form. (The DOCX writer used to keep the last 256 footers by their text.)
    templates = copy_templates(tmp_path)
    edit(
        templates / BASE,
        re.escape("{% static %}<footer>{{"),
        "<footer>{{ request.patient.full_name }} {{",
    )
    edit(templates / BASE, re.escape("</footer>{% endstatic %}"), "</footer>")
    assert _text_kept([templates]) == []


def test_a_static_footer_is_composed_once_and_may_use_the_page_fields() -> None:
    first = SHARED.compose(with_patient_name(example(), "Ada First"))
    second = SHARED.compose(with_patient_name(example(), "Bea Second"))
    assert first.footer is second.footer
    assert first.footer == (
        Text("Page "),
        PageField("page"),
        Text(" of "),
        PageField("pages"),
    )


@pytest.mark.parametrize(
    ("edit_from", "edit_to", "complaint"),
    [
        (
            re.escape("{% static %}<footer>{{"),
            "{% static %}<footer>{{ request.clinic.name }} {{",
            "reads 'request'",
        ),
        (
            re.escape("</footer>{% endstatic %}"),
            "</footer><footer>x</footer>{% endstatic %}",
            "a document has one <footer>",
        ),
        (
            re.escape("</footer>{% endstatic %}"),
            "</footer><p>x</p>{% endstatic %}",
            "<footer> is not allowed at block level",
        ),
    ],
)
def test_a_static_footer_holds_the_footer_alone_and_nothing_of_the_request(
    tmp_path: Path, edit_from: str, edit_to: str, complaint: str
) -> None:
    _refused(tmp_path, BASE, [(edit_from, edit_to)], complaint)


def test_a_static_footer_belongs_directly_inside_the_document(tmp_path: Path) -> None:
    edits = [
        (re.escape("{% static %}<footer>"), "<table><tr><td>x</td></tr>{% static %}<footer>"),
        (re.escape("</footer>{% endstatic %}"), "</footer>{% endstatic %}</table>"),
    ]
    _refused(tmp_path, BASE, edits, "it belongs directly inside <document>")


def test_a_static_section_repeated_back_to_back_is_kept_the_same_whatever_the_count(
    tmp_path: Path,
) -> None:
    # A section placed once per "yes" answer: written as one run, what the writers kept
    # would tell how many "yes" answers a form had.
    templates = copy_templates(tmp_path)
    edit(
        templates / BASE,
        re.escape("{%- if flagged %}"),
        '{% for line in flagged %}{% static %}<p>{{ _("Yes") }}</p>{% endstatic %}{% endfor %}'
        "{%- if flagged %}",
    )
    one, two = (Engine([templates], [locales_dir()], include_bundled=False) for _ in range(2))
    render_quietly(one, answered(example(), "pregnant", True), "docx")
    both = answered(answered(example(), "pregnant", True), "breastfeeding", True)
    render_quietly(two, both, "docx")
    assert _outputs(one) == _outputs(two)


@pytest.mark.parametrize(
    ("added", "said"),
    [
        ("<header>Second</header>", "a document has one <header>"),
        ("<footer>Second</footer>", "a document has one <footer>"),
    ],
)
def test_a_second_header_or_footer_is_refused(tmp_path: Path, added: str, said: str) -> None:
    # The second replaced the first without a word: the header that names the patient on
    # every page, or the footer's page numbers, was gone from the form.
    _refused(tmp_path, BASE, [(re.escape("<h1>"), f"{added}<h1>")], said)
