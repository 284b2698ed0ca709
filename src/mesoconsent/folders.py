"""The folders a caller names (an engine's ``template_dirs`` and ``locale_dirs``, the
command's output folder): read as the caller may give them, and refused unless they are
folders that can be used."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable
from pathlib import Path


def given_folders(
    given: str | os.PathLike[str] | Iterable[str | os.PathLike[str]], argument: str
) -> tuple[Path, ...]:
    """The folders ``given`` (one, or an iterable of them) as paths; TypeError if it is
    neither, OSError naming ``argument`` if one is not a folder that can be used."""
    paths = _folder_list(given, argument)
    for path in paths:
        _refuse_if_not_a_folder(path, argument)
    return tuple(paths)


def _folder_list(given: object, argument: str) -> list[Path]:
    # One folder may be given alone: a str is iterable, and would otherwise be taken for one
    # folder per character.
    if isinstance(given, str | os.PathLike):
        return [Path(given)]
    # bytes are iterable too (as numbers), and None is what an unset setting often gives.
    folders = None if isinstance(given, bytes) else _iterated(given)
    wanted = f"{argument} must be a folder (a str or os.PathLike) or an iterable of folders"
    if folders is None:
        raise TypeError(f"{wanted}, not {type(given).__name__}")
    paths = []
    for folder in folders:
        if not isinstance(folder, str | os.PathLike):
            raise TypeError(f"{wanted}; it holds a {type(folder).__name__}")
        paths.append(Path(folder))
    return paths


def _refuse_if_not_a_folder(path: Path, argument: str) -> None:
    """A folder the caller names must be there: skipped, a mistyped one would leave the
    clinic's own templates or catalogs out without a word, and the bundled ones render alone."""
    problem = folder_problem(path)
    if problem is not None:
        raise OSError(problem.errno, f"{argument}: {problem.strerror}", str(path))


def folder_problem(path: Path) -> OSError | None:
    """Why ``path`` is not a folder that can be used, or None: FileNotFoundError ("no such
    folder"), NotADirectoryError ("not a folder"), or the OSError of a folder on the way that
    may not be entered (Path.is_dir raises it before Python 3.14)."""
    try:
        if path.is_dir():
            return None
        there = path.exists()
    except OSError as error:
        return error
    if there:
        return NotADirectoryError(errno.ENOTDIR, "not a folder", str(path))
    return FileNotFoundError(errno.ENOENT, "no such folder", str(path))


def _iterated(given: object) -> list[object] | None:
    return list(given) if isinstance(given, Iterable) else None
