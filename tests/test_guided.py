"""Guided mode: the interview, as a person meets it in a real terminal, and its parts.

The pexpect tests run ``python -m backmassage recommend`` on a pty, with the bundled
knowledge, and every expect bounded by a timeout so that nothing can hang (CI has no stdin).
The rest drive the interview with scripted replies, in-process, which is fast.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import shlex
import subprocess
import sys

import pexpect
import pytest
from rich.console import Console

from backmassage import api
from backmassage.guided import (MENU_MAX, Menu, Quit, WrongAnswer, interview, needs_questions, parse_age_reply,
                                parse_duration_reply, parse_yes_no_unsure)

TIMEOUT = 15
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
KNOWLEDGE = api.load_knowledge()
SAFETY = r"y/n/not\s+sure\s*>"


def answers(**raw):
    return api.parse_answers(KNOWLEDGE, require_location=False, **raw)


class Script:
    """Replies typed one by one, echoed as a terminal would."""

    def __init__(self, screen: io.StringIO, *replies: str):
        self.screen = screen
        self.replies = list(replies)

    def __call__(self) -> str:
        if not self.replies:
            raise EOFError
        reply = self.replies.pop(0)
        self.screen.write(reply + "\n")
        return reply + "\n"


def run_interview(start, *replies: str):
    console = Console(file=io.StringIO(), width=80, color_system=None, highlight=False)
    read = Script(console.file, *replies)
    try:
        result = interview(start, KNOWLEDGE, read=read, console=console)
    except Quit:
        result = None
    return result, console.file.getvalue(), read.replies


# --- the interview, scripted -----------------------------------------------------------------------

def test_an_ordinary_walk_asks_every_warning_sign_and_gives_screened_answers():
    signs = api.warning_signs_to_ask(answers(location="lower", age=42), KNOWLEDGE)
    result, out, left = run_interview(answers(), "lower", "42", *["n"] * len(signs), "lifting", "2 weeks",
                                      "n", "n", "", "", "", "")
    assert result is not None, out
    assert result.location == "lower" and result.age == 42 and result.cause == "lifting"
    assert result.duration_days == 14
    assert result.screened and not result.unsure and not set(result.symptoms or ()) & set(signs)
    assert api.recommend_answers(result, KNOWLEDGE).not_asked == ()
    for sign in signs:
        assert KNOWLEDGE.vocabulary.warning_signs[sign].question[:40] in " ".join(out.split())


def test_every_answer_is_said_back_once_the_same_way():
    result, out, _ = run_interview(answers(), "1", "42 years", *["n"] * 10, "lifted something", "a week",
                                   "n", "n", "", "", "", "")
    echoes = [line.strip() for line in out.splitlines() if line.strip().startswith("→")]
    assert echoes[:3] == ["→ lower back", "→ 42 years", "→ no"]
    assert "→ lifting something" in echoes and "→ 1 week" in echoes
    assert "→ none" in echoes
    assert all(line.startswith("→ ") for line in echoes)


def test_not_sure_is_unsure_and_never_a_no():
    result, out, _ = run_interview(answers(location="lower", age=40), "not sure", *["n"] * 10, *[""] * 8)
    first = api.warning_signs_to_ask(answers(location="lower", age=40), KNOWLEDGE)[0]
    assert first in result.unsure
    assert api.recommend_answers(result, KNOWLEDGE).triage != "massage"


def test_an_emergency_answer_stops_the_questions_at_once():
    result, out, left = run_interview(answers(location="lower", age=40), "y", "n", "n", "n", "n")
    assert "saddle-numbness" in result.symptoms
    assert "Stopping the questions here" in out
    assert left == ["n", "n", "n", "n"]  # nothing more was asked
    rec = api.recommend_answers(result, KNOWLEDGE)
    assert rec.triage == "emergency" and rec.not_asked and not result.screened


@pytest.mark.parametrize("word", ["q", "quit", "exit", "QUIT"])
def test_quit_words_stop_with_a_word(word):
    result, out, _ = run_interview(answers(), "lower", word)
    assert result is None
    assert "Stopped: nothing was advised" in out


def test_end_of_input_stops_too():
    result, out, _ = run_interview(answers(), "lower")
    assert result is None and "Stopped" in out


def test_question_mark_says_why_each_question_is_asked():
    start = answers(location="lower")
    result, out, _ = run_interview(start, "?", "40", "?", *["n"] * 10, "?", "lifting", "?", "2w",
                                   *["?", ""] * 4, "", "", "")
    flat = " ".join(out.split())
    assert flat.count("Why this is asked:") >= 4
    assert KNOWLEDGE.vocabulary.questions["age"][1][:40] in flat
    first = api.warning_signs_to_ask(answers(location="lower", age=40), KNOWLEDGE)[0]
    assert " ".join(KNOWLEDGE.vocabulary.warning_signs[first].why.split())[:40] in flat


def test_wrong_answers_are_asked_again_with_a_hint():
    result, out, _ = run_interview(answers(), "hip", "9", "lowr", "lower", "forty", "200", "42", "perhaps",
                                   *["n"] * 10, "xyz", "lifting", "soon", "10", "10 days", *[""] * 6)
    flat = " ".join(out.split())
    assert "'hip' is not one of the choices" in flat
    assert "There is no number 9" in flat
    assert "Did you mean 1 (lower back)?" in flat
    assert "'forty' is not an age" in flat and "'200' is not an age" in flat
    assert "'perhaps' is not yes, no or not sure" in flat
    assert "10 what? Add a unit" in flat
    assert result.location == "lower" and result.age == 42 and result.duration_days == 10


def test_a_wrong_yes_no_reply_asks_again_briefly():
    _, out, _ = run_interview(answers(location="lower", age=30), "perhaps", "n", *["n"] * 10, *[""] * 8)
    after = out[out.index("'perhaps'"):]
    assert after.split("\n", 2)[1:2] == ["this is asked)."] and after.split("\n")[2] == "y/n/not sure > n"


def test_flags_are_never_asked_again_but_warning_signs_always_are():
    start = answers(location="lower", cause="lifting", duration="2w", age=42, symptoms="spasm", history="none")
    result, out, _ = run_interview(start, *["n"] * 10, "", "")
    assert "Where does it hurt" not in out and "How did it start" not in out and "How old" not in out
    assert "Some safety questions first" in out
    assert result.screened and result.symptoms == ("spasm",)


def test_a_warning_sign_given_as_a_flag_is_not_asked():
    start = answers(location="lower", age=42, symptoms="fever")
    _, out, _ = run_interview(start, *["n"] * 10, *[""] * 8)
    assert KNOWLEDGE.vocabulary.warning_signs["fever"].question[:30] not in " ".join(out.split())


def test_nothing_is_asked_when_nothing_left_can_change_the_advice():
    start = answers(location="lower", cause="lifting", duration="2w", age=42, symptoms="none", history="none",
                    pressure="medium", screened=True)
    assert not needs_questions(start, KNOWLEDGE)
    assert needs_questions(answers(location="lower", cause="lifting"), KNOWLEDGE)


def test_menus_are_short_and_offer_only_choices_that_can_matter():
    _, out, _ = run_interview(answers(location="lower", age=42, cause="lifting", duration="2w", screened=True),
                              *[""] * 8)
    numbered = [line for line in out.splitlines() if re.match(r"\s+\d+\s{2}", line)]
    runs, current = [], 0
    for line in out.splitlines():
        if re.match(r"\s+\d+\s{2}", line):
            current += 1
        elif current:
            runs.append(current)
            current = 0
    assert numbered and max(runs) <= MENU_MAX


# --- reply parsers -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("reply", "days"), [("3 days", 3), ("a week", 7), ("1.5 weeks", 10), ("2w", 14),
                                             ("10 years", 3650), ("6 months", 180), ("", None)])
def test_durations_as_people_say_them(reply, days):
    parsed = parse_duration_reply(reply)
    assert (parsed[0] if parsed else None) == days


def test_since_a_month_when_it_is_clear_and_a_question_when_it_is_not():
    today = dt.date(2026, 12, 1)
    assert parse_duration_reply("since March", today) == (270, "9m")
    for month in ("December", "November"):
        with pytest.raises(WrongAnswer, match="how many"):
            parse_duration_reply(f"since {month}", today)


@pytest.mark.parametrize("reply", ["soon", "10", "forever"])
def test_wrong_durations(reply):
    with pytest.raises(WrongAnswer):
        parse_duration_reply(reply)


@pytest.mark.parametrize(("reply", "age"), [("42", 42), ("42 years", 42), ("42 years old", 42), ("", None)])
def test_ages(reply, age):
    assert parse_age_reply(reply) == age


@pytest.mark.parametrize(("reply", "meaning"), [("y", "yes"), ("Yes", "yes"), ("n", "no"), ("NO", "no"),
                                                ("not sure", "unsure"), ("don't know", "unsure"),
                                                ("unsure", "unsure")])
def test_yes_no_not_sure(reply, meaning):
    assert parse_yes_no_unsure(reply) == meaning


@pytest.mark.parametrize(("reply", "chosen"), [("", ()), ("n", ()), ("none", ()), ("1", ("anticoagulants",)),
                                               ("blood thinners", ("anticoagulants",)),
                                               ("1, 2", ("anticoagulants", "steroid-use")),
                                               ("1 2", ("anticoagulants", "steroid-use"))])
def test_a_list_menu_reads_numbers_names_synonyms_and_none(reply, chosen):
    menu = Menu("history", ["anticoagulants", "steroid-use", "pregnancy"], KNOWLEDGE)
    assert menu.many(reply) == chosen


# --- in a real terminal ------------------------------------------------------------------------------

def spawn(*args: str, columns: int = 80) -> pexpect.spawn:
    env = {**os.environ, "TERM": "dumb", "COLUMNS": str(columns), "LINES": "24", "NO_COLOR": "1"}
    env.pop("BACKMASSAGE_KB", None)
    child = pexpect.spawn(sys.executable, ["-m", "backmassage", "recommend", *args], env=env,
                          dimensions=(24, columns), encoding="utf-8", timeout=TIMEOUT)
    child.logfile_read = io.StringIO()  # the whole screen, for the assertions at the end
    return child


def answer_safety_questions(child: pexpect.spawn, reply: str = "n", until: str = "How did it start") -> None:
    while child.expect([SAFETY, until]) == 0:
        child.sendline(reply)


def finish(child: pexpect.spawn) -> str:
    child.expect(pexpect.EOF)
    child.close()
    return ANSI.sub("", child.logfile_read.getvalue()).replace("\r\n", "\n")


def test_a_walk_through_the_interview_with_wrong_answers_and_question_marks(run_json):
    child = spawn()
    child.expect("Where does it hurt most")
    child.sendline("lowr")
    child.expect(r"Did you mean 1 \(lower back\)\?")
    child.sendline("?")
    child.expect("Why this is asked")
    child.sendline("low back")
    child.expect("How old are you")
    child.sendline("42 years")
    child.expect("→ 42 years")
    answer_safety_questions(child)
    child.sendline("lifted something")
    child.expect("How long has it hurt")
    child.sendline("a week")
    child.expect("→ 1 week")
    for _ in range(6):  # the menus that are left: none of them
        index = child.expect([r"Enter or n for none\s*>", r"Enter (to skip|for no preference)\s*>", "Run this again"])
        if index == 2:
            break
        child.sendline("n" if index == 0 else "")
    out = finish(child)
    assert child.exitstatus == 0
    assert "MASSAGE" in out
    lines = out[out.index("backmassage recommend"):].splitlines()
    command = []
    for line in lines:
        command.append(line.strip().rstrip("\\").strip())
        if not line.rstrip().endswith("\\"):
            break
    args = shlex.split(" ".join(command))[2:]
    assert "--screened" in args and "--no-input" in args
    # The command gives the same answer, and asks nothing, even in a terminal.
    again = spawn(*args)
    rest = finish(again)
    assert "?" not in rest.split("MASSAGE")[0] and "MASSAGE" in rest
    assert run_json("recommend", *[a for a in args if a != "--no-input"])["not_asked"] == []


def test_warning_signs_are_asked_in_a_terminal_when_a_symptom_is_given():
    child = spawn("--location", "lower", "--symptom", "spasm", "--cause", "lifting", "--duration", "2w",
                  "--age", "30", "--history", "none", "--pressure", "medium")
    asked = 0
    while child.expect([SAFETY, "MASSAGE"]) == 0:
        asked += 1
        child.sendline("n")
    finish(child)
    assert asked == len(api.warning_signs_to_ask(answers(location="lower", age=30), KNOWLEDGE))
    assert child.exitstatus == 0


def test_not_sure_in_a_terminal_becomes_unsure():
    child = spawn("--location", "lower", "--age", "30", "--cause", "lifting", "--duration", "2w", "--history",
                  "none", "--symptom", "none", "--pressure", "medium")
    child.expect(SAFETY)
    child.sendline("not sure")
    child.expect("→ not sure")
    while child.expect([SAFETY, "Run this again"]) == 0:
        child.sendline("n")
    out = finish(child)
    assert "--unsure saddle-numbness" in " ".join(out.replace("\\\n", " ").split())
    assert "MASSAGE " not in out  # an unsure warning sign never ends in massage


def test_an_emergency_answer_mid_screen_shows_the_emergency_panel():
    child = spawn("--location", "lower", "--age", "50")
    child.expect(SAFETY)
    child.sendline("n")
    child.expect(SAFETY)
    child.sendline("y")  # new trouble with the bladder or bowels
    child.expect("Stopping the questions here")
    out = finish(child)
    assert "EMERGENCY" in out and "Warning signs" in out
    assert child.exitstatus == 0


@pytest.mark.parametrize("how", ["quit", "ctrl-d", "ctrl-c"])  # q and exit: test_quit_words_stop_with_a_word
def test_leaving_at_a_prompt_is_130_with_a_word(how):
    child = spawn()
    child.expect("Where does it hurt most")
    if how == "ctrl-d":
        child.sendeof()
    elif how == "ctrl-c":
        child.sendintr()
    else:
        child.sendline(how)
    out = finish(child)
    assert child.exitstatus == 130
    assert "Stopped" in out or "Cancelled" in out
    assert "Traceback" not in out


def test_without_a_terminal_nothing_is_asked():
    result = subprocess.run([sys.executable, "-m", "backmassage", "recommend", "--cause", "lifting"],
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "--location" in result.stderr and result.stdout == ""


def test_the_interview_gives_the_json_of_the_equivalent_flags(run_json, tmp_path):
    start = answers(location="neck", age=35)
    result, out, _ = run_interview(start, *["n"] * 10, "posture", "3 weeks", *["n", "n", "", ""], "", "", "")
    flags = result.as_flags()
    assert json.dumps(api.recommend_answers(result, KNOWLEDGE).to_dict()) == json.dumps(run_json("recommend", *flags))


# --- any reply at all ------------------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=30), st.sampled_from(["y", "n", "not sure", "?", "", "1", "2", "lower",
                                                                 "a week", "42", "none", "1,2", "99", "neck"])),
                max_size=40))
def test_any_replies_end_in_answers_or_a_quit_never_a_crash(replies):
    result, out, _ = run_interview(answers(), *[r.replace("\n", " ") for r in replies])
    if result is not None:
        rec = api.recommend_answers(result, KNOWLEDGE)
        assert rec.triage in ("massage", "see-clinician", "urgent", "emergency")
    assert "Traceback" not in out
