"""What :func:`mesoconsent.verify` returns, apart from the reading itself (verification.py).

Its own module so that the engine, and the package, can name it at run time (in annotations
that frameworks read with ``typing.get_type_hints``) without importing lxml and the rest of
verification, which a process that only renders never needs.
"""

from __future__ import annotations

import attrs

from mesoconsent.errors import DisclosureProblem


@attrs.frozen
class VerifyReport:
    """The outcome of :func:`mesoconsent.verify`. ``ok`` is True only if nothing is wrong.

    ``locale`` is the catalog whose wording the disclosures were checked against (the one the
    document was rendered from); ``language`` is the document's own language tag.
    """

    procedure: str
    template_version: str
    locale: str
    language: str | None
    problems: tuple[DisclosureProblem, ...]
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems
