"""Reading batch input (SPEC section 8): CSV or JSONL rows, in bounded memory, one row at a time.

Limits (documented in the README, batch section): a line of input, or a CSV row with the line
breaks inside its quotes, may hold up to ``MAX_ROW_CHARS`` characters (1 MiB); a CSV value up
to ``MAX_FIELD_CHARS`` (128 KiB, the csv module's own limit); a CSV header up to
``MAX_COLUMNS`` columns. A longer row is that row's error and reading goes on after it, so
memory stays flat whatever the input: ``/dev/zero``, a line with no end, an unclosed quote.

Text is decoded as it is read. A byte that is not valid in the encoding makes that row an
error, with the byte shown and a hint to pass ``--encoding``; every other row is read as usual.

- CSV: a header names the columns. Names are matched ignoring case, spaces, hyphens and
  underscores (``Pain_Location``, ``SYMPTOMS``), and ``--map "COLUMN=answer"`` reads a column of
  another name as an answer. A byte-order mark is skipped; the delimiter (``,``, ``;`` or tab) is
  the one that splits the header into the most known columns. A column that is not an answer
  and not mapped is ignored, with one warning. A column whose name looks like an answer
  (``Symptom``, ``Symptom notes``, ``Ages``, ``Blood pressure``) refuses the file, since reading
  it or dropping it could each hide a warning sign: map it, or ignore it with ``--map "COLUMN="``.
- JSONL: one object per line, blank lines skipped; NaN, Infinity and a key given twice make that
  line an error; keys are matched as CSV columns are, and a key that looks like an answer makes
  that row an error.
- ``Row.line`` is the line of the input where the row starts; ``Row.number`` counts data rows
  (blank lines are not rows).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import stat
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from backmassage.errors import BackmassageError, suggest
from backmassage.vocabulary import ANSWER_NAMES

MAX_ROW_CHARS = 1 << 20
MAX_FIELD_CHARS = 131072  # csv.field_size_limit()'s default, which this module never changes
MAX_COLUMNS = 1000
CHUNK = 1 << 16
ID = "id"
ANSWERS = tuple(ANSWER_NAMES)  # location, cause, symptoms, history, duration, age, pressure, screened, unsure
COLUMNS = (ID,) + ANSWERS
FORMATS = ("csv", "jsonl")
EXTENSIONS: dict[str, str | None] = {".csv": "csv", ".tsv": "csv", ".txt": None, ".jsonl": "jsonl", ".ndjson": "jsonl"}
DELIMITERS = (",", ";", "\t")
SHOWN_NAMES = 8  # in a warning about ignored columns; the rest are counted

Warn = Callable[[str], None]


class InputError(BackmassageError):
    """The input or an option cannot be used at all (exit 2)."""


class Problem(NamedTuple):
    """One problem of a row: the column as the input names it ("" for the whole row), the value
    as given, and what is wrong."""

    column: str
    value: str
    message: str


class Row(NamedTuple):
    """One data row: its number, the line it starts on, its id, its answers and its problems.

    ``answers`` is None when the row cannot be read at all (then ``problems`` says why);
    otherwise it maps answer names to the values as given, and ``problems`` holds what is
    wrong with the columns or keys (the values are checked later). ``labels`` names each
    answer as the input does (``Pain Location`` for ``location``).
    """

    number: int
    line: int
    id: Any
    answers: dict[str, Any] | None
    problems: tuple[Problem, ...] = ()
    labels: Mapping[str, str] = {}


def shown(text: object, limit: int = 60) -> str:
    """Text from the input as it can be shown on a terminal: escaped, and cut to ``limit``."""
    from backmassage.terminal import clean

    value = str(text)
    return clean(value if len(value) <= limit else value[:limit] + "...")


# --- format, encoding, opening ------------------------------------------------------------------

def detect_format(path: str, given: str | None) -> str:
    """``csv`` or ``jsonl``: ``--format`` if given, else the file's extension."""
    if given is not None:
        fmt = given.strip().lower()
        if fmt not in FORMATS:
            raise InputError(f"--format: '{shown(given)}' is not a known format. Valid values: {', '.join(FORMATS)}.")
        return fmt
    if path == "-":
        raise InputError("reading stdin (-): pass --format csv or --format jsonl to say what it holds")
    extension = os.path.splitext(path)[1].lower()
    known = EXTENSIONS.get(extension)
    if known is None:
        raise InputError(f"{shown(path)}: cannot tell the format from the name ({shown(extension) or 'no extension'}): "
                         "name it .csv or .jsonl, or pass --format csv or --format jsonl")
    return known


