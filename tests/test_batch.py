"""`backmassage batch` (SPEC sections 6 and 8): every row accounted for, in order, atomically."""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from backmassage import recommend
from backmassage.cli import app
from backmassage.vocabulary import CHOICES

SECTION_4_KEYS = set(recommend(location="lower").to_dict())
ERROR_KEYS = {"row", "line", "id", "error", "errors"}
HEADER = "id,location,cause,symptoms,history,duration,age,pressure\n"


def records(stdout: str) -> list[dict]:
    lines = stdout.splitlines()
    assert all(line.startswith("{") for line in lines), stdout[:500]
    return [json.loads(line) for line in lines]


def body(record: dict) -> dict:
    return {k: v for k, v in record.items() if k not in ("row", "line", "id")}


def invoke(*args: str, input: bytes | str | None = None):
    return CliRunner().invoke(app, ["batch", *args], input=input)


def write(path: Path, text: str | bytes) -> Path:
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


@pytest.fixture
def intake(tmp_path: Path) -> Path:
    return write(tmp_path / "intake.csv", HEADER
                 + "p1,lower,lifting,spasm;stiffness,,3d,40,firm\n"
                 + "p2,neck,posture,\"stiffness, headaches\",,6w,34,\n"
                 + "p3,lower,,saddle-numbness,,2d,51,\n"
                 + "p4,upper,sports,knot,osteoporosis,2w,70,light\n")


# --- the happy path ------------------------------------------------------------------------------

def test_csv_rows_in_equal_records_out_in_order_with_row_line_id_and_section_4(intake):
    result = invoke(str(intake))
    assert result.exit_code == 0, result.stderr
    assert result.exception is None
    out = records(result.stdout)
    assert [r["row"] for r in out] == [1, 2, 3, 4]
    assert [r["line"] for r in out] == [2, 3, 4, 5]
    assert [r["id"] for r in out] == ["p1", "p2", "p3", "p4"]
    for record in out:
        assert set(record) == {"row", "line", "id"} | SECTION_4_KEYS
    assert out[2]["triage"] == "emergency" and out[2]["techniques"] == []  # saddle numbness
    assert "4 rows" in result.stderr and "emergency (1): p3" in result.stderr


def test_each_record_is_exactly_what_recommend_gives(intake):
    out = records(invoke(str(intake)).stdout)
    assert body(out[0]) == recommend(location="lower", cause="lifting", symptoms=["spasm", "stiffness"],
                                     duration="3d", age=40, pressure="firm").to_dict()
    assert body(out[1]) == recommend(location="neck", cause="posture", symptoms=["stiffness", "headaches"],
                                     duration="6w", age=34).to_dict()


def test_records_are_compact_single_line_json_dumps(intake):
    stdout = invoke(str(intake)).stdout
    assert stdout.count("\n") == 4 and stdout.endswith("}\n")
    first = stdout.splitlines()[0]
    assert first == json.dumps(json.loads(first), ensure_ascii=False, separators=(",", ":"))


def test_jsonl_with_arrays_blank_lines_and_a_missing_id(tmp_path):
    path = write(tmp_path / "intake.jsonl",
                 '{"id": 7, "location": "lower", "symptoms": ["spasm", "knot"], "age": 40}\n'
                 "\n   \n"
                 '{"location": "neck", "cause": "posture", "history": [], "duration": "3w"}\n'
                 '\r\n'
                 '{"id": "x", "location": "upper", "symptoms": "stiffness,knot"}\n')
    result = invoke(str(path))
    assert result.exit_code == 0, result.stderr
    out = records(result.stdout)
    assert [(r["row"], r["line"], r["id"]) for r in out] == [(1, 1, 7), (2, 4, None), (3, 6, "x")]
    assert body(out[0]) == recommend(location="lower", symptoms=["spasm", "knot"], age=40).to_dict()


