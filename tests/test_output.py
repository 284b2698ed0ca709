"""Atomic, private writes."""

from __future__ import annotations

import os
import stat
from pathlib import Path

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
