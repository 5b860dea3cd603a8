"""Issue 13, the batch and output items: each test is the attack, and what a person sees.

1 -o onto devices, FIFOs and symlinks; 3 bounded lines and fields; 4 a huge age kills one row
only; 5 every catchable signal leaves no temporary file; 9 --encoding takes text codecs only;
10 invalid UTF-8 in one row is that row's error; 13 controls in ids escaped; 15 long -o names;
16 closed stdout and stderr, and a reader that goes away (| head -1).
"""

from __future__ import annotations

import io
import json
import os
import select
import signal
import stat
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from backmassage import InvalidAnswer, recommend_many
from backmassage.cli import app

ROW = b'{"id": "p", "location": "lower", "symptoms": ["spasm"]}\n'
TIMEOUT = 60  # a hang fails; these are not speed tests
# Characters that must never reach a terminal raw: C0, DEL, C1, direction marks, line separators, surrogates.
UNSAFE = {chr(c) for c in [*range(0x20), *range(0x7F, 0xA0), 0x061C, *range(0x200B, 0x2010), *range(0x2028, 0x202F),
                           *range(0x2060, 0x206A), 0xFEFF, *range(0xD800, 0xE000)]}


def invoke(*args: str, input: bytes | str | None = None):
    return CliRunner().invoke(app, ["batch", *args], input=input)


