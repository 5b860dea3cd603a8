"""The recommender: one person's checked answers and the compiled knowledge in, a
``Recommendation`` out.

Pure and stateless: plain functions, no printing, no files, nothing kept between calls, so
one person's answer never depends on anyone else's. Every medical fact comes from the
knowledge; this module only tests, picks and joins, and explains which answers led where.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from backmassage.answers import Answers
from backmassage.expressions import Person, and_list, describe_days, person, unique
from backmassage.knowledge import Choice, Claim, Condition, Dose, Knowledge, Rule
from backmassage.model import Avoid, ConditionMatch, Recommendation, SourceRef, TechniqueAdvice
from backmassage.vocabulary import NO_TECHNIQUES_AT, severity

MAX_ALTERNATIVES = 3
TRIAGE_WORDS = {
    "emergency": "Emergency",
    "urgent": "Urgent",
    "see-clinician": "See a clinician first",
    "massage": "Massage",
}
QUESTION_WORDS = {
    "location": "where it hurts",
    "cause": "how it started",
    "symptoms": "your symptoms",
    "history": "your health history",
    "duration": "how long it has lasted",
    "age": "your age",
}


class Scored(NamedTuple):
    condition: Condition
    score: float


def recommend(answers: Answers, knowledge: Knowledge) -> Recommendation:
    """The recommendation for one person's checked answers."""
    p = person(answers, knowledge.implied)
    ranked = rank(knowledge, p)
    best = ranked[0] if ranked else None
    if best:
        p = Person(answers, p.bits, best.condition.id, best.condition.name)
    fired = fired_rules(knowledge, p)
    red_flags = tuple(rule for rule in fired if rule.is_red_flag)
    contraindications = fired[len(red_flags):]
    triage = max((rule.triage for rule in fired if rule.triage), key=severity, default="massage")
    no_massage = triage in NO_TECHNIQUES_AT
    condition = None if no_massage or best is None else best.condition
    avoided = avoided_techniques(contraindications + red_flags)  # a contraindication's reason comes first
    techniques, whys, dose = ((), (), -1) if no_massage else pick_techniques(condition, knowledge, p, avoided)
    avoid = tuple(avoided[tid] for tid in knowledge.techniques if tid in avoided)
    condition_cautions = _holding(condition.cautions, p) if condition else ()
    cautions = unique([rule.caution for rule in fired if rule.caution] + [c.text for c in condition_cautions])
    self_care = _holding(condition.self_care, p) if condition and triage == "massage" else ()
    not_asked = () if answers.screened else warning_signs_not_answered(answers, knowledge, p)
    said = Said()
    reasons = [(rule, and_list(rule.when.because(p))) for rule in fired]  # the answers that made each rule hold
    explain_triage(said, triage, reasons, answers, not_asked, knowledge)
    if not no_massage:
        explain_condition(said, triage, best, ranked[1:MAX_ALTERNATIVES + 1], p)
    explain_techniques(said, triage, techniques, condition, answers.pressure)
    explain_avoid(said, reasons, avoided)
    unanswered = answers.unanswered()
    if triage != "emergency" and unanswered:
        said.add("missing", f"Not answered: {and_list([QUESTION_WORDS[name] for name in unanswered])}. "
                            "An answer there could change this advice.")
    return Recommendation(
        triage=triage,
        condition=_match(best) if condition and best else None,
        alternatives=tuple(_match(s) for s in ranked[1:MAX_ALTERNATIVES + 1]) if condition else (),
        techniques=techniques,
        avoid=avoid,
        red_flags=tuple(rule.record for rule in red_flags if rule.record),
        cautions=tuple(cautions),
        self_care=tuple(claim.text for claim in self_care),
        therapist_note=None if no_massage else therapist_note(answers, knowledge, techniques, avoid, not_asked),
        explanation=tuple(said.sentences),
        not_asked=not_asked,
        unsure=answers.unsure,
        unanswered=unanswered,
        sources=gather_sources(knowledge, red_flags if no_massage else fired, techniques, whys,
                               condition.doses[dose] if condition and dose >= 0 else None,
                               condition_cautions + self_care),
        knowledge_version=knowledge.version,
        knowledge_fingerprint=knowledge.fingerprint,
        answers=answers,
        explanation_steps=tuple(said.steps),
    )