def test_screened_and_unsure_columns_reach_the_advice(tmp_path):
    path = write(tmp_path / "intake.csv", "id,location,screened,unsure\n"
                 "a,lower,yes,\nb,lower,,\nc,lower,no,fever\n")
    out = records(invoke(str(path)).stdout)
    assert out[0]["not_asked"] == [] and out[1]["not_asked"]  # screened: every warning sign answered
    assert out[2]["unsure"] == ["fever"] and out[2]["triage"] != "massage"


# --- bad rows: every problem at once, with the right line ------------------------------------------

def test_bad_csv_rows_become_error_records_and_exit_3(tmp_path):
    path = write(tmp_path / "intake.csv", HEADER
                 + "a,lower,lifting,,,3d,40,\n"
                 + "b,hip,lifting,,,3d,40,\n"
                 + "\n"
                 + "c,lower,lifting,spasm;itching,,3d,40,\n"
                 + "d,lower,,,,3 fortnights,,\n"
                 + "e,lower,,,,,200,\n"
                 + "f,,lifting,,,,,\n"
                 + "g,lower,,,,,,,,too,many\n"
                 + "h,neck,,,,,,\n")
    result = invoke(str(path))
    assert result.exit_code == 3, result.stderr
    out = records(result.stdout)
    assert [r["row"] for r in out] == list(range(1, 9))  # the blank line is not a row
    assert [r["line"] for r in out] == [2, 3, 5, 6, 7, 8, 9, 10]  # but it is a line
    assert [r["id"] for r in out] == list("abcdefgh")
    errors = {r["row"]: r for r in out if "error" in r}
    assert set(errors) == {2, 3, 4, 5, 6, 7}
    for record in out:
        assert set(record) in (ERROR_KEYS, {"row", "line", "id"} | SECTION_4_KEYS)
    assert errors[2]["errors"][0]["column"] == "location" and errors[2]["errors"][0]["value"] == "hip"
    assert "lower, upper, neck, widespread" in errors[2]["error"]
    assert errors[3]["errors"][0]["column"] == "symptoms" and "itching" in errors[3]["error"]
    assert errors[4]["errors"][0]["column"] == "duration"
    assert errors[5]["errors"][0]["column"] == "age" and "120" in errors[5]["error"]
    assert "location" in errors[6]["error"] and "required" in errors[6]["error"]
    assert "line 9" in errors[7]["error"] and "header" in errors[7]["error"]
    assert "6 rows" in result.stderr and "lines 3, 5, 6, 7, 8, 9" in result.stderr


def test_every_problem_of_a_row_is_reported_at_once(tmp_path):
    path = write(tmp_path / "intake.csv", "id,location,symptoms,history,age,pressure\n"
                 'x,hip,"back spasms, itching",blood thinners,fifty,deepest\n')
    result = invoke(str(path))
    assert result.exit_code == 3
    [record] = records(result.stdout)
    assert [e["column"] for e in record["errors"]] == ["location", "symptoms", "age", "pressure"]
    assert [e["value"] for e in record["errors"]][:1] == ["hip"]
    assert all(e["message"] for e in record["errors"])
    assert all(e["column"] in record["error"] for e in record["errors"])


def test_bad_jsonl_lines_become_error_records(tmp_path):
    path = write(tmp_path / "intake.jsonl", "\n".join([
        '{"id": 1, "location": "lower"}',
        '{"id": 2, "location": "lower", "age": NaN}',
        '{"id": 3, "location": "lower", "location": "neck"}',
        '["lower"]',
        '{"id": 5, "location": "lower",',
        '',
        '"just text"',
        '{"id": 7, "location": "lower", "age": 1e999}',
        '{"id": 8, "location": "lower", "symptoms": {"spasm": true}}',
        '{"id": 9, "location": "lower", "age": 40.5}',
        '{"id": 10, "location": 5}',
        '{"id": 11, "location": "neck"}',
    ]) + "\n")
    result = invoke(str(path))
    assert result.exit_code == 3
    out = records(result.stdout)
    assert [r["row"] for r in out] == list(range(1, 12))
    assert [r["line"] for r in out] == [1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12]
    errors = {r["row"]: r["error"] for r in out if "error" in r}
    assert set(errors) == set(range(2, 11))
    assert "NaN" in errors[2] and "line 2" in errors[2]
    assert "'location' appears twice" in errors[3]
    assert "JSON object" in errors[4] and "array" in errors[4]
    assert "not valid JSON" in errors[5] and "line 5" in errors[5]
    assert "line 7" in errors[6] and "string" in errors[6]  # the blank line 6 is skipped, not a row
    assert "too large" in errors[7]
    assert errors[8].startswith("symptoms:")
    assert errors[9].startswith("age:")
    assert errors[10].startswith("location:")
    assert out[10]["id"] == 11 and out[10]["triage"]


