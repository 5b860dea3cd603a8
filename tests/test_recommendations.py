"""Answer sets -> the condition they point to and the massage to ask for first.

Each row names the source in data/ that justifies it, so a clinician can check the table.
"""

import pytest

from backmassage import recommend

ROWS = [
    # Founding article: lower back strain follows lifting in a wrong position; ACP 2017 recommends
    # massage for acute/subacute low back pain; Cherkin 2011: relaxation (Swedish) massage helped as
    # much as structural massage.
    ("lifting strain", dict(location="lower", cause="lifting", duration="2w"),
     "massage", "lower-back-strain", "swedish"),
    # Founding article: sudden strains and wrong movements; spasm is typical of a strain (research §5.1).
    ("sudden movement", dict(location="lower", cause="sudden-movement", symptoms=["spasm"], duration="2w", age=35),
     "massage", "lower-back-strain", "swedish"),
    # Research §5.7 (postural pain): NMT addresses postural distortion (St John method).
    ("desk posture", dict(location="lower", cause="posture", symptoms=["stiffness"]),
     "massage", "postural-pain", "neuromuscular"),
    # Upper back strain has no trial of its own (review B4): the gentle choices come first.
    ("sports knot", dict(location="upper", cause="sports", symptoms=["knot"]),
     "massage", "upper-back-strain", "swedish"),
    ("repetitive work", dict(location="upper", cause="repetitive", symptoms=["knot", "tenderness"], duration="3w"),
     "massage", "upper-back-strain", "swedish"),
    # Yuan 2015: myofascial release has the best evidence in fibromyalgia; Swedish may have no effect.
    ("fibromyalgia", dict(location="widespread", symptoms=["fatigue", "poor-sleep"], history=["fibromyalgia"],
                          duration="6m"),
     "massage", "fibromyalgia", "myofascial-release"),
    # Perlman 2012: 60-minute Swedish massage once a week helped osteoarthritis (knee trials).
    ("osteoarthritis", dict(location="lower", history=["osteoarthritis"], symptoms=["joint-stiffness"], age=68),
     "massage", "osteoarthritis", "swedish"),
    # Moraska 2015: trigger-point massage for tension-type headache with neck tension.
    ("desk neck", dict(location="neck", cause="posture", symptoms=["headaches", "knot"]),
     "massage", "neck-tension", "trigger-point"),
    # NICE NG59: massage only as part of a package with exercise, after assessment -> cleared first.
    ("sciatica", dict(location="lower", symptoms=["shooting-pain", "tingling"]),
     "see-clinician", "sciatica", "swedish"),
    # Mueller & Grunwald 2021: relaxation massage by a prenatal-trained therapist eases back pain in pregnancy.
    ("pregnancy", dict(location="lower", history=["pregnancy"]),
     "massage", "pregnancy-back-pain", "prenatal"),
    # OPTIMa 2016: no relaxation massage for whiplash under three months; gentle held work first.
    ("whiplash, subacute", dict(location="neck", cause="accident", duration="3w"),
     "massage", "whiplash", "myofascial-release"),
    # AMTA client rights: the person chooses the pressure; the first firm technique of the condition leads.
    ("prefers firm", dict(location="lower", cause="lifting", duration="3w", pressure="firm"),
     "massage", "lower-back-strain", "neuromuscular"),
    # NCCIH, Mayo: no deep or forceful massage on blood thinners, whatever the preference.
    ("blood thinners", dict(location="lower", cause="lifting", duration="3w", pressure="firm",
                            history=["anticoagulants"]),
     "massage", "lower-back-strain", "swedish"),
]


@pytest.mark.parametrize(("answers", "triage", "condition", "first_technique"),
                         [row[1:] for row in ROWS], ids=[row[0] for row in ROWS])
def test_answers_lead_to_the_expected_condition_and_massage(answers, triage, condition, first_technique):
    rec = recommend(**answers)
    assert rec.triage == triage
    assert rec.condition is not None and rec.condition.id == condition
    assert rec.techniques[0].id == first_technique


def test_pressure_preference_reorders_but_never_overrides_safety():
    firm = recommend(location="lower", cause="lifting", duration="3w", pressure="firm", history=["anticoagulants"])
    assert "deep-tissue" not in {t.id for t in firm.techniques}
    assert "deep-tissue" in {a.id for a in firm.avoid}


def test_a_preferred_pressure_is_explained():
    rec = recommend(location="lower", cause="lifting", duration="3w", pressure="firm")
    assert any("firm pressure you prefer" in sentence for sentence in rec.explanation)


def test_an_unmet_pressure_preference_is_said_plainly():
    rec = recommend(location="lower", cause="lifting", duration="3w", pressure="firm", history=["anticoagulants"])
    assert any("You prefer firm pressure, but no massage suggested for you uses it" in s for s in rec.explanation)
    met = recommend(location="lower", cause="lifting", duration="3w", pressure="firm")
    assert not any("You prefer firm pressure" in s for s in met.explanation)
