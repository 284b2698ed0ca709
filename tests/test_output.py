"""Atomic, private writes."""

from __future__ import annotations

import errno
import os
import signal
import stat
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import mesoconsent.output
from mesoconsent import disk_cache
from mesoconsent.output import write_atomic, write_files_atomic


def test_writes_whole_file_owner_only_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "form.docx"
    target.write_bytes(b"old")
    write_atomic(target, b"new content")
    assert target.read_bytes() == b"new content"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["form.docx"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_pipe_or_a_link_to_one_is_refused_and_left_as_it_is(tmp_path: Path) -> None:
    # Renaming over /dev/stdout, /dev/null or a FIFO would put a regular file holding the
    # form in its place (a FIFO here: the same refusal, and safe to test as root).
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "out.docx"
    link.symlink_to(fifo)
    for target in (fifo, link):
        with pytest.raises(OSError, match="not a regular file") as caught:
            write_atomic(target, b"form")
        assert caught.value.filename == str(target)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert link.is_symlink()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out.docx", "pipe"]


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_a_descriptor_open_on_a_file_is_refused_and_the_file_left_whole(tmp_path: Path) -> None:
    # `render -o /dev/stdout > log.txt`: /dev/stdout leads to log.txt itself, and a rename
    # over it replaced the whole log with the form.
    log = tmp_path / "log.txt"
    log.write_bytes(b"earlier lines\n")
    log.chmod(0o644)
    descriptor = os.open(log, os.O_WRONLY | os.O_APPEND)
    try:
        link = tmp_path / "out.txt"
        link.symlink_to(f"/proc/self/fd/{descriptor}")
        for target in (Path(f"/proc/self/fd/{descriptor}"), Path(f"/dev/fd/{descriptor}"), link):
            if not target.exists():  # /dev/fd is not everywhere
                continue
            with pytest.raises(OSError, match="open descriptor") as caught:
                write_atomic(target, b"form")
            assert caught.value.filename == str(target)
    finally:
        os.close(descriptor)
    assert log.read_bytes() == b"earlier lines\n"
    assert stat.S_IMODE(log.stat().st_mode) == 0o644
    assert sorted(path.name for path in tmp_path.iterdir()) == ["log.txt", "out.txt"]


def test_a_file_under_a_folder_reached_through_a_link_is_written(tmp_path: Path) -> None:
    # The check for descriptors follows links to where they lead, and only /proc is refused.
    (tmp_path / "real").mkdir()
    (tmp_path / "via").symlink_to(tmp_path / "real")
    write_atomic(tmp_path / "via" / "form.docx", b"form")
    assert (tmp_path / "real" / "form.docx").read_bytes() == b"form"


def test_a_link_is_kept_and_the_file_it_leads_to_is_replaced(tmp_path: Path) -> None:
    (tmp_path / "forms").mkdir()
    existing = tmp_path / "forms" / "old.docx"
    existing.write_bytes(b"old")
    to_existing = tmp_path / "latest.docx"
    to_existing.symlink_to(existing)
    to_missing = tmp_path / "next.docx"
    to_missing.symlink_to(tmp_path / "forms" / "new.docx")
    write_atomic(to_existing, b"first")
    write_atomic(to_missing, b"second")
    assert to_existing.is_symlink()
    assert existing.read_bytes() == b"first"
    assert to_missing.is_symlink()
    assert (tmp_path / "forms" / "new.docx").read_bytes() == b"second"
    assert sorted(path.name for path in (tmp_path / "forms").iterdir()) == ["new.docx", "old.docx"]


def test_a_folder_as_target_is_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "consent.docx").mkdir()
    with pytest.raises(IsADirectoryError) as caught:
        write_atomic(tmp_path / "consent.docx", b"form")
    assert caught.value.filename == str(tmp_path / "consent.docx")
    assert [path.name for path in tmp_path.iterdir()] == ["consent.docx"]