def check_encoding(encoding: str) -> str:
    """The codec to read with; refuses what is not a text encoding for files (InputError).

    rot13, hex, base64, zlib and the like turn bytes into bytes or text into text, and
    punycode, idna and undefined are not for files: none of them can read a CSV. UTF-8
    always tolerates a byte-order mark; UTF-16 and UTF-32 need one, or a byte order
    (``utf-16-le``).
    """
    try:
        info = codecs.lookup(encoding)
    except (LookupError, ValueError, TypeError):
        raise InputError(f"--encoding: '{shown(encoding)}' is not an encoding Python knows "
                         "(try utf-8 or cp1252)") from None
    name = info.name
    probe = "id,location\r\n"
    try:
        readable = getattr(info, "_is_text_encoding", True) and name not in ("punycode", "idna", "undefined")
        if readable and name.startswith(("utf-16", "utf-32")):
            readable = probe.encode(name).decode(name) == probe
        elif readable:
            readable = probe.encode("ascii").decode(name) == probe  # ASCII stays ASCII
    except (UnicodeError, LookupError, TypeError, ValueError):
        readable = False
    if not readable:
        raise InputError(f"--encoding: '{shown(encoding)}' is not a text encoding for files "
                         "(try utf-8, cp1252, latin-1 or utf-16)")
    return "utf-8-sig" if name in ("utf-8", "utf-8-sig") else name


