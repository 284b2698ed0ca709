"""How the benchmarks start the fresh processes they time."""

from __future__ import annotations

import os
from pathlib import Path


def as_installed(cache: Path) -> dict[str, str]:
    """The environment of a timed process, which runs as after a ``pip install``.

    Python's bytecode is written: pip compiles it on install, and an untimed first run
    writes it for an editable install, even where PYTHONDONTWRITEBYTECODE is set (otherwise
    every timed process would compile mesoconsent's modules from source again, about 70 ms).
    mesoconsent's template cache is the folder ``cache``, which that untimed run fills as a
    user's first run does.
    """
    environment = {**os.environ, "MESOCONSENT_CACHE_DIR": str(cache)}
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    return environment
