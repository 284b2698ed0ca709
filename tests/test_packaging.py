"""The wheel carries the templates, catalogs and example: an install works from anywhere."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

import mesoconsent

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    from hatchling.builders.wheel import WheelBuilder

    out = tmp_path_factory.mktemp("dist")
    built = list(WheelBuilder(str(ROOT)).build(directory=str(out), versions=["standard"]))
    return zipfile.ZipFile(built[0])


def test_wheel_ships_templates_examples_and_type_marker(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    for tracked in (ROOT / "templates").rglob("*"):
        if tracked.is_file():
            relative = tracked.relative_to(ROOT / "templates").as_posix()
            assert f"mesoconsent/_data/templates/{relative}" in names
    for catalog in (ROOT / "locales").rglob("*.po"):
        relative = catalog.relative_to(ROOT / "locales").as_posix()
        assert f"mesoconsent/_data/locales/{relative}" in names
    assert "mesoconsent/_data/examples/request.json" in names
    for example in (ROOT / "examples" / "localized").glob("*.json"):
        assert f"mesoconsent/_data/examples/localized/{example.name}" in names
    assert "mesoconsent/_data/locales/mesoconsent.pot" in names
    assert "mesoconsent/py.typed" in names
    assert any(name.endswith("entry_points.txt") for name in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "mesoconsent = mesoconsent.cli:command" in wheel.read(entry_points).decode()
    # pybabel finds the procedure-data extractor through this entry point.
    assert (
        "mesoconsent_procedure = mesoconsent.extract:extract_procedure"
        in wheel.read(entry_points).decode()
    )


def test_the_wheels_catalogs_are_complete_and_load(wheel: zipfile.ZipFile, tmp_path: Path) -> None:
    from mesoconsent import Engine

    wheel.extractall(tmp_path, [n for n in wheel.namelist() if n.startswith("mesoconsent/_data/")])
    data = tmp_path / "mesoconsent" / "_data"
    engine = Engine([data / "templates"], [data / "locales"], include_bundled=False)
    assert set(engine.locales) == {"en", "ar", "de", "es", "fr", "it", "pt_BR", "ru", "tr"}
    assert all(status.complete for status in engine.locale_status())


def test_every_public_name_is_importable_and_what_the_api_returns_is_public() -> None:
    # docs/api.md: "Everything below is importable from mesoconsent".
    for name in mesoconsent.__all__:
        assert getattr(mesoconsent, name) is not None, name
    engine = mesoconsent.default_engine()
    returned = [
        engine.locale_status()[0],
        engine.render(mesoconsent.example_request(), "text"),
        engine.verify(engine.render(mesoconsent.example_request()).content),
    ]
    for value in returned:
        assert type(value).__name__ in mesoconsent.__all__
        assert getattr(mesoconsent, type(value).__name__) is type(value)
