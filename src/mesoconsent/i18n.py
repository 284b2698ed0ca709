"""Locales: finding catalogs, choosing one for a requested locale, formatting in its conventions.

Catalogs are standard gettext ``.po`` files at ``<locales>/<locale>/LC_MESSAGES/mesoconsent.po``,
read with Babel once per process and shared (a :class:`Catalog` is immutable). English is the
source language: its wording is in the templates and procedure files, so it needs no catalog.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import functools
import gettext
import hashlib
import io
import json
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar

import attrs
from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import format_decimal
from babel.plural import to_gettext

from mesoconsent.bidi import REORDERING
from mesoconsent.coverage import Wording, normalize_space
from mesoconsent.earlier_plurals import EARLIER_PLURALS
from mesoconsent.errors import CatalogError

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog as BabelCatalog
    from babel.messages.catalog import Message

    from mesoconsent.catalog_cache import CatalogCache

# Babel's gettext machinery (babel.messages, babel.support: reading, checking and compiling
# .po files) is imported where a catalog is read, not here: an English form reads none, and a
# fresh process that renders one (the command line) starts without it.

DOMAIN = "mesoconsent"
SOURCE_LOCALE = "en"
# What a locale identifier may look like before Babel sees it: language, then optional script
# and region subtags. Anything else (a path, a glob, an empty string) is refused outright.
LOCALE_SHAPE = re.compile(r"[A-Za-z]{2,3}(?:[_-][A-Za-z0-9]{2,8}){0,3}")


class LocaleNotAvailableError(LookupError):
    """No catalog serves the requested locale (``locale``, as given; the message quotes at
    most its first 40 characters)."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        super().__init__(shortened(locale, 40) if isinstance(locale, str) else repr(locale))

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.locale,), self.__dict__)


ReviewState = Literal["source", "draft", "reviewed"]
# A message as gettext keys it: (context or None, msgid). A plural message is keyed by its
# singular msgid.
MessageKey = tuple[str | None, str]


@attrs.frozen
class Review:
    """Who has checked a catalog's translation, from its header comment (docs/translators.md).

    ``source``: the English source wording. ``draft``: nobody qualified has signed the
    translation off (the default when a catalog says nothing). ``reviewed``: ``reviewed_by``
    names who did, and when. ``revision`` is the catalog revision they signed off
    (``Reviewed-Revision``), if recorded: a catalog whose translations changed since is a
    ``draft`` again, ``reviewed_by`` still saying who reviewed the earlier revision.
    """

    state: ReviewState
    reviewed_by: str = ""
    revision: str = ""


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
        return _language_tag(str(self.locale))

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


@functools.lru_cache(maxsize=256)
def _language_tag(locale_name: str) -> str:
    # Looking up likely subtags loads Babel locale data: milliseconds, so done once per locale.
    locale = Locale.parse(locale_name)
    territory = locale.territory or _likely_territory(locale.language, locale.script)
    tag = f"{locale.language}-{territory}" if territory else locale.language
    # The script, where the language and region do not imply it: Latin Serbian is sr-Latn-RS
    # (sr-RS is Cyrillic); Traditional Chinese in Taiwan is zh-TW.
    try:
        implied = writing_script(parse_requested(tag))
    except LocaleNotAvailableError:  # a language and region Babel has no data for (az-TR)
        implied = None
    if locale.script and locale.script != implied:
        tag = "-".join(part for part in (locale.language, locale.script, territory) if part)
    return tag


@functools.lru_cache(maxsize=256)
def _likely_territory(language: str, script: str | None = None) -> str | None:
    """The region CLDR's likely subtags give a language, or a language in a script:
    ``pt`` -> ``BR``, ``zh_Hant`` -> ``TW``."""
    subtags = get_global("likely_subtags")
    likely = (script and subtags.get(f"{language}_{script}")) or subtags.get(language)
    try:
        return Locale.parse(likely).territory if likely else None
    except (ValueError, UnknownLocaleError):  # likely subtags Babel has no data for ("no")
        return None


def catalog_path(locales_dir: Path, locale: str) -> Path:
    return locales_dir / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def catalog_locales(locales_dir: Path) -> list[str]:
    """The locales whose catalog is in the folder ``locales_dir`` (OSError if it cannot be
    read)."""
    return [
        child.name
        for child in locales_dir.iterdir()
        if catalog_path(locales_dir, child.name).is_file()
    ]


def available_locales(locale_dirs: Iterable[Path]) -> tuple[str, ...]:
    """The source locale plus every locale that has a catalog in one of ``locale_dirs``."""
    found = {SOURCE_LOCALE}
    for locales_dir in locale_dirs:
        if locales_dir.is_dir():
            found.update(catalog_locales(locales_dir))
    return tuple(sorted(found))


# A locale as written with a language, and at most a script and a region, each in its usual
# case and with one kind of separator (en, pt-BR, pt_BR, zh-Hant-TW): worked out once and
# kept. Anything else (a variant, a private-use subtag, or any of the thousand spellings of
# pt-Latn-BR) can say what a request wants, so it is worked out every time and never kept.
_PLAIN_TAG = re.compile(r"[a-z]{2,3}(?:[-_][A-Z][a-z]{3})?(?:[-_](?:[A-Z]{2}|[0-9]{3}))?")


def is_plain_tag(requested: str) -> bool:
    """Whether a locale as written is a plain tag, which caches may keep (_PLAIN_TAG)."""
    return _PLAIN_TAG.fullmatch(requested) is not None and not (
        "-" in requested and "_" in requested
    )


T = TypeVar("T")


def _kept_for_plain_tags(function: Callable[[str], T]) -> Callable[[str], T]:
    """``function`` of a locale as written, kept for plain tags only (is_plain_tag)."""
    kept = functools.lru_cache(maxsize=256)(function)

    @functools.wraps(function)
    def lookup(requested: str) -> T:
        return kept(requested) if is_plain_tag(requested) else function(requested)

    return lookup


@_kept_for_plain_tags
def parse_requested(requested: str) -> Locale:
    """Babel's locale for an identifier as users write it (``pt-BR``, ``pt_BR``, ``en-gb``).

    Raises LocaleNotAvailableError for anything that is not a locale Babel knows.
    """
    if not LOCALE_SHAPE.fullmatch(requested) or _UNDETERMINED.match(requested):
        raise LocaleNotAvailableError(requested)
    subtags = requested.replace("-", "_").split("_")
    # Babel has no data for some locales with a script (ru_Cyrl): read without it, the
    # script still chooses the catalog (candidate_catalogs).
    without_script = [subtags[0], *(tag for tag in subtags[1:] if len(tag) != 4)]
    for identifier in dict.fromkeys(["_".join(subtags), "_".join(without_script)]):
        try:
            return Locale.parse(identifier)
        except (ValueError, UnknownLocaleError):
            continue
    raise LocaleNotAvailableError(requested)