def test_an_oversized_csv_field_is_a_row_error_and_reading_goes_on(tmp_path):
    path = write(tmp_path / "intake.csv", HEADER + "a,lower,,,,,,\n" + f"b,lower,,{'x' * 200_000},,,,\n" + "c,neck,,,,,,\n")
    result = invoke(str(path))
    assert result.exit_code == 3
    out = records(result.stdout)
    assert [r["row"] for r in out] == [1, 2, 3]
    assert "longer than 131,072" in out[1]["error"] and out[2]["id"] == "c" and "triage" in out[2]


def test_nul_bytes_make_row_errors_not_crashes(tmp_path):
    path = write(tmp_path / "nul.csv", HEADER + "a,low\0er,,,,,,\n" + "b,lower,,,,,,\n")
    result = invoke(str(path))
    assert result.exit_code == 3
    out = records(result.stdout)
    assert out[0]["error"].startswith("location:") and "triage" in out[1]
    path = write(tmp_path / "nul.jsonl", '{"location": "lo\0wer"}\n{"location": "lower"}\n')
    result = invoke(str(path))
    assert result.exit_code == 3
    out = records(result.stdout)
    assert "line 1" in out[0]["error"] and "triage" in out[1]


def test_a_lone_surrogate_in_a_jsonl_id_is_written_escaped_and_valid(tmp_path):
    path = write(tmp_path / "intake.jsonl", '{"id": "\\ud800x", "location": "lower"}\n')
    result = invoke(str(path))
    assert result.exit_code == 0, result.stderr
    assert '"id":"\\ud800x"' in result.stdout
    assert records(result.stdout)[0]["id"] == "\ud800x"


# --- CSV details: BOM, quoting, lists, delimiters, headers ----------------------------------------

def test_csv_with_a_byte_order_mark_crlf_and_quoted_fields(tmp_path):
    text = ('\ufeffID,Location ,Cause,Symptoms,History,Duration,Age,Pressure\r\n'
            '"p ""1""",lower,lifting,"spasm, stiffness",,3d,40,\r\n'
            '"multi\nline",neck,,"headaches;stiffness",,,,\r\n'
            'p3,lower,,,,,,\r\n')
    path = write(tmp_path / "bom.csv", text.encode("utf-8"))
    result = invoke(str(path))
    assert result.exit_code == 0, result.stderr
    out = records(result.stdout)
    assert [r["id"] for r in out] == ['p "1"', "multi\nline", "p3"]
    assert [r["line"] for r in out] == [2, 3, 5]  # the quoted line break: the row after starts on line 5
    assert out[0]["explanation"] == recommend(location="lower", cause="lifting", symptoms=["spasm", "stiffness"],
                                              duration="3d", age=40).to_dict()["explanation"]


