"""Guided mode (issue 4): the interview in a real pseudo-terminal, and its prompt layer.

The pexpect tests run ``python -m backmassage recommend`` on a pty, as a person would, with
every expect bounded by a timeout so nothing can hang in CI (which runs with no stdin).
Most use a small test knowledge folder written here, so they test the interview and not
the clinical content; a few use the bundled knowledge for the safety path end to end.
"""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
from rich.console import Console

from backmassage.answers import Answers, parse_answers
from backmassage.api import load_knowledge
from backmassage.knowledge import bundled_folder
from backmassage.guided import (WrongAnswer, interview, parse_age_reply, parse_duration_reply,
                                parse_many_reply, parse_one_reply, parse_yes_no)

TIMEOUT = 20
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")

# --- a small knowledge folder, so the tests do not depend on the clinical content ------------

KB_FILES = {
    "manifest.yaml": """\
knowledge_version: "guided-test-1"
name: guided-mode test knowledge
min_score: 0.25
fallback_techniques:
  - id: swedish
    why: Gentle general massage.
""",
    "techniques.yaml": """\
techniques:
  - id: swedish
    name: Swedish massage
    description: Long gliding strokes.
    pressure: [light, medium]
    session_minutes: 60
    frequency: Once a week.
    benefits: [Relaxes muscles]
    sources: [nice-ng59]
  - id: deep-tissue
    name: Deep tissue massage
    description: Slow firm strokes.
    pressure: [firm]
    session_minutes: 60
    frequency: Every two weeks.
    benefits: [Loosens tight muscles]
    sources: [nice-ng59]
""",
    "conditions.yaml": """\
conditions:
  - id: lower-back-strain
    name: Lower back strain
    description: A strained muscle in the lower back.
    requires: {location: lower}
    evidence:
      - {location: lower, weight: 3}
      - {cause: [lifting, sudden-movement], weight: 2}
      - {symptom: [spasm, tenderness], weight: 1}
      - {duration: {max: 6w}, weight: 1}
      - {age: {min: 18}, weight: 1}
    techniques:
      - id: swedish
        why: Gentle strokes ease spasm.
      - id: deep-tissue
        why: Firm pressure for tight muscles.
    sources: [nice-ng59]
  - id: neck-tension
    name: Neck tension
    description: Tight neck muscles.
    requires: {location: neck}
    evidence:
      - {location: neck, weight: 3}
      - {symptom: headaches, weight: 1}
    techniques:
      - id: swedish
        why: Relaxes the neck.
    sources: [nice-ng59]
""",
    "contraindications.yaml": """\
contraindications:
  - id: anticoagulants
    name: Blood-thinning medicine
    when: {history: anticoagulants}
    avoid: [deep-tissue]
    reason: Firm pressure can cause bruising.
    caution: Ask for light pressure only.
    sources: [nice-ng59]
""",
}

# Where the screen asks each warning sign, in order (the text a person sees).
SADDLE = "numbness around your bottom"
BLADDER = "trouble controlling or passing urine"
LEGS = "legs, or both, getting weaker"
FEVER = "fever or chills"
WEIGHT = "lost weight without trying"
NIGHT = "pain at night"
SCREEN_ORDER = [SADDLE, BLADDER, LEGS, FEVER, WEIGHT, NIGHT]


def write_kb(folder: Path, extra_red_flags: str = "") -> Path:
    """A knowledge folder with small test conditions, techniques and contraindications, and the
    bundled sources and red flags (a folder may add red flags but never drop one)."""
    folder.mkdir(parents=True, exist_ok=True)
    bundled = bundled_folder()
    files = {**KB_FILES,
             "sources.yaml": (bundled / "sources.yaml").read_text(encoding="utf-8"),
             "red_flags.yaml": (bundled / "red_flags.yaml").read_text(encoding="utf-8").rstrip("\n") + "\n"
                               + extra_red_flags}
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    return write_kb(tmp_path / "kb")


# --- a person at a terminal ----------------------------------------------------------------