# "und" is BCP 47's "undetermined language": Babel's likely subtags would make it English (or,
# with a script, Russian or Arabic), a guess no consent form should rest on.
_UNDETERMINED = re.compile(r"und(?:[_-]|$)", re.IGNORECASE)


def negotiate(requested: str, available: Sequence[str]) -> str:
    """The available locale serving ``requested`` (``en-US`` -> ``en``).

    Raises LocaleNotAvailableError if none does.
    """
    for candidate in candidate_catalogs(requested):
        if candidate in available:
            return candidate
    raise LocaleNotAvailableError(requested)


@_kept_for_plain_tags
def candidate_catalogs(requested: str) -> tuple[str, ...]:
    """:func:`fallbacks` for a locale as written: worked out once, since every render
    negotiates its locale (raises LocaleNotAvailableError if it is not one). A script the
    request names is the one it asks for, even where Babel reads it otherwise (it parses
    zh-Hant-CN as zh_Hans_CN, and ru-Latn as ru)."""
    return tuple(fallbacks(parse_requested(requested), _named_script(requested)))


@_kept_for_plain_tags
def formatting_locale(requested: str) -> Locale | None:
    """The locale dates, lists and the layout follow for a request: Babel's reading of it, or
    None where Babel reads another script than the one it names (uz-Cyrl-AF as uz_Arab_AF):
    the catalog's own locale then stands in, rather than a right-to-left Arabic-script layout
    and dates around a Cyrillic form."""
    locale = parse_requested(requested)
    named = _named_script(requested)
    return None if named and writing_script(locale) != named else locale


def _named_script(requested: str) -> str | None:
    """The script subtag written in a locale identifier (``Hant`` in ``zh-Hant-TW``)."""
    for subtag in re.split("[-_]", requested)[1:]:
        if len(subtag) == 4 and subtag.isalpha():
            return subtag.title()
    return None


def fallbacks(locale: Locale, script: str | None = None) -> Iterable[str]:
    """The catalog names a request for ``locale`` (in ``script``, if given: else the one it
    is written in) is served from, in order of preference.

    Only catalogs written in the request's script serve it: a ``zh`` catalog (Simplified
    Chinese, by CLDR's likely subtags) does not serve ``zh-TW`` or ``zh-Hant`` (Traditional),
    nor does ``sr`` (Cyrillic) serve ``sr-Latn`` or ``sr-ME`` (Latin).
    """
    script = script or writing_script(locale)
    seen: set[str] = set()
    for candidate in _candidates(locale, script):
        if candidate in seen:
            continue
        seen.add(candidate)
        try:
            written_in = writing_script(parse_requested(candidate))
        except LocaleNotAvailableError:  # a combination Babel has no data for (az_TR)
            continue
        if written_in == script:
            yield candidate


def _candidates(locale: Locale, script: str | None) -> Iterator[str]:
    yield str(locale)
    if locale.territory:
        yield f"{locale.language}_{locale.territory}"
    if script:
        yield f"{locale.language}_{script}"
    yield locale.language
    # A request without a region served by a regional catalog: "pt" by pt_BR, as CLDR's
    # likely subtags say (pt -> pt_Latn_BR), "zh-Hant" by zh_TW. A different region ("pt-PT")
    # is not served by pt_BR.
    if not locale.territory:
        territory = _likely_territory(locale.language, script)
        if territory:
            yield f"{locale.language}_{territory}"


@functools.lru_cache(maxsize=256)
def writing_script(locale: Locale) -> str | None:
    """The script ``locale`` is written in: the one it names (Babel names the script a region
    implies: zh_TW is zh_Hant_TW), else its language's most likely one (zh: Hans, sr: Cyrl)."""
    if locale.script:
        return locale.script
    # Read from the likely subtags themselves ("ru_Cyrl_RU"): Babel's parse of them drops a
    # script it has no data for (ru_Cyrl_RU is ru_RU to it).
    likely = get_global("likely_subtags").get(locale.language, "")
    return _named_script(likely)


# A placeholder and its conversion: a translation must keep both (%(clinic)d for %(clinic)s
# fails when the form is rendered, as msgfmt --check-format says).
_NAMED_PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]")
# Every message is %-formatted when rendered (Jinja2's newstyle gettext), so a lone % breaks it.
_FORMAT_OR_PERCENT = re.compile(r"%\(\w+\)[sdif]|%%")


_SINGLE_NUMBER_RULE = re.compile(r"n (?:in|=) \d+")
_PLURAL_TAGS = ("zero", "one", "two", "few", "many", "other")


@functools.lru_cache(maxsize=64)
def single_number_forms(locale: Locale, forms: int) -> frozenset[int]:
    """The plural forms (gettext indexes) that only ever stand for one number, by CLDR's rules,
    in a catalog of ``locale`` with ``forms`` plural forms: Arabic's forms for 0, 1 and 2
    ("جلستان" is "two sessions"). Only these may leave out the number; the English-like "one"
    form also serves 21 in Russian and 0 in French. None where the catalog's forms are not
    CLDR's categories (a Turkish catalog with one form, written before Babel 2.19 gave
    Turkish two: its one form serves every number)."""
    rule = locale.plural_form
    tags = [tag for tag in _PLURAL_TAGS if tag in rule.tags or tag == "other"]
    if len(tags) != forms:
        return frozenset()
    return frozenset(
        index
        for index, tag in enumerate(tags)
        if _SINGLE_NUMBER_RULE.fullmatch(rule.rules.get(tag, ""))
    )


def _placeholder_problems(po: BabelCatalog, locale: Locale) -> Iterator[str]:
    """Translations must keep the placeholders of their message (msgfmt --check-format):
    a translation of "contact %(clinic)s at %(phone)s" that drops them would tell the patient
    to call no one."""
    exempt = single_number_forms(locale, po.num_plurals)
    for message, sources, targets in _translations(po):
        expected = set().union(*(_NAMED_PLACEHOLDER.findall(source) for source in sources))
        plural = len(sources) > 1
        for index, target in enumerate(targets):
            if not target:
                continue
            if "%" in _FORMAT_OR_PERCENT.sub("", target):
                yield (
                    f"the translation of {sources[0][:60]!r}{_at(message)} has a lone %: write "
                    "a percent sign as %%, and a placeholder by its name, as in the English "
                    "(%(name)s, never %s)"
                )
                continue
            found = set(_NAMED_PLACEHOLDER.findall(target))
            # Every plural form keeps the count too: in Russian the "singular" form also
            # serves 21, 31, ..., so "a session" there would misstate the number. A form that
            # stands for a single number may state it in words instead.
            may_omit = plural and index in exempt and found <= expected
            if found != expected and not may_omit:
                where = f" (context {message.context})" if message.context else ""
                # Poedit and Weblate show plural forms as tabs or fields numbered from 0.
                form = f", plural form {index} (msgstr[{index}])," if plural else ""
                yield (
                    f"the translation of {sources[0][:60]!r}{where}{_at(message)}{form} has "
                    f"placeholders {sorted(found)}, expected {sorted(expected)}"
                )


