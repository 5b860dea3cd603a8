"""The recommender: answers and knowledge in, a ``Recommendation`` out.

Pure: no printing, no terminal, no medical facts. Every fact comes from the knowledge;
this module only scores, applies the safety rules and explains which answers led where.

``recommend`` works through the steps of ``Steps``: score each condition, find the rules
that fire, derive the advice, and say which answers made each expression hold. A batch
asks the same steps again and again with answers that differ only in what a step does not
look at; ``memo.RememberingSteps`` answers them from memory, with the same results.
"""


from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any, NamedTuple

from backmassage.answers import Answers
from backmassage.expressions import Context, Expression, atoms_of
from backmassage.knowledge import Condition, Knowledge, Rule, Source, TechniqueChoice
from backmassage.memory import Memory
from backmassage.model import Avoid, ConditionMatch, Recommendation, RedFlag, SourceRef, TechniqueAdvice
from backmassage.vocabulary import severity

NO_TECHNIQUES_AT = ("urgent", "emergency")
MAX_ALTERNATIVES = 3
EXPLANATION_STEPS = ("triage", "condition", "technique", "avoid", "missing")
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


class Fired(NamedTuple):
    """The safety rules whose ``when`` holds, in the knowledge's order."""

    red_flags: tuple[Rule, ...]
    contraindications: tuple[Rule, ...]


class Advice(NamedTuple):
    """What follows from the best condition, the rules that fired and the pressure preferred."""

    triage: str
    avoided: dict[str, tuple[str, Rule]]  # technique id -> (reason, the first rule that removes it)
    techniques: tuple[TechniqueAdvice, ...]
    avoid: tuple[Avoid, ...]
    red_flags: tuple[RedFlag, ...]
    cautions: tuple[str, ...]
    sources: tuple[SourceRef, ...]
    technique_sentences: tuple[str, ...]
    pressure_sentences: tuple[str, ...]


def recommend(answers: Answers, knowledge: Knowledge, *, steps: "Steps | None" = None,
              conditions: Sequence[Condition] | None = None) -> Recommendation:
    """The recommendation for one person's checked answers.

    ``steps`` works out each step (``Steps(knowledge)`` when None; it must be for this same
    knowledge). ``conditions``, when given, are the only ones scored (in the knowledge's
    order); the others must be ones these answers cannot score above 0 (see ``api.Recommender``).
    """
    if steps is None:
        steps = Steps(knowledge)
    elif steps.knowledge is not knowledge:
        raise ValueError("recommend: the steps were made for another knowledge")
    ctx = steps.context(answers)
    named = steps.rank(ctx, knowledge.conditions if conditions is None else conditions)
    best = named[0] if named else None
    if best:
        ctx = Context(answers, ctx.atoms, best.condition.id, best.condition.name, ctx.bits)
    fired = steps.fired(ctx)
    advice = steps.advice(best.condition if best else None, fired, answers.pressure)
    triage_said, avoid_said = steps.explain_rules(fired, advice, ctx)
    condition_said = steps.explain_condition(named[:MAX_ALTERNATIVES + 1], ctx)
    avoid_said += advice.pressure_sentences
    missing_said = explain_missing(answers) if advice.triage != "emergency" else ()
    return Recommendation(
        triage=advice.triage,
        condition=_match(best) if best else None,
        alternatives=tuple(_match(s) for s in named[1:MAX_ALTERNATIVES + 1]),
        techniques=advice.techniques,
        avoid=advice.avoid,
        red_flags=advice.red_flags,
        cautions=advice.cautions,
        explanation=triage_said + condition_said + advice.technique_sentences + avoid_said + missing_said,
        explanation_steps=_step_names(len(triage_said), len(condition_said), len(advice.technique_sentences),
                                      len(avoid_said), len(missing_said)),
        sources=advice.sources,
        knowledge_version=knowledge.version,
        answers=answers,
    )


