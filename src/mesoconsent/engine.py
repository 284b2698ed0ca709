"""The :class:`Engine` wires the pipeline together and holds what is worth keeping between
renders: the procedures, the compiled templates and the loaded catalogs.

An engine is immutable after construction, so one engine serves any number of threads. Build
one per process (or use the default one behind :func:`mesoconsent.render`) and reuse it:
building one reads and checks every procedure file and compiles each procedure's template
(catalogs are read on first use, and templates they extend when first rendered).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from types import MappingProxyType

import attrs
import jinja2

from mesoconsent import document as d
from mesoconsent._version import __version__
from mesoconsent.catalog_cache import CatalogCache, open_catalog_cache
from mesoconsent.catalog_folders import (
    available_locales,
    catalog_file,
    check_folder_name,
    gettext_name,
    holds_no_catalog,
    misnamed_folders,
    rename_advice,
)
from mesoconsent.compose import (
    compose,
    interface_messages,
    make_environment,
    mark_as_draft,
    statement_problems,
    templates_used,
    wordings,
)
from mesoconsent.coverage import (
    Wording,
    alike_problems,
    answer_word_problems,
    check_coverage,
    check_screening,
    details_digests,
    fallback_problems,
    format_values,
    value_digest,
)
from mesoconsent.errors import (
    CatalogError,
    CoverageError,
    DisclosureProblem,
    DocumentReadError,
    LocaleNotAvailableError,
    ProcedureDefinitionError,
    TemplateError,
    UnreviewedTranslationError,
    ValidationError,
)
from mesoconsent.folders import given_folders
from mesoconsent.fragments import FragmentStore
from mesoconsent.i18n import Catalog, MessageKey, load_catalog
from mesoconsent.loading import decode_json, read_request_file, structure_request
from mesoconsent.locale_status import (
    LocaleStatus,
    answer_word_reference,
    answer_words_of,
    catalog_status,
    unreadable_status,
)
from mesoconsent.locale_tags import candidate_catalogs, formatting_locale, is_plain_tag, negotiate
from mesoconsent.model import ConsentRequest
from mesoconsent.output import check_target, write_atomic
from mesoconsent.procedures import (
    PROCEDURE_FILE,
    Procedure,
    definition_files,
    discover_procedures,
)
from mesoconsent.resources import locales_dir, templates_dir
from mesoconsent.results import (
    FORMATS,
    Format,
    RenderResult,
    ScreeningFlag,
    check_flag,
    check_format,
    format_for_path,
    warn_for,
)
from mesoconsent.signing import signature_problems, signer_digests
from mesoconsent.template_cache import open_cache
from mesoconsent.validation import is_minor, validate_request
from mesoconsent.verify_report import VerifyReport
from mesoconsent.writers.docx import bookmark_names, structural_marks, write_docx
from mesoconsent.writers.shared import SharedBlocks

# Locale tags are few in practice; whatever requests send, no more than this many are kept.
_LOCALES_KEPT = 256


def _writer(format: Format) -> Callable[[d.Document, SharedBlocks | None], bytes]:
    """The writer of a (checked) format. The HTML and text writers are imported on first use:
    a fresh process that writes a DOCX (the command line) starts without them."""
    if format == "docx":
        return write_docx
    if format == "html":
        from mesoconsent.writers.html import write_html

        return write_html
    from mesoconsent.writers.text import write_text

    return write_text


def _version() -> str:
    return __version__


def _check_reviewed(catalog: Catalog) -> None:
    """UnreviewedTranslationError unless ``catalog`` is the source or has a review in force:
    signed off, at the revision it is now (a review that records no revision could not tell
    an edit made since, so it does not count)."""
    review = catalog.review
    if review.state == "source" or (review.state == "reviewed" and review.revision):
        return
    if review.state == "reviewed":
        reason = "no revision"
    else:  # a draft, which a review it had was lost by a change since (i18n.py, _built_catalog)
        reason = "changed" if review.reviewed_by else "not reviewed"
    raise UnreviewedTranslationError(catalog.name, catalog.revision, reason, review.revision)


def _well_named(folder: str) -> bool:
    """Whether a catalog folder is named as gettext names its locale (so may be listed)."""
    try:
        return gettext_name(folder) is None
    except LocaleNotAvailableError:
        return False


# Each required disclosure's and screening question's wording, by id; the problems of those
# worded alike.
# Wordings by id, the problems of those worded alike, and the disclosures' wordings parsed.
_Expected = tuple[dict[str, str], list[DisclosureProblem], dict[str, Wording]]


class Engine:
    """Renders consent documents from a set of template and catalog folders.

    ``template_dirs`` and ``locale_dirs`` are searched before the bundled ones, file by file,
    so a clinic can override one template or add one catalog and keep the rest; a folder that
    is not there is refused (``FileNotFoundError``; ``NotADirectoryError`` for a file). Set
    ``include_bundled=False`` to use only the given folders. ``template_cache`` is a folder in
    which to keep compiled templates and checked catalogs for the next process
    (template_cache.py, catalog_cache.py); an engine compiles its templates and reads each
    catalog once either way. ``share_static_sections=False`` composes the
    templates' ``{% static %}`` sections in every document instead of once (slower; the output
    is the same, and the sections' rules, docs/templates.md, apply all the same).
    ``reviewed_only=True`` refuses to compose or render a form in a translation that no
    qualified reviewer has signed off, or that changed since its review
    (:class:`~mesoconsent.UnreviewedTranslationError`), where other engines render it with a
    :class:`~mesoconsent.DraftTranslationWarning`: a clinic's guarantee that no patient is
    handed an unreviewed translation. The source language (English) needs no review.
    """

    def __init__(
        self,
        template_dirs: str | os.PathLike[str] | Iterable[str | os.PathLike[str]] = (),
        locale_dirs: str | os.PathLike[str] | Iterable[str | os.PathLike[str]] = (),
        *,
        include_bundled: bool = True,
        template_cache: str | os.PathLike[str] | None = None,
        share_static_sections: bool = True,
        reviewed_only: bool = False,
    ) -> None:
        for name, flag in (
            ("include_bundled", include_bundled),
            ("share_static_sections", share_static_sections),
            ("reviewed_only", reviewed_only),
        ):
            check_flag(name, flag)
        bundled_templates = (templates_dir(),) if include_bundled else ()
        bundled_locales = (locales_dir(),) if include_bundled else ()
        self.template_dirs: tuple[Path, ...] = (
            given_folders(template_dirs, "template_dirs") + bundled_templates
        )
        given_locale_dirs = given_folders(locale_dirs, "locale_dirs")
        for folder in given_locale_dirs:
            if (empty := holds_no_catalog(folder)) is not None:
                raise CatalogError(f"locale_dirs: {empty}")
        self.locale_dirs: tuple[Path, ...] = given_locale_dirs + bundled_locales
        # Where later reads look (catalogs are read on first use, a template a procedure's
        # template extends at its first render): the folders as they were when the engine was
        # built. Relative ones read from a working folder changed since (a daemon goes to /)
        # held no longer the clinic's files, and the bundled ones silently served instead.
        self._template_folders = tuple(folder.absolute() for folder in self.template_dirs)
        self._locale_folders = tuple(folder.absolute() for folder in self.locale_dirs)
        self.version = _version()
        self.generator = f"mesoconsent {self.version}"
        # Read-only: an engine is shared between threads (default_engine()), and a procedure
        # taken out or replaced under them would break, or change, every form they render.
        self.procedures: Mapping[str, Procedure] = MappingProxyType(
            discover_procedures(self.template_dirs)
        )
        self.locales: tuple[str, ...] = available_locales(self.locale_dirs)
        # A translator's catalog in a folder named otherwise than gettext names its locale
        # (pt-BR, FR) is never used for it: the locale it means is refused, naming the folder,
        # rather than rendered from another catalog without a word.
        self._misnamed = misnamed_folders(self.locale_dirs)
        self.template_cache = None if template_cache is None else Path(template_cache)
        self.reviewed_only = bool(reviewed_only)
        environment = make_environment(self._template_folders)
        # The same folder keeps checked catalogs (catalog_cache.py).
        self._catalog_cache: CatalogCache | None = None
        if self.template_cache is not None:
            environment.bytecode_cache = open_cache(self.template_cache)
            self._catalog_cache = open_catalog_cache(self.template_cache)
        self._environment = environment
        self._templates: dict[str, jinja2.Template] = {}
        for procedure in self.procedures.values():
            try:
                self._templates[procedure.id] = environment.get_template(procedure.template)
            except jinja2.TemplateError as error:
                if isinstance(error, jinja2.TemplateNotFound) and error.name == procedure.template:
                    # Said of the procedure file that names it: the fault is there, or in a
                    # folder left out (--templates). (One it extends or includes is the
                    # template's fault, below.)
                    folders = ", ".join(str(folder) for folder in self._template_folders)
                    raise ProcedureDefinitionError(
                        f"procedure {procedure.id!r} (its {PROCEDURE_FILE}): template "
                        f"{procedure.template!r} is in none of the template folders ({folders})"
                    ) from None
                raise TemplateError(f"template {procedure.template!r}: {error}") from None
        # The disclosures that hold request values (the clinic's phone, the treated areas):
        # each form records a digest of what it states for them (coverage.value_digest).
        self._valued = {
            procedure.id: tuple(
                disclosure.id
                for disclosure in procedure.disclosures
                if len(Wording.parse(disclosure.text).literals) > 1
            )
            for procedure in self.procedures.values()
        }
        self._bookmarks = bookmark_names(
            [d.id for p in self.procedures.values() for d in p.disclosures]
            + structural_marks({q.id for p in self.procedures.values() for q in p.screening})
        )
        # Catalogs are read and checked on first use, once per engine: a command rendering one
        # French form should not parse eight other catalogs first. load_catalogs() reads them
        # all (the `locales` command, or a server that wants a broken catalog to fail at
        # start-up). The lock makes the first use from several threads read a catalog once.
        self._catalogs: dict[str, Catalog] = {}
        self._catalog_lock = threading.Lock()
        # Each locale as requests write it ("en-GB"), with its catalog (_catalog_for): plain
        # tags only (locale_tags.is_plain_tag), since a longer one can say anything.
        self._catalogs_for: dict[str, Catalog] = {}
        # What the gates expect each document to say, in each catalog's words (_expected).
        self._expected: dict[tuple[str, str], _Expected] = {}
        # needed_messages(), made when an error first needs it (reading every template's
        # messages takes tens of milliseconds; a render that succeeds never does).
        self._known: frozenset[MessageKey] | None = None
        # The templates' {% static %} sections, composed once per procedure and catalog and
        # shared by every document, with what the writers made of them (fragments.py).
        # share_static_sections=False composes them in every document, like any other text:
        # for templates whose authors are not trusted to keep request data out of them
        # (the compile-time check is the only other guard). Each document then gets a store
        # of its own, which the writers see as they see the shared one, so the bytes are the
        # same.
        self.share_static_sections = share_static_sections
        self._fragments = FragmentStore() if share_static_sections else None

    def catalog(self, locale: str) -> Catalog:
        """The catalog of an available locale (``fr``, ``pt_BR``), read and checked once.

        Raises CatalogError if the catalog cannot be read or fails its checks.
        """
        catalog = self._catalogs.get(locale)
        if catalog is None:
            self._check_folder(locale)
            with self._catalog_lock:
                catalog = self._catalogs.get(locale)
                if catalog is None:
                    catalog = load_catalog(locale, self._locale_folders, self._catalog_cache)
                    self._catalogs[locale] = catalog
        return catalog

    def _check_folder(self, locale: str) -> None:
        """CatalogError naming the folder if the locale's catalog is in a misnamed one."""
        misnamed = self._misnamed.get(locale)
        if misnamed is not None:
            check_folder_name(*misnamed)

    def _same_catalog(self, recorded: str, resolved: str) -> bool:
        try:
            return self.resolve_locale(recorded) == resolved
        except LocaleNotAvailableError:
            return False

    def load_catalogs(self) -> None:
        """Read and check every available catalog now; CatalogError names the first broken one."""
        for locale in self.locales:
            self.catalog(locale)

    # -- locales ---------------------------------------------------------------------------
    def resolve_locale(self, requested: str) -> str:
        """The available locale serving ``requested`` (``en-GB`` -> ``en``); LookupError if none."""
        if not isinstance(requested, str):
            raise TypeError(f"a locale must be a str, not {type(requested).__name__}")
        return negotiate(requested, self.locales)

    def _locale_problem(self, requested: str) -> str | None:
        """Why ``requested`` cannot be rendered in, or None: no catalog serves it, or the one
        meant for it (or for a locale tried before the one that would serve it: fr_CA before
        fr) is in a misnamed folder, so never used."""
        try:
            misnamed = self._misnamed_for(requested)
        except LocaleNotAvailableError:  # not a locale identifier at all
            misnamed = None
        if misnamed is not None:
            path, folder = misnamed
            named = gettext_name(folder) or folder
            advice = rename_advice(path, folder, named) or f"must be named {named!r}"
            return (
                f"not an available locale: its catalog {path} is in a folder named {folder!r}, "
                f"which {advice}"
            )
        try:
            self.resolve_locale(requested)
        except LocaleNotAvailableError:
            listed = ", ".join(locale for locale in self.locales if _well_named(locale))
            return f"not an available locale; available: {listed}"
        return None

    def catalog_template(self, *, created: datetime | None = None) -> str:
        """The catalog template (.pot text) of every message this engine's forms can show,
        with translators' comments and source locations: the messages of :meth:`needed_messages`,
        as ``pybabel extract`` gives them. For a clinic's templates (``template_dirs``), it
        holds mesoconsent's messages and the clinic's together, which the clinic's own
        catalogs, replacing mesoconsent's for their languages, need. ``created`` sets the
        POT-Creation-Date (default: now)."""
        from mesoconsent.catalog_template import catalog_template  # `locales --pot` only

        definitions = definition_files(self.template_dirs)
        return catalog_template(self._environment, definitions, created=created)

    def needed_messages(self, procedure: str | None = None) -> dict[MessageKey, str]:
        """Every message a form of this engine can show, with what it is: "required
        disclosure", "screening question" or "text" (headings, labels, the course wording);
        with ``procedure``, those a form of that procedure can show (its disclosures and
        questions, and the text of the templates its template uses: all templates', if one
        names another by a value). ValueError if there is no such procedure."""
        procedures = self._procedures_of(procedure)
        only = None
        if procedure is not None:
            only = templates_used(self._environment, procedures[0].template)
        needed: dict[MessageKey, str] = {}
        for each in procedures:
            for question in each.screening:
                needed[(question.key, question.text)] = "screening question"
            for disclosure in each.disclosures:
                needed[(disclosure.id, disclosure.text)] = "required disclosure"
        for key in interface_messages(self._environment, only):
            needed.setdefault(key, "text")
        return needed

    def _procedures_of(self, procedure: str | None) -> list[Procedure]:
        """Every procedure (None), or the one named; ValueError naming those there are if
        there is no such procedure."""
        if procedure is None:
            return list(self.procedures.values())
        self.required_disclosures(procedure)  # ValueError naming those there are
        return [self.procedures[procedure]]

    def _known_messages(self) -> frozenset[MessageKey]:
        known = self._known
        if known is None:  # two threads may both make it: the same set
            known = self._known = frozenset(self.needed_messages())
        return known

    def locale_status(self, procedure: str | None = None) -> list[LocaleStatus]:
        """Completeness and review state of every available locale, for ``mesoconsent
        locales`` (a locale is complete when no message of :meth:`needed_messages` would
        fall back to English); with ``procedure``, completeness for the forms of that
        procedure alone (a clinic's new procedure, not yet translated, leaves the others'
        languages complete for theirs). ValueError if there is no such procedure."""
        needed = self.needed_messages(procedure)
        # An entry is unused only if no form of any procedure shows it.
        shown = needed if procedure is None else self.needed_messages()
        procedures = self._procedures_of(procedure)
        report = []
        for name in self.locales:
            path = catalog_file(name, self.locale_dirs)
            try:
                self._check_folder(name)
                status = catalog_status(
                    name, needed, path, procedures, self.locale_dirs, shown=shown
                )
            except CatalogError as error:  # one broken catalog does not hide the others
                status = unreadable_status(name, len(needed), path, error)
            report.append(status)
        return report

    # -- the pipeline ----------------------------------------------------------------------
    def validate(self, request: ConsentRequest) -> None:
        """Raise :class:`~mesoconsent.ValidationError` listing every problem with ``request``."""
        validate_request(request, self.procedures, self._locale_problem)

    def request_from_dict(self, data: object) -> ConsentRequest:
        """Structure decoded JSON and check it completely: one ValidationError lists every
        problem of shape (types, missing and unknown fields) and of value, by field path."""
        request, problems, unreadable = structure_request(data)
        if request is None:
            raise ValidationError(problems)
        validate_request(
            request, self.procedures, self._locale_problem, skip=unreadable, known=problems
        )
        return request

    def request_from_json(self, text: str | bytes | bytearray | memoryview) -> ConsentRequest:
        """Parse and check a JSON request document (UTF-8); see :meth:`request_from_dict`.
        TypeError if ``text`` is neither text nor bytes."""
        return self.request_from_dict(decode_json(text))

    def load_request(self, path: str | os.PathLike[str]) -> ConsentRequest:
        """Read and check a JSON request file; see :meth:`request_from_dict`."""
        return self.request_from_json(read_request_file(path))

    def _catalog_for(self, requested: str) -> Catalog:
        found = self._catalogs_for.get(requested)
        if found is not None:
            return found
        # (A locale whose catalog folder is misnamed was refused by validation, before this.)
        catalog = self.catalog(self.resolve_locale(requested))
        # Messages come from the negotiated catalog; dates and lists follow the locale as
        # requested, so en-GB gets "14 March 2026" from the en catalog (unless Babel reads
        # the request in another script than it names: then the catalog's own locale).
        found = attrs.evolve(catalog, locale=formatting_locale(requested) or catalog.locale)
        if len(self._catalogs_for) < _LOCALES_KEPT and is_plain_tag(requested):
            self._catalogs_for[requested] = found
        return found

    def _misnamed_for(self, requested: str) -> tuple[Path, str] | None:
        """The misnamed catalog folder meant for ``requested`` or for a locale tried before
        the one that serves it (its catalog's path and its name), if there is one."""
        if not self._misnamed:
            return None
        for candidate in candidate_catalogs(requested):
            misnamed = self._misnamed.get(candidate)
            if misnamed is not None:
                return misnamed
            if candidate in self.locales:
                return None
        return None

    def compose(self, request: ConsentRequest, *, draft: bool = False) -> d.Document:
        """Validate, compose and gate: the document tree of a complete consent form.

        Raises CoverageError if a required disclosure or screening answer is missing or
        misstated, or if any text would fall back to English in a document of another
        language. ``draft=True`` allows that fallback (never the rest): the document is then
        marked as a draft, not for signature, on every page. A document with nothing to fall
        back is complete, and ``draft=True`` changes nothing.
        """
        return self._compose(request, draft)[0]

    def _compose(self, request: ConsentRequest, draft: bool) -> tuple[d.Document, SharedBlocks]:
        """:meth:`compose`, and the registry of the document's shared blocks for the writers."""
        check_flag("draft", draft)
        self.validate(request)
        procedure = self.procedures[request.procedure]
        catalog = self._catalog_for(request.locale)
        if self.reviewed_only:
            _check_reviewed(catalog)
        fragments = FragmentStore() if self._fragments is None else self._fragments
        composition = compose(
            request, procedure, catalog, self._templates[procedure.id], self.generator, fragments
        )
        document = composition.document
        stated: dict[str, list[str]] = {}
        for block in document.blocks:
            # Every disclosure of every block is checked; a shared block's are read from it
            # once (writers/shared.py).
            for disclosure_id, text in fragments.shared.output(
                block, "disclosures", d.block_disclosures
            ):
                stated.setdefault(disclosure_id, []).append(text)
        expected, alike, parsed = self._expected_wordings(procedure, catalog)
        answers = {
            key: (answer.answer, answer.details) for key, answer in request.screening.items()
        }
        problems = check_coverage(
            procedure, stated, expected.__getitem__, values=composition.values, parsed=parsed
        ) + check_screening(
            document,
            procedure,
            answers,
            lambda question: expected[question.key],
            answer_words_of(catalog),
        )
        problems += alike
        problems += signature_problems(document, request)
        if request.witness is not None:
            problems += statement_problems(document, request.witness.role, catalog)
        if composition.fallbacks and not draft:
            problems += fallback_problems(
                composition.fallbacks, procedure, catalog.name, self._known_messages()
            )
        if problems:
            raise CoverageError(problems)
        values = format_values(
            [
                *(
                    (disclosure_id, value_digest(texts[0]))
                    for disclosure_id in self._valued[procedure.id]
                    if len(texts := stated.get(disclosure_id, [])) == 1
                ),
                *signer_digests(document),
                *details_digests(
                    document, procedure, answers, lambda question: expected[question.key]
                ),
            ]
        )
        document = document.with_values(values)
        if composition.fallbacks:
            document = mark_as_draft(document, catalog)
        return document, fragments.shared

    def _expected_wordings(self, procedure: Procedure, catalog: Catalog) -> _Expected:
        """Each required disclosure's and screening question's wording in the catalog's
        language, by message context, and the problems of those worded alike: looked up once
        per procedure and catalog (both are read once per engine, and never change)."""
        key = (procedure.id, catalog.name)
        found = self._expected.get(key)
        if found is None:
            worded = wordings(procedure, catalog)
            found = (
                worded,
                alike_problems(worded) + self._answer_word_problems(catalog),
                {i: Wording.parse(worded[i]) for i in procedure.required_ids},
            )
            # Two threads may both look them up; they get equal values.
            self._expected[key] = found
        return found

    def _answer_word_problems(self, catalog: Catalog) -> list[DisclosureProblem]:
        """The checklist's "Yes" and "No" in ``catalog`` must tell the answers apart
        (coverage.answer_word_problems): a catalog that swaps them would show every answer
        inverted, and the gate cannot judge a translation otherwise."""
        path = catalog_file(catalog.name, self._locale_folders)
        references = answer_word_reference(catalog.name, path, self._catalog_cache)
        found = answer_word_problems(answer_words_of(catalog), references)
        return [problem for _, problem in found]

    def render(
        self, request: ConsentRequest, format: Format = "docx", *, draft: bool = False
    ) -> RenderResult:
        """Render a consent document to bytes. Raises before producing anything incomplete
        (and, from an engine made with ``reviewed_only=True``, in a translation without a
        review in force: UnreviewedTranslationError).

        Warns (DraftTranslationWarning) when the catalog's translation is not reviewed,
        (ContraindicationWarning) when the patient answered yes to a screening question, and
        (MinorPatientWarning) when the patient is under the clinic's consent age (18 unless
        ``clinic.consent_age`` says another) and no parent or guardian signs.
        """
        result = self.render_quietly(request, format, draft=draft)
        warn_for(result)
        return result

    def render_quietly(
        self, request: ConsentRequest, format: Format = "docx", *, draft: bool = False
    ) -> RenderResult:
        """:meth:`render` without its warnings, for callers that read ``flags``,
        ``review_state`` and ``minor_without_guardian`` themselves (batch mode does). Nothing
        else differs.

        Silencing the warnings with ``warnings.catch_warnings()`` instead is not safe in a
        program with threads: it changes the filters of the whole process, and threads that
        enter and leave it together can leave the "ignore" filters in place for good.
        """
        check_format(format)
        document, shared = self._compose(request, draft)
        return self._result(request, document, shared, format)

    def render_formats(
        self,
        request: ConsentRequest,
        formats: Iterable[Format] = FORMATS,
        *,
        draft: bool = False,
        warn: bool = True,
    ) -> dict[Format, RenderResult]:
        """Render one request to several formats (by default all), composing it once: each
        result is what :meth:`render` gives for its format, in the order asked, and the
        warnings are issued once (``warn=False``: none, as :meth:`render_quietly`, for a
        caller that reads the results' ``flags``, ``review_state`` and
        ``minor_without_guardian`` itself)."""
        check_flag("warn", warn)
        if isinstance(formats, str) or not isinstance(formats, Iterable):
            # "docx" would be four formats, one a character.
            raise TypeError(
                "formats must be formats, such as ('docx', 'html'), "
                f"not {'one str' if isinstance(formats, str) else type(formats).__name__}"
            )
        wanted = tuple(dict.fromkeys(formats))
        if not wanted:  # composing a form to write nothing is a mistake of the caller's
            raise ValueError("formats names no format; choose from " + ", ".join(FORMATS))
        for format in wanted:
            check_format(format)
        document, shared = self._compose(request, draft)
        results = {format: self._result(request, document, shared, format) for format in wanted}
        if warn:
            warn_for(results[wanted[0]])
        return results

    def _result(
        self, request: ConsentRequest, document: d.Document, shared: SharedBlocks, format: Format
    ) -> RenderResult:
        procedure = self.procedures[request.procedure]
        flags = tuple(
            ScreeningFlag(question.id, question.disclosure)
            for question in procedure.screening
            if request.screening[question.id].answer
        )
        meta = document.metadata
        return RenderResult(
            content=_writer(format)(document, shared),
            format=format,
            procedure=procedure.id,
            template_version=procedure.template_version,
            locale=str(formatting_locale(request.locale) or meta.locale),
            flags=flags,
            review_state=meta.review_state,
            draft=meta.draft,
            catalog=meta.locale,
            minor_without_guardian=is_minor(request)
            and (request.witness is None or request.witness.role != "guardian"),
        )

    def render_to_file(
        self,
        request: ConsentRequest,
        path: str | os.PathLike[str],
        format: Format | None = None,
        *,
        draft: bool = False,
        warn: bool = True,
    ) -> RenderResult:
        """Render and write atomically; the format defaults to the one the file name implies.
        ``warn=False`` issues no warnings (as :meth:`render_quietly`).

        Nothing is written unless the whole document rendered: no partial or stale file. A
        path that cannot be written as a file (a folder, a device, a process's descriptor, a
        read-only file) raises its OSError first, before its name is read for the format and
        before anything is rendered, as on the command line.
        """
        check_flag("warn", warn)
        check_target(path)
        result = self.render_quietly(request, format_for_path(path, format), draft=draft)
        if warn:
            warn_for(result)
        write_atomic(Path(path), result.content)
        return result

    def required_disclosures(self, procedure: str) -> Sequence[str]:
        """The ids of ``procedure``'s required disclosures, in order; ValueError naming the
        procedures there are if there is no such procedure."""
        found = self.procedures.get(procedure) if isinstance(procedure, str) else None
        if found is None:
            raise ValueError(
                f"unknown procedure {procedure!r}; available: {', '.join(self.procedures)}"
            )
        return found.required_ids

    # -- verification ----------------------------------------------------------------------
    def verify(
        self,
        source: str | os.PathLike[str] | bytes | bytearray | memoryview,
        *,
        procedure: str | None = None,
        locale: str | None = None,
    ) -> VerifyReport:
        """Check a DOCX (path or bytes) still states every required disclosure.

        The procedure and locale are read from the document's properties; pass them to check a
        document whose properties were lost. Raises DocumentReadError if the file is not a
        readable DOCX or names a procedure or locale this engine does not have.
        """
        # Imported here: a process that only renders never pays for the reader.
        from mesoconsent.stored_form import check_stored_form
        from mesoconsent.verification import parse_identifier, read_docx

        for name, value in (("procedure", procedure), ("locale", locale)):
            if value is not None and not isinstance(value, str):
                raise TypeError(f"{name} must be a str or None, not {type(value).__name__}")
        content = read_docx(source, self._bookmarks)
        recorded = parse_identifier(content.identifier)
        if recorded is None and (procedure is None or locale is None):
            raise DocumentReadError(
                "the document does not record which procedure and locale it was rendered "
                "with (no mesoconsent identifier in its properties); name them to verify it"
            )
        recorded_procedure, version, recorded_locale = recorded or ("", "unknown", "")
        procedure_id = procedure or recorded_procedure
        if procedure_id not in self.procedures:
            # Quoted if the caller gave it; the file's own text could be anything (a name).
            which = f"procedure {procedure!r}" if procedure else "procedure the form records"
            raise DocumentReadError(
                f"unknown {which}; available: {', '.join(self.procedures)} (verify it with the "
                "template folders it was rendered with: --templates, or Engine(template_dirs))"
            )
        definition = self.procedures[procedure_id]
        try:
            resolved = self.resolve_locale(locale or recorded_locale)
        except LocaleNotAvailableError as error:
            # The locale the file records is the file's own text: not quoted (it could be a
            # name); one given by the caller is.
            which = f"the locale {str(error)!r}" if locale else "the locale the form records"
            raise DocumentReadError(
                f"{which} is not available here; available: {', '.join(self.locales)} (verify "
                "it with the catalog folders it was rendered with: --locales, or "
                "Engine(locale_dirs))"
            ) from None
        catalog = self.catalog(resolved)
        problems, notes, version = check_stored_form(
            content,
            definition,
            catalog,
            recorded=recorded is not None,
            version=version,
            other_locale=(
                recorded_locale
                if locale is not None
                and recorded_locale
                and not self._same_catalog(recorded_locale, resolved)
                else None
            ),
            valued=self._valued[definition.id],
            alike=self._expected_wordings(definition, catalog)[1],
        )
        return VerifyReport(
            procedure_id, version, resolved, content.language, tuple(problems), tuple(notes)
        )