def _line_break_problems(po: BabelCatalog) -> Iterator[str]:
    """A translation begins and ends with a line break where its message does, and only
    there, as ``msgfmt -c`` requires (it refuses the file otherwise): a catalog that passes
    this check must pass the standard tools too."""
    for message, sources, targets in _translations(po):
        for index, target in enumerate(targets):
            if not target:
                continue
            for where, has in (("begin", str.startswith), ("end", str.endswith)):
                if has(sources[min(index, len(sources) - 1)], "\n") != has(target, "\n"):
                    form = f", plural form {index} (msgstr[{index}])," if len(sources) > 1 else ""
                    yield (
                        f"the translation of {sources[0][:60]!r}{_at(message)}{form} must {where} "
                        "with a line break (\\n) exactly where the English does, or not at all "
                        "(msgfmt -c refuses it)"
                    )


def _direction_problems(po: BabelCatalog) -> Iterator[str]:
    """Translations may not hold bidirectional embeddings, overrides or isolates (as request
    text may not): a right-to-left override in a French disclosure printed the rest of it
    backwards, and the words still matched. mesoconsent isolates right-to-left text itself."""
    for message, sources, targets in _translations(po):
        for target in targets:
            found = REORDERING.search(target) if target else None
            if found is not None:
                yield (
                    f"the translation of {sources[0][:60]!r}{_at(message)} holds "
                    f"U+{ord(found.group()):04X}, a bidirectional control that would print the "
                    "text after it in another order: remove it (right-to-left text is isolated "
                    "when the form is written)"
                )
                break


def _translations(
    po: BabelCatalog,
) -> Iterator[tuple[Message, tuple[str, ...], tuple[str | None, ...]]]:
    """Each message that has translations to check (not the header, not fuzzy), with its
    English forms and its translated forms (one each, or one per plural form; a form not
    translated is empty or None)."""
    for message in po:
        if not message.id or message.fuzzy:
            continue
        yield message, *_forms(message)


def _forms(message: Message) -> tuple[tuple[str, ...], tuple[str | None, ...]]:
    """A message's English forms and its translated forms: one each, or one per plural
    form (a form not translated is empty or None)."""
    sources = message.id if isinstance(message.id, tuple | list) else (message.id,)
    targets = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return tuple(sources), tuple(targets)


def _at(message: Message) -> str:
    """Where a message is in its file, for a translator to find it: its msgid's line."""
    return f" (line {message.lineno})" if message.lineno else ""


_REVIEW_LINE = re.compile(r"#?\s*(Review-State|Reviewed-By|Reviewed-Revision):[ \t]*(.*?)\s*")
# pybabel update wraps the header comment's lines at 76 characters, going on in lines of their
# own that start with "# ".
_WRAPPED_AT = 76
# A header comment line that starts a note of its own: a name and a colon.
_HEADER_NOTE = re.compile(r"#\s*[A-Z][\w -]{0,40}:(?:\s|$)")


def _review_lines(header_comment: str) -> list[tuple[str, str]]:
    """The review record's lines, (name, value), a value wrapped over several lines (a long
    Reviewed-By, with the e-mail address and date it asks for) joined again."""
    # Split as the file's lines are: splitlines would also split at a control character a
    # comment may hold, and make a line of the record out of the middle of another.
    lines = _po_lines(header_comment)
    found = []
    for position, line in enumerate(lines):
        match = _REVIEW_LINE.fullmatch(line)
        if match is None:
            continue
        name, value = match.groups()
        for after in lines[position + 1 :] if name == "Reviewed-By" else ():
            # A line goes on in the next one only if that one's first word did not fit in it
            # (else pybabel would have put the word on it), and the next one is not a line of
            # its own ("Terminology: ...", "Form of address: ...").
            words = after.removeprefix("# ").split()
            if not value or not after.startswith("# ") or not words:
                break
            if len(line) + 1 + len(words[0]) <= _WRAPPED_AT or _HEADER_NOTE.match(after):
                break
            value = f"{value} {' '.join(words)}"
            line = after
        found.append((name, value))
    return found


def _review(po: BabelCatalog) -> Review:
    """The review record in the catalog's header comment (which ``pybabel update`` keeps)."""
    lines = _review_lines(po.header_comment or "")
    repeated = sorted(name for name, times in Counter(n for n, _ in lines).items() if times > 1)
    if repeated:
        # "draft" added above an old "reviewed" record: which one holds is anyone's guess.
        raise ValueError(f"{' and '.join(repeated)} appear more than once; keep one of each")
    fields = dict(lines)
    state = fields.get("Review-State", "draft") or "draft"
    reviewer = fields.get("Reviewed-By", "")
    if state == "draft":
        return Review("draft")
    if state != "reviewed":
        raise ValueError(f"Review-State must be draft or reviewed, not {state!r}")
    if not reviewer:
        raise ValueError("Review-State: reviewed needs a Reviewed-By line naming the reviewer")
    return Review("reviewed", reviewer, fields.get("Reviewed-Revision", ""))


@functools.lru_cache(maxsize=64)
def _plural_rules(locale: Locale) -> tuple[tuple[int, Callable[[int], int], str], ...]:
    """The gettext plural rules a catalog of ``locale`` may follow, (nplurals, the formula,
    the header): Babel's table's, and CLDR's where its formula reads as gettext's (CLDR's rules
    for French and Portuguese also speak of numbers in compact notation, which gettext's
    cannot)."""
    from babel.messages.plurals import get_plural

    table = get_plural(locale)
    rules = [(table.num_plurals, gettext.c2py(table.plural_expr), table.plural_forms)]
    earlier = EARLIER_PLURALS.get(str(locale)) or EARLIER_PLURALS.get(locale.language)
    # With Babel 2.18 or earlier installed, the earlier entry is the table's own.
    if earlier is not None and earlier != (table.num_plurals, table.plural_expr):
        count, formula = earlier
        rules.append((count, gettext.c2py(formula), f"nplurals={count}; plural={formula};"))
    cldr = to_gettext(locale.plural_form)
    found = re.fullmatch(r"nplurals=(\d+); plural=(.*);", cldr)
    if found is not None:
        with contextlib.suppress(ValueError, SyntaxError):
            rules.append((int(found.group(1)), gettext.c2py(found.group(2)), cldr))
    return tuple(rules)


def _plural_counts(locale: Locale) -> set[int]:
    return {rule[0] for rule in _plural_rules(locale)}


# The counts the Plural-Forms formulas are compared on: gettext's rules look at n itself and
# at n modulo 10, 100 and 1000 (a cheap check, done once per catalog).
_PLURAL_SAMPLES: tuple[int, ...] = (
    *range(201),
    1000,
    1001,
    1002,
    1011,
    1021,
    1100,
    1101,
    100000,
    1000000,
)


