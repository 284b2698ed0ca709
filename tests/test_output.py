"""Atomic, private writes."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

from mesoconsent import output
from mesoconsent.output import write_atomic, write_files_atomic


def test_writes_whole_file_owner_only_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "form.docx"
    target.write_bytes(b"old")
    write_atomic(target, b"new content")
    assert target.read_bytes() == b"new content"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["form.docx"]


def test_a_target_name_at_the_length_limit_works(tmp_path: Path) -> None:
    target = tmp_path / ("x" * 250 + ".docx")
    write_atomic(target, b"data")
    assert target.read_bytes() == b"data"


def test_failure_keeps_the_old_file_and_names_the_target(tmp_path: Path) -> None:
    target = tmp_path / "folder-in-the-way"
    target.mkdir()
    (target / "inside").write_text("keep")
    with pytest.raises(OSError, match="folder-in-the-way") as caught:
        write_atomic(target, b"data")
    assert ".part" not in str(caught.value)
    assert (target / "inside").read_text() == "keep"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder-in-the-way"]
    assert os.path.isdir(target)


def test_a_folder_that_can_be_written_but_not_read_still_gets_its_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Mode 0300: files can be created and renamed, but the folder cannot be opened to sync
    # it. (Simulated: root bypasses the permission.) The file itself is synced and in place.
    real_open = os.open

    def no_reading_folders(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if Path(path).is_dir():
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", no_reading_folders)
    write_atomic(tmp_path / "form.docx", b"complete")
    assert (tmp_path / "form.docx").read_bytes() == b"complete"


# Several files at once (batches): one sync of the file system where it can report errors.

FILES = [("000001.docx", b"first"), ("000002.docx", b"second" * 1000), ("000003.docx", b"")]


def _record(monkeypatch: pytest.MonkeyPatch, events: list[str]) -> None:
    real_fsync, real_replace, real_sync_all = os.fsync, os.replace, output._sync_file_system

    def fsync(descriptor: int) -> None:
        events.append("fsync")
        real_fsync(descriptor)

    def replace(source: Any, target: Any) -> None:
        events.append("rename")
        real_replace(source, target)

    def sync_all(folder: Path) -> bool:
        events.append("syncfs")
        return real_sync_all(folder)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(output, "_sync_file_system", sync_all)


@pytest.mark.parametrize("syncfs", [True, False], ids=["syncfs", "file by file"])
def test_several_files_are_written_whole_private_and_synced_before_their_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, syncfs: bool
) -> None:
    if syncfs and output._syncfs() is None:
        pytest.skip("no syncfs that reports errors here")
    if not syncfs:
        monkeypatch.setattr(output, "_syncfs", lambda: None)
    events: list[str] = []
    _record(monkeypatch, events)
    assert write_files_atomic(tmp_path, FILES, prefix=".batch-") == [None, None, None]
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == dict(FILES)
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in tmp_path.iterdir())
    # Every file is durable before the first rename: one syncfs, or one fsync each.
    assert events == (["syncfs"] if syncfs else ["fsync"] * 3) + ["rename"] * 3


def test_a_failed_syncfs_falls_back_to_syncing_each_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(output, "_syncfs", lambda: lambda descriptor: -1)
    events: list[str] = []
    _record(monkeypatch, events)
    assert write_files_atomic(tmp_path, FILES) == [None, None, None]
    assert events == ["syncfs"] + ["fsync"] * 3 + ["rename"] * 3
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == dict(FILES)


def test_one_file_that_cannot_be_written_spoils_none_of_the_others(tmp_path: Path) -> None:
    (tmp_path / "000002.docx").mkdir()  # in the way of the second file
    outcome = write_files_atomic(tmp_path, FILES, prefix=".batch-")
    assert outcome[0] is None
    assert outcome[2] is None
    assert isinstance(outcome[1], OSError)
    assert outcome[1].filename == str(tmp_path / "000002.docx")
    assert (tmp_path / "000001.docx").read_bytes() == b"first"
    assert (tmp_path / "000002.docx").is_dir()
    assert not list(tmp_path.glob(".batch-*"))  # no temporary file left behind
