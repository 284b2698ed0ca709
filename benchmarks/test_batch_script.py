"""benchmarks/batch.py runs (on a tiny batch) and its requests are varied and valid, so the
batch measurement of docs/performance.md cannot rot."""

from __future__ import annotations

import pytest

import mesoconsent
from benchmarks.batch import main, varied_requests


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