class Terminal:
    """One run of the CLI on a pseudo-terminal; ``text`` is everything the person saw."""

    def __init__(self, tmp_path: Path, *args: str, stdout_to: Path | None = None):
        env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "BACKMASSAGE_DEBUG")}
        env.update(BACKMASSAGE_CACHE_DIR=str(tmp_path / "cache"), NO_COLOR="1", COLUMNS="80",
                   TERM="xterm-256color")
        command = [sys.executable, "-m", "backmassage", "recommend", *args]
        if stdout_to is not None:  # a real shell redirection: stdin and stderr stay the terminal
            command = ["/bin/sh", "-c", 'exec "$@" > "$OUT"', "sh", *command]
            env["OUT"] = str(stdout_to)
        self.log = io.StringIO()
        self.child = pexpect.spawn(command[0], command[1:], env=env, encoding="utf-8", codec_errors="replace",
                                   timeout=TIMEOUT, dimensions=(40, 100))
        self.child.logfile_read = self.log

    def expect(self, text: str) -> None:
        """Wait for the text, wherever the terminal width made it wrap."""
        self.child.expect(r"\s+".join(re.escape(word) for word in text.split()))

    def answer(self, prompt: str, reply: str) -> None:
        self.child.expect_exact(prompt)
        self.child.sendline(reply)

    def yes_no(self, question: str, reply: str) -> None:
        self.child.expect_exact(question)
        self.child.expect_exact("[y/n]")
        self.child.sendline(reply)

    def finish(self) -> int:
        self.child.expect(pexpect.EOF)
        self.child.close()
        return self.child.exitstatus

    @property
    def text(self) -> str:
        return ANSI.sub("", self.log.getvalue()).replace("\r", "")


def screen(term: Terminal, replies: str) -> None:
    """Answer the six warning-sign questions in order, e.g. 'nnnnnn'."""
    for question, reply in zip(SCREEN_ORDER, replies):
        term.yes_no(question, reply)


def unwrapped(text: str) -> str:
    return " ".join(text.split())


# --- the interview, end to end -------------------------------------------------------------

def test_full_interview_gives_a_massage_and_the_command_line(tmp_path: Path, kb: Path) -> None:
    term = Terminal(tmp_path, "--kb", str(kb))
    term.answer("Where does it hurt most?", "1")
    screen(term, "nnnnnn")
    term.answer("Does any of these apply to you?", "")
    term.answer("How old are you?", "40")
    term.answer("How did it start?", "Lifting")
    term.answer("How long has it hurt?", "3 weeks")
    term.answer("Do you have any of these?", "spasm")
    term.answer("Which massage pressure do you prefer?", "3")
    assert term.finish() == 0
    text = term.text
    assert "MASSAGE" in text and "Lower back strain" in text
    assert "Swedish massage" in text and "Deep tissue massage" in text
    # Firm pressure preferred: the firm technique now comes first.
    advice = text[text.index("Massage to ask for"):]
    assert advice.index("Deep tissue massage") < advice.index("Swedish massage")
    # The safety screen comes right after where it hurts, before anything else.
    where = text.index("Where does it hurt most?")
    assert where < text.index(SADDLE) < text.index("Does any of these apply") < text.index("How did it start?")
    assert "Traceback" not in text
    assert ("backmassage recommend --location lower --cause lifting --symptom spasm --duration 3w "
            "--age 40 --pressure firm") in text


def test_an_emergency_answer_ends_the_interview_at_once(tmp_path: Path, kb: Path) -> None:
    term = Terminal(tmp_path, "--kb", str(kb))
    term.answer("Where does it hurt most?", "lower")
    term.yes_no(SADDLE, "y")
    term.expect("Stopping the questions here")
    assert term.finish() == 0
    text = term.text
    assert "EMERGENCY" in text and "Go to an emergency department now" in unwrapped(text)
    for later in (BLADDER, "Does any of these apply", "How old are you?", "How did it start?"):
        assert later not in text
    assert "backmassage recommend --location lower --symptom saddle-numbness" in text