def test_semicolon_and_comma_lists_mean_the_same(tmp_path):
    path = write(tmp_path / "lists.csv", "location,symptoms,history\n"
                 'lower,spasm;knot,osteoarthritis;anticoagulants\n'
                 'lower,"spasm,knot","osteoarthritis, anticoagulants"\n'
                 'lower,"spasm ; knot ;",osteoarthritis;anticoagulants\n')
    out = records(invoke(str(path)).stdout)
    assert body(out[0]) == body(out[1]) == body(out[2])
    assert out[0]["id"] is None  # no id column


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_a_semicolon_or_tab_delimited_export_is_read(tmp_path, delimiter):
    path = write(tmp_path / "export.csv", f"id{delimiter}location{delimiter}symptoms\n"
                 f"1{delimiter}lower{delimiter}spasm,knot\n")
    result = invoke(str(path))
    assert result.exit_code == 0, result.stderr
    assert records(result.stdout)[0]["id"] == "1"


def test_unknown_columns_are_ignored_with_one_short_warning(tmp_path):
    path = write(tmp_path / "extra.csv", "id,name,location,notes\n1,Ann,lower,x\n2,Bob,neck,y\n")
    result = invoke(str(path))
    assert result.exit_code == 0
    assert len(records(result.stdout)) == 2
    assert result.stderr.count("warning") == 1 and "'name'" in result.stderr and "'notes'" in result.stderr


def test_a_header_of_many_unknown_columns_gives_a_short_warning(tmp_path):
    names = ",".join(f"extra{n}" for n in range(900))
    path = write(tmp_path / "wide.csv", f"location,{names}\nlower\n")
    result = invoke(str(path))
    assert result.exit_code == 0
    [warning] = [line for line in result.stderr.splitlines() if "warning" in line]
    assert len(warning) < 300 and "892 more" in warning


def test_too_many_columns_are_refused(tmp_path):
    path = write(tmp_path / "wider.csv", "location," + ",".join(f"c{n}" for n in range(5000)) + "\nlower\n")
    result = invoke(str(path))
    assert result.exit_code == 2 and "at most 1,000" in result.stderr


@pytest.mark.parametrize("header", ["symptom", "Symptom Notes", "Ages", "Blood Pressure", "Histories"])
def test_a_column_that_looks_like_an_answer_is_refused_with_how_to_map_it(tmp_path, header):
    # silently dropping "symptom" could hide a warning sign; reading "Blood Pressure" as pressure is wrong
    path = write(tmp_path / "typo.csv", f"id,location,{header}\n1,lower,saddle-numbness\n")
    result = invoke(str(path))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"'{header}'" in result.stderr and f'--map "{header}=' in result.stderr


def test_map_reads_a_column_of_another_name_and_can_ignore_one(tmp_path):
    path = write(tmp_path / "export.csv", "Client,Pain Location,Blood Pressure,Symptom List\n"
                 "c1,Lower back,120/80,saddle numbness\n")
    result = invoke(str(path), "--map", "Pain Location=location", "--map", "Blood Pressure=",
                    "--map", "symptom list=Symptoms", "--map", "CLIENT=id")
    assert result.exit_code == 0, result.stderr
    [record] = records(result.stdout)
    assert record["id"] == "c1" and record["triage"] == "emergency"


@pytest.mark.parametrize("mapping, needle", [
    ("Pain Location", "COLUMN=answer"),
    ("Pain Location=place", "is not an answer"),
    ("Pain Location=locaton", "Did you mean 'location'"),
    ("Nowhere=location", "no column 'Nowhere'"),
])
def test_a_wrong_map_exits_2(tmp_path, mapping, needle):
    path = write(tmp_path / "export.csv", "Where\nlower\n")
    result = invoke(str(path), "--map", mapping)
    assert result.exit_code == 2
    assert needle in result.stderr and result.stdout == ""


def test_a_jsonl_key_that_looks_like_an_answer_makes_the_row_an_error_with_its_other_problems(tmp_path):
    path = write(tmp_path / "typo.jsonl", '{"location": "lower", "symptom": ["saddle-numbness"]}\n'
                 '{"Location": "lower", "Symptoms": ["spasm"], "clinic": "north"}\n'
                 '{"location": "hip", "symptom": ["spasm"], "clinic": "south"}\n'
                 '{"Pain Location": "neck", "clinic": "east"}\n')
    result = invoke(str(path), "--map", "Pain Location=location")
    assert result.exit_code == 3
    out = records(result.stdout)
    assert out[0]["errors"][0]["column"] == "symptom" and "symptoms" in out[0]["error"]
    assert "triage" in out[1] and "triage" in out[3]  # case of keys ignored; mapped keys read
    assert [e["column"] for e in out[2]["errors"]] == ["symptom", "location"]
    assert result.stderr.count("'clinic'") == 1