class Steps:
    """The steps of a recommendation, each worked out from the answers directly."""

    def __init__(self, knowledge: Knowledge):
        self.knowledge = knowledge

    def context(self, answers: Answers) -> Context:
        return Context(answers, atoms_of(answers))

    def rank(self, ctx: Context, conditions: Sequence[Condition]) -> list[Scored]:
        """The conditions scoring above 0 and at least the knowledge's ``min_score``, best first;
        ties keep the knowledge's order."""
        min_score = self.knowledge.min_score
        named = []
        for condition in conditions:
            value = self.score(condition, ctx)
            if value > 0 and value >= min_score:
                named.append(Scored(condition, value))
        named.sort(key=by_score)  # sort() is stable: ties stay in file order
        return named

    def score(self, condition: Condition, ctx: Context) -> float:
        """0..1: the weight of the condition's evidence that holds; 0 when its ``requires`` does not."""
        if condition.requires is not None and not condition.requires.holds(ctx):
            return 0.0
        total = matched = 0.0
        for evidence in condition.evidence:
            total += evidence.weight
            if evidence.expression.holds(ctx):
                matched += evidence.weight
        return round(matched / total, 3)

    def fired(self, ctx: Context) -> Fired:
        knowledge = self.knowledge
        return Fired(tuple(rule for rule in knowledge.red_flags if rule.when.holds(ctx)),
                     tuple(rule for rule in knowledge.contraindications if rule.when.holds(ctx)))

    def because(self, expression: Expression, ctx: Context) -> Sequence[str]:
        return expression.because(ctx)

    def facts(self, condition: Condition, ctx: Context) -> tuple[str, ...]:
        """The person's answers that make the condition's evidence hold, in plain words."""
        return tuple(_unique(fact for e in condition.evidence for fact in self.because(e.expression, ctx)))

    def explain_rules(self, fired: Fired, advice: Advice, ctx: Context) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The explanation's sentences for the triage and for the techniques left out."""
        return (tuple(explain_triage(advice.triage, fired.red_flags + fired.contraindications, ctx, self.because)),
                tuple(explain_avoid(advice.avoided, ctx, self.knowledge, self.because)))

    def explain_condition(self, named: Sequence[Scored], ctx: Context) -> tuple[str, ...]:
        """The explanation's sentences for the best condition (``named[0]``) and the alternatives."""
        best = named[0] if named else None
        return tuple(explain_condition(best, self.facts(best.condition, ctx) if best else (), named[1:]))

    def advice(self, best: Condition | None, fired: Fired, pressure: str | None) -> Advice:
        knowledge = self.knowledge
        rules = fired.red_flags + fired.contraindications
        triage = max((rule.triage for rule in rules if rule.triage), key=severity, default="massage")
        avoided = avoided_techniques(fired.contraindications + fired.red_flags, knowledge)
        techniques = () if triage in NO_TECHNIQUES_AT else rank_techniques(best, pressure, knowledge, avoided)
        condition_cautions = best.cautions if best and triage not in NO_TECHNIQUES_AT else ()
        return Advice(
            triage=triage,
            avoided=avoided,
            techniques=techniques,
            avoid=tuple(Avoid(tid, reason, knowledge.techniques[tid].name) for tid, (reason, _) in avoided.items()),
            red_flags=tuple(RedFlag(r.id, r.name, r.advice or "", r.triage or "") for r in fired.red_flags),
            cautions=tuple(_unique([r.caution for r in rules if r.caution] + list(condition_cautions))),
            sources=gather_sources(triage, fired, best, techniques[:1], knowledge),
            technique_sentences=tuple(explain_techniques(triage, techniques, best, pressure)),
            pressure_sentences=tuple(explain_unmet_pressure(pressure, techniques)),
        )


def avoided_techniques(rules: Sequence[Rule], knowledge: Knowledge) -> dict[str, tuple[str, Rule]]:
    """Technique id -> (reason, the first rule that removes it), in the knowledge's technique order."""
    removed: dict[str, tuple[str, Rule]] = {}
    for rule in rules:
        for technique_id in rule.avoid:
            removed.setdefault(technique_id, (rule.reason or "", rule))
    return {tid: removed[tid] for tid in knowledge.techniques if tid in removed}


def rank_techniques(best: Condition | None, pressure: str | None, knowledge: Knowledge,
                    avoided: dict[str, tuple[str, Rule]]) -> tuple[TechniqueAdvice, ...]:
    """The condition's techniques best first, without avoided ones; the preferred pressure moves ahead."""
    choices = list(best.techniques) if best else []
    usable = [c for c in choices if c.id not in avoided]
    if not usable:
        usable = [c for c in knowledge.fallback_techniques if c.id not in avoided]
    if pressure:
        usable.sort(key=lambda c: pressure not in knowledge.techniques[c.id].pressure)
    return tuple(_advice(choice, knowledge) for choice in usable)


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


def gather_sources(triage: str, fired: Fired, best: Condition | None,
                   techniques: Sequence[TechniqueAdvice], knowledge: Knowledge) -> tuple[SourceRef, ...]:
    """The sources behind what the answer says. For emergency and urgent answers that is the
    red flags; otherwise every rule that fired, the condition, and the technique described in
    full (the other techniques' reasons come from the condition's sources)."""
    ids = [sid for rule in fired.red_flags for sid in rule.sources]
    if triage not in NO_TECHNIQUES_AT:
        ids += [sid for rule in fired.contraindications for sid in rule.sources]
        ids += list(best.sources) if best else []
        ids += [sid for t in techniques for sid in knowledge.techniques[t.id].sources]
    return tuple(_source_ref(knowledge.sources[sid]) for sid in _unique(ids))


