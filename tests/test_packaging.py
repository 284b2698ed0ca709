"""The wheel carries the templates, catalogs and example: an install works from anywhere."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

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
    assert "mesoconsent/py.typed" in names
    assert any(name.endswith("entry_points.txt") for name in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "mesoconsent = mesoconsent.cli:main" in wheel.read(entry_points).decode()
