"""Checked catalogs kept on disk for the next process: faster, and never a difference, a skipped
check or a failure."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import stat
import sys
import time
import unicodedata
from pathlib import Path
from typing import Any

import attrs
import babel
import babel.core
import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

import mesoconsent
from mesoconsent import (
    Engine,
    bidi,
    catalog_cache,
    catalog_folders,
    catalog_rules,
    coverage,
    disk_cache,
    earlier_plurals,
    i18n,
    locale_tags,
    plurals,
    po_syntax,
    review,
)
from mesoconsent.catalog_cache import configuration_key, open_catalog_cache
from mesoconsent.errors import CatalogError
from mesoconsent.resources import locales_dir
from tests.helpers import example, run_cli

TITLE = "Consentement à un traitement par mésothérapie"


def french() -> mesoconsent.ConsentRequest:
    return attrs.evolve(example(), locale="fr")


def render(cache: Path | None, locales: Path | None = None) -> bytes:
    engine = Engine(locale_dirs=() if locales is None else [locales], template_cache=cache)
    return engine.render_quietly(french(), "text").content


def entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("catalogs-*/catalog-*.json"))


def own_french(tmp_path: Path) -> Path:
    """A copy of the bundled French catalog in a locales folder of the test's own."""
    folder = tmp_path / "locales"
    shutil.copytree(locales_dir() / "fr", folder / "fr")
    return folder


def french_catalog(locales: Path) -> Path:
    return catalog_folders.catalog_path(locales, "fr")


def test_the_second_engine_takes_what_the_first_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    first = render(cache)
    [entry] = entries(cache)  # French only: nothing is read for a language not used
    assert entry.parent.name == configuration_key()
    assert stat.S_IMODE(entry.stat().st_mode) & 0o077 == 0
    stamp = entry.stat().st_mtime_ns
    expected_docx = Engine().render_quietly(french(), "docx").content

    def never(*args: Any) -> Any:
        raise AssertionError("the catalog was read and checked again")

    monkeypatch.setattr(i18n, "_parse_catalog", never)
    engine = Engine(template_cache=cache)
    assert engine.render_quietly(french(), "text").content == first
    assert engine.render_quietly(french(), "docx").content == expected_docx
    assert entry.stat().st_mtime_ns == stamp  # read, not written again


def test_what_is_taken_from_the_cache_is_the_catalog_itself(tmp_path: Path) -> None:
    # Every locale, with its review record, revision and message sets (the gates' fallbacks).
    Engine(template_cache=tmp_path).load_catalogs()
    cached, fresh = Engine(template_cache=tmp_path), Engine()
    for locale in fresh.locales:
        kept, read = cached.catalog(locale), fresh.catalog(locale)
        assert kept == read
        # The messages themselves (English, the source, has none).
        assert getattr(kept.translations, "_catalog", None) == getattr(
            read.translations, "_catalog", None
        )
    assert len(entries(tmp_path)) == len(fresh.locales) - 1  # English has no catalog


def test_an_edited_catalog_is_read_and_checked_again(tmp_path: Path) -> None:
    locales, cache = own_french(tmp_path), tmp_path / "cache"
    assert TITLE in render(cache, locales).decode()
    path = french_catalog(locales)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(TITLE, "Consentement au traitement"), encoding="utf-8")
    assert "Consentement au traitement" in render(cache, locales).decode()
    # An edit that breaks a rule fails, though the cache holds the catalog as it was.
    broken = text.replace("établissement %(clinic)s", "établissement %(clinique)s")
    assert broken != text
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(CatalogError, match="placeholders"):
        render(cache, locales)
    path.write_text(text, encoding="utf-8")  # as first cached: read and checked again
    assert TITLE in render(cache, locales).decode()
    # One entry per catalog file, replaced: no growth. (Two files: the clinic's, and the
    # shipped French catalog its "Yes" and "No" are compared with.)
    assert len(entries(cache)) == 2


def test_the_same_bytes_in_another_locale_s_folder_are_checked_for_that_locale(
    tmp_path: Path,
) -> None:
    # A French catalog copied into de/ says "Language: fr": refused there, though the very
    # same bytes passed every check as the French catalog and are in the cache.
    locales, cache = own_french(tmp_path), tmp_path / "cache"
    shutil.copytree(locales / "fr", locales / "de")
    assert TITLE in render(cache, locales).decode()
    engine = Engine(locale_dirs=[locales], template_cache=cache)
    with pytest.raises(CatalogError, match="Language header"):
        engine.render_quietly(attrs.evolve(french(), locale="de"), "text")


