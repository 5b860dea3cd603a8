"""Safety first (issue 3): red flags, contraindications and triage that always win.

Three kinds of test, each named in the hazard log (docs/safety.md):

1. A table of guideline cases: answers -> the triage, the red flags and the techniques left
   out that the cited guideline calls for. It covers every red flag and contraindication in
   data/ (checked by ``test_every_safety_rule_has_a_guideline_case``) and ordinary back pain
   that must stay ``massage`` (no over-triage).
2. Hypothesis properties over the whole answer space of SPEC section 1.
3. The command line: emergency advice first, and the JSON of SPEC section 4.

Sources are the ids of data/sources.yaml; section numbers are those of the research notes
(shared/research/clinical.md).
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from backmassage import load_knowledge, recommend, recommend_many
from backmassage.expressions import context
from backmassage.vocabulary import CHOICES, TRIAGE_LEVELS, severity

DATA = Path(__file__).resolve().parent.parent / "data"
KNOWLEDGE = load_knowledge()

LOCATIONS = list(CHOICES["location"])
CAUSES = list(CHOICES["cause"])
SYMPTOMS = list(CHOICES["symptoms"])
HISTORY = list(CHOICES["history"])
PRESSURES = list(CHOICES["pressure"])
ALL_TECHNIQUES = {"swedish", "deep-tissue", "neuromuscular", "trigger-point", "myofascial-release", "sports",
                  "prenatal"}
FIRM = {"deep-tissue", "trigger-point", "neuromuscular", "sports"}  # deep or forceful pressure
EMERGENCY_NUMBERS = "call 999 (UK), 911 (US), 112 (EU) or your local emergency number"

# A strain as in SPEC section 5: lifting, spasm, three days, age 40. Added to a red flag, it
# shows that the flag wins over an answer that alone would be a plain massage case.
STRAIN = dict(location="lower", cause="lifting", symptoms=["spasm"], duration="3d", age=40)


def case(case_id: str, answers: dict[str, Any], triage: str, *, flags: tuple[str, ...] = (),
         avoid: tuple[str, ...] = (), kept: tuple[str, ...] = (), only: tuple[str, ...] | None = None,
         caution: str = "") -> Any:
    """One guideline row. flags: red flag ids that must be raised; avoid: technique ids that must be
    left out; kept: technique ids that must NOT be left out; only: the techniques must be within
    this set; caution: text one caution must contain."""
    return pytest.param(answers, triage, flags, avoid, kept, only, caution, id=case_id)


def with_strain(**extra: Any) -> dict[str, Any]:
    answers = dict(STRAIN, **{k: v for k, v in extra.items() if k not in ("symptoms", "history")})
    answers["symptoms"] = STRAIN["symptoms"] + extra.get("symptoms", [])
    answers["history"] = extra.get("history", [])
    return answers


GUIDELINE_CASES = [
    # --- Cauda equina syndrome: emergency -----------------------------------------------------
    # NICE NG59 / BNSSG: "send patients to A&E with suspected cauda equina syndrome";
    # NHS pathway: "medical emergency - attend AED"; AHCPR table 1: saddle anaesthesia.
    case("NG59/BNSSG: saddle anaesthesia -> A&E", dict(location="lower", symptoms=["saddle-numbness"]),
         "emergency", flags=("cauda-equina",), only=()),
    # AHCPR table 1: recent bladder dysfunction; BASS 2018 (via Cornwall RMS): any bladder or bowel disturbance.
    case("AHCPR/BASS: new bladder or bowel change -> A&E", dict(location="lower", symptoms=["bladder-bowel-change"]),
         "emergency", flags=("cauda-equina",), only=()),
    # Red flags come first (issue 3): an ordinary strain does not soften cauda equina signs.
    case("NG59: saddle anaesthesia with an ordinary strain -> still A&E",
         with_strain(symptoms=["saddle-numbness", "bladder-bowel-change"], pressure="firm"),
         "emergency", flags=("cauda-equina",), only=()),
    # CKS: patients may not volunteer perineal numbness; any location counts.
    case("CKS: saddle anaesthesia with neck pain -> A&E", dict(location="neck", symptoms=["saddle-numbness"]),
         "emergency", flags=("cauda-equina",), only=()),

    # --- Urgent: see a doctor today or within 24-48 hours ------------------------------------
    # NHS pathway: "new or progressive neurological deficit: urgent same day"; AHCPR: progressive deficit.
    case("NHS pathway: progressive leg weakness -> urgent same day", dict(location="lower", symptoms=["leg-weakness"]),
         "urgent", flags=("progressive-neuro-deficit",), only=()),
    # AHCPR table 1: fever with IV drug abuse; NHS pathway: spinal infection -> urgent same day.
    case("AHCPR/NHS: fever + IV drug use -> urgent (infection)",
         dict(location="lower", symptoms=["fever"], history=["iv-drug-use"]),
         "urgent", flags=("spinal-infection", "fever-with-back-pain"), avoid=tuple(ALL_TECHNIQUES), only=()),
    # AHCPR table 1: immune suppression (steroids, transplant, HIV) with fever.
    case("AHCPR/NHS: fever + immunosuppression -> urgent (infection)",
         dict(location="upper", symptoms=["fever"], history=["immunosuppressed"]),
         "urgent", flags=("spinal-infection",), only=()),
    # G-care: recent spinal procedure is an infection risk factor.
    case("G-care: fever after recent surgery -> urgent (infection)",
         dict(location="lower", symptoms=["fever"], history=["recent-surgery"]),
         "urgent", flags=("spinal-infection",), only=()),
    # Mayo Clinic: seek immediate care for back pain with a fever; clinical.md 1.4: fever -> urgent.
    case("Mayo: back pain with fever alone -> urgent", dict(location="lower", symptoms=["fever"], age=30),
         "urgent", flags=("fever-with-back-pain",), avoid=tuple(ALL_TECHNIQUES), only=()),
    # Henschke 2013 / Downie 2013: history of cancer is the informative malignancy flag;
    # NHS pathway: suspected spinal tumour -> urgent MRI / 2-week wait.
    case("Henschke 2013/NHS: cancer history + night pain -> urgent",
         dict(location="upper", symptoms=["night-pain"], history=["cancer"]),
         "urgent", flags=("spinal-malignancy",), only=()),
    case("Henschke 2013/AHCPR: cancer history + weight loss -> urgent",
         dict(location="lower", symptoms=["weight-loss"], history=["cancer"]),
         "urgent", flags=("spinal-malignancy",), only=()),
    # AHCPR table 1: age over 50 with unexplained weight loss; G-care: night pain.
    case("AHCPR/G-care: weight loss + night pain at 60 -> urgent",
         dict(location="lower", symptoms=["weight-loss", "night-pain"], age=60),
         "urgent", flags=("malignancy-signs",), only=()),
    # Downie 2013: fracture post-test probability highest with older age, prolonged steroids,
    # trauma; AHCPR: minor trauma in an older or osteoporotic patient; NHS: X-ray.
    case("Downie 2013/AHCPR: fall + osteoporosis -> urgent (fracture)",
         dict(location="lower", cause="accident", history=["osteoporosis"], duration="2w"),
         "urgent", flags=("spinal-fracture",), only=()),
    case("Downie 2013: fall + long-term steroids -> urgent (fracture)",
         dict(location="upper", cause="accident", history=["steroid-use"], duration="1w"),
         "urgent", flags=("spinal-fracture",), only=()),
    case("Downie 2013: fall at 70 -> urgent (fracture)", dict(location="lower", cause="accident", age=70, duration="5d"),
         "urgent", flags=("spinal-fracture",), only=()),
    # GPonline / KCE 119: cervical myelopathy (clumsy hands, gait disturbance) -> urgent specialist.
    case("GPonline/KCE: stiff neck + tingling + unsteady legs -> urgent (myelopathy)",
         dict(location="neck", symptoms=["stiffness", "tingling", "leg-weakness"], age=60),
         "urgent", flags=("cervical-myelopathy",), only=()),
    # Quebec Task Force grade III (neurological signs) belongs with urgent care, not massage.
    case("QTF grade III: tingling after a neck injury -> urgent",
         dict(location="neck", cause="accident", symptoms=["tingling"], duration="3w"),
         "urgent", flags=("neck-injury-nerve-symptoms",), only=()),

    # --- See a clinician first (techniques kept, to ask for once cleared) ----------------------
    # AHCPR table 1: "even strenuous lifting in older or potentially osteoporotic patient".
    case("AHCPR: strenuous lifting at 70 -> see a clinician (fracture?)",
         dict(location="lower", cause="lifting", age=70, duration="1w"),
         "see-clinician", flags=("possible-fracture-after-strain",)),
    case("AHCPR: sudden movement on long-term steroids -> see a clinician",
         dict(location="upper", cause="sudden-movement", history=["steroid-use"], duration="2w"),
         "see-clinician", flags=("possible-fracture-after-strain",)),
    case("AHCPR: minor trauma in sport with osteoporosis -> see a clinician, no firm pressure",
         dict(location="upper", cause="sports", history=["osteoporosis"], duration="2w"),
         "see-clinician", flags=("possible-fracture-after-strain",), avoid=tuple(FIRM)),
    # Mayo: seek care for back pain after a fall; Werner (fractures): rule out a fracture first.
    case("Mayo/Werner: fall two days ago -> see a clinician",
         dict(location="lower", cause="accident", duration="2d", age=35),
         "see-clinician", flags=("recent-accident",), avoid=tuple(FIRM)),
    # Fail-safe for a missing answer: a fall at an unknown time may be a fresh one.
    case("Mayo: fall, duration not given -> see a clinician", dict(location="lower", cause="accident", age=35),
         "see-clinician", flags=("recent-accident",), caution="You did not say when the pain started"),
    # G-care lists night pain, but Henschke 2013: single flags have high false-positive rates.
    case("G-care/Henschke: night pain alone -> see a clinician, not urgent",
         dict(location="lower", symptoms=["night-pain"], age=40), "see-clinician", flags=("night-pain",)),
    # Henschke 2013: unexplained weight loss alone raises the probability of cancer only to 1.2%.
    case("Henschke 2013: weight loss alone -> see a clinician, not urgent",
         dict(location="lower", symptoms=["weight-loss"], age=30), "see-clinician", flags=("unexplained-weight-loss",)),
    # NICE NG59 covers people aged 16 and over; AHCPR: age under 20 is a tumour/infection flag.
    case("NG59 scope: back pain at 12 -> see a clinician", dict(location="lower", cause="sports", age=12, duration="1w"),
         "see-clinician", flags=("under-16",)),
    # NICE NG65: back pain before 45, over 3 months, waking at night, stiffness -> rheumatology.
    case("NICE NG65: inflammatory back pain at 30 -> see a clinician",
         dict(location="lower", symptoms=["night-pain", "stiffness"], duration="6m", age=30),
         "see-clinician", flags=("inflammatory-back-pain",)),

    # --- Contraindications -----------------------------------------------------------------------
    # Werner (thrombophlebitis/DVT): massage is strictly systemically contraindicated.
    case("Werner: blood clot -> no massage of any kind", dict(location="lower", cause="lifting", history=["blood-clot"]),
         "see-clinician", avoid=tuple(ALL_TECHNIQUES), only=()),
    # Mayo / clinic lists: no massage with a fever (and Mayo: seek care) -> all techniques out.
    case("Mayo: fever with an ordinary strain -> no massage, urgent", with_strain(symptoms=["fever"]),
         "urgent", avoid=tuple(ALL_TECHNIQUES), only=()),
    # NCCIH / Mayo: no forceful or deep tissue massage on blood thinners; still a massage case.
    case("NCCIH/Mayo: blood thinners -> massage, no deep or forceful pressure",
         dict(location="lower", cause="lifting", duration="3w", history=["anticoagulants"], pressure="firm"),
         "massage", avoid=tuple(FIRM)),
    # Mayo: severe osteoporosis; Werner: very gentle massage is indicated.
    case("Mayo/Werner: osteoporosis -> massage, very gentle only",
         dict(location="lower", cause="posture", duration="3m", history=["osteoporosis"], age=60),
         "massage", avoid=tuple(FIRM)),
    # NCCIH: no deep or intense pressure over a tumour unless approved; Mayo: discuss cancer first.
    case("NCCIH/Mayo: cancer history -> cleared first, no deep pressure",
         dict(location="upper", cause="posture", duration="3w", history=["cancer"]),
         "see-clinician", avoid=tuple(FIRM)),
    # MSU cancer pain resource: no deep pressure near a surgery site for at least six weeks.
    case("MSU: recent surgery -> cleared first, no deep or forceful pressure",
         dict(location="lower", duration="3w", history=["recent-surgery"]),
         "see-clinician", avoid=tuple(FIRM)),
    # Sports massage practice / Werner (sprains): first 48-72 hours, gentle general massage only.
    case("Sports massage/Werner: strain 2 days old -> no firm work yet",
         dict(location="lower", cause="lifting", duration="2d", age=40), "massage", avoid=tuple(FIRM)),
    case("Sports massage/Werner: strain 4 days old -> firm work allowed again",
         dict(location="lower", cause="lifting", duration="4d", age=40, pressure="firm"), "massage", kept=("deep-tissue",)),
    case("Sports massage: strain at an unknown time -> the 48-72 h rule is said",
         dict(location="upper", cause="sports", symptoms=["knot"]), "massage",
         caution="If it started with an injury in the last three days"),
    # Werner (whiplash): contraindicated in the acute stage, very much indicated subacute.
    case("Werner: whiplash 2 days old -> cleared first",
         dict(location="neck", cause="accident", duration="2d", symptoms=["stiffness"]), "see-clinician"),
    case("Werner: whiplash, duration not given -> cleared first", dict(location="neck", cause="accident"),
         "see-clinician"),
    # Mueller & Grunwald 2021; Huggies (AWHONN): prenatal-trained therapist, no deep tissue.
    case("Mueller 2021/AWHONN: pregnancy -> prenatal massage only, no deep tissue",
         dict(location="lower", history=["pregnancy"], duration="3w", pressure="firm"),
         "massage", avoid=("deep-tissue",), only=("prenatal",), caution="trained in pregnancy massage"),
    # Founding article: a person with arthritis needs an RMT experienced with arthritic patients.
    case("Founding article: osteoarthritis -> an RMT experienced with arthritis",
         dict(location="lower", history=["osteoarthritis"], symptoms=["joint-stiffness"], age=68),
         "massage", caution="experienced with arthritic patients"),
    # Werner (fibromyalgia): indicated, but do not overtreat; clinical.md 1.4: diagnosed -> massage.
    case("Werner: diagnosed fibromyalgia -> massage, no deep tissue",
         dict(location="widespread", history=["fibromyalgia"], symptoms=["fatigue"], duration="6m"),
         "massage", avoid=("deep-tissue",)),
    # Werner (herniated disc): indicated subacute; no aggressive pressure on the painful area.
    case("Werner: known slipped disc -> massage, no deep tissue",
         dict(location="lower", history=["disc-herniation"], duration="2m"), "massage", avoid=("deep-tissue",)),
    # NICE NG59: manual therapy only in a package with exercise; assessment first.
    case("NICE NG59: shooting leg pain -> assessed first", dict(location="lower", symptoms=["shooting-pain"]),
         "see-clinician"),
    case("Mayo: tingling with low back pain -> assessed first", dict(location="lower", symptoms=["tingling"]),
         "see-clinician"),
    # Regression: pregnancy (or arthritis) changes the best-matching condition, but must not
    # switch off the sciatica assessment (docs/safety.md H1).
    case("NICE NG59: shooting leg pain in pregnancy -> still assessed first",
         dict(location="lower", symptoms=["shooting-pain"], history=["pregnancy"]), "see-clinician", only=("prenatal",)),
    case("Mayo: tingling with osteoarthritis -> still assessed first",
         dict(location="lower", symptoms=["tingling"], history=["osteoarthritis"]), "see-clinician"),
    # Medicine Today 2018: fibromyalgia is diagnosed only after other illnesses are ruled out.
    case("Medicine Today: widespread pain, no diagnosis -> cleared first", dict(location="widespread", duration="6m"),
         "see-clinician"),
    case("Medicine Today: widespread pain in pregnancy, no diagnosis -> cleared first",
         dict(location="widespread", history=["pregnancy"]), "see-clinician"),

    # --- No over-triage: ordinary back pain stays massage (Semigran 2015: checkers give the right
    # --- self-care advice only a third of the time; ACP 2017: massage for acute/subacute LBP) --
    case("ACP 2017: lifting strain, 3 days, 40 (SPEC example) -> massage", dict(STRAIN), "massage", only=("swedish", "myofascial-release")),
    case("ACP 2017: sudden movement, 2 weeks -> massage",
         dict(location="lower", cause="sudden-movement", symptoms=["spasm", "tenderness"], duration="2w", age=35), "massage"),
    case("Cherkin 2011: chronic desk back pain -> massage",
         dict(location="lower", cause="posture", symptoms=["stiffness", "continuous-ache"], duration="6m", age=45), "massage"),
    case("Founding article: sports knot, upper back -> massage",
         dict(location="upper", cause="sports", symptoms=["knot"], duration="1w", age=28), "massage", kept=("deep-tissue",)),
    case("Moraska 2015: desk neck with tension headaches -> massage",
         dict(location="neck", cause="posture", symptoms=["headaches", "knot"], age=30), "massage"),
    case("Werner: whiplash 3 weeks on -> massage", dict(location="neck", cause="accident", symptoms=["stiffness"],
                                                        duration="3w", age=30), "massage"),
    case("AHCPR: lifting at 64, no bone risk -> massage", dict(location="lower", cause="lifting", duration="2w", age=64),
         "massage"),
    case("Henschke 2013: age over 50 alone is not a flag -> massage",
         dict(location="upper", cause="repetitive", symptoms=["continuous-ache", "fatigue", "poor-sleep"],
              duration="3m", age=58), "massage"),
    case("NG65: stiffness without night pain -> massage",
         dict(location="lower", symptoms=["stiffness", "joint-stiffness"], duration="6m", age=30), "massage"),
]


def fired_rule_ids(rec: Any) -> set[str]:
    """The ids of every red flag and contraindication that holds for a recommendation's answers."""
    ctx = context(rec.answers, rec.condition.id if rec.condition else None, rec.condition.name if rec.condition else None)
    return {rule.id for rule in KNOWLEDGE.red_flags + KNOWLEDGE.contraindications if rule.when.holds(ctx)}


@pytest.mark.parametrize(("answers", "triage", "flags", "avoid", "kept", "only", "caution"), GUIDELINE_CASES)
def test_guideline_case(answers, triage, flags, avoid, kept, only, caution):
    rec = recommend(**answers)
    techniques = {t.id for t in rec.techniques}
    avoided = {a.id for a in rec.avoid}
    assert rec.triage == triage, rec.explanation
    assert set(flags) <= {f.id for f in rec.red_flags}
    assert set(avoid) <= avoided
    assert not set(kept) & avoided
    if only is not None:
        assert techniques <= set(only)
    if triage in ("emergency", "urgent"):
        assert rec.techniques == ()
    if triage == "massage":
        assert rec.red_flags == () and rec.techniques, "an ordinary case gets a massage to book"
    if triage == "see-clinician" and rec.techniques:
        assert any(s.startswith("Once a clinician has cleared you") for s in rec.explanation)
    if caution:
        assert any(caution in c for c in rec.cautions), rec.cautions


def test_every_safety_rule_has_a_guideline_case():
    covered = set().union(*(fired_rule_ids(recommend(**p.values[0])) for p in GUIDELINE_CASES))
    rules = {rule.id for rule in KNOWLEDGE.red_flags + KNOWLEDGE.contraindications}
    assert rules - covered == set()