def test_the_knowledge_decides_what_is_an_emergency(tmp_path: Path) -> None:
    """guided.py holds no medical facts: make fever an emergency in the knowledge, and a 'yes' to
    fever ends the interview; with the usual test knowledge it does not."""
    extra = """\
  - id: test-fever-emergency
    name: Fever (an emergency in this test knowledge only)
    when: {symptom: fever}
    triage: emergency
    advice: Test advice for fever.
    sources: [nice-ng59]
"""
    fever_kb = write_kb(tmp_path / "fever-kb", extra)
    term = Terminal(tmp_path, "--kb", str(fever_kb))
    term.answer("Where does it hurt most?", "neck")
    screen(term, "nnny")
    term.expect("Stopping the questions here")
    assert term.finish() == 0
    assert "Test advice for fever." in term.text and WEIGHT not in term.text

    usual = Terminal(tmp_path, "--kb", str(write_kb(tmp_path / "kb")))
    usual.answer("Where does it hurt most?", "neck")
    screen(usual, "nnny")
    usual.yes_no(WEIGHT, "n")  # still asking: fever alone is no emergency in this knowledge
    usual.child.sendintr()
    assert usual.finish() == 130


def test_flag_answers_can_already_be_an_emergency(tmp_path: Path, kb: Path) -> None:
    term = Terminal(tmp_path, "--kb", str(kb), "--symptom", "bladder-bowel-change")
    term.answer("Where does it hurt most?", "1")
    term.expect("Stopping the questions here")
    assert term.finish() == 0
    assert "EMERGENCY" in term.text and "safety questions" not in term.text


def test_bundled_knowledge_saddle_numbness_is_an_emergency(tmp_path: Path) -> None:
    term = Terminal(tmp_path)
    term.answer("Where does it hurt most?", "lower back")
    term.yes_no(SADDLE, "yes")
    term.expect("Stopping the questions here")
    assert term.finish() == 0
    text = term.text
    assert "EMERGENCY" in text and "999" in text
    assert "Massage to ask for" not in text and BLADDER not in text


def test_bundled_knowledge_full_interview(tmp_path: Path) -> None:
    term = Terminal(tmp_path)
    term.answer("Where does it hurt most?", "neck")
    screen(term, "nnnnnn")
    term.answer("Does any of these apply to you?", "none")
    term.answer("How old are you?", "34")
    term.answer("How did it start?", "posture")
    term.answer("How long has it hurt?", "2w")
    term.answer("Do you have any of these?", "stiffness, headaches")
    term.child.expect_exact(["Which massage pressure", "Run this again"])
    if term.child.after == "Which massage pressure":
        term.child.sendline("")
    assert term.finish() == 0
    assert "backmassage recommend --location neck --cause posture --symptom stiffness,headaches" in term.text
    assert "Massage to ask for" in term.text


def test_wrong_answers_are_asked_again_with_a_hint(tmp_path: Path, kb: Path) -> None:
    term = Terminal(tmp_path, "--kb", str(kb))
    term.answer("Where does it hurt most?", "lowr")
    term.expect("Did you mean 'lower'?")
    term.answer("Number or name", "9")
    term.expect("There is no number 9")
    term.answer("Number or name", "")
    term.expect("This one is needed")
    term.answer("Number or name", "?")
    term.expect("Pick the place where the pain is worst")
    term.answer("Number or name", "LOWER")
    term.yes_no(SADDLE, "maybe")
    term.expect("is not yes or no")
    term.yes_no(SADDLE, "")
    term.expect("Please answer y (yes) or n (no)")
    term.yes_no(SADDLE, "?")
    term.expect("It is asked because it can be a warning sign: Possible cauda equina syndrome")
    term.yes_no(SADDLE, "n")
    screen_rest = SCREEN_ORDER[1:]
    for question in screen_rest:
        term.yes_no(question, "n")
    term.answer("Does any of these apply to you?", "13")
    term.expect("There is no number 13")
    term.answer("Enter for none", "fibromylagia")
    term.expect("Did you mean 'fibromyalgia'?")
    term.answer("Enter for none", "blood thinners")
    term.expect("taking blood thinners")
    term.answer("How old are you?", "forty")
    term.expect("is not an age")
    term.answer("Enter to skip", "40")
    term.answer("How did it start?", "")  # skipped
    term.answer("How long has it hurt?", "3")
    term.expect("3 what?")
    term.answer("Enter to skip", "10 days")
    term.answer("Do you have any of these?", "1 3")
    assert term.finish() == 0
    text = term.text
    assert "Traceback" not in text
    # Blood thinners leave only light-medium Swedish massage, so pressure could change nothing: not asked.
    assert "Which massage pressure" not in text
    assert ("backmassage recommend --location lower --symptom stiffness,spasm --history anticoagulants "
            "--duration 10d --age 40") in text