def _first_grouped_otherwise(
    picks: Callable[[int], int], right: Callable[[int], int]
) -> int | None:
    """The first count at which two plural formulas group counts differently, or None. Only
    the groups matter: the catalog's own formula picks its own forms at run time, so forms
    numbered in another order (as the GNU gettext manual and Babel do for Arabic) are fine."""
    forward: dict[int, int] = {}
    backward: dict[int, int] = {}
    for n in _PLURAL_SAMPLES:
        mine, theirs = picks(n), right(n)
        if forward.setdefault(mine, theirs) != theirs or backward.setdefault(theirs, mine) != mine:
            return n
    return None


def _plural_problems(po: BabelCatalog, locale: Locale) -> Iterator[str]:
    """The catalog's plural forms must be the locale's (the Plural-Forms header picks the form
    at run time), and every plural message must give each of them. The locale's are those of
    Babel's gettext table or, where they differ, those CLDR's rules give (msginit, Poedit and
    Weblate write Turkish and Hungarian with two forms, as CLDR does; Babel's table, one)."""
    header = _plural_header_problem(po, locale)
    if header is not None:
        yield header
        return
    expected = po.num_plurals
    for message in po:
        if message.pluralizable and message.string and any(message.string):
            forms = [form for form in message.string if form]
            if len(message.string) != expected or len(forms) != expected:
                yield (
                    f"the translation of {message.id[0][:60]!r}{_at(message)} has "
                    f"{len(forms)} plural form(s); {locale} needs {expected}"
                )


def _plural_header_problem(po: BabelCatalog, locale: Locale) -> str | None:
    """What is wrong with the catalog's Plural-Forms header for ``locale``, if anything."""
    rules = _plural_rules(locale)
    same_number = [rule for rule in rules if rule[0] == po.num_plurals]
    wanted = _header_wanted(rules, po.num_plurals)
    if not same_number:
        return _wrong_count(po.num_plurals, locale)
    # The right number of forms, but a formula from another language (French's n > 1 where
    # Russian needs its three-way rule) picks the wrong form for some counts.
    try:
        picks = gettext.c2py(po.plural_expr)
        wrong = [_first_grouped_otherwise(picks, right) for _, right, _ in same_number]
    except (ValueError, SyntaxError):
        return f"its Plural-Forms formula cannot be read ({wanted})"
    except _FORMULA_FAILURES:  # it reads, but fails for some counts (n % 0)
        return f"its Plural-Forms formula fails for some counts ({wanted})"
    if None not in wrong:
        return (
            f"its Plural-Forms formula does not group the counts as {locale}'s rules do "
            f"(first at {min(n for n in wrong if n is not None)}; {wanted})"
        )
    return None


# What a formula gettext reads may still raise for some count (a division by zero, say).
_FORMULA_FAILURES = (ArithmeticError, TypeError, IndexError, RecursionError)


def _forms_picked(po: BabelCatalog) -> int | None:
    """How many forms the catalog's plural formula picks from (one more than the largest form
    it picks for the counts a check tries), or None if it cannot be read or fails."""
    try:
        picks = gettext.c2py(po.plural_expr)
        return max(picks(n) for n in _PLURAL_SAMPLES) + 1
    except (ValueError, SyntaxError, *_FORMULA_FAILURES):
        return None


def _trim_plural_forms(po: BabelCatalog, forms: int) -> None:
    """Keep the first ``forms`` forms of each plural message (for a listing only)."""
    for message in po:
        if message.pluralizable and isinstance(message.string, tuple | list):
            message.string = tuple(message.string[:forms])


def _header_wanted(rules: Sequence[tuple[int, Callable[[int], int], str]], forms: int) -> str:
    """One Plural-Forms header to paste in: of ``rules`` (Babel's table first, then the
    earlier table's and CLDR's, which a catalog may also follow), the first giving ``forms``
    forms, so that the translations keep their number of forms; else the table's. One, since
    a translator cannot choose among formulas (CLDR's, as Babel writes it, runs to 400
    characters), and the others are accepted all the same."""
    header = next((rule[2] for rule in rules if rule[0] == forms), rules[0][2])
    return f"use Plural-Forms: {header}"


def _wrong_count(nplurals: int, locale: Locale) -> str:
    """A Plural-Forms header giving ``nplurals`` forms, where ``locale`` has others."""
    counts = " or ".join(str(count) for count in sorted(_plural_counts(locale)))
    return (
        f"its Plural-Forms header has nplurals={nplurals}, but {locale} has {counts} plural "
        f"forms ({_header_wanted(_plural_rules(locale), nplurals)})"
    )


def _surplus_plural_forms(text: str) -> tuple[int, list[tuple[int, int]], str]:
    """The header's nplurals (0 if it has none it can read), the forms beyond it in live
    entries, ``(line, form number)``, and the text with every form beyond it blanked (a
    comment line in its place, so that line numbers stay), live or obsolete.

    Babel refuses a file with such a form, naming the line of the entry after it (and does
    so for an obsolete entry too, which msgfmt ignores): the translator needs the form's own
    line, and the rest of the file checked as well. Lines are counted as Babel counts them,
    at each "\n". CatalogError if the header gives more forms than any language has (Babel
    would make room for that many in every plural message)."""
    header = _NPLURALS.search(text)
    if header is None:
        return 0, [], text
    nplurals = int(header.group(1))
    if nplurals > _MOST_PLURAL_FORMS:
        raise CatalogError(
            f"its Plural-Forms header has nplurals={nplurals}; no language has more than "
            f"{_MOST_PLURAL_FORMS} plural forms"
        )
    lines = text.split("\n")
    surplus: list[tuple[int, int]] = []
    blanking = changed = False
    for index, line in enumerate(lines):
        form = _PLURAL_FORM.match(line)
        if form is not None:
            blanking = int(form.group(2)) >= nplurals
            if blanking and not form.group(1):
                surplus.append((index + 1, int(form.group(2))))
        elif not (blanking and _CONTINUED.match(line)):
            blanking = False
        if blanking:
            lines[index] = "#"
            changed = True
    return nplurals, surplus, "\n".join(lines) if changed else text


# Arabic's six: no language gettext or CLDR know has more.
_MOST_PLURAL_FORMS = 6
_NPLURALS = re.compile(r'^"Plural-Forms:[^"\n]*?nplurals[ \t]*=[ \t]*(\d+)', re.MULTILINE)
# A msgstr[N] line, live or obsolete (group 1: "#~"), and a string continuing one.
_PLURAL_FORM = re.compile(r"[ \t]*(#~)?[ \t]*msgstr\[(\d+)\]")
_CONTINUED = re.compile(r'[ \t]*(?:#~[ \t]*)?"')


def _key(message: Message) -> MessageKey:
    msgid = message.id
    return (message.context, msgid[0] if isinstance(msgid, tuple | list) else msgid)


