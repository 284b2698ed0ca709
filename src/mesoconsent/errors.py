"""Exceptions and warnings raised by mesoconsent.

Every message names fields and disclosure ids, never the patient's data: an error can end up in
a log that more people read than the form itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import attrs

# The shape of a key a message may quote (shown_key); loading.py finds such keys in paths.
FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


def shown_key(key: object) -> str | None:
    """``key`` if it has the shape of a field name (ASCII letters, digits and ``_``), which a
    message may quote; None for any other key, which may hold anything: a patient's data, or
    a line break that would forge another line of the message."""
    return key if isinstance(key, str) and FIELD_NAME.fullmatch(key) else None


def shortened(text: str, width: int = 60) -> str:
    """``text`` cut to ``width`` characters, the last an ellipsis, for a listing."""
    return text if len(text) <= width else text[: width - 1] + "…"


def listed(places: list[str], most: int = 5) -> str:
    """Up to ``most`` places in a file, and how many more there are."""
    more = f" and {len(places) - most} more" if len(places) > most else ""
    return ", ".join(places[:most]) + more


def first_few(problems: list[str], most: int = 5) -> str:
    """Up to ``most`` problems, and how many more there are: a file pasted into itself gives
    a problem per message."""
    more = f"; and {len(problems) - most} more" if len(problems) > most else ""
    return "; ".join(problems[:most]) + more


class MesoconsentError(Exception):
    """Base class of every error mesoconsent raises on purpose."""


class _ProblemsError(MesoconsentError):
    """An error built from its problems, which is how it is pickled and copied too.

    Exception pickles an error as its message (``args``): rebuilt from that, it would take
    each character of the message for a problem. Sent to another process (a pool, a task
    queue) or copied, it is rebuilt from its problems instead, with its notes.
    """

    problems: tuple[Any, ...]

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.problems,), self.__dict__)


@attrs.frozen
class FieldProblem:
    """One thing wrong with the input, at a dotted field path such as ``patient.date_of_birth``."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


# At most this many problems are listed, the last saying how many more there were: a request
# of a million unknown screening questions would otherwise make an error of a hundred
# megabytes, for a service to log or send back, from 15 MB of JSON.
MOST_PROBLEMS = 100


class ValidationError(_ProblemsError, ValueError):
    """The request (or request file) is not valid; ``problems`` lists every problem found, up
    to :data:`MOST_PROBLEMS`: of more, the first ones, then one at ``request`` counting the
    rest."""

    def __init__(self, problems: Iterable[FieldProblem]) -> None:
        listed: list[FieldProblem] = []
        more = 0
        for problem in problems:
            if len(listed) < MOST_PROBLEMS:
                listed.append(problem)
            else:
                more += 1
        if more:
            more += 1  # the last listed one makes room for the count
            listed[-1] = FieldProblem("request", f"and {more:,} more problems, not listed")
        self.problems: tuple[FieldProblem, ...] = tuple(listed)
        count = len(self.problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"invalid consent request ({count} problem{'s' * (count != 1)}):\n{lines}")


@attrs.frozen
class DisclosureProblem:
    """A required disclosure the document does not state properly."""

    disclosure_id: str
    # "missing", "empty", "altered", "duplicated" or "unknown"; for a screening question
    # (id "screening.<question>"): also "wrong answer shown" or "yes answer not flagged";
    # "would be in English: ..." for text a catalog does not translate (its id may then be
    # "text '<English words>'"); from verify also "answer unclear", "no answer flagged",
    # "missing" for the ids "signature.<n>", "signatures" and "statement.<role>" (also from
    # render), "altered" for a changed value,
    # and the id "document" for a draft or a form whose marks were all removed (docs/api.md,
    # "Errors").
    reason: str

    def __str__(self) -> str:
        return f"{self.disclosure_id}: {self.reason}"


