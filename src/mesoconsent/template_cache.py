"""Compiled templates kept on disk, so that a new process does not compile them again.

Compiling the templates is a good part of what a one-form command costs (about 30 ms of it);
a server compiles them once and never notices. ``Engine(template_cache=folder)`` keeps
Jinja2's compiled code in a folder (Jinja2's own FileSystemBytecodeCache); the command line
uses the user's cache folder (``MESOCONSENT_CACHE_DIR``, see docs/api.md).

Compiled code is executed, so only the user's own may be, as for every cache folder
(disk_cache.py: private folders, entries checked as they are opened, old versions' folders
pruned). Entries are keyed by the template's name and checked against its source, and the
folder is specific to this version of mesoconsent, of the code that configures the environment
and of Jinja2, so code compiled for another configuration is never loaded. The cache never
makes a render fail: an entry that cannot be read, or is damaged, is compiled again, and one
that cannot be written is not kept.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
from pathlib import Path

import jinja2
from jinja2.bccache import Bucket

from mesoconsent import compose, disk_cache, fragments
from mesoconsent._version import __version__

# Set to a folder to cache compiled templates there, or to nothing to cache nothing.
CACHE_DIR_VARIABLE = "MESOCONSENT_CACHE_DIR"
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
        # Read as every cache entry is (disk_cache.read_entry): not through a symbolic link
        # (its target's owner is not the entry's), not waiting on a FIFO put in an entry's
        # place, and only if it is a regular file of the user's own that no one else can write.
        entry = disk_cache.read_entry(Path(self._get_cache_filename(bucket)))
        if entry is None:
            return  # compiled anew
        try:
            bucket.bytecode_from_string(entry)
        except Exception:  # truncated or damaged (pickle and marshal errors): compile anew
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        # Written as every cache entry is (disk_cache.write_entry): whole, through a temporary
        # file and a rename, readable by the user only, and never failing a render (not kept:
        # compiled again next time). Jinja2's own wrote in place before 3.1.2, and so waited
        # for good on a FIFO put in the entry's place.
        compiled = io.BytesIO()
        bucket.write_bytecode(compiled)
        disk_cache.write_entry(Path(self._get_cache_filename(bucket)), compiled.getvalue())


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
    path = disk_cache.open_folder(
        folder, configuration_key, folders=_FOLDER_NAME, entries=_ENTRY_PREFIX
    )
    return None if path is None else TemplateCache(str(path))


def default_cache_folder() -> Path | None:
    """Where the command line caches compiled templates: ``MESOCONSENT_CACHE_DIR`` if set (set
    and empty: nowhere), else the user's cache folder (``~/.cache/mesoconsent`` on Linux)."""
    configured = os.environ.get(CACHE_DIR_VARIABLE)
    if configured is not None:
        return Path(configured) if configured else None
    import platformdirs  # only the command line needs it

    return Path(platformdirs.user_cache_dir("mesoconsent", appauthor=False))
