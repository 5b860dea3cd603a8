"""How a recommendation looks in a terminal (rich). Text from the knowledge is never markup.

The answer comes in two sizes. The short one (the default) is what a person in pain needs
on one screen: what to do, the massage to ask for (pressure, length, how often), what to
avoid and why, the cautions that matter most, what was not asked, and where the rest is.
For an ordinary case it fits 24 lines of 80 columns (tests/test_render.py checks it), and
when it would not, the least needed parts go first (``SHORTER``). ``--details`` adds the
rest, with the sources and their links. Warning signs always come first, whole, in a panel.

Lines are wrapped here, between words only (never inside a word, never at a hyphen, never
inside a URL: a word longer than the line is left whole for the terminal to fold), at a
width from ``terminal.layout_width``: so a 10-column terminal gets lines of 20 and never
an error. Every piece of text goes through ``terminal.clean`` first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any


from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from backmassage.terminal import clean, layout_width, unicode_ok, wants_color
from backmassage.vocabulary import NO_TECHNIQUES_AT

SCREEN_LINES = 24
"""The short answer of an ordinary case fits a terminal of this many lines."""
SHORT_CAUTIONS = 3
INDENT = 3
DISCLAIMER = "Not a diagnosis or medical advice: if in doubt, ask a doctor."
NO_DOSE = "How long and how often: ask your therapist (no study sets them for this)."
SHORT_OTHERS = 2  # other suitable massages named in the short answer
SOURCES_SHOWN = 3  # in --details: the strongest, which carry the advice; the rest by id
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

Labels = Callable[[str, str], str]
"""(answer, value) -> the knowledge's plain words for it: ('symptoms', 'fever') -> 'fever or chills'."""


def make_console(no_color: bool = False, **options: Any) -> Console:
    console = Console(highlight=False, no_color=True if no_color or wants_color() is False else None, **options)
    if options.get("width") is None:
        console.width = layout_width(console.width)
    return console


class Page:
    """Lines of styled text, wrapped between words to a width, printed in one go. Its marks (the
    little signs in front of lines) are ASCII where the terminal cannot show Unicode."""

    def __init__(self, console: Console):
        self.console = console
        self.width = layout_width(console.width)
        self.text = Text()
        fancy = unicode_ok(console.file)
        self.bullet = "•" if fancy else "*"
        self.cross = "✗" if fancy else "x"

    @property
    def lines(self) -> int:
        return self.text.plain.count("\n")

    def _wrapped(self, text: Text, width: int) -> list[Text]:
        """The text cut into lines between words only; a word longer than a line stays whole."""
        if not text.plain:
            return [Text()]
        offsets = []
        column = 0
        for match in re.finditer(r"\S+\s*", text.plain):
            word = match.group()
            if column and column + cell_len(word.rstrip()) > width:
                offsets.append(match.start())
                column = 0
            column += cell_len(word)
        lines = list(text.divide(offsets))
        for line in lines:
            line.rstrip()
        return lines

    def line(self, *pieces: str | tuple[str, str], style: str = "",
             prefix: Text | tuple[str, str] | None = None) -> None:
        """One paragraph of (text, style) pieces, wrapped; ``prefix`` (a marker) hangs before it."""
        text = Text(style=style)
        for piece in pieces:
            content, piece_style = (piece, "") if isinstance(piece, str) else piece
            text.append(clean(content), style=piece_style)
        hanging = Text(*prefix) if isinstance(prefix, tuple) else prefix or Text()
        for number, line in enumerate(self._wrapped(text, self.width - hanging.cell_len)):
            self.text.append_text(hanging if number == 0 else Text(" " * hanging.cell_len))
            self.text.append_text(line)
            self.text.append("\n")

    def blank(self) -> None:
        if self.text.plain.strip("\n") and not self.text.plain.endswith("\n\n"):
            self.text.append("\n")

    def heading(self, title: str) -> None:
        self.blank()
        self.line((title, "bold underline"))

    def section(self, title: str, items: Sequence[str] | None, marker: str, style: str = "") -> None:
        """A heading and its items, one per marked line; nothing when there are no items."""
        if items:
            self.heading(title)
            for item in items:
                self.item(marker, item, style)

    def item(self, marker: str, content: str | Sequence[str | tuple[str, str]], style: str = "") -> None:
        pieces = [content] if isinstance(content, str) else content
        self.line(*pieces, prefix=(f"{clean(marker):<{INDENT - 1}} ", style))

    def verbatim(self, text: str, style: str = "") -> None:
        """A line never wrapped (a command to copy, a URL): the terminal folds it if it must."""
        self.text.append(clean(text) + "\n", style=style)

    def link(self, url: str | None) -> None:
        """A source's URL, whole, under its title."""
        if url:
            self.text.append(" " * INDENT)
            self.verbatim(url, style="dim")

    def banner(self, label: str, style: str, action: str) -> None:
        tag = f" {label} "
        if len(tag) + 2 + 12 > self.width:  # too narrow to stand beside: the action goes below
            self.text.append(tag + "\n", style=style)
            self.line((action, "bold"))
            return
        self.line((action, "bold"), prefix=Text.assemble((tag, style), "  "))

    def print(self) -> None:
        self.text.rstrip()
        self.console.print(self.text, soft_wrap=True)  # wrapped already, between words


