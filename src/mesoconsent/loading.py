"""Structure JSON into a :class:`~mesoconsent.model.ConsentRequest` (used by the Engine's
``load_request``/``request_from_json``/``request_from_dict``, which also check values).

cattrs does the structuring: it knows the attrs classes, reports every shape problem at once
with its path, and refuses unknown keys (a misspelt ``"breastfeding"`` must not silently leave
a screening question unanswered). The hooks below are strict on purpose: JSON ``"4"`` is not a
number of sessions, ``"no"`` is not a boolean, ``12`` is not a name.
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
import os
import re
import types
import typing
from collections.abc import Mapping
from typing import Any, BinaryIO

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn
from cattrs.v import format_exception

from mesoconsent.errors import FIELD_NAME, FieldProblem, ValidationError, shown_key
from mesoconsent.model import ConsentRequest, ScreeningAnswer
from mesoconsent.validation import MOST_LIST_ENTRIES, serializable_problems, too_many_entries


class _WrongTypeError(TypeError):
    """A JSON value of the wrong kind; the message says what was expected."""


def _strict(expected: type, label: str) -> Any:
    def structure(value: Any, _: type) -> Any:
        if type(value) is not expected:
            raise _WrongTypeError(f"must be {label}")
        return value

    return structure


def _structure_date(value: Any, _: type) -> dt.date:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise _WrongTypeError("must be a date written YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _WrongTypeError("must be a real calendar date (YYYY-MM-DD)") from None


def _structure_answer(value: Any, _: type) -> ScreeningAnswer:
    # The short form `"pregnant": false` and the long form with details are both accepted.
    if isinstance(value, bool):
        return ScreeningAnswer(answer=value)
    if isinstance(value, Mapping):
        return _plain_converter.structure(value, ScreeningAnswer)
    raise _WrongTypeError('must be true, false or {"answer": true/false, "details": "..."}')


def _structure_text_list(value: Any, _: type) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise _WrongTypeError("must be a list of text")
    if len(value) > MOST_LIST_ENTRIES:  # refused unread: each would be checked
        raise _WrongTypeError(too_many_entries(len(value)))
    return tuple(_plain_converter.structure(value, list[str]))


def _objects_only(converter: cattrs.Converter) -> Any:
    """Structure attrs classes from JSON objects only.

    cattrs' generated code calls ``.keys()`` on whatever it is given, so ``"clinic": "x"``
    would escape as an AttributeError instead of a problem at ``clinic``.
    """

    def factory(cls: type) -> Any:
        generated: Any = make_dict_structure_fn(cls, converter, _cattrs_forbid_extra_keys=True)

        def structure(value: Any, _: type) -> Any:
            if not isinstance(value, Mapping):
                raise _WrongTypeError("must be an object ({...})")
            return generated(value, cls)

        return structure

    return factory


def _make_converter() -> cattrs.Converter:
    converter = cattrs.Converter(forbid_extra_keys=True)
    converter.register_structure_hook(str, _strict(str, "text"))
    converter.register_structure_hook(bool, _strict(bool, "true or false"))
    converter.register_structure_hook(int, _strict(int, "a whole number"))
    converter.register_structure_hook(dt.date, _structure_date)
    converter.register_structure_hook_factory(attrs.has, _objects_only(converter))
    return converter


# Screening answers one request may give, at most: a procedure asks a handful of questions,
# and a million unknown ones would each be structured and reported (the report is capped,
# errors.MOST_PROBLEMS, the work would not be).
MOST_SCREENING_ANSWERS = 1000


def _structure_screening(value: Any, _: type) -> dict[str, ScreeningAnswer]:
    if not isinstance(value, Mapping):
        raise _WrongTypeError("must be an object mapping each question to its answer")
    if len(value) > MOST_SCREENING_ANSWERS:
        raise _WrongTypeError(
            f"gives {len(value):,} answers, more than any procedure asks "
            f"(at most {MOST_SCREENING_ANSWERS:,})"
        )
    answers: dict[str, ScreeningAnswer] = _screening_mapping(value, _SCREENING)
    return answers


# Two converters: the plain one structures the long form of a screening answer inside the
# hook that accepts both forms (using the main one there would recurse into that hook).
_plain_converter = _make_converter()
_converter = _make_converter()
_converter.register_structure_hook(ScreeningAnswer, _structure_answer)
_converter.register_structure_hook_func(
    lambda annotation: annotation == tuple[str, ...], _structure_text_list
)
_SCREENING = Mapping[str, ScreeningAnswer]
_screening_mapping = _converter.get_structure_hook(_SCREENING)
_converter.register_structure_hook_func(
    lambda annotation: annotation == _SCREENING, _structure_screening
)


class _Unreadable:
    """Stands in for a value the loader could not structure; validation skips its path."""

    def __repr__(self) -> str:
        return "<unreadable>"


UNREADABLE: Any = _Unreadable()


# Unknown fields named in one problem, at most.
_MOST_NAMED = 10


def _describe(error: BaseException, type_: Any) -> str:
    if isinstance(error, _WrongTypeError):
        return str(error)
    if isinstance(error, cattrs.ForbiddenExtraKeysError):
        listed = sorted(name for name in error.extra_fields if shown_key(name) is not None)
        hidden = len(error.extra_fields) - len(listed)
        if len(listed) > _MOST_NAMED:  # a request of many keys makes no error of them all
            listed[_MOST_NAMED:] = [f"and {len(listed) - _MOST_NAMED:,} more"]
        if hidden:
            names = "name is" if hidden == 1 else "names are"
            and_ = "and " if listed else ""
            listed.append(f"{and_}{hidden:,} whose {names} not shown (not a field name)")
        return f"unknown field(s): {', '.join(listed)}"
    if isinstance(error, KeyError):
        return "is required"
    return format_exception(error, type_)


def _field_path(cattrs_path: str) -> str:
    # "$.screening['pregnant'].answer" -> "screening.pregnant.answer". A key that is not
    # shaped like a field name is not quoted (errors.shown_key): the path stops before it.
    path = _SHOWN_KEY_SEGMENT.sub(r".\1", cattrs_path)
    path = re.sub(r"\[(?!\d+\]).*", "", path)  # list positions ([0]) are kept
    return path.removeprefix("$").removeprefix(".") or "request"


# A key in a cattrs path ("['pregnant']") that shown_key would quote.
_SHOWN_KEY_SEGMENT = re.compile(rf"\['({FIELD_NAME.pattern})'\]")


def _non_string_key(data: Mapping[Any, Any]) -> FieldProblem | None:
    """The first mapping in ``data`` with a key that is not a string, as a problem at its path.

    Decoded JSON never has one; a dict built in code may ({5: ...}), and every check after
    this one expects strings. The key itself is not quoted: it could be anything, data
    included; nor is a string key not shaped like a field name (errors.shown_key) on the way
    to it: the problem is then at the object that holds that key. Each container is looked at
    once, so a dict that holds itself does not loop.
    """
    # (path, value, whether the path stopped at a key it may not name)
    pending: list[tuple[str, Any, bool]] = [("", data, False)]
    seen: set[int] = set()
    while pending:
        path, value, hidden = pending.pop()
        if not isinstance(value, Mapping | list | tuple) or id(value) in seen:
            continue
        seen.add(id(value))
        if isinstance(value, Mapping):
            for key, item in value.items():
                if not isinstance(key, str):
                    return FieldProblem(
                        path or "request",
                        f"has a key that is not a string ({type(key).__name__}): keys must be "
                        "strings, as in JSON",
                    )
                if hidden or shown_key(key) is None:
                    pending.append((path, item, True))
                else:
                    pending.append((f"{path}.{key}" if path else key, item, False))
        elif hidden:
            pending.extend((path, item, True) for item in value)
        else:
            pending.extend((f"{path}[{index}]", item, False) for index, item in enumerate(value))
    return None


def structure_request(data: Any) -> tuple[ConsentRequest | None, list[FieldProblem], set[str]]:
    """Structure decoded JSON as far as it goes.

    Returns the request (with :data:`UNREADABLE` wherever a value could not be structured, or
    None if ``data`` is not even an object), the shape problems found, and the field paths
    that hold placeholders. Value checks can then run on everything that did structure, so
    one pass reports every problem in the file.
    """
    if not isinstance(data, Mapping):
        return None, [FieldProblem("request", "must be a JSON object")], {"request"}
    key_problem = _non_string_key(data)
    if key_problem is not None:
        return None, [key_problem], {"request"}
    try:
        return _converter.structure(data, ConsentRequest), [], set()
    except cattrs.BaseValidationError as error:
        problems = []
        for line in cattrs.transform_error(error, path="$", format_exception=_describe):
            message, _, path = line.rpartition(" @ ")
            problems.append(FieldProblem(_field_path(path), message))
    unreadable: set[str] = set()
    partial = _partial(ConsentRequest, data, "", unreadable)
    return partial, problems, unreadable


def _partial(cls: type, data: Mapping[str, Any], prefix: str, unreadable: set[str]) -> Any:
    """An instance of attrs class ``cls`` with UNREADABLE for each field that does not
    structure (descending into nested attrs classes and the screening answers)."""
    values: dict[str, Any] = {}
    for field in attrs.fields(attrs.resolve_types(cls)):
        path = f"{prefix}{field.name}"
        if field.name not in data:
            if field.default is attrs.NOTHING:
                unreadable.add(path)
                values[field.name] = UNREADABLE
            continue
        raw = data[field.name]
        try:
            values[field.name] = _converter.structure(raw, field.type)
            continue
        except Exception:
            pass
        nested = _attrs_class_of(field.type)
        if (
            cls is ConsentRequest
            and field.name == "screening"
            and isinstance(raw, Mapping)
            and len(raw) <= MOST_SCREENING_ANSWERS
        ):
            values[field.name] = {
                key: _answer_or_unreadable(answer, _entry_path(path, key, position), unreadable)
                for position, (key, answer) in enumerate(raw.items(), start=1)
            }
        elif nested is not None and isinstance(raw, Mapping):
            values[field.name] = _partial(nested, raw, f"{path}.", unreadable)
        else:
            unreadable.add(path)
            values[field.name] = UNREADABLE
    return cls(**values)


def _entry_path(path: str, key: str, position: int) -> str:
    """Where a screening entry is, for skipping its checks: by key if the key may be shown,
    else by position (a path no problem is reported at)."""
    shown = shown_key(key)
    return f"{path}.{shown}" if shown is not None else f"{path}[{position}]"


def _attrs_class_of(annotation: Any) -> type | None:
    """``Witness`` for ``Witness`` or ``Witness | None``; None for anything else."""
    candidates = (
        typing.get_args(annotation)
        if typing.get_origin(annotation) in (typing.Union, types.UnionType)
        else (annotation,)
    )
    return next((c for c in candidates if attrs.has(c)), None)


def _answer_or_unreadable(raw: Any, path: str, unreadable: set[str]) -> Any:
    try:
        return _converter.structure(raw, ScreeningAnswer)
    except (cattrs.BaseValidationError, _WrongTypeError, ValueError, TypeError, KeyError):
        unreadable.add(path)
        return UNREADABLE


MAX_REQUEST_BYTES = 16 * 1024 * 1024
"""The largest request document read: a request is a few kilobytes (1,000 treated areas,
the most a request may list, about 20 KB), and a file is read no further (a device or an
endless pipe given as the request was read until memory ran out)."""
LARGEST_REQUEST = f"over {MAX_REQUEST_BYTES // 2**20} MB"
""":data:`MAX_REQUEST_BYTES` as messages say it."""
_TOO_LARGE = FieldProblem("request", f"is larger than a request can be ({LARGEST_REQUEST})")


def read_request_file(path: str | os.PathLike[str]) -> bytes:
    """A request file's bytes, read no further than :data:`MAX_REQUEST_BYTES` (ValidationError
    beyond); OSError if it cannot be read."""
    with open(path, "rb") as file:
        return read_request_stream(file)


def read_request_stream(stream: BinaryIO) -> bytes:
    """A request's bytes from an open binary stream (standard input), read as
    :func:`read_request_file` reads a file."""
    data = stream.read(MAX_REQUEST_BYTES + 1)
    if len(data) > MAX_REQUEST_BYTES:
        raise ValidationError([_TOO_LARGE])
    return data


# The byte-order marks of the encodings a JSON file may be saved in by mistake, UTF-32's first:
# its little-endian mark begins with UTF-16's. (Windows PowerShell 5 saves as UTF-16.)
_WIDE_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def wide_encoding(data: bytes) -> str | None:
    """What is wrong with ``data`` if it starts with a UTF-16 or UTF-32 byte-order mark, which
    says how it was saved better than the first byte that is not UTF-8 does."""
    for mark, name in _WIDE_BYTE_ORDER_MARKS:
        if data.startswith(mark):
            return f"{name} encoded text (it starts with a {name} byte-order mark)"
    return None


def decode_json(text: str | bytes | bytearray | memoryview) -> Any:
    """Decode a request document: UTF-8 (a byte-order mark is allowed), no repeated keys.
    TypeError for anything but text or bytes (None is not a document)."""
    if isinstance(text, bytearray | memoryview):
        text = bytes(text)
    if not isinstance(text, str | bytes):
        raise TypeError(
            f"a JSON request document must be text (str) or UTF-8 bytes, not {type(text).__name__}"
        )
    if len(text) > MAX_REQUEST_BYTES:  # (in characters, for text: at least as many bytes)
        raise ValidationError([_TOO_LARGE])
    # Each problem is raised after its except block: raised inside it, even "from None", the
    # ValidationError would keep the decoding error as __context__, and with it the whole
    # document (a JSONDecodeError's .doc, a UnicodeDecodeError's .object).
    problem = None
    if isinstance(text, bytes):
        encoded = text
        try:
            text = encoded.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            problem = wide_encoding(encoded) or f"not UTF-8 encoded text (byte {error.start + 1})"
            problem += "; save it as UTF-8"
        if problem is not None:
            raise ValidationError([FieldProblem("request", problem)])
    else:  # a file with a byte-order mark, read as text, starts with it
        text = text.removeprefix("\ufeff")
    try:
        data = json.loads(text, object_pairs_hook=_RepeatedKeys.collect)
        repeated = _repeated_paths(data, "")
    except json.JSONDecodeError as error:
        # Position only: the message of a decode error would quote the file's content.
        problem = f"not valid JSON (line {error.lineno}, column {error.colno})"
    except RecursionError:
        problem = "is nested too deeply"
    except ValueError:  # an integer with more digits than Python converts
        problem = "holds a number too long to read"
    if problem is not None:
        raise ValidationError([FieldProblem("request", problem)])
    if repeated:
        # A repeated key would silently keep one of two answers ("pregnant": false, then
        # true): refuse to guess, and say where.
        raise ValidationError(repeated)
    return data


class _RepeatedKeys(dict[str, Any]):
    """A decoded JSON object that remembers which of its keys were repeated."""

    repeated: tuple[str, ...] = ()

    @classmethod
    def collect(cls, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result = cls(pairs)
        if len(result) != len(pairs):
            seen: set[str] = set()
            repeated = []
            for key, _ in pairs:
                if key in seen:
                    repeated.append(key)
                seen.add(key)
            result.repeated = tuple(repeated)
        return result


def _repeated_paths(value: Any, prefix: str, hidden: str | None = None) -> list[FieldProblem]:
    """A problem for each key repeated in an object of ``value``, at its path. A key that is
    not shaped like a field name is not quoted (errors.shown_key): a key repeated in the
    object that holds it, or anywhere inside its value, is reported at that object
    (``hidden``), since the path to it would have to name the key."""
    problems: list[FieldProblem] = []
    if isinstance(value, dict):
        here = prefix.removesuffix(".") or "request"  # this object's own path
        if isinstance(value, _RepeatedKeys):
            for key in dict.fromkeys(value.repeated):
                if hidden is None and shown_key(key) is not None:
                    problems.append(FieldProblem(f"{prefix}{key}", _REPEATED))
                else:
                    problems.append(FieldProblem(hidden or here, _REPEATED_UNSHOWN))
        for key, item in value.items():
            if hidden is None and shown_key(key) is None:
                problems.extend(_repeated_paths(item, prefix, here))
            else:
                problems.extend(_repeated_paths(item, f"{prefix}{key}.", hidden))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            inner = f"{prefix.removesuffix('.')}[{index}]."
            problems.extend(_repeated_paths(item, inner, hidden))
    return list(dict.fromkeys(problems))  # one problem at a hidden key's object, however many


_REPEATED = "appears more than once in the same object"
_REPEATED_UNSHOWN = (
    "holds a key more than once, which is not named here: it is not shaped like a field "
    "name, or it is inside one that is not"
)


def request_to_dict(request: ConsentRequest) -> dict[str, Any]:
    """The JSON-ready form of a request, the inverse of :func:`request_from_dict`.

    A request built in code whose sections, dates or screening answers are of another type
    cannot be written out: ValidationError names the field (TypeError if ``request`` is not a
    ConsentRequest at all)."""
    if not isinstance(request, ConsentRequest):
        raise TypeError(f"request must be a ConsentRequest, not {type(request).__name__}")
    problems = serializable_problems(request)
    if problems:
        raise ValidationError(problems)
    # As the classes the reader makes: a caller's subclass's own fields were written too,
    # and request_from_dict refused them (its nested values are written as declared).
    unstructured: dict[str, Any] = _converter.unstructure(request, unstructure_as=ConsentRequest)
    unstructured["consent_date"] = request.consent_date.isoformat()
    unstructured["patient"]["date_of_birth"] = request.patient.date_of_birth.isoformat()
    unstructured["screening"] = {
        key: _converter.unstructure(answer, unstructure_as=ScreeningAnswer)
        for key, answer in request.screening.items()
    }
    for optional in ("paper_size", "consent_age"):
        if getattr(request.clinic, optional) is None:
            # Left out, as the request left it out: a reader older than the field (a worker
            # not yet upgraded) refuses the key, even as null.
            del unstructured["clinic"][optional]
    return unstructured


def with_options(data: Any, locale: str | None, paper_size: str | None) -> Any:
    """Request ``data`` (as decoded from JSON) with the locale and the clinic's paper that a
    caller's options put in place of its own (None: keep the request's). Data of another shape
    is returned as it is: validation names what is wrong with it."""
    if not isinstance(data, Mapping):
        return data
    if locale is not None:  # even "": validation says why
        data = {**data, "locale": locale}
    if paper_size is not None and isinstance(clinic := data.get("clinic"), Mapping):
        data = {**data, "clinic": {**clinic, "paper_size": paper_size}}
    return data
