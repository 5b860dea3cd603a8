"""Safety first: properties that must hold for every possible answer (docs/safety.md).

The clinical cases that pin each rule down live in data/cases.yaml, where a clinician can read
them; ``backmassage kb test`` runs them (tests/test_cases.py). Here, hypothesis walks the whole
answer space of SPEC section 1 and checks that no answer breaks a safety rule.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from backmassage import load_knowledge, recommend, recommend_many
from backmassage.expressions import BestCondition, negated_atoms, person, walk
from backmassage.knowledge import build, bundled_data
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


# --- the rules as data, and the cases that pin them down -------------------------------------------

EMERGENCY_NUMBERS = "call 999 (UK), 911 (US), 112 (EU) or your local emergency number"
FIRM = {"deep-tissue", "trigger-point", "neuromuscular", "sports"}  # deep or forceful pressure


def _fired_rule_ids(answers: Any) -> set[str]:
    """Every red flag and contraindication that holds for these answers (rules on the best
    condition are checked against the condition the answer names)."""
    rec = recommend(**answers)
    p = person(rec.answers, KNOWLEDGE.implied)
    if rec.condition:
        p = p._replace(condition_id=rec.condition.id, condition_name=rec.condition.name)
    return {rule.id for rule in KNOWLEDGE.rules if rule.when.holds(p)}


def test_every_safety_rule_has_a_clinical_case() -> None:
    """data/cases.yaml (run by `kb test`) fires every red flag and contraindication at least once."""
    covered = set().union(*(_fired_rule_ids(case["answers"]) for case in KNOWLEDGE.cases))
    assert {rule.id for rule in KNOWLEDGE.rules} - covered == set()


def test_safety_rules_are_monotone_by_construction() -> None:
    """No rule depends on the best-matching condition, and none on the absence of a symptom or a
    history item, except undiagnosed-widespread-pain (docs/safety.md, the one exception)."""
    for rule in KNOWLEDGE.rules:
        assert not any(isinstance(node, BestCondition) for node in walk(rule.when)), rule.id
        negated = {atom for atom in negated_atoms(rule.when) if atom.startswith(("symptoms:", "history:"))}
        assert not negated or (rule.id, negated) == ("undiagnosed-widespread-pain", {"history:fibromyalgia"}), rule.id


def test_emergency_and_urgent_advice_is_plain_and_locale_neutral() -> None:
    for rule in KNOWLEDGE.red_flags:
        advice = rule.advice or ""
        # "A&E", "GP" and "doctor's surgery" are UK words ("surgery" means an operation in the US).
        assert "A&E" not in advice and "GP" not in advice.split() and "doctor's surgery" not in advice, rule.id
        if rule.triage == "emergency":
            assert EMERGENCY_NUMBERS in advice, rule.id
        if rule.triage in ("emergency", "urgent"):
            assert "massage" in advice.lower(), f"{rule.id}: says nothing of massage"
            assert any(word in advice for word in ("now", "today", "day or two", "same day")), f"{rule.id}: how soon?"


@given(ANSWERS, st.sampled_from(["saddle-numbness", "bladder-bowel-change"]))
def test_cauda_equina_signs_are_always_an_emergency(answers: dict[str, Any], sign: str) -> None:
    rec = recommend(**dict(answers, symptoms=sorted(set(answers.get("symptoms", [])) | {sign})))
    assert rec.triage == "emergency"
    assert rec.techniques == ()
    flag = next(f for f in rec.red_flags if f.id == "cauda-equina")
    assert EMERGENCY_NUMBERS in flag.advice


@given(ANSWERS, st.sampled_from(["anticoagulants", "osteoporosis", "steroid-use", "cancer"]))
def test_blood_thinners_thin_bones_steroids_or_cancer_never_get_firm_pressure(answers: dict[str, Any],
                                                                             item: str) -> None:
    rec = recommend(**dict(answers, history=sorted(set(answers.get("history", [])) | {item})))
    assert not FIRM & {t.id for t in rec.techniques}
    assert FIRM <= {a.id for a in rec.avoid}


RISK_ANSWERS = [("symptoms", s) for s in CHOICES["symptoms"]] + \
    [("history", h) for h in CHOICES["history"] if h != "fibromyalgia"] + [("unsure", w) for w in WARNING_SIGNS]


@given(ANSWERS, st.sampled_from(RISK_ANSWERS))
def test_one_more_risk_answer_never_lowers_the_triage_nor_drops_a_warning(answers: dict[str, Any],
                                                                         risk: tuple[str, str]) -> None:
    answer, value = risk
    before = recommend(**answers)
    after = recommend(**dict(answers, **{answer: sorted(set(answers.get(answer, [])) | {value})}))
    assert severity(after.triage) >= severity(before.triage), (risk, before.explanation, after.explanation)
    assert {f.id for f in before.red_flags} <= {f.id for f in after.red_flags}
    assert {a.id for a in before.avoid} <= {a.id for a in after.avoid}


def _knowledge_without(rule_id: str) -> Any:
    """The bundled knowledge compiled without one contraindication (a custom folder may not drop one)."""
    data = bundled_data()
    kept = [rule for rule in data["contraindications.yaml"]["contraindications"] if rule["id"] != rule_id]
    assert len(kept) < len(data["contraindications.yaml"]["contraindications"])
    return build({**data, "contraindications.yaml": {"contraindications": kept}}, "without " + rule_id)


WITHOUT_UNDIAGNOSED_WIDESPREAD_PAIN = _knowledge_without("undiagnosed-widespread-pain")


@given(ANSWERS)
def test_a_fibromyalgia_diagnosis_lowers_the_triage_only_by_explaining_widespread_pain(answers: dict[str, Any]) -> None:
    """The one documented exception to monotonicity (docs/safety.md): a doctor's fibromyalgia
    diagnosis answers "widespread pain that no doctor has explained"."""
    without = WITHOUT_UNDIAGNOSED_WIDESPREAD_PAIN
    more = dict(answers, history=sorted(set(answers.get("history", [])) | {"fibromyalgia"}))
    assert severity(recommend(**more, knowledge=without).triage) >= severity(recommend(**answers, knowledge=without).triage)
    before, after = recommend(**answers), recommend(**more)
    if severity(after.triage) < severity(before.triage):
        assert answers["location"] == "widespread"
        assert after.triage == recommend(**answers, knowledge=without).triage


@given(ANSWERS, st.randoms(use_true_random=False))
def test_the_same_answers_always_give_the_same_output(answers: dict[str, Any], rnd: Any) -> None:
    first = recommend(**answers).to_dict()
    assert recommend(**answers).to_dict() == first
    shuffled = dict(answers)
    for name in ("symptoms", "history", "unsure"):
        if name in shuffled:
            shuffled[name] = rnd.sample(shuffled[name], len(shuffled[name]))
    assert recommend(**shuffled).to_dict() == first
    (through_many,) = list(recommend_many([shuffled]))
    assert through_many.to_dict() == first


ORDINARY = st.fixed_dictionaries(
    {"location": st.sampled_from(["lower", "upper", "neck"]), "screened": st.just(True)},
    optional={
        "cause": st.sampled_from(["lifting", "sudden-movement", "posture", "sports", "repetitive"]),
        "symptoms": st.lists(st.sampled_from(["stiffness", "tenderness", "spasm", "knot", "continuous-ache",
                                              "fatigue", "headaches", "poor-sleep"]), unique=True),
        "history": st.lists(st.sampled_from(["osteoarthritis", "fibromyalgia", "anticoagulants", "pregnancy"]),
                            unique=True, max_size=1),
        "duration": st.integers(4, 400).map(lambda days: f"{days}d"),
        "age": st.integers(20, 64),
        "pressure": st.sampled_from(CHOICES["pressure"]),
    },
)


@given(ORDINARY)
def test_ordinary_back_pain_stays_massage(answers: dict[str, Any]) -> None:
    """No over-triage: mechanical back or neck pain after the warning-sign questions were asked,
    with no warning sign and no history that needs clearance, at 20 to 64, more than three days
    on, is a massage case with a technique to book. (A missing cause or duration counts: an
    injury at an unknown time asks for a check.)"""
    rec = recommend(**answers)
    if "cause" not in answers or "duration" not in answers:
        return
    assert rec.triage == "massage", rec.explanation
    assert rec.red_flags == ()
    assert rec.techniques


CAUDA_EQUINA = ["recommend", "--location", "lower", "--cause", "lifting", "--symptom", "spasm,saddle-numbness",
                "--history", "anticoagulants", "--duration", "3d", "--age", "40", "--pressure", "firm", "--no-input"]


def test_cli_prints_the_emergency_advice_first(run: Any) -> None:
    result = run(*CAUDA_EQUINA)
    assert result.exit_code == 0, result.stderr
    flat = " ".join(result.stdout.replace("│", " ").split())
    advice = flat.index("Go to an emergency department now, or " + EMERGENCY_NUMBERS)
    assert "EMERGENCY" in flat[:advice] or "Emergency" in flat[:advice]
    assert "Massage to ask for" not in flat


def test_cli_json_has_red_flags_and_avoid_as_in_the_spec(run: Any) -> None:
    import json

    data = json.loads(run(*CAUDA_EQUINA, "--json").stdout)
    assert data["triage"] == "emergency" and data["techniques"] == [] and data["condition"] is None
    assert data["red_flags"][0]["id"] == "cauda-equina"
    assert EMERGENCY_NUMBERS in data["red_flags"][0]["advice"]
    assert FIRM <= {a["id"] for a in data["avoid"]}


@given(ANSWERS)
def test_the_gate_index_never_hides_a_rule_or_a_condition_that_holds(answers: dict[str, Any]) -> None:
    """The engine tests only the rules and conditions that the knowledge's gate index names for a
    person's answers: each one that holds, whatever the best condition, must be among them."""
    p = person(recommend(**answers).answers, KNOWLEDGE.implied)
    named_rules = set(KNOWLEDGE.rule_gates.candidates(p.bits))
    named_conditions = set(KNOWLEDGE.condition_gates.candidates(p.bits))
    for best in (None, *KNOWLEDGE.conditions):
        q = p._replace(condition_id=best.id, condition_name=best.name) if best else p
        holding = {place for place, rule in enumerate(KNOWLEDGE.rules) if rule.when.holds(q)}
        assert holding <= named_rules, [KNOWLEDGE.rules[place].id for place in holding - named_rules]
    scoring = {place for place, condition in enumerate(KNOWLEDGE.conditions)
               if condition.requires is None or condition.requires.holds(p)}
    assert scoring <= named_conditions, [KNOWLEDGE.conditions[place].id for place in scoring - named_conditions]
