"""What a person reads: the short answer on one screen, --details, widths, colour, golden renders.

The golden files in tests/golden/ are whole answers as printed at 80 and 50 columns, reviewed
by eye. When the wording of the knowledge or of render.py changes on purpose, run
``BACKMASSAGE_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_render.py``, read the diff
(``git diff tests/golden``) and commit it with the change.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest

from backmassage import api
from backmassage.render import SCREEN_LINES, make_console, render_recommendation

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("BACKMASSAGE_UPDATE_GOLDEN") == "1"
URL = re.compile(r"https?://\S+")

ORDINARY = dict(location="lower", cause="lifting", duration="2w", age=42, symptoms="none", history="none",
                screened=True)
CASES = {
    "ordinary": ORDINARY,
    "blood-thinners": {**ORDINARY, "history": "anticoagulants"},
    "long-lasting": {**ORDINARY, "duration": "6m", "cause": "posture"},
    "neck": dict(location="neck", cause="posture", duration="3w", age=35, symptoms="stiffness,headaches",
                 history="none", screened=True),
    "not-asked": dict(location="lower", cause="lifting"),
    "see-clinician": dict(location="lower", cause="lifting", age=72, duration="5d", screened=True),
    "emergency": dict(location="lower", symptoms="saddle-numbness"),
    "unsure": dict(location="lower", unsure="fever", screened=True),
}


def rendered(case: str | dict, width: int = 80, details: bool = False, color: bool = False,
             rerun: str | None = None) -> str:
    answers = CASES[case] if isinstance(case, str) else case
    knowledge = api.load_knowledge()
    rec = api.recommend(**answers, knowledge=knowledge)
    console = make_console(file=io.StringIO(), width=width, force_terminal=color,
                           color_system="truecolor" if color else None)
    render_recommendation(rec, console, labels=knowledge.vocabulary.label, details=details, rerun=rerun)
    return console.file.getvalue()


def has_colour(text: str) -> bool:
    codes = (int(code) for params in re.findall(r"\x1b\[([0-9;]*)m", text) for code in params.split(";") if code)
    return any(30 <= code <= 49 or 90 <= code <= 107 for code in codes)


# --- one screen -----------------------------------------------------------------------------------

@pytest.mark.parametrize("case", ["ordinary", "blood-thinners", "long-lasting", "neck"])
def test_an_ordinary_answer_fits_one_screen_of_80_columns(case):
    text = rendered(case)
    lines = text.rstrip("\n").split("\n")
    assert len(lines) <= SCREEN_LINES - 1, text  # and a line left for the shell's prompt
    assert max(len(line) for line in lines) <= 80


@pytest.mark.parametrize("case", ["ordinary", "blood-thinners", "long-lasting", "neck"])
def test_the_short_answer_has_what_matters_first(case):
    text = " ".join(rendered(case).split())
    rec = api.recommend(**CASES[case])
    best = rec.techniques[0]
    order = ["MASSAGE", "Massage to ask for", best.name, "pressure"]
    if rec.avoid:
        order += ["Avoid", rec.avoid[0].name, rec.avoid[0].reason.split()[0]]
    order += ["Be careful", " ".join(rec.cautions[0].split()[:6]), "--details", "--save", "Not a diagnosis"]
    positions = [text.index(part) for part in order]
    assert positions == sorted(positions), order


def test_the_short_answer_says_how_long_and_how_often_or_that_no_study_sets_it():
    long_lasting = " ".join(rendered("long-lasting").split())
    assert "once a week for 10 weeks" in long_lasting.lower()
    assert "How long and how often: ask your therapist" in " ".join(rendered("ordinary").split())


def test_the_two_or_three_most_important_cautions_come_first():
    rec = api.recommend(**CASES["blood-thinners"])
    text = " ".join(rendered("blood-thinners").split())
    assert " ".join(rec.cautions[0].split()) in text  # the blood-thinner caution, from the rule
    assert text.count("! ") in (2, 3)


def test_details_add_benefits_self_care_the_note_the_explanation_and_linked_sources():
    rec = api.recommend(**CASES["blood-thinners"])
    short = rendered("blood-thinners")
    text = rendered("blood-thinners", details=True)
    for part in ("What your answers point to", "Between sessions", "Tell your therapist", "Why this advice",
                 "Sources", rec.techniques[0].benefits[0][:30]):
        assert part in text
        assert part not in short or part == "Sources"
    strongest, rest = rec.sources[:3], rec.sources[3:]
    for source in strongest:  # the few that carry the advice, whole, with their kind and link
        assert source.kind in text
        if source.url:
            assert source.url in text.splitlines() or f"   {source.url}" in text.splitlines()
    flat = " ".join(text.split())
    for source in rest:  # the rest by id, with where to read them
        assert source.id in flat
    if rest:
        assert f"{len(rest)} more:" in flat and "backmassage explain ID" in flat


def _words(text: str) -> set[str]:
    return set(re.findall(r"[^\W_]+", text))


@pytest.mark.parametrize("width", [40, 50, 60, 80])
@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("details", [False, True])
def test_nothing_wraps_inside_a_word_and_urls_stay_whole(case, width, details):
    """Every word printed is a whole word of what could be printed: a word cut in two is not."""
    import json

    import backmassage.render as render_module

    knowledge = api.load_knowledge()
    rec = api.recommend(**CASES[case])
    labels = " ".join(label for values in knowledge.vocabulary.labels.values() for label in values.values())
    allowed = _words(json.dumps(rec.to_dict(), ensure_ascii=False).replace("\\n", " ") + " " + labels + " "
                     + Path(render_module.__file__).read_text(encoding="utf-8") + " "
                     + " ".join(t.description for t in rec.techniques) + (rec.condition.description if rec.condition else ""))
    text = rendered(case, width=width, details=details)
    printed = _words(text.replace("│", " ").replace("╭", " ").replace("╰", " ").replace("─", " "))
    allowed.add(rec.knowledge_fingerprint[:12])
    assert {word for word in printed - allowed if not word.isdigit()} == set(), (case, width)
    for url in URL.findall(text):
        assert url in {s.url for s in rec.sources}
    for line in text.splitlines():
        if not URL.search(line) and "\\" not in line:
            assert len(line) <= width, line


def test_warning_signs_come_first_and_whole_with_nothing_about_massage():
    rec = api.recommend(**CASES["emergency"])
    text = rendered("emergency")
    flat = " ".join(text.replace("│", " ").split())
    assert flat.index("EMERGENCY") < flat.index("Why")
    assert " ".join(rec.red_flags[0].advice.split()) in flat
    assert "Massage to ask for" not in text and "--save" not in text


def test_warning_signs_not_asked_are_named_plainly():
    text = " ".join(rendered("not-asked").split())
    knowledge = api.load_knowledge()
    rec = api.recommend(**CASES["not-asked"])
    assert "Not asked about:" in text
    for sign in rec.not_asked:
        assert knowledge.vocabulary.label("symptoms", sign) in text


def test_an_unsure_warning_sign_is_said():
    text = " ".join(rendered("unsure").split())
    assert "fever" in text.lower() and "not sure" in text.lower()


def test_the_command_to_run_again_is_broken_between_arguments_only():
    command = ("backmassage recommend --location lower --cause lifting --symptom none --history anticoagulants "
               "--duration 1w --age 42 --unsure saddle-numbness --screened --no-input")
    text = rendered("ordinary", width=50, rerun=command)
    lines = text[text.index("backmassage recommend"):].splitlines()
    joined = []
    for line in lines:
        joined.append(line.rstrip(" \\").strip())
        if not line.endswith("\\"):
            break
    assert " ".join(joined) == command
    assert all(len(line) <= 50 for line in lines[:len(joined)])


def test_colour_only_on_a_terminal_and_never_with_no_color():
    assert has_colour(rendered("ordinary", color=True))
    assert not has_colour(rendered("ordinary"))
    console = make_console(no_color=True, file=io.StringIO(), width=80, force_terminal=True,
                           color_system="truecolor")
    render_recommendation(api.recommend(**ORDINARY), console)
    assert not has_colour(console.file.getvalue())


def test_the_cli_prints_the_short_answer_by_default_in_a_pipe(run):
    result = run("recommend", "--location", "lower", "--cause", "lifting", "--duration", "2w", "--age", "42",
                 "--screened", "--symptom", "none", "--history", "none")
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout == rendered("ordinary")


# --- golden renders, reviewed ----------------------------------------------------------------------

GOLDEN_CASES = [("ordinary", 80), ("ordinary", 50), ("blood-thinners", 80), ("blood-thinners", 50),
                ("see-clinician", 80), ("emergency", 80), ("emergency", 50), ("not-asked", 80)]


@pytest.mark.parametrize(("case", "width"), GOLDEN_CASES)
def test_golden_render(case, width):
    path = GOLDEN / f"{case}-{width}.txt"
    text = rendered(case, width=width)
    if UPDATE or not path.exists():
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"{path.name} was missing and has been written: review it and commit it")
    assert text == path.read_text(encoding="utf-8"), f"{path.name} changed: see the module docstring"