def rank(knowledge: Knowledge, p: Person) -> list[Scored]:
    """The conditions scoring above 0 and at least the knowledge's ``min_score``, best first;
    ties keep the knowledge's order."""
    ranked = []
    conditions = knowledge.conditions
    for place in knowledge.condition_gates.candidates(p.bits):  # the others' `requires` cannot hold
        condition = conditions[place]
        value = score(condition, p)
        if value > 0 and value >= knowledge.min_score:
            ranked.append(Scored(condition, value))
    ranked.sort(key=lambda scored: -scored.score)  # stable: ties stay in file order
    return ranked


def fired_rules(knowledge: Knowledge, p: Person) -> tuple[Rule, ...]:
    """The safety rules whose ``when`` holds, red flags first, in the knowledge's order. Only the
    rules the gate index names for the person's answer bits can hold (most rules need an answer
    few people give), so only these are tested."""
    rules = knowledge.rules
    return tuple([rules[place] for place in knowledge.rule_gates.candidates(p.bits) if rules[place].when.holds(p)])


def score(condition: Condition, p: Person) -> float:
    """0..1: the weight of the condition's evidence that holds; 0 when its ``requires`` does not."""
    if condition.requires is not None and not condition.requires.holds(p):
        return 0.0
    matched = 0.0
    for evidence in condition.evidence:
        if evidence.expression.holds(p):
            matched += evidence.weight
    return round(matched / condition.total_weight, 3)


def avoided_techniques(rules: Sequence[Rule]) -> dict[str, Avoid]:
    """Technique id -> its avoid record, from the first rule that removes it."""
    removed: dict[str, Avoid] = {}
    for rule in rules:
        for record in rule.avoid_records:
            removed.setdefault(record.id, record)
    return removed


def pick_techniques(condition: Condition | None, knowledge: Knowledge, p: Person, avoided: dict[str, Avoid]
                    ) -> tuple[tuple[TechniqueAdvice, ...], tuple[Claim, ...], int]:
    """The condition's techniques best first, without avoided ones (the preferred pressure moves
    ahead), each with the answer's one dose; the claim each is offered on; and which of the
    condition's doses that is (-1: none)."""
    offered = _offered(condition.choices if condition else (), p, avoided)
    doses = condition.doses if condition and offered else ()
    if not offered:
        offered = _offered(knowledge.fallback, p, avoided)
    pressure = p.answers.pressure
    if pressure:
        offered.sort(key=lambda pick: pressure not in knowledge.techniques[pick[0].id].pressure)
    dose = _dose_index(doses, p, offered[0][0].id if offered else None)
    return (tuple(_advice(choice, why, dose, knowledge, p) for choice, why in offered),
            tuple(choice.whys[why] for choice, why in offered), dose)


def _offered(choices: Iterable[Choice], p: Person, avoided: dict[str, Avoid]) -> list[tuple[Choice, int]]:
    """Each choice not avoided, with the index of its first ``why`` that holds (none: not offered)."""
    offered = []
    for choice in choices:
        if choice.id in avoided:
            continue
        for index, why in enumerate(choice.whys):
            if why.when is None or why.when.holds(p):
                offered.append((choice, index))
                break
    return offered


def _advice(choice: Choice, why: int, dose: int, knowledge: Knowledge, p: Person) -> TechniqueAdvice:
    advice = choice.advice[why][dose]
    technique = knowledge.techniques[choice.id]
    if technique.conditional:
        benefits = tuple(b.text for b in _holding(technique.benefits, p))
        advice = TechniqueAdvice(advice.id, advice.name, advice.why, benefits, *advice[4:])
    return advice