def test_a_reviewed_catalog_with_fuzzy_and_copied_messages_comes_back_whole(
    tmp_path: Path,
) -> None:
    # The sets the gates use to find English left in a translation, and the review record.
    locales, cache = own_french(tmp_path), tmp_path / "cache"
    path = french_catalog(locales)
    text = path.read_text(encoding="utf-8").replace(
        "# Review-State: draft\n# Reviewed-By:\n",
        "# Review-State: reviewed\n# Reviewed-By: A. Reviewer <a@example.org>, 2026-11-26\n",
    )
    po = read_po(io.StringIO(text))
    disclosures = [m for m in po if m.id and m.context and isinstance(m.string, str)]
    disclosures[0].flags.add("fuzzy")
    disclosures[1].string = disclosures[1].id  # "copy from source", as Poedit does
    buffer = io.BytesIO()
    write_po(buffer, po)
    path.write_bytes(buffer.getvalue())
    fresh = Engine(locale_dirs=[locales]).catalog("fr")
    assert fresh.review.state == "reviewed"
    assert fresh.fuzzy
    assert fresh.copied
    Engine(locale_dirs=[locales], template_cache=cache).catalog("fr")
    kept = Engine(locale_dirs=[locales], template_cache=cache).catalog("fr")
    assert kept == fresh
    assert kept.translations._catalog == fresh.translations._catalog  # type: ignore[attr-defined]


def test_a_review_s_revision_and_translations_that_say_nothing_come_back_from_the_cache(
    tmp_path: Path,
) -> None:
    # The revision a reviewer signed off (without it, a reviewed-only engine refuses the
    # catalog) and the translations that say nothing (which the gates refuse to print).
    locales, cache = own_french(tmp_path), tmp_path / "cache"
    path = french_catalog(locales)
    po = read_po(io.BytesIO(path.read_bytes()))
    disclosure = next(m for m in po if m.context and isinstance(m.id, str) and "%(" not in m.id)
    disclosure.string = "\u2026"
    buffer = io.BytesIO()
    write_po(buffer, po)
    path.write_bytes(buffer.getvalue())
    revision = Engine(locale_dirs=[locales]).catalog("fr").revision
    text = path.read_text(encoding="utf-8").replace(
        "# Review-State: draft\n# Reviewed-By:\n",
        "# Review-State: reviewed\n# Reviewed-By: A. Reviewer <a@example.org>, 2026-11-26\n"
        f"# Reviewed-Revision: {revision}\n",
    )
    path.write_text(text, encoding="utf-8")
    fresh = Engine(locale_dirs=[locales]).catalog("fr")
    assert (fresh.review.state, fresh.review.revision) == ("reviewed", revision)
    assert fresh.blank == {(disclosure.context, disclosure.id)}
    Engine(locale_dirs=[locales], template_cache=cache).catalog("fr")
    assert len(entries(cache)) == 1
    kept = Engine(locale_dirs=[locales], template_cache=cache).catalog("fr")
    assert kept == fresh


def test_a_catalog_that_fails_its_checks_is_never_kept(tmp_path: Path) -> None:
    locales, cache = own_french(tmp_path), tmp_path / "cache"
    path = french_catalog(locales)
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "établissement %(clinic)s", "établissement %(clinique)s"
        ),
        encoding="utf-8",
    )
    for _ in range(2):
        with pytest.raises(CatalogError, match="placeholders"):
            render(cache, locales)
    assert entries(cache) == []


def kept_json(path: Path) -> dict[str, Any]:
    """The catalog an entry keeps (after its digest of itself and of the file's bytes)."""
    found: dict[str, Any] = json.loads(path.read_bytes().split(b"\n", 2)[2])
    return found


def rewrite_entry(path: Path, data: bytes) -> None:
    """Put ``data`` in place of the entry's catalog, with digests that match, as someone able
    to write the entry could."""
    source = path.read_bytes().split(b"\n", 2)[1]
    kept = source + b"\n" + data
    path.write_bytes(hashlib.sha256(kept).hexdigest().encode() + b"\n" + kept)


def _rewritten(entry: dict[str, Any], **changes: Any) -> bytes:
    return json.dumps({**entry, **changes}).encode()


