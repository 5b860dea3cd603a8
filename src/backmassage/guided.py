"""Guided mode: the interview a person gets from ``backmassage recommend`` in a terminal.

One plain question at a time, on stderr (stdout stays for the answer):

1. where it hurts, then the age (it decides which warning signs apply);
2. every warning-sign question that applies and that the flags did not answer, as
   yes / no / not sure (a "not sure" is ``--unsure``); when every one was asked, the
   answers are ``--screened``;
3. then how it started, how long, the health history, the other symptoms and the pressure
   preferred, but only the questions whose answer could change the advice for this person,
   and in a menu only the choices that could (the knowledge decides: each is tried).

After every answer the engine runs on the answers so far: once they mean ``emergency`` the
questions stop, so the emergency advice shows at once. ``?`` at any question says why it
is asked; ``q``, ``quit``, ``exit``, Ctrl-C or Ctrl-D stop with nothing advised (exit 130).
Every answer understood is said back once, the same way (``→ lower back``).

This module holds no medical facts: the questions, their reasons and the words for each
answer come from the knowledge (``data/answers.yaml``); what an answer means is decided by
the knowledge and the engine, through ``backmassage.api``.
"""

from __future__ import annotations

import datetime as _dt
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from rich.console import Console
from rich.text import Text

from backmassage import api
from backmassage.api import Answers, describe_days
from backmassage.errors import InvalidAnswer
from backmassage.render import Page, make_console
from backmassage.terminal import clean, unicode_ok
from backmassage.vocabulary import AGE_RANGE, CHOICES, WARNING_SIGNS

T = TypeVar("T")
ReadLine = Callable[[], str]
"""Returns one line typed by the person; raises EOFError at the end of input."""

QUIT_WORDS = frozenset({"q", "quit", "exit", ":q", "stop"})
HELP_WORDS = frozenset({"?", "help", "why", "why?"})
YES = frozenset({"y", "yes", "yeah", "yep", "ja", "oui", "si"})
NO = frozenset({"n", "no", "nope", "nah", "nein", "non"})
NOT_SURE = frozenset({"not sure", "notsure", "not-sure", "unsure", "ns", "maybe", "dont know", "don't know",
                      "do not know", "idk", "dunno", "not certain", "u"})
NONE_WORDS = frozenset({"none", "n", "no", "nothing", "neither", "-", "0", "none of these"})
MENU_MAX = 7
"""A longer menu is split into groups of at most this many choices, asked one after the other."""

# How the choices of a long menu are grouped (wording, not medicine: the values are SPEC section 1's).
GROUPS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "history": (
        ("Health conditions", ("osteoarthritis", "osteoporosis", "fibromyalgia", "disc-herniation", "cancer",
                               "blood-clot", "immunosuppressed")),
        ("Medicines, treatments and pregnancy", ("anticoagulants", "steroid-use", "recent-surgery", "iv-drug-use",
                                                 "pregnancy")),
    ),
    "symptoms": (
        ("How it feels", ("stiffness", "tenderness", "spasm", "knot", "continuous-ache", "joint-stiffness")),
        ("Other things you notice", ("shooting-pain", "tingling", "fatigue", "headaches", "poor-sleep")),
    ),
}
# Tried to learn whether an age or a duration could change the advice.
AGES_TRIED = (5, 12, 15, 17, 18, 25, 35, 45, 50, 55, 60, 65, 70, 75, 80, 90, 100)
DURATIONS_TRIED = ("1d", "2d", "3d", "5d", "1w", "2w", "3w", "4w", "6w", "8w", "12w", "13w", "4m", "6m", "1y", "3y")
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")


class WrongAnswer(Exception):
    """A reply that does not answer the question; its message is the hint shown to the person."""


class Quit(KeyboardInterrupt):
    """The person asked to stop (q, quit, exit, Ctrl-D): nothing is advised."""

    said = False  # True once the interview has told the person (exits.reporting_errors then adds nothing)


# --- reading a reply ---------------------------------------------------------------------

