"""Writing files so that a reader never sees half of one."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import signal
import stat
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

TEMPORARY_PREFIX = ".mesoconsent-"
TEMPORARY_SUFFIX = ".part"


def write_atomic(path: Path, data: bytes, *, prefix: str = TEMPORARY_PREFIX) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename.

    The rename is atomic on POSIX and Windows, so ``path`` holds either its old content or the
    complete new one, even if the process dies half-way; the folder is synced after it, so the
    rename survives a power cut too. The temporary file's name starts with ``prefix`` and ends
    with ``.part``. The file is created readable and writable by its owner only: consent forms
    hold health data. Errors name ``path``, not the temporary file.

    A symbolic link is kept: the file it leads to is the one replaced. A device, pipe or
    socket (``/dev/stdout``, ``/dev/null``, a FIFO), or a link to one, is refused with an
    OSError: renaming over it would put a regular file holding the form in its place.
    """
    target = _regular_target(path)
    try:
        # A short fixed name: the target's own name may already be at the length limit.
        handle, temporary = make_temporary(target.parent, prefix, TEMPORARY_SUFFIX)
    except OSError as error:
        raise _naming(error, path) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException as error:
        _remove(temporary)
        if isinstance(error, OSError):
            raise _naming(error, path) from None
        raise
    sync_folder(target.parent)


def check_target(path: str | os.PathLike[str]) -> None:
    """Raise the OSError :func:`write_atomic` would raise for ``path`` itself (a folder, a
    device, a read-only file), before anything is rendered for it. A path written with a
    separator at its end names a folder, as ``open()`` reads it (Path() drops that
    separator, so it is looked at here, as given)."""
    if names_a_folder(path):
        raise IsADirectoryError(
            errno.EISDIR,
            "names a folder (it ends with a separator, '.' or '..'): give a file's path",
            os.fspath(path),
        )
    _regular_target(Path(path))


def names_a_folder(path: str | os.PathLike[str]) -> bool:
    """Whether ``path``, as written, names a folder whatever is there: it ends with a
    separator ("forms/consent.docx/") or in "." or ".." ("consent.docx/."), which Path()
    would drop or keep as a name of its own."""
    written = os.fspath(path)
    separators = (os.sep, os.altsep or os.sep)
    if written.endswith(separators):
        return True
    last = re.split("|".join(map(re.escape, set(separators))), written)[-1]
    return last in (".", "..")


def _regular_target(path: Path) -> Path:
    """The file that writing ``path`` replaces: ``path``, or where its links lead; OSError
    naming ``path`` if that exists and is not a regular file (a folder, device, pipe or
    socket)."""
    if _is_open_descriptor(path):
        raise OSError(
            errno.EINVAL,
            "not a file of its own but a process's open descriptor (like /dev/stdout): give "
            "the path of a file to write",
            str(path),
        )
    try:
        mode: int | None = os.stat(path).st_mode  # through links
    except FileNotFoundError:  # a new file, or a link to one not there yet (then created)
        mode = None
    except OSError as error:
        raise _naming(error, path) from None
    if mode is not None and stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    if mode is not None and not stat.S_ISREG(mode):
        raise OSError(
            errno.EINVAL,
            "not a regular file (a device, pipe or socket): give the path of a file to write",
            str(path),
        )
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    if mode is not None:
        _refuse_read_only(target, path)
    return target


# Links followed at most, as the kernel follows them (MAXSYMLINKS) before giving up (ELOOP).
_MOST_LINKS = 40


def _is_open_descriptor(path: Path) -> bool:
    """Whether ``path``, or a link on the way from it, is one of a process's descriptors
    (``/dev/stdout``, ``/dev/fd/1``, ``/proc/self/fd/1``). Such a link leads to whatever the
    descriptor is open on: with the output redirected to a file (``> log.txt``), that is a
    regular file, and a rename over the link would replace the whole file, not add to it.
    Linux keeps these links in /proc, and macOS and the BSDs in /dev/fd; a folder there
    never holds a form."""
    current = os.path.abspath(path)
    for _ in range(_MOST_LINKS):
        folder = os.path.realpath(os.path.dirname(current))
        if folder in ("/proc", "/dev/fd") or folder.startswith("/proc/"):
            return True
        try:
            leads_to = os.readlink(current)
        except OSError:  # not a link (or not there): the path is the file itself
            return False
        current = os.path.join(os.path.dirname(current), leads_to)
    return False


