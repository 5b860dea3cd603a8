"""Hardening of what reaches a terminal (issue 13, items 6, 7, 8, 12 and 16).

- 6: rich markup in knowledge text is printed as text, never live;
- 7: narrow terminals (COLUMNS=0, 1, 10, a 5-column pty, explain at 3 columns) never crash;
- 8: a stdout that cannot write Unicode still gets the whole emergency panel;
- 12: escape sequences in file names, paths, --kb and BACKMASSAGE_KB reach stderr escaped;
- 16: closed stdout or stderr and a reader that stops (| head -1) end with a sane code, no traceback.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backmassage.terminal import MIN_WIDTH, clean, layout_width

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def program(*args: str, env: dict[str, str] | None = None, stdin: int | None = subprocess.DEVNULL,
            **kwargs) -> subprocess.CompletedProcess[bytes]:
    full_env = {**os.environ, "COLUMNS": "80", "TERM": "dumb", **(env or {})}
    full_env.pop("BACKMASSAGE_KB", None)
    return subprocess.run([PYTHON, "-m", "backmassage", *args], env=full_env, stdin=stdin,
                          capture_output=True, timeout=60, **kwargs)


# --- the cleaner ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "shown"), [
    ("plain text", "plain text"),
    ("red \x1b[31malert", "red \\x1b[31malert"),
    ("csi \x9b31m", "csi \\x9b31m"),
    ("del \x7f", "del \\x7f"),
    ("bell\x07", "bell\\x07"),
    ("rtl \u202eevil", "rtl \\u202eevil"),
    ("mark \u200f\u061c", "mark \\u200f\\u061c"),
    ("zero\u200bwidth\ufeff", "zero\\u200bwidth\\ufeff"),
    ("line\u2028sep\u2029", "line\\u2028sep\\u2029"),
    ("new\nline", "new\\nline"),
    ("tab\there", "tab here"),
    ("bytes \udcff", "bytes \\xff"),
    ("über · naïve — 38 °C", "über · naïve — 38 °C"),
])
def test_clean_shows_every_invisible_or_controlling_character(raw, shown):
    assert clean(raw) == shown


def test_clean_keeps_newlines_only_when_asked():
    assert clean("one\ntwo\x1b", lines=True) == "one\ntwo\\x1b"


@given(st.text())
def test_nothing_hidden_or_controlling_survives_cleaning(raw):
    assert not HIDDEN.search(clean(raw))
    assert "\n" not in clean(raw)


@given(st.text())
def test_cleaned_text_is_never_markup(raw):
    import io

    from rich.console import Console
    from rich.text import Text

    # As render.py and guided.py draw it: cleaned text given to rich as a Text, never as markup.
    console = Console(file=io.StringIO(), width=40, color_system=None)
    console.print(Text(clean(raw)))


@pytest.mark.parametrize(("columns", "width"), [(None, 80), (0, MIN_WIDTH), (1, MIN_WIDTH), (10, MIN_WIDTH),
                                                (50, 50), (80, 80), (200, 88)])
def test_layout_width_never_falls_below_a_usable_width(columns, width):
    assert layout_width(columns) == width


# --- 6: markup in knowledge text ------------------------------------------------------------------

MARKUP = "[link=https://evil.example]click[/link] [blink]now[/blink] [/]"


def test_markup_in_knowledge_names_is_printed_as_text(run, kb_copy):
    techniques = kb_copy / "techniques.yaml"
    text_ = techniques.read_text(encoding="utf-8")
    first_name = re.search(r"^    name: (.+)$", text_, re.M)
    assert first_name
    techniques.write_text(text_.replace(first_name.group(0), f'    name: "Swedish {MARKUP}"', 1), encoding="utf-8")
    for command in (["techniques"], ["list", "techniques"], ["explain", "swedish"],
                    ["recommend", "--location", "lower", "--cause", "lifting", "--screened", "--details"]):
        result = run(*command, "--kb", str(kb_copy), env={"FORCE_COLOR": "1", "COLUMNS": "200"})
        assert result.exit_code == 0, (command, result.stderr)
        plain = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)
        assert "[blink]now[/blink]" in plain, command
        assert "\x1b]8;" not in result.stdout  # no live hyperlink
        assert "\x1b[5m" not in result.stdout  # no live blink


# --- 7: narrow terminals ----------------------------------------------------------------------------

@pytest.mark.parametrize("columns", ["0", "1", "3", "10", "39", "40"])
@pytest.mark.parametrize("command", [
    ["recommend", "--location", "lower", "--no-input"],
    ["recommend", "--location", "lower", "--symptom", "saddle-numbness", "--no-input"],
    ["recommend", "--location", "lower", "--cause", "lifting", "--screened", "--details"],
    ["explain", "nice-ng59"], ["explain", "fibromyalgia"], ["list", "red-flags"], ["conditions"],
])
def test_a_narrow_terminal_never_crashes(run, columns, command):
    result = run(*command, env={"COLUMNS": columns})
    assert result.exit_code == 0, result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stdout.strip()


def test_the_interview_in_a_five_column_pty_ends_in_advice():
    child = pexpect.spawn(PYTHON, ["-m", "backmassage", "recommend", "--location", "lower", "--age", "40",
                                   "--cause", "lifting", "--duration", "2w", "--history", "none",
                                   "--symptom", "none", "--pressure", "medium"],
                          env={**os.environ, "TERM": "xterm", "COLUMNS": "5", "LINES": "24"},
                          dimensions=(24, 5), encoding="utf-8", timeout=15)
    for _ in range(12):
        index = child.expect([r"not(\x1b\[[0-9;]*m|\s)+sure(\x1b\[[0-9;]*m|\s)*>", "regis", pexpect.EOF])
        if index:
            break
        child.sendline("n")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


# --- 8: an 8-bit stdout ------------------------------------------------------------------------------

def test_a_latin1_stdout_gets_the_whole_emergency_panel():
    result = program("recommend", "--location", "lower", "--symptom", "saddle-numbness", "--no-input",
                     env={"PYTHONIOENCODING": "latin-1", "TERM": "xterm"})
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode("latin-1")
    assert "EMERGENCY" in out and "Do not book a massage" in out and "ask a doctor" in out
    assert b"Traceback" not in result.stderr


def test_an_ascii_stdout_gets_the_whole_answer():
    result = program("recommend", "--location", "lower", "--history", "anticoagulants", "--screened",
                     env={"PYTHONIOENCODING": "ascii"})
    assert result.returncode == 0, result.stderr
    assert "Avoid" in result.stdout.decode("ascii") and "ask a doctor" in result.stdout.decode("ascii")


# --- 12: escape sequences in paths ------------------------------------------------------------------

EVIL = "kb\x1b[31mred\x07\u202e"


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_escape_sequences_in_a_knowledge_path_reach_stderr_escaped(run, tmp_path, how):
    folder = tmp_path / EVIL
    args = ["recommend", "--location", "lower"]
    result = (run(*args, "--kb", str(folder)) if how == "flag"
              else run(*args, env={"BACKMASSAGE_KB": str(folder)}))
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr and "\u202e" not in result.stderr
    assert "\\x1b[31mred" in result.stderr


def test_a_stray_file_name_in_a_knowledge_folder_is_escaped(run, kb_copy):
    (kb_copy / "note\x1b]0;pwned\x07.yaml").write_text("x: 1\n", encoding="utf-8")
    result = run("kb", "validate", str(kb_copy))
    assert "\x1b" not in result.stderr + result.stdout and "\x07" not in result.stderr + result.stdout


def test_escape_sequences_in_a_save_path_are_escaped(run, tmp_path):
    result = run("recommend", "--location", "lower", "--save", str(tmp_path / "a\x1b[2Jb.pdf"))
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr and "\\x1b[2Jb.pdf" in result.stderr


def test_escape_sequences_in_a_wrong_option_are_escaped(run):
    result = run("recommend", "--loc\x1b[31mation", "lower")
    assert result.exit_code == 2 and "\x1b" not in result.stderr


# --- 16: closed streams and a reader that stops ----------------------------------------------------

@pytest.mark.parametrize("args", [["recommend", "--location", "lower", "--screened"],
                                  ["recommend", "--location", "lower", "--screened", "--json"], ["--help"]])
def test_a_closed_stdout_is_an_error_not_a_crash(args):
    result = subprocess.run([PYTHON, "-m", "backmassage", *args], env={**os.environ, "COLUMNS": "80"},
                            stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60,
                            preexec_fn=lambda: os.close(1))
    assert result.returncode == 2, result.stderr
    assert b"Traceback" not in result.stderr
    assert b"cannot write the output" in result.stderr


def test_a_closed_stderr_keeps_the_exit_code_of_a_bad_flag():
    result = subprocess.run([PYTHON, "-m", "backmassage", "recommend", "--location", "hip"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, timeout=60,
                            preexec_fn=lambda: os.close(2))
    assert result.returncode == 2
    assert result.stdout == b""


@pytest.mark.parametrize(("args", "reader", "codes"), [
    (["recommend", "--location", "lower", "--screened", "--details"], "true", {"141"}),
    (["list", "sources", "--json"], "true", {"141"}),
    (["--help"], "true", {"141"}),
    (["kb", "schema"], "head -1 >/dev/null", {"0", "141"}),
])
def test_a_reader_that_stops_ends_quietly_with_141(args, reader, codes):
    """``| true`` has gone before anything is written: 141. ``| head -1`` may read all of a short
    answer from the pipe's buffer before it goes: 0 then, or 141."""
    shell = f"{PYTHON} -m backmassage {' '.join(args)} | {reader}; echo ${{PIPESTATUS[0]}}"
    result = subprocess.run(["bash", "-c", shell], capture_output=True, timeout=60, text=True,
                            env={**os.environ, "COLUMNS": "80"})
    assert result.stdout.strip() in codes, result.stderr
    assert result.stderr == ""


@settings(max_examples=40, deadline=None)
@given(location=st.sampled_from(["lower", "upper", "neck", "widespread"]),
       symptoms=st.lists(st.sampled_from(["spasm", "fever", "saddle-numbness", "headaches", "clumsy-hands"]),
                         max_size=3),
       history=st.lists(st.sampled_from(["anticoagulants", "osteoporosis", "pregnancy", "cancer"]), max_size=2),
       width=st.integers(min_value=0, max_value=200), details=st.booleans(), screened=st.booleans())
def test_any_answer_renders_at_any_width(location, symptoms, history, width, details, screened):
    import io

    from backmassage import api
    from backmassage.render import make_console, render_recommendation

    rec = api.recommend(location=location, symptoms=symptoms, history=history, screened=screened)
    console = make_console(file=io.StringIO(), width=max(width, 1))
    render_recommendation(rec, console, details=details, rerun="backmassage recommend --location lower --no-input")
    assert "ask a doctor" in " ".join(console.file.getvalue().split())
