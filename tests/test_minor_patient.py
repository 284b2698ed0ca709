"""A patient under 18 on the consent date (or under the clinic's consent_age): a parent or
legal guardian can sign the form as its third signer; where none does, rendering says so, as
it says a screening question was answered yes."""

from __future__ import annotations

import datetime as dt
import json
import re
import warnings
from pathlib import Path

import attrs
import pytest

import mesoconsent
from mesoconsent import ConsentRequest, MinorPatientWarning, Witness
from mesoconsent.batch import render_batch
from tests.helpers import docx_paragraph_texts, example, example_dict, run_cli


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
    assert result.minor_without_guardian is minor
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mesoconsent.default_engine().render(request)
    found = [w for w in caught if issubclass(w.category, MinorPatientWarning)]
    assert len(found) == (1 if minor else 0)
    if minor:
        message = str(found[0].message)
        assert "under the age from which they may consent alone" in message
        assert "'guardian'" in message  # how to add one
        # Neither the date of birth, nor the age, nor a name: the message may be logged.
        assert re.findall(r"\d+", message) == ["18"]  # the default consent age
        assert request.patient.full_name not in message
        assert found[0].filename == __file__  # pointed at the caller


def at_clinic(request: ConsentRequest, consent_age: int | None) -> ConsentRequest:
    return attrs.evolve(request, clinic=attrs.evolve(request.clinic, consent_age=consent_age))


@pytest.mark.parametrize(
    ("consent_age", "date_of_birth", "minor"),
    [
        (16, dt.date(2010, 3, 15), True),  # 16 tomorrow
        (16, dt.date(2010, 3, 14), False),  # 16 today
        (16, dt.date(2008, 3, 15), False),  # 17: a minor at 18, not here
        (21, dt.date(2005, 3, 15), True),  # 21 tomorrow
        (21, dt.date(2005, 3, 14), False),
        (12, dt.date(2014, 3, 14), False),
        (None, dt.date(2008, 3, 15), True),  # the default: 18
    ],
)
def test_the_clinic_s_consent_age_decides_who_is_a_minor(
    consent_age: int | None, date_of_birth: dt.date, minor: bool
) -> None:
    request = at_clinic(consent_on(dt.date(2026, 3, 14), date_of_birth), consent_age)
    assert mesoconsent.default_engine().render_quietly(request).minor_without_guardian is minor


@pytest.mark.parametrize(
    ("consent_age", "message"),
    [
        (11, "must be from 12 to 21"),
        (22, "must be from 12 to 21"),
        (0, "must be from 12 to 21"),
        (-18, "must be from 12 to 21"),
        (True, "must be a whole number"),
        (16.0, "must be a whole number"),
        ("16", "must be a whole number"),
    ],
)
@pytest.mark.parametrize("given_as", ["code", "JSON"])
def test_a_consent_age_outside_12_to_21_or_not_a_whole_number_is_refused(
    consent_age: object, message: str, given_as: str
) -> None:
    # The same problem, given in code or in JSON, as the treatment's numbers get.
    engine = mesoconsent.default_engine()
    data = example_dict()
    data["clinic"]["consent_age"] = consent_age
    request = at_clinic(example(), consent_age)  # type: ignore[arg-type]  # as code could

    def render() -> object:
        if given_as == "code":
            return engine.render_quietly(request)
        return engine.request_from_dict(data)

    with pytest.raises(mesoconsent.ValidationError) as raised:
        render()
    assert [(p.path, p.message) for p in raised.value.problems] == [("clinic.consent_age", message)]


def test_a_consent_age_left_out_or_null_in_json_is_18() -> None:
    data = example_dict()
    data["clinic"]["consent_age"] = None
    assert mesoconsent.default_engine().request_from_dict(data).clinic.consent_age is None


def test_a_consent_age_is_written_out_only_when_given() -> None:
    # Left out when not given, as paper_size is: a reader older than the field refuses it.
    engine = mesoconsent.default_engine()
    assert "consent_age" not in mesoconsent.request_to_dict(example())["clinic"]
    given = at_clinic(example(), 16)
    written = mesoconsent.request_to_dict(given)
    assert written["clinic"]["consent_age"] == 16
    assert engine.request_from_dict(written) == given


def test_a_consent_on_29_february_counts_a_birthday_the_day_before_as_passed() -> None:
    engine = mesoconsent.default_engine()
    assert not engine.render_quietly(
        consent_on(dt.date(2028, 2, 29), dt.date(2010, 2, 28))
    ).minor_without_guardian
    assert engine.render_quietly(
        consent_on(dt.date(2028, 2, 29), dt.date(2010, 3, 1))
    ).minor_without_guardian


def test_a_consent_date_in_the_first_years_of_the_calendar_is_counted_too() -> None:
    # Found by a review: the age was counted by subtracting 18 years from the consent date,
    # which fails before the year 19 (validation accepts such dates).
    request = consent_on(dt.date(18, 6, 1), dt.date(5, 1, 1))
    assert mesoconsent.default_engine().render_quietly(request).minor_without_guardian


