"""The ``mesoconsent`` command: render consent forms, verify stored ones, list locales.

Exit status: 0 success; 1 verification found problems, or a document could not be produced
(coverage, template); 2 bad input or usage (the problems are listed, no traceback); 3 an
input or output file could not be read or written; 4 a batch stopped early (a worker process
died); 70 an internal error (a bug: the message
names only its type, since values may be patient data; MESOCONSENT_DEBUG=1 shows the traceback).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import signal
import stat
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from mesoconsent.batch_report import ADD_GUARDIAN
from mesoconsent.catalog_folders import holds_no_catalog
from mesoconsent.console import (
    EXIT_BROKEN_PIPE,
    EXIT_FAILED,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_IO,
    EXIT_OK,
    EXIT_STOPPED,
    EXIT_TERMINATED,
    EXIT_USAGE,
    say,
)
from mesoconsent.engine import Engine
from mesoconsent.errors import (
    DocumentReadError,
    MesoconsentError,
    ValidationError,
)
from mesoconsent.folders import folder_problem
from mesoconsent.loading import decode_json, read_request_file, read_request_stream, with_options
from mesoconsent.locales_report import print_report
from mesoconsent.model import paper_named
from mesoconsent.output import check_target, names_a_folder, write_atomic
from mesoconsent.resources import example_request_path
from mesoconsent.results import FORMATS, Format, format_for_path
from mesoconsent.template_cache import default_cache_folder
from mesoconsent.validation import consent_age

if TYPE_CHECKING:
    pass


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mesoconsent",
        description="Render complete, localized informed-consent documents and verify them.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    render = commands.add_parser(
        "render",
        help="render a consent form from a JSON request",
        usage="%(prog)s (--input REQUEST.json | --example) --output FILE [options]\n"
        "       %(prog)s --batch REQUESTS.jsonl --output-dir DIR [--jobs N] [options]",
        description="Render a consent form. Refuses (and writes nothing) if the request is "
        "invalid or the form would lack a required disclosure. With --batch, render one form "
        "per line of a JSON Lines file into --output-dir, named by line number (line 7: "
        "000007.docx), on every CPU core; a bad line is reported by its number and the rest "
        "are rendered.",
    )
    render.set_defaults(usage_error=render.error)
    source = render.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--input",
        "-i",
        type=_input_path,
        metavar="REQUEST.json",
        help="the request file (format: docs/request-format.md); - reads standard input",
    )
    source.add_argument("--example", action="store_true", help="render the bundled example request")
    source.add_argument(
        "--batch",
        type=_input_path,
        metavar="REQUESTS.jsonl",
        help="render every request of a JSON Lines file (one request a line; blank lines "
        "are skipped) into --output-dir; - reads standard input",
    )
    render.add_argument(
        "--output",
        "-o",
        type=_file_path,
        metavar="FILE",
        help="where to write the form (.docx, .html or .txt); required without --batch",
    )
    render.add_argument(
        "--output-dir",
        type=_path,
        metavar="DIR",
        help="with --batch: the folder to write the forms to (created if missing), named by "
        "line number: 000007.docx for line 7",
    )
    render.add_argument(
        "--overwrite",
        action="store_true",
        help="with --batch: remove the forms an earlier batch left in --output-dir before "
        "rendering (by default such a folder is refused); other files are left alone",
    )
    render.add_argument(
        "--format",
        choices=FORMATS,
        help="output format (default: from the --output extension; docx with --batch)",
    )
    render.add_argument(
        "--jobs",
        "-j",
        type=_positive_int,
        metavar="N",
        help="with --batch: worker processes (default: every CPU core this process may use); "
        "1 renders in this process",
    )
    render.add_argument("--locale", help="render in this locale instead of the request's")
    render.add_argument(
        "--paper-size",
        type=_paper_size,
        metavar="{A4,Letter}",
        help="lay the form out on this paper instead of the request's clinic.paper_size "
        "(a DOCX that names none is on A4; an HTML form that names none prints on the "
        "printer's paper)",
    )
    render.add_argument(
        "--draft",
        action="store_true",
        help="render even if some text is not translated (it shows in English); every page "
        "is then marked as a draft, not for signature",
    )
    render.add_argument(
        "--reviewed-only",
        action="store_true",
        help="refuse a form in a translation no qualified reviewer has signed off, or one "
        "changed since its review (by default it is rendered, with a warning)",
    )
    _add_folders(render)

    locales = commands.add_parser(
        "locales",
        help="list the available locales, how complete they are and who reviewed them",
        description="List every available locale with its completeness (messages that would "
        "not show in English) and the review state its catalog records. With --check, exit 1 "
        "if any locale is incomplete, listing what is missing.",
    )
    locales.set_defaults(usage_error=locales.error)
    locales.add_argument("--check", action="store_true", help="exit 1 if a locale is incomplete")
    locales.add_argument(
        "--locale",
        action="append",
        default=[],
        metavar="LOCALE",
        help="list and check only the locale serving LOCALE (as a request names it: fr, "
        "pt-BR); may be given several times",
    )
    locales.add_argument(
        "--procedure",
        metavar="ID",
        help="count only the messages forms of procedure ID show (a procedure being "
        "translated leaves the other procedures' languages complete for theirs)",
    )
    locales.add_argument(
        "--pot",
        type=_path,
        metavar="FILE",
        help="instead, write the catalog template (.pot) of every message the forms can "
        "show, mesoconsent's and those of the --templates folders, to update catalogs from "
        "(- for standard output)",
    )
    _add_folders(locales)

    verify = commands.add_parser(
        "verify",
        help="check that a DOCX still states every required disclosure",
        description="Re-read a consent DOCX (also one edited and re-saved in Word or "
        "LibreOffice) and check every required disclosure is still there, unchanged. "
        "Exits 0 if every file passes, 1 listing what is missing or altered (or if a file is "
        "not a DOCX), 3 if a file cannot be read.",
    )
    verify.add_argument("files", type=_path, nargs="+", metavar="FILE.docx")
    verify.add_argument("--procedure", help="the procedure, if the document does not record it")
    verify.add_argument("--locale", help="the locale, if the document does not record it")
    _add_folders(verify)
    return parser


def _add_folders(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--templates",
        type=_path,
        action="append",
        default=[],
        metavar="DIR",
        help="extra template folder, searched before the bundled one",
    )
    command.add_argument(
        "--locales",
        type=_path,
        action="append",
        default=[],
        metavar="DIR",
        help="extra catalog folder, searched before the bundled one",
    )


def _path(text: str) -> Path:
    # Path("") is ".", the current folder: an empty argument (an unset shell variable, say)
    # would then be reported, or used, as a folder the user never named.
    if not text:
        raise argparse.ArgumentTypeError("an empty path")
    return Path(text)


# What --input is given for standard input: "-" itself, a str, never a Path (Path("./-"), a
# file named "-", prints as "-" too).
_STDIN = "-"


def _input_path(text: str) -> Path | str:
    return _STDIN if text == _STDIN else _path(text)


def _input_name(path: Path | str) -> str:
    """How messages name what --input or --batch reads."""
    return "standard input" if path == _STDIN else str(path)


def _file_path(text: str) -> Path:
    # Path("consent.docx/") is consent.docx: the separator, which says a folder, is gone.
    if names_a_folder(text):
        raise argparse.ArgumentTypeError(
            f"{text} names a folder (it ends with a separator, '.' or '..'): give a file's path"
        )
    return _path(text)


def _paper_size(text: str) -> str:
    name = paper_named(text)
    if name is None:
        raise argparse.ArgumentTypeError(f"not A4 or Letter: {text!r}")
    return name


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _render_usage_problem(args: argparse.Namespace) -> str | None:
    """What is wrong with a combination of render options, if anything."""
    if args.batch is not None:
        if args.output is not None:
            return "--output names one form's file; with --batch, name a folder with --output-dir"
        if args.output_dir is None:
            return "--batch needs --output-dir DIR, the folder to write the forms to"
        return None
    if args.output_dir is not None:
        return "--output-dir is for --batch; to render one form, name its file with --output"
    if args.overwrite:
        return "--overwrite is for --batch (one form's --output file is replaced unless read-only)"
    if args.jobs is not None:
        return "--jobs is for --batch"
    if args.output is None:
        return "the following arguments are required: --output/-o"
    return None


def _version() -> str:
    from mesoconsent.engine import _version as version

    return version()


def _render(args: argparse.Namespace, engine: Engine) -> int:
    """Render one form to --output. If that fails and a file was there already, say that it
    was left as it was: a desk that always prints consent.docx would otherwise print the
    previous patient's form without a word in the terminal."""
    output = Path(args.output)
    before = _file_identity(output)
    if not output.parent.exists():
        say(f"cannot write {output}: the folder {output.parent} does not exist")
        return EXIT_IO
    try:
        status = _render_one(args, engine)
    except KeyboardInterrupt:
        _say_if_left_alone(output, before)
        raise
    except Exception as error:
        status = _failed(error)  # the error first: the file's fate follows from it
    if status != EXIT_OK:
        _say_if_left_alone(output, before)
    return status


