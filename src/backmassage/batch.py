"""Batch triage (SPEC section 8): CSV or JSONL rows in, one JSONL line per row out.

The pipeline is made of generators end to end (bytes -> text lines -> rows -> records), so
memory stays flat however long the input, and a result is written as soon as its row is read:
before each read that may wait for more input, the output is flushed.

- Input: a file or stdin (``-``), CSV or JSONL, chosen by extension or ``--format``. CSV:
  UTF-8 with or without a byte-order mark, quoted fields, a header naming the columns (case
  and spaces around names ignored), lists separated by ``;`` or ``,``, the delimiter (comma,
  semicolon or tab) taken from the header. JSONL: one object per line; blank lines skipped; a
  byte-order mark tolerated; NaN, Infinity and duplicate keys refused.
- Output: exactly one JSON line per row, in order: ``{"row": n, "id": ..., <SPEC section 4>}``
  or ``{"row": n, "id": ..., "error": "..."}``. To a file it is written atomically: a temporary
  file in the same folder, fsync, ``os.replace``; on any error or Ctrl-C no partial OUTPUT.
- A row is one data record: blank lines are not rows and are not numbered.
- Unknown columns are ignored with one warning; a column name close to a known one
  (``symptom``) refuses the CSV file and makes a JSONL row an error, since dropping it
  silently could hide a warning sign.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import math
import os
import stat
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, BinaryIO, NamedTuple, TextIO, cast

from backmassage.answers import parse_answers
from backmassage.api import ANSWER_NAMES, Recommender
from backmassage.errors import BackmassageError, InvalidAnswer, suggest
from backmassage.knowledge import Knowledge
from backmassage.memory import Memory
from backmassage.model import Recommendation
from backmassage.vocabulary import TRIAGE_LEVELS

COLUMNS = ("id",) + ANSWER_NAMES
LIST_COLUMNS = ("symptoms", "history")
FORMATS = ("csv", "jsonl")
EXTENSIONS = {".csv": "csv", ".tsv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
CHUNK = 1 << 16
CSV_DELIMITERS = (",", ";", "\t")
MAX_SHOWN_ERRORS = 3
MAX_UNKNOWN_WARNINGS = 5
MAX_IGNORED_KEYS = 1000

Warn = Callable[[str], None]


class BatchError(BackmassageError):
    """The input, the output or an option cannot be used at all (exit 2)."""


class Row(NamedTuple):
    """One data record: its 1-based number, the line it starts on, its id, and its answers or an error."""

    number: int
    line: int
    id: Any
    answers: dict[str, Any] | None
    error: str | None = None


@dataclass
class Summary:
    """What a batch did, for the closing message."""

    rows: int = 0
    errors: int = 0
    triage: Counter[str] = field(default_factory=Counter)
    first_errors: list[tuple[int, str]] = field(default_factory=list)
    seconds: float = 0.0
    output: str | None = None

    def lines(self) -> list[str]:
        """The summary in a few plain lines (ASCII, no markup), for stderr."""
        rate = f", {self.rows / self.seconds:,.0f} rows/s" if self.seconds >= 1 else ""
        where = f", written to {self.output}" if self.output else ""
        lines = [f"batch: {self.rows:,} row{'s' * (self.rows != 1)} in {self.seconds:.1f} s{rate}{where}"]
        counts = [f"{self.triage[level]:,} {level}" for level in reversed(TRIAGE_LEVELS) if self.triage[level]]
        if counts:
            lines.append("  triage: " + ", ".join(counts))
        if self.errors:
            lines.append(f"  invalid: {self.errors:,} row{'s' * (self.errors != 1)}, each with an \"error\" line in the output")
            lines += [f"    row {number}: {message}" for number, message in self.first_errors]
            if self.errors > len(self.first_errors):
                lines.append(f"    ... and {self.errors - len(self.first_errors):,} more")
        return lines


# --- the format and the input -----------------------------------------------------------------

def detect_format(path: str, given: str | None) -> str:
    """``csv`` or ``jsonl``: ``--format`` if given, else the file's extension."""
    if given is not None:
        fmt = given.strip().lower()
        if fmt not in FORMATS:
            raise BatchError(f"--format: {given!r} is not a known format. Valid values: {', '.join(FORMATS)}.")
        return fmt
    if path == "-":
        raise BatchError("reading stdin (-): pass --format csv or --format jsonl to say what it holds")
    extension = os.path.splitext(path)[1].lower()
    if extension in EXTENSIONS:
        return EXTENSIONS[extension]
    raise BatchError(f"{path}: cannot tell the format from the name ({extension or 'no extension'}): "
                     "name it .csv or .jsonl, or pass --format csv or --format jsonl")


