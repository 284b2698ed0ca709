"""Catalogs: reading a locale's ``.po`` file once, checked, into an immutable :class:`Catalog`
that renders share, and formatting dates, numbers and lists in its locale's conventions.

Catalogs are standard gettext ``.po`` files at ``<locales>/<locale>/LC_MESSAGES/mesoconsent.po``
(catalog_folders.py), read with Babel once per process and shared. English is the source
language: its wording is in the templates and procedure files, so it needs no catalog. What
a catalog must be to be read is checked by po_syntax.py (its lines), catalog_rules.py (its
translations), plurals.py (its plural forms) and review.py (its review record).
"""

from __future__ import annotations

import codecs
import datetime as dt
import functools
import gettext
import hashlib
import io
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import format_decimal

from mesoconsent.catalog_folders import DOMAIN, catalog_file, check_folder_name
from mesoconsent.catalog_rules import (
    counts_as_copied,
    empty_forms,
    is_translated,
    line_of_problem,
    message_key,
    message_problems,
    placed,
    says_nothing,
)
from mesoconsent.errors import CatalogError, LocaleNotAvailableError
from mesoconsent.locale_tags import SOURCE_LOCALE, language_tag, writing_script
from mesoconsent.plurals import (
    forms_picked,
    plural_counts,
    plural_header_problem,
    trim_plural_forms,
    with_own_plural_header,
)
from mesoconsent.po_syntax import plural_forms_given, po_lines, readable_text
from mesoconsent.review import Review, review_record

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog as BabelCatalog
    from babel.messages.catalog import Message

    from mesoconsent.catalog_cache import CatalogCache

# Babel's gettext machinery (babel.messages, babel.support: reading, checking and compiling
# .po files) is imported where a catalog is read, not here: an English form reads none, and a
# fresh process that renders one (the command line) starts without it.

# A message as gettext keys it: (context or None, msgid). A plural message is keyed by its
# singular msgid.
MessageKey = tuple[str | None, str]


@attrs.frozen
class Catalog:
    """The messages of one catalog, and the Babel locale to format dates and lists with.

    ``name`` is the catalog's locale (where the wording comes from); ``locale`` may be more
    specific (the en catalog formatting for en_GB). ``untranslated`` and ``fuzzy`` hold the
    catalog's messages that have no usable translation: gettext would show them in English.
    """

    name: str
    locale: Locale
    translations: gettext.NullTranslations = attrs.field(eq=False)
    review: Review = Review("source")
    translated: frozenset[MessageKey] = frozenset()
    fuzzy: frozenset[MessageKey] = frozenset()
    # Disclosures, questions (messages with a context) and text of three words or more whose
    # "translation" is the English text itself, as Poedit's "copy from source" leaves them.
    copied: frozenset[MessageKey] = frozenset()
    # Messages whose translation says nothing (only spaces, punctuation, or characters that
    # show nothing) where the English says something: printed, a blank where the text goes.
    blank: frozenset[MessageKey] = frozenset()
    # A digest of every translation: changes whenever the wording does, so a stored form can
    # tell whether it was made with the catalog installed now.
    revision: str = "source"

    @property
    def language_tag(self) -> str:
        """A BCP 47 tag with a region, as Word expects in ``w:lang`` (``en`` -> ``en-US``)."""
        return language_tag(str(self.locale))

    @property
    def is_source_language(self) -> bool:
        """English: a message the catalog lacks is still in the document's language."""
        return self.locale.language == SOURCE_LOCALE

    def fallback(self, key: MessageKey) -> str | None:
        """Why ``key`` would be shown in English ("untranslated", "fuzzy" or "copied"), or
        None."""
        if self.is_source_language:
            return None
        if key in self.translated:
            return "copied" if key in self.copied else None
        return "fuzzy" if key in self.fuzzy else "untranslated"

    def unusable(self, key: MessageKey) -> str | None:
        """Why ``key`` cannot be printed as this catalog's text: why it would be in English
        (:meth:`fallback`), or "empty" where its translation says nothing; else None."""
        return self.fallback(key) or ("empty" if key in self.blank else None)

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        return self.translations.pgettext(context, message)

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        return self.translations.npgettext(context, singular, plural, n)

    def format_date(self, value: dt.date) -> str:
        return format_date(value, format="long", locale=self.locale)

    def format_number(self, value: int) -> str:
        return _format_number(value, self.locale)

    def format_list(self, items: Sequence[str]) -> str:
        return format_list(list(items), locale=self.locale)


def _format_number(value: int, locale: Locale) -> str:
    # Counts of sessions, weeks and days: a few small numbers, each slow to format in Babel.
    if 0 <= value < _NUMBERS_KEPT:
        return _small_numbers(locale)[value]
    return format_decimal(value, locale=locale)