def _file_identity(path: Path) -> tuple[int, int, int, int] | None:
    """What tells a file from the one that replaced it (a rename puts a new file in its
    place); None where there is no regular file (nothing, a folder, a device)."""
    try:
        found = path.stat()
    except OSError:
        return None
    if not stat.S_ISREG(found.st_mode):
        return None
    return (found.st_dev, found.st_ino, found.st_mtime_ns, found.st_size)


def _say_if_left_alone(output: Path, before: tuple[int, int, int, int] | None) -> None:
    # Only of a file that is there still, unchanged: a failure after the form was written
    # (printing to a full standard output, say) must not deny that it was.
    if before is not None and _file_identity(output) == before:
        say(f"{output} was not replaced: it still holds what it held before this command")


def _render_one(args: argparse.Namespace, engine: Engine) -> int:
    # A folder or a device is refused as what it is (exit 3, as writing it would be), before
    # its name is read for a format.
    check_target(Path(args.output))
    try:
        output_format = format_for_path(args.output, args.format)
    except ValueError as error:
        say(f"--output: {error}" if args.format is None else f"--format {args.format}: {error}")
        return EXIT_USAGE
    if not _locale_option_is_available(args, engine):
        return EXIT_USAGE
    # The example in the requested language, where a localized one ships (names, addresses,
    # treated areas and product as a clinic there would write them).
    path = example_request_path(_catalog_name(engine, args.locale)) if args.example else args.input
    try:
        if path == _STDIN:  # as a pipe hands it: clinic software
            data = decode_json(read_request_stream(sys.stdin.buffer))
        else:
            data = decode_json(read_request_file(path))
    except OSError as error:
        say(f"cannot read {_input_name(path)}: {error.strerror}")
        return EXIT_IO
    request = engine.request_from_dict(with_options(data, args.locale, args.paper_size))
    # SIGTERM (a service stopping, `timeout`) interrupts like Ctrl-C, so that a form being
    # written leaves no temporary file holding it behind.
    terminated = _Termination(as_command=args.as_command)
    try:
        with terminated:
            # Quietly: the command reports flags and draft translations itself, below.
            result = engine.render_quietly(request, output_format, draft=args.draft)
            write_atomic(Path(args.output), result.content)
    except KeyboardInterrupt:
        if not terminated.signalled:
            raise
        # Stopped before the form was known to be written; after the rename, while the folder
        # was synced, it may be there already.
        say(f"terminated before {args.output} was known to be written")
        return EXIT_TERMINATED
    if result.draft:
        say(
            "warning: rendered in draft mode: some text is in English, and every page says "
            "the form is a draft, not for signature"
        )
    if result.review_state == "draft":
        used = "" if result.catalog == result.locale else f" (used for {result.locale})"
        say(
            f"warning: the {result.catalog} translation{used} is a draft that no qualified "
            "reviewer has signed off; have the form checked before it is used"
        )
    for flag in result.flags:
        say(
            f"warning: screening question '{flag.question_id}' was answered yes; the form "
            "says so prominently. A practitioner must review it before treatment."
        )
    if result.minor_without_guardian:
        say(
            f"warning: the patient is under {consent_age(request)} on the consent date and no "
            f"parent or guardian signs the form; {ADD_GUARDIAN}"
        )
    print(
        f"wrote {args.output} ({output_format}, {result.procedure} {result.template_version}, "
        f"locale {result.locale})"
    )
    return EXIT_OK