def _is_copied(message: Message) -> bool:
    """The English text given as the translation, also with other spacing or characters that
    show nothing (a zero-width space, a soft hyphen, a directional mark): the reader sees the
    English."""
    sources, forms = _forms(message)
    if not forms or not all(isinstance(form, str) and form for form in forms):
        return False
    # A plural message: every form one of the English forms (Poedit copies msgid into the
    # first, msgid_plural into the rest).
    english = {_as_seen(str(source)) for source in sources}
    return all(_as_seen(str(form)) in english for form in forms)


def _says_nothing(message: Message) -> bool:
    """A translation in which a form says nothing (spaces, punctuation, characters that show
    nothing, and no placeholder) of English that says something."""
    sources, forms = _forms(message)
    return Wording.parse(sources[0]).says_anything and not all(
        Wording.parse(str(form)).says_anything for form in forms
    )


def _counts_as_copied(message: Message) -> bool:
    """A message whose English given as its translation leaves it in English: a disclosure
    or a health question (a message with a context), a plural message (a count and what it
    counts), or text of three words or more. A
    shorter one may well be the same word in the language ("Question", "Date" and "Signature"
    in French, "No" in Spanish), and is left alone."""
    if not _is_copied(message):
        return False
    if message.context:
        return True
    sources = _forms(message)[0]
    plural = len(sources) > 1
    english = _NAMED_PLACEHOLDER.sub(" ", sources[0])
    words = sum(any(char.isalpha() for char in word) for word in english.split())
    # A plural message counts things ("every %(num)s weeks"): its forms the English ones in
    # another language leave the English noun.
    return words >= (1 if plural else 3)


def _as_seen(text: str) -> str:
    """``text`` as a reader sees it, to compare: white space normalised, and the format
    characters, which show nothing, left out."""
    if not text.isascii():
        text = "".join(char for char in text if unicodedata.category(char) != "Cf")
    return normalize_space(text)


def _is_translated(message: Message) -> bool:
    forms = _forms(message)[1]
    return bool(forms) and all(forms) and not message.fuzzy


# Every line of a .po file that is not blank or a comment: a keyword and a complete quoted
# string, or a complete quoted string continuing the previous one.
_PO_LINE = re.compile(
    r'[ \t]*(?:(?:msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)[ \t]+)?"(?:[^"\\]|\\.)*"[ \t]*'
)


_KEYWORD = re.compile(r'[ \t]*(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)[ \t]+(".*")')
_CONTINUATION = re.compile(r'[ \t]*(".*")')


def _repeated_messages(lines: list[str]) -> list[str]:
    """The (msgctxt, msgid) pairs the file gives more than once, each described with the lines
    of its msgids, for a message. Runs on lines _malformed_lines has passed: every line is a
    comment, blank, a keyword with its string, or a string continuing the previous one."""
    first: dict[tuple[str, str], int] = {}
    repeated: dict[tuple[str, str], list[int]] = {}
    context, msgid, reading, msgid_line = "", "", "", 0
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        keyword = _KEYWORD.fullmatch(line)
        if keyword is not None:
            name, string = keyword.groups()
            if name == "msgctxt":
                context, reading = string[1:-1], name
            elif name == "msgid":
                msgid, reading, msgid_line = string[1:-1], name, number
            else:  # the message's key is complete
                if reading in ("msgid", "msgctxt") or name == "msgid_plural":
                    key = (context, msgid)
                    if key in first and msgid:
                        repeated.setdefault(key, [first[key]]).append(msgid_line)
                    first.setdefault(key, msgid_line)
                    context = ""
                reading = name
            continue
        continuation = _CONTINUATION.fullmatch(line)
        if continuation is not None:
            if reading == "msgctxt":
                context += continuation.group(1)[1:-1]
            elif reading == "msgid":
                msgid += continuation.group(1)[1:-1]
    return [
        f"msgid {shortened(msgid)!r}{f' (msgctxt {context!r})' if context else ''} at lines "
        f"{', '.join(map(str, numbers[:-1]))} and {numbers[-1]}"
        for (context, msgid), numbers in repeated.items()
    ]


def shortened(text: str, width: int = 60) -> str:
    """``text`` cut to ``width`` characters, the last an ellipsis, for a listing."""
    return text if len(text) <= width else text[: width - 1] + "…"


def _listed(places: list[str], most: int = 5) -> str:
    """Up to ``most`` places in a file, and how many more there are."""
    more = f" and {len(places) - most} more" if len(places) > most else ""
    return ", ".join(places[:most]) + more


def _first_few(problems: list[str], most: int = 5) -> str:
    """Up to ``most`` problems, and how many more there are: a file pasted into itself gives
    a problem per message."""
    more = f"; and {len(problems) - most} more" if len(problems) > most else ""
    return "; ".join(problems[:most]) + more


def _po_lines(text: str) -> list[str]:
    """The lines of a .po file as Babel numbers them (and msgfmt): each ends at a "\n", a
    "\r" before it being part of the line's end. (str.splitlines also ends lines at form
    feeds, U+2028 and others, and would number the lines after one wrongly.)"""
    return [line.removesuffix("\r") for line in text.split("\n")]


# Characters no string of a catalog may hold: C0 controls but the tab, DEL and C1 controls.
# They print as nothing, or make a DOCX Word will not open (XML forbids most of them). (msgfmt
# takes them; comments, obsolete entries included, may hold them: nothing prints them.)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _control_characters(lines: list[str]) -> list[tuple[int, str]]:
    """(line, the character) for the first control character of each line that has one, in
    strings and in flag lines ("#, fuzzy": one there would hide the flag from the reader,
    and msgfmt, and a fuzzy translation would be taken for a finished one)."""
    return [
        (number, found.group())
        for number, line in enumerate(lines, start=1)
        if (not line.lstrip().startswith("#") or line.lstrip().startswith("#,"))
        and (found := _CONTROL.search(line)) is not None
    ]


def _bare_carriage_returns(lines: list[str]) -> list[int]:
    """Lines holding a carriage return not followed by a line feed: ends of lines as classic
    Mac OS wrote them, which Babel does not read as ends (such a file reads as one comment
    line: no translations at all), or a stray one."""
    return [number for number, line in enumerate(lines, start=1) if "\r" in line]


def _unknown_escapes(lines: list[str]) -> list[int]:
    """Lines whose strings hold an escape Babel does not read (it keeps \\q as a backslash
    and a q) and msgfmt refuses or reads otherwise (\\a, \\x41)."""
    return [
        number
        for number, line in enumerate(lines, start=1)
        if "\\" in line
        and not line.lstrip().startswith("#")
        and any(escape not in _KNOWN_ESCAPES for escape in _ESCAPE.findall(line))
    ]