def _source_ref(source: Source) -> SourceRef:
    """The output record of a source, made once per source."""
    return _made_once(source, _make_source_ref)


def _make_source_ref(source: Source) -> SourceRef:
    return SourceRef(source.title, source.url)


_made = Memory(8192)  # bounded: knowledge folders may come and go in a long process


def _made_once(origin: Any, make: Callable[..., Any], *context: Any) -> Any:
    """The output record made from a knowledge object, built on first use and then reused."""
    record = _made.recall(id(origin), origin)
    if record is None:
        record = _made.keep_for(id(origin), origin, make(origin, *context))
    return record


# --- the explanation: one plain sentence for each step ---------------------------------

Because = Callable[[Expression, Context], Sequence[str]]


def explain_triage(triage: str, fired: Sequence[Rule], ctx: Context, because: Because) -> list[str]:
    raising = sorted((r for r in fired if r.triage and r.triage != "massage"),
                     key=lambda r: -severity(r.triage or "massage"))
    if not raising:
        return ["Massage: none of your answers is a warning sign that needs a doctor first, "
                "so booking a registered massage therapist (RMT) is a reasonable next step."]
    sentences = [f"{TRIAGE_WORDS[r.triage or 'massage']}: {r.name}, because of {_and(because(r.when, ctx))}."
                 for r in raising]
    if len(raising) > 1:
        sentences.append(f"The most urgent of these decides the advice: {TRIAGE_WORDS[triage].lower()}.")
    return sentences


def explain_condition(best: Scored | None, facts: Sequence[str], alternatives: Sequence[Scored]) -> list[str]:
    if best is None:
        return ["No back-pain pattern in the knowledge fits your answers well enough to name one, "
                "so the advice is general."]
    sentences = [f"{best.condition.name} fits your answers best (score {best.score:.2f}), "
                 f"because of {_and(list(facts))}."]
    if alternatives:
        sentences.append("Also possible: " + ", ".join(f"{s.condition.name} ({s.score:.2f})" for s in alternatives) + ".")
    return sentences


def explain_techniques(triage: str, techniques: Sequence[TechniqueAdvice], best: Condition | None,
                       pressure: str | None) -> list[str]:
    if triage in NO_TECHNIQUES_AT:
        return ["No massage is suggested: see a doctor first, as the warning signs above say."]
    if not techniques:
        return ["Every technique the knowledge has for your answers is ruled out for you; "
                "ask a clinician what kind of hands-on care is safe."]
    topic = best.name.lower() if best else "back pain whose pattern is unclear"
    lead = "Once a clinician has cleared you, " if triage == "see-clinician" else ""
    sentences = []
    for rank_, technique in enumerate(techniques):
        order = "first" if rank_ == 0 else "next"
        sentence = f"{lead}{technique.name} is suggested {order} for {topic}: {technique.why}"
        if pressure and pressure in technique.pressure:
            sentence += f" It uses the {pressure} pressure you prefer."
        sentences.append(sentence)
        lead = ""
    return sentences


def explain_avoid(avoided: dict[str, tuple[str, Rule]], ctx: Context, knowledge: Knowledge,
                  because: Because) -> list[str]:
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
        sentences.append(f"{_and(names)} {verb} left out because of {_and(because(rule.when, ctx))}: {reason}")
    return sentences


def explain_unmet_pressure(pressure: str | None, techniques: Sequence[TechniqueAdvice]) -> list[str]:
    """Say so when no suggested massage uses the pressure the person asked for."""
    if not pressure or not techniques or any(pressure in t.pressure for t in techniques):
        return []
    return [f"You prefer {pressure} pressure, but no massage suggested for you uses it; "
            "ask your therapist what pressure is safe for you."]


def explain_missing(answers: Answers) -> tuple[str, ...]:
    return _say_missing(tuple(answers.missing()))


@lru_cache(maxsize=64)
def _say_missing(missing: tuple[str, ...]) -> tuple[str, ...]:
    if not missing:
        return ()
    return (f"Not answered: {_and([QUESTION_WORDS[name] for name in missing])}. "
            "An answer there could change this advice.",)


@lru_cache(maxsize=256)
def _step_names(*counts: int) -> tuple[str, ...]:
    """Which step each sentence belongs to, given how many sentences each step said."""
    return tuple(step for step, count in zip(EXPLANATION_STEPS, counts) for _ in range(count))


def by_score(scored: Scored) -> float:
    return -scored.score


def _match(scored: Scored) -> ConditionMatch:
    return ConditionMatch(scored.condition.id, scored.condition.name, scored.score, scored.condition.description)


def _and(items: Sequence[str]) -> str:
    if not items:
        return "your answers"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _unique(items) -> list:  # type: ignore[no-untyped-def]
    return list(dict.fromkeys(items))
