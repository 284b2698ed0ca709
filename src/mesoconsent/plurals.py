"""Plural forms: the gettext rules a catalog's ``Plural-Forms`` header may follow for its
language (Babel's table, the table of Babel before 2.19, CLDR's), what is wrong with a header,
the forms a message gives beyond the header's number, and the forms that stand for a single
number. The header picks a message's form at run time, so a wrong one prints "1 sessions", or
the form for another count.
"""

from __future__ import annotations

import contextlib
import functools
import gettext
import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from babel import Locale
from babel.plural import to_gettext

from mesoconsent.earlier_plurals import EARLIER_PLURALS
from mesoconsent.errors import CatalogError, listed

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog as BabelCatalog


# The counts a form must be picked for only one of to stand for a single number: every count
# to 1100 (gettext's rules look at n and at n modulo 10, 100 and 1000), and larger ones that
# rules for millions pick (Breton's form for 0 also serves 1000000), or that n % 1000000
# brings back to a small count (1000001).
_SINGLE_NUMBER_SAMPLES: tuple[int, ...] = (
    *range(1101),
    10_001,
    100_001,
    1_000_000,
    1_000_001,
    1_000_002,
    2_000_000,
    1_000_000_001,
)


@functools.lru_cache(maxsize=64)
def single_number_forms(plural_expr: str) -> frozenset[int]:
    """The plural forms (gettext indexes) that the formula ``plural_expr`` (a catalog's own,
    which picks the form when a form is made) picks for one count only: Arabic's forms for
    0, 1 and 2 ("جلستان" is "two sessions"), Hebrew's for 1 and 2, German's for 1 (n != 1).
    Only these may leave out the number; the form for 1 also serves 21 in Russian, and 0 in
    French (n > 1). The formula decides, not CLDR's rules: German's and Hebrew's "one" reads
    "i = 1 and v = 0" there, and a catalog may have other forms than CLDR's categories (a
    Turkish catalog of one form, written before Babel 2.19 gave Turkish two: its one form
    serves every number). None for a formula that cannot be read or fails for some count
    (its header is refused)."""
    try:
        picks = gettext.c2py(plural_expr)
        counted = Counter(picks(n) for n in _SINGLE_NUMBER_SAMPLES)
    except (ValueError, SyntaxError, *_FORMULA_FAILURES):
        return frozenset()
    return frozenset(form for form, times in counted.items() if times == 1)


@functools.lru_cache(maxsize=64)
def plural_rules(locale: Locale) -> tuple[tuple[int, Callable[[int], int], str], ...]:
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


def plural_counts(locale: Locale) -> set[int]:
    return {rule[0] for rule in plural_rules(locale)}


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


def plural_header_problem(po: BabelCatalog, locale: Locale) -> str | None:
    """What is wrong with the catalog's Plural-Forms header for ``locale``, if anything."""
    rules = plural_rules(locale)
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


def forms_picked(po: BabelCatalog) -> int | None:
    """How many forms the catalog's plural formula picks from (one more than the largest form
    it picks for the counts a check tries), or None if it cannot be read or fails."""
    try:
        picks = gettext.c2py(po.plural_expr)
        return max(picks(n) for n in _PLURAL_SAMPLES) + 1
    except (ValueError, SyntaxError, *_FORMULA_FAILURES):
        return None


def trim_plural_forms(po: BabelCatalog, forms: int) -> None:
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
    counts = " or ".join(str(count) for count in sorted(plural_counts(locale)))
    return (
        f"its Plural-Forms header has nplurals={nplurals}, but {locale} has {counts} plural "
        f"forms ({_header_wanted(plural_rules(locale), nplurals)})"
    )


def surplus_plural_forms(text: str) -> tuple[int, list[tuple[int, int]], str]:
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


def surplus_problem(nplurals: int, forms: list[tuple[int, int]], locale: Locale | None) -> str:
    """What to say of plural forms beyond the header's number: the header is wrong if its
    number is not one the language has, else the forms are."""
    where = listed([f"msgstr[{form}] at line {number}" for number, form in forms])
    if locale is not None and nplurals not in plural_counts(locale):
        # _plural_problems names the header the language needs.
        return f"its messages give more plural forms than its header's nplurals={nplurals}: {where}"
    allowed = "msgstr[0] only" if nplurals == 1 else f"msgstr[0] to msgstr[{nplurals - 1}]"
    return (
        f"{where}, but its Plural-Forms header has nplurals={nplurals} ({allowed}): remove "
        "the extra form"
    )


def with_own_plural_header(data: bytes, po: BabelCatalog, locale: Locale) -> bytes:
    """The file's bytes with its Plural-Forms line replaced by ``locale``'s own (of the
    file's number of forms if the language has one such, else of the fewest)."""
    rule = min(plural_rules(locale), key=lambda r: (r[0] != po.num_plurals, r[0]))
    header = f'"Plural-Forms: {rule[2]}\\n"'  # (a function below: sub would read the \\n)
    return _PLURAL_FORMS_LINE.sub(lambda _: header, data.decode("utf-8")).encode("utf-8")


_PLURAL_FORMS_LINE = re.compile(r'^"Plural-Forms:[^\n]*$', re.MULTILINE)
