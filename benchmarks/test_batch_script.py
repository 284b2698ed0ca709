"""benchmarks/batch.py runs (on a tiny batch) and its requests are varied and valid, so the
batch measurement of docs/performance.md cannot rot."""

from __future__ import annotations

import pytest

import mesoconsent
from benchmarks.batch import docxtpl_contexts, main, varied_requests


def test_the_varied_requests_are_valid_and_varied() -> None:
    engine = mesoconsent.default_engine()
    requests = [engine.request_from_dict(data) for data in varied_requests(70)]
    assert {request.locale for request in requests} == set(engine.locales)
    assert len({request.patient.full_name for request in requests}) >= 6
    assert any(request.witness is not None for request in requests)
    assert any(answer.answer for request in requests for answer in request.screening.values())


def test_the_batch_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--requests", "3", "--pairs", "1", "--jobs", "2"]) == 0
    out = capsys.readouterr().out
    assert "| 1 |" in out
    assert "median ratio" in out
    # docxtpl made the same three forms (their values checked with python-docx).
    assert "docxtpl, 3 of the requests in one process" in out


def test_docxtpl_gets_each_request_s_own_values() -> None:
    requests = varied_requests(10)
    contexts = docxtpl_contexts(requests)
    # The same variables for every form, each with that request's values, in its language.
    assert len({tuple(context) for context in contexts}) == 1
    for data, context in zip(requests, contexts, strict=True):
        assert data["patient"]["full_name"] in context.values()
        assert data["patient"]["patient_id"] in context.values()
        assert data["patient"]["full_name"] in [signer["name"] for signer in context["signers"]]
    questions = {context["screening"][0]["question"] for context in contexts}
    assert len(questions) == len({data["locale"] for data in requests})  # one per language