@pytest.mark.parametrize("how", ["one", "group"])
def test_a_read_only_form_is_not_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    # A clinic marks signed forms read-only: the rename replaced them anyway, where cp or a
    # shell's > would refuse. (Simulated for root, which may write anything: os.access.)
    signed = tmp_path / "signed.docx"
    signed.write_bytes(b"the signed form")
    signed.chmod(0o444)
    real_access = os.access

    def access(path: object, mode: int, **kwargs: object) -> bool:
        if Path(str(path)) == signed and mode == os.W_OK:
            return False
        return real_access(path, mode, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "access", access)
    if how == "one":
        with pytest.raises(PermissionError, match="read-only") as caught:
            write_atomic(signed, b"another form")
        assert caught.value.filename == str(signed)
    else:
        [problem] = write_files_atomic(tmp_path, [("signed.docx", b"another form")])
        assert isinstance(problem, PermissionError)
        assert "read-only" in str(problem)
        assert problem.filename == str(signed)
    assert signed.read_bytes() == b"the signed form"
    assert [path.name for path in tmp_path.iterdir()] == ["signed.docx"]


def test_a_file_marked_read_only_is_not_replaced_even_by_root(tmp_path: Path) -> None:
    # os.access says root may write anything: a form marked read-only was replaced in a
    # container running as root (a review). No simulation here: whoever runs the tests.
    signed = tmp_path / "signed.docx"
    signed.write_bytes(b"the signed form")
    signed.chmod(0o444)
    with pytest.raises(PermissionError, match="read-only"):
        write_atomic(signed, b"another form")
    [problem] = write_files_atomic(tmp_path, [("signed.docx", b"another form")])
    assert isinstance(problem, PermissionError)
    assert signed.read_bytes() == b"the signed form"
    assert [path.name for path in tmp_path.iterdir()] == ["signed.docx"]


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


@pytest.mark.parametrize("step", ["fsync", "replace"])
def test_a_write_that_fails_after_its_temporary_file_is_made_leaves_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    # A disk that fills up at the sync, or a rename refused: the old form stays, and no
    # half-written .part file is left beside it.
    target = tmp_path / "form.docx"
    target.write_bytes(b"old")

    def failing(*args: Any) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, step, failing)
    with pytest.raises(OSError, match="No space left") as caught:
        write_atomic(target, b"new")
    assert caught.value.filename == str(target)
    assert target.read_bytes() == b"old"
    assert [path.name for path in tmp_path.iterdir()] == ["form.docx"]


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


def test_the_file_is_synced_before_its_rename_and_the_folder_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Durable through a power cut: the content is on disk before the rename makes it the
    # form, and the rename itself is on disk (the folder synced) before write_atomic returns.
    events: list[tuple[str, Any]] = []
    real_fsync, real_replace = os.fsync, os.replace
    target = tmp_path / "form.docx"

    def fsync(descriptor: int) -> None:
        events.append(("fsync", os.fstat(descriptor).st_size))
        real_fsync(descriptor)

    def replace(source: Any, destination: Any) -> None:
        events.append(("rename", Path(destination)))
        real_replace(source, destination)

    def sync_folder(folder: Path) -> None:
        events.append(("sync folder", folder))

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(mesoconsent.output, "sync_folder", sync_folder)
    write_atomic(target, b"complete")
    assert target.read_bytes() == b"complete"
    # The file is synced holding all of its content, then renamed, then its folder synced.
    assert events == [("fsync", len(b"complete")), ("rename", target), ("sync folder", tmp_path)]


@pytest.mark.skipif(os.name != "posix", reason="Windows cannot open a folder to sync it")
def test_the_file_and_then_its_folder_reach_the_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Through the real sync_folder: the form's file is fsynced, then the folder holding it.
    synced: list[int] = []
    real_fsync = os.fsync

    def fsync(descriptor: int) -> None:
        synced.append(os.fstat(descriptor).st_ino)
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", fsync)
    write_atomic(tmp_path / "form.docx", b"complete")
    assert synced == [(tmp_path / "form.docx").stat().st_ino, tmp_path.stat().st_ino]


# Several files at once (batches): each synced before its rename, the syncs at the same time.

FILES = [("000001.docx", b"first"), ("000002.docx", b"second" * 1000), ("000003.docx", b"")]


def test_files_written_without_replace_leave_a_file_already_there(tmp_path: Path) -> None:
    # A batch's forms: a file at a name is another batch's, writing into the same folder.
    (tmp_path / "000002.docx").write_bytes(b"another batch's form")
    outcome = write_files_atomic(tmp_path, FILES, prefix=".batch-", replace=False)
    assert outcome[0] is None
    assert outcome[2] is None
    assert isinstance(outcome[1], FileExistsError)
    assert outcome[1].filename == str(tmp_path / "000002.docx")
    assert (tmp_path / "000002.docx").read_bytes() == b"another batch's form"
    assert sorted(path.name for path in tmp_path.iterdir()) == [name for name, _ in FILES]


