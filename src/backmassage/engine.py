"""The recommender: answers and knowledge in, a ``Recommendation`` out.

Pure: no printing, no terminal, no medical facts. Every fact comes from the knowledge;
this module only scores, applies the safety rules and explains which answers led where.
"""


from collections.abc import Callable
from typing import Any, NamedTuple

from backmassage.answers import Answers
from backmassage.expressions import Context, atoms_of
from backmassage.knowledge import Condition, Knowledge, Rule, Source, TechniqueChoice
from backmassage.model import Avoid, ConditionMatch, Recommendation, RedFlag, SourceRef, TechniqueAdvice
from backmassage.vocabulary import severity

NO_TECHNIQUES_AT = ("urgent", "emergency")
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
    facts: tuple[str, ...]


def recommend(answers: Answers, knowledge: Knowledge) -> Recommendation:
    """The recommendation for one person's checked answers."""
    atoms = atoms_of(answers)
    ranked = score_conditions(answers, knowledge, atoms)
    named = [s for s in ranked if s.score > 0 and s.score >= knowledge.min_score]
    best = named[0] if named else None
    ctx = Context(answers, atoms, best.condition.id if best else None, best.condition.name if best else None)
    if best:
        best = best._replace(facts=condition_facts(best.condition, ctx))
    red_flags = [rule for rule in knowledge.red_flags if rule.when.holds(ctx)]
    contraindications = [rule for rule in knowledge.contraindications if rule.when.holds(ctx)]
    fired = red_flags + contraindications
    triage = max((rule.triage for rule in fired if rule.triage), key=severity, default="massage")

    avoided = avoided_techniques(contraindications + red_flags, knowledge)
    techniques: list[TechniqueAdvice] = []
    if triage not in NO_TECHNIQUES_AT:
        techniques = rank_techniques(best, answers, knowledge, avoided)

    steps = [("triage", explain_triage(triage, fired, ctx)),
             ("condition", explain_condition(best, named[1:MAX_ALTERNATIVES + 1])),
             ("technique", explain_techniques(triage, techniques, best, answers)),
             ("avoid", explain_avoid(avoided, ctx, knowledge) + explain_unmet_pressure(answers, techniques)),
             ("missing", explain_missing(answers) if triage != "emergency" else [])]
    return Recommendation(
        triage=triage,
        condition=_match(best) if best else None,
        alternatives=tuple(_match(s) for s in named[1:MAX_ALTERNATIVES + 1]),
        techniques=tuple(techniques),
        avoid=tuple(Avoid(tid, reason, knowledge.techniques[tid].name) for tid, (reason, _) in avoided.items()),
        red_flags=tuple(RedFlag(r.id, r.name, r.advice or "", r.triage or "") for r in red_flags),
        cautions=tuple(_unique([r.caution for r in fired if r.caution]
                               + (list(best.condition.cautions) if best and triage not in NO_TECHNIQUES_AT
                                  else []))),
        explanation=tuple(sentence for _, sentences in steps for sentence in sentences),
        explanation_steps=tuple(step for step, sentences in steps for _ in sentences),
        sources=gather_sources(triage, red_flags, contraindications, best, techniques[:1], knowledge),
        knowledge_version=knowledge.version,
        answers=answers,
    )


def score_conditions(answers: Answers, knowledge: Knowledge, atoms: frozenset[str] | None = None) -> list[Scored]:
    """Every condition scored 0..1, best first; ties keep the knowledge's order.

    The facts behind a score are left empty here: only the best condition's are ever shown,
    so ``recommend`` asks ``condition_facts`` for that one alone.
    """
    ctx = Context(answers, atoms_of(answers) if atoms is None else atoms)
    scored = []
    for condition in knowledge.conditions:
        if condition.requires is not None and not condition.requires.holds(ctx):
            scored.append(Scored(condition, 0.0, ()))
            continue
        total = matched = 0.0
        for evidence in condition.evidence:
            total += evidence.weight
            if evidence.expression.holds(ctx):
                matched += evidence.weight
        scored.append(Scored(condition, round(matched / total, 3), ()))
    return sorted(scored, key=lambda s: -s.score)  # sorted() is stable: ties stay in file order


