"""Procedure definitions: which disclosures a consent form must state, as data.

A procedure lives in ``templates/<procedure id>/``: ``procedure.toml`` declares its required
disclosures (id, section, English source wording) and its screening questions, and a Jinja2
template lays them out. Disclosures every consent form carries whatever the procedure
(alternatives, no guarantee, the right to withdraw, ...) are declared once in
``templates/common/disclosures.toml`` and required of every procedure.

Adding a procedure is therefore a data-and-template change; nothing here names mesotherapy.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

import attrs
import cattrs
import cattrs.v
from cattrs.gen import make_dict_structure_fn

from mesoconsent.document import (
    ALERT_PREFIX,
    SCREENING_PREFIX,
    SIGNATURE_PREFIX,
    STATEMENT_PREFIX,
    screening_key,
)
from mesoconsent.errors import ProcedureDefinitionError
from mesoconsent.text_rules import text_problem

COMMON_DIR = "common"
PROCEDURE_FILE = "procedure.toml"
COMMON_DISCLOSURES_FILE = "disclosures.toml"

# Disclosure ids are message contexts in every catalog and recorded in stored documents: a
# plain dotted shape ("section.what") keeps them readable and safe in every one of those places.
DISCLOSURE_ID = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+")
MAX_DISCLOSURE_ID_LENGTH = 64
# Marks the DOCX writer uses for screening rows, signers and the alert, and the names of the
# signers' statements in problems: no disclosure id may start so.
RESERVED_PREFIXES = (SCREENING_PREFIX, SIGNATURE_PREFIX, ALERT_PREFIX, STATEMENT_PREFIX)
PROCEDURE_ID = re.compile(r"[a-z][a-z0-9_]{0,39}")
SCREENING_ID = re.compile(r"[a-z][a-z0-9_]{0,39}")
# Recorded in every document's identifier (urn:mesoconsent:<procedure>:<version>:<locale>).
TEMPLATE_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+-]{0,39}")
# The format specs wording may use: a named placeholder, or %% for a literal percent sign.
FORMAT_SPEC = re.compile(r"(%\(\w+\)s|%%)")


@attrs.frozen
class Disclosure:
    """A statement the patient must be given, with its English source wording.

    The wording may hold named placeholders such as ``%(clinic)s``, filled by the template.
    """

    id: str
    section: str
    text: str
    # For translators, never printed: what the text cannot say by itself (what "this" or "it"
    # refers to, in a bullet of its own), copied into the catalog template as a comment.
    note: str = ""


@attrs.frozen
class ScreeningQuestion:
    """A question the patient answers yes or no before treatment.

    ``disclosure`` is the contraindication it screens for; a "yes" flags the form.
    """

    id: str
    text: str
    disclosure: str
    asks_details: bool = False

    @property
    def key(self) -> str:
        """The question's message context, mark and name in problems (``screening_key``)."""
        return screening_key(self.id)


@attrs.frozen
class Procedure:
    """Everything mesoconsent knows about one procedure's consent form."""

    id: str
    template: str
    template_version: str
    disclosures: tuple[Disclosure, ...]
    screening: tuple[ScreeningQuestion, ...]
    _by_id: Mapping[str, Disclosure] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {d.id: d for d in self.disclosures})

    @property
    def required_ids(self) -> tuple[str, ...]:
        return tuple(d.id for d in self.disclosures)

    def disclosure(self, disclosure_id: str) -> Disclosure:
        return self._by_id[disclosure_id]

    def has_disclosure(self, disclosure_id: str) -> bool:
        return disclosure_id in self._by_id


@attrs.frozen
class _ProcedureFile:
    id: str
    template: str
    template_version: str
    disclosures: tuple[Disclosure, ...]
    screening: tuple[ScreeningQuestion, ...] = ()


@attrs.frozen
class _CommonFile:
    disclosures: tuple[Disclosure, ...]


class _WrongKindError(TypeError):
    """A TOML value of the wrong kind; the message says what was expected."""


# What TOML calls the kinds of value tomllib gives (datetime before date: it is one).
_TOML_KINDS = (
    (str, "a string"),
    (bool, "true or false"),
    (int, "an integer"),
    (float, "a float"),
    (list, "an array"),
    (dict, "a table"),
    (dt.datetime, "a date-time"),
    (dt.date, "a date"),
    (dt.time, "a time"),
)


