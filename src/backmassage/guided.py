"""Guided mode: the interview a person gets from ``backmassage recommend`` in a terminal.

One plain question at a time, on stderr (stdout stays for the result). Where it hurts
comes first, then the safety screen (warning signs and health history), then the rest.
After every answer the engine runs on the answers so far: when the knowledge already says
``emergency``, the interview stops so the emergency advice shows at once. This module
holds no medical facts: what an answer means is decided by the knowledge and the engine.

Every reply goes through the parsers of ``backmassage.answers``, so the interview accepts
exactly what the flags accept, and its answers give the same result as the equivalent
command line. Ctrl-C or end of input at any prompt raises ``KeyboardInterrupt``; the CLI
turns that into "Cancelled." and exit 130.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from rich.console import Console
from rich.text import Text

from backmassage.answers import Answers, parse_age, parse_choice, parse_duration, parse_many
from backmassage.errors import InvalidAnswer, suggest
from backmassage.vocabulary import AGE_RANGE, CHOICES

T = TypeVar("T")
ReadLine = Callable[[], str]
"""Returns one line typed by the person; raises EOFError at the end of input."""

MAX_WIDTH = 88
EMERGENCY = "emergency"

# The warning signs asked one by one, as yes/no questions, right after where it hurts.
# These are questions (wording), not rules: what a "yes" means is up to the knowledge.
SCREEN: dict[str, tuple[str, str]] = {
    "saddle-numbness": (
        "Any numbness around your bottom, your genitals or between your legs?",
        "Less feeling, numbness or pins and needles in the skin around your bottom, genitals or "
        "inner thighs: the parts that would touch a saddle."),
    "bladder-bowel-change": (
        "Any new trouble controlling or passing urine or stools (pee or poo)?",
        "Since the back pain began: trouble starting to pee, not feeling when you need to go, "
        "leaking, or not being able to hold stools."),
    "leg-weakness": (
        "Is one of your legs, or both, getting weaker?",
        "A leg that is weaker than usual and getting worse, for example a foot that drags or "
        "trips, or trouble standing on your toes or heels. Pain alone is not weakness."),
    "fever": (
        "Do you have a fever or chills?",
        "Feeling hot and shivery, or a temperature of 38 °C (100.4 °F) or more."),
    "weight-loss": (
        "Have you lost weight without trying?",
        "Weight you lost without meaning to: not from dieting or more exercise."),
    "night-pain": (
        "Is there pain at night that does not ease when you change position?",
        "Pain that wakes you or keeps you awake at night, however you lie."),
}

QUESTIONS: dict[str, tuple[str, str]] = {
    "location": (
        "Where does it hurt most?",
        "Pick the place where the pain is worst. If it is in many places at once, pick widespread."),
    "history": (
        "Does any of these apply to you?",
        "Pick every one that is true for you now, or was recently. Some of them change which "
        "massage is safe for you, or mean a doctor should check you first."),
    "age": (
        "How old are you?",
        f"Your age in whole years, from {AGE_RANGE[0]} to {AGE_RANGE[1]}. Some advice depends on age."),
    "cause": (
        "How did it start?",
        "What you were doing when the pain began. If there was nothing in particular, pick unknown."),
    "duration": (
        "How long has it hurt?",
        "How long ago the pain started: a number and a unit, for example 3 days, 2w or 6 months."),
    "symptoms": (
        "Do you have any of these?",
        "Pick every one you notice with your back pain. These help tell apart the kinds of back "
        "pain, and so which massage suits it."),
    "pressure": (
        "Which massage pressure do you prefer?",
        "How firmly you like to be massaged. It changes which technique comes first when several suit you."),
}

YES, NO = {"y", "yes"}, {"n", "no"}
NONE_WORDS = {"none", "no", "nothing", "-", "0"}


class WrongAnswer(Exception):
    """A reply that does not answer the question; its message is the hint shown to the person."""


# --- the prompt layer -------------------------------------------------------------------

def read_stdin_line() -> str:
    """One line from stdin, read as bytes so that no typed byte can make decoding fail."""
    stream = getattr(sys.stdin, "buffer", None) if sys.stdin is not None else None
    if stream is None:
        if sys.stdin is None:
            raise EOFError
        line = sys.stdin.readline()
    else:
        raw = stream.readline()
        line = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    if not line:
        raise EOFError
    return line


class Prompter:
    """Asks on a stderr console and reads replies; '?' shows help; wrong replies are asked again."""

    def __init__(self, console: Console, read: ReadLine = read_stdin_line):
        self.console = console
        self.read = read

    def say(self, text: str | Text = "", style: str = "") -> None:
        self.console.print(text if isinstance(text, Text) else Text(text, style=style))

    def ask(self, prompt: str | Text, parse: Callable[[str], T], help_text: str, prompt_end: str = "> ") -> T:
        while True:
            line = Text.assemble(prompt, (prompt_end, "bold")) if prompt else Text(prompt_end, style="bold")
            self.console.print(line, end="")
            reply = self._read().strip()
            if reply in ("?", "help"):
                self.say(help_text, style="cyan")
                continue
            try:
                return parse(reply)
            except WrongAnswer as hint:
                self.say(str(hint), style="yellow")

    def _read(self) -> str:
        self.console.file.flush()
        try:
            return self.read()
        except (EOFError, KeyboardInterrupt):
            self.console.print()  # "Cancelled." then starts on its own line
            raise KeyboardInterrupt from None


def shown(text: str, limit: int = 40) -> str:
    """A reply quoted back safely: no control characters, not too long."""
    clean = "".join(c if c.isprintable() else "?" for c in text)
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


# --- reply parsers (pure: they either return the answer or raise WrongAnswer) ------------

def _normal(text: str) -> str:
    return re.sub(r"[\s_]+", "-", text.strip().lower())


def _one_item(answer: str, text: str, numbered: Sequence[str]) -> str:
    """A number from the list shown, a value name, a value's plain label, or a unique part of one."""
    text = text.strip()
    if text.isdigit():
        number = int(text)
        if 1 <= number <= len(numbered):
            return numbered[number - 1]
        raise WrongAnswer(f"There is no number {shown(text)}: the numbers go from 1 to {len(numbered)}.")
    labels = CHOICES[answer]
    for value, label in labels.items():
        if text.lower() == label.lower():
            return value
    try:
        chosen = parse_choice(answer, _normal(text))
    except InvalidAnswer as error:
        suggestion = error.suggestion
    else:
        if chosen is None:
            raise WrongAnswer("Type a number or a name from the list.")
        return chosen
    if len(text) >= 3:
        fits = [value for value, label in labels.items() if text.lower() in label.lower()]
        if len(fits) == 1:
            return fits[0]
        if fits:
            listed = ", ".join(f"{numbered.index(v) + 1} {v}" if v in numbered else v for v in fits)
            raise WrongAnswer(f"'{shown(text)}' fits more than one: {listed}. Type the number or the name.")
    if not suggestion:
        close = suggest(text, [label.lower() for label in labels.values()])
        suggestion = next((labels[v] for v in labels if labels[v].lower() == close), None) if close else None
    if suggestion:
        raise WrongAnswer(f"'{shown(text)}' is not one of the choices. Did you mean '{suggestion}'?")
    raise WrongAnswer(f"'{shown(text)}' is not one of the choices: type a number from 1 to {len(numbered)}, "
                      "or a name (? for help).")


