"""Compiled templates cached on disk for the next process: faster, and never a difference or a
failure."""

from __future__ import annotations

import os
import shutil
import stat
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from jinja2.bccache import bc_magic

from mesoconsent import Engine
from mesoconsent.template_cache import (
    CACHE_DIR_VARIABLE,
    TemplateCache,
    configuration_key,
    default_cache_folder,
    open_cache,
)
from tests.helpers import example, run_cli


def cached_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())


def render_with_cache(folder: Path | None) -> bytes:
    return Engine(template_cache=folder).render(example()).content


def test_the_second_engine_loads_what_the_first_compiled(tmp_path: Path) -> None:
    first = render_with_cache(tmp_path)
    files = cached_files(tmp_path)
    assert len(files) == 2  # the procedure's template and the base it extends
    assert all(path.parent.name == configuration_key() for path in files)
    stamps = [path.stat().st_mtime_ns for path in files]
    assert render_with_cache(tmp_path) == first == render_with_cache(None)
    assert [path.stat().st_mtime_ns for path in files] == stamps  # read, not written again


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_the_cache_folder_is_private_and_one_others_can_write_to_is_not_used(
    tmp_path: Path,
) -> None:
    render_with_cache(tmp_path / "mine")
    folder = tmp_path / "mine" / configuration_key()
    assert stat.S_IMODE(folder.stat().st_mode) & 0o077 == 0
    shared = tmp_path / "shared" / configuration_key()
    shared.mkdir(parents=True)
    shared.chmod(0o777)
    assert open_cache(tmp_path / "shared") is None
    assert render_with_cache(tmp_path / "shared") == render_with_cache(None)
    assert cached_files(shared) == []


def test_a_cache_that_cannot_be_written_or_read_is_only_a_miss(tmp_path: Path) -> None:
    blocked = tmp_path / "a file"
    blocked.write_text("not a folder")
    assert render_with_cache(blocked) == render_with_cache(None)
    render_with_cache(tmp_path / "cache")
    for path in cached_files(tmp_path / "cache"):
        path.write_bytes(b"damaged")
    assert render_with_cache(tmp_path / "cache") == render_with_cache(None)


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() == 0, reason="root writes anyway")
def test_a_read_only_cache_folder_does_not_stop_a_render(tmp_path: Path) -> None:
    folder = tmp_path / "cache" / configuration_key()
    folder.mkdir(parents=True, mode=0o700)
    folder.chmod(0o500)
    try:
        assert render_with_cache(tmp_path / "cache") == render_with_cache(None)
    finally:
        folder.chmod(0o700)


def test_the_command_line_caches_where_the_variable_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_DIR_VARIABLE, str(tmp_path / "cache"))
    for name in ("first.docx", "second.docx"):
        assert run_cli("render", "--example", "--output", name, cwd=tmp_path).returncode == 0
    assert len(cached_files(tmp_path / "cache")) == 2
    assert (tmp_path / "first.docx").read_bytes() == (tmp_path / "second.docx").read_bytes()
    monkeypatch.setenv(CACHE_DIR_VARIABLE, "")  # set and empty: no cache
    assert run_cli("render", "--example", "--output", "third.docx", cwd=tmp_path).returncode == 0
    assert (tmp_path / "third.docx").read_bytes() == (tmp_path / "first.docx").read_bytes()


def test_set_and_empty_means_no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_DIR_VARIABLE, "")
    assert default_cache_folder() is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG folders")
def test_by_default_the_command_line_uses_the_users_cache_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(CACHE_DIR_VARIABLE)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert run_cli("render", "--example", "--output", "x.docx", cwd=tmp_path).returncode == 0
    assert len(cached_files(tmp_path / ".cache" / "mesoconsent")) == 2


def test_a_cache_folder_that_goes_away_does_not_stop_a_render(tmp_path: Path) -> None:
    engine = Engine(template_cache=tmp_path)  # compiles the procedure's template now
    shutil.rmtree(tmp_path / configuration_key())  # its base is compiled on the first render
    assert engine.render(example()).content == render_with_cache(None)


def forge_base_entry(folder: Path) -> Path:
    """Replace the cached code of the base template with code that prints FORGED, under the
    checksum of the real source, as someone able to write the entry could."""
    engine = Engine(template_cache=folder)
    engine.render(example())  # compiles and caches the base template
    environment = engine._environment
    cache = environment.bytecode_cache
    assert isinstance(cache, TemplateCache)
    name = "common/base.html.j2"
    source, filename, _ = environment.loader.get_source(environment, name)  # type: ignore[union-attr]
    bucket = cache.get_bucket(environment, name, filename, source)
    forged = source.replace("<h1>", "<p>FORGED</p><h1>", 1)
    bucket.code = environment.compile(forged, name, filename)
    cache.set_bucket(bucket)
    return folder / configuration_key() / f"__jinja2_{bucket.key}.cache"


