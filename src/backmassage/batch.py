"""Batch triage (SPEC section 8): rows in (intake.py), recommendations (the public API), a report
out (reports.py, through output.py's one atomic writer), progress and a summary on stderr.

The pipeline is generators end to end, so memory stays flat however long the input and a
result is written as soon as its row is read. Nothing is remembered from one row to the next:
one person's advice never depends on another's.

- Every row gets exactly one record, in input order: its recommendation, or every problem of
  the row at once (the columns that look like answers, and every wrong value).
- A row that cannot even be read (bad JSON, a line past the limit, bytes that are not in the
  encoding) is that row's error record; reading goes on.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from backmassage import api
from backmassage.errors import InvalidAnswer
from backmassage.intake import Columns, Input, Problem, Row, check_encoding, detect_format, read_rows, shown
from backmassage.output import check_output, open_output
from backmassage.reports import REPORTS, TRIAGE_ORDER, Report, output_format

SHOWN_INVALID = 20  # invalid rows named in the summary; the rest are counted
SHOWN_FLAGGED = 1000  # emergency or urgent rows named in the summary, per level; the rest are counted
FLAGGED = TRIAGE_ORDER[:2]  # emergency, urgent: named in the summary


@dataclass
class Summary:
    """What a batch did, for the closing message on stderr."""

    rows: int = 0
    errors: int = 0
    triage: Counter[str] = field(default_factory=Counter)
    flagged: dict[str, list[str]] = field(default_factory=lambda: {level: [] for level in FLAGGED})
    invalid_lines: list[int] = field(default_factory=list)
    undecodable: int = 0
    seconds: float = 0.0
    output: str | None = None

    def flag(self, level: str, row: Row) -> None:
        names = self.flagged[level]
        if len(names) < SHOWN_FLAGGED:
            names.append(shown(row.id, 40) if row.id not in (None, "") else f"row {row.number}")

    def invalid(self, row: Row, problems: Sequence[Problem]) -> None:
        self.errors += 1
        if len(self.invalid_lines) < SHOWN_INVALID:
            self.invalid_lines.append(row.line)
        if any(" text: save the file as UTF-8" in p.message for p in problems):
            self.undecodable += 1

    def lines(self) -> list[str]:
        """The summary in a few plain lines (no markup, input text escaped), for stderr."""
        rate = f", {self.rows / self.seconds:,.0f} rows/s" if self.seconds >= 0.5 else ""
        where = f", written to {shown(self.output, 200)}" if self.output else ""
        lines = [f"batch: {self.rows:,} row{'s' * (self.rows != 1)} in {self.seconds:.1f} s{rate}{where}"]
        counts = [f"{self.triage[level]:,} {level}" for level in TRIAGE_ORDER if self.triage[level]]
        if counts:
            lines.append("  triage: " + ", ".join(counts))
        for level in FLAGGED:
            count = self.triage[level]
            if count:
                names = self.flagged[level]
                more = f" and {count - len(names):,} more (see the output)" if count > len(names) else ""
                lines.append(f"  {level} ({count:,}): {', '.join(names)}{more}")
        if self.errors:
            unnamed = self.errors - len(self.invalid_lines)
            more = f" and {unnamed:,} more" if unnamed else ""
            where_lines = ", ".join(map(str, self.invalid_lines))
            lines.append(f"  invalid: {self.errors:,} row{'s' * (self.errors != 1)}, each with an error record; "
                         f"line{'s' * (self.errors != 1)} {where_lines}{more}")
        if self.undecodable:
            lines.append(f"  {self.undecodable:,} row{'s' * (self.undecodable != 1)} not readable as text in this "
                         "encoding: save the file as UTF-8, or pass --encoding (e.g. --encoding cp1252)")
        return lines


# --- rows to records ---------------------------------------------------------------------------------

def triage(rows: Iterable[Row], knowledge: Any) -> Iterator[tuple[Row, Any]]:
    """Each row with its result: a Recommendation, an InvalidAnswer, or None when it could not be read."""
    for row in rows:
        yield row, None if row.answers is None else api.recommend_row(row.answers, knowledge)


def problems_of(row: Row, error: InvalidAnswer) -> list[Problem]:
    """Every problem of a row: its columns' (from reading) and each wrong answer's."""
    problems = list(row.problems)
    for each in error.errors:
        label = row.labels.get(each.answer, each.answer)
        full = each.describe(label)
        message = full[len(label) + 2:] if full.startswith(label + ": ") else full
        problems.append(Problem(label, _as_text(each.value), message))
    return problems


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    text = "; ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
    return text if len(text) <= 200 else text[:200] + "..."


def error_record(row: Row, problems: Sequence[Problem]) -> dict[str, Any]:
    """The record of a row that could not be triaged (SPEC section 8)."""
    return {"row": row.number, "line": row.line, "id": row.id, "error": " ".join(map(_sentence, problems)),
            "errors": [problem._asdict() for problem in problems]}


def _sentence(problem: Problem) -> str:
    text = f"{problem.column}: {problem.message}" if problem.column else problem.message
    return text if text.endswith((".", "?", "!")) else text + "."


# --- progress ----------------------------------------------------------------------------------------

class Progress:
    """A progress bar on stderr, updated by time (at the first row, then every ``every`` seconds):
    rows, rows per second, and the time left when the input's size is known."""

    every = 0.1

    def __init__(self, size: int | None, no_color: bool = False, console: Any = None):
        from rich.console import Console
        from rich.progress import (BarColumn, Progress as Bar, SpinnerColumn, TaskProgressColumn, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)

        self.console = console or Console(stderr=True, no_color=no_color, highlight=False)
        self.size = size
        columns: list[Any] = [SpinnerColumn()] if not size else [BarColumn(), TaskProgressColumn()]
        columns += [TextColumn("{task.fields[rows]} rows, {task.fields[rate]} rows/s")]
        columns += [TimeElapsedColumn()] if not size else [TextColumn("left"), TimeRemainingColumn()]
        self.bar = Bar(*columns, console=self.console, transient=True, auto_refresh=False,
                       redirect_stdout=False, redirect_stderr=False)
        self.task = self.bar.add_task("batch", total=size or None, rows="0", rate="-")
        self.started = time.monotonic()
        self.next_at = 0.0

    def __enter__(self) -> Progress:
        self.bar.start()
        self.bar.refresh()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def update(self, rows: int, consumed: int) -> None:
        now = time.monotonic()
        elapsed = now - self.started
        self.next_at = now + self.every
        rate = f"{rows / elapsed:,.0f}" if elapsed > 0 else "-"
        self.bar.update(self.task, completed=consumed if self.size else None, rows=f"{rows:,}", rate=rate)
        self.bar.refresh()


