"""The page to take to the therapist (--save): its structure, in HTML, Markdown and text.

The look was checked by eye in headless Chromium (screenshot and print to PDF); the last test
repeats the page count when Chromium is installed.
"""

from __future__ import annotations

import datetime as dt
import html.parser
import shutil
import subprocess
from pathlib import Path

import pytest

from backmassage import api
from backmassage.guided import answers_in_words
from backmassage.page import build, format_of, render, save

KNOWLEDGE = api.load_knowledge()
DATE = dt.date(2026, 12, 1)


def result_of(**answers):
    rec = api.recommend(**answers, knowledge=KNOWLEDGE)
    return rec, rec.to_dict(), answers_in_words(rec, KNOWLEDGE)


ORDINARY = dict(location="lower", cause="lifting", duration="6m", age=42, symptoms="stiffness",
                history="anticoagulants", screened=True)


class Outline(html.parser.HTMLParser):
    """Headings, links, and anything that would load or run something."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.links: list[str] = []
        self.loads: list[str] = []
        self._in_heading = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("h1", "h2"):
            self._in_heading = True
            self.headings.append("")
        if tag == "a":
            self.links.append(attrs.get("href", ""))
        if tag in ("script", "img", "iframe", "link", "object", "embed") or "src" in attrs:
            self.loads.append(tag)

    def handle_endtag(self, tag):
        if tag in ("h1", "h2"):
            self._in_heading = False

    def handle_data(self, data):
        if self._in_heading:
            self.headings[-1] += data


def outline(text: str) -> Outline:
    parser = Outline()
    parser.feed(text)
    return parser


def test_the_html_page_has_every_part_a_therapist_needs_in_order():
    rec, data, words = result_of(**ORDINARY)
    page = render(build(data, words, date=DATE, command="backmassage recommend --location lower"), "html")
    parts = outline(page)
    assert parts.headings == ["Back pain: what to ask your massage therapist", "For your therapist",
                              "The massage to ask for", "Avoid", "Be careful", "Between sessions", "Your answers",
                              "Why this advice", "Sources"]
    flat = " ".join(page.split())
    for piece in (rec.techniques[0].name, "light to medium", rec.techniques[0].frequency, rec.avoid[0].reason,
                  rec.cautions[0], rec.self_care[0], rec.knowledge_version, rec.knowledge_fingerprint,
                  "2026-12-01", "taking blood thinners", "stiffness", "all asked"):
        assert __import__("html").escape(piece, quote=True) in flat, piece
    assert rec.therapist_note and __import__("html").escape(rec.therapist_note, quote=True) in flat


def test_the_html_page_is_self_contained_and_links_only_to_its_sources():
    rec, data, words = result_of(**ORDINARY)
    parts = outline(render(build(data, words, date=DATE), "html"))
    assert parts.loads == []
    assert parts.links == [s.url for s in rec.sources if s.url]
    assert all(link.startswith(("https://", "http://")) for link in parts.links)


def test_the_page_is_laid_out_for_a4_paper():
    _, data, words = result_of(**ORDINARY)
    page = render(build(data, words, date=DATE), "html")
    assert "@page { size: A4" in page and "@media print" in page


def test_hostile_text_is_escaped_and_unsafe_links_are_dropped():
    _, data, words = result_of(**ORDINARY)
    data["cautions"] = ['<script>alert(1)</script> \x1b[31m[blink]x[/blink]']
    data["sources"] = [{"id": "x", "title": "<b>bad</b>", "url": "javascript:alert(1)", "kind": "clinic"}]
    for fmt in ("html", "md", "txt"):
        page = render(build(data, words, date=DATE), fmt)
        assert "\x1b" not in page and "javascript:" not in page
        if fmt != "txt":  # plain text is never read as markup
            assert "<script>" not in page
    assert "&lt;script&gt;" in render(build(data, words, date=DATE), "html")


@pytest.mark.parametrize("fmt", ["md", "txt"])
def test_markdown_and_text_say_the_same_things(fmt):
    rec, data, words = result_of(**ORDINARY)
    page = " ".join(render(build(data, words, date=DATE), fmt).split()).replace("\\", "")
    for piece in ("For your therapist", rec.techniques[0].name, "Avoid", "Be careful", "Between sessions",
                  "Your answers", "Sources", rec.knowledge_fingerprint, "2026-12-01"):
        assert piece.lower() in page.lower(), piece
    for source in rec.sources:
        if source.url:
            assert source.url in page


def test_text_lines_never_break_inside_a_word_or_a_url():
    rec, data, words = result_of(**ORDINARY)
    text = render(build(data, words, date=DATE), "txt")
    for source in rec.sources:
        if source.url:
            assert source.url in text.splitlines() or f"    {source.url}" in text.splitlines()
    assert all(len(line) <= 78 or "http" in line or "backmassage recommend" in line for line in text.splitlines())


def test_an_emergency_page_says_so_first_and_offers_no_massage():
    _, data, words = result_of(location="lower", symptoms="saddle-numbness")
    page = render(build(data, words, date=DATE), "html")
    headings = outline(page).headings
    assert headings[0] == "Back pain: go to emergency care now" and "Warning signs" in headings
    assert "The massage to ask for" not in headings and "Warning signs NOT asked" in page


@pytest.mark.parametrize(("name", "fmt"), [("a.html", "html"), ("a.HTM", "html"), ("a.md", "md"), ("a.txt", "txt")])
def test_the_format_follows_the_extension(name, fmt):
    assert format_of(name) == fmt


def test_an_unknown_extension_is_refused():
    with pytest.raises(ValueError, match=r"\.html, \.md or \.txt"):
        format_of("advice.pdf")


def test_save_refuses_a_folder(tmp_path):
    _, data, words = result_of(**ORDINARY)
    (tmp_path / "x.html").mkdir()
    with pytest.raises(ValueError, match="not a regular file"):
        save(tmp_path / "x.html", data, words)


@pytest.mark.skipif(not shutil.which("chromium") or not shutil.which("pdfinfo"),
                    reason="needs chromium and pdfinfo (poppler-utils)")
def test_an_ordinary_page_prints_on_one_or_two_a4_pages(tmp_path):
    _, data, words = result_of(**ORDINARY)
    page = save(tmp_path / "advice.html", data, words, date=DATE)
    pdf = tmp_path / "advice.pdf"
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run",
                    f"--user-data-dir={tmp_path / 'profile'}", "--no-pdf-header-footer", f"--print-to-pdf={pdf}",
                    page.as_uri()], capture_output=True, timeout=60)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, timeout=30).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert 1 <= pages <= 2
