"""The one writer of output files: all of the new content, or the old file as it was.

``open_output(path)`` is a context manager that yields a binary file to write to:

- ``None`` or ``-``: stdout. It cannot be atomic: what is written stays written.
- A regular file, or a name that does not exist yet: a temporary file with a short name
  (``.bm-XXXXXXXX.tmp``, so that an OUTPUT name as long as the system allows still works) in the
  same folder, flushed, fsynced, then ``os.replace``d over the target, and the folder fsynced.
  A replaced file keeps its permissions; a new one is readable by its owner only (health data).
  Should anything go wrong (an exception, Ctrl-C, any signal that ``signals_as_interrupt``
  turns into one), the temporary file is removed and the target is left as it was.
- A symlink: its target is written as above; the link itself stays a link.
- A character device or a FIFO (``/dev/null``, ``/dev/stdout``, ``/dev/tty``, a named pipe):
  written straight to, never replaced, since replacing it would turn a device into a file.
  ``/dev/stdout``, ``/dev/stderr`` and ``/dev/fd/N`` always mean the open stream, even when it
  is redirected to a regular file.
- A folder, a block device or a socket: refused (``OutputError``), before anything is read.

``signals_as_interrupt()`` makes every signal that ends a process and that a program can catch
(SIGTERM, SIGHUP from a dropped ssh, SIGQUIT, SIGUSR1, ...) raise ``Interrupted``, a
``KeyboardInterrupt``, so that the writer cleans up exactly as for Ctrl-C and the command exits
130. A second signal while that cleanup runs is ignored, so it cannot cut the cleanup short.
"""

from __future__ import annotations

import io
import os
import signal
import stat
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any, BinaryIO, NamedTuple, cast

from backmassage.errors import BackmassageError
from backmassage.terminal import clean

BUFFER = 1 << 16
_STREAM_ALIASES = ("/dev/stdout", "/dev/stderr", "/dev/fd/", "/proc/self/fd/")


class OutputError(BackmassageError):
    """OUTPUT cannot be written (exit 2); nothing was replaced."""


class Output(NamedTuple):
    file: BinaryIO
    is_file: bool  # a file written atomically, not stdout, a device or a FIFO


def _cannot(path: str, error: OSError) -> OutputError:
    return OutputError(f"cannot write {clean(path)}: {error.strerror or error}")


def _writes_straight(path: str) -> bool:
    """Whether ``path`` is a stream to write to as it is (a device, a FIFO, an open descriptor)."""
    if path.startswith(_STREAM_ALIASES):
        return True
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)


def check_output(path: str | None, input_path: str | None = None) -> None:
    """Refuse an OUTPUT that can never be written, before any input is read (OutputError)."""
    if path is None or path == "-" or _writes_straight(path):
        return
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as error:
        raise _cannot(path, error) from None
    if mode is not None:
        if stat.S_ISDIR(mode):
            raise OutputError(f"cannot write {clean(path)}: it is a folder")
        if stat.S_ISBLK(mode):
            raise OutputError(f"will not write {clean(path)}: it is a disk (a block device)")
        if stat.S_ISSOCK(mode):
            raise OutputError(f"cannot write {clean(path)}: it is a socket")
        with suppress(OSError):
            if input_path not in (None, "-") and os.path.samefile(input_path, path):
                raise OutputError(f"{clean(path)} is the input file: write the results to another file")
    folder = os.path.dirname(os.path.realpath(path))
    if not os.path.isdir(folder):
        raise OutputError(f"cannot write {clean(path)}: the folder {clean(folder)} does not exist")


@contextmanager
def open_output(path: str | None, input_path: str | None = None) -> Iterator[Output]:
    """Yield the file to write OUTPUT to (see the module's docstring)."""
    if path is None or path == "-":
        yield from _stdout()
        return
    check_output(path, input_path)
    straight = _writes_straight(path)
    target = os.path.realpath(path)  # a symlink: its target is replaced, the link is kept
    temp: str | None = None
    try:
        if straight:  # no O_CREAT and no O_TRUNC: a device or a FIFO is written to, never made or emptied
            handle = os.open(path, os.O_WRONLY | getattr(os, "O_NOCTTY", 0))
        else:
            import tempfile

            handle, temp = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".bm-", suffix=".tmp")
        file = open(handle, "wb", buffering=BUFFER)  # noqa: SIM115 - closed below, whatever happens
        try:
            yield Output(file, not straight)
            file.flush()
            if temp is not None:
                os.fsync(file.fileno())
        finally:
            _close(file)
        if temp is not None:
            _replace(temp, target)
            temp = None
    except OSError as error:
        if straight and isinstance(error, BrokenPipeError):
            raise  # the reader of a FIFO went away
        raise _cannot(path, error) from None
    finally:
        if temp is not None:
            with suppress(OSError):
                os.unlink(temp)


