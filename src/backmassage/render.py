"""How a recommendation looks in a terminal (rich). Text from the knowledge is never markup."""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from backmassage.expressions import describe_days
from backmassage.model import Recommendation
from backmassage.vocabulary import CHOICES

MAX_WIDTH = 88
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


def _heading(title: str) -> Text:
    return Text("\n" + title, style="bold underline")


def _bullets(items: list[str] | tuple[str, ...], marker: str = "•", style: str = "") -> Table:
    table = Table.grid(padding=(0, 1))
    table.add_column(width=2, style=style)
    table.add_column(ratio=1)
    for item in items:
        table.add_row(marker, Text(item))
    return table


def render_recommendation(rec: Recommendation, console: Console, rerun_command: bool = False) -> None:
    """The whole answer, most important first: what to do, what to ask for, what to avoid, why."""
    _triage_banner(rec, console)
    _condition(rec, console)
    _techniques(rec, console)
    _avoid_and_cautions(rec, console)
    if rec.triage not in NO_MASSAGE:
        console.print(_heading("Tell your therapist"))
        console.print(Text(therapist_note(rec), style="italic"))
    console.print(_heading("Why this advice"))
    console.print(_bullets(_steps(rec, "triage", "condition", "missing")))
    _sources(rec, console)
    if rerun_command:
        console.print(_heading("Run this again without the questions"))
        console.print(Text(rerun_line(rec.answers), style="bold"), soft_wrap=True)  # one line to copy
    console.print(Text("\n" + DISCLAIMER + f" Knowledge version {rec.knowledge_version}.", style="dim"))


NO_MASSAGE = ("emergency", "urgent")


def _steps(rec: Recommendation, *steps: str) -> list[str]:
    """The explanation sentences of the given steps (technique reasons are shown with the techniques)."""
    kinds = rec.explanation_steps or ("triage",) * len(rec.explanation)
    return [sentence for sentence, kind in zip(rec.explanation, kinds) if kind in steps]


def _triage_banner(rec: Recommendation, console: Console) -> None:
    label, style, border, action = TRIAGE_BANNER[rec.triage]
    banner = Text.assemble((f" {label} ", style), "  ", (action, "bold"))
    if not rec.red_flags:
        console.print(Panel(banner, border_style=border, padding=(0, 1)))
        return
    body: list[Any] = [banner]
    for flag in rec.red_flags:
        body += [Text(), Text(flag.name, style="bold"), Text(flag.advice)]
    console.print(Panel(Group(*body), title="Warning signs", title_align="left", border_style=border,
                        padding=(0, 1)))


def _condition(rec: Recommendation, console: Console) -> None:
    if not rec.condition:
        return
    console.print(_heading("What your answers point to"))
    console.print(Text.assemble((rec.condition.name, "bold"), f"  ({rec.condition.score:.0%} match)"))
    if rec.condition.description:
        console.print(Text(rec.condition.description))
    if rec.alternatives:
        console.print(Text("Also possible: " + ", ".join(f"{a.name} ({a.score:.0%})" for a in rec.alternatives),
                           style="dim"))


def _techniques(rec: Recommendation, console: Console) -> None:
    if not rec.techniques:
        return
    cleared = " once a clinician has cleared you" if rec.triage == "see-clinician" else ""
    console.print(_heading("Massage to ask for" + cleared))
    best = rec.techniques[0]
    console.print(Text.assemble((best.name, "bold cyan"),
                                f"  {'-'.join(best.pressure)} pressure · {best.session_minutes} min sessions"))
    console.print(Text(best.why))
    console.print(Text("How often: " + best.frequency, style="dim"))
    console.print(Text("What it can do:"))
    console.print(_bullets(list(best.benefits), marker="+", style="green"))
    if len(rec.techniques) > 1:
        console.print(Text("Also suitable:"))
        console.print(_bullets([f"{t.name}: {t.why}" for t in rec.techniques[1:]], marker="·"))


def _avoid_and_cautions(rec: Recommendation, console: Console) -> None:
    if rec.avoid:
        console.print(_heading("Avoid"))
        console.print(_bullets(_steps(rec, "avoid") or [f"{a.name or a.id}: {a.reason}" for a in rec.avoid],
                               marker="✗", style="bold red"))
    if rec.cautions:
        console.print(_heading("Be careful"))
        console.print(_bullets(rec.cautions, marker="!", style="bold yellow"))


def _sources(rec: Recommendation, console: Console) -> None:
    if not rec.sources:
        return
    console.print(_heading("Sources"))
    for number, source in enumerate(rec.sources, start=1):
        console.print(Text(f"{number}. {source.title}", style="dim"), no_wrap=True, overflow="ellipsis")
    console.print(Text("Links to every source: add --json, or run backmassage explain ID.", style="dim"))


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
        parts.append(wish + (f", with {a.pressure} pressure." if a.pressure else "."))
    if rec.avoid:
        parts.append("Please avoid " + ", ".join(x.name or x.id for x in rec.avoid) + ".")
    return " ".join(parts)


def render_conditions(knowledge: Any, console: Console) -> None:
    table = Table(title="Back-pain patterns", title_justify="left", show_lines=False, expand=True)
    table.add_column("id", style="cyan", no_wrap=True)
    table.add_column("name", style="bold")
    table.add_column("massage, best first")
    for condition in knowledge.conditions:
        table.add_row(condition.id, condition.name, ", ".join(t.id for t in condition.techniques))
    console.print(table)
    console.print(Text("Details: backmassage explain ID", style="dim"))


def render_techniques(knowledge: Any, console: Console) -> None:
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
    console.print(Text.assemble((item["name"], "bold"), f"  ({item['kind']} {item['id']})"))
    for key, title in (("description", None), ("when", "Raised when"), ("advice", "What to do"),
                       ("caution", "Caution"), ("reason", "Why techniques are left out"),
                       ("frequency", "How often")):
        if item.get(key):
            console.print(Text(f"{title}: {item[key]}" if title else item[key]))
    if item.get("triage"):
        console.print(Text(f"Triage: {item['triage']}"))
    if item.get("pressure"):
        console.print(Text(f"Pressure: {', '.join(item['pressure'])} · {item['session_minutes']} min sessions"))
    if item.get("benefits"):
        console.print(_heading("What it can do"))
        console.print(_bullets(item["benefits"]))
    if item.get("techniques"):
        console.print(_heading("Massage, best first"))
        console.print(_bullets([f"{t['name']} ({t['id']}): {t['why']}" for t in item["techniques"]]))
    if item.get("avoid"):
        console.print(_heading("Leaves out"))
        console.print(_bullets([f"{t['name']} ({t['id']})" for t in item["avoid"]], marker="✗"))
    if item.get("cautions"):
        console.print(_heading("Be careful"))
        console.print(_bullets(item["cautions"], marker="!"))
    console.print(_heading("Sources"))
    for number, source in enumerate(item["sources"], start=1):
        console.print(Text(f"{number}. {source['title']}" + (f" {source['url']}" if source["url"] else "")))
