"""The Python API of SPEC section 5: values as people write them, every problem at once,
many rows paired with their results, and no state kept from one person to the next."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from backmassage import InvalidAnswer, api, load_knowledge, recommend, recommend_many
from backmassage.answers import parse_age, parse_duration

KNOWLEDGE = load_knowledge()
STRAIN = dict(location="lower", cause="lifting", symptoms=["spasm"], duration="3d", age=40, screened=True)


def test_recommend_gives_a_massage_answer_for_an_ordinary_strain():
    rec = recommend(**STRAIN)
    assert rec.triage == "massage"
    assert rec.techniques, "an ordinary strain gets a massage to ask for"
    assert rec.not_asked == ()


@pytest.mark.parametrize("given, expected", [
    (dict(location="Lower Back"), dict(location="lower")),
    (dict(location="  LOWER "), dict(location="lower")),
    (dict(location="lower", symptoms="Saddle Numbness"), dict(symptoms=("saddle-numbness",))),
    (dict(location="lower", symptoms=["saddle_numbness"]), dict(symptoms=("saddle-numbness",))),
    (dict(location="lower", history="blood thinners, slipped disc"), dict(history=("anticoagulants", "disc-herniation"))),
    (dict(location="lower", symptoms="pins and needles; back spasms"), dict(symptoms=("spasm", "tingling"))),
    (dict(location="lower", pressure="Firm"), dict(pressure="firm")),
    (dict(location="neck", cause="car crash"), dict(cause="major-accident")),
    (dict(location="lower", history="none"), dict(history=())),
])
def test_values_are_read_as_people_write_them(given, expected):
    answers = recommend(**given).answers
    for name, value in expected.items():
        assert getattr(answers, name) == value


def test_a_major_accident_counts_as_an_accident_for_every_rule():
    accident = recommend(location="lower", cause="accident", age=70, screened=True)
    major = recommend(location="lower", cause="major-accident", age=70, screened=True)
    assert {f.id for f in accident.red_flags} <= {f.id for f in major.red_flags}


@pytest.mark.parametrize("text, days, shown", [
    ("3d", 3, "3d"), ("3 weeks", 21, "3w"), ("a week", 7, "1w"), ("1.5 weeks", 10, "10d"), ("10 years", 3650, "10y"),
    ("6 Months", 180, "6m"), ("two weeks", 14, "2w"),
])
def test_durations_are_read_as_people_say_them(text, days, shown):
    assert parse_duration(text) == (days, shown)
    assert parse_duration(shown)[0] == days  # the normalised text reads back the same


@pytest.mark.parametrize("value", ["soon", "3 fortnights", "-2d", "999999 years", "1" * 5000])
def test_a_wrong_duration_is_refused(value):
    with pytest.raises(InvalidAnswer) as raised:
        parse_duration(value)
    assert raised.value.answer == "duration"


@pytest.mark.parametrize("value, age", [(42, 42), ("42", 42), ("42 years", 42), ("42 years old", 42), (40.0, 40)])
def test_ages_are_read_as_people_write_them(value, age):
    assert parse_age(value) == age


@pytest.mark.parametrize("value", [0, 121, "fifty", True, "1" * 5000, 10 ** 5000, -3, 4.5],
                         ids=["0", "121", "fifty", "True", "5000 digits", "huge int", "-3", "4.5"])
def test_a_wrong_age_is_an_invalid_answer_never_a_crash(value):
    with pytest.raises(InvalidAnswer) as raised:
        recommend(location="lower", age=value)
    assert raised.value.answer == "age"
    assert len(str(raised.value)) < 200


def test_a_wrong_value_names_the_answer_the_valid_values_and_a_close_one():
    with pytest.raises(InvalidAnswer) as raised:
        recommend(location="lowr")
    error = raised.value
    assert isinstance(error, ValueError)
    assert (error.answer, error.suggestion) == ("location", "lower")
    assert error.valid == "lower, upper, neck, widespread"


def test_every_problem_is_reported_at_once():
    with pytest.raises(InvalidAnswer) as raised:
        recommend(location="hip", symptoms=["spasms", "glowing"], age="fifty", duration="soon", pressure="extreme")
    assert [e.answer for e in raised.value.errors] == ["location", "symptoms", "duration", "age", "pressure"]


def test_unsure_takes_only_warning_signs():
    with pytest.raises(InvalidAnswer) as raised:
        recommend(location="lower", unsure=["spasm"])
    assert raised.value.answer == "unsure"
    assert recommend(location="lower", unsure="fever").unsure == ("fever",)


def test_recommend_many_pairs_each_result_with_its_row_from_a_generator():
    people = [dict(id="a", **STRAIN), dict(id="b", location="lower", symptoms=["saddle-numbness"]),
              dict(id="c", location="hip"), dict(id="d", location="neck", cause="posture", screened="yes")]
    rows = (row for row in people)  # read once: zip(rows, recommend_many(rows)) would pair the wrong people
    results = [(row["id"], r.triage if not isinstance(r, InvalidAnswer) else "invalid")
               for row, r in recommend_many(rows, with_rows=True)]
    assert results == [("a", "massage"), ("b", "emergency"), ("c", "invalid"), ("d", "massage")]


def test_recommend_many_refuses_a_near_miss_key_like_batch():
    (result,) = recommend_many([{"location": "lower", "symptom": "saddle-numbness"}])
    assert isinstance(result, InvalidAnswer)
    assert "did you mean 'symptoms'" in str(result)
    (ignored,) = recommend_many([{"location": "lower", "id": "x", "notes": "anything"}])
    assert not isinstance(ignored, InvalidAnswer)


def test_recommend_many_yields_one_result_per_row_in_order():
    rows = [dict(location=location) for location in ("lower", "neck", "upper", "widespread")] * 5
    results = list(recommend_many(rows))
    assert [r.answers.location for r in results] == [row["location"] for row in rows]


# --- no state between people (docs/safety.md H7) ---------------------------------------------

PERSON = dict(location="neck", cause="posture", symptoms=["headaches"], duration="5w", age=52, screened=True)


def _others(count: int):
    locations, causes = ("lower", "upper", "neck", "widespread"), ("lifting", "accident", "posture", "unknown")
    symptoms = (["spasm"], ["fever"], ["saddle-numbness"], ["night-pain", "weight-loss"], [], ["poor-sleep"])
    for i in range(count):
        yield dict(location=locations[i % 4], cause=causes[i % 3], symptoms=symptoms[i % 6], age=18 + i % 80,
                   duration=f"{1 + i % 40}d", history=["anticoagulants"] if i % 7 == 0 else [], screened=i % 2 == 0)


def test_the_same_person_gets_the_same_answer_alone_first_or_after_10000_others():
    alone = recommend(**PERSON).to_dict()
    first = list(recommend_many([PERSON, *_others(10)]))[0].to_dict()
    after = list(recommend_many([*_others(10_000), PERSON]))[-1].to_dict()
    assert alone == first == after


def test_the_same_person_gets_the_same_answer_across_threads():
    expected = recommend(**PERSON).to_dict()
    found: list[dict] = []

    def work() -> None:
        for rec in recommend_many([*_others(300), PERSON]):
            pass
        found.append(rec.to_dict())

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert found == [expected] * 4


def test_changing_one_answer_dict_changes_nothing_for_the_next_person():
    first = recommend(**STRAIN).to_dict()
    first["techniques"][0]["benefits"].append("changed")
    first["sources"].clear()
    assert recommend(**STRAIN).to_dict() != first


def test_the_api_module_holds_no_answers_between_calls():
    """What api keeps at module level is the compiled knowledge, and nothing else."""
    names = {name for name, value in vars(api).items() if not name.startswith("__")
             and isinstance(value, (dict, list, set))}
    assert names == set()


def test_import_backmassage_is_light():
    code = "import sys, backmassage; print(sorted(m for m in ('typer', 'rich', 'yaml', 'click') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stderr


def test_the_engine_is_reached_only_through_the_api():
    """One seam: the CLI, guided mode, batch and what they print import backmassage.api (and the
    contract's vocabulary, model and errors), never the engine or the knowledge behind it."""
    import re
    from pathlib import Path

    behind = re.compile(r"backmassage\.(engine|knowledge|expressions|schema|answers)\b|import (engine|knowledge)\b")
    package = Path(api.__file__).parent
    for name in ("cli.py", "guided.py", "batch.py", "render.py", "browse.py", "page.py", "reports.py", "intake.py",
                 "output.py", "exits.py", "terminal.py"):
        text = (package / name).read_text(encoding="utf-8")
        assert not behind.search(text), (name, behind.search(text))


def test_run_cases_reports_each_failure(tmp_path):
    results = api.run_cases()
    assert results, "the bundled knowledge carries clinical cases"
    failing = [(r.id, r.problems) for r in results if r.problems]
    assert failing == []


@pytest.mark.parametrize("value", [{"saddle-numbness": False}, {"anticoagulants": "no"}])
def test_a_mapping_is_no_list_of_answers(value):
    """Its keys are not a list of answers: {"saddle-numbness": False} is not a yes."""
    (result,) = recommend_many([{"location": "lower", "symptoms": value}])
    assert isinstance(result, InvalidAnswer) and result.answer == "symptoms"
