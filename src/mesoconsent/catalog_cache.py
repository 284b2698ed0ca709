"""Checked catalogs kept on disk, so that a new process does not read and check them again.

Reading a catalog costs a fresh process about 7 ms per language: Babel parses the ``.po`` file
(its slowest part), then every translation's placeholders, plural forms and review record are
checked and the messages compiled. The command line and every batch worker start afresh, and a
batch meets every language in its first forms. An engine given a cache folder
(``Engine(template_cache=folder)``, the folder that keeps compiled templates) keeps there what
:func:`mesoconsent.i18n.load_catalog` makes of each catalog that passed its checks; the next
process reads that back in a fraction of a millisecond.

An entry is keyed by the locale and a digest of the catalog file's bytes, so an edited catalog
is read and checked anew, and a catalog with a problem is never kept (it fails every time, as
it should). The folder is specific to the versions of mesoconsent and Babel (whose CLDR data
gives the plural rules checked) and to the source of the code that checks and compiles
catalogs: a check added in a new version is never skipped for a catalog an older one kept.
What an entry holds decides a form's wording, so the folder and each entry are trusted only
if they are the user's own and closed to others (disk_cache.py), as compiled templates are;
an entry that is damaged is only a miss.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from mesoconsent import disk_cache
from mesoconsent._version import __version__

_FOLDER_PREFIX = "catalogs-"
_FOLDER_NAME = re.compile(rf"{_FOLDER_PREFIX}.+-[0-9a-f]{{16}}")
_ENTRY_PREFIX = "catalog-"


def configuration_key() -> str:
    """What a kept catalog depends on besides its file: the versions of mesoconsent and Babel,
    and the source of the modules that check catalogs. Raises OSError if that source cannot
    be read."""
    import babel

    from mesoconsent import coverage, earlier_plurals, i18n

    digest = hashlib.sha256(f"{__version__} {babel.__version__}".encode())
    # Reading and checking (i18n), the wording comparison the copied-translation check uses
    # (coverage), the plural forms of catalogs written for an earlier Babel (earlier_plurals).
    for module in (i18n, coverage, earlier_plurals):
        digest.update(Path(str(module.__file__)).read_bytes())
    return f"{_FOLDER_PREFIX}{__version__}-{digest.hexdigest()[:16]}"


class CatalogCache:
    """Entries in one private folder: bytes kept for a catalog file's content in a locale."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get(self, locale: str, source: bytes) -> bytes | None:
        """What was kept for the catalog ``source`` (a ``.po`` file's bytes) in ``locale``, or
        None."""
        return disk_cache.read_entry(self._path(locale, source))

    def put(self, locale: str, source: bytes, data: bytes) -> None:
        """Keep ``data`` for the catalog ``source`` in ``locale``; nothing if it cannot be
        written."""
        disk_cache.write_entry(self._path(locale, source), data)

    def _path(self, locale: str, source: bytes) -> Path:
        digest = hashlib.sha256(locale.encode() + b"\0" + source).hexdigest()
        return self.folder / f"{_ENTRY_PREFIX}{digest}.json"


def open_catalog_cache(folder: str | os.PathLike[str]) -> CatalogCache | None:
    """The cache kept under ``folder``, or None if it cannot be used safely: the folder and
    the one made in it must be the user's own and closed to others."""
    path = disk_cache.open_folder(
        folder, configuration_key, folders=_FOLDER_NAME, entries=_ENTRY_PREFIX
    )
    return None if path is None else CatalogCache(path)