def _only(
    kind: type, expected: str, structure: Callable[[Any, type], Any] | None = None
) -> Callable[[Any, type], Any]:
    """A hook taking a TOML value only as what it is, then made what it holds by
    ``structure``, if given. cattrs' own hooks make any value text (``text = ["..."]`` printed
    its list on every form), any string or number a bool (``asks_details = "false"`` asked
    for details) and a string an array (each character an entry), and fail on an entry that
    is not a table with an "unknown error" about ``.keys()``."""

    def checked(value: Any, cls: type) -> Any:
        if type(value) is not kind:
            given = next(name for each, name in _TOML_KINDS if isinstance(value, each))
            raise _WrongKindError(f"must be {expected}, not {given}")
        return value if structure is None else structure(value, cls)

    return checked


def _said(error: BaseException, kind: type | None) -> str:
    if isinstance(error, _WrongKindError):
        return str(error)
    return cattrs.v.format_exception(error, kind)


def _make_converter() -> cattrs.Converter:
    converter = cattrs.Converter(forbid_extra_keys=True)
    converter.register_structure_hook(str, _only(str, "a string (text in quotes)"))
    converter.register_structure_hook(bool, _only(bool, "true or false (without quotes)"))
    for entry, name in ((Disclosure, "disclosures"), (ScreeningQuestion, "screening")):
        made = make_dict_structure_fn(entry, converter, _cattrs_forbid_extra_keys=True)
        converter.register_structure_hook(entry, _only(dict, "a table", made))
        listed: Any = tuple[entry, ...]  # type: ignore[valid-type]
        converter.register_structure_hook_func(
            functools.partial(operator.eq, listed),  # (listed.__eq__ is tuple's)
            _only(list, f"an array of tables ([[{name}]])", converter.get_structure_hook(listed)),
        )
    return converter


_converter = _make_converter()
T = TypeVar("T")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ProcedureDefinitionError(f"{path}: {error}") from None


def _structure(data: dict[str, Any], cls: type[T], path: Path) -> T:
    try:
        return _converter.structure(data, cls)
    except cattrs.BaseValidationError as error:
        # Named as the file is: "procedure.screening[3]", "common.disclosures[0]".
        named = "procedure" if cls is _ProcedureFile else "common"
        found = cattrs.transform_error(error, path=named, format_exception=_said)
        details = "; ".join(_naming_the_entry(problem, data) for problem in found)
        raise ProcedureDefinitionError(f"{path}: {details}") from None


_ENTRY_AT = re.compile(r"@ (?:procedure|common)\.(disclosures|screening)\[([0-9]+)\]")


def _naming_the_entry(problem: str, data: dict[str, Any]) -> str:
    """``problem`` with the entry it is in named as its author finds it: cattrs counts the
    [[disclosures]] and [[screening]] tables from 0 ("procedure.disclosures[3].section"), which
    a file of thirty has its author count; its id, where it has one, and its ordinal do not."""
    at = _ENTRY_AT.search(problem)
    if at is None:
        return problem
    name, index = at.group(1), int(at.group(2))
    entries = data.get(name)
    entry = entries[index] if isinstance(entries, list) and index < len(entries) else None
    named = entry.get("id") if isinstance(entry, dict) else None
    shown = f", id {named!r}" if isinstance(named, str) and len(named) <= 80 else ""
    return f"{problem} (the [[{name}]] table number {index + 1}{shown})"


def load_procedure(procedure_dir: Path, common_dir: Path) -> Procedure:
    """Read and check ``procedure.toml`` in ``procedure_dir`` plus the common disclosures."""
    path = procedure_dir / PROCEDURE_FILE
    spec = _structure(_read_toml(path), _ProcedureFile, path)
    common_path = common_dir / COMMON_DISCLOSURES_FILE
    common = _structure(_read_toml(common_path), _CommonFile, common_path)
    procedure = Procedure(
        id=spec.id,
        template=spec.template,
        template_version=spec.template_version,
        disclosures=spec.disclosures + common.disclosures,
        screening=spec.screening,
    )
    problems = list(
        _check(
            procedure,
            expected_id=procedure_dir.name,
            own=len(spec.disclosures),
            common_path=common_path,
        )
    )
    if problems:
        raise ProcedureDefinitionError(f"{path}: " + "; ".join(problems))
    return procedure


