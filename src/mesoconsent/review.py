"""Who has checked a catalog's translation: the review record a translator or reviewer keeps
in the catalog's header comment (``Review-State``, ``Reviewed-By``, ``Reviewed-Revision``;
docs/translators.md), which ``pybabel update`` keeps.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING, Literal

import attrs

from mesoconsent.po_syntax import po_lines

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog as BabelCatalog

ReviewState = Literal["source", "draft", "reviewed"]


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


# The record's names, in any case: "Reviewed-by" is how a person types it (as HTTP's header
# names, and the .po header's own fields, are read), and a line left unread would leave a
# reviewed catalog a draft with no word why.
_NAMES = {name.casefold(): name for name in ("Review-State", "Reviewed-By", "Reviewed-Revision")}
_REVIEW_LINE = re.compile(
    r"#?\s*(Review-State|Reviewed-By|Reviewed-Revision):[ \t]*(.*?)\s*", re.IGNORECASE
)
# pybabel update wraps the header comment's lines at 76 characters, going on in lines of their
# own that start with "# ".
_WRAPPED_AT = 76
# A header comment line that starts a note of its own: a name and a colon, in any case (as the
# record's own names are read).
_HEADER_NOTE = re.compile(r"#\s*[A-Z][\w -]{0,40}:(?:\s|$)", re.IGNORECASE)


def _review_lines(header_comment: str) -> list[tuple[str, str]]:
    """The review record's lines, (name, value), a value wrapped over several lines (a long
    Reviewed-By, with the e-mail address and date it asks for) joined again."""
    # Split as the file's lines are: splitlines would also split at a control character a
    # comment may hold, and make a line of the record out of the middle of another.
    lines = po_lines(header_comment)
    found = []
    for position, line in enumerate(lines):
        match = _REVIEW_LINE.fullmatch(line)
        if match is None:
            continue
        name, value = _NAMES[match.group(1).casefold()], match.group(2)
        for after in lines[position + 1 :] if name == "Reviewed-By" else ():
            # A line goes on in the next one only if that one's first word did not fit in it
            # (else pybabel would have put the word on it), and the next one is not a line of
            # its own ("Terminology: ...", "Form of address: ...").
            words = after.removeprefix("# ").split()
            if not value or not after.startswith("# ") or not words:
                break
            if len(line) + 1 + len(words[0]) <= _WRAPPED_AT or _HEADER_NOTE.match(after):
                break
            if _REVIEW_LINE.fullmatch(after):  # another line of the record, in any case
                break
            value = f"{value} {' '.join(words)}"
            line = after
        found.append((name, value))
    return found


def review_record(po: BabelCatalog) -> Review:
    """The review record in the catalog's header comment (which ``pybabel update`` keeps)."""
    lines = _review_lines(po.header_comment or "")
    repeated = sorted(name for name, times in Counter(n for n, _ in lines).items() if times > 1)
    if repeated:
        # "draft" added above an old "reviewed" record: which one holds is anyone's guess.
        appear = "appears" if len(repeated) == 1 else "appear"
        raise ValueError(f"{' and '.join(repeated)} {appear} more than once; keep one of each")
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