def _record(monkeypatch: pytest.MonkeyPatch, events: list[str]) -> None:
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(descriptor: int) -> None:
        events.append("fsync")
        real_fsync(descriptor)

    def replace(source: Any, target: Any) -> None:
        events.append("rename")
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)


def test_several_files_are_written_whole_private_and_synced_before_any_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    _record(monkeypatch, events)
    assert write_files_atomic(tmp_path, FILES, prefix=".batch-") == [None, None, None]
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == dict(FILES)
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in tmp_path.iterdir())
    assert events == ["fsync"] * 3 + ["rename"] * 3


def test_the_temporary_files_are_made_in_the_staging_folder_and_renamed_out_of_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    staging = tmp_path / ".staging"
    staging.mkdir()
    renamed: list[tuple[Path, Path]] = []
    real_replace = os.replace

    def replace(source: Any, target: Any) -> None:
        renamed.append((Path(source).parent, Path(target).parent))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    assert write_files_atomic(tmp_path, FILES, staging=staging) == [None, None, None]
    assert renamed == [(staging, tmp_path)] * len(FILES)
    assert list(staging.iterdir()) == []
    forms = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p != staging}
    assert forms == dict(FILES)


def test_the_files_are_synced_at_the_same_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each sync waits until all three are under way: one after another, they never would be.
    together = threading.Barrier(len(FILES), timeout=10)
    real_fsync = os.fsync

    def fsync(descriptor: int) -> None:
        together.wait()
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", fsync)
    assert write_files_atomic(tmp_path, FILES) == [None, None, None]


def _size(descriptor: int) -> int:
    return os.fstat(descriptor).st_size