def _dose_index(doses: Sequence[Dose], p: Person, first: str | None) -> int:
    """The first dose whose ``when`` holds and, where it names techniques (the ones its trial
    tested), whose techniques hold the massage asked for first; -1 (no dose) otherwise."""
    for index, dose in enumerate(doses):
        if (dose.when is None or dose.when.holds(p)) and (not dose.techniques or first in dose.techniques):
            return index
    return -1


def _holding(claims: Iterable[Claim], p: Person) -> tuple[Claim, ...]:
    return tuple(claim for claim in claims if claim.when is None or claim.when.holds(p))


def warning_signs_not_answered(answers: Answers, knowledge: Knowledge, p: Person | None = None) -> tuple[str, ...]:
    """The warning signs whose question applies to these answers (the knowledge's ``asked_when``)
    and that they give neither as a symptom nor as unsure."""
    given = set(answers.symptoms or ()) | set(answers.unsure)
    p = p or person(answers, knowledge.implied)
    return tuple(value for value, sign in knowledge.vocabulary.warning_signs.items()
                 if value not in given and (sign.asked_when is None or sign.asked_when.holds(p)))


def gather_sources(knowledge: Knowledge, rules: Sequence[Rule], techniques: Sequence[TechniqueAdvice],
                   whys: Sequence[Claim], dose: Dose | None, claims: Sequence[Claim]) -> tuple[SourceRef, ...]:
    """The sources behind what the answer says (the rules that fired, the claims shown, the dose
    and the technique described first), strongest kind first."""
    ids = [sid for rule in rules for sid in rule.sources]
    ids += [sid for claim in (*whys, *claims) for sid in claim.sources]
    if dose:
        ids += dose.sources
    if techniques:
        ids += knowledge.techniques[techniques[0].id].sources
    sources = [knowledge.sources[sid] for sid in unique(ids)]
    sources.sort(key=lambda source: source.strength)  # stable: same kind keeps its order
    return tuple(source.ref for source in sources)


def therapist_note(answers: Answers, knowledge: Knowledge, techniques: Sequence[TechniqueAdvice],
                   avoid: Sequence[Avoid], not_asked: Sequence[str]) -> str:
    """What the person can hand to the RMT: their answers, the massage asked for, what to avoid."""
    label = knowledge.vocabulary.label
    said = [f"Pain: {label('location', answers.location)}" if answers.location else "Pain: location not given"]
    if answers.cause:
        said[0] += f", started with {label('cause', answers.cause)}"
    if answers.duration_days is not None:
        said[0] += f", for {describe_days(answers.duration_days)}"
    if answers.age is not None:
        said[0] += f", age {answers.age}"
    if answers.symptoms:
        said.append("Symptoms: " + "; ".join(label("symptoms", v) for v in answers.symptoms))
    if answers.history:
        said.append("Health history: " + "; ".join(label("history", v) for v in answers.history))
    if techniques:
        first = techniques[0]
        said.append(f"Asking for: {first.name} ({' or '.join(first.pressure)} pressure)")
    if avoid:
        by_reason: dict[str, list[str]] = {}
        for record in avoid:
            by_reason.setdefault(record.reason, []).append(record.name)
        said.append("Please avoid: " + "; ".join(f"{and_list(names)} ({reason.rstrip('.')})"
                                                  for reason, names in by_reason.items()))
    if answers.unsure:
        said.append("Not sure about these warning signs: " + "; ".join(label("symptoms", v) for v in answers.unsure))
    if not_asked:
        said.append("Warning signs not yet asked about: " + "; ".join(label("symptoms", v) for v in not_asked))
    return ". ".join(said) + "."


# --- the explanation: plain sentences, each with the step it belongs to ------------------------

class Said:
    def __init__(self) -> None:
        self.sentences: list[str] = []
        self.steps: list[str] = []

    def add(self, step: str, sentence: str) -> None:
        self.sentences.append(sentence)
        self.steps.append(step)