def parse_one_reply(answer: str, reply: str, numbered: Sequence[str], required: bool) -> str | None:
    """A single choice: a number, a name or a label; empty means skipped unless required."""
    if not reply.strip():
        if required:
            raise WrongAnswer(f"This one is needed: type a number from 1 to {len(numbered)}, or a name.")
        return None
    return _one_item(answer, reply, numbered)


def parse_many_reply(answer: str, reply: str, numbered: Sequence[str]) -> tuple[str, ...]:
    """Several choices: numbers or names separated by commas or spaces; empty or 'none' for none."""
    text = reply.strip()
    if not text or text.lower() in NONE_WORDS:
        return ()
    chosen: list[str] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            chosen.append(_one_item(answer, part, numbered))
        except WrongAnswer:
            words = part.split()
            if len(words) < 2:
                raise
            try:  # "1 3 5" or "spasm knot"
                chosen += [_one_item(answer, word, numbered) for word in words]
            except WrongAnswer:
                _one_item(answer, part, numbered)  # raises the hint about the whole part
                raise
    return parse_many(answer, chosen)


def parse_yes_no(reply: str) -> bool:
    text = reply.strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    if not text:
        raise WrongAnswer("Please answer y (yes) or n (no).")
    raise WrongAnswer(f"'{shown(reply)}' is not yes or no: please answer y or n (? explains the question).")


