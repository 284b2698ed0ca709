"""A patient under 18 on the consent date: the form has no line for a parent or guardian, so
rendering says so, as it says a screening question was answered yes."""

from __future__ import annotations

import datetime as dt
import json
import warnings
from pathlib import Path

import attrs
import pytest

import mesoconsent
from mesoconsent import ConsentRequest, MinorPatientWarning
from mesoconsent.batch import render_batch
from tests.helpers import example, example_dict, run_cli


def born(request: ConsentRequest, date_of_birth: dt.date) -> ConsentRequest:
    return attrs.evolve(request, patient=attrs.evolve(request.patient, date_of_birth=date_of_birth))


def consent_on(day: dt.date, date_of_birth: dt.date) -> ConsentRequest:
    return born(attrs.evolve(example(), consent_date=day), date_of_birth)


@pytest.mark.parametrize(
    ("date_of_birth", "minor"),
    [
        (dt.date(2008, 3, 15), True),  # 18 tomorrow
        (dt.date(2008, 3, 14), False),  # 18 today
        (dt.date(2008, 3, 13), False),
        (dt.date(2020, 1, 1), True),
        (dt.date(1988, 7, 2), False),
    ],
)
def test_a_patient_under_18_on_the_consent_date_is_reported(
    date_of_birth: dt.date, minor: bool
) -> None:
    request = consent_on(dt.date(2026, 3, 14), date_of_birth)
    result = mesoconsent.default_engine().render_quietly(request)
    assert result.minor is minor
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mesoconsent.default_engine().render(request)
    found = [w for w in caught if issubclass(w.category, MinorPatientWarning)]
    assert len(found) == (1 if minor else 0)
    if minor:
        message = str(found[0].message)
        assert "under 18" in message
        assert "guardian" in message
        # Neither the date of birth nor the age: the message may be logged.
        assert str(date_of_birth.year) not in message
        assert found[0].filename == __file__  # pointed at the caller


def test_a_birthday_on_29_february_comes_of_age_on_1_march_in_a_common_year() -> None:
    engine = mesoconsent.default_engine()
    leapling = dt.date(2008, 2, 29)
    assert engine.render_quietly(consent_on(dt.date(2026, 2, 28), leapling)).minor
    assert not engine.render_quietly(consent_on(dt.date(2026, 3, 1), leapling)).minor


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_batch_result_says_which_patients_are_minors(tmp_path: Path, jobs: int) -> None:
    day = dt.date(2026, 3, 14)
    requests = [consent_on(day, dt.date(2010, 5, 5)), consent_on(day, dt.date(1990, 5, 5))]
    results = list(render_batch(requests, tmp_path / "out", jobs=jobs))
    assert [result.result.minor for result in results if result.result is not None] == [
        True,
        False,
    ]


def write_request(folder: Path, name: str, date_of_birth: str) -> Path:
    data = example_dict()
    data["patient"]["date_of_birth"] = date_of_birth
    data["consent_date"] = "2026-03-14"
    path = folder / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_the_command_warns_of_a_patient_under_18(tmp_path: Path) -> None:
    write_request(tmp_path, "minor.json", "2010-05-05")
    result = run_cli("render", "--input", "minor.json", "-o", "form.docx", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "warning: the patient is under 18 on the consent date" in result.stderr
    assert (tmp_path / "form.docx").exists()
    write_request(tmp_path, "adult.json", "1990-05-05")
    adult = run_cli("render", "--input", "adult.json", "-o", "adult.docx", cwd=tmp_path)
    assert "under 18" not in adult.stderr


def test_a_command_line_batch_lists_the_lines_of_patients_under_18(tmp_path: Path) -> None:
    lines = []
    for date_of_birth in ("1990-05-05", "2010-05-05", "2011-01-01", "1970-01-01"):
        data = example_dict()
        data["patient"]["date_of_birth"] = date_of_birth
        data["consent_date"] = "2026-03-14"
        lines.append(json.dumps(data))
    (tmp_path / "requests.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_cli(
        "render", "--batch", "requests.jsonl", "--output-dir", "out", "--jobs", "1", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "warning: 2 form(s) are for patients under 18 on the consent date" in result.stderr
    assert "  lines 2-3" in result.stderr.splitlines()