def test_an_entry_others_could_have_written_is_not_executed(tmp_path: Path) -> None:
    entry = forge_base_entry(tmp_path)
    # Written by this user, the entry is trusted (so the forgery is real)...
    assert b"FORGED" in Engine(template_cache=tmp_path).render(example(), "text").content
    # ...but not once others could have written it.
    entry.chmod(0o666)
    assert b"FORGED" not in Engine(template_cache=tmp_path).render(example(), "text").content


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="needs chown")
def test_an_entry_owned_by_someone_else_is_not_executed(tmp_path: Path) -> None:
    entry = forge_base_entry(tmp_path)
    os.chown(entry, 65534, 65534)  # nobody
    assert b"FORGED" not in Engine(template_cache=tmp_path).render(example(), "text").content


def test_a_folder_others_can_write_to_is_not_used_even_above_the_cache(tmp_path: Path) -> None:
    render_with_cache(tmp_path / "open")
    (tmp_path / "open").chmod(0o777)  # others could swap the folder inside it
    assert open_cache(tmp_path / "open") is None


def test_a_truncated_entry_is_compiled_again(tmp_path: Path) -> None:
    expected = render_with_cache(tmp_path)
    for path in cached_files(tmp_path):
        path.write_bytes(path.read_bytes()[: len(bc_magic) + 3])  # a torn write
    assert render_with_cache(tmp_path) == expected


@pytest.mark.skipif(not hasattr(os, "symlink") or os.name != "posix", reason="POSIX links")
def test_an_entry_that_is_a_link_is_not_followed(tmp_path: Path) -> None:
    # The link's target is this user's and private, but whoever replaced the entry with a
    # link chose the target: the entry itself is what must be trusted.
    entry = forge_base_entry(tmp_path / "cache")
    target = tmp_path / "elsewhere.cache"
    entry.rename(target)
    entry.symlink_to(target)
    assert (
        b"FORGED" not in Engine(template_cache=tmp_path / "cache").render(example(), "text").content
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs")
def test_a_fifo_in_place_of_an_entry_does_not_hang_a_render(tmp_path: Path) -> None:
    entry = forge_base_entry(tmp_path)
    entry.unlink()
    os.mkfifo(entry)
    assert render_with_cache(tmp_path) == render_with_cache(None)


@pytest.mark.skipif(not hasattr(os, "umask"), reason="POSIX umask")
def test_the_cache_is_used_under_a_group_writable_umask(tmp_path: Path) -> None:
    previous = os.umask(0o002)
    try:
        render_with_cache(tmp_path / "made" / "here")
    finally:
        os.umask(previous)
    assert len(cached_files(tmp_path / "made" / "here")) == 2


def _aged(path: Path, days: float) -> Path:
    stamp = time.time() - days * 24 * 3600
    os.utime(path, (stamp, stamp))
    return path


def test_folders_of_other_versions_unused_for_a_month_are_removed(tmp_path: Path) -> None:
    def made(name: str, days: float) -> Path:
        folder = tmp_path / name
        folder.mkdir(mode=0o700)
        (folder / "__jinja2_entry.cache").write_bytes(b"compiled")
        return _aged(folder, days)

    old = made("templates-0.0.1-0123456789abcdef", 31)
    recent = made("templates-0.0.2-0123456789abcdef", 29)
    unrelated = made("something-else", 400)
    # A user's own folders in a shared cache folder: not named as a version's folder, or not
    # holding only compiled templates.
    users = made("templates-riverside", 400)
    lookalike = made("templates-9.9.9-0123456789abcdef", 400)
    (lookalike / "notes.txt").write_text("mine", encoding="utf-8")
    _aged(lookalike, 400)
    target = made("elsewhere", 400)
    link = tmp_path / "templates-0.0.3-0123456789abcdef"
    link.symlink_to(target, target_is_directory=True)
    current = tmp_path / configuration_key()
    current.mkdir(mode=0o700)
    _aged(current, 365)

    assert open_cache(tmp_path) is not None
    assert not old.exists()
    assert recent.is_dir()
    assert unrelated.is_dir()
    assert (users / "__jinja2_entry.cache").exists()
    assert (lookalike / "notes.txt").exists()
    assert link.is_symlink()
    assert (target / "__jinja2_entry.cache").exists()  # never followed
    assert time.time() - current.stat().st_mtime < 3600  # marked as used


def test_a_folder_being_removed_by_another_process_is_no_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = tmp_path / "templates-0.0.1-0123456789abcdef"
    old.mkdir(mode=0o700)
    _aged(old, 40)

    def gone(path: Any, *args: Any, **kwargs: Any) -> None:
        raise FileNotFoundError(2, "No such file or directory", str(path))

    monkeypatch.setattr(shutil, "rmtree", gone)
    monkeypatch.setattr(shutil.rmtree, "avoids_symlink_attacks", True, raising=False)
    assert open_cache(tmp_path) is not None
    assert render_with_cache(tmp_path) == render_with_cache(None)
