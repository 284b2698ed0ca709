"""A batch process's own folder for its temporary files, inside the output folder: made and
locked while the process renders (so that workers create files side by side, not one at a time
in one folder), removed with what it holds when the batch is done or stopped, and, when a batch
whose processes were all killed left one behind, removed by the next batch into that folder.
Nothing here follows a link put in a folder's place.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import socket
from pathlib import Path

from mesoconsent.output import TEMPORARY_PREFIX


def remove_leftovers(output_dir: Path | None, temporary_prefix: str) -> None:
    """Remove this batch's temporary files: the workers' staging folders, and half-written
    forms of a stopped worker (in a staging folder, or in the output folder itself)."""
    if output_dir is not None:
        for leftover in output_dir.glob(f"{temporary_prefix}*"):
            if leftover.is_dir() and not leftover.is_symlink():
                remove_staging(leftover)
            else:
                with contextlib.suppress(OSError):
                    leftover.unlink()


def make_staging(output_dir: Path | None, temporary_prefix: str) -> Path | None:
    """This process's own folder for the batch's temporary files, inside the output folder,
    locked for as long as the process renders the batch: or None, and then they are made in
    the output folder itself.

    Workers creating their files in one folder wait for each other: creating a file holds the
    folder's lock while the file system sets the file up, which took 0.4 to 0.75 ms a file on
    the machine of docs/performance.md, so that with two workers the files of a batch were
    created one at a time. Each in a folder of its own, they are created side by side, and a
    rename (about 20 microseconds) puts each in place. The name starts with the batch's
    temporary prefix, so that remove_leftovers removes the folder and whatever it holds.

    The lock (flock, released when the process ends, however it ends) tells a later batch on
    this machine that a folder whose lock is free was left by processes that are gone
    (remove_abandoned_staging). The folder is made and locked under a name such a batch does
    not look at, then renamed to its own: no batch ever sees it unlocked while it is in use.
    One that cannot be locked keeps the name no batch looks at (and is not removed by any
    but its own, if it is left behind).
    """
    if output_dir is None:
        return None
    staging = output_dir / f"{temporary_prefix}{HOST}-{os.getpid()}"
    unlocked = staging.with_name(staging.name + ".new")
    lock = None
    try:
        unlocked.mkdir(mode=0o700)
        lock = lock_folder(unlocked)
        if lock is None:
            # Not locked (Windows, or flock failing, perhaps only for now): kept under the
            # name no batch looks at, so that none ever takes it for abandoned.
            staging = unlocked
        else:
            unlocked.rename(staging)
    except OSError:  # a folder that allows files but not folders still gets its forms
        if lock is not None:
            os.close(lock)
        with contextlib.suppress(OSError):
            unlocked.rmdir()
        return None
    _locks[staging] = lock
    return staging


# This machine, in the names of staging folders: a batch removes only those made here, whose
# locks it can see (on a network file system a lock may hold only on the machine taking it).
HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]
# Staging folders as make_staging names them on this machine: the temporary prefix, a
# batch's token, this machine, a pid.
STAGING_NAME = re.compile(rf"{re.escape(TEMPORARY_PREFIX)}[0-9a-f]{{12}}-{HOST}-[0-9]+")

# The lock descriptor of each staging folder this process made (None where folders cannot
# be locked), held until the folder is released: in a worker, until it exits.
_locks: dict[Path, int | None] = {}


def release_staging(staging: Path | None) -> None:
    lock = _locks.pop(staging, None) if staging is not None else None
    if lock is not None:
        os.close(lock)


def lock_folder(folder: Path) -> int | None:
    """A descriptor of ``folder`` holding an exclusive lock on it, or None where folders
    cannot be locked (Windows; a file system without flock)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return None
    descriptor = _open_folder(folder)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        os.close(descriptor)
        if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
            raise  # held: not this process's new folder, whatever it is
        return None  # not supported here
    return descriptor


def remove_abandoned_staging(folder: Path) -> None:
    """Remove the staging folders in ``folder`` that batches on this machine whose processes
    are all gone left behind (killed together: out of memory, a container stopped), with the
    half-written forms in them. A folder whose lock is held belongs to a batch still running,
    and is left alone; where folders cannot be locked (Windows; a file system without flock),
    none is removed. Only this user's own folders are, never through a link."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return
    try:
        with os.scandir(folder) as entries:
            names = [entry.name for entry in entries if STAGING_NAME.fullmatch(entry.name)]
    except OSError:
        return
    for name in names:
        try:
            descriptor = _open_folder(folder / name)
        except OSError:  # a link, a file, gone: not a staging folder to remove
            continue
        try:
            if os.fstat(descriptor).st_uid != os.getuid():
                continue
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:  # held: a batch still running; or it cannot be told
                continue
            _empty(descriptor)
            with contextlib.suppress(OSError):
                (folder / name).rmdir()  # a link put in its place is not removed
        except OSError:
            continue
        finally:
            os.close(descriptor)


def remove_staging(staging: Path) -> None:
    """Remove a staging folder and the temporary files in it, as far as it can be done.

    Where it can (POSIX), the folder is opened without following a link, and its files are
    removed through that: whoever may write in the output folder cannot put a link in its
    place between the check and the removal, and have another folder's files removed."""
    if os.name == "posix":
        try:
            folder = _open_folder(staging)
        except OSError:
            return
        try:
            _empty(folder)
        finally:
            os.close(folder)
    else:  # pragma: no cover - Windows
        with contextlib.suppress(OSError), os.scandir(staging) as entries:
            for entry in entries:
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
    with contextlib.suppress(OSError):
        staging.rmdir()  # a link in its place is not removed (ENOTDIR)


def _open_folder(path: Path) -> int:
    """A descriptor of the folder ``path``, not through a link put in its place (POSIX):
    OSError if it is a link, not a folder, or gone."""
    return os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)


def _empty(folder: int) -> None:
    """Remove the files in the folder open as ``folder``, through it (POSIX)."""
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            with contextlib.suppress(OSError):
                os.unlink(entry.name, dir_fd=folder)