def check_encoding(encoding: str) -> str:
    """The codec to read with: UTF-8 always tolerates a byte-order mark."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise BatchError(f"--encoding: {encoding!r} is not an encoding Python knows (try utf-8 or cp1252)") from None
    return "utf-8-sig" if name in ("utf-8", "utf-8-sig") else name


class _Source(io.RawIOBase):
    """Raw bytes of the input: counts what was read and runs a hook before each read that may wait."""

    def __init__(self, stream: Any, before_read: Callable[[], None] | None = None):
        super().__init__()
        self._stream = stream
        self._read = getattr(stream, "read1", None) or stream.read  # read1: one read, never waits to fill
        self.before_read = before_read
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.before_read is not None:
            self.before_read()
        data = self._read(len(buffer))
        size = len(data)
        buffer[:size] = data
        self.consumed += size
        return size


class Input(NamedTuple):
    text: TextIO
    source: _Source
    size: int | None  # bytes, when the input is a regular file
    name: str
    close: Callable[[], None]


def open_input(path: str, fmt: str, encoding: str) -> Input:
    """Open a file or stdin for reading as text; refuses what cannot be read (BatchError)."""
    if path == "-":
        stdin = sys.stdin
        if stdin is None or stdin.closed:
            raise BatchError("cannot read stdin: it is closed")
        stream: Any = getattr(stdin, "buffer", stdin)
        name, close = "stdin", lambda: None
    else:
        try:
            stream = open(path, "rb", buffering=0)
        except OSError as error:
            raise BatchError(f"cannot read {path}: {error.strerror or error}") from None
        name, close = path, stream.close
    size = None
    try:
        info = os.fstat(stream.fileno())
        if stat.S_ISDIR(info.st_mode):
            close()
            raise BatchError(f"cannot read {path}: it is a folder")
        if stat.S_ISREG(info.st_mode):
            size = info.st_size
    except (OSError, AttributeError, ValueError, io.UnsupportedOperation):
        pass  # a pipe or an in-memory stream: the size is unknown
    source = _Source(stream)
    text = io.TextIOWrapper(io.BufferedReader(source, CHUNK), encoding=encoding, errors="strict",
                            newline="" if fmt == "csv" else None)
    text._CHUNK_SIZE = CHUNK  # type: ignore[attr-defined]  # fewer, larger decodes
    return Input(text, source, size, name, close)


def read_rows(data: Input, fmt: str, warn: Warn) -> Iterator[Row]:
    """The rows of the input, in order; an input that cannot be decoded stops with BatchError."""
    rows = read_csv(data.text, warn) if fmt == "csv" else read_jsonl(data.text, warn)
    last = 0
    try:
        for row in rows:
            last = row.number
            yield row
    except UnicodeDecodeError as error:
        encoding = data.text.encoding.replace("utf-8-sig", "UTF-8")
        raise BatchError(
            f"{data.name}: not {encoding} text after data row {last} (byte {error.object[error.start:error.start + 1]!r}): "
            "save it as UTF-8, or pass the encoding it was saved with, e.g. --encoding cp1252") from None
    except OSError as error:
        raise BatchError(f"cannot read {data.name}: {error.strerror or error}") from None


# --- CSV ---------------------------------------------------------------------------------------

def _normalise(name: str) -> str:
    return name.strip().lstrip("\ufeff").strip().lower()


def _sniff_delimiter(header: str) -> str:
    """The delimiter that splits the header line into the most known column names (comma on a tie)."""
    def known(delimiter: str) -> int:
        return sum(_normalise(part).strip('"') in COLUMNS for part in header.split(delimiter))

    return max(CSV_DELIMITERS, key=known)


def _check_columns(names: list[str], where: str, warn: Warn) -> dict[str, int]:
    """Column name -> position, for the known columns; refuses duplicates and near misses."""
    positions: dict[str, int] = {}
    unknown: list[str] = []
    for position, name in enumerate(names):
        if name in COLUMNS:
            if name in positions:
                raise BatchError(f"{where}: the column {name!r} appears twice (columns {positions[name] + 1} and {position + 1})")
            positions[name] = position
        elif name:
            unknown.append(name)
    for name in unknown:
        close = suggest(name, [c for c in COLUMNS if c not in positions])
        if close:
            raise BatchError(f"{where}: unknown column {name!r}: did you mean {close!r}? "
                             f"The columns are: {', '.join(COLUMNS)}.")
    if "location" not in positions:
        raise BatchError(f"{where}: no 'location' column (found: {', '.join(repr(n) for n in names) or 'nothing'}). "
                         f"The columns are: {', '.join(COLUMNS)}; location is required.")
    if unknown:
        warn(f"{where}: ignoring unknown column{'s' * (len(unknown) > 1)} {', '.join(map(repr, unknown))} "
             f"(the columns are: {', '.join(COLUMNS)})")
    return positions


def read_csv(text: Iterable[str], warn: Warn) -> Iterator[Row]:
    """Rows of a CSV with a header. A malformed record becomes an error row; reading goes on."""
    lines = iter(text)
    skipped = 0
    for first in lines:
        if first.strip():
            break
        skipped += 1
    else:
        return  # empty: no header, no rows
    reader = csv.reader(itertools.chain([first], lines), delimiter=_sniff_delimiter(first))
    try:
        header = next(reader)
    except csv.Error as error:
        raise BatchError(f"line {skipped + 1}: the header cannot be read: {error}") from None
    positions = _check_columns([_normalise(name) for name in header], f"the header (line {skipped + 1})", warn)
    width = len(header)
    id_at = positions.pop("id", None)
    columns = tuple(positions.items())
    lists = tuple((name, at) for name, at in columns if name in LIST_COLUMNS)
    number = 0
    while True:
        start = skipped + reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            number += 1
            problem = str(error)
            if "field larger than field limit" in problem:
                problem = f"a value is longer than {csv.field_size_limit():,} characters"
            yield Row(number, start, None, None, f"line {start}: this row cannot be read: {problem}")
            continue
        count = len(fields)
        if count <= 1 and not (fields and fields[0].strip()):
            continue  # a blank line is not a row
        number += 1
        row_id = fields[id_at].strip() or None if id_at is not None and id_at < count else None
        if count > width and any(value.strip() for value in fields[width:]):
            yield Row(number, start, row_id, None,
                      f"line {start}: {count} values but the header names {width} columns "
                      "(a value with a comma in it needs double quotes)")
            continue
        answers = {name: fields[at] for name, at in columns if at < count}
        for name, at in lists:
            if at < count and ";" in fields[at]:
                answers[name] = fields[at].replace(";", ",")
        yield Row(number, start, row_id, answers)


# --- JSONL -------------------------------------------------------------------------------------

def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) != len(pairs):
        seen: set[str] = set()
        twice = next(key for key, _ in pairs if key in seen or seen.add(key))  # type: ignore[func-returns-value]
        raise ValueError(f"the key {twice!r} appears twice")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"the number {text[:20]} is too large")
    return value


_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates, parse_constant=_no_constant, parse_float=_finite)
_COLUMN_SET = frozenset(COLUMNS)


def _kind(value: Any) -> str:
    kinds = {list: "an array", str: "a string", bool: "true or false", type(None): "null", int: "a number", float: "a number"}
    return kinds.get(type(value), type(value).__name__)


def read_jsonl(text: Iterable[str], warn: Warn) -> Iterator[Row]:
    """Rows of a JSONL stream: one object per non-blank line; a bad line becomes an error row."""
    decode = _DECODER.decode
    ignored: set[str] = set()
    number = 0
    for line_number, line in enumerate(text, 1):
        if line_number == 1 and line.startswith("\ufeff"):
            line = line[1:]
        if not line or line.isspace():
            continue
        number += 1
        try:
            value = decode(line)
        except json.JSONDecodeError as error:
            yield Row(number, line_number, None, None,
                      f"line {line_number}: not valid JSON: {error.msg} (column {error.colno})")
            continue
        except (ValueError, RecursionError) as error:
            problem = str(error) if isinstance(error, ValueError) else "nested too deeply"
            yield Row(number, line_number, None, None, f"line {line_number}: not valid JSON: {problem}")
            continue
        if type(value) is not dict:
            yield Row(number, line_number, None, None,
                      f"line {line_number}: expected a JSON object {{...}} with the answers, found {_kind(value)}")
            continue
        if not value.keys() <= _COLUMN_SET:
            known, refused = _known_keys(value, line_number, ignored, warn)
            if refused:
                yield Row(number, line_number, known.get("id", value.get("id")), None, refused)
                continue
            value = known
        row_id = value.pop("id", None)
        yield Row(number, line_number, row_id, value)


def _known_keys(value: dict[str, Any], line: int, ignored: set[str], warn: Warn) -> tuple[dict[str, Any], str | None]:
    """Keys matched case-insensitively; unknown keys dropped (warned once), near misses refused."""
    known: dict[str, Any] = {}
    for key, item in value.items():
        name = _normalise(key)
        if name in _COLUMN_SET:
            if name in known:
                return known, f"line {line}: the key {name!r} appears twice"
            known[name] = item
            continue
        if key in ignored:
            continue
        close = suggest(name, COLUMNS)
        if close is None:  # like no column: ignored, judged once (difflib is slow; keys repeat on every row)
            if len(ignored) < MAX_IGNORED_KEYS:
                ignored.add(key)
                if len(ignored) <= MAX_UNKNOWN_WARNINGS:
                    warn(f"line {line}: ignoring the unknown key {key!r} (the keys are: {', '.join(COLUMNS)}); "
                         "it is ignored on every row")
        elif not any(_normalise(other) == close for other in value):
            return known, f"line {line}: unknown key {key!r}: did you mean {close!r}?"
    return known, None


# --- triage ------------------------------------------------------------------------------------

def describe_invalid(error: InvalidAnswer) -> str:
    """An answer error naming the column, the value and the valid values."""
    return error.describe(error.answer)


def triage(rows: Iterable[Row], recommender: Recommender) -> Iterator[tuple[Row, Recommendation | str]]:
    """Each row with its recommendation, or with the error that makes it invalid."""
    for row in rows:
        if row.error is not None:
            yield row, row.error
            continue
        try:
            answers = parse_answers(**row.answers)  # type: ignore[arg-type]
        except InvalidAnswer as error:
            yield row, describe_invalid(error)
            continue
        yield row, recommender(answers)


# --- output ------------------------------------------------------------------------------------

_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
_ASCII_ENCODER = json.JSONEncoder(ensure_ascii=True, allow_nan=False, separators=(",", ":"))
_string: Callable[[str], str] = json.encoder.encode_basestring  # type: ignore[attr-defined]


class RecordEncoder:
    """Output lines: ``{"row", "id", <SPEC section 4>}`` or ``{"row", "id", "error"}``.

    The knowledge's pieces (techniques, sources, red flags, reasons) repeat from row to row, so
    the JSON text of each list of them is made once and reused (at most ``cache_size`` lists of
    a kind are kept); the line is byte for byte what ``json.dumps`` of
    ``{"row": .., "id": .., **rec.to_dict()}`` gives with compact separators. That equality is
    checked on the first rows and then every ``check_every`` rows: should it ever fail (the
    model changed), every later line is made by ``json.dumps`` of ``to_dict()`` itself.
    """

    def __init__(self, check_first: int = 16, check_every: int = 1024, cache_size: int = 2048):
        self.fast = True
        self.check_first = check_first
        self.check_every = check_every
        self.cache_size = cache_size
        self._made = 0
        self._caches: dict[Callable[[Any], str], tuple[Memory, Memory]] = {
            make: (Memory(cache_size), Memory(cache_size)) for make in (_technique, _avoid, _red_flag, _source, _string)}
        self._sentences = Memory(cache_size)

    def error(self, number: int, row_id: Any, message: str) -> str:
        return _ENCODER.encode({"row": number, "id": row_id, "error": message})

    def recommendation(self, number: int, row_id: Any, rec: Recommendation) -> str:
        self._made += 1
        if not self.fast:
            return self.exact(number, row_id, rec)
        line = self._line(number, row_id, rec)
        if self._made <= self.check_first or not self._made % self.check_every:
            exact = self.exact(number, row_id, rec)
            if line != exact:
                self.fast = False
                return exact
        return line

    @staticmethod
    def exact(number: int, row_id: Any, rec: Recommendation) -> str:
        """The definition: compact JSON of the row number, the id and ``rec.to_dict()``."""
        record = {"row": number, "id": row_id}
        record.update(rec.to_dict())
        return _ENCODER.encode(record)

    def _list(self, make: Callable[[Any], str], items: tuple[Any, ...]) -> str:
        """The JSON text of a whole list of knowledge pieces, made once and reused.

        Looked up by identity first, which is quick: the engine hands out the same tuple for
        the same advice (see memo.py). Then by value, so that equal lists share one text.
        """
        by_identity, by_value = self._caches[make]
        known = by_identity.recall(id(items), items)
        if known is not None:
            return known  # type: ignore[no-any-return]
        text = by_value.get(items)
        if text is None:
            text = by_value.keep(items, ",".join(map(make, items)))
        return by_identity.keep_for(id(items), items, text)  # type: ignore[no-any-return]

    def _sentence(self, text: str) -> str:
        """A sentence as JSON text; sentences repeat from row to row, so each is made once."""
        known = self._sentences.get(text)
        if known is None:
            known = self._sentences.keep(text, _string(text))
        return known  # type: ignore[no-any-return]

    def _line(self, number: int, row_id: Any, rec: Recommendation) -> str:
        pieces = self._list
        return "".join((
            '{"row":', str(number),
            ',"id":', _string(row_id) if type(row_id) is str else _ENCODER.encode(row_id),
            ',"triage":', _string(rec.triage),
            ',"condition":', _match(rec.condition) if rec.condition else "null",
            ',"alternatives":[', ",".join(map(_match, rec.alternatives)),
            '],"techniques":[', pieces(_technique, rec.techniques),
            '],"avoid":[', pieces(_avoid, rec.avoid),
            '],"red_flags":[', pieces(_red_flag, rec.red_flags),
            '],"cautions":[', pieces(_string, rec.cautions),
            '],"explanation":[', ",".join(map(self._sentence, rec.explanation)),
            '],"sources":[', pieces(_source, rec.sources),
            '],"knowledge_version":', _string(rec.knowledge_version), "}",
        ))


def _number(value: Any) -> str:
    """A score as json.dumps writes it (float.__repr__ for a finite float), without its overhead."""
    return float.__repr__(value) if type(value) is float and math.isfinite(value) else _ENCODER.encode(value)


def _match(m: Any) -> str:
    return f'{{"id":{_string(m.id)},"name":{_string(m.name)},"score":{_number(m.score)}}}'


def _technique(t: Any) -> str:
    return (f'{{"id":{_string(t.id)},"name":{_string(t.name)},"why":{_string(t.why)},'
            f'"benefits":[{",".join(map(_string, t.benefits))}]}}')


def _avoid(a: Any) -> str:
    return f'{{"id":{_string(a.id)},"reason":{_string(a.reason)}}}'


def _red_flag(f: Any) -> str:
    return f'{{"id":{_string(f.id)},"name":{_string(f.name)},"advice":{_string(f.advice)}}}'


def _source(s: Any) -> str:
    return f'{{"title":{_string(s.title)},"url":{"null" if s.url is None else _string(s.url)}}}'


def _to_bytes(line: str) -> bytes:
    try:
        return line.encode("utf-8") + b"\n"
    except UnicodeEncodeError:  # a lone surrogate from a JSON input: escape it, the line stays valid JSON
        return _ASCII_ENCODER.encode(json.loads(line)).encode("ascii") + b"\n"


class Output(NamedTuple):
    file: BinaryIO
    flush: Callable[[], None]
    name: str | None  # None: stdout


@contextmanager
def open_output(path: str | None, input_path: str) -> Iterator[Output]:
    """stdout (``None`` or ``-``), or a file written atomically: the new content or nothing."""
    if path is None or path == "-":
        sys.stdout.flush()
        stream = getattr(sys.stdout, "buffer", None)
        if stream is None:  # a text-only stdout (some embedding): encode there
            stream = _TextAsBinary(sys.stdout)
        try:
            yield Output(cast(BinaryIO, stream), stream.flush, None)
            stream.flush()
        except BrokenPipeError:
            _silence_stdout()
            raise
        return
    target = os.path.abspath(path)
    if os.path.isdir(target):
        raise BatchError(f"cannot write {path}: it is a folder")
    if input_path != "-" and os.path.exists(target) and _same_file(input_path, target):
        raise BatchError(f"{path} is the input file: write the results to another file")
    import tempfile

    folder = os.path.dirname(target)
    try:
        handle, temp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(target)}.", suffix=".tmp")
    except OSError as error:
        raise BatchError(f"cannot write {path}: {error.strerror or error}") from None
    try:
        with open(handle, "wb", buffering=CHUNK) as file:
            yield Output(file, file.flush, path)
            file.flush()
            os.fsync(file.fileno())
        if os.path.exists(target):  # keep the permissions of the file replaced; a new file is private
            os.chmod(temp, stat.S_IMODE(os.stat(target).st_mode))
        os.replace(temp, target)
    except BaseException as error:
        try:
            os.unlink(temp)
        except OSError:
            pass
        if isinstance(error, OSError) and not isinstance(error, BrokenPipeError):
            raise BatchError(f"cannot write {path}: {error.strerror or error}") from None
        raise
    _sync_folder(folder)


class _TextAsBinary:
    def __init__(self, text: TextIO):
        self._text = text

    def write(self, data: bytes) -> int:
        return self._text.write(data.decode("utf-8"))

    def flush(self) -> None:
        self._text.flush()


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _sync_folder(folder: str) -> None:
    """Make the rename itself durable (best effort: not every system can open a folder)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def _silence_stdout() -> None:
    """After the reader of stdout went away: no second BrokenPipeError when Python exits."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass


# --- progress ----------------------------------------------------------------------------------

class Progress:
    """A progress bar on stderr: rows, rows per second, and time left when the input size is known."""

    every = 256  # rows between updates

    def __init__(self, size: int | None, no_color: bool = False):
        from rich.console import Console
        from rich.progress import (BarColumn, Progress as Bar, SpinnerColumn, TaskProgressColumn, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)

        self.console = Console(stderr=True, no_color=no_color, highlight=False)
        self.size = size
        columns: list[Any] = [SpinnerColumn()] if size is None else [BarColumn(), TaskProgressColumn()]
        columns += [TextColumn("{task.fields[rows]} rows, {task.fields[rate]} rows/s"),
                    TimeElapsedColumn() if size is None else TimeRemainingColumn()]
        self.bar = Bar(*columns, console=self.console, transient=True, refresh_per_second=8)
        self.task = self.bar.add_task("batch", total=size, rows="0", rate="-")
        self.started = time.monotonic()

    @property
    def shown(self) -> bool:
        return self.console.is_interactive

    def __enter__(self) -> Progress:
        self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def update(self, rows: int, consumed: int) -> None:
        elapsed = time.monotonic() - self.started
        rate = f"{rows / elapsed:,.0f}" if elapsed > 0 else "-"
        self.bar.update(self.task, completed=consumed if self.size is not None else None, rows=f"{rows:,}", rate=rate)


# --- the whole batch ---------------------------------------------------------------------------

def run_batch(
    input_path: str,
    output_path: str | None,
    knowledge: Knowledge,
    *,
    fmt: str | None = None,
    encoding: str = "utf-8",
    progress: bool = False,
    warn: Warn | None = None,
) -> Summary:
    """Triage every row of ``input_path`` into JSONL at ``output_path`` (None: stdout).

    Raises BatchError when the input, output or options cannot be used (nothing is written to
    an OUTPUT file then); KeyboardInterrupt passes through after the temporary file is removed.
    """
    warn = warn or _warn_on_stderr
    fmt = detect_format(input_path, fmt)
    codec = check_encoding(encoding)
    data = open_input(input_path, fmt, codec)
    summary = Summary(output=output_path if output_path not in (None, "-") else None)
    started = time.monotonic()
    try:
        with open_output(output_path, input_path) as out:
            if out.name is None:
                data.source.before_read = out.flush  # stdout: nothing waits in a buffer for more input
            bar = Progress(data.size) if progress else None
            if bar is not None and not bar.shown:
                bar = None
            with bar if bar is not None else _nothing():
                _run(read_rows(data, fmt, warn), Recommender(knowledge), out, summary, bar, data.source)
    finally:
        data.close()
    summary.seconds = time.monotonic() - started
    return summary


def _warn_on_stderr(message: str) -> None:
    sys.stderr.write(f"backmassage: warning: {message}\n")


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def _run(rows: Iterable[Row], recommender: Recommender, out: Output, summary: Summary,
         bar: Progress | None, source: _Source) -> None:
    write = out.file.write
    encoder = RecordEncoder()
    counts = summary.triage
    every = Progress.every
    try:
        for row, result in triage(rows, recommender):
            if isinstance(result, str):
                line = encoder.error(row.number, row.id, result)
                summary.errors += 1
                if len(summary.first_errors) < MAX_SHOWN_ERRORS:
                    summary.first_errors.append((row.number, result))
            else:
                line = encoder.recommendation(row.number, row.id, result)
                counts[result.triage] += 1
            write(_to_bytes(line))
            summary.rows += 1
            if bar is not None and not summary.rows % every:
                bar.update(summary.rows, source.consumed)
    except BrokenPipeError:
        raise
    except OSError as error:
        if out.name is None:
            raise
        raise BatchError(f"cannot write {out.name}: {error.strerror or error}") from None


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (a timeout, a killed job) cleans up like Ctrl-C: no partial OUTPUT, exit 130."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGTERM"):
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
