"""How a recommendation looks in a terminal (rich). Text from the knowledge is never markup.

The ordinary answer is built as one rich ``Text`` and printed once: no tables or panels, so
that only ``rich.console`` and ``rich.text`` load on the way to a person's first answer. The
warning-signs panel (``rich.panel``) and the browsing tables (``rich.table``) load when needed.
"""

from __future__ import annotations

import textwrap
from typing import Any

from rich.console import Console
from rich.text import Text

from backmassage.engine import NO_TECHNIQUES_AT
from backmassage.expressions import describe_days
from backmassage.model import Recommendation
from backmassage.vocabulary import CHOICES

MAX_WIDTH = 88
INDENT = 3
MORE_TECHNIQUES = 2  # shown with their reasons after the first; the rest by name only
DISCLAIMER = ("This is not a diagnosis and not medical advice. It points you to a registered massage "
              "therapist (RMT) or a doctor; if in doubt, ask a healthcare professional.")
TRIAGE_BANNER = {
    "emergency": ("EMERGENCY", "bold white on red", "red",
                  "Go to emergency care now: call 999 (UK), 911 (US), 112 (EU) or your local emergency number."),
    "urgent": ("URGENT", "bold white on dark_orange3", "dark_orange3",
               "See a doctor today, or within 24-48 hours at the latest. Do not book a massage first."),
    "see-clinician": ("SEE A CLINICIAN FIRST", "bold black on yellow", "yellow",
                      "Get cleared by a doctor or physiotherapist before you book a massage."),
    "massage": ("MASSAGE", "bold black on green", "green",
                "Book a registered massage therapist (RMT)."),
}


def make_console(no_color: bool = False, **options: Any) -> Console:
    width = options.pop("width", None)
    console = Console(highlight=False, no_color=True if no_color else None, width=width, **options)
    if width is None and console.width > MAX_WIDTH:
        console.width = MAX_WIDTH
    return console


class Page:
    """Lines of styled text, wrapped to the console's width, printed in one go."""

    def __init__(self, width: int):
        self.width = width
        self.text = Text()

    def line(self, text: str = "", style: str = "") -> None:
        for part in textwrap.wrap(text, self.width) or [""]:
            self.text.append(part + "\n", style=style)

    def pieces(self, *pieces: tuple[str, str]) -> None:
        """One short line made of (text, style) pieces."""
        for text, style in pieces:
            self.text.append(text, style=style)
        self.text.append("\n")

    def banner(self, label: str, style: str, action: str) -> None:
        """The triage line: a coloured label, then what to do, wrapped beside it."""
        tag = f" {label} "
        lines = textwrap.wrap(action, self.width - len(tag) - 2) or [""]
        self.text.append(tag, style=style)
        self.text.append("  " + lines[0] + "\n", style="bold")
        for line in lines[1:]:
            self.text.append(" " * (len(tag) + 2) + line + "\n", style="bold")

    def heading(self, title: str) -> None:
        self.text.append("\n" + title + "\n", style="bold underline")

    def bullets(self, items: list[str] | tuple[str, ...], marker: str = "•", style: str = "") -> None:
        for item in items:
            lines = textwrap.wrap(item, self.width - INDENT) or [""]
            self.text.append(f"{marker:<{INDENT - 1}} ", style=style)
            self.text.append(lines[0] + "\n")
            for line in lines[1:]:
                self.text.append(" " * INDENT + line + "\n")

    def print(self, console: Console) -> None:
        self.text.rstrip()
        console.print(self.text, overflow="ignore", crop=False, soft_wrap=True)  # already wrapped above