# --- the words of an answer --------------------------------------------------------------------

def pressure_words(pressure: Sequence[str]) -> str:
    if not pressure:
        return ""
    return f"{pressure[0]} pressure" if len(pressure) == 1 else f"{pressure[0]} to {pressure[-1]} pressure"


def dose_words(technique: Any) -> str:
    """'light to medium pressure, 60-minute sessions, once a week for 8 weeks'"""
    parts = [pressure_words(tuple(technique.pressure))]
    if technique.session_minutes:
        parts.append(f"{technique.session_minutes}-minute sessions")
    if technique.frequency:
        frequency = str(technique.frequency).rstrip(".")
        if frequency[1:2].islower():
            frequency = frequency[:1].lower() + frequency[1:]
        parts.append(frequency)
    return ", ".join(p for p in parts if p)


def match_words(score: float) -> str:
    """How well the answers fit a pattern, in words: a score is not a probability of disease."""
    if score >= 0.75:
        return "a strong match"
    return "a fair match" if score >= 0.5 else "a weak match"


def _notes(rec: Any, page: Page, labels: Labels | None, unsure: bool = True) -> None:
    """The warning signs the person was not sure of (``unsure``), and those not asked."""
    def signs(values: Sequence[str]) -> str:
        return "; ".join(labels("symptoms", value) if labels else value for value in values)

    if unsure and rec.unsure:
        page.blank()
        page.line(f"You were not sure about: {signs(rec.unsure)}. The advice treats this as a possible warning sign.")
    if rec.not_asked:
        page.blank()
        if rec.triage in NO_TECHNIQUES_AT:
            page.line((f"Not asked about: {signs(rec.not_asked)}. If you have any of these, tell the doctor.", "bold"))
        else:
            page.line((f"Not asked about: {signs(rec.not_asked)}. These warning signs were not asked, so this advice "
                       "cannot rule them out: if you have any of them, see a doctor before booking a massage.", "bold"))


# --- the answer ----------------------------------------------------------------------------------

def render_recommendation(rec: Any, console: Console, *, labels: Labels | None = None, details: bool = False,
                          rerun: str | None = None) -> None:
    """The answer, most important first. ``rerun``: the command that gives it again with no question."""
    if rec.red_flags:
        warning_panel(rec, console)
    (detailed_page if details else short_page)(rec, console, labels, rerun).print()


SHORTER = ((True, SHORT_CAUTIONS, True), (False, SHORT_CAUTIONS, True), (False, 2, True), (False, 2, False))
"""(the reason for the massage, how many cautions, the other massages): each less than the one before."""


