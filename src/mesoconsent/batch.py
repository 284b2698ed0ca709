"""Render many consent requests at once, across CPU cores.

    >>> import mesoconsent
    >>> for item in mesoconsent.render_batch(requests, "out", format="docx", jobs=4):
    ...     print(item.number, item.path if item.ok else item.error)

:func:`render_batch` renders requests in a pool of worker processes (or in this process with
``jobs=1``) and yields one :class:`BatchResult` per request, in input order. A request that
cannot be rendered (invalid JSON, a validation or coverage error) gives a result carrying the
error; the others carry on. :func:`read_jsonl` reads a JSON Lines file into numbered requests,
as ``mesoconsent render --batch`` does.

Each worker builds one :class:`~mesoconsent.Engine`, with the folders of the engine given,
when it starts and reuses it for every request it is sent. Workers are sent the request (for a
JSON Lines file: the raw line) in chunks and send back small results; a form is written by the
worker itself, atomically, so its bytes never cross a pipe. Everything the workers run is a
module-level function, so any start method works ("fork", "spawn", "forkserver").

Output files are named by the request's number, zero-padded to six digits, and the format's
extension: ``000007.docx`` for line 7 of a JSON Lines file. Names never hold anything from the
request: a patient's name is personal data.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import io
import itertools
import math
import os
import pickle
import re
import secrets
import signal
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence, Sized

# Imported at run time, not for type checkers only: render_batch's annotations name it, and
# frameworks read them (typing.get_type_hints). This module is imported by batches alone,
# which start processes anyway (about 30 ms, once, where jobs=1 starts none).
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol, TypeAlias, TypeVar

import attrs

from mesoconsent.engine import Engine
from mesoconsent.errors import (
    CoverageError,
    DisclosureProblem,
    FieldProblem,
    MesoconsentError,
    ValidationError,
)
from mesoconsent.loading import (
    LARGEST_REQUEST,
    MAX_REQUEST_BYTES,
    decode_json,
    wide_encoding,
    with_options,
)
from mesoconsent.model import (
    PAPER_SIZES,
    Clinic,
    ConsentRequest,
    of_own_classes,
    paper_named,
)
from mesoconsent.output import TEMPORARY_PREFIX, check_target, sync_folder, write_files_atomic
from mesoconsent.results import EXTENSIONS, Format, RenderResult, check_flag, check_format
from mesoconsent.staging import (
    make_staging,
    release_staging,
    remove_abandoned_staging,
    remove_leftovers,
)

if TYPE_CHECKING:
    from concurrent.futures import Future

__all__ = [
    "EXTENSIONS",
    "BatchError",
    "BatchRequest",
    "BatchResult",
    "EarlierFormsError",
    "default_jobs",
    "output_name",
    "read_jsonl",
    "render_batch",
]

BatchRequest: TypeAlias = ConsentRequest | Mapping[str, Any] | str | bytes | bytearray | memoryview
"""What :func:`render_batch` accepts: a request, decoded JSON (a dict) or a JSON document (as
:func:`~mesoconsent.request_from_json` takes one)."""

NUMBER_WIDTH = 6
# Chunks each worker has queued ahead, so none waits for the next while the parent collects.
_AHEAD = 4
# Sending a chunk and collecting its results costs the parent about half a millisecond, a form
# a few: chunks of up to 32 keep that small, shrinking towards the end of a batch of known
# size so that the workers finish together. A batch of unknown size goes in chunks of 8.
_MAX_CHUNK = 32
_UNSIZED_CHUNK = 8
# With jobs=1, requests are rendered (and their files synced) as many at a time as a worker's
# chunks hold, by default as many as its largest: syncing 8 at a time made a batch 12% to 20%
# slower (threads started and journal commits per group). Requests without a length (a
# stream) go 8 at a time, as they go to workers: a group is rendered once it is whole, so
# smaller groups report sooner; chunksize=1 renders and reports each as it comes.
_IN_PROCESS_GROUP = _MAX_CHUNK


def output_name(number: int, format: Format) -> str:
    """The file name of request ``number`` in ``format``: ``output_name(7, "docx")`` is
    ``"000007.docx"``."""
    return f"{number:0{NUMBER_WIDTH}d}{EXTENSIONS[format]}"


def default_jobs() -> int:
    """The number of CPU cores this process may use: its affinity where the OS has one, and
    no more than a container's CPU quota (Linux cgroups), rounded up."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    quota = cgroup_cpu_quota()
    if quota is not None:
        cores = min(cores, math.ceil(quota))
    return max(1, cores)