def render_recommendation(rec: Recommendation, console: Console, rerun_command: bool = False) -> None:
    """The whole answer, most important first: what to do, what to ask for, what to avoid, why.

    For emergency and urgent answers only the warning, its reasons and its sources are shown:
    nothing about massage may distract from what to do now (the JSON still has every field).
    """
    if rec.red_flags:
        _warning_panel(rec, console)
    page = Page(console.width)
    if not rec.red_flags:
        label, style, _, action = TRIAGE_BANNER[rec.triage]
        page.banner(label, style, action)
    if rec.triage not in NO_TECHNIQUES_AT:
        _condition(rec, page)
        _techniques(rec, page)
        _avoid_and_cautions(rec, page)
        page.heading("Tell your therapist")
        page.line(therapist_note(rec), style="italic")
    page.heading("Why this advice")
    page.bullets(_steps(rec, "triage", "missing") if rec.triage in NO_TECHNIQUES_AT
                 else _steps(rec, "triage", "condition", "missing"))
    _sources(rec, page)
    if rerun_command:
        page.heading("Run this again without the questions")
        page.pieces((rerun_line(rec.answers), "bold"))  # never wrapped: one line to copy and paste
    page.line()
    page.line(DISCLAIMER + f" Knowledge version {rec.knowledge_version}.", style="dim")
    page.print(console)


def _steps(rec: Recommendation, *steps: str) -> list[str]:
    """The explanation sentences of the given steps (technique reasons are shown with the techniques)."""
    kinds = rec.explanation_steps or ("triage",) * len(rec.explanation)
    return [sentence for sentence, kind in zip(rec.explanation, kinds) if kind in steps]


def _warning_panel(rec: Recommendation, console: Console) -> None:
    from rich.console import Group
    from rich.panel import Panel

    label, style, border, action = TRIAGE_BANNER[rec.triage]
    body: list[Any] = [Text.assemble((f" {label} ", style), "  ", (action, "bold"))]
    for flag in rec.red_flags:
        body += [Text(), Text(flag.name, style="bold"), Text(flag.advice)]
    console.print(Panel(Group(*body), title="Warning signs", title_align="left", border_style=border,
                        padding=(0, 1)))


def _condition(rec: Recommendation, page: Page) -> None:
    if not rec.condition:
        return
    page.heading("What your answers point to")
    page.pieces((rec.condition.name, "bold"), (f"  · {match_words(rec.condition.score)}", ""))
    if rec.condition.description:
        page.line(rec.condition.description)
    if rec.alternatives:
        page.line("Also possible: " + ", ".join(a.name for a in rec.alternatives), style="dim")


def match_words(score: float) -> str:
    """How well the answers fit a pattern, in words: a score is not a probability of disease."""
    if score >= 0.75:
        return f"a strong match with your answers ({score:.2f})"
    return f"a fair match with your answers ({score:.2f})" if score >= 0.5 else f"a weak match ({score:.2f})"


def _techniques(rec: Recommendation, page: Page) -> None:
    if not rec.techniques:
        return
    cleared = " once a clinician has cleared you" if rec.triage == "see-clinician" else ""
    page.heading("Massage to ask for" + cleared)
    best = rec.techniques[0]
    page.pieces((best.name, "bold cyan"),
                (f"  {'-'.join(best.pressure)} pressure · {best.session_minutes} min sessions", ""))
    page.line(best.why)
    page.line("How often: " + best.frequency, style="dim")
    page.line("What it can do:")
    page.bullets(list(best.benefits), marker="+", style="green")
    if len(rec.techniques) > 1:
        page.line("Also suitable:")
        page.bullets([f"{t.name}: {t.why}" for t in rec.techniques[1:1 + MORE_TECHNIQUES]], marker="·")
        hidden = rec.techniques[1 + MORE_TECHNIQUES:]
        if hidden:
            page.line(f"Also on the list: {', '.join(t.name for t in hidden)} (details with --json).", style="dim")


def _avoid_and_cautions(rec: Recommendation, page: Page) -> None:
    if rec.avoid:
        page.heading("Avoid")
        page.bullets(_steps(rec, "avoid") or [f"{a.name or a.id}: {a.reason}" for a in rec.avoid],
                     marker="✗", style="bold red")
    if rec.cautions:
        page.heading("Be careful")
        page.bullets(rec.cautions, marker="!", style="bold yellow")


def _sources(rec: Recommendation, page: Page) -> None:
    if not rec.sources:
        return
    page.heading("Sources")
    for number, source in enumerate(rec.sources, start=1):
        title = f"{number}. {source.title}"
        page.line(title if len(title) <= page.width else title[: page.width - 1] + "…", style="dim")
    page.line("Links to every source: add --json, or run backmassage explain ID.", style="dim")


