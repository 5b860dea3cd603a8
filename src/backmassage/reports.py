"""The three batch outputs (SPEC section 8): JSON Lines, CSV and a printable HTML report.

Each report takes records one at a time, in input order: ``add(record)`` with a record that is
``{"row", "line", "id", <SPEC section 4>}`` or ``{"row", "line", "id", "error", "errors"}``,
then ``finish()``. None of them keeps records in memory: JSON Lines and CSV write each record
at once; the HTML report, which must start with who has to see a doctor, spools its parts to
anonymous temporary files (they have no name, so nothing is left behind whatever happens) and
puts them together at the end.

Text from the input (ids, values in error messages) never reaches a reader live: in JSON Lines
the controls and invisible characters of an id are written as ``\\u`` escapes (JSON itself only
escapes U+0000 to U+001F; DEL, the C1 controls such as U+009B, direction marks and lone
surrogates would otherwise pass raw to a terminal); in CSV they are shown escaped, and a cell
that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return) starts with an apostrophe; in HTML everything is escaped.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from typing import Any, BinaryIO

from backmassage.terminal import clean

OUTPUT_FORMATS = ("jsonl", "csv", "html")
OUTPUT_EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".html": "html", ".htm": "html"}
CSV_COLUMNS = ("row", "line", "id", "triage", "condition", "techniques", "avoid", "red_flags", "not_asked", "error")
TRIAGE_ORDER = ("emergency", "urgent", "see-clinician", "massage")
FLAGGED = ("emergency", "urgent")
MEANING = {  # SPEC section 2, for a person who must act on it
    "emergency": "Go to emergency care now",
    "urgent": "See a doctor today or within 24-48 hours",
    "see-clinician": "Get cleared by a healthcare professional first; massage may then be right",
    "massage": "Book a registered massage therapist",
}
HEADING = {"emergency": "Emergency", "urgent": "Urgent", "see-clinician": "See a clinician first", "massage": "Massage"}

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def to_json(value: Any) -> str:
    """Compact JSON (``json.dumps``), with every control and invisible character escaped."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text if text.isascii() and text.isprintable() else _UNSAFE.sub(_json_escape, text)


_encode_text = json.encoder.encode_basestring  # type: ignore[attr-defined]  # json.dumps of a str, in C


def _id_json(value: Any) -> str:
    """``to_json(value)``, quicker for the common id: a str."""
    if type(value) is not str:
        return to_json(value)
    text: str = _encode_text(value)
    return text if text.isascii() and text.isprintable() else _UNSAFE.sub(_json_escape, text)


def error_record(row: int, line: int, row_id: Any, problems: Iterable[Mapping[str, str]]) -> dict[str, Any]:
    """The record of a row that could not be triaged (SPEC section 8)."""
    errors = [{"column": p["column"], "value": p["value"], "message": p["message"]} for p in problems]
    return {"row": row, "line": line, "id": row_id, "error": " ".join(_sentence(e) for e in errors), "errors": errors}


def _sentence(error: Mapping[str, str]) -> str:
    message = error["message"]
    text = f"{error['column']}: {message}" if error["column"] else message
    return text if text.endswith((".", "?", "!")) else text + "."


def output_format(path: str | None, given: str | None) -> str:
    """``jsonl``, ``csv`` or ``html``: ``--output-format`` if given, else OUTPUT's extension.

    stdout and a name without an extension (``/dev/stdout``, a FIFO) get JSON Lines; any other
    extension is refused, so that ``-o triage.xlsx`` never silently holds JSON Lines.
    """
    import os

    from backmassage.intake import InputError

    if given is not None:
        fmt = given.strip().lower()
        if fmt not in OUTPUT_FORMATS:
            raise InputError(f"--output-format: '{clean(given)}' is not a known format. "
                             f"Valid values: {', '.join(OUTPUT_FORMATS)}.")
        return fmt
    if path is None or path == "-":
        return "jsonl"
    extension = os.path.splitext(os.path.basename(path))[1].lower()
    if not extension:
        return "jsonl"
    if extension in OUTPUT_EXTENSIONS:
        return OUTPUT_EXTENSIONS[extension]
    raise InputError(f"-o '{clean(path)}: cannot tell the output format from {clean(extension)}': name it .jsonl, "
                     ".csv or .html, or pass --output-format jsonl|csv|html")


class Report:
    """The interface of every output."""

    def __init__(self, file: BinaryIO, *, title: str = "", to_file: bool = False,
                 label: Callable[[str, str], str] | None = None):
        self.file = file
        self.title = title
        self.to_file = to_file
        self.label = label or (lambda answer, value: value)  # a value as the knowledge words it

    def add(self, record: Mapping[str, Any]) -> None:
        raise NotImplementedError

    def finish(self, summary: Any = None) -> None:
        pass

    def close(self) -> None:
        """Let go of what the report holds (after finish, or when the run stopped)."""


