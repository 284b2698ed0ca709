"""mesoconsent's errors travel: pickled to another process (a pool, a task queue) or copied,
each is the same error, with its problems and its message."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable

import attrs
import pytest

import mesoconsent
from mesoconsent import CoverageError, DisclosureProblem, ValidationError
from tests.helpers import example


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