def _locale_option_is_available(args: argparse.Namespace, engine: Engine) -> bool:
    """False, having said why, if --locale names a locale no catalog serves: the option's
    mistake, not every request's."""
    return args.locale is None or _is_available(args.locale, engine)


def _is_available(requested: str, engine: Engine) -> bool:
    """False, having said why (quoted, with the locales there are), if no catalog serves the
    locale ``requested`` by --locale."""
    problem = engine._locale_problem(requested)
    if problem is not None:
        say(f"--locale {requested!r}: {problem}")
    return problem is None


def _drop_standard_output() -> None:
    """Send what is left of standard output nowhere, so that flushing it at exit does not
    fail again with a message about the broken pipe."""
    with contextlib.suppress(OSError, ValueError):
        descriptor = os.open(os.devnull, os.O_WRONLY)
        os.dup2(descriptor, sys.stdout.fileno())
        os.close(descriptor)


def _catalog_name(engine: Engine, locale: str | None) -> str | None:
    """The catalog that serves ``locale``, or None (no --locale, or none serves it: validation
    then says so)."""
    if locale is None:
        return None
    try:
        return engine.resolve_locale(locale)
    except LookupError:
        return None


def _worker_stopped(error: BaseException) -> bool:
    """Whether ``error`` is the process pool's, for a worker that stopped. The pool's module is
    not imported to ask (about 10 ms, which a --jobs 1 batch never needs): without it, no
    worker was started."""
    pool = sys.modules.get("concurrent.futures.process")
    return pool is not None and isinstance(error, pool.BrokenProcessPool)


