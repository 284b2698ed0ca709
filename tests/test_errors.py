"""mesoconsent's errors travel: pickled to another process (a pool, a task queue) or copied,
each is the same error, with its problems and its message."""

from __future__ import annotations

import copy
import json
import pickle
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest

import mesoconsent
from mesoconsent import CoverageError, DisclosureProblem, ValidationError
from tests.helpers import copy_templates, edit, example, example_dict


def invalid_request_error() -> ValidationError:
    patient = attrs.evolve(example().patient, full_name="")
    with pytest.raises(ValidationError) as caught:
        mesoconsent.render(attrs.evolve(example(), patient=patient, locale="xx"))
    return caught.value


def coverage_error() -> CoverageError:
    return CoverageError(
        [
            DisclosureProblem("risks.rare_infection", "missing"),
            DisclosureProblem("screening.pregnant", "wrong answer shown"),
        ]
    )


@pytest.mark.parametrize("make", [invalid_request_error, coverage_error])
@pytest.mark.parametrize("how", ["pickle", "copy", "deepcopy"])
def test_an_error_copied_or_sent_to_another_process_is_the_same_error(
    make: Callable[[], ValidationError | CoverageError], how: str
) -> None:
    error = make()
    error.add_note("while rendering form 12")
    copied = {
        "pickle": lambda e: pickle.loads(pickle.dumps(e)),
        "copy": copy.copy,
        "deepcopy": copy.deepcopy,
    }[how](error)
    assert type(copied) is type(error)
    assert copied.problems == error.problems
    assert len(error.problems) == 2
    assert str(copied) == str(error)
    assert copied.args == error.args
    assert copied.__notes__ == ["while rendering form 12"]


def test_an_error_about_a_request_s_document_keeps_nothing_of_it() -> None:
    # "raise ... from None" only hides the error it was raised while handling: kept as
    # __context__, a JSON decode error holds the whole document (its .doc), a UTF-8 one its
    # bytes, for as long as the ValidationError is kept, and for any tool that walks the chain.
    document = json.dumps(example_dict())
    for broken in (document[:-1], document.encode("utf-8")[:-1] + b"\xff"):
        with pytest.raises(ValidationError) as caught:
            mesoconsent.request_from_json(broken)
        assert caught.value.__context__ is None
        assert caught.value.__cause__ is None


def test_a_template_s_runtime_error_keeps_nothing_of_the_request(tmp_path: Path) -> None:
    # The message is left out because it can quote request values; the error itself, with
    # its traceback's frames (their locals: the request), must not ride along either.
    templates = copy_templates(tmp_path)
    edit(
        templates / "common" / "base.html.j2",
        r"<h1>\{\{ title \}\}</h1>",
        lambda found: found.group(0) + "\n<p>{{ 1 // 0 }}</p>",
    )
    with pytest.raises(mesoconsent.TemplateError, match="ZeroDivisionError") as caught:
        mesoconsent.Engine([templates]).render(example())
    assert caught.value.__context__ is None