# The numbers formatted once per locale, all of them at once: a cache filled by use would
# keep the counts and intervals of the treatments planned so far.
_NUMBERS_KEPT = 100


@functools.lru_cache(maxsize=64)
def _small_numbers(locale: Locale) -> tuple[str, ...]:
    return tuple(format_decimal(value, locale=locale) for value in range(_NUMBERS_KEPT))


def _revision(translated: Sequence[Message]) -> str:
    digest = hashlib.sha256()
    for message in sorted(translated, key=lambda m: (m.context or "", str(m.id))):
        digest.update(repr((message.context, message.id, message.string)).encode())
    return digest.hexdigest()[:12]


def _catalog_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise CatalogError(f"{path}: cannot be read ({type(error).__name__}: {error})") from None


def _parse_catalog(
    path: Path, locale: str, data: bytes
) -> tuple[BabelCatalog, Locale, list[str], dict[int, int]]:
    """Parse the bytes of the ``.po`` file ``path``; CatalogError if they cannot be read. The
    problems found while reading that do not stop it (plural forms beyond the header's
    number, which are left out) come third; how many forms each plural entry gives, by the
    line of its msgid, fourth (Babel reads a form left out as an empty one)."""
    from babel.messages.pofile import PoFileError, read_po

    try:
        # A byte-order mark (Windows Notepad writes one) is not part of the .po syntax.
        text = data.removeprefix(codecs.BOM_UTF8).decode("utf-8")
        text, problems = readable_text(path, text, locale)
        po = read_po(io.StringIO(text), locale=locale, domain=DOMAIN, abort_invalid=True)
        return po, Locale.parse(locale), problems, plural_forms_given(po_lines(text))
    except UnicodeDecodeError:
        raise CatalogError(
            f"{path}: is not UTF-8 text; save it as UTF-8, with charset=UTF-8 in its header"
        ) from None
    except (OSError, ValueError, UnknownLocaleError, PoFileError) as error:
        raise CatalogError(f"{path}: cannot be read ({type(error).__name__}: {error})") from None


def load_catalog(
    locale: str, locale_dirs: Sequence[Path], cache: CatalogCache | None = None
) -> Catalog:
    """Read the catalog for an available locale (the first folder that has one wins).

    The source locale needs none, but a clinic may still supply one (to adapt the English).
    With a ``cache`` (catalog_cache.py), a catalog file that passed every check before, holding
    the same bytes, is taken from it instead of being read and checked again; one that passes
    them now is kept there.
    """
    path = catalog_file(locale, locale_dirs)
    if path is not None:
        check_folder_name(path, locale)
        data = _catalog_bytes(path)
        kept = None if cache is None else cache.get_catalog(locale, path, data)
        if kept is not None:
            return kept
        catalog, compiled = _checked_catalog(path, locale, data)
        if cache is not None:
            cache.put_catalog(locale, path, data, catalog, compiled)
        return catalog
    if locale == SOURCE_LOCALE:
        return Catalog(locale, Locale.parse(locale), gettext.NullTranslations())
    raise LocaleNotAvailableError(locale)


def _checked_catalog(path: Path, locale: str, data: bytes) -> tuple[Catalog, bytes]:
    """The catalog the ``.po`` file ``path`` (its bytes: ``data``) holds for ``locale``, and
    its messages compiled (``.mo``); CatalogError if it breaks a rule."""
    po, parsed, read, forms_given = _parse_catalog(path, locale, data)
    problems, review = _problems_and_review(po, parsed, read, forms_given)
    if problems:
        raise _broken(path, problems)
    return _built_catalog(locale, po, parsed, review)


def listed_catalog(
    path: Path, locale: str
) -> tuple[Catalog, CatalogError | None, dict[MessageKey, int], dict[MessageKey, str]]:
    """For a translator's listing, from one reading of the file ``path`` as it is now: its
    catalog whatever rules it breaks (never for rendering), the CatalogError that loading it
    would raise (None if it breaks none), the line of each message's ``msgid`` (obsolete
    entries left out), and which forms are empty of each plural message translated in
    others ("msgstr[1] is empty"). CatalogError if it cannot be read, or cannot be made into
    a catalog even so."""
    check_folder_name(path, locale)
    data = _catalog_bytes(path)
    po, parsed, read, forms_given = _parse_catalog(path, locale, data)
    problems, review = _problems_and_review(po, parsed, read, forms_given)
    if plural_header_problem(po, parsed) is not None:
        # The header is wrong (a problem already): Babel made room for its number of forms in
        # every plural message, which may be more than its formula picks from (nplurals=3 with
        # French's n > 1), and the room left empty would list each translated message as
        # untranslated. The forms its formula picks from count here (a form it picks, left
        # empty, is still listed).
        picked = forms_picked(po)
        if picked is None:
            # A formula that cannot be read, or fails for some count (looking a message up
            # runs it): read again with the language's own in its place. Only the header
            # line changes, so the lines stay; the language's fewest forms count.
            po = _parse_catalog(path, locale, with_own_plural_header(data, po, parsed))[0]
            picked = min(plural_counts(parsed))
        trim_plural_forms(po, min(picked, po.num_plurals))
    try:
        catalog = _built_catalog(locale, po, parsed, review)[0]
    except ValueError:  # a header line the substitute did not replace (one split in two)
        raise _broken(path, problems) from None
    lines = {
        message_key(message): message.lineno for message in po if message.id and message.lineno
    }
    unfinished = {
        message_key(message): empty
        for message in po
        if message.id
        and (empty := empty_forms(message, forms_given.get(message.lineno or 0))) is not None
    }
    return catalog, _broken(path, problems) if problems else None, lines, unfinished