def explain_triage(said: Said, triage: str, reasons: Sequence[tuple[Rule, str]], answers: Answers,
                   not_asked: Sequence[str], knowledge: Knowledge) -> None:
    raising = sorted(((rule, why) for rule, why in reasons if rule.triage),
                     key=lambda reason: -severity(reason[0].triage or "massage"))
    for rule, why in raising:
        said.add("triage", f"{TRIAGE_WORDS[rule.triage or 'massage']}: {rule.name}, because of {why}.")
    if len(raising) > 1:
        said.add("triage", f"The most urgent of these decides the advice: {TRIAGE_WORDS[triage].lower()}.")
    if not raising:
        said.add("triage", "Massage: " + (
            "you said no to every warning-sign question you were asked, and none of your answers is a warning "
            if answers.screened else "none of the answers you gave is a warning ")
            + "sign that needs a doctor first, so booking a registered massage therapist (RMT) is a reasonable "
              "next step.")
    label = knowledge.vocabulary.label
    if not_asked:
        said.add("screening", f"Not asked: {and_list([label('symptoms', v) for v in not_asked])}. These are warning "
                              "signs, and nobody asked you about them, so they are not counted as a no. If you have "
                              "any of them, see a doctor before you book a massage.")


def explain_condition(said: Said, triage: str, best: Scored | None, alternatives: Sequence[Scored],
                      p: Person) -> None:
    if best is None:
        said.add("condition", "No back-pain pattern in the knowledge fits your answers well enough to name one, "
                              "so the advice is general.")
        return
    facts = and_list(unique(fact for e in best.condition.evidence for fact in e.expression.because(p)))
    if triage == "see-clinician":
        said.add("condition", f"Your answers may fit {best.condition.name} (score {best.score:.2f}), because of "
                              f"{facts}: a possibility for the clinician to check, not a diagnosis.")
    else:
        said.add("condition", f"{best.condition.name} fits your answers best (score {best.score:.2f}), "
                              f"because of {facts}.")
    if alternatives:
        said.add("condition", "Also possible: " + ", ".join(f"{s.condition.name} ({s.score:.2f})"
                                                            for s in alternatives) + ".")


def explain_techniques(said: Said, triage: str, techniques: Sequence[TechniqueAdvice], condition: Condition | None,
                       pressure: str | None) -> None:
    if triage in NO_TECHNIQUES_AT:
        said.add("technique", "No massage is suggested: see a doctor first, as the warning signs above say.")
        return
    if not techniques:
        said.add("technique", "Every technique the knowledge has for your answers is ruled out for you; "
                              "ask a clinician what kind of hands-on care is safe.")
        return
    topic = condition.name.lower() if condition else "back pain whose pattern is unclear"
    lead = "Until a clinician has checked you, only massage that stays safe whatever they find is listed. " \
        if triage == "see-clinician" else ""
    for index, technique in enumerate(techniques):
        sentence = f"{lead}{technique.name} is suggested {'first' if index == 0 else 'next'} for {topic}: {technique.why}"
        if pressure and pressure in technique.pressure:
            sentence += f" It uses the {pressure} pressure you prefer."
        said.add("technique", sentence)
        lead = ""
    if pressure and not any(pressure in t.pressure for t in techniques):
        said.add("avoid", f"You prefer {pressure} pressure, but no massage suggested for you uses it; "
                          "ask your therapist what pressure is safe for you.")


def explain_avoid(said: Said, reasons: Sequence[tuple[Rule, str]], avoided: dict[str, Avoid]) -> None:
    """One sentence per rule that removes techniques: which, because of which answers, and why."""
    for rule, why in reasons:
        names = [record.name for record in rule.avoid_records if avoided[record.id] is record]
        if names:
            verb = "is" if len(names) == 1 else "are"
            said.add("avoid", f"{and_list(names)} {verb} left out because of {why}: {rule.reason}")


def _match(scored: Scored) -> ConditionMatch:
    return ConditionMatch(scored.condition.id, scored.condition.name, scored.score, scored.condition.description)