class CoverageError(_ProblemsError):
    """A document would lack (or misstate) required disclosures, so none was produced."""

    def __init__(self, problems: Iterable[DisclosureProblem]) -> None:
        self.problems: tuple[DisclosureProblem, ...] = tuple(problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(
            "refusing to produce a consent document that lacks or misstates what it must say "
            "(required disclosures, screening answers, their translation):\n" + lines
        )

    @property
    def missing_ids(self) -> tuple[str, ...]:
        """The ids of the disclosures at fault, in the procedure's order."""
        return tuple(problem.disclosure_id for problem in self.problems)


class TemplateError(MesoconsentError):
    """A consent template (bundled or user-supplied) is broken: bad Jinja2 or bad markup."""


class ProcedureDefinitionError(MesoconsentError):
    """A procedure definition file (``procedure.toml``) is malformed."""


class CatalogError(MesoconsentError):
    """A message catalog (``.po``) cannot be read or breaks a rule (a placeholder, its plural
    forms, its review record, ...). ``problems`` lists each problem its checks found, where
    the file could be read for them (the message says them all); it is empty otherwise."""

    def __init__(self, message: str, problems: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.problems = tuple(problems)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self), self.problems), self.__dict__)


class LocaleNotAvailableError(LookupError):
    """No catalog serves the requested locale (``locale``, as given; the message quotes at
    most its first 40 characters). A LookupError, as a missing key is, and as it was before the
    package exported it: ``except LookupError`` still catches it."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        super().__init__(shortened(locale, 40) if isinstance(locale, str) else repr(locale))

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.locale,), self.__dict__)


class UnreviewedTranslationError(MesoconsentError):
    """A form was asked for in a translation without a review in force, of an engine made with
    ``reviewed_only=True``. ``catalog`` is the catalog's locale and ``revision`` its revision
    now. ``reason`` says why: ``"not reviewed"`` (never signed off), ``"changed"`` (changed
    since the revision its reviewer signed off, ``reviewed_revision``) or ``"no revision"``
    (marked reviewed without the revision its reviewer checked, so that an edit since could
    not be told). The reviewer is not named: the message may be logged, and a
    ``Reviewed-By`` line holds a person's name and address."""

    # Each reason, and what the message says of it.
    _WHY: ClassVar[Mapping[str, str]] = {
        "not reviewed": "has not been signed off by a qualified reviewer",
        "changed": "changed since its review (of revision {reviewed_revision})",
        "no revision": (
            "is marked reviewed without the revision its reviewer signed off "
            "(Reviewed-Revision), so an edit since the review cannot be ruled out"
        ),
    }
    REASONS = tuple(_WHY)

    def __init__(
        self, catalog: str, revision: str, reason: str, reviewed_revision: str = ""
    ) -> None:
        if reason not in self._WHY:
            raise ValueError(f"reason must be one of {', '.join(self.REASONS)}, not {reason!r}")
        self.catalog = catalog
        self.revision = revision
        self.reason = reason
        self.reviewed_revision = reviewed_revision
        why = self._WHY[reason].format(reviewed_revision=reviewed_revision)
        super().__init__(
            f"the {catalog} translation (revision {revision}) {why}; only reviewed "
            "translations are rendered here (reviewed_only, the command line's "
            "--reviewed-only): have it reviewed (docs/translators.md), or render in another "
            "language"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        arguments = (self.catalog, self.revision, self.reason, self.reviewed_revision)
        return (type(self), arguments, self.__dict__)


class DocumentReadError(MesoconsentError):
    """A file given to :func:`mesoconsent.verify` is not a readable DOCX consent document."""


class ContraindicationWarning(UserWarning):
    """The patient answered yes to a screening question that may rule the procedure out."""


class MinorPatientWarning(UserWarning):
    """The patient is under the age from which they may consent alone (``clinic.consent_age``,
    18 unless it says another) on the consent date, and no parent or guardian signs the form.
    Where the law requires their consent, make them its third signer
    (``Witness(name, role="guardian")``)."""


class DraftTranslationWarning(UserWarning):
    """The document's translation is a draft: no qualified reviewer has signed it off.

    Rendering goes ahead (the catalog covers every required disclosure); embedding software
    should have such forms checked before use, or filter on ``RenderResult.review_state``.
    """
