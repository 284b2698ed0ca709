"""Compiled templates kept on disk, so that a new process does not compile them again.

Compiling the templates is a good part of what a one-form command costs (about 30 ms of it);
a server compiles them once and never notices. ``Engine(template_cache=folder)`` keeps
Jinja2's compiled code in a folder (Jinja2's own FileSystemBytecodeCache); the command line
uses the user's cache folder (``MESOCONSENT_CACHE_DIR``, see docs/api.md).

Compiled code is executed, so the folder must be the user's own: it is created private
(0700), and one that belongs to someone else or that others can write to is not used. Entries
are keyed by the template's name and checked against its source, and the folder is specific to
this version of mesoconsent, of the code that configures the environment and of Jinja2, so code
compiled for another configuration is never loaded. The cache never makes a render fail: if it
cannot be read or written, templates are compiled as if there were none.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path

import jinja2
from jinja2.bccache import Bucket

from mesoconsent import compose, fragments
from mesoconsent._version import __version__

# Set to a folder to cache compiled templates there, or to nothing to cache nothing.
CACHE_DIR_VARIABLE = "MESOCONSENT_CACHE_DIR"


class TemplateCache(jinja2.FileSystemBytecodeCache):
    """Jinja2's file-system cache, for which a failure to read or write is only a miss."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError:
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):  # not kept: compiled again next time
            super().dump_bytecode(bucket)


def configuration_key() -> str:
    """What compiled code depends on besides the template: the versions, and the source of
    the modules that configure the environment and compile ``{% static %}``."""
    digest = hashlib.sha256(f"{__version__} {jinja2.__version__}".encode())
    for module in (compose, fragments):
        digest.update(Path(str(module.__file__)).read_bytes())
    return f"templates-{__version__}-{digest.hexdigest()[:16]}"


def open_cache(folder: str | os.PathLike[str]) -> TemplateCache | None:
    """The cache kept under ``folder``, or None if it cannot be used safely."""
    path = Path(folder) / configuration_key()
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        status = path.stat()
    except OSError:
        return None
    if hasattr(os, "getuid") and (status.st_uid != os.getuid() or status.st_mode & 0o022):
        return None  # someone else could put code here
    return TemplateCache(str(path))


def default_cache_folder() -> Path | None:
    """Where the command line caches compiled templates: ``MESOCONSENT_CACHE_DIR`` if set (set
    and empty: nowhere), else the user's cache folder (``~/.cache/mesoconsent`` on Linux)."""
    configured = os.environ.get(CACHE_DIR_VARIABLE)
    if configured is not None:
        return Path(configured) if configured else None
    import platformdirs  # only the command line needs it

    return Path(platformdirs.user_cache_dir("mesoconsent", appauthor=False))
