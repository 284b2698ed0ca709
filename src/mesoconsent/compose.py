"""Composition: a validated request, its procedure and a catalog in; a document tree out.

The Jinja2 environment is sandboxed (clinic-supplied templates can read the request, not the
process), autoescaping (patient text can never become markup) and strict about undefined
names (a typo in a template is an error, not an empty paragraph). Translations are passed in
each render's context rather than installed on the shared environment, so one environment
serves every locale from every thread at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, cast

import attrs
import jinja2
from markupsafe import Markup, escape

from mesoconsent import document as d
from mesoconsent import model, wording
from mesoconsent.checklist import ScreeningLine
from mesoconsent.coverage import NOT_AN_ID, normalize_space
from mesoconsent.errors import DisclosureProblem, TemplateError
from mesoconsent.fragments import (
    RENDERER_VARIABLE,
    FragmentRenderer,
    FragmentStore,
    StaticExtension,
)
from mesoconsent.i18n import Catalog, MessageKey
from mesoconsent.markup import parse_document
from mesoconsent.model import ConsentRequest
from mesoconsent.procedures import DISCLOSURE_ID, Procedure, ScreeningQuestion
from mesoconsent.sandbox import FastPathSandbox, public_fields
from mesoconsent.wording import course_of_treatment, draft_notice

_PAGE_NUMBER = Markup("<page-number/>")
_PAGE_COUNT = Markup("<page-count/>")
# The page fields: the same in every render, so static sections may use them too.
_PAGE_FIELDS = {"page_number": _PAGE_NUMBER, "page_count": _PAGE_COUNT}


def template_sources(environment: jinja2.Environment) -> Iterator[tuple[str, str]]:
    """The name and source of every template the environment can load, the loader's choice
    where folders share a name, for extraction. Hidden files are skipped: macOS writes one
    (``._consent.html.j2``, not text) beside each file copied to a shared or USB drive, and
    no form loads them. A template that is not UTF-8 is a TemplateError naming it."""
    loader = environment.loader
    assert loader is not None  # make_environment always gives one
    for name in environment.list_templates(extensions=["j2"]):
        if name.rsplit("/", 1)[-1].startswith("."):
            continue
        try:
            source = loader.get_source(environment, name)[0]
        except UnicodeDecodeError:
            raise TemplateError(f"template {name!r} is not UTF-8 text") from None
        yield name, source


def templates_used(environment: jinja2.Environment, name: str) -> frozenset[str] | None:
    """The template ``name`` and those it extends, includes or imports, and theirs in turn;
    None where one names another by a value (only a render can tell which), or cannot be
    read or parsed (extraction, which reads them all, says why)."""
    import jinja2.meta  # only `mesoconsent locales --procedure` needs it

    loader = environment.loader
    assert loader is not None  # make_environment always gives one
    found: set[str] = set()
    waiting = [name]
    while waiting:
        current = waiting.pop()
        if current in found:
            continue
        found.add(current)
        try:
            source = loader.get_source(environment, current)[0]
            referenced = list(jinja2.meta.find_referenced_templates(environment.parse(source)))
        except (jinja2.TemplateError, UnicodeDecodeError):
            return None
        if None in referenced:
            return None
        waiting += [each for each in referenced if each is not None]
    return frozenset(found)


def interface_messages(
    environment: jinja2.Environment, only: frozenset[str] | None = None
) -> Iterator[MessageKey]:
    """The messages of every template the environment can load (overrides first, as the
    loader finds them), or of those named ``only``, and of the text composed here in Python,
    as gettext keys them."""
    for name, source in template_sources(environment):
        if only is not None and name not in only:
            continue
        # extract_translations is added by the i18n extension.
        extracted = environment.extract_translations(source)  # type: ignore[attr-defined]
        for _line, function, message in extracted:
            yield from _message_key(function, message)
    from babel.messages.extract import extract  # only `mesoconsent locales` needs it

    with open(wording.__file__, "rb") as source_file:
        for _line, message, _comments, context in extract("python", source_file):
            singular = message[0] if isinstance(message, tuple) else message
            if singular:
                yield (context, singular)


def _message_key(function: str, message: str | tuple[str | None, ...]) -> Iterator[MessageKey]:
    parts = message if isinstance(message, tuple) else (message,)
    if function in ("pgettext", "npgettext"):
        if len(parts) >= 2 and parts[0] and parts[1]:  # literal context and message
            yield (parts[0], parts[1])
    elif parts and parts[0]:
        yield (None, parts[0])


def _lines(value: str) -> Markup:
    """Multi-line patient text: each line escaped, line breaks as <br/>."""
    return Markup("<br/>").join(escape(line) for line in str(value).split("\n"))


def _format(translation: str, variables: dict[str, Any]) -> Markup:
    """A translation escaped, then %-formatted with (escaped) variables, as newstyle gettext
    does. Most messages hold no % at all: they skip the formatting."""
    if "%" not in translation:
        return escape(translation)
    return escape(translation) % variables


@attrs.frozen
class TranslationFunctions:
    """The gettext family and ``disclosure()`` for one procedure, catalog and render, in
    Jinja2's "newstyle" form.

    A translation is data, like patient text: it is escaped, so a catalog can no more inject
    markup than a patient can. Variables are substituted after escaping (Markup's %).
    Every message looked up is recorded in ``used``, so that the render can refuse a document
    in which one would show in English (see :meth:`fallbacks`).
    """

    catalog: Catalog
    procedure: Procedure
    used: list[MessageKey] = attrs.field(factory=list)

    def gettext(self, message: str, **variables: Any) -> Markup:
        self.used.append((None, message))
        return _format(self.catalog.gettext(message), variables)

    def ngettext(self, singular: str, plural: str, n: int, /, **variables: Any) -> Markup:
        self.used.append((None, singular))
        # The count may be passed formatted (num="1,000"); it is the raw n that picks the form.
        variables.setdefault("num", n)
        return escape(self.catalog.ngettext(singular, plural, n)) % variables

    def pgettext(self, context: str, message: str, **variables: Any) -> Markup:
        self.used.append((context, message))
        return _format(self.catalog.pgettext(context, message), variables)

    def npgettext(
        self, context: str, singular: str, plural: str, n: int, /, **variables: Any
    ) -> Markup:
        self.used.append((context, singular))
        variables.setdefault("num", n)
        return escape(self.catalog.npgettext(context, singular, plural, n)) % variables

    def disclosure(self, disclosure_id: str, **variables: Any) -> Markup:
        """A required disclosure's wording, by id (its message context)."""
        if not self.procedure.has_disclosure(disclosure_id):
            # Quoted only if it looks like an id: disclosure(request.patient.full_name) must
            # not put a patient's name in an error message.
            shown = (
                repr(disclosure_id) if DISCLOSURE_ID.fullmatch(str(disclosure_id)) else NOT_AN_ID
            )
            raise TemplateError(f"the template names an unknown disclosure {shown}")
        wording = self.procedure.disclosure(disclosure_id).text
        return self.pgettext(disclosure_id, wording, **variables)

    def fallbacks(self) -> list[tuple[MessageKey, str]]:
        """The messages used so far that the catalog would show in English, or blank, and why
        (:meth:`Catalog.unusable`)."""
        found: dict[MessageKey, str] = {}
        catalog = self.catalog
        if catalog.is_source_language:
            return []  # English: nothing falls back
        translated, copied, blank = catalog.translated, catalog.copied, catalog.blank
        for key in self.used:
            if key in translated and key not in copied and key not in blank:
                continue  # what catalog.unusable would decide, without the call
            reason = catalog.unusable(key)
            if reason is not None:
                found.setdefault(key, reason)
        return list(found.items())

    def as_context(self) -> dict[str, Callable[..., Markup]]:
        """What templates call: the gettext family and disclosure(), by their template names."""
        return {name: getattr(self, method.__name__) for name, method in TEMPLATE_FUNCTIONS.items()}


# The template name of each function a render gives its template.
TEMPLATE_FUNCTIONS: dict[str, Callable[..., Markup]] = {
    "_": TranslationFunctions.gettext,
    "gettext": TranslationFunctions.gettext,
    "ngettext": TranslationFunctions.ngettext,
    "pgettext": TranslationFunctions.pgettext,
    "npgettext": TranslationFunctions.npgettext,
    "disclosure": TranslationFunctions.disclosure,
}


def disclosure_wording(procedure: Procedure, catalog: Catalog, disclosure_id: str) -> str:
    """A disclosure's wording in the catalog's language; its id is the message context."""
    return catalog.pgettext(disclosure_id, procedure.disclosure(disclosure_id).text)


def question_wording(question: ScreeningQuestion, catalog: Catalog) -> str:
    """A screening question in the catalog's language; ``screening.<id>`` is its context."""
    return catalog.pgettext(question.key, question.text)


def make_environment(template_dirs: Sequence[Path]) -> jinja2.Environment:
    env = FastPathSandbox(
        # What templates read most: the request's fields and the checklist's rows (plain
        # frozen data), and the translation functions (sandbox.py).
        plain_data=public_fields(
            (
                model.ConsentRequest,
                model.Patient,
                model.Clinic,
                model.Practitioner,
                model.PlannedTreatment,
                model.ScreeningAnswer,
                model.Witness,
                ScreeningLine,
            )
        ),
        # ... and the static sections' own calls (fragments.py), which take no context.
        trusted=[
            *TEMPLATE_FUNCTIONS.values(),
            StaticExtension._render,
            StaticExtension._render_for,
            StaticExtension._function,
        ],
        loader=jinja2.FileSystemLoader([str(path) for path in template_dirs]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n", StaticExtension],
        # Templates are compiled once per process; checking their mtimes on every render
        # would cost a stat() per template for nothing.
        auto_reload=False,
        keep_trailing_newline=False,
    )
    # Make {% trans %} blocks call gettext(message, **variables), as the functions below expect.
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]  # added by i18n
    env.filters["lines"] = _lines
    return env


@attrs.frozen
class Composition:
    """A composed document, and the messages in it that fell back to English."""

    document: d.Document
    fallbacks: tuple[tuple[MessageKey, str], ...]
    # What a placeholder of that name must show (request_values).
    values: Mapping[str, str] = attrs.Factory(dict)


def compose(
    request: ConsentRequest,
    procedure: Procedure,
    catalog: Catalog,
    template: jinja2.Template,
    generator: str,
    fragments: FragmentStore,
) -> Composition:
    """Render the procedure's template for a validated request and parse it into a tree.

    The template's ``{% static %}`` sections are composed once per procedure and catalog in
    ``fragments`` and shared by every document composed with that store (an engine that does
    not share gives each document a store of its own). The tree is the same either way.
    """
    translations = TranslationFunctions(catalog, procedure)
    screening = [
        ScreeningLine(
            id=question.id,
            question=translations.pgettext(question.key, question.text),
            answer=request.screening[question.id].answer,
            details=request.screening[question.id].details,
        )
        for question in procedure.screening
    ]
    functions = translations.as_context()
    renderer = FragmentRenderer(
        fragments,
        f"{procedure.id} {catalog.name}@{catalog.revision}",
        translations.used,
        {**functions, **_PAGE_FIELDS},
    )
    direction: Literal["ltr", "rtl"] = (
        "rtl" if catalog.locale.character_order == "right-to-left" else "ltr"
    )
    context = {
        "request": request,
        "procedure": procedure,
        "screening": screening,
        "flagged": [line for line in screening if line.answer],
        "formatted": (formatted := _formatted(request, catalog, translations)),
        "direction": direction,
        **_PAGE_FIELDS,
        RENDERER_VARIABLE: renderer,
        **functions,
    }
    failure: str | None = None
    try:
        markup = template.render(context)
    except jinja2.TemplateSyntaxError as error:
        # A template (an extended or included one, compiled on first use) that does not
        # compile: its message is about the template's source, never about request values.
        raise TemplateError(f"template {error.name or template.name!r}: {error.message}") from None
    except (
        jinja2.TemplateError,
        LookupError,
        TypeError,
        ValueError,
        AttributeError,
        ArithmeticError,
        RecursionError,
    ) as error:
        # Where and what kind, not the message: a runtime message can quote request values.
        failure = (
            f"template {template.name!r} failed{_template_location(error)} ({type(error).__name__})"
        )
    if failure is not None:
        # Raised here, not in the except block, so that the runtime error is not kept as its
        # __context__: with its message, and its traceback's frames, whose locals hold the
        # request.
        raise TemplateError(failure)
    metadata = d.Metadata(
        title="",
        subject="",
        author=request.clinic.name,
        language=catalog.language_tag,
        procedure=procedure.id,
        template_version=procedure.template_version,
        locale=catalog.name,
        date=request.consent_date.isoformat(),
        generator=generator,
        review_state=catalog.review.state,
        # (A draft again since its review records no reviewer: the form is not reviewed.)
        reviewed_by=catalog.review.reviewed_by if catalog.review.state == "reviewed" else "",
        catalog_revision=catalog.revision,
    )
    try:
        document = parse_document(markup, metadata, renderer.inserted)
    except TemplateError as error:
        # Which template set the markup wrong; the markup's own line numbers would not help.
        raise TemplateError(
            f"the markup rendered from template {template.name!r} (or a template it extends "
            f"or includes): {error}"
        ) from None
    # The direction follows the language, whatever a template's <document dir> says; the
    # paper is the clinic's (validated: "A4", "Letter" or None).
    paper_size = cast(Literal["A4", "Letter"] | None, request.clinic.paper_size)
    document = document.laid_out(direction, paper_size)
    return Composition(
        document, tuple(translations.fallbacks()), request_values(request, formatted)
    )


def request_values(request: ConsentRequest, formatted: Mapping[str, str]) -> dict[str, str]:
    """The request's value that a placeholder of each name must show, as the bundled
    templates fill them: a template could otherwise give the complications contact disclosure
    another clinic and phone, or the plan another product, and the gate would see only that
    something filled them."""
    return {
        "areas": formatted["areas"],
        "course": formatted["course"],
        "product": request.treatment.product,
        "clinic": request.clinic.name,
        "phone": request.clinic.phone,
    }


# What a third signer signs for, by role, worded as the template words it (a test checks that
# it still does), and the caption of their line: a form with an interpreter's, a witness's or
# a parent's or guardian's line must say what they attest, or their signature attests to
# nothing.
SIGNER_STATEMENTS = {
    "interpreter": (
        "Interpreter: I translated this form for the patient, fully and accurately, into a "
        "language they understand."
    ),
    "witness": "Witness: I saw the patient sign this form.",
    "guardian": (
        "Parent or guardian: I am the patient's parent or legal guardian, and I consent to "
        "this treatment on their behalf."
    ),
}
SIGNER_CAPTIONS = {
    "interpreter": "Interpreter",
    "witness": "Witness",
    "guardian": "Parent or guardian",
}


def statement_problems(
    document: d.Document, role: str, catalog: Catalog
) -> list[DisclosureProblem]:
    """The third signer's statement, if the document lacks it (render's gate)."""
    expected = normalize_space(catalog.gettext(SIGNER_STATEMENTS[role]))
    if any(normalize_space(text) == expected for text in _paragraph_texts(document.blocks)):
        return []
    return [DisclosureProblem(f"{d.STATEMENT_PREFIX}{role}", "missing")]


def _paragraph_texts(blocks: Iterable[d.Block]) -> Iterator[str]:
    """The text of every paragraph, list item and table cell (as verify reads paragraphs)."""
    for block in blocks:
        if isinstance(block, d.Paragraph):
            yield d.plain_text(block.inlines)
        elif isinstance(block, d.ListBlock):
            yield from (d.plain_text(item.inlines) for item in block.items)
        elif isinstance(block, d.Table):
            yield from (d.plain_text(cell.inlines) for row in block.rows for cell in row.cells)
        elif isinstance(block, d.Alert):
            yield from _paragraph_texts(block.blocks)


def mark_as_draft(document: d.Document, catalog: Catalog) -> d.Document:
    """The document with the draft notice on every page and "Draft" as its status."""
    return attrs.evolve(
        document,
        draft_notice=draft_notice(catalog),
        metadata=attrs.evolve(document.metadata, draft=True),
    )


def _template_location(error: BaseException) -> str:
    """Where in the templates an error happened: the innermost template frame's file and line.

    Jinja2 rewrites tracebacks so that template code appears under the template's file name.
    """
    location = ""
    trace = error.__traceback__
    while trace is not None:
        filename = trace.tb_frame.f_code.co_filename
        if not filename.endswith(".py") and not filename.startswith("<"):  # a template
            location = f" at {Path(filename).name} line {trace.tb_lineno}"
        trace = trace.tb_next
    return location


def _formatted(
    request: ConsentRequest, catalog: Catalog, translations: TranslationFunctions
) -> dict[str, str]:
    treatment = request.treatment
    return {
        "consent_date": catalog.format_date(request.consent_date),
        "date_of_birth": catalog.format_date(request.patient.date_of_birth),
        "areas": catalog.format_list(treatment.treated_areas),
        "course": course_of_treatment(
            treatment.number_of_sessions, treatment.interval_days, translations, catalog
        ),
    }


def wordings(procedure: Procedure, catalog: Catalog) -> dict[str, str]:
    """Each required disclosure's and screening question's wording in the catalog, by id."""
    found = {i: disclosure_wording(procedure, catalog, i) for i in procedure.required_ids}
    return found | {q.key: question_wording(q, catalog) for q in procedure.screening}