def parse_duration_reply(reply: str) -> tuple[int, str] | None:
    text = reply.strip()
    if not text:
        return None
    if text.isdigit():
        raise WrongAnswer(f"{text} what? Add a unit: {text} days, {text} weeks or {text} months (or {text}d, {text}w, {text}m).")
    years = re.fullmatch(r"(\d{1,3})\s*(y|yr|yrs|year|years)", text.lower())
    if years:
        months = int(years.group(1)) * 12
        raise WrongAnswer(f"Please give years as months: {months} months (or {months}m).")
    try:
        days, normal = parse_duration(text)
    except InvalidAnswer:
        raise WrongAnswer(f"'{shown(text)}' is not a length of time: type a number and a unit, "
                          "for example 3 days, 2w or 6 months.") from None
    if days is None or normal is None:
        return None
    return days, normal


def parse_age_reply(reply: str) -> int | None:
    text = reply.strip()
    if not text:
        return None
    try:
        return parse_age(text)
    except InvalidAnswer:
        low, high = AGE_RANGE
        raise WrongAnswer(f"'{shown(text)}' is not an age: type your age in whole years, from {low} to {high}.") from None


# --- why a warning sign is asked -------------------------------------------------------

def rules_reading(knowledge: Any, symptom: str) -> list[str]:
    """The names of the red flags that read one symptom (for the '?' of a screen question)."""
    names = []
    for rule in knowledge.red_flags:
        if _reads_symptom(rule.when, symptom):
            names.append(rule.name)
    return list(dict.fromkeys(names))


def _reads_symptom(expression: Any, symptom: str) -> bool:
    values = getattr(expression, "values", None)
    if getattr(expression, "answer", None) == "symptoms" and values is not None and symptom in values:
        return True
    parts = list(getattr(expression, "parts", ()))
    if hasattr(expression, "part"):
        parts.append(expression.part)
    return any(_reads_symptom(part, symptom) for part in parts)


def with_changes(answers: Answers, **changes: Any) -> Answers:
    """A copy of the answers with some changed (Answers is a NamedTuple or a frozen dataclass)."""
    if dataclasses.is_dataclass(answers):
        return dataclasses.replace(answers, **changes)
    return answers._replace(**changes)  # type: ignore[attr-defined,no-any-return]


# --- the interview ----------------------------------------------------------------------