_ESCAPE = re.compile(r"\\.")
_KNOWN_ESCAPES = frozenset(("\\\\", '\\"', "\\n", "\\t", "\\r"))
_PLURAL_MESSAGE = re.compile(r"^[ \t]*msgid_plural\b", re.MULTILINE)
_PLURAL_FORMS_HEADER = re.compile(r'^"Plural-Forms:', re.MULTILINE)


def _malformed_lines(lines: list[str]) -> list[int]:
    """Line numbers that are not valid .po syntax. Babel reads some of them without a word (an
    unterminated string loses its last character); msgfmt refuses them, and so do we."""
    return [
        number
        for number, line in enumerate(lines, start=1)
        if line.strip() and not line.lstrip().startswith("#") and not _PO_LINE.fullmatch(line)
    ]


def _revision(translated: Sequence[Message]) -> str:
    digest = hashlib.sha256()
    for message in sorted(translated, key=lambda m: (m.context or "", str(m.id))):
        digest.update(repr((message.context, message.id, message.string)).encode())
    return digest.hexdigest()[:12]


def check_folder_name(path: Path, locale: str) -> None:
    """A catalog's folder is its locale, as gettext names them (``pt_BR``, ``zh_TW``): one
    named otherwise (``pt-BR``, ``FR``) would never be chosen for the locale it means, since a
    request looks for the names :func:`negotiate` tries."""
    try:
        named = gettext_name(locale)
    except LocaleNotAvailableError:
        raise CatalogError(
            f"{path}: its folder {locale!r} is not a locale identifier Babel knows "
            "(language, then region, as in fr or pt_BR)"
        ) from None
    if named is not None:
        advice = rename_advice(path, locale, named) or (
            f"must be named {named!r}, as gettext names locales, or it is never used for that "
            "locale"
        )
        raise CatalogError(f"{path}: its folder {locale!r} {advice}")


def rename_advice(path: Path, folder: str, named: str) -> str | None:
    """For the catalog ``path`` in a folder called ``folder``, which gettext names ``named``:
    if a folder of that name beside it already holds a catalog (so renaming would collide),
    what to do instead; else None (rename it)."""
    folder_of_folders = path.parents[2]
    well_named = catalog_path(folder_of_folders, named)
    # By the exact name, and not the same file: on a file system that ignores case (macOS's
    # and Windows's by default), pt_BR opens pt_br's catalog, which must not be removed.
    try:
        beside = named in os.listdir(folder_of_folders) and not os.path.samefile(path, well_named)
    except OSError:  # gone, or never there
        beside = False
    if not beside:
        return None
    return (
        f"is never used for its locale (gettext names it {named!r}), and {well_named} "
        f"already holds that locale's catalog: remove the folder {folder!r}, after moving into "
        "that catalog any translation only it has"
    )


def gettext_name(folder: str) -> str | None:
    """The name a catalog folder called ``folder`` should have, if a request for the locale
    it means would never look for it (``pt_BR`` for ``pt-BR``); None if it is named well.
    Raises LocaleNotAvailableError if it names no locale."""
    if "@" in folder:  # sr@latin: GNU's name for sr_Latn, which requests look for
        gnu = _gnu_locale(folder)
        if gnu is None:
            raise LocaleNotAvailableError(folder)
        return "_".join(part for part in (gnu.language, gnu.script, gnu.territory) if part)
    parsed = parse_requested(folder)
    if folder in fallbacks(parsed):
        return None
    # A script the folder names is part of the name (sr_Latn): without it, the catalog would
    # serve requests in the language's other script.
    script = parsed.script if _named_script(folder) else None
    return "_".join(part for part in (parsed.language, script, parsed.territory) if part)


def misnamed_folders(locale_dirs: Iterable[Path]) -> dict[str, tuple[Path, str]]:
    """Catalog folders named otherwise than gettext names the locale they mean: for that
    locale, the catalog's path and its folder's name (the first such folder found)."""
    found: dict[str, tuple[Path, str]] = {}
    for locales_dir in locale_dirs:
        if not locales_dir.is_dir():
            continue
        for child in sorted(locales_dir.iterdir()):
            path = catalog_path(locales_dir, child.name)
            if not path.is_file():
                continue
            try:
                named = gettext_name(child.name)
            except LocaleNotAvailableError:
                continue  # it means no locale: no request can be served from it
            if named is not None:
                found.setdefault(named, (path, child.name))
    return found


def _catalog_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise CatalogError(f"{path}: cannot be read ({type(error).__name__}: {error})") from None


def _surplus_problem(nplurals: int, forms: list[tuple[int, int]], locale: Locale | None) -> str:
    """What to say of plural forms beyond the header's number: the header is wrong if its
    number is not one the language has, else the forms are."""
    where = _listed([f"msgstr[{form}] at line {number}" for number, form in forms])
    if locale is not None and nplurals not in _plural_counts(locale):
        # _plural_problems names the header the language needs.
        return f"its messages give more plural forms than its header's nplurals={nplurals}: {where}"
    allowed = "msgstr[0] only" if nplurals == 1 else f"msgstr[0] to msgstr[{nplurals - 1}]"
    return (
        f"{where}, but its Plural-Forms header has nplurals={nplurals} ({allowed}): remove "
        "the extra form"
    )