def short_page(rec: Any, console: Console, labels: Labels | None, rerun: str | None) -> Page:
    """The short answer, dropping the least needed parts until it fits one screen."""
    for why, cautions, others in SHORTER:
        page = Page(console)
        _short(rec, page, labels, rerun, why=why, cautions=cautions, others=others)
        if page.lines <= SCREEN_LINES - 1:  # and a line for the shell's prompt
            break
    return page


def _opening(rec: Any, page: Page) -> None:
    if rec.red_flags:
        page.text.append("\n")  # a line between the warning panel and the rest
    else:
        label, style, _, action = TRIAGE_BANNER[rec.triage]
        page.banner(label, style, action)


def _massage_heading(rec: Any, page: Page) -> None:
    cleared = " once a clinician has cleared you" if rec.triage == "see-clinician" else ""
    page.heading("Massage to ask for" + cleared)


def _avoid(rec: Any, page: Page) -> None:
    """What to avoid, the techniques that share a reason named together."""
    groups: dict[str, list[str]] = {}
    for avoid in rec.avoid:
        groups.setdefault(avoid.reason, []).append(avoid.name or avoid.id)
    if groups:
        page.heading("Avoid")
    for reason, names in groups.items():
        page.item(page.cross, [(", ".join(names), "bold"), f": {reason}"], style="bold red")


def _short(rec: Any, page: Page, labels: Labels | None, rerun: str | None, *, why: bool, cautions: int,
           others: bool) -> None:
    _opening(rec, page)
    if rec.triage in NO_TECHNIQUES_AT:
        reasons = [sentence for sentence, step in zip(rec.explanation, rec.explanation_steps) if step == "triage"]
        page.section("Why", reasons[:1], page.bullet)
        _notes(rec, page, labels, unsure=False)  # the warning panel says what is unsure already
    else:
        page.blank()
        if rec.condition:
            page.line("Your answers fit: ", (clean(rec.condition.name), "bold"),
                      f", {match_words(rec.condition.score)}.")
        _best_technique(rec, page, why=why, others=others)
        _avoid(rec, page)
        page.section("Be careful", rec.cautions[:cautions], "!", style="bold yellow")
        _notes(rec, page, labels)
    page.blank()
    more = "with the sources" if rec.triage in NO_TECHNIQUES_AT else "--save advice.html for your therapist"
    page.line((f"More: --details for the rest, {more}.", "dim"))
    if rerun:
        page.line(("Run this again without the questions:", "dim"))
        command_lines(page, rerun)
    page.line((DISCLAIMER, "dim"))


def _best_technique(rec: Any, page: Page, *, why: bool, others: bool) -> None:
    if not rec.techniques:
        page.line("No massage technique suits these answers: ask a doctor or physiotherapist what would.")
        return
    _massage_heading(rec, page)
    best = rec.techniques[0]
    dose = dose_words(best)
    page.line((clean(best.name), "bold cyan"), (f": {dose}." if dose else "."))
    if not best.session_minutes and not best.frequency:
        page.line((NO_DOSE, "dim"))
    if why and best.why:
        page.line(best.why)
    names = [t.name for t in rec.techniques[1:]] if others else []
    if names:
        more = f", and {len(names) - SHORT_OTHERS} more" if len(names) > SHORT_OTHERS else ""
        page.line((f"Also suitable: {', '.join(names[:SHORT_OTHERS])}{more}.", "dim"))


def command_lines(page: Page, command: str) -> None:
    """A shell command over as many lines as it needs, broken between arguments with ``\\``,
    so that it can be copied and pasted whole at any width."""
    import shlex

    try:
        words = shlex.split(command)
    except ValueError:
        page.verbatim(command, style="bold")
        return
    parts: list[str] = []
    for word in words:  # a flag and its value stay on one line
        if parts and parts[-1].startswith("--") and " " not in parts[-1] and not word.startswith("-"):
            parts[-1] += " " + shlex.quote(word)
        else:
            parts.append(shlex.quote(word))
    lines = [""]
    for part in parts:  # with room for the " \\" that ends all lines but the last
        if lines[-1] and len(f"{lines[-1]} {part}") + 2 > page.width:
            lines.append("  " + part)
        else:
            lines[-1] = f"{lines[-1]} {part}" if lines[-1] else part
    for number, line in enumerate(lines):
        page.verbatim(line + (" \\" if number < len(lines) - 1 else ""), style="bold")