@pytest.mark.parametrize("where", ["location", "yes-no", "history"])
def test_ctrl_c_at_a_prompt_is_cancelled_130(tmp_path: Path, kb: Path, where: str) -> None:
    term = Terminal(tmp_path, "--kb", str(kb))
    term.expect("Where does it hurt most?")
    term.expect("Number or name")
    if where == "yes-no":
        term.child.sendline("1")
        term.expect("[y/n]")
    if where == "history":
        term.child.sendline("1")
        screen(term, "nnnnnn")
        term.expect("Enter for none")
    term.child.sendintr()
    term.expect("Cancelled.")
    assert term.finish() == 130
    assert "Traceback" not in term.text and "Aborted" not in term.text


@pytest.mark.parametrize("where", ["location", "duration"])
def test_end_of_input_at_a_prompt_is_cancelled_130(tmp_path: Path, kb: Path, where: str) -> None:
    term = Terminal(tmp_path, "--kb", str(kb))
    term.expect("Where does it hurt most?")
    if where == "duration":
        term.child.sendline("1")
        screen(term, "nnnnnn")
        term.answer("Does any of these apply to you?", "")
        term.answer("How old are you?", "")
        term.answer("How did it start?", "")
        term.expect("How long has it hurt?")
    term.expect("Number or name" if where == "location" else "Enter to skip")  # the prompt is on screen
    term.child.sendeof()
    term.expect("Cancelled.")
    assert term.finish() == 130
    assert "Traceback" not in term.text


def test_parity_the_interview_gives_the_json_of_the_equivalent_flags(tmp_path: Path, kb: Path, run) -> None:
    out = tmp_path / "out.json"
    term = Terminal(tmp_path, "--kb", str(kb), "--json", stdout_to=out)
    term.answer("Where does it hurt most?", "lower back")
    screen(term, "nnnnnn")
    term.answer("Does any of these apply to you?", "1, fibromyalgia")
    term.answer("How old are you?", "52")
    term.answer("How did it start?", "sudden movement")
    term.answer("How long has it hurt?", "2 months")
    term.answer("Do you have any of these?", "4,tenderness")
    term.answer("Which massage pressure do you prefer?", "light")
    assert term.finish() == 0
    interviewed = json.loads(out.read_text(encoding="utf-8"))  # stdout holds the JSON and nothing else
    assert "Where does it hurt" not in out.read_text(encoding="utf-8")

    flags = ["--location", "lower", "--cause", "sudden-movement", "--symptom", "tenderness,knot",
             "--history", "osteoarthritis,fibromyalgia", "--duration", "2m", "--age", "52", "--pressure", "light"]
    result = run("recommend", "--kb", str(kb), *flags, "--json")
    assert result.exit_code == 0, result.stderr
    assert interviewed == json.loads(result.stdout)
    assert interviewed["triage"] == "massage"