def cgroup_cpu_quota(
    root: Path = Path("/sys/fs/cgroup"), membership: Path = Path("/proc/self/cgroup")
) -> float | None:
    """The CPUs a Linux control group lets this process use (``docker --cpus 2`` gives 2.0),
    or None if there is no quota. Processes beyond it would only wait for each other."""
    groups = [root]
    try:  # cgroup v2: "0::/path" in /proc/self/cgroup names this process's group
        for line in membership.read_text().splitlines():
            if line.startswith("0::"):
                group = root / line[3:].lstrip("/")
                # The group and every group above it (a systemd slice's CPUQuota, say).
                groups = [group, *(above for above in group.parents if above.is_relative_to(root))]
    except (OSError, ValueError):
        pass
    quotas = []
    for group in groups:
        try:
            quota, period = (group / "cpu.max").read_text().split()[:2]
            if quota != "max" and int(period) > 0:
                quotas.append(int(quota) / int(period))
        except (OSError, ValueError):
            continue
    if quotas:
        return min(quotas)
    if (root / "cpu.max").exists():
        return None  # cgroup v2, no quota anywhere
    try:  # cgroup v1
        quota_us = int((root / "cpu" / "cpu.cfs_quota_us").read_text())
        period_us = int((root / "cpu" / "cpu.cfs_period_us").read_text())
    except (OSError, ValueError):
        return None
    return quota_us / period_us if quota_us > 0 and period_us > 0 else None


@attrs.frozen
class BatchError:
    """Why one request of a batch was not rendered.

    ``type`` is the exception's class name (``"ValidationError"``, ``"CoverageError"``,
    ``"TemplateError"``, ``"OSError"``, ...). ``message`` is safe to log: like every
    mesoconsent error it names fields and disclosure ids, never the request's values; for an
    unexpected error (a bug) it gives only the type. ``problems`` are the
    :class:`~mesoconsent.FieldProblem` or :class:`~mesoconsent.DisclosureProblem` of a
    ``ValidationError`` or ``CoverageError``.
    """

    type: str
    message: str
    problems: tuple[FieldProblem | DisclosureProblem, ...] = ()

    def __str__(self) -> str:
        return self.message


@attrs.frozen
class BatchResult:
    """The outcome of one request of a batch.

    ``index`` is the request's position in the input (from 0); ``number`` its number (from 1,
    or the line number for a JSON Lines file), which names its file. Exactly one of ``result``
    and ``error`` is set. ``result`` is the :class:`~mesoconsent.RenderResult` (procedure,
    template version, locale, screening ``flags``, ``review_state``, ``draft``); when the form
    was written to ``path`` its ``content`` is left empty (``b""``), so that documents do not
    travel between processes: read the file.
    """

    index: int
    number: int
    result: RenderResult | None = None
    path: Path | None = None
    error: BatchError | None = None

    @property
    def ok(self) -> bool:
        """True if the form was rendered (and written, with an output folder)."""
        return self.error is None


def read_jsonl(source: str | os.PathLike[str] | BinaryIO) -> list[tuple[int, bytes]]:
    """The requests of a JSON Lines file: ``(line number, line)`` for every line that is not
    blank, numbered from 1 (blank lines count). ``source`` is the file's path, or a binary
    stream open for reading (``sys.stdin.buffer``), read to its end and left open. Lines are
    split on ``\\n`` only (``\\r\\n`` works too); a byte-order mark at the start is allowed.
    The lines are not decoded here: a line that is not JSON fails on its own when rendered.
    Raises ``OSError`` if the file cannot be read, has a line longer than any request
    (``loading.MAX_REQUEST_BYTES``) or more than :data:`MAX_BATCH_LINES` lines: nothing is
    rendered then.
    """
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as file:
            return _jsonl_lines(file, str(source))
    kind = type(source).__name__
    if isinstance(source, io.TextIOBase):
        raise TypeError(f"read_jsonl reads a binary stream (sys.stdin.buffer), not {kind}")
    if not callable(getattr(source, "readline", None)):
        raise TypeError(f"read_jsonl needs a path or a binary stream, not {kind}")
    return _jsonl_lines(source, str(getattr(source, "name", "<stream>")))


def _jsonl_lines(file: BinaryIO, name: str) -> list[tuple[int, bytes]]:
    found: list[tuple[int, bytes]] = []
    # Line by line, each read no further than a request can be long: a file without line
    # breaks (/dev/zero) or an endless stream was read until memory ran out.
    for number in itertools.count(1):
        line = file.readline(MAX_REQUEST_BYTES + 2)
        if not line:
            break
        if number > MAX_BATCH_LINES:
            raise OSError(errno.EFBIG, f"more than {MAX_BATCH_LINES:,} lines", name)
        content = line.removesuffix(b"\n")
        if number == 1:
            content = content.removeprefix(codecs.BOM_UTF8)
            # Split on "\n" bytes, a UTF-16 file gave one "not valid JSON" a line.
            wide = wide_encoding(content)
            if wide is not None:
                raise OSError(errno.EILSEQ, f"{wide}; save it as UTF-8", name)
        if len(content) > MAX_REQUEST_BYTES:
            too_long = f"line {number} is longer than any request ({LARGEST_REQUEST})"
            raise OSError(errno.EFBIG, too_long, name)
        if content.strip():
            found.append((number, content))
    return found


MAX_BATCH_LINES = 1_000_000
"""The most lines a batch file may have: far more than a day's forms, and an end to an endless
stream of short lines."""


@attrs.frozen
class _Settings:
    output_dir: Path | None
    format: Format
    locale: str | None
    draft: bool
    paper_size: str | None
    # This batch's temporary files start with it, so that those a killed worker leaves behind
    # can be found and removed, and no other process's.
    temporary_prefix: str = TEMPORARY_PREFIX