def test_a_csv_without_a_location_column_is_refused_with_the_map_hint(tmp_path):
    path = write(tmp_path / "nolocation.csv", "id,cause\n1,lifting\n")
    result = invoke(str(path))
    assert result.exit_code == 2 and result.stdout == ""
    assert "location" in result.stderr and "--map" in result.stderr


def test_an_empty_input_is_an_empty_batch(tmp_path):
    result = invoke(str(write(tmp_path / "empty.csv", "")))
    assert result.exit_code == 0 and result.stdout == ""
    result = invoke(str(write(tmp_path / "header-only.csv", HEADER)))
    assert result.exit_code == 0 and result.stdout == ""
    assert "0 rows" in result.stderr


# --- input sources and formats --------------------------------------------------------------------

def test_stdin_with_format(intake):
    result = invoke("-", "--format", "csv", input=intake.read_bytes())
    assert result.exit_code == 0, result.stderr
    assert result.stdout == invoke(str(intake)).stdout
    result = invoke("-", "--format", "JSONL", input='{"location": "lower"}\n{"location": "neck"}\n')
    assert result.exit_code == 0 and len(records(result.stdout)) == 2


def test_format_overrides_the_extension(tmp_path):
    path = write(tmp_path / "intake.txt", '{"location": "lower"}\n')
    assert invoke(str(path)).exit_code == 2
    result = invoke(str(path), "--format", "jsonl")
    assert result.exit_code == 0 and len(records(result.stdout)) == 1


@pytest.mark.parametrize("args, needle", [
    (["-"], "--format"),
    (["x.csv", "--format", "xml"], "csv, jsonl"),
    (["intake.xlsx"], ".xlsx"),
    (["missing.csv"], "cannot read missing.csv"),
    (["x.csv", "-o", "out.xlsx"], "--output-format"),
    (["x.csv", "--output-format", "pdf"], "jsonl, csv, html"),
])
def test_unusable_input_output_or_format_exits_2(tmp_path, monkeypatch, args, needle):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "intake.xlsx", "PK")
    write(tmp_path / "x.csv", "location\nlower\n")
    result = invoke(*args, input="")
    assert result.exit_code == 2, result.stderr
    assert result.stdout == ""
    assert needle in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out.xlsx").exists()


def test_a_folder_or_unreadable_file_exits_2(tmp_path):
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    result = invoke(str(folder))
    assert result.exit_code == 2 and "cannot read" in result.stderr and result.stdout == ""
    if os.geteuid() != 0:  # root reads anything
        locked = write(tmp_path / "locked.csv", HEADER)
        locked.chmod(0)
        assert invoke(str(locked)).exit_code == 2


def test_a_bad_kb_exits_2(intake, tmp_path):
    result = invoke(str(intake), "--kb", str(tmp_path / "nowhere"))
    assert result.exit_code == 2 and result.stdout == ""
    assert "nowhere" in result.stderr


def test_the_kb_option_is_used(intake, kb_copy):
    manifest = kb_copy / "manifest.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace('knowledge_version: "', 'knowledge_version: "test-'),
                        encoding="utf-8")
    out = records(invoke(str(intake), "--kb", str(kb_copy)).stdout)
    assert all(r["knowledge_version"].startswith("test-") for r in out)


# --- output: atomic, never partial ---------------------------------------------------------------