def records(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def spawn(*args: str, cwd: Path, **options) -> subprocess.Popen:
    options.setdefault("stdin", subprocess.PIPE)
    options.setdefault("stdout", subprocess.PIPE)
    options.setdefault("stderr", subprocess.PIPE)
    return subprocess.Popen([sys.executable, "-m", "backmassage", "batch", *args], cwd=cwd, **options)


def wait_for_temp(folder: Path, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not any(p.name.endswith(".tmp") for p in folder.iterdir()):
        assert time.monotonic() < deadline and process.poll() is None, "the run never started writing"
        time.sleep(0.02)


@pytest.fixture
def intake(tmp_path: Path) -> Path:
    path = tmp_path / "intake.jsonl"
    path.write_bytes(ROW * 3)
    return path


# --- 1: devices, FIFOs and symlinks are written to, never replaced -------------------------------

def test_dev_null_stays_a_device(intake):
    before = os.stat("/dev/null")
    result = invoke(str(intake), "-o", "/dev/null")
    assert result.exit_code == 0, result.stderr
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev and after.st_mode == before.st_mode


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_a_device_node_stays_a_device_node(intake, tmp_path):
    node = tmp_path / "n"
    os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # /dev/null's numbers
    result = invoke(str(intake), "-o", str(node))
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISCHR(node.stat().st_mode) and node.stat().st_rdev == os.makedev(1, 3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["intake.jsonl", "n"]


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_a_block_device_is_refused(intake, tmp_path):
    node = tmp_path / "disk"
    os.mknod(node, 0o600 | stat.S_IFBLK, os.makedev(7, 200))
    result = invoke(str(intake), "-o", str(node))
    assert result.exit_code == 2 and "block device" in result.stderr
    assert stat.S_ISBLK(node.stat().st_mode)


def test_dev_full_is_a_clean_error(intake):
    result = invoke(str(intake), "-o", "/dev/full")
    assert result.exit_code == 2
    assert "cannot write /dev/full" in result.stderr and "Traceback" not in result.stderr


def test_a_fifo_is_written_to_and_stays_a_fifo(intake, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = invoke(str(intake), "-o", str(fifo))
    reader.join(TIMEOUT)
    assert result.exit_code == 0, result.stderr
    assert len(records(received[0].decode())) == 3
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_a_symlink_stays_a_link_and_its_target_is_replaced(intake, tmp_path):
    target = tmp_path / "real" / "triage.jsonl"
    target.parent.mkdir()
    target.write_text("old\n")
    link = tmp_path / "latest.jsonl"
    link.symlink_to(target)
    result = invoke(str(intake), "-o", str(link))
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert len(records(target.read_text())) == 3
    assert sorted(p.name for p in target.parent.iterdir()) == ["triage.jsonl"]


def test_dev_stdout_is_the_stream_whether_a_pipe_or_a_file(intake, tmp_path):
    process = spawn(str(intake), "-o", "/dev/stdout", "-q", cwd=tmp_path, stdin=subprocess.DEVNULL)
    out, err = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 0, err
    assert len(records(out.decode())) == 3
    redirected = tmp_path / "redirected.jsonl"
    with open(redirected, "wb") as file:
        process = spawn(str(intake), "-o", "/dev/stdout", "-q", cwd=tmp_path, stdout=file,
                        stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert process.wait(timeout=TIMEOUT) == 0
    assert len(records(redirected.read_text())) == 3
    assert not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())


# --- 3: bounded lines and fields ------------------------------------------------------------------

def test_dev_zero_as_jsonl_reports_the_row_at_once_and_memory_stays_flat(tmp_path):
    process = spawn("/dev/zero", "--format", "jsonl", cwd=tmp_path, stdin=subprocess.DEVNULL)
    try:
        ready, _, _ = select.select([process.stdout], [], [], TIMEOUT)
        assert ready
        first = json.loads(process.stdout.readline())
        assert first["row"] == 1 and first["line"] == 1 and "longer than 1,048,576 characters" in first["error"]
        time.sleep(1.0)  # still reading /dev/zero: gigabytes by now if it were kept
        status = Path(f"/proc/{process.pid}/status").read_text()
        rss_kb = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM")))
        assert rss_kb < 200_000, f"peak RSS {rss_kb} kB"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=TIMEOUT) == 130
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()


def test_dev_zero_as_csv_is_a_header_too_long(tmp_path):
    result = subprocess.run([sys.executable, "-m", "backmassage", "batch", "/dev/zero", "--format", "csv"],
                            capture_output=True, timeout=TIMEOUT, cwd=tmp_path)
    assert result.returncode == 2 and b"header is longer than 1,048,576" in result.stderr


def _with_peak_memory(run):
    """What ``run()`` returns, and the most memory Python held while it ran."""
    tracemalloc.start()
    try:
        result = run()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_an_unclosed_quote_is_one_rows_error_in_bounded_memory_and_reading_goes_on():
    data = b'id,location\na,"lower\n' + b"\n" * 140_000 + b"z,neck\n"
    result, peak = _with_peak_memory(lambda: invoke("-", "--format", "csv", input=data))
    assert result.exit_code == 3
    out = records(result.stdout)
    assert out[0]["line"] == 2 and "quote left open" in out[0]["error"]
    assert out[-1]["id"] == "z" and out[-1]["triage"] and out[-1]["line"] == 140_003
    assert peak < 40 << 20, f"peak {peak >> 20} MiB"


def test_a_line_far_over_the_limit_is_one_rows_error_and_never_held_whole():
    data = ROW + b'{"id": "big", "pad": "' + b"x" * (12 << 20) + b'"}\n' + ROW
    result, peak = _with_peak_memory(lambda: invoke("-", "--format", "jsonl", input=data))
    assert result.exit_code == 3
    out = records(result.stdout)
    assert [r["row"] for r in out] == [1, 2, 3] and out[1]["line"] == 2 and "longer than" in out[1]["error"]
    assert out[2]["triage"]
    assert peak - len(data) < 12 << 20, f"peak {peak >> 20} MiB beyond the input itself"  # not a second copy


# --- 4: one bad row never kills the run ------------------------------------------------------------

def test_a_five_thousand_digit_age_is_one_rows_error(tmp_path):
    path = tmp_path / "ages.csv"
    path.write_text("id,location,age\na,lower,40\nb,lower," + "1" * 5000 + "\nc,neck,30\n")
    result = invoke(str(path))
    assert result.exit_code == 3, result.stderr
    out = records(result.stdout)
    assert [("error" in r) for r in out] == [False, True, False]
    assert out[1]["errors"][0]["column"] == "age" and len(out[1]["error"]) < 600
    path = tmp_path / "ages.jsonl"
    path.write_text('{"location": "lower", "age": ' + "1" * 5000 + '}\n{"location": "neck"}\n')
    result = invoke(str(path))
    assert result.exit_code == 3
    out = records(result.stdout)
    assert "5,000 digits" in out[0]["error"] and out[1]["triage"]


# --- 5: signals --------------------------------------------------------------------------------------

SIGNALS = ("SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGTERM", "SIGINT", "SIGALRM")


def test_every_catchable_signal_midway_leaves_the_old_output_and_no_temporary_file(tmp_path):
    """One child per signal, all at once (a dropped ssh sends SIGHUP, a timeout SIGTERM...)."""
    children = {}
    for name in SIGNALS:
        folder = tmp_path / name
        folder.mkdir()
        (folder / "triage.jsonl").write_bytes(b"yesterday\n")
        children[name] = spawn("-", "--format", "jsonl", "-o", "triage.jsonl", cwd=folder)
    try:
        for name, process in children.items():
            process.stdin.write(ROW * 20)
            process.stdin.flush()
        for name, process in children.items():
            wait_for_temp(tmp_path / name, process)
        time.sleep(0.2)
        for name, process in children.items():
            process.send_signal(getattr(signal, name))
        for name, process in children.items():
            assert process.wait(timeout=TIMEOUT) == 130, name
            folder = tmp_path / name
            assert (folder / "triage.jsonl").read_bytes() == b"yesterday\n", name
            assert sorted(p.name for p in folder.iterdir()) == ["triage.jsonl"], name
            assert b"Traceback" not in process.stderr.read(), name
    finally:
        for process in children.values():
            if process.poll() is None:
                process.kill()
            process.communicate()


# --- 9: --encoding -------------------------------------------------------------------------------------

@pytest.mark.parametrize("codec", ["rot13", "hex", "base64", "zlib", "bz2", "uu", "punycode", "undefined",
                                   "idna", "klingon"])
def test_an_encoding_that_cannot_read_a_file_exits_2(intake, codec):
    result = invoke(str(intake), "--encoding", codec)
    assert result.exit_code == 2, result.stderr
    assert "--encoding" in result.stderr and "Traceback" not in result.stderr and result.stdout == ""


def test_utf16_with_a_byte_order_mark_is_read_and_without_one_is_refused(tmp_path):
    text = "id,location\r\na,lower\r\nb,neck\r\n"
    path = tmp_path / "utf16.csv"
    path.write_bytes(text.encode("utf-16"))  # with its byte-order mark
    result = invoke(str(path), "--encoding", "utf-16")
    assert result.exit_code == 0, result.stderr
    assert [r["id"] for r in records(result.stdout)] == ["a", "b"]
    path.write_bytes(text.encode("utf-16-be"))  # no mark, the other byte order
    result = invoke(str(path), "--encoding", "utf-16")
    assert result.exit_code == 2 and "Traceback" not in result.stderr


# --- 10: invalid UTF-8 in one row ------------------------------------------------------------------------

def test_invalid_utf8_in_a_jsonl_row_is_that_rows_error(tmp_path):
    path = tmp_path / "intake.jsonl"
    path.write_bytes(ROW + b'{"id": "bad", "location": "lo\xffwer"}\n' + ROW)
    result = invoke(str(path))
    assert result.exit_code == 3
    out = records(result.stdout)
    assert out[1]["id"] == "bad" and out[1]["line"] == 2 and "not UTF-8" in out[1]["error"]
    assert out[0]["triage"] and out[2]["triage"]


# --- 13: controls in ids ------------------------------------------------------------------------------------

def test_controls_and_invisible_characters_in_ids_are_escaped_everywhere(tmp_path):
    evil = "a\x9b31mb\x7fc\u202ed\x1b]0;x\x07"
    path = tmp_path / "intake.jsonl"
    path.write_text(json.dumps({"id": evil, "location": "lower", "symptoms": ["saddle-numbness"]}) + "\n",
                    encoding="utf-8")
    result = invoke(str(path))
    assert result.exit_code == 0
    line = result.stdout
    for raw in ("\x9b", "\x7f", "\u202e", "\x1b", "\x07"):
        assert raw not in line and raw not in result.stderr
    assert "\\u009b" in line and "\\u007f" in line and "\\u202e" in line
    assert records(line)[0]["id"] == evil  # the same id, once parsed
    assert "emergency (1): a\\x9b31mb" in result.stderr
    csv_out = tmp_path / "triage.csv"
    assert invoke(str(path), "-o", str(csv_out)).exit_code == 0
    cells = csv_out.read_text(encoding="utf-8-sig")
    assert not any(raw in cells for raw in ("\x9b", "\x7f", "\u202e", "\x1b", "\x07"))


# --- 15: long -o names ------------------------------------------------------------------------------------

def test_an_output_name_as_long_as_the_system_allows_works(intake, tmp_path):
    out = tmp_path / ("t" * 249 + ".jsonl")  # 255 characters: the usual limit of a file name
    result = invoke(str(intake), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert len(records(out.read_text())) == 3


# --- 16: closed streams and a reader that goes away ----------------------------------------------------

def _shell(command: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", command], capture_output=True, timeout=TIMEOUT, cwd=cwd)


def test_with_stdout_closed_batch_says_so_and_exits_2(intake, tmp_path):
    result = _shell(f"'{sys.executable}' -m backmassage batch '{intake}' >&-", tmp_path)
    assert result.returncode == 2, result.stderr
    assert b"output is closed" in result.stderr and b"Traceback" not in result.stderr
    result = _shell(f"'{sys.executable}' -m backmassage batch '{intake}' -o out.jsonl >&-", tmp_path)
    assert result.returncode == 0 and len(records((tmp_path / "out.jsonl").read_text())) == 3


def test_with_stderr_closed_the_exit_codes_stay_right(intake, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(ROW + b'{"location": "hip"}\n')
    result = _shell(f"'{sys.executable}' -m backmassage batch '{bad}' 2>&-", tmp_path)
    assert result.returncode == 3 and len(records(result.stdout.decode())) == 2
    result = _shell(f"'{sys.executable}' -m backmassage batch '{intake}' --format xml 2>&-", tmp_path)
    assert result.returncode == 2


def test_a_reader_that_goes_away_ends_the_run_quietly_with_141(tmp_path):
    big = tmp_path / "big.jsonl"
    big.write_bytes(ROW * 3000)
    result = _shell(f"'{sys.executable}' -m backmassage batch '{big}' | head -1; echo \"${{PIPESTATUS[0]}}\" >&2",
                    tmp_path)
    assert json.loads(result.stdout.splitlines()[0])["row"] == 1
    assert result.stderr.decode().strip() == "141"  # no message, no traceback: only the code


@given(st.one_of(st.text(), st.integers(), st.none(), st.lists(st.text(max_size=5), max_size=3)))
def test_any_id_is_written_as_json_that_reads_back_the_same_with_nothing_live(row_id):
    from backmassage.reports import JsonLinesReport

    out = io.BytesIO()
    JsonLinesReport(out).add_recommendation(1, 2, row_id, {"triage": "massage"})
    line = out.getvalue().decode("utf-8")  # valid UTF-8 even for a lone surrogate
    assert line.endswith("}\n") and line.count("\n") == 1
    assert json.loads(line) == {"row": 1, "line": 2, "id": row_id, "triage": "massage"}
    assert not any(ch in line[:-1] for ch in UNSAFE), repr(line)



ODD_ROWS = [
    {"id": "caf\u00e9 \u65e5\u672c", "location": "lower", "cause": "lifting", "symptoms": ["stiffness", "knot"]},
    {"id": "\ud800x", "location": "neck", "age": 70, "duration": "3w"},
    {"id": "\x1b[31m\u009b\u202e\u2028", "location": "lower", "symptoms": ["fever"], "history": ["cancer"]},
    {"id": 10 ** 30, "location": "upper", "pressure": "firm", "screened": True},
    {"id": 1e20, "location": "widespread", "unsure": ["night-pain"]},
    {"id": [1, "a\x00", None], "location": "lower", "symptoms": ["saddle-numbness"]},
    {"id": "bad", "location": "lo\ud800wer", "age": 10 ** 40},
]


@pytest.mark.parametrize("encoder", ["orjson", "json"])
def test_jsonl_records_are_the_same_bytes_with_or_without_orjson(tmp_path, monkeypatch, encoder):
    # orjson (the extra backmassage[fast]) only encodes quicker: the standard library writes the same file
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in ODD_ROWS * 3), encoding="utf-8")
    if encoder == "json":
        monkeypatch.setitem(sys.modules, "orjson", None)  # `import orjson` fails
    else:
        pytest.importorskip("orjson")
    out = invoke(str(path), "--quiet").stdout
    expected = []
    for number, row in enumerate(ODD_ROWS * 3, 1):
        result = recommend_many([{k: v for k, v in row.items() if k != "id"}]).__next__()
        if isinstance(result, InvalidAnswer):
            continue
        line = json.dumps({"row": number, "line": number, "id": row["id"], **result.to_dict()},
                          ensure_ascii=False, separators=(",", ":"))
        expected.append((number, line))
    lines = out.splitlines()
    assert len(lines) == len(ODD_ROWS) * 3
    for number, line in expected:  # json.dumps, with the id's controls and invisible characters escaped
        assert json.loads(lines[number - 1]) == json.loads(line)
        assert lines[number - 1].split(',"triage":', 1)[1] == line.split(',"triage":', 1)[1]


def test_a_value_orjson_refuses_is_written_by_the_standard_library():
    from backmassage.reports import JsonLinesReport

    out = io.BytesIO()
    JsonLinesReport(out).add_recommendation(1, 2, "p", {"triage": "massage", "n": 10 ** 30, "text": "é\x7f"})
    assert out.getvalue() == ('{"row":1,"line":2,"id":"p","triage":"massage","n":%d,"text":"é\x7f"}\n' % 10 ** 30).encode()

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=2),
    max_leaves=6)


@settings(max_examples=60)
@given(st.dictionaries(st.sampled_from(["id", "location", "cause", "symptoms", "history", "duration", "age",
                                        "pressure", "screened", "unsure"]), _json_values, max_size=6))
def test_any_json_values_for_the_answers_give_a_record_never_a_crash(row):
    row.setdefault("location", "lower")
    line = json.dumps(row, allow_nan=False) + "\n"
    result = invoke("-", "--format", "jsonl", "--quiet", input=line + '{"id": "next", "location": "neck"}\n')
    assert result.exit_code in (0, 3), (result.exit_code, result.stderr)
    out = records(result.stdout)
    assert [r["row"] for r in out] == [1, 2] and out[1]["id"] == "next" and out[1]["triage"]


@settings(max_examples=60)
@given(st.lists(st.one_of(st.binary(max_size=12), st.sampled_from([b'"', b"\n", b"\r\n", b",", b";", b"\xff", b"\xc3",
                                                                     b"lower", b"neck", b"\x00", b"\xef\xbb\xbf"])),
                max_size=20), st.sampled_from(["csv", "jsonl"]))
def test_any_bytes_give_exit_0_2_or_3_and_one_numbered_record_per_row(chunks, fmt):
    head = b"id,location,symptoms\n" if fmt == "csv" else b""
    result = invoke("-", "--format", fmt, "--quiet", input=head + b"".join(chunks))
    assert result.exit_code in (0, 2, 3), result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    out = records(result.stdout)
    assert [r["row"] for r in out] == list(range(1, len(out) + 1))
    lines = [r["line"] for r in out]
    assert lines == sorted(set(lines))
    assert all(set(r) in ({"row", "line", "id", "error", "errors"},) or "triage" in r for r in out)
