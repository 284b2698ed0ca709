"""Compiled templates kept on disk, so that a new process does not compile them again.

Compiling the templates is a good part of what a one-form command costs (about 30 ms of it);
a server compiles them once and never notices. ``Engine(template_cache=folder)`` keeps
Jinja2's compiled code in a folder (Jinja2's own FileSystemBytecodeCache); the command line
uses the user's cache folder (``MESOCONSENT_CACHE_DIR``, see docs/api.md).

Compiled code is executed, so only the user's own may be: the folder is created private
(0700, whatever the umask); a folder, or an entry, that belongs to someone else or that others
can write to is not used, nor an entry that is a link or not a regular file (entries are
checked as they are opened). Entries are keyed by the template's name
and checked against its source, and the folder is specific to this version of mesoconsent, of
the code that configures the environment and of Jinja2, so code compiled for another
configuration is never loaded. The cache never makes a render fail: an entry that cannot be
read, or is damaged, is compiled again, and one that cannot be written is not kept.

Each version's folder is marked as used whenever it is opened; the folders of other versions
(or configurations) that no process has opened for :data:`UNUSED_FOR` are removed then, so
upgrades do not leave compiled templates behind for ever. Only a folder this cache made is
removed: named as it names them, and holding nothing but compiled templates, so a folder of
the user's own in a shared cache folder (``templates-riverside``, say) is never touched.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import stat
import time
from pathlib import Path

import jinja2
from jinja2.bccache import Bucket

from mesoconsent import compose, fragments
from mesoconsent._version import __version__

# Set to a folder to cache compiled templates there, or to nothing to cache nothing.
CACHE_DIR_VARIABLE = "MESOCONSENT_CACHE_DIR"
# The folder of a version that has not been opened for this long (seconds) is removed.
UNUSED_FOR = 30 * 24 * 3600
_FOLDER_PREFIX = "templates-"
# A version's folder, as configuration_key() names it; and its entries, as Jinja2's
# FileSystemBytecodeCache names them (and the temporary files it writes them through).
_FOLDER_NAME = re.compile(rf"{_FOLDER_PREFIX}.+-[0-9a-f]{{16}}")
_ENTRY_PREFIX = "__jinja2_"


class TemplateCache(jinja2.FileSystemBytecodeCache):
    """Jinja2's file-system cache, made safe to execute from and unable to fail a render.

    Every entry is checked as it is opened, not only the folder when the engine is built: a
    folder can be swapped between the two (by anyone who can write to the folder above it).
    An entry that is not the user's own, or that others could have written, is ignored, and so
    is one that cannot be read whole; it is compiled again and rewritten.
    """

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            # Not through a symbolic link (its target's owner is not the entry's), and not
            # waiting on a FIFO put in an entry's place.
            descriptor = os.open(self._get_cache_filename(bucket), _OPEN_FLAGS)
        except FileNotFoundError:
            return
        except OSError:
            bucket.reset()
            return
        try:
            with os.fdopen(descriptor, "rb") as entry:
                status = os.fstat(entry.fileno())
                if stat.S_ISREG(status.st_mode) and _private(status):
                    bucket.load_bytecode(entry)
        except Exception:  # unreadable, truncated (pickle and marshal errors): compile anew
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):  # not kept: compiled again next time
            super().dump_bytecode(bucket)


_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_BINARY", 0)
)


def _owned(status: os.stat_result) -> bool:
    return not hasattr(os, "getuid") or status.st_uid == os.getuid()


def _private(status: os.stat_result) -> bool:
    """Whether a file or folder is this user's and no one else can write to it. (Where there
    are no user ids, on Windows, the folder's access control list is what protects it; the
    per-user folder the command line uses is private by default.)"""
    if not hasattr(os, "getuid"):
        return True
    return _owned(status) and not status.st_mode & 0o022


def configuration_key() -> str:
    """What compiled code depends on besides the template: the versions, and the source of
    the modules that configure the environment and compile ``{% static %}``. Raises OSError if
    that source cannot be read."""
    digest = hashlib.sha256(f"{__version__} {jinja2.__version__}".encode())
    for module in (compose, fragments):
        digest.update(Path(str(module.__file__)).read_bytes())
    return f"{_FOLDER_PREFIX}{__version__}-{digest.hexdigest()[:16]}"


def open_cache(folder: str | os.PathLike[str]) -> TemplateCache | None:
    """The cache kept under ``folder``, or None if it cannot be used safely: the folder and
    the one made in it must be the user's own and closed to others."""
    try:
        top = Path(folder)
        path = top / configuration_key()
        # Both made private whatever the umask: mkdir(parents=True) would give the top one
        # the umask's mode, 0775 under a umask of 002, which is then refused below.
        for made in (top, path):
            made.mkdir(mode=0o700, parents=made is top, exist_ok=True)
        if not (_private(top.stat()) and _private(path.stat())):
            return None  # someone else could put code there
        os.utime(path)  # in use: not to be pruned
    except OSError:
        return None
    _prune(top, keep=path.name)
    return TemplateCache(str(path))


def _prune(top: Path, *, keep: str) -> None:
    """Remove the folders of other versions that have not been used for UNUSED_FOR: only
    this user's own, never through a link, and never failing (another process may be removing
    the same folder, or using it)."""
    if not shutil.rmtree.avoids_symlink_attacks:
        return  # the folder could be swapped for a link to something else while removed
    now = time.time()
    with contextlib.suppress(OSError):
        for entry in os.scandir(top):
            if entry.name == keep or not _FOLDER_NAME.fullmatch(entry.name):
                continue
            with contextlib.suppress(OSError):
                status = entry.stat(follow_symlinks=False)
                if (
                    stat.S_ISDIR(status.st_mode)
                    and _owned(status)
                    and now - status.st_mtime > UNUSED_FOR
                    and _holds_only_compiled_templates(entry.path)
                ):
                    shutil.rmtree(entry.path)


def _holds_only_compiled_templates(folder: str) -> bool:
    with os.scandir(folder) as entries:
        return all(entry.name.startswith(_ENTRY_PREFIX) for entry in entries)


def default_cache_folder() -> Path | None:
    """Where the command line caches compiled templates: ``MESOCONSENT_CACHE_DIR`` if set (set
    and empty: nowhere), else the user's cache folder (``~/.cache/mesoconsent`` on Linux)."""
    configured = os.environ.get(CACHE_DIR_VARIABLE)
    if configured is not None:
        return Path(configured) if configured else None
    import platformdirs  # only the command line needs it

    return Path(platformdirs.user_cache_dir("mesoconsent", appauthor=False))