# --- the whole batch ---------------------------------------------------------------------------------

def run_batch(input_path: str, output_path: str | None, knowledge: Any, *, fmt: str | None = None,
              out_format: str | None = None, encoding: str = "utf-8", mapping: Sequence[str] = (),
              progress: bool = False, warn: Callable[[str], None] | None = None) -> Summary:
    """Triage every row of ``input_path`` into a report at ``output_path`` (None or ``-``: stdout).

    Raises InputError (or OutputError) when the input, output or options cannot be used:
    nothing is written to an OUTPUT file then. KeyboardInterrupt passes through once the
    temporary file is removed.
    """
    from backmassage.exits import say

    warn = warn or (lambda message: say(f"backmassage: warning: {message}"))
    fmt = detect_format(input_path, fmt)
    codec = check_encoding(encoding)
    columns = Columns(mapping)
    report_format = output_format(output_path, out_format)
    check_output(output_path, input_path)
    data = Input(input_path, fmt, codec)
    summary = Summary(output=None if output_path in (None, "-") else output_path)
    started = time.monotonic()
    try:
        bar = Progress(data.size) if progress else None
        if bar is not None and not bar.console.is_interactive:
            bar = None
        with open_output(output_path, input_path) as out:
            title = "stdin" if input_path == "-" else os.path.basename(input_path)
            report = REPORTS[report_format](out.file, title=title, to_file=out.is_file,
                                            label=knowledge.vocabulary.label)
            flush = out.file.flush if not out.is_file and report_format == "jsonl" else None

            def before_read() -> None:  # a read that may wait for more input (a pipe): show what is done
                if flush is not None:
                    flush()  # a reader of stdout gets each line at once
                if bar is not None:
                    bar.update(summary.rows, data.tell())

            if data.may_wait and (flush is not None or bar is not None):
                data.before_read = before_read
            try:
                with bar or contextlib.nullcontext():
                    _run(read_rows(data, fmt, columns, warn), knowledge, report, summary, bar, data.tell)
                report.finish()
            finally:
                report.close()
    finally:
        data.close()
    summary.seconds = time.monotonic() - started
    return summary


def _run(rows: Iterable[Row], knowledge: Any, report: Report, summary: Summary, bar: Progress | None,
         consumed: Callable[[], int]) -> None:
    """The row loop: one record per row, in order, each written as soon as it is known."""
    for row, result in triage(rows, knowledge):
        if result is None or isinstance(result, InvalidAnswer) or row.problems:
            # a row that could not be read, wrong answers, or keys that look like answers
            problems = problems_of(row, result) if isinstance(result, InvalidAnswer) else row.problems
            summary.invalid(row, problems)
            report.add(error_record(row, problems))
        else:
            level = result.triage
            summary.triage[level] += 1
            if level in FLAGGED:
                summary.flag(level, row)
            report.add_recommendation(row.number, row.line, row.id, result.to_dict())
        summary.rows += 1
        if bar is not None and time.monotonic() >= bar.next_at:
            bar.update(summary.rows, consumed())