# (template folders, catalog folders, include the bundled ones, template cache, share static
# sections, reviewed translations only) for a worker's Engine.
_EngineArgs: TypeAlias = tuple[tuple[Path, ...], tuple[Path, ...], bool, Path | None, bool, bool]
_Item: TypeAlias = tuple[int, int, Any]  # (index, number, request as sent)


class _Flag(Protocol):
    """A flag that tells workers to stop (StopFlag), as they use it."""

    def is_set(self) -> bool: ...


class StopFlag:
    """A flag the parent sets and the workers read: one byte of shared memory, with no lock.

    A multiprocessing.Event has a lock shared with the workers, held while one reads it. When
    a worker dies, the pool terminates the others, and one killed while reading the Event
    held its lock for good: the parent, setting the Event to stop the batch, waited forever
    (seen once in the test suite, a batch whose worker died). A byte needs no lock: the
    parent writes it once, and a worker reads it between forms."""

    def __init__(self, context: BaseContext) -> None:
        self._value = context.RawValue("b", 0)

    def set(self) -> None:
        self._value.value = 1

    def is_set(self) -> bool:
        return bool(self._value.value)


def render_batch(
    requests: Iterable[BatchRequest],
    output_dir: str | os.PathLike[str] | None = None,
    format: Format = "docx",
    *,
    numbers: Iterable[int] | None = None,
    jobs: int | None = None,
    locale: str | None = None,
    draft: bool = False,
    paper_size: str | None = None,
    overwrite: bool = False,
    engine: Engine | None = None,
    chunksize: int | None = None,
    mp_context: BaseContext | None = None,
) -> Generator[BatchResult, None, None]:
    """Render every request; yield one :class:`BatchResult` per request, in input order.

    ``requests`` are :class:`~mesoconsent.ConsentRequest` objects, decoded JSON (dicts) or
    JSON documents (``str``, or UTF-8 ``bytes`` such as a line of :func:`read_jsonl`), each
    checked as :meth:`Engine.request_from_dict` or ``request_from_json`` checks it.

    With ``output_dir`` (created if missing) each form is written there atomically, as
    :func:`output_name` names it (``000007.docx``), and ``BatchResult.path`` says where;
    nothing is written for a request that fails. A folder that already holds forms so named
    (of any format) is refused with :class:`EarlierFormsError` (a ``FileExistsError``), since
    a request that failed would leave an earlier patient's form under its number;
    ``overwrite=True`` removes them all before rendering (a read-only one is refused with
    ``PermissionError``, and then none is removed). Other files are left alone.
    Without ``output_dir`` the document is in ``result.content``.

    ``numbers`` numbers the requests (positive and unique, one per request; by default 1, 2,
    3, ...). ``locale`` replaces every request's locale, and ``paper_size`` (``"A4"`` or
    ``"Letter"``, in any case) every request's ``clinic.paper_size``; ``draft`` is as for
    :meth:`Engine.render`. ``jobs`` is the number of worker processes (default: the CPU
    cores this process may use, see :func:`default_jobs`; never more than the number of
    requests, when that is known); ``jobs=1`` renders in this process, with ``engine``.
    Workers build an ``Engine`` with the folders and options of ``engine`` (its
    ``reviewed_only`` too; default: the bundled ones) and get the requests in chunks of
    ``chunksize`` (default: up to 32, smaller towards the end so that the workers finish
    together; 8 if ``requests`` has no length); with ``jobs=1`` requests are rendered,
    written and reported ``chunksize`` at a time (default: 32, or 8 if ``requests`` has no
    length), each group once it is whole.
    ``mp_context`` picks the multiprocessing start method (default: the platform's). With
    ``jobs`` above 1 requests travel pickled; one that cannot be pickled is checked in this
    process instead, so that it gets the result it would get with ``jobs=1``.

    Rendering issues no Python warnings: check ``result.flags`` (screening questions answered
    yes) and ``result.review_state`` (``"draft"``: an unreviewed translation) instead.

    Arguments are checked, and the folder created and tried with a file, when this is called
    (``ValueError``, ``TypeError``, ``OSError``); rendering starts on the first ``next()``.
    (``numbers`` for ``requests`` without a length are checked as they are reached: a bad one
    then stops the batch with ``ValueError`` after the results of every request before it.
    So does an error that iterating ``requests`` or ``numbers`` raises, such as a database
    cursor failing: it is raised after those results.) If a worker
    process dies (killed, or out of memory), iterating raises
    ``concurrent.futures.process.BrokenProcessPool`` after the results received before it;
    if one cannot start (its own Engine refuses a folder removed since, or a relative one
    after a chdir), iterating raises that error.
    Closing the generator early (``close()``, or leaving a ``for`` loop over it that holds the
    only reference) cancels the requests not yet started and waits for the ones running.
    Forms are written a chunk (or group) at a time, before any of its results is yielded, so
    the forms of that chunk, and of chunks that workers finished ahead, stay written although
    their results were not taken; each is complete, under its number.
    """
    if isinstance(requests, ConsentRequest):  # not iterable: it would fail on the first next()
        raise TypeError(
            "requests must be an iterable of requests, not one ConsentRequest: "
            "pass a list, [request]"
        )
    if isinstance(requests, str | bytes | bytearray | memoryview | os.PathLike | Mapping):
        # Iterating one would give a request per character, byte or key.
        raise TypeError(
            "requests must be an iterable of requests, not one "
            f"{type(requests).__name__}: for a JSON Lines file, pass the lines of "
            f"read_jsonl(path) and their numbers ({_JSONL_USE})"
        )
    if isinstance(requests, Sequence) and requests and _is_numbered_line(requests[0]):
        raise TypeError(
            "requests holds (line number, line) pairs, as read_jsonl gives them: pass the "
            f"lines as the requests and the line numbers as numbers ({_JSONL_USE})"
        )
    if not isinstance(requests, Iterable):
        raise TypeError(f"requests must be an iterable of requests, not {type(requests).__name__}")
    if mp_context is not None and not isinstance(mp_context, BaseContext):
        raise TypeError(
            "mp_context must be a multiprocessing context, such as "
            f"multiprocessing.get_context('spawn'), not {type(mp_context).__name__}"
        )
    if engine is not None and not isinstance(engine, Engine):
        raise TypeError(f"engine must be an Engine or None, not {type(engine).__name__}")
    for name, value, kind in (
        ("locale", locale, "a locale name"),
        ("paper_size", paper_size, "a paper size"),
    ):
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{name} must be {kind} or None, not {type(value).__name__}")
    check_format(format)
    check_flag("draft", draft)
    check_flag("overwrite", overwrite)
    if jobs is None:
        jobs = default_jobs()
    elif isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a whole number of at least 1, not {jobs!r}")
    if chunksize is not None and (
        isinstance(chunksize, bool) or not isinstance(chunksize, int) or chunksize < 1
    ):
        raise ValueError(f"chunksize must be a whole number of at least 1, not {chunksize!r}")
    if locale is not None:
        # An unavailable locale is a wrong argument, not a failure of every request.
        problem = (engine or _default_engine())._locale_problem(locale)
        if problem is not None:
            raise ValueError(f"locale {locale!r}: {problem}")
    if paper_size is not None:
        named = paper_named(paper_size)  # "letter" is Letter, as in a request
        if named is None:
            raise ValueError(
                f"paper_size must be one of {', '.join(PAPER_SIZES)}, not {paper_size!r}"
            )
        paper_size = named
    if numbers is not None and isinstance(requests, Sized):
        numbers = list(numbers)
        if len(numbers) != len(requests):
            raise ValueError(
                f"numbers gives {len(numbers)} number(s) for {len(requests)} request(s)"
            )
        # All of them now: found half-way, a bad number would stop a batch that had already
        # written forms whose results the caller never got.
        seen: set[int] = set()
        for number in numbers:
            _check_number(number, seen)
    folder = None if output_dir is None else Path(output_dir)
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        # First: a batch refused below still clears what killed batches left half-written.
        remove_abandoned_staging(folder)
        _deal_with_earlier_forms(folder, overwrite)
        # A folder that cannot be written is one error now, not one per request later.
        with tempfile.NamedTemporaryFile(dir=folder, prefix=TEMPORARY_PREFIX, suffix=".probe"):
            pass
        sync_folder(folder)
    settings = _Settings(
        folder, format, locale, draft, paper_size, f"{TEMPORARY_PREFIX}{secrets.token_hex(6)}-"
    )
    total = len(requests) if isinstance(requests, Sized) else None
    if total is not None:
        jobs = min(jobs, max(1, total))
    items = _numbered(requests, numbers)
    if jobs == 1:
        if chunksize is None:
            chunksize = _IN_PROCESS_GROUP if total is not None else _UNSIZED_CHUNK
        return _in_process(items, settings, engine, chunksize)
    if engine is None:
        engine_args: _EngineArgs = ((), (), True, None, True, False)
    else:  # its folders end with the bundled ones, if it uses them
        engine_args = (
            engine.template_dirs,
            engine.locale_dirs,
            False,
            engine.template_cache,
            engine.share_static_sections,
            engine.reviewed_only,
        )
    if chunksize is not None:
        sizes: Iterator[int] = itertools.repeat(chunksize)
    elif total is None:
        sizes = itertools.repeat(_UNSIZED_CHUNK)
    else:
        sizes = _guided_sizes(total, jobs)
    here = _CheckHere(settings, engine)
    return _in_pool(items, settings, engine_args, jobs, sizes, mp_context, here)


