"""What a person reads: order, width, colour rules, and knowledge text printed literally."""

import io
import re

from backmassage import load_knowledge, recommend
from backmassage.render import make_console, render_recommendation


def has_colour(text: str) -> bool:
    """True when an ANSI style sets a foreground or background colour (bold and italic are not colour)."""
    codes = (int(code) for params in re.findall(r"\x1b\[([0-9;]*)m", text) for code in params.split(";") if code)
    return any(30 <= code <= 49 or 90 <= code <= 107 for code in codes)


def rendered(rec, width: int = 80, color: bool = False) -> str:
    console = make_console(file=io.StringIO(), width=width, force_terminal=color,
                           color_system="truecolor" if color else None)
    render_recommendation(rec, console)
    return console.file.getvalue()


def test_a_massage_answer_has_every_part_in_order():
    text = rendered(recommend(location="lower", cause="lifting", duration="3w", history=["anticoagulants"]))
    order = ["MASSAGE", "What your answers point to", "Lower back strain", "Massage to ask for", "Swedish massage",
             "Avoid", "Deep tissue massage", "Be careful", "Tell your therapist", "Why this advice", "Sources",
             "not a diagnosis"]
    positions = [text.index(part) for part in order]
    assert positions == sorted(positions)


def test_the_therapist_note_repeats_the_answers_in_plain_words():
    text = rendered(recommend(location="lower", cause="lifting", duration="3w", history=["anticoagulants"]))
    note = text[text.index("Tell your therapist"):text.index("Why this advice")]
    note = " ".join(note.split())
    assert "lower back for 3 weeks, since lifting something" in note
    assert "taking blood thinners" in note
    assert "Please avoid Deep tissue massage" in note


def test_an_emergency_shows_the_warning_first_and_no_massage():
    text = rendered(recommend(location="lower", symptoms=["saddle-numbness"]))
    assert text.index("EMERGENCY") < text.index("Warning signs") + 200
    assert "call 999 (UK), 911 (US), 112 (EU)" in " ".join(text.split())
    assert "Massage to ask for" not in text
    assert "Tell your therapist" not in text


def test_see_clinician_labels_the_techniques_as_for_after_clearance():
    text = rendered(recommend(location="lower", symptoms=["shooting-pain", "tingling"]))
    assert "SEE A CLINICIAN FIRST" in text
    assert "Massage to ask for once a clinician has cleared you" in text


def test_every_line_fits_80_columns():
    for answers in (dict(location="lower", symptoms=["saddle-numbness", "fever"], history=["cancer"]),
                    dict(location="widespread", symptoms=["fatigue", "poor-sleep"], duration="6m")):
        assert max(len(line) for line in rendered(recommend(**answers)).splitlines()) <= 80


def test_plain_text_has_no_escape_codes_and_a_terminal_gets_colour():
    rec = recommend(location="neck", cause="posture")
    assert "\x1b[" not in rendered(rec)
    assert "\x1b[" in rendered(rec, color=True)


def test_no_color_removes_colour_even_on_a_terminal(run, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("FORCE_COLOR", "1")
    result = run("recommend", "--location", "neck", "--cause", "posture")
    assert result.exit_code == 0
    assert not has_colour(result.stdout)  # bold may stay, as NO_COLOR allows


def test_the_no_color_flag_removes_colour(run, monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")
    coloured = run("recommend", "--location", "neck").stdout
    plain = run("recommend", "--location", "neck", "--no-color").stdout
    assert has_colour(coloured) and not has_colour(plain)


def test_knowledge_text_with_brackets_is_printed_literally(kb_copy):
    conditions = kb_copy / "conditions.yaml"
    text = conditions.read_text(encoding="utf-8")
    marker = "Stretch [/] now, see [bold]this[/bold] and [link=x]that[/link]."
    start = text.index("description:", text.index("id: lower-back-strain"))
    end = text.index("\n", start)
    conditions.write_text(text[:start] + f'description: "{marker}"' + text[end:], encoding="utf-8")
    rec = recommend(location="lower", cause="lifting", knowledge=load_knowledge(kb_copy))
    assert marker in " ".join(rendered(rec, width=200).split())


def test_the_therapist_note_never_asks_for_a_pressure_the_advice_rules_out():
    rec = recommend(location="lower", cause="lifting", duration="3w", pressure="firm", history=["anticoagulants"])
    text = " ".join(rendered(rec).split())
    assert "with firm pressure" not in text
    assert "I would like Swedish massage." in text
    ok = recommend(location="lower", cause="lifting", duration="3w", pressure="firm")
    assert "I would like Deep tissue massage, with firm pressure." in " ".join(rendered(ok).split())


def test_a_missing_duration_is_explained_as_missing():
    rec = recommend(location="lower", cause="accident")
    assert any("you did not say how long it has lasted" in sentence for sentence in rec.explanation)
