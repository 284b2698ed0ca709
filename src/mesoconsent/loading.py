"""Build a :class:`~mesoconsent.model.ConsentRequest` from JSON (a file, a string or a dict).

cattrs does the structuring: it knows the attrs classes, reports every shape problem at once
with its path, and refuses unknown keys (a misspelt ``"breastfeding"`` must not silently leave
a screening question unanswered). The hooks below are strict on purpose: JSON ``"4"`` is not a
number of sessions, ``"no"`` is not a boolean, ``12`` is not a name.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import cattrs
from cattrs.v import format_exception

from mesoconsent.errors import FieldProblem, ValidationError
from mesoconsent.model import ConsentRequest, ScreeningAnswer


class _WrongTypeError(TypeError):
    """A JSON value of the wrong kind; the message says what was expected."""


def _strict(expected: type, label: str) -> Any:
    def structure(value: Any, _: type) -> Any:
        if type(value) is not expected:
            raise _WrongTypeError(f"must be {label}")
        return value

    return structure


def _structure_date(value: Any, _: type) -> dt.date:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
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
        return _answer_converter.structure(value, ScreeningAnswer)
    raise _WrongTypeError('must be true, false or {"answer": true/false, "details": "..."}')


def _make_converter() -> cattrs.Converter:
    converter = cattrs.Converter(forbid_extra_keys=True)
    converter.register_structure_hook(str, _strict(str, "text"))
    converter.register_structure_hook(bool, _strict(bool, "true or false"))
    converter.register_structure_hook(int, _strict(int, "a whole number"))
    converter.register_structure_hook(dt.date, _structure_date)
    return converter


_answer_converter = _make_converter()
_converter = _make_converter()
_converter.register_structure_hook(ScreeningAnswer, _structure_answer)


def _describe(error: BaseException, type_: Any) -> str:
    if isinstance(error, _WrongTypeError):
        return str(error)
    if isinstance(error, cattrs.ForbiddenExtraKeysError):
        return f"unknown field(s): {', '.join(sorted(error.extra_fields))}"
    if isinstance(error, KeyError):
        return "is required"
    return format_exception(error, type_)


def _field_path(cattrs_path: str) -> str:
    # "$.screening['pregnant'].answer" -> "screening.pregnant.answer"
    path = re.sub(r"\['([^']*)'\]", r".\1", cattrs_path)
    return path.removeprefix("$").removeprefix(".") or "request"


def request_from_dict(data: Any) -> ConsentRequest:
    """Structure decoded JSON into a request; ValidationError lists every shape problem."""
    if not isinstance(data, Mapping):
        raise ValidationError([FieldProblem("request", "must be a JSON object")])
    try:
        return _converter.structure(data, ConsentRequest)
    except cattrs.BaseValidationError as error:
        problems = []
        for line in cattrs.transform_error(error, path="$", format_exception=_describe):
            message, _, path = line.rpartition(" @ ")
            problems.append(FieldProblem(_field_path(path), message))
        raise ValidationError(problems) from None


def request_from_json(text: str | bytes) -> ConsentRequest:
    """Parse a JSON document into a request (see docs/request-format.md)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        # Position only: the message of a decode error would quote the file's content.
        raise ValidationError(
            [FieldProblem("request", f"not valid JSON (line {error.lineno}, column {error.colno})")]
        ) from None
    except UnicodeDecodeError:
        raise ValidationError([FieldProblem("request", "not UTF-8 encoded text")]) from None
    return request_from_dict(data)


def load_request(path: str | Path) -> ConsentRequest:
    """Read a JSON request file (UTF-8)."""
    return request_from_json(Path(path).read_bytes())


def request_to_dict(request: ConsentRequest) -> dict[str, Any]:
    """The JSON-ready form of a request, the inverse of :func:`request_from_dict`."""
    unstructured: dict[str, Any] = _converter.unstructure(request)
    unstructured["consent_date"] = request.consent_date.isoformat()
    unstructured["patient"]["date_of_birth"] = request.patient.date_of_birth.isoformat()
    unstructured["screening"] = {
        key: _converter.unstructure(answer) for key, answer in request.screening.items()
    }
    return unstructured