def _deal_with_earlier_forms(folder: Path, overwrite: bool) -> None:
    """Refuse a folder holding forms named as a batch names them (EarlierFormsError), or with
    ``overwrite`` remove them all first: a request that fails, a blank line or a form of
    another format must not leave an earlier patient's form among this batch's. A form
    marked read-only is refused (PermissionError), and then none is removed."""
    with os.scandir(folder) as entries:
        earlier = sorted(
            entry.name for entry in entries if _is_form_name(entry.name) and entry.is_file()
        )
    if not earlier:
        return
    if not overwrite:
        raise EarlierFormsError(folder, earlier)
    for name in earlier:
        check_target(folder / name)  # PermissionError for a read-only one
    for name in earlier:
        (folder / name).unlink()
    sync_folder(folder)


class EarlierFormsError(FileExistsError):
    """The output folder already holds forms (``names``, sorted) named as a batch names its
    forms: a request that failed would leave an earlier patient's form under its number."""

    def __init__(self, folder: Path, names: list[str]) -> None:
        self.folder = folder
        self.names = names
        super().__init__(
            errno.EEXIST,
            f"already holds forms ({self.listed}): a request that fails here would leave an "
            "earlier form under its number; use an empty folder, or overwrite=True",
            str(folder),
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt from what it was made of (OSError would pass its own three arguments), so
        # that it reaches a process pool's caller as itself.
        return (type(self), (self.folder, self.names), self.__dict__)

    @property
    def listed(self) -> str:
        """The first three names, and "..." if there are more."""
        return ", ".join(self.names[:3]) + (", ..." if len(self.names) > 3 else "")


# (Any case: on macOS and Windows 000002.DOCX is the file 000002.docx.)
_FORM_NAME = re.compile(
    rf"([0-9]{{{NUMBER_WIDTH},}})(?:{'|'.join(re.escape(e) for e in EXTENSIONS.values())})",
    re.IGNORECASE,
)


def _is_form_name(name: str) -> bool:
    """Whether a batch names a form so: a number from 1 to MAX_BATCH_LINES, zero-padded to
    NUMBER_WIDTH digits, and an extension of a format. Files named otherwise with digits (a
    date, 20260314.txt; a patient number) are not forms of a batch, and overwrite leaves them."""
    found = _FORM_NAME.fullmatch(name)
    if found is None:
        return False
    number = int(found[1])
    return 1 <= number <= MAX_BATCH_LINES and found[1] == f"{number:0{NUMBER_WIDTH}d}"


# How render_batch takes what read_jsonl gives.
_JSONL_USE = "render_batch([line for _, line in lines], numbers=[n for n, _ in lines])"


def _is_numbered_line(item: object) -> bool:
    """Whether ``item`` is one of read_jsonl's (line number, line) pairs."""
    return (
        isinstance(item, tuple)
        and len(item) == 2
        and isinstance(item[0], int)
        and isinstance(item[1], bytes | str)
    )


def _default_engine() -> Engine:
    from mesoconsent import default_engine  # not at the top: mesoconsent imports this module

    return default_engine()


def _guided_sizes(total: int, jobs: int) -> Iterator[int]:
    """Chunk sizes for ``total`` requests: what is left shared among the chunks in flight,
    at most _MAX_CHUNK, so the last chunks are small and no worker is left with a long one."""
    remaining = total
    while True:
        size = max(1, min(_MAX_CHUNK, -(-remaining // (jobs * _AHEAD))))
        yield size
        remaining = max(0, remaining - size)


def _numbered(
    requests: Iterable[BatchRequest], numbers: Iterable[int] | None
) -> Iterator[tuple[int, int, BatchRequest]]:
    if numbers is None:
        for index, request in enumerate(requests):
            yield index, index + 1, _as_taken(request)
        return
    seen: set[int] = set()
    pairs = itertools.zip_longest(numbers, requests, fillvalue=_NONE_LEFT)
    for index, (number, request) in enumerate(pairs):
        if number is _NONE_LEFT or request is _NONE_LEFT:  # (for requests without a length)
            fewer = "fewer" if number is _NONE_LEFT else "more"
            raise ValueError(f"numbers gives {fewer} numbers than there are requests")
        _check_number(number, seen)  # again, for requests without a length
        yield index, number, _as_taken(request)


def _as_taken(request: BatchRequest) -> BatchRequest:
    """``request`` as it is now. A request is rendered a group (or a worker's chunk) after it
    is taken, and a caller's reader may hand out one dict or buffer, changed for each row:
    read then, every form of the group would show the last row's patient. A request that
    cannot be copied so (pickled) is kept as it is. Taken, a request is also in the form a
    worker can be sent."""
    if isinstance(request, bytearray | memoryview):
        # A JSON document, as request_from_json takes one: bytes (a memoryview does not
        # pickle, and a bytearray would be read as decoded JSON).
        return bytes(request)
    if isinstance(request, str | bytes | ConsentRequest):  # immutable
        return request
    if isinstance(request, Mapping) and not isinstance(request, dict):
        request = dict(request)  # a read-only mapping does not pickle
    try:
        copied: BatchRequest = pickle.loads(pickle.dumps(request))
    except Exception:  # whatever pickling raises, it is kept as it is
        return request
    return copied


# What zip_longest gives for the shorter of numbers and requests, once it has run out.
_NONE_LEFT: Any = object()


def _check_number(number: object, seen: set[int]) -> None:
    """ValueError unless ``number`` is a whole number from 1 not in ``seen`` (it is added)."""
    if (
        isinstance(number, bool)
        or not isinstance(number, int)
        or not 1 <= number <= MAX_BATCH_LINES
    ):
        raise ValueError(
            f"request numbers must be whole numbers from 1 to {MAX_BATCH_LINES:,} (they name "
            f"the forms' files), not {number!r}"
        )
    if number in seen:
        raise ValueError(f"request number {number} is given twice")
    seen.add(number)


def _in_process(
    items: Iterator[tuple[int, int, BatchRequest]],
    settings: _Settings,
    engine: Engine | None,
    size: int,
) -> Generator[BatchResult, None, None]:
    if engine is None:
        engine = _default_engine()
    staging = None
    try:
        staging = make_staging(settings.output_dir, settings.temporary_prefix)
        while True:
            group: list[tuple[int, int, BatchRequest]] = []
            # The requests (or their numbers) may fail half-way, a stream's from the source it
            # reads: the ones before are rendered and reported first.
            failure = _take(items, size, group.append)
            if group:
                yield from _render_group(engine, settings, group, staging=staging)
            if failure is not None:
                raise failure
            if not group:
                break
    finally:
        try:
            # Interrupted (Ctrl-C, or the iterator closed) while a file was being created, a
            # temporary file can be left that nothing else knows of.
            remove_leftovers(settings.output_dir, settings.temporary_prefix)
        finally:
            release_staging(staging)


def _in_pool(
    items: Iterator[tuple[int, int, BatchRequest]],
    settings: _Settings,
    engine_args: _EngineArgs,
    jobs: int,
    sizes: Iterator[int],
    mp_context: BaseContext | None,
    here: _CheckHere,
) -> Generator[BatchResult, None, None]:
    chunks = _chunks(items, sizes, here)
    # Imported here: concurrent.futures costs about 10 ms more, and jobs=1 never needs it.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # Set when the batch stops early: a chunk already handed to the pool's queue cannot be
    # cancelled there, so a worker that gets one after this is set renders nothing of it.
    stopping = StopFlag(mp_context or multiprocessing.get_context())
    executor = ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=mp_context,
        initializer=_start_worker,
        initargs=(engine_args, settings, stopping),
    )
    try:
        # A bounded number of chunks in flight, collected in order: the input is read as the
        # results are consumed, and the results come back in input order. Should the input
        # fail half-way, the chunks before it are rendered and reported first.
        pending: deque[Future[list[BatchResult]]] = deque()

        def submit(chunk: list[_Item]) -> None:
            try:
                pending.append(executor.submit(_render_chunk, chunk))
            except OSError as error:  # a worker process could not be started
                raise OSError(
                    error.errno,
                    f"could not start the {jobs} worker processes asked for "
                    f"({error.strerror or type(error).__name__}): ask for fewer (--jobs)",
                ) from None

        failure = _take(chunks, jobs * _AHEAD, submit)
        while pending:
            results = pending.popleft().result()
            if failure is None:
                failure = _take(chunks, 1, submit)
            yield from results
        if failure is not None:
            raise failure
    finally:
        # On an error or an abandoned iterator: drop what has not started, let the running
        # chunks finish (each write is atomic anyway), and leave no process behind. A second
        # Ctrl-C (or SIGTERM) while that happens must not cut it short: the workers would be
        # left waiting for work, and the command with them.
        stopping.set()
        unmanaged = _unmanaged_workers(executor)
        while True:
            try:
                executor.shutdown(wait=True, cancel_futures=True)
                break
            except KeyboardInterrupt:
                continue
        for process in unmanaged:
            process.kill()  # they were never sent any work
            process.join()
        # A worker that was killed, or terminated because another one was, may have left the
        # temporary file of a form half written.
        remove_leftovers(settings.output_dir, settings.temporary_prefix)


def _unmanaged_workers(executor: Any) -> list[Any]:
    """The workers a process pool started but cannot stop. With the "fork" start method the
    pool starts all its workers at the first submit, before the thread that stops them: when
    one cannot be started (fork refused: too many processes, or open files), that thread never
    is, and those started wait for work forever, and Python, exiting, for them."""
    if getattr(executor, "_executor_manager_thread", None) is not None:
        return []
    return list((getattr(executor, "_processes", None) or {}).values())


def _take(items: Iterator[_T], count: int, take: Callable[[_T], None]) -> Exception | None:
    """Pass up to ``count`` items to ``take``; the error that reading the next one raised, if
    it did (the items before it are taken). What ``take`` raises is raised."""
    for _ in range(count):
        try:
            item = next(items)
        except StopIteration:
            break
        except Exception as error:  # whatever the caller's requests (or numbers) raise
            return error
        take(item)
    return None


_T = TypeVar("_T")


def _chunks(
    items: Iterator[tuple[int, int, BatchRequest]], sizes: Iterator[int], here: _CheckHere
) -> Iterator[list[_Item]]:
    """The requests in chunks to send. Should reading them fail, the chunk begun before is
    given first, and the error raised on the next call."""
    sendable = ((index, number, _sendable(request, here)) for index, number, request in items)
    for size in sizes:
        chunk: list[_Item] = []
        failure = _take(sendable, size, chunk.append)
        if chunk:
            yield chunk
        if failure is not None:
            raise failure
        if not chunk:
            return


@attrs.frozen
class _Unsendable:
    """Stands in for a request that cannot be pickled; its worker reports it."""

    type: str


@attrs.frozen
class _Invalid:
    """Stands in for a request that cannot be pickled and was found invalid before it was
    sent; its worker reports the problems, as it would have found them."""

    problems: tuple[FieldProblem, ...]


def _sendable(request: BatchRequest, here: _CheckHere) -> Any:
    if isinstance(request, str | bytes):
        return request
    sent = _packed(request)
    return sent if _picklable(sent) else here.check(request)


def _picklable(sent: Any) -> bool:
    try:
        pickle.dumps(sent)
    except Exception:  # whatever pickling raises, it cannot travel as it is
        return False
    return True


def _packed(request: BatchRequest) -> Any:
    if isinstance(request, ConsentRequest):
        # A caller's subclass (of the request, a section or an answer) travels as the class
        # it extends: a worker may not be able to import it (defined in a script's main
        # block, or in a function), and rendering needs nothing it adds.
        return of_own_classes(request)
    return request  # bytes-like and read-only mappings were converted when taken (_as_taken)


class _CheckHere:
    """Checks, in this process, a request that cannot be sent to a worker as it is.

    A request that cannot be pickled (a generator where a list belongs, say) is one that
    validation refuses too. Checked here as a worker would check it, it fails as it would
    with ``jobs=1``, naming its field; one that is valid travels as the request it makes.
    """

    def __init__(self, settings: _Settings, engine: Engine | None) -> None:
        self.settings = settings
        self.engine = engine

    def check(self, request: BatchRequest) -> Any:
        engine = self.engine = self.engine or _default_engine()
        try:
            checked = _to_request(engine, request, self.settings)
            engine.validate(checked)
        except ValidationError as error:
            return _Invalid(error.problems)
        except Exception:  # a worker would report it as a bug; say why it never got there
            return _Unsendable(type(request).__name__)
        return checked if _picklable(checked) else _Unsendable(type(request).__name__)


# The engine, settings, stop flag and staging folder of this worker process, set by
# _start_worker; or what stopped it from starting.
_worker: tuple[Engine, _Settings, _Flag, Path | None] | Exception | None = None


def _start_worker(engine_args: _EngineArgs, settings: _Settings, stopping: _Flag) -> None:
    """Pool initializer: build this worker's one Engine."""
    global _worker, _WRITING
    # A forked worker inherits the lock as it was: held, if a thread of the parent was
    # writing a form at that moment (a jobs=1 batch beside this one), and then never released.
    _WRITING = threading.Lock()
    # Ctrl-C reaches the whole process group: the parent handles it, cancelling what has not
    # started; a worker finishes its chunk rather than dying half-way with a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Forked from the command, which turns SIGTERM into an interruption of its own: a worker
    # sent SIGTERM stops, and the command reports a worker that stopped.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _exit_with_parent(settings)
    template_dirs, locale_dirs, include_bundled, cache, share, reviewed_only = engine_args
    try:
        engine = Engine(
            template_dirs,
            locale_dirs,
            include_bundled=include_bundled,
            template_cache=cache,
            share_static_sections=share,
            reviewed_only=reviewed_only,
        )
        _worker = (
            engine,
            settings,
            stopping,
            make_staging(settings.output_dir, settings.temporary_prefix),
        )
    except Exception as error:
        # Raised here, the pool would report a worker that died ("killed, or out of memory?").
        # A folder removed since the batch started, or a relative one after a chdir, is said
        # as it is: each chunk raises it, and the batch stops with it.
        _worker = error


# Held while a worker writes a form: a worker whose parent died stops between forms, never
# half-way through writing one.
_WRITING = threading.Lock()


def _exit_with_parent(settings: _Settings) -> None:
    """Stop this worker if the process that started it dies: killed outright, it cannot stop
    its workers, and they would otherwise wait for work forever, holding request data."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                _WRITING.acquire()  # let a form being written finish, then write no other
                remove_leftovers(
                    settings.output_dir, settings.temporary_prefix
                )  # no one else is left to
                os._exit(1)

    threading.Thread(target=watch, name="mesoconsent-parent-watch", daemon=True).start()


def _render_chunk(chunk: list[_Item]) -> list[BatchResult]:
    """Run in a worker: render a chunk of requests with the worker's engine."""
    if _worker is None:  # pragma: no cover - the initializer always runs first
        raise RuntimeError("worker not started")
    if isinstance(_worker, Exception):
        raise _worker
    engine, settings, stopping, staging = _worker
    return _render_group(engine, settings, chunk, stopping, staging)


def _render_group(
    engine: Engine,
    settings: _Settings,
    group: list[_Item],
    stopping: _Flag | None = None,
    staging: Path | None = None,
) -> list[BatchResult]:
    """Render some requests; their files are written and made durable together before they
    are reported, at most _WRITTEN_TOGETHER at a time (each holds a descriptor and its form's
    bytes until then, and a chunk can be as large as the caller asks). Once ``stopping`` is
    set (the batch was closed early), no more are rendered: the caller will not read them."""
    results: list[BatchResult] = []
    for start in range(0, len(group), _WRITTEN_TOGETHER):
        if stopping is not None and stopping.is_set():
            break
        results += _render_together(
            engine, settings, group[start : start + _WRITTEN_TOGETHER], staging
        )
    return results


# Forms whose files are written and synced together (and so open at the same time).
_WRITTEN_TOGETHER = 32


def _render_together(
    engine: Engine, settings: _Settings, group: list[_Item], staging: Path | None
) -> list[BatchResult]:
    """The files are synced at the same time (output.write_files_atomic), and the folder once
    for them: one sync after another, per file and then per folder, took longer than
    rendering. Their temporary files are made in ``staging``, if given (staging.py)."""
    results = [_render_one(engine, settings, *item) for item in group]
    folder = settings.output_dir
    rendered = [
        (i, item, item.result, item.path)
        for i, item in enumerate(results)
        if item.result is not None and item.path is not None
    ]
    if folder is None or not rendered:
        return results
    files = [(path.name, result.content) for _, _, result, path in rendered]
    with _WRITING:
        # The folder held no forms when the batch started (or they were removed): one there
        # now is another batch's, writing into the same folder.
        problems = write_files_atomic(
            folder, files, prefix=settings.temporary_prefix, staging=staging, replace=False
        )
    try:
        sync_folder(folder)
        if staging is not None:
            # The renames took the files out of it too: on some file systems (btrfs) that is
            # only sure once both folders are synced.
            sync_folder(staging)
    except OSError as error:
        # The renames may not survive a power cut: those forms are not reported written, and
        # are removed where the folder still allows it.
        for (*_, path), problem in zip(rendered, problems, strict=True):
            if problem is None:  # renamed into place: another run's file is never removed
                with contextlib.suppress(OSError):
                    path.unlink()
        problems = [
            problem
            or OSError(
                error.errno,
                f"the folder could not be synced ({error.strerror}), so the form may not "
                "survive a power cut: it is not reported written; render it again",
                str(path),
            )
            for (_, _, _, path), problem in zip(rendered, problems, strict=True)
        ]
    for (i, item, result, _), problem in zip(rendered, problems, strict=True):
        if problem is None:
            results[i] = attrs.evolve(item, result=attrs.evolve(result, content=b""))
        else:
            results[i] = _os_failure(item.index, item.number, problem)
    return results


def _os_failure(index: int, number: int, error: OSError, path: Path | None = None) -> BatchResult:
    """A form that failed on a file: the path the error names (else ``path``), and why."""
    message = f"{error.filename or path}: {error.strerror or type(error).__name__}"
    return BatchResult(index, number, error=BatchError(type(error).__name__, message))


def _render_one(
    engine: Engine, settings: _Settings, index: int, number: int, sent: Any
) -> BatchResult:
    path = None
    if settings.output_dir is not None:
        path = settings.output_dir / output_name(number, settings.format)
    try:
        request = _to_request(engine, sent, settings)
        # The results carry what render's warnings say (flags, review_state).
        result = engine.render_quietly(request, settings.format, draft=settings.draft)
        # The file is written with the rest of its group (_render_group).
    except (ValidationError, CoverageError) as error:
        return BatchResult(
            index, number, error=BatchError(type(error).__name__, str(error), error.problems)
        )
    except MesoconsentError as error:
        return BatchResult(index, number, error=BatchError(type(error).__name__, str(error)))
    except _UnsendableError as error:
        return BatchResult(index, number, error=BatchError("TypeError", str(error)))
    except OSError as error:
        return _os_failure(index, number, error, path)
    except Exception as error:  # a bug: name its type only, its message may quote the request
        kind = type(error).__name__
        return BatchResult(
            index, number, error=BatchError(kind, f"internal error ({kind}); nothing was written")
        )
    return BatchResult(index, number, result=result, path=path)


def _to_request(engine: Engine, sent: Any, settings: _Settings) -> ConsentRequest:
    if isinstance(sent, _Unsendable):
        raise _UnsendableError(sent.type)
    if isinstance(sent, _Invalid):
        raise ValidationError(sent.problems)
    locale, paper_size = settings.locale, settings.paper_size
    if isinstance(sent, ConsentRequest):
        request = sent if locale is None else attrs.evolve(sent, locale=locale)
        if paper_size is not None and isinstance(request.clinic, Clinic):
            clinic = attrs.evolve(request.clinic, paper_size=paper_size)
            request = attrs.evolve(request, clinic=clinic)
        return request
    if isinstance(sent, bytearray | memoryview):  # with jobs=1: as it came
        sent = bytes(sent)
    data = _decode_line(sent) if isinstance(sent, str | bytes) else sent
    return engine.request_from_dict(with_options(data, locale, paper_size))


def _decode_line(text: str | bytes) -> Any:
    try:
        return decode_json(text)
    except ValidationError as error:
        if ("\n" in text) if isinstance(text, str) else (b"\n" in text):
            raise
        # A JSON Lines line is one line: its own line number (always 1) would only confuse
        # next to the file's line number.
        raise ValidationError(
            attrs.evolve(problem, message=problem.message.replace("(line 1, column ", "(column "))
            for problem in error.problems
        ) from None


class _UnsendableError(TypeError):
    def __init__(self, kind: str) -> None:
        super().__init__(
            f"the request ({kind}) holds a value that cannot be sent to a worker process "
            "(it cannot be pickled)"
        )