def _check(procedure: Procedure, expected_id: str, own: int, common_path: Path) -> Iterable[str]:
    """The problems of ``procedure``, whose first ``own`` disclosures are its file's and the
    rest those of ``common_path``."""
    if procedure.id != expected_id or not PROCEDURE_ID.fullmatch(procedure.id):
        yield f"id {procedure.id!r} must match its folder name and be lowercase letters/digits/_"
    seen: dict[str, int] = {}
    for index, disclosure in enumerate(procedure.disclosures):
        earlier = seen.setdefault(disclosure.id, index)
        if earlier != index:
            yield _declared_twice(disclosure.id, earlier < own, index < own, common_path)
        if not DISCLOSURE_ID.fullmatch(disclosure.id) or (
            len(disclosure.id) > MAX_DISCLOSURE_ID_LENGTH
        ):
            yield (
                f"disclosure id {disclosure.id!r} must be dotted lowercase words "
                f"(like 'risks.rare_infection'), at most {MAX_DISCLOSURE_ID_LENGTH} characters"
            )
        if disclosure.id.startswith(RESERVED_PREFIXES):
            reserved = " or ".join(RESERVED_PREFIXES)
            yield f"disclosure id {disclosure.id!r} may not start with {reserved}"
        if (problem := text_problem(disclosure.text, multiline=True)) is not None:
            yield f"disclosure {disclosure.id!r}: its text {problem}"
        if disclosure.note and (problem := text_problem(disclosure.note, multiline=False)):
            # A comment line of every catalog: a line break or a control character there
            # would end it, and what followed would be read as the catalog's own lines.
            yield f"disclosure {disclosure.id!r}: its note {problem}"
        if "%" in FORMAT_SPEC.sub("", disclosure.text):
            yield (
                f"disclosure {disclosure.id!r}: write a percent sign as %% "
                "(a lone % starts a placeholder, which must look like %(name)s)"
            )
    for question in procedure.screening:
        if not SCREENING_ID.fullmatch(question.id):
            yield f"screening question id {question.id!r} must be lowercase letters/digits/_"
        if (problem := text_problem(question.text, multiline=True)) is not None:
            yield f"screening question {question.id!r}: its text {problem}"
        if question.disclosure not in seen:
            yield f"screening question {question.id!r} names unknown {question.disclosure!r}"
    if not procedure.screening:
        # Every form states consent.screening_truthful ("The answers I gave to the health
        # questions in this form are true ..."): a form that asked none would have the patient
        # sign for answers never given.
        yield (
            "has no [[screening]] question: every consent form asks at least one, and the "
            "patient signs that the answers are true (consent.screening_truthful)"
        )
    declared = Counter(question.id for question in procedure.screening)
    for question_id, times in declared.items():
        if times > 1:
            yield f"screening question {question_id!r} is declared twice (ids must be unique)"
    if not TEMPLATE_VERSION.fullmatch(procedure.template_version):
        yield "template_version must be a version string such as 1.0.0"
    # Worded alike, one of two would say nothing of its own: a form would state one thing
    # twice and another never (in English as in every translation: coverage.alike_problems).
    wordings = [
        *((f"disclosure {d.id!r}", d.text) for d in procedure.disclosures),
        *((f"screening question {q.id!r}", q.text) for q in procedure.screening),
    ]
    for named, first in worded_alike((n, text) for n, text in wordings if text.strip()):
        yield f"{named} is worded exactly as {first}: {EACH_ITS_OWN}"


def _declared_twice(disclosure_id: str, first_own: bool, again_own: bool, common: Path) -> str:
    """What is wrong with a disclosure id declared again, each time in the procedure's own
    file (``first_own``, ``again_own``) or in the common disclosures (``common``)."""
    if again_own:
        return f"disclosure {disclosure_id!r} is declared twice"
    if first_own:
        # The procedure's file holds it once: "declared twice" sent its author looking there
        # for a second entry that is in the common file.
        return (
            f"disclosure {disclosure_id!r} is also declared in {common}, which every "
            "procedure states: give the procedure's own another id"
        )
    return f"disclosure {disclosure_id!r} is declared twice in {common}"