def warning_panel(rec: Any, console: Console) -> None:
    """The warning signs, whole, in a panel (plain lines when the terminal is too narrow)."""
    label, style, border, action = TRIAGE_BANNER[rec.triage]
    width = layout_width(console.width)
    if width < 40:
        page = Page(console)
        page.banner(label, style, action)
        for flag in rec.red_flags:
            page.blank()
            page.line((flag.name, "bold"))
            page.line(flag.advice)
        page.blank()
        page.print()
        console.print()
        return
    from rich.console import Group
    from rich.panel import Panel

    body: list[Any] = [Text.assemble((f" {label} ", style), "  ", (clean(action), "bold"))]
    for flag in rec.red_flags:
        body += [Text(), Text(clean(flag.name), style="bold"), Text(clean(flag.advice))]
    console.print(Panel(Group(*body), title="Warning signs", title_align="left", border_style=border,
                        padding=(0, 1), width=width))


def detailed_page(rec: Any, console: Console, labels: Labels | None, rerun: str | None) -> Page:
    page = Page(console)
    _opening(rec, page)
    if rec.triage not in NO_TECHNIQUES_AT:
        if rec.condition:
            page.heading("What your answers point to")
            page.line((clean(rec.condition.name), "bold"), f", {match_words(rec.condition.score)} "
                      f"(score {rec.condition.score:.2f})")
            if rec.condition.description:
                page.line(rec.condition.description)
            if rec.alternatives:
                page.line(("Also possible: " + ", ".join(a.name for a in rec.alternatives) + ".", "dim"))
        if rec.techniques:
            _massage_heading(rec, page)
        for number, technique in enumerate(rec.techniques, start=1):
            dose = dose_words(technique)
            if number > 1:
                page.blank()
            page.line((f"{number}. {technique.name}", "bold cyan"), (f": {dose}." if dose else ""))
            if technique.why:
                page.line(technique.why)
            for benefit in technique.benefits:
                page.item("+", benefit, style="green")
        _avoid(rec, page)
        page.section("Be careful", rec.cautions, "!", style="bold yellow")
        page.section("Between sessions", rec.self_care, page.bullet)
        if rec.therapist_note:
            page.heading("Tell your therapist")
            page.line((rec.therapist_note, "italic"))
    page.section("Why this advice", rec.explanation, page.bullet)
    _notes(rec, page, labels)
    if rec.unanswered:
        page.blank()
        page.line("Not answered: " + ", ".join(rec.unanswered) + ".")
    if rec.sources:
        page.heading("Sources")
        for number, source in enumerate(rec.sources[:SOURCES_SHOWN], start=1):  # the strongest kinds first
            page.item(f"{number}.", [source.title, (f" ({source.kind})" if source.kind else "", "dim")])
            page.link(source.url)
        rest = rec.sources[SOURCES_SHOWN:]
        if rest:
            page.line(f"{len(rest)} more: {', '.join(source.id for source in rest)}. Read one with "
                      "backmassage explain ID; all of them are in --json and backmassage list sources.")
    if rerun:
        page.heading("Run this again without the questions")
        command_lines(page, rerun)
    page.blank()
    page.line((f"{DISCLAIMER} Knowledge {rec.knowledge_version} ({rec.knowledge_fingerprint[:12]}).", "dim"))
    return page


# --- browsing ----------------------------------------------------------------------------------

LIST_TITLES = {"conditions": "Back-pain patterns", "techniques": "Kinds of massage", "red-flags": "Red flags",
               "contraindications": "Contraindications", "sources": "Sources"}


