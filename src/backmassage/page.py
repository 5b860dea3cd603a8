"""The page to take to the therapist: ``backmassage recommend ... --save FILE``.

Built from the JSON object of SPEC section 4 (``Recommendation.to_dict()``) and the
person's answers in words, so that it says exactly what ``--json`` says. Three formats,
chosen by the file's extension: ``.html`` (one self-contained file, no script, no link to
load, laid out for one or two A4 pages when printed), ``.md`` and ``.txt``.

Every piece of text is cleaned like terminal text (terminal.clean) and, in HTML, escaped;
only ``http`` and ``https`` URLs become links.
"""

from __future__ import annotations

import datetime as _dt
import html
import os
import re
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from backmassage.terminal import clean

FORMATS = {".html": "html", ".htm": "html", ".md": "md", ".markdown": "md", ".txt": "txt", ".text": "txt"}
TRIAGE = {  # triage: (the page's title, the triage in words, what to do)
    "emergency": ("Back pain: go to emergency care now", "Emergency",
                  "Go to emergency care now: call 999 (UK), 911 (US), 112 (EU) or your local emergency number. "
                  "Do not book a massage."),
    "urgent": ("Back pain: see a doctor first", "Urgent",
               "See a doctor today, or within 24-48 hours at the latest. Do not book a massage first."),
    "see-clinician": ("Back pain: see a clinician, then what to ask your massage therapist", "See a clinician first",
                      "Get cleared by a doctor or physiotherapist before you book a massage. "
                      "The massage below is for after that."),
    "massage": ("Back pain: what to ask your massage therapist", "Massage",
                "Book a registered massage therapist (RMT)."),
}
DISCLAIMER = ("This is not a diagnosis and not medical advice. It points you to a registered massage therapist "
              "(RMT) or a doctor; if in doubt, ask a healthcare professional.")

Answer = tuple[str, str]
"""(what was asked, the person's answer in words)."""


def format_of(path: str | os.PathLike[str]) -> str:
    """The page format for a file name, or ValueError naming the extensions."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"--save: {clean(str(path))!r} has no known extension: use .html, .md or .txt")
    return FORMATS[suffix]


def _pressure(pressure: Sequence[str]) -> str:
    if not pressure:
        return "as you prefer"
    return pressure[0] if len(pressure) == 1 else f"{pressure[0]} to {pressure[-1]}"


def _dose(technique: dict[str, Any]) -> list[Answer]:
    rows = [("Pressure", _pressure(technique.get("pressure") or []))]
    if technique.get("session_minutes"):
        rows.append(("Session length", f"{technique['session_minutes']} minutes"))
    if technique.get("frequency"):
        rows.append(("How often", str(technique["frequency"])))
    return rows


def _safe_url(url: Any) -> str | None:
    return url if isinstance(url, str) and re.match(r"https?://[^\s<>\"']+$", url) else None


def _grouped_avoid(avoid: Sequence[dict[str, Any]]) -> list[Answer]:
    """(names, reason), the techniques that share a reason named together."""
    groups: dict[str, list[str]] = {}
    for item in avoid:
        groups.setdefault(item["reason"], []).append(item.get("name") or item["id"])
    return [(", ".join(names), reason) for reason, names in groups.items()]


def build(result: dict[str, Any], answers: Sequence[Answer], *, date: _dt.date | None = None,
          command: str | None = None) -> dict[str, Any]:
    """The page's content, in order, as plain data (every format is drawn from this)."""
    title, label, action = TRIAGE[result["triage"]]
    massage = result["triage"] not in ("emergency", "urgent")
    techniques = result.get("techniques") or []
    return {
        "title": title,
        "date": (date or _dt.date.today()).isoformat(),
        "triage": result["triage"],
        "triage_label": label,
        "action": action,
        "red_flags": [(f["name"], f["advice"]) for f in result.get("red_flags") or []],
        "answers": list(answers),
        "condition": result["condition"]["name"] if massage and result.get("condition") else None,
        "best": techniques[0] if massage and techniques else None,
        "others": techniques[1:] if massage else [],
        "avoid": _grouped_avoid(result.get("avoid") or []),
        "cautions": list(result.get("cautions") or []),
        "therapist_note": result.get("therapist_note"),
        "self_care": list(result.get("self_care") or []),
        "explanation": list(result.get("explanation") or []),
        "sources": [(s["title"], _safe_url(s.get("url")), s.get("kind")) for s in result.get("sources") or []],
        "version": result.get("knowledge_version", ""),
        "fingerprint": result.get("knowledge_fingerprint", ""),
        "command": command,
    }


def render(page: dict[str, Any], fmt: str) -> str:
    """The page as text in one format: ``html``, ``md`` or ``txt``."""
    return {"html": to_html, "md": to_markdown, "txt": to_text}[fmt](page)


