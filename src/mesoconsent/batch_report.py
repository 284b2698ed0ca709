"""What the command line says of a batch: its progress on standard error while it runs (a bar
on a terminal, a line at each tenth otherwise), and one summary of its warnings and failures
at the end, by line number, rather than a line per form."""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, TextIO

from mesoconsent.console import say

if TYPE_CHECKING:
    from mesoconsent.batch import BatchResult

# What to do about a form for a patient under the clinic's consent age that no parent or
# guardian signs.
ADD_GUARDIAN = (
    "where the law requires a parent's or guardian's consent, add them as the form's third "
    'signer (witness role "guardian")'
)


class BatchSummary:
    """What a batch's results add up to, reported once at the end (not one line per form)."""

    def __init__(self) -> None:
        self.rendered: list[int] = []
        self.failed: list[int] = []
        self.flagged: dict[str, list[int]] = {}
        self.minors: list[int] = []
        self.draft_locales: dict[str, int] = {}
        self.drafts = 0  # forms marked as drafts (draft mode, with text in English)

    def stopped(self, lines: list[tuple[int, bytes]]) -> str:
        """What a batch stopped early had done, and where to resume."""
        finished = len(self.rendered) + len(self.failed)
        resume = lines[finished][0] if finished < len(lines) else None
        return (
            f"{len(self.rendered)} form(s) written, {len(self.failed)} failed, of "
            f"{len(lines)} requests"
            + (
                f"; lines from {resume} on were not all rendered (forms of some of them may be "
                "in the folder, complete): run the batch again with --overwrite"
                if resume is not None
                else ""
            )
        )

    def add(self, item: BatchResult) -> None:
        if item.result is None:
            self.failed.append(item.number)
            return
        self.rendered.append(item.number)
        for flag in item.result.flags:
            self.flagged.setdefault(flag.question_id, []).append(item.number)
        if item.result.minor_without_guardian:
            self.minors.append(item.number)
        if item.result.draft:
            self.drafts += 1
        if item.result.review_state == "draft":
            locale = item.result.locale
            self.draft_locales[locale] = self.draft_locales.get(locale, 0) + 1

    def report(self) -> None:
        """The warnings and failures of the whole batch, on standard error."""
        if self.drafts:
            say(
                f"warning: {self.drafts} form(s) rendered in draft mode: some text is in English, "
                "and every page says the form is a draft, not for signature"
            )
        if self.draft_locales:
            count = sum(self.draft_locales.values())
            locales = ", ".join(sorted(self.draft_locales))
            say(
                f"warning: {count} form(s) use a draft translation ({locales}) that no "
                "qualified reviewer has signed off; have them checked before they are used"
            )
        if self.flagged:
            forms = len({number for numbers in self.flagged.values() for number in numbers})
            say(
                f"warning: {forms} form(s) have a screening question answered yes, which the "
                "form says prominently. A practitioner must review them before treatment:"
            )
            for question, numbers in sorted(self.flagged.items()):
                print(f"  {question}: {line_numbers(numbers)}", file=sys.stderr)
        if self.minors:
            say(
                f"warning: {len(self.minors)} form(s) are for patients under the age from "
                "which they may consent alone (the clinic's consent_age, or 18 where the request "
                "gives none) on the consent date, and no parent or guardian signs them; "
                f"{ADD_GUARDIAN}:"
            )
            print(f"  {line_numbers(self.minors)}", file=sys.stderr)
        if self.failed:
            failed = line_numbers(self.failed)
            say(f"{len(self.failed)} request(s) failed, no form written: {failed}")


def line_numbers(numbers: Iterable[int]) -> str:
    """``line 4`` or ``lines 4, 7-9``: line numbers, runs joined."""
    runs: list[list[int]] = []
    for number in sorted(numbers):
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    parts = [f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]) for run in runs]
    return ("lines " if len(runs) > 1 or len(runs[0]) > 1 else "line ") + ", ".join(parts)


class Progress:
    """Batch progress on standard error: a bar redrawn in place on a terminal, otherwise a
    line at each tenth of the way (none for a batch of fewer than 50 requests)."""

    QUIET_BELOW = 50
    _INTERVAL = 0.1  # seconds between redraws of the bar

    def __init__(self, total: int, stream: TextIO, started: float) -> None:
        self.total = total
        self.stream = stream
        self.started = started
        self.terminal = stream.isatty()
        self.drawn = False
        self.last_draw = 0.0
        self.last_tenth = 0

    def _rate(self, done: int, now: float) -> float:
        elapsed = now - self.started
        return done / elapsed if elapsed > 0 else 0.0

    def update(self, done: int) -> None:
        now = time.perf_counter()
        percent = 100 * done // max(self.total, 1)
        if not self.terminal:
            tenth = 10 * done // max(self.total, 1)
            if self.total >= self.QUIET_BELOW and done < self.total and tenth > self.last_tenth:
                self.last_tenth = tenth
                print(
                    f"mesoconsent: {done}/{self.total} ({percent}%), "
                    f"{self._rate(done, now):.1f} forms/s",
                    file=self.stream,
                    flush=True,
                )
            return
        if done < self.total and now - self.last_draw < self._INTERVAL:
            return
        self.last_draw = now
        numbers = f" {done}/{self.total} {percent:3d}% {self._rate(done, now):6.1f} forms/s"
        columns = shutil.get_terminal_size((80, 24)).columns
        width = max(0, min(30, columns - len(numbers) - 3))
        filled = width * done // max(self.total, 1)
        bar = f"[{'#' * filled}{'-' * (width - filled)}]" if width >= 5 else ""
        self.stream.write(f"\r{bar}{numbers}\x1b[K")
        self.stream.flush()
        self.drawn = True

    def clear(self) -> None:
        """Take the bar off the line, so that a message can be printed there."""
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.drawn = False
            self.last_draw = 0.0
