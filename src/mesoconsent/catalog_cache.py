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

import base64
import hashlib
import json
import os
import re
import sys
import unicodedata
from pathlib import Path

from babel import Locale

from mesoconsent import disk_cache
from mesoconsent._version import __version__
from mesoconsent.i18n import Catalog, MessageKey, catalog_from_compiled
from mesoconsent.review import Review

_FOLDER_PREFIX = "catalogs-"
_FOLDER_NAME = re.compile(rf"{_FOLDER_PREFIX}.+-[0-9a-f]{{16}}")
_ENTRY_PREFIX = "catalog-"


def configuration_key() -> str:
    """What a kept catalog depends on besides its file: the versions of mesoconsent, Babel and
    its CLDR data, Python and its Unicode data (the checks read characters with ``\\w`` and
    ``str.split``, and the revision digests ``repr`` of the translations), and the source of
    the modules that check catalogs. Raises OSError if that source cannot be read."""
    import babel
    import babel.core

    from mesoconsent import (
        bidi,
        catalog_rules,
        coverage,
        earlier_plurals,
        i18n,
        locale_tags,
        plurals,
        po_syntax,
        review,
    )

    versions = (
        __version__,
        babel.__version__,
        # The CLDR data ships with Babel; versions before 2.18 cannot say which they hold.
        getattr(babel.core, "get_cldr_version", lambda: "")(),
        sys.implementation.cache_tag,
        ".".join(map(str, sys.version_info[:3])),
        unicodedata.unidata_version,
    )
    digest = hashlib.sha256(repr(versions).encode())
    # Reading (i18n) and checking (po_syntax, catalog_rules, plurals, review, locale_tags for
    # the Language header), the wording comparison the copied-translation check uses
    # (coverage), the plural forms of catalogs written for an earlier Babel (earlier_plurals),
    # the bidirectional controls a translation may not hold (bidi), and this module, which
    # writes and reads the entries.
    checking = (i18n, po_syntax, catalog_rules, plurals, review, locale_tags, coverage)
    for module in (*checking, earlier_plurals, bidi, sys.modules[__name__]):
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

    def get_catalog(self, locale: str, path: Path, source: bytes) -> Catalog | None:
        """The catalog kept for the catalog file ``path`` in ``locale`` if it held ``source``
        then, or None (nothing kept, or an entry not whole and well formed)."""
        return _catalog_of(self.get(locale, path, source), locale)

    def put_catalog(
        self, locale: str, path: Path, source: bytes, catalog: Catalog, compiled: bytes
    ) -> None:
        """Keep ``catalog`` (its messages compiled: ``compiled``), read from the catalog file
        ``path`` holding ``source``; nothing if it cannot be written."""
        self.put(locale, path, source, _entry(catalog, compiled))

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


# What a cache entry holds: a JSON object with these keys (the compiled messages in base64).
_ENTRY_KEYS = frozenset(
    ("compiled", "review", "translated", "fuzzy", "copied", "blank", "revision")
)


def _entry(catalog: Catalog, compiled: bytes) -> bytes:
    """What the catalog cache keeps of ``catalog``: everything but its Babel locale, which is
    parsed again from its name."""

    def keys(found: frozenset[MessageKey]) -> list[list[str | None]]:
        return [list(key) for key in sorted(found, key=lambda key: (key[0] or "", key[1]))]

    review = catalog.review
    entry = {
        "compiled": base64.b64encode(compiled).decode("ascii"),
        "review": [review.state, review.reviewed_by, review.revision],
        "translated": keys(catalog.translated),
        "fuzzy": keys(catalog.fuzzy),
        "copied": keys(catalog.copied),
        "blank": keys(catalog.blank),
        "revision": catalog.revision,
    }
    return json.dumps(entry, ensure_ascii=False, sort_keys=True).encode("utf-8")


def _catalog_of(entry: bytes | None, locale: str) -> Catalog | None:
    """The catalog a cache entry holds, or None if there is none or it is not whole and well
    formed (then the catalog is read and checked again)."""
    if entry is None:
        return None
    try:
        found = json.loads(entry)
        if not isinstance(found, dict) or found.keys() != _ENTRY_KEYS:
            return None
        state, reviewed_by, revision = found["review"]
        if state not in ("source", "draft", "reviewed") or not all(
            isinstance(text, str) for text in (reviewed_by, revision, found["revision"])
        ):
            return None
        found_keys = [
            _message_keys(found[name]) for name in ("translated", "fuzzy", "copied", "blank")
        ]
        if any(keys is None for keys in found_keys):
            return None
        translated, fuzzy, copied, blank = (keys or frozenset() for keys in found_keys)
        compiled = base64.b64decode(found["compiled"], validate=True)
        review = Review(state, reviewed_by, revision)
        return catalog_from_compiled(
            locale,
            Locale.parse(locale),
            compiled,
            review,
            translated,
            fuzzy,
            copied,
            blank,
            found["revision"],
        )
    except Exception:  # damaged in any way (JSON, base64, the compiled messages): a miss
        return None


def _message_keys(listed: object) -> frozenset[MessageKey] | None:
    if not isinstance(listed, list):
        return None
    keys: set[MessageKey] = set()
    for item in listed:
        if not (
            isinstance(item, list)
            and len(item) == 2
            and (item[0] is None or isinstance(item[0], str))
            and isinstance(item[1], str)
        ):
            return None
        keys.add((item[0], item[1]))
    return frozenset(keys)
