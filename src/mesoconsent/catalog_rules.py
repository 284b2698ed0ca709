"""The rules every translation in a catalog keeps, message by message: its placeholders, its
plural forms, its line breaks at the ends, no bidirectional controls; and which messages are
translated, left in English ("copied") or say nothing ("blank"), for the render gate to refuse.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from babel import Locale

from mesoconsent.bidi import REORDERING
from mesoconsent.coverage import Wording, normalize_space
from mesoconsent.plurals import plural_header_problem, single_number_forms

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog as BabelCatalog
    from babel.messages.catalog import Message

    from mesoconsent.i18n import MessageKey


def message_problems(po: BabelCatalog, locale: Locale, forms_given: dict[int, int]) -> list[str]:
    """Every rule a translation of ``po`` (the catalog of ``locale``) breaks. ``forms_given``:
    how many forms each plural entry of the file gives, by the line of its msgid
    (po_syntax.plural_forms_given)."""
    return [
        *_placeholder_problems(po),
        *_plural_problems(po, locale, forms_given),
        *_line_break_problems(po),
        *_direction_problems(po),
    ]


# A placeholder and its conversion: a translation must keep both (%(clinic)d for %(clinic)s
# fails when the form is rendered, as msgfmt --check-format says).
_NAMED_PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]")
# Every message is %-formatted when rendered (Jinja2's newstyle gettext), so a lone % breaks it.
_FORMAT_OR_PERCENT = re.compile(r"%\(\w+\)[sdif]|%%")


def _placeholder_problems(po: BabelCatalog) -> Iterator[str]:
    """Translations must keep the placeholders of their message (msgfmt --check-format):
    a translation of "contact %(clinic)s at %(phone)s" that drops them would tell the patient
    to call no one."""
    # The forms the catalog's own formula (the one its compiled messages pick by) picks for
    # one count only.
    exempt = single_number_forms(po.plural_expr)
    for message, sources, targets in _translations(po):
        expected = set().union(*(_NAMED_PLACEHOLDER.findall(source) for source in sources))
        plural = len(sources) > 1
        for index, target in enumerate(targets):
            if not target:
                continue
            if "%" in _FORMAT_OR_PERCENT.sub("", target):
                yield (
                    f"{_line(message)}the translation of {sources[0][:60]!r} has a lone %: write "
                    "a percent sign as %%, and a placeholder by its name, as in the English "
                    "(%(name)s, never %s)"
                )
                continue
            found = set(_NAMED_PLACEHOLDER.findall(target))
            # Every plural form keeps the count too: in Russian the "singular" form also
            # serves 21, 31, ..., so "a session" there would misstate the number. A form that
            # stands for a single number ("eine Sitzung", Hebrew's dual) may state it in words.
            may_omit = plural and index in exempt and found <= expected
            if found != expected and not may_omit:
                where = f" (context {message.context})" if message.context else ""
                # Poedit and Weblate show plural forms as tabs or fields numbered from 0.
                form = f", plural form {index} (msgstr[{index}])," if plural else ""
                yield (
                    f"{_line(message)}the translation of {sources[0][:60]!r}{where}{form} has "
                    f"placeholders {sorted(found)}, expected {sorted(expected)} "
                    f"({_placeholder_difference(found, expected)}): copy each placeholder of "
                    "the English into it exactly as written, once"
                )


def _placeholder_difference(found: set[str], expected: set[str]) -> str:
    """What a translation's placeholders lack and add, in words: "%(clinic)s is missing;
    %(clinc)s is not in the English"."""
    parts = []
    for names, what in ((expected - found, "missing"), (found - expected, "not in the English")):
        if names:
            verb = "is" if len(names) == 1 else "are"
            parts.append(f"{' and '.join(sorted(names))} {verb} {what}")
    return "; ".join(parts)


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
                    english = sources[0][:60]
                    yield (
                        f"{_line(message)}the translation of {english!r}{form} must {where} "
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
                    f"{_line(message)}the translation of {sources[0][:60]!r} holds "
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


def _line(message: Message) -> str:
    """Where a message is in its file, for a translator to find it: its msgid's line, which
    starts the problem (``line 347: ...``; placed() makes it FILE:347 once the file is
    known)."""
    return f"line {message.lineno}: " if message.lineno else ""


_LINE_FIRST = re.compile(r"line ([0-9]+): ")


def at_its_line(path: Path | None, problem: str) -> str | None:
    """A problem found at a line of the catalog ``path`` (it starts ``line N: ``), as msgfmt
    and compilers write one, so that an editor or a terminal opens the file there:
    ``FILE:LINE: ...``; None for a problem not at a line, or where there is no file."""
    at_line = _LINE_FIRST.match(problem)
    if path is None or at_line is None:
        return None
    return f"{path}:{at_line.group(1)}: {problem[at_line.end() :]}"


def line_of_problem(problem: str) -> int:
    """The line of its file a problem is at (it starts ``line N: ``); 0 for one of the whole
    file, which comes first."""
    at_line = _LINE_FIRST.match(problem)
    return 0 if at_line is None else int(at_line.group(1))


def placed(path: Path | None, problem: str) -> str:
    """A problem found in the catalog ``path``: ``FILE:LINE: ...`` for one at a line
    (:func:`at_its_line`), ``FILE: ...`` otherwise; as it is where there is no file."""
    if path is None:
        return problem
    return at_its_line(path, problem) or f"{path}: {problem}"


def _plural_problems(
    po: BabelCatalog, locale: Locale, forms_given: dict[int, int]
) -> Iterator[str]:
    """The catalog's plural forms must be the locale's (the Plural-Forms header picks the form
    at run time), and every plural message must give each of them. The locale's are those of
    Babel's gettext table or, where they differ, those CLDR's rules give (msginit, Poedit and
    Weblate write Turkish and Hungarian with two forms, as CLDR does; Babel's table, one).
    A fuzzy message is not a translation yet (msgfmt -c leaves it alone): pybabel update
    leaves the forms after the first empty where a message became plural.

    The forms are counted in the file (``forms_given``), where Babel reads a form left out
    as an empty one: a form given and left empty is a translation not finished, untranslated
    until every form is (a translator reported "has 1 plural form(s)" for an entry showing
    two, the second still empty, and the whole catalog refused, --draft too)."""
    header = plural_header_problem(po, locale)
    if header is not None:
        yield header
        return
    expected = po.num_plurals
    for message in po:
        if message.pluralizable and not message.fuzzy and message.string and any(message.string):
            given = forms_given.get(message.lineno or 0, len(message.string))
            if given != expected:
                yield (
                    f"{_line(message)}the translation of {message.id[0][:60]!r} has "
                    f"{given} plural form(s); {locale} needs {expected}"
                )


def empty_forms(message: Message, given: int | None) -> str | None:
    """Which forms of a plural message translated in others are empty ("msgstr[1] is
    empty"), of the first ``given`` (those the file gives; None: all): what a translator has
    left to do. None for a message that is not such."""
    sources, forms = _forms(message)
    if len(sources) < 2 or message.fuzzy or not any(forms):
        return None
    empty = [f"msgstr[{index}]" for index, form in enumerate(forms[:given]) if not form]
    if not empty:
        return None
    return f"{', '.join(empty)} {'is' if len(empty) == 1 else 'are'} empty"


def message_key(message: Message) -> MessageKey:
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


def says_nothing(message: Message) -> bool:
    """A translation in which a form says nothing (spaces, punctuation, characters that show
    nothing, and no placeholder) of English that says something."""
    sources, forms = _forms(message)
    return Wording.parse(sources[0]).says_anything and not all(
        Wording.parse(str(form)).says_anything for form in forms
    )


def counts_as_copied(message: Message, *, latin_script: bool = True) -> bool:
    """A message whose English given as its translation leaves it in English: a disclosure
    or a health question (a message with a context), a plural message (a count and what it
    counts), or text of three words or more. In a language written in the Latin script
    (``latin_script``) a shorter one may well be the same word ("Question", "Date" and
    "Signature" in French, "No" in Spanish), and is left alone; in another script (Arabic,
    Cyrillic, Japanese...) a word of English is English ("Yes" left in a Japanese form)."""
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
    return words >= (1 if plural or not latin_script else 3)


def _as_seen(text: str) -> str:
    """``text`` as a reader sees it, to compare: white space normalised, and the format
    characters, which show nothing, left out."""
    if not text.isascii():
        text = "".join(char for char in text if unicodedata.category(char) != "Cf")
    return normalize_space(text)


def is_translated(message: Message) -> bool:
    forms = _forms(message)[1]
    return bool(forms) and all(forms) and not message.fuzzy
