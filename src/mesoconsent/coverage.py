"""The coverage gate: does a document state every required disclosure, in the expected words?

The same check runs on the document tree before anything is written (``render``) and on the
text read back from a DOCX (``verify``), so a form can only pass if a reader would find each
required disclosure in it.

A disclosure is stated when an element tagged with its id holds its wording in the document's
language, with any placeholders (clinic name, planned areas...) filled by non-empty text.
Whitespace differences do not matter; any other change of wording does.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence

from mesoconsent.errors import DisclosureProblem
from mesoconsent.procedures import Procedure

# A placeholder, or "%%" (a literal percent sign), in %-format wording.
_FORMAT_SPEC = re.compile(r"(%\(\w+\)s|%%)")


def normalize_space(text: str) -> str:
    return " ".join(text.split())


@functools.lru_cache(maxsize=4096)
def wording_pattern(wording: str) -> re.Pattern[str]:
    """A pattern matching ``wording`` as rendered: each ``%(name)s`` stands for any non-empty
    text and ``%%`` for a percent sign."""
    pieces = _FORMAT_SPEC.split(normalize_space(wording))
    # split() alternates literal text and the specs it split on.
    regex = "".join(
        re.escape(piece) if index % 2 == 0 else "%" if piece == "%%" else "(?:.+?)"
        for index, piece in enumerate(pieces)
    )
    return re.compile(regex, re.DOTALL)


def check_coverage(
    procedure: Procedure,
    stated: Mapping[str, Sequence[str]],
    wording: Callable[[str], str],
    untagged_text: Iterable[str] = (),
) -> list[DisclosureProblem]:
    """Problems with the disclosures of a document, in the procedure's order; [] if none.

    ``stated`` maps a disclosure id to the text of every element tagged with it; ``wording``
    gives the expected (translated, unfilled) wording of an id. ``untagged_text`` is searched
    for a disclosure whose tag is gone but whose words are still there (``verify`` passes the
    paragraphs of a DOCX whose bookmarks an editor dropped).
    """
    problems: list[DisclosureProblem] = []
    untagged: list[str] | None = None
    for disclosure_id in procedure.required_ids:
        expected = wording(disclosure_id)
        texts = [normalize_space(text) for text in stated.get(disclosure_id, ())]
        if not normalize_space(expected):
            problems.append(DisclosureProblem(disclosure_id, "empty"))
            continue
        pattern = wording_pattern(expected)
        if any(pattern.fullmatch(text) for text in texts):
            continue
        if untagged is None:
            untagged = [normalize_space(text) for text in untagged_text]
        if any(pattern.fullmatch(text) for text in untagged):
            continue
        if not texts:
            problems.append(DisclosureProblem(disclosure_id, "missing"))
        elif not any(texts):
            problems.append(DisclosureProblem(disclosure_id, "empty"))
        else:
            problems.append(DisclosureProblem(disclosure_id, "altered"))
    problems.extend(
        DisclosureProblem(disclosure_id, "unknown")
        for disclosure_id in stated
        if not procedure.has_disclosure(disclosure_id)
    )
    return problems