def _batch(args: argparse.Namespace, engine: Engine) -> int:
    # Imported here: a single render does not pay for the batch machinery at start-up.
    from mesoconsent.batch import EarlierFormsError, output_name, read_jsonl, render_batch
    from mesoconsent.batch_report import BatchSummary, Progress

    output_format: Format = args.format or "docx"
    if not _locale_option_is_available(args, engine):
        return EXIT_USAGE
    source = _input_name(args.batch)
    try:
        lines = read_jsonl(sys.stdin.buffer if args.batch == _STDIN else args.batch)
    except OSError as error:
        say(f"cannot read {source}: {error.strerror}")
        return EXIT_IO
    if not lines:
        say(f"warning: {source} holds no requests; nothing to render")
    started = time.perf_counter()
    try:
        results = render_batch(
            [line for _, line in lines],
            args.output_dir,
            output_format,
            numbers=[number for number, _ in lines],
            jobs=args.jobs,
            locale=args.locale,
            draft=args.draft,
            paper_size=args.paper_size,
            overwrite=args.overwrite,
            engine=engine,
        )
    except EarlierFormsError as error:
        say(
            f"--output-dir {args.output_dir}: already holds forms ({error.listed}): a line "
            "that fails would leave an earlier form under its number; use an empty folder, "
            "or --overwrite to remove them first"
        )
        return EXIT_USAGE
    except OSError as error:
        # The file or folder the error is about, unless it is the folder already named.
        named = error.filename is not None and Path(error.filename) != Path(args.output_dir)
        where = f"{error.filename}: " if named else ""
        # mkdir of an existing file says "File exists", which reads as if forms were there.
        reason = (
            "not a folder"
            if isinstance(error, FileExistsError) and not Path(args.output_dir).is_dir()
            else error.strerror
        )
        say(f"cannot write to the folder {args.output_dir}: {where}{reason}")
        return EXIT_IO
    progress = Progress(len(lines), sys.stderr, started)
    summary = BatchSummary()
    terminated = _Termination(as_command=args.as_command)
    try:
        # On Ctrl-C or SIGTERM: stop the workers and clean up before returning.
        with terminated, contextlib.closing(results):
            for done, item in enumerate(results, start=1):
                if item.error is not None:
                    progress.clear()
                    say(f"line {item.number}: {item.error.message}")
                summary.add(item)
                progress.update(done)
    except KeyboardInterrupt:
        progress.clear()
        # The forms written so far stay: their screening "yes" answers and minors are said
        # as for a whole batch (a minor without a guardian is said nowhere else).
        summary.report()
        say(("terminated: " if terminated.signalled else "interrupted: ") + summary.stopped(lines))
        return EXIT_TERMINATED if terminated.signalled else EXIT_INTERRUPTED
    except RuntimeError as error:  # BrokenProcessPool is one
        if not _worker_stopped(error):
            raise
        progress.clear()
        summary.report()
        say(
            "a worker process stopped unexpectedly (killed, or out of memory?): "
            + summary.stopped(lines)
        )
        return EXIT_STOPPED
    finally:
        progress.clear()
    elapsed = time.perf_counter() - started
    summary.report()
    rendered, failed = len(summary.rendered), len(summary.failed)
    rate = rendered / elapsed if elapsed > 0 else 0.0
    print(
        f"rendered {rendered}, failed {failed} (of {len(lines)} requests) in {elapsed:.2f} s, "
        f"{rate:.1f} forms/s; forms in {args.output_dir}{os.sep} named by line number "
        f"({output_name(1, output_format)} for line 1)"
    )
    return EXIT_FAILED if failed else EXIT_OK


