"""benchmarks/batch.py runs (on a tiny batch) and its requests are varied and valid, so the
batch measurement of docs/performance.md cannot rot."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import mesoconsent
from benchmarks.batch import docxtpl_contexts, machine_ratio, main, varied_requests
from benchmarks.processes import as_installed


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
    assert "by the command's own count" in out
    # The processor time of each run: the command's own (its workers' included) is there.
    row = next(line for line in out.splitlines() if line.startswith("| 1 |"))
    jobs_1, jobs_2 = (cell.split(", ") for cell in row.split(" | ")[5:7])
    assert float(jobs_1[0]) > 0
    assert float(jobs_2[0]) > 0
    assert all(float(machine) > 0 for machine in (jobs_1[1], jobs_2[1]))
    assert "bound (jobs x the jobs 1 run's seconds" in out
    # What the machine itself gave two copies of a CPU-bound loop, next to each pair.
    assert float(row.split(" | ")[8].removesuffix("x |")) > 0
    assert "the machine itself" in out
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


def test_timed_processes_run_as_after_an_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # pip writes bytecode on install: a timed run must not compile mesoconsent from source
    # because the benchmark's own shell asked for no bytecode.
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    environment = as_installed(tmp_path / "cache")
    assert "PYTHONDONTWRITEBYTECODE" not in environment
    assert environment["MESOCONSENT_CACHE_DIR"] == str(tmp_path / "cache")


def test_the_docxtpl_process_imports_docxtpl_not_mesoconsent() -> None:
    # Its time is docxtpl's: it must not also pay for importing mesoconsent.
    worker = Path(__file__).with_name("docxtpl_worker.py")
    probe = (
        "import runpy, sys; runpy.run_path(sys.argv[1]); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'mesoconsent', 'docxtpl'}))"
    )
    shown = subprocess.run(
        [sys.executable, "-c", probe, str(worker)], check=True, capture_output=True, text=True
    )
    assert shown.stdout.split() == ["['docxtpl']"]


def test_the_machine_ratio_is_what_copies_of_a_loop_gain_running_at_once() -> None:
    # One copy against itself: about 1 (the same loop, timed the same way).
    assert 0.5 < machine_ratio(1, iterations=200_000) < 1.5
    # Two copies at once: about what two cores give (noise allowed for: the loop is short).
    assert 0 < machine_ratio(2, iterations=200_000) < 3