def _refuse_read_only(target: Path, named: Path) -> None:
    """PermissionError naming ``named`` if the existing file ``target`` may not be written:
    a clinic marks signed forms read-only, and a rename would replace one all the same (as
    cp or a shell's > would not)."""
    # Marked read-only for everyone (chmod 444), or not writable by this process: root may
    # write anything, so the mode is read too.
    if not os.stat(target).st_mode & 0o222 or not os.access(target, os.W_OK):
        raise PermissionError(
            errno.EACCES,
            "is read-only, so it is not replaced (a signed form, perhaps): make it writable "
            "first, or write elsewhere",
            str(named),
        )


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


# At most this many files of a group are synced at the same time.
_SYNCING_AT_ONCE = 8


def write_files_atomic(
    folder: Path,
    files: Sequence[tuple[str, bytes]],
    *,
    prefix: str = TEMPORARY_PREFIX,
    staging: Path | None = None,
    replace: bool = True,
) -> list[OSError | None]:
    """Write several files into ``folder`` as :func:`write_atomic` writes one, faster.

    Every file is written to a temporary file; then all of them are synced, each through its
    own descriptor, on threads at the same time; then each that synced is renamed into place.
    A file system that commits its journal for each fsync (ext4, XFS) commits the files synced
    together in one commit: one at a time, the syncs took a batch as long as its renders. Each
    file is still durable before its rename, and each sync reports that file's own write
    errors. The caller syncs the folder afterwards (:func:`sync_folder`), for the renames.

    The temporary files are made in ``staging`` if given: a folder of the caller's own inside
    ``folder`` (so on the same file system), which processes writing into one folder at the
    same time each have. Creating a file holds its folder's lock while the file system sets up
    the new file, so processes creating their files in one folder wait for each other.

    Without ``replace``, a file already at a name is left as it is, and that file fails with
    FileExistsError: a batch checked its folder when it started, so such a file is another's
    (a batch writing into the same folder at the same time).

    Returns, for each file, None or the OSError that stopped it (naming its path in
    ``folder``); a file that failed leaves nothing behind, and the others are written. An
    interruption (Ctrl-C) leaves no temporary file: a file is complete, or not there.
    """
    outcome: list[OSError | None] = [None] * len(files)
    descriptors: list[int] = []  # of the temporary files, while open
    staged: list[tuple[int, str]] = []  # (index, temporary path), until renamed or removed
    try:
        for index, (name, data) in enumerate(files):
            try:
                descriptor, temporary = _write_temporary(staging or folder, data, prefix)
            except OSError as failure:
                outcome[index] = _naming(failure, folder / name)
                continue
            descriptors.append(descriptor)
            staged.append((index, temporary))
        errors = _sync_each(descriptors)
        for position in range(len(errors)):
            # Out of the list before it is closed: closed twice, the number could by then be
            # another thread's file.
            closed = _close(descriptors.pop(0))
            errors[position] = errors[position] or closed
        for sync_error in errors:
            index, temporary = staged[0]
            target = folder / files[index][0]
            try:
                if sync_error is not None:
                    raise sync_error
                if not replace and os.path.lexists(target) and not os.path.isdir(target):
                    raise FileExistsError(errno.EEXIST, _APPEARED, str(target))
                if os.path.exists(target):
                    _refuse_read_only(target, target)
                os.replace(temporary, target)
            except OSError as failure:
                outcome[index] = _naming(failure, target)
                _remove(temporary)
            del staged[0]
    finally:
        for descriptor in descriptors:
            _close(descriptor)
        for _, temporary in staged:
            _remove(temporary)
    return outcome


_APPEARED = (
    "appeared since this batch started (another batch writing to this folder at the same "
    "time?) and is not replaced: this form was not written"
)