def rerun_line(answers: Any) -> str:
    import shlex

    return "backmassage recommend " + " ".join(shlex.quote(arg) for arg in answers.as_flags())


def therapist_note(rec: Recommendation) -> str:
    """A few sentences the person can show an RMT, built from their own answers."""
    a = rec.answers
    parts = []
    if a.location:
        where = CHOICES["location"][a.location]
        since = f" for {describe_days(a.duration_days)}" if a.duration_days is not None else ""
        started = f", since {CHOICES['cause'][a.cause]}" if a.cause and a.cause != "unknown" else ""
        parts.append(f"I have pain in my {where}{since}{started}.")
    if a.symptoms:
        parts.append("I notice " + ", ".join(CHOICES["symptoms"][s] for s in a.symptoms) + ".")
    if a.history:
        parts.append("My health history: " + ", ".join(CHOICES["history"][h] for h in a.history) + ".")
    if rec.techniques:
        wish = f"I would like {rec.techniques[0].name}"
        # Pass the preference on only where the technique uses it: a rule may have ruled it out.
        liked = a.pressure and a.pressure in rec.techniques[0].pressure
        parts.append(wish + (f", with {a.pressure} pressure." if liked else "."))
    if rec.avoid:
        parts.append("Please avoid " + ", ".join(x.name or x.id for x in rec.avoid) + ".")
    return " ".join(parts)


# --- browsing ----------------------------------------------------------------------------------

def render_conditions(knowledge: Any, console: Console) -> None:
    from rich.table import Table

    table = Table(title="Back-pain patterns", title_justify="left", expand=True)
    table.add_column("id", style="cyan", no_wrap=True)
    table.add_column("name", style="bold")
    table.add_column("massage, best first")
    for condition in knowledge.conditions:
        table.add_row(condition.id, condition.name, ", ".join(t.id for t in condition.techniques))
    console.print(table)
    console.print(Text("Details: backmassage explain ID", style="dim"))


def render_techniques(knowledge: Any, console: Console) -> None:
    from rich.table import Table

    table = Table(title="Kinds of massage", title_justify="left", expand=True)
    table.add_column("id", style="cyan", no_wrap=True)
    table.add_column("name", style="bold")
    table.add_column("pressure")
    table.add_column("session", no_wrap=True)
    for technique in knowledge.techniques.values():
        table.add_row(technique.id, technique.name, ", ".join(technique.pressure), f"{technique.session_minutes} min")
    console.print(table)
    console.print(Text("Details: backmassage explain ID", style="dim"))


def render_item(item: dict[str, Any], console: Console) -> None:
    page = Page(console.width)
    page.pieces((item["name"], "bold"), (f"  ({item['kind']} {item['id']})", "dim"))
    for key, title in (("description", None), ("when", "Raised when"), ("advice", "What to do"),
                       ("caution", "Caution"), ("reason", "Why techniques are left out"),
                       ("frequency", "How often")):
        if item.get(key):
            page.line(f"{title}: {item[key]}" if title else item[key])
    if item.get("triage"):
        page.line(f"Triage: {item['triage']}")
    if item.get("pressure"):
        page.line(f"Pressure: {', '.join(item['pressure'])} · {item['session_minutes']} min sessions")
    if item.get("benefits"):
        page.heading("What it can do")
        page.bullets(item["benefits"])
    if item.get("techniques"):
        page.heading("Massage, best first")
        page.bullets([f"{t['name']} ({t['id']}): {t['why']}" for t in item["techniques"]])
    if item.get("avoid"):
        page.heading("Leaves out")
        page.bullets([f"{t['name']} ({t['id']})" for t in item["avoid"]], marker="✗")
    if item.get("cautions"):
        page.heading("Be careful")
        page.bullets(item["cautions"], marker="!")
    page.heading("Sources")
    page.bullets([s["title"] + (f" {s['url']}" if s["url"] else "") for s in item["sources"]], marker="-")
    page.print(console)
