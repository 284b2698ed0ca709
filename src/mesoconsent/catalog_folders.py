"""Where catalogs live (``<locales>/<locale>/LC_MESSAGES/mesoconsent.po``), and whether a
catalog's folder is named as gettext names its locale, so that requests find it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from mesoconsent.errors import CatalogError, LocaleNotAvailableError
from mesoconsent.locale_tags import (
    SOURCE_LOCALE,
    fallbacks,
    gnu_locale,
    named_script,
    parse_requested,
)

DOMAIN = "mesoconsent"


def catalog_path(locales_dir: Path, locale: str) -> Path:
    return locales_dir / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def catalog_file(locale: str, locale_dirs: Sequence[Path]) -> Path | None:
    """The file a locale's catalog is read from (the first folder that has one wins); None if
    no folder has one."""
    for locales_dir in locale_dirs:
        path = catalog_path(locales_dir, locale)
        if path.is_file():
            return path
    return None


def catalog_locales(locales_dir: Path) -> list[str]:
    """The locales whose catalog is in the folder ``locales_dir`` (OSError if it cannot be
    read)."""
    return [
        child.name
        for child in locales_dir.iterdir()
        if catalog_path(locales_dir, child.name).is_file()
    ]


def holds_no_catalog(locales_dir: Path) -> str | None:
    """What to say of a folder given as a catalog folder that holds no catalog (one level too
    deep, such as ``locales/fr``, is the usual slip), or None if it holds one or cannot be
    read (the reader of its catalogs says why). Skipped, such a folder would leave the
    clinic's catalogs out without a word, and forms come from the bundled ones."""
    try:
        if catalog_locales(locales_dir):
            return None
    except OSError:
        return None
    return (
        f"{locales_dir}: holds no catalog; give the folder that holds "
        f"<locale>/LC_MESSAGES/{DOMAIN}.po (such as locales/, for "
        f"locales/fr/LC_MESSAGES/{DOMAIN}.po)"
    )


def available_locales(locale_dirs: Iterable[Path]) -> tuple[str, ...]:
    """The source locale plus every locale that has a catalog in one of ``locale_dirs``."""
    found = {SOURCE_LOCALE}
    for locales_dir in locale_dirs:
        if locales_dir.is_dir():
            found.update(catalog_locales(locales_dir))
    return tuple(sorted(found))


def check_folder_name(path: Path, locale: str) -> None:
    """A catalog's folder is its locale, as gettext names them (``pt_BR``, ``zh_TW``): one
    named otherwise (``pt-BR``, ``FR``) would never be chosen for the locale it means, since a
    request looks for the names :func:`negotiate` tries."""
    try:
        named = gettext_name(locale)
    except LocaleNotAvailableError:
        raise CatalogError(
            f"{path}: its folder {locale!r} is not a locale identifier Babel knows "
            "(language, then region, as in fr or pt_BR)"
        ) from None
    if named is not None:
        advice = rename_advice(path, locale, named) or (
            f"must be named {named!r}, as gettext names locales, or it is never used for that "
            "locale"
        )
        raise CatalogError(f"{path}: its folder {locale!r} {advice}")


def rename_advice(path: Path, folder: str, named: str) -> str | None:
    """For the catalog ``path`` in a folder called ``folder``, which gettext names ``named``:
    if a folder of that name beside it already holds a catalog (so renaming would collide),
    what to do instead; else None (rename it)."""
    folder_of_folders = path.parents[2]
    well_named = catalog_path(folder_of_folders, named)
    # By the exact name, and not the same file: on a file system that ignores case (macOS's
    # and Windows's by default), pt_BR opens pt_br's catalog, which must not be removed.
    try:
        beside = named in os.listdir(folder_of_folders) and not os.path.samefile(path, well_named)
    except OSError:  # gone, or never there
        beside = False
    if not beside:
        return None
    return (
        f"is never used for its locale (gettext names it {named!r}), and {well_named} "
        f"already holds that locale's catalog: remove the folder {folder!r}, after moving into "
        "that catalog any translation only it has"
    )


def gettext_name(folder: str) -> str | None:
    """The name a catalog folder called ``folder`` should have, if a request for the locale
    it means would never look for it (``pt_BR`` for ``pt-BR``); None if it is named well.
    Raises LocaleNotAvailableError if it names no locale."""
    if "@" in folder:  # sr@latin: GNU's name for sr_Latn, which requests look for
        gnu = gnu_locale(folder)
        if gnu is None:
            raise LocaleNotAvailableError(folder)
        return "_".join(part for part in (gnu.language, gnu.script, gnu.territory) if part)
    parsed = parse_requested(folder)
    if folder in fallbacks(parsed):
        return None
    # A script the folder names is part of the name (sr_Latn): without it, the catalog would
    # serve requests in the language's other script.
    script = parsed.script if named_script(folder) else None
    return "_".join(part for part in (parsed.language, script, parsed.territory) if part)


def misnamed_folders(locale_dirs: Iterable[Path]) -> dict[str, tuple[Path, str]]:
    """Catalog folders named otherwise than gettext names the locale they mean: for that
    locale, the catalog's path and its folder's name (the first such folder found)."""
    found: dict[str, tuple[Path, str]] = {}
    for locales_dir in locale_dirs:
        if not locales_dir.is_dir():
            continue
        for child in sorted(locales_dir.iterdir()):
            path = catalog_path(locales_dir, child.name)
            if not path.is_file():
                continue
            try:
                named = gettext_name(child.name)
            except LocaleNotAvailableError:
                continue  # it means no locale: no request can be served from it
            if named is not None:
                found.setdefault(named, (path, child.name))
    return found