def make_temporary(
    folder: str | os.PathLike[str], prefix: str, suffix: str = ""
) -> tuple[int, str]:
    """``tempfile.mkstemp(suffix, prefix, folder)``, leaving no file behind if Ctrl-C (or
    SIGTERM) comes while it makes one.

    Python raises a signal's exception between two steps of its own code, so one arriving
    while mkstemp makes the file (its slowest part) would be raised as mkstemp returns, before
    the caller has the name to remove it by. Those signals are held back while the file is
    made (POSIX), and the file is removed if one is raised as they are let through. (The few
    steps from here to the caller's own ``try`` remain; a batch also removes, at its end,
    whatever temporary files of its own prefix are left.)
    """
    made = None
    try:
        with _signals_held():
            made = tempfile.mkstemp(suffix, prefix, folder)
    except BaseException:
        if made is not None:
            _close(made[0])
            _remove(made[1])
        raise
    return made


def _write_temporary(folder: Path, data: bytes, prefix: str) -> tuple[int, str]:
    """A new private temporary file in ``folder`` holding ``data``, still open."""
    descriptor, temporary = make_temporary(folder, prefix, TEMPORARY_SUFFIX)
    try:
        view = memoryview(data)
        while view:
            written = os.write(descriptor, view)
            if not written:  # never expected of a regular file; never loop on it
                raise OSError(errno.EIO, "the file system accepted no data")
            view = view[written:]
    except BaseException:
        _close(descriptor)
        _remove(temporary)
        raise
    return descriptor, temporary


def _sync_each(descriptors: list[int]) -> list[OSError | None]:
    """fsync every descriptor, at the same time; for each, None or its error.

    Plain threads, each syncing its share of the descriptors, and always waited for, even
    through a Ctrl-C (which is raised once they are done): the descriptors are closed after
    this returns, and a thread must not be left syncing one. (A ThreadPoolExecutor could hang
    for good if interrupted while taking its internal lock.) Where no thread can be started
    (at interpreter shutdown, or out of threads), the rest are synced here, one by one.

    Each thread says it is done through an Event of its own: Thread.join, interrupted by
    Ctrl-C, may take a thread still running for finished (CPython 3.11's bpo-45274 handling
    releases the lock the running thread holds), and return at once the next time. Ctrl-C and
    SIGTERM are held back while the threads start (POSIX), so that none is interrupted half
    started: each one in the list is running, and will set its Event.
    """
    if len(descriptors) <= 1:
        return [_sync(descriptor) for descriptor in descriptors]
    errors: list[OSError | None] = [None] * len(descriptors)
    count = min(len(descriptors), _SYNCING_AT_ONCE)
    done = [threading.Event() for _ in range(count)]

    def sync_share(first: int) -> None:
        try:
            for position in range(first, len(descriptors), count):
                errors[position] = _sync(descriptors[position])
        finally:
            done[first].set()

    started: list[int] = []
    interrupted: BaseException | None = None
    try:
        with _signals_held():
            for first in range(count):
                thread = threading.Thread(target=sync_share, args=(first,), daemon=True)
                try:
                    thread.start()
                except RuntimeError:  # no new thread now: sync the remaining shares here
                    for rest in range(first, count):
                        sync_share(rest)
                    break
                started.append(first)
    except BaseException as error:  # interrupted (where signals cannot be held back)
        interrupted = error
    for first in started:
        while True:
            try:
                done[first].wait()
            except BaseException as error:
                interrupted = interrupted or error
                continue
            break
    if interrupted is not None:
        raise interrupted
    return errors


# Held back while sync threads start; delivered once they all run.
_HELD_SIGNALS = {getattr(signal, name) for name in ("SIGINT", "SIGTERM") if hasattr(signal, name)}


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Ctrl-C and SIGTERM held back in this thread (and the threads it starts) while inside,
    then delivered (POSIX; elsewhere, nothing is held)."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - Windows
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _sync(descriptor: int) -> OSError | None:
    return _error_of(os.fsync, descriptor)


def _close(descriptor: int) -> OSError | None:
    """Close a file; its error (a write that failed late, on some file systems), or None."""
    return _error_of(os.close, descriptor)


def _error_of(step: Callable[[int], None], descriptor: int) -> OSError | None:
    try:
        step(descriptor)
    except OSError as error:
        return error
    return None


def _naming(error: OSError, path: Path) -> OSError:
    return OSError(error.errno, error.strerror, str(path))


def _remove(path: str) -> None:
    """Remove a file if it can be: a folder the file system has turned read-only cannot lose
    it, and that must not fail the other files (a batch removes its leftovers again at its
    end)."""
    with contextlib.suppress(OSError):
        os.unlink(path)
