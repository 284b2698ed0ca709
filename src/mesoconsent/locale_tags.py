"""Locale identifiers as people write them: reading one (``pt-BR``, ``pt_BR``, ``sr@latin``),
the catalogs that may serve it, in order, and the tag a document declares for it.

Only catalogs in the request's script serve it: a form in a script the patient may not read is
no form in their language.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TypeVar

from babel import Locale, UnknownLocaleError
from babel.core import get_global

from mesoconsent.errors import LocaleNotAvailableError

# English: the source language, whose wording is in the templates and procedure files.
SOURCE_LOCALE = "en"
# What a locale identifier may look like before Babel sees it: language, then optional script
# and region subtags. Anything else (a path, a glob, an empty string) is refused outright.
LOCALE_SHAPE = re.compile(r"[A-Za-z]{2,3}(?:[_-][A-Za-z0-9]{2,8}){0,3}")


@functools.lru_cache(maxsize=256)
def language_tag(locale_name: str) -> str:
    """A BCP 47 tag with a region, as Word expects in ``w:lang`` (``en`` -> ``en-US``)."""
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
    return tuple(fallbacks(parse_requested(requested), named_script(requested)))


@_kept_for_plain_tags
def formatting_locale(requested: str) -> Locale | None:
    """The locale dates, lists and the layout follow for a request: Babel's reading of it, or
    None where Babel reads another script than the one it names (uz-Cyrl-AF as uz_Arab_AF):
    the catalog's own locale then stands in, rather than a right-to-left Arabic-script layout
    and dates around a Cyrillic form."""
    locale = parse_requested(requested)
    named = named_script(requested)
    return None if named and writing_script(locale) != named else locale


def named_script(requested: str) -> str | None:
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
    return named_script(likely)


# GNU gettext names a script by a modifier: sr@latin is Latin Serbian, uz@cyrillic Cyrillic
# Uzbek (msginit -l sr@latin writes it in the Language header).
SCRIPT_MODIFIERS = {"latin": "Latn", "cyrillic": "Cyrl", "devanagari": "Deva", "arabic": "Arab"}


def gnu_locale(name: str) -> Locale | None:
    """The locale a catalog folder or Language header names, also as GNU gettext names one
    in a script (``sr_RS@latin``); None if Babel knows none."""
    base, _, modifier = name.partition("@")
    script = SCRIPT_MODIFIERS.get(modifier.lower()) if modifier else None
    if modifier and script is None:
        return None
    try:
        locale = parse_requested(base)
    except LocaleNotAvailableError:
        return None
    if script is None:
        return locale
    return Locale(locale.language, territory=locale.territory, script=script)
