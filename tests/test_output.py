"""Atomic, private writes."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

from mesoconsent.output import write_atomic


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
