"""Checked catalogs kept on disk, so that a new process does not read and check them again.

Reading a catalog costs a fresh process about 7 ms per language: Babel parses the ``.po`` file
(its slowest part), then every translation's placeholders, plural forms and review record are
checked and the messages compiled. The command line and every batch worker start afresh, and a
batch meets every language in its first forms. An engine given a cache folder
(``Engine(template_cache=folder)``, the folder that keeps compiled templates) keeps there what
:func:`mesoconsent.i18n.load_catalog` makes of each catalog that passed its checks; the next
process reads that back in a fraction of a millisecond.

Each catalog file has one entry (named by the locale and the file's path), holding a digest of
the bytes it was made from: an edited catalog is read and checked anew and its entry
replaced, and a catalog with a problem is never kept (it fails every time, as it should). The
folder is specific to the versions of mesoconsent, Babel and its CLDR data (the plural rules
checked), Python and its Unicode data, and to the source of the code that checks and compiles
catalogs: a check added in a new version is never skipped for a catalog an older one kept.
What an entry holds decides a form's wording, so the folder and each entry are trusted only
if they are the user's own and closed to others (disk_cache.py), as compiled templates are;
an entry that is damaged is only a miss.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import unicodedata
from pathlib import Path

from mesoconsent import disk_cache
from mesoconsent._version import __version__

_FOLDER_PREFIX = "catalogs-"
_FOLDER_NAME = re.compile(rf"{_FOLDER_PREFIX}.+-[0-9a-f]{{16}}")
_ENTRY_PREFIX = "catalog-"


def configuration_key() -> str:
    """What a kept catalog depends on besides its file: the versions of mesoconsent, Babel and
    its CLDR data, Python and its Unicode data (the checks read characters with ``\\w`` and
    ``str.split``, and the revision digests ``repr`` of the translations), and the source of
    the modules that check catalogs. Raises OSError if that source cannot be read."""
    import babel
    from babel.core import get_cldr_version

    from mesoconsent import bidi, coverage, earlier_plurals, i18n

    versions = (
        __version__,
        babel.__version__,
        get_cldr_version(),
        sys.implementation.cache_tag,
        ".".join(map(str, sys.version_info[:3])),
        unicodedata.unidata_version,
    )
    digest = hashlib.sha256(repr(versions).encode())
    # Reading and checking (i18n), the wording comparison the copied-translation check uses
    # (coverage), the plural forms of catalogs written for an earlier Babel (earlier_plurals),
    # the bidirectional controls a translation may not hold (bidi).
    for module in (i18n, coverage, earlier_plurals, bidi):
        digest.update(Path(str(module.__file__)).read_bytes())
    return f"{_FOLDER_PREFIX}{__version__}-{digest.hexdigest()[:16]}"


class CatalogCache:
    """Entries in one private folder: bytes kept for a catalog file's content in a locale.

    Each catalog file (a locale, read from a path) has one entry, replaced when the file
    changes, so the folder does not grow with every edit of a catalog. The entry starts with a
    digest of the rest, so one that was damaged on the disk is only a miss.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get(self, locale: str, path: Path, source: bytes) -> bytes | None:
        """What was kept for the catalog file ``path`` in ``locale`` if it held ``source``
        (its bytes) then, or None."""
        entry = disk_cache.read_entry(self._path(locale, path))
        if entry is None:
            return None
        check, _, kept = entry.partition(b"\n")
        if check != _digest(kept).encode("ascii"):
            return None
        source_digest, _, data = kept.partition(b"\n")
        if source_digest != _digest(source).encode("ascii"):
            return None  # the file has changed since: read and checked anew
        return data

    def put(self, locale: str, path: Path, source: bytes, data: bytes) -> None:
        """Keep ``data`` for the catalog file ``path`` in ``locale`` holding ``source``;
        nothing if it cannot be written."""
        kept = _digest(source).encode("ascii") + b"\n" + data
        disk_cache.write_entry(
            self._path(locale, path), _digest(kept).encode("ascii") + b"\n" + kept
        )

    def _path(self, locale: str, path: Path) -> Path:
        name = _digest(f"{locale}\0{os.path.abspath(path)}".encode())
        return self.folder / f"{_ENTRY_PREFIX}{name}.json"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def open_catalog_cache(folder: str | os.PathLike[str]) -> CatalogCache | None:
    """The cache kept under ``folder``, or None if it cannot be used safely: the folder and
    the one made in it must be the user's own and closed to others."""
    path = disk_cache.open_folder(
        folder, configuration_key, folders=_FOLDER_NAME, entries=_ENTRY_PREFIX
    )
    return None if path is None else CatalogCache(path)