def test_a_birthday_on_29_february_comes_of_age_on_1_march_in_a_common_year() -> None:
    engine = mesoconsent.default_engine()
    leapling = dt.date(2008, 2, 29)
    assert engine.render_quietly(consent_on(dt.date(2026, 2, 28), leapling)).minor_without_guardian
    assert not engine.render_quietly(
        consent_on(dt.date(2026, 3, 1), leapling)
    ).minor_without_guardian


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_batch_result_says_which_patients_are_minors(tmp_path: Path, jobs: int) -> None:
    day = dt.date(2026, 3, 14)
    requests = [consent_on(day, dt.date(2010, 5, 5)), consent_on(day, dt.date(1990, 5, 5))]
    results = list(render_batch(requests, tmp_path / "out", jobs=jobs))
    assert [
        result.result.minor_without_guardian for result in results if result.result is not None
    ] == [
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
    assert (
        "warning: the patient is under 18 on the consent date and no parent or guardian signs"
        in result.stderr
    )
    assert (tmp_path / "form.docx").exists()
    write_request(tmp_path, "adult.json", "1990-05-05")
    adult = run_cli("render", "--input", "adult.json", "-o", "adult.docx", cwd=tmp_path)
    assert "under 18" not in adult.stderr


def test_the_command_names_the_clinic_s_consent_age(tmp_path: Path) -> None:
    path = write_request(tmp_path, "minor.json", "2011-05-05")  # 14
    data = json.loads(path.read_text(encoding="utf-8"))
    data["clinic"]["consent_age"] = 16
    path.write_text(json.dumps(data), encoding="utf-8")
    result = run_cli("render", "--input", "minor.json", "-o", "form.docx", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "warning: the patient is under 16 on the consent date" in result.stderr
    data["patient"]["date_of_birth"] = "2009-05-05"  # 16: of age at this clinic
    path.write_text(json.dumps(data), encoding="utf-8")
    of_age = run_cli("render", "--input", "minor.json", "-o", "other.docx", cwd=tmp_path)
    assert of_age.returncode == 0, of_age.stderr
    assert "parent or guardian" not in of_age.stderr


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_command_line_batch_lists_the_lines_of_patients_under_18(
    tmp_path: Path, jobs: str
) -> None:
    lines = []
    for date_of_birth in ("1990-05-05", "2010-05-05", "2011-01-01", "1970-01-01"):
        data = example_dict()
        data["patient"]["date_of_birth"] = date_of_birth
        data["consent_date"] = "2026-03-14"
        lines.append(json.dumps(data))
    (tmp_path / "requests.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_cli(
        "render", "--batch", "requests.jsonl", "--output-dir", "out", "--jobs", jobs, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert (
        "warning: 2 form(s) are for patients under the age from which they may consent alone "
        "(the clinic's consent_age, or 18 where the request gives none) on the consent date, "
        "and no parent or guardian signs them" in result.stderr
    )
    assert "  lines 2-3" in result.stderr.splitlines()


GUARDIAN_STATEMENT = (
    "Parent or guardian: I am the patient's parent or legal guardian, and I consent to this "
    "treatment on their behalf."
)


def test_a_parent_or_guardian_signs_as_the_third_signer_and_the_warning_goes() -> None:
    request = attrs.evolve(
        consent_on(dt.date(2026, 3, 14), dt.date(2010, 5, 5)),
        witness=Witness("Maria Example", "guardian"),
    )
    engine = mesoconsent.default_engine()
    with warnings.catch_warnings():
        warnings.simplefilter("error", MinorPatientWarning)
        result = engine.render(request)
    assert not result.minor_without_guardian
    texts = docx_paragraph_texts(result.content)
    assert GUARDIAN_STATEMENT in texts
    assert "Parent or guardian\nMaria Example" in texts
    assert engine.verify(result.content).ok


@pytest.mark.parametrize("locale", list(mesoconsent.default_engine().locales))
def test_the_guardian_s_statement_and_caption_are_translated_in_every_shipped_locale(
    locale: str,
) -> None:
    # A form in another language with the guardian's words in English would be refused: the
    # catalogs must carry them, as they carry the interpreter's and the witness's.
    request = attrs.evolve(example(), locale=locale, witness=Witness("Maria Example", "guardian"))
    engine = mesoconsent.default_engine()
    result = engine.render_quietly(request)
    assert not result.draft
    assert engine.verify(result.content).ok
    texts = docx_paragraph_texts(result.content)
    if locale != "en":
        assert GUARDIAN_STATEMENT not in texts
        assert not any(text.startswith("Parent or guardian") for text in texts)


def test_a_guardian_who_signs_for_an_adult_is_accepted() -> None:
    # An adult under legal guardianship: the guardian consents for them too.
    request = attrs.evolve(example(), witness=Witness("Maria Example", "guardian"))
    result = mesoconsent.default_engine().render_quietly(request)
    assert GUARDIAN_STATEMENT in docx_paragraph_texts(result.content)
