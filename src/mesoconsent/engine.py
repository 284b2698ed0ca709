"""The :class:`Engine` wires the pipeline together and holds what is worth keeping between
renders: the procedures, the compiled templates and the loaded catalogs.

An engine is immutable after construction, so one engine serves any number of threads. Build
one per process (or use the default one behind :func:`mesoconsent.render`) and reuse it:
building one reads and checks every procedure file and compiles each procedure's template
(catalogs are read on first use, and templates they extend when first rendered).
"""

from __future__ import annotations

import errno
import os
import re
import sys
import threading
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Literal

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
    misnamed_folders,
    rename_advice,
)
from mesoconsent.compose import (
    compose,
    disclosure_wording,
    interface_messages,
    make_environment,
    mark_as_draft,
    question_wording,
    statement_problems,
)
from mesoconsent.coverage import (
    Wording,
    alike_problems,
    check_coverage,
    check_screening,
    fallback_problems,
    format_values,
    parse_values,
    value_digest,
)
from mesoconsent.errors import (
    CatalogError,
    ContraindicationWarning,
    CoverageError,
    DisclosureProblem,
    DocumentReadError,
    DraftTranslationWarning,
    LocaleNotAvailableError,
    MinorPatientWarning,
    TemplateError,
    UnreviewedTranslationError,
    ValidationError,
)
from mesoconsent.fragments import FragmentStore
from mesoconsent.i18n import Catalog, MessageKey, listed_catalog, load_catalog
from mesoconsent.loading import decode_json, read_request_file, structure_request
from mesoconsent.locale_tags import candidate_catalogs, formatting_locale, is_plain_tag, negotiate
from mesoconsent.model import ConsentRequest
from mesoconsent.output import check_target, write_atomic
from mesoconsent.procedures import (
    RESERVED_PREFIXES,
    Procedure,
    definition_files,
    discover_procedures,
)
from mesoconsent.resources import locales_dir, templates_dir
from mesoconsent.review import Review
from mesoconsent.template_cache import open_cache
from mesoconsent.validation import is_minor, validate_request
from mesoconsent.verify_report import VerifyReport
from mesoconsent.writers.docx import bookmark_names, structural_marks, write_docx
from mesoconsent.writers.shared import SharedBlocks

Format = Literal["docx", "html", "text"]
FORMATS: tuple[Format, ...] = ("docx", "html", "text")
MEDIA_TYPES: dict[Format, str] = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html; charset=utf-8",
    "text": "text/plain; charset=utf-8",
}
# The extension a file of each format is given (batch forms, RenderResult.extension), and
# those a file name may ask for a format by.
EXTENSIONS: dict[Format, str] = {"docx": ".docx", "html": ".html", "text": ".txt"}
_EXTENSIONS: dict[str, Format] = {".docx": "docx", ".html": "html", ".htm": "html", ".txt": "text"}


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


# As Python records it in code objects (not resolved: an install may be reached by a symlink).
_PACKAGE_PREFIX = os.path.dirname(__file__) + os.sep


def check_format(format: str) -> None:
    """ValueError unless ``format`` is one of FORMATS (for render, render_formats, batches)."""
    if not isinstance(format, str) or format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")