def _broken(path: Path, problems: list[str]) -> CatalogError:
    """The error for a catalog that breaks rules: each problem at a line is placed as
    ``FILE:LINE: ...``, as msgfmt writes it (a terminal or an editor opens the file there);
    several are listed one a line, in the order of the file, as a request's problems are."""
    if len(problems) == 1:
        return CatalogError(placed(path, problems[0]), problems)
    listed = sorted(problems, key=line_of_problem)
    return CatalogError(
        f"{path}: {len(problems)} problems:\n"
        + "\n".join(f"  - {placed(path, p)}" for p in listed),
        problems,
    )


def _problems_and_review(
    po: BabelCatalog, parsed: Locale, read: list[str], forms_given: dict[int, int]
) -> tuple[list[str], Review]:
    """The rules the catalog breaks (with those found reading it, ``read``; ``forms_given``
    as _parse_catalog gives it), and its review record (a draft's, if it breaks that)."""
    problems = [*read, *message_problems(po, parsed, forms_given)]
    try:
        review = review_record(po) if parsed.language != SOURCE_LOCALE else Review("source")
    except ValueError as error:
        problems.append(f"header comment: {error}")
        review = Review("draft")
    return problems, review


def _built_catalog(
    locale: str, po: BabelCatalog, parsed: Locale, review: Review
) -> tuple[Catalog, bytes]:
    """The catalog of a parsed file, and its messages compiled."""
    compiled = _compiled(po)
    messages = [message for message in po if message.id]
    translated = [message for message in messages if is_translated(message)]
    revision = _revision(translated)
    latin = writing_script(parsed) in ("Latn", None)  # unknown: as Latin, the lenient rule
    if review.state == "reviewed" and review.revision not in ("", revision):
        # Changed since the revision the reviewer signed off: a draft again.
        review = Review("draft", review.reviewed_by, review.revision)
    catalog = catalog_from_compiled(
        locale,
        parsed,
        compiled,
        review,
        frozenset(message_key(m) for m in translated),
        frozenset(message_key(m) for m in messages if m.fuzzy),
        frozenset(message_key(m) for m in messages if counts_as_copied(m, latin_script=latin)),
        frozenset(message_key(m) for m in translated if says_nothing(m)),
        revision,
    )
    return catalog, compiled


def _compiled(po: BabelCatalog) -> bytes:
    """The translated messages of ``po`` compiled (``.mo``). Fuzzy entries stay out, as
    msgfmt leaves them out: they are not translations yet. So does a plural message with a
    form still empty, which is untranslated: Babel would put English in the empty form's
    place, picked by the catalog's own formula (Arabic's form for 1 gets "sessions"), beside
    the translation of other counts; left out, the message is in English for every count, by
    English's rule, as any untranslated message is (in a draft)."""
    from babel.messages.mofile import write_mo

    untranslated = [
        (message, message.string)
        for message in po
        if message.id and message.pluralizable and not message.fuzzy and not is_translated(message)
    ]
    buffer = io.BytesIO()
    try:
        for message, _ in untranslated:
            message.string = ()  # no translation: write_mo leaves the message out
        write_mo(buffer, po, use_fuzzy=False)
    finally:  # the catalog is read again after (listed_catalog)
        for message, string in untranslated:
            message.string = string
    return buffer.getvalue()


def catalog_from_compiled(
    name: str,
    locale: Locale,
    compiled: bytes,
    review: Review,
    translated: frozenset[MessageKey],
    fuzzy: frozenset[MessageKey],
    copied: frozenset[MessageKey],
    blank: frozenset[MessageKey],
    revision: str,
) -> Catalog:
    from babel.support import Translations

    translations = Translations(io.BytesIO(compiled), domain=DOMAIN)
    return Catalog(name, locale, translations, review, translated, fuzzy, copied, blank, revision)
