"""How the ``mesoconsent`` command speaks: its exit statuses, and messages on standard error."""

from __future__ import annotations

import signal
import sys

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_IO, EXIT_INTERNAL = 0, 1, 2, 3, 70
# A batch that stopped early (a worker died): the lines not yet reported were not rendered.
EXIT_STOPPED = 4
# Standard output's reader went away (`mesoconsent locales | head -3`): the status of a Unix
# tool stopped by SIGPIPE, which Python ignores and turns into BrokenPipeError.
EXIT_BROKEN_PIPE = 128 + 13
# Stopped by Ctrl-C (SIGINT) or by SIGTERM, as a shell reports a process those signals end.
EXIT_INTERRUPTED, EXIT_TERMINATED = 128 + signal.SIGINT, 128 + signal.SIGTERM


def say(message: str) -> None:
    """A message for the user (an error, a warning) on standard error, after the command's
    name, as Unix tools write theirs."""
    print(f"mesoconsent: {message}", file=sys.stderr)