def _mark(error: UnicodeError) -> tuple[str, int]:
    """Keep each byte the decoder cannot read in the text as a lone surrogate (U+DC00 + the
    byte), which valid text of any encoding never holds, so that its row can be told."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return "".join(chr(0xDC00 + byte) for byte in error.object[error.start:error.end]), error.end


codecs.register_error("backmassage.mark", _mark)
_MARKED = re.compile("[\udc00-\udcff]")


def _marked(line: str) -> bool:
    return not line.isascii() and _MARKED.search(line) is not None


class Input(io.RawIOBase):
    """A file or stdin as ``text``, decoded as it is read; ``size`` in bytes when it is a regular
    file, ``tell()`` the bytes read so far. ``before_read``, when set, runs before each read
    that may wait for more input (stdin, a pipe)."""

    def __init__(self, path: str, fmt: str, encoding: str):
        super().__init__()
        if path == "-":
            stdin = sys.stdin
            if stdin is None or getattr(stdin, "closed", False):
                raise InputError("cannot read stdin: it is closed")
            stream: Any = getattr(stdin, "buffer", stdin)
            self.name, self._owned = "stdin", None
        else:
            try:
                stream = self._owned = open(path, "rb", buffering=0)  # noqa: SIM115 - closed by close()
            except OSError as error:
                raise InputError(f"cannot read {shown(path, 200)}: {error.strerror or error}") from None
            self.name = shown(path, 200)
        self.size: int | None = None
        try:
            info = os.fstat(stream.fileno())
        except (OSError, AttributeError, ValueError, io.UnsupportedOperation):
            pass  # a pipe or an in-memory stream: the size is unknown
        else:
            if stat.S_ISDIR(info.st_mode):
                self.close()
                raise InputError(f"cannot read {self.name}: it is a folder")
            if stat.S_ISREG(info.st_mode):
                self.size = info.st_size
        self.may_wait = path == "-" or self.size is None
        self.before_read: Callable[[], None] | None = None
        self._read = getattr(stream, "read1", None) or stream.read  # read1: one read, never waits to fill
        self._consumed = 0
        self.text = io.TextIOWrapper(io.BufferedReader(self, CHUNK), encoding=encoding, errors="backmassage.mark",
                                     newline="" if fmt == "csv" else None)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.before_read is not None:
            self.before_read()
        data = self._read(len(buffer))
        buffer[:len(data)] = data
        self._consumed += len(data)
        return len(data)

    def tell(self) -> int:
        return self._consumed

    def close(self) -> None:
        if self._owned is not None:
            self._owned.close()
        super().close()


def physical_lines(text: io.TextIOWrapper) -> Iterator[tuple[int, str | None]]:
    """(line number, line) for each line; ``None`` for a line over ``MAX_ROW_CHARS``, which is
    reported at once and then skipped to its end in pieces, so it never sits in memory."""
    readline = text.readline
    number = 0
    while line := readline(MAX_ROW_CHARS + 1):
        number += 1
        if len(line) > MAX_ROW_CHARS and line[-1] not in "\r\n":
            yield number, None
            while (rest := readline(CHUNK)) and rest[-1] not in "\r\n":
                pass
        else:
            yield number, line


class _TooLong(Exception):
    pass


class _Feed:
    """Physical lines for csv.reader, counting them and stopping a row that grows past the limit."""

    def __init__(self, lines: Iterator[tuple[int, str | None]]):
        self.lines = lines
        self.line = 0  # the last line handed out
        self.chars = 0  # in the row being read
        self.marked = 0  # the first line of the row holding an unreadable byte

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> str:
        number, line = next(self.lines)
        self.line = number
        if line is None:
            raise _TooLong
        self.chars += len(line)
        if self.chars > MAX_ROW_CHARS:
            raise _TooLong
        if not self.marked and _marked(line):
            self.marked = number
        return line

    def next_row(self) -> None:
        self.chars = 0
        self.marked = 0


# --- column names ---------------------------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s_\-]+")
_NOT_WORD = re.compile(r"[^\w\s\-]+")
_ANSWER_KEYS = {name.replace(" ", ""): name for name in COLUMNS}


def name_key(name: str) -> str:
    """A column or key name as it is matched: case, spaces, hyphens and underscores ignored."""
    return _SEPARATORS.sub(" ", name.replace("\ufeff", "")).strip().lower()


def column_for(name: str) -> str | None:
    """The column a header names, ignoring case, spaces, hyphens and underscores; None if none."""
    return _ANSWER_KEYS.get(name_key(name).replace(" ", ""))


def looks_like(name: str) -> str | None:
    """The answer a name that is not one looks like (a typo, a plural, an answer in a longer
    name such as 'Symptom notes'); None when it looks like none. ``id`` is never meant."""
    import difflib

    key = name_key(_NOT_WORD.sub(" ", name))
    compact = key.replace(" ", "")
    if not compact:
        return None
    close = suggest(compact, ANSWERS, cutoff=0.8)
    if close:
        return close
    for word in key.split():
        stem = _singular(word)
        for answer in ANSWERS:
            if stem == _singular(answer) or (
                    len(word) >= 5 and difflib.SequenceMatcher(None, stem, _singular(answer)).ratio() >= 0.85):
                return answer
    return None


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") and len(word) > 3 else word


def _names_list(names: Sequence[str]) -> str:
    shown_names = ", ".join(f"'{shown(name, 40)}'" for name in names[:SHOWN_NAMES])
    more = len(names) - SHOWN_NAMES
    return shown_names + (f" and {more:,} more" if more > 0 else "")


class Columns:
    """What each column (or key) of the input is: an answer, the id, or nothing, with the
    ``--map "COLUMN=answer"`` options (``COLUMN=`` ignores the column)."""

    def __init__(self, options: Sequence[str] = ()):
        self.mapping: dict[str, str | None] = {}  # name key -> answer (None: ignored)
        self.originals: dict[str, str] = {}  # name key -> the column as the option wrote it
        for item in options:
            column, equals, answer = item.rpartition("=")
            if not equals or not column.strip():
                raise InputError(f"--map '{shown(item)}': write it as COLUMN=answer, e.g. "
                                 "--map \"Pain Location=location\" (or COLUMN= to ignore a column)")
            key = name_key(column)
            target = answer.strip() or None
            if target is not None:
                known = column_for(target)
                if known is None:
                    close = looks_like(target)
                    hint = f" Did you mean '{close}'?" if close else ""
                    raise InputError(f"--map '{shown(item)}': '{shown(target)}' is not an answer. "
                                     f"The answers are: {', '.join(COLUMNS)}.{hint}")
                target = known
            if key in self.mapping and self.mapping[key] != target:
                raise InputError(f"--map: the column '{shown(column.strip())}' is mapped twice")
            self.mapping[key] = target
            self.originals[key] = column.strip()

    def answer(self, name: str) -> tuple[str | None, bool]:
        """(the column it is, or None; whether it is mapped or ignored on purpose)."""
        key = name_key(name)
        if key in self.mapping:
            return self.mapping[key], True
        return column_for(name), False


# --- CSV ---------------------------------------------------------------------------------------------

def _header_positions(names: list[str], columns: Columns, where: str, warn: Warn) -> dict[str, int]:
    """Answer -> position, for the answer columns; refuses duplicates and columns that look like answers."""
    if len(names) > MAX_COLUMNS:
        raise InputError(f"{where}: {len(names):,} columns; at most {MAX_COLUMNS:,} can be read")
    positions: dict[str, int] = {}
    ignored: list[str] = []
    doubtful: list[tuple[str, str]] = []
    for position, raw in enumerate(names):
        name = raw.strip()
        answer, on_purpose = columns.answer(name)
        if answer is not None:
            if answer in positions:
                raise InputError(f"{where}: two columns are {answer!r} (columns {positions[answer] + 1} "
                                 f"and {position + 1}): keep one, or --map the other to ignore it")
            positions[answer] = position
        elif name and not on_purpose:
            close = looks_like(name)
            if close is not None:
                doubtful.append((name, close))
            else:
                ignored.append(name)
    if doubtful:
        name, close = doubtful[0]
        others = f" (and {len(doubtful) - 1} more such column{'s' * (len(doubtful) > 2)})" if len(doubtful) > 1 else ""
        raise InputError(
            f"{where}: the column '{shown(name, 40)}' looks like the answer {close!r}{others}: read it as "
            f"{close} with --map \"{shown(name, 40)}={close}\", or ignore it with --map \"{shown(name, 40)}=\"")
    for key in columns.mapping:
        if not any(name_key(n) == key for n in names):
            raise InputError(f"--map: no column '{shown(columns.originals[key], 40)}' in {where}")
    if "location" not in positions:
        found = _names_list([n.strip() for n in names if n.strip()]) or "nothing"
        raise InputError(f"{where}: no location column (found: {found}). The columns are: {', '.join(COLUMNS)}; "
                         "location is required. For a column of another name: --map \"COLUMN=location\"")
    if ignored:
        several = len(ignored) > 1
        warn(f"{where}: ignoring {len(ignored):,} column{'s' * several} that {'are' if several else 'is'} "
             f"not an answer: {_names_list(ignored)}")
    return positions


def read_csv(text: io.TextIOWrapper, columns: Columns, warn: Warn) -> Iterator[Row]:
    """Rows of a CSV with a header. A row that cannot be read becomes an error row; reading goes on."""
    feed = _Feed(physical_lines(text))
    for start, header_line in feed.lines:
        if header_line is None:
            raise InputError(f"line {start}: the header is longer than {MAX_ROW_CHARS:,} characters")
        if header_line.strip():
            break
    else:
        return  # empty: no header, no rows
    feed.line = start
    # the delimiter that splits the header into the most known or mapped columns (comma on a tie)
    delimiter = max(DELIMITERS, key=lambda delimiter: sum(columns.answer(part.strip().strip('"'))[0] is not None
                                                          for part in header_line.split(delimiter)))
    try:
        header = next(csv.reader([header_line], delimiter=delimiter))
    except csv.Error as error:
        raise InputError(f"line {start}: the header cannot be read: {error}") from None
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]
    positions = _header_positions(header, columns, f"the header (line {start})", warn)
    labels = {answer: header[at].strip() for answer, at in positions.items()}
    width = len(header)
    id_at = positions.pop(ID, None)
    wanted = tuple(positions.items())
    reader = csv.reader(feed, delimiter=delimiter)
    number = 0
    while True:
        start = feed.line + 1
        feed.next_row()
        try:
            fields = next(reader)
        except StopIteration:
            return
        except (_TooLong, csv.Error) as error:
            number += 1
            spans = f" (lines {start} to {feed.line}: is a quote left open?)" if feed.line > start else ""
            if isinstance(error, _TooLong):
                problem = f"line {start}: this row is longer than {MAX_ROW_CHARS:,} characters{spans}"
            elif "field larger than field limit" in str(error):
                problem = (f"line {start}: this row cannot be read: a value is longer than {MAX_FIELD_CHARS:,} "
                           f"characters{spans}")
            else:
                problem = f"line {start}: this row cannot be read: {error}"
            yield Row(number, start, None, None, (Problem("", "", problem),), labels)
            continue
        count = len(fields)
        if count <= 1 and not (fields and fields[0].strip()):
            continue  # a blank line is not a row
        number += 1
        row_id = (fields[id_at].strip() or None) if id_at is not None and id_at < count else None
        if feed.marked:
            row_id = row_id and _MARKED.sub("\ufffd", row_id)
            yield Row(number, start, row_id, None, (_undecodable(feed.marked, text.encoding),), labels)
        elif count > width and any(value.strip() for value in fields[width:]):
            yield Row(number, start, row_id, None, (Problem(
                "", "", f"line {start}: {count} values but the header names {width} columns "
                        "(a value with the delimiter in it needs double quotes)"),), labels)
        else:
            # lists too: the core splits them on , or ;
            answers = {answer: value for answer, at in wanted if at < count and (value := fields[at].strip())}
            yield Row(number, start, row_id, answers, (), labels)


def _undecodable(line: int, encoding: str) -> Problem:
    name = "UTF-8" if encoding.startswith("utf-8") else encoding
    return Problem("", "", f"line {line}: not {name} text: save the file as UTF-8, or pass the encoding it was "
                           "saved with, e.g. --encoding cp1252")


# --- JSONL -------------------------------------------------------------------------------------------

def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) != len(pairs):
        seen: set[str] = set()
        twice = next(key for key, _ in pairs if key in seen or seen.add(key))  # type: ignore[func-returns-value]
        raise ValueError(f"the key '{shown(twice, 40)}' appears twice")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"the number {shown(text, 20)} is too large")
    return value


def _int(text: str) -> int:
    if len(text) > 50:
        raise ValueError(f"the number {text[:20]}... has {len(text):,} digits")
    return int(text)


_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates, parse_constant=_no_constant, parse_float=_finite,
                            parse_int=_int)
_COLUMN_SET = frozenset(COLUMNS)
_KINDS = {list: "an array", str: "a string", bool: "true or false", type(None): "null", int: "a number",
          float: "a number"}


class _Ignored:
    """Keys ignored in JSONL rows: the first row's are warned about at once, later new ones once
    at the end; at most ``limit`` names are remembered."""

    def __init__(self, warn: Warn, limit: int = 1000):
        self.warn = warn
        self.limit = limit
        self.names: dict[str, None] = {}
        self.later: list[str] = []
        self.more = 0

    def add(self, line: int, names: list[str]) -> None:
        new = [name for name in names if name not in self.names]
        if not new:
            return
        first = not self.names
        for name in new:
            if len(self.names) < self.limit:
                self.names[name] = None
            else:
                self.more += 1
        if first:
            self.warn(f"line {line}: ignoring the key{'s' * (len(new) > 1)} {_names_list(new)}, not answers "
                      f"(the keys are: {', '.join(COLUMNS)}); on every row")
        elif len(self.later) < SHOWN_NAMES * 2:
            self.later.extend(new)
        else:
            self.more += len(new)

    def finish(self) -> None:
        if self.later:
            more = f" and {self.more:,} more" if self.more else ""
            self.warn(f"also ignored the key{'s' * (len(self.later) > 1)} {_names_list(self.later)}{more}, "
                      "not answers")


def read_jsonl(text: io.TextIOWrapper, columns: Columns, warn: Warn) -> Iterator[Row]:
    """Rows of a JSONL stream: one object per non-blank line; a bad line becomes an error row."""
    decode = _DECODER.decode
    ignored = _Ignored(warn)
    number = 0
    try:
        for line_number, line in physical_lines(text):
            if line is None:
                number += 1
                yield _unreadable(number, line_number, f"longer than {MAX_ROW_CHARS:,} characters")
                continue
            if line_number == 1 and line.startswith("\ufeff"):
                line = line[1:]
            if not line or line.isspace():
                continue
            number += 1
            if _marked(line):
                row_id = None
                try:
                    value = decode(_MARKED.sub("\ufffd", line))
                    row_id = value.get(ID) if type(value) is dict else None
                except (ValueError, RecursionError):
                    pass
                yield Row(number, line_number, row_id, None, (_undecodable(line_number, text.encoding),))
                continue
            try:
                value = decode(line)
            except json.JSONDecodeError as error:
                yield _unreadable(number, line_number, f"not valid JSON: {error.msg} (column {error.colno})")
                continue
            except (ValueError, RecursionError) as error:
                problem = str(error) if isinstance(error, ValueError) else "nested too deeply"
                yield _unreadable(number, line_number, f"not valid JSON: {problem}")
                continue
            if type(value) is not dict:
                kind = _KINDS.get(type(value), type(value).__name__)
                yield _unreadable(number, line_number, f"expected a JSON object {{...}} with the answers, found {kind}")
            elif not columns.mapping and value.keys() <= _COLUMN_SET and dict not in map(type, value.values()):
                yield Row(number, line_number, value.pop(ID, None), value)  # the usual row, quicker
            else:
                yield _jsonl_row(number, line_number, value, columns, ignored)
    finally:
        ignored.finish()


def _unreadable(number: int, line: int, problem: str) -> Row:
    return Row(number, line, None, None, (Problem("", "", f"line {line}: {problem}"),))


def _jsonl_row(number: int, line: int, value: dict[str, Any], columns: Columns, ignored: _Ignored) -> Row:
    answers: dict[str, Any] = {}
    labels: dict[str, str] = {}
    problems: list[Problem] = []
    unknown: list[str] = []
    row_id = None
    for key, item in value.items():
        answer, on_purpose = columns.answer(key)
        if answer is None:
            close = None if on_purpose else looks_like(key)
            if close is not None:
                problems.append(Problem(key, _as_text(item),
                                        f"'{shown(key, 40)}' is not a key; did you mean {close!r}?"))
            elif not on_purpose:
                unknown.append(key)
        elif answer in labels:
            problems.append(Problem(key, _as_text(item), f"'{shown(key, 40)}' and '{shown(labels[answer], 40)}' "
                                                         f"are both {answer!r}: keep one"))
        else:
            labels[answer] = key
            if answer == ID:
                row_id = item
            elif type(item) is dict or (type(item) is list and dict in map(type, item)):
                problems.append(Problem(key, _as_text(item),
                                        "expected text or an array of text, found an object {...}"))
            else:
                answers[answer] = item
    if unknown:
        ignored.add(line, unknown)
    return Row(number, line, row_id, answers, tuple(problems), labels)


def _as_text(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 200 else text[:200] + "..."


def read_rows(data: Input, fmt: str, columns: Columns, warn: Warn) -> Iterator[Row]:
    """The rows of the input, in order; an input that cannot be read stops with InputError."""
    try:
        yield from (read_csv if fmt == "csv" else read_jsonl)(data.text, columns, warn)
    except OSError as error:
        raise InputError(f"cannot read {data.name}: {error.strerror or error}") from None
    except UnicodeError as error:  # not a bad byte (those are marked): a decoder that cannot start
        raise InputError(f"cannot read {data.name} as {data.text.encoding}: {error}. With no byte-order mark, "
                         "name the byte order: --encoding utf-16-le (or -be)") from None
