"""Exit codes (SPEC section 6), and the one place that turns an error into a message and a code.

Every command runs under ``reporting_errors``; the command line as a whole runs under
``Group.main`` in cli.py, which formats usage errors here too, so that a person sees one
style of error whatever went wrong::

    backmassage: error: --location: 'hip' is not a valid value. Valid values: ...
    See 'backmassage recommend --help'.

Streams a person cannot see are handled here as well (``prepare_streams``): a closed
stdout is an error with exit 2, a closed stderr is silence (the exit code still tells),
a reader that stops reading (``| head -1``) ends the program quietly with 141, the code a
shell gives any program stopped by SIGPIPE, and an 8-bit stdout gets ``?`` for the
characters it cannot show instead of stopping half-way through the advice.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import sys
from collections.abc import Iterator
from typing import NoReturn

import typer
from typer._click.exceptions import ClickException

from backmassage.errors import BackmassageError, InvalidAnswer, KnowledgeError, suggest
from backmassage.terminal import clean
from backmassage.vocabulary import FLAGS

OK = 0
INTERNAL = 1
USAGE = 2
ROWS_INVALID = 3
INTERRUPTED = 130
BROKEN_PIPE = 128 + 13  # SIGPIPE: what a shell reports for any tool whose reader went away

EXIT_CODES_HELP = ("Exit codes: 0 done (whatever the advice), 1 internal error, 2 bad input, "
                   "3 batch rows invalid or kb test cases failed, 130 interrupted, "
                   "141 the reader of the output went away (| head).")
MAX_PROBLEMS_SHOWN = 10


def say(message: str) -> None:
    """A message on stderr, cleaned for the terminal; a closed or broken stderr loses the
    message, never the exit code."""
    text = clean(message, lines=True)
    try:
        sys.stderr.write(text if text.endswith("\n") else text + "\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass


def error_text(message: str) -> str:
    return f"backmassage: error: {message}"


def fail(message: str, code: int = USAGE) -> NoReturn:
    """Report an error the person can fix, and stop with ``code`` (2 unless told)."""
    say(error_text(message))
    raise typer.Exit(code)


def describe(error: BackmassageError) -> str:
    """The message for an error of backmassage's own hierarchy."""
    if isinstance(error, InvalidAnswer):
        # Every problem of the answers, one a line, each naming the flag as a person typed it.
        lines = list(dict.fromkeys(each.describe(FLAGS.get(each.answer, f"--{each.answer}" if each.answer else ""))
                                   for each in error.errors))
        if len(lines) == 1:
            return lines[0]
        return f"{len(lines)} wrong answers:\n" + "\n".join(f"  {line}" for line in lines)
    if isinstance(error, KnowledgeError) and len(error.problems) != 1:
        # The first problems of a knowledge folder; 'kb validate' lists them all.
        shown = error.problems[:MAX_PROBLEMS_SHOWN]
        more = f"\n  ... and {len(error.problems) - len(shown)} more" if len(error.problems) > len(shown) else ""
        return ("the knowledge folder is not valid:\n  " + "\n  ".join(shown) + more
                + "\nRun 'backmassage kb validate DIR' to see every problem.")
    return str(error)


# --- streams ------------------------------------------------------------------------------------

class _Closed(io.TextIOBase):
    """Stands in for a standard stream that is not there (``sys.stdout is None``): writing to a
    ``loud`` one is an error, as it is to a stream closed before the program started (``>&-``)."""

    encoding = "utf-8"

    def __init__(self, name: str, loud: bool):
        self.stream_name = name
        self.loud = loud

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if self.loud and text:
            raise OSError(errno.EBADF, f"{self.stream_name} is closed")
        return len(text)


def prepare_streams() -> None:
    """Make the standard streams safe to use before anything is printed (see the docstring)."""
    if sys.stdout is None:
        sys.stdout = _Closed("standard output", loud=True)
    if sys.stderr is None:
        sys.stderr = _Closed("standard error", loud=False)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError, OSError, io.UnsupportedOperation):
            stream.reconfigure(errors="replace")  # type: ignore[union-attr]


def output_failure(error: OSError) -> int | None:
    """The exit code when the output cannot be written, said if the person should hear it: the
    reader went away (141, quietly) or the stream is closed (2). None for any other error."""
    if isinstance(error, BrokenPipeError) or error.errno == errno.EPIPE:
        return BROKEN_PIPE
    if error.errno == errno.EBADF:
        say(error_text(f"cannot write the output: {error.strerror or error}."))
        return USAGE
    return None


def silence_stdout() -> None:
    """The reader of stdout has gone: point stdout at /dev/null, so that Python's last flush is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        finally:
            os.close(devnull)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        sys.stdout = _Closed("standard output", loud=False)


@contextlib.contextmanager
def reporting_errors() -> Iterator[None]:
    """Run a command so that every error ends in its message and exit code (SPEC section 6):
    bad input 2, Ctrl-C 130, a closed pipe 141 (Group.main then silences stdout), anything unexpected 1."""
    try:
        yield
    except (typer.Exit, typer.Abort):
        raise
    except BackmassageError as error:
        fail(describe(error))
    except KeyboardInterrupt as stop:
        if not getattr(stop, "said", False):  # the interview says its own word when a person quits
            say("Cancelled.")
        raise typer.Exit(INTERRUPTED) from None
    except Exception as error:  # noqa: BLE001 - the boundary for bugs
        code = output_failure(error) if isinstance(error, OSError) else None
        if code is not None:
            raise typer.Exit(code) from None
        if os.environ.get("BACKMASSAGE_DEBUG") == "1":
            raise
        fail(f"internal error ({type(error).__name__}: {error}). Run again with BACKMASSAGE_DEBUG=1 "
             "for a traceback, and report it with the command you ran.", INTERNAL)


def usage_error(error: ClickException) -> int:
    """Say a usage error (a wrong flag, a missing argument) in the one style; return its code."""
    ctx = getattr(error, "ctx", None)  # a UsageError's
    option = getattr(error, "option_name", None)  # a NoSuchOption's or a BadOptionUsage's
    possible = sorted(getattr(error, "possibilities", None) or ())
    message = error.format_message()
    if option == "--version" and ctx is not None and ctx.parent is not None:
        message = f"{ctx.command_path} has no option --version; 'backmassage --version' prints the version."
    elif option == "--kb" and ctx is not None:
        message = f"{ctx.command_path} reads no knowledge folder, so it takes no --kb."
    elif option and possible:
        best = suggest(option, possible, cutoff=0) or possible[0]
        message = f"no such option: {clean(option)}. Did you mean {best}?"
    if message[:1].isupper() and not message[1:2].isupper():
        message = message[:1].lower() + message[1:]
    say(error_text(message))
    if ctx is not None:
        say(f"See '{ctx.command_path} --help'.")
    return error.exit_code
