"""Private cache folders on disk, for what a fresh process would otherwise work out again.

Two caches keep their entries in folders of this kind, side by side in one cache folder (the
command line's is the user's cache folder, see template_cache.default_cache_folder):
compiled templates (template_cache.py) and checked catalogs (catalog_cache.py). What is read
back decides what a form says, or is executed, so only the user's own may be used: the
folders are created private (0700, whatever the umask); a folder, or an entry, that belongs to
someone else or that others can write to is not used, nor an entry that is a link or not a
regular file (entries are checked as they are opened: a folder can be swapped between the
two, by anyone who can write to the folder above it).

Each folder is specific to a configuration (the versions, and the source of the code whose
work it keeps) and is marked as used whenever it is opened; the folders of other
configurations that no process has opened for :data:`UNUSED_FOR` are removed then, so
upgrades do not leave entries behind for ever. Only a folder a cache made is removed: named as
it names them, and holding nothing but its entries, so a folder of the user's own in a shared
cache folder (``templates-riverside``, say) is never touched. A cache never makes a render
fail: what cannot be read is worked out again, and what cannot be written is not kept.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import time
from collections.abc import Callable
from pathlib import Path

from mesoconsent.output import make_temporary

# The folder of a configuration that has not been opened for this long (seconds) is removed.
UNUSED_FOR = 30 * 24 * 3600

OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_BINARY", 0)
)


def owned(status: os.stat_result) -> bool:
    return not hasattr(os, "getuid") or status.st_uid == os.getuid()


def private(status: os.stat_result) -> bool:
    """Whether a file or folder is this user's and no one else can write to it. (Where there
    are no user ids, on Windows, the folder's access control list is what protects it; the
    per-user folder the command line uses is private by default.)"""
    if not hasattr(os, "getuid"):
        return True
    return owned(status) and not status.st_mode & 0o022


def open_folder(
    top: str | os.PathLike[str],
    configuration_key: Callable[[], str],
    *,
    folders: re.Pattern[str],
    entries: str,
) -> Path | None:
    """The folder inside ``top`` named by ``configuration_key()``, both made if missing, or
    None if either cannot be used safely (not the user's own, or open to others) or made, or
    the key cannot be worked out (OSError). Folders in ``top`` that the same cache made for
    other configurations (names matching ``folders``, holding only names starting with
    ``entries``) are removed once unused for :data:`UNUSED_FOR`."""
    try:
        name = configuration_key()
        above = Path(top)
        path = above / name
        # Both made private whatever the umask: mkdir(parents=True) would give the top one
        # the umask's mode, 0775 under a umask of 002, which is then refused below.
        for made in (above, path):
            made.mkdir(mode=0o700, parents=made is above, exist_ok=True)
        if not (private(above.stat()) and private(path.stat())):
            return None  # someone else could put entries there
        os.utime(path)  # in use: not to be pruned
    except OSError:
        return None
    _prune(above, keep=name, folders=folders, entries=entries)
    return path


# No entry a cache writes comes near this; a larger file is not read into memory.
MAX_ENTRY = 16 * 1024 * 1024


def read_entry(path: Path) -> bytes | None:
    """The whole of the entry at ``path``, or None: missing, unreadable, a link, not a regular
    file (a FIFO put in its place is not waited on), not private, or larger than
    :data:`MAX_ENTRY`."""
    try:
        # Not through a symbolic link: its target's owner is not the entry's.
        descriptor = os.open(path, OPEN_FLAGS)
    except OSError:
        return None
    try:
        with os.fdopen(descriptor, "rb") as entry:
            status = os.fstat(entry.fileno())
            if not (
                stat.S_ISREG(status.st_mode) and private(status) and status.st_size <= MAX_ENTRY
            ):
                return None
            data = entry.read(MAX_ENTRY + 1)
            return data if len(data) <= MAX_ENTRY else None
    except OSError:
        return None


def write_entry(path: Path, data: bytes) -> None:
    """Put ``data`` at ``path`` whole (through a temporary file and a rename, so a reader never
    sees half of it), readable by the user only; if that fails, nothing is kept."""
    with contextlib.suppress(OSError):
        descriptor, temporary = make_temporary(path.parent, f"{path.name}.")
        try:
            with os.fdopen(descriptor, "wb") as stream:
                stream.write(data)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise


def _prune(top: Path, *, keep: str, folders: re.Pattern[str], entries: str) -> None:
    """Remove the folders of other configurations that have not been used for UNUSED_FOR:
    only this user's own, never through a link, and never failing (another process may be
    removing the same folder, or using it)."""
    if not shutil.rmtree.avoids_symlink_attacks:
        return  # the folder could be swapped for a link to something else while removed
    now = time.time()
    with contextlib.suppress(OSError):
        for entry in os.scandir(top):
            if entry.name == keep or not folders.fullmatch(entry.name):
                continue
            with contextlib.suppress(OSError):
                status = entry.stat(follow_symlinks=False)
                if (
                    stat.S_ISDIR(status.st_mode)
                    and owned(status)
                    and now - status.st_mtime > UNUSED_FOR
                    and _holds_only(entry.path, entries)
                ):
                    shutil.rmtree(entry.path)


def _holds_only(folder: str, prefix: str) -> bool:
    with os.scandir(folder) as found:
        return all(entry.name.startswith(prefix) for entry in found)