# Damage that the entry's digests would not catch: well-formed entries that do not hold a
# catalog as the cache writes one.
MALFORMED = {
    "not JSON": lambda entry: b"\x00\x01 not json",
    "a list": lambda entry: b"[]",
    "a key missing": lambda entry: json.dumps(
        {k: v for k, v in entry.items() if k != "fuzzy"}
    ).encode(),
    "a key more": lambda entry: _rewritten(entry, extra=1),
    "bad base64": lambda entry: _rewritten(entry, compiled="not base64!"),
    "not compiled messages": lambda entry: _rewritten(
        entry, compiled=base64.b64encode(b"garbage").decode()
    ),
    "an unknown review state": lambda entry: _rewritten(entry, review=["fine", "", ""]),
    "a review of the wrong shape": lambda entry: _rewritten(entry, review=["draft"]),
    "a key of the wrong shape": lambda entry: _rewritten(entry, translated=[["x"]]),
    "keys that are not a list": lambda entry: _rewritten(entry, copied={"a": "b"}),
    "a revision that is not text": lambda entry: _rewritten(entry, revision=12),
}


@pytest.mark.parametrize("damage", MALFORMED.values(), ids=list(MALFORMED))
def test_a_malformed_entry_is_read_again_and_rewritten(tmp_path: Path, damage: Any) -> None:
    expected = render(tmp_path)
    [path] = entries(tmp_path)
    data = path.read_bytes()
    rewrite_entry(path, damage(kept_json(path)))
    assert render(tmp_path) == expected
    assert path.read_bytes() == data  # kept whole again


def _flipped(data: bytes) -> bytes:
    # One letter of a translation changed inside the compiled messages, as a flipped bit on
    # the disk could: still a valid entry and a valid .mo file, but not what was written.
    check, source, kept = data.split(b"\n", 2)
    entry = json.loads(kept)
    compiled = base64.b64decode(entry["compiled"])
    assert TITLE.encode() in compiled
    compiled = compiled.replace(TITLE.encode(), TITLE.upper().encode())
    entry["compiled"] = base64.b64encode(compiled).decode()
    return check + b"\n" + source + b"\n" + json.dumps(entry).encode()


DAMAGED = {
    "truncated": lambda data: data[: len(data) // 2],
    "a bit flipped": _flipped,
    "empty": lambda data: b"",
}


@pytest.mark.parametrize("damage", DAMAGED.values(), ids=list(DAMAGED))
def test_an_entry_damaged_on_the_disk_is_read_again(tmp_path: Path, damage: Any) -> None:
    expected = render(tmp_path)
    [path] = entries(tmp_path)
    data = path.read_bytes()
    path.write_bytes(damage(data))
    assert render(tmp_path) == expected
    assert path.read_bytes() == data


def test_an_entry_larger_than_any_the_cache_writes_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    forge_entry(tmp_path)
    assert b"FORGED" in render(tmp_path)
    [path] = entries(tmp_path)
    monkeypatch.setattr(disk_cache, "MAX_ENTRY", path.stat().st_size - 1)
    assert b"FORGED" not in render(tmp_path)


def forge_entry(cache: Path) -> Path:
    """Replace the kept French catalog with one whose title says FORGED, as someone able to
    write the entry could."""
    render(cache)
    [path] = entries(cache)
    entry = kept_json(path)
    po = read_po(io.StringIO(french_catalog(locales_dir()).read_text(encoding="utf-8")))
    po[next(m.id for m in po if m.string == TITLE)].string = "FORGED"
    compiled = io.BytesIO()
    write_mo(compiled, po)
    entry["compiled"] = base64.b64encode(compiled.getvalue()).decode()
    rewrite_entry(path, json.dumps(entry).encode())
    return path


def test_an_entry_others_could_have_written_is_not_used(tmp_path: Path) -> None:
    entry = forge_entry(tmp_path)
    # Written by this user, the entry is trusted (so the forgery is real)...
    assert b"FORGED" in render(tmp_path)
    # ...but not once others could have written it.
    entry.chmod(0o666)
    assert b"FORGED" not in render(tmp_path)


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="needs chown")
def test_an_entry_owned_by_someone_else_is_not_used(tmp_path: Path) -> None:
    entry = forge_entry(tmp_path)
    os.chown(entry, 65534, 65534)  # nobody
    assert b"FORGED" not in render(tmp_path)


@pytest.mark.skipif(not hasattr(os, "symlink") or os.name != "posix", reason="POSIX links")
def test_an_entry_that_is_a_link_is_not_followed(tmp_path: Path) -> None:
    entry = forge_entry(tmp_path / "cache")
    target = tmp_path / "elsewhere.json"
    entry.rename(target)
    entry.symlink_to(target)
    assert b"FORGED" not in render(tmp_path / "cache")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs")
