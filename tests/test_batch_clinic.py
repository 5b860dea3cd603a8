"""Issue 14: a clinic's own export in, a list a receptionist can act on out (SPEC section 8).

The fixture tests/fixtures/clinic-export.csv is shaped like a booking system's export: a
byte-order mark, ``;`` between columns, CRLF line ends, Title Case headers, extra columns
(First Name, Notes, Phone), values as people write them ("Lower Back", "Saddle Numbness",
"blood thinners", "3 days"), a quoted note with a line break, an id that a spreadsheet would
run as a formula, and a row with four problems.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backmassage import InvalidAnswer, recommend, recommend_many
from backmassage.cli import app

FIXTURE = Path(__file__).parent / "fixtures" / "clinic-export.csv"
MAP = ["--map", "Pain Location=location", "--map", "Client ID=id"]
REPO = Path(__file__).resolve().parent.parent


def run(*args: str):
    return CliRunner().invoke(app, ["batch", str(FIXTURE), *MAP, *args])


@pytest.fixture(scope="module")
def jsonl() -> list[dict]:
    result = run()
    assert result.exit_code == 3, result.stderr  # one row is genuinely invalid
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_the_fixture_is_shaped_like_a_clinic_export():
    data = FIXTURE.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    assert data.split(b"\r\n")[0].count(b";") == 12


def test_jsonl_every_row_with_its_line_and_only_the_bad_row_invalid(jsonl):
    assert [r["row"] for r in jsonl] == list(range(1, 11))
    assert [r["line"] for r in jsonl] == [2, 3, 4, 5, 6, 7, 8, 10, 11, 12]  # C-007's note spans lines 8-9
    assert [r["id"] for r in jsonl if "error" in r] == ["C-004"]
    by_id = {r["id"]: r for r in jsonl}
    assert by_id["C-001"]["triage"] == "massage"  # "Lower back", "Back spasms", "3 days", "Medium"
    assert by_id["C-002"]["triage"] == "emergency"  # "Lower Back", "Saddle Numbness"
    assert by_id["C-010"]["triage"] == "emergency"  # bladder_bowel_change
    assert by_id["C-003"]["triage"] == by_id["C-008"]["triage"] == "urgent"
    assert by_id["C-009"]["unsure"] == ["fever"] and by_id["C-009"]["triage"] == "see-clinician"
    assert by_id["C-001"]["not_asked"] == [] and by_id["C-003"]["not_asked"]  # Screened: yes / no
    assert {a["id"] for a in by_id["C-005"]["avoid"]} >= {"deep-tissue"}  # "Blood thinners"


def test_each_record_is_what_recommend_gives_for_the_same_answers(jsonl):
    first = {k: v for k, v in jsonl[0].items() if k not in ("row", "line", "id")}
    assert first == recommend(location="lower", cause="lifting", symptoms=["spasm", "stiffness"], duration="3d",
                              age=40, pressure="medium", screened=True).to_dict()


def test_the_row_with_four_problems_names_all_four_with_the_columns_as_the_clinic_calls_them(jsonl):
    bad = next(r for r in jsonl if r["id"] == "C-004")
    assert bad["line"] == 5
    assert [(e["column"], e["value"]) for e in bad["errors"]] == [
        ("Pain Location", "hip"), ("Symptoms", "itching"), ("Age", "fifty"), ("Pressure", "deepest")]
    for error in bad["errors"]:
        assert error["message"] and error["column"] + ": " in bad["error"]


def test_the_summary_names_everyone_to_call_most_urgent_first_and_every_invalid_line():
    result = run()
    lines = result.stderr.splitlines()
    assert "  triage: 2 emergency, 2 urgent, 1 see-clinician, 4 massage" in lines
    emergency = lines.index("  emergency (2): C-002, C-010")
    urgent = lines.index("  urgent (2): C-003, C-008")
    assert emergency < urgent
    assert any("invalid: 1 row" in line and "line 5" in line for line in lines)
    warnings = [line for line in lines if "warning" in line]
    assert len(warnings) == 1 and all(name in warnings[0] for name in ("First Name", "Notes", "Phone"))


def test_without_the_map_the_pain_location_column_is_refused_with_the_fix():
    result = CliRunner().invoke(app, ["batch", str(FIXTURE)])
    assert result.exit_code == 2 and result.stdout == ""
    assert '--map "Pain Location=location"' in result.stderr


def test_csv_output_one_row_per_person_that_a_spreadsheet_opens_safely(tmp_path):
    out = tmp_path / "triage.csv"
    result = run("-o", str(out))
    assert result.exit_code == 3, result.stderr
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # so that a spreadsheet reads UTF-8
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(rows[0]) == ["row", "line", "id", "triage", "condition", "techniques", "avoid", "red_flags",
                             "not_asked", "error"]
    assert len(rows) == 10
    assert [r["line"] for r in rows] == ["2", "3", "4", "5", "6", "7", "8", "10", "11", "12"]
    by_id = {r["id"]: r for r in rows}
    assert by_id["C-002"]["triage"] == "emergency" and "cauda equina" in by_id["C-002"]["red_flags"]
    assert "; " in by_id["C-001"]["techniques"] and by_id["C-001"]["condition"]
    assert "Pain Location: 'hip'" in by_id["C-004"]["error"] and by_id["C-004"]["triage"] == ""
    # a formula is shown as text, never run
    assert "'=HYPERLINK(\"http://example.com\")" in by_id
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r.values())


def test_html_report_who_must_see_a_doctor_first_most_urgent_first(tmp_path):
    out = tmp_path / "triage.html"
    result = run("-o", str(out))
    assert result.exit_code == 3, result.stderr
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    position = {name: page.index(f">{name}<") for name in ("C-002", "C-010", "C-003", "C-008", "C-009")}
    assert position["C-002"] < position["C-010"] < position["C-003"] < position["C-008"] < position["C-009"]
    emergency, urgent = page.index("Emergency: go to emergency care now (2)"), page.index("Urgent: see a doctor")
    clinician, invalid = page.index("See a clinician first:"), page.index("Could not be triaged: check")
    everyone = page.index("Everyone, in input order")
    assert emergency < urgent < clinician < invalid < everyone
    first_card = page[emergency:urgent]
    assert "What to do:" in first_card and "emergency department" in first_card and "Why:" in first_card
    people = page[everyone:]
    assert [people.index(f">{i}<") for i in ("C-001", "C-002", "C-005", "C-007")] == sorted(
        people.index(f">{i}<") for i in ("C-001", "C-002", "C-005", "C-007"))
    assert "For the therapist:" in people
    assert "Not sure about:</span> fever or chills" in page  # warning signs as the knowledge words them
    assert "'fifty' is not a valid age" in html.unescape(page[invalid:everyone])


def test_html_report_is_self_contained_and_escapes_everything(tmp_path):
    export = tmp_path / "export.csv"
    export.write_text('id,location\n"<script>alert(1)</script>",lower\n"<img src=x onerror=alert(1)>",hip\n',
                      encoding="utf-8")
    out = tmp_path / "triage.html"
    result = CliRunner().invoke(app, ["batch", str(export), "-o", str(out)])
    assert result.exit_code == 3
    page = out.read_text(encoding="utf-8")
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "default-src 'none'" in page  # the page may load nothing at all
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page)
    assert "@import" not in page and "url(" not in page


def test_output_format_overrides_the_extension_and_works_on_stdout():
    result = run("--output-format", "csv")
    assert result.exit_code == 3
    assert result.stdout.splitlines()[0] == "row,line,id,triage,condition,techniques,avoid,red_flags,not_asked,error"
    assert not result.stdout.startswith("\ufeff")  # no byte-order mark on a stream
    result = run("--output-format", "html")
    assert result.stdout.startswith("<!DOCTYPE html>")


# --- the Python API: pairing results with rows, with a generator -----------------------------------

def clinic_rows():
    """A generator: it can be read once only, as a file or a queue."""
    yield {"id": "a", "location": "lower", "symptoms": ["spasm"]}
    yield {"id": "b", "location": "lower", "symptoms": ["saddle numbness"]}
    yield {"id": "c", "location": "hip"}
    yield {"id": "d", "location": "lower", "symptom": ["saddle-numbness"]}
    yield {"id": "e", "location": "Lower back", "history": ["blood thinners"]}


def test_recommend_many_with_rows_pairs_each_result_with_its_row_from_a_generator():
    pairs = [(row["id"], result) for row, result in recommend_many(clinic_rows(), with_rows=True)]
    assert [row_id for row_id, _ in pairs] == ["a", "b", "c", "d", "e"]
    results = dict(pairs)
    assert results["b"].triage == "emergency"
    assert isinstance(results["c"], InvalidAnswer) and isinstance(results["d"], InvalidAnswer)
    assert results["e"].triage != "emergency"


def _python_blocks(section: str) -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    start = readme.index(section)
    end = readme.find("\n## ", start + 1)
    return re.findall(r"```python\n(.*?)```", readme[start:end if end > 0 else None], re.S)


def _run_example(example: str, capsys) -> dict[str, str]:
    exec(compile(example, "README.md", "exec"), {"read_rows": clinic_rows, "rows": clinic_rows()})
    said: dict[str, str] = {}
    for line in capsys.readouterr().out.splitlines():
        row_id, _, what = line.partition(" ")
        said[row_id] = what
    return said


def test_the_readme_batch_example_runs_with_a_generator(capsys):
    [example] = [block for block in _python_blocks("## Batch triage") if "recommend_many" in block]
    said = _run_example(example, capsys)
    assert said == {"b": "must see a doctor first", "c": "invalid: location", "d": "invalid: symptom"}


def test_the_readme_api_example_pairs_each_row_right_with_a_generator(capsys):
    [example] = [block for block in _python_blocks("## Python API") if "recommend_many(" in block
                 and "for row" in block]
    said = _run_example(example, capsys)
    assert said.get("b") == "must see a doctor first"
    assert {row_id for row_id, what in said.items() if "doctor" in what} == {"b"}
    assert {row_id for row_id, what in said.items() if "invalid" in what} == {"c", "d"}


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "=HYPERLINK(\"http://x\")"])
def test_a_cell_a_spreadsheet_would_run_as_a_formula_starts_with_an_apostrophe(tmp_path, value):
    export = tmp_path / "export.jsonl"
    export.write_text(json.dumps({"id": value, "location": "lower"}) + "\n", encoding="utf-8")
    out = tmp_path / "triage.csv"
    assert CliRunner().invoke(app, ["batch", str(export), "-o", str(out)]).exit_code == 0
    [row] = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert not row["id"].startswith(("=", "+", "-", "@", "\t", "\r"))
    assert row["id"] in ("'" + value, " x", "\\rx")  # a tab or CR is shown, not kept