@pytest.mark.parametrize(
    ("step", "second_file", "error"),
    [
        # A write that fails (disk full), a sync that fails (an I/O error), a close that
        # reports a write that failed late (as NFS does).
        ("write", lambda descriptor, data: len(data), errno.ENOSPC),
        ("fsync", lambda descriptor: _size(descriptor), errno.EIO),
        ("close", lambda descriptor: _size(descriptor), errno.EIO),
    ],
)
def test_a_file_whose_write_sync_or_close_fails_fails_alone(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    step: str,
    second_file: Callable[..., int],
    error: int,
) -> None:
    real = getattr(os, step)

    def failing(*args: Any) -> Any:
        if second_file(*args) == len(FILES[1][1]):
            if step == "close":
                real(*args)  # closed all the same: the error comes after
            raise OSError(error, os.strerror(error))
        return real(*args)

    monkeypatch.setattr(os, step, failing)
    outcome = write_files_atomic(tmp_path, FILES, prefix=".batch-")
    assert outcome[0] is None
    assert outcome[2] is None
    assert isinstance(outcome[1], OSError)
    assert outcome[1].errno == error
    assert outcome[1].filename == str(tmp_path / "000002.docx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["000001.docx", "000003.docx"]


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


def test_an_interrupted_group_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_replace = os.replace

    def interrupted(source: Any, target: Any) -> None:
        if str(target).endswith("000002.docx"):
            raise KeyboardInterrupt
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_files_atomic(tmp_path, FILES, prefix=".batch-")
    assert [p.name for p in tmp_path.iterdir()] == ["000001.docx"]  # complete, or not there


def test_a_file_system_turned_read_only_fails_files_not_the_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # After a write error ext4 remounts read-only: renames and removals fail from then on.
    real_replace = os.replace

    def read_only(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    def replace(source: Any, target: Any) -> None:
        if str(target).endswith("000001.docx"):
            real_replace(source, target)
            return
        read_only()

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(os, "unlink", read_only)
    outcome = write_files_atomic(tmp_path, FILES, prefix=".batch-")
    assert outcome[0] is None
    assert [problem.errno for problem in outcome[1:] if problem] == [errno.EROFS, errno.EROFS]


def test_a_failure_on_a_read_only_file_system_still_names_the_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def read_only(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(os, "replace", read_only)
    monkeypatch.setattr(os, "unlink", read_only)  # the temporary file cannot be removed either
    with pytest.raises(OSError, match="Read-only") as caught:
        write_atomic(tmp_path / "form.docx", b"data")
    assert caught.value.filename == str(tmp_path / "form.docx")


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_an_interruption_while_syncing_waits_for_the_syncs_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ctrl-C while the syncs run: each sync goes on only once the main thread has taken the
    # interrupt, so the test holds on a busy machine too (a timer racing a sleep did not).
    # No descriptor may be closed while a thread is still syncing it.
    real_fsync, real_close = os.fsync, os.close
    syncing: set[int] = set()
    closed_while_syncing: list[int] = []
    started, interrupted = threading.Event(), threading.Event()

    def on_ctrl_c(signum: int, frame: object) -> None:
        interrupted.set()
        raise KeyboardInterrupt

    def slow_fsync(descriptor: int) -> None:
        syncing.add(descriptor)
        started.set()
        interrupted.wait(30)
        # Still syncing when the main thread has the interrupt; the first file's sync, whose
        # wait the interrupt cuts short, longest: it must be waited for all the same.
        time.sleep(0.5 if _size(descriptor) == len(FILES[0][1]) else 0.05)
        real_fsync(descriptor)
        syncing.discard(descriptor)

    def close(descriptor: int) -> None:
        if descriptor in syncing:
            closed_while_syncing.append(descriptor)
        real_close(descriptor)

    def press_ctrl_c() -> None:
        # Once every syncing thread is in its first sync: the main thread is waiting for them.
        threads = min(len(FILES), mesoconsent.output._SYNCING_AT_ONCE)
        deadline = time.monotonic() + 30
        while len(syncing) < threads and time.monotonic() < deadline:
            started.wait(0.01)
        time.sleep(0.05)
        # A real signal: it interrupts the main thread's wait for a thread, as Ctrl-C does
        # (_thread.interrupt_main() only takes effect once the main thread runs again).
        os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(os, "fsync", slow_fsync)
    monkeypatch.setattr(os, "close", close)
    previous = signal.signal(signal.SIGINT, on_ctrl_c)
    try:
        threading.Thread(target=press_ctrl_c, daemon=True).start()
        with pytest.raises(KeyboardInterrupt):
            write_files_atomic(tmp_path, FILES, prefix=".batch-")
    finally:
        signal.signal(signal.SIGINT, previous)
    assert interrupted.is_set()
    assert closed_while_syncing == []  # every sync finished before its descriptor was closed
    assert syncing == set()
    assert list(tmp_path.iterdir()) == []


def test_files_are_synced_even_where_no_thread_can_be_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_threads(self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", no_threads)
    events: list[str] = []
    _record(monkeypatch, events)
    assert write_files_atomic(tmp_path, FILES) == [None, None, None]
    assert events == ["fsync"] * 3 + ["rename"] * 3


def _open_descriptors() -> int | None:
    folder = Path("/proc/self/fd")
    return len(list(folder.iterdir())) if folder.is_dir() else None


WRITERS: dict[str, Callable[[Path], object]] = {
    "write_atomic": lambda folder: write_atomic(folder / "form.docx", b"form"),
    "write_files_atomic": lambda folder: write_files_atomic(folder, FILES, prefix=".batch-"),
    "disk_cache.write_entry": lambda folder: disk_cache.write_entry(folder / "entry", b"entry"),
}


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signal masks")
@pytest.mark.parametrize("writer", WRITERS)
def test_ctrl_c_while_a_temporary_file_is_made_leaves_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, writer: str
) -> None:
    # Ctrl-C arriving during mkstemp's system calls is raised as soon as it returns, before
    # the caller knows the file's name: here, raised just before it returns. The file must
    # not be left behind (a .part file, which a form's temporary file would be), nor its
    # descriptor left open.
    real_mkstemp = tempfile.mkstemp

    def interrupted(*args: Any, **kwargs: Any) -> tuple[int, str]:
        made = real_mkstemp(*args, **kwargs)
        signal.raise_signal(signal.SIGINT)
        return made

    before = _open_descriptors()
    monkeypatch.setattr(tempfile, "mkstemp", interrupted)
    # Ctrl-C raises KeyboardInterrupt here even where the tests were started with it ignored
    # (nohup, a background job): without this, the test failed there, whatever the writers do.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            WRITERS[writer](tmp_path)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert list(tmp_path.iterdir()) == []
    assert _open_descriptors() == before