class JsonLinesReport(Report):
    """One JSON object a line: exactly ``json.dumps`` of the record (controls escaped)."""

    def add(self, record: Mapping[str, Any]) -> None:
        self.file.write(to_json(record).encode("utf-8") + b"\n")

    def add_recommendation(self, row: int, line: int, row_id: Any, result: Mapping[str, Any]) -> None:
        """The same line as ``add({"row", "line", "id", **result})``, without copying the dict.

        Only the id comes from the input; SPEC section 4's text comes from the knowledge,
        which the core checks for controls and invisible characters.
        """
        body = json.dumps(result, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        head = f'{{"row":{row},"line":{line},"id":{_id_json(row_id)}'
        self.file.write((head + ("," + body[1:] if len(body) > 2 else "}") + "\n").encode("utf-8"))


def cell(value: Any) -> str:
    """A CSV cell: controls shown escaped; a leading formula character defused with an apostrophe."""
    text = "" if value is None else clean(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _names(items: Iterable[Any], key: str = "name") -> str:
    out = []
    for item in items or ():
        if isinstance(item, Mapping):
            out.append(str(item.get(key) or item.get("id") or ""))
        else:
            out.append(str(item))
    return "; ".join(out)


class CsvReport(Report):
    """One row per input row, the columns of SPEC section 8; UTF-8 with a byte-order mark in a
    file, so that a spreadsheet opens names with accents right."""

    def __init__(self, file: BinaryIO, **options: Any):
        super().__init__(file, **options)
        self.text = io.TextIOWrapper(file, encoding="utf-8-sig" if self.to_file else "utf-8", newline="",
                                     write_through=True)
        self.writer = csv.writer(self.text)
        self.writer.writerow(CSV_COLUMNS)

    def add(self, record: Mapping[str, Any]) -> None:
        self.writer.writerow(csv_cells(record))

    def finish(self, summary: Any = None) -> None:
        self.text.flush()

    def close(self) -> None:
        try:
            self.text.detach()  # the file itself belongs to the writer (output.py)
        except ValueError:
            pass


def csv_cells(record: Mapping[str, Any]) -> list[str]:
    condition = record.get("condition")
    return [
        str(record["row"]), str(record["line"]), cell(record.get("id")),
        record.get("triage") or "",
        cell(condition.get("name") or condition.get("id")) if isinstance(condition, Mapping) else "",
        cell(_names(record.get("techniques", ()))), cell(_names(record.get("avoid", ()))),
        cell(_names(record.get("red_flags", ()))), cell(_names(record.get("not_asked", ()))),
        cell(record.get("error")),
    ]


# --- HTML ----------------------------------------------------------------------------------------

def esc(text: Any) -> str:
    """Knowledge text in HTML."""
    return html.escape(str(text), quote=True)


def esc_input(text: Any) -> str:
    """Input text (an id, a value) in HTML: escaped, with its controls shown."""
    return html.escape(clean(text), quote=True)


STYLE = """
:root { --ink: #1b1f24; --muted: #5b6470; --line: #d5d9de; --emergency: #b00020; --urgent: #c25400;
  --see-clinician: #1f5fa8; --massage: #2e7d32; --invalid: #6a1b9a; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--ink); margin: 0 auto; max-width: 60rem; padding: 1.5rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; margin: 1.8rem 0 .6rem; padding-bottom: .2rem; border-bottom: 2px solid var(--line); }
h3 { font-size: 1rem; margin: 0 0 .3rem; }
p { margin: .25rem 0; }
.meta, .where, .none { color: var(--muted); }
.where { font-weight: normal; font-size: .85rem; margin-left: .4rem; }
.counts { display: flex; flex-wrap: wrap; gap: .4rem; margin: .8rem 0; padding: 0; list-style: none; }
.counts li { border: 1px solid var(--line); border-left: 6px solid var(--c); border-radius: 4px; padding: .2rem .6rem; }
.counts b { font-size: 1.1rem; }
.notice { border: 1px solid var(--line); background: #f6f7f9; padding: .5rem .8rem; border-radius: 4px;
  font-size: .9rem; }
.card { border: 1px solid var(--line); border-left: 8px solid var(--c); border-radius: 4px; padding: .6rem .8rem;
  margin: .5rem 0; break-inside: avoid; page-break-inside: avoid; }
.emergency { --c: var(--emergency); } .urgent { --c: var(--urgent); }
.see-clinician { --c: var(--see-clinician); } .massage { --c: var(--massage); } .invalid { --c: var(--invalid); }
h2.emergency { color: var(--emergency); border-color: var(--emergency); }
h2.urgent { color: var(--urgent); border-color: var(--urgent); }
h2.see-clinician { color: var(--see-clinician); border-color: var(--see-clinician); }
h2.invalid { color: var(--invalid); border-color: var(--invalid); }
.label { display: inline-block; font-size: .75rem; font-weight: bold; text-transform: uppercase; letter-spacing: .03em;
  color: #fff; background: var(--c); border-radius: 3px; padding: .05rem .4rem; margin-right: .4rem;
  vertical-align: .1rem; }
.field { font-weight: 600; }
ul.problems { margin: .2rem 0 0 1.2rem; padding: 0; }
.person { border-top: 1px solid var(--line); padding: .5rem 0; break-inside: avoid; page-break-inside: avoid; }
.note { white-space: pre-wrap; background: #f6f7f9; border-radius: 4px; padding: .4rem .6rem; margin-top: .3rem;
  font-size: .9rem; }
footer { margin-top: 2rem; color: var(--muted); font-size: .85rem; border-top: 1px solid var(--line); padding-top: .5rem; }
@media print {
  body { font-size: 10.5pt; max-width: none; padding: 0; }
  @page { margin: 14mm; }
  h2 { break-after: avoid; page-break-after: avoid; }
  .label { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .card, .counts li { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  section.people { break-before: page; page-break-before: always; }
}
"""


def _who(record: Mapping[str, Any]) -> str:
    row_id = record.get("id")
    name = esc_input(row_id) if row_id not in (None, "") else f"Row {record['row']}"
    return f"{name}<span class=\"where\">row {record['row']}, line {record['line']}</span>"


def _column(error: Mapping[str, Any]) -> str:
    column = error.get("column")
    return f'<span class="field">{esc_input(column)}:</span> ' if column else ""


def _advice(record: Mapping[str, Any]) -> list[str]:
    seen: dict[str, None] = {}
    for flag in record.get("red_flags") or ():
        advice = flag.get("advice") if isinstance(flag, Mapping) else None
        if advice:
            seen.setdefault(str(advice), None)
    return list(seen)


class HtmlReport(Report):
    """A printable report: first who must see a doctor (emergency, then urgent, then see a
    clinician first), with what to do and why; then the rows that could not be triaged; then one
    short section per person, in input order, with the therapist note. Self-contained: no
    script, no image, no font, no link is loaded (and the page's security policy forbids it)."""

    def __init__(self, file: BinaryIO, **options: Any):
        super().__init__(file, **options)
        self.parts = {name: tempfile.TemporaryFile() for name in (*TRIAGE_ORDER[:3], "invalid", "people")}
        self.counts = dict.fromkeys((*TRIAGE_ORDER, "invalid"), 0)
        self.knowledge_version = ""

    def _write(self, part: str, text: str) -> None:
        self.parts[part].write(text.encode("utf-8"))

    def add(self, record: Mapping[str, Any]) -> None:
        if "error" in record:
            self.counts["invalid"] += 1
            self._write("invalid", self._invalid(record))
            self._write("people", f'<div class="person"><h3><span class="label invalid">not triaged</span>'
                                  f"{_who(record)}</h3><p>Could not be triaged: see above.</p></div>\n")
            return
        triage = str(record.get("triage"))
        self.knowledge_version = self.knowledge_version or str(record.get("knowledge_version", ""))
        self.counts[triage] = self.counts.get(triage, 0) + 1
        if triage in self.parts:
            self._write(triage, self._action(triage, record))
        self._write("people", self._person(triage, record))

    def _action(self, triage: str, record: Mapping[str, Any]) -> str:
        advice = _advice(record)[:1]  # the most urgent warning sign's: the knowledge lists it first
        todo = "".join(f"<p><span class=\"field\">What to do:</span> {esc(a)}</p>" for a in advice)
        if not advice:
            cautions = [str(c) for c in record.get("cautions") or ()]
            todo = f"<p><span class=\"field\">What to do:</span> {esc(MEANING.get(triage, ''))}.</p>"
            todo += "".join(f"<p>{esc(c)}</p>" for c in cautions[:3])
        why = [str(s) for s in (record.get("explanation") or ())[:1]]
        lines = [f'<div class="card {triage}"><h3>{_who(record)}</h3>', todo]
        if why:
            lines.append(f"<p><span class=\"field\">Why:</span> {esc(why[0])}</p>")
        others = [str(flag.get("name", "")) for flag in (record.get("red_flags") or ())[1:] if isinstance(flag, Mapping)]
        if others:
            lines.append(f"<p><span class=\"field\">Also flagged:</span> {esc('; '.join(others))}</p>")
        if triage not in FLAGGED:
            lines += self._asked(record, self.label)
        lines.append("</div>\n")
        return "".join(lines)

    @staticmethod
    def _asked(record: Mapping[str, Any], label: Callable[[str, str], str]) -> list[str]:
        out = []
        unsure = [label("symptoms", str(u)) for u in record.get("unsure") or ()]
        not_asked = [label("symptoms", str(u)) for u in record.get("not_asked") or ()]
        if unsure:
            out.append(f"<p><span class=\"field\">Not sure about:</span> {esc('; '.join(unsure))}</p>")
        if not_asked:
            out.append(f"<p><span class=\"field\">Not asked (ask before the session):</span> "
                       f"{esc('; '.join(not_asked))}</p>")
        return out

    @staticmethod
    def _invalid(record: Mapping[str, Any]) -> str:
        items = "".join(f"<li>{_column(e)}{esc_input(e.get('message', ''))}</li>" for e in record.get("errors") or ())
        if not items:
            items = f"<li>{esc_input(record.get('error', ''))}</li>"
        return f'<div class="card invalid"><h3>{_who(record)}</h3><ul class="problems">{items}</ul></div>\n'

    def _person(self, triage: str, record: Mapping[str, Any]) -> str:
        out = [f'<div class="person"><h3><span class="label {esc(triage)}">{esc(HEADING.get(triage, triage))}</span>'
               f"{_who(record)}</h3>"]
        if triage in ("emergency", "urgent"):
            out.append(f"<p>{esc(MEANING[triage])}: see above. No massage until a doctor has seen them.</p></div>\n")
            return "".join(out)
        condition = record.get("condition")
        if isinstance(condition, Mapping):
            out.append(f"<p><span class=\"field\">Likely:</span> {esc(condition.get('name', ''))}</p>")
        techniques = _names(record.get("techniques") or ())
        if techniques:
            out.append(f"<p><span class=\"field\">Massage:</span> {esc(techniques)}</p>")
        avoid = _names(record.get("avoid") or ())
        if avoid:
            out.append(f"<p><span class=\"field\">Avoid:</span> {esc(avoid)}</p>")
        out += self._asked(record, self.label)
        note = record.get("therapist_note")
        if note:
            out.append(f"<div class=\"note\"><span class=\"field\">For the therapist:</span>\n{esc(note)}</div>")
        out.append("</div>\n")
        return "".join(out)

    def finish(self, summary: Any = None) -> None:
        total = sum(self.counts.values())
        write = self.file.write
        title = f"Back pain triage: {self.title}" if self.title else "Back pain triage"
        counts = "".join(
            f'<li class="{name}"><b>{self.counts[name]:,}</b> {esc(HEADING.get(name, "Could not be triaged"))}</li>'
            for name in (*TRIAGE_ORDER, "invalid") if self.counts[name] or name != "invalid")
        from datetime import datetime

        now = datetime.now()
        made = f"{now.day} {now:%B %Y, %H:%M}"
        head = (
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{esc_input(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>\n"
            f"<h1>{esc_input(title)}</h1>\n"
            f"<p class=\"meta\">{total:,} {'person' if total == 1 else 'people'} · made {esc(made)}"
            f"{' · knowledge ' + esc(self.knowledge_version) if self.knowledge_version else ''}</p>\n"
            f"<ul class=\"counts\">{counts}</ul>\n"
            "<p class=\"notice\">Not a diagnosis. This list sorts people by what their intake answers say; "
            "call anyone in the first two groups before their appointment. A person's own doctor or "
            "emergency services decide what happens next.</p>\n</header>\n")
        write(head.encode("utf-8"))
        for name in TRIAGE_ORDER[:3]:
            self._section(name, f"{HEADING[name]}: {MEANING[name].lower()}")
        if self.counts["invalid"]:
            self._section("invalid", "Could not be triaged: check these answers by hand")
        write(b'<section class="people">\n<h2>Everyone, in input order</h2>\n')
        self._copy("people")
        write(b"</section>\n<footer>Made by backmassage. Each person's full advice, with its sources, is in "
              b"the JSON Lines output (-o triage.jsonl).</footer>\n</body>\n</html>\n")

    def close(self) -> None:
        for part in self.parts.values():
            part.close()

    def _section(self, name: str, heading: str) -> None:
        count = self.counts[name]
        self.file.write(f'<section>\n<h2 class="{name}">{esc(heading)} ({count:,})</h2>\n'.encode("utf-8"))
        if count:
            self._copy(name)
        else:
            self.file.write(b'<p class="none">No one.</p>\n')
        self.file.write(b"</section>\n")

    def _copy(self, name: str) -> None:
        part = self.parts[name]
        part.seek(0)
        shutil.copyfileobj(part, self.file, 1 << 16)


def make_report(fmt: str, file: BinaryIO, *, title: str = "", to_file: bool = False,
                label: Callable[[str, str], str] | None = None) -> Report:
    kind = {"jsonl": JsonLinesReport, "csv": CsvReport, "html": HtmlReport}[fmt]
    return kind(file, title=title, to_file=to_file, label=label)
