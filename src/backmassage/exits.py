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

batch.py uses OK, USAGE, ROWS_INVALID, INTERRUPTED, BROKEN_PIPE, ``say`` and ``is_broken_pipe``.
"""

from __future__ import annotations

import errno
import functools
import io
import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import typer

from backmassage.terminal import clean

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

F = TypeVar("F", bound=Callable[..., Any])


# --- saying it --------------------------------------------------------------------------------

def say(message: str) -> None:
    """A message on stderr, cleaned for the terminal; a closed or broken stderr loses the
    message, never the exit code."""
    stream = sys.stderr
    if stream is None:
        return
    text = clean(message, lines=True)
    try:
        stream.write(text if text.endswith("\n") else text + "\n")
        stream.flush()
    except (OSError, ValueError, AttributeError):
        pass


def error_text(message: str) -> str:
    return f"backmassage: error: {message}"


def fail(message: str, code: int = USAGE) -> NoReturn:
    """Report an error the person can fix, and stop with ``code`` (2 unless told)."""
    say(error_text(message))
    raise typer.Exit(code)


def describe(error: BaseException) -> str:
    """The message for an error of backmassage's own hierarchy."""
    from backmassage.errors import InvalidAnswer, KnowledgeError

    if isinstance(error, InvalidAnswer):
        return describe_invalid(error)
    if isinstance(error, KnowledgeError):
        return describe_knowledge_problems(list(error.problems))
    return str(error)


def describe_invalid(error: Any) -> str:
    """Every problem of a wrong answer, one a line, each naming the flag as a person typed it."""
    from backmassage.vocabulary import FLAGS

    problems = list(getattr(error, "errors", None) or [error])
    lines = []
    for problem in problems:
        answer = getattr(problem, "answer", "")
        flag = FLAGS.get(answer, f"--{answer}" if answer else "")
        describe_one = getattr(problem, "describe", None)
        lines.append(describe_one(flag) if callable(describe_one) else str(problem))
    lines = list(dict.fromkeys(lines))
    if len(lines) == 1:
        return lines[0]
    return f"{len(lines)} wrong answers:\n" + "\n".join(f"  {line}" for line in lines)


def describe_knowledge_problems(problems: list[str]) -> str:
    """The first problems of a knowledge folder; 'kb validate' lists them all."""
    if len(problems) == 1:
        return problems[0]
    shown = problems[:MAX_PROBLEMS_SHOWN]
    more = f"\n  ... and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
    return ("the knowledge folder is not valid:\n  " + "\n  ".join(shown) + more
            + "\nRun 'backmassage kb validate DIR' to see every problem.")


# --- streams ------------------------------------------------------------------------------------

class StreamClosed(OSError):
    """Writing to a standard stream that was closed before the program started (``>&-``)."""


class _Closed(io.TextIOBase):
    """Stands in for a standard stream that is not there (``sys.stdout is None``)."""

    def __init__(self, name: str, loud: bool):
        self.stream_name = name
        self.loud = loud

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        if self.loud and text:
            raise StreamClosed(errno.EBADF, f"{self.stream_name} is closed")
        return len(text)

    def flush(self) -> None:
        pass


def prepare_streams() -> None:
    """Make the standard streams safe to use before anything is printed (see the docstring)."""
    if sys.stdout is None:
        sys.stdout = _Closed("standard output", loud=True)
    if sys.stderr is None:
        sys.stderr = _Closed("standard error", loud=False)
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if callable(reconfigure):
            try:
                reconfigure(errors="replace")
            except (ValueError, OSError, io.UnsupportedOperation):
                pass


def is_broken_pipe(error: BaseException) -> bool:
    return isinstance(error, BrokenPipeError) or (isinstance(error, OSError) and error.errno == errno.EPIPE)


def quiet_broken_pipe() -> NoReturn:
    """The reader of stdout has gone: point stdout at /dev/null (Python's last flush is then
    quiet) and end with BROKEN_PIPE, with no message."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        finally:
            os.close(devnull)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        sys.stdout = _Closed("standard output", loud=False)
    raise typer.Exit(BROKEN_PIPE)


def debugging() -> bool:
    return os.environ.get("BACKMASSAGE_DEBUG") == "1"


def internal_error(error: BaseException) -> NoReturn:
    fail(f"internal error ({type(error).__name__}: {error}). Run again with BACKMASSAGE_DEBUG=1 "
         "for a traceback, and report it with the command you ran.", INTERNAL)


def reporting_errors(command: F) -> F:
    """Run a command so that every error ends in its message and exit code (SPEC section 6):
    bad input 2, Ctrl-C 130, a closed pipe 141, anything unexpected 1."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        from backmassage.errors import BackmassageError

        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except BackmassageError as error:
            fail(describe(error))
        except KeyboardInterrupt as stop:
            if not getattr(stop, "said", False):  # the interview says its own word when a person quits
                say("Cancelled.")
            raise typer.Exit(INTERRUPTED) from None
        except OSError as error:
            if is_broken_pipe(error):
                quiet_broken_pipe()
            if isinstance(error, StreamClosed) or error.errno == errno.EBADF:
                fail(f"cannot write the output: {error.strerror or error}.")
            if debugging():
                raise
            internal_error(error)
        except Exception as error:  # noqa: BLE001 - the boundary for bugs
            if debugging():
                raise
            internal_error(error)

    return run  # type: ignore[return-value]


def usage_error(error: Any) -> int:
    """Say a usage error (a wrong flag, a missing argument) in the one style; return its code."""
    ctx = getattr(error, "ctx", None)
    message = error.format_message() if hasattr(error, "format_message") else str(error)
    option = getattr(error, "option_name", None)
    possible = sorted(getattr(error, "possibilities", None) or ())
    if option == "--version" and ctx is not None and ctx.parent is not None:
        message = f"{ctx.command_path} has no option --version; 'backmassage --version' prints the version."
    elif option == "--kb" and ctx is not None:
        message = f"{ctx.command_path} reads no knowledge folder, so it takes no --kb."
    elif option and possible:
        from backmassage.errors import suggest

        best = suggest(option, possible, cutoff=0) or possible[0]
        message = f"no such option: {clean(option)}. Did you mean {best}?"
    if message[:1].isupper() and not message[1:2].isupper():
        message = message[:1].lower() + message[1:]
    say(error_text(message))
    if ctx is not None:
        say(f"See '{ctx.command_path} --help'.")
    return int(getattr(error, "exit_code", USAGE) or USAGE)
