"""Writing files so that a reader never sees half of one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: bytes, *, sync_parent: bool = True) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename.

    The rename is atomic on POSIX and Windows, so ``path`` holds either its old content or the
    complete new one, even if the process dies half-way; the folder is synced after it, so the
    rename survives a power cut too. (``sync_parent=False`` leaves that to the caller, who
    writes many files to one folder and syncs it once with :func:`sync_folder`.) The file is
    created readable and writable by its owner only: consent forms hold health data. Errors
    name ``path``, not the temporary file.
    """
    try:
        # A short fixed name: the target's own name may already be at the length limit.
        handle, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=".mesoconsent-", suffix=".part"
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
    """Make the renames done in ``folder`` survive a power cut."""
    if os.name != "posix":  # Windows cannot open a folder; NTFS journals the rename
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