def render_list(kind: str, items: list[dict[str, Any]], console: Console) -> None:
    """One line per item: its id, then its name (and a few words more), wrapped under the name."""
    page = Page(console)
    page.line((f"{LIST_TITLES[kind]} ({len(items)})", "bold underline"))
    id_width = min(max((len(clean(item["id"])) for item in items), default=0) + 2, max(page.width // 3, 8))
    for item in items:
        extra = ""
        if kind == "red-flags" and item.get("triage"):
            extra = f" [{item['triage']}]"
        elif kind == "techniques" and item.get("pressure"):
            extra = f" ({pressure_words(item['pressure'])})"
        elif kind == "sources" and item.get("kind"):
            extra = f" ({item['kind']})"
        ident = clean(item["id"])
        if len(ident) + 1 > id_width:
            page.verbatim(ident, style="cyan")
            page.line((item["name"], "bold"), (extra, "dim"), prefix=(" " * id_width, ""))
        else:
            page.line((item["name"], "bold"), (extra, "dim"), prefix=(f"{ident:<{id_width}}", "cyan"))
    page.blank()
    page.line(("Details: backmassage explain ID", "dim"))
    page.print()


def render_items(items: list[dict[str, Any]], console: Console) -> None:
    for number, item in enumerate(items):
        if number:
            console.print()
        render_item(item, console, shared=len(items) > 1)


def _dose_said(dose: dict[str, Any]) -> str:
    """'60-minute sessions; two or three times a week ... (for duration: at least 13 weeks).'"""
    said = "; ".join(str(part).rstrip(".") for part in (
        f"{dose['session_minutes']}-minute sessions" if dose.get("session_minutes") else None,
        dose.get("frequency")) if part)
    return said + (f" (for {dose['when']})" if dose.get("when") else "") + "."


def render_item(item: dict[str, Any], console: Console, shared: bool = False) -> None:
    page = Page(console)
    page.line((item["name"], "bold"), (f"  ({item['kind']} {item['id']})", "dim"))
    if shared:
        page.line(("This id names more than one thing; each is shown.", "dim"))
    for key, title in (("description", None), ("when", "Raised when"), ("advice", "What to do"),
                       ("caution", "Caution"), ("reason", "Why techniques are left out")):
        if item.get(key):
            page.line(f"{title}: {item[key]}" if title else item[key])
    if item["kind"] == "answer value":
        page.line(f"Answer: {item['answer']} ({item['flag']})")
        if item.get("synonyms"):
            page.line("Also accepted: " + "; ".join(item["synonyms"]))
        if item.get("question"):
            page.line(f"Warning-sign question: {item['question']}")
            page.line(f"Why it is asked: {item['why_asked']}")
        page.section("Safety rules that read it", item.get("read_by"), page.bullet)
    if item.get("triage"):
        page.line(f"Triage: {item['triage']}")
    if item.get("pressure"):
        page.line("Pressure: " + ", ".join(item["pressure"]))
    if item["kind"] == "source":
        if item.get("source_kind"):
            page.line(f"Kind of evidence: {item['source_kind']}")
        if item.get("url"):
            page.line("Link:")
            page.verbatim(item["url"])
        if item.get("original"):
            page.line(f"Original: {item['original']}")
        page.section("Used by", item.get("cited_by"), page.bullet)
    page.section("What it can do", item.get("benefits"), "+")
    page.section("Massage, best first", [f"{t['name']} ({t['id']}): {t['why']}" for t in item.get("techniques", ())],
                 page.bullet)
    page.section("How much", [_dose_said(d) for d in item.get("doses", ()) if d.get("session_minutes")
                              or d.get("frequency")], page.bullet)
    if item.get("conditions"):
        page.heading("Suggested for")
        page.line(", ".join(item["conditions"]))
    page.section("Leaves out", [f"{t['name']} ({t['id']})" for t in item.get("avoid", ())], page.cross)
    page.section("Be careful", item.get("cautions"), "!")
    page.section("Between sessions", item.get("self_care"), page.bullet)
    if item.get("sources"):
        page.heading("Sources")
        for source in item["sources"]:
            page.item("-", source["title"])
            page.link(source.get("url"))
    page.print()
