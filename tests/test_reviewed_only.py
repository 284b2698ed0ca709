"""An engine that renders reviewed translations only: a clinic's guarantee that no patient is
handed a translation no qualified reviewer has signed off."""

from __future__ import annotations

import json
import pickle
import warnings
from pathlib import Path

import pytest

import mesoconsent
from mesoconsent import Engine, UnreviewedTranslationError
from mesoconsent.batch import read_jsonl, render_batch
from tests.helpers import example_dict, run_cli
from tests.test_locales import in_locale, replace_once, shipped_copy

REVIEWER = "Dr Test Reviewer, 2026-11-25"


def reviewed_french(tmp_path: Path) -> Path:
    """A copy of the French catalog whose review record signs off its current revision."""
    po_path = shipped_copy(tmp_path, "fr")
    revision = Engine(locale_dirs=[tmp_path / "locales"]).catalog("fr").revision
    replace_once(
        po_path,
        "# Review-State: draft\n# Reviewed-By:\n",
        f"# Review-State: reviewed\n# Reviewed-By: {REVIEWER}\n# Reviewed-Revision: {revision}\n",
    )
    return po_path


def test_an_unreviewed_translation_is_refused_and_the_source_language_is_not() -> None:
    engine = Engine(reviewed_only=True)
    assert engine.reviewed_only
    assert engine.render(in_locale("en")).review_state == "source"
    revision = engine.catalog("de").revision
    with pytest.raises(UnreviewedTranslationError) as caught:
        engine.render(in_locale("de"))
    error = caught.value
    assert (error.catalog, error.revision) == ("de", revision)
    assert f"the de translation (revision {revision}) has not been signed off" in str(error)
    # The error names no request value: it may be logged.
    assert mesoconsent.example_request().patient.full_name not in str(error)
    with pytest.raises(UnreviewedTranslationError):
        engine.compose(in_locale("de"))
    # Any engine without it renders the draft, with its warning.
    with pytest.warns(mesoconsent.DraftTranslationWarning):
        assert Engine().render(in_locale("de")).review_state == "draft"


def test_a_reviewed_translation_renders_and_one_changed_since_is_refused(tmp_path: Path) -> None:
    po_path = reviewed_french(tmp_path)
    engine = Engine(locale_dirs=[tmp_path / "locales"], reviewed_only=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", mesoconsent.DraftTranslationWarning)
        assert engine.render(in_locale("fr")).review_state == "reviewed"
    signed_off = engine.catalog("fr").revision
    replace_once(po_path, "mais c’est un effet secondaire grave", "un effet secondaire")  # noqa: RUF001  # French apostrophes, as the catalog has them
    engine = Engine(locale_dirs=[tmp_path / "locales"], reviewed_only=True)
    with pytest.raises(UnreviewedTranslationError) as caught:
        engine.render(in_locale("fr"))
    assert (caught.value.reason, caught.value.reviewed_revision) == ("changed", signed_off)
    assert f"changed since its review (of revision {signed_off})" in str(caught.value)
    # The reviewer's name (and address, as translators.md shows one) is not in the message,
    # which may be logged.
    assert "Reviewer" not in str(caught.value)


def test_a_review_that_records_no_revision_does_not_count(tmp_path: Path) -> None:
    # Without Reviewed-Revision a catalog stays "reviewed" through any edit (a review finding):
    # an engine that must render reviewed translations only cannot take it for one.
    po_path = shipped_copy(tmp_path, "fr")
    replace_once(
        po_path,
        "# Review-State: draft\n# Reviewed-By:\n",
        f"# Review-State: reviewed\n# Reviewed-By: {REVIEWER}\n",
    )
    engine = Engine(locale_dirs=[tmp_path / "locales"], reviewed_only=True)
    assert engine.catalog("fr").review.state == "reviewed"
    with pytest.raises(UnreviewedTranslationError) as caught:
        engine.render(in_locale("fr"))
    assert caught.value.reason == "no revision"
    assert "Reviewed-Revision" in str(caught.value)


def test_every_way_to_render_is_held_to_it(tmp_path: Path) -> None:
    engine = Engine(reviewed_only=True)
    for render in (
        lambda: engine.render_formats(in_locale("fr")),
        lambda: engine.render(in_locale("fr"), draft=True),  # draft mode is about English text
        lambda: engine.render_quietly(in_locale("fr"), "html"),
        lambda: engine.render_to_file(in_locale("fr"), tmp_path / "form.txt"),
    ):
        with pytest.raises(UnreviewedTranslationError):
            render()
    assert list(tmp_path.iterdir()) == []


def test_nothing_is_written_for_a_refused_translation(tmp_path: Path) -> None:
    target = tmp_path / "form.docx"
    with pytest.raises(UnreviewedTranslationError):
        Engine(reviewed_only=True).render_to_file(in_locale("fr"), target)
    assert list(tmp_path.iterdir()) == []


def test_the_error_pickles_with_what_it_names() -> None:
    error = UnreviewedTranslationError("fr", "0123456789ab", "changed", "ba9876543210")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.catalog, copy.revision, copy.reason, copy.reviewed_revision) == (
        "fr",
        "0123456789ab",
        "changed",
        "ba9876543210",
    )
    assert str(copy) == str(error)
    with pytest.raises(ValueError, match="reason must be one of"):
        UnreviewedTranslationError("fr", "0123456789ab", "unknown")


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_batch_refuses_each_unreviewed_request_and_renders_the_rest(
    tmp_path: Path, jobs: int
) -> None:
    requests = [in_locale(locale) for locale in ("en", "fr", "en", "ru")]
    engine = Engine(reviewed_only=True)
    results = list(render_batch(requests, tmp_path / "out", jobs=jobs, engine=engine))
    assert [result.ok for result in results] == [True, False, True, False]
    refused = [result.error for result in results if result.error is not None]
    assert [error.type for error in refused] == ["UnreviewedTranslationError"] * 2
    assert "the fr translation" in refused[0].message
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == [
        "000001.docx",
        "000003.docx",
    ]


def test_the_command_refuses_an_unreviewed_translation_when_asked(tmp_path: Path) -> None:
    refused = run_cli(
        "render", "--example", "--locale", "fr", "--reviewed-only", "-o", "f.docx", cwd=tmp_path
    )
    assert refused.returncode == 1
    assert "the fr translation (revision " in refused.stderr
    assert not (tmp_path / "f.docx").exists()
    english = run_cli("render", "--example", "--reviewed-only", "-o", "e.docx", cwd=tmp_path)
    assert english.returncode == 0, english.stderr
    reviewed_french(tmp_path)
    french = run_cli(
        "render",
        "--example",
        "--locale",
        "fr",
        "--locales",
        "locales",
        "--reviewed-only",
        "-o",
        "f.docx",
        cwd=tmp_path,
    )
    assert french.returncode == 0, french.stderr
    assert "draft" not in french.stderr


def test_a_command_line_batch_reports_each_refused_line(tmp_path: Path) -> None:
    lines = []
    for locale in ("en", "fr", "en"):
        data = example_dict()
        data["locale"] = locale
        lines.append(json.dumps(data))
    (tmp_path / "requests.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert len(read_jsonl(tmp_path / "requests.jsonl")) == 3
    result = run_cli(
        "render",
        "--batch",
        "requests.jsonl",
        "--output-dir",
        "out",
        "--jobs",
        "2",
        "--reviewed-only",
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert "line 2: the fr translation (revision " in result.stderr
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == [
        "000001.docx",
        "000003.docx",
    ]
