"""One row of the screening checklist, as templates see it (``screening`` and ``flagged``)."""

from __future__ import annotations

import attrs


@attrs.frozen
class ScreeningLine:
    """One row of the screening checklist: the question in the catalog's words, the
    patient's answer, and the details they gave (their own words), if any."""

    id: str
    question: str
    answer: bool
    details: str | None


# What a template may read of a line: all a {% static for item %} section may read of it.
LINE_FIELDS = frozenset(field.name for field in attrs.fields(ScreeningLine))
