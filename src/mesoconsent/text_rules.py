"""What text may hold to be printed as it is: a request's fields, and a procedure's wording.

A document shows exactly the text it was given, or is not produced; nothing is silently
cleaned. So text that XML cannot hold, that would print something other than what was
written (a bidirectional override), or that prints nothing at all, is refused, and the
reason says where (the character's position), never what (request text is a patient's
personal data).
"""

from __future__ import annotations

import re
import unicodedata

from mesoconsent.bidi import REORDERING, REORDERING_CLASS

MAX_TEXT_LENGTH = 100_000

# C0 controls but tab (and line feed in multi-line fields), DEL and the C1 controls, unpaired
# surrogates, and the non-characters (U+FDD0-U+FDEF and the last two code points of every
# plane: XML 1.0 cannot hold U+FFFE/U+FFFF, and HTML parsers report every one). \r is refused
# too: use \n. Also the bidirectional embeddings, overrides and isolates (U+202A-U+202E,
# U+2066-U+2069): one in a clinic name would print the phone number after it backwards. (The
# marks LRM, RLM and ALM stay allowed: right-to-left names are typed with them.)
_BAD_COMMON = f"\x00-\x08\x0b-\x1f\x7f-\x9f{REORDERING_CLASS}\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
# The non-characters beyond the Basic Multilingual Plane, looked for only in text that has
# such characters: in the classes above, they made every search several times slower.
_ASTRAL_NONCHARACTER = re.compile(
    "["
    + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(1, 17))
    + "]"
)
_BAD_MULTILINE = re.compile(f"[\u2028\u2029{_BAD_COMMON}]")
# U+2028/U+2029 are line and paragraph separators: line breaks by another name.
_BAD_SINGLE_LINE = re.compile(f"[\n\u2028\u2029{_BAD_COMMON}]")
# What prints: letters, digits, punctuation, symbols, marks that take space or enclose (a
# Devanagari visarga, a combining circle), private-use characters (a clinic font's glyphs) and
# code points this Python's Unicode tables do not know yet (a newer emoji: a request valid on
# one server must not be refused on another), and the few format characters that show (the
# Arabic number signs and end of ayah). What does not: spaces, controls, other format
# characters (zero-width ones, tags, annotation anchors), marks that only sit on another
# character, alone, and whatever Unicode says should be invisible when not supported
# (Default_Ignorable_Code_Point: variation selectors, Hangul fillers, reserved ranges such as
# U+2065). Nor do a few symbols and letters that print blank: the blank Braille pattern, the
# musical null notehead, the Khmer inherent vowels.
_PRINTING_CATEGORIES = frozenset(
    {
        "Lu",
        "Ll",
        "Lt",
        "Lm",
        "Lo",
        "Nd",
        "Nl",
        "No",
        "Pc",
        "Pd",
        "Ps",
        "Pe",
        "Pi",
        "Pf",
        "Po",
        "Sm",
        "Sc",
        "Sk",
        "So",
        "Mc",
        "Me",
        "Co",
        "Cn",
    }
)
_VISIBLE_FORMAT = frozenset(
    "\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u0890\u0891\u08e2\U000110bd\U000110cd"
)
# Default_Ignorable_Code_Point (Unicode 15.1, DerivedCoreProperties.txt), as ranges.
_DEFAULT_IGNORABLE = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
_BLANK_GLYPHS = frozenset("\u2800\U0001d159")


def _is_printing(char: str) -> bool:
    if char in _VISIBLE_FORMAT:
        return True
    if unicodedata.category(char) not in _PRINTING_CATEGORIES or char in _BLANK_GLYPHS:
        return False
    code = ord(char)
    return not any(first <= code <= last for first, last in _DEFAULT_IGNORABLE)


def _prints(value: str) -> bool:
    if value.isascii():  # most text, quickly: ASCII controls but tab are refused before this
        return bool(value.strip())
    return any(_is_printing(char) for char in value)


def text_problem(value: object, *, multiline: bool = False) -> str | None:
    """Why ``value`` cannot be carried into the document as text, or None if it can.

    Refused: characters XML 1.0 cannot hold (C0 controls, lone surrogates, U+FFFE/U+FFFF), C1
    controls, and line breaks in single-line fields. Tabs are kept. Nothing is silently cleaned:
    the document shows exactly what was given, or nothing is produced.
    """
    if not isinstance(value, str):
        return f"must be text, not {type(value).__name__}"
    if len(value) > MAX_TEXT_LENGTH:
        return f"must be at most {MAX_TEXT_LENGTH:,} characters long"
    bad = (_BAD_MULTILINE if multiline else _BAD_SINGLE_LINE).search(value)
    if not value.isascii() and max(value) > "\uffff":
        end = len(value) if bad is None else bad.start()
        bad = _ASTRAL_NONCHARACTER.search(value, 0, end) or bad
    if bad is None:
        return (
            None if _prints(value) else "must not be empty (or only spaces or invisible characters)"
        )
    char, position = bad.group(), bad.start() + 1
    code = ord(char)
    if char == "\n" or (not multiline and char in "\u2028\u2029"):
        return f"must be a single line (line break at character {position})"
    if char in "\u2028\u2029":
        return f"use \\n for a line break, not U+{code:04X} (character {position})"
    if REORDERING.fullmatch(char):
        return (
            f"contains the bidirectional control U+{code:04X} at character {position}, "
            "which would reorder the text printed after it"
        )
    if 0xD800 <= code <= 0xDFFF:
        return f"contains an unpaired surrogate U+{code:04X} at character {position}"
    if 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE:
        return f"contains the non-character U+{code:04X} at character {position}"
    return f"contains the control character U+{code:04X} at character {position}"