def test_output_file_is_written_and_replaced_atomically(intake, tmp_path):
    out = tmp_path / "triage.jsonl"
    out.write_text("old\n")
    out.chmod(0o644)
    result = invoke(str(intake), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert len(records(out.read_text(encoding="utf-8"))) == 4
    assert (out.stat().st_mode & 0o777) == 0o644  # the replaced file keeps its permissions
    assert sorted(p.name for p in tmp_path.iterdir()) == ["intake.csv", "triage.jsonl"]
    assert "written to" in result.stderr


def test_a_new_output_file_is_private(intake, tmp_path):
    out = tmp_path / "new.jsonl"
    assert invoke(str(intake), "-o", str(out)).exit_code == 0
    assert (out.stat().st_mode & 0o077) == 0  # health data: readable by its owner only


@pytest.mark.parametrize("extension", ["jsonl", "csv", "html"])
def test_interrupted_midway_exits_130_and_leaves_the_old_output_untouched(intake, tmp_path, monkeypatch, extension):
    from backmassage import batch as batching

    out = tmp_path / f"triage.{extension}"
    out.write_bytes(b"previous results\n")
    real = batching.triage

    def interrupted(*args):
        for count, item in enumerate(real(*args)):
            if count == 2:
                raise KeyboardInterrupt
            yield item

    monkeypatch.setattr(batching, "triage", interrupted)
    result = invoke(str(intake), "-o", str(out))
    assert result.exit_code == 130
    assert out.read_bytes() == b"previous results\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["intake.csv", out.name]  # no temporary file
    assert "Traceback" not in result.stderr


def test_an_unreadable_row_midway_is_that_rows_error_not_the_end_of_the_run(tmp_path):
    # past the first 64 KiB that a decoder reads at once (issue 13, item 10)
    pad = "n" * 60
    big = "id,location,notes\n" + "".join(f"{n},lower,{pad}\n" for n in range(1_500))
    path = write(tmp_path / "late.csv", big.encode() + "x,lower,é\n".encode("latin-1") + b"y,neck,\n")
    assert path.stat().st_size > 1 << 16
    out = tmp_path / "out.jsonl"
    result = invoke(str(path), "-o", str(out))
    assert result.exit_code == 3
    out_records = records(out.read_text(encoding="utf-8"))
    assert len(out_records) == 1_502
    assert out_records[-2]["id"] == "x" and "--encoding" in out_records[-2]["error"]
    assert out_records[-2]["line"] == 1_502 and out_records[-1]["triage"]
    assert "--encoding" in result.stderr


def test_undecodable_rows_are_errors_and_the_encoding_option_reads_them(tmp_path):
    path = write(tmp_path / "excel.csv", (HEADER + "1,lower,,,,,,\n2,neck,,,,,,\nMüller,lower,,,,,,\n").encode("cp1252"))
    result = invoke(str(path))
    assert result.exit_code == 3
    out = records(result.stdout)
    assert [("error" in r) for r in out] == [False, False, True]
    assert out[2]["id"] == "M\ufffdller" and "cp1252" in out[2]["error"]
    result = invoke(str(path), "--encoding", "cp1252")
    assert result.exit_code == 0, result.stderr
    assert records(result.stdout)[2]["id"] == "Müller"


def test_output_problems_exit_2_before_reading(intake, tmp_path):
    result = invoke(str(intake), "-o", str(tmp_path / "no" / "such" / "dir.jsonl"))
    assert result.exit_code == 2 and "does not exist" in result.stderr
    result = invoke(str(intake), "-o", str(tmp_path))
    assert result.exit_code == 2 and "folder" in result.stderr
    result = invoke(str(intake), "-o", str(intake))
    assert result.exit_code == 2 and "input file" in result.stderr
    assert intake.read_text().startswith(HEADER)


def test_the_summary_lists_the_first_20_invalid_lines_and_counts_the_rest(tmp_path):
    path = write(tmp_path / "many.csv", "id,location\n" + "".join(f"x{n},hip\n" for n in range(25)) + "ok,lower\n")
    result = invoke(str(path))
    assert result.exit_code == 3
    [line] = [line for line in result.stderr.splitlines() if "invalid" in line]
    assert "25 rows" in line and "lines " + ", ".join(str(n) for n in range(2, 22)) + " and 5 more" in line


def test_paths_and_values_from_the_input_reach_stderr_escaped(tmp_path):
    result = invoke(str(tmp_path / "in\x1b[31mput.csv"))
    assert result.exit_code == 2 and "\x1b" not in result.stderr and "\\x1b[31m" in result.stderr
    path = write(tmp_path / "odd.csv", "location,Note\x1b]0;x\x07\nlower,\n")
    result = invoke(str(path), "-o", str(tmp_path / "out\x9b.jsonl"))
    assert result.exit_code == 0
    assert not any(ch in result.stderr for ch in "\x1b\x07\x9b")
    assert "\\x1b]0;x\\x07" in result.stderr and "\\x9b" in result.stderr


def test_quiet_prints_no_summary(intake):
    result = invoke(str(intake), "--quiet")
    assert result.exit_code == 0 and result.stderr == ""


def test_piped_stderr_has_no_progress_bar(intake):
    result = invoke(str(intake))
    assert "\r" not in result.stderr and "\x1b" not in result.stderr


# --- real processes: streaming, SIGINT, a terminal ------------------------------------------------

def _spawn(*args: str, tmp_path: Path) -> subprocess.Popen:
    """The real program in a child process, with pipes (use it in a with block: it is killed at the end)."""
    env = dict(os.environ, PYTHONUNBUFFERED="0")
    return _Child([sys.executable, "-m", "backmassage", "batch", *args], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path, env=env)


class _Child(subprocess.Popen):
    def __exit__(self, *exc):
        if self.poll() is None:
            self.kill()
        return super().__exit__(*exc)


def _readline(stream, deadline: float) -> bytes:
    """One line from a pipe, waiting at most until the deadline (a hang fails, it is not a speed test)."""
    line = b""
    while not line.endswith(b"\n"):
        ready, _, _ = select.select([stream], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            raise AssertionError(f"no complete output line in time (got {line!r})")
        chunk = os.read(stream.fileno(), 1)
        if not chunk:
            break
        line += chunk
    return line


def test_the_first_line_comes_out_before_the_input_ends(tmp_path):
    with _spawn("-", "--format", "jsonl", tmp_path=tmp_path) as process:
        process.stdin.write(b'{"id": "first", "location": "lower"}\n')
        process.stdin.flush()
        first = json.loads(_readline(process.stdout, time.monotonic() + 60))
        assert first["row"] == 1 and first["id"] == "first"
        assert process.poll() is None  # still running: the input has not ended
        process.stdin.write(b'{"id": "second", "location": "neck"}\n')
        process.stdin.close()
        rest = process.stdout.read()
        assert process.wait(timeout=60) == 0
        assert json.loads(rest)["row"] == 2


# Signals (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1): tests/test_batch_hardening.py.


def test_a_progress_bar_shows_when_stderr_is_a_terminal(tmp_path):
    pexpect = pytest.importorskip("pexpect")
    fifo = tmp_path / "rows.jsonl"
    os.mkfifo(fifo)
    out = tmp_path / "out.jsonl"
    child = pexpect.spawn(sys.executable, ["-m", "backmassage", "batch", str(fifo), "-o", str(out)],
                          env=dict(os.environ, TERM="xterm-256color"), timeout=60, dimensions=(24, 100))
    try:
        deadline = time.monotonic() + 60
        while True:  # the child opens the FIFO when it starts; a child that died fails here, not hangs
            try:
                writer = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
                break
            except OSError:
                assert time.monotonic() < deadline and child.isalive()
                time.sleep(0.05)
        os.set_blocking(writer, True)
        os.write(writer, b'{"location": "lower"}\n' * 10)
        child.expect(r"10 rows, [\d,]+ rows/s")  # drawn at once, while the run waits for more input
        os.write(writer, b'{"location": "neck"}\n' * 290)
        os.close(writer)
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
    assert "300 rows" in child.before.decode("utf-8", "replace")
    assert "rows/s" not in child.before.decode("utf-8", "replace").split("300 rows")[-1]  # the bar is gone
    assert len(out.read_text().splitlines()) == 300


# --- never crashes: any input gives 0, 2 or 3 and one line per row ------------------------------

_jsonish = st.one_of(
    st.text(max_size=30),
    st.sampled_from(list(CHOICES["location"]) + ["", " ", "LOWER", "hip"]).map(json.dumps),
    st.builds(lambda loc, sym, age: json.dumps({"location": loc, "symptoms": sym, "age": age}),
              st.sampled_from(["lower", "neck", "hip", ""]),
              st.lists(st.sampled_from(list(CHOICES["symptoms"]) + ["x"]), max_size=3),
              st.one_of(st.integers(-5, 200), st.text(max_size=3), st.none())),
)


@given(st.lists(_jsonish, max_size=8), st.booleans())
def test_any_jsonl_gives_one_line_per_non_blank_line(lines, bom):
    text = ("\ufeff" if bom else "") + "\n".join(lines) + "\n"
    result = invoke("-", "--format", "jsonl", "--quiet", input=text.encode("utf-8", "surrogatepass"))
    assert result.exit_code in (0, 2, 3), result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    if result.exit_code != 2:
        physical = re.split(r"\r\n|\r|\n", text.lstrip("\ufeff"))
        expected = sum(1 for line in physical if line and not line.isspace())
        out = records(result.stdout)
        assert [r["row"] for r in out] == list(range(1, expected + 1))
        lines = [r["line"] for r in out]
        assert lines == sorted(set(lines)) and all(1 <= n <= len(physical) for n in lines)


@given(st.text(alphabet=st.sampled_from(list('abc,;"\n\r\t lower neck spasm 3d 40 ')), max_size=120))
def test_any_csv_gives_exit_0_2_or_3_and_numbered_lines(body):
    result = invoke("-", "--format", "csv", "--quiet", input=(HEADER + body).encode())
    assert result.exit_code in (0, 2, 3), result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    out = records(result.stdout)
    assert [r["row"] for r in out] == list(range(1, len(out) + 1))
    lines = [r["line"] for r in out]
    assert lines == sorted(set(lines)) and all(n >= 2 for n in lines)


def test_the_progress_bar_shows_rows_rate_and_time_left_when_the_size_is_known():
    import io

    from rich.console import Console

    from backmassage.batch import Progress

    screen = io.StringIO()
    bar = Progress(1_000_000, console=Console(file=screen, force_terminal=True, width=100))
    with bar:
        assert bar.next_at == 0.0  # the first row updates at once
        time.sleep(0.05)
        bar.update(147, 250_000)
        assert bar.next_at > time.monotonic()  # then by time, not by row count
    shown = screen.getvalue()
    assert "147 rows" in shown and "rows/s" in shown and "left" in shown and "25%" in shown
    screen = io.StringIO()
    with Progress(None, console=Console(file=screen, force_terminal=True, width=100)) as bar:
        bar.update(3, 0)
    assert "3 rows" in screen.getvalue() and "left" not in screen.getvalue()


def test_no_progress_bar_when_the_records_go_to_the_same_terminal(tmp_path):
    pexpect = pytest.importorskip("pexpect")
    path = write(tmp_path / "rows.jsonl", '{"location": "lower"}\n' * 5)
    child = pexpect.spawn(sys.executable, ["-m", "backmassage", "batch", str(path)],
                          env=dict(os.environ, TERM="xterm-256color"), timeout=60, dimensions=(24, 100))
    child.expect(pexpect.EOF)
    child.close()
    shown = child.before.decode("utf-8", "replace")
    assert child.exitstatus == 0 and shown.count('{"row":') == 5
    assert "rows, " not in shown and "5 rows in" in shown  # the summary, but no bar drawn over the records