def condition_facts(condition: Condition, ctx: Context) -> tuple[str, ...]:
    """The person's answers that make the condition's evidence hold, in plain words."""
    return tuple(_unique(fact for e in condition.evidence for fact in e.expression.because(ctx)))


def avoided_techniques(rules: list[Rule], knowledge: Knowledge) -> dict[str, tuple[str, Rule]]:
    """Technique id -> (reason, the first rule that removes it), in the knowledge's technique order."""
    removed: dict[str, tuple[str, Rule]] = {}
    for rule in rules:
        for technique_id in rule.avoid:
            removed.setdefault(technique_id, (rule.reason or "", rule))
    return {tid: removed[tid] for tid in knowledge.techniques if tid in removed}


def rank_techniques(best: Scored | None, answers: Answers, knowledge: Knowledge,
                    avoided: dict[str, tuple[str, Rule]]) -> list[TechniqueAdvice]:
    """The condition's techniques best first, without avoided ones; the preferred pressure moves ahead."""
    choices = list(best.condition.techniques) if best else []
    usable = [c for c in choices if c.id not in avoided]
    if not usable:
        usable = [c for c in knowledge.fallback_techniques if c.id not in avoided]
    if answers.pressure:
        usable.sort(key=lambda c: answers.pressure not in knowledge.techniques[c.id].pressure)
    return [_advice(choice, knowledge) for choice in usable]


def _advice(choice: TechniqueChoice, knowledge: Knowledge) -> TechniqueAdvice:
    """The advice record for a technique choice, made once per choice (a batch asks again and again)."""
    return _made_once(choice, _make_advice, knowledge)


def _make_advice(choice: TechniqueChoice, knowledge: Knowledge) -> TechniqueAdvice:
    technique = knowledge.techniques[choice.id]
    return TechniqueAdvice(
        id=technique.id, name=technique.name, why=choice.why, benefits=technique.benefits,
        description=technique.description, pressure=technique.pressure,
        session_minutes=technique.session_minutes, frequency=technique.frequency,
    )


def gather_sources(triage: str, red_flags: list[Rule], contraindications: list[Rule], best: Scored | None,
                   techniques: list[TechniqueAdvice], knowledge: Knowledge) -> tuple[SourceRef, ...]:
    """The sources behind what the answer says. For emergency and urgent answers that is the
    red flags; otherwise every rule that fired, the condition, and the technique described in
    full (the other techniques' reasons come from the condition's sources)."""
    ids = [sid for rule in red_flags for sid in rule.sources]
    if triage not in NO_TECHNIQUES_AT:
        ids += [sid for rule in contraindications for sid in rule.sources]
        ids += list(best.condition.sources) if best else []
        ids += [sid for t in techniques for sid in knowledge.techniques[t.id].sources]
    return tuple(_source_ref(knowledge.sources[sid]) for sid in _unique(ids))


def _source_ref(source: Source) -> SourceRef:
    """The output record of a source, made once per source."""
    return _made_once(source, _make_source_ref)


def _make_source_ref(source: Source) -> SourceRef:
    return SourceRef(source.title, source.url)


_made: dict[int, tuple[Any, Any]] = {}


def _made_once(origin: Any, make: Callable[..., Any], *context: Any) -> Any:
    """The output record made from a knowledge object, built on first use and then reused.

    Keyed by identity (the pair keeps ``origin`` alive, so its id is never reused while
    cached) and bounded, since knowledge folders may come and go in a long process.
    """
    made = _made.get(id(origin))
    if made is not None and made[0] is origin:
        return made[1]
    if len(_made) > 8192:
        _made.clear()
    record = make(origin, *context)
    _made[id(origin)] = (origin, record)
    return record


# --- the explanation: one plain sentence for each step ---------------------------------