def save(path: str | os.PathLike[str], result: dict[str, Any], answers: Sequence[Answer], *,
         date: _dt.date | None = None, command: str | None = None) -> Path:
    """Write the page to ``path`` (its format from the extension) and return the path."""
    fmt = format_of(path)
    content = render(build(result, answers, date=date, command=command), fmt)
    target = Path(path)
    if target.exists() and not target.is_file():
        raise ValueError(f"--save: {clean(str(path))!r} is not a regular file; give a file name")
    target.write_text(content, encoding="utf-8", newline="\n")
    return target


# --- plain text ---------------------------------------------------------------------------------

WIDTH = 78


def _wrap(text: str, indent: str = "", first: str | None = None) -> list[str]:
    return textwrap.wrap(clean(text), WIDTH, initial_indent=first if first is not None else indent,
                         subsequent_indent=indent, break_long_words=False, break_on_hyphens=False) or [""]


def to_text(page: dict[str, Any]) -> str:
    out: list[str] = []

    def heading(title: str) -> None:
        out.extend(["", title.upper(), "-" * len(title)])

    def section(title: str, items: list[str], marker: str) -> None:
        if items:
            heading(title)
            for item in items:
                out.extend(_wrap(item, "  ", marker))

    out += [page["title"], "=" * len(page["title"]), f"Date: {page['date']}", ""]
    out += _wrap(f"{page['triage_label'].upper()}: {page['action']}")
    if page["red_flags"]:
        heading("Warning signs")
        for name, advice in page["red_flags"]:
            out += _wrap(name, "  ", "! ") + _wrap(advice, "  ")
    heading("Your answers")
    width = max((len(q) for q, _ in page["answers"]), default=0)
    for question, answer in page["answers"]:
        out += _wrap(answer, " " * (width + 4), f"  {clean(question):<{width}}  ")
    if page["condition"]:
        out += ["", *_wrap(f"Your answers fit: {page['condition']}.")]
    if page["best"]:
        best = page["best"]
        heading("The massage to ask for")
        out += _wrap(best["name"])
        for name, value in _dose(best):
            out += _wrap(value, " " * 18, f"  {name + ':':<16}")
        if best.get("why"):
            out += _wrap(best["why"], "  ", "  ")
        if page["others"]:
            out += ["", *_wrap("Also suitable: " + "; ".join(
                f"{t['name']} ({_pressure(t.get('pressure') or [])} pressure)" for t in page["others"]) + ".")]
    section("Avoid", [f"{name}: {reason}" for name, reason in page["avoid"]], "x ")
    section("Be careful", page["cautions"], "! ")
    section("For your therapist", [page["therapist_note"]] if page["therapist_note"] else [], "  ")
    section("Between sessions", page["self_care"], "* ")
    section("Why this advice", page["explanation"], "* ")
    if page["sources"]:
        heading("Sources")
        for number, (title, url, kind) in enumerate(page["sources"], start=1):
            out += _wrap(title + (f" ({kind})" if kind else ""), "    ", f"{number:>2}. ")
            if url:
                out.append(f"    {url}")
    out += ["", *_wrap(DISCLAIMER)]
    out += _wrap(f"Knowledge {page['version']}, fingerprint {page['fingerprint']}.")
    if page["command"]:
        out += ["", "The same advice again:", f"  {clean(page['command'])}"]
    return "\n".join(out) + "\n"


# --- Markdown -----------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
_MD_LINE_START = re.compile(r"^([#>+-]|\d+[.)])")


def _md(text: Any) -> str:
    """Text that Markdown shows as it is: its few active characters escaped, and nothing that
    would start a heading, a quote or a list."""
    return _MD_LINE_START.sub(r"\\\1", _MD_SPECIAL.sub(r"\\\1", clean(text)))


def to_markdown(page: dict[str, Any]) -> str:
    out = [f"# {_md(page['title'])}", "", f"Date: {page['date']}", "",
           f"**{_md(page['triage_label'])}:** {_md(page['action'])}"]

    def section(title: str, lines: list[str]) -> None:
        if lines:
            out.extend(["", f"## {title}", "", *lines])

    section("Warning signs", [f"- **{_md(name)}.** {_md(advice)}" for name, advice in page["red_flags"]])
    section("Your answers", ["| Question | Answer |", "| --- | --- |",
                             *(f"| {_md(q)} | {_md(a)} |" for q, a in page["answers"])])
    if page["condition"]:
        out += ["", f"Your answers fit: **{_md(page['condition'])}**."]
    if page["best"]:
        best = page["best"]
        out += ["", "## The massage to ask for", "", f"**{_md(best['name'])}**", ""]
        out += [f"- {_md(name)}: {_md(value)}" for name, value in _dose(best)]
        if best.get("why"):
            out += ["", _md(best["why"])]
        if page["others"]:
            out += ["", "Also suitable: " + "; ".join(_md(t["name"]) for t in page["others"]) + "."]
    section("Avoid", [f"- **{_md(n)}**: {_md(r)}" for n, r in page["avoid"]])
    section("Be careful", [f"- {_md(c)}" for c in page["cautions"]])
    section("For your therapist", [f"> {_md(page['therapist_note'])}"] if page["therapist_note"] else [])
    section("Between sessions", [f"- {_md(c)}" for c in page["self_care"]])
    section("Why this advice", [f"- {_md(s)}" for s in page["explanation"]])
    section("Sources", [f"{number}. " + (f"[{_md(title)}](<{url}>)" if url else _md(title))
                        + (f" ({_md(kind)})" if kind else "")
                        for number, (title, url, kind) in enumerate(page["sources"], start=1)])
    out += ["", "---", "", _md(DISCLAIMER), "",
            f"Knowledge {_md(page['version'])}, fingerprint `{clean(page['fingerprint'])}`."]
    if page["command"]:
        out += ["", "The same advice again:", "", f"    {clean(page['command'])}"]
    return "\n".join(out) + "\n"


