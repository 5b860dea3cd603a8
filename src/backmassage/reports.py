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

import contextlib
import csv
import html
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from typing import Any, BinaryIO

from backmassage.terminal import clean
from backmassage.vocabulary import TRIAGE_LEVELS

OUTPUT_FORMATS = ("jsonl", "csv", "html")
OUTPUT_EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".html": "html", ".htm": "html"}
CSV_COLUMNS = ("row", "line", "id", "triage", "condition", "techniques", "avoid", "red_flags", "not_asked", "error")
TRIAGE_ORDER = TRIAGE_LEVELS[::-1]  # the most urgent first
MEANING = {  # SPEC section 2, for a person who must act on it
    "emergency": "Go to emergency care now",
    "urgent": "See a doctor today or within 24-48 hours",
    "see-clinician": "Get cleared by a healthcare professional first; massage may then be right",
    "massage": "Book a registered massage therapist",
}
HEADING = {"emergency": "Emergency", "urgent": "Urgent", "see-clinician": "See a clinician first", "massage": "Massage"}

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]")
_encode_text = json.encoder.encode_basestring  # type: ignore[attr-defined]  # json.dumps of a str, in C
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode  # compact json.dumps


def to_json(value: Any) -> str:
    """Compact JSON (``json.dumps``), with every control and invisible character escaped."""
    if type(value) is str:  # the common id, quicker
        text: str = _encode_text(value)
    else:
        text = _dumps(value)
    return text if text.isascii() and text.isprintable() else _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def output_format(path: str | None, given: str | None) -> str:
    """``jsonl``, ``csv`` or ``html``: ``--output-format`` if given, else OUTPUT's extension.

    stdout and a name without an extension (``/dev/stdout``, a FIFO) get JSON Lines; any other
    extension is refused, so that ``-o triage.xlsx`` never silently holds JSON Lines.
    """
    from backmassage.intake import InputError

    if given is not None:
        fmt = given.strip().lower()
        if fmt not in OUTPUT_FORMATS:
            raise InputError(f"--output-format: '{clean(given)}' is not a known format. "
                             f"Valid values: {', '.join(OUTPUT_FORMATS)}.")
        return fmt
    extension = "" if path is None or path == "-" else os.path.splitext(os.path.basename(path))[1].lower()
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

    def add_recommendation(self, row: int, line: int, row_id: Any, result: Mapping[str, Any]) -> None:
        """``add`` the record of a triaged row: SPEC section 4's ``result`` after its row, line and id."""
        self.add({"row": row, "line": line, "id": row_id, **result})

    def finish(self) -> None:
        pass

    def close(self) -> None:
        """Let go of what the report holds (after finish, or when the run stopped)."""


class JsonLinesReport(Report):
    """One JSON object a line: exactly ``json.dumps`` of the record (controls escaped)."""

    def __init__(self, file: BinaryIO, **options: Any):
        super().__init__(file, **options)
        self.encode = _record_encoder()

    def add(self, record: Mapping[str, Any]) -> None:
        self.file.write(to_json(record).encode("utf-8") + b"\n")

    def add_recommendation(self, row: int, line: int, row_id: Any, result: Mapping[str, Any]) -> None:
        """The same line as ``add``, without copying the dict. Only the id comes from the input:
        SPEC section 4's text comes from the knowledge, which the core checks for controls and
        invisible characters."""
        body = memoryview(self.encode(result))[1:]  # without its "{"
        head = b'{"row":%d,"line":%d,"id":%b' % (row, line, to_json(row_id).encode("utf-8"))
        self.file.write(b"".join((head, b"," if len(body) > 1 else b"", body, b"\n")))


def _record_encoder() -> Callable[[Mapping[str, Any]], bytes]:
    """``json.dumps`` of a triaged row's result, in UTF-8.

    Through orjson where it is installed (``pip install 'backmassage[fast]'``): encoding is most
    of a batch's own work per row, and orjson does it about ten times quicker. It writes the
    same bytes as json.dumps for all that a result holds: text, null, booleans, ints up to 64
    bits and floats from 1e-4 to 1e16 (a result's only floats are scores, rounded to 0.001..1).
    What it refuses (a lone surrogate, a larger int) goes to json.dumps. It is imported here
    only, so that ``recommend`` never pays for it.
    """
    def standard(result: Mapping[str, Any]) -> bytes:
        return _dumps(result).encode("utf-8")

    try:
        import orjson
    except ImportError:
        return standard

    def quick(result: Mapping[str, Any]) -> bytes:
        try:
            return orjson.dumps(result)
        except orjson.JSONEncodeError:
            return standard(result)

    return quick


def cell(value: Any) -> str:
    """A CSV cell: controls shown escaped; a leading formula character defused with an apostrophe."""
    text = "" if value is None else clean(value)
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


def _names(items: Iterable[Any]) -> str:
    return "; ".join(str(item.get("name") or item.get("id") or "") if isinstance(item, Mapping) else str(item)
                     for item in items or ())


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
        condition = record.get("condition")
        self.writer.writerow([
            str(record["row"]), str(record["line"]), cell(record.get("id")), record.get("triage") or "",
            cell(condition.get("name") or condition.get("id")) if isinstance(condition, Mapping) else "",
            *(cell(_names(record.get(name, ()))) for name in ("techniques", "avoid", "red_flags", "not_asked")),
            cell(record.get("error")),
        ])

    def finish(self) -> None:
        self.text.flush()

    def close(self) -> None:
        with contextlib.suppress(ValueError):
            self.text.detach()  # the file itself belongs to the writer (output.py)