def _parse_catalog(path: Path, locale: str, data: bytes) -> tuple[BabelCatalog, Locale, list[str]]:
    """Parse the bytes of the ``.po`` file ``path``; CatalogError if they cannot be read. The
    problems found while reading that do not stop it (plural forms beyond the header's
    number, which are left out) come third."""
    from babel.messages.plurals import get_plural
    from babel.messages.pofile import PoFileError, read_po

    try:
        # A byte-order mark (Windows Notepad writes one) is not part of the .po syntax.
        data = data.removeprefix(b"\xef\xbb\xbf")
        text = data.decode("utf-8")
        file_lines = _po_lines(text)
        returns = _bare_carriage_returns(file_lines)
        if returns:
            raise CatalogError(
                f"{path}: a carriage return (U+000D) without a line feed after it at line(s) "
                f"{_listed([str(number) for number in returns])}: save the file with LF or "
                "CRLF line endings (a file whose lines all end so, as classic Mac OS wrote "
                "them, is line 1)"
            )
        controls = _control_characters(file_lines)
        if controls:
            where = _listed([f"{number} (U+{ord(char):04X})" for number, char in controls])
            raise CatalogError(
                f"{path}: a control character in a string or a flag line at line(s) {where}: "
                "it would print as nothing, make a form Word cannot open, or hide a flag; "
                "remove it"
            )
        malformed = _malformed_lines(file_lines)
        if malformed:
            lines = _listed([str(number) for number in malformed])
            raise CatalogError(
                f"{path}: not valid .po syntax at line(s) {lines} (an unterminated string, or a "
                "line that is neither a comment nor a quoted string)"
            )
        # Babel decodes by the header's charset: a UTF-8 file whose header says ISO-8859-1
        # (copied from an old project) would print every accented letter garbled, and pass.
        charset = _CHARSET.search(text)
        if charset is not None and charset.group(1).lower().replace("_", "-") not in _UTF8:
            raise CatalogError(
                f"{path}: its Content-Type header says charset={charset.group(1)}; catalogs "
                "must be UTF-8 (charset=UTF-8), in the file and in the header"
            )
        escapes = _unknown_escapes(file_lines)
        if escapes:
            lines = _listed([str(number) for number in escapes])
            raise CatalogError(
                f"{path}: an unknown escape (a backslash before a letter other than n, t or "
                f"r) at line(s) {lines}; msgfmt refuses it and it would print as it is: write "
                "a backslash as \\\\"
            )
        language = _language_problem(text, locale)
        if language is not None:
            raise CatalogError(f"{path}: {language}")
        if _PLURAL_MESSAGE.search(text) and not _PLURAL_FORMS_HEADER.search(text):
            raise CatalogError(
                f"{path}: it has plural messages but no Plural-Forms header (msgfmt refuses "
                f"it): add the one for {locale} (Plural-Forms: {get_plural(locale).plural_forms})"
            )
        try:
            nplurals, forms, text = _surplus_plural_forms(text)
        except CatalogError as error:
            raise CatalogError(f"{path}: {error}") from None
        problems = []
        if forms:
            problems.append(_surplus_problem(nplurals, forms, _gnu_locale(locale)))
        # (Split again: forms beyond the header's number were blanked out of the text.)
        repeated = _repeated_messages(_po_lines(text) if forms else file_lines)
        if repeated:
            # Babel keeps one of them without a word; msgfmt refuses the file. A softened copy
            # of a disclosure above the real one must not be what a form prints.
            raise CatalogError(
                f"{path}: a message is given more than once (msgfmt: duplicate message "
                f"definition): {_first_few(repeated)}; keep one entry for each msgctxt and msgid"
            )
        # The previous text of an obsolete entry ("#~| msgid ...", as msgmerge --previous
        # writes it) is a comment Babel cannot read (python-babel/babel#566): read as a
        # translator's comment, on the same line, it is ignored with the entry.
        text = _OBSOLETE_DETAIL.sub(r"\1# ~", text)
        po = read_po(io.StringIO(text), locale=locale, domain=DOMAIN, abort_invalid=True)
        return po, Locale.parse(locale), problems
    except UnicodeDecodeError:
        raise CatalogError(
            f"{path}: is not UTF-8 text; save it as UTF-8, with charset=UTF-8 in its header"
        ) from None
    except (OSError, ValueError, UnknownLocaleError, PoFileError) as error:
        raise CatalogError(f"{path}: cannot be read ({type(error).__name__}: {error})") from None


_CHARSET = re.compile(
    r'^"Content-Type:[^"\n]*charset=([A-Za-z0-9_.:-]+)', re.MULTILINE | re.IGNORECASE
)
_UTF8 = ("utf-8", "utf8")
_OBSOLETE_DETAIL = re.compile(r"^([ \t]*)#~(?=[|:,.])", re.MULTILINE)
_LANGUAGE = re.compile(r'^"Language:[ \t]*([A-Za-z0-9_@-]*)', re.MULTILINE)


def _language_problem(data: str, locale: str) -> str | None:
    """A catalog whose Language header names another language than its folder (a German
    catalog copied into fr/) would print a "French" form in German; one in another script
    (Latin Serbian in sr/, which serves Cyrillic requests), a form the patient cannot read."""
    found = _LANGUAGE.search(data)
    if found is None or not found.group(1):
        return None
    header = found.group(1)
    language = header.replace("-", "_").split("_")[0].split("@")[0].lower()
    if language != locale.replace("-", "_").split("_")[0].lower():
        return (
            f"its Language header is {header!r}, but it is the catalog of {locale!r} "
            "(the folder it is in)"
        )
    said, meant = _gnu_locale(header), _gnu_locale(locale)
    if said is None and "@" in header:
        return (
            f"its Language header {header!r} names a variant mesoconsent cannot read (the "
            f"modifiers it reads: {', '.join('@' + m for m in _SCRIPT_MODIFIERS)}); name the "
            f"language as the folder does ({locale})"
        )
    if said is not None and meant is not None:
        said_script, meant_script = writing_script(said), writing_script(meant)
        if said_script != meant_script:
            return (
                f"its Language header is {header!r} ({said_script} script), but it is the "
                f"catalog of {locale!r} ({meant_script} script, the folder it is in)"
            )
    return None


# GNU gettext names a script by a modifier: sr@latin is Latin Serbian, uz@cyrillic Cyrillic
# Uzbek (msginit -l sr@latin writes it in the Language header).
_SCRIPT_MODIFIERS = {"latin": "Latn", "cyrillic": "Cyrl", "devanagari": "Deva", "arabic": "Arab"}


def _gnu_locale(name: str) -> Locale | None:
    """The locale a catalog folder or Language header names, also as GNU gettext names one
    in a script (``sr_RS@latin``); None if Babel knows none."""
    base, _, modifier = name.partition("@")
    script = _SCRIPT_MODIFIERS.get(modifier.lower()) if modifier else None
    if modifier and script is None:
        return None
    try:
        locale = parse_requested(base)
    except LocaleNotAvailableError:
        return None
    if script is None:
        return locale
    return Locale(locale.language, territory=locale.territory, script=script)


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
        kept = None if cache is None else _from_cache(cache.get(locale, path, data), locale)
        if kept is not None:
            return kept
        catalog, compiled = _checked_catalog(path, locale, data)
        if cache is not None:
            cache.put(locale, path, data, _cache_entry(catalog, compiled))
        return catalog
    if locale == SOURCE_LOCALE:
        return Catalog(locale, Locale.parse(locale), gettext.NullTranslations())
    raise LocaleNotAvailableError(locale)


def catalog_file(locale: str, locale_dirs: Sequence[Path]) -> Path | None:
    """The file a locale's catalog is read from (the first folder that has one wins); None if
    no folder has one."""
    for locales_dir in locale_dirs:
        path = catalog_path(locales_dir, locale)
        if path.is_file():
            return path
    return None


def _checked_catalog(path: Path, locale: str, data: bytes) -> tuple[Catalog, bytes]:
    """The catalog the ``.po`` file ``path`` (its bytes: ``data``) holds for ``locale``, and
    its messages compiled (``.mo``); CatalogError if it breaks a rule."""
    po, parsed, read = _parse_catalog(path, locale, data)
    problems, review = _problems_and_review(po, parsed, read)
    if problems:
        raise _broken(path, problems)
    return _built_catalog(locale, po, parsed, review)