# --- HTML ---------------------------------------------------------------------------------------

CSS = Path(__file__).with_name("page.css")
"""The page's style: for A4 paper, one or two pages when printed."""


def _h(text: Any) -> str:
    return html.escape(clean(text), quote=True)


def to_html(page: dict[str, Any]) -> str:
    out = ['<!DOCTYPE html>', '<html lang="en">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{_h(page['title'])} ({_h(page['date'])})</title>",
           "<style>\n" + CSS.read_text(encoding="utf-8") + "</style>", "</head>", "<body>", "<header>",
           f"<h1>{_h(page['title'])}</h1>", f'<p class="date">{_h(page["date"])}</p>',
           f'<p class="triage {_h(page["triage"])}"><strong>{_h(page["triage_label"])}</strong>'
           f"{_h(page['action'])}</p>", "</header>"]

    def section(title: str, lines: list[str], opening: str = "<section>") -> None:
        if lines:
            out.extend([opening, f"<h2>{title}</h2>", *lines, "</section>"])

    def bullets(items: list[str], opening: str = "<ul>") -> list[str]:
        return [opening, *items, "</ul>"] if items else []

    section("Warning signs", [f"<p><strong>{_h(name)}.</strong> {_h(advice)}</p>"
                              for name, advice in page["red_flags"]], '<section class="flags">')
    if page["therapist_note"]:
        section("For your therapist", [f'<p class="note">{_h(page["therapist_note"])}</p>'])
    if page["best"]:
        best = page["best"]
        lines = [f'<p class="technique">{_h(best["name"])}</p>', '<table class="dose">',
                 *(f"<tr><th>{_h(name)}</th><td>{_h(value)}</td></tr>" for name, value in _dose(best)), "</table>"]
        if page["condition"]:
            lines.append(f"<p>Your answers fit: <strong>{_h(page['condition'])}</strong>.</p>")
        if best.get("why"):
            lines.append(f"<p>{_h(best['why'])}</p>")
        if page["others"]:
            lines.append("<p>Also suitable: " + "; ".join(
                f"{_h(t['name'])} ({_h(_pressure(t.get('pressure') or []))} pressure)" for t in page["others"])
                + ".</p>")
        section("The massage to ask for", lines)
    section("Avoid", bullets([f"<li><strong>{_h(name)}</strong>: {_h(reason)}</li>" for name, reason in page["avoid"]],
                             '<ul class="avoid">'))
    section("Be careful", bullets([f"<li>{_h(c)}</li>" for c in page["cautions"]]))
    section("Between sessions", bullets([f"<li>{_h(c)}</li>" for c in page["self_care"]]))
    section("Your answers", ['<table class="answers">',
                             *(f"<tr><th>{_h(q)}</th><td>{_h(a)}</td></tr>" for q, a in page["answers"]), "</table>"])
    section("Why this advice", bullets([f"<li>{_h(s)}</li>" for s in page["explanation"]]), '<section class="small">')
    sources = []
    for title, url, kind in page["sources"]:
        kind_html = f' <span class="kind">({_h(kind)})</span>' if kind else ""
        link = f'<br><a class="url" href="{_h(url)}">{_h(url)}</a>' if url else ""
        sources.append(f"<li>{_h(title)}{kind_html}{link}</li>")
    section("Sources", ["<ol>", *sources, "</ol>"] if sources else [], '<section class="sources">')
    out += ["<footer>", f"<p>{_h(DISCLAIMER)}</p>",
            f"<p>Knowledge {_h(page['version'])}, fingerprint <code>{_h(page['fingerprint'])}</code>. "
            f"Made by backmassage on {_h(page['date'])}.</p>"]
    if page["command"]:
        out.append(f"<p>The same advice again: <code>{_h(page['command'])}</code></p>")
    out += ["</footer>", "</body>", "</html>"]
    return "\n".join(out) + "\n"