class _Termination:
    """While active, SIGTERM (a service manager stopping the command) interrupts like Ctrl-C,
    so that the workers are stopped and partial files removed, instead of the command dying
    and leaving its workers behind. Only the first SIGTERM or Ctrl-C interrupts: later ones,
    while the workers are being stopped, are ignored rather than cutting that short.

    Once interrupted, the command (``as_command``) goes on ignoring them until it has exited:
    Python puts the default handlers back while it shuts down, and a second SIGTERM would
    then kill it after its report, with a signal's exit status. Called from other Python
    code, main() puts back the caller's handlers instead.
    """

    def __init__(self, as_command: bool) -> None:
        self.as_command = as_command
        self.signalled = False
        self.interrupted = False
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> None:
        if threading.current_thread() is threading.main_thread():  # signals reach only it
            for number in (signal.SIGTERM, signal.SIGINT):
                self._previous[number] = signal.signal(number, self._handle)

    def __exit__(self, *exc_info: object) -> None:
        for number, previous in self._previous.items():
            ignore = self.interrupted and self.as_command
            signal.signal(number, signal.SIG_IGN if ignore else previous)

    def _handle(self, signum: int, frame: object) -> None:
        if self.interrupted:
            return
        self.interrupted = True
        self.signalled = signum == signal.SIGTERM
        raise KeyboardInterrupt


def _locales(args: argparse.Namespace, engine: Engine) -> int:
    if args.pot is not None:
        return _write_pot(args.pot, engine)
    if args.procedure is not None and args.procedure not in engine.procedures:
        say(
            f"--procedure {args.procedure}: no such procedure; available: "
            + ", ".join(engine.procedures)
        )
        return EXIT_USAGE
    statuses = engine.locale_status(args.procedure)
    if args.locale:
        chosen = set()
        for requested in args.locale:
            if not _is_available(requested, engine):  # said as render says it
                return EXIT_USAGE
            chosen.add(engine.resolve_locale(requested))
        statuses = [status for status in statuses if status.locale in chosen]
    incomplete = print_report(statuses, engine)
    if args.check and incomplete:
        say(f"{len(incomplete)} incomplete locale(s): " + ", ".join(s.locale for s in incomplete))
        return EXIT_FAILED
    return EXIT_OK


def _write_pot(path: Path, engine: Engine) -> int:
    if str(path) == "-":
        sys.stdout.write(engine.catalog_template())
        return EXIT_OK
    check_target(path)
    write_atomic(path, engine.catalog_template().encode("utf-8"))
    # Not a form: readable by others, as the user's umask allows (write_atomic makes 0600).
    umask = os.umask(0o022)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)
    count = len(engine.needed_messages())
    print(f"wrote {path} ({count} messages)")
    return EXIT_OK


def _verify(args: argparse.Namespace, engine: Engine) -> int:
    status = EXIT_OK
    for path in args.files:
        status = max(status, _verify_one(path, args, engine))
    return status


