"""Check a :class:`~mesoconsent.model.ConsentRequest` completely before anything is rendered.

Every problem is collected, by field path, into one :class:`~mesoconsent.errors.ValidationError`.
Messages describe the problem (which field, which rule, at which character position) and never
quote the value: it is a patient's personal data.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from typing import Any

from mesoconsent.bidi import DIRECTION_MARKS
from mesoconsent.errors import FieldProblem, ValidationError, shown_key
from mesoconsent.model import (
    PAPER_SIZES,
    Clinic,
    ConsentRequest,
    Patient,
    PlannedTreatment,
    Practitioner,
    ScreeningAnswer,
    Witness,
)
from mesoconsent.procedures import Procedure
from mesoconsent.text_rules import text_problem

MAX_AGE_YEARS = 130
MAX_SESSIONS = 100
MAX_INTERVAL_DAYS = 365
WITNESS_ROLES = ("interpreter", "witness", "guardian")


def validate_request(
    request: ConsentRequest,
    procedures: Mapping[str, Procedure],
    locale_check: Callable[[str], str | None],
    *,
    skip: Collection[str] = (),
    known: Iterable[FieldProblem] = (),
) -> None:
    """Raise ValidationError listing every problem with ``request``; return None if it is valid.

    ``locale_check`` returns a message when the locale is not available, else None. ``skip``
    names field paths already known to be wrong (the JSON loader's shape problems, listed in
    ``known``): their values are placeholders and nothing more is said about them.
    """
    skipped = tuple(skip)

    def reported(problem: FieldProblem) -> bool:
        return not any(
            problem.path == path or problem.path.startswith((f"{path}.", f"{path}["))
            for path in skipped
        )

    problems = list(known) + [
        p for p in _problems(request, procedures, locale_check) if reported(p)
    ]
    if problems:
        raise ValidationError(problems)


# Entries a list of text (the treated areas) may hold, at most: a form lists a few, and a
# million wrong ones would each be checked and reported (a request of 3 MB took 45 s to
# refuse). Checked as JSON is read (loading.py) and on a request built in code alike.
MOST_LIST_ENTRIES = 1000


def too_many_entries(count: int) -> str:
    return f"holds {count:,} entries, more than a form lists (at most {MOST_LIST_ENTRIES:,})"


_SECTIONS: tuple[tuple[str, type], ...] = (
    ("patient", Patient),
    ("clinic", Clinic),
    ("practitioner", Practitioner),
    ("treatment", PlannedTreatment),
)


def _problems(
    request: ConsentRequest,
    procedures: Mapping[str, Procedure],
    locale_check: Callable[[str], str | None],
) -> Iterator[FieldProblem]:
    if not isinstance(request, ConsentRequest):
        yield FieldProblem("request", f"must be a ConsentRequest, not {type(request).__name__}")
        return
    # A request built in code can hold anything anywhere: check each section's type before
    # looking inside it, so the answer is a list of problems, never an AttributeError.
    wrong_sections = list(_sections(request))
    yield from wrong_sections
    if not wrong_sections:
        yield from _texts(request)
        yield from _dates(request)
        yield from _numbers(request)
        if request.witness is not None and request.witness.role not in WITNESS_ROLES:
            yield FieldProblem("witness.role", f"must be one of {', '.join(WITNESS_ROLES)}")
        if request.clinic.paper_size is not None and request.clinic.paper_size not in PAPER_SIZES:
            yield FieldProblem("clinic.paper_size", "must be A4 or Letter, or left out")
    else:
        yield from _date("consent_date", request.consent_date)

    procedure: Procedure | None = None
    if not isinstance(request.procedure, str) or request.procedure not in procedures:
        yield FieldProblem(
            "procedure",
            f"unknown procedure; available: {', '.join(sorted(procedures))} (a clinic's own "
            "is read from its template folder: --templates, or Engine(template_dirs=...))",
        )
    else:
        procedure = procedures[request.procedure]
    if not isinstance(request.locale, str):
        yield FieldProblem("locale", "must be text such as 'en' or 'pt-BR'")
    elif (message := locale_check(request.locale)) is not None:
        yield FieldProblem("locale", message)
    if procedure is not None:
        yield from _screening(request.screening, procedure)


def _sections(request: ConsentRequest) -> Iterator[FieldProblem]:
    for name, cls in _SECTIONS:
        if not isinstance(getattr(request, name), cls):
            yield FieldProblem(name, f"must be a {cls.__name__}")
    if request.witness is not None and not isinstance(request.witness, Witness):
        yield FieldProblem("witness", "must be a Witness or None")


def serializable_problems(request: ConsentRequest) -> list[FieldProblem]:
    """What stops a request built in code from being written out as JSON (request_to_dict):
    a section of another type, a date that is not a date, treated areas that are not a list
    (a lone str, a set or a mapping), screening that does not map question ids to
    ScreeningAnswers. What the values say is checked when the JSON is read back."""
    problems = list(_sections(request))
    if not problems:
        problems += _date("patient.date_of_birth", request.patient.date_of_birth)
        if not isinstance(request.treatment.treated_areas, tuple):
            # What the model kept as given (a lone str, a set, a mapping) would be written
            # out as a list (a str's characters, a set in this process's hash order) that
            # reads back as a valid request the validator refused.
            problems.append(FieldProblem("treatment.treated_areas", "must be a list of areas"))
    problems += _date("consent_date", request.consent_date)
    if not isinstance(request.screening, Mapping):
        problems.append(_SCREENING_NOT_A_MAPPING)
    else:
        unquoted = False  # keys not shaped like a question id, which may hold anything (a name)
        for key, answer in request.screening.items():
            if not isinstance(key, str) or not isinstance(answer, ScreeningAnswer):
                shown = shown_key(key)
                if shown is None:
                    unquoted = True
                else:
                    problems.append(FieldProblem(f"screening.{shown}", _NOT_AN_ANSWER))
        if unquoted:  # said once for them all: each would say the same
            problems.append(FieldProblem("screening", _NOT_AN_ANSWER))
    return problems


_NOT_AN_ANSWER = "must map a question id to a ScreeningAnswer"


def _texts(request: ConsentRequest) -> Iterator[FieldProblem]:
    fields: list[tuple[str, Any, bool]] = [
        # path, value, multi-line
        ("patient.full_name", request.patient.full_name, False),
        ("clinic.name", request.clinic.name, False),
        ("clinic.address", request.clinic.address, True),
        ("clinic.phone", request.clinic.phone, False),
        ("practitioner.full_name", request.practitioner.full_name, False),
        ("practitioner.qualification", request.practitioner.qualification, False),
        ("treatment.product", request.treatment.product, False),
    ]
    if request.patient.patient_id is not None:
        fields.append(("patient.patient_id", request.patient.patient_id, False))
    if request.witness is not None:
        fields.append(("witness.full_name", request.witness.full_name, False))
    areas = request.treatment.treated_areas
    if not isinstance(areas, tuple):
        yield FieldProblem("treatment.treated_areas", "must be a list of areas")
    elif not areas:
        yield FieldProblem("treatment.treated_areas", "must list at least one area")
    elif len(areas) > MOST_LIST_ENTRIES:
        yield FieldProblem("treatment.treated_areas", too_many_entries(len(areas)))
    else:
        fields.extend(
            (f"treatment.treated_areas[{index}]", area, False) for index, area in enumerate(areas)
        )
        seen: set[str] = set()
        for index, area in enumerate(areas):
            if isinstance(area, str):
                # Compared as they print: "é" as one character or as "e" and an accent.
                printed = unicodedata.normalize("NFC", area)
                if printed in seen:
                    yield FieldProblem(
                        f"treatment.treated_areas[{index}]", "repeats an earlier area"
                    )
                seen.add(printed)
    for path, value, multiline in fields:
        if (message := text_problem(value, multiline=multiline)) is not None:
            yield FieldProblem(path, message)
        elif path in _NUMBERS and (mark := _DIRECTION_MARK.search(value)) is not None:
            yield FieldProblem(
                path,
                f"contains the direction mark U+{ord(mark.group()):04X} at character "
                f"{mark.start() + 1}, which would print the number's parts in another order; "
                "type it again without it (copied from a right-to-left page, a number "
                "brings such marks with it)",
            )


# Fields read as numbers, where a direction mark (allowed in names, which right-to-left
# scripts type with them) reorders what prints: "+44 20\u200f 7946 0000" printed as
# "+44 200000 7946", the number a patient would call about a complication (found by a
# security review).
_NUMBERS = frozenset({"clinic.phone", "patient.patient_id"})
_DIRECTION_MARK = re.compile(f"[{DIRECTION_MARKS}]")


def _date(path: str, value: object) -> Iterator[FieldProblem]:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        yield FieldProblem(path, "must be a date (YYYY-MM-DD)")


# The age below which a patient is a minor in most countries; the law where a clinic
# practises may set another, or let a younger patient consent (clinic.consent_age): api.md.
ADULT_AGE = 18
# What clinic.consent_age may say: the ages of majority, and of consent to medical treatment,
# that laws set lie within it.
CONSENT_AGES = (12, 21)


def consent_age(request: ConsentRequest) -> int:
    """The age from which the patient of a valid request may consent alone: the clinic's
    ``consent_age``, or ADULT_AGE where it says none."""
    age = request.clinic.consent_age
    return ADULT_AGE if age is None else age


def is_minor(request: ConsentRequest) -> bool:
    """Whether the patient (of a valid request) is under :func:`consent_age` on the consent
    date."""
    return _age(request.patient.date_of_birth, request.consent_date) < consent_age(request)


def _age(born: dt.date, on: dt.date) -> int:
    """Whole years from ``born`` to ``on``, by the calendar: one born on 29 February comes of
    age on 1 March in a common year. (Counted, not found by subtracting years from ``on``,
    which fails for a date in the first years of the calendar.)"""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _dates(request: ConsentRequest) -> Iterator[FieldProblem]:
    consent, born = request.consent_date, request.patient.date_of_birth
    wrong = [*_date("consent_date", consent), *_date("patient.date_of_birth", born)]
    if wrong:
        yield from wrong
    elif born > consent:
        yield FieldProblem("patient.date_of_birth", "must not be after the consent date")
    elif _age(born, consent) >= MAX_AGE_YEARS:
        yield FieldProblem(
            "patient.date_of_birth",
            f"must be less than {MAX_AGE_YEARS} years before the consent date",
        )


def _numbers(request: ConsentRequest) -> Iterator[FieldProblem]:
    checks = [
        ("treatment.number_of_sessions", request.treatment.number_of_sessions, 1, MAX_SESSIONS),
        ("treatment.interval_days", request.treatment.interval_days, 1, MAX_INTERVAL_DAYS),
    ]
    if request.clinic.consent_age is not None:  # optional
        checks.append(("clinic.consent_age", request.clinic.consent_age, *CONSENT_AGES))
    for path, value, least, most in checks:
        if not isinstance(value, int) or isinstance(value, bool):
            yield FieldProblem(path, "must be a whole number")
        elif not least <= value <= most:
            yield FieldProblem(path, f"must be from {least} to {most}")


_SCREENING_NOT_A_MAPPING = FieldProblem(
    "screening", "must map each screening question to an answer"
)


def _screening(screening: object, procedure: Procedure) -> Iterator[FieldProblem]:
    if not isinstance(screening, Mapping):
        yield _SCREENING_NOT_A_MAPPING
        return
    asked = {question.id: question for question in procedure.screening}
    for key in screening:
        if key not in asked:
            yield FieldProblem(
                "screening" if (shown := shown_key(key)) is None else f"screening.{shown}",
                f"is not a screening question of {procedure.id}; expected: {', '.join(asked)}",
            )
    for question in procedure.screening:
        path = f"screening.{question.id}"
        answer = screening.get(question.id)
        if answer is None:
            yield FieldProblem(path, "must be answered (true or false)")
        elif not isinstance(answer, ScreeningAnswer):
            yield FieldProblem(path, "must be a ScreeningAnswer")
        elif not isinstance(answer.answer, bool):
            yield FieldProblem(f"{path}.answer", "must be true or false")
        elif answer.details is not None:
            if (message := text_problem(answer.details, multiline=True)) is not None:
                yield FieldProblem(f"{path}.details", message)
            elif not answer.answer:
                yield FieldProblem(f"{path}.details", "given although the answer is no")
        elif answer.answer and question.asks_details:
            yield FieldProblem(
                f"{path}.details", "must describe the condition when the answer is yes"
            )
