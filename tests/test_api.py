"""The Python API (SPEC section 5): recommend, recommend_many, InvalidAnswer, and the narrowing
Recommender that batch and recommend_many use, checked against the plain engine."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import backmassage
from backmassage import InvalidAnswer, Recommendation, load_knowledge, recommend, recommend_many
from backmassage import engine
from backmassage.answers import parse_answers
from backmassage.api import Recommender
from backmassage.knowledge import bundled_folder
from backmassage.vocabulary import CHOICES

SECTION_4_KEYS = {"triage", "condition", "alternatives", "techniques", "avoid", "red_flags", "cautions",
                  "explanation", "sources", "knowledge_version"}
TRIAGE = {"massage", "see-clinician", "urgent", "emergency"}


def test_recommend_returns_a_recommendation_whose_dict_is_exactly_section_4():
    rec = recommend(location="lower", cause="lifting", symptoms=["spasm"], history=[], duration="3d", age=40,
                    knowledge=None)
    assert isinstance(rec, Recommendation)
    data = rec.to_dict()
    assert set(data) == SECTION_4_KEYS
    assert data["triage"] in TRIAGE
    assert data["condition"] is None or set(data["condition"]) == {"id", "name", "score"}
    assert all(set(t) == {"id", "name", "why", "benefits"} for t in data["techniques"])
    assert all(set(s) == {"title", "url"} for s in data["sources"])
    assert isinstance(data["knowledge_version"], str)
    json.dumps(data, allow_nan=False)  # plain JSON data, nothing else


def test_recommend_is_exported_as_the_spec_says_and_typed():
    assert backmassage.recommend is recommend and backmassage.load_knowledge is load_knowledge
    assert (Path(backmassage.__file__).parent / "py.typed").is_file()
    assert recommend.__doc__ and recommend_many.__doc__ and load_knowledge.__doc__


def test_the_same_answers_give_the_same_output():
    answers = dict(location="neck", cause="posture", symptoms="stiffness,headaches", age="34")
    assert recommend(**answers).to_dict() == recommend(**answers).to_dict()


def test_values_are_case_insensitive_and_lists_take_any_iterable():
    base = recommend(location="lower", symptoms=["spasm", "knot"], history=["osteoarthritis"]).to_dict()
    assert recommend(location="LOWER", symptoms="Spasm,KNOT", history=("osteoarthritis",)).to_dict() == base
    assert recommend(location="lower", symptoms={"knot", "spasm"}, history=iter(["osteoarthritis"])).to_dict() == base


@pytest.mark.parametrize("answer, value, names", [
    ("location", "hip", ["location", "lower", "upper", "neck", "widespread"]),
    ("cause", "lifing", ["cause", "lifting", "sudden-movement"]),
    ("symptoms", ["spasm", "itching"], ["symptoms", "stiffness", "saddle-numbness"]),
    ("history", "cancer,flu", ["history", "osteoporosis", "anticoagulants"]),
    ("pressure", "hard", ["pressure", "light", "medium", "firm"]),
    ("duration", "3 fortnights", ["duration", "2d", "3w", "6m"]),
    ("age", "200", ["age", "1", "120"]),
])
def test_a_wrong_value_raises_invalid_answer_naming_the_answer_and_the_valid_values(answer, value, names):
    answers = {"location": "lower", answer: value}
    with pytest.raises(InvalidAnswer) as caught:
        recommend(**answers)
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.answer == answer
    for name in names:
        assert name in str(error)


def test_a_missing_location_is_refused():
    with pytest.raises(InvalidAnswer, match="location") as caught:
        recommend(cause="lifting")
    assert caught.value.answer == "location"


def test_load_knowledge_loads_a_folder_laid_out_like_data(kb_copy):
    knowledge = load_knowledge(kb_copy)
    assert recommend(location="lower", knowledge=knowledge).to_dict() == recommend(location="lower").to_dict()
    assert load_knowledge() is load_knowledge()  # the bundled knowledge is loaded once


# --- recommend_many ------------------------------------------------------------------------------

def test_recommend_many_is_lazy_and_streams():
    taken: list[int] = []

    def rows():
        for number in itertools.count(1):
            taken.append(number)
            yield {"id": number, "location": "lower", "age": 20 + number % 60}

    results = recommend_many(rows())
    assert taken == []  # nothing read before the first result is asked for
    first = next(results)
    assert isinstance(first, Recommendation) and taken == [1]
    assert len(list(itertools.islice(results, 4))) == 4 and taken == [1, 2, 3, 4, 5]


def test_recommend_many_gives_one_result_per_row_in_order_and_errors_in_place():
    rows = [
        {"id": "a", "location": "lower", "cause": "lifting", "symptoms": ["spasm"], "notes": "ignored"},
        {"id": "b", "location": "hip"},
        {"id": "c", "location": "neck", "symptoms": ("stiffness",), "age": 30},
        {"id": "d"},
        {"id": "e", "location": "upper", "pressure": "light", "duration": "2w"},
    ]
    results = list(recommend_many(rows))
    assert len(results) == len(rows)
    assert [type(r).__name__ for r in results] == ["Recommendation", "InvalidAnswer", "Recommendation",
                                                   "InvalidAnswer", "Recommendation"]
    assert results[1].answer == "location" and results[3].answer == "location"
    for row, result in zip(rows, results):
        if isinstance(result, Recommendation):
            answers = {k: v for k, v in row.items() if k not in ("id", "notes")}
            assert result == recommend(**answers)


def test_recommend_many_refuses_a_row_that_is_not_a_mapping():
    with pytest.raises(TypeError, match="mapping"):
        list(recommend_many([{"location": "lower"}, ["lower"]]))  # type: ignore[list-item]


def test_recommend_many_uses_the_knowledge_given(kb_copy):
    knowledge = load_knowledge(kb_copy)
    (result,) = recommend_many([{"location": "lower"}], knowledge=knowledge)
    assert isinstance(result, Recommendation) and result.knowledge_version == knowledge.version


# --- narrowing: the same results as the engine ---------------------------------------------------

def _answers(rnd: random.Random):
    """Random answers over the whole vocabulary, including unknowns and edge ages and durations."""
    def some(values, most):
        return rnd.sample(list(values), rnd.randint(0, most))

    return parse_answers(
        location=rnd.choice(list(CHOICES["location"])),
        cause=rnd.choice(list(CHOICES["cause"]) + [None]),
        symptoms=some(CHOICES["symptoms"], 4),
        history=some(CHOICES["history"], 2),
        duration=rnd.choice([None, f"{rnd.randint(1, 400)}d", f"{rnd.randint(1, 12)}w", f"{rnd.randint(1, 40)}m"]),
        age=rnd.choice([None, rnd.randint(1, 120), rnd.choice([15, 16, 49, 50, 65, 70])]),
        pressure=rnd.choice([None, *CHOICES["pressure"]]),
    )


def _synthetic(rnd: random.Random, with_condition: list[str] | None = None) -> dict:
    """A random expression using every kind the knowledge language has."""
    def atom():
        kind = rnd.choice(["location", "cause", "symptom", "history", "duration", "age"])
        if kind == "duration":
            low, high = sorted(rnd.sample(range(1, 200), 2))
            return {"duration": rnd.choice([{"min": f"{low}d"}, {"max": f"{high}d"}, {"min": f"{low}d", "max": f"{high}d"}])}
        if kind == "age":
            low, high = sorted(rnd.sample(range(1, 121), 2))
            return {"age": rnd.choice([{"min": low}, {"max": high}, {"min": low, "max": high}])}
        answer = {"symptom": "symptoms"}.get(kind, kind)
        return {kind: rnd.sample(list(CHOICES[answer]), rnd.randint(1, 3))}

    choice = rnd.random()
    if with_condition and choice < 0.1:
        return {"condition": rnd.sample(with_condition, rnd.randint(1, 2))}
    if choice < 0.2:
        return {"not": atom()}
    if choice < 0.3:
        return {"any": [atom(), atom()] + ([{"not": atom()}] if rnd.random() < 0.3 else [])}
    if choice < 0.4:
        return {"all": [atom(), _synthetic(rnd, with_condition)]}
    merged = atom()
    if rnd.random() < 0.3:
        merged.update(atom())
    return merged


@pytest.fixture(scope="module")
def large_kb(tmp_path_factory: pytest.TempPathFactory):
    """The bundled knowledge plus 300 random conditions and 60 random contraindications
    (some naming generated conditions, so narrowing must keep the best condition right)."""
    import shutil

    folder = tmp_path_factory.mktemp("large") / "kb"
    shutil.copytree(bundled_folder(), folder)
    rnd = random.Random(6)
    techniques = ["swedish", "deep-tissue", "trigger-point", "myofascial-release", "neuromuscular", "sports", "prenatal"]
    ids = [f"synthetic-{n}" for n in range(300)]
    with open(folder / "conditions.yaml", "a", encoding="utf-8") as file:
        for condition_id in ids:
            item = {"id": condition_id, "name": f"Synthetic {condition_id}", "description": "Generated for a test.",
                    "evidence": [dict(_synthetic(rnd), weight=rnd.randint(1, 5)) for _ in range(rnd.randint(1, 4))],
                    "techniques": [{"id": t, "why": "Generated."} for t in rnd.sample(techniques, 2)],
                    "sources": ["founding-article"]}
            if rnd.random() < 0.7:
                item["requires"] = _synthetic(rnd)
            file.write("\n  - " + json.dumps(item))
        file.write("\n")
    with open(folder / "contraindications.yaml", "a", encoding="utf-8") as file:
        for n in range(60):
            item = {"id": f"synthetic-rule-{n}", "name": f"Synthetic rule {n}",
                    "when": _synthetic(rnd, with_condition=ids[:50] + ["lower-back-strain", "sciatica"]),
                    "sources": ["founding-article"]}
            effect = rnd.choice(["avoid", "caution", "triage"])
            if effect == "avoid":
                item.update(avoid=rnd.sample(techniques, 2), reason="Generated.")
            elif effect == "caution":
                item["caution"] = f"Generated caution {n}."
            else:
                item["triage"] = rnd.choice(["see-clinician", "urgent"])
            file.write("\n  - " + json.dumps(item))
        file.write("\n")
    return load_knowledge(folder)


def test_narrowing_gives_exactly_the_engine_result_on_the_bundled_knowledge():
    knowledge = load_knowledge()
    narrowed = Recommender(knowledge, narrow=True)
    rnd = random.Random(1)
    for _ in range(2000):
        answers = _answers(rnd)
        assert narrowed(answers) == engine.recommend(answers, knowledge), answers


@pytest.mark.parametrize("narrow", [False, True])
def test_the_recommender_gives_exactly_the_engine_result_on_a_large_random_knowledge(large_kb, narrow):
    """Narrowed or not, and remembering its steps from one person to the next."""
    recommender = Recommender(large_kb, narrow=narrow)
    rnd = random.Random(2)
    for _ in range(600):
        answers = _answers(rnd)
        assert recommender(answers) == engine.recommend(answers, large_kb), answers
        assert len(recommender.candidates(answers)) <= len(large_kb.conditions)


@given(st.randoms(use_true_random=False))
def test_narrowing_property(rnd):
    knowledge = load_knowledge()
    answers = _answers(rnd)
    assert Recommender(knowledge, narrow=True)(answers) == engine.recommend(answers, knowledge)


_WARM = Recommender(load_knowledge())  # shared on purpose: remembered results must never leak between people


@given(st.randoms(use_true_random=False))
def test_remembered_steps_give_the_engine_result_after_any_other_answers(rnd):
    answers = _answers(rnd)
    assert _WARM(answers) == engine.recommend(answers, load_knowledge())


def test_a_remembered_explanation_never_carries_another_persons_age_or_duration():
    recommender = Recommender(load_knowledge())
    first = parse_answers(location="lower", cause="lifting", symptoms=["spasm"], duration="3d", age=70)
    second = first._replace(age=80, duration="4d", duration_days=4)  # the same ranges, other numbers
    recommender(first)
    said = " ".join(recommender(second).explanation)
    assert said == " ".join(engine.recommend(second, load_knowledge()).explanation)
    assert "age 80" in said and "age 70" not in said


def test_a_rule_on_the_best_condition_is_checked_for_each_person(kb_copy):
    with open(kb_copy / "contraindications.yaml", "a", encoding="utf-8") as file:
        file.write("\n  - " + json.dumps({"id": "test-strain-rule", "name": "Test rule on a strain",
                                           "when": {"condition": ["lower-back-strain"]},
                                           "caution": "Test caution for a strain.", "sources": ["founding-article"]}) + "\n")
    knowledge = load_knowledge(kb_copy)
    recommender = Recommender(knowledge)
    strain = parse_answers(location="lower", cause="posture", symptoms=["spasm"], duration="3w", age=40)
    postural = strain._replace(symptoms=())  # the rules do not read spasm: the same answers to them
    assert recommender(strain).condition.id == "lower-back-strain"
    assert "Test caution for a strain." in recommender(strain).cautions
    assert recommender(postural).condition.id != "lower-back-strain"
    assert "Test caution for a strain." not in recommender(postural).cautions
    assert recommender(postural) == engine.recommend(postural, knowledge)


def test_remembered_parsing_tells_values_of_other_types_apart():
    assert parse_answers(location="lower", age=1).age == 1
    with pytest.raises(InvalidAnswer):
        parse_answers(location="lower", age=True)  # equal to 1 in Python, but not an age
    assert parse_answers(location="lower", age=40.0).age == 40
    assert parse_answers(location="lower", symptoms=["spasm", "knot"]).symptoms == ("spasm", "knot")
    assert parse_answers(location="lower", symptoms="spasm,knot").symptoms == ("spasm", "knot")
    with pytest.raises(InvalidAnswer):
        parse_answers(location="lower", symptoms=[["spasm"]])


def test_narrowing_really_narrows_a_large_knowledge(large_kb):
    narrowed = Recommender(large_kb)
    assert narrowed.narrow  # chosen automatically for a large knowledge
    answers = parse_answers(location="neck", symptoms=["headaches"])
    assert len(narrowed.candidates(answers)) < len(large_kb.conditions) / 3
    assert not Recommender(large_kb, narrow=False).narrow
    assert not Recommender(load_knowledge()).narrow  # the bundled knowledge: the engine sees everything