def _verify_one(path: Path, args: argparse.Namespace, engine: Engine) -> int:
    try:
        report = engine.verify(path, procedure=args.procedure, locale=args.locale)
    except DocumentReadError as error:
        say(f"{path}: {error}")
        return EXIT_FAILED
    except OSError as error:
        say(f"cannot read {path}: {error.strerror}")
        return EXIT_IO
    for note in report.notes:
        print(f"{path}: note: {note}")
    if report.ok:
        count = len(engine.procedures[report.procedure].required_ids)
        print(
            f"OK: {path} states all {count} required disclosures "
            f"({report.procedure} {report.template_version}, locale {report.locale})"
        )
        return EXIT_OK
    # The problems also name checklist rows, signature lines and the like: say how many are
    # disclosures, so the count is not taken for one of those; and each disclosure once, though
    # it has two problems (altered, and its translation fuzzy).
    required = set(engine.procedures[report.procedure].required_ids)
    stated = len(required & {problem.disclosure_id for problem in report.problems})
    print(
        f"FAILED: {path} has {len(report.problems)} problem(s) ({stated} of its "
        f"{len(required)} required disclosures missing or changed):"
    )
    for problem in report.problems:
        print(f"  - {problem.disclosure_id}: {problem.reason}")
    return EXIT_FAILED


def command() -> NoReturn:
    """The ``mesoconsent`` command (and ``python -m mesoconsent``): :func:`main`, then exit
    with its status."""
    status = main(as_command=True)
    # Everything is written and reported. Frozen, the objects left are not traced again by
    # the collections Python runs while it shuts down: 15 ms off a single form's command,
    # more after a batch (docs/performance.md). Only the command does this: main() called
    # from other code leaves the caller's process as it was.
    gc.freeze()
    sys.exit(status)


def main(argv: Sequence[str] | None = None, *, as_command: bool = False) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit status.
    Only the command itself (``as_command``) keeps ignoring signals after an interruption
    (see _Termination); called from other code, the caller's handlers are put back."""
    args = _parser().parse_args(argv)
    args.as_command = as_command
    if args.command == "render" and (problem := _render_usage_problem(args)) is not None:
        args.usage_error(problem)  # exits 2, with the usage
    if (
        args.command == "locales"
        and args.pot is not None
        and (args.check or args.locale or args.procedure is not None)
    ):
        args.usage_error(
            "--pot writes one template for every locale and procedure: no --check, --locale "
            "or --procedure"
        )
    # The command reports screening flags and draft translations itself, naming the questions
    # for the person at the terminal: it renders quietly (Engine.render_quietly), without the
    # library's Python warnings, and leaves the process's warning filters alone.
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    for option, folders in (("--templates", args.templates), ("--locales", args.locales)):
        for folder in folders:
            # A mistyped folder must not quietly render the bundled form instead.
            if (problem := folder_problem(folder)) is not None:
                say(f"{option} {folder}: {problem.strerror}")
                mistyped = isinstance(problem, FileNotFoundError | NotADirectoryError)
                return EXIT_USAGE if mistyped else EXIT_IO
            if option == "--locales" and (empty := holds_no_catalog(folder)) is not None:
                say(f"--locales {empty}")
                return EXIT_USAGE
    try:
        engine = Engine(
            args.templates,
            args.locales,
            template_cache=default_cache_folder(),
            reviewed_only=getattr(args, "reviewed_only", False),
        )
        if args.command == "render":
            return _batch(args, engine) if args.batch is not None else _render(args, engine)
        if args.command == "locales":
            return _locales(args, engine)
        return _verify(args, engine)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as error:
        return _failed(error)


def _failed(error: Exception) -> int:
    """Say what stopped the command, without a traceback, and return its exit status."""
    if isinstance(error, ValidationError):
        say(str(error))
        return EXIT_USAGE
    if isinstance(error, MesoconsentError):  # coverage, template, procedure or catalog errors
        say(str(error))
        return EXIT_FAILED
    if isinstance(error, BrokenPipeError):  # not a file that could not be written: no reader
        _drop_standard_output()
        return EXIT_BROKEN_PIPE
    if isinstance(error, OSError):
        reason = error.strerror or type(error).__name__
        say(f"{error.filename}: {reason}" if error.filename else reason)
        return EXIT_IO
    # A bug: say so without printing values that may be patient data.
    if os.environ.get("MESOCONSENT_DEBUG"):
        raise error
    say(
        f"internal error ({type(error).__name__}); nothing was written. "
        "Set MESOCONSENT_DEBUG=1 to see the traceback, and please report it."
    )
    return EXIT_INTERNAL


if __name__ == "__main__":
    command()