def read_stdin_line() -> str:
    """One line from stdin, read as bytes so that no typed byte can make decoding fail."""
    if sys.stdin is None:
        raise EOFError
    stream = getattr(sys.stdin, "buffer", None)
    raw = sys.stdin.readline() if stream is None else stream.readline()
    line = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    if not line:
        raise EOFError
    return line


def shown(text: str, limit: int = 40) -> str:
    """A reply quoted back safely: cleaned, not too long."""
    text = clean(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- reply parsers (pure: they return the answer or raise WrongAnswer) --------------------

class Menu:
    """Numbered choices of one answer, read by number, value, label, synonym or a unique part of a label."""

    def __init__(self, answer: str, values: Sequence[str], knowledge: Any):
        self.answer = answer
        self.values = list(values)
        self.knowledge = knowledge
        self.labels = {value: knowledge.vocabulary.label(answer, value) for value in self.values}

    def one(self, text: str) -> str:
        text = text.strip()
        if re.fullmatch(r"[0-9]{1,6}", text):  # ASCII digits only: '²' is a digit to Python, not a number here
            number = int(text)
            if 1 <= number <= len(self.values):
                return self.values[number - 1]
            raise WrongAnswer(f"There is no number {shown(text)}: the numbers go from 1 to {len(self.values)}.")
        suggestion = None
        try:
            chosen = getattr(api.parse_answers(self.knowledge, require_location=False, **{self.answer: text}),
                             self.answer)
        except InvalidAnswer as error:
            chosen, suggestion = None, error.suggestion
        if isinstance(chosen, tuple):
            chosen = chosen[0] if len(chosen) == 1 else None
        if chosen in self.values:
            return str(chosen)
        if chosen is not None:
            raise WrongAnswer(f"'{shown(text)}' is not one of these choices: type a number from 1 to "
                              f"{len(self.values)}.")
        if len(text) >= 3:
            fits = [v for v, label in self.labels.items() if text.lower() in label.lower()]
            if len(fits) == 1:
                return fits[0]
            if fits:
                listed = ", ".join(f"{self.values.index(v) + 1} ({self.labels[v]})" for v in fits)
                raise WrongAnswer(f"'{shown(text)}' fits more than one: {listed}. Type its number.")
        if suggestion in self.values:
            raise WrongAnswer(f"'{shown(text)}' is not one of the choices. Did you mean "
                              f"{self.values.index(suggestion) + 1} ({self.labels[suggestion]})?")
        raise WrongAnswer(f"'{shown(text)}' is not one of the choices: type a number from 1 to "
                          f"{len(self.values)}, or ? to see why this is asked.")

    def single(self, reply: str) -> str | None:
        """One choice, or None for Enter (not answered)."""
        return self.one(reply) if reply.strip() else None

    def many(self, reply: str) -> tuple[str, ...]:
        """Several choices: numbers or names separated by commas or spaces; Enter, n or none for none."""
        text = reply.strip()
        if not text or text.lower() in NONE_WORDS:
            return ()
        chosen: list[str] = []
        for part in (p.strip() for p in re.split(r"[,;]", text)):
            if not part:
                continue
            try:
                chosen.append(self.one(part))
            except WrongAnswer as hint:
                try:  # "1 3 5", or "spasm knots"
                    chosen += [self.one(word) for word in part.split()]
                except WrongAnswer:
                    raise hint from None  # the hint about the whole part
        return tuple(v for v in self.values if v in chosen)


def parse_yes_no_unsure(reply: str) -> str:
    """'yes', 'no' or 'unsure'."""
    text = " ".join(reply.strip().lower().replace("’", "'").split())
    for answer, words in (("yes", YES), ("no", NO), ("unsure", NOT_SURE)):
        if text in words:
            return answer
    if not text:
        raise WrongAnswer("Please answer y (yes), n (no) or not sure.")
    raise WrongAnswer(f"'{shown(reply)}' is not yes, no or not sure: please answer y, n or not sure "
                      "(? says why this is asked).")


def parse_duration_reply(reply: str, today: _dt.date | None = None) -> tuple[int, str] | None:
    """(days, normalised text) from '3 days', 'a week', '1.5 weeks', '10 years', 'since March'; None for Enter."""
    text = reply.strip()
    if re.fullmatch(r"[0-9]+", text):
        raise WrongAnswer(f"{text} what? Add a unit: {text} days, {text} weeks, {text} months or {text} years.")
    since = re.fullmatch(r"(?:since|from)\s+(?:early\s+|late\s+|mid\s+|the\s+start\s+of\s+|the\s+end\s+of\s+)?"
                         r"([a-z]+)\.?", text.lower())
    starts = [month[:3] for month in MONTHS]
    if since and since.group(1)[:3] in starts:
        month = starts.index(since.group(1)[:3]) + 1
        ago = ((today or _dt.date.today()).month - month) % 12
        name = MONTHS[month - 1].capitalize()
        if ago == 0:
            raise WrongAnswer(f"Since {name}, this month: about how many days or weeks? For example 10 days.")
        if ago == 1:
            raise WrongAnswer(f"Since {name}: about how many weeks is that? For example 5 weeks.")
        text = f"{ago} months"
    try:
        days, normal = api.parse_duration(text)
    except InvalidAnswer:
        raise WrongAnswer(f"'{shown(reply)}' is not a length of time: type a number and a unit, "
                          "for example 3 days, a week, 2 months or 10 years.") from None
    if days is None or normal is None:
        return None
    return days, normal


def parse_age_reply(reply: str) -> int | None:
    text = reply.strip()
    try:
        return api.parse_age(text)
    except InvalidAnswer:
        low, high = AGE_RANGE
        raise WrongAnswer(f"'{shown(text)}' is not an age: type your age in whole years, from {low} to {high}, "
                          "for example 42.") from None


# --- which questions can change the advice ---------------------------------------------------

def advice_key(answers: Answers, knowledge: Any) -> tuple[Any, ...]:
    """What a person is told to do, without the words that merely repeat their answers."""
    rec = api.recommend_answers(answers, knowledge)
    return (rec.triage, rec.condition.id if rec.condition else None,
            tuple((t.id, t.session_minutes, t.frequency) for t in rec.techniques),
            tuple(a.id for a in rec.avoid), tuple(f.id for f in rec.red_flags), rec.cautions, rec.self_care,
            tuple(api.warning_signs_to_ask(answers, knowledge)))


def _with(answers: Answers, answer: str, value: Any) -> Answers:
    return answers._replace(**{answer: value})


def _tried(answers: Answers, answer: str) -> Iterator[tuple[Any, Answers]]:
    """Each answer tried for a question, with the answers it makes: a choice of a menu, one more
    choice of a list (not a warning sign: those are asked on their own), an age, a duration."""
    if answer == "age":
        return ((age, answers._replace(age=age)) for age in AGES_TRIED)
    if answer == "duration":
        return ((text, answers._replace(duration=text, duration_days=api.parse_duration(text)[0]))
                for text in DURATIONS_TRIED)
    if answer in ("symptoms", "history"):
        given = getattr(answers, answer) or ()
        return ((value, _with(answers, answer, tuple(dict.fromkeys((*given, value)))))
                for value in CHOICES[answer] if value not in WARNING_SIGNS)
    return ((value, _with(answers, answer, value)) for value in CHOICES[answer])


def relevant_values(answers: Answers, knowledge: Any, answer: str) -> list[str]:
    """The values of a question that, given, would change the advice for these answers."""
    base = advice_key(answers, knowledge)
    return [value for value, changed in _tried(answers, answer) if advice_key(changed, knowledge) != base]


def first_technique(answers: Answers, knowledge: Any) -> str | None:
    techniques = api.recommend_answers(answers, knowledge).techniques
    return techniques[0].id if techniques else None


def can_change(answers: Answers, knowledge: Any, answer: str) -> bool:
    """Whether any answer to this question could change the advice. A preferred pressure only
    reorders what is safe, so it is asked only when it could change the massage to ask for."""
    if answer == "pressure":
        first = first_technique(answers, knowledge)
        return any(first_technique(answers._replace(pressure=p), knowledge) != first
                   for p in CHOICES["pressure"])
    base = advice_key(answers, knowledge)
    return any(advice_key(changed, knowledge) != base for _, changed in _tried(answers, answer))


def _answered(answers: Answers, name: str) -> bool:
    return getattr(answers, "duration_days" if name == "duration" else name) is not None


OPEN_QUESTIONS = ("age", "cause", "duration", "history", "symptoms", "pressure")
"""Asked only when an answer to them could change the advice (where it hurts is always asked)."""


def needs_questions(answers: Answers, knowledge: Any) -> bool:
    """Whether the interview has anything to ask: a missing location, a warning sign not yet
    answered, or an open question whose answer could change the advice."""
    if answers.location is None:
        return True
    if not answers.screened and api.warning_signs_to_ask(answers, knowledge):
        return True
    return any(not _answered(answers, name) and can_change(answers, knowledge, name) for name in OPEN_QUESTIONS)


# --- the interview ----------------------------------------------------------------------

class Interview:
    """The questions, asked on a stderr console; ``?`` shows why one is asked; a wrong reply is asked again."""

    def __init__(self, answers: Answers, knowledge: Any, console: Console, read: ReadLine):
        self.answers = answers
        self.knowledge = knowledge
        self.words = knowledge.vocabulary
        self.console = console
        self.read = read
        self.arrow = "→" if unicode_ok(console.file) else "->"
        self.given = {name for name in ("location", *OPEN_QUESTIONS) if _answered(answers, name)}
        self.asked_signs: set[str] = set()
        self.asked: set[str] = set()
        self.stopped = False

    def say(self, text: str | Text = "", style: str = "") -> None:
        self.console.print(text if isinstance(text, Text) else Text(clean(text, lines=True), style=style))

    def echo(self, words: str) -> None:
        """The answer understood, said back the one way every answer is."""
        self.say(Text(f"  {self.arrow} {clean(words)}", style="dim"))

    def ask(self, prompt: Text, parse: Callable[[str], T], why: str, again: Text | None = None) -> T:
        """Ask until a reply parses; after a wrong reply or ``?``, ``again`` (a shorter prompt) is shown."""
        while True:
            self.console.print(prompt, end="")
            self.console.print(Text("> ", style="bold"), end="")
            prompt = again or prompt
            try:
                self.console.file.flush()
                reply = self.read().strip()
            except (EOFError, KeyboardInterrupt):
                self.console.print()  # the message then starts on its own line
                raise Quit from None
            lowered = reply.lower()
            if lowered in QUIT_WORDS:
                raise Quit
            if lowered in HELP_WORDS:
                self.say(Text("Why this is asked: ", style="bold cyan") + Text(clean(why), style="cyan"))
                continue
            try:
                return parse(reply)
            except WrongAnswer as hint:
                self.say(Text(clean(str(hint)), style="yellow"))

    def set(self, **changes: Any) -> None:
        self.answers = self.answers._replace(**changes)

    def run(self) -> Answers:
        self.say("A few questions about your back pain. Type ? at any question to hear why it is asked, "
                 "q to stop.", style="dim")
        if "location" not in self.given:
            self.ask_location()
        steps: list[Callable[[], None]] = [
            self.ask_age, self.ask_screen, lambda: self.ask_single("cause"), self.ask_duration,
            lambda: self.ask_list("history"), lambda: self.ask_list("symptoms"),
            lambda: self.ask_single("pressure", empty="no preference")]
        # A later answer can make a question asked for (a warning sign that applies from an age,
        # a question skipped as not mattering): the questions go round again until nothing more can matter.
        for _ in range(4):
            before = (self.answers, set(self.asked_signs))
            for step in steps:
                if self.stop_if_emergency():
                    return self.answers
                step()
            if (self.answers, self.asked_signs) == before:
                break
        # Screened: every warning sign that applies was asked (or answered by a flag).
        if self.asked_signs and not set(api.warning_signs_to_ask(self.answers, self.knowledge)) - self.asked_signs:
            self.set(screened=True)
        self.say()
        return self.answers

    def stop_if_emergency(self) -> bool:
        if self.stopped or api.recommend_answers(self.answers, self.knowledge).triage != "emergency":
            return self.stopped
        self.stopped = True
        self.say()
        self.say("Stopping the questions here: your answers show a warning sign that needs emergency "
                 "care now. The advice follows.", style="bold red")
        self.say()
        return True

    # The questions -----------------------------------------------------------------------

    def heading(self, text: str, note: str = "") -> None:
        self.say()
        self.say(Text(clean(text), style="bold"))
        if note:
            self.say(Text(clean(note), style="dim"))

    def show(self, menu: Menu) -> None:
        """The numbered choices, each wrapped under its own text (never under the number)."""
        page = Page(self.console)
        width = len(str(len(menu.values)))
        for number, value in enumerate(menu.values, start=1):
            label = menu.labels[value]
            # the value is shown too when the label does not say it: 'in many places  (widespread)'
            flag = "" if re.sub(r"[\s_\-]+", "-", label.lower()).strip("-").startswith(value) else f"  ({value})"
            page.line(label, (flag, "dim"), prefix=(f"  {number:>{width}}  ", "bold"))
        page.print()

    def ask_location(self) -> None:
        question, why = self.words.questions["location"]
        menu = Menu("location", CHOICES["location"], self.knowledge)
        self.heading(question)
        self.show(menu)

        def parse(reply: str) -> str:
            value = menu.single(reply)
            if value is None:
                raise WrongAnswer(f"This one is needed: type a number from 1 to {len(menu.values)}, or a name.")
            return value

        value = self.ask(Text("Number or name ", style="dim"), parse, why)
        self.echo(menu.labels[value])
        self.set(location=value)
        self.given.add("location")

    def begin(self, name: str) -> str | None:
        """Why a question is asked, once its heading is shown; None when it is not to be asked
        (it was given or asked already, or no answer to it could change the advice)."""
        if name in self.given or name in self.asked or not can_change(self.answers, self.knowledge, name):
            return None
        self.asked.add(name)
        question, why = self.words.questions[name]
        self.heading(question)
        return why

    def ask_age(self) -> None:
        why = self.begin("age")
        if why is not None:
            age = self.ask(Text("Years, Enter to skip ", style="dim"), parse_age_reply, why)
            self.echo(f"{age} years" if age is not None else "not answered")
            self.set(age=age)

    def ask_screen(self) -> None:
        if self.answers.screened:
            return
        to_ask = [s for s in api.warning_signs_to_ask(self.answers, self.knowledge) if s not in self.asked_signs]
        if to_ask and not self.asked_signs:
            self.say()
            self.say("Some safety questions first: answer y (yes), n (no) or not sure.", style="bold")
        for sign in to_ask:
            if self.stop_if_emergency():
                return
            warning = self.words.warning_signs[sign]
            self.asked_signs.add(sign)
            reply = self.ask(Text.assemble(clean(warning.question) + " ", ("y/n/not sure ", "dim")),
                             parse_yes_no_unsure, warning.why, again=Text("y/n/not sure ", style="dim"))
            self.echo("not sure" if reply == "unsure" else reply)
            if reply == "yes":
                self.set(symptoms=tuple(v for v in CHOICES["symptoms"]
                                        if v in {*(self.answers.symptoms or ()), sign}))
            elif reply == "unsure":
                self.set(unsure=tuple(v for v in WARNING_SIGNS if v in {*self.answers.unsure, sign}))

    def ask_single(self, name: str, empty: str = "not answered") -> None:
        why = self.begin(name)
        if why is None:
            return
        menu = Menu(name, CHOICES[name], self.knowledge)
        self.show(menu)
        enter = "Enter to skip" if empty == "not answered" else f"Enter for {empty}"
        value = self.ask(Text(f"Number or name, {enter} ", style="dim"), menu.single, why)
        self.echo(menu.labels[value] if value else empty)
        self.set(**{name: value})

    def ask_duration(self) -> None:
        why = self.begin("duration")
        if why is None:
            return
        reply = self.ask(Text("For example 3 days, a week or 6 months, Enter to skip ", style="dim"),
                         parse_duration_reply, why)
        self.echo(describe_days(reply[0]) if reply else "not answered")
        if reply:
            self.set(duration_days=reply[0], duration=reply[1])

    def ask_list(self, name: str) -> None:
        """A list question, only its choices that could change the advice, in short menus."""
        if name in self.given or name in self.asked:
            return
        relevant = relevant_values(self.answers, self.knowledge, name)
        if not relevant:
            return
        self.asked.add(name)
        question, why = self.words.questions[name]
        groups: list[tuple[str, list[str]]] = [("", relevant)]
        if len(relevant) > MENU_MAX:
            groups = [(title, [v for v in values if v in relevant]) for title, values in GROUPS.get(name, ())]
            placed = {v for _, values in groups for v in values}
            groups.append(("Anything else", [v for v in relevant if v not in placed]))
            groups = [(title, values) for title, values in groups if values]
        chosen: list[str] = list(getattr(self.answers, name) or ())
        for number, (title, values) in enumerate(groups, start=1):
            note = f"{title} ({number} of {len(groups)}):" if len(groups) > 1 else ""
            menu = Menu(name, values, self.knowledge)
            self.heading(question, note)
            self.show(menu)
            picked = self.ask(Text("Numbers or names, separated by commas; Enter or n for none ", style="dim"),
                              menu.many, why + " Type numbers or names separated by commas, for example 1,3; "
                              "press Enter or type n if none apply.")
            self.echo("; ".join(menu.labels[v] for v in picked) or "none")
            chosen += picked
        self.set(**{name: tuple(v for v in CHOICES[name] if v in chosen)})


def interview(answers: Answers, knowledge: Any, *, no_color: bool = False, read: ReadLine | None = None,
              console: Console | None = None) -> Answers:
    """Ask, on stderr, for what the flags did not give; return all the answers. Raises ``Quit`` (a
    ``KeyboardInterrupt``) on q, quit, exit, Ctrl-C or end of input. ``read`` and ``console`` are for tests."""
    asking = Interview(answers, knowledge, console or make_console(no_color, stderr=True), read or read_stdin_line)
    try:
        return asking.run()
    except Quit as stop:
        asking.say("Stopped: nothing was advised. Run backmassage recommend again when you are ready.",
                     style="bold")
        stop.said = True
        raise


# --- the answers in words (for the saved page) ---------------------------------------------

def answers_in_words(rec: Any, knowledge: Any) -> list[tuple[str, str]]:
    """(question, answer in words) for each answer, and what was asked of the warning signs."""
    a = rec.answers
    label = knowledge.vocabulary.label

    def one(answer: str, value: str | None) -> str:
        return label(answer, value) if value else "not answered"

    def many(answer: str, values: tuple[str, ...] | None, skip: Iterable[str] = ()) -> str:
        if values is None:
            return "not answered"
        shown_values = [label(answer, v) for v in values if v not in skip]
        if not shown_values and len(values):
            return "none besides the warning signs below"
        return "; ".join(shown_values) or "none"

    rows = [
        ("Where it hurts", one("location", a.location)),
        ("Age", f"{a.age} years" if a.age is not None else "not answered"),
        ("How it started", one("cause", a.cause)),
        ("How long", describe_days(a.duration_days) if a.duration_days is not None else "not answered"),
        ("Health history", many("history", a.history)),
        ("Symptoms", many("symptoms", a.symptoms, skip=WARNING_SIGNS)),
    ]
    if a.pressure:
        rows.append(("Pressure preferred", label("pressure", a.pressure)))
    signs = [label("symptoms", s) for s in (a.symptoms or ()) if s in WARNING_SIGNS]
    rows.append(("Warning signs you have", "; ".join(signs) or "none"))
    if rec.unsure:
        rows.append(("Warning signs you were not sure of", "; ".join(label("symptoms", s) for s in rec.unsure)))
    if rec.not_asked:
        rows.append(("Warning signs NOT asked", "; ".join(label("symptoms", s) for s in rec.not_asked)))
    elif a.screened:
        rows.append(("Warning-sign questions", "all asked"))
    return rows
