"""The syntax of a ``.po`` file, line by line: what Babel reads wrongly or without a word (an
unterminated string, a control character, a carriage return alone, an unknown escape, a
message given twice, a header naming another charset or language), and msgfmt refuses.
Line numbers are counted as Babel and msgfmt count them, for a translator to find the place.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from mesoconsent.errors import CatalogError, first_few, listed, shortened
from mesoconsent.locale_tags import SCRIPT_MODIFIERS, gnu_locale, writing_script
from mesoconsent.plurals import surplus_plural_forms, surplus_problem


def readable_text(path: Path, text: str, locale: str) -> tuple[str, list[str]]:
    """The text of the ``.po`` file ``path`` (for the catalog of ``locale``) as Babel is to
    read it, and the problems found that do not stop it being read (plural forms beyond the
    header's number, blanked out of it). CatalogError for what Babel would read wrongly or
    without a word, and msgfmt refuses."""
    from babel.messages.plurals import get_plural

    file_lines = po_lines(text)
    returns = _bare_carriage_returns(file_lines)
    if returns:
        raise CatalogError(
            f"{path}: a carriage return (U+000D) without a line feed after it at line(s) "
            f"{listed([str(number) for number in returns])}: save the file with LF or "
            "CRLF line endings (a file whose lines all end so, as classic Mac OS wrote "
            "them, is line 1)"
        )
    controls = _control_characters(file_lines)
    if controls:
        where = listed([f"{number} (U+{ord(char):04X})" for number, char in controls])
        raise CatalogError(
            f"{path}: a control character in a string or a flag line at line(s) {where}: "
            "it would print as nothing, make a form Word cannot open, or hide a flag; "
            "remove it"
        )
    malformed = _malformed_lines(file_lines)
    if malformed:
        lines = listed([str(number) for number in malformed])
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
        lines = listed([str(number) for number in escapes])
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
        nplurals, forms, text = surplus_plural_forms(text)
    except CatalogError as error:
        raise CatalogError(f"{path}: {error}") from None
    problems = []
    if forms:
        problems.append(surplus_problem(nplurals, forms, gnu_locale(locale)))
    # (Split again: forms beyond the header's number were blanked out of the text.)
    repeated = _repeated_messages(po_lines(text) if forms else file_lines)
    if repeated:
        # Babel keeps one of them without a word; msgfmt refuses the file. A softened copy
        # of a disclosure above the real one must not be what a form prints.
        raise CatalogError(
            f"{path}: a message is given more than once (msgfmt: duplicate message "
            f"definition): {first_few(repeated)}; keep one entry for each msgctxt and msgid"
        )
    # The previous text of an obsolete entry ("#~| msgid ...", as msgmerge --previous
    # writes it) is a comment Babel cannot read (python-babel/babel#566): read as a
    # translator's comment, on the same line, it is ignored with the entry.
    text = _OBSOLETE_DETAIL.sub(r"\1# ~", text)
    return text, problems


# Every line of a .po file that is not blank or a comment: a keyword and a complete quoted
# string, or a complete quoted string continuing the previous one.
_PO_LINE = re.compile(
    r'[ \t]*(?:(?:msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)[ \t]+)?"(?:[^"\\]|\\.)*"[ \t]*'
)


_KEYWORD = re.compile(r'[ \t]*(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)[ \t]+(".*")')
_CONTINUATION = re.compile(r'[ \t]*(".*")')


def _repeated_messages(lines: list[str]) -> list[str]:
    """The (msgctxt, msgid) pairs the file gives more than once in live entries, each
    described with the lines of its msgids, for a message. Runs on lines _malformed_lines has
    passed: every line is a comment, blank, a keyword with its string, or a string continuing
    the previous one."""
    first: dict[tuple[str, str], int] = {}
    repeated: dict[tuple[str, str], list[int]] = {}
    for key, msgid_line, obsolete in _entry_keys(lines):
        if obsolete:
            continue  # ignored with the entry (obsolete_repeats says it)
        if key in first:
            repeated.setdefault(key, [first[key]]).append(msgid_line)
        first.setdefault(key, msgid_line)
    return [
        f"{_described(key)} at lines {', '.join(map(str, numbers[:-1]))} and {numbers[-1]}"
        for key, numbers in repeated.items()
    ]


def obsolete_repeats(text: str) -> list[tuple[int, str, int]]:
    """The obsolete entries (``#~``) of the .po file ``text`` whose msgctxt and msgid a live
    entry gives too, or an obsolete one before them: (the line of its msgid, the message, the
    line of the other's msgid). Babel and mesoconsent ignore obsolete entries, but msgfmt,
    msgmerge and msgattrib refuse such a file ("duplicate message definition"): a translator
    who copies a live entry's text into an obsolete one, or one that pybabel update left behind
    when the message came back, has a file the other tools cannot use."""
    entries = list(_entry_keys(po_lines(text)))
    live = {key: line for key, line, obsolete in reversed(entries) if not obsolete}
    first: dict[tuple[str, str], int] = {}
    found = []
    for key, line, obsolete in entries:
        other = live.get(key, first.get(key)) if obsolete else None
        if other is not None:
            found.append((line, _described(key), other))
        first.setdefault(key, line)
    return found


def _entry_keys(lines: list[str]) -> Iterator[tuple[tuple[str, str], int, bool]]:
    """Each entry's (msgctxt, msgid) as the file writes them (escapes as they are; the header's
    empty msgid left out), the line of its msgid, and whether it is obsolete (its lines start
    with ``#~``; ``#~|`` lines, the previous text msgmerge --previous keeps, are comments).
    Lines that are not a keyword with its string or a string continuing the previous one are
    passed over: an obsolete entry's lines are not checked (msgfmt ignores them)."""
    context, msgid, reading, msgid_line, in_obsolete = "", "", "", 0, False
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        obsolete = text.startswith("#~") and not text.startswith(_OBSOLETE_COMMENTS)
        if obsolete:
            text = text[2:].lstrip()
        if not text or text.startswith("#"):
            continue
        if obsolete != in_obsolete:
            # A live entry's lines do not continue an obsolete one's, nor the other way round.
            context, reading, in_obsolete = "", "", obsolete
        keyword = _KEYWORD.fullmatch(text)
        if keyword is not None:
            name, string = keyword.groups()
            if name == "msgctxt":
                context, reading = string[1:-1], name
            elif name == "msgid":
                msgid, reading, msgid_line = string[1:-1], name, number
            else:  # the message's key is complete
                if (reading in ("msgid", "msgctxt") or name == "msgid_plural") and msgid:
                    yield (context, msgid), msgid_line, obsolete
                if reading in ("msgid", "msgctxt") or name == "msgid_plural":
                    context = ""
                reading = name
            continue
        continuation = _CONTINUATION.fullmatch(text)
        if continuation is not None:
            if reading == "msgctxt":
                context += continuation.group(1)[1:-1]
            elif reading == "msgid":
                msgid += continuation.group(1)[1:-1]


def _described(key: tuple[str, str]) -> str:
    """A message named by its msgid, and its msgctxt if it has one, as the file writes them."""
    context, msgid = key
    return f"msgid {shortened(msgid)!r}{f' (msgctxt {context!r})' if context else ''}"


# The comments of an obsolete entry ("#~|" previous text, as msgmerge --previous writes it),
# which are not its lines.
_OBSOLETE_COMMENTS = ("#~|", "#~:", "#~,", "#~.")


def plural_forms_given(lines: list[str]) -> dict[int, int]:
    """How many forms (``msgstr[N]`` lines) each live plural entry gives, by the line of its
    msgid (the line Babel gives the message). Babel reads a form the entry leaves out as an
    empty one, but the two differ: a form left out is a wrong entry (msgfmt -c refuses it), a
    form left empty a translation not finished yet."""
    given: dict[int, set[int]] = {}
    msgid_line = 0
    for number, line in enumerate(lines, start=1):
        found = _MSGID_OR_FORM.match(line)
        if found is None:
            continue
        if found.group(1) == "msgid":
            msgid_line = number
        else:  # a msgstr without a number is the first form (Babel reads it so)
            given.setdefault(msgid_line, set()).add(int(found.group(2) or 0))
    return {line: len(forms) for line, forms in given.items()}


# A live entry's msgid line, or a msgstr line (group 2: its form's number, if it has one).
_MSGID_OR_FORM = re.compile(r"[ \t]*(msgid|msgstr(?:\[(\d+)\])?)[ \t]")


def po_lines(text: str) -> list[str]:
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
    said, meant = gnu_locale(header), gnu_locale(locale)
    if said is None and "@" in header:
        return (
            f"its Language header {header!r} names a variant mesoconsent cannot read (the "
            f"modifiers it reads: {', '.join('@' + m for m in SCRIPT_MODIFIERS)}); name the "
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