def test_a_fifo_in_place_of_an_entry_does_not_hang_a_render(tmp_path: Path) -> None:
    entry = forge_entry(tmp_path)
    entry.unlink()
    os.mkfifo(entry)
    assert render(tmp_path) == render(None)


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_a_folder_others_can_write_to_is_not_used(tmp_path: Path) -> None:
    shared = tmp_path / "shared" / configuration_key()
    shared.mkdir(parents=True)
    shared.chmod(0o777)
    assert open_catalog_cache(tmp_path / "shared") is None
    assert render(tmp_path / "shared") == render(None)
    assert entries(tmp_path / "shared") == []


def test_a_cache_that_cannot_be_written_is_only_a_miss(tmp_path: Path) -> None:
    blocked = tmp_path / "a file"
    blocked.write_text("not a folder")
    assert render(blocked) == render(None)
    engine = Engine(template_cache=tmp_path / "cache")
    shutil.rmtree(tmp_path / "cache" / configuration_key())  # gone before the first French form
    assert engine.render_quietly(french(), "text").content == render(None)


@pytest.mark.parametrize(
    ("holder", "name", "other"),
    [
        (babel, "__version__", "0.0.1"),
        (babel.core, "get_cldr_version", lambda: "0"),
        (sys.implementation, "cache_tag", "cpython-399"),
        (unicodedata, "unidata_version", "0.0.0"),
    ],
    ids=["Babel", "CLDR", "Python", "Unicode"],
)
def test_the_folder_depends_on_babel_cldr_python_and_unicode(
    monkeypatch: pytest.MonkeyPatch, holder: Any, name: str, other: Any
) -> None:
    # Plural rules come with Babel's CLDR data, and the checks read characters: a catalog
    # checked under one version is checked again under another.
    before = configuration_key()
    # (Babel before 2.18 has no get_cldr_version: the key then says nothing of CLDR, whose
    # data comes with each Babel version.)
    monkeypatch.setattr(holder, name, other, raising=False)
    assert configuration_key() != before


# Every module that reads, checks or keeps a catalog: a check added in a new version must not
# be skipped for a catalog kept before it.
CHECKING_MODULES = [
    i18n,
    po_syntax,
    catalog_rules,
    plurals,
    review,
    locale_tags,
    coverage,
    earlier_plurals,
    bidi,
    catalog_cache,
]


@pytest.mark.parametrize("module", CHECKING_MODULES, ids=lambda module: module.__name__)
def test_the_folder_depends_on_the_checking_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module: Any
) -> None:
    before = configuration_key()
    changed = tmp_path / Path(module.__file__).name
    changed.write_bytes(Path(module.__file__).read_bytes() + b"\n# a check added\n")
    monkeypatch.setattr(module, "__file__", str(changed))
    assert configuration_key() != before


def test_folders_of_other_versions_unused_for_a_month_are_removed(tmp_path: Path) -> None:
    def made(name: str, days: float, entry: str = "catalog-0123.json") -> Path:
        folder = tmp_path / name
        folder.mkdir(mode=0o700)
        (folder / entry).write_bytes(b"{}")
        stamp = time.time() - days * 24 * 3600
        os.utime(folder, (stamp, stamp))
        return folder

    old = made("catalogs-0.0.1-0123456789abcdef", 31)
    recent = made("catalogs-0.0.2-0123456789abcdef", 29)
    users = made("catalogs-9.9.9-0123456789abcdef", 400, entry="notes.txt")
    templates = made("templates-0.0.1-0123456789abcdef", 400)  # not this cache's to remove
    assert open_catalog_cache(tmp_path) is not None
    assert not old.exists()
    assert recent.is_dir()
    assert (users / "notes.txt").exists()
    assert templates.is_dir()


def test_the_command_line_keeps_catalogs_where_the_variable_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MESOCONSENT_CACHE_DIR", str(tmp_path / "cache"))
    for name in ("first.docx", "second.docx"):
        done = run_cli("render", "--example", "--locale", "fr", "--output", name, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    assert len(entries(tmp_path / "cache")) == 1
    assert (tmp_path / "first.docx").read_bytes() == (tmp_path / "second.docx").read_bytes()


def test_batch_workers_keep_catalogs_in_the_engines_cache(tmp_path: Path) -> None:
    engine = Engine(template_cache=tmp_path)
    requests = [attrs.evolve(example(), locale=locale) for locale in ("fr", "de")]
    results = list(mesoconsent.render_batch(requests, jobs=2, engine=engine))
    assert all(result.ok for result in results)
    assert len(entries(tmp_path)) == 2