def test_the_command_line_shown_gives_the_same_result(tmp_path: Path, kb: Path, run) -> None:
    term = Terminal(tmp_path, "--kb", str(kb))
    term.answer("Where does it hurt most?", "1")
    screen(term, "nnnynn")
    term.answer("Does any of these apply to you?", "immunosuppressed")
    term.answer("How old are you?", "")
    term.answer("How did it start?", "7")
    term.answer("How long has it hurt?", "")
    term.answer("Do you have any of these?", "")
    assert term.finish() == 0
    line = next(row for row in term.text.splitlines() if row.startswith("backmassage recommend "))
    args = shlex.split(line)[1:]
    assert args == ["recommend", "--location", "lower", "--cause", "unknown", "--symptom", "fever",
                    "--history", "immunosuppressed"]
    result = run(*args, "--kb", str(kb), "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["triage"] == "urgent"
    assert "URGENT" in term.text


def test_answers_given_by_flags_are_not_asked_again(tmp_path: Path, kb: Path) -> None:
    term = Terminal(tmp_path, "--kb", str(kb), "--location", "neck", "--history", "anticoagulants",
                    "--symptom", "headaches", "--pressure", "light")
    term.answer("How old are you?", "30")
    term.answer("How did it start?", "posture")
    term.answer("How long has it hurt?", "6 months")
    assert term.finish() == 0
    text = term.text
    for asked_by_a_flag in ("Where does it hurt most?", "safety questions", SADDLE,
                            "Does any of these apply", "Do you have any of these?", "Which massage pressure"):
        assert asked_by_a_flag not in text
    assert ("backmassage recommend --location neck --cause posture --symptom headaches "
            "--history anticoagulants --duration 6m --age 30 --pressure light") in text


def test_warning_signs_are_asked_even_when_the_other_answers_came_as_flags(tmp_path: Path, kb: Path) -> None:
    term = Terminal(tmp_path, "--kb", str(kb), "--location", "lower", "--cause", "lifting",
                    "--duration", "3d", "--age", "40")
    term.yes_no(SADDLE, "y")
    assert term.finish() == 0
    assert "EMERGENCY" in term.text


# --- never a question without a terminal -----------------------------------------------------

def _run_without_terminal(tmp_path: Path, stdin_closed: bool, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BACKMASSAGE_CACHE_DIR": str(tmp_path / "cache"), "NO_COLOR": "1"}
    command = [sys.executable, "-m", "backmassage", "recommend", *args]
    if stdin_closed:
        return subprocess.run(["/bin/sh", "-c", 'exec "$@" 0<&-', "sh", *command], env=env,
                              capture_output=True, text=True, timeout=TIMEOUT)
    return subprocess.run(command, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=TIMEOUT)


@pytest.mark.parametrize("stdin_closed", [False, True], ids=["dev-null", "closed"])
def test_without_a_terminal_nothing_is_asked(tmp_path: Path, kb: Path, stdin_closed: bool) -> None:
    result = _run_without_terminal(tmp_path, stdin_closed, "--kb", str(kb), "--cause", "lifting")
    assert result.returncode == 2
    assert "--location" in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert "Where does it hurt" not in result.stderr and "[y/n]" not in result.stderr


@pytest.mark.parametrize("stdin_closed", [False, True], ids=["dev-null", "closed"])
def test_without_a_terminal_flags_still_work(tmp_path: Path, kb: Path, stdin_closed: bool) -> None:
    result = _run_without_terminal(tmp_path, stdin_closed, "--kb", str(kb), "--location", "lower", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["triage"] == "massage"
    assert result.stderr == ""


def test_no_input_on_a_terminal_asks_nothing(tmp_path: Path, kb: Path) -> None:
    term = Terminal(tmp_path, "--kb", str(kb), "--no-input")
    assert term.finish() == 2
    assert "--location" in term.text
    assert "Where does it hurt" not in term.text and "Traceback" not in term.text


def test_no_input_with_a_location_gives_the_result_without_questions(tmp_path: Path, kb: Path) -> None:
    term = Terminal(tmp_path, "--kb", str(kb), "--no-input", "--location", "lower")
    assert term.finish() == 0
    assert "MASSAGE" in term.text
    assert "Where does it hurt" not in term.text and "How old are you?" not in term.text


# --- the prompt layer, with the input injected ------------------------------------------------

def scripted(*replies: str):
    """A read function that types the replies in order, then reaches the end of input."""
    queue = list(replies)

    def read() -> str:
        if not queue:
            raise EOFError
        return queue.pop(0) + "\n"

    return read


def quiet_console() -> Console:
    return Console(file=io.StringIO(), width=80, no_color=True, highlight=False)


@pytest.fixture
def knowledge(kb: Path):
    return load_knowledge(kb)


def test_interview_with_injected_input(knowledge, capsys) -> None:
    console = quiet_console()
    answers = interview(Answers(), knowledge, set(), console=console,
                        read=scripted("2", *"nnnnnn", "5,12", "61", "accident", "2w", "knot, tingling", ""))
    assert answers == parse_answers(location="upper", cause="accident", symptoms=["knot", "tingling"],
                                    history=["anticoagulants", "disc-herniation"], duration="2w", age=61)
    assert capsys.readouterr().out == ""  # every question goes to the stderr console, never stdout
    shown = console.file.getvalue()
    assert "→ taking blood thinners; a slipped or herniated disc" in shown


def test_interview_stops_asking_once_it_is_an_emergency(knowledge) -> None:
    console = quiet_console()
    answers = interview(Answers(), knowledge, set(), console=console, read=scripted("3", "n", "y"))
    assert answers.location == "neck" and answers.symptoms == ("bladder-bowel-change",)
    assert answers.history == () and answers.age is None and answers.cause is None
    assert "Stopping the questions" in console.file.getvalue()


@pytest.mark.parametrize("replies", [(), ("1",), ("1", "n", "n")])
def test_end_of_input_raises_keyboard_interrupt(knowledge, replies) -> None:
    with pytest.raises(KeyboardInterrupt):
        interview(Answers(), knowledge, set(), console=quiet_console(), read=scripted(*replies))


def test_ctrl_c_while_reading_raises_keyboard_interrupt(knowledge) -> None:
    def interrupted() -> str:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interview(Answers(), knowledge, set(), console=quiet_console(), read=interrupted)


@pytest.mark.parametrize(("reply", "expected"), [
    ("1,3", ("stiffness", "spasm")),
    ("3, 1", ("stiffness", "spasm")),
    ("1 3", ("stiffness", "spasm")),
    ("SPASM,knot", ("spasm", "knot")),
    ("shooting pain", ("shooting-pain",)),
    ("muscle spasm, 2", ("tenderness", "spasm")),
    ("fever", ("fever",)),  # not in the list shown, but a valid symptom
    ("", ()),
    ("none", ()),
    ("No", ()),
])
def test_several_choices(reply: str, expected: tuple[str, ...]) -> None:
    shown = ["stiffness", "tenderness", "spasm", "knot", "shooting-pain"]
    assert parse_many_reply("symptoms", reply, shown) == expected


@pytest.mark.parametrize(("reply", "hint"), [
    ("7", "There is no number 7"),
    ("spasmm", "Did you mean 'spasm'?"),
    ("1,xyzzy", "'xyzzy' is not one of the choices"),
    ("pain", "fits more than one"),
    ("\x1b[A", "'?[A' is not one of the choices"),
])
def test_several_choices_wrong(reply: str, hint: str) -> None:
    with pytest.raises(WrongAnswer, match=re.escape(hint)):
        parse_many_reply("symptoms", reply, ["stiffness", "tenderness", "spasm", "knot", "shooting-pain"])


@pytest.mark.parametrize(("reply", "expected"), [
    ("2", "upper"), ("Upper", "upper"), (" NECK ", "neck"), ("lower back", "lower"),
    ("widespread", "widespread"), ("all over", "widespread"),
])
def test_one_choice(reply: str, expected: str) -> None:
    assert parse_one_reply("location", reply, ["lower", "upper", "neck", "widespread"], required=True) == expected


def test_one_choice_empty() -> None:
    values = ["lifting", "sudden-movement"]
    assert parse_one_reply("cause", "  ", values, required=False) is None
    with pytest.raises(WrongAnswer, match="This one is needed"):
        parse_one_reply("location", "", ["lower", "upper", "neck", "widespread"], required=True)


@pytest.mark.parametrize(("reply", "expected"), [("y", True), ("YES", True), (" n ", False), ("No", False)])
def test_yes_no(reply: str, expected: bool) -> None:
    assert parse_yes_no(reply) is expected


@pytest.mark.parametrize("reply", ["", "maybe", "yess", "1"])
def test_yes_no_wrong(reply: str) -> None:
    with pytest.raises(WrongAnswer):
        parse_yes_no(reply)


@pytest.mark.parametrize(("reply", "expected"), [
    ("3 weeks", (21, "3w")), ("2w", (14, "2w")), ("10 days", (10, "10d")), ("6 Months", (180, "6m")), ("", None),
])
def test_duration(reply: str, expected) -> None:
    assert parse_duration_reply(reply) == expected


@pytest.mark.parametrize(("reply", "hint"), [
    ("3", "3 what?"), ("2 years", "24 months"), ("a while", "not a length of time"), ("5 fortnights", "not a length"),
])
def test_duration_wrong(reply: str, hint: str) -> None:
    with pytest.raises(WrongAnswer, match=hint):
        parse_duration_reply(reply)


@pytest.mark.parametrize(("reply", "expected"), [("40", 40), (" 7 ", 7), ("", None)])
def test_age(reply: str, expected) -> None:
    assert parse_age_reply(reply) == expected


@pytest.mark.parametrize("reply", ["0", "121", "forty", "4.5", "-3", "٣"])
def test_age_wrong(reply: str) -> None:
    with pytest.raises(WrongAnswer, match="is not an age"):
        parse_age_reply(reply)
