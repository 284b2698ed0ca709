"""The consent request: everything a caller says about one patient's consent form.

These classes are plain frozen data. They check nothing when built, so that a caller (or the
JSON loader) can assemble a request and then get *every* problem with it at once from
:func:`mesoconsent.validate`, which :func:`mesoconsent.render` always calls first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, KeysView, Mapping
from collections.abc import Set as AbstractSet
from types import MappingProxyType
from typing import Any

import attrs


def _freeze_mapping(value: Mapping[str, ScreeningAnswer]) -> Mapping[str, ScreeningAnswer]:
    # A read-only copy keeps the request immutable even when the caller passed a dict it goes
    # on to change; sorting the keys keeps iteration order independent of how it was built.
    # Anything else is kept as given, for validation to name.
    if not isinstance(value, Mapping) or not all(isinstance(key, str) for key in value):
        return value
    return MappingProxyType({key: value[key] for key in sorted(value)})


def _text(value: str) -> str:
    # A str subclass (markupsafe.Markup, or anything with __html__) would be trusted as markup
    # by the template engine: keep only the characters, as a plain str. Non-text is kept as
    # given, for validation to name.
    return str.__str__(value) if isinstance(value, str) else value


def _optional_text(value: str | None) -> str | None:
    return None if value is None else _text(value)


# The papers a form can be laid out on, as a request names them (in any case: "letter").
PAPER_SIZES = ("A4", "Letter")


def paper_named(value: object) -> str | None:
    """The paper ``value`` names, spelt as in PAPER_SIZES ("letter" is "Letter"), or None if
    it names none (requests, --paper-size and render_batch read a paper alike)."""
    if isinstance(value, str):
        for name in PAPER_SIZES:
            if value.casefold() == name.casefold():
                return name
    return None


def _paper_size(value: str | None) -> str | None:
    # Anything that names no paper is kept as given, for validation to name.
    return paper_named(value) or value


def _tuple_of_text(items: Iterable[str]) -> tuple[str, ...]:
    # A list from a caller becomes an immutable tuple. A lone string is kept as given rather
    # than split into characters, and so is what has no order (a set, whose order changes
    # from process to process, or a mapping; a dict's keys keep their order): validation
    # says it must be a list.
    unordered = isinstance(items, AbstractSet | Mapping) and not isinstance(items, KeysView)
    if isinstance(items, str) or unordered or not isinstance(items, Iterable):
        return items  # type: ignore[return-value]
    return tuple(_text(item) for item in items)


@attrs.frozen
class Patient:
    """The person giving consent."""

    full_name: str = attrs.field(converter=_text)
    date_of_birth: dt.date
    patient_id: str | None = attrs.field(default=None, converter=_optional_text)


@attrs.frozen
class Clinic:
    """Where the treatment is given; also the contact for problems after treatment."""

    name: str = attrs.field(converter=_text)
    address: str = attrs.field(converter=_text)
    phone: str = attrs.field(converter=_text)
    # The paper the clinic prints its forms on: "A4" or "Letter" (US Letter). None, the
    # default, lays the DOCX out on A4 and leaves the HTML to the printer's own paper.
    paper_size: str | None = attrs.field(default=None, converter=_paper_size)
    # The age from which a patient may consent to the treatment alone where the clinic
    # practises (the age of majority, or of medical consent where the law sets it lower):
    # from 12 to 21. None, the default, is 18. A younger patient's form that no parent or
    # guardian signs is reported (RenderResult.minor_without_guardian).
    consent_age: int | None = None


@attrs.frozen
class Practitioner:
    """The medical professional who gives the treatment and countersigns the form."""

    full_name: str = attrs.field(converter=_text)
    qualification: str = attrs.field(converter=_text)


@attrs.frozen
class PlannedTreatment:
    """What is planned for this patient, as the practitioner wrote it down."""

    treated_areas: tuple[str, ...] = attrs.field(converter=_tuple_of_text)
    number_of_sessions: int
    interval_days: int
    product: str = attrs.field(converter=_text)


@attrs.frozen
class ScreeningAnswer:
    """The patient's answer to one screening question of the procedure.

    ``details`` is free text the patient adds (for example which other medical condition);
    questions that ask for details require it when the answer is yes.
    """

    answer: bool
    details: str | None = attrs.field(default=None, converter=_optional_text)


@attrs.frozen
class Witness:
    """A third person who signs the form: ``role`` is ``"witness"`` (they saw the patient
    sign), ``"interpreter"`` (they translated the form for the patient) or ``"guardian"`` (the
    patient's parent or legal guardian, who consents on their behalf)."""

    full_name: str = attrs.field(converter=_text)
    role: str = attrs.field(default="witness", converter=_text)


@attrs.frozen
class ConsentRequest:
    """One consent form to render.

    ``screening`` maps each screening question id of the procedure (for mesotherapy:
    ``pregnant``, ``breastfeeding``, ``clotting_disorder``, ``other_conditions``; see
    ``Engine().procedures[procedure].screening``) to the patient's answer.
    """

    patient: Patient
    clinic: Clinic
    practitioner: Practitioner
    procedure: str = attrs.field(converter=_text)
    locale: str = attrs.field(converter=_text)
    consent_date: dt.date
    treatment: PlannedTreatment
    # Compared, but not hashed (a read-only mapping has no hash): a request is hashable as
    # other frozen data is, and equal requests hash alike.
    screening: Mapping[str, ScreeningAnswer] = attrs.field(converter=_freeze_mapping, hash=False)
    witness: Witness | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        # The read-only screening mapping cannot be pickled or deep-copied as it is: a request
        # travels (to a process pool, a task queue, copy.deepcopy) with a plain dict in its
        # place, which the converter makes read-only again when the request is rebuilt.
        # A subclass of a clinic's own travels as itself, with its fields.
        fields = init_arguments(self, type(self))
        if isinstance(self.screening, Mapping):
            fields["screening"] = dict(self.screening)
        return (_rebuilt, (type(self), fields))


def _rebuilt(cls: type[ConsentRequest], fields: dict[str, Any]) -> ConsentRequest:
    return cls(**fields)


def init_arguments(value: object, cls: type) -> dict[str, Any]:
    """The arguments that build ``value`` again as a ``cls`` (its class, or a base class):
    the values of ``cls``'s fields, by the names its ``__init__`` takes."""
    return {str(f.alias): getattr(value, f.name) for f in attrs.fields(cls) if f.init}


# The classes a request's sections are declared as.
_SECTIONS: dict[str, type] = {
    "patient": Patient,
    "clinic": Clinic,
    "practitioner": Practitioner,
    "treatment": PlannedTreatment,
    "witness": Witness,
}


def _is_subclassed(value: object, cls: type) -> bool:
    return isinstance(value, cls) and type(value) is not cls


def of_own_classes(request: ConsentRequest) -> ConsentRequest:
    """``request`` made of mesoconsent's own classes: a caller's subclass of the request, of
    a section or of a screening answer rebuilt as the class it extends (its own fields left
    out), for a process that may not be able to import the caller's class (a batch's
    workers). Anything else is kept as given, for validation to name."""
    fields = init_arguments(request, ConsentRequest)
    changed = type(request) is not ConsentRequest
    for name, cls in _SECTIONS.items():
        if _is_subclassed(fields[name], cls):
            fields[name] = cls(**init_arguments(fields[name], cls))
            changed = True
    screening = request.screening
    if isinstance(screening, Mapping) and any(
        _is_subclassed(answer, ScreeningAnswer) for answer in screening.values()
    ):
        fields["screening"] = {
            key: ScreeningAnswer(**init_arguments(answer, ScreeningAnswer))
            if _is_subclassed(answer, ScreeningAnswer)
            else answer
            for key, answer in screening.items()
        }
        changed = True
    return ConsentRequest(**fields) if changed else request