# --- The rules as data: checks on the files themselves ---------------------------------------

def _rules(name: str) -> list[dict[str, Any]]:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))[name.removesuffix(".yaml")]


def _keys(expression: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """Every (key path, value) inside an expression, descending into all/any/not."""
    found = []
    for key, value in expression.items():
        found.append((path + (key,), value))
        if key in ("all", "any"):
            for item in value:
                found += _keys(item, path + (key,))
        elif key == "not":
            found += _keys(value, path + (key,))
    return found


def test_safety_rules_are_monotone_by_construction():
    """No rule depends on the best-matching condition, and none on the absence of a symptom or a
    history item, except undiagnosed-widespread-pain (docs/safety.md, H3 and the monotonicity note)."""
    for rule in _rules("red_flags.yaml") + _rules("contraindications.yaml"):
        for path, value in _keys(rule["when"]):
            assert "condition" not in path, f"{rule['id']}: depends on the best-matching condition"
            negated = "not" in path[:-1] and path[-1] in ("symptom", "history")
            if negated:
                assert (rule["id"], value) == ("undiagnosed-widespread-pain", "fibromyalgia") or \
                       (rule["id"], value) == ("undiagnosed-widespread-pain", ["fibromyalgia"]), rule["id"]


def test_emergency_and_urgent_advice_is_plain_and_locale_neutral():
    for rule in _rules("red_flags.yaml"):
        advice = rule["advice"]
        # "A&E", "GP" and "doctor's surgery" are UK words ("surgery" means an operation in the US).
        assert "A&E" not in advice and "GP" not in advice.split() and "doctor's surgery" not in advice, rule["id"]
        if rule["triage"] == "emergency":
            assert "emergency department now" in advice and EMERGENCY_NUMBERS in advice, rule["id"]
        if rule["triage"] in ("emergency", "urgent"):
            assert "Do not book a massage" in advice, rule["id"]
            assert any(word in advice for word in ("now", "today", "day or two")), f"{rule['id']}: how soon?"


def test_every_safety_rule_names_a_known_source():
    for rule in _rules("red_flags.yaml") + _rules("contraindications.yaml"):
        assert rule["sources"] and set(rule["sources"]) <= set(KNOWLEDGE.sources), rule["id"]


# --- Properties over the whole answer space of SPEC section 1 --------------------------------

DURATIONS = st.builds(lambda n, unit: f"{n}{unit}", st.one_of(st.integers(0, 7), st.integers(0, 400)),
                      st.sampled_from("dwm"))
ANSWERS = st.fixed_dictionaries(
    {"location": st.sampled_from(LOCATIONS)},
    optional={
        "cause": st.sampled_from(CAUSES),
        "symptoms": st.lists(st.sampled_from(SYMPTOMS), unique=True),
        "history": st.lists(st.sampled_from(HISTORY), unique=True),
        "duration": DURATIONS,
        "age": st.integers(1, 120),
        "pressure": st.sampled_from(PRESSURES),
    },
)
SPEC_KEYS = {"triage", "condition", "alternatives", "techniques", "avoid", "red_flags", "cautions",
             "explanation", "sources", "knowledge_version"}
# One more risk answer: any symptom, or any history item but a fibromyalgia diagnosis (below).
RISK_ANSWERS = [("symptoms", s) for s in SYMPTOMS] + [("history", h) for h in HISTORY if h != "fibromyalgia"]


def adding(answers: dict[str, Any], answer: str, value: str) -> dict[str, Any]:
    return dict(answers, **{answer: [*answers.get(answer, []), value]})


def _match(item: Any) -> None:
    assert set(item) == {"id", "name", "score"}
    assert isinstance(item["id"], str) and isinstance(item["name"], str)
    assert isinstance(item["score"], float) and 0.0 <= item["score"] <= 1.0


@given(ANSWERS)
def test_any_answers_give_a_spec_shaped_json_answer(answers):
    data = recommend(**answers).to_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert set(data) == SPEC_KEYS
    assert data["triage"] in TRIAGE_LEVELS
    if data["condition"] is not None:
        _match(data["condition"])
    for alternative in data["alternatives"]:
        _match(alternative)
    for technique in data["techniques"]:
        assert set(technique) == {"id", "name", "why", "benefits"}
        assert all(isinstance(technique[k], str) and technique[k] for k in ("id", "name", "why"))
        assert all(isinstance(b, str) for b in technique["benefits"])
    for avoided in data["avoid"]:
        assert set(avoided) == {"id", "reason"} and avoided["reason"]
    for flag in data["red_flags"]:
        assert set(flag) == {"id", "name", "advice"} and flag["advice"]
    assert all(isinstance(c, str) for c in data["cautions"])
    assert data["explanation"] and all(isinstance(s, str) and s for s in data["explanation"])
    for source in data["sources"]:
        assert set(source) == {"title", "url"} and (source["url"] is None or isinstance(source["url"], str))
    assert isinstance(data["knowledge_version"], str) and data["knowledge_version"]


@given(ANSWERS, st.sampled_from(["saddle-numbness", "bladder-bowel-change"]))
def test_cauda_equina_signs_are_always_an_emergency(answers, sign):
    rec = recommend(**adding(answers, "symptoms", sign))
    assert rec.triage == "emergency"
    assert rec.techniques == ()
    flag = next(f for f in rec.red_flags if f.id == "cauda-equina")
    assert EMERGENCY_NUMBERS in flag.advice


@given(ANSWERS)
def test_emergency_and_urgent_recommend_no_technique(answers):
    rec = recommend(**answers)
    if rec.triage in ("emergency", "urgent"):
        assert rec.techniques == ()
    assert all(severity(flag.triage) <= severity(rec.triage) for flag in rec.red_flags)
    if rec.red_flags:
        assert rec.triage != "massage"


@given(ANSWERS)
def test_an_avoided_technique_is_never_recommended(answers):
    rec = recommend(**answers)
    assert not {t.id for t in rec.techniques} & {a.id for a in rec.avoid}


@given(ANSWERS, st.sampled_from(["anticoagulants", "osteoporosis"]))
def test_blood_thinners_or_thin_bones_never_get_deep_or_forceful_pressure(answers, item):
    rec = recommend(**adding(answers, "history", item))
    assert "deep-tissue" not in {t.id for t in rec.techniques}
    assert "deep-tissue" in {a.id for a in rec.avoid}
    assert not FIRM & {t.id for t in rec.techniques}


@given(ANSWERS, st.sampled_from(RISK_ANSWERS))
def test_one_more_risk_answer_never_lowers_the_triage(answers, risk):
    answer, value = risk
    if value in answers.get(answer, []):
        return
    before = recommend(**answers)
    after = recommend(**adding(answers, answer, value))
    assert severity(after.triage) >= severity(before.triage), (risk, before.explanation, after.explanation)
    assert {f.id for f in before.red_flags} <= {f.id for f in after.red_flags}
    assert {a.id for a in before.avoid} <= {a.id for a in after.avoid}


WITHOUT_UNDIAGNOSED = KNOWLEDGE._replace(contraindications=tuple(
    rule for rule in KNOWLEDGE.contraindications if rule.id != "undiagnosed-widespread-pain"))


@given(ANSWERS)
def test_a_fibromyalgia_diagnosis_lowers_the_triage_only_by_explaining_widespread_pain(answers):
    """The one documented exception to monotonicity (docs/safety.md): a doctor's fibromyalgia
    diagnosis answers "widespread pain that no doctor has explained". Without that one rule,
    adding the diagnosis never lowers the triage; with it, only widespread pain can drop, and
    never below see-clinician when any other rule asks for it."""
    if "fibromyalgia" in answers.get("history", []):
        return
    more = adding(answers, "history", "fibromyalgia")
    assert severity(recommend(**more, knowledge=WITHOUT_UNDIAGNOSED).triage) >= \
        severity(recommend(**answers, knowledge=WITHOUT_UNDIAGNOSED).triage)
    before, after = recommend(**answers), recommend(**more)
    if severity(after.triage) < severity(before.triage):
        assert answers["location"] == "widespread"
        assert after.triage == recommend(**answers, knowledge=WITHOUT_UNDIAGNOSED).triage


@given(ANSWERS, st.randoms(use_true_random=False))
def test_the_same_answers_always_give_the_same_output(answers, rnd: random.Random):
    first = recommend(**answers).to_dict()
    assert recommend(**answers).to_dict() == first
    shuffled = dict(answers)
    for name in ("symptoms", "history"):
        if name in shuffled:
            shuffled[name] = rnd.sample(shuffled[name], len(shuffled[name]))
    assert recommend(**shuffled).to_dict() == first
    (through_batch,) = list(recommend_many([shuffled]))
    assert through_batch.to_dict() == first


ORDINARY = st.fixed_dictionaries(
    {"location": st.sampled_from(["lower", "upper", "neck"])},
    optional={
        "cause": st.sampled_from(["lifting", "sudden-movement", "posture", "sports", "repetitive", "unknown"]),
        "symptoms": st.lists(st.sampled_from(["stiffness", "tenderness", "spasm", "knot", "continuous-ache",
                                              "fatigue", "headaches", "poor-sleep", "joint-stiffness"]), unique=True),
        "history": st.lists(st.sampled_from(["osteoarthritis", "fibromyalgia", "disc-herniation", "anticoagulants",
                                             "pregnancy"]), unique=True),
        "duration": DURATIONS,
        "age": st.integers(16, 64),
        "pressure": st.sampled_from(PRESSURES),
    },
)


@given(ORDINARY)
def test_ordinary_back_pain_stays_massage(answers):
    """No over-triage (Semigran 2015): mechanical back or neck pain, with no warning sign and no
    history that needs clearance, at 16 to 64, is a massage case with a technique to book."""
    rec = recommend(**answers)
    assert rec.triage == "massage", rec.explanation
    assert rec.red_flags == ()
    assert rec.techniques


# --- The command line -------------------------------------------------------------------------

CAUDA_EQUINA = ["recommend", "--location", "lower", "--cause", "lifting", "--symptom", "spasm,saddle-numbness",
                "--history", "anticoagulants", "--duration", "3d", "--age", "40", "--pressure", "firm", "--no-input"]


def test_cli_prints_the_emergency_advice_first(run):
    result = run(*CAUDA_EQUINA)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    first_words = out.lstrip("\n ╭─").split()[:3]
    assert "Warning" in first_words or "EMERGENCY" in first_words, out[:200]
    flat = " ".join(out.replace("│", " ").split())
    emergency = flat.index("EMERGENCY")
    advice = flat.index("Go to an emergency department now, or " + EMERGENCY_NUMBERS)
    assert emergency < advice
    for later in ("What your answers point to", "Massage to ask for", "Tell your therapist", "Swedish", "Why this advice"):
        assert later not in flat[:advice], later
    assert "Massage to ask for" not in flat and "Tell your therapist" not in flat


def test_cli_json_has_red_flags_and_avoid_as_in_the_spec(run_json):
    data = run_json(*CAUDA_EQUINA)
    assert data["triage"] == "emergency" and data["techniques"] == []
    assert data["red_flags"][0]["id"] == "cauda-equina"
    for flag in data["red_flags"]:
        assert set(flag) == {"id", "name", "advice"}
    assert EMERGENCY_NUMBERS in data["red_flags"][0]["advice"]
    assert FIRM <= {a["id"] for a in data["avoid"]}
    for avoided in data["avoid"]:
        assert set(avoided) == {"id", "reason"} and avoided["reason"]