# --- HTML ----------------------------------------------------------------------------------------

def esc(text: Any) -> str:
    """Knowledge text in HTML."""
    return html.escape(str(text), quote=True)


def esc_input(text: Any) -> str:
    """Input text (an id, a value) in HTML: escaped, with its controls shown."""
    return html.escape(clean(text), quote=True)


def _field(name: str, text: Any) -> str:
    return f'<p><span class="field">{name}:</span> {esc(text)}</p>'


def _who(record: Mapping[str, Any]) -> str:
    row_id = record["id"]
    name = esc_input(row_id) if row_id not in (None, "") else f"Row {record['row']}"
    return f"{name}<span class=\"where\">row {record['row']}, line {record['line']}</span>"


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
            items = "".join(f"<li>{self._column(e['column'])}{esc_input(e['message'])}</li>" for e in record["errors"])
            self._write("invalid", f'<div class="card invalid"><h3>{_who(record)}</h3><ul class="problems">{items}'
                                   "</ul></div>\n")
            self._write("people", f'<div class="person"><h3><span class="label invalid">not triaged</span>'
                                  f"{_who(record)}</h3><p>Could not be triaged: see above.</p></div>\n")
            return
        triage = record["triage"]
        self.knowledge_version = self.knowledge_version or str(record["knowledge_version"])
        self.counts[triage] += 1
        if triage != "massage":
            self._write(triage, self._action(triage, record))
        self._write("people", self._person(triage, record))

    @staticmethod
    def _column(column: str) -> str:
        return f'<span class="field">{esc_input(column)}:</span> ' if column else ""

    def _action(self, triage: str, record: Mapping[str, Any]) -> str:
        """What to do for one person who must see a doctor (or be cleared) first, and why."""
        flags = record["red_flags"]
        # the most urgent warning sign's advice: the knowledge lists it first
        advice = next((flag["advice"] for flag in flags if flag.get("advice")), None)
        if advice:
            todo = _field("What to do", advice)
        else:
            todo = _field("What to do", MEANING[triage] + ".")
            todo += "".join(f"<p>{esc(caution)}</p>" for caution in record["cautions"][:3])
        lines = [f'<div class="card {triage}"><h3>{_who(record)}</h3>', todo]
        lines += [_field("Why", why) for why in record["explanation"][:1]]
        if flags[1:]:
            lines.append(_field("Also flagged", "; ".join(str(flag.get("name", "")) for flag in flags[1:])))
        if triage == "see-clinician":
            lines += self._asked(record)
        lines.append("</div>\n")
        return "".join(lines)

    def _asked(self, record: Mapping[str, Any]) -> list[str]:
        lines = []
        for key, name in (("unsure", "Not sure about"), ("not_asked", "Not asked (ask before the session)")):
            if record[key]:
                lines.append(_field(name, "; ".join(self.label("symptoms", str(u)) for u in record[key])))
        return lines

    def _person(self, triage: str, record: Mapping[str, Any]) -> str:
        out = [f'<div class="person"><h3><span class="label {triage}">{esc(HEADING[triage])}</span>{_who(record)}</h3>']
        if triage in ("emergency", "urgent"):
            out.append(f"<p>{esc(MEANING[triage])}: see above. No massage until a doctor has seen them.</p></div>\n")
            return "".join(out)
        if record["condition"]:
            out.append(_field("Likely", record["condition"]["name"]))
        for key, name in (("techniques", "Massage"), ("avoid", "Avoid")):
            if record[key]:
                out.append(_field(name, _names(record[key])))
        out += self._asked(record)
        if record["therapist_note"]:
            out.append(f"<div class=\"note\"><span class=\"field\">For the therapist:</span>\n"
                       f"{esc(record['therapist_note'])}</div>")
        out.append("</div>\n")
        return "".join(out)

    def finish(self) -> None:
        from datetime import datetime

        total = sum(self.counts.values())
        title = f"Back pain triage: {self.title}" if self.title else "Back pain triage"
        counts = "".join(
            f'<li class="{name}"><b>{self.counts[name]:,}</b> {esc(HEADING.get(name, "Could not be triaged"))}</li>'
            for name in (*TRIAGE_ORDER, "invalid") if self.counts[name] or name != "invalid")
        now = datetime.now()
        made = f"{now.day} {now:%B %Y, %H:%M}"
        version = f" · knowledge {esc(self.knowledge_version)}" if self.knowledge_version else ""
        self.file.write((
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{esc_input(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>\n"
            f"<h1>{esc_input(title)}</h1>\n"
            f"<p class=\"meta\">{total:,} {'person' if total == 1 else 'people'} · made {esc(made)}{version}</p>\n"
            f"<ul class=\"counts\">{counts}</ul>\n"
            "<p class=\"notice\">Not a diagnosis. This list sorts people by what their intake answers say; "
            "call anyone in the first two groups before their appointment. A person's own doctor or "
            "emergency services decide what happens next.</p>\n</header>\n").encode("utf-8"))
        for name in TRIAGE_ORDER[:3]:
            self._section(name, f"{HEADING[name]}: {MEANING[name].lower()}")
        if self.counts["invalid"]:
            self._section("invalid", "Could not be triaged: check these answers by hand")
        self.file.write(b'<section class="people">\n<h2>Everyone, in input order</h2>\n')
        self._copy("people")
        self.file.write(b"</section>\n<footer>Made by backmassage. Each person's full advice, with its sources, is in "
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


REPORTS: dict[str, type[Report]] = {"jsonl": JsonLinesReport, "csv": CsvReport, "html": HtmlReport}