# Why two disclosures or questions may not be worded alike, as problems say it.
EACH_ITS_OWN = "each must say what it alone says"


def worded_alike(wordings: Iterable[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    """(name, the earlier one's name) for each of ``wordings`` (name, text) that is worded
    exactly as an earlier one, case and spacing aside."""
    first_with: dict[str, str] = {}
    for name, text in wordings:
        first = first_with.setdefault(" ".join(text.split()).casefold(), name)
        if first != name:
            yield name, first


def discover_procedures(template_dirs: Iterable[Path]) -> dict[str, Procedure]:
    """Every procedure found in ``template_dirs``; earlier folders override later ones.

    An override may reword or add disclosures but never drop one that the definition it
    overrides requires (the bundled procedures are a floor): a clinic's template folder must
    not be able to weaken the guarantee by leaving a line out of a TOML file.
    """
    dirs = list(template_dirs)
    common = _common_dir(dirs)
    found: dict[str, Procedure] = {}
    for candidate in _procedure_folders(reversed(dirs)):  # lowest priority first
        procedure = load_procedure(candidate, common)
        overridden = found.get(candidate.name)
        if overridden is not None:
            _refuse_dropped(
                candidate / PROCEDURE_FILE,
                overridden.required_ids,
                {d.id for d in procedure.disclosures},
            )
            _refuse_dropped(
                candidate / PROCEDURE_FILE,
                [q.key for q in overridden.screening],
                {q.key for q in procedure.screening},
            )
        found[candidate.name] = procedure
    return dict(sorted(found.items()))


def definition_files(template_dirs: Iterable[Path]) -> list[tuple[str, Path]]:
    """The definition files :func:`discover_procedures` takes its procedures from, each as
    its name within its template folder and its path: the common disclosures, then each
    procedure's ``procedure.toml`` (the first folder's, where several have one)."""
    dirs = list(template_dirs)
    common = _common_dir(dirs) / COMMON_DISCLOSURES_FILE
    chosen: dict[str, Path] = {}
    for candidate in _procedure_folders(dirs):  # highest priority first
        chosen.setdefault(candidate.name, candidate / PROCEDURE_FILE)
    return [(f"{COMMON_DIR}/{COMMON_DISCLOSURES_FILE}", common)] + [
        (f"{name}/{PROCEDURE_FILE}", path) for name, path in sorted(chosen.items())
    ]


def _procedure_folders(template_dirs: Iterable[Path]) -> Iterator[Path]:
    """The procedure folders (those with a procedure.toml) of each folder, in turn."""
    for template_dir in template_dirs:
        for candidate in sorted(template_dir.iterdir()) if template_dir.is_dir() else ():
            if candidate.name != COMMON_DIR and (candidate / PROCEDURE_FILE).is_file():
                yield candidate


def _common_dir(dirs: list[Path]) -> Path:
    """The common disclosures of the first folder that has them, checked against the rest."""
    candidates = [
        d / COMMON_DIR for d in dirs if (d / COMMON_DIR / COMMON_DISCLOSURES_FILE).is_file()
    ]
    if not candidates:
        raise ProcedureDefinitionError(
            f"no {COMMON_DIR}/{COMMON_DISCLOSURES_FILE} in any template folder"
        )

    def ids(directory: Path) -> list[str]:
        path = directory / COMMON_DISCLOSURES_FILE
        return [d.id for d in _structure(_read_toml(path), _CommonFile, path).disclosures]

    chosen = set(ids(candidates[0]))
    for lower in candidates[1:]:
        _refuse_dropped(candidates[0] / COMMON_DISCLOSURES_FILE, ids(lower), chosen)
    return candidates[0]


def _refuse_dropped(path: Path, required: Iterable[str], declared: set[str]) -> None:
    dropped = [disclosure_id for disclosure_id in required if disclosure_id not in declared]
    if dropped:
        raise ProcedureDefinitionError(
            f"{path}: overrides a definition but leaves out what it requires: "
            f"{', '.join(dropped)}; an override may add or reword, never drop"
        )