def check_flag(name: str, value: object) -> None:
    """TypeError unless ``value`` is True or False: "no" or "false" read from a configuration
    file is true to Python, and these flags turn checks on or off, or remove files."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, not {type(value).__name__}")


def _warn(result: RenderResult) -> None:
    """The warnings :meth:`Engine.render` issues for a result."""
    if result.review_state == "draft":
        warnings.warn(
            f"the {result.catalog} translation is a draft that no qualified reviewer has "
            "signed off: have the form checked before it is used "
            "(RenderResult.review_state)",
            DraftTranslationWarning,
            stacklevel=_caller_stacklevel(),
        )
    if result.minor_without_guardian:
        # Not the age or the date of birth: a message may be logged.
        warnings.warn(
            "the patient is under the age from which they may consent alone (the clinic's "
            "consent_age, or 18 where the request gives none) on the consent date, and no "
            "parent or guardian signs the form; where the law requires their consent, add them "
            "as its third signer "
            "(Witness role 'guardian') "
            "(RenderResult.minor_without_guardian)",
            MinorPatientWarning,
            stacklevel=_caller_stacklevel(),
        )
    if result.flags:
        # Which questions is health data: it is in result.flags, not in a message that may
        # be logged.
        warnings.warn(
            f"the patient answered yes to {len(result.flags)} screening question(s); "
            "see RenderResult.flags",
            ContraindicationWarning,
            stacklevel=_caller_stacklevel(),
        )


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


def _caller_stacklevel() -> int:
    """The stacklevel that points a warning at the first frame outside this package.

    (Python 3.12's ``skip_file_prefixes`` does this; 3.11 is supported.)
    """
    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_PREFIX):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


def _is_structural(mark: str) -> bool:
    """Screening rows, the alert and signer lines, as opposed to disclosures
    (RESERVED_PREFIXES)."""
    return mark.startswith(RESERVED_PREFIXES)


def format_for_path(path: str | os.PathLike[str], format: Format | None = None) -> Format:
    """The output format for a file: ``format`` if given, else the one the file name asks
    for (``.docx``, ``.html``/``.htm``, ``.txt``). ValueError if neither says, or if they
    disagree (text in ``form.docx``, which Word cannot open); a name with another extension
    takes the ``format`` given."""
    suffix = Path(path).suffix.lower()
    named = _EXTENSIONS.get(suffix)
    if format is not None:
        check_format(format)
    if format is not None and named is not None and named != format:
        raise ValueError(
            f"{Path(path).name} names a {named} file, not a {format} one: give the file the "
            "extension of its format, or leave the format out"
        )
    if format is not None:
        return format
    if named is None:
        raise ValueError(
            f"cannot tell the format from {suffix or 'no extension'!r}: use .docx, .html or .txt"
        )
    return named


@attrs.frozen
class ScreeningFlag:
    """The patient answered yes to a screening question: the form says so, prominently.

    Embedding software should make sure a practitioner reviews the answer before treatment.
    """

    question_id: str
    disclosure_id: str


@attrs.frozen
class RenderResult:
    """A rendered consent document and what the caller should know about it.

    ``locale`` is the locale the document was rendered for, as requested and normalised
    (``en_GB``); its wording came from the catalog negotiated for it (``en``), which the
    document records in its identifier for ``verify``.
    """

    content: bytes = attrs.field(repr=lambda content: f"<{len(content)} bytes>")
    format: Format
    procedure: str
    template_version: str
    locale: str
    flags: tuple[ScreeningFlag, ...]
    # The catalog's review state ("source", "draft" or "reviewed"); see docs/translators.md.
    review_state: str = "source"
    # Rendered in draft mode with text in English: marked as a draft on every page, not for
    # signature.
    draft: bool = False
    # The catalog the wording came from (``fr`` for a request in ``fr-CA``).
    catalog: str = ""
    # The patient is under the age from which they may consent alone (clinic.consent_age,
    # 18 by default) on the consent date, and no parent or guardian signs the form
    # (MinorPatientWarning).
    minor_without_guardian: bool = False

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]

    @property
    def extension(self) -> str:
        """The file extension of its format (``.docx``, ``.html``, ``.txt``), to save it by:
        ``render_to_file`` and ``format_for_path`` read the format back from it."""
        return EXTENSIONS[self.format]


def _well_named(folder: str) -> bool:
    """Whether a catalog folder is named as gettext names its locale (so may be listed)."""
    try:
        return gettext_name(folder) is None
    except LocaleNotAvailableError:
        return False


# A catalog's revision as forms record it (i18n.py, _revision), or "source" for English.
_REVISION = re.compile(r"[0-9a-f]{12}|source")


def _folders(
    given: str | os.PathLike[str] | Iterable[str | os.PathLike[str]], argument: str
) -> tuple[Path, ...]:
    paths = _folder_list(given, argument)
    for path in paths:
        _refuse_if_not_a_folder(path, argument)
    return tuple(paths)


def _folder_list(given: object, argument: str) -> list[Path]:
    # One folder may be given alone: a str is iterable, and would otherwise be taken for one
    # folder per character.
    if isinstance(given, str | os.PathLike):
        return [Path(given)]
    # bytes are iterable too (as numbers), and None is what an unset setting often gives.
    folders = None if isinstance(given, bytes) else _iterated(given)
    wanted = f"{argument} must be a folder (a str or os.PathLike) or an iterable of folders"
    if folders is None:
        raise TypeError(f"{wanted}, not {type(given).__name__}")
    paths = []
    for folder in folders:
        if not isinstance(folder, str | os.PathLike):
            raise TypeError(f"{wanted}; it holds a {type(folder).__name__}")
        paths.append(Path(folder))
    return paths


def _refuse_if_not_a_folder(path: Path, argument: str) -> None:
    """A folder the caller names must be there: skipped, a mistyped one would leave the
    clinic's own templates or catalogs out without a word, and the bundled ones render alone."""
    problem = folder_problem(path)
    if problem is not None:
        raise OSError(problem.errno, f"{argument}: {problem.strerror}", str(path))


def folder_problem(path: Path) -> OSError | None:
    """Why ``path`` is not a folder that can be used, or None: FileNotFoundError ("no such
    folder"), NotADirectoryError ("not a folder"), or the OSError of a folder on the way that
    may not be entered (Path.is_dir raises it before Python 3.14)."""
    try:
        if path.is_dir():
            return None
        there = path.exists()
    except OSError as error:
        return error
    if there:
        return NotADirectoryError(errno.ENOTDIR, "not a folder", str(path))
    return FileNotFoundError(errno.ENOENT, "no such folder", str(path))


def _iterated(given: object) -> list[object] | None:
    return list(given) if isinstance(given, Iterable) else None


def _outdated_entries(
    absent: Sequence[MessageKey],
    unused: Sequence[tuple[MessageKey, int]],
    needed: Iterable[MessageKey],
) -> tuple[tuple[MessageKey, MessageKey, int], ...]:
    """Pair each message the file lacks with the unused entry meant for it, where only one
    can be, so that a translator is never sent to the wrong entry:
    - one with the message's English under another msgctxt (the msgctxt changed): the
      strongest sign, since no other message of the form has that English;
    - else one with the message's msgctxt and other English (the English changed), where
      that msgctxt is the message's alone: a disclosure's or a question's id, not a context a
      clinic's template shares among several messages.
    A message without a msgctxt whose English changed cannot be told from the file's other
    such messages, so it is not paired; nor is an entry that two messages could claim."""
    contexts = Counter(context for context, _ in needed)
    candidates: dict[MessageKey, list[tuple[MessageKey, int]]] = {}
    for key in absent:
        context, message = key
        found = [entry for entry in unused if entry[0][1] == message]
        if not found and context is not None and contexts[context] == 1:
            found = [entry for entry in unused if entry[0][0] == context]
        candidates[key] = found
    claims = Counter(entry for found in candidates.values() for entry in found)
    return tuple(
        (key, *found[0])
        for key, found in candidates.items()
        if len(found) == 1 and claims[found[0]] == 1
    )


@attrs.frozen
class LocaleStatus:
    """How complete one locale's catalog is, and who has reviewed it."""

    locale: str
    review: Review
    total: int
    # (message, what it is, why) for each message that would show in English ("untranslated",
    # "fuzzy", or "copied": the English itself) or blank ("empty": only spaces or punctuation).
    missing: tuple[tuple[MessageKey, str, str], ...]
    # Why the catalog could not be read or failed its checks, if it did.
    error: str | None = None
    # The catalog's revision (what a reviewer records as Reviewed-Revision).
    revision: str = ""
    # The catalog file (None where there is none: the source language needs none).
    path: Path | None = None
    # (message, the line of its msgid) for each message of that file (see line()).
    lines: tuple[tuple[MessageKey, int], ...] = ()
    # The entries of the file that no form uses, with their lines: a msgctxt or msgid that was
    # changed by hand, or an English text that changed without the catalog being updated
    # (pybabel update marks such entries obsolete). They stop no form, so they do not make the
    # locale incomplete; the message they were meant for is missing.
    unused: tuple[tuple[MessageKey, int], ...] = ()
    # Each rule the catalog breaks, where its checks could read it (error says them all).
    problems: tuple[str, ...] = ()
    # (message, the unused entry meant for it, the entry's line) for each missing message not
    # in the file that one unused entry, and no other, was meant for (see outdated_entry()).
    outdated: tuple[tuple[MessageKey, MessageKey, int], ...] = ()

    def line(self, key: MessageKey) -> int | None:
        """The line of ``key``'s msgid in the catalog file; None if the file lacks it."""
        return next((line for found, line in self.lines if found == key), None)

    def outdated_entry(self, key: MessageKey) -> tuple[MessageKey, int] | None:
        """The entry no form uses that was meant for ``key``, a message the file lacks, with
        its line: the one with ``key``'s English under another msgctxt (the msgctxt changed)
        or, failing that, with ``key``'s msgctxt, where no other message has it, and other
        English (the English changed, or the msgid was edited). None where no entry, or more
        than one, could be it."""
        found = ((entry, line) for message, entry, line in self.outdated if message == key)
        return next(found, None)

    @property
    def complete(self) -> bool:
        return not self.missing and self.error is None

    @property
    def translated(self) -> int:
        return self.total - len(self.missing)


# A template version and a catalog's locale as mesoconsent writes them into a form's
# identifier; verify shows the file's own only in these shapes.
# (Numbers first, dot-separated, and one short suffix starting with a letter: "1.2.0", "v3",
# "1.0.0b2", "2026.11.27+riverside", "1.2.0-clinic.1"; not "1988-07-02", "07700900123" or
# "v1-Jane-Example".)
_VERSION_SHOWN = re.compile(
    r"[vV]?[0-9]{1,4}(?:\.[0-9]{1,4}){0,3}(?:[-+.]?[A-Za-z][0-9A-Za-z]{0,11}(?:\.[0-9]{1,4})?)?"
)
# Each bundled procedure, with its template versions made before forms recorded the digests
# of their values (2026-11-26). A form of a bundled procedure of any other version without
# them had them removed (or its version edited), and fails verify; a form of those versions,
# or of a clinic's own procedure (whose earlier forms may predate the record), gets a note.
# A new bundled procedure is listed with none: every form of it records them.
BEFORE_VALUES: Mapping[str, frozenset[str]] = MappingProxyType(
    {"mesotherapy": frozenset({"1.0.0", "1.1.0"})}
)
_LOCALE_SHOWN = re.compile(r"[a-z]{2,3}(?:_[A-Z][a-z]{3})?(?:_(?:[A-Z]{2}|[0-9]{3}))?")


# What verify says of a form without the digests of its values (coverage.value_digest), and
# of a value without its digest.
_NO_VALUES = (
    "records no digests of its values (the custom property mesoconsent.values): the clinic's "
    "phone, the treated areas and the other values in disclosures were checked only for "
    "saying something"
)
_NO_DIGEST = "its value's digest is not in mesoconsent.values, so the value cannot be checked"


# Each required disclosure's and screening question's wording, by id; the problems of those
# worded alike.
_Expected = tuple[dict[str, str], list[DisclosureProblem]]


def _wordings(procedure: Procedure, catalog: Catalog) -> dict[str, str]:
    """Each required disclosure's and screening question's wording in the catalog, by id."""
    found = {i: disclosure_wording(procedure, catalog, i) for i in procedure.required_ids}
    return found | {q.key: question_wording(q, catalog) for q in procedure.screening}


def _alike(procedure: Procedure, catalog: Catalog) -> list[tuple[MessageKey, DisclosureProblem]]:
    """:func:`alike_problems` of the procedure's wordings in ``catalog``, each with the key of
    the message it is about."""
    english = {i: procedure.disclosure(i).text for i in procedure.required_ids}
    english |= {q.key: q.text for q in procedure.screening}
    return [
        ((problem.disclosure_id, english[problem.disclosure_id]), problem)
        for problem in alike_problems(_wordings(procedure, catalog))
    ]


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
            _folders(template_dirs, "template_dirs") + bundled_templates
        )
        self.locale_dirs: tuple[Path, ...] = _folders(locale_dirs, "locale_dirs") + bundled_locales
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
        environment = make_environment(self.template_dirs)
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
                    catalog = load_catalog(locale, self.locale_dirs, self._catalog_cache)
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

    def needed_messages(self) -> dict[MessageKey, str]:
        """Every message a form of this engine can show, with what it is: "required
        disclosure", "screening question" or "text" (headings, labels, the course wording)."""
        needed: dict[MessageKey, str] = {}
        for procedure in self.procedures.values():
            for question in procedure.screening:
                needed[(question.key, question.text)] = "screening question"
            for disclosure in procedure.disclosures:
                needed[(disclosure.id, disclosure.text)] = "required disclosure"
        for key in interface_messages(self._environment):
            needed.setdefault(key, "text")
        return needed

    def _known_messages(self) -> frozenset[MessageKey]:
        known = self._known
        if known is None:  # two threads may both make it: the same set
            known = self._known = frozenset(self.needed_messages())
        return known

    def locale_status(self) -> list[LocaleStatus]:
        """Completeness and review state of every available locale, for ``mesoconsent
        locales`` (a locale is complete when no message of :meth:`needed_messages` would
        fall back to English)."""
        needed = self.needed_messages()
        report = []
        for name in self.locales:
            path = catalog_file(name, self.locale_dirs)
            try:
                report.append(self._status(name, needed, path))
            except CatalogError as error:  # one broken catalog does not hide the others
                report.append(
                    LocaleStatus(
                        name,
                        Review("draft"),
                        len(needed),
                        (),
                        str(error),
                        path=path,
                        problems=error.problems,
                    )
                )
        return report

    def _status(
        self, name: str, needed: Mapping[MessageKey, str], path: Path | None
    ) -> LocaleStatus:
        self._check_folder(name)
        error: CatalogError | None = None
        lines: dict[MessageKey, int] = {}
        if path is None:  # the source language, which needs no catalog file
            catalog = load_catalog(name, self.locale_dirs)
        else:
            # The file as it is now, not the catalog this engine loaded (perhaps before the
            # translator's last edit), read once for its lines too, which a checked catalog
            # does not keep: this listing is for translators, not for rendering. A file that
            # reads but breaks rules still has what it lacks listed beside its problems.
            catalog, error, lines = listed_catalog(path, name)
        missing = tuple(
            (key, kind, reason)
            for key, kind in needed.items()
            if (reason := catalog.unusable(key)) is not None
        )
        listed = {key for key, *_ in missing}
        missing += tuple(
            (key, needed[key], problem.reason)
            for procedure in self.procedures.values()
            for key, problem in _alike(procedure, catalog)
            if key in needed and key not in listed
        )
        unused = tuple(
            sorted(
                ((key, line) for key, line in lines.items() if key not in needed),
                key=lambda entry: entry[1],
            )
        )
        return LocaleStatus(
            name,
            catalog.review if error is None else Review("draft"),
            len(needed),
            missing,
            None if error is None else str(error),
            catalog.revision,
            path=path,
            lines=tuple(lines.items()),
            unused=unused,
            problems=() if error is None else error.problems,
            outdated=_outdated_entries(
                [key for key, *_ in missing if key not in lines], unused, needed
            ),
        )

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
        expected, alike = self._expected_wordings(procedure, catalog)
        problems = check_coverage(procedure, stated, expected.__getitem__) + check_screening(
            document,
            procedure,
            {key: answer.answer for key, answer in request.screening.items()},
            lambda question: expected[question.key],
        )
        problems += alike
        if request.witness is not None:
            problems += statement_problems(document, request.witness.role, catalog)
        if composition.fallbacks and not draft:
            problems += fallback_problems(
                composition.fallbacks, procedure, catalog.name, self._known_messages()
            )
        if problems:
            raise CoverageError(problems)
        values = format_values(
            (disclosure_id, value_digest(texts[0]))
            for disclosure_id in self._valued[procedure.id]
            if len(texts := stated.get(disclosure_id, [])) == 1
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
            wordings = _wordings(procedure, catalog)
            found = (wordings, alike_problems(wordings))
            # Two threads may both look them up; they get equal values.
            self._expected[key] = found
        return found

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
        _warn(result)
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
            _warn(results[wanted[0]])
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
            _warn(result)
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
        from mesoconsent.verification import (
            parse_identifier,
            read_docx,
            stored_form_problems,
        )

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
            raise DocumentReadError(f"unknown {which}; available: {', '.join(self.procedures)}")
        definition = self.procedures[procedure_id]
        try:
            resolved = self.resolve_locale(locale or recorded_locale)
        except LocaleNotAvailableError as error:
            # The locale the file records is the file's own text: not quoted (it could be a
            # name); one given by the caller is.
            which = f"the locale {str(error)!r}" if locale else "the locale the form records"
            raise DocumentReadError(
                f"{which} is not available here; available: {', '.join(self.locales)}"
            ) from None
        # The file's own text, shown in notes and the report only if shaped as a version (a
        # digit first, or v and a digit): it could be anything (a patient's name).
        readable = version == definition.template_version or _VERSION_SHOWN.fullmatch(version)
        if recorded is not None and not readable:
            version = "unreadable"
        notes = []
        if version != definition.template_version:
            notes.append(
                f"rendered with template version {version}; checked against the installed "
                f"wording of version {definition.template_version}"
            )
        catalog = self.catalog(resolved)
        recorded_revision = content.properties.get("mesoconsent.catalog_revision")
        if (
            locale is not None
            and recorded_locale
            and not self._same_catalog(recorded_locale, resolved)
        ):
            # Its revision is of another catalog: that would say nothing.
            notes.append(
                f"the form records the locale "
                f"{recorded_locale if _LOCALE_SHOWN.fullmatch(recorded_locale) else '(unreadable)'}"
                "; checked against the "
                f"{resolved} catalog, as asked"
            )
        elif recorded_revision is not None and recorded_revision != catalog.revision:
            # The file's own text: shown only in the shape a revision has, since it could say
            # anything (a line of its own in verify's report, say).
            shown = recorded_revision if _REVISION.fullmatch(recorded_revision) else "unreadable"
            notes.append(
                f"made with another revision of the {resolved} catalog ({shown}; "
                f"installed: {catalog.revision}): wording differences may be revisions of the "
                "translation rather than edits to the document"
            )
        disclosures = {k: v for k, v in content.stated.items() if not _is_structural(k)}
        structure = {k: v for k, v in content.stated.items() if _is_structural(k)}
        problems = check_coverage(
            definition,
            disclosures,
            lambda i: disclosure_wording(definition, catalog, i),
            untagged_text=content.paragraphs,
        )
        # The words around a value are the wording's; the value must be what was rendered.
        reported = {problem.disclosure_id for problem in problems}
        recorded_values = content.properties.get(d.VALUES_PROPERTY)
        digests = parse_values(recorded_values or "")
        for disclosure_id in self._valued[definition.id]:
            texts = disclosures.get(disclosure_id, [])
            if disclosure_id in reported or len(texts) != 1:
                continue
            digest = digests.get(disclosure_id)
            if digest is not None and value_digest(texts[0]) != digest:
                problems.append(DisclosureProblem(disclosure_id, "altered"))
            elif digest is None and recorded_values is not None:
                problems.append(DisclosureProblem(disclosure_id, _NO_DIGEST))
        if recorded_values is None and self._valued[definition.id]:
            earlier = BEFORE_VALUES.get(definition.id)
            if recorded is not None and earlier is not None and version not in earlier:
                # Every form of this version records them: the property was removed.
                problems.append(DisclosureProblem("document", _NO_VALUES))
            else:  # made before the record existed, or says nothing of how it was made
                notes.append(f"{_NO_VALUES} (forms made before 2026-11-26 have none)")
        # Wording the catalog lacks was printed in English: not a form in the document's
        # language; wording it gives as nothing, or as another's, says nothing of its own.
        required = [(disclosure.id, disclosure.text) for disclosure in definition.disclosures]
        required += [(question.key, question.text) for question in definition.screening]
        problems += fallback_problems(
            [(key, r) for key in required if (r := catalog.unusable(key)) is not None],
            definition,
            catalog.name,
        )
        problems += self._expected_wordings(definition, catalog)[1]
        if content.status == "Draft":
            problems.append(
                DisclosureProblem(
                    "document",
                    "rendered in draft mode (parts not translated): a draft, not a form to sign",
                )
            )
        if content.stated:
            problems += stored_form_problems(
                definition,
                structure,
                content.paragraphs,
                lambda question: question_wording(question, catalog),
                catalog.gettext,
            )
        else:
            # Every mark is gone (some editors drop bookmarks): the disclosures were found by
            # their words, but the checklist and signature lines cannot be located, and a form
            # that may lack its health answers or anything to sign is not one to pass.
            problems.append(
                DisclosureProblem(
                    "document",
                    "its marks were removed by an editor, so its health-question checklist and "
                    "signature lines cannot be checked (the disclosures were found by their "
                    "words)",
                )
            )
        return VerifyReport(
            procedure_id, version, resolved, content.language, tuple(problems), tuple(notes)
        )