def listed_catalog(
    path: Path, locale: str
) -> tuple[Catalog, CatalogError | None, dict[MessageKey, int]]:
    """For a translator's listing, from one reading of the file ``path`` as it is now: its
    catalog whatever rules it breaks (never for rendering), the CatalogError that loading it
    would raise (None if it breaks none), and the line of each message's ``msgid`` (obsolete
    entries left out). CatalogError if it cannot be read, or cannot be made into a catalog
    even so."""
    check_folder_name(path, locale)
    data = _catalog_bytes(path)
    po, parsed, read = _parse_catalog(path, locale, data)
    problems, review = _problems_and_review(po, parsed, read)
    if _plural_header_problem(po, parsed) is not None:
        # The header is wrong (a problem already): Babel made room for its number of forms in
        # every plural message, which may be more than its formula picks from (nplurals=3 with
        # French's n > 1), and the room left empty would list each translated message as
        # untranslated. The forms its formula picks from count here (a form it picks, left
        # empty, is still listed).
        picked = _forms_picked(po)
        if picked is None:
            # A formula that cannot be read, or fails for some count (looking a message up
            # runs it): read again with the language's own in its place. Only the header
            # line changes, so the lines stay; the language's fewest forms count.
            po = _parse_catalog(path, locale, _with_own_plural_header(data, po, parsed))[0]
            picked = min(_plural_counts(parsed))
        _trim_plural_forms(po, min(picked, po.num_plurals))
    try:
        catalog = _built_catalog(locale, po, parsed, review)[0]
    except ValueError:  # a header line the substitute did not replace (one split in two)
        raise _broken(path, problems) from None
    lines = {_key(message): message.lineno for message in po if message.id and message.lineno}
    return catalog, _broken(path, problems) if problems else None, lines


def _with_own_plural_header(data: bytes, po: BabelCatalog, locale: Locale) -> bytes:
    """The file's bytes with its Plural-Forms line replaced by ``locale``'s own (of the
    file's number of forms if the language has one such, else of the fewest)."""
    rule = min(_plural_rules(locale), key=lambda r: (r[0] != po.num_plurals, r[0]))
    header = f'"Plural-Forms: {rule[2]}\\n"'  # (a function below: sub would read the \\n)
    return _PLURAL_FORMS_LINE.sub(lambda _: header, data.decode("utf-8")).encode("utf-8")


_PLURAL_FORMS_LINE = re.compile(r'^"Plural-Forms:[^\n]*$', re.MULTILINE)


def _broken(path: Path, problems: list[str]) -> CatalogError:
    return CatalogError(f"{path}: " + "; ".join(problems), problems)


def _problems_and_review(
    po: BabelCatalog, parsed: Locale, read: list[str]
) -> tuple[list[str], Review]:
    """The rules the catalog breaks (with those found reading it, ``read``), and its review
    record (a draft's, if it breaks that)."""
    problems = [
        *read,
        *_placeholder_problems(po, parsed),
        *_plural_problems(po, parsed),
        *_line_break_problems(po),
        *_direction_problems(po),
    ]
    try:
        review = _review(po) if parsed.language != SOURCE_LOCALE else Review("source")
    except ValueError as error:
        problems.append(f"header comment: {error}")
        review = Review("draft")
    return problems, review


def _built_catalog(
    locale: str, po: BabelCatalog, parsed: Locale, review: Review
) -> tuple[Catalog, bytes]:
    """The catalog of a parsed file, and its messages compiled."""
    from babel.messages.mofile import write_mo

    buffer = io.BytesIO()
    # Fuzzy entries stay out, as msgfmt leaves them out: they are not translations yet.
    write_mo(buffer, po, use_fuzzy=False)
    compiled = buffer.getvalue()
    messages = [message for message in po if message.id]
    translated = [message for message in messages if _is_translated(message)]
    revision = _revision(translated)
    if review.state == "reviewed" and review.revision not in ("", revision):
        # Changed since the revision the reviewer signed off: a draft again.
        review = Review("draft", review.reviewed_by, review.revision)
    catalog = _catalog(
        locale,
        parsed,
        compiled,
        review,
        frozenset(_key(m) for m in translated),
        frozenset(_key(m) for m in messages if m.fuzzy),
        frozenset(_key(m) for m in messages if _counts_as_copied(m)),
        frozenset(_key(m) for m in translated if _says_nothing(m)),
        revision,
    )
    return catalog, compiled


def _catalog(
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


# What a cache entry holds: a JSON object with these keys (the compiled messages in base64).
_ENTRY_KEYS = frozenset(
    ("compiled", "review", "translated", "fuzzy", "copied", "blank", "revision")
)


def _cache_entry(catalog: Catalog, compiled: bytes) -> bytes:
    """What the catalog cache keeps of ``catalog``: everything but its Babel locale, which is
    parsed again from its name."""

    def keys(found: frozenset[MessageKey]) -> list[list[str | None]]:
        return [list(key) for key in sorted(found, key=lambda key: (key[0] or "", key[1]))]

    review = catalog.review
    entry = {
        "compiled": base64.b64encode(compiled).decode("ascii"),
        "review": [review.state, review.reviewed_by, review.revision],
        "translated": keys(catalog.translated),
        "fuzzy": keys(catalog.fuzzy),
        "copied": keys(catalog.copied),
        "blank": keys(catalog.blank),
        "revision": catalog.revision,
    }
    return json.dumps(entry, ensure_ascii=False, sort_keys=True).encode("utf-8")


def _from_cache(entry: bytes | None, locale: str) -> Catalog | None:
    """The catalog a cache entry holds, or None if there is none or it is not whole and well
    formed (then the catalog is read and checked again)."""
    if entry is None:
        return None
    try:
        found = json.loads(entry)
        if not isinstance(found, dict) or found.keys() != _ENTRY_KEYS:
            return None
        state, reviewed_by, revision = found["review"]
        if state not in ("source", "draft", "reviewed") or not all(
            isinstance(text, str) for text in (reviewed_by, revision, found["revision"])
        ):
            return None
        found_keys = [
            _message_keys(found[name]) for name in ("translated", "fuzzy", "copied", "blank")
        ]
        if any(keys is None for keys in found_keys):
            return None
        translated, fuzzy, copied, blank = (keys or frozenset() for keys in found_keys)
        compiled = base64.b64decode(found["compiled"], validate=True)
        review = Review(state, reviewed_by, revision)
        return _catalog(
            locale,
            Locale.parse(locale),
            compiled,
            review,
            translated,
            fuzzy,
            copied,
            blank,
            found["revision"],
        )
    except Exception:  # damaged in any way (JSON, base64, the compiled messages): a miss
        return None


def _message_keys(listed: object) -> frozenset[MessageKey] | None:
    if not isinstance(listed, list):
        return None
    keys: set[MessageKey] = set()
    for item in listed:
        if not (
            isinstance(item, list)
            and len(item) == 2
            and (item[0] is None or isinstance(item[0], str))
            and isinstance(item[1], str)
        ):
            return None
        keys.add((item[0], item[1]))
    return frozenset(keys)