def explain_triage(triage: str, fired: list[Rule], ctx: Context) -> list[str]:
    raising = sorted((r for r in fired if r.triage and r.triage != "massage"),
                     key=lambda r: -severity(r.triage or "massage"))
    if not raising:
        return ["Massage: none of your answers is a warning sign that needs a doctor first, "
                "so booking a registered massage therapist (RMT) is a reasonable next step."]
    sentences = [f"{TRIAGE_WORDS[r.triage or 'massage']}: {r.name}, because of {_and(r.when.because(ctx))}."
                 for r in raising]
    if len(raising) > 1:
        sentences.append(f"The most urgent of these decides the advice: {TRIAGE_WORDS[triage].lower()}.")
    return sentences


def explain_condition(best: Scored | None, alternatives: list[Scored]) -> list[str]:
    if best is None:
        return ["No back-pain pattern in the knowledge fits your answers well enough to name one, "
                "so the advice is general."]
    sentences = [f"{best.condition.name} fits your answers best (score {best.score:.2f}), "
                 f"because of {_and(list(best.facts))}."]
    if alternatives:
        sentences.append("Also possible: " + ", ".join(f"{s.condition.name} ({s.score:.2f})" for s in alternatives) + ".")
    return sentences


def explain_techniques(triage: str, techniques: list[TechniqueAdvice], best: Scored | None,
                       answers: Answers) -> list[str]:
    if triage in NO_TECHNIQUES_AT:
        return ["No massage is suggested: see a doctor first, as the warning signs above say."]
    if not techniques:
        return ["Every technique the knowledge has for your answers is ruled out for you; "
                "ask a clinician what kind of hands-on care is safe."]
    topic = best.condition.name.lower() if best else "back pain whose pattern is unclear"
    lead = "Once a clinician has cleared you, " if triage == "see-clinician" else ""
    sentences = []
    for rank, technique in enumerate(techniques):
        order = "first" if rank == 0 else "next"
        sentence = f"{lead}{technique.name} is suggested {order} for {topic}: {technique.why}"
        if answers.pressure and answers.pressure in technique.pressure:
            sentence += f" It uses the {answers.pressure} pressure you prefer."
        sentences.append(sentence)
        lead = ""
    return sentences


def explain_avoid(avoided: dict[str, tuple[str, Rule]], ctx: Context, knowledge: Knowledge) -> list[str]:
    """One sentence per rule that removes techniques: which, because of which answers, and why."""
    by_rule: dict[str, list[str]] = {}
    rules: dict[str, tuple[str, Rule]] = {}
    for tid, (reason, rule) in avoided.items():
        by_rule.setdefault(rule.id, []).append(knowledge.techniques[tid].name)
        rules[rule.id] = (reason, rule)
    sentences = []
    for rule_id, names in by_rule.items():
        reason, rule = rules[rule_id]
        verb = "is" if len(names) == 1 else "are"
        sentences.append(f"{_and(names)} {verb} left out because of {_and(rule.when.because(ctx))}: {reason}")
    return sentences


def explain_unmet_pressure(answers: Answers, techniques: list[TechniqueAdvice]) -> list[str]:
    """Say so when no suggested massage uses the pressure the person asked for."""
    if not answers.pressure or not techniques or any(answers.pressure in t.pressure for t in techniques):
        return []
    return [f"You prefer {answers.pressure} pressure, but no massage suggested for you uses it; "
            "ask your therapist what pressure is safe for you."]


def explain_missing(answers: Answers) -> list[str]:
    missing = [QUESTION_WORDS[name] for name in answers.missing() if name in QUESTION_WORDS]
    if not missing:
        return []
    return [f"Not answered: {_and(missing)}. An answer there could change this advice."]


def _match(scored: Scored) -> ConditionMatch:
    return ConditionMatch(scored.condition.id, scored.condition.name, scored.score, scored.condition.description)


def _and(items: list[str]) -> str:
    if not items:
        return "your answers"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _unique(items) -> list:  # type: ignore[no-untyped-def]
    return list(dict.fromkeys(items))
