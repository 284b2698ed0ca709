"""The ``mesoconsent`` command: render consent forms, verify stored ones, list locales.

Exit status: 0 success; 1 verification found problems, or a document could not be produced
(coverage, template); 2 bad input or usage (the problems are listed, no traceback); 3 an
input or output file could not be read or written; 70 an internal error (a bug: the message
names only its type, since values may be patient data; MESOCONSENT_DEBUG=1 shows the traceback).
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

from babel import Locale

from mesoconsent.engine import FORMATS, Engine, format_for_path
from mesoconsent.errors import (
    ContraindicationWarning,
    DocumentReadError,
    DraftTranslationWarning,
    MesoconsentError,
    ValidationError,
)
from mesoconsent.loading import decode_json
from mesoconsent.resources import example_request_path

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_IO, EXIT_INTERNAL = 0, 1, 2, 3, 70


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
        description="Render a consent form. Refuses (and writes nothing) if the request is "
        "invalid or the form would lack a required disclosure.",
    )
    source = render.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--input",
        "-i",
        type=Path,
        metavar="REQUEST.json",
        help="the request file (format: docs/request-format.md)",
    )
    source.add_argument("--example", action="store_true", help="render the bundled example request")
    render.add_argument(
        "--output",
        "-o",
        type=Path,
        required=True,
        metavar="FILE",
        help="where to write the form (.docx, .html or .txt)",
    )
    render.add_argument(
        "--format", choices=FORMATS, help="output format (default: from the --output extension)"
    )
    render.add_argument("--locale", help="render in this locale instead of the request's")
    render.add_argument(
        "--draft",
        action="store_true",
        help="render even if some text is not translated (it shows in English); every page "
        "is then marked as a draft, not for signature",
    )
    _add_folders(render)

    locales = commands.add_parser(
        "locales",
        help="list the available locales, how complete they are and who reviewed them",
        description="List every available locale with its completeness (messages that would "
        "not show in English) and the review state its catalog records. With --check, exit 1 "
        "if any locale is incomplete, listing what is missing.",
    )
    locales.add_argument("--check", action="store_true", help="exit 1 if a locale is incomplete")
    _add_folders(locales)

    verify = commands.add_parser(
        "verify",
        help="check that a DOCX still states every required disclosure",
        description="Re-read a consent DOCX (also one edited and re-saved in Word or "
        "LibreOffice) and check every required disclosure is still there, unchanged. "
        "Exits 0 if every file passes, 1 listing what is missing or altered (or if a file is "
        "not a DOCX), 3 if a file cannot be read.",
    )
    verify.add_argument("files", type=Path, nargs="+", metavar="FILE.docx")
    verify.add_argument("--procedure", help="the procedure, if the document does not record it")
    verify.add_argument("--locale", help="the locale, if the document does not record it")
    _add_folders(verify)
    return parser


def _add_folders(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--templates",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="extra template folder, searched before the bundled one",
    )
    command.add_argument(
        "--locales",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="extra catalog folder, searched before the bundled one",
    )


def _version() -> str:
    from mesoconsent.engine import _version as version

    return version()


def _error(message: str) -> None:
    print(f"mesoconsent: {message}", file=sys.stderr)


def _render(args: argparse.Namespace, engine: Engine) -> int:
    try:
        output_format = args.format or format_for_path(args.output)
    except ValueError as error:
        _error(f"--output: {error}")
        return EXIT_USAGE
    path = example_request_path() if args.example else args.input
    try:
        data = decode_json(Path(path).read_bytes())
    except OSError as error:
        _error(f"cannot read {path}: {error.strerror}")
        return EXIT_IO
    if args.locale is not None and isinstance(data, dict):  # even "": validation says why
        data["locale"] = args.locale
    request = engine.request_from_dict(data)
    result = engine.render_to_file(request, args.output, output_format, draft=args.draft)
    if result.draft:
        _error(
            "warning: rendered in draft mode: some text is in English, and every page says "
            "the form is a draft, not for signature"
        )
    if result.review_state == "draft":
        _error(
            f"warning: the {result.locale} translation is a draft that no qualified reviewer "
            "has signed off; have the form checked before it is used"
        )
    for flag in result.flags:
        _error(
            f"warning: screening question '{flag.question_id}' was answered yes; the form "
            "says so prominently. A practitioner must review it before treatment."
        )
    print(
        f"wrote {args.output} ({output_format}, {result.procedure} {result.template_version}, "
        f"locale {result.locale})"
    )
    return EXIT_OK


_REVIEW_WORDS = {
    "source": "source text",
    "draft": "draft (not reviewed)",
    "reviewed": "reviewed by {reviewer}",
}


def _locales(args: argparse.Namespace, engine: Engine) -> int:
    statuses = engine.locale_status()
    print(f"{'locale':<8} {'language':<24} {'complete':<16} review")
    for status in statuses:
        language = Locale.parse(status.locale).get_display_name("en") or status.locale
        share = f"{status.translated}/{status.total}"
        completeness = f"{share} ({100 * status.translated // max(status.total, 1)}%)"
        review = _REVIEW_WORDS[status.review.state].format(reviewer=status.review.reviewed_by)
        print(f"{status.locale:<8} {language:<24} {completeness:<16} {review}")
    incomplete = [status for status in statuses if not status.complete]
    for status in incomplete:
        print(f"\n{status.locale}: {len(status.missing)} message(s) would show in English:")
        for (context, message), kind, reason in status.missing:
            label = context if kind != "text" else repr(message[:60])
            print(f"  - {kind} {label}: {reason}")
    if args.check and incomplete:
        _error(
            f"{len(incomplete)} incomplete locale(s): " + ", ".join(s.locale for s in incomplete)
        )
        return EXIT_FAILED
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
        _error(f"{path}: {error}")
        return EXIT_FAILED
    except OSError as error:
        _error(f"cannot read {path}: {error.strerror}")
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
    print(f"FAILED: {path} lacks {len(report.problems)} required disclosure(s):")
    for problem in report.problems:
        print(f"  - {problem.disclosure_id}: {problem.reason}")
    return EXIT_FAILED


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    with warnings.catch_warnings():
        # The CLI reports screening flags and draft translations itself, naming the questions
        # for the person at the terminal; the library's Python warnings would only repeat it.
        warnings.simplefilter("ignore", ContraindicationWarning)
        warnings.simplefilter("ignore", DraftTranslationWarning)
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    for option, folders in (("--templates", args.templates), ("--locales", args.locales)):
        for folder in folders:
            if not folder.is_dir():
                # A mistyped folder must not quietly render the bundled form instead.
                _error(f"{option} {folder}: no such folder")
                return EXIT_USAGE
    try:
        engine = Engine(args.templates, args.locales)
        if args.command == "render":
            return _render(args, engine)
        if args.command == "locales":
            return _locales(args, engine)
        return _verify(args, engine)
    except ValidationError as error:
        _error(str(error))
        return EXIT_USAGE
    except MesoconsentError as error:  # coverage, template, procedure or catalog errors
        _error(str(error))
        return EXIT_FAILED
    except OSError as error:
        _error(f"{error.filename or 'file'}: {error.strerror}")
        return EXIT_IO
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # a bug: say so without printing values that may be patient data
        if os.environ.get("MESOCONSENT_DEBUG"):
            raise
        _error(
            f"internal error ({type(error).__name__}); nothing was written. "
            "Set MESOCONSENT_DEBUG=1 to see the traceback, and please report it."
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
