"""Safety first: properties that must hold for every possible answer (docs/safety.md).

The clinical cases that pin each rule down live in data/cases.yaml, where a clinician can read
them; ``backmassage kb test`` runs them (tests/test_cases.py). Here, hypothesis walks the whole
answer space of SPEC section 1 and checks that no answer breaks a safety rule.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from backmassage import load_knowledge, recommend
from backmassage.expressions import BestCondition, person, walk
from backmassage.vocabulary import CHOICES, NO_TECHNIQUES_AT, WARNING_SIGNS, severity

KNOWLEDGE = load_knowledge()


def _subset(values: tuple[str, ...], most: int = 4) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(values), max_size=most, unique=True)


ANSWERS = st.fixed_dictionaries({
    "location": st.sampled_from(CHOICES["location"]),
}, optional={
    "cause": st.sampled_from(CHOICES["cause"]),
    "symptoms": _subset(CHOICES["symptoms"]),
    "history": _subset(CHOICES["history"], 3),
    "duration": st.integers(0, 800).map(lambda days: f"{days}d"),
    "age": st.integers(1, 120),
    "pressure": st.sampled_from(CHOICES["pressure"]),
    "screened": st.booleans(),
    "unsure": _subset(WARNING_SIGNS, 2),
})


def _fired_without_condition(answers: Any) -> list[Any]:
    """The rules that hold for these answers and do not read the best condition."""
    p = person(answers, KNOWLEDGE.implied)
    return [rule for rule in KNOWLEDGE.rules
            if not any(isinstance(node, BestCondition) for node in walk(rule.when)) and rule.when.holds(p)]


@given(ANSWERS)
def test_no_listed_technique_is_one_a_fired_rule_removes(answers: dict[str, Any]) -> None:
    rec = recommend(**answers)
    listed = {t.id for t in rec.techniques}
    assert not listed & {a.id for a in rec.avoid}
    for rule in _fired_without_condition(rec.answers):
        assert not listed & set(rule.avoid), (rule.id, listed)


@given(ANSWERS)
def test_urgent_and_emergency_answers_offer_no_massage_and_name_no_muscle_pattern(answers: dict[str, Any]) -> None:
    rec = recommend(**answers)
    if rec.triage in NO_TECHNIQUES_AT:
        assert rec.techniques == () and rec.condition is None and rec.alternatives == ()
        assert rec.therapist_note is None and rec.self_care == ()
        assert rec.red_flags, "an urgent answer says which warning sign"
    else:
        assert rec.therapist_note


@given(ANSWERS, st.sampled_from(WARNING_SIGNS), st.booleans())
def test_adding_a_warning_sign_or_being_unsure_never_lowers_the_triage(answers: dict[str, Any], sign: str,
                                                                       as_unsure: bool) -> None:
    before = recommend(**answers)
    key = "unsure" if as_unsure else "symptoms"
    more = dict(answers, **{key: sorted(set(answers.get(key, [])) | {sign})})
    after = recommend(**more)
    assert severity(after.triage) >= severity(before.triage)


@given(ANSWERS, st.sampled_from(CHOICES["history"]))
def test_adding_a_health_history_item_never_lowers_the_triage(answers: dict[str, Any], item: str) -> None:
    before = recommend(**answers)
    after = recommend(**dict(answers, history=sorted(set(answers.get("history", [])) | {item})))
    assert severity(after.triage) >= severity(before.triage) or item == "fibromyalgia"


@given(ANSWERS)
def test_an_unsure_warning_sign_never_ends_in_massage(answers: dict[str, Any]) -> None:
    rec = recommend(**answers)
    if rec.unsure:
        assert rec.triage != "massage"
        assert any("not sure about" in sentence for sentence in rec.explanation)


@given(ANSWERS)
def test_not_asked_is_empty_when_screened_and_never_holds_an_answered_sign(answers: dict[str, Any]) -> None:
    rec = recommend(**answers)
    if rec.answers.screened:
        assert rec.not_asked == ()
    answered = set(rec.answers.symptoms or ()) | set(rec.unsure)
    assert not set(rec.not_asked) & answered
    assert set(rec.not_asked) <= set(WARNING_SIGNS)


@given(ANSWERS)
def test_the_explanation_never_calls_an_unasked_warning_sign_a_no(answers: dict[str, Any]) -> None:
    rec = recommend(**answers)
    text = " ".join(rec.explanation)
    if not rec.answers.screened:
        assert "you said no" not in text
    if rec.not_asked:
        assert "Not asked:" in text and "not counted as a no" in text
    for sign in WARNING_SIGNS:
        label = KNOWLEDGE.vocabulary.label("symptoms", sign)
        assert f"no {label}" not in text and f"no {sign}" not in text


def test_without_screening_every_applicable_warning_sign_is_named_as_not_asked() -> None:
    lower = recommend(location="lower", age=40)
    neck = recommend(location="neck", age=40)
    assert "clumsy-hands" in neck.not_asked and "clumsy-hands" not in lower.not_asked
    assert {"saddle-numbness", "fever", "leg-weakness"} <= set(lower.not_asked)
    assert recommend(location="lower", age=40, screened=True).not_asked == ()


def test_an_ordinary_strain_neck_tension_and_diagnosed_fibromyalgia_stay_massage() -> None:
    """Over-triage is a failure too: a screened ordinary case books a massage therapist."""
    ordinary = [
        dict(location="lower", cause="lifting", symptoms=["spasm"], duration="2w", age=35),
        dict(location="neck", cause="posture", symptoms=["stiffness", "headaches"], duration="6w", age=30),
        dict(location="widespread", history=["fibromyalgia"], symptoms=["fatigue"], duration="2y", age=45),
        dict(location="upper", cause="repetitive", symptoms=["knot"], duration="3w", age=28),
    ]
    for answers in ordinary:
        rec = recommend(**answers, screened=True)
        assert rec.triage == "massage", (answers, rec.explanation[:2])
        assert rec.techniques
