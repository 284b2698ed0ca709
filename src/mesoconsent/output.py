"""Writing files so that a reader never sees half of one, and a power cut loses none."""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

TEMPORARY_PREFIX = ".mesoconsent-"
TEMPORARY_SUFFIX = ".part"


def write_atomic(
    path: Path, data: bytes, *, sync_parent: bool = True, prefix: str = TEMPORARY_PREFIX
) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename.

    The rename is atomic on POSIX and Windows, so ``path`` holds either its old content or the
    complete new one, even if the process dies half-way; the folder is synced after it, so the
    rename survives a power cut too. (``sync_parent=False`` leaves that to the caller, who
    writes many files to one folder and syncs it once with :func:`sync_folder`.) The temporary
    file's name starts with ``prefix`` and ends with ``.part``. The file is
    created readable and writable by its owner only: consent forms hold health data. Errors
    name ``path``, not the temporary file.
    """
    try:
        # A short fixed name: the target's own name may already be at the length limit.
        handle, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=prefix, suffix=TEMPORARY_SUFFIX
        )
    except OSError as error:
        raise OSError(error.errno, error.strerror, str(path)) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException as error:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise OSError(error.errno, error.strerror, str(path)) from None
        raise
    if sync_parent:
        sync_folder(path.parent)


def sync_folder(folder: Path) -> None:
    """Make the renames done in ``folder`` survive a power cut, where the folder can be opened:
    one that can be written but not read (mode 0300) cannot be synced, and the rename is then
    as durable as the file system makes it. The file itself was synced before its rename."""
    if os.name != "posix":  # Windows cannot open a folder; NTFS journals the rename
        return
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except PermissionError:
        return
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_files_atomic(
    folder: Path, files: Sequence[tuple[str, bytes]], *, prefix: str = TEMPORARY_PREFIX
) -> list[OSError | None]:
    """Write several files into ``folder`` as :func:`write_atomic` writes one, with one sync
    of the file system for all of them where the system offers it.

    Each file is written to a temporary file; all of them are made durable; then each is
    renamed into place. Syncing each file on its own, as ``write_atomic`` does, makes the file
    system commit its journal once per file, and processes writing at the same time wait for
    each other's commits: a batch spent more time there than rendering. On Linux 5.8 and
    later, one ``syncfs`` makes them all durable at once (earlier kernels' ``syncfs`` does not
    report write errors, and other systems have none): elsewhere, or if it fails, each file is
    synced on its own. The caller syncs the folder afterwards (:func:`sync_folder`), for the
    renames.

    Returns, for each file, None or the OSError that stopped it (naming its path in
    ``folder``); a file that failed leaves nothing behind, and the others are written.
    """
    outcome: list[OSError | None] = [None] * len(files)
    at_once = _syncfs() is not None
    written: list[tuple[int, str]] = []  # (index, temporary path)
    for index, (name, data) in enumerate(files):
        try:
            written.append((index, _write_temporary(folder, data, prefix, sync=not at_once)))
        except OSError as error:
            outcome[index] = _naming(error, folder / name)
    if at_once and written and not _sync_file_system(folder):
        # syncfs failed (a write error somewhere on the file system): find which files it was.
        for index, temporary in list(written):
            try:
                _sync_file(temporary)
            except OSError as error:
                outcome[index] = _naming(error, folder / files[index][0])
                _remove(temporary)
                written.remove((index, temporary))
    for index, temporary in written:
        try:
            os.replace(temporary, folder / files[index][0])
        except OSError as error:
            outcome[index] = _naming(error, folder / files[index][0])
            _remove(temporary)
    return outcome


def _write_temporary(folder: Path, data: bytes, prefix: str, *, sync: bool) -> str:
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=TEMPORARY_SUFFIX)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            if sync:
                stream.flush()
                os.fsync(stream.fileno())
    except BaseException:
        _remove(temporary)
        raise
    return temporary


def _sync_file(path: str) -> None:
    descriptor = os.open(path, os.O_RDONLY)  # Linux syncs through any descriptor
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _naming(error: OSError, path: Path) -> OSError:
    return OSError(error.errno, error.strerror, str(path))


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _sync_file_system(folder: Path) -> bool:
    """Make everything written to the file system holding ``folder`` durable; False if this
    cannot be done, or not with errors reported (then sync file by file)."""
    syncfs = _syncfs()
    if syncfs is None:
        return False
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return False
    try:
        return syncfs(descriptor) == 0
    finally:
        os.close(descriptor)


@functools.cache
def _syncfs() -> Callable[[int], int] | None:
    """libc's syncfs, where it reports write errors (Linux 5.8 and later)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        release = tuple(int(part) for part in os.uname().release.split(".")[:2])
    except ValueError:
        return None
    if release < (5, 8):
        return None
    import ctypes  # only batches need it

    try:
        function = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int]
    function.restype = ctypes.c_int
    return function