class Interview:
    def __init__(self, answers: Answers, knowledge: Any, asked_by_flags: Iterable[str], prompter: Prompter):
        self.answers = answers
        self.knowledge = knowledge
        self.p = prompter
        # Answered before the interview (by a flag): never asked again.
        self.flagged = set(asked_by_flags) | {name for name in ("location", "cause", "symptoms", "history",
                                                                "duration", "age", "pressure")
                                              if self._has(name)}

    # Which questions to ask --------------------------------------------------------------

    def _has(self, name: str) -> bool:
        value = getattr(self.answers, "duration_days" if name == "duration" else name)
        return bool(value) if isinstance(value, tuple) else value is not None

    def given(self, name: str) -> bool:
        """Answered by a flag: never asked again."""
        return name in self.flagged

    def is_emergency(self) -> bool:
        from backmassage import engine

        return engine.recommend(self.answers, self.knowledge).triage == EMERGENCY

    def set(self, **changes: Any) -> None:
        self.answers = with_changes(self.answers, **changes)

    def run(self) -> Answers:
        self.p.say("A few questions about your back pain. Type ? at any question to see what it means, "
                   "Ctrl-C to stop.", style="dim")
        if not self.given("location"):
            self.ask_location()
        steps: list[Callable[[], None]] = [self.ask_screen, self.ask_history, self.ask_age, self.ask_cause,
                                           self.ask_duration, self.ask_symptoms, self.ask_pressure]
        for step in steps:
            if self.is_emergency():
                self.p.say()
                self.p.say("Stopping the questions here: your answers show a warning sign that needs "
                           "emergency care now. The advice follows.", style="bold red")
                self.p.say()
                return self.answers
            step()
        self.p.say()
        return self.answers

    # The questions -----------------------------------------------------------------------

    def heading(self, name: str) -> None:
        self.p.say()
        self.p.say(QUESTIONS[name][0], style="bold")

    def show_choices(self, answer: str, values: Sequence[str]) -> None:
        width = len(str(len(values)))
        for number, value in enumerate(values, start=1):
            label = CHOICES[answer][value]
            line = Text.assemble((f"  {number:>{width}}  ", "bold"), label)
            if not _normal(label).startswith(value):
                line.append(f"  ({value})", style="dim")
            self.p.say(line)

    def ask_single(self, name: str, required: bool = False, empty: str = "skipped") -> str | None:
        """One choice; ``empty`` says what pressing Enter means when the answer is not required."""
        values = list(CHOICES[name])
        self.heading(name)
        self.show_choices(name, values)
        how = "Number or name" + ("" if required else ", Enter to skip" if empty == "skipped" else f", Enter for {empty}")
        value = self.p.ask(Text(how + " ", style="dim"),
                           lambda reply: parse_one_reply(name, reply, values, required),
                           QUESTIONS[name][1])
        self.echo(name, [value] if value else [], empty)
        return value

    def ask_many(self, name: str, values: Sequence[str]) -> tuple[str, ...]:
        self.heading(name)
        self.show_choices(name, values)
        chosen = self.p.ask(Text("Numbers or names, separated by commas, Enter for none ", style="dim"),
                            lambda reply: parse_many_reply(name, reply, values),
                            QUESTIONS[name][1] + " Type numbers or names separated by commas, e.g. 1,3; "
                            "press Enter if none apply.")
        self.echo(name, chosen, "none")
        return chosen

    def echo(self, name: str, values: Sequence[str], nothing: str) -> None:
        """Say back what was understood, so a loosely typed reply can be checked at a glance."""
        words = "; ".join(CHOICES[name][value] for value in values) or nothing
        self.p.say(Text("→ " + words, style="dim"))

    def ask_location(self) -> None:
        self.set(location=self.ask_single("location", required=True))

    def ask_screen(self) -> None:
        if self.given("symptoms"):
            return
        self.p.say()
        self.p.say("Some safety questions first. Answer y (yes) or n (no).", style="bold")
        for symptom, (question, meaning) in SCREEN.items():
            if symptom in self.answers.symptoms:
                continue
            if self.is_emergency():
                return
            why = rules_reading(self.knowledge, symptom)
            help_text = meaning + (" It is asked because it can be a warning sign: " + "; ".join(why) + "."
                                   if why else " It is one of the warning signs checked before any massage.")
            if self.p.ask(Text(question + " "), parse_yes_no, help_text, prompt_end="[y/n] "):
                self.set(symptoms=parse_many("symptoms", [*self.answers.symptoms, symptom]))

    def ask_history(self) -> None:
        if self.given("history"):
            return
        self.set(history=self.ask_many("history", list(CHOICES["history"])))

    def ask_age(self) -> None:
        if self.given("age"):
            return
        self.heading("age")
        self.set(age=self.p.ask(Text("Years, Enter to skip ", style="dim"), parse_age_reply, QUESTIONS["age"][1]))

    def ask_cause(self) -> None:
        if self.given("cause"):
            return
        self.set(cause=self.ask_single("cause"))

    def ask_duration(self) -> None:
        if self.given("duration"):
            return
        self.heading("duration")
        reply = self.p.ask(Text("For example 3 days, 2w or 6 months, Enter to skip ", style="dim"),
                           parse_duration_reply, QUESTIONS["duration"][1])
        if reply is not None:
            from backmassage.expressions import describe_days

            self.set(duration_days=reply[0], duration=reply[1])
            self.p.say(Text("→ " + describe_days(reply[0]), style="dim"))

    def ask_symptoms(self) -> None:
        if self.given("symptoms"):
            return
        others = [value for value in CHOICES["symptoms"] if value not in SCREEN]
        more = self.ask_many("symptoms", others)
        self.set(symptoms=parse_many("symptoms", [*self.answers.symptoms, *more]))

    def ask_pressure(self) -> None:
        if self.given("pressure") or not self.pressure_matters():
            return
        self.set(pressure=self.ask_single("pressure", empty="no preference"))

    def pressure_matters(self) -> bool:
        """Only ask for a preferred pressure when it can change which massage comes first."""
        from backmassage import engine

        orders = {tuple(t.id for t in engine.recommend(with_changes(self.answers, pressure=p),
                                                       self.knowledge).techniques)
                  for p in (None, *CHOICES["pressure"])}
        return len(orders) > 1


def interview(answers: Answers, knowledge: Any, asked_by_flags: Iterable[str] = (), *,
              no_color: bool = False, read: ReadLine | None = None, console: Console | None = None) -> Answers:
    """Ask, on stderr, for the answers the flags did not give; return all the answers.

    Stops early when the answers so far already mean an emergency. Raises KeyboardInterrupt
    on Ctrl-C or end of input. ``read`` and ``console`` are for tests.
    """
    if console is None:
        console = Console(stderr=True, highlight=False, no_color=True if no_color else None)
        if console.width > MAX_WIDTH:
            console.width = MAX_WIDTH
    prompter = Prompter(console, read or read_stdin_line)
    return Interview(answers, knowledge, asked_by_flags, prompter).run()
