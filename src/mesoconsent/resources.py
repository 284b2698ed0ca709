"""Where the bundled templates, catalogs and example request live.

In an installed wheel they are package data under ``mesoconsent/_data`` (see the
``force-include`` table in ``pyproject.toml``). In a source checkout used without installing
(an editable install, or ``PYTHONPATH=src``) they are the top-level folders of the repository.
Both are found relative to this file, never relative to the current directory.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path


@functools.cache
def data_root() -> Path:
    """The folder holding ``templates/``, ``locales/`` and ``examples/``."""
    packaged = Path(str(resources.files("mesoconsent"))) / "_data"
    if (packaged / "templates").is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "templates").is_dir() and (checkout / "pyproject.toml").is_file():
        return checkout
    raise FileNotFoundError(
        "mesoconsent's bundled templates are missing: reinstall the package from its wheel"
    )


def templates_dir() -> Path:
    return data_root() / "templates"


def locales_dir() -> Path:
    return data_root() / "locales"


def example_request_path(locale: str | None = None) -> Path:
    """The bundled example request; for a locale with a localized example (one whose names,
    addresses, treated areas and product read as a clinic there would write them), that one."""
    examples = data_root() / "examples"
    if locale is not None:
        localized = examples / "localized" / f"request.{locale}.json"
        if localized.is_file():
            return localized
    return examples / "request.json"
