"""Writing files so that a reader never sees half of one."""

from __future__ import annotations

import contextlib
import os
import tempfile
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