def _replace(temp: str, target: str) -> None:
    """Put the written temporary file in the target's place, durably."""
    try:
        old = os.stat(target)
    except FileNotFoundError:
        pass  # a new file stays private (mkstemp makes it 0600)
    else:
        os.chmod(temp, stat.S_IMODE(old.st_mode))  # a replaced file keeps its permissions
        if (old.st_uid, old.st_gid) != (os.getuid(), os.getgid()):
            with suppress(OSError):
                os.chown(temp, old.st_uid, old.st_gid)  # and its owner, where we may (root)
    os.replace(temp, target)
    with suppress(OSError):  # the rename itself made durable (best effort: not every system can open a folder)
        handle = os.open(os.path.dirname(target), os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def _stdout() -> Iterator[Output]:
    stream = sys.stdout
    closed = OutputError("cannot write the results to stdout: it is closed (pass -o OUTPUT)")
    if stream is None or getattr(stream, "closed", False):
        raise closed
    try:
        os.fstat(stream.fileno())
    except (io.UnsupportedOperation, AttributeError):
        pass  # an in-memory stdout (a test runner's): usable
    except (OSError, ValueError):
        raise closed from None
    try:
        stream.flush()
    except BrokenPipeError:
        raise
    except (OSError, ValueError):
        raise closed from None
    binary = getattr(stream, "buffer", None)
    file = binary if binary is not None else _TextAsBinary(stream)
    yield Output(cast(BinaryIO, file), False)
    file.flush()


def _close(file: Any) -> None:
    """Close, never raising: what was not written is already reported (or being unwound)."""
    try:
        file.close()
    except OSError:
        with suppress(OSError, ValueError):
            os.close(file.fileno())


class _TextAsBinary:
    """stdout without a binary buffer (an embedding): encode there."""

    def __init__(self, text: Any):
        self._text = text

    def write(self, data: bytes) -> int:
        self._text.write(data.decode("utf-8"))
        return len(data)

    def flush(self) -> None:
        self._text.flush()


# --- signals ---------------------------------------------------------------------------------------

# Every signal whose default action ends the process and that a program can catch, except the
# faults a Python program cannot survive anyway (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT).
# SIGPIPE stays ignored (Python's default): a closed pipe is a BrokenPipeError where it happens.
ENDING_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGVTALRM",
                  "SIGPROF", "SIGXCPU", "SIGXFSZ", "SIGPWR", "SIGIO", "SIGSTKFLT", "SIGTRAP", "SIGSYS")


class Interrupted(KeyboardInterrupt):
    """A signal (its number the argument) asked the program to stop; it is handled like Ctrl-C (exit 130)."""


@contextmanager
def signals_as_interrupt() -> Iterator[None]:
    """Within the block, the first ending signal raises ``Interrupted``; later ones are ignored."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    stopping = False

    def interrupt(signum: int, frame: Any) -> None:
        nonlocal stopping
        if not stopping:  # once unwinding, let the cleanup finish
            stopping = True
            raise Interrupted(signum)

    previous: dict[int, Any] = {}
    for name in ENDING_SIGNALS:
        number = getattr(signal, name, None)
        if number is None or number in previous:
            continue
        with suppress(OSError, ValueError, TypeError):
            handler = signal.getsignal(number)
            if handler is not signal.SIG_IGN:  # ignored by whoever started us (nohup, a background job): stays so
                previous[number] = handler
                signal.signal(number, interrupt)
    try:
        yield
    finally:
        for number, handler in previous.items():
            with suppress(OSError, ValueError, TypeError):
                signal.signal(number, handler if handler is not None else signal.SIG_DFL)
