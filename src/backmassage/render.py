"""How a recommendation looks in a terminal (rich). Text from the knowledge is never markup."""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

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
                "Book a registered massage therapist (RMT); take this page with you."),
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
    label, style, border, action = TRIAGE_BANNER[rec.triage]
    banner = Text.assemble((f" {label} ", style), "  ", (action, "bold"))
    if rec.red_flags:
        body: list[Any] = [banner, Text()]
        for flag in rec.red_flags:
            body += [Text(flag.name, style="bold"), Text(flag.advice), Text()]
        console.print(Panel(Group(*body[:-1]), title="Warning signs", title_align="left",
                            border_style=border, padding=(0, 1)))
    else:
        console.print(Panel(banner, border_style=border, padding=(0, 1)))

    if rec.condition:
        console.print(_heading("What your answers point to"))
        console.print(Text.assemble((rec.condition.name, "bold"), f"  (match {rec.condition.score:.0%})"))
        if rec.condition.description:
            console.print(Text(rec.condition.description))
        if rec.alternatives:
            console.print(Text("Also possible: " + ", ".join(f"{a.name} ({a.score:.0%})" for a in rec.alternatives),
                               style="dim"))

    if rec.techniques:
        cleared = " (once a clinician has cleared you)" if rec.triage == "see-clinician" else ""
        console.print(_heading("Massage to ask for" + cleared))
        for rank, technique in enumerate(rec.techniques, start=1):
            facts = f"{'-'.join(technique.pressure)} pressure · {technique.session_minutes} min"
            console.print(Text.assemble(f"{rank}. ", (technique.name, "bold cyan"), f"  {facts}"))
            console.print(Text("   " + technique.why))
            if rank == 1:
                console.print(Text("   How often: " + technique.frequency, style="dim"))
                console.print(_bullets(["What it can do: " + "; ".join(technique.benefits)], marker="  "))

    if rec.avoid:
        console.print(_heading("Avoid"))
        console.print(_bullets([f"{a.name or a.id}: {a.reason}" for a in rec.avoid], marker="✗", style="bold red"))

    if rec.cautions:
        console.print(_heading("Be careful"))
        console.print(_bullets(rec.cautions, marker="!", style="bold yellow"))

    if rec.triage not in ("emergency", "urgent"):
        console.print(_heading("Tell your therapist"))
        console.print(Text(therapist_note(rec), style="italic"))

    console.print(_heading("Why"))
    console.print(_bullets(rec.explanation))

    if rec.sources:
        console.print(_heading("Sources"))
        for number, source in enumerate(rec.sources, start=1):
            line = Text(f"{number}. {source.title}")
            if source.url:
                line.append(f" {source.url}", style="dim")
            console.print(line)

    if rerun_command:
        console.print(_heading("Run this again without the questions"))
        console.print(Text(rerun_line(rec.answers), style="bold"))
    console.print(Text("\n" + DISCLAIMER + f" Knowledge version {rec.knowledge_version}.", style="dim"))


def rerun_line(answers: Any) -> str:
    import shlex

    return "backmassage recommend " + " ".join(shlex.quote(arg) for arg in answers.as_flags())


def therapist_note(rec: Recommendation) -> str:
    """A few sentences the person can show an RMT, built from their own answers."""
    a = rec.answers
    parts = []
    if a.location:
        where = CHOICES["location"][a.location]
        since = f" for {a.duration}" if a.duration else ""
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
